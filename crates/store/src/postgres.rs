//! The PostgreSQL backend: for production and for several app instances.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// A write transaction on PostgreSQL.
type PgTx = sqlx::Transaction<'static, sqlx::Postgres>;

/// An audit event waiting for the audit writer, and where its id goes.
type AuditJob = (crate::AuditEntry, tokio::sync::oneshot::Sender<Result<i64>>);

/// A PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: sqlx::PgPool,
    /// The audit writer's queue: events written on their own (a staff
    /// read's view of personal numbers, a sign-in) share one commit.
    audit: tokio::sync::mpsc::Sender<AuditJob>,
}

impl PgStore {
    /// Connects to `url` (`postgres://…`).
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(crate::redact_url(url)))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let (audit, queue) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(audit_writer(pool.clone(), queue));
        Ok(Self { pool, audit })
    }

    /// An audit event on its own: queued for the audit writer, which
    /// commits every event waiting in one transaction (a group commit, so
    /// concurrent staff reads do not each wait for their own flush);
    /// answered once that commit is durable.
    async fn append_audit_grouped(&self, e: &crate::AuditEntry) -> Result<i64> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let gone = || StoreError::Corrupt("the audit writer stopped".into());
        self.audit
            .send((e.clone(), done))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// A write transaction. PostgreSQL locks rows as they are written.
    async fn begin_write(&self) -> Result<PgTx> {
        Ok(self.pool.begin().await?)
    }

    /// PostgreSQL groups concurrent commits itself; nothing to report.
    fn commit_stats(&self) -> Option<(u64, u64)> {
        None
    }

    /// The raw baseline's transactions: PostgreSQL commits each on its own.
    async fn begin_solo(&self) -> Result<PgTx> {
        self.begin_write().await
    }

    /// A step's write in one statement, so one round trip: the case moves
    /// (version-guarded) and, only if it did, its event, the applicant's
    /// notification and staff's, the outbox messages, the idempotency
    /// answer, the kept counts and the arrival watch are written — all or nothing, committed on its own.
    /// A key already recorded fails the statement; the caller then
    /// replays the recorded answer.
    async fn write_step(
        &self,
        before: &crate::CaseRecord,
        after: &crate::CaseRecord,
        change: &crate::CaseChange,
        event: &crate::NewEvent,
        answer: Option<&crate::cases::IdemAnswer>,
    ) -> Result<()> {
        let counts = crate::cases::CountRows::of(before.department, before.hall, &change.tallies);
        let moved: i64 = sqlx::query_scalar(STEP_SQL)
            .bind(after.status.as_str())
            .bind(after.version)
            .bind(after.accepted_on.map(crate::codec::date_str))
            .bind(after.decided_on.map(crate::codec::date_str))
            .bind(crate::codec::to_json(&after.pauses)?)
            .bind(after.resume_to.map(|s| s.as_str()))
            .bind(after.updated_at)
            .bind(after.pickup_hall.map(|h| h.0))
            .bind(after.due_on.map(crate::codec::date_str))
            .bind(&after.head_hash)
            .bind(crate::cases::clock_paused(&after.pauses))
            .bind(before.id.0)
            .bind(before.version)
            // $14…: the event
            .bind(event.actor.0)
            .bind(&event.role)
            .bind(event.hall.map(|h| h.0))
            .bind(event.department.map(|d| d.0))
            .bind(&event.action)
            .bind(&event.payload)
            .bind(&before.head_hash)
            // $21: the notification
            .bind(change.notify.as_deref())
            // $22…: the outbox
            .bind(
                change
                    .messages
                    .iter()
                    .map(|m| m.kind.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                change
                    .messages
                    .iter()
                    .map(|m| m.recipient.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(
                change
                    .messages
                    .iter()
                    .map(|m| m.body.as_str())
                    .collect::<Vec<_>>(),
            )
            // $25…: the idempotency answer
            .bind(answer.map(|a| a.scope.as_str()))
            .bind(answer.map(|a| a.key.as_str()))
            .bind(answer.map(|a| i64::from(a.status)))
            .bind(answer.map(|a| a.body.as_str()))
            // $29…: the counts
            .bind(before.id.0 % crate::cases::COUNT_SLOTS)
            .bind(counts.flows.iter().map(|f| f.0).collect::<Vec<_>>())
            .bind(counts.flows.iter().map(|f| f.1).collect::<Vec<_>>())
            .bind(
                counts
                    .flows
                    .iter()
                    .map(|f| f.2.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(counts.flows.iter().map(|f| f.3).collect::<Vec<_>>())
            .bind(counts.stock.iter().map(|s| s.0).collect::<Vec<_>>())
            .bind(counts.stock.iter().map(|s| s.1).collect::<Vec<_>>())
            .bind(counts.stock.iter().map(|s| s.2).collect::<Vec<_>>())
            .bind(counts.stock.iter().map(|s| s.3).collect::<Vec<_>>())
            // $38…: the staff notices and the watch
            .bind(
                change
                    .staff_notices
                    .iter()
                    .map(|n| n.0.0)
                    .collect::<Vec<_>>(),
            )
            .bind(
                change
                    .staff_notices
                    .iter()
                    .map(|n| n.1.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(change.watch_until)
            .fetch_one(&self.pool)
            .await?;
        if moved != 1 {
            return Err(StoreError::Conflict("version".into()));
        }
        Ok(())
    }

    /// The underlying pool (for tools that measure the raw database).
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

/// A step in one statement (see [`PgStore::write_step`]).
const STEP_SQL: &str = "WITH moved AS (
    UPDATE cases SET status = $1, version = $2, accepted_on = $3, decided_on = $4, pauses = $5, resume_to = $6,
      updated_at = $7, pickup_hall_id = $8, due_on = $9, head_hash = $10, clock_paused = $11
     WHERE id = $12 AND version = $13
     RETURNING id, applicant_user_id, department_id),
  event AS (
    INSERT INTO case_events (case_id, seq, at, actor_id, role, hall_id, department_id, action, status, payload, prev_hash, hash)
    SELECT id, $2, $7, $14, $15, $16, $17, $18, $1, $19, $20, $10 FROM moved),
  notice AS (
    INSERT INTO notifications (user_id, case_id, text, created_at)
    SELECT applicant_user_id, id, $21, $7 FROM moved WHERE $21::text IS NOT NULL AND applicant_user_id IS NOT NULL),
  message AS (
    INSERT INTO outbox (kind, recipient, body, case_id, created_at, next_attempt_at)
    SELECT m.kind, m.recipient, m.body, moved.id, $7, $7
      FROM moved, unnest($22::text[], $23::text[], $24::text[]) AS m (kind, recipient, body)),
  answer AS (
    INSERT INTO idempotency_keys (scope, key, status, body, created_at)
    SELECT $25, $26, $27, $28, $7 FROM moved WHERE $25::text IS NOT NULL),
  flow AS (
    INSERT INTO case_flow_counts (scope, scope_id, day, flow, slot, n)
    SELECT f.scope, f.scope_id, f.day, f.flow, $29, 1
      FROM moved, unnest($30::text[], $31::bigint[], $32::text[], $33::text[]) AS f (scope, scope_id, day, flow)
    ON CONFLICT (scope, scope_id, day, flow, slot) DO UPDATE SET n = case_flow_counts.n + 1),
  stock AS (
    INSERT INTO case_stock_counts (scope, scope_id, status, slot, n)
    SELECT c.scope, c.scope_id, c.status, $29, c.delta
      FROM moved, unnest($34::text[], $35::bigint[], $36::text[], $37::bigint[]) AS c (scope, scope_id, status, delta)
    ON CONFLICT (scope, scope_id, status, slot) DO UPDATE SET n = case_stock_counts.n + excluded.n),
  staff_notice AS (
    INSERT INTO notifications (user_id, case_id, text, created_at)
    SELECT n.user_id, moved.id, n.text, $7 FROM moved, unnest($38::bigint[], $39::text[]) AS n (user_id, text)),
  watch AS (
    INSERT INTO arrival_watch (case_id, department_id, status, version, due_at)
    SELECT id, department_id, $1, $2, $40 FROM moved WHERE $40::bigint IS NOT NULL
    ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, version = excluded.version, due_at = excluded.due_at)
SELECT count(*) FROM moved";

/// Most events one audit commit carries.
const AUDIT_BATCH: usize = 256;

/// The audit writer: takes the events waiting (at least one), inserts them
/// in one transaction and answers each after the commit — or each with the
/// failure, nothing of the batch written.
async fn audit_writer(pool: sqlx::PgPool, mut queue: tokio::sync::mpsc::Receiver<AuditJob>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < AUDIT_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let written = async {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(batch.len());
            for (e, _) in &batch {
                ids.push(PgStore::append_audit_tx(&mut tx, e).await?);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(ids)
        }
        .await;
        match written {
            Ok(ids) => {
                for ((_, done), id) in batch.into_iter().zip(ids) {
                    let _ = done.send(Ok(id));
                }
            }
            Err(err) => {
                let text = err.to_string();
                for (_, done) in batch {
                    let _ = done.send(Err(StoreError::Database(sqlx::Error::Protocol(format!(
                        "audit batch not written: {text}"
                    )))));
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl crate::Store for PgStore {
    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }
}

crate::city::impl_city!(PgStore, PgTx);
crate::people::impl_people!(PgStore, sqlx::Postgres, PgTx);
crate::catalogue::impl_catalogue!(PgStore, PgTx);
crate::cases::impl_cases!(PgStore, sqlx::Postgres, PgTx);
crate::trust::impl_trust!(PgStore, " FOR UPDATE", PgTx);
crate::appointments::impl_appointments!(PgStore, sqlx::Postgres);
crate::evaluations::impl_evaluations!(PgStore, sqlx::Postgres);
crate::outbox::impl_outbox!(PgStore, sqlx::Postgres);
crate::bench::impl_bench!(PgStore, "postgres", sqlx::Postgres);
