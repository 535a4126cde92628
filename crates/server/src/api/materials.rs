//! Materials on a case: each checklist entry received on paper, as a
//! scanned upload (PDF/JPEG/PNG by content, stored content-addressed), or
//! replaced by an e-licence reference.

use crate::AppState;
use crate::api::cases::CaseView;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::licences::Licence;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongban_app::materials::{RecordMaterial, licence_options};
use tongban_domain::FieldError;
use tongban_domain::authz::Action;
use utoipa::ToSchema;

pub use tongban_app::views::ReceiptView;

/// The multipart form (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct MaterialUpload {
    /// The case version.
    #[schema(minimum = 1)]
    version: i64,
    /// Checklist key of the material.
    #[schema(min_length = 1, max_length = 60)]
    material: String,
    /// `paper`, `scan` or `license`.
    #[schema(pattern = r"^(paper|scan|license)$")]
    method: String,
    /// The scan (method `scan`).
    #[schema(format = Binary, value_type = Option<String>)]
    file: Option<Vec<u8>>,
    /// Or the scan's pages, one part each in order (JPEG or PNG, e.g. a
    /// document camera's shots), bound into one PDF (method `scan`).
    #[schema(value_type = Option<Vec<String>>)]
    page: Option<Vec<Vec<u8>>>,
    /// E-licence reference (method `license`).
    license_ref: Option<String>,
    /// `true` when the window certifies that it saw the originals (needs
    /// the original-verification right for the case's department).
    original_verified: Option<bool>,
}

/// Records a material received on a case. Send `multipart/form-data` with
/// `version`, `material` (checklist key), `method` (`paper` / `scan` /
/// `license`), and `file` for a scan (PDF, JPEG or PNG by content, at most
/// 10 MiB) — or its pages as repeated `page` parts (JPEG or PNG, at most 50,
/// bound into one PDF in order) — or `license_ref` for an e-licence. Retrying the same upload stores
/// the file once; `original_verified=true` certifies that the originals were
/// seen. Access: window staff of the receiving hall, or the applicant of an
/// online case; certifying originals needs the original-verification right.
#[utoipa::path(post, path = "/cases/{case_no}/materials", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    request_body(content = MaterialUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = CaseView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    form: Multipart,
) -> ApiResult<Json<CaseView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let fields = read_form(form).await?;
    record_material(&state, &ctx, &case_no, fields).await?;
    let (_, view) = crate::api::cases::case_for(&state, &ctx, &case_no).await?;
    Ok(Json(view))
}

/// The fields of a material form.
#[derive(Debug, Default)]
pub struct MaterialForm {
    /// Text fields by name.
    pub text: std::collections::HashMap<String, String>,
    /// The uploaded file, if any.
    pub file: Option<axum::body::Bytes>,
    /// Pages captured one by one, in order.
    pub pages: Vec<axum::body::Bytes>,
}

/// Reads a multipart material form.
pub async fn read_form(mut form: Multipart) -> ApiResult<MaterialForm> {
    let mut out = MaterialForm::default();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| ApiError::bad_request("上传内容格式不正确"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" || name == "page" {
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::from(FieldError::new(
                    "file",
                    "upload.too_large",
                    "文件过大或上传中断（单个文件不超过10MB）",
                ))
            })?;
            // A browser sends an empty file part when no file was chosen.
            match (bytes.is_empty(), name == "page") {
                (true, _) => {}
                (false, true) => out.pages.push(bytes),
                (false, false) => out.file = Some(bytes),
            }
        } else {
            let text = field
                .text()
                .await
                .map_err(|_| ApiError::bad_request("上传内容格式不正确"))?;
            out.text.insert(name, text);
        }
    }
    Ok(out)
}

/// Records a material received (the API and the workbench share it).
pub async fn record_material(
    state: &AppState,
    ctx: &crate::auth::Ctx,
    case_no: &str,
    form: MaterialForm,
) -> ApiResult<tongban_store::CaseRecord> {
    let actor = ctx.signed()?;
    let text = |k: &str| form.text.get(k).map(|s| s.trim().to_owned());
    let cmd = RecordMaterial {
        version: text("version").and_then(|v| v.parse().ok()),
        material: text("material").unwrap_or_default(),
        method: text("method").unwrap_or_default(),
        license_ref: text("license_ref"),
        original_verified: matches!(
            text("original_verified").as_deref(),
            Some("true" | "1" | "on")
        ),
        file: form.file.map(Vec::from),
        pages: form.pages.into_iter().map(Vec::from).collect(),
    };
    tongban_app::materials::record_material(&state.app(), &actor, case_no, cmd)
        .await
        .map_err(|e| ctx.fail(e))
}

