//! Point-to-point video verification (视频核验): a department's reviewer or
//! the receiving window starts a meeting with the applicant (or the agent)
//! through a third-party video service, plugged in behind [`VideoService`],
//! and records the outcome with the recording — uploaded (MP4 or WebM by
//! content, stored in the blob store) or its reference in the service. Each
//! start and each result is an event on the case's hash-chained timeline,
//! written with the case's version step in one transaction. The domain's
//! `video::check_identity` says which steps need a passed check.

use crate::cases::{full_view, visible_case};
use crate::views::scope_of;
use crate::{Actor, App, AppError, AppResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tongban_domain::authz::{Action, Trust};
use tongban_domain::intake::Applicant;
use tongban_domain::text;
use tongban_domain::validate::mask_id_number;
use tongban_domain::video::{IdentityEvidence, Participant, VideoOutcome, check_result};
use tongban_domain::{FieldError, ValidationErrors};
use tongban_store::{CaseRecord, NewVideoCheck, StoreError, VideoCheckRecord, VideoResult};
use utoipa::ToSchema;

/// The largest recording uploaded (longer ones stay in the video service
/// and are recorded by reference).
pub const MAX_RECORDING: usize = 10 * 1024 * 1024;

/// The most video checks listed at once.
pub const PAGE: i64 = 50;

/// Who is asked to join a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRequest {
    /// The case.
    pub case_no: String,
    /// Which video check of the case this is (the case version it starts
    /// at): a new meeting each time.
    pub attempt: i64,
    /// The participants' names (the staff member first).
    pub participants: Vec<String>,
}

/// A meeting the video service set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// The link both sides open.
    pub link: String,
    /// The meeting's reference in the service (its recordings are found by it).
    pub reference: String,
}

/// A third-party video service (视频会议服务) that sets up a one-to-one meeting.
#[async_trait::async_trait]
pub trait VideoService: Send + Sync + std::fmt::Debug {
    /// The service's name, as the case records it.
    fn name(&self) -> &str;
    /// Sets up a meeting for a video check of a case.
    async fn start_meeting(&self, req: &MeetingRequest) -> std::io::Result<Meeting>;
}

/// The demo's service: the meeting's reference is a hash of the case and
/// the attempt, so the same check always gets the same link
/// (`https://video.example.invalid/m/<ref>`); nothing is called.
#[derive(Debug, Default)]
pub struct DemoVideo;

#[async_trait::async_trait]
impl VideoService for DemoVideo {
    fn name(&self) -> &str {
        "演示视频服务"
    }

    async fn start_meeting(&self, req: &MeetingRequest) -> std::io::Result<Meeting> {
        let digest = Sha256::digest(format!("{}#{}", req.case_no, req.attempt));
        let reference: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Meeting {
            link: format!("https://video.example.invalid/m/{reference}"),
            reference,
        })
    }
}

/// Starting a video check.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartVideoCheck {
    /// The case version (default: the case as loaded).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// Who is seen: `applicant` (default) or `agent`.
    #[serde(default)]
    #[schema(pattern = r"^(applicant|agent)$")]
    pub participant: Option<String>,
}

/// The outcome of a video check, with its recording.
#[derive(Debug, Clone, Default)]
pub struct RecordVideoResult {
    /// The case version (default: the case as loaded).
    pub version: Option<i64>,
    /// `passed`, `failed` or `not_reached`.
    pub outcome: Option<String>,
    /// Why it failed (required then).
    pub reason: Option<String>,
    /// The recording, MP4 or WebM (by content).
    pub recording: Option<Vec<u8>>,
    /// Or the recording's reference in the video service.
    pub recording_ref: Option<String>,
}

