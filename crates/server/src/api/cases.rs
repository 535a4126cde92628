//! Cases: intake at any hall or online, the owning department's steps on
//! the explicit state machine of the mode, the timeline, and the clock.

use super::Page;
use crate::AppState;
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tongban_domain::authz::{Action, CaseScope, Denial, Trust};
use tongban_domain::calendar::{Calendar, Pause, reckon};
use tongban_domain::case::{
    Action as Step, ClockEffect, Delivery, DeliveryMethod, Side, Status, remember_for_return,
    transition,
};
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::guide::{Answers, GuideError};
use tongban_domain::intake::{Applicant, ApplicantInput, resolve_jurisdiction};
use tongban_domain::tongban::Mode;
use tongban_domain::user::Role;
use tongban_domain::{DepartmentId, FieldError, HallId, ItemCode, RegionCode, ValidationErrors};
use tongban_store::outbox::{MessageKind, NewMessage};
use tongban_store::{CaseChange, CaseFilter, CaseRecord, IdemWrite, NewCase, NewEvent, StoreError};
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

/// The applicant's delivery choice as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// `electronic`, `post` or `pickup`.
    pub method: DeliveryMethod,
    /// zh-CN method.
    pub label: String,
    /// Postal address (post).
    pub address: Option<String>,
    /// Pickup hall (pickup).
    pub hall: Option<Named>,
    /// In plain words.
    pub text: String,
}

/// Checks a delivery choice: the address for post, and for pickup a hall
/// that holds the result-delivery right for the department and item.
fn check_delivery(
    d: &DeliveryInput,
    lookups: &Ctxt,
    department: DepartmentId,
    item: &ItemCode,
) -> ApiResult<Delivery> {
    let Some(method) = DeliveryMethod::parse(d.method.trim()) else {
        return Err(FieldError::new(
            "delivery.method",
            "delivery.method",
            "领取方式应为 electronic（电子送达）、post（邮寄送达）或 pickup（窗口领取）",
        )
        .into());
    };
    let address = d
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    match method {
        DeliveryMethod::Electronic => Ok(Delivery {
            method,
            address: None,
            hall: None,
        }),
        DeliveryMethod::Post => match address {
            None => Err(
                FieldError::new("delivery.address", "required", "邮寄送达须填写收件地址").into(),
            ),
            Some(a) if a.chars().count() > 200 => {
                Err(
                    FieldError::new("delivery.address", "too_long", "收件地址不能超过200个字")
                        .into(),
                )
            }
            Some(a) => Ok(Delivery {
                method,
                address: Some(a.to_owned()),
                hall: None,
            }),
        },
        DeliveryMethod::Pickup => {
            let Some(h) = d.hall.map(HallId) else {
                return Err(FieldError::new(
                    "delivery.hall",
                    "required",
                    "窗口领取须选择领取结果的服务中心",
                )
                .into());
            };
            let Some(hall) = lookups.data.halls.iter().find(|x| x.id == h) else {
                return Err(
                    FieldError::new("delivery.hall", "hall.unknown", "服务中心不存在").into(),
                );
            };
            let Some(dept) = lookups.data.departments.iter().find(|x| x.id == department) else {
                return Err(ApiError::internal(format!(
                    "department {department} missing"
                )));
            };
            if lookups
                .trust()
                .hall_holds(
                    h,
                    department,
                    item,
                    tongban_domain::grant::Right::ResultDelivery,
                )
                .is_err()
            {
                return Err(FieldError::new(
                    "delivery.hall",
                    "delivery.hall_no_right",
                    format!(
                        "{}未获{}授予审批结果送达权，不能在此领取，请另选服务中心",
                        hall.name, dept.name
                    ),
                )
                .into());
            }
            Ok(Delivery {
                method,
                address: None,
                hall: Some(h),
            })
        }
    }
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
    pub action_label: String,
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
    pub received: Vec<crate::api::materials::ReceiptView>,
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

/// Reference data that changes rarely: the calendar, departments, halls,
/// regions. Cached per reference-data revision (see [`RefCache`]).
#[derive(Debug)]
pub struct RefData {
    pub cal: Calendar,
    pub departments: Vec<tongban_domain::city::Department>,
    pub halls: Vec<tongban_domain::city::Hall>,
    pub regions: Vec<tongban_domain::city::Region>,
    pub places: Vec<tongban_domain::grant::HallPlace>,
    pub grants: Vec<tongban_domain::grant::Grant>,
}

/// The reference data, reloaded only when the database's revision moved —
/// which every write to it bumps, so no process serves stale data.
#[derive(Debug, Default)]
pub struct RefCache {
    inner: std::sync::RwLock<Option<(i64, std::sync::Arc<RefData>)>>,
}

impl RefCache {
    /// The current reference data.
    pub async fn get(
        &self,
        store: &dyn tongban_store::Store,
    ) -> tongban_store::Result<std::sync::Arc<RefData>> {
        self.get_at(store, None).await
    }

    /// The reference data at revision `known` (read in this request
    /// already, e.g. with the session), or at the database's current one.
    pub async fn get_at(
        &self,
        store: &dyn tongban_store::Store,
        known: Option<i64>,
    ) -> tongban_store::Result<std::sync::Arc<RefData>> {
        let rev = match known {
            Some(r) => r,
            None => store.catalogue_revision().await?,
        };
        if let Some((r, d)) = self.inner.read().expect("lock").as_ref()
            && *r == rev
        {
            return Ok(d.clone());
        }
        let halls = store.halls().await?;
        let regions = store.regions().await?;
        let d = std::sync::Arc::new(RefData {
            cal: crate::calendar::load(store).await?,
            departments: store.departments().await?,
            places: halls
                .iter()
                .map(|h| tongban_domain::grant::HallPlace::of(h, &regions))
                .collect(),
            grants: store.grants().await?,
            halls,
            regions,
        });
        // The revision is read before the data, so the data is at least as
        // new as its label; a slower load of an older revision never
        // replaces a newer one.
        let mut slot = self.inner.write().expect("lock");
        if slot.as_ref().is_none_or(|(r, _)| *r <= rev) {
            *slot = Some((rev, d.clone()));
        }
        Ok(d)
    }
}

/// Everything needed to show cases: the reference data and today.
#[derive(Debug)]
pub struct Ctxt {
    data: std::sync::Arc<RefData>,
    today: time::Date,
}

impl Ctxt {
    /// Loads the lookups.
    pub async fn load(state: &AppState) -> ApiResult<Self> {
        Ok(Self {
            data: state.refdata.get(state.store.as_ref()).await?,
            today: state.now.today(),
        })
    }

    /// Loads the lookups at the revision read with the caller's session
    /// (one query fewer on every signed request).
    pub async fn load_for(state: &AppState, ctx: &Ctx) -> ApiResult<Self> {
        Ok(Self {
            data: state
                .refdata
                .get_at(state.store.as_ref(), ctx.revision)
                .await?,
            today: state.now.today(),
        })
    }

    /// What authorisation needs to weigh grants today.
    pub fn trust(&self) -> Trust<'_> {
        Trust {
            grants: &self.data.grants,
            halls: &self.data.places,
            departments: &self.data.departments,
            today: self.today,
        }
    }

    /// The reference data.
    pub fn data(&self) -> &RefData {
        &self.data
    }

    /// The county-level ancestor (or self) of a region.
    fn county_of(&self, code: &RegionCode) -> Option<RegionCode> {
        let mut c = Some(code.clone());
        while let Some(x) = c {
            let r = self.data.regions.iter().find(|r| r.code == x)?;
            if matches!(
                r.level,
                tongban_domain::city::RegionLevel::County | tongban_domain::city::RegionLevel::City
            ) {
                return Some(x);
            }
            c = r.parent.clone();
        }
        None
    }

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
        let clock = c.accepted_on.map(|a| {
            let stopped = if c.status.clock_stopped() {
                c.decided_on.or(Some(self.today))
            } else {
                None
            };
            reckon(
                &self.data.cal,
                a,
                if c.instant { 0 } else { c.promised_days },
                &c.pauses,
                self.today,
                stopped,
            )
        });
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
            delivery: c.delivery.as_ref().map(|d| {
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
            }),
            events: events
                .into_iter()
                .map(|e| EventView {
                    seq: e.seq,
                    at: tongban_store::rfc3339(e.at),
                    actor: e.actor,
                    role: e.role,
                    hall: e.hall,
                    department: e.department,
                    action_label: match e.action.as_str() {
                        "material" => "登记材料",
                        a => Step::parse(a).map_or("创建办件", |a| a.label()),
                    }
                    .into(),
                    action: e.action,
                    status: e.status,
                    payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
                })
                .collect(),
            received: vec![],
            created_at: tongban_store::rfc3339(c.created_at),
            updated_at: tongban_store::rfc3339(c.updated_at),
        }
    }
}

