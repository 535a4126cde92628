//! The working-day calendar: the official years and the admin's edits.

use crate::AppState;
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use tongban_domain::FieldError;
use tongban_domain::authz::Action;
use tongban_domain::calendar::HolidayYear;
use utoipa::ToSchema;

/// The calendar: official years, and the years it lacks.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    /// Years with an official table.
    pub years: Vec<YearView>,
    /// This year and next, when they have no official table: deadlines
    /// reaching into them use the weekday rule and say so.
    pub missing_years: Vec<i32>,
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

/// The years that `today` needs and the calendar lacks.
pub fn missing_years(cal: &tongban_domain::calendar::Calendar, today: time::Date) -> Vec<i32> {
    [today.year(), today.year() + 1]
        .into_iter()
        .filter(|y| !cal.knows(*y))
        .collect()
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
        missing_years: missing_years(&cal, state.now.today()),
    }))
}

/// A year's official arrangement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    /// The notice it comes from.
    #[schema(min_length = 1, max_length = 500)]
    pub source: String,
    /// Days off.
    #[schema(max_items = 366)]
    pub off: Vec<String>,
    /// Makeup working days (weekend days).
    #[schema(max_items = 366)]
    pub work: Vec<String>,
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
    ctx.authorize(Action::EditCalendar)?;
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let year: i32 = year
        .parse()
        .map_err(|_| ApiError::from(FieldError::new("year", "calendar.year", "年份无效")))?;
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let mut errs = tongban_domain::ValidationErrors::default();
    let mut days = |field: &str, list: &[String]| -> BTreeSet<time::Date> {
        let mut out = BTreeSet::new();
        for (i, d) in list.iter().enumerate() {
            match time::Date::parse(d, &f) {
                Ok(x) => {
                    out.insert(x);
                }
                Err(_) => errs.push(FieldError::new(
                    format!("{field}[{i}]"),
                    "date",
                    format!("“{d}”不是 YYYY-MM-DD 日期"),
                )),
            }
        }
        out
    };
    let off = days("off", &body.off);
    let work = days("work", &body.work);
    errs.into_result(())?;
    let y = HolidayYear {
        year,
        source: body.source.trim().to_owned(),
        off,
        work,
    };
    y.validate()?;
    state
        .store
        .put_calendar_year(&y, Some(ctx.actor().user.id), state.now.ms())
        .await?;
    tracing::info!(year, by = ?Some(ctx.actor().user.id), "calendar year replaced");
    // Due dates move with the calendar: those kept for ordering follow.
    tongban_app::cases::clock::refresh_due_dates(&state.app(), false)
        .await
        .map_err(|e| ctx.fail(e))?;
    list(State(state), (*ctx).clone()).await
}
