//! The due date kept with every case whose clock runs, so that inboxes order
//! by it in the query: written with each step, given at start to cases from
//! before it was kept, and recomputed in the background, batch by batch,
//! whenever the calendar changes ([`refresh_step`]).

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

/// The due dates of stored cases as they stand, on the calendar as it is now.
fn due_dates(
    lookups: &Lookups,
    cases: &[CaseRecord],
) -> Vec<(tongban_domain::CaseId, Option<Date>)> {
    cases
        .iter()
        .map(|c| (c.id, due_on(lookups, c, c.status, c.accepted_on, &c.pauses)))
        .collect()
}

/// Stores the due date of every case whose clock may run and that has none
/// yet (cases from before due dates were kept), in batches. Returns how
/// many were written.
pub async fn store_missing_due_dates(app: &App) -> AppResult<usize> {
    let lookups = Lookups::load(app).await?;
    let (mut after, mut written) = (0, 0);
    loop {
        let batch = app.store.clocked_cases(after, &RUNNING, true, 500).await?;
        let Some(last) = batch.last() else {
            return Ok(written);
        };
        after = last.id.0;
        let dates = due_dates(&lookups, &batch);
        app.store.set_due_dates(&dates).await?;
        written += dates.len();
    }
}

/// Cases a recomputation does per batch (one write transaction).
pub const REFRESH_BATCH: i64 = 500;

/// One batch of the latest recomputation of due dates after a change of
/// the calendar, if it is unfinished: the next running cases in id order
/// (on the small `cases_running` index) get their due dates on the
/// calendar as it is now, and the job records how far it got. Returns the
/// job as it stands after the batch (`None`: there is nothing to do). The
/// server's worker calls it until the job is finished.
pub async fn refresh_step(app: &App) -> AppResult<Option<tongban_store::DueRefresh>> {
    let Some(mut job) = app.store.due_refresh().await? else {
        return Ok(None);
    };
    if job.finished_at.is_some() {
        return Ok(None);
    }
    let lookups = Lookups::load(app).await?;
    let batch = app
        .store
        .clocked_cases(job.after_id, &RUNNING, false, REFRESH_BATCH)
        .await?;
    let dates = due_dates(&lookups, &batch);
    let after = batch.last().map_or(job.after_id, |c| c.id.0);
    let finished = (batch.len() < REFRESH_BATCH as usize).then(|| app.now.ms());
    if !app
        .store
        .advance_due_refresh(job.id, &dates, after, finished)
        .await?
    {
        // Superseded meanwhile: the newer job starts over.
        return Ok(app.store.due_refresh().await?);
    }
    job.after_id = after;
    job.done += dates.len() as i64;
    job.finished_at = finished;
    Ok(Some(job))
}
