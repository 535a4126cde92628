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
use tongban_domain::authz::Action;

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
    let values = context! { title => "授权信任", error, notice, ..Value::from(Serde(&matrix)) };
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
            let rights: Vec<&str> = g.rights.iter().map(|r| r.label()).collect();
            let done = format!("已授权：{}（{}）", g.grantee.label, rights.join("、"));
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
                Some(format!("已撤销授权：{}", g.grantee.label)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if e.status == StatusCode::CONFLICT => {
            render(
                &state,
                &ctx,
                department,
                Some(e.message.clone()),
                None,
                e.status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The kinds of audit events, in words.
const KINDS: &[(&str, &str)] = &[
    ("denied", "拒绝访问"),
    ("login", "登录"),
    ("login_failed", "登录失败"),
    ("login_throttled", "登录限制"),
    ("token_used", "令牌使用"),
    ("grant_created", "授权"),
    ("grant_revoked", "撤销授权"),
    ("pii_view", "查看完整证件号码"),
    ("export", "导出"),
    ("login_attack", "账号遭猜测"),
    ("code_guessing", "验证码猜测"),
    ("outbox_resend", "重发消息"),
];

/// The security audit log (platform admins), filtered by `kind`.
pub async fn audit_page(
    State(state): State<AppState>,
    ctx: SignedPage,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    ctx.authorize(Action::ReadAudit)?;
    let kind = q
        .get("kind")
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty());
    // A cursor that is not one shows the newest page.
    let cursor = (q.get("cursor")).and_then(|c| tongban_app::cursor::decode_audit(c).ok());
    let (rows, next) = state
        .store
        .audit_events(&tongban_store::AuditFilter {
            kind: kind.clone(),
            limit: 200,
            before: cursor,
            ..Default::default()
        })
        .await?;
    let next = next.map(tongban_app::cursor::encode_audit);
    let label = |k: &str| KINDS.iter().find(|x| x.0 == k).map_or("其他", |x| x.1);
    let events: Vec<Value> = rows
        .iter()
        .map(|e| {
            context! {
                seq => e.seq, at => tongban_store::rfc3339(e.at).get(..19).unwrap_or("").replace('T', " "),
                kind => label(&e.kind), username => &e.username, addr => &e.addr, subject => &e.subject,
                detail => &e.detail,
            }
        })
        .collect();
    page(
        &state,
        &ctx,
        "audit.html",
        "/work/audit",
        "audit",
        context! {
            title => "安全审计日志", events, next, kind, first => cursor.is_none(),
            kinds => KINDS.iter().map(|&(id, l)| context! { id, label => l }).collect::<Vec<_>>(),
        },
    )
}
