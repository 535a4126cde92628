//! The SQLite backend: the embedded default. WAL journal, foreign keys on,
//! `synchronous=FULL` (every acknowledged commit is on disk).
//!
//! Writes go through one writer connection with **group commit**: a write
//! transaction is a savepoint inside a batch transaction; when it ends and
//! nobody else is queued for the writer (or the batch is full), the batch
//! commits with one fsync and every member is acknowledged only then. A
//! member that fails or is dropped is rolled back to its savepoint before
//! anyone else writes, so it never reaches the disk. Several transactions
//! become durable by one fsync, each acknowledged only after it.

use crate::{Result, StoreError};
use sqlx::ConnectOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Notify, OwnedMutexGuard, oneshot};

/// At most this many transactions share one commit.
const MAX_BATCH: usize = 64;

/// A SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: sqlx::SqlitePool,
    /// The one connection that writes, with group commit (none for an
    /// in-memory database, whose one connection is the pool's).
    writer: Option<Arc<Writer>>,
}

/// The writer: its connection and the batch being built on it.
#[derive(Debug)]
pub(crate) struct Writer {
    state: Arc<tokio::sync::Mutex<WriterState>>,
    /// Transactions waiting for the connection.
    queued: AtomicUsize,
    /// Wakes the flusher (a member was dropped, or its caller had gone).
    wake: Arc<Notify>,
    /// Batches committed, and the transactions they carried.
    commits: std::sync::atomic::AtomicU64,
    members: std::sync::atomic::AtomicU64,
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

#[derive(Debug)]
struct WriterState {
    conn: SqliteConnection,
    /// A batch transaction is open.
    open: bool,
    /// A member's savepoint is still open (it failed or was dropped).
    dirty: bool,
    /// Members whose savepoints were released, waiting for the commit.
    waiters: Vec<oneshot::Sender<std::result::Result<(), String>>>,
}

impl WriterState {
    async fn exec(&mut self, sql: &str) -> sqlx::Result<()> {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut self.conn)
            .await
            .map(|_| ())
    }

    /// Rolls back what a failed or dropped member left in the batch.
    async fn settle(&mut self) -> Result<()> {
        if self.dirty {
            let r = match self.exec("ROLLBACK TO tb").await {
                Ok(()) => self.exec("RELEASE tb").await,
                Err(e) => Err(e),
            };
            if let Err(e) = r {
                self.abort(&e.to_string()).await;
                return Err(e.into());
            }
            self.dirty = false;
        }
        Ok(())
    }

    /// Commits the batch (one fsync) and answers every member.
    async fn flush(&mut self) {
        if !self.open {
            return;
        }
        let r = self.exec("COMMIT").await.map_err(|e| e.to_string());
        if r.is_err() {
            let _ = self.exec("ROLLBACK").await;
        }
        self.open = false;
        for w in self.waiters.drain(..) {
            let _ = w.send(r.clone());
        }
    }

    /// Gives the batch up: its members are told their writes failed.
    async fn abort(&mut self, why: &str) {
        if self.open {
            let _ = self.exec("ROLLBACK").await;
        }
        self.open = false;
        self.dirty = false;
        for w in self.waiters.drain(..) {
            let _ = w.send(Err(why.to_owned()));
        }
    }
}

/// Commits batches nobody else will: after a member was dropped, or a
/// savepoint was opened for a caller that had gone.
async fn flusher(writer: Weak<Writer>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(w) = writer.upgrade() else { return };
        let mut g = w.state.clone().lock_owned().await;
        if g.settle().await.is_ok() && w.queued.load(Ordering::SeqCst) == 0 && g.open {
            w.commits.fetch_add(1, Ordering::Relaxed);
            g.flush().await;
        }
    }
}

/// Waits for the writer, rolls back what a failed member left, opens the
/// batch if none is open, and a savepoint for the new member.
async fn open_savepoint(w: &Arc<Writer>) -> Result<OwnedMutexGuard<WriterState>> {
    // Runs in a task of its own (see `begin`), so it is never abandoned
    // while queued: the count always comes back down.
    w.queued.fetch_add(1, Ordering::SeqCst);
    let mut guard = w.state.clone().lock_owned().await;
    w.queued.fetch_sub(1, Ordering::SeqCst);
    guard.settle().await?;
    if !guard.open {
        guard.exec("BEGIN IMMEDIATE").await?;
        guard.open = true;
    }
    if let Err(e) = guard.exec("SAVEPOINT tb").await {
        guard.abort(&e.to_string()).await;
        return Err(e.into());
    }
    guard.dirty = true;
    Ok(guard)
}

