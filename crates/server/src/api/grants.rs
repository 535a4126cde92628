//! Authorisation trust (授权信任) over HTTP: the grants on record, granting,
//! revoking (the record stays), the caller's effective rights, and the
//! security audit log.

use crate::AppState;
use crate::api::Page;
use crate::api::cases::Lookups;
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
pub use tongban_app::grants::{
    EXPIRING_DAYS, EffectiveRight, GrantCreate, GrantView, GranteeInput, GranteeView, RegionView,
    RevocationView, effective_rights, view,
};
use tongban_domain::FieldError;
use tongban_domain::authz::Action;
use tongban_domain::grant::HallPlace;
use utoipa::ToSchema;

/// The grants on record, newest first. Filters: `grantor` (department id),
/// `hall` (grants that cover this hall), `state` (`active`, `expired`,
/// `not_yet_valid`, `revoked`). Access: staff and admins (not applicants).
#[utoipa::path(get, path = "/grants", tag = "grants", security(("bearer" = [])),
    params(("grantor" = Option<i64>, Query), ("hall" = Option<i64>, Query), ("state" = Option<String>, Query),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<GrantView>), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<Page<GrantView>>> {
    ctx.authorize(Action::ReadGrants)?;
    let (limit, offset) = p.paging()?;
    let grantor = p.parse("grantor", "授权部门", |v| v.parse::<i64>().ok())?;
    let hall = p.parse("hall", "服务中心", |v| v.parse::<i64>().ok())?;
    let wanted = p.parse("state", "授权状态", |v| {
        ["active", "expired", "not_yet_valid", "revoked"]
            .contains(&v)
            .then(|| v.to_owned())
    })?;
    let lookups = Lookups::load(&state.app()).await?;
    let data = lookups.data();
    let place: Option<&HallPlace> = match hall {
        Some(h) => Some(data.places.iter().find(|x| x.hall.0 == h).ok_or_else(|| {
            ApiError::from(FieldError::new("hall", "hall.unknown", "服务中心不存在"))
        })?),
        None => None,
    };
    let today = state.now.today();
    let mut rows: Vec<GrantView> = data
        .grants
        .iter()
        .rev()
        .filter(|g| grantor.is_none_or(|d| g.grantor.0 == d))
        .filter(|g| place.is_none_or(|p| g.grantee.covers(p)))
        .map(|g| view(data, g, today))
        .collect();
    if let Some(w) = wanted {
        rows.retain(|g| g.state == w);
    }
    Ok(Json(Page::of(rows, limit, offset)))
}