/// A video check as the case's staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoCheckView {
    /// Id (for its result).
    pub id: i64,
    /// `applicant` or `agent`.
    pub participant: String,
    /// 申请人 / 委托代理人.
    pub participant_label: tongban_domain::i18n::Text,
    /// The participant's name.
    pub name: String,
    /// The participant's ID number, masked.
    pub id_number: String,
    /// The video service.
    pub service: String,
    /// The meeting link.
    pub link: String,
    /// The meeting's reference in the service.
    pub reference: String,
    /// Started, RFC 3339.
    pub started_at: String,
    /// The outcome, once recorded.
    pub outcome: Option<VideoOutcome>,
    /// Its label (核验通过 …), or 待记录结果.
    pub outcome_label: tongban_domain::i18n::Text,
    /// Why it failed.
    pub reason: Option<String>,
    /// Recorded, RFC 3339.
    pub concluded_at: Option<String>,
    /// The recording's reference in the video service.
    pub recording_ref: Option<String>,
    /// Where the uploaded recording is served, for those who see the
    /// case's personal data in full.
    pub recording_url: Option<String>,
    /// Its type.
    pub recording_mime: Option<String>,
    /// Whether a recording (file or reference) is kept.
    pub has_recording: bool,
}

impl VideoCheckView {
    fn of(case_no: &str, r: VideoCheckRecord, full: bool) -> Self {
        let participant = Participant::parse(&r.participant).unwrap_or(Participant::Applicant);
        let outcome = r.outcome.as_deref().and_then(VideoOutcome::parse);
        Self {
            id: r.id,
            participant: participant.as_str().into(),
            participant_label: participant.label().into(),
            name: r.participant_name,
            id_number: r.participant_id,
            service: r.service,
            link: r.link,
            reference: r.meeting_ref,
            started_at: tongban_store::rfc3339(r.started_at),
            outcome,
            outcome_label: outcome.map_or("待记录结果", VideoOutcome::label).into(),
            reason: r.reason,
            concluded_at: r.concluded_at.map(tongban_store::rfc3339),
            has_recording: r.recording_blob.is_some() || r.recording_ref.is_some(),
            recording_url: r
                .recording_blob
                .filter(|_| full)
                .map(|_| format!("/api/v1/cases/{case_no}/video-checks/{}/recording", r.id)),
            recording_mime: r.recording_mime,
            recording_ref: r.recording_ref,
        }
    }
}

/// A page of a case's video checks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoCheckPage {
    /// The checks, oldest first.
    pub data: Vec<VideoCheckView>,
    /// The opaque cursor of the next page, if there may be one.
    pub next: Option<String>,
}

/// A video check written, with the case as it stands after it.
#[derive(Debug)]
pub struct VideoWritten {
    /// The case.
    pub case: CaseRecord,
    /// The check.
    pub check: VideoCheckView,
}

/// Who joins: his kind, name and masked ID number.
fn participant_of(
    c: &CaseRecord,
    asked: Option<&str>,
) -> Result<(Participant, String, String), FieldError> {
    let kind = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None if c.agent.is_some() && matches!(c.applicant, Applicant::Company { .. }) => {
            Participant::Agent
        }
        None => Participant::Applicant,
        Some(s) => Participant::parse(s).ok_or_else(|| {
            FieldError::new(
                "participant",
                "video.participant",
                "参加人应为 applicant（申请人）或 agent（委托代理人）",
            )
        })?,
    };
    match (kind, &c.applicant, &c.agent) {
        (
            Participant::Applicant,
            Applicant::Person {
                name, id_number, ..
            },
            _,
        ) => Ok((kind, name.clone(), mask_id_number(id_number))),
        (Participant::Agent, _, Some(a)) => {
            Ok((kind, a.name.clone(), mask_id_number(&a.id_number)))
        }
        (Participant::Agent, _, None) => Err(FieldError::new(
            "participant",
            "video.no_agent",
            "本办件没有委托代理人，请选择与申请人视频核验",
        )),
        (Participant::Applicant, Applicant::Company { .. }, _) => Err(FieldError::new(
            "participant",
            "video.company",
            "申请人为单位，请与其委托代理人视频核验",
        )),
    }
}

