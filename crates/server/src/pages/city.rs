//! The city administration pages: `/work/city` for platform admins
//! (regions, halls with their windows and named staff, departments, the
//! staffing warnings, the city workbook) and `/work/staff` for whoever
//! administers staff (platform, hall and department admins). Every form
//! calls the same use case as the API.

use super::{CsrfForm, PageResult, SignedPage, page};
use crate::AppState;
use crate::auth::Ctx;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use minijinja::value::Serde;
use minijinja::{Value, context};
use std::collections::HashMap;
use tongban_app::city_admin::{self as admin};
use tongban_app::{Actor, AppError};
use tongban_domain::city::{DepartmentKind, HallKind, RegionLevel};
use tongban_domain::city_admin::{
    DepartmentDraft, HallDraft, RegionDraft, StaffDraft, WindowDraft,
};
use tongban_domain::i18n::Text;
use tongban_domain::text;
use tongban_domain::{DepartmentId, HallId, UserId, WindowId};

type Form = HashMap<String, String>;

fn text(p: &Form, k: &str) -> String {
    p.get(k).map(|v| v.trim().to_owned()).unwrap_or_default()
}

fn ticked(p: &Form, k: &str) -> bool {
    matches!(p.get(k).map(String::as_str), Some("on" | "true" | "1"))
}

fn number(p: &Form, k: &str) -> Option<i64> {
    p.get(k).and_then(|v| v.trim().parse().ok())
}

/// What a page shows after a form: a notice, or the error and the fields.
#[derive(Default)]
struct Outcome {
    notice: Option<String>,
    error: Option<String>,
    fields: std::collections::BTreeMap<String, String>,
    report: Option<Value>,
    status: Option<StatusCode>,
}

async fn render(state: &AppState, ctx: &Ctx, o: Outcome) -> PageResult {
    let actor = ctx.signed()?;
    let city = admin::city_overview(&state.app(), &actor)
        .await
        .map_err(|e| ctx.fail(e))?;
    let kinds: Vec<Value> = (HallKind::ALL.iter())
        .map(|k| context! { id => k.as_str(), label => k.label() })
        .collect();
    let department_kinds: Vec<Value> = (DepartmentKind::ALL.iter())
        .map(|k| context! { id => k.as_str(), label => k.label() })
        .collect();
    let levels: Vec<Value> = (RegionLevel::ALL.iter())
        .map(|l| context! { id => l.as_str(), label => l.label() })
        .collect();
    let values = context! {
        title => crate::lang::t("城市管理"), notice => o.notice, error => o.error, fields => o.fields,
        report => o.report, kinds, department_kinds, levels, ..Value::from(Serde(&city))
    };
    let mut res = page(state, ctx, "city.html", "/work/city", "city", values)?;
    *res.status_mut() = o.status.unwrap_or(StatusCode::OK);
    Ok(res)
}

/// The city page.
pub async fn city_page(State(state): State<AppState>, ctx: SignedPage) -> PageResult {
    render(&state, &ctx, Outcome::default()).await
}

/// One form of the city page, by its `op`.
pub async fn city_post(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(p): CsrfForm<Form>,
) -> PageResult {
    let actor = ctx.signed()?;
    let done = apply(&state, &actor, &p).await;
    let o = outcome(&state, &ctx, done).await?;
    render(&state, &ctx, o).await
}

/// The page's answer to a use case's result: its notice, or what the
/// person can put right, in place (anything else is an error page).
async fn outcome(
    state: &AppState,
    ctx: &Ctx,
    done: Result<Text, AppError>,
) -> Result<Outcome, crate::error::ApiError> {
    match done {
        Ok(notice) => Ok(Outcome {
            notice: Some(notice.render(ctx.lang)),
            ..Default::default()
        }),
        Err(e) => {
            let mut e = ctx.fail(e);
            if !e.status.is_client_error() || e.status == StatusCode::FORBIDDEN {
                return Err(e);
            }
            let message = super::shown_in_place(state, &mut e).await;
            Ok(Outcome {
                error: Some(message),
                fields: e.fields_in(ctx.lang).into_iter().collect(),
                status: Some(e.status),
                ..Default::default()
            })
        }
    }
}

