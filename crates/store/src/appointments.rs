//! Appointments: slot plans of a hall's windows and the bookings in their
//! slots.

use crate::codec::{Bind, corrupt, date_str, parse_date};
use crate::{Result, StoreError};
use tongban_domain::appointment::{AppointmentKind, SlotPlan, TimeOfDay};
use tongban_domain::{HallId, ItemCode, UserId, WindowId};

/// A slot plan to publish.
#[derive(Debug, Clone)]
pub struct NewSlotPlan {
    /// The hall.
    pub hall: tongban_domain::HallId,
    /// The window serving it.
    pub window: tongban_domain::WindowId,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// Appointments per slot.
    pub capacity: u32,
    /// Counter or home visit.
    pub kind: tongban_domain::appointment::AppointmentKind,
    /// Who publishes it.
    pub created_by: UserId,
    /// When, unix ms.
    pub created_at: i64,
}

/// An appointment to record in a slot.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    /// The plan.
    pub plan: i64,
    /// The day.
    pub day: time::Date,
    /// The plan's capacity (the slot is created with it when first booked).
    pub capacity: u32,
    /// Random booking number.
    pub booking_no: String,
    /// What for.
    pub item: ItemCode,
    /// Whose.
    pub user: UserId,
    /// When, unix ms.
    pub at: i64,
    /// Where and why staff visit (a home-visit slot).
    pub visit: Option<tongban_domain::appointment::HomeVisit>,
}

/// An appointment as stored, with its slot's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentRecord {
    /// Id.
    pub id: i64,
    /// Booking number shown to the applicant.
    pub booking_no: String,
    /// The plan.
    pub plan: i64,
    /// The day.
    pub day: time::Date,
    /// The hall.
    pub hall: tongban_domain::HallId,
    /// The window.
    pub window: tongban_domain::WindowId,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
    /// Counter or home visit.
    pub kind: tongban_domain::appointment::AppointmentKind,
    /// What for.
    pub item: ItemCode,
    /// Whose.
    pub user: UserId,
    /// `booked` or `cancelled`.
    pub status: String,
    /// Booked at, unix ms.
    pub created_at: i64,
    /// Cancelled at, unix ms.
    pub cancelled_at: Option<i64>,
    /// Where and why staff visit (a home-visit booking).
    pub visit: Option<tongban_domain::appointment::HomeVisit>,
}

/// Which appointments to list, a page at a time.
#[derive(Debug, Clone, Default)]
pub struct AppointmentFilter {
    /// Only this applicant's.
    pub user: Option<UserId>,
    /// Only at this hall.
    pub hall: Option<tongban_domain::HallId>,
    /// Only on this day.
    pub day: Option<time::Date>,
    /// Page size.
    pub limit: i64,
    /// Only those after this one in the list's order (the previous page's
    /// `next`).
    pub after: Option<AppointmentKey>,
}

/// Where an appointment stands in a list: by day, starting time, id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentKey {
    /// Its day.
    pub day: time::Date,
    /// Its slot's starting time, `HH:MM`.
    pub start: String,
    /// Its id.
    pub id: i64,
}

/// A page of appointments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentPage {
    /// The rows, by day, starting time and id.
    pub rows: Vec<AppointmentRecord>,
    /// Where the next page starts; none on the last page.
    pub next: Option<AppointmentKey>,
}

/// What appointments ask of a database.
#[async_trait::async_trait]
pub trait AppointmentStore: Send + Sync {
    /// Publishes slot plans (one transaction).
    async fn create_slot_plans(
        &self,
        plans: &[NewSlotPlan],
    ) -> Result<Vec<tongban_domain::appointment::SlotPlan>>;

    /// One slot plan; `NotFound` if there is none.
    async fn slot_plan(&self, id: i64) -> Result<tongban_domain::appointment::SlotPlan>;

    /// The slot plans of a hall (or of every hall).
    async fn slot_plans(
        &self,
        hall: Option<HallId>,
    ) -> Result<Vec<tongban_domain::appointment::SlotPlan>>;

