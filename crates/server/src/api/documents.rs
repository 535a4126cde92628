//! The case's printed documents as PDF: 受理承诺单, 一次性告知书,
//! 不予受理通知书 (also printable as HTML from the workbench). What they
//! say is built by `tongban_app::documents` from the case the caller may see.

use crate::AppState;
use crate::api::cases::case_for;
use crate::auth::{Ctx, Signed};
use crate::documents::{
    NoticeData, RejectionData, SlipData, acceptance_slip_pdf, rejection_notice_pdf,
    supplement_notice_pdf,
};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use tongban_domain::text;

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
        &text!("受理承诺单-{case_no}", case_no = case_no.clone()).render(ctx.lang),
        acceptance_slip_pdf(&d, ctx.lang),
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
        &text!("网上申请回执-{case_no}", case_no = case_no.clone()).render(ctx.lang),
        crate::documents::online_receipt_pdf(&d, ctx.lang),
    ))
}

/// What the 受理承诺单 (`receipt` false) or the 网上申请回执 (`receipt`
/// true: an online case once submitted, printed at home or at the kiosk)
/// says in the caller's language, for the PDF and the printable page; 404 when the caller may not see
/// the case, 409 before acceptance (slip) or for a draft (receipt).
pub async fn slip_or_receipt(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    case_no: &str,
    receipt: bool,
) -> ApiResult<SlipData> {
    let (record, view) = case_for(state, ctx, case_no).await?;
    let url = progress_url(headers, &view.case_no, &record.verification_code);
    tongban_app::documents::slip(&record, &view, receipt, url, state.now.ms(), ctx.lang)
        .map_err(|e| ctx.fail(e))
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
        &text!("一次性告知书-{case_no}", case_no = case_no.clone()).render(ctx.lang),
        supplement_notice_pdf(&d, ctx.lang),
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
    let url = progress_url(headers, &view.case_no, &record.verification_code);
    tongban_app::documents::notice(&record, &view, url, ctx.lang).ok_or_else(ApiError::not_found)
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
        &text!("不予受理通知书-{case_no}", case_no = case_no.clone()).render(ctx.lang),
        rejection_notice_pdf(&d, ctx.lang),
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
    let url = progress_url(headers, &view.case_no, &record.verification_code);
    tongban_app::documents::rejection(&record, &view, url).ok_or_else(ApiError::not_found)
}
