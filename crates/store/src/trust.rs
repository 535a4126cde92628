//! Grants of rights and the security audit log, as stored.

use tongban_domain::grant::{Grantee, Right};
use tongban_domain::{DepartmentId, ItemCode, UserId};

/// A grant to record.
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The granting department.
    pub grantor: DepartmentId,
    /// Who receives the rights.
    pub grantee: Grantee,
    /// The items; `None` for all of the grantor's.
    pub items: Option<Vec<ItemCode>>,
    /// The rights.
    pub rights: Vec<Right>,
    /// First day.
    pub valid_from: time::Date,
    /// Last day (inclusive).
    pub valid_to: time::Date,
    /// Who grants.
    pub granted_by: UserId,
    /// When, unix ms.
    pub granted_at: i64,
    /// Why.
    pub reason: String,
}

/// A security event to append to the audit log.
#[derive(Clone)]
pub struct AuditEntry {
    /// Unix ms.
    pub at: i64,
    /// What happened.
    pub kind: String,
    /// The acting account, if known.
    pub actor: Option<UserId>,
    /// The user name (for failed sign-ins, as typed).
    pub username: Option<String>,
    /// Client address.
    pub addr: String,
    /// What it concerns.
    pub subject: String,
    /// Details as JSON text; never a full personal number.
    pub detail: String,
}

impl std::fmt::Debug for AuditEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditEntry")
            .field("kind", &self.kind)
            .field("actor", &self.actor)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Which audit events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this actor.
    pub actor: Option<UserId>,
    /// Only this subject.
    pub subject: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip (newest first).
    pub offset: i64,
}

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
}

/// Which appointments to list.
#[derive(Debug, Clone, Default)]
pub struct AppointmentFilter {
    /// Only this applicant's.
    pub user: Option<UserId>,
    /// Only at this hall.
    pub hall: Option<tongban_domain::HallId>,
    /// Only on this day.
    pub day: Option<time::Date>,
}

/// A rating to record.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    /// The case rated.
    pub case_id: i64,
    /// Online or window.
    pub channel: tongban_domain::evaluation::Channel,
    /// The grades and comment.
    pub rating: tongban_domain::evaluation::Rating,
    /// The receiving hall (window service).
    pub hall: Option<tongban_domain::HallId>,
    /// The deciding department.
    pub department: tongban_domain::DepartmentId,
    /// The item.
    pub item: ItemCode,
    /// The rating account, if signed in.
    pub rated_by: Option<UserId>,
    /// When, unix ms.
    pub at: i64,
}

/// A recorded rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRecord {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// Online or window.
    pub channel: tongban_domain::evaluation::Channel,
    /// The grades and comment.
    pub rating: tongban_domain::evaluation::Rating,
    /// The receiving hall.
    pub hall: Option<tongban_domain::HallId>,
    /// The deciding department.
    pub department: tongban_domain::DepartmentId,
    /// The item.
    pub item: ItemCode,
    /// When, unix ms.
    pub at: i64,
}

/// Who answers for a 差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responsible {
    /// The hall that served at the window.
    Hall(tongban_domain::HallId),
    /// The department that served online.
    Department(tongban_domain::DepartmentId),
}

/// A rectification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectificationRecord {
    /// Id.
    pub id: i64,
    /// The rating that opened it.
    pub evaluation_id: i64,
    /// The case.
    pub case_id: i64,
    /// Who answers for it.
    pub responsible: Responsible,
    /// Opened.
    pub opened_on: time::Date,
    /// Due.
    pub due_on: time::Date,
    /// `open` or `closed`.
    pub status: String,
    /// Follow-up records: JSON `[{"at", "by", "note"}]`.
    pub follow_ups: String,
    /// The closing explanation.
    pub explanation: Option<String>,
    /// Closed at, unix ms.
    pub closed_at: Option<i64>,
}

/// A change to a rectification.
#[derive(Debug, Clone)]
pub enum RectificationStep {
    /// A follow-up note.
    FollowUp {
        /// Who.
        by: UserId,
        /// When, unix ms.
        at: i64,
        /// What was done.
        note: String,
    },
    /// Closed with an explanation.
    Close {
        /// Who.
        by: UserId,
        /// When, unix ms.
        at: i64,
        /// How it was rectified.
        explanation: String,
    },
}