    /// Booked counts of a hall's slots from `from` to `to` (inclusive): (plan, day, booked).
    async fn slot_bookings(
        &self,
        hall: HallId,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<(i64, time::Date, i64)>>;

    /// Books a place in a slot: `Conflict("slot_full")` when it is full,
    /// `Conflict("duplicate")` when the user already holds one there.
    async fn book_appointment(&self, a: &NewAppointment) -> Result<AppointmentRecord>;

    /// Cancels a booking and frees its place; `Conflict` if already cancelled.
    async fn cancel_appointment(&self, id: i64, by: UserId, at: i64) -> Result<AppointmentRecord>;

    /// One appointment.
    async fn appointment(&self, id: i64) -> Result<AppointmentRecord>;

    /// A page of the appointments matching a filter, by day, starting time
    /// and id, from `f.after` on.
    async fn appointments(&self, f: &AppointmentFilter) -> Result<AppointmentPage>;
}

fn kind(s: &str) -> Result<AppointmentKind> {
    AppointmentKind::parse(s).ok_or_else(|| corrupt("appointment kind", s))
}

/// A `slot_plans` row, as [`PLAN_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct PlanRow {
    id: i64,
    hall_id: i64,
    window_id: i64,
    starts: String,
    ends: String,
    capacity: i64,
    kind: String,
}

impl TryFrom<PlanRow> for SlotPlan {
    type Error = StoreError;
    fn try_from(r: PlanRow) -> Result<Self> {
        let time = |v: &str| TimeOfDay::parse(v).ok_or_else(|| corrupt("time", v));
        Ok(SlotPlan {
            id: r.id,
            hall: HallId(r.hall_id),
            window: WindowId(r.window_id),
            start: time(&r.starts)?,
            end: time(&r.ends)?,
            capacity: u32::try_from(r.capacity).unwrap_or(0),
            kind: kind(&r.kind)?,
        })
    }
}

/// An `appointments` row with its plan's columns, as
/// [`APPOINTMENT_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct AppointmentRow {
    id: i64,
    booking_no: String,
    plan_id: i64,
    day: String,
    hall_id: i64,
    window_id: i64,
    starts: String,
    ends: String,
    kind: String,
    item_code: String,
    user_id: i64,
    status: String,
    created_at: i64,
    cancelled_at: Option<i64>,
    visit_address: Option<String>,
    visit_reason: Option<String>,
}

impl TryFrom<AppointmentRow> for AppointmentRecord {
    type Error = StoreError;
    fn try_from(r: AppointmentRow) -> Result<Self> {
        Ok(AppointmentRecord {
            id: r.id,
            booking_no: r.booking_no,
            plan: r.plan_id,
            day: parse_date(&r.day)?,
            hall: HallId(r.hall_id),
            window: WindowId(r.window_id),
            start: r.starts,
            end: r.ends,
            kind: kind(&r.kind)?,
            item: ItemCode(r.item_code),
            user: UserId(r.user_id),
            status: r.status,
            created_at: r.created_at,
            cancelled_at: r.cancelled_at,
            visit: match (r.visit_address, r.visit_reason) {
                (Some(address), Some(reason)) => Some(tongban_domain::appointment::HomeVisit {
                    address,
                    reason: tongban_domain::appointment::VisitReason::parse(&reason)
                        .ok_or_else(|| StoreError::Corrupt(format!("visit reason {reason}")))?,
                }),
                _ => None,
            },
        })
    }
}

/// The columns of a slot plan row.
pub(crate) const PLAN_COLUMNS: &str = "id, hall_id, window_id, starts, ends, capacity, kind";

/// The columns of an appointment with its plan (`a`: the appointment, `p`: the plan).
pub(crate) const APPOINTMENT_COLUMNS: &str = "a.id, a.booking_no, a.plan_id, a.day, p.hall_id, p.window_id, p.starts, p.ends, p.kind, \
    a.item_code, a.user_id, a.status, a.created_at, a.cancelled_at, a.visit_address, a.visit_reason";