/// E-licences the library holds for a case's checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialLicences {
    /// Checklist key.
    pub material: String,
    /// Licence type that may replace it.
    pub kind: String,
    /// The holder's licences of that type (pick one as `license_ref`).
    pub licences: Vec<Licence>,
}

/// The e-licences that may replace the case's materials (免提交), from the
/// e-licence library, per checklist entry that allows one. Access: whoever
/// may record materials on the case (its window, or the online applicant).
#[utoipa::path(get, path = "/cases/{case_no}/licences", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, body = Vec<MaterialLicences>), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn licences(
    State(state): State<AppState>,
    ctx: Signed,
    Path(case_no): Path<String>,
) -> ApiResult<Json<Vec<MaterialLicences>>> {
    let c = crate::api::cases::visible_case(&state, &ctx, &case_no).await?;
    ctx.authorize(Action::ReceiveMaterial(crate::api::cases::scope_of(&c)))?;
    let mut options = licence_options(&state.app(), &c)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(
        c.materials
            .iter()
            .filter_map(|m| {
                Some(MaterialLicences {
                    material: m.key.clone(),
                    kind: m.license.clone()?,
                    licences: options.remove(&m.key).unwrap_or_default(),
                })
            })
            .collect(),
    ))
}

/// E-licences to use for several materials at once.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct UseLicences {
    /// The case version.
    #[schema(minimum = 1)]
    pub version: i64,
    /// Each material with the e-licence chosen for it.
    pub licences: Vec<tongban_app::materials::LicencePick>,
}

/// Uses several e-licences at once (免提交): each pick is checked as a
/// single e-licence is, a bad one named as `licences[i].…`, and all are
/// recorded in one write, or none. Access: as for recording a material.
#[utoipa::path(post, path = "/cases/{case_no}/licences", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    request_body = UseLicences,
    responses((status = 200, body = CaseView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn use_licences(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    crate::extract::ApiJson(body): crate::extract::ApiJson<UseLicences>,
) -> ApiResult<Json<CaseView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let actor = ctx.signed()?;
    let app = state.app();
    let done = tongban_app::materials::use_licences(
        &app,
        &actor,
        &case_no,
        Some(body.version),
        &body.licences,
    );
    done.await.map_err(|e| ctx.fail(e))?;
    let (_, view) = crate::api::cases::case_for(&state, &ctx, &case_no).await?;
    Ok(Json(view))
}

/// A scanned material of a case; `inline=1` opens it in the browser's own
/// viewer (PDF or image) instead of downloading it. Access: whoever may see
/// the case.
#[utoipa::path(get, path = "/cases/{case_no}/materials/{blob}", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001"),
           ("blob" = String, Path, pattern = r"^[0-9a-f]{64}$"),
           ("inline" = Option<String>, Query, pattern = r"^[01]$")),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    ctx: Signed,
    Path((case_no, blob)): Path<(String, String)>,
    p: crate::extract::Params,
) -> ApiResult<Response> {
    let c = crate::api::cases::visible_case(&state, &ctx, &case_no).await?;
    let receipts = state.store.material_receipts(c.id).await?;
    let Some(r) = receipts
        .into_iter()
        .find(|r| r.blob.as_deref() == Some(blob.as_str()))
    else {
        return Err(ApiError::not_found());
    };
    let bytes = state.blobs.get(&blob).await.map_err(ApiError::internal)?;
    // Shown on our origin, an upload runs nothing: only sniffed PDF, JPEG
    // and PNG are stored, and every answer carries `nosniff`.
    let disposition = if p.get("inline") == Some("1") {
        "inline"
    } else {
        "attachment"
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                r.mime.unwrap_or_else(|| "application/octet-stream".into()),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}-{}\"", case_no, r.material_key),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The chip photo kept when the window's reader read the applicant's ID
/// card as the case was opened. Access: those who see the case's personal
/// numbers in full (its staff); a view of personal data, recorded.
#[utoipa::path(get, path = "/cases/{case_no}/identity-photo", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    responses((status = 200, description = "the photo (JPEG or PNG)"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn identity_photo(
    State(state): State<AppState>,
    ctx: Signed,
    Path(case_no): Path<String>,
) -> ApiResult<Response> {
    let actor = ctx.signed()?;
    let bytes = tongban_app::cases::identity_photo(&state.app(), &actor, &case_no)
        .await
        .map_err(|e| ctx.fail(e))?;
    crate::api::cases::record_pii_view(&state, &ctx, &case_no).await;
    let mime = tongban_app::blobs::sniff(&bytes).unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}
