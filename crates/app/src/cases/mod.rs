//! The case use cases: open a case, take a step on it, read it, list the
//! cases an actor may see. The domain decides (jurisdiction, checklist,
//! state machine, authorisation); these functions load what it needs and
//! write once.

pub mod arrivals;
pub mod clock;
mod desk;
mod intake;
mod open;
mod step;
pub mod words;
mod workbench;

pub use desk::{CaseDesk, case_desk, latest_receipt};
pub use intake::{ApplicantForm, IntakeDesk, IntakeQuery, intake_desk, open_from_wizard};
pub use open::open_case;
pub use step::{BULK_STEPS, bulk_step, take_step};
pub use workbench::{Workbench, WorkbenchQuery, workbench};

use crate::views::{CaseView, scope_of};
use crate::{Actor, App, AppError, AppResult, Lookups};
use serde::{Deserialize, Serialize};
use tongban_domain::CaseNo;
use tongban_domain::authz::{Action, CaseVisibility, Denial, Trust};
use tongban_domain::case::{Action as Step, Side, Status, transition};
use tongban_domain::guide::Answers;
use tongban_domain::i18n::Text;
use tongban_domain::intake::ApplicantInput;
use tongban_domain::text;
use tongban_store::{CaseFilter, CaseKey, CaseOrder, CaseRecord, NewEvent, StoreError};
use utoipa::ToSchema;

/// A new case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseCreate {
    /// Item code.
    #[schema(max_length = 40)]
    pub item: String,
    /// `online`, `accept_remote` or `collect_remote`.
    #[schema(pattern = r"^(online|accept_remote|collect_remote)$")]
    pub mode: String,
    /// The receiving hall (window cases; defaults to the clerk's hall).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub hall: Option<i64>,
    /// The applicant.
    pub applicant: ApplicantInput,
    /// Guide-map answers: question key → option key.
    #[serde(default)]
    pub answers: Answers,
    /// Region code of the property (items decided where the property lies).
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
    pub property_region: Option<String>,
    /// An agent acting for the applicant (委托代理人): the checklist then
    /// asks for the power of attorney and the agent's ID.
    #[serde(default)]
    pub agent: Option<tongban_domain::intake::AgentInput>,
    /// 帮办代办: a guide or agent applying online on the applicant's behalf
    /// records how the applicant consented (required then, refused otherwise).
    #[serde(default)]
    pub consent: Option<Consent>,
    /// How the applicant wants to receive the result. When absent the
    /// department chooses at delivery.
    #[serde(default)]
    pub delivery: Option<DeliveryInput>,
    /// The window's ID-card reader read the applicant's card (window
    /// cases of a person): recorded with the case as an identity read from
    /// the chip.
    #[serde(default)]
    pub identity_read: Option<IdentityRead>,
}

/// What the window's ID-card reader (身份证读卡器) read from the
/// applicant's card, as its local device service reported it. The name and
/// number must be the applicant's as entered.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRead {
    /// The reader's serial number.
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$")]
    pub device: String,
    /// The name on the chip.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// The ID number on the chip.
    #[schema(pattern = r"^[1-9][0-9]{16}[0-9Xx]$")]
    pub id_number: String,
    /// The chip's photo: JPEG or PNG, base64 (a `data:` URL is accepted),
    /// at most 64 KiB once decoded.
    #[serde(default)]
    #[schema(max_length = 90000)]
    pub photo: Option<String>,
}

/// The applicant's choice of how to receive the result.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    /// `electronic`, `post` or `pickup`.
    #[schema(pattern = r"^(electronic|post|pickup)$")]
    pub method: String,
    /// Postal address (post).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// The hall to pick the result up at (pickup); it must hold the
    /// result-delivery right for the deciding department.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub hall: Option<i64>,
}

/// The applicant's consent to an assisted application (帮办代办).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// `signature` (signed form), `in_person` (said so in person) or `phone`.
    #[schema(pattern = r"^(signature|in_person|phone)$")]
    pub method: String,
    /// Anything to note (e.g. where the signed form is kept).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

