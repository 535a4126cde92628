//! What a case's change adds to the counts kept for its department and its
//! receiving hall: the day's flows (opened, received, decided …, what the
//! KPI pages sum over days) and the stock of cases per status (what the
//! workbenches show). The store keeps them in the transaction of the change,
//! so no page counts cases by scanning them.

use super::{Action, Status};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::Date;

/// A flow counted per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Flow {
    /// 新建: a case opened (at a window, online or by a helper).
    Opened,
    /// 受理: the clock started.
    Received,
    /// 不予受理.
    NotAccepted,
    /// 作出决定.
    Decided,
    /// 准予 (a decision that approves).
    Approved,
    /// 超期办结: decided after its due date.
    Late,
    /// 办结.
    Completed,
}

impl Flow {
    /// Every flow.
    pub const ALL: &'static [Self] = Self::VARIANTS;
    /// Identifier (stored).
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
            Self::Opened => "新建",
            Self::Received => "受理",
            Self::NotAccepted => "不予受理",
            Self::Decided => "作出决定",
            Self::Approved => "准予",
            Self::Late => "超期办结",
            Self::Completed => "办结",
        }
    }
}

/// One change to a kept count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// One more of a flow on a day.
    Flow {
        /// The day (Asia/Shanghai) it happened.
        day: Date,
        /// What happened.
        flow: Flow,
    },
    /// A case entered (`+1`) or left (`-1`) a status.
    Stock {
        /// The status.
        status: Status,
        /// `+1` or `-1`.
        delta: i64,
    },
}

/// What opening a case in `status` counts.
pub fn on_open(status: Status, today: Date) -> Vec<Tally> {
    vec![
        Tally::Flow {
            day: today,
            flow: Flow::Opened,
        },
        Tally::Stock { status, delta: 1 },
    ]
}

/// What a step from `from` to `to` counts: `started` when the clock starts
/// with it, `approved` the decision's answer, `late` when it decides after
/// the due date.
pub fn on_step(
    from: Status,
    to: Status,
    step: Action,
    started: bool,
    approved: Option<bool>,
    late: bool,
    today: Date,
) -> Vec<Tally> {
    let mut flows = Vec::new();
    if started {
        flows.push(Flow::Received);
    }
    match step {
        Action::NotAccept => flows.push(Flow::NotAccepted),
        Action::Decide => {
            flows.push(Flow::Decided);
            if approved == Some(true) {
                flows.push(Flow::Approved);
            }
            if late {
                flows.push(Flow::Late);
            }
        }
        _ => {}
    }
    if to == Status::Completed && from != Status::Completed {
        flows.push(Flow::Completed);
    }
    let mut out: Vec<Tally> = flows
        .into_iter()
        .map(|flow| Tally::Flow { day: today, flow })
        .collect();
    if from != to {
        out.push(Tally::Stock {
            status: from,
            delta: -1,
        });
        out.push(Tally::Stock {
            status: to,
            delta: 1,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DAY: Date = date!(2026 - 12 - 07);

    fn flows(t: &[Tally]) -> Vec<Flow> {
        t.iter()
            .filter_map(|t| match t {
                Tally::Flow { flow, .. } => Some(*flow),
                Tally::Stock { .. } => None,
            })
            .collect()
    }

    #[test]
    fn opening_counts_one_opened_and_one_in_its_status() {
        let t = on_open(Status::Draft, DAY);
        assert_eq!(flows(&t), [Flow::Opened]);
        assert!(t.contains(&Tally::Stock {
            status: Status::Draft,
            delta: 1
        }));
    }

    #[test]
    fn a_step_moves_the_stock_and_counts_its_flows() {
        let t = on_step(
            Status::Submitted,
            Status::Accepted,
            Action::Accept,
            true,
            None,
            false,
            DAY,
        );
        assert_eq!(flows(&t), [Flow::Received]);
        assert!(t.contains(&Tally::Stock {
            status: Status::Submitted,
            delta: -1
        }));
        assert!(t.contains(&Tally::Stock {
            status: Status::Accepted,
            delta: 1
        }));
        let late = on_step(
            Status::Accepted,
            Status::Approved,
            Action::Decide,
            false,
            Some(true),
            true,
            DAY,
        );
        assert_eq!(flows(&late), [Flow::Decided, Flow::Approved, Flow::Late]);
        let denied = on_step(
            Status::Accepted,
            Status::Denied,
            Action::Decide,
            false,
            Some(false),
            false,
            DAY,
        );
        assert_eq!(flows(&denied), [Flow::Decided]);
        let done = on_step(
            Status::Delivering,
            Status::Completed,
            Action::Complete,
            false,
            None,
            false,
            DAY,
        );
        assert_eq!(flows(&done), [Flow::Completed]);
        let refused = on_step(
            Status::Submitted,
            Status::NotAccepted,
            Action::NotAccept,
            false,
            None,
            false,
            DAY,
        );
        assert_eq!(flows(&refused), [Flow::NotAccepted]);
    }

    #[test]
    fn a_step_that_keeps_the_status_moves_no_stock() {
        let t = on_step(
            Status::Accepted,
            Status::Accepted,
            Action::Resume,
            false,
            None,
            false,
            DAY,
        );
        assert!(t.is_empty());
    }
}