/// Refuses a video check on a finished case.
fn open_for_checks(c: &CaseRecord) -> AppResult<()> {
    if c.status.is_terminal() {
        return Err(AppError::Conflict {
            code: "case.terminal",
            message: text!(
                "办件已{status}，不能再进行视频核验",
                status = c.status.label()
            ),
            current_version: None,
        });
    }
    Ok(())
}

/// Maps a store conflict of a video write to the caller's words.
fn write_conflict(e: StoreError, c: &CaseRecord) -> AppError {
    match e {
        StoreError::Conflict(what) if what == "video_check.concluded" => AppError::Conflict {
            code: "video.concluded",
            message: "该次视频核验已记录结果；如需再次核验，请重新发起".into(),
            current_version: None,
        },
        StoreError::Conflict(_) => AppError::stale(Some(c.version)),
        e => e.into(),
    }
}

/// Starts a video check on a case: the service sets up a meeting, and the
/// check (who, with whom, the link) is written on the case's timeline.
/// Access: `Action::RecordVideoCheck`.
pub async fn start_video_check(
    app: &App,
    actor: &Actor,
    case_no: &str,
    cmd: StartVideoCheck,
) -> AppResult<VideoWritten> {
    let c = visible_case(app, actor, case_no).await?;
    actor.authorize(Action::RecordVideoCheck(scope_of(&c)), &Trust::NONE)?;
    open_for_checks(&c)?;
    let (kind, name, masked) = participant_of(&c, cmd.participant.as_deref())?;
    let version = cmd.version.unwrap_or(c.version);
    if version != c.version {
        return Err(AppError::stale(Some(c.version)));
    }
    let req = MeetingRequest {
        case_no: c.case_no.clone(),
        attempt: version + 1,
        participants: vec![actor.user.display_name.clone(), name.clone()],
    };
    let meeting = app.video.start_meeting(&req).await.map_err(|e| {
        tracing::warn!(error = %e, "video service");
        AppError::Conflict {
            code: "video.service",
            message: "视频服务暂时不可用，请稍后重试".into(),
            current_version: None,
        }
    })?;
    let check = NewVideoCheck {
        participant: kind.as_str().into(),
        participant_name: name.clone(),
        participant_id: masked.clone(),
        service: app.video.name().into(),
        meeting_ref: meeting.reference.clone(),
        link: meeting.link.clone(),
        started_by: actor.user.id.0,
        started_at: app.now.ms(),
    };
    let payload = serde_json::json!({"participant": kind.as_str(), "name": name,
        "id_number": masked, "service": check.service, "reference": meeting.reference,
        "link": meeting.link});
    let mut event = crate::cases::event(app, actor, "video_check", payload);
    event.at = check.started_at;
    let (case, r) = app
        .store
        .start_video_check(&c.case_no, version, &check, &event)
        .await
        .map_err(|e| write_conflict(e, &c))?;
    let full = full_view(actor, &case);
    Ok(VideoWritten {
        check: VideoCheckView::of(&case.case_no, r, full),
        case,
    })
}

/// What a video recording is, by its content: MP4 (an `ftyp` box first)
/// or WebM (an EBML header whose doctype is `webm`).
pub fn sniff_video(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some("video/mp4");
    }
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        let head = &bytes[..bytes.len().min(64)];
        if head.windows(4).any(|w| w == b"webm") {
            return Some("video/webm");
        }
    }
    None
}

/// Checks an uploaded recording: its type by content and its size.
fn check_recording(b: &[u8]) -> Result<&'static str, FieldError> {
    if b.len() > MAX_RECORDING {
        return Err(FieldError::new(
            "recording",
            "upload.too_large",
            "录像文件不超过10MB；更长的录像请填写视频服务中的录像编号",
        ));
    }
    sniff_video(b).ok_or_else(|| {
        FieldError::new(
            "recording",
            "upload.type",
            "录像只接受 MP4 或 WebM 视频文件（按文件内容判断）",
        )
    })
}