/// May the caller see personal numbers in full? The applicant, and staff
/// who may act on the case.
fn full_view(ctx: &Ctx, c: &CaseRecord) -> bool {
    tongban_domain::authz::authorize(ctx.actor, Action::ReadCaseFull(scope_of(c)), &Trust::NONE)
        .is_ok()
}

/// Reads the `Idempotency-Key` header, if any.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let k = v.to_str().unwrap_or("");
            if k.is_empty() || k.len() > 100 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(FieldError::new(
                    "Idempotency-Key",
                    "idempotency_key",
                    "Idempotency-Key 应为1至100个可见 ASCII 字符",
                )
                .into());
            }
            Ok(Some(k.to_owned()))
        }
    }
}

/// The recorded answer for a repeated idempotency key, if this is a repeat.
async fn replayed(
    state: &AppState,
    scope: &str,
    key: &Option<String>,
) -> ApiResult<Option<Answer>> {
    let Some(k) = key else { return Ok(None) };
    Ok(state
        .store
        .idempotent_answer(scope, k)
        .await?
        .map(|(s, b)| Answer::Replay(s, b)))
}

/// A recorded answer, replayed.
fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// Starts a case: at a window (clerk, guide or agent of the receiving hall,
/// `accept_remote` / `collect_remote`) or online (the applicant). The item's
/// jurisdiction picks the deciding department; the mode must be one the
/// 通办 list allows at the hall's level. Send `Idempotency-Key` to retry
/// safely. Access: window staff of the hall, or the applicant (online).
#[utoipa::path(post, path = "/cases", tag = "cases", request_body = CaseCreate, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 100, pattern = r"^[!-~]+$", description = "1–100 visible ASCII characters")),
    responses((status = 201, body = CaseView), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CaseCreate>,
) -> ApiResult<Response> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let key = idempotency_key(&headers)?;
    Ok(create_case(&state, &ctx, body, key).await?.into_response())
}

/// What a write answered: fresh, or replayed for a repeated idempotency key.
#[derive(Debug)]
pub enum Answer {
    /// Done now; with a key, also the answer recorded for its retries,
    /// which is what is sent.
    Fresh(StatusCode, Box<CaseView>, Option<String>),
    /// The recorded answer to an earlier request with the same key.
    Replay(u16, String),
}

