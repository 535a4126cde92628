//! The PostgreSQL backend: for production and for several app instances.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// A write transaction on PostgreSQL.
type PgTx = sqlx::Transaction<'static, sqlx::Postgres>;

/// A PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: sqlx::PgPool,
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
        Ok(Self { pool })
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
crate::bench::impl_bench!(PgStore, "postgres");
