//! Cases over HTTP: the JSON adapters of the case use cases in
//! `tongban_app::cases` — parse, call, answer.

use crate::AppState;
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tongban_app::cases::{CaseList, Idem, Outcome};
use tongban_domain::FieldError;
use tongban_domain::case::Status;
use tongban_domain::intake::Applicant;
use tongban_store::CaseRecord;

pub use tongban_app::cases::{
    ActionBody, CaseCreate, Consent, DeliveryInput, MaterialProblem, Offer, offers,
};
pub use tongban_app::views::{CaseView, DeliveryView, EventView, Named, scope_of};
pub use tongban_app::{Lookups, RefCache, RefData};

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
    ctx: Signed,
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

/// What a write answered, with the HTTP status of a fresh answer.
#[derive(Debug)]
pub struct Answer(pub StatusCode, pub Outcome);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self.1 {
            Outcome::Done(_, Some(recorded)) => replay(self.0.as_u16(), recorded),
            Outcome::Done(v, None) => (self.0, Json(*v)).into_response(),
            Outcome::Replayed(s, b) => replay(s, b),
        }
    }
}

/// Opens a case (the API and the workbench share it).
pub async fn create_case(
    state: &AppState,
    ctx: &Ctx,
    body: CaseCreate,
    key: Option<String>,
) -> ApiResult<Answer> {
    let actor = ctx.signed()?;
    let idem = Idem::of(&actor, "/cases", key);
    tongban_app::cases::open_case(&state.app(), &actor, body, idem)
        .await
        .map(|o| Answer(StatusCode::CREATED, o))
        .map_err(|e| ctx.fail(e))
}

/// Cases the caller may see, a page at a time, most recently changed
/// first: the applicant's own, the hall's received cases for its staff,
/// the department's for its reviewers and admins, all for platform admins.
/// Filters: `status` (comma-separated), `overdue`, `item`, `hall` (the
/// receiving hall's id), `received_from` / `received_to` (YYYY-MM-DD). ID
/// and phone numbers are masked.
/// Pages follow `next` (keyset paging: no total is counted; a filtered
/// page may be short, keep going while there is a `next`). Access: signed in.
#[utoipa::path(get, path = "/cases", tag = "cases", security(("bearer" = [])),
    params(("status" = Option<String>, Query), ("order" = Option<String>, Query, pattern = r"^(updated|due)$", description = "`updated` (default): last changed first; `due` (staff inboxes): soonest due first (overdue first), then the rest by last change"), ("overdue" = Option<bool>, Query, description = "Only the overdue ones (staff inboxes), soonest due first"), ("item" = Option<String>, Query, description = "Only this item (code)"), ("hall" = Option<i64>, Query, description = "Only cases received at this hall"), ("received_from" = Option<String>, Query, description = "Only cases received on or after this day (YYYY-MM-DD)"), ("received_to" = Option<String>, Query, description = "Only cases received on or before this day (YYYY-MM-DD)"), ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("cursor" = Option<String>, Query, max_length = 200, description = "The `next` of the page before")),
    responses((status = 200, body = CaseList), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<CaseList>> {
    let limit = p.limit()?;
    let statuses = statuses_of(&p)?;
    let by_due = p.parse("order", "排序", |v| match v {
        "updated" => Some(false),
        "due" => Some(true),
        _ => None,
    })?;
    let overdue = p.parse("overdue", "只看超期", |v| match v {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    })?;
    let day = |k: &str, label: &'static str| {
        p.parse(k, label, |v| {
            time::Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")).ok()
        })
    };
    let q = tongban_app::cases::ListQuery {
        statuses,
        by_due_date: by_due.unwrap_or(false),
        overdue: overdue.unwrap_or(false),
        item: p
            .get("item")
            .filter(|v| !v.is_empty())
            .map(|v| tongban_domain::ItemCode(v.to_owned())),
        hall: p
            .parse("hall", "收件服务中心", |v| v.parse().ok())?
            .map(tongban_domain::HallId),
        received_from: day("received_from", "收件日期（起）")?,
        received_to: day("received_to", "收件日期（止）")?,
    };
    let list = tongban_app::cases::list_cases(&state.app(), ctx.actor(), q, limit, p.get("cursor"))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(list))
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
                    tongban_domain::text!("办件状态“{x}”无效", x = x.to_owned()),
                ))
            })?);
        }
    }
    Ok(statuses)
}

pub use tongban_app::cases::EXPORT_MAX;

