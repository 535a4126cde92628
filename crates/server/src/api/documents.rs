//! The case's printed documents as PDF: 受理承诺单, 一次性告知书,
//! 不予受理通知书 (also printable as HTML from the workbench).

use crate::AppState;
use crate::api::cases::case_for;
use crate::auth::{Ctx, Signed};
use crate::documents::{
    NoticeData, RejectionData, SlipData, acceptance_slip_pdf, rejection_notice_pdf,
    supplement_notice_pdf,
};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tongban_domain::intake::Applicant;

fn pdf(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The public progress page's address for a case, on the host the caller used.
fn progress_url(headers: &HeaderMap, case_no: &str, code: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}/progress?case_no={case_no}&code={code}")
}

/// Who issued a notice: the hall when a window took the step, else the department.
fn issuer(view: &crate::api::cases::CaseView, e: &crate::api::cases::EventView) -> String {
    match e.hall {
        Some(_) => view
            .hall
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_default(),
        None => view.department.name.clone(),
    }
}

fn applicant_parts(a: &Applicant) -> (String, String) {
    match a.masked() {
        Applicant::Person {
            name, id_number, ..
        } => (name, id_number),
        Applicant::Company { name, uscc, .. } => (name, uscc),
    }
}

/// The 受理承诺单 of an accepted case. Access: whoever may see the case.
#[utoipa::path(get, path = "/cases/{case_no}/slip.pdf", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, description = "PDF", content_type = "application/pdf"),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn slip(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    let d = slip_or_receipt(&state, &ctx, &headers, &case_no, false).await?;
    Ok(pdf(
        &format!("受理承诺单-{case_no}"),
        acceptance_slip_pdf(&d),
    ))
}

/// The 网上申请回执 of a submitted online case. Access: whoever may see the
/// case.
#[utoipa::path(get, path = "/cases/{case_no}/receipt.pdf", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, description = "PDF", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    let d = slip_or_receipt(&state, &ctx, &headers, &case_no, true).await?;
    Ok(pdf(
        &format!("网上申请回执-{case_no}"),
        crate::documents::online_receipt_pdf(&d),
    ))
}

/// Materials as a document lists them: (name, how).
type Materials = Vec<(String, String)>;

/// The checklist split into what was received, exactly as recorded (the
/// latest receipt of each material: paper original or copy, scan,
/// e-licence, originals seen), and what is still to come.
fn materials_of(
    record: &tongban_store::CaseRecord,
    view: &crate::api::cases::CaseView,
) -> (Materials, Materials) {
    use tongban_domain::catalogue::ReceiptMethod;
    let (mut received, mut to_come) = (vec![], vec![]);
    for m in &record.materials {
        let last = tongban_app::cases::latest_receipt(&view.received, &m.key);
        let Some(r) = last else {
            to_come.push((m.name.clone(), format!("{}{}份", m.form.label(), m.copies)));
            continue;
        };
        let mut how = match ReceiptMethod::parse(&r.method) {
            Some(ReceiptMethod::Scan) => "扫描件（已电子化）".to_owned(),
            Some(ReceiptMethod::Licence) => "电子证照（免提交）".to_owned(),
            _ => format!("纸质{}{}份", m.form.label(), m.copies),
        };
        if r.original_verified {
            how.push_str("，窗口已核验原件");
        }
        received.push((m.name.clone(), how));
    }
    (received, to_come)
}

