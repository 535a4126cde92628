//! The working-day calendar: the official years and the admin's edits.

use crate::AppState;
use crate::auth::{Ctx, Signed};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::Serialize;
use tongban_domain::authz::Action;
use utoipa::ToSchema;

pub use tongban_app::calendar::YearInput;

/// The calendar: official years, and the years it lacks.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    /// Years with an official table.
    pub years: Vec<YearView>,
    /// This year and next, when they have no official table: deadlines
    /// reaching into them use the estimate from the statutory holidays (法定节假日推算, no 调休 makeup days) and say so.
    pub missing_years: Vec<i32>,
    /// The latest recomputation of the running cases' due dates after a
    /// change of the calendar (done in the background, batch by batch).
    pub refresh: Option<RefreshView>,
}

/// A recomputation of due dates, as far as it got.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshView {
    /// The year whose table changed.
    pub year: i64,
    /// Running cases done so far.
    pub done: i64,
    /// Finished (or taken over by a newer change).
    pub finished: bool,
}

/// One year.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearView {
    /// Year.
    pub year: i32,
    /// The notice it comes from.
    pub source: String,
    /// Days off (YYYY-MM-DD).
    pub off: Vec<String>,
    /// Makeup working days.
    pub work: Vec<String>,
}

/// The working-day calendar. Access: public.
#[utoipa::path(get, path = "/calendar", tag = "calendar", responses((status = 200, body = CalendarView)))]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Json<CalendarView>> {
    ctx.authorize(Action::ReadPublic)?;
    let cal = crate::calendar::load(state.store.as_ref()).await?;
    let years = cal
        .years()
        .map(|y| YearView {
            year: y.year,
            source: y.source.clone(),
            off: y.off.iter().map(|d| d.to_string()).collect(),
            work: y.work.iter().map(|d| d.to_string()).collect(),
        })
        .collect();
    Ok(Json(CalendarView {
        years,
        missing_years: cal.missing_years(state.now.today()),
        refresh: state.store.due_refresh().await?.map(|j| RefreshView {
            year: j.year,
            done: j.done,
            finished: j.finished_at.is_some(),
        }),
    }))
}

/// Adds or replaces a year's table (e.g. next year's, published each
/// November). Access: platform admin.
#[utoipa::path(put, path = "/calendar/{year}", tag = "calendar", params(("year" = i32, Path, minimum = 2000, maximum = 2100)),
    request_body = YearInput, security(("bearer" = [])),
    responses((status = 200, body = CalendarView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(year): Path<String>,
    ApiJson(body): ApiJson<YearInput>,
) -> ApiResult<Json<CalendarView>> {
    // Asked before the CSRF token is checked, so a refusal answers first.
    ctx.authorize(Action::EditCalendar)?;
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    tongban_app::calendar::replace_year(&state.app(), ctx.actor(), &year, &body)
        .await
        .map_err(|e| ctx.fail(e))?;
    list(State(state), (*ctx).clone()).await
}