/// The query of a page of appointments (at most `f.limit + 1` rows, so the
/// caller sees whether there is more): only the filters given, spelled
/// out, on the index of `appointments` that leads with the first of them
/// (`appointments_user_order`, `appointments_hall_order`,
/// `appointments_day_order`) and is ordered as the list is, so a page
/// reads its rows and never every booking of the city. The plan's
/// columns come by primary key.
pub(crate) fn page_query(f: &AppointmentFilter) -> (String, Vec<Bind>) {
    let mut binds = Vec::new();
    let mut conds = Vec::new();
    if let Some(u) = f.user {
        binds.push(Bind::Int(u.0));
        conds.push(format!("a.user_id = ${}", binds.len()));
    }
    if let Some(h) = f.hall {
        binds.push(Bind::Int(h.0));
        conds.push(format!("a.hall_id = ${}", binds.len()));
    }
    if let Some(d) = f.day {
        binds.push(Bind::Text(date_str(d)));
        conds.push(format!("a.day = ${}", binds.len()));
    }
    if let Some(k) = &f.after {
        binds.push(Bind::Text(date_str(k.day)));
        binds.push(Bind::Text(k.start.clone()));
        binds.push(Bind::Int(k.id));
        let n = binds.len();
        conds.push(format!(
            "(a.day, a.starts, a.id) > (${}, ${}, ${n})",
            n - 2,
            n - 1
        ));
    }
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    // The order names the leading index's column (the same order within
    // its equality), so the planner walks that index and no other.
    let order = if f.user.is_some() {
        "a.user_id, a.day, a.starts, a.id"
    } else if f.hall.is_some() {
        "a.hall_id, a.day, a.starts, a.id"
    } else {
        "a.day, a.starts, a.id"
    };
    binds.push(Bind::Int(f.limit + 1));
    let sql = format!(
        "SELECT {APPOINTMENT_COLUMNS} FROM appointments a JOIN slot_plans p ON p.id = a.plan_id
         {where_} ORDER BY {order} LIMIT ${}",
        binds.len()
    );
    (sql, binds)
}