async fn apply(state: &AppState, actor: &Actor, p: &Form) -> Result<Text, AppError> {
    let app = state.app();
    let hall = || hall_draft(p);
    let id = |k: &str| number(p, k).unwrap_or(0);
    match text(p, "op").as_str() {
        "region" => {
            let r = admin::save_region(&app, actor, &region_draft(p)).await?;
            Ok(text!(
                "已保存区划 {code} {name}",
                code = r.code.to_string(),
                name = r.name.clone()
            ))
        }
        "region_retire" => {
            admin::retire_region(&app, actor, &text(p, "code")).await?;
            Ok(text!("已撤销区划 {code}", code = text(p, "code")))
        }
        "hall" => {
            admin::create_hall(&app, actor, &hall()).await?;
            Ok(text!("已新增服务中心：{name}", name = text(p, "name")))
        }
        "hall_update" => {
            admin::update_hall(&app, actor, HallId(id("hall")), &hall()).await?;
            Ok(text!("已保存服务中心：{name}", name = text(p, "name")))
        }
        "hall_retire" => {
            admin::retire_hall(&app, actor, HallId(id("hall"))).await?;
            Ok(text!("已撤销服务中心（其办件和记录保留）"))
        }
        "window" => {
            let d = window_draft(p);
            admin::create_window(&app, actor, HallId(id("hall")), &d).await?;
            Ok(text!(
                "已新增窗口 {number}",
                number = d.number.to_uppercase()
            ))
        }
        "window_retire" => {
            admin::retire_window(&app, actor, WindowId(id("window"))).await?;
            Ok(text!("已撤销窗口"))
        }
        "window_staff" => {
            let names: Vec<String> = text(p, "staff")
                .split([',', '，', '、', ' ', '\n'])
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
                .collect();
            let left =
                admin::name_window_staff(&app, actor, WindowId(id("window")), &names).await?;
            Ok(text!(
                "已指定专人（{n}人）；全市仍有{left}处专窗人员不足",
                n = names.len(),
                left = left.len()
            ))
        }
        "department" => {
            let d = department(p);
            admin::create_department(&app, actor, &d).await?;
            Ok(text!("已新增部门：{name}", name = d.name.clone()))
        }
        "department_update" => {
            let d = department(p);
            admin::update_department(&app, actor, DepartmentId(id("department")), &d).await?;
            Ok(text!("已保存部门：{name}", name = d.name.clone()))
        }
        "department_retire" => {
            admin::retire_department(&app, actor, DepartmentId(id("department"))).await?;
            Ok(text!("已撤销部门（其办件和记录保留）"))
        }
        _ => Err(AppError::field("op", "invalid", "未知的操作")),
    }
}

fn region_draft(p: &Form) -> RegionDraft {
    RegionDraft {
        code: text(p, "code"),
        name: text(p, "name"),
        level: text(p, "level"),
        parent: Some(text(p, "parent")).filter(|x| !x.is_empty()),
        local_code: ticked(p, "local_code"),
        retired: false,
    }
}

fn hall_draft(p: &Form) -> HallDraft {
    HallDraft {
        key: text(p, "key"),
        name: text(p, "name"),
        kind: text(p, "kind"),
        region: text(p, "region"),
        pilot: ticked(p, "pilot"),
        address: text(p, "address"),
        opening_hours: text(p, "opening_hours"),
        extended_hours: text(p, "extended_hours"),
        weekend_hours: text(p, "weekend_hours"),
        self_service_24h: ticked(p, "self_service_24h"),
        phone: text(p, "phone"),
    }
}

fn window_draft(p: &Form) -> WindowDraft {
    WindowDraft {
        number: text(p, "number"),
        name: text(p, "name"),
        tongban: ticked(p, "tongban"),
        staff: number(p, "staff").unwrap_or(0) as i32,
        phone: text(p, "phone"),
        contact: text(p, "contact"),
    }
}

fn department(p: &Form) -> DepartmentDraft {
    DepartmentDraft {
        key: text(p, "key"),
        name: text(p, "name"),
        kind: text(p, "kind"),
        region: text(p, "region"),
        system: text(p, "system"),
        contact: text(p, "contact"),
        phone: text(p, "phone"),
    }
}

