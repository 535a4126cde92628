//! Cases (办件): statuses, actions, and one explicit state machine per mode.
//! Pure: the server asks [`transition`] and the store records the answer.

use crate::tongban::Mode;
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

pub mod tally;

/// How the applicant receives the result (送达方式), chosen when applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum DeliveryMethod {
    /// 电子送达: the electronic result in the online hall.
    Electronic,
    /// 邮寄送达: posted to an address.
    Post,
    /// 窗口领取: picked up at a hall that holds the result-delivery right.
    Pickup,
}

impl DeliveryMethod {
    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Electronic => "电子送达",
            Self::Post => "邮寄送达",
            Self::Pickup => "窗口领取",
        }
    }
}

/// The applicant's choice of how to receive the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// How.
    pub method: DeliveryMethod,
    /// Postal address (post).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The hall where the result is picked up (pickup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hall: Option<crate::HallId>,
}

impl Delivery {
    /// In plain words, e.g. "邮寄送达：莆田市…".
    pub fn describe(&self, hall_name: Option<&str>) -> crate::i18n::Text {
        let method = self.method.label();
        match self.method {
            DeliveryMethod::Electronic => {
                crate::text!("{method}（在网上办事大厅查看、下载结果）", method = method)
            }
            DeliveryMethod::Post => crate::text!(
                "{method}：{address}",
                method = method,
                address = self.address.clone().unwrap_or_default()
            ),
            DeliveryMethod::Pickup => crate::text!(
                "{method}：{hall}",
                method = method,
                hall = hall_name.unwrap_or("").to_string()
            ),
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    /// 草稿: created, not yet submitted.
    Draft,
    /// 已提交: waiting for acceptance (online, 受审分离).
    Submitted,
    /// 预审中: the department pre-reviews the scans (收受分离).
    PreReview,
    /// 预审未通过: back to the window.
    PreReviewFailed,
    /// 预审通过: paper on its way; waiting for the department's acceptance.
    PreReviewPassed,
    /// 待补正: one-time notice issued; the clock does not run.
    SupplementRequested,
    /// 已受理（审查中）: the clock runs.
    Accepted,
    /// 特别程序: hearing, inspection, expert review; the clock does not run.
    Suspended,
    /// 准予.
    Approved,
    /// 不予.
    Denied,
    /// 送达中.
    Delivering,
    /// 办结.
    Completed,
    /// 不予受理.
    NotAccepted,
    /// 已撤回.
    Withdrawn,
}

impl Status {
    /// Every status.
    pub const ALL: &'static [Self] = Self::VARIANTS;
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
            Self::Draft => "草稿",
            Self::Submitted => "已提交",
            Self::PreReview => "预审中",
            Self::PreReviewFailed => "预审未通过",
            Self::PreReviewPassed => "预审通过，待受理",
            Self::SupplementRequested => "待补正",
            Self::Accepted => "已受理，审查中",
            Self::Suspended => "特别程序中",
            Self::Approved => "准予",
            Self::Denied => "不予",
            Self::Delivering => "结果送达中",
            Self::Completed => "已办结",
            Self::NotAccepted => "不予受理",
            Self::Withdrawn => "已撤回",
        }
    }
    /// No action leaves these.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::NotAccepted | Self::Withdrawn)
    }
    /// The clock has stopped for good (decided or ended).
    pub fn clock_stopped(self) -> bool {
        matches!(
            self,
            Self::Approved
                | Self::Denied
                | Self::Delivering
                | Self::Completed
                | Self::NotAccepted
                | Self::Withdrawn
        )
    }
}

/// Something done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// 提交.
    Submit,
    /// 预审通过.
    PreReviewPass,
    /// 预审不通过.
    PreReviewFail,
    /// 受理.
    Accept,
    /// 不予受理.
    NotAccept,
    /// 一次性告知补正.
    RequestSupplement,
    /// 补正材料已提交.
    SupplementProvided,
    /// 中止（特别程序）.
    Suspend,
    /// 恢复.
    Resume,
    /// 作出决定.
    Decide,
    /// 送达结果.
    Deliver,
    /// 办结.
    Complete,
    /// 撤回.
    Withdraw,
}