enum Inner {
    Batched {
        guard: OwnedMutexGuard<WriterState>,
        writer: Arc<Writer>,
        /// Commit at once, alone (the benchmark's raw baseline).
        solo: bool,
    },
    Plain(sqlx::Transaction<'static, sqlx::Sqlite>),
}

/// A write transaction: `&mut *tx` is the connection; [`WriteTx::commit`]
/// returns once the write is on disk. Dropping it rolls it back.
pub struct WriteTx {
    inner: Option<Inner>,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx").finish_non_exhaustive()
    }
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        match self.inner.as_ref().expect("transaction open") {
            Inner::Batched { guard, .. } => &guard.conn,
            Inner::Plain(t) => t,
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self.inner.as_mut().expect("transaction open") {
            Inner::Batched { guard, .. } => &mut guard.conn,
            Inner::Plain(t) => t,
        }
    }
}

impl WriteTx {
    /// Makes the transaction durable: returns after the commit that
    /// includes it has reached the disk, or with the error that undid it.
    /// The release and the commit run in a task of their own, so a caller
    /// that gives up half-way cannot leave the batch half-done.
    pub async fn commit(mut self) -> Result<()> {
        match self.inner.take().expect("transaction open") {
            Inner::Plain(t) => Ok(t.commit().await?),
            Inner::Batched {
                mut guard,
                writer,
                solo,
            } => {
                let (tx, rx) = oneshot::channel();
                tokio::spawn(async move {
                    if let Err(e) = guard.exec("RELEASE tb").await {
                        // Still dirty: the next holder rolls it back.
                        drop(guard);
                        writer.wake.notify_one();
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                    guard.dirty = false;
                    guard.waiters.push(tx);
                    writer.members.fetch_add(1, Ordering::Relaxed);
                    if solo
                        || writer.queued.load(Ordering::SeqCst) == 0
                        || guard.waiters.len() >= MAX_BATCH
                    {
                        writer.commits.fetch_add(1, Ordering::Relaxed);
                        guard.flush().await;
                    }
                });
                match rx.await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(StoreError::Corrupt(format!("commit failed: {e}"))),
                    Err(_) => Err(StoreError::Corrupt("the writer stopped".into())),
                }
            }
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if let Some(Inner::Batched { guard, writer, .. }) = self.inner.take() {
            // The savepoint stays open (dirty): the next holder, or the
            // flusher, rolls it back before anything else is written.
            drop(guard);
            writer.wake.notify_one();
        }
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://PATH` or `sqlite::memory:`).
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(url.to_owned()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let memory = url.contains(":memory:");
        let writer_opts = opts.clone();
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep exactly one.
            .max_connections(if memory { 1 } else { 8 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(if memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(if memory {
                None
            } else {
                Some(Duration::from_secs(3600))
            })
            .connect_with(opts)
            .await?;
        let writer = if memory {
            None
        } else {
            let conn = writer_opts.connect().await?;
            let wake = Arc::new(Notify::new());
            let w = Arc::new(Writer {
                state: Arc::new(tokio::sync::Mutex::new(WriterState {
                    conn,
                    open: false,
                    dirty: false,
                    waiters: Vec::new(),
                })),
                queued: AtomicUsize::new(0),
                wake: wake.clone(),
                commits: Default::default(),
                members: Default::default(),
            });
            tokio::spawn(flusher(Arc::downgrade(&w), wake));
            Some(w)
        };
        Ok(Self { pool, writer })
    }

    /// A write transaction in the current batch (see the module notes).
    /// SQLite takes the write lock at the batch's BEGIN IMMEDIATE, so a
    /// transaction that reads before it writes never fails to upgrade.
    async fn begin_write(&self) -> Result<WriteTx> {
        self.begin(false).await
    }

    /// A write transaction committed at once, alone (one fsync each): the
    /// benchmark's raw single-row baseline.
    async fn begin_solo(&self) -> Result<WriteTx> {
        self.begin(true).await
    }

    async fn begin(&self, solo: bool) -> Result<WriteTx> {
        let Some(w) = &self.writer else {
            return Ok(WriteTx {
                inner: Some(Inner::Plain(self.pool.begin_with("BEGIN IMMEDIATE").await?)),
            });
        };
        // Queueing and opening the savepoint run in a task of their own: a
        // caller that gives up cannot leave the writer in between.
        let (tx, rx) = oneshot::channel();
        let writer = w.clone();
        tokio::spawn(async move {
            let r = open_savepoint(&writer).await;
            if let Err(Ok(guard)) = tx.send(r) {
                // The caller is gone: its (empty) savepoint is rolled back later.
                drop(guard);
                writer.wake.notify_one();
            }
        });
        let guard = rx
            .await
            .map_err(|_| StoreError::Corrupt("the writer stopped".into()))??;
        Ok(WriteTx {
            inner: Some(Inner::Batched {
                guard,
                writer: w.clone(),
                solo,
            }),
        })
    }

    /// Group commit so far: (batches committed, transactions they carried).
    fn commit_stats(&self) -> Option<(u64, u64)> {
        self.writer.as_ref().map(|w| {
            (
                w.commits.load(Ordering::Relaxed),
                w.members.load(Ordering::Relaxed),
            )
        })
    }

    /// The underlying pool (for tools that measure the raw database).
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }
}

#[async_trait::async_trait]
impl crate::Store for SqliteStore {
    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }
}

crate::city::impl_city!(SqliteStore, WriteTx);
crate::people::impl_people!(SqliteStore, sqlx::Sqlite, WriteTx);
crate::catalogue::impl_catalogue!(SqliteStore, WriteTx);
crate::cases::impl_cases!(SqliteStore, sqlx::Sqlite, WriteTx);
impl SqliteStore {
    /// A step's write: statement by statement in one transaction of the
    /// writer's group commit (an in-process statement costs no round trip).
    async fn write_step(
        &self,
        before: &crate::CaseRecord,
        after: &crate::CaseRecord,
        change: &crate::CaseChange,
        event: &crate::NewEvent,
        answer: Option<&crate::cases::IdemAnswer>,
    ) -> crate::Result<()> {
        let mut tx = Self::replay_in(
            self.begin_write().await?,
            answer.map(|a| (a.scope.as_str(), a.key.as_str())),
        )
        .await?;
        let moved = sqlx::query(
            "UPDATE cases SET status = $1, version = $2, accepted_on = $3, decided_on = $4, pauses = $5, resume_to = $6,
               updated_at = $7, pickup_hall_id = $8, due_on = $9, head_hash = $10, clock_paused = $11
             WHERE id = $12 AND version = $13",
        )
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
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(crate::StoreError::Conflict("version".into()));
        }
        Self::insert_event(
            &mut tx,
            before.id.0,
            after.version,
            &before.head_hash,
            &after.head_hash,
            after.status.as_str(),
            event,
        )
        .await?;
        if let (Some(text), Some(user)) = (&change.notify, after.applicant_user) {
            sqlx::query("INSERT INTO notifications (user_id, case_id, text, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user.0)
                .bind(before.id.0)
                .bind(text)
                .bind(event.at)
                .execute(&mut *tx)
                .await?;
        }
        for (user, text) in &change.staff_notices {
            sqlx::query("INSERT INTO notifications (user_id, case_id, text, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user.0)
                .bind(before.id.0)
                .bind(text)
                .bind(event.at)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(due) = change.watch_until {
            sqlx::query(
                "INSERT INTO arrival_watch (case_id, department_id, status, version, due_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (case_id) DO UPDATE SET status = excluded.status, version = excluded.version, due_at = excluded.due_at",
            )
            .bind(before.id.0)
            .bind(before.department.0)
            .bind(after.status.as_str())
            .bind(after.version)
            .bind(due)
            .execute(&mut *tx)
            .await?;
        }
        for m in &change.messages {
            sqlx::query(
                "INSERT INTO outbox (kind, recipient, body, case_id, created_at, next_attempt_at)
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(m.kind.as_str())
            .bind(&m.recipient)
            .bind(&m.body)
            .bind(before.id.0)
            .bind(event.at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(a) = answer {
            sqlx::query("INSERT INTO idempotency_keys (scope, key, status, body, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&a.scope)
                .bind(&a.key)
                .bind(i64::from(a.status))
                .bind(&a.body)
                .bind(event.at)
                .execute(&mut *tx)
                .await?;
        }
        Self::write_counts(
            &mut tx,
            before.id.0,
            &crate::cases::CountRows::of(before.department, before.hall, &change.tallies),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An audit event on its own: its write joins the writer's group commit.
    async fn append_audit_grouped(&self, e: &crate::AuditEntry) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id = Self::append_audit_tx(&mut tx, e).await?;
        tx.commit().await?;
        Ok(id)
    }
}

crate::trust::impl_trust!(SqliteStore, "", WriteTx);
crate::appointments::impl_appointments!(SqliteStore, sqlx::Sqlite);
crate::evaluations::impl_evaluations!(SqliteStore, sqlx::Sqlite);
crate::outbox::impl_outbox!(SqliteStore, sqlx::Sqlite);
crate::bench::impl_bench!(SqliteStore, "sqlite", sqlx::Sqlite);
