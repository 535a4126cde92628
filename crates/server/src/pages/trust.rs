//! The authorisation-trust pages: the grant matrix of a department (halls ×
//! rights, expiring grants highlighted), granting, revoking, the history;
//! and the security audit log for platform admins. They call the same
//! functions as the API.

use super::{PageResult, login_redirect, page};
use crate::AppState;
use crate::api::cases::Lookups;
use crate::api::grants::{self, GrantCreate, GranteeInput};
use crate::auth::Ctx;
use axum::Form;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use minijinja::{Value, context};
use std::collections::HashMap;
use tongban_domain::DepartmentId;
use tongban_domain::authz::Action;
use tongban_domain::city::RegionLevel;
use tongban_domain::grant::{Right, own_hall};
use tongban_domain::user::Role;

/// The department a page is about: the one asked for, else the admin's own,
/// else the first.
fn chosen_department(
    ctx: &Ctx,
    data: &crate::api::cases::RefData,
    asked: Option<i64>,
) -> Option<DepartmentId> {
    asked
        .map(DepartmentId)
        .filter(|d| data.departments.iter().any(|x| x.id == *d))
        .or(ctx.user.as_ref().and_then(|u| u.scope.department()))
        .or(data.departments.first().map(|d| d.id))
}

/// The matrix, the history and the forms.
async fn render(
    state: &AppState,
    ctx: &Ctx,
    department: Option<i64>,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    ctx.authorize(Action::ReadGrants)?;
    let lookups = Lookups::load(&state.app()).await?;
    let data = lookups.data();
    let today = state.now.today();
    let Some(dept_id) = chosen_department(ctx, data, department) else {
        return Err(crate::error::ApiError::not_found().into());
    };
    let dept = data
        .departments
        .iter()
        .find(|d| d.id == dept_id)
        .expect("chosen from the list");
    let may_manage = tongban_domain::authz::authorize(
        ctx.actor,
        Action::ManageGrants { grantor: dept_id },
        &tongban_domain::authz::Trust::NONE,
    )
    .is_ok();
    let mine: Vec<&tongban_domain::grant::Grant> = data
        .grants
        .iter()
        .filter(|g| g.grantor == dept_id)
        .collect();
    // One row per hall, one cell per right: what the hall holds today.
    let rows: Vec<Value> = data
        .halls
        .iter()
        .filter_map(|h| {
            let place = data.places.iter().find(|p| p.hall == h.id)?;
            let own = own_hall(dept, place);
            let cells: Vec<Value> = Right::ALL
                .iter()
                .map(|&r| {
                    if own {
                        return context! { state => "own", text => "本部门窗口" };
                    }
                    let covering: Vec<_> = mine
                        .iter()
                        .filter(|g| g.rights.contains(&r) && g.grantee.covers(place))
                        .collect();
                    let live: Vec<_> = covering.iter().filter(|g| g.in_force(today)).collect();
                    if let Some(g) = live.iter().find(|g| g.items.is_none()).or(live.first()) {
                        let expiring = (g.valid_to - today).whole_days() <= grants::EXPIRING_DAYS;
                        let scope = match &g.items {
                            None => "全部事项".to_owned(),
                            Some(l) => format!("{}项事项", l.len()),
                        };
                        return context! {
                            state => if expiring { "expiring" } else { "granted" },
                            text => format!("{scope}，至{}{}", g.valid_to, if expiring { "（即将到期）" } else { "" }),
                        };
                    }
                    // Nothing in force: say why.
                    let why = if covering.iter().any(|g| g.revoked.is_some()) {
                        "已撤销"
                    } else if covering.iter().any(|g| today > g.valid_to) {
                        "已过期"
                    } else if !covering.is_empty() {
                        "尚未生效"
                    } else {
                        "未授权"
                    };
                    context! { state => "none", text => why }
                })
                .collect();
            Some(context! { hall => &h.name, level => h.level.label(), pilot => h.pilot, cells })
        })
        .collect();
    let history: Vec<Value> = mine
        .iter()
        .rev()
        .map(|g| {
            let v = grants::view(data, g, today);
            context! {
                id => v.id, grantee => v.grantee.label, rights => v.rights.iter().map(|r| r.label()).collect::<Vec<_>>(),
                items => v.items.map(|l| l.join("、")).unwrap_or_else(|| "全部事项".into()),
                valid_from => v.valid_from, valid_to => v.valid_to, reason => v.reason,
                granted_at => v.granted_at.get(..16).unwrap_or("").replace('T', " "),
                state => v.state.clone(), expiring => v.expiring,
                state_label => match v.state.as_str() { "active" => "有效", "expired" => "已过期", "revoked" => "已撤销", _ => "尚未生效" },
                revoked => v.revoked.map(|r| context! { at => r.at.get(..16).unwrap_or("").replace('T', " "), reason => r.reason }),
            }
        })
        .collect();
    let departments: Vec<Value> = data
        .departments
        .iter()
        .map(|d| context! { id => d.id.0, name => &d.name, selected => d.id == dept_id })
        .collect();
    let halls: Vec<Value> = data
        .halls
        .iter()
        .map(|h| context! { id => h.id.0, name => &h.name })
        .collect();
    let regions: Vec<Value> = data
        .regions
        .iter()
        .filter(|r| {
            matches!(
                r.level,
                RegionLevel::City | RegionLevel::County | RegionLevel::Town
            )
        })
        .map(|r| context! { code => r.code.as_str(), name => &r.name })
        .collect();
    let levels: Vec<Value> = RegionLevel::ALL
        .iter()
        .map(|l| context! { id => l.as_str(), label => l.label() })
        .collect();
    let rights: Vec<Value> = Right::ALL
        .iter()
        .map(|r| context! { id => r.as_str(), label => r.label() })
        .collect();
    let mut res = page(
        state,
        ctx,
        "grants.html",
        "/work/grants",
        "grants",
        context! {
            title => "授权信任", dept => context! { id => dept_id.0, name => &dept.name },
            departments, rows, history, may_manage, halls, regions, levels, rights, error, notice,
            today => today.to_string(),
            next_year_end => format!("{}-12-31", today.year() + 1),
            is_admin => ctx.user.as_ref().is_some_and(|u| u.role == Role::PlatformAdmin),
        },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// The grant matrix of one department (`?department=ID`).
pub async fn grants_page(
    State(state): State<AppState>,
    ctx: Ctx,
    uri: OriginalUri,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    if let Some(r) = login_redirect(&ctx, &uri) {
        return Ok(r);
    }
    let department = q.get("department").and_then(|v| v.parse().ok());
    render(&state, &ctx, department, None, None, StatusCode::OK).await
}

/// Grants rights from the form.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: OriginalUri,
    Form(p): Form<Vec<(String, String)>>,
) -> PageResult {
    if let Some(r) = login_redirect(&ctx, &uri) {
        return Ok(r);
    }
    let one = |k: &str| {
        p.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    ctx.check_csrf(&headers, one("csrf").as_deref())?;
    let grantor: i64 = one("grantor").and_then(|v| v.parse().ok()).unwrap_or(-1);
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
    let body = GrantCreate {
        grantor,
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
    };
    match grants::grant(&state, &ctx, &body).await {
        Ok(g) => {
            render(
                &state,
                &ctx,
                Some(grantor),
                None,
                Some(format!(
                    "已授权：{}（{}）",
                    g.grantee.label,
                    g.rights
                        .iter()
                        .map(|r| r.label())
                        .collect::<Vec<_>>()
                        .join("、")
                )),
                StatusCode::OK,
            )
            .await
        }
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render(&state, &ctx, Some(grantor), Some(msg), None, e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes a grant from the history.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    uri: OriginalUri,
    Path(id): Path<i64>,
    Form(p): Form<HashMap<String, String>>,
) -> PageResult {
    if let Some(r) = login_redirect(&ctx, &uri) {
        return Ok(r);
    }
    ctx.check_csrf(&headers, p.get("csrf").map(String::as_str))?;
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

/// The security audit log (platform admins), filtered by `kind`.
pub async fn audit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    uri: OriginalUri,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    if let Some(r) = login_redirect(&ctx, &uri) {
        return Ok(r);
    }
    ctx.authorize(Action::ReadAudit)?;
    let kind = q
        .get("kind")
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty());
    let (rows, total) = state
        .store
        .audit_events(&tongban_store::AuditFilter {
            kind: kind.clone(),
            limit: 200,
            ..Default::default()
        })
        .await?;
    let kinds = [
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
    let label = |k: &str| {
        kinds
            .iter()
            .find(|x| x.0 == k)
            .map(|x| x.1)
            .unwrap_or("其他")
    };
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
            title => "安全审计日志", events, total, kind,
            kinds => kinds.iter().map(|&(id, l)| context! { id, label => l }).collect::<Vec<_>>(),
        },
    )
}
