//! The authorisation-trust pages: the grant matrix of a department (halls ×
//! rights, expiring grants highlighted), granting, revoking, the history;
//! and the security audit log for platform admins. They call the same
//! functions as the API.

use super::{CsrfForm, PageResult, SignedPage, page};
use crate::AppState;
use crate::api::grants::{self, GrantCreate, GranteeInput};
use crate::auth::Ctx;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use minijinja::value::Serde;
use minijinja::{Value, context};
use std::collections::HashMap;
use tongban_domain::i18n::Text;
use tongban_domain::text;

/// The matrix, the history and the forms.
async fn render(
    state: &AppState,
    ctx: &Ctx,
    department: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    let matrix = tongban_app::grant_matrix::grant_matrix(&state.app(), &ctx.signed()?, department)
        .await
        .map_err(|e| ctx.fail(e))?;
    let values = context! { title => crate::lang::t("授权信任"), error, notice, ..Value::from(Serde(&matrix)) };
    let mut res = page(state, ctx, "grants.html", "/work/grants", "grants", values)?;
    *res.status_mut() = status;
    Ok(res)
}

/// The grant matrix of one department (`?department=ID`).
pub async fn grants_page(
    State(state): State<AppState>,
    ctx: SignedPage,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let department = q.get("department").and_then(|v| v.parse().ok());
    render(&state, &ctx, department, None, None, StatusCode::OK).await
}

/// Grants rights from the form.
pub async fn create(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(p): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let body = grant_create(&p);
    let _csrf = p.iter().find(|(n, _)| n == "csrf").map(|(_, v)| v.as_str());
    let grantor = Some(body.grantor);
    match grants::grant(&state, &ctx, &body).await {
        Ok(g) => {
            let rights = Text::join(g.rights.iter().map(|r| Text::from(r.label())), "、");
            let done = text!(
                "已授权：{grantee}（{rights}）",
                grantee = g.grantee.label.clone(),
                rights = rights
            )
            .render(ctx.lang);
            render(&state, &ctx, grantor, None, Some(done), StatusCode::OK).await
        }
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render(&state, &ctx, grantor, Some(msg), None, e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The grant the form describes.
fn grant_create(p: &[(String, String)]) -> GrantCreate {
    let one = |k: &str| {
        p.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let grantee = match one("grantee_kind").as_deref() {
        Some("level") => GranteeInput {
            hall: None,
            level: one("level"),
            region: one("region"),
        },
        _ => GranteeInput {
            hall: one("hall").and_then(|v| v.parse().ok()),
            level: None,
            region: None,
        },
    };
    let items = one("items").map(|t| {
        t.split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    GrantCreate {
        grantor: one("grantor").and_then(|v| v.parse().ok()).unwrap_or(-1),
        grantee,
        rights: p
            .iter()
            .filter(|(n, _)| n == "rights")
            .map(|(_, v)| v.clone())
            .collect(),
        items,
        valid_from: one("valid_from").unwrap_or_default(),
        valid_to: one("valid_to").unwrap_or_default(),
        reason: one("reason").unwrap_or_default(),
    }
}

/// Revokes a grant from the history.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(id): Path<i64>,
    CsrfForm(p): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let reason = p.get("reason").cloned().unwrap_or_default();
    let department = p.get("department").and_then(|v| v.parse().ok());
    match grants::revoke_grant(&state, &ctx, id, &reason).await {
        Ok(g) => {
            render(
                &state,
                &ctx,
                Some(g.grantor.id),
                None,
                Some(
                    text!("已撤销授权：{grantee}", grantee = g.grantee.label.clone())
                        .render(ctx.lang),
                ),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if e.status == StatusCode::CONFLICT => {
            render(
                &state,
                &ctx,
                department,
                Some(e.message_in(ctx.lang)),
                None,
                e.status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The security audit log (platform admins): each event a sentence,
/// filtered by date, account, kind, outcome and case, paged by `cursor`. A
/// bad filter is named above the form.
pub async fn audit_page(
    State(state): State<AppState>,
    ctx: SignedPage,
    Query(q): Query<tongban_app::audit::AuditQuery>,
) -> PageResult {
    use tongban_app::audit;
    let actor = ctx.signed()?;
    let (view, error) = match audit::audit_page(&state.app(), &actor, &q).await {
        Ok(v) => (Some(v), None),
        Err(e) if e.correctable() => {
            let mut e = ctx.fail(e);
            (None, Some(super::shown_in_place(&state, &mut e).await))
        }
        Err(e) => return Err(ctx.fail(e).into()),
    };
    let failed = view.is_none();
    let mut res = match view {
        Some(v) => {
            let query = v.filters.query();
            page(
                &state,
                &ctx,
                "audit.html",
                "/work/audit",
                "audit",
                context! {
                    title => crate::lang::t("安全审计日志"), query, page_size => audit::PAGE_SIZE,
                    ..Value::from(Serde(&v))
                },
            )?
        }
        None => {
            let echo = |v: &Option<String>| v.clone().unwrap_or_default();
            let filters = context! {
                from => echo(&q.from), to => echo(&q.to), user => echo(&q.user),
                kind => echo(&q.kind), outcome => echo(&q.outcome), case_no => echo(&q.case_no),
            };
            let kinds: Vec<Value> = (audit::KINDS.iter())
                .map(|&(id, label)| context! { id, label })
                .collect();
            page(
                &state,
                &ctx,
                "audit.html",
                "/work/audit",
                "audit",
                context! {
                    title => crate::lang::t("安全审计日志"), error, filters, kinds, first => true,
                    page_size => audit::PAGE_SIZE, export_max => audit::EXPORT_MAX,
                },
            )?
        }
    };
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The filtered audit log as an XLSX workbook (recorded as an export).
pub async fn audit_export(
    State(state): State<AppState>,
    ctx: SignedPage,
    Query(q): Query<tongban_app::audit::AuditQuery>,
) -> PageResult {
    use axum::http::header;
    use axum::response::IntoResponse;
    let actor = ctx.signed()?;
    let x = tongban_app::audit::audit_export(&state.app(), &actor, &q, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Ok((
        [
            (header::CONTENT_TYPE, xlsx.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", x.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        x.bytes,
    )
        .into_response())
}

/// Grants and the audit log.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/work/grants", get(grants_page).post(create))
        .route("/work/grants/{id}/revoke", post(revoke))
        .route("/work/audit", get(audit_page))
        .route("/work/audit.xlsx", get(audit_export))
}
