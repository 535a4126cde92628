//! Materials on a case: each checklist entry received on paper, as a scan
//! (PDF/JPEG/PNG by content, stored content-addressed without metadata),
//! or replaced by an e-licence the library holds for its holder.

use crate::cases::visible_case;
use crate::licences::Licence;
use crate::views::scope_of;
use crate::{Actor, App, AppError, AppResult, Lookups};
use std::collections::HashMap;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::case::Status;
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::intake::Applicant;
use tongban_domain::text;
use tongban_domain::tongban::Mode;
use tongban_domain::{FieldError, ValidationErrors};
use tongban_store::{CaseRecord, MaterialReceipt, StoreError};

/// The largest scan accepted.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// A material received, as the window or the applicant hands it in.
#[derive(Debug, Default)]
pub struct RecordMaterial {
    /// The case version the material was recorded on.
    pub version: Option<i64>,
    /// The checklist key.
    pub material: String,
    /// `paper`, `scan` or `license`.
    pub method: String,
    /// The file of a scan.
    pub file: Option<Vec<u8>>,
    /// Or the pages of a scan, captured one by one (a document camera's
    /// shots, JPEG or PNG, in order), bound into one PDF.
    pub pages: Vec<Vec<u8>>,
    /// The e-licence identifier.
    pub license_ref: Option<String>,
    /// The window certifies that it saw the originals (原件核验).
    pub original_verified: bool,
}

/// Records a material received (the API, the workbench and the kiosk
/// share it). Certifying originals takes the original-verification right.
/// Retrying the same upload answers as the first did.
pub async fn record_material(
    app: &App,
    actor: &Actor,
    case_no: &str,
    cmd: RecordMaterial,
) -> AppResult<CaseRecord> {
    let c = visible_case(app, actor, case_no).await?;
    let scope = scope_of(&c);
    actor.authorize(Action::ReceiveMaterial(scope), &Trust::NONE)?;
    if cmd.original_verified {
        let lookups = Lookups::load_at(app, actor.revision).await?;
        actor.authorize(Action::VerifyOriginal(scope), &lookups.trust())?;
    }
    closed_for_materials(&c)?;
    let mut cmd = cmd;
    if !cmd.pages.is_empty() {
        if cmd.file.is_some() || cmd.method != "scan" {
            return Err(AppError::field(
                "file",
                "upload.pages_or_file",
                "请上传一个文件，或以扫描件方式提交拍摄的多页图片，不要同时提交",
            ));
        }
        cmd.file = Some(crate::scans::bind_pages(&std::mem::take(&mut cmd.pages))?);
    }
    let mut receipt = check_receipt(app, actor, &c, &cmd).await?;
    if let (Some(b), "scan") = (&cmd.file, cmd.method.as_str()) {
        // Stored before the record that points at it: a record never names a missing file.
        // Images lose their metadata (place, time, device) before storing.
        let clean = crate::blobs::strip_metadata(b);
        receipt.size = Some(clean.len() as i64);
        let blob = app.blobs.put(&clean).await;
        receipt.blob = Some(blob.map_err(|e| AppError::Internal(e.to_string()))?);
    }
    let payload = serde_json::json!({"material": cmd.material, "method": cmd.method,
        "blob": receipt.blob, "license_ref": receipt.license_ref,
        "original_verified": cmd.original_verified});
    let mut event = crate::cases::event(app, actor, "material", payload);
    event.at = receipt.recorded_at;
    let version = cmd.version.unwrap_or(-1);
    match app
        .store
        .add_material_receipt(case_no, version, &receipt, &event)
        .await
    {
        Ok(r) => Ok(r),
        // A retry of the same upload (the browser resent it after the first
        // was recorded) answers as the first did: the receipt is already
        // there, content-addressed, so nothing is lost or doubled.
        Err(StoreError::Conflict(_)) if already_recorded(app, &c, &receipt).await? => {
            Ok(app.store.case_by_no(case_no).await?)
        }
        Err(StoreError::Conflict(_)) => Err(AppError::stale(None)),
        Err(e) => Err(e.into()),
    }
}

/// Whether the latest receipt of the material is this one.
async fn already_recorded(app: &App, c: &CaseRecord, receipt: &MaterialReceipt) -> AppResult<bool> {
    let receipts = app.store.material_receipts(c.id).await?;
    Ok(receipts
        .iter()
        .rev()
        .find(|r| r.material_key == receipt.material_key)
        .is_some_and(|r| {
            r.method == receipt.method
                && r.blob == receipt.blob
                && r.license_ref == receipt.license_ref
                && r.recorded_by == receipt.recorded_by
                && r.original_verified == receipt.original_verified
        }))
}

