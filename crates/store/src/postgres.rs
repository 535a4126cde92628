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

    /// The underlying pool (for tools that measure the raw database).
    pub fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

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

crate::city::impl_city!(PgStore);
crate::people::impl_people!(PgStore, sqlx::Postgres, PgTx);
crate::catalogue::impl_catalogue!(PgStore, PgTx);
crate::cases::impl_cases!(PgStore, sqlx::Postgres, PgTx);
crate::trust::impl_trust!(PgStore, " FOR UPDATE", PgTx);
crate::appointments::impl_appointments!(PgStore, sqlx::Postgres);
crate::evaluations::impl_evaluations!(PgStore, sqlx::Postgres);
crate::outbox::impl_outbox!(PgStore, sqlx::Postgres);
crate::bench::impl_bench!(PgStore, "postgres", sqlx::Postgres);
