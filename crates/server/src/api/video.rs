//! Video checks of a case (视频核验): start one (the meeting link), record
//! its outcome with the recording, list them, fetch a recording. Adapters
//! of `tongban_app::video`.

use crate::AppState;
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tongban_app::video::{
    RecordVideoResult, StartVideoCheck, VideoCheckPage, VideoCheckView, VideoWritten,
};
use tongban_domain::FieldError;
use utoipa::ToSchema;

/// A video check written, with the case version it leaves.
#[derive(Debug, Serialize, ToSchema)]
pub struct VideoCheckAnswer {
    /// The check (its `link` is the meeting to open).
    pub check: VideoCheckView,
    /// The case version after it (each start and each result is one step
    /// of the timeline).
    pub version: i64,
}

impl From<VideoWritten> for VideoCheckAnswer {
    fn from(w: VideoWritten) -> Self {
        Self {
            check: w.check,
            version: w.case.version,
        }
    }
}

/// Starts a video check of the applicant's (or the agent's) identity: the
/// video service sets up a meeting and its link is answered; the check is
/// written on the case's timeline. Access: the deciding department's
/// reviewers, window staff of the receiving hall.
#[utoipa::path(post, path = "/cases/{case_no}/video-checks", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")),
    request_body = StartVideoCheck,
    responses((status = 201, body = VideoCheckAnswer), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    crate::extract::ApiJson(body): crate::extract::ApiJson<StartVideoCheck>,
) -> ApiResult<(axum::http::StatusCode, Json<VideoCheckAnswer>)> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let actor = ctx.signed()?;
    let w = tongban_app::video::start_video_check(&state.app(), &actor, &case_no, body)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((axum::http::StatusCode::CREATED, Json(w.into())))
}

/// The multipart form of a result (for the OpenAPI document).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct VideoResultUpload {
    /// The case version (default: as it stands).
    #[schema(minimum = 1)]
    version: Option<i64>,
    /// `passed`, `failed` or `not_reached`.
    #[schema(pattern = r"^(passed|failed|not_reached)$")]
    outcome: String,
    /// Why it failed (required when `failed`), at most 200 characters.
    #[schema(max_length = 200)]
    reason: Option<String>,
    /// The recording: MP4 or WebM by content, at most 10 MiB.
    #[schema(format = Binary, value_type = Option<String>)]
    recording: Option<Vec<u8>>,
    /// Or the recording's reference in the video service.
    #[schema(max_length = 120)]
    recording_ref: Option<String>,
}

/// Records the outcome of a started video check: `multipart/form-data`
/// with `outcome`, `reason` (for a failed check), and the recording as a
/// `recording` file (MP4 or WebM, sniffed by content, at most 10 MiB) or
/// its `recording_ref` in the video service. A check is concluded once.
/// Access: as for starting one.
#[utoipa::path(post, path = "/cases/{case_no}/video-checks/{id}/result", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001"),
           ("id" = i64, Path, description = "The video check")),
    request_body(content = VideoResultUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = VideoCheckAnswer), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn result(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path((case_no, id)): Path<(String, i64)>,
    form: Multipart,
) -> ApiResult<Json<VideoCheckAnswer>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let (form, _) = read_result(form).await?;
    let w = record_result(&state, &ctx, &case_no, id, form).await?;
    Ok(Json(w.into()))
}

/// Reads a result form: its text fields and the recording, and the page's
/// CSRF token if it sent one.
pub async fn read_result(form: Multipart) -> ApiResult<(RecordVideoResult, Option<String>)> {
    let mut form = form;
    let mut text = std::collections::HashMap::new();
    let mut recording = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| ApiError::bad_request("上传内容格式不正确"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        if name == "recording" {
            let bytes = field.bytes().await.map_err(|_| {
                ApiError::from(FieldError::new(
                    "recording",
                    "upload.too_large",
                    "录像文件过大或上传中断（不超过10MB）",
                ))
            })?;
            // A browser sends an empty file part when no file was chosen.
            if !bytes.is_empty() {
                recording = Some(Vec::from(bytes));
            }
        } else {
            let value = field
                .text()
                .await
                .map_err(|_| ApiError::bad_request("上传内容格式不正确"))?;
            text.insert(name, value);
        }
    }
    let get = |k: &str| text.get(k).map(|s| s.trim().to_owned());
    let cmd = RecordVideoResult {
        version: get("version").and_then(|v| v.parse().ok()),
        outcome: get("outcome"),
        reason: get("reason"),
        recording,
        recording_ref: get("recording_ref"),
    };
    Ok((cmd, get("csrf")))
}

/// Records a result (the API and the case page share it).
pub async fn record_result(
    state: &AppState,
    ctx: &crate::auth::Ctx,
    case_no: &str,
    id: i64,
    cmd: RecordVideoResult,
) -> ApiResult<VideoWritten> {
    let actor = ctx.signed()?;
    tongban_app::video::record_video_result(&state.app(), &actor, case_no, id, cmd)
        .await
        .map_err(|e| ctx.fail(e))
}

/// The video checks of a case, oldest first, 50 a page (`cursor`: a
/// page's `next`). Access: whoever sees the case; a recording's
/// `recording_url` only for those who see its personal data in full.
#[utoipa::path(get, path = "/cases/{case_no}/video-checks", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001"),
           ("cursor" = Option<String>, Query, description = "A page's `next`")),
    responses((status = 200, body = VideoCheckPage), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    Path(case_no): Path<String>,
    p: crate::extract::Params,
) -> ApiResult<Json<VideoCheckPage>> {
    let actor = ctx.signed()?;
    let page = tongban_app::video::video_checks(&state.app(), &actor, &case_no, p.get("cursor"))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(page))
}

/// A video check's uploaded recording. Access: those who see the case's
/// personal data in full (its staff, its applicant); a view of personal
/// data, recorded.
#[utoipa::path(get, path = "/cases/{case_no}/video-checks/{id}/recording", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001"),
           ("id" = i64, Path, description = "The video check")),
    responses((status = 200, description = "the recording (MP4 or WebM)"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn recording(
    State(state): State<AppState>,
    ctx: Signed,
    Path((case_no, id)): Path<(String, i64)>,
) -> ApiResult<Response> {
    let actor = ctx.signed()?;
    let (bytes, mime) = tongban_app::video::video_recording(&state.app(), &actor, &case_no, id)
        .await
        .map_err(|e| ctx.fail(e))?;
    crate::api::cases::record_pii_view(&state, &ctx, &case_no).await;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        bytes,
    )
        .into_response())
}
