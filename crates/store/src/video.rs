//! Video checks (视频核验) of a case: started with a meeting link, concluded
//! once with an outcome and the recording. Written by [`crate::CaseStore`]
//! with the case's version step and its timeline event, in one transaction.

/// A video check to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVideoCheck {
    /// `applicant` or `agent`.
    pub participant: String,
    /// The participant's name.
    pub participant_name: String,
    /// The participant's ID number, masked (never the full number).
    pub participant_id: String,
    /// The video service's name.
    pub service: String,
    /// The meeting's reference in the video service.
    pub meeting_ref: String,
    /// The meeting link.
    pub link: String,
    /// Who started it.
    pub started_by: i64,
    /// When, unix ms.
    pub started_at: i64,
}

/// How a video check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoResult {
    /// `passed`, `failed` or `not_reached`.
    pub outcome: String,
    /// Why it failed (or a note).
    pub reason: Option<String>,
    /// Content address of the uploaded recording.
    pub recording_blob: Option<String>,
    /// Its sniffed type.
    pub recording_mime: Option<String>,
    /// Its size in bytes.
    pub recording_size: Option<i64>,
    /// Or the recording's reference in the video service.
    pub recording_ref: Option<String>,
    /// Who recorded the outcome.
    pub concluded_by: i64,
    /// When, unix ms.
    pub concluded_at: i64,
}

/// A stored video check.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VideoCheckRecord {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// `applicant` or `agent`.
    pub participant: String,
    /// The participant's name.
    pub participant_name: String,
    /// The participant's ID number, masked.
    pub participant_id: String,
    /// The video service's name.
    pub service: String,
    /// The meeting's reference in the video service.
    pub meeting_ref: String,
    /// The meeting link.
    pub link: String,
    /// Who started it.
    pub started_by: i64,
    /// When, unix ms.
    pub started_at: i64,
    /// The outcome, once recorded.
    pub outcome: Option<String>,
    /// Why it failed (or a note).
    pub reason: Option<String>,
    /// Content address of the uploaded recording.
    pub recording_blob: Option<String>,
    /// Its sniffed type.
    pub recording_mime: Option<String>,
    /// Its size in bytes.
    pub recording_size: Option<i64>,
    /// Or the recording's reference in the video service.
    pub recording_ref: Option<String>,
    /// Who recorded the outcome.
    pub concluded_by: Option<i64>,
    /// When, unix ms.
    pub concluded_at: Option<i64>,
}

/// The columns of a [`VideoCheckRecord`].
pub(crate) const VIDEO_COLUMNS: &str = "id, case_id, participant, participant_name, participant_id, service, meeting_ref, \
    link, started_by, started_at, outcome, reason, recording_blob, recording_mime, recording_size, recording_ref, \
    concluded_by, concluded_at";

/// A page of a case's video checks after an id, on `video_checks_case`
/// (case, id).
pub(crate) const VIDEO_PAGE_SQL: &str = "SELECT id, case_id, participant, participant_name, participant_id, service, \
    meeting_ref, link, started_by, started_at, outcome, reason, recording_blob, recording_mime, recording_size, \
    recording_ref, concluded_by, concluded_at FROM video_checks WHERE case_id = $1 AND id > $2 ORDER BY id LIMIT $3";

/// The outcome of a case's latest concluded check, read backwards on
/// `video_checks_case`.
pub(crate) const LATEST_VERDICT_SQL: &str = "SELECT outcome FROM video_checks WHERE case_id = $1 \
    AND outcome IN ('passed', 'failed') ORDER BY id DESC LIMIT 1";
