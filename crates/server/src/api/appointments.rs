//! Appointments (预约): the slots a hall publishes per window, booking with a
//! capacity that is never exceeded (409 for a full slot), cancelling, the
//! applicant's own bookings and the hall's bookings of a day.

use crate::AppState;
use crate::api::Page;
use crate::api::cases::{Lookups, Named};
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use time::{Date, Duration};
use tongban_domain::appointment::{
    AppointmentKind, BOOKING_HORIZON_DAYS, SlotId, SlotPlan, bookable, open_days,
};
use tongban_domain::authz::{Action, Denial};
use tongban_domain::{FieldError, HallId, ItemCode, WindowId};
use tongban_store::{
    AppointmentFilter, AppointmentRecord, NewAppointment, NewSlotPlan, StoreError,
};
use utoipa::ToSchema;

/// A slot, with what is left of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    /// `P{plan}-{day}`: what to book.
    pub slot: String,
    /// The hall.
    pub hall: Named,
    /// The window serving it.
    pub window: Named,
    /// The day.
    pub day: String,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// Places in all.
    pub capacity: u32,
    /// Places taken.
    pub booked: u32,
    /// Places left.
    pub available: u32,
    /// `counter` or `home_visit`.
    pub kind: AppointmentKind,
    /// zh-CN kind.
    pub kind_label: String,
}

/// An appointment, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentView {
    /// Id.
    pub id: i64,
    /// Booking number (预约号).
    pub booking_no: String,
    /// The slot.
    pub slot: String,
    /// The hall.
    pub hall: Named,
    /// The window.
    pub window: Named,
    /// The day.
    pub day: String,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// `counter` or `home_visit`.
    pub kind: AppointmentKind,
    /// zh-CN kind.
    pub kind_label: String,
    /// The item.
    pub item: String,
    /// The item's name.
    pub item_name: String,
    /// `booked` or `cancelled`.
    pub status: String,
    /// Booked at (RFC 3339).
    pub created_at: String,
}

fn window_named(
    data: &crate::api::cases::RefData,
    hall: HallId,
    window: WindowId,
) -> (Named, Named) {
    let h = data.halls.iter().find(|h| h.id == hall);
    let w = h.and_then(|h| h.windows.iter().find(|w| w.id == window));
    (
        Named {
            id: hall.0,
            name: h.map(|h| h.name.clone()).unwrap_or_default(),
        },
        Named {
            id: window.0,
            name: w
                .map(|w| format!("{} {}", w.number, w.name))
                .unwrap_or_default(),
        },
    )
}

/// The view of an appointment.
pub async fn view(state: &AppState, lookups: &Lookups, a: &AppointmentRecord) -> AppointmentView {
    let (hall, window) = window_named(lookups.data(), a.hall, a.window);
    let item_name = state
        .catalogue
        .index(state.store.as_ref())
        .await
        .ok()
        .and_then(|i| {
            i.docs()
                .iter()
                .find(|d| d.summary.code == a.item)
                .map(|d| d.summary.name.clone())
        })
        .unwrap_or_default();
    AppointmentView {
        id: a.id,
        booking_no: a.booking_no.clone(),
        slot: SlotId {
            plan: a.plan,
            day: a.day,
        }
        .to_string(),
        hall,
        window,
        day: a.day.to_string(),
        start: a.start.clone(),
        end: a.end.clone(),
        kind: a.kind,
        kind_label: a.kind.label().into(),
        item: a.item.0.clone(),
        item_name,
        status: a.status.clone(),
        created_at: tongban_store::rfc3339(a.created_at),
    }
}

/// The open slots of a hall from a day on.
pub async fn slots_of(
    state: &AppState,
    hall: HallId,
    from: Date,
    days: i64,
) -> ApiResult<Vec<SlotView>> {
    let lookups = Lookups::load(&state.app()).await?;
    let data = lookups.data();
    if !data.halls.iter().any(|h| h.id == hall) {
        return Err(FieldError::new("hall", "hall.unknown", "服务中心不存在").into());
    }
    let plans = state.store.slot_plans(Some(hall)).await?;
    let open = open_days(&data.cal, from, days);
    let (Some(first), Some(last)) = (open.first(), open.last()) else {
        return Ok(vec![]);
    };
    let booked = state.store.slot_bookings(hall, *first, *last).await?;
    let mut out = Vec::new();
    for day in &open {
        for p in &plans {
            let taken = booked
                .iter()
                .find(|(plan, d, _)| *plan == p.id && d == day)
                .map_or(0, |(_, _, n)| u32::try_from(*n).unwrap_or(0));
            let (hall, window) = window_named(data, p.hall, p.window);
            out.push(SlotView {
                slot: SlotId {
                    plan: p.id,
                    day: *day,
                }
                .to_string(),
                hall,
                window,
                day: day.to_string(),
                start: p.start.to_string(),
                end: p.end.to_string(),
                capacity: p.capacity,
                booked: taken,
                available: p.capacity.saturating_sub(taken),
                kind: p.kind,
                kind_label: p.kind.label().into(),
            });
        }
    }
    Ok(out)
}

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
    let all = slots_of(&state, HallId(hall), from, days).await?;
    let total = all.len();
    Ok(Json(Page { data: all, total }))
}