impl Consent {
    fn label(&self) -> Option<&'static str> {
        match self.method.as_str() {
            "signature" => Some("签字确认"),
            "in_person" => Some("当面确认"),
            "phone" => Some("电话确认"),
            _ => None,
        }
    }
}

/// A material found missing or defective.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialProblem {
    /// The checklist entry (its key); or, without one, a checklist
    /// material by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 60)]
    pub key: Option<String>,
    /// The material (taken from the checklist when `key` is given).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: String,
    /// What is wrong with it, or what is missing.
    #[schema(max_length = 500)]
    pub problem: String,
    /// A material not on the case's checklist is asked for only with the
    /// reason it is needed (e.g. the legal basis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub extra_reason: Option<String>,
}

/// An action's body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// The case version this action was decided on.
    #[schema(minimum = 1)]
    pub version: i64,
    /// Reason (not_accept, pre_review_fail, decide, suspend, withdraw).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// Decision (decide).
    #[serde(default)]
    pub approved: Option<bool>,
    /// Every missing or defective material at once (request_supplement).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub materials: Option<Vec<MaterialProblem>>,
    /// Expected length in working days (suspend).
    #[serde(default)]
    #[schema(maximum = 3650)]
    pub expected_days: Option<u32>,
    /// `post`, `pickup` or `electronic` (deliver).
    #[serde(default)]
    #[schema(pattern = r"^(electronic|post|pickup)$")]
    pub method: Option<String>,
    /// Postal address (deliver by post).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: Option<String>,
    /// 收受分离: why the case goes on without a scan (or e-licence) of
    /// every required material (submit, pre_review_pass); recorded on the
    /// timeline with the materials missing.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub exception: Option<String>,
    /// The hall where the applicant picks up the result (deliver by
    /// pickup; defaults to the receiving hall). Its window hands it over,
    /// holding the result-delivery right.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub hall: Option<i64>,
}

/// An idempotency key, with the scope it is recorded under (the caller and
/// the route): a retry with the same key is answered what the first
/// request was answered.
#[derive(Debug, Clone)]
pub struct Idem {
    /// Where the key is recorded: `{user}:POST:{route}`.
    pub scope: String,
    /// The client's key.
    pub key: String,
}

impl Idem {
    /// The key of `actor` on `route`, if one was sent.
    pub fn of(actor: &Actor, route: &str, key: Option<String>) -> Option<Self> {
        key.map(|key| Idem {
            scope: format!("{}:POST:{route}", actor.user.id),
            key,
        })
    }
}

/// What a write answered: done now, or the recorded answer to an earlier
/// request with the same idempotency key.
#[derive(Debug)]
pub enum Outcome {
    /// Done now; with a key, also the answer recorded for its retries
    /// (which the adapter sends, so both answers are the same bytes).
    Done(Box<CaseView>, Option<String>),
    /// The recorded (HTTP status, JSON body) of an earlier request.
    Replayed(u16, String),
}

