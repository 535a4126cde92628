//! Appointments (预约): the slots a hall publishes per window, booking with
//! a capacity that is never exceeded, cancelling, and the bookings an actor
//! may see.

use crate::views::Named;
use crate::{Actor, App, AppError, AppResult, Lookups, RefData};
use serde::{Deserialize, Serialize};
use time::Date;
use tongban_domain::appointment::{
    AppointmentKind, SlotId, SlotPlan, TimeOfDay, VisitReason, bookable, open_days,
};
use tongban_domain::authz::{
    Action, BookingVisibility, Denial, Trust, authorize, booking_visibility,
};
use tongban_domain::{FieldError, HallId, ItemCode, WindowId};
use tongban_store::{
    AppointmentFilter, AppointmentKey, AppointmentRecord, NewAppointment, NewSlotPlan, StoreError,
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
    pub kind_label: tongban_domain::i18n::Text,
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
    pub kind_label: tongban_domain::i18n::Text,
    /// The item.
    pub item: String,
    /// The item's name.
    pub item_name: String,
    /// `booked` or `cancelled`.
    pub status: String,
    /// Booked at (RFC 3339).
    pub created_at: String,
    /// Where and why staff visit (预约上门).
    pub visit: Option<VisitView>,
}

/// A home visit: where staff go and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    /// The address.
    pub address: String,
    /// `elderly` or `key_project`.
    pub reason: VisitReason,
    /// zh-CN reason.
    pub reason_label: tongban_domain::i18n::Text,
}

fn window_named(data: &RefData, hall: HallId, window: WindowId) -> (Named, Named) {
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
pub async fn view(app: &App, lookups: &Lookups, a: &AppointmentRecord) -> AppointmentView {
    let (hall, window) = window_named(lookups.data(), a.hall, a.window);
    let item_name = app
        .catalogue
        .index(app.store.as_ref(), app.now.today())
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
        visit: a.visit.as_ref().map(|v| VisitView {
            address: v.address.clone(),
            reason: v.reason,
            reason_label: v.reason.label().into(),
        }),
    }
}

/// The open slots of a hall from a day on.
pub async fn slots_of(app: &App, hall: HallId, from: Date, days: i64) -> AppResult<Vec<SlotView>> {
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    if !data.halls.iter().any(|h| h.id == hall) {
        return Err(AppError::field("hall", "hall.unknown", "服务中心不存在"));
    }
    let plans = app.store.slot_plans(Some(hall)).await?;
    let open = open_days(&data.cal, from, days);
    let (Some(first), Some(last)) = (open.first(), open.last()) else {
        return Ok(vec![]);
    };
    let booked = app.store.slot_bookings(hall, *first, *last).await?;
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
    /// Where staff should come (a home-visit slot: required).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub visit_address: Option<String>,
    /// Why (a home-visit slot: required): `elderly` or `key_project`.
    #[serde(default)]
    #[schema(pattern = r"^(elderly|key_project)$")]
    pub visit_reason: Option<String>,
}

