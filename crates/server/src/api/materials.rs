//! Materials on a case: each checklist entry received on paper, as a
//! scanned upload (PDF/JPEG/PNG by content, stored content-addressed), or
//! replaced by an e-licence reference.

use crate::AppState;
use crate::api::cases::{CaseView, Lookups};
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::licences::Licence;
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongban_domain::FieldError;
use tongban_domain::authz::Action;
use tongban_domain::catalogue::MaterialSpec;
use tongban_store::{MaterialReceipt, NewEvent, StoreError};
use utoipa::ToSchema;

/// Largest accepted scan.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

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
    /// E-licence reference (method `license`).
    license_ref: Option<String>,
    /// `true` when the window certifies that it saw the originals (needs
    /// the original-verification right for the case's department).
    original_verified: Option<bool>,
}

/// Records a material received on a case. Send `multipart/form-data` with
/// `version`, `material` (checklist key), `method` (`paper` / `scan` /
/// `license`), and `file` for a scan (PDF, JPEG or PNG by content, at most
/// 10 MiB) or `license_ref` for an e-licence. Retrying the same upload stores
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
    Signed(ctx): Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    form: Multipart,
) -> ApiResult<Json<CaseView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let fields = read_form(form).await?;
    let record = record_material(&state, &ctx, &case_no, &fields).await?;
    let lookups = Lookups::load(&state.app()).await?;
    let mut view = lookups.view(&record, true, state.store.case_events(record.id).await?);
    view.received = state
        .store
        .material_receipts(record.id)
        .await?
        .into_iter()
        .map(ReceiptView::from)
        .collect();
    Ok(Json(view))
}

