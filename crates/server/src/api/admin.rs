//! City administration over HTTP: regions, halls, windows and their named
//! staff, departments, staff accounts, and the city workbook. Adapters of
//! `tongban_app::city_admin`: they parse, call, and answer.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongban_app::city_admin::workbook::CityImportReport;
use tongban_app::city_admin::{self as admin, CityOverview, NewStaff, StaffPage};
use tongban_domain::city::Region;
use tongban_domain::city_admin::{
    DepartmentDraft, HallDraft, RegionDraft, StaffDraft, StaffingWarning, WindowDraft,
};
use tongban_domain::{DepartmentId, HallId, UserId, WindowId};
use utoipa::ToSchema;

fn csrf(ctx: &Signed, headers: &HeaderMap) -> ApiResult<()> {
    ctx.check_csrf(
        headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )
}

/// A numeric id from the path; anything else is not found.
fn id_of(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found())
}

/// What was created.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// Its id.
    pub id: i64,
}

/// The city for its administrators: regions top down, halls with windows
/// and named staff, departments, and where city and county 专窗 fall short
/// of two named staff. Access: platform admin.
#[utoipa::path(get, path = "/admin/city", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = CityOverview), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn city(State(state): State<AppState>, ctx: Signed) -> ApiResult<Json<CityOverview>> {
    let actor = ctx.signed()?;
    let v = admin::city_overview(&state.app(), &actor)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(v))
}

/// Adds a region, or changes the one with its code (GB/T 2260 code of the
/// level's shape under a parent one level up). Access: platform admin.
#[utoipa::path(post, path = "/admin/regions", tag = "admin", security(("bearer" = [])),
    request_body = RegionDraft,
    responses((status = 200, body = Region), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn save_region(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(d): ApiJson<RegionDraft>,
) -> ApiResult<Json<Region>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let r = admin::save_region(&state.app(), &actor, &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(r))
}