/// Records the outcome of a started video check, with its recording
/// (uploaded, or its reference in the video service), on the case's
/// timeline. A check is concluded once. Access: `Action::RecordVideoCheck`.
pub async fn record_video_result(
    app: &App,
    actor: &Actor,
    case_no: &str,
    check_id: i64,
    cmd: RecordVideoResult,
) -> AppResult<VideoWritten> {
    let c = visible_case(app, actor, case_no).await?;
    actor.authorize(Action::RecordVideoCheck(scope_of(&c)), &Trust::NONE)?;
    open_for_checks(&c)?;
    let open = match app.store.video_check(c.id, check_id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            return Err(AppError::field(
                "check",
                "video.unknown",
                "本办件没有这次视频核验",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut errs = ValidationErrors::default();
    let checked = errs.take(check_result(cmd.outcome.as_deref(), cmd.reason.as_deref()));
    let recording = cmd.recording.as_deref().filter(|b| !b.is_empty());
    let reference = cmd
        .recording_ref
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mime = recording.and_then(|b| errs.check(check_recording(b)));
    if recording.is_some() && reference.is_some() {
        errs.push(FieldError::new(
            "recording_ref",
            "video.recording_or_ref",
            "请上传录像文件或填写录像编号，不要同时提交",
        ));
    }
    if reference.is_some_and(|r| r.chars().count() > 120) {
        errs.push(FieldError::new(
            "recording_ref",
            "video.recording_ref",
            "录像编号不超过120个字符",
        ));
    }
    let (outcome, reason) = errs
        .into_result(checked)?
        .unwrap_or((VideoOutcome::NotReached, None));
    if open.outcome.is_some() {
        return Err(write_conflict(
            StoreError::Conflict("video_check.concluded".into()),
            &c,
        ));
    }
    let version = cmd.version.unwrap_or(c.version);
    if version != c.version {
        return Err(AppError::stale(Some(c.version)));
    }
    let mut result = VideoResult {
        outcome: outcome.as_str().into(),
        reason,
        recording_blob: None,
        recording_mime: mime.map(Into::into),
        recording_size: recording.map(|b| b.len() as i64),
        recording_ref: reference.map(Into::into),
        concluded_by: actor.user.id.0,
        concluded_at: app.now.ms(),
    };
    if let Some(b) = recording {
        // Stored before the record that points at it.
        let blob = app.blobs.put(b).await;
        result.recording_blob = Some(blob.map_err(|e| AppError::Internal(e.to_string()))?);
    }
    let payload = serde_json::json!({"check": check_id, "reference": open.meeting_ref,
        "participant": open.participant, "name": open.participant_name,
        "outcome": outcome.as_str(), "reason": result.reason,
        "recording": result.recording_blob, "recording_ref": result.recording_ref});
    let mut event = crate::cases::event(app, actor, "video_result", payload);
    event.at = result.concluded_at;
    let (case, r) = app
        .store
        .conclude_video_check(&c.case_no, version, check_id, &result, &event)
        .await
        .map_err(|e| write_conflict(e, &c))?;
    let full = full_view(actor, &case);
    Ok(VideoWritten {
        check: VideoCheckView::of(&case.case_no, r, full),
        case,
    })
}

/// A page of a case's video checks, oldest first, from `cursor` (a page's
/// `next`). Access: whoever sees the case; the recording's link only to
/// those who see its personal data in full.
pub async fn video_checks(
    app: &App,
    actor: &Actor,
    case_no: &str,
    cursor: Option<&str>,
) -> AppResult<VideoCheckPage> {
    let after = match cursor.filter(|s| !s.is_empty()) {
        None => 0,
        Some(s) => match crate::cursor::decode(s)?.as_slice() {
            [id] => crate::cursor::number(id)?,
            _ => return Err(crate::cursor::bad()),
        },
    };
    let c = visible_case(app, actor, case_no).await?;
    let full = full_view(actor, &c);
    let mut rows = app.store.video_checks(c.id, after, PAGE + 1).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let next = more
        .then(|| {
            rows.last()
                .map(|r| crate::cursor::encode(&[&r.id.to_string()]))
        })
        .flatten();
    Ok(VideoCheckPage {
        data: rows
            .into_iter()
            .map(|r| VideoCheckView::of(&c.case_no, r, full))
            .collect(),
        next,
    })
}

/// An uploaded recording and its type, for those who see the case's
/// personal data in full; to anyone else there is none.
pub async fn video_recording(
    app: &App,
    actor: &Actor,
    case_no: &str,
    check_id: i64,
) -> AppResult<(Vec<u8>, String)> {
    let c = visible_case(app, actor, case_no).await?;
    let none = || AppError::NoCase {
        case_no: case_no.to_owned(),
    };
    if !full_view(actor, &c) {
        return Err(none());
    }
    let r = match app.store.video_check(c.id, check_id).await {
        Err(StoreError::NotFound) => return Err(none()),
        other => other?,
    };
    let (Some(blob), Some(mime)) = (r.recording_blob, r.recording_mime) else {
        return Err(none());
    };
    let bytes = app.blobs.get(&blob).await;
    Ok((bytes.map_err(|e| AppError::Internal(e.to_string()))?, mime))
}

/// What the case has that may satisfy the identity check: the latest
/// concluded video check, and the identity documents whose latest receipt
/// the window certified as seen in the original.
pub async fn identity_evidence(app: &App, c: &CaseRecord) -> AppResult<IdentityEvidence> {
    let latest_video = app
        .store
        .latest_video_verdict(c.id)
        .await?
        .as_deref()
        .and_then(VideoOutcome::parse);
    let receipts = app.store.material_receipts(c.id).await?;
    let mut latest: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    for r in &receipts {
        latest.insert(r.material_key.as_str(), r.original_verified);
    }
    let originals_seen = latest
        .into_iter()
        .filter(|&(_, seen)| seen)
        .map(|(k, _)| k.to_owned())
        .collect();
    Ok(IdentityEvidence {
        latest_video,
        originals_seen,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_are_sniffed_by_content() {
        let mut mp4 = vec![0, 0, 0, 0x18];
        mp4.extend_from_slice(b"ftypisom\0\0\x02\0");
        assert_eq!(sniff_video(&mp4), Some("video/mp4"));
        let mut webm = vec![
            0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84,
        ];
        webm.extend_from_slice(b"webm");
        assert_eq!(sniff_video(&webm), Some("video/webm"));
        let mut mkv = webm.clone();
        mkv.truncate(12);
        mkv.extend_from_slice(b"matroska");
        assert_eq!(sniff_video(&mkv), None, "only WebM of the Matroska family");
        assert_eq!(sniff_video(b"%PDF-1.7 ftyp"), None);
        assert_eq!(sniff_video(b""), None);
        let e = check_recording(b"%PDF-1.7").unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("recording", "upload.type"));
        let big = [mp4.clone(), vec![0; MAX_RECORDING]].concat();
        assert_eq!(check_recording(&big).unwrap_err().code, "upload.too_large");
    }

    #[tokio::test]
    async fn the_demo_service_gives_each_attempt_its_own_link() {
        let req = |attempt| MeetingRequest {
            case_no: "TB2026120100000001".into(),
            attempt,
            participants: vec![],
        };
        let a = DemoVideo.start_meeting(&req(3)).await.unwrap();
        assert_eq!(a, DemoVideo.start_meeting(&req(3)).await.unwrap());
        assert_ne!(a, DemoVideo.start_meeting(&req(4)).await.unwrap());
        assert_eq!(
            a.link,
            format!("https://video.example.invalid/m/{}", a.reference)
        );
        assert_eq!(a.reference.len(), 16);
    }
}