impl Outcome {
    /// The case number answered.
    pub fn case_no(&self) -> String {
        match self {
            Outcome::Done(v, _) => v.case_no.clone(),
            Outcome::Replayed(_, body) => serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["case_no"].as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }
}

/// Runs a keyed write: a repeated key is answered from the record; a keyed
/// write that failed may have lost the race to its own original (same
/// key), which has committed by now: then the original's answer is the
/// answer, whenever the retry arrives.
async fn keyed<F>(app: &App, idem: Option<&Idem>, write: F) -> AppResult<Outcome>
where
    F: std::future::Future<Output = AppResult<Outcome>>,
{
    let recorded = async || -> AppResult<Option<Outcome>> {
        let Some(i) = idem else { return Ok(None) };
        Ok(app
            .store
            .idempotent_answer(&i.scope, &i.key)
            .await?
            .map(|(s, b)| Outcome::Replayed(s, b)))
    };
    if let Some(answer) = recorded().await? {
        return Ok(answer);
    }
    match write.await {
        Err(e) if idem.is_some() => recorded().await?.ok_or(e),
        other => other,
    }
}

/// A timeline event by `actor`, now.
pub(crate) fn event(
    app: &App,
    actor: &Actor,
    action: &str,
    payload: serde_json::Value,
) -> NewEvent {
    NewEvent {
        at: app.now.ms(),
        actor: actor.user.id,
        role: actor.user.role.as_str().into(),
        hall: actor.user.scope.hall(),
        department: actor.user.scope.department(),
        action: action.into(),
        payload: payload.to_string(),
    }
}

/// Loads a case the actor may see. A case the actor may not see answers
/// exactly like one that does not exist; both are refusals the adapter
/// records.
pub async fn visible_case(app: &App, actor: &Actor, case_no: &str) -> AppResult<CaseRecord> {
    // A malformed number is answered like a missing case, without a query.
    let Some(case_no) = CaseNo::parse(case_no) else {
        return Err(AppError::NoCase {
            case_no: case_no.chars().take(40).collect(),
        });
    };
    let c = match app.store.case_by_no(case_no.as_str()).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => {
            return Err(AppError::NoCase {
                case_no: case_no.to_string(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    actor.authorize(Action::ReadCase(scope_of(&c)), &Trust::NONE)?;
    Ok(c)
}

/// May the actor see personal numbers in full? The applicant, and staff
/// who may act on the case.
pub fn full_view(actor: &Actor, c: &CaseRecord) -> bool {
    tongban_domain::authz::authorize(actor.who(), Action::ReadCaseFull(scope_of(c)), &Trust::NONE)
        .is_ok()
}

/// One case as the actor may see it: its timeline, the materials received,
/// personal numbers in full when the actor may act on it. Returns whether
/// this was a view of someone else's personal numbers, which the adapter
/// records.
pub async fn case_detail(
    app: &App,
    actor: &Actor,
    case_no: &str,
) -> AppResult<(CaseRecord, CaseView, bool)> {
    let c = visible_case(app, actor, case_no).await?;
    let events = app.store.case_events(c.id).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let full = full_view(actor, &c);
    let own = c.applicant_user == Some(actor.user.id);
    let mut view = lookups.view(&c, full, events);
    view.received = app
        .store
        .material_receipts(c.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok((c, view, full && !own))
}

/// Which of his cases an actor lists, in which order.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only these statuses (none: all).
    pub statuses: Vec<Status>,
    /// Soonest due first (staff inboxes).
    pub by_due_date: bool,
    /// Only the overdue ones (running, due before today; staff inboxes),
    /// soonest due first.
    pub overdue: bool,
    /// Only this item.
    pub item: Option<tongban_domain::ItemCode>,
    /// Only cases received at this hall.
    pub hall: Option<tongban_domain::HallId>,
    /// Only cases received on or after this day.
    pub received_from: Option<time::Date>,
    /// Only cases received on or before this day.
    pub received_to: Option<time::Date>,
}

/// A page of the cases an actor sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    /// The cases, masked, without verification codes.
    pub data: Vec<CaseView>,
    /// Pass as `cursor` for the next page; absent on the last page. A page
    /// of a status filter may come back short (even empty) with a cursor:
    /// each page reads a bounded stretch of the list, so keep going until
    /// there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// How a list is ordered, as asked and as the actor's list allows: the
/// due order is the staff inboxes' (a department's, a hall's); an
/// applicant's own cases and the city's all come by last change.
pub fn list_order(visible: CaseVisibility, by_due_date: bool) -> CaseOrder {
    match visible {
        CaseVisibility::Department(_) | CaseVisibility::Hall { .. } if by_due_date => {
            CaseOrder::Due
        }
        _ => CaseOrder::Updated,
    }
}

/// The opaque cursor of a key: `d|due|updated|id` or `u|updated|id`.
pub fn encode_cursor(k: &CaseKey) -> String {
    let (updated, id) = (k.updated_at.to_string(), k.id.to_string());
    match k.order {
        CaseOrder::Due => crate::cursor::encode(&["d", &k.due, &updated, &id]),
        CaseOrder::Updated => crate::cursor::encode(&["u", &updated, &id]),
    }
}

/// The key of a cursor, for a list in `order`; a cursor that is not one,
/// or is another order's, is named as the bad field.
pub fn decode_cursor(cursor: &str, order: CaseOrder) -> AppResult<CaseKey> {
    use crate::cursor::{bad, day, number};
    let parts = crate::cursor::decode(cursor)?;
    let key = |due: &str, updated: &str, id: &str| -> AppResult<CaseKey> {
        Ok(CaseKey {
            order,
            due: due.to_owned(),
            updated_at: number(updated)?,
            id: number(id)?,
        })
    };
    match (order, parts.as_slice()) {
        (CaseOrder::Due, [d, due, updated, id]) if d == "d" && due.len() == 10 => {
            day(due)?;
            key(due, updated, id)
        }
        (CaseOrder::Updated, [u, updated, id]) if u == "u" => key("", updated, id),
        _ => Err(bad()),
    }
}

/// A page of the cases the actor may see (masked, no verification
/// codes), most recently changed first — or, `by_due_date` on a staff
/// inbox, soonest due (so overdue) first, then the rest by last change —
/// from `cursor` on: the list, the workbench and the export share it.
pub async fn list_cases(
    app: &App,
    actor: &Actor,
    q: ListQuery,
    limit: usize,
    cursor: Option<&str>,
) -> AppResult<CaseList> {
    actor.authorize(Action::ListCases, &Trust::NONE)?;
    let visible = tongban_domain::authz::case_visibility(actor.who());
    let order = list_order(visible, q.by_due_date || q.overdue);
    if q.overdue && order != CaseOrder::Due {
        return Err(AppError::field(
            "overdue",
            "list.overdue",
            "超期筛选仅用于部门和服务中心的待办列表",
        ));
    }
    let f = CaseFilter {
        visible,
        statuses: q.statuses,
        order,
        limit: limit as i64,
        after: cursor.map(|c| decode_cursor(c, order)).transpose()?,
        due_before: q.overdue.then(|| app.now.today()),
        narrow: tongban_store::cases::Narrow {
            item: q.item,
            hall: q.hall,
            created_from: q.received_from.map(crate::day_start_ms),
            created_before: q
                .received_to
                .and_then(|d| d.next_day())
                .map(crate::day_start_ms),
        },
    };
    let page = app.store.cases(&f).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let data = page.rows.iter().map(|c| list_view(&lookups, c)).collect();
    Ok(CaseList {
        data,
        next: page.next.as_ref().map(encode_cursor),
    })
}

/// Finds the cases the actor may see by a case number, an applicant's ID
/// number, mobile or name (what the term looks like says which), newest
/// first, masked like the list. An empty or overlong term is a named bad
/// field.
pub async fn search_cases(app: &App, actor: &Actor, term: &str) -> AppResult<Vec<CaseView>> {
    use tongban_store::CaseSearch;
    actor.authorize(Action::ListCases, &Trust::NONE)?;
    let t = term.trim();
    if t.is_empty() || t.chars().count() > 50 {
        return Err(AppError::field(
            "q",
            "search.term",
            "请输入办件编号、身份证号码、手机号码或申请人姓名（50个字以内）",
        ));
    }
    let upper = t.to_ascii_uppercase();
    let by = if upper.starts_with("TB") && upper[2..].chars().all(|c| c.is_ascii_digit()) {
        CaseSearch::CaseNo(upper)
    } else if upper.len() == 18
        && upper[..17].chars().all(|c| c.is_ascii_digit())
        && upper[17..].chars().all(|c| c.is_ascii_digit() || c == 'X')
    {
        CaseSearch::IdNumber(upper)
    } else if t.len() == 11 && t.starts_with('1') && t.chars().all(|c| c.is_ascii_digit()) {
        CaseSearch::Phone(t.to_owned())
    } else {
        CaseSearch::Name(t.to_owned())
    };
    let visible = tongban_domain::authz::case_visibility(actor.who());
    let rows = app.store.search_cases(visible, &by, 50).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    Ok(rows.iter().map(|c| list_view(&lookups, c)).collect())
}

/// A case as lists show it: masked, without its timeline or its
/// verification code.
fn list_view(lookups: &Lookups, c: &tongban_store::CaseRecord) -> CaseView {
    let mut v = lookups.view(c, false, vec![]);
    v.verification_code = None;
    v
}

/// The largest export.
pub const EXPORT_MAX: usize = 10_000;

/// The cases the actor may see (masked, as the list shows them), the
/// most recently changed first, at most [`EXPORT_MAX`], for an export,
/// and whether there were more; every export is recorded in the audit
/// log, with the `status` filter as asked.
pub async fn export_cases(
    app: &App,
    actor: &Actor,
    statuses: Vec<Status>,
    status_filter: Option<&str>,
) -> AppResult<(Vec<CaseView>, bool)> {
    let mut rows = Vec::new();
    let mut cursor = None;
    // Page by page: a status filter's pages may come back short.
    loop {
        let q = ListQuery {
            statuses: statuses.clone(),
            ..Default::default()
        };
        let page = list_cases(app, actor, q, EXPORT_MAX - rows.len(), cursor.as_deref()).await?;
        rows.extend(page.data);
        cursor = page.next;
        if cursor.is_none() || rows.len() >= EXPORT_MAX {
            break;
        }
    }
    let more = cursor.is_some();
    let detail =
        serde_json::json!({"rows": rows.len(), "truncated": more, "status": status_filter});
    let e = actor.audit_entry(app.now.ms(), "export", "cases.csv", detail);
    // A failure to record is logged, never shown.
    if let Err(err) = app.store.append_audit(&e).await {
        tracing::error!(kind = %e.kind, %err, "audit event not recorded");
    }
    Ok((rows, more))
}

/// A step the workbench may offer on a case: the action, and `Ok` when the
/// caller may take it now, or why not (zh-CN).
#[derive(Debug, Clone)]
pub struct Offer {
    /// The action.
    pub step: Step,
    /// Whether the caller may take it, or why not.
    pub allowed: Result<(), Text>,
}

/// The steps the mode's state machine allows on this case now, each with
/// whether this caller may take it — so the workbench only offers what the
/// caller may do, and says why the rest is unavailable.
pub fn offers(actor: &Actor, c: &CaseRecord, trust: &Trust<'_>) -> Vec<Offer> {
    Step::ALL
        .iter()
        .filter_map(|&step| {
            let t = transition(c.mode, c.status, step, Some(true), c.resume_to).ok()?;
            let action = Action::CaseStep {
                case: scope_of(c),
                step,
                window: t.by.contains(&Side::Window),
                department: t.by.contains(&Side::Department),
                applicant: t.by.contains(&Side::Applicant),
            };
            let allowed =
                tongban_domain::authz::authorize(actor.who(), action, trust).map_err(|d| {
                    if let Denial::Lacks { .. } = d {
                        return d.message();
                    }
                    let who: Vec<&str> =
                        t.by.iter()
                            .map(|s| match s {
                                Side::Window if step == Step::Complete => "领取结果的服务中心窗口",
                                Side::Window => "受理窗口",
                                Side::Department => "审批部门",
                                Side::Applicant => "申请人本人",
                            })
                            .collect();
                    text!(
                        "此步骤由{who}办理",
                        who = Text::join(who.into_iter().map(Text::from), "或")
                    )
                });
            Some(Offer { step, allowed })
        })
        .collect()
}

/// The chip photo kept when the window read the applicant's card, for
/// those who see the case's personal numbers in full (its staff); to
/// anyone else, and where none was kept, there is none.
pub async fn identity_photo(app: &App, actor: &Actor, case_no: &str) -> AppResult<Vec<u8>> {
    let c = visible_case(app, actor, case_no).await?;
    if !full_view(actor, &c) {
        return Err(AppError::NoCase {
            case_no: case_no.to_owned(),
        });
    }
    let events = app.store.case_events(c.id).await?;
    let create = events.iter().find(|e| e.action == "create");
    let payload: serde_json::Value = create
        .and_then(|e| serde_json::from_str(&e.payload).ok())
        .unwrap_or_default();
    let digest = payload["identity"]["photo"]
        .as_str()
        .ok_or_else(|| AppError::NoCase {
            case_no: case_no.to_owned(),
        })?;
    app.blobs
        .get(digest)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}