/// A booking.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookBody {
    /// The slot, e.g. `P12-2026-12-01`.
    #[schema(max_length = 40)]
    pub slot: String,
    /// The item to be handled.
    #[schema(max_length = 40)]
    pub item: String,
}

/// Books a place (the API and the page share it).
pub async fn book_slot(state: &AppState, ctx: &Ctx, body: &BookBody) -> ApiResult<AppointmentView> {
    ctx.authorize(Action::BookAppointment)?;
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    let slot = SlotId::parse(&body.slot).ok_or_else(|| {
        ApiError::from(FieldError::new("slot", "appointment.slot", "预约时段无效"))
    })?;
    let plan: SlotPlan = match state.store.slot_plan(slot.plan).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(FieldError::new("slot", "appointment.slot", "预约时段不存在").into());
        }
        Err(e) => return Err(e.into()),
    };
    bookable(&lookups.data().cal, slot, state.now.today())?;
    let item = ItemCode(body.item.trim().to_owned());
    match state.store.item(&item).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return Err(FieldError::new(
                "item",
                "item.unknown",
                format!("事项“{}”不存在", body.item),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    let new = NewAppointment {
        plan: plan.id,
        day: slot.day,
        capacity: plan.capacity,
        booking_no: format!("YY{}", crate::codes::random_chars(8)),
        item,
        user: user.id,
        at: state.now.ms(),
    };
    match state.store.book_appointment(&new).await {
        Ok(a) => {
            tracing::info!(appointment = a.id, slot = %slot, "booked");
            Ok(view(state, &lookups, &a).await)
        }
        Err(StoreError::Conflict(w)) if w == "slot_full" => Err(ApiError::new(
            StatusCode::CONFLICT,
            "appointment.full",
            "该时段已约满，请选择其他时段",
        )
        .field("slot", "该时段已约满")),
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "appointment.duplicate",
            "您已预约该时段",
        )
        .field("slot", "您已预约该时段")),
        Err(e) => Err(e.into()),
    }
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
    Signed(ctx): Signed,
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
/// its staff (`hall`, `day`, default the caller's hall and today). Access:
/// applicants (their own); staff of the hall; platform admins.
#[utoipa::path(get, path = "/appointments", tag = "appointments", security(("bearer" = [])),
    params(("hall" = Option<i64>, Query, minimum = 1), ("day" = Option<String>, Query, format = Date)),
    responses((status = 200, body = Page<AppointmentView>), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    p: Params,
) -> ApiResult<Json<Page<AppointmentView>>> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let day = p.parse("day", "日期", |v| Date::parse(v, &f).ok())?;
    let hall = p
        .parse("hall", "服务中心", |v| v.parse::<i64>().ok())?
        .map(HallId);
    let data = list_for(&state, &ctx, hall, day).await?;
    let total = data.len();
    Ok(Json(Page { data, total }))
}

/// The bookings the caller may see: an applicant's own, or a hall's of a day.
pub async fn list_for(
    state: &AppState,
    ctx: &Ctx,
    hall: Option<HallId>,
    day: Option<Date>,
) -> ApiResult<Vec<AppointmentView>> {
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let filter = if user.role == tongban_domain::user::Role::Applicant {
        AppointmentFilter {
            user: Some(user.id),
            ..Default::default()
        }
    } else {
        let hall = hall
            .or(user.scope.hall())
            .ok_or_else(|| ApiError::from(FieldError::new("hall", "required", "请指定服务中心")))?;
        ctx.authorize(Action::ReadHallAppointments { hall })?;
        AppointmentFilter {
            hall: Some(hall),
            day: Some(day.unwrap_or(state.now.today())),
            ..Default::default()
        }
    };
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    let mut out = Vec::new();
    for a in state.store.appointments(&filter).await? {
        out.push(view(state, &lookups, &a).await);
    }
    Ok(out)
}