impl Answer {
    /// The case number answered.
    pub fn case_no(&self) -> String {
        match self {
            Answer::Fresh(_, v, _) => v.case_no.clone(),
            Answer::Replay(_, body) => serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["case_no"].as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Fresh(s, _, Some(recorded)) => replay(s.as_u16(), recorded),
            Answer::Fresh(s, v, None) => (s, Json(*v)).into_response(),
            Answer::Replay(s, b) => replay(s, b),
        }
    }
}

/// A keyed write that failed may have lost the race to its own original
/// (same key), which has committed by now: then the original's answer is
/// the answer, whenever the retry arrives.
async fn settle(
    state: &AppState,
    scope: &str,
    key: &Option<String>,
    result: ApiResult<Answer>,
) -> ApiResult<Answer> {
    match result {
        Err(e) if key.is_some() => Ok(replayed(state, scope, key).await?.ok_or(e)?),
        other => other,
    }
}

/// The scope an idempotency key is recorded under: the caller and the route.
fn idem_scope(ctx: &Ctx, route: &str) -> ApiResult<String> {
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    Ok(format!("{}:POST:{route}", user.id))
}

/// Starts a case (the API and the workbench share it).
pub async fn create_case(
    state: &AppState,
    ctx: &Ctx,
    body: CaseCreate,
    key: Option<String>,
) -> ApiResult<Answer> {
    let scope = idem_scope(ctx, "/cases")?;
    if let Some(answer) = replayed(state, &scope, &key).await? {
        return Ok(answer);
    }
    let result = create_case_once(state, ctx, body, &scope, key.clone()).await;
    settle(state, &scope, &key, result).await
}