/// The cases the caller may see as CSV (UTF-8 with BOM, for spreadsheet
/// programs), ID and phone numbers masked; every export is recorded in the
/// audit log. Filter: `status`. Access: signed in (staff and admins see
/// their scope, applicants their own).
#[utoipa::path(get, path = "/cases/export.csv", tag = "cases", security(("bearer" = [])),
    params(("status" = Option<String>, Query)),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
              (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn export(State(state): State<AppState>, ctx: Signed, p: Params) -> ApiResult<Response> {
    let statuses = statuses_of(&p)?;
    let (rows, _) =
        tongban_app::cases::export_cases(&state.app(), ctx.actor(), statuses, p.get("status"))
            .await
            .map_err(|e| ctx.fail(e))?;
    Ok(csv_file("cases.csv", cases_csv(&rows)))
}

/// The export's columns (zh-CN keys; the header is in the caller's language).
const CSV_COLUMNS: [&str; 12] = [
    "办件编号",
    "事项",
    "申请人",
    "证件号码",
    "联系电话",
    "通办模式",
    "状态",
    "受理地点",
    "审批部门",
    "受理日期",
    "承诺办结日期",
    "超期",
];

/// The cases as CSV: a byte-order mark, a header row and one row per case,
/// CRLF line ends.
fn cases_csv(rows: &[CaseView]) -> String {
    let header: Vec<String> = CSV_COLUMNS.iter().map(|k| crate::lang::t(k)).collect();
    let mut out = format!("\u{feff}{}\r\n", header.join(","));
    for v in rows {
        let line: Vec<String> = case_cells(v).iter().map(|x| csv_cell(x)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A case's cells, in the header's order.
fn case_cells(v: &CaseView) -> [String; 12] {
    let (name, id, phone) = match &v.applicant {
        Applicant::Person {
            name,
            id_number,
            phone,
            ..
        } => (name.as_str(), id_number.as_str(), phone.as_str()),
        Applicant::Company { name, uscc, .. } => (name.as_str(), uscc.as_str(), ""),
    };
    let hall = (v.hall.as_ref()).map_or_else(|| crate::lang::t("网上办事大厅"), |h| h.name.clone());
    [
        v.case_no.clone(),
        v.item_name.to_string(),
        name.to_owned(),
        id.to_owned(),
        phone.to_owned(),
        crate::lang::t(v.mode.label()),
        crate::lang::t(&v.status_label),
        hall,
        v.department.name.clone(),
        v.accepted_on.clone().unwrap_or_default(),
        v.deadline.clone().unwrap_or_default(),
        crate::lang::t(if v.overdue { "是" } else { "否" }),
    ]
}

/// One cell, quoted; a leading = + - @ is neutralised against formula
/// injection.
fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A CSV download named `name`, never cached.
fn csv_file(name: &str, body: String) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// Loads a case the caller may see. A case the caller may not see answers
/// exactly like one that does not exist (404); both are recorded as denials.
pub async fn visible_case(state: &AppState, ctx: &Ctx, case_no: &str) -> ApiResult<CaseRecord> {
    let actor = ctx.signed()?;
    tongban_app::cases::visible_case(&state.app(), &actor, case_no)
        .await
        .map_err(|e| ctx.fail(e))
}

/// One case with its timeline and clock (`deadline`, `working_days_left`,
/// `calendar_complete`). Access: whoever may see the case (else 404).
#[utoipa::path(get, path = "/cases/{case_no}", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, body = CaseView), (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Signed,
    Path(case_no): Path<String>,
) -> ApiResult<Json<CaseView>> {
    let (_, view) = case_for(&state, &ctx, &case_no).await?;
    Ok(Json(view))
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
    ctx: Signed,
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
    let actor = ctx.signed()?;
    let idem = Idem::of(&actor, &format!("/cases/{case_no}/actions/{action}"), key);
    tongban_app::cases::take_step(&state.app(), &actor, case_no, action, body, idem)
        .await
        .map(|o| Answer(StatusCode::OK, o))
        .map_err(|e| ctx.fail(e))
}

/// Loads a case the caller may see (404 otherwise) with its timeline; a
/// view of someone else's personal numbers in full is recorded.
pub async fn case_for(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
) -> ApiResult<(CaseRecord, CaseView)> {
    let actor = ctx.signed()?;
    let (c, view, pii) = tongban_app::cases::case_detail(&state.app(), &actor, case_no)
        .await
        .map_err(|e| ctx.fail(e))?;
    if pii {
        record_pii_view(state, ctx, &c.case_no).await;
    }
    Ok((c, view))
}

/// Records that staff read someone else's personal numbers in full.
pub async fn record_pii_view(state: &AppState, ctx: &Ctx, case_no: &str) {
    let at = state.now.ms();
    let e = crate::audit::entry(ctx, at, "pii_view", case_no, serde_json::json!({}));
    crate::audit::record(state, e).await;
}