/// Cancels a booking (the API and the page share it).
pub async fn cancel_booking(state: &AppState, ctx: &Ctx, id: i64) -> ApiResult<AppointmentView> {
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let a = match state.store.appointment(id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => return Err(ApiError::not_found()),
        Err(e) => return Err(e.into()),
    };
    // Someone else's booking answers like one that does not exist.
    let action = Action::CancelAppointment {
        owner: a.user,
        hall: a.hall,
    };
    if tongban_domain::authz::authorize(ctx.actor, action, &tongban_domain::authz::Trust::NONE)
        .is_err()
    {
        let mut e = ApiError::not_found();
        e.audit =
            crate::audit::denial(ctx, state.now.ms(), &action, Denial::NotVisible).map(Box::new);
        return Err(e);
    }
    let a = match state
        .store
        .cancel_appointment(id, user.id, state.now.ms())
        .await
    {
        Ok(a) => a,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "appointment.cancelled",
                "该预约已取消",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    Ok(view(state, &lookups, &a).await)
}

/// Cancels a booking; its place is free again. Access: the applicant who
/// booked it, or staff of its hall (else 404).
#[utoipa::path(delete, path = "/appointments/{id}", tag = "appointments", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AppointmentView), (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Signed(ctx): Signed,
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

/// A new slot plan.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// The hall (default: the caller's).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub hall: Option<i64>,
    /// The window serving the slots.
    #[schema(minimum = 1)]
    pub window: i64,
    /// `HH:MM`.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    /// `HH:MM`.
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: String,
    /// Places per slot (1–200).
    #[schema(minimum = 1, maximum = 200)]
    pub capacity: u32,
    /// `counter` (default) or `home_visit`.
    #[serde(default)]
    #[schema(pattern = r"^(counter|home_visit)$")]
    pub kind: Option<String>,
}

/// A published plan.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    /// Id.
    pub id: i64,
    /// The hall.
    pub hall: i64,
    /// The window.
    pub window: i64,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// Places per slot.
    pub capacity: u32,
    /// Kind.
    pub kind: AppointmentKind,
}

/// Publishes a slot plan: the window's slot on every working day. Access:
/// the hall's admin, or a platform admin.
#[utoipa::path(post, path = "/appointments/plans", tag = "appointments", security(("bearer" = [])),
    request_body = PlanBody,
    responses((status = 201, body = PlanView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<(StatusCode, Json<PlanView>)> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let hall = body
        .hall
        .map(HallId)
        .or(user.scope.hall())
        .ok_or_else(|| ApiError::from(FieldError::new("hall", "required", "请指定服务中心")))?;
    ctx.authorize(Action::ManageSlots { hall })?;
    let mut errs = tongban_domain::ValidationErrors::default();
    if let Err(e) = SlotPlan::check(&body.start, &body.end, body.capacity) {
        errs.0.extend(e);
    }
    let kind = match body.kind.as_deref() {
        None => Some(AppointmentKind::Counter),
        Some(k) => AppointmentKind::parse(k),
    };
    if kind.is_none() {
        errs.push(FieldError::new(
            "kind",
            "appointment.kind",
            "类别应为 counter 或 home_visit",
        ));
    }
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    let window_here = lookups
        .data()
        .halls
        .iter()
        .find(|h| h.id == hall)
        .is_some_and(|h| h.windows.iter().any(|w| w.id.0 == body.window));
    if !window_here {
        errs.push(FieldError::new(
            "window",
            "window.unknown",
            "该服务中心没有这个窗口",
        ));
    }
    errs.into_result(())?;
    let p = state
        .store
        .create_slot_plans(&[NewSlotPlan {
            hall,
            window: WindowId(body.window),
            start: body.start.trim().to_owned(),
            end: body.end.trim().to_owned(),
            capacity: body.capacity,
            kind: kind.expect("checked"),
            created_by: user.id,
            created_at: state.now.ms(),
        }])
        .await?
        .remove(0);
    Ok((
        StatusCode::CREATED,
        Json(PlanView {
            id: p.id,
            hall: p.hall.0,
            window: p.window.0,
            start: p.start.to_string(),
            end: p.end.to_string(),
            capacity: p.capacity,
            kind: p.kind,
        }),
    ))
}