/// Retires a region with nothing live in it (kept for history). Access:
/// platform admin.
#[utoipa::path(post, path = "/admin/regions/{code}/retire", tag = "admin", security(("bearer" = [])),
    params(("code" = String, Path, pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn retire_region(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::retire_region(&state.app(), &actor, &code)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a hall (level from its region; 错时延时 and weekend hours as
/// `HH:MM-HH:MM` spans). Access: platform admin.
#[utoipa::path(post, path = "/admin/halls", tag = "admin", security(("bearer" = [])),
    request_body = HallDraft,
    responses((status = 201, body = Created), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_hall(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(d): ApiJson<HallDraft>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let id = admin::create_hall(&state.app(), &actor, &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Changes a hall. Access: platform admin.
#[utoipa::path(put, path = "/admin/halls/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = HallDraft,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_hall(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<HallDraft>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::update_hall(&state.app(), &actor, HallId(id_of(&id)?), &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Retires a hall: it keeps its cases and takes no new one. Access:
/// platform admin.
#[utoipa::path(post, path = "/admin/halls/{id}/retire", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn retire_hall(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::retire_hall(&state.app(), &actor, HallId(id_of(&id)?))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a window to a hall. Access: platform admin.
#[utoipa::path(post, path = "/admin/halls/{id}/windows", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WindowDraft,
    responses((status = 201, body = Created), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_window(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<WindowDraft>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let w = admin::create_window(&state.app(), &actor, HallId(id_of(&id)?), &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: w.0 })))
}

/// Changes a window. Access: platform admin.
#[utoipa::path(put, path = "/admin/windows/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WindowDraft,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_window(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<WindowDraft>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::update_window(&state.app(), &actor, WindowId(id_of(&id)?), &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Retires a window. Access: platform admin.
#[utoipa::path(post, path = "/admin/windows/{id}/retire", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn retire_window(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::retire_window(&state.app(), &actor, WindowId(id_of(&id)?))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The staff named to a window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedStaffBody {
    /// User names of active window staff of the window's hall.
    #[schema(max_items = 20)]
    pub usernames: Vec<String>,
}

/// Names a window's staff (专人), replacing those named before; answers
/// the staffing warnings left in the city. Access: platform admin.
#[utoipa::path(put, path = "/admin/windows/{id}/staff", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = NamedStaffBody,
    responses((status = 200, body = Vec<StaffingWarning>), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn name_window_staff(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NamedStaffBody>,
) -> ApiResult<Json<Vec<StaffingWarning>>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let w = admin::name_window_staff(&state.app(), &actor, WindowId(id_of(&id)?), &b.usernames)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(w))
}

/// Adds a department. Access: platform admin.
#[utoipa::path(post, path = "/admin/departments", tag = "admin", security(("bearer" = [])),
    request_body = DepartmentDraft,
    responses((status = 201, body = Created), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_department(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(d): ApiJson<DepartmentDraft>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let id = admin::create_department(&state.app(), &actor, &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Changes a department. Access: platform admin.
#[utoipa::path(put, path = "/admin/departments/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DepartmentDraft,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_department(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<DepartmentDraft>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::update_department(&state.app(), &actor, DepartmentId(id_of(&id)?), &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Retires a department: it keeps its cases, decides nothing new. Access:
/// platform admin.
#[utoipa::path(post, path = "/admin/departments/{id}/retire", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn retire_department(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::retire_department(&state.app(), &actor, DepartmentId(id_of(&id)?))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Staff accounts, a page at a time (`cursor` = the page's `next`): a
/// hall's or a department's, or the caller's own hall's or department's,
/// or everyone's for a platform admin. Access: platform admins; hall and
/// department admins their own.
#[utoipa::path(get, path = "/admin/staff", tag = "admin", security(("bearer" = [])),
    params(("hall" = Option<i64>, Query), ("department" = Option<i64>, Query),
           ("cursor" = Option<String>, Query, max_length = 40)),
    responses((status = 200, body = StaffPage), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn staff(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<StaffPage>> {
    let actor = ctx.signed()?;
    let hall = p.parse("hall", "服务中心", |v| v.parse().ok())?.map(HallId);
    let department = p
        .parse("department", "部门", |v| v.parse().ok())?
        .map(DepartmentId);
    let page = admin::staff_list(&state.app(), &actor, hall, department, p.get("cursor"))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(page))
}

/// Adds a staff account; answers the password it starts with (shown once).
/// Access: platform admins; hall and department admins in their own.
#[utoipa::path(post, path = "/admin/staff", tag = "admin", security(("bearer" = [])),
    request_body = StaffDraft,
    responses((status = 201, body = NewStaff), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create_staff(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(d): ApiJson<StaffDraft>,
) -> ApiResult<(StatusCode, Json<NewStaff>)> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let s = admin::create_staff(&state.app(), &actor, &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Changes a staff account (name, role, place, mobile, active; its user
/// name stays). Access: whoever administers both where it was and where
/// it goes.
#[utoipa::path(put, path = "/admin/staff/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StaffDraft,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn update_staff(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<StaffDraft>,
) -> ApiResult<StatusCode> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    admin::update_staff(&state.app(), &actor, UserId(id_of(&id)?), &d)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(StatusCode::NO_CONTENT)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The whole city as one XLSX workbook (a sheet per kind). Access:
/// platform admin.
#[utoipa::path(get, path = "/admin/city.xlsx", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn export_city(State(state): State<AppState>, ctx: Signed) -> ApiResult<Response> {
    let actor = ctx.signed()?;
    let bytes = admin::workbook::export_city(&state.app(), &actor, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"city.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Imports a city workbook (the body is the XLSX file): every row of every
/// sheet checked — each error names the sheet, the row and the field — and
/// nothing written unless all are good; then everything in one
/// transaction, by key. Answers the rows written, new accounts with their
/// initial passwords (shown once) and staffing warnings. Access: platform
/// admin.
#[utoipa::path(post, path = "/admin/city.xlsx", tag = "admin", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the XLSX workbook's bytes"),
    responses((status = 200, body = CityImportReport), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import_city(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<CityImportReport>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let r = admin::workbook::import_city(&state.app(), &actor, &body)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(r))
}

/// The rollout's progress (the notice's measure): per district, how many
/// towns and communities have a 全域通办专窗, how many listed items their
/// halls may receive, and the cases received there. Access: staff and
/// admins (not applicants).
#[utoipa::path(get, path = "/rollout", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = admin::Rollout), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn rollout(
    State(state): State<AppState>,
    ctx: Signed,
) -> ApiResult<Json<admin::Rollout>> {
    let actor = ctx.signed()?;
    let r = admin::rollout(&state.app(), &actor)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(r))
}
