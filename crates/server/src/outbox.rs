//! The outbox worker: messages written in the same transaction as the change
//! that causes them (see `tongban_store::outbox`) are sent from here, with
//! retries and back-off. Nothing is sent from a detached task after a
//! commit, so a crash loses no message; each carries its outbox id as the
//! gateway's idempotency key, so a retry after a crash never sends twice.
//! Several processes may run workers on one database: a message is leased
//! to one at a time.

use crate::AppState;
use std::time::Duration;
use tongban_store::StoreError;
use tongban_store::outbox::Attempt;

/// How long a claimed message is reserved for the worker that claimed it.
pub const LEASE_MS: i64 = 60_000;
/// Attempts before a message is given up (an admin may resend it).
pub const MAX_ATTEMPTS: i32 = 8;
/// Messages claimed per pass.
const BATCH: i64 = 50;
/// Audit events sealed into the chain per pass.
const SEAL_BATCH: i64 = 1000;
/// A worker looks for due messages at least this often (retries, and
/// messages written by other processes).
const POLL: Duration = Duration::from_secs(2);
/// After a wake-up, the worker waits this long for more messages to gather.
const GATHER: Duration = Duration::from_millis(200);

pub use tongban_app::Wakeup;

/// The wait before the next attempt after `attempts` failed ones: 10 s,
/// doubling, at most an hour.
pub fn backoff_ms(attempts: i32) -> i64 {
    (10_000_i64 << attempts.clamp(0, 12)).min(3_600_000)
}

/// The gateway's idempotency key of an outbox message.
pub fn message_key(id: i64) -> String {
    format!("tb-outbox-{id}")
}

/// One pass: claims the messages due now, sends each and records how it
/// went. Returns how many were handled.
pub async fn deliver_due(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now.ms();
    let due = state.store.claim_outbox(now, now + LEASE_MS, BATCH).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut outcomes = Vec::with_capacity(due.len());
    for m in &due {
        let sent = state
            .sender
            .send(&message_key(m.id), &m.recipient, &m.body)
            .await;
        let outcome = match sent {
            Ok(()) => Attempt::Sent,
            Err(e) if m.attempts + 1 >= MAX_ATTEMPTS => Attempt::GiveUp(e.to_string()),
            Err(e) => Attempt::RetryAt(state.now.ms() + backoff_ms(m.attempts), e.to_string()),
        };
        if let Attempt::GiveUp(e) | Attempt::RetryAt(_, e) = &outcome {
            tracing::warn!(message = m.id, attempts = m.attempts + 1, error = %e, "outbox message not sent");
        }
        outcomes.push((m.id, outcome));
    }
    state
        .store
        .record_attempts(state.now.ms(), &outcomes)
        .await?;
    Ok(due.len())
}

/// Runs the worker for as long as the process: a pass shortly after a
/// wake-up (so that a busy moment's messages go in one pass, with two
/// write transactions for all of them) and at least every two seconds.
/// Between passes it takes the batches of an unfinished recomputation of
/// due dates (after a change of the calendar), one at a time, and seals the
/// audit events written since into the hash chain (the one sealer of the
/// process; several processes take turns on the chain's head row).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let recomputing = match tongban_app::cases::clock::refresh_step(&state.app()).await {
                Ok(Some(job)) if job.finished_at.is_none() => {
                    tracing::debug!(year = job.year, done = job.done, "due dates recomputing");
                    true
                }
                Ok(Some(job)) => {
                    tracing::info!(year = job.year, done = job.done, "due dates recomputed");
                    false
                }
                Ok(None) => false,
                Err(e) => {
                    tracing::error!(%e, "due-date recomputation failed");
                    false
                }
            };
            // Audit events written since the last pass join the hash chain.
            let sealing = match state.store.seal_audit(SEAL_BATCH).await {
                Ok(n) => n as i64 == SEAL_BATCH,
                Err(e) => {
                    tracing::error!(%e, "audit sealing failed");
                    false
                }
            };
            // Arrivals nobody took up in time are told to their departments' admins.
            if let Err(e) = tongban_app::cases::arrivals::escalate_due(&state.app()).await {
                tracing::error!(%e, "arrival escalation failed");
            }
            match deliver_due(&state).await {
                // A full batch, or more work waiting: there may be more.
                Ok(n) if n as i64 == BATCH || recomputing || sealing => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(%e, "outbox pass failed"),
            }
            if tokio::time::timeout(POLL, state.outbox.woken())
                .await
                .is_ok()
            {
                tokio::time::sleep(GATHER).await;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(super::backoff_ms(0), 10_000);
        assert_eq!(super::backoff_ms(1), 20_000);
        assert_eq!(super::backoff_ms(20), 3_600_000);
    }
}