async fn create_case_once(
    state: &AppState,
    ctx: &Ctx,
    body: CaseCreate,
    scope: &str,
    key: Option<String>,
) -> ApiResult<Answer> {
    let state = state.clone();
    ctx.authorize(Action::ListCases)?;
    let user = ctx
        .user
        .clone()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let mode = match Mode::parse(&body.mode) {
        Some(m @ (Mode::Online | Mode::AcceptRemote | Mode::CollectRemote)) => m,
        Some(Mode::Bundle) => {
            return Err(FieldError::new(
                "mode",
                "case.mode",
                "多地协同联办（一件事）请通过一件事入口申请",
            )
            .into());
        }
        None => {
            return Err(FieldError::new(
                "mode",
                "case.mode",
                "通办模式应为 online、accept_remote 或 collect_remote",
            )
            .into());
        }
    };
    let online = mode == Mode::Online;
    let hall = if online {
        body.hall.map(HallId)
    } else {
        body.hall.map(HallId).or(user.scope.hall())
    };
    // 帮办代办: a guide or agent applying online for an applicant.
    let assisted = online && matches!(user.role, Role::Guide | Role::Agent);
    // Who may start such a case at all comes first: a refusal says nothing about the input.
    ctx.authorize(Action::CreateCase {
        online,
        hall: if online { None } else { hall },
        assisted,
    })?;
    let consent = match (&body.consent, assisted) {
        (Some(c), true) => match c.label() {
            Some(l) => Some(serde_json::json!({
                "by": user.display_name, "role": user.role.as_str(), "consent": c.method, "consent_label": l,
                "note": c.note.as_deref().map(str::trim).unwrap_or(""),
            })),
            None => {
                return Err(FieldError::new(
                    "consent.method",
                    "consent.method",
                    "同意方式应为 signature（签字）、in_person（当面）或 phone（电话）",
                )
                .into());
            }
        },
        (None, true) => {
            return Err(FieldError::new(
                "consent",
                "consent.required",
                "帮办代办须记录申请人的同意（方式与说明）",
            )
            .into());
        }
        (Some(_), false) => {
            return Err(FieldError::new(
                "consent",
                "consent.not_assisted",
                "只有帮办员、代办员代为网上申请时才记录申请人同意",
            )
            .into());
        }
        (None, false) => None,
    };
    if online && hall.is_some() {
        return Err(FieldError::new(
            "hall",
            "case.online_hall",
            "全程网办不经窗口受理，不能指定服务中心",
        )
        .into());
    }
    let lookups = Ctxt::load_for(&state, ctx).await?;
    let item_code = ItemCode(body.item.trim().to_owned());
    let item = match state.store.item(&item_code).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            return Err(FieldError::new(
                "item",
                "item.unknown",
                format!("事项“{}”不存在", body.item),
            )
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    let c = &item.content;
    // The 通办 list decides which modes, at which hall levels.
    let entry = state
        .store
        .list_entries()
        .await?
        .into_iter()
        .find(|e| e.item == item_code);
    let Some(entry) = entry.filter(|e| e.modes.contains(&mode)) else {
        return Err(FieldError::new(
            "mode",
            "tongban.mode_not_listed",
            format!("“{}”未列入{}的全域通办清单", c.name, mode.label()),
        )
        .into());
    };
    if let Some(h) = hall {
        let h = lookups
            .data
            .halls
            .iter()
            .find(|x| x.id == h)
            .ok_or_else(|| {
                ApiError::from(FieldError::new("hall", "hall.unknown", "服务中心不存在"))
            })?;
        if !entry.levels.contains(&h.level) {
            return Err(FieldError::new(
                "hall",
                "tongban.level_not_listed",
                format!(
                    "“{}”的全域通办层级不含{}（{}）",
                    c.name,
                    h.level.label(),
                    h.name
                ),
            )
            .into());
        }
    }
    let today = lookups.today;
    let regions = &lookups.data.regions;
    let applicant = body.applicant.validate(today, |code| {
        regions.iter().any(|r| r.code.as_str() == code)
    });
    let resolution = c.guide.evaluate(&body.answers, &c.materials);
    let mut errs = ValidationErrors::default();
    let applicant = match applicant {
        Ok(a) => Some(a),
        Err(e) => {
            errs.0.extend(e.0);
            None
        }
    };
    let resolution = match resolution {
        Ok(r) => Some(r),
        Err(GuideError::Invalid(e)) => {
            errs.0.extend(e.0);
            None
        }
        Err(GuideError::Unanswered(q)) => {
            let text = c
                .guide
                .questions
                .iter()
                .find(|x| x.key == q)
                .map(|x| x.text.clone())
                .unwrap_or_default();
            errs.push(FieldError::new(
                format!("answers.{q}"),
                "guide.unanswered",
                format!("请回答：{text}"),
            ));
            None
        }
        Err(GuideError::NoSituation) => {
            return Err(ApiError::internal(format!(
                "guide map of {item_code} has a dead end"
            )));
        }
    };
    let property_region = match body
        .property_region
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(r) if regions.iter().any(|x| x.code.as_str() == r) => Some(RegionCode(r.to_owned())),
        Some(r) => {
            errs.push(FieldError::new(
                "property_region",
                "region.unknown",
                format!("行政区划代码“{r}”不存在"),
            ));
            None
        }
        None => None,
    };
    let agent = match body.agent.as_ref().map(|a| a.validate(today)) {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(e)) => {
            errs.0.extend(e.0);
            None
        }
    };
    let (Some(applicant), Some(mut resolution)) = (applicant, resolution) else {
        return Err(errs.into());
    };
    errs.into_result(())?;
    // Online, an account applies as itself, its company, or as the recorded agent.
    if online && !assisted {
        let (id_number, _) = state.store.user_identity(user.id).await?;
        tongban_domain::intake::check_applies_as_self(
            tongban_domain::intake::RealName {
                name: &user.display_name,
                id_number: id_number.as_deref(),
            },
            &applicant,
            agent.as_ref(),
        )?;
    }
    let impls: Vec<_> = state
        .store
        .implementations(&item_code)
        .await?
        .into_iter()
        .map(|i| (i.department, i.region))
        .collect();
    let department =
        resolve_jurisdiction(c, &applicant, property_region.as_ref(), regions, &impls)?;
    let delivery = body
        .delivery
        .as_ref()
        .map(|d| check_delivery(d, &lookups, department, &item_code))
        .transpose()?;
    // A window takes a case in for another department only with the
    // remote-acceptance right: check its first step (submit) now.
    if !online {
        let subject = format!("new:{item_code}");
        let probe = CaseScope {
            case_no: &subject,
            hall,
            department,
            applicant: None,
            assisted_by: None,
            pickup_hall: None,
            item: &item_code,
            mode,
        };
        ctx.authorize_in(
            Action::CaseStep {
                case: probe,
                step: Step::Submit,
                window: true,
                department: false,
                applicant: false,
            },
            &lookups.trust(),
        )?;
    }
    if agent.is_some() {
        let extra = tongban_domain::intake::agent_materials(&resolution.materials);
        resolution.materials.extend(extra);
    }
    let now = state.now.ms();
    let new_applicant_name = applicant.name().to_owned();
    let new = NewCase {
        verification_code: crate::codes::new_verification_code(),
        item_code: item_code.clone(),
        item_version: item.version,
        item_name: c.name.clone(),
        mode,
        department,
        hall,
        applicant_user: (online && !assisted).then_some(user.id),
        assisted_by: assisted.then_some(user.id),
        delivery,
        created_by: Some(user.id),
        applicant,
        agent,
        answers: body.answers.clone(),
        situation: resolution.situation_name.clone(),
        materials: resolution.materials.clone(),
        promised_days: c.promised_days,
        instant: c.instant,
    };
    let event = NewEvent {
        at: now,
        actor: user.id,
        role: user.role.as_str().into(),
        hall: user.scope.hall(),
        department: user.scope.department(),
        action: "create".into(),
        payload: {
            let mut p = serde_json::json!({"mode": mode, "hall": hall, "department": department, "situation": resolution.situation});
            if let Some(c) = &consent {
                // Both names on the timeline: the helper and the applicant.
                let mut c = c.clone();
                c["applicant"] = new_applicant_name.clone().into();
                p["assisted"] = c;
            }
            p.to_string()
        },
    };
    let prefix = format!("TB{}", today.to_string().replace('-', ""));
    let render =
        |r: &CaseRecord| serde_json::to_string(&lookups.view(r, false, vec![])).unwrap_or_default();
    let idem = key.as_ref().map(|k| IdemWrite {
        scope: scope.to_owned(),
        key: k.clone(),
        status: 201,
        render: &render,
    });
    match state.store.create_case(&new, &prefix, &event, idem).await {
        Ok((record, recorded)) => {
            tracing::info!(case = %record.case_no, item = %item_code, ?mode, "case created");
            let events = state.store.case_events(record.id).await?;
            // A keyed write answers exactly what a retry will be answered.
            Ok(Answer::Fresh(
                StatusCode::CREATED,
                Box::new(lookups.view(&record, false, events)),
                recorded,
            ))
        }
        // An earlier request with the same key: its answer, now durable.
        Err(StoreError::Replayed(s, b)) => Ok(Answer::Replay(s, b)),
        Err(e) => Err(e.into()),
    }
}

