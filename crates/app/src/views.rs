//! What use cases answer about cases: the views (masked unless the actor
//! may act on the case), built from a record and the lookups. The JSON and
//! HTML shapes are the adapters'; these are their source.

use crate::Lookups;
use serde::Serialize;
use tongban_domain::authz::CaseScope;
use tongban_domain::calendar::reckon;
use tongban_domain::case::{Action as Step, DeliveryMethod, Status};
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::intake::Applicant;
use tongban_domain::tongban::Mode;
use tongban_store::{CaseRecord, MaterialReceipt};
use utoipa::ToSchema;

/// The applicant's delivery choice as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// `electronic`, `post` or `pickup`.
    pub method: DeliveryMethod,
    /// zh-CN method.
    pub label: tongban_domain::i18n::Text,
    /// Postal address (post).
    pub address: Option<String>,
    /// Pickup hall (pickup).
    pub hall: Option<Named>,
    /// In plain words.
    pub text: tongban_domain::i18n::Text,
}

/// One timeline event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Position.
    pub seq: i64,
    /// When (RFC 3339, +08:00).
    pub at: String,
    /// Acting user id.
    pub actor: i64,
    /// Their role.
    pub role: String,
    /// Their hall.
    pub hall: Option<i64>,
    /// Their department.
    pub department: Option<i64>,
    /// Action.
    pub action: String,
    /// zh-CN action.
    pub action_label: tongban_domain::i18n::Text,
    /// Status after.
    pub status: String,
    /// Details.
    pub payload: serde_json::Value,
}

/// A named reference.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
}

/// A case as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    /// Case number.
    pub case_no: String,
    /// Status.
    pub status: Status,
    /// zh-CN status.
    pub status_label: String,
    /// Mode.
    pub mode: Mode,
    /// Optimistic-concurrency version: send it with the next action.
    pub version: i64,
    /// Item code.
    pub item: String,
    /// Item name.
    pub item_name: String,
    /// Item version applied for.
    pub item_version: i32,
    /// The deciding department.
    pub department: Named,
    /// The receiving hall (none online).
    pub hall: Option<Named>,
    /// True when the receiving hall is outside the department's region.
    pub cross_region: bool,
    /// The applicant (ID and phone masked unless the caller may act on the case).
    pub applicant: Applicant,
    /// The agent, if any (masked likewise).
    pub agent: Option<tongban_domain::intake::Agent>,
    /// Situation (情形).
    pub situation: String,
    /// Required materials.
    pub materials: Vec<MaterialSpec>,
    /// Promised working days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// Day the clock started.
    pub accepted_on: Option<String>,
    /// Promised completion date.
    pub deadline: Option<String>,
    /// Working days left (negative: overdue), while the clock runs.
    pub working_days_left: Option<i64>,
    /// The day the case ended (completed, not accepted or withdrawn).
    pub closed_on: Option<String>,
    /// Once decided or ended after acceptance: whether that was within the
    /// promised time.
    pub on_time: Option<bool>,
    /// Past the deadline and undecided.
    pub overdue: bool,
    /// False when the deadline was reckoned across a year without official data.
    pub calendar_complete: bool,
    /// The clock is paused.
    pub paused: bool,
    /// How the applicant chose to receive the result.
    pub delivery: Option<DeliveryView>,
    /// Code for the public progress page (not in lists).
    pub verification_code: Option<String>,
    /// Timeline (detail only).
    pub events: Vec<EventView>,
    /// Materials received (detail only).
    pub received: Vec<ReceiptView>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

/// Whose a case is, for authorisation.
pub fn scope_of(c: &CaseRecord) -> CaseScope<'_> {
    CaseScope {
        case_no: &c.case_no,
        hall: c.hall,
        department: c.department,
        applicant: c.applicant_user,
        assisted_by: c.assisted_by,
        pickup_hall: c.pickup_hall,
        item: &c.item_code,
        mode: c.mode,
    }
}

/// A material received.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// Checklist key.
    pub material: String,
    /// `paper`, `scan` or `license`.
    pub method: String,
    /// Content address of the scan.
    pub blob: Option<String>,
    /// Content type of the scan.
    pub mime: Option<String>,
    /// Size in bytes.
    pub size: Option<i64>,
    /// E-licence reference.
    pub license_ref: Option<String>,
    /// The window certified that it saw the originals (原件核验), so the
    /// department may trust the scan.
    pub original_verified: bool,
    /// When (RFC 3339).
    pub recorded_at: String,
}

