//! The due date kept with every case whose clock runs, so that inboxes order
//! by it in the query: written with each step, and refreshed for existing
//! cases at start and whenever the calendar changes.

use crate::{App, AppResult, Lookups};
use time::Date;
use tongban_domain::calendar::{Pause, reckon};
use tongban_domain::case::Status;
use tongban_store::CaseRecord;

/// The statuses in which an accepted case's clock may run.
const RUNNING: [Status; 3] = [
    Status::Accepted,
    Status::SupplementRequested,
    Status::Suspended,
];

/// A case's due date after a change: set while the clock runs (accepted,
/// undecided, not paused); `None` otherwise.
pub fn due_on(
    lookups: &Lookups,
    c: &CaseRecord,
    status: Status,
    accepted_on: Option<Date>,
    pauses: &[Pause],
) -> Option<Date> {
    let accepted = accepted_on?;
    if status.clock_stopped() || pauses.iter().any(|p| p.to.is_none()) {
        return None;
    }
    let days = if c.instant { 0 } else { c.promised_days };
    let cal = &lookups.data().cal;
    Some(reckon(cal, accepted, days, pauses, lookups.today(), None).deadline)
}

/// Stores the due date of every case whose clock may run (`missing_only`:
/// of those without one yet — cases from before due dates were kept), in
/// batches. Returns how many were written.
pub async fn refresh_due_dates(app: &App, missing_only: bool) -> AppResult<usize> {
    let lookups = Lookups::load(app).await?;
    let (mut after, mut written) = (0, 0);
    loop {
        let batch = app
            .store
            .clocked_cases(after, &RUNNING, missing_only, 500)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(written);
        };
        after = last.id.0;
        let dates: Vec<(tongban_domain::CaseId, Option<Date>)> = batch
            .iter()
            .map(|c| {
                (
                    c.id,
                    due_on(&lookups, c, c.status, c.accepted_on, &c.pauses),
                )
            })
            .collect();
        app.store.set_due_dates(&dates).await?;
        written += dates.len();
    }
}