/// The receipt the command describes, every bad field named at once.
async fn check_receipt(
    app: &App,
    actor: &Actor,
    c: &CaseRecord,
    cmd: &RecordMaterial,
) -> AppResult<MaterialReceipt> {
    let mut errs = ValidationErrors::default();
    if cmd.version.is_none() {
        errs.push(FieldError::new("version", "required", "请提供办件版本号"));
    }
    let spec = c.materials.iter().find(|m| m.key == cmd.material);
    if spec.is_none() {
        errs.push(FieldError::new(
            "material",
            "material.unknown",
            "该材料不在本办件的材料清单中",
        ));
    }
    // Online, the applicant (or the helper of 帮办代办) hands materials in
    // as scans or e-licences.
    if c.mode == Mode::Online && cmd.method == "paper" {
        errs.push(FieldError::new(
            "method",
            "material.online_paper",
            "网上申请请上传材料扫描件或照片，或使用电子证照",
        ));
    }
    if cmd.method == "license"
        && let Some(m) = spec
        && m.license.is_none()
    {
        errs.push(FieldError::new(
            "method",
            "material.no_license",
            text!("“{name}”不能以电子证照代替，请上传扫描件", name = &m.name),
        ));
    }
    let mut receipt = MaterialReceipt {
        material_key: cmd.material.clone(),
        method: cmd.method.clone(),
        blob: None,
        mime: None,
        size: None,
        license_ref: None,
        recorded_by: actor.user.id.0,
        recorded_at: app.now.ms(),
        original_verified: cmd.original_verified,
    };
    match cmd.method.as_str() {
        "paper" => {}
        "scan" => {
            if let Some((mime, size)) = errs.check(check_scan(cmd.file.as_deref())) {
                receipt.mime = Some(mime.into());
                receipt.size = Some(size);
            }
        }
        "license" => {
            receipt.license_ref = errs
                .check(check_licence(app, c, spec, cmd).await?)
                .flatten()
        }
        _ => errs.push(FieldError::new(
            "method",
            "material.method",
            "收取方式应为 paper（纸质）、scan（扫描件）或 license（电子证照）",
        )),
    }
    Ok(errs.into_result(receipt)?)
}

/// A scan's type (by content) and size.
fn check_scan(file: Option<&[u8]>) -> Result<(&'static str, i64), FieldError> {
    match file {
        None => Err(FieldError::new("file", "required", "请上传扫描件")),
        Some([]) => Err(FieldError::new("file", "required", "上传的文件为空")),
        Some(b) if b.len() > MAX_UPLOAD => Err(FieldError::new(
            "file",
            "upload.too_large",
            "单个文件不超过10MB",
        )),
        Some(b) => match crate::blobs::sniff(b) {
            None => Err(FieldError::new(
                "file",
                "upload.type",
                "只接受 PDF、JPEG 或 PNG 文件（按文件内容判断）",
            )),
            Some(mime) => Ok((mime, b.len() as i64)),
        },
    }
}

/// An e-licence stands in for a material only where the material allows
/// one (refused before otherwise): a well-formed identifier the library
/// holds for its holder.
async fn check_licence(
    app: &App,
    c: &CaseRecord,
    spec: Option<&MaterialSpec>,
    cmd: &RecordMaterial,
) -> AppResult<Result<Option<String>, FieldError>> {
    let r = cmd.license_ref.as_deref().map(str::trim);
    let Some(r) = r.filter(|s| !s.is_empty() && s.len() <= 120) else {
        return Ok(Err(FieldError::new(
            "license_ref",
            "required",
            "请填写电子证照标识",
        )));
    };
    let Some((m, kind)) = spec.and_then(|m| m.license.as_deref().map(|k| (m, k))) else {
        return Ok(Ok(None));
    };
    let r = match tongban_domain::validate::validate_licence_identifier("license_ref", r) {
        Err(e) => return Ok(Err(e)),
        Ok(r) => r,
    };
    let held = licences_for(app, c, m).await?;
    Ok(if held.iter().any(|l| l.kind == kind && l.reference == r) {
        Ok(Some(r))
    } else {
        Err(FieldError::new(
            "license_ref",
            "licence.not_found",
            text!(
                "电子证照库中没有该证照（{kind}），请核对证照标识或上传扫描件",
                kind = kind.to_owned()
            ),
        ))
    })
}

/// Refuses a material on a case that takes none now: never once it is
/// finished, and online only while applying or answering a notice.
pub fn closed_for_materials(c: &CaseRecord) -> AppResult<()> {
    if c.status.is_terminal() {
        return Err(AppError::Conflict {
            code: "case.terminal",
            message: text!("办件已{status}，不能再收取材料", status = c.status.label()),
            current_version: None,
        });
    }
    let applying = matches!(
        c.status,
        Status::Draft | Status::Submitted | Status::SupplementRequested
    );
    if c.mode == Mode::Online && !applying {
        return Err(AppError::Conflict {
            code: "case.materials_closed",
            message: text!(
                "办件{status}，现在不能上传材料；如需补正，审批部门会发出一次性告知",
                status = c.status.label()
            ),
            current_version: None,
        });
    }
    Ok(())
}

