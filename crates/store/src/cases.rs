//! Case records as the store keeps them.

use tongban_domain::authz::CaseVisibility;
use tongban_domain::calendar::Pause;
use tongban_domain::case::Status;
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::guide::Answers;
use tongban_domain::intake::Applicant;
use tongban_domain::tongban::Mode;
use tongban_domain::{DepartmentId, HallId, ItemCode, UserId};

/// A case row.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    /// Internal id.
    pub id: i64,
    /// Human case number.
    pub case_no: String,
    /// Code for the public progress page.
    pub verification_code: String,
    /// Item.
    pub item_code: ItemCode,
    /// Item version applied for.
    pub item_version: i32,
    /// Item name (at that version).
    pub item_name: String,
    /// Mode.
    pub mode: Mode,
    /// Status.
    pub status: Status,
    /// Optimistic-concurrency version = number of events.
    pub version: i64,
    /// Deciding department.
    pub department: DepartmentId,
    /// Receiving hall (none for online cases).
    pub hall: Option<HallId>,
    /// The hall that hands over the result, once the department sends it there.
    pub pickup_hall: Option<HallId>,
    /// The applicant's own account, for online cases.
    pub applicant_user: Option<UserId>,
    /// The guide or agent applying on the applicant's behalf (帮办代办).
    pub assisted_by: Option<UserId>,
    /// How the applicant chose to receive the result.
    pub delivery: Option<tongban_domain::case::Delivery>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// The applicant.
    pub applicant: Applicant,
    /// The agent acting for the applicant (委托代理人), if any.
    pub agent: Option<tongban_domain::intake::Agent>,
    /// Guide-map answers.
    pub answers: Answers,
    /// Situation (情形) name.
    pub situation: String,
    /// The required-materials checklist.
    pub materials: Vec<MaterialSpec>,
    /// Promised working days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// Day the clock started.
    pub accepted_on: Option<time::Date>,
    /// Day of the decision.
    pub decided_on: Option<time::Date>,
    /// Clock pauses.
    pub pauses: Vec<Pause>,
    /// Status a supplement or suspension returns to.
    pub resume_to: Option<Status>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last change, unix ms.
    pub updated_at: i64,
}

/// A new case (its first event is written with it).
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Code for the public progress page.
    pub verification_code: String,
    /// Item.
    pub item_code: ItemCode,
    /// Item version.
    pub item_version: i32,
    /// Item name.
    pub item_name: String,
    /// Mode.
    pub mode: Mode,
    /// Deciding department.
    pub department: DepartmentId,
    /// Receiving hall.
    pub hall: Option<HallId>,
    /// Applicant account.
    pub applicant_user: Option<UserId>,
    /// The guide or agent applying on the applicant's behalf (帮办代办).
    pub assisted_by: Option<UserId>,
    /// How the applicant chose to receive the result.
    pub delivery: Option<tongban_domain::case::Delivery>,
    /// Creator.
    pub created_by: Option<UserId>,
    /// Applicant.
    pub applicant: Applicant,
    /// Agent.
    pub agent: Option<tongban_domain::intake::Agent>,
    /// Answers.
    pub answers: Answers,
    /// Situation name.
    pub situation: String,
    /// Checklist.
    pub materials: Vec<MaterialSpec>,
    /// Promised days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
}

/// What a transition changes on the case row.
#[derive(Debug, Clone)]
pub struct CaseChange {
    /// New status.
    pub status: Status,
    /// Day the clock started, if it starts now.
    pub accepted_on: Option<time::Date>,
    /// Day of decision, if decided now.
    pub decided_on: Option<time::Date>,
    /// The pauses after the change.
    pub pauses: Vec<Pause>,
    /// Where a supplement or suspension returns to.
    pub resume_to: Option<Status>,
    /// The hall that will hand over the result, if set now.
    pub pickup_hall: Option<HallId>,
    /// A notification for the case's applicant account, written with the change.
    pub notify: Option<String>,
    /// Messages to send once the change is durable (the outbox).
    pub messages: Vec<crate::outbox::NewMessage>,
    /// The promised completion date after the change, while the clock
    /// runs (`None` before acceptance, while paused, once decided).
    pub due_on: Option<time::Date>,
}

/// An in-site notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    /// Id.
    pub id: i64,
    /// The case it tells of.
    pub case_no: String,
    /// What happened, in plain words.
    pub text: String,
    /// When, unix ms.
    pub at: i64,
    /// Read yet.
    pub read: bool,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Unix ms.
    pub at: i64,
    /// Acting user.
    pub actor: UserId,
    /// Their role.
    pub role: String,
    /// Their hall.
    pub hall: Option<HallId>,
    /// Their department.
    pub department: Option<DepartmentId>,
    /// Action (`create`, `submit`, …).
    pub action: String,
    /// Details (JSON text).
    pub payload: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Position, from 1.
    pub seq: i64,
    /// Unix ms.
    pub at: i64,
    /// Actor id.
    pub actor: i64,
    /// Role.
    pub role: String,
    /// Hall.
    pub hall: Option<i64>,
    /// Department.
    pub department: Option<i64>,
    /// Action.
    pub action: String,
    /// Status after.
    pub status: String,
    /// Payload JSON.
    pub payload: String,
    /// Previous hash.
    pub prev_hash: String,
    /// Hash.
    pub hash: String,
}

/// Which cases to list.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    /// Whose cases: the caller's visibility (the one rule, as SQL).
    pub visible: CaseVisibility,
    /// Only these statuses.
    pub statuses: Vec<Status>,
    /// Order: by the running clock's due date (soonest, hence overdue,
    /// first; the rest by last change) instead of by last change.
    pub by_due_date: bool,
    /// Page size.
    pub limit: i64,
    /// Offset.
    pub offset: i64,
}

/// An idempotency key to record with a write, and the answer to replay.
pub struct IdemWrite<'a> {
    /// Who and what (user id and route), so keys of different callers never meet.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// HTTP status of the answer.
    pub status: u16,
    /// Renders the answer body from the written case.
    pub render: &'a (dyn Fn(&CaseRecord) -> String + Send + Sync),
}

impl std::fmt::Debug for IdemWrite<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdemWrite")
            .field("scope", &self.scope)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// How a material was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialReceipt {
    /// The checklist entry's key.
    pub material_key: String,
    /// `paper`, `scan` or `license`.
    pub method: String,
    /// Content address (SHA-256 hex) of the scan.
    pub blob: Option<String>,
    /// Sniffed content type of the scan.
    pub mime: Option<String>,
    /// Size of the scan in bytes.
    pub size: Option<i64>,
    /// E-licence reference that replaces the material.
    pub license_ref: Option<String>,
    /// The window certified that it saw the originals (原件核验).
    pub original_verified: bool,
    /// Who recorded it.
    pub recorded_by: i64,
    /// When, unix ms.
    pub recorded_at: i64,
}
