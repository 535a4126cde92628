//! Point-to-point video verification (视频核验): a clerk or reviewer sees
//! the applicant (or the agent) over a third-party video service and records
//! whether the person is who the case says. The rule of which steps need the
//! applicant's identity checked, and what satisfies it, lives here.
//!
//! **The rule (data, not code):** a checklist entry asks for the holder's
//! identity document seen in the original when the catalogue gives it the
//! e-licence type 居民身份证 and a form that includes the original (原件, or
//! 原件及复印件) — what the guide already says as “原件核验”. On a case whose
//! department never sees the applicant — 全程网办 (online) and 收受分离
//! (the window collects, the department accepts remotely) — the department's
//! acceptance (受理) of a case with such an entry needs the identity
//! checked: the latest concluded video check passed, or the window certified
//! the originals of every such entry (原件核验, with the right that takes).

use crate::case::Action as Step;
use crate::catalogue::{MaterialForm, MaterialSpec};
use crate::tongban::Mode;
use serde::{Deserialize, Serialize};

/// The e-licence type that marks a checklist entry as an identity document.
pub const IDENTITY_LICENCE: &str = "居民身份证";

/// How a video check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VideoOutcome {
    /// 核验通过: the person is who the case says.
    Passed,
    /// 核验不通过 (with a reason).
    Failed,
    /// 未接通: the person was not reached.
    NotReached,
}

impl VideoOutcome {
    /// Every outcome.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
    /// Identifier (stored, in JSON and forms).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "核验通过",
            Self::Failed => "核验不通过",
            Self::NotReached => "未接通",
        }
    }
    /// Whether the check reached a verdict on the person (passed or
    /// failed); a call not answered says nothing of who he is.
    pub fn concluded(self) -> bool {
        !matches!(self, Self::NotReached)
    }
}

/// Who is seen on the video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Participant {
    /// The applicant (a person).
    Applicant,
    /// The agent acting for the applicant (委托代理人).
    Agent,
}

impl Participant {
    /// Every participant kind.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Applicant => "申请人",
            Self::Agent => "委托代理人",
        }
    }
}

/// The checklist entries that ask for the holder's identity document seen
/// in the original.
pub fn identity_documents(materials: &[MaterialSpec]) -> Vec<&MaterialSpec> {
    materials
        .iter()
        .filter(|m| {
            m.license.as_deref() == Some(IDENTITY_LICENCE)
                && matches!(
                    m.form,
                    MaterialForm::Original | MaterialForm::OriginalAndCopy
                )
        })
        .collect()
}

/// Whether taking `step` on a case of `mode` with this checklist needs the
/// applicant's identity checked: the department's acceptance of a remote
/// case (全程网办, 收受分离) whose checklist has an identity document to be
/// seen in the original.
pub fn needs_identity_check(mode: Mode, step: Step, materials: &[MaterialSpec]) -> bool {
    matches!(mode, Mode::Online | Mode::CollectRemote)
        && step == Step::Accept
        && !identity_documents(materials).is_empty()
}

/// What a case has that may satisfy the identity check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityEvidence {
    /// The outcome of the latest concluded video check (passed or failed),
    /// if any: a later verdict overrides an earlier one.
    pub latest_video: Option<VideoOutcome>,
    /// The checklist keys whose latest receipt the window certified as
    /// seen in the original (原件核验).
    pub originals_seen: Vec<String>,
}

/// Why a step that needs the identity checked is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityUnverified {
    /// The identity documents not seen in the original.
    pub documents: Vec<String>,
    /// The latest concluded video check failed.
    pub video_failed: bool,
}

impl IdentityUnverified {
    /// Machine code.
    pub const CODE: &'static str = "case.identity_unverified";

    /// zh-CN message naming what is missing.
    pub fn message(&self) -> crate::i18n::Text {
        let docs = crate::i18n::Text::join(
            self.documents
                .iter()
                .map(|d| crate::i18n::Text::raw(format!("“{d}”"))),
            "、",
        );
        let video = if self.video_failed {
            "最近一次视频核验未通过，请重新进行视频核验并记录“核验通过”"
        } else {
            "请先进行视频核验并记录“核验通过”"
        };
        crate::text!(
            "受理前须核验申请人身份：本办件未见{docs}原件，{video}，或由窗口出具原件核验",
            docs = docs,
            video = video
        )
    }
}