impl Action {
    /// Every action.
    pub const ALL: &'static [Self] = Self::VARIANTS;
    /// Identifier (as in `/actions/{action}`).
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
            Self::Submit => "提交申请",
            Self::PreReviewPass => "预审通过",
            Self::PreReviewFail => "预审不通过",
            Self::Accept => "受理",
            Self::NotAccept => "不予受理",
            Self::RequestSupplement => "一次性告知补正",
            Self::SupplementProvided => "补正材料",
            Self::Suspend => "启动特别程序",
            Self::Resume => "恢复审查",
            Self::Decide => "作出决定",
            Self::Deliver => "送达结果",
            Self::Complete => "办结",
            Self::Withdraw => "撤回申请",
        }
    }
}

/// Who may take a step: the window of the receiving hall, the owning
/// department, or the applicant themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Staff of the receiving hall.
    Window,
    /// Reviewers of the owning department.
    Department,
    /// The applicant (their own online case).
    Applicant,
}

/// What a step does to the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ClockEffect {
    /// Nothing.
    None,
    /// The clock starts (acceptance).
    Start,
    /// The clock pauses (supplement after acceptance, special procedure).
    Pause,
    /// The clock runs again.
    Resume,
    /// The clock stops for good (decision or end).
    Stop,
}

/// An allowed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The status after it.
    pub to: Status,
    /// Who may take it.
    pub by: Vec<Side>,
    /// Its effect on the clock.
    pub clock: ClockEffect,
}

/// Why a step is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refusal {
    /// The case has ended.
    Terminal {
        /// Its status.
        status: Status,
    },
    /// This mode has no such step at all.
    NotInMode {
        /// The mode.
        mode: Mode,
    },
    /// Not from this status.
    NotNow {
        /// The status.
        status: Status,
    },
    /// `decide` needs `approved`.
    MissingDecision,
}

impl Refusal {
    /// zh-CN message.
    pub fn message(self, action: Action) -> crate::i18n::Text {
        let action = action.label();
        match self {
            Refusal::Terminal { status } => crate::text!(
                "办件已{status}，不能再{action}",
                status = status.label(),
                action = action
            ),
            Refusal::NotInMode { mode } => crate::text!(
                "{mode}模式下没有“{action}”这一步",
                mode = mode.label(),
                action = action
            ),
            Refusal::NotNow { status } => crate::text!(
                "办件当前为“{status}”，不能{action}",
                status = status.label(),
                action = action
            ),
            Refusal::MissingDecision => "作出决定时须说明准予或不予（approved）".into(),
        }
    }
}