/// Cases the caller may see, most recently changed first: the applicant's
/// own, the hall's received cases for its staff, the department's for its
/// reviewers and admins, all for platform admins. Filter: `status`
/// (comma-separated). ID and phone numbers are masked. Access: signed in.
#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])),
    params(("status" = Option<String>, Query), ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<CaseView>), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    p: Params,
) -> ApiResult<Json<Page<CaseView>>> {
    let (limit, offset) = p.paging()?;
    let statuses = statuses_of(&p)?;
    let (data, total) = list_cases(&state, &ctx, statuses, limit, offset).await?;
    Ok(Json(Page { data, total }))
}

/// The `status` filter (comma-separated).
fn statuses_of(p: &Params) -> ApiResult<Vec<Status>> {
    let mut statuses = Vec::new();
    if let Some(s) = p.get("status") {
        for x in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            statuses.push(Status::parse(x).ok_or_else(|| {
                ApiError::from(FieldError::new(
                    "status",
                    "invalid",
                    format!("办件状态“{x}”无效"),
                ))
            })?);
        }
    }
    Ok(statuses)
}

/// The cases the caller may see (masked, no verification codes), most
/// recently changed first, and their total: the list, the workbench and the
/// export share it.
pub async fn list_cases(
    state: &AppState,
    ctx: &Ctx,
    statuses: Vec<Status>,
    limit: usize,
    offset: usize,
) -> ApiResult<(Vec<CaseView>, usize)> {
    ctx.authorize(Action::ListCases)?;
    let f = CaseFilter {
        visible: tongban_domain::authz::case_visibility(ctx.actor),
        statuses,
        limit: limit as i64,
        offset: offset as i64,
    };
    let (rows, total) = state.store.cases(&f).await?;
    let lookups = Ctxt::load_for(state, ctx).await?;
    let data = rows
        .iter()
        .map(|c| {
            let mut v = lookups.view(c, false, vec![]);
            v.verification_code = None;
            v
        })
        .collect();
    Ok((data, total as usize))
}

/// The largest export.
pub const EXPORT_MAX: usize = 10_000;

/// The cases the caller may see as CSV (UTF-8 with BOM, for spreadsheet
/// programs), ID and phone numbers masked; every export is recorded in the
/// audit log. Filter: `status`. Access: signed in (staff and admins see
/// their scope, applicants their own).
#[utoipa::path(get, path = "/cases/export.csv", tag = "cases", security(("bearer" = [])),
    params(("status" = Option<String>, Query)),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
              (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    p: Params,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let statuses = statuses_of(&p)?;
    let (rows, total) = list_cases(&state, &ctx, statuses, EXPORT_MAX, 0).await?;
    let cell = |s: &str| {
        // Quote every cell; a leading = + - @ is neutralised against formula injection.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    let mut out = String::from(
        "\u{feff}办件编号,事项,申请人,证件号码,联系电话,通办模式,状态,受理地点,审批部门,受理日期,承诺办结日期,超期\r\n",
    );
    for v in &rows {
        let (name, id, phone) = match &v.applicant {
            Applicant::Person {
                name,
                id_number,
                phone,
                ..
            } => (name.as_str(), id_number.as_str(), phone.as_str()),
            Applicant::Company { name, uscc, .. } => (name.as_str(), uscc.as_str(), ""),
        };
        let line = [
            v.case_no.as_str(),
            &v.item_name,
            name,
            id,
            phone,
            v.mode.label(),
            &v.status_label,
            v.hall
                .as_ref()
                .map(|h| h.name.as_str())
                .unwrap_or("网上办事大厅"),
            &v.department.name,
            v.accepted_on.as_deref().unwrap_or(""),
            v.deadline.as_deref().unwrap_or(""),
            if v.overdue { "是" } else { "否" },
        ]
        .iter()
        .map(|x| cell(x))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    crate::audit::record(
        &state,
        crate::audit::entry(
            &ctx,
            state.now.ms(),
            "export",
            "cases.csv",
            serde_json::json!({"rows": rows.len(), "total": total, "status": p.get("status")}),
        ),
    )
    .await;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"cases.csv\"".to_owned(),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}

/// Loads a case the caller may see. A case the caller may not see answers
/// exactly like one that does not exist (404); both are recorded as denials.
pub async fn visible_case(state: &AppState, ctx: &Ctx, case_no: &str) -> ApiResult<CaseRecord> {
    let c = match state.store.case_by_no(case_no).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => {
            let mut e = ApiError::not_found();
            if ctx.user.is_some() {
                e.audit = Some(Box::new(crate::audit::entry(
                    ctx,
                    state.now.ms(),
                    "denied",
                    case_no,
                    serde_json::json!({"action": "read_case", "denial": "no_such_case"}),
                )));
            }
            return Err(e);
        }
        Err(e) => return Err(e.into()),
    };
    ctx.authorize(Action::ReadCase(scope_of(&c)))?;
    Ok(c)
}

/// One case with its timeline and clock (`deadline`, `working_days_left`,
/// `calendar_complete`). Access: whoever may see the case (else 404).
#[utoipa::path(get, path = "/cases/{case_no}", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, body = CaseView), (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    Path(case_no): Path<String>,
) -> ApiResult<Json<CaseView>> {
    ctx.authorize(Action::ListCases)?;
    let (_, view) = case_for(&state, &ctx, &case_no).await?;
    Ok(Json(view))
}

/// A material found missing or defective.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialProblem {
    /// The material.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What is wrong with it.
    #[schema(max_length = 500)]
    pub problem: String,
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
    /// The hall where the applicant picks up the result (deliver by
    /// pickup; defaults to the receiving hall). Its window hands it over,
    /// holding the result-delivery right.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub hall: Option<i64>,
}