/// Whether `step` may be taken as far as the identity check goes: `Ok`
/// when it needs none or the evidence satisfies it, else what is missing.
pub fn check_identity(
    mode: Mode,
    step: Step,
    materials: &[MaterialSpec],
    evidence: &IdentityEvidence,
) -> Result<(), IdentityUnverified> {
    if !needs_identity_check(mode, step, materials) {
        return Ok(());
    }
    if evidence.latest_video == Some(VideoOutcome::Passed) {
        return Ok(());
    }
    let unseen: Vec<String> = identity_documents(materials)
        .into_iter()
        .filter(|m| !evidence.originals_seen.contains(&m.key))
        .map(|m| m.name.clone())
        .collect();
    if unseen.is_empty() {
        return Ok(());
    }
    Err(IdentityUnverified {
        documents: unseen,
        video_failed: evidence.latest_video == Some(VideoOutcome::Failed),
    })
}

/// The longest reason of a failed check, in characters.
pub const MAX_REASON: usize = 200;

/// Checks a result's outcome and reason: a failed check says why (at most
/// [`MAX_REASON`] characters); the reason is kept for any outcome given.
pub fn check_result(
    outcome: Option<&str>,
    reason: Option<&str>,
) -> Result<(VideoOutcome, Option<String>), crate::ValidationErrors> {
    let mut errs = crate::ValidationErrors::default();
    let outcome = match outcome.map(str::trim) {
        None | Some("") => {
            errs.push(crate::FieldError::new(
                "outcome",
                "required",
                "请选择核验结果：核验通过、核验不通过或未接通",
            ));
            None
        }
        Some(s) => {
            let o = VideoOutcome::parse(s);
            if o.is_none() {
                errs.push(crate::FieldError::new(
                    "outcome",
                    "video.outcome",
                    "核验结果应为 passed（核验通过）、failed（核验不通过）或 not_reached（未接通）",
                ));
            }
            o
        }
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if outcome == Some(VideoOutcome::Failed) && reason.is_none() {
        errs.push(crate::FieldError::new(
            "reason",
            "required",
            "核验不通过时请填写原因",
        ));
    }
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        errs.push(crate::FieldError::new(
            "reason",
            "video.reason_length",
            crate::text!("原因不超过{max}字", max = MAX_REASON),
        ));
    }
    let reason = reason.map(str::to_owned);
    errs.into_result(())?;
    Ok((outcome.unwrap_or(VideoOutcome::NotReached), reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(key: &str, form: MaterialForm, license: Option<&str>) -> MaterialSpec {
        MaterialSpec {
            key: key.into(),
            name: format!("{key}名"),
            form,
            copies: 1,
            required: true,
            license: license.map(Into::into),
            review_points: vec![],
        }
    }

    fn id_card() -> MaterialSpec {
        spec("id_card", MaterialForm::Original, Some(IDENTITY_LICENCE))
    }

    #[test]
    fn identity_documents_are_original_id_cards() {
        let list = vec![
            id_card(),
            spec("id_copy", MaterialForm::Copy, Some(IDENTITY_LICENCE)),
            spec(
                "both",
                MaterialForm::OriginalAndCopy,
                Some(IDENTITY_LICENCE),
            ),
            spec("hukou", MaterialForm::Original, Some("户口簿")),
            spec("old_id", MaterialForm::Original, None),
        ];
        let keys: Vec<&str> = identity_documents(&list)
            .iter()
            .map(|m| m.key.as_str())
            .collect();
        assert_eq!(keys, ["id_card", "both"]);
    }

    #[test]
    fn only_remote_acceptance_with_an_identity_document_needs_it() {
        let with = vec![id_card()];
        let without = vec![spec("hukou", MaterialForm::Original, Some("户口簿"))];
        for &mode in Mode::ALL {
            for &step in Step::ALL {
                let expected =
                    matches!(mode, Mode::Online | Mode::CollectRemote) && step == Step::Accept;
                assert_eq!(
                    needs_identity_check(mode, step, &with),
                    expected,
                    "{mode:?} {step:?}"
                );
                assert!(!needs_identity_check(mode, step, &without));
            }
        }
    }

    #[test]
    fn a_passed_check_or_originals_seen_satisfy_it() {
        let list = vec![
            id_card(),
            spec("agent_id", MaterialForm::Original, Some(IDENTITY_LICENCE)),
        ];
        let check = |e: &IdentityEvidence| check_identity(Mode::Online, Step::Accept, &list, e);
        let none = check(&IdentityEvidence::default()).unwrap_err();
        assert_eq!(none.documents, ["id_card名", "agent_id名"]);
        assert!(!none.video_failed);
        assert!(none.message().contains("“id_card名”、“agent_id名”"));
        assert!(none.message().contains("视频核验"));
        let passed = IdentityEvidence {
            latest_video: Some(VideoOutcome::Passed),
            ..Default::default()
        };
        assert_eq!(check(&passed), Ok(()));
        let failed = IdentityEvidence {
            latest_video: Some(VideoOutcome::Failed),
            ..Default::default()
        };
        let e = check(&failed).unwrap_err();
        assert!(e.video_failed);
        assert!(e.message().contains("未通过"), "{}", e.message());
        // Every identity document's original seen at a window does too;
        // one of two does not.
        let one = IdentityEvidence {
            originals_seen: vec!["id_card".into()],
            ..Default::default()
        };
        assert_eq!(check(&one).unwrap_err().documents, ["agent_id名"]);
        let both = IdentityEvidence {
            originals_seen: vec!["id_card".into(), "agent_id".into()],
            latest_video: Some(VideoOutcome::Failed),
        };
        assert_eq!(check(&both), Ok(()));
        // Other steps, and window modes, never ask.
        assert_eq!(
            check_identity(Mode::Online, Step::Decide, &list, &Default::default()),
            Ok(())
        );
        assert_eq!(
            check_identity(Mode::AcceptRemote, Step::Accept, &list, &Default::default()),
            Ok(())
        );
        assert!(
            check_identity(
                Mode::CollectRemote,
                Step::Accept,
                &list,
                &Default::default()
            )
            .is_err()
        );
    }

    #[test]
    fn outcome_strings_and_concluded() {
        for (o, s) in [
            (VideoOutcome::Passed, "passed"),
            (VideoOutcome::Failed, "failed"),
            (VideoOutcome::NotReached, "not_reached"),
        ] {
            assert_eq!(o.as_str(), s);
            assert_eq!(VideoOutcome::parse(s), Some(o));
            assert_eq!(serde_json::to_value(o).unwrap(), s);
        }
        assert!(VideoOutcome::Passed.concluded() && VideoOutcome::Failed.concluded());
        assert!(!VideoOutcome::NotReached.concluded());
        assert_eq!(Participant::parse("agent"), Some(Participant::Agent));
        assert_eq!(Participant::parse("x"), None);
    }

    #[test]
    fn a_result_is_checked() {
        assert_eq!(
            check_result(Some("passed"), None).unwrap(),
            (VideoOutcome::Passed, None)
        );
        let e = check_result(Some("failed"), Some("  ")).unwrap_err();
        assert_eq!((e.0[0].field.as_str(), e.0[0].code), ("reason", "required"));
        assert_eq!(
            check_result(Some("failed"), Some("人像与证件不符")).unwrap(),
            (VideoOutcome::Failed, Some("人像与证件不符".into()))
        );
        assert_eq!(check_result(None, None).unwrap_err().0[0].code, "required");
        assert_eq!(
            check_result(Some("maybe"), None).unwrap_err().0[0].code,
            "video.outcome"
        );
        let long = "长".repeat(MAX_REASON + 1);
        assert_eq!(
            check_result(Some("failed"), Some(&long)).unwrap_err().0[0].code,
            "video.reason_length"
        );
    }
}