/// What the 受理承诺单 (`receipt` false) or the 网上申请回执 (`receipt`
/// true: an online case once submitted, printed at home or at the kiosk)
/// says, for the PDF and the printable page; 404 when the caller may not see
/// the case, 409 before acceptance (slip) or for a draft (receipt).
pub async fn slip_or_receipt(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    case_no: &str,
    receipt: bool,
) -> ApiResult<SlipData> {
    let (record, view) = case_for(state, ctx, case_no).await?;
    let accepted_on = match (view.accepted_on.clone(), receipt) {
        (Some(a), _) => a,
        (None, true) if record.status != tongban_domain::case::Status::Draft => String::new(),
        (None, true) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "case.draft",
                "申请尚未提交，没有申请回执",
            ));
        }
        (None, false) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "case.not_accepted",
                "办件尚未受理，没有受理承诺单",
            ));
        }
    };
    let (applicant_name, applicant_id_masked) = applicant_parts(&record.applicant);
    let (received, to_come) = materials_of(&record, &view);
    // The applicant's own choice when they made one.
    let delivery = match (&view.delivery, &view.hall) {
        (Some(d), _) => d.text.clone(),
        (None, Some(h)) => format!("审批结果由审批部门邮寄送达申请人，或在{}窗口领取", h.name),
        (None, None) => "电子送达；申请人需要纸质结果的，邮寄送达".to_owned(),
    };
    Ok(SlipData {
        case_no: view.case_no.clone(),
        verification_code: record.verification_code.clone(),
        item_name: view.item_name.clone(),
        applicant_name,
        applicant_id_masked,
        hall_name: view
            .hall
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_else(|| "网上办事大厅".into()),
        department_name: view.department.name.clone(),
        accepted_on,
        promised_days: view.promised_days,
        instant: view.instant,
        deadline: view.deadline.clone().unwrap_or_default(),
        calendar_complete: view.calendar_complete,
        received,
        to_come,
        delivery,
        progress_url: progress_url(headers, &view.case_no, &record.verification_code),
        issued_at: tongban_store::rfc3339(state.now.ms())
            .get(..16)
            .unwrap_or("")
            .replace('T', " "),
    })
}

/// The latest 一次性告知书 of a case. Access: whoever may see the case.
#[utoipa::path(get, path = "/cases/{case_no}/notice.pdf", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, description = "PDF", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn notice(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    let d = notice_data(&state, &ctx, &headers, &case_no).await?;
    Ok(pdf(
        &format!("一次性告知书-{case_no}"),
        supplement_notice_pdf(&d),
    ))
}

/// What the latest 一次性告知书 of a case says; 404 when there is none or
/// the caller may not see the case.
pub async fn notice_data(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    case_no: &str,
) -> ApiResult<NoticeData> {
    let (record, view) = case_for(state, ctx, case_no).await?;
    let Some(e) = view
        .events
        .iter()
        .rev()
        .find(|e| e.action == "request_supplement")
    else {
        return Err(ApiError::not_found());
    };
    let materials = e.payload["materials"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|m| {
                    let mut problem = m["problem"].as_str().unwrap_or("").to_owned();
                    // A material beyond the checklist says why it is needed.
                    if let Some(r) = m["extra_reason"].as_str() {
                        problem.push_str(&format!("（清单外材料，需要的理由：{r}）"));
                    }
                    (m["name"].as_str().unwrap_or("").to_owned(), problem)
                })
                .collect()
        })
        .unwrap_or_default();
    let issuer = issuer(&view, e);
    Ok(NoticeData {
        case_no: view.case_no.clone(),
        verification_code: record.verification_code.clone(),
        item_name: view.item_name.clone(),
        applicant_name: record.applicant.name().to_owned(),
        issuer,
        issued_on: e.at.get(..10).unwrap_or("").to_owned(),
        materials,
        progress_url: progress_url(headers, &view.case_no, &record.verification_code),
    })
}

/// The 不予受理通知书 of a case that was not accepted. Access: whoever may see the case.
#[utoipa::path(get, path = "/cases/{case_no}/rejection.pdf", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, description = "PDF", content_type = "application/pdf"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn rejection(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    let d = rejection_data(&state, &ctx, &headers, &case_no).await?;
    Ok(pdf(
        &format!("不予受理通知书-{case_no}"),
        rejection_notice_pdf(&d),
    ))
}

/// What the 不予受理通知书 of a case says; 404 when the case was not refused
/// or the caller may not see it.
pub async fn rejection_data(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    case_no: &str,
) -> ApiResult<RejectionData> {
    let (record, view) = case_for(state, ctx, case_no).await?;
    let Some(e) = view.events.iter().rev().find(|e| e.action == "not_accept") else {
        return Err(ApiError::not_found());
    };
    let issuer = issuer(&view, e);
    Ok(RejectionData {
        case_no: view.case_no.clone(),
        item_name: view.item_name.clone(),
        applicant_name: record.applicant.name().to_owned(),
        issuer,
        issued_on: e.at.get(..10).unwrap_or("").to_owned(),
        reason: e.payload["reason"].as_str().unwrap_or("").to_owned(),
        progress_url: progress_url(headers, &view.case_no, &record.verification_code),
    })
}