fn need_reason(b: &ActionBody, what: &str) -> Result<String, FieldError> {
    let r = b.reason.as_deref().unwrap_or("").trim();
    if r.is_empty() {
        return Err(FieldError::new(
            "reason",
            "required",
            format!("请填写{what}"),
        ));
    }
    if r.chars().count() > 500 {
        return Err(FieldError::new("reason", "too_long", "理由不能超过500个字"));
    }
    Ok(r.to_owned())
}

/// Checks an action's details and returns them as the event payload.
fn payload_for(step: Step, b: &ActionBody) -> Result<serde_json::Value, ValidationErrors> {
    let mut errs = ValidationErrors::default();
    let mut p = serde_json::Map::new();
    match step {
        Step::NotAccept => {
            if let Some(r) = errs.check(need_reason(b, "不予受理的理由")) {
                p.insert("reason".into(), r.into());
            }
        }
        Step::PreReviewFail => {
            if let Some(r) = errs.check(need_reason(b, "预审不通过的理由")) {
                p.insert("reason".into(), r.into());
            }
        }
        Step::Decide => {
            match b.approved {
                None => errs.push(FieldError::new(
                    "approved",
                    "required",
                    "请说明准予（true）或不予（false）",
                )),
                Some(a) => {
                    p.insert("approved".into(), a.into());
                }
            }
            if let Some(r) = errs.check(need_reason(b, "决定理由")) {
                p.insert("reason".into(), r.into());
            }
        }
        Step::Suspend => {
            if let Some(r) = errs.check(need_reason(
                b,
                "启动特别程序的理由（听证、检验、专家评审等）",
            )) {
                p.insert("reason".into(), r.into());
            }
            match b.expected_days {
                Some(d @ 1..=365) => {
                    p.insert("expected_days".into(), d.into());
                }
                _ => errs.push(FieldError::new(
                    "expected_days",
                    "suspend.days",
                    "请填写预计所需工作日（1至365）",
                )),
            }
        }
        Step::RequestSupplement => match &b.materials {
            None => errs.push(FieldError::new(
                "materials",
                "required",
                "一次性告知须列明全部需补正的材料",
            )),
            Some(list) if list.is_empty() => errs.push(FieldError::new(
                "materials",
                "required",
                "一次性告知须列明全部需补正的材料",
            )),
            Some(list) => {
                for (i, m) in list.iter().enumerate() {
                    if m.name.trim().is_empty() {
                        errs.push(FieldError::new(
                            format!("materials[{i}].name"),
                            "required",
                            "请填写材料名称",
                        ));
                    }
                    if m.problem.trim().is_empty() {
                        errs.push(FieldError::new(
                            format!("materials[{i}].problem"),
                            "required",
                            "请说明材料缺少或有误之处",
                        ));
                    }
                }
                p.insert(
                    "materials".into(),
                    serde_json::to_value(list).unwrap_or_default(),
                );
            }
        },
        Step::Deliver => match b.method.as_deref().and_then(DeliveryMethod::parse) {
            Some(m) => {
                p.insert("method".into(), m.as_str().into());
                let addr = b.address.as_deref().unwrap_or("").trim();
                if m == DeliveryMethod::Post && addr.is_empty() {
                    errs.push(FieldError::new(
                        "address",
                        "required",
                        "邮寄送达须填写收件地址",
                    ));
                }
                if !addr.is_empty() {
                    p.insert("address".into(), addr.into());
                }
            }
            _ => errs.push(FieldError::new(
                "method",
                "deliver.method",
                "送达方式应为 post（邮寄）、pickup（窗口领取）或 electronic（电子送达）",
            )),
        },
        _ => {
            if let Some(r) = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                p.insert(
                    "reason".into(),
                    r.chars().take(500).collect::<String>().into(),
                );
            }
        }
    }
    errs.into_result(serde_json::Value::Object(p))
}

/// The pickup hall a `deliver` by `pickup` names: the one asked for, else
/// the receiving hall; online cases must name one.
fn pickup_hall_for(
    lookups: &Ctxt,
    c: &CaseRecord,
    step: Step,
    body: &ActionBody,
) -> ApiResult<Option<HallId>> {
    if step != Step::Deliver || body.method.as_deref() != Some("pickup") {
        return Ok(None);
    }
    let Some(h) = body.hall.map(HallId).or(c.hall) else {
        return Err(FieldError::new("hall", "required", "窗口领取须指定领取结果的服务中心").into());
    };
    if !lookups.data.halls.iter().any(|x| x.id == h) {
        return Err(FieldError::new("hall", "hall.unknown", "服务中心不存在").into());
    }
    Ok(Some(h))
}