/// The state machine: may `action` be taken on a case of `mode` in
/// `status`? `approved` is the decision of a `decide`; `resume_to` is the
/// status a supplement or suspension returns to; `accepted` whether the case
/// was accepted already (a supplement after acceptance pauses the clock).
pub fn transition(
    mode: Mode,
    status: Status,
    action: Action,
    approved: Option<bool>,
    resume_to: Option<Status>,
) -> Result<Transition, Refusal> {
    use Action as A;
    use ClockEffect as C;
    use Side::{Applicant as Ap, Department as Dp, Window as Wi};
    use Status as S;
    if status.is_terminal() {
        return Err(Refusal::Terminal { status });
    }
    let ok = |to, by: &[Side], clock| {
        Ok(Transition {
            to,
            by: by.to_vec(),
            clock,
        })
    };
    match mode {
        Mode::Bundle => Err(Refusal::NotInMode { mode }),
        Mode::Online => match (action, status) {
            (A::PreReviewPass | A::PreReviewFail, _) => Err(Refusal::NotInMode { mode }),
            (A::Submit, S::Draft) => ok(S::Submitted, &[Ap], C::None),
            (A::Accept, S::Submitted) => ok(S::Accepted, &[Dp], C::Start),
            (A::NotAccept, S::Submitted) => ok(S::NotAccepted, &[Dp], C::Stop),
            (A::RequestSupplement, S::Submitted) => ok(S::SupplementRequested, &[Dp], C::None),
            (A::RequestSupplement, S::Accepted) => ok(S::SupplementRequested, &[Dp], C::Pause),
            (A::SupplementProvided, S::SupplementRequested) => back(resume_to, &[Ap]),
            (
                A::Withdraw,
                S::Draft | S::Submitted | S::SupplementRequested | S::Accepted | S::Suspended,
            ) => ok(S::Withdrawn, &[Ap], C::Stop),
            _ => common(status, action, approved, resume_to, &[Dp]),
        },
        Mode::AcceptRemote => match (action, status) {
            (A::PreReviewPass | A::PreReviewFail, _) => Err(Refusal::NotInMode { mode }),
            (A::Submit, S::Draft) => ok(S::Submitted, &[Wi], C::None),
            // The window accepts on the spot, holding the remote-acceptance right.
            (A::Accept, S::Submitted) => ok(S::Accepted, &[Wi], C::Start),
            (A::NotAccept, S::Submitted) => ok(S::NotAccepted, &[Wi], C::Stop),
            (A::RequestSupplement, S::Submitted) => ok(S::SupplementRequested, &[Wi], C::None),
            (A::RequestSupplement, S::Accepted) => ok(S::SupplementRequested, &[Dp], C::Pause),
            (A::SupplementProvided, S::SupplementRequested) => back(resume_to, &[Wi, Ap]),
            (
                A::Withdraw,
                S::Draft | S::Submitted | S::SupplementRequested | S::Accepted | S::Suspended,
            ) => ok(S::Withdrawn, &[Wi], C::Stop),
            _ => common(status, action, approved, resume_to, &[Dp]),
        },
        Mode::CollectRemote => match (action, status) {
            // The window submits as proxy; the department pre-reviews the scans.
            (A::Submit, S::Draft | S::PreReviewFailed) => ok(S::PreReview, &[Wi], C::None),
            (A::PreReviewPass, S::PreReview) => ok(S::PreReviewPassed, &[Dp], C::None),
            (A::PreReviewFail, S::PreReview) => ok(S::PreReviewFailed, &[Dp], C::None),
            // Only the department's acceptance starts the clock.
            (A::Accept, S::PreReviewPassed) => ok(S::Accepted, &[Dp], C::Start),
            (A::NotAccept, S::PreReview | S::PreReviewPassed) => ok(S::NotAccepted, &[Dp], C::Stop),
            (A::RequestSupplement, S::PreReviewPassed) => {
                ok(S::SupplementRequested, &[Dp], C::None)
            }
            (A::RequestSupplement, S::Accepted) => ok(S::SupplementRequested, &[Dp], C::Pause),
            (A::SupplementProvided, S::SupplementRequested) => back(resume_to, &[Wi]),
            (
                A::Withdraw,
                S::Draft
                | S::PreReview
                | S::PreReviewFailed
                | S::PreReviewPassed
                | S::SupplementRequested
                | S::Accepted
                | S::Suspended,
            ) => ok(S::Withdrawn, &[Wi], C::Stop),
            _ => common(status, action, approved, resume_to, &[Dp]),
        },
    }
}

/// Back to where a supplement was requested, the clock resuming if it ran.
fn back(resume_to: Option<Status>, by: &[Side]) -> Result<Transition, Refusal> {
    let to = resume_to.unwrap_or(Status::Submitted);
    let clock = if to == Status::Accepted {
        ClockEffect::Resume
    } else {
        ClockEffect::None
    };
    Ok(Transition {
        to,
        by: by.to_vec(),
        clock,
    })
}

/// The department's part, the same in every mode: suspend, resume, decide,
/// deliver, complete.
fn common(
    status: Status,
    action: Action,
    approved: Option<bool>,
    resume_to: Option<Status>,
    dept: &[Side],
) -> Result<Transition, Refusal> {
    use Action as A;
    use ClockEffect as C;
    use Status as S;
    let ok = |to, clock| {
        Ok(Transition {
            to,
            by: dept.to_vec(),
            clock,
        })
    };
    match (action, status) {
        (A::Suspend, S::Accepted) => ok(S::Suspended, C::Pause),
        (A::Resume, S::Suspended) => ok(resume_to.unwrap_or(S::Accepted), C::Resume),
        (A::Decide, S::Accepted) => match approved {
            Some(true) => ok(S::Approved, C::Stop),
            Some(false) => ok(S::Denied, C::Stop),
            None => Err(Refusal::MissingDecision),
        },
        (A::Deliver, S::Approved | S::Denied) => ok(S::Delivering, C::None),
        // The department completes, or the window of the pickup hall hands
        // the result over (with the result-delivery right).
        (A::Complete, S::Delivering) => Ok(Transition {
            to: S::Completed,
            by: [dept, &[Side::Window]].concat(),
            clock: C::None,
        }),
        _ => Err(Refusal::NotNow { status }),
    }
}

/// The status a supplement or suspension returns to, given the status it
/// leaves.
pub fn remember_for_return(from: Status, action: Action) -> Option<Status> {
    match action {
        Action::RequestSupplement | Action::Suspend => Some(from),
        _ => None,
    }
}

#[cfg(test)]
#[path = "case/tests.rs"]
mod tests;