/// The city workbook, downloaded.
pub async fn city_export(State(state): State<AppState>, ctx: SignedPage) -> PageResult {
    let actor = ctx.signed()?;
    let bytes = admin::workbook::export_city(&state.app(), &actor, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"city.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A city workbook, uploaded (multipart, with the CSRF token as a field).
pub async fn city_import(
    State(state): State<AppState>,
    ctx: SignedPage,
    form: Multipart,
) -> PageResult {
    let form = crate::api::materials::read_form(form).await?;
    ctx.check_csrf(&HeaderMap::new(), form.text.get("csrf").map(String::as_str))?;
    let actor = ctx.signed()?;
    let bytes = form.file.map(|b| b.to_vec()).unwrap_or_default();
    let done = admin::workbook::import_city(&state.app(), &actor, &bytes).await;
    let o = match done {
        Ok(r) => {
            let rows = Text::join(
                r.rows
                    .iter()
                    .map(|s| text!("{sheet} {n} 行", sheet = s.sheet, n = s.rows)),
                "，",
            );
            Outcome {
                notice: Some(text!("导入完成：{rows}", rows = rows).render(ctx.lang)),
                report: Some(Value::from(Serde(&r))),
                ..Default::default()
            }
        }
        Err(e) => outcome(&state, &ctx, Err(e)).await?,
    };
    render(&state, &ctx, o).await
}

async fn render_staff(state: &AppState, ctx: &Ctx, q: &Form, o: Outcome) -> PageResult {
    let actor = ctx.signed()?;
    let hall = number(q, "hall").map(HallId);
    let department = number(q, "department").map(DepartmentId);
    let list = admin::staff_list(
        &state.app(),
        &actor,
        hall,
        department,
        q.get("cursor").map(String::as_str),
    )
    .await
    .map_err(|e| ctx.fail(e))?;
    let lookups = tongban_app::Lookups::load(&state.app()).await?;
    let data = lookups.data();
    // The places the actor may put staff: his own, or every live one for a platform admin.
    let (halls, departments): (Vec<Value>, Vec<Value>) = match actor.user.scope {
        tongban_domain::user::Scope::Hall(h) => (
            data.halls
                .iter()
                .filter(|x| x.id == h)
                .map(|x| context! { id => x.id.0, name => &x.name })
                .collect(),
            vec![],
        ),
        tongban_domain::user::Scope::Department(d) => (
            vec![],
            data.departments
                .iter()
                .filter(|x| x.id == d)
                .map(|x| context! { id => x.id.0, name => &x.name })
                .collect(),
        ),
        _ => (
            data.halls
                .iter()
                .filter(|x| !x.retired)
                .map(|x| context! { id => x.id.0, name => &x.name })
                .collect(),
            data.departments
                .iter()
                .filter(|x| !x.retired)
                .map(|x| context! { id => x.id.0, name => &x.name })
                .collect(),
        ),
    };
    let roles: Vec<Value> = (tongban_domain::user::Role::ALL.iter())
        .filter(|r| **r != tongban_domain::user::Role::Applicant)
        .map(|r| context! { id => r.as_str(), label => r.label() })
        .collect();
    let values = context! {
        title => crate::lang::t("人员管理"), notice => o.notice, error => o.error, fields => o.fields, report => o.report,
        staff => Value::from(Serde(&list.data)), next => list.next, halls, departments, roles,
    };
    let mut res = page(state, ctx, "staff.html", "/work/staff", "staff", values)?;
    *res.status_mut() = o.status.unwrap_or(StatusCode::OK);
    Ok(res)
}

/// The staff an actor administers.
pub async fn staff_page(
    State(state): State<AppState>,
    ctx: SignedPage,
    Query(q): Query<Form>,
) -> PageResult {
    render_staff(&state, &ctx, &q, Outcome::default()).await
}

/// Adds a staff account (`op=create`) or changes one (`op=update`).
pub async fn staff_post(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(p): CsrfForm<Form>,
) -> PageResult {
    let actor = ctx.signed()?;
    let d = StaffDraft {
        username: text(&p, "username"),
        display_name: text(&p, "display_name"),
        role: text(&p, "role"),
        hall: number(&p, "hall"),
        department: number(&p, "department"),
        phone: Some(text(&p, "phone")).filter(|x| !x.is_empty()),
        active: text(&p, "op") == "create" || ticked(&p, "active"),
    };
    let app = state.app();
    let o = match text(&p, "op").as_str() {
        "update" => {
            let done =
                admin::update_staff(&app, &actor, UserId(number(&p, "id").unwrap_or(0)), &d).await;
            outcome(
                &state,
                &ctx,
                done.map(|()| text!("已保存 {name}", name = d.display_name.clone())),
            )
            .await?
        }
        _ => match admin::create_staff(&app, &actor, &d).await {
            Ok(s) => Outcome {
                notice: Some(
                    text!(
                        "已新建账号 {username}，初始密码 {password}（只显示这一次，请交给本人并要求修改）",
                        username = s.username.clone(),
                        password = s.initial_password.clone()
                    )
                    .render(ctx.lang),
                ),
                ..Default::default()
            },
            Err(e) => outcome(&state, &ctx, Err(e)).await?,
        },
    };
    render_staff(&state, &ctx, &Form::new(), o).await
}

/// The rollout's progress, per district.
pub async fn rollout_page(State(state): State<AppState>, ctx: SignedPage) -> PageResult {
    let actor = ctx.signed()?;
    let r = admin::rollout(&state.app(), &actor)
        .await
        .map_err(|e| ctx.fail(e))?;
    let values = context! { title => crate::lang::t("全域通办推进情况"), ..Value::from(Serde(&r)) };
    page(
        &state,
        &ctx,
        "rollout.html",
        "/work/rollout",
        "rollout",
        values,
    )
}

/// The city's administration: regions, halls, windows, staff, rollout.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/work/city", get(city_page).post(city_post))
        .route("/work/city.xlsx", get(city_export))
        .route("/work/city/import", post(city_import))
        .route("/work/staff", get(staff_page).post(staff_post))
        .route("/work/rollout", get(rollout_page))
}