/// Takes a step on a case: `submit`, `pre_review_pass`, `pre_review_fail`,
/// `accept`, `not_accept`, `request_supplement`, `supplement_provided`,
/// `suspend`, `resume`, `decide`, `deliver`, `complete`, `withdraw`. The
/// mode's state machine decides whether the step exists now and whose it is;
/// a stale `version` answers 409. Send `Idempotency-Key` to retry safely.
/// Access: the side the step belongs to — window staff of the receiving
/// hall, reviewers of the deciding department, or the applicant.
#[utoipa::path(post, path = "/cases/{case_no}/actions/{action}", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001"), ("action" = String, Path, pattern = r"^(submit|pre_review_pass|pre_review_fail|accept|not_accept|request_supplement|supplement_provided|suspend|resume|decide|deliver|complete|withdraw)$", description = "The step"), ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 100, pattern = r"^[!-~]+$", description = "1–100 visible ASCII characters")),
    request_body = ActionBody,
    responses((status = 200, body = CaseView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    headers: HeaderMap,
    Path((case_no, action)): Path<(String, String)>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Response> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let key = idempotency_key(&headers)?;
    Ok(take_step(&state, &ctx, &case_no, &action, body, key)
        .await?
        .into_response())
}

/// Takes a step on a case (the API and the workbench share it).
pub async fn take_step(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    action: &str,
    body: ActionBody,
    key: Option<String>,
) -> ApiResult<Answer> {
    let scope = idem_scope(ctx, &format!("/cases/{case_no}/actions/{action}"))?;
    if let Some(answer) = replayed(state, &scope, &key).await? {
        return Ok(answer);
    }
    let result = take_step_once(state, ctx, case_no, action, body, &scope, key.clone()).await;
    settle(state, &scope, &key, result).await
}

async fn take_step_once(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    action: &str,
    body: ActionBody,
    scope: &str,
    key: Option<String>,
) -> ApiResult<Answer> {
    let state = state.clone();
    let (case_no, action) = (case_no.to_owned(), action.to_owned());
    ctx.authorize(Action::ListCases)?;
    let user = ctx
        .user
        .clone()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let lookups = Ctxt::load_for(&state, ctx).await?;
    let c = visible_case(&state, ctx, &case_no).await?;
    let Some(step) = Step::parse(&action) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "case.unknown_action",
            format!("没有名为“{action}”的办件操作"),
        ));
    };
    if body.version != c.version {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "case.stale_version",
            "办件已被他人更新，请刷新后重试",
        )
        .field("version", format!("当前版本为{}", c.version)));
    }
    let t = transition(c.mode, c.status, step, body.approved, c.resume_to).map_err(|r| {
        let e = ApiError::new(
            StatusCode::CONFLICT,
            "case.invalid_transition",
            r.message(step),
        );
        if matches!(r, tongban_domain::case::Refusal::MissingDecision) {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "required",
                r.message(step),
            )
            .field("approved", r.message(step))
        } else {
            e
        }
    })?;
    // The department delivers the way the applicant chose, unless it says otherwise.
    let mut body = body;
    if step == Step::Deliver
        && body.method.is_none()
        && let Some(d) = &c.delivery
    {
        body.method = Some(d.method.as_str().into());
        body.address.clone_from(&d.address);
        body.hall = d.hall.map(|h| h.0);
    }
    let payload = payload_for(step, &body)?;
    let pickup_hall = pickup_hall_for(&lookups, &c, step, &body)?;
    // The hand-over happens at the pickup hall chosen by this very step.
    let mut case_scope = scope_of(&c);
    case_scope.pickup_hall = pickup_hall.or(case_scope.pickup_hall);
    ctx.authorize_in(
        Action::CaseStep {
            case: case_scope,
            step,
            window: t.by.contains(&Side::Window),
            department: t.by.contains(&Side::Department),
            applicant: t.by.contains(&Side::Applicant),
        },
        &lookups.trust(),
    )?;
    if c.mode == Mode::Online {
        online_materials_complete(&state, &c, step).await?;
    }
    let today = state.now.today();
    let mut pauses: Vec<Pause> = c.pauses.clone();
    let mut change = CaseChange {
        status: t.to,
        accepted_on: None,
        decided_on: None,
        pauses: vec![],
        resume_to: remember_for_return(c.status, step),
        pickup_hall,
        // The applicant hears of every change, in plain words.
        notify: Some(format!(
            "您的办件 {}（{}）：{}，当前状态：{}",
            c.case_no,
            c.item_name,
            step.label(),
            t.to.label()
        )),
        messages: vec![],
    };
    // The same notice by text message to the applicant's phone, sent from
    // the outbox once the change is durable; a failing gateway never undoes
    // the step.
    if let (Some(text), Applicant::Person { phone, .. }) = (&change.notify, &c.applicant)
        && !phone.is_empty()
    {
        change.messages.push(NewMessage {
            kind: MessageKind::Sms,
            recipient: phone.clone(),
            body: text.clone(),
        });
    }
    match t.clock {
        ClockEffect::Start => change.accepted_on = Some(today),
        ClockEffect::Pause => pauses.push(Pause {
            from: today,
            to: None,
        }),
        ClockEffect::Resume => {
            if let Some(p) = pauses.iter_mut().rev().find(|p| p.to.is_none()) {
                p.to = Some(today);
            }
        }
        ClockEffect::Stop => {
            if let Some(p) = pauses.iter_mut().rev().find(|p| p.to.is_none()) {
                p.to = Some(today);
            }
            if step == Step::Decide {
                change.decided_on = Some(today);
            }
        }
        ClockEffect::None => {}
    }
    change.pauses = pauses;
    let event = NewEvent {
        at: state.now.ms(),
        actor: user.id,
        role: user.role.as_str().into(),
        hall: user.scope.hall(),
        department: user.scope.department(),
        action: step.as_str().into(),
        payload: payload.to_string(),
    };
    // The answer to a step is masked: personal numbers show in full only on
    // the case detail, where each view is recorded.
    let render =
        |r: &CaseRecord| serde_json::to_string(&lookups.view(r, false, vec![])).unwrap_or_default();
    let idem = key.as_ref().map(|k| IdemWrite {
        scope: scope.to_owned(),
        key: k.clone(),
        status: 200,
        render: &render,
    });
    match state
        .store
        .apply_to_case(&case_no, body.version, &change, &event, idem)
        .await
    {
        Ok((record, recorded)) => {
            tracing::info!(case = %record.case_no, action = step.as_str(), to = record.status.as_str(), "case step");
            state.outbox.wake();
            let events = state.store.case_events(record.id).await?;
            Ok(Answer::Fresh(
                StatusCode::OK,
                Box::new(lookups.view(&record, false, events)),
                recorded,
            ))
        }
        Err(StoreError::Replayed(s, b)) => Ok(Answer::Replay(s, b)),
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "case.stale_version",
            "办件已被他人更新，请刷新后重试",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Whether a checklist material answers a material named in a one-time
/// notice (the reviewer may write "居民户口簿" for "居民户口簿（户主页）").
fn names_material(listed: &str, m: &MaterialSpec) -> bool {
    let listed = listed.trim();
    !listed.is_empty() && (m.name.contains(listed) || listed.contains(m.name.as_str()))
}

/// An online application carries its materials itself: submitting needs every
/// material of the checklist uploaded (or an e-licence named), and answering a
/// one-time notice needs fresh uploads of what the notice listed (or at least
/// one, when it named nothing on the checklist).
async fn online_materials_complete(state: &AppState, c: &CaseRecord, step: Step) -> ApiResult<()> {
    if !matches!(step, Step::Submit | Step::SupplementProvided) {
        return Ok(());
    }
    let receipts = state.store.material_receipts(c.id).await?;
    if step == Step::Submit {
        let missing: Vec<&str> = c
            .materials
            .iter()
            .filter(|m| !receipts.iter().any(|r| r.material_key == m.key))
            .map(|m| m.name.as_str())
            .collect();
        if !missing.is_empty() {
            let msg = format!("请先上传以下材料：{}", missing.join("、"));
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "materials.missing",
                msg.clone(),
            )
            .field("materials", msg));
        }
        return Ok(());
    }
    let events = state.store.case_events(c.id).await?;
    let Some(notice) = events
        .iter()
        .rev()
        .find(|e| e.action == "request_supplement")
    else {
        return Ok(());
    };
    let payload: serde_json::Value = serde_json::from_str(&notice.payload).unwrap_or_default();
    let listed: Vec<&str> = payload["materials"]
        .as_array()
        .map(|l| l.iter().filter_map(|m| m["name"].as_str()).collect())
        .unwrap_or_default();
    let fresh = |key: &str| {
        receipts
            .iter()
            .any(|r| r.material_key == key && r.recorded_at >= notice.at)
    };
    let named: Vec<&MaterialSpec> = c
        .materials
        .iter()
        .filter(|m| listed.iter().any(|l| names_material(l, m)))
        .collect();
    let missing: Vec<&str> = named
        .iter()
        .filter(|m| !fresh(&m.key))
        .map(|m| m.name.as_str())
        .collect();
    let msg = if !missing.is_empty() {
        format!("请先重新上传一次性告知书列明的材料：{}", missing.join("、"))
    } else if named.is_empty() && !receipts.iter().any(|r| r.recorded_at >= notice.at) {
        "请先上传补正材料".to_owned()
    } else {
        return Ok(());
    };
    Err(ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "supplement.missing",
        msg.clone(),
    )
    .field("materials", msg))
}

