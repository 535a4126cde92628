//! What a use case answers when it does not do what was asked: one typed
//! enum, mapped to HTTP (or an error page, or a CLI message) by the adapter
//! in one place. No adapter reads an error's code string to decide.

use tongban_domain::authz::{Action, Denial};
use tongban_domain::i18n::Text;
use tongban_domain::{FieldError, ValidationErrors};
use tongban_store::StoreError;

/// Why a use case refused or failed.
#[derive(Debug)]
pub enum AppError {
    /// No such case: answered exactly like one the actor may not see; the
    /// probe is recorded.
    NoCase {
        /// The case number asked for.
        case_no: String,
    },
    /// The one authorisation rule refused (a case the actor may not see is
    /// `Denial::NotVisible`, answered as [`AppError::NoCase`] is).
    Denied {
        /// Why.
        denial: Denial,
        /// What was refused: a case number, `hall:3`, …
        subject: String,
        /// The action, as recorded: `case_step:accept`, `read_case`, …
        action: String,
        /// The department whose case it was (or would have been): the one
        /// whose right is lacking when a window is refused.
        department: Option<tongban_domain::DepartmentId>,
    },
    /// The state moved under the caller: a stale version, or a step the
    /// state machine does not allow now.
    Conflict {
        /// Machine code (`case.stale_version`, `case.invalid_transition`).
        code: &'static str,
        /// zh-CN message.
        message: Text,
        /// The current version, when the caller's was stale.
        current_version: Option<i64>,
    },
    /// Something that may exist once exists already (an account for this
    /// mobile or this ID number): the conflict, naming the field.
    Taken {
        /// Machine code (`register.exists`, …).
        code: &'static str,
        /// zh-CN message.
        message: Text,
        /// The field that names what exists.
        field: &'static str,
        /// zh-CN message for that field.
        field_message: Text,
    },
    /// Too many tries (wrong codes, codes asked for): wait before the next.
    Throttled {
        /// Machine code (`code.throttled`, …).
        code: &'static str,
        /// zh-CN message.
        message: Text,
        /// Seconds to wait.
        retry_after: u64,
    },
    /// Bad input: every bad field named, each with a code and a message.
    Invalid(ValidationErrors),
    /// A step that does not exist.
    NoSuchStep(String),
    /// The database refused or failed.
    Store(StoreError),
    /// A fault of ours (e.g. a dead end in an item's guide map); the detail
    /// is logged, never shown.
    Internal(String),
}

/// A use case's result.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A refusal of `action`, naming what it was about.
    pub fn denied(action: &Action<'_>, denial: Denial) -> Self {
        let department = match action {
            Action::CaseStep { case, .. } => Some(case.department),
            _ => None,
        };
        let (subject, action) = describe(action);
        tracing::warn!(%subject, %action, ?denial, "denied");
        AppError::Denied {
            denial,
            subject,
            action,
            department,
        }
    }

    /// Whether the person can put it right where they are: a bad field, or
    /// a right their hall lacks (which the form explains).
    pub fn correctable(&self) -> bool {
        matches!(
            self,
            AppError::Invalid(_)
                | AppError::Denied {
                    denial: Denial::Lacks { .. },
                    ..
                }
        )
    }

    /// One bad field.
    pub fn field(field: impl Into<String>, code: &'static str, msg: impl Into<Text>) -> Self {
        FieldError::new(field, code, msg).into()
    }

    /// A stale version.
    pub fn stale(current_version: Option<i64>) -> Self {
        AppError::Conflict {
            code: "case.stale_version",
            message: "办件已被他人更新，请刷新后重试".into(),
            current_version,
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(ValidationErrors(vec![e]))
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Store(e)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::NoCase { case_no } => write!(f, "no case {case_no}"),
            AppError::Denied {
                denial,
                subject,
                action,
                ..
            } => write!(f, "{action} on {subject} denied: {}", denial.message()),
            AppError::Conflict { message, .. } | AppError::Taken { message, .. } => {
                f.write_str(message)
            }
            AppError::Throttled { message, .. } => f.write_str(message),
            AppError::Invalid(e) => {
                let msgs: Vec<&str> = e.0.iter().map(|x| x.message.as_str()).collect();
                f.write_str(&msgs.join("；"))
            }
            AppError::NoSuchStep(s) => write!(f, "没有名为“{s}”的办件操作"),
            AppError::Store(e) => write!(f, "{e}"),
            AppError::Internal(d) => f.write_str(d),
        }
    }
}

impl std::error::Error for AppError {}

/// What a refused action was about: (subject, action name), as the audit
/// log records it.
pub fn describe(action: &Action<'_>) -> (String, String) {
    match action {
        Action::CaseStep { case, step, .. } => {
            (case.case_no.into(), format!("case_step:{}", step.as_str()))
        }
        Action::ReadCase(c) => (c.case_no.into(), "read_case".into()),
        Action::ReadCaseFull(c) => (c.case_no.into(), "read_case_full".into()),
        Action::ReceiveMaterial(c) => (c.case_no.into(), "receive_material".into()),
        Action::RateCase(c) => (c.case_no.into(), "rate_case".into()),
        Action::VerifyOriginal(c) => (c.case_no.into(), "verify_original".into()),
        Action::RecordVideoCheck(c) => (c.case_no.into(), "record_video_check".into()),
        Action::CreateCase { online, hall, .. } => (
            hall.map(|h| format!("hall:{h}")).unwrap_or_default(),
            if *online {
                "create_case:online"
            } else {
                "create_case:window"
            }
            .into(),
        ),
        Action::ManageGrants { grantor } => {
            (format!("department:{grantor}"), "manage_grants".into())
        }
        Action::ManageUsers { hall, department } => (
            hall.map(|h| format!("hall:{h}"))
                .or(department.map(|d| format!("department:{d}")))
                .unwrap_or_default(),
            "manage_users".into(),
        ),
        other => (String::new(), format!("{other:?}").to_lowercase()),
    }
}
