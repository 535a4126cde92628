//! Regions, halls (the public contact directory of 专窗) and departments.

use super::Page;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use axum::Json;
use axum::extract::{Path, State};
use tongban_domain::HallId;
use tongban_domain::authz::Action;
use tongban_domain::city::{Department, DepartmentKind, Hall, HallKind, Region, RegionLevel};

/// Regions. Filters: `level`, `parent`. Access: public.
#[utoipa::path(get, path = "/regions", tag = "city",
    params(("level" = Option<String>, Query, description = "city / county / town / community"),
           ("parent" = Option<String>, Query, description = "parent region code"),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<Region>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn regions(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<Page<Region>>> {
    ctx.authorize(Action::ReadPublic)?;
    let (limit, offset) = p.paging()?;
    let level = p.parse("level", "层级", RegionLevel::parse)?;
    let parent = p.get("parent");
    let all: Vec<Region> = state
        .store
        .regions()
        .await?
        .into_iter()
        .filter(|r| level.is_none_or(|l| r.level == l))
        .filter(|r| parent.is_none_or(|p| r.parent.as_ref().is_some_and(|x| x.as_str() == p)))
        .collect();
    Ok(Json(Page::of(all, limit, offset)))
}

/// Halls with their windows and contacts (附件2 contact directory).
/// Filters: `region`, `level`, `kind`, `pilot`. Access: public.
#[utoipa::path(get, path = "/halls", tag = "city",
    params(("region" = Option<String>, Query), ("level" = Option<String>, Query),
           ("kind" = Option<String>, Query), ("pilot" = Option<bool>, Query),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<Hall>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn halls(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<Page<Hall>>> {
    ctx.authorize(Action::ReadPublic)?;
    let (limit, offset) = p.paging()?;
    let level = p.parse("level", "层级", RegionLevel::parse)?;
    let kind = p.parse("kind", "服务中心类型", HallKind::parse)?;
    let pilot = p.parse("pilot", "试点标志", |v| v.parse::<bool>().ok())?;
    let region = p.get("region");
    let all: Vec<Hall> = state
        .store
        .halls()
        .await?
        .into_iter()
        .filter(|h| level.is_none_or(|l| h.level == l))
        .filter(|h| kind.is_none_or(|k| h.kind == k))
        .filter(|h| pilot.is_none_or(|x| h.pilot == x))
        .filter(|h| region.is_none_or(|r| h.region.as_str() == r))
        .collect();
    Ok(Json(Page::of(all, limit, offset)))
}

/// One hall with its windows. Access: public.
#[utoipa::path(get, path = "/halls/{id}", tag = "city", params(("id" = i64, Path)),
    responses((status = 200, body = Hall), (status = 404, body = crate::error::ErrorBody)))]
pub async fn hall(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> ApiResult<Json<Hall>> {
    ctx.authorize(Action::ReadPublic)?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    Ok(Json(state.store.hall(HallId(id)).await?))
}

/// Departments. Filters: `kind`, `region`. Access: public.
#[utoipa::path(get, path = "/departments", tag = "city",
    params(("kind" = Option<String>, Query), ("region" = Option<String>, Query),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<Department>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn departments(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<Page<Department>>> {
    ctx.authorize(Action::ReadPublic)?;
    let (limit, offset) = p.paging()?;
    let kind = p.parse("kind", "部门类别", DepartmentKind::parse)?;
    let region = p.get("region");
    let all: Vec<Department> = state
        .store
        .departments()
        .await?
        .into_iter()
        .filter(|d| kind.is_none_or(|k| d.kind == k))
        .filter(|d| region.is_none_or(|r| d.region.as_str() == r))
        .collect();
    Ok(Json(Page::of(all, limit, offset)))
}