/// A step the workbench may offer on a case: the action, and `Ok` when the
/// caller may take it now, or why not (zh-CN).
#[derive(Debug, Clone)]
pub struct Offer {
    /// The action.
    pub step: Step,
    /// Whether the caller may take it, or why not.
    pub allowed: Result<(), String>,
}

/// The steps the mode's state machine allows on this case now, each with
/// whether this caller may take it — so the workbench only offers what the
/// caller may do, and says why the rest is unavailable.
pub fn offers(ctx: &Ctx, c: &CaseRecord, trust: &Trust<'_>) -> Vec<Offer> {
    Step::ALL
        .into_iter()
        .filter_map(|step| {
            let t = transition(c.mode, c.status, step, Some(true), c.resume_to).ok()?;
            let action = Action::CaseStep {
                case: scope_of(c),
                step,
                window: t.by.contains(&Side::Window),
                department: t.by.contains(&Side::Department),
                applicant: t.by.contains(&Side::Applicant),
            };
            let allowed = tongban_domain::authz::authorize(ctx.actor, action, trust).map_err(|d| {
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
                format!("此步骤由{}办理", who.join("或"))
            });
            Some(Offer { step, allowed })
        })
        .collect()
}

/// Loads a case the caller may see (404 otherwise) with its timeline.
pub async fn case_for(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
) -> ApiResult<(CaseRecord, CaseView)> {
    let c = visible_case(state, ctx, case_no).await?;
    let events = state.store.case_events(c.id).await?;
    let lookups = Ctxt::load_for(state, ctx).await?;
    let full = full_view(ctx, &c);
    let own = ctx
        .user
        .as_ref()
        .is_some_and(|u| c.applicant_user == Some(u.id));
    if full && !own {
        // Every view of someone else's personal numbers in full is recorded
        // (an applicant reading their own case is not).
        crate::audit::record(
            state,
            crate::audit::entry(
                ctx,
                state.now.ms(),
                "pii_view",
                &c.case_no,
                serde_json::json!({}),
            ),
        )
        .await;
    }
    let mut view = lookups.view(&c, full, events);
    view.received = state
        .store
        .material_receipts(c.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok((c, view))
}

/// The cases the caller may see (masked), for lists.
pub async fn cases_for(
    state: &AppState,
    ctx: &Ctx,
    limit: usize,
    offset: usize,
) -> ApiResult<(Vec<CaseView>, usize)> {
    list_cases(state, ctx, vec![], limit, offset).await
}