/// The fields of a material form.
#[derive(Debug, Default)]
pub struct MaterialForm {
    /// Text fields by name.
    pub text: std::collections::HashMap<String, String>,
    /// The uploaded file, if any.
    pub file: Option<axum::body::Bytes>,
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
        if name == "file" {
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::from(FieldError::new(
                    "file",
                    "upload.too_large",
                    "文件过大或上传中断（单个文件不超过10MB）",
                ))
            })?;
            // A browser sends an empty file part when no file was chosen.
            if !bytes.is_empty() {
                out.file = Some(bytes);
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
    form: &MaterialForm,
) -> ApiResult<tongban_store::CaseRecord> {
    let user = ctx.user.clone().ok_or(ApiError::from(
        tongban_domain::authz::Denial::Unauthenticated,
    ))?;
    let c = crate::api::cases::visible_case(state, ctx, case_no).await?;
    let scope = crate::api::cases::scope_of(&c);
    ctx.authorize(Action::ReceiveMaterial(scope))?;
    let text = |k: &str| form.text.get(k).map(|s| s.trim().to_owned());
    // Certifying that the originals were seen takes the original-verification right.
    let original_verified = matches!(
        text("original_verified").as_deref(),
        Some("true" | "1" | "on")
    );
    if original_verified {
        let lookups = Lookups::load(&state.app()).await?;
        ctx.authorize_in(Action::VerifyOriginal(scope), &lookups.trust())?;
    }
    if let Some(e) = closed_for_materials(&c) {
        return Err(e);
    }
    let file = &form.file;
    let mut errs = tongban_domain::ValidationErrors::default();
    let version: Option<i64> = text("version").and_then(|v| v.parse().ok());
    if version.is_none() {
        errs.push(FieldError::new("version", "required", "请提供办件版本号"));
    }
    let material = text("material").unwrap_or_default();
    if !c.materials.iter().any(|m| m.key == material) {
        errs.push(FieldError::new(
            "material",
            "material.unknown",
            "该材料不在本办件的材料清单中",
        ));
    }
    let method = text("method").unwrap_or_default();
    let license_ref = text("license_ref");
    let spec = c.materials.iter().find(|m| m.key == material);
    // Online, the applicant (or the helper of 帮办代办) hands materials in
    // as scans or e-licences.
    if c.mode == tongban_domain::tongban::Mode::Online && method == "paper" {
        errs.push(FieldError::new(
            "method",
            "material.online_paper",
            "网上申请请上传材料扫描件或照片，或使用电子证照",
        ));
    }
    if method == "license"
        && let Some(m) = spec
        && m.license.is_none()
    {
        errs.push(FieldError::new(
            "method",
            "material.no_license",
            format!("“{}”不能以电子证照代替，请上传扫描件", m.name),
        ));
    }
    let mut receipt = MaterialReceipt {
        material_key: material.clone(),
        method: method.clone(),
        blob: None,
        mime: None,
        size: None,
        license_ref: None,
        recorded_by: user.id.0,
        recorded_at: state.now.ms(),
        original_verified,
    };
    match method.as_str() {
        "paper" => {}
        "scan" => match &file {
            None => errs.push(FieldError::new("file", "required", "请上传扫描件")),
            Some(b) if b.is_empty() => {
                errs.push(FieldError::new("file", "required", "上传的文件为空"))
            }
            Some(b) if b.len() > MAX_UPLOAD => errs.push(FieldError::new(
                "file",
                "upload.too_large",
                "单个文件不超过10MB",
            )),
            Some(b) => match crate::blobs::sniff(b) {
                None => errs.push(FieldError::new(
                    "file",
                    "upload.type",
                    "只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）",
                )),
                Some(mime) => {
                    receipt.mime = Some(mime.into());
                    receipt.size = Some(b.len() as i64);
                }
            },
        },
        "license" => match license_ref
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 120)
        {
            // Only where the material allows one (refused above otherwise):
            // a well-formed identifier the library holds for its holder.
            Some(r) => {
                if let Some((m, kind)) = spec.and_then(|m| m.license.as_deref().map(|k| (m, k))) {
                    match tongban_domain::validate::validate_licence_identifier("license_ref", r) {
                        Err(e) => errs.push(e),
                        Ok(r) => {
                            let held = licences_for(state, &c, m).await?;
                            if held.iter().any(|l| l.kind == kind && l.reference == r) {
                                receipt.license_ref = Some(r);
                            } else {
                                errs.push(FieldError::new(
                                    "license_ref",
                                    "licence.not_found",
                                    format!(
                                        "电子证照库中没有该证照（{kind}），请核对证照标识或上传扫描件"
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
            None => errs.push(FieldError::new(
                "license_ref",
                "required",
                "请填写电子证照标识",
            )),
        },
        _ => errs.push(FieldError::new(
            "method",
            "material.method",
            "收取方式应为 paper（纸质）、scan（扫描件）或 license（电子证照）",
        )),
    }
    errs.into_result(())?;
    if let (Some(b), "scan") = (&file, method.as_str()) {
        // Stored before the record that points at it: a record never names a missing file.
        // Images lose their metadata (place, time, device) before storing.
        let clean = crate::blobs::strip_metadata(b);
        receipt.size = Some(clean.len() as i64);
        receipt.blob = Some(state.blobs.put(&clean).await.map_err(ApiError::internal)?);
    }
    let event = NewEvent {
        at: receipt.recorded_at,
        actor: user.id,
        role: user.role.as_str().into(),
        hall: user.scope.hall(),
        department: user.scope.department(),
        action: "material".into(),
        payload: serde_json::json!({"material": material, "method": method, "blob": receipt.blob,
            "license_ref": receipt.license_ref, "original_verified": original_verified})
        .to_string(),
    };
    let record = match state
        .store
        .add_material_receipt(case_no, version.unwrap_or(-1), &receipt, &event)
        .await
    {
        Ok(r) => r,
        Err(StoreError::Conflict(_)) => {
            // A retry of the same upload (the browser resent it after the
            // first was recorded) answers as the first did: the receipt is
            // already there, content-addressed, so nothing is lost or doubled.
            let receipts = state.store.material_receipts(c.id).await?;
            let same = receipts
                .iter()
                .rev()
                .find(|r| r.material_key == material)
                .is_some_and(|r| {
                    r.method == receipt.method
                        && r.blob == receipt.blob
                        && r.license_ref == receipt.license_ref
                        && r.recorded_by == receipt.recorded_by
                        && r.original_verified == receipt.original_verified
                });
            if same {
                return Ok(state.store.case_by_no(case_no).await?);
            }
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "case.stale_version",
                "办件已被他人更新，请刷新后重试",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(record)
}

/// Why no material may be recorded on the case now, if so: never once it
/// is finished, and online only while applying or answering a notice.
pub fn closed_for_materials(c: &tongban_store::CaseRecord) -> Option<ApiError> {
    use tongban_domain::case::Status;
    if c.status.is_terminal() {
        return Some(ApiError::new(
            StatusCode::CONFLICT,
            "case.terminal",
            format!("办件已{}，不能再收取材料", c.status.label()),
        ));
    }
    let applying = matches!(
        c.status,
        Status::Draft | Status::Submitted | Status::SupplementRequested
    );
    (c.mode == tongban_domain::tongban::Mode::Online && !applying).then(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "case.materials_closed",
            format!(
                "办件{}，现在不能上传材料；如需补正，审批部门会发出一次性告知",
                c.status.label()
            ),
        )
    })
}

/// Whose licence a material is: the agent's for the agent's own papers,
/// else the applicant's (ID number or credit code).
fn holder_of<'a>(c: &'a tongban_store::CaseRecord, m: &MaterialSpec) -> &'a str {
    if m.key.starts_with("agent")
        && let Some(a) = &c.agent
    {
        return a.id_number.as_str();
    }
    match &c.applicant {
        tongban_domain::intake::Applicant::Person { id_number, .. } => id_number.as_str(),
        tongban_domain::intake::Applicant::Company { uscc, .. } => uscc.as_str(),
    }
}

/// The library's licences that could stand in for a material of a case.
pub async fn licences_for(
    state: &AppState,
    c: &tongban_store::CaseRecord,
    m: &MaterialSpec,
) -> ApiResult<Vec<Licence>> {
    let Some(kind) = m.license.as_deref() else {
        return Ok(vec![]);
    };
    Ok(state
        .licences
        .licences(holder_of(c, m))
        .await
        .map_err(ApiError::internal)?
        .into_iter()
        .filter(|l| l.kind == kind)
        .collect())
}

/// The library's licences for every checklist entry that allows one, keyed
/// by the entry: each holder is asked once.
pub async fn licence_options(
    state: &AppState,
    c: &tongban_store::CaseRecord,
) -> ApiResult<std::collections::HashMap<String, Vec<Licence>>> {
    let mut held: std::collections::HashMap<&str, Vec<Licence>> = Default::default();
    let mut out = std::collections::HashMap::new();
    for m in &c.materials {
        let Some(kind) = m.license.as_deref() else {
            continue;
        };
        let holder = holder_of(c, m);
        if !held.contains_key(holder) {
            let all = state
                .licences
                .licences(holder)
                .await
                .map_err(ApiError::internal)?;
            held.insert(holder, all);
        }
        let of_kind = held[holder]
            .iter()
            .filter(|l| l.kind == kind)
            .cloned()
            .collect();
        out.insert(m.key.clone(), of_kind);
    }
    Ok(out)
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
    Signed(ctx): Signed,
    Path(case_no): Path<String>,
) -> ApiResult<Json<Vec<MaterialLicences>>> {
    let c = crate::api::cases::visible_case(&state, &ctx, &case_no).await?;
    ctx.authorize(Action::ReceiveMaterial(crate::api::cases::scope_of(&c)))?;
    let mut options = licence_options(&state, &c).await?;
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
    Signed(ctx): Signed,
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
