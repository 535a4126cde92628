//! Every mode × every status × every action: allowed exactly as the table
//! below says, refused with a typed reason otherwise.

use super::*;
use ClockEffect as C;
use Side::{Applicant as Ap, Department as Dp, Window as Wi};
use Status as S;

type Row = (Mode, Status, Action, Status, &'static [Side], ClockEffect);

fn table() -> Vec<Row> {
    use Action::*;
    let mut t: Vec<Row> = vec![
        // 全程网办
        (Mode::Online, S::Draft, Submit, S::Submitted, &[Ap], C::None),
        (
            Mode::Online,
            S::Submitted,
            Accept,
            S::Accepted,
            &[Dp],
            C::Start,
        ),
        (
            Mode::Online,
            S::Submitted,
            NotAccept,
            S::NotAccepted,
            &[Dp],
            C::Stop,
        ),
        (
            Mode::Online,
            S::Submitted,
            RequestSupplement,
            S::SupplementRequested,
            &[Dp],
            C::None,
        ),
        (
            Mode::Online,
            S::Accepted,
            RequestSupplement,
            S::SupplementRequested,
            &[Dp],
            C::Pause,
        ),
        (
            Mode::Online,
            S::SupplementRequested,
            SupplementProvided,
            S::Accepted,
            &[Ap],
            C::Resume,
        ),
        // 受审分离
        (
            Mode::AcceptRemote,
            S::Draft,
            Submit,
            S::Submitted,
            &[Wi],
            C::None,
        ),
        (
            Mode::AcceptRemote,
            S::Submitted,
            Accept,
            S::Accepted,
            &[Wi],
            C::Start,
        ),
        (
            Mode::AcceptRemote,
            S::Submitted,
            NotAccept,
            S::NotAccepted,
            &[Wi],
            C::Stop,
        ),
        (
            Mode::AcceptRemote,
            S::Submitted,
            RequestSupplement,
            S::SupplementRequested,
            &[Wi],
            C::None,
        ),
        (
            Mode::AcceptRemote,
            S::Accepted,
            RequestSupplement,
            S::SupplementRequested,
            &[Dp],
            C::Pause,
        ),
        (
            Mode::AcceptRemote,
            S::SupplementRequested,
            SupplementProvided,
            S::Accepted,
            &[Wi, Ap],
            C::Resume,
        ),
        // 收受分离
        (
            Mode::CollectRemote,
            S::Draft,
            Submit,
            S::PreReview,
            &[Wi],
            C::None,
        ),
        (
            Mode::CollectRemote,
            S::PreReviewFailed,
            Submit,
            S::PreReview,
            &[Wi],
            C::None,
        ),
        (
            Mode::CollectRemote,
            S::PreReview,
            PreReviewPass,
            S::PreReviewPassed,
            &[Dp],
            C::None,
        ),
        (
            Mode::CollectRemote,
            S::PreReview,
            PreReviewFail,
            S::PreReviewFailed,
            &[Dp],
            C::None,
        ),
        (
            Mode::CollectRemote,
            S::PreReviewPassed,
            Accept,
            S::Accepted,
            &[Dp],
            C::Start,
        ),
        (
            Mode::CollectRemote,
            S::PreReview,
            NotAccept,
            S::NotAccepted,
            &[Dp],
            C::Stop,
        ),
        (
            Mode::CollectRemote,
            S::PreReviewPassed,
            NotAccept,
            S::NotAccepted,
            &[Dp],
            C::Stop,
        ),
        (
            Mode::CollectRemote,
            S::PreReviewPassed,
            RequestSupplement,
            S::SupplementRequested,
            &[Dp],
            C::None,
        ),
        (
            Mode::CollectRemote,
            S::Accepted,
            RequestSupplement,
            S::SupplementRequested,
            &[Dp],
            C::Pause,
        ),
        (
            Mode::CollectRemote,
            S::SupplementRequested,
            SupplementProvided,
            S::Accepted,
            &[Wi],
            C::Resume,
        ),
    ];
    let withdrawable: &[(Mode, &[Status], &'static [Side])] = &[
        (
            Mode::Online,
            &[
                S::Draft,
                S::Submitted,
                S::SupplementRequested,
                S::Accepted,
                S::Suspended,
            ],
            &[Ap],
        ),
        (
            Mode::AcceptRemote,
            &[
                S::Draft,
                S::Submitted,
                S::SupplementRequested,
                S::Accepted,
                S::Suspended,
            ],
            &[Wi],
        ),
        (
            Mode::CollectRemote,
            &[
                S::Draft,
                S::PreReview,
                S::PreReviewFailed,
                S::PreReviewPassed,
                S::SupplementRequested,
                S::Accepted,
                S::Suspended,
            ],
            &[Wi],
        ),
    ];
    for (m, statuses, by) in withdrawable {
        for s in *statuses {
            t.push((*m, *s, Withdraw, S::Withdrawn, by, C::Stop));
        }
    }
    for m in [Mode::Online, Mode::AcceptRemote, Mode::CollectRemote] {
        t.push((m, S::Accepted, Suspend, S::Suspended, &[Dp], C::Pause));
        t.push((m, S::Suspended, Resume, S::Accepted, &[Dp], C::Resume));
        t.push((m, S::Accepted, Decide, S::Approved, &[Dp], C::Stop)); // approved = true
        t.push((m, S::Approved, Deliver, S::Delivering, &[Dp], C::None));
        t.push((m, S::Denied, Deliver, S::Delivering, &[Dp], C::None));
        t.push((m, S::Delivering, Complete, S::Completed, &[Dp, Wi], C::None));
    }
    t
}

#[test]
fn every_status_and_action_in_every_mode() {
    let table = table();
    let mut allowed = 0;
    let mut refused = 0;
    for &mode in Mode::ALL {
        for &status in Status::ALL {
            for &action in Action::ALL {
                // Supplement and suspension return to where the case was accepted.
                let resume_to = Some(S::Accepted);
                let got = transition(mode, status, action, Some(true), resume_to);
                let want = table
                    .iter()
                    .find(|r| r.0 == mode && r.1 == status && r.2 == action);
                match (want, got) {
                    (Some(w), Ok(t)) => {
                        assert_eq!(
                            (t.to, t.by.as_slice(), t.clock),
                            (w.3, w.4, w.5),
                            "{mode:?} {status:?} {action:?}"
                        );
                        allowed += 1;
                    }
                    (None, Err(r)) => {
                        match r {
                            Refusal::Terminal { status: s } => {
                                assert!(s.is_terminal() && s == status)
                            }
                            Refusal::NotInMode { mode: m } => {
                                assert_eq!(m, mode);
                                assert!(
                                    mode == Mode::Bundle
                                        || matches!(
                                            action,
                                            Action::PreReviewPass | Action::PreReviewFail
                                        )
                                );
                            }
                            Refusal::NotNow { status: s } => assert_eq!(s, status),
                            Refusal::MissingDecision => panic!("approved was given"),
                        }
                        assert!(!r.message(action).is_empty());
                        refused += 1;
                    }
                    (Some(_), Err(r)) => {
                        panic!("{mode:?} {status:?} {action:?} should be allowed, got {r:?}")
                    }
                    (None, Ok(t)) => {
                        panic!("{mode:?} {status:?} {action:?} should be refused, got {t:?}")
                    }
                }
            }
        }
    }
    assert_eq!(allowed, table.len());
    assert_eq!(allowed + refused, 4 * 14 * 13);
}

#[test]
fn terminal_statuses_refuse_everything() {
    for &mode in Mode::ALL {
        for status in [S::Completed, S::NotAccepted, S::Withdrawn] {
            for &action in Action::ALL {
                assert_eq!(
                    transition(mode, status, action, Some(true), None),
                    Err(Refusal::Terminal { status })
                );
            }
        }
    }
}

#[test]
fn decisions_and_returns() {
    let deny = transition(
        Mode::AcceptRemote,
        S::Accepted,
        Action::Decide,
        Some(false),
        None,
    )
    .unwrap();
    assert_eq!(deny.to, S::Denied);
    assert_eq!(
        transition(Mode::Online, S::Accepted, Action::Decide, None, None),
        Err(Refusal::MissingDecision)
    );
    // A supplement requested before acceptance returns to waiting, clock untouched.
    let t = transition(
        Mode::Online,
        S::SupplementRequested,
        Action::SupplementProvided,
        None,
        Some(S::Submitted),
    )
    .unwrap();
    assert_eq!((t.to, t.clock), (S::Submitted, C::None));
    let t = transition(
        Mode::CollectRemote,
        S::SupplementRequested,
        Action::SupplementProvided,
        None,
        Some(S::PreReviewPassed),
    )
    .unwrap();
    assert_eq!((t.to, t.clock), (S::PreReviewPassed, C::None));
    assert_eq!(
        remember_for_return(S::Accepted, Action::Suspend),
        Some(S::Accepted)
    );
    assert_eq!(remember_for_return(S::Accepted, Action::Decide), None);
    for &s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
    for &a in Action::ALL {
        assert_eq!(Action::parse(a.as_str()), Some(a));
    }
}
