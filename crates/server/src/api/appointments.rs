//! Appointments (预约): the slots a hall publishes per window, booking with a
//! capacity that is never exceeded (409 for a full slot), cancelling, the
//! applicant's own bookings and the hall's bookings of a day.

use crate::AppState;
use crate::api::Page;
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use time::{Date, Duration};
use tongban_app::appointments;
use tongban_domain::appointment::BOOKING_HORIZON_DAYS;
use tongban_domain::authz::Action;
use tongban_domain::{FieldError, HallId};

pub use tongban_app::appointments::{
    AppointmentList, AppointmentView, BookBody, PlanBody, PlanView, SlotView, slots_of, view,
};

/// The slots a hall publishes, from `from` (default: tomorrow) for `days`
/// days (default 7, at most 31), with places left. Access: anyone.
#[utoipa::path(get, path = "/appointments/slots", tag = "appointments",
    params(("hall" = i64, Query, minimum = 1), ("from" = Option<String>, Query, format = Date), ("days" = Option<i64>, Query, minimum = 1, maximum = 31)),
    responses((status = 200, body = Page<SlotView>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn slots(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<Page<SlotView>>> {
    ctx.authorize(Action::ReadPublic)?;
    let hall = p
        .parse("hall", "服务中心", |v| v.parse::<i64>().ok())?
        .ok_or_else(|| ApiError::from(FieldError::new("hall", "required", "请指定服务中心")))?;
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let tomorrow = state.now.today() + Duration::days(1);
    let from = p
        .parse("from", "起始日期", |v| Date::parse(v, &f).ok())?
        .unwrap_or(tomorrow);
    let days = p
        .parse("days", "天数", |v| {
            v.parse::<i64>()
                .ok()
                .filter(|d| (1..=BOOKING_HORIZON_DAYS + 1).contains(d))
        })?
        .unwrap_or(7);
    let all = appointments::slots_of(&state.app(), HallId(hall), from, days)
        .await
        .map_err(|e| ctx.fail(e))?;
    let total = all.len();
    Ok(Json(Page { data: all, total }))
}

/// Books a place (the API and the page share it).
pub async fn book_slot(state: &AppState, ctx: &Ctx, body: &BookBody) -> ApiResult<AppointmentView> {
    let actor = ctx.signed()?;
    appointments::book(&state.app(), &actor, body)
        .await
        .map_err(|e| ctx.fail(e))
}

/// Books a place in a slot for an item: 201 with the booking number; 409
/// `appointment.full` when the slot is full (never overbooked, whatever
/// runs at once), 409 `appointment.duplicate` when already booked there.
/// Access: applicants.
#[utoipa::path(post, path = "/appointments", tag = "appointments", security(("bearer" = [])),
    request_body = BookBody,
    responses((status = 201, body = AppointmentView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn book(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BookBody>,
) -> ApiResult<(StatusCode, Json<AppointmentView>)> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    Ok((
        StatusCode::CREATED,
        Json(book_slot(&state, &ctx, &body).await?),
    ))
}

/// The caller's bookings (applicants), or a hall's bookings of a day for
/// its staff (`hall`, `day`, default the caller's hall and today), a page
/// at a time by day, starting time and booking. Access: applicants (their
/// own); staff of the hall; platform admins.
#[utoipa::path(get, path = "/appointments", tag = "appointments", security(("bearer" = [])),
    params(("hall" = Option<i64>, Query, minimum = 1), ("day" = Option<String>, Query, format = Date),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"),
           ("cursor" = Option<String>, Query, max_length = 200, description = "The `next` of the page before")),
    responses((status = 200, body = AppointmentList), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<AppointmentList>> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let day = p.parse("day", "日期", |v| Date::parse(v, &f).ok())?;
    let hall = p
        .parse("hall", "服务中心", |v| v.parse::<i64>().ok())?
        .map(HallId);
    let limit = p.limit()?;
    let actor = ctx.signed()?;
    let list = appointments::bookings(&state.app(), &actor, hall, day, limit, p.get("cursor"))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(list))
}

/// Cancels a booking (the API and the page share it).
pub async fn cancel_booking(state: &AppState, ctx: &Ctx, id: i64) -> ApiResult<AppointmentView> {
    let actor = ctx.signed()?;
    appointments::cancel(&state.app(), &actor, id)
        .await
        .map_err(|e| ctx.fail(e))
}

/// Cancels a booking; its place is free again. Access: the applicant who
/// booked it, or staff of its hall (else 404).
#[utoipa::path(delete, path = "/appointments/{id}", tag = "appointments", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AppointmentView), (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<AppointmentView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    Ok(Json(cancel_booking(&state, &ctx, id).await?))
}

/// Publishes a slot plan: the window's slot on every working day. Access:
/// the hall's admin, or a platform admin.
#[utoipa::path(post, path = "/appointments/plans", tag = "appointments", security(("bearer" = [])),
    request_body = PlanBody,
    responses((status = 201, body = PlanView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<(StatusCode, Json<PlanView>)> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let actor = ctx.actor();
    let p = appointments::publish_plan(&state.app(), actor, &body)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((StatusCode::CREATED, Json(p)))
}