/// What kind of slot a slot id names (the booking form asks a home
/// visit's address and reason); none for a slot that is no slot.
pub async fn slot_kind(app: &App, slot: &str) -> AppResult<Option<AppointmentKind>> {
    let Some(slot) = SlotId::parse(slot) else {
        return Ok(None);
    };
    match app.store.slot_plan(slot.plan).await {
        Ok(p) => Ok(Some(p.kind)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Books a place (the API and the page share it).
pub async fn book(app: &App, actor: &Actor, body: &BookBody) -> AppResult<AppointmentView> {
    actor.authorize(Action::BookAppointment, &Trust::NONE)?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let slot = SlotId::parse(&body.slot)
        .ok_or_else(|| AppError::field("slot", "appointment.slot", "预约时段无效"))?;
    let plan: SlotPlan = match app.store.slot_plan(slot.plan).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(AppError::field(
                "slot",
                "appointment.slot",
                "预约时段不存在",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    bookable(&lookups.data().cal, slot, app.now.today())?;
    if body.item.trim().is_empty() {
        return Err(FieldError::new("item", "required", "请选择“办理事项”").into());
    }
    let item = ItemCode(body.item.trim().to_owned());
    match app.store.item(&item).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return Err(FieldError::new(
                "item",
                "item.unknown",
                tongban_domain::text!("事项“{code}”不存在", code = &body.item),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    let visit = tongban_domain::appointment::check_home_visit(
        plan.kind,
        body.visit_address.as_deref(),
        body.visit_reason.as_deref(),
    )?;
    let new = NewAppointment {
        visit,
        plan: plan.id,
        day: slot.day,
        capacity: plan.capacity,
        booking_no: format!("YY{}", crate::codes::random_chars(8)),
        item,
        user: actor.user.id,
        at: app.now.ms(),
    };
    match app.store.book_appointment(&new).await {
        Ok(a) => {
            tracing::info!(appointment = a.id, slot = %slot, "booked");
            Ok(view(app, &lookups, &a).await)
        }
        Err(StoreError::Conflict(w)) if w == "slot_full" => Err(AppError::Conflict {
            code: "appointment.full",
            message: "该时段已约满，请选择其他时段".into(),
            current_version: None,
        }),
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict {
            code: "appointment.duplicate",
            message: "您已预约该时段".into(),
            current_version: None,
        }),
        Err(e) => Err(e.into()),
    }
}

/// A page of the bookings an actor sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentList {
    /// By day, starting time and booking.
    pub data: Vec<AppointmentView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The opaque cursor of the page after `k`: `b|day|start|id`.
pub fn encode_appointment_cursor(k: &AppointmentKey) -> String {
    crate::cursor::encode(&["b", &k.day.to_string(), &k.start, &k.id.to_string()])
}

/// Where a page starts that a cursor names; one that is not is the bad field.
pub fn decode_appointment_cursor(cursor: &str) -> AppResult<AppointmentKey> {
    use crate::cursor::{bad, day, decode, number};
    match decode(cursor)?.as_slice() {
        [b, d, start, id]
            if b == "b" && TimeOfDay::parse(start).is_some_and(|t| t.to_string() == *start) =>
        {
            Ok(AppointmentKey {
                day: day(d)?,
                start: start.clone(),
                id: number(id)?,
            })
        }
        _ => Err(bad()),
    }
}

/// A page of the bookings the caller may see — an applicant's own, or a
/// hall's of a day — `limit` (1–200) from `cursor` on.
pub async fn bookings(
    app: &App,
    actor: &Actor,
    hall: Option<HallId>,
    day: Option<Date>,
    limit: usize,
    cursor: Option<&str>,
) -> AppResult<AppointmentList> {
    let after = cursor.map(decode_appointment_cursor).transpose()?;
    let limit = i64::try_from(limit.clamp(1, 200)).unwrap_or(200);
    let filter = if let BookingVisibility::Own(user) = booking_visibility(actor.who()) {
        AppointmentFilter {
            user: Some(user),
            limit,
            after,
            ..Default::default()
        }
    } else {
        let hall = hall
            .or(actor.user.scope.hall())
            .ok_or_else(|| AppError::field("hall", "required", "请指定服务中心"))?;
        actor.authorize(Action::ReadHallAppointments { hall }, &Trust::NONE)?;
        AppointmentFilter {
            hall: Some(hall),
            day: Some(day.unwrap_or(app.now.today())),
            limit,
            after,
            ..Default::default()
        }
    };
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let page = app.store.appointments(&filter).await?;
    let mut data = Vec::with_capacity(page.rows.len());
    for a in &page.rows {
        data.push(view(app, &lookups, a).await);
    }
    Ok(AppointmentList {
        data,
        next: page.next.as_ref().map(encode_appointment_cursor),
    })
}

/// Cancels a booking (the API and the page share it).
pub async fn cancel(app: &App, actor: &Actor, id: i64) -> AppResult<AppointmentView> {
    let a = app.store.appointment(id).await?;
    // Someone else's booking answers like one that does not exist.
    let action = Action::CancelAppointment {
        owner: a.user,
        hall: a.hall,
    };
    if authorize(actor.who(), action, &Trust::NONE).is_err() {
        return Err(AppError::denied(&action, Denial::NotVisible));
    }
    let a = match app
        .store
        .cancel_appointment(id, actor.user.id, app.now.ms())
        .await
    {
        Ok(a) => a,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "appointment.cancelled",
                message: "该预约已取消".into(),
                current_version: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let lookups = Lookups::load_at(app, actor.revision).await?;
    Ok(view(app, &lookups, &a).await)
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

/// Publishes a slot plan: the window's slot on every working day.
pub async fn publish_plan(app: &App, actor: &Actor, body: &PlanBody) -> AppResult<PlanView> {
    let hall = body
        .hall
        .map(HallId)
        .or(actor.user.scope.hall())
        .ok_or_else(|| AppError::field("hall", "required", "请指定服务中心"))?;
    actor.authorize(Action::ManageSlots { hall }, &Trust::NONE)?;
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
    let lookups = Lookups::load_at(app, actor.revision).await?;
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
    let p = app
        .store
        .create_slot_plans(&[NewSlotPlan {
            hall,
            window: WindowId(body.window),
            start: body.start.trim().to_owned(),
            end: body.end.trim().to_owned(),
            capacity: body.capacity,
            kind: kind.expect("checked"),
            created_by: actor.user.id,
            created_at: app.now.ms(),
        }])
        .await?
        .remove(0);
    Ok(PlanView {
        id: p.id,
        hall: p.hall.0,
        window: p.window.0,
        start: p.start.to_string(),
        end: p.end.to_string(),
        capacity: p.capacity,
        kind: p.kind,
    })
}

/// A hall's appointment page: its open slots by day, the actor's own
/// bookings, and (for its staff) today's bookings at the hall.
#[derive(Debug, Serialize)]
pub struct Agenda {
    /// The hall shown.
    pub hall: i64,
    /// Its name.
    pub hall_name: String,
    /// Every hall, the one shown selected.
    pub halls: Vec<HallChoice>,
    /// Its open slots, by working day.
    pub days: Vec<AgendaDay>,
    /// The actor may book (an applicant).
    pub may_book: bool,
    /// Someone is signed in.
    pub signed_in: bool,
    /// The actor's own bookings (an applicant).
    pub mine: Vec<AppointmentView>,
    /// Today's bookings at the hall (its own staff).
    pub hall_bookings: Vec<AppointmentView>,
    /// The cursor of the next page of `mine` or `hall_bookings`, if any.
    pub next: Option<String>,
    /// Today.
    pub today: String,
    /// The day whose hall bookings are listed.
    pub day: String,
}

/// A hall to choose.
#[derive(Debug, Serialize)]
pub struct HallChoice {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Shown now.
    pub selected: bool,
}

/// One working day's slots.
#[derive(Debug, Serialize)]
pub struct AgendaDay {
    /// The day.
    pub day: String,
    /// Its slots.
    pub rows: Vec<SlotView>,
}

/// Bookings shown per page of the appointments page.
const AGENDA_PAGE: usize = 50;

/// The slots of the hall asked for (else the actor's own hall, else the
/// first) for the coming week, with a page of what the actor may see of
/// bookings from `cursor` on (one that is not a cursor shows the first):
/// an applicant's own, or his hall's on the day asked for (today unless
/// said; staff plan home visits ahead).
pub async fn agenda(
    app: &App,
    actor: Option<&Actor>,
    asked: Option<i64>,
    day: Option<Date>,
    cursor: Option<&str>,
) -> AppResult<Agenda> {
    let cursor = cursor.filter(|c| decode_appointment_cursor(c).is_ok());
    let lookups = Lookups::load_at(app, actor.and_then(|a| a.revision)).await?;
    let halls = &lookups.data().halls;
    let own_hall = actor.and_then(|a| a.user.scope.hall());
    let hall = (asked.map(HallId))
        .filter(|h| halls.iter().any(|x| x.id == *h))
        .or(own_hall)
        .or(halls.first().map(|h| h.id))
        .ok_or(AppError::Store(StoreError::NotFound))?;
    let today = app.now.today();
    let mut days: Vec<AgendaDay> = Vec::new();
    for s in slots_of(app, hall, today + time::Duration::days(1), 7).await? {
        match days.iter_mut().find(|d| d.day == s.day) {
            Some(d) => d.rows.push(s),
            None => days.push(AgendaDay {
                day: s.day.clone(),
                rows: vec![s],
            }),
        }
    }
    let who = actor.map_or(tongban_domain::authz::Actor::Anonymous, Actor::who);
    let may_book = authorize(who, Action::BookAppointment, &Trust::NONE).is_ok();
    let (mine, hall_bookings, next) = match actor {
        Some(a) if may_book => {
            let page = bookings(app, a, None, None, AGENDA_PAGE, cursor).await?;
            (page.data, vec![], page.next)
        }
        Some(a) if own_hall == Some(hall) => {
            let day = day.unwrap_or(today);
            let page = bookings(app, a, Some(hall), Some(day), AGENDA_PAGE, cursor).await?;
            (vec![], page.data, page.next)
        }
        _ => (vec![], vec![], None),
    };
    Ok(Agenda {
        hall: hall.0,
        hall_name: (halls.iter().find(|h| h.id == hall))
            .map_or_else(String::new, |h| h.name.clone()),
        halls: (halls.iter())
            .map(|h| HallChoice {
                id: h.id.0,
                name: h.name.clone(),
                selected: h.id == hall,
            })
            .collect(),
        days,
        may_book,
        signed_in: actor.is_some(),
        mine,
        hall_bookings,
        next,
        today: today.to_string(),
        day: day.unwrap_or(today).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appointment_cursors_round_trip_and_a_bad_one_is_the_bad_field() {
        let k = AppointmentKey {
            day: time::macros::date!(2026 - 12 - 04),
            start: "09:30".into(),
            id: 42,
        };
        assert_eq!(
            decode_appointment_cursor(&encode_appointment_cursor(&k)).unwrap(),
            k
        );
        let enc = |parts: &[&str]| crate::cursor::encode(parts);
        for bad in [
            "zz".to_owned(),
            enc(&["a", "42"]),
            enc(&["b", "2026-13-01", "09:30", "1"]),
            enc(&["b", "2026-12-04", "9:30", "1"]),
            enc(&["b", "2026-12-04", "09:30", "x"]),
        ] {
            assert!(decode_appointment_cursor(&bad).is_err(), "{bad}");
        }
    }
}