/// Implements [`AppointmentStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_appointments {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::appointments::AppointmentStore for $ty {
            async fn create_slot_plans(
                &self,
                plans: &[$crate::NewSlotPlan],
            ) -> $crate::Result<Vec<tongban_domain::appointment::SlotPlan>> {
                let mut tx = self.begin_write().await?;
                let mut out = Vec::with_capacity(plans.len());
                for p in plans {
                    let row = sqlx::query_as::<_, $crate::appointments::PlanRow>(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO slot_plans (hall_id, window_id, starts, ends, capacity, kind, created_by, created_at)
                         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM windows WHERE id = $2 AND hall_id = $1)
                         RETURNING {}",
                        $crate::appointments::PLAN_COLUMNS
                    )))
                    .bind(p.hall.0)
                    .bind(p.window.0)
                    .bind(&p.start)
                    .bind(&p.end)
                    .bind(i64::from(p.capacity))
                    .bind(p.kind.as_str())
                    .bind(p.created_by.0)
                    .bind(p.created_at)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| $crate::StoreError::InvalidReference("window of another hall".into()))?;
                    out.push(row.try_into()?);
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn slot_plan(&self, id: i64) -> $crate::Result<tongban_domain::appointment::SlotPlan> {
                sqlx::query_as::<_, $crate::appointments::PlanRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM slot_plans WHERE id = $1",
                    $crate::appointments::PLAN_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            async fn slot_plans(
                &self,
                hall: Option<tongban_domain::HallId>,
            ) -> $crate::Result<Vec<tongban_domain::appointment::SlotPlan>> {
                sqlx::query_as::<_, $crate::appointments::PlanRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM slot_plans WHERE ($1 IS NULL OR hall_id = $1) ORDER BY hall_id, starts, window_id, id",
                    $crate::appointments::PLAN_COLUMNS
                )))
                .bind(hall.map(|h| h.0))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::appointment::SlotPlan::try_from)
                .collect()
            }

            async fn slot_bookings(
                &self,
                hall: tongban_domain::HallId,
                from: time::Date,
                to: time::Date,
            ) -> $crate::Result<Vec<(i64, time::Date, i64)>> {
                let rows: Vec<(i64, String, i64)> = sqlx::query_as(
                    "SELECT s.plan_id, s.day, s.booked FROM appointment_slots s JOIN slot_plans p ON p.id = s.plan_id
                     WHERE p.hall_id = $1 AND s.day >= $2 AND s.day <= $3",
                )
                .bind(hall.0)
                .bind($crate::codec::date_str(from))
                .bind($crate::codec::date_str(to))
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter()
                    .map(|(plan, day, booked)| Ok((plan, $crate::codec::parse_date(&day)?, booked)))
                    .collect()
            }

            async fn book_appointment(&self, a: &$crate::NewAppointment) -> $crate::Result<$crate::AppointmentRecord> {
                let day = $crate::codec::date_str(a.day);
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO appointment_slots (plan_id, day, capacity, booked) VALUES ($1, $2, $3, 0)
                     ON CONFLICT (plan_id, day) DO NOTHING",
                )
                .bind(a.plan)
                .bind(&day)
                .bind(i64::from(a.capacity))
                .execute(&mut *tx)
                .await?;
                let held = sqlx::query(
                    "SELECT 1 AS one FROM appointments WHERE plan_id = $1 AND day = $2 AND user_id = $3 AND status = 'booked'",
                )
                .bind(a.plan)
                .bind(&day)
                .bind(a.user.0)
                .fetch_optional(&mut *tx)
                .await?;
                if held.is_some() {
                    return Err($crate::StoreError::Conflict("duplicate".into()));
                }
                // The guard: a place is taken only while one is free.
                let taken = sqlx::query(
                    "UPDATE appointment_slots SET booked = booked + 1 WHERE plan_id = $1 AND day = $2 AND booked < capacity
                     RETURNING booked",
                )
                .bind(a.plan)
                .bind(&day)
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_none() {
                    return Err($crate::StoreError::Conflict("slot_full".into()));
                }
                // The plan's hall and starting time go with the booking: the
                // lists are ordered and filtered by them.
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO appointments (booking_no, plan_id, day, item_code, user_id, status, created_at, hall_id, starts,
                                               visit_address, visit_reason)
                     SELECT $1, $2, $3, $4, $5, 'booked', $6, p.hall_id, p.starts, $7, $8 FROM slot_plans p WHERE p.id = $2
                     RETURNING id",
                )
                .bind(&a.booking_no)
                .bind(a.plan)
                .bind(&day)
                .bind(a.item.as_str())
                .bind(a.user.0)
                .bind(a.at)
                .bind(a.visit.as_ref().map(|v| v.address.as_str()))
                .bind(a.visit.as_ref().map(|v| v.reason.as_str()))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(w) if w.contains("one_per_slot") || w.contains("user_id") => {
                        $crate::StoreError::Conflict("duplicate".into())
                    }
                    other => other,
                })?;
                let record = Self::load_appointment(&mut tx, id).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn cancel_appointment(
                &self,
                id: i64,
                by: tongban_domain::UserId,
                at: i64,
            ) -> $crate::Result<$crate::AppointmentRecord> {
                let mut tx = self.begin_write().await?;
                let row: Option<(i64, String)> = sqlx::query_as(
                    "UPDATE appointments SET status = 'cancelled', cancelled_at = $1, cancelled_by = $2
                     WHERE id = $3 AND status = 'booked' RETURNING plan_id, day",
                )
                .bind(at)
                .bind(by.0)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((plan, day)) = row else {
                    Self::load_appointment(&mut tx, id).await?;
                    return Err($crate::StoreError::Conflict("already cancelled".into()));
                };
                sqlx::query("UPDATE appointment_slots SET booked = booked - 1 WHERE plan_id = $1 AND day = $2")
                    .bind(plan)
                    .bind(day)
                    .execute(&mut *tx)
                    .await?;
                let record = Self::load_appointment(&mut tx, id).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn appointment(&self, id: i64) -> $crate::Result<$crate::AppointmentRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_appointment(&mut conn, id).await
            }

            async fn appointments(&self, f: &$crate::AppointmentFilter) -> $crate::Result<$crate::AppointmentPage> {
                let (sql, binds) = $crate::appointments::page_query(f);
                let mut q = sqlx::query_as::<_, $crate::appointments::AppointmentRow>(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = match b {
                        $crate::codec::Bind::Int(v) => q.bind(v),
                        $crate::codec::Bind::Text(v) => q.bind(v),
                    };
                }
                let mut rows = q
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::AppointmentRecord::try_from)
                    .collect::<$crate::Result<Vec<_>>>()?;
                let limit = usize::try_from(f.limit).unwrap_or(0);
                let more = rows.len() > limit;
                rows.truncate(limit);
                let next = if more {
                    rows.last().map(|r| $crate::AppointmentKey { day: r.day, start: r.start.clone(), id: r.id })
                } else {
                    None
                };
                Ok($crate::AppointmentPage { rows, next })
            }
        }

        impl $ty {
            async fn load_appointment(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: i64,
            ) -> $crate::Result<$crate::AppointmentRecord> {
                sqlx::query_as::<_, $crate::appointments::AppointmentRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM appointments a JOIN slot_plans p ON p.id = a.plan_id WHERE a.id = $1",
                    $crate::appointments::APPOINTMENT_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }
        }
    };
}
pub(crate) use impl_appointments;