/// Whose licence a material is: the agent's for the agent's own papers,
/// else the applicant's (ID number or credit code).
fn holder_of<'a>(c: &'a CaseRecord, m: &MaterialSpec) -> &'a str {
    if m.key.starts_with("agent")
        && let Some(a) = &c.agent
    {
        return a.id_number.as_str();
    }
    match &c.applicant {
        Applicant::Person { id_number, .. } => id_number.as_str(),
        Applicant::Company { uscc, .. } => uscc.as_str(),
    }
}

/// The library's licences that could stand in for a material of a case.
pub async fn licences_for(app: &App, c: &CaseRecord, m: &MaterialSpec) -> AppResult<Vec<Licence>> {
    let Some(kind) = m.license.as_deref() else {
        return Ok(vec![]);
    };
    let all = app.licences.licences(holder_of(c, m)).await;
    let all = all.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(all.into_iter().filter(|l| l.kind == kind).collect())
}

/// The library's licences for every checklist entry that allows one, keyed
/// by the entry: each holder is asked once.
pub async fn licence_options(
    app: &App,
    c: &CaseRecord,
) -> AppResult<HashMap<String, Vec<Licence>>> {
    let mut held: HashMap<&str, Vec<Licence>> = HashMap::new();
    let mut out = HashMap::new();
    for m in &c.materials {
        let Some(kind) = m.license.as_deref() else {
            continue;
        };
        let holder = holder_of(c, m);
        if !held.contains_key(holder) {
            let all = app.licences.licences(holder).await;
            let all = all.map_err(|e| AppError::Internal(e.to_string()))?;
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

/// One e-licence chosen for a checklist entry.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct LicencePick {
    /// The checklist key.
    pub material: String,
    /// The e-licence identifier.
    pub license_ref: String,
}

/// Records every chosen e-licence of a case at once (the applicant's
/// "使用所选电子证照"): each pick is checked as [`record_material`] checks
/// an e-licence, every bad one named, and all are written in one
/// transaction, or none.
pub async fn use_licences(
    app: &App,
    actor: &Actor,
    case_no: &str,
    version: Option<i64>,
    picks: &[LicencePick],
) -> AppResult<CaseRecord> {
    let c = visible_case(app, actor, case_no).await?;
    actor.authorize(Action::ReceiveMaterial(scope_of(&c)), &Trust::NONE)?;
    closed_for_materials(&c)?;
    let mut errs = ValidationErrors::default();
    if picks.is_empty() {
        errs.push(FieldError::new(
            "licences",
            "required",
            "请至少选择一项电子证照",
        ));
    }
    let mut batch = Vec::with_capacity(picks.len());
    for (i, pick) in picks.iter().enumerate() {
        if picks[..i].iter().any(|p| p.material == pick.material) {
            errs.push(FieldError::new(
                format!("licences[{i}].material"),
                "material.duplicate",
                "同一材料只能选择一项电子证照",
            ));
            continue;
        }
        let cmd = RecordMaterial {
            version,
            material: pick.material.clone(),
            method: "license".into(),
            license_ref: Some(pick.license_ref.clone()),
            ..Default::default()
        };
        match check_receipt(app, actor, &c, &cmd).await {
            Ok(receipt) => {
                let payload = serde_json::json!({"material": cmd.material, "method": cmd.method,
                    "blob": null, "license_ref": receipt.license_ref, "original_verified": false});
                let mut event = crate::cases::event(app, actor, "material", payload);
                event.at = receipt.recorded_at;
                batch.push((receipt, event));
            }
            // Each pick's fields are named with its place in the list.
            Err(AppError::Invalid(v)) => {
                let name = c.materials.iter().find(|m| m.key == pick.material);
                let name = name.map_or(pick.material.as_str(), |m| m.name.as_str());
                for e in v.0 {
                    match e.field.as_str() {
                        "version" if i > 0 => {}
                        "version" => errs.push(e),
                        _ => errs.push(FieldError {
                            field: format!("licences[{i}].{}", e.field),
                            message: text!(
                                "“{name}”：{message}",
                                name = name.to_string(),
                                message = e.message
                            ),
                            ..e
                        }),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    let batch = errs.into_result(batch)?;
    let version = version.unwrap_or(-1);
    match app
        .store
        .add_material_receipts(case_no, version, &batch)
        .await
    {
        Ok(r) => Ok(r),
        Err(StoreError::Conflict(_)) => Err(AppError::stale(None)),
        Err(e) => Err(e.into()),
    }
}