impl From<MaterialReceipt> for ReceiptView {
    fn from(m: MaterialReceipt) -> Self {
        Self {
            material: m.material_key,
            method: m.method,
            blob: m.blob,
            mime: m.mime,
            size: m.size,
            license_ref: m.license_ref,
            original_verified: m.original_verified,
            recorded_at: tongban_store::rfc3339(m.recorded_at),
        }
    }
}

impl Lookups {
    /// The view of a case; `full` shows personal numbers, `events` the timeline.
    pub fn view(
        &self,
        c: &CaseRecord,
        full: bool,
        events: Vec<tongban_store::EventRecord>,
    ) -> CaseView {
        let dept = self.data.departments.iter().find(|d| d.id == c.department);
        let hall = c
            .hall
            .and_then(|h| self.data.halls.iter().find(|x| x.id == h));
        let cross_region = match (hall, dept) {
            (Some(h), Some(d)) => self.county_of(&h.region) != self.county_of(&d.region),
            _ => false,
        };
        let clock = self.clock(c);
        CaseView {
            case_no: c.case_no.clone(),
            status: c.status,
            status_label: c.status.label().into(),
            mode: c.mode,
            version: c.version,
            item: c.item_code.0.clone(),
            item_name: c.item_name.clone(),
            item_version: c.item_version,
            department: Named {
                id: c.department.0,
                name: dept.map(|d| d.name.clone()).unwrap_or_default(),
            },
            hall: hall.map(|h| Named {
                id: h.id.0,
                name: h.name.clone(),
            }),
            cross_region,
            applicant: if full {
                c.applicant.clone()
            } else {
                c.applicant.masked()
            },
            agent: c
                .agent
                .as_ref()
                .map(|a| if full { a.clone() } else { a.masked() }),
            situation: c.situation.clone(),
            materials: c.materials.clone(),
            promised_days: c.promised_days,
            instant: c.instant,
            accepted_on: c.accepted_on.map(|d| d.to_string()),
            deadline: clock.map(|k| k.deadline.to_string()),
            working_days_left: clock
                .filter(|_| !c.status.clock_stopped())
                .map(|k| k.working_days_left),
            closed_on: c
                .status
                .is_terminal()
                .then(|| crate::shanghai_date(c.updated_at).to_string()),
            on_time: clock
                .filter(|_| c.status.clock_stopped())
                .map(|k| !k.overdue),
            overdue: clock.is_some_and(|k| k.overdue && !c.status.clock_stopped()),
            calendar_complete: clock.is_none_or(|k| k.calendar_complete),
            paused: clock.is_some_and(|k| k.paused),
            verification_code: Some(c.verification_code.clone()),
            delivery: c.delivery.as_ref().map(|d| self.delivery_view(d)),
            events: events.into_iter().map(event_view).collect(),
            received: vec![],
            created_at: tongban_store::rfc3339(c.created_at),
            updated_at: tongban_store::rfc3339(c.updated_at),
        }
    }

    /// The case's clock, once accepted: stopped at the decision (or today,
    /// when it ended otherwise).
    fn clock(&self, c: &CaseRecord) -> Option<tongban_domain::calendar::Clock> {
        c.accepted_on.map(|a| {
            let stopped = if c.status.clock_stopped() {
                c.decided_on.or(Some(self.today))
            } else {
                None
            };
            let days = if c.instant { 0 } else { c.promised_days };
            reckon(&self.data.cal, a, days, &c.pauses, self.today, stopped)
        })
    }

    /// How the applicant chose to receive the result, as shown.
    fn delivery_view(&self, d: &tongban_domain::case::Delivery) -> DeliveryView {
        let hall = d
            .hall
            .and_then(|h| self.data.halls.iter().find(|x| x.id == h))
            .map(|h| Named {
                id: h.id.0,
                name: h.name.clone(),
            });
        DeliveryView {
            method: d.method,
            label: d.method.label().into(),
            address: d.address.clone(),
            text: d.describe(hall.as_ref().map(|h| h.name.as_str())),
            hall,
        }
    }
}

/// One timeline event, as shown.
fn event_view(e: tongban_store::EventRecord) -> EventView {
    EventView {
        seq: e.seq,
        at: tongban_store::rfc3339(e.at),
        actor: e.actor,
        role: e.role,
        hall: e.hall,
        department: e.department,
        action_label: match e.action.as_str() {
            "material" => "登记材料",
            "video_check" => "发起视频核验",
            "video_result" => "记录视频核验结果",
            a => Step::parse(a).map_or("创建办件", |a| a.label()),
        }
        .into(),
        action: e.action,
        status: e.status,
        payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
    }
}