/// Grants rights of a department to a hall or to every hall of a level in
/// a region, for all of its items or a list, for a period; recorded with
/// who, when and why, and in the audit log. Access: the department's admin,
/// or a platform admin.
#[utoipa::path(post, path = "/grants", tag = "grants", security(("bearer" = [])),
    request_body = GrantCreate,
    responses((status = 201, body = GrantView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<GrantCreate>,
) -> ApiResult<(StatusCode, Json<GrantView>)> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let g = grant(&state, &ctx, &body).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

/// Records a grant (the API and the admin page share it).
pub async fn grant(state: &AppState, ctx: &Ctx, body: &GrantCreate) -> ApiResult<GrantView> {
    let actor = ctx.signed()?;
    tongban_app::grants::grant(&state.app(), &actor, body)
        .await
        .map_err(|e| ctx.fail(e))
}

/// Revokes a grant (the API and the admin page share it).
pub async fn revoke_grant(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reason: &str,
) -> ApiResult<GrantView> {
    let actor = ctx.signed()?;
    tongban_app::grants::revoke_grant(&state.app(), &actor, id, reason)
        .await
        .map_err(|e| ctx.fail(e))
}

/// Why a grant is revoked.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// Why (recorded; “未说明” when left out).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Revokes a grant from now on; the record stays, with who, when and why.
/// Body (optional): `{"reason": "..."}`. Access: the granting department's
/// admin, or a platform admin.
#[utoipa::path(delete, path = "/grants/{id}", tag = "grants", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = Option<RevokeBody>),
    responses((status = 200, body = GrantView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<GrantView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        let de = &mut serde_json::Deserializer::from_slice(&body);
        let b: RevokeBody = serde_path_to_error::deserialize(de).map_err(|e| {
            ApiError::from(FieldError::new(
                e.path().to_string(),
                "invalid",
                tongban_domain::text!(
                    "请求体应为 {{\"reason\": \"{reason}\"}}",
                    reason = "撤销理由"
                ),
            ))
        })?;
        b.reason.unwrap_or_default()
    };
    Ok(Json(revoke_grant(&state, &ctx, id, &reason).await?))
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// The events, newest first.
    pub data: Vec<AuditView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A security audit event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    /// Position in the chain (0 until it is sealed, within seconds).
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// `login`, `login_failed`, `login_throttled`, `token_used`, `denied`,
    /// `grant_created`, `grant_revoked`, `pii_view`, `export`.
    pub kind: String,
    /// `allowed`, or `denied` (a refusal, a failed or throttled sign-in, a
    /// guessed code).
    pub outcome: String,
    /// The acting account.
    pub actor: Option<i64>,
    /// The user name.
    pub username: Option<String>,
    /// Who, in words: name and hall or department.
    pub who: String,
    /// The event as a sentence in Chinese (who did what to what, allowed
    /// or refused and why, naming the department whose right was lacking).
    pub sentence: String,
    /// The client address.
    pub addr: String,
    /// What it concerns (case number, `grant:ID`, `user:NAME`, …).
    pub subject: String,
    /// Details.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The chain hash.
    pub hash: String,
}

/// The security audit log, newest first, each event with its sentence.
/// Filters: `from` / `to` (days, China time, inclusive), `user` (user
/// name) or `actor` (account id), `kind`, `outcome`, `case_no` (or any
/// `subject`). Access: platform admin. (The page `/work/audit` reads the
/// same, with an XLSX export.)
#[utoipa::path(get, path = "/audit", tag = "grants", security(("bearer" = [])),
    params(("from" = Option<String>, Query, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description = "First day, YYYY-MM-DD"),
           ("to" = Option<String>, Query, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description = "Last day, YYYY-MM-DD"),
           ("user" = Option<String>, Query, max_length = 64, description = "The acting account's user name"),
           ("actor" = Option<i64>, Query, description = "The acting account's id"),
           ("kind" = Option<String>, Query), ("case_no" = Option<String>, Query, max_length = 40),
           ("subject" = Option<String>, Query, max_length = 40, description = "Any subject (`grant:ID` …); `case_no` wins"),
           ("outcome" = Option<String>, Query, description = "`allowed` or `denied`"),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("cursor" = Option<String>, Query, max_length = 20, description = "The `next` of the page before")),
    responses((status = 200, body = AuditPage), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<AuditPage>> {
    let actor = ctx.signed()?;
    let text = |k: &str| p.get(k).map(str::to_owned);
    let q = tongban_app::audit::AuditQuery {
        from: text("from"),
        to: text("to"),
        user: text("user"),
        kind: text("kind"),
        outcome: text("outcome"),
        case_no: text("case_no").or(text("subject")),
        actor: p.parse("actor", "账号", |v| v.parse::<i64>().ok())?,
        cursor: text("cursor"),
        limit: Some(p.limit()? as i64),
    };
    let page = tongban_app::audit::audit_page(&state.app(), &actor, &q)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(AuditPage {
        data: page
            .entries
            .into_iter()
            .map(|l| AuditView {
                seq: l.event.seq,
                at: tongban_store::rfc3339(l.event.at),
                outcome: l.outcome.into(),
                kind: l.event.kind,
                actor: l.event.actor,
                username: l.event.username,
                who: l.who.render(ctx.lang),
                sentence: l.sentence.render(ctx.lang),
                addr: l.event.addr,
                subject: l.event.subject,
                detail: serde_json::from_str(&l.event.detail).unwrap_or(serde_json::Value::Null),
                hash: l.event.hash,
            })
            .collect(),
        next: page.next,
    }))
}
