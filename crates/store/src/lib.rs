//! The store: traits in domain verbs, one per aggregate (`city`, `people`,
//! `catalogue`, `cases`, `trust`, `appointments`, `evaluations`, `outbox`),
//! bundled as [`Store`], and two backends chosen by URL — SQLite (embedded
//! default; WAL, foreign keys on, `synchronous=FULL`) and PostgreSQL. Only
//! this crate knows SQL; dialect differences live in the backend modules.

pub mod appointments;
pub mod bench;
pub mod cases;
pub mod catalogue;
pub mod city;
mod codec;
pub mod evaluations;
pub mod outbox;
pub mod people;
pub mod postgres;
pub mod sqlite;
pub mod trust;
pub mod video;

pub use appointments::{
    AppointmentFilter, AppointmentKey, AppointmentPage, AppointmentRecord, AppointmentStore,
    NewAppointment, NewSlotPlan,
};
use async_trait::async_trait;
pub use bench::{BenchStore, BulkCase, BulkRating, BulkRectification};
pub use cases::{
    ArrivalWatch, CaseChange, CaseFilter, CaseKey, CaseOrder, CasePage, CaseRecord, CaseSearch,
    CaseStore, CountScope, EventRecord, IdemWrite, MaterialReceipt, NO_DUE, NewCase, NewEvent,
    NotificationRecord,
};
pub use catalogue::{BatchEdit, BatchMove, BatchRecord, CatalogueStore, Publication};
pub use city::{CityImport, CityImported, CityStore, DueRefresh, StaffImport};
pub use evaluations::{
    EvaluationRecord, EvaluationStore, NewEvaluation, RectificationKey, RectificationPage,
    RectificationRecord, RectificationStep, Responsible, StatCounts, StatsBy,
};
pub use outbox::OutboxStore;
pub use people::{
    Failure, FailureCounts, NewUser, PeopleStore, Session, SessionKind, StaffFilter, StaffRecord,
    StaffUpdate,
};
use std::sync::Arc;
pub use trust::{AuditEntry, AuditFilter, AuditKey, NewGrant, TrustStore};
pub use video::{NewVideoCheck, VideoCheckRecord, VideoResult};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a concurrent change was hit; the text names what.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A reference to something that does not exist.
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    /// The URL names no backend we have.
    #[error("unsupported database URL (use sqlite://PATH or postgres://…): {0}")]
    UnsupportedUrl(String),
    /// Anything else from the database.
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// A write carried an idempotency key already answered: the recorded
    /// (status, body), durable by the time this is returned.
    #[error("already answered under this idempotency key")]
    Replayed(u16, String),
    /// Stored JSON that does not decode (a bug or a tampered row).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) => {
                let what = d.constraint().unwrap_or_else(|| d.message()).to_owned();
                match d.kind() {
                    ErrorKind::UniqueViolation => StoreError::Conflict(what),
                    ErrorKind::ForeignKeyViolation => StoreError::InvalidReference(what),
                    _ => StoreError::Database(e),
                }
            }
            _ => StoreError::Database(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(sqlx::Error::Migrate(Box::new(e)))
    }
}

/// Store result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything the application asks of a database, in domain words: one
/// trait per aggregate, bundled so that `Arc<dyn Store>` carries them all
/// (a trait object answers its supertraits' methods; on a backend type or a
/// generic `S: Store` they need the traits in scope, see [`prelude`]).
#[async_trait]
pub trait Store:
    CityStore
    + PeopleStore
    + CatalogueStore
    + CaseStore
    + TrustStore
    + AppointmentStore
    + EvaluationStore
    + OutboxStore
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
}

/// Every production store trait: `use tongban_store::prelude::*` to call
/// the aggregates' methods on a backend type or through a generic bound.
pub mod prelude {
    pub use crate::Store;
    pub use crate::appointments::AppointmentStore;
    pub use crate::cases::CaseStore;
    pub use crate::catalogue::CatalogueStore;
    pub use crate::city::CityStore;
    pub use crate::evaluations::EvaluationStore;
    pub use crate::outbox::OutboxStore;
    pub use crate::people::PeopleStore;
    pub use crate::trust::TrustStore;
}

/// Opens the store named by `url` (`sqlite://PATH`, `sqlite::memory:`, or
/// `postgres://…`) and applies migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = connect(url).await?;
    Ok(store)
}

/// Opens the store named by `url` like [`open`], for the benchmarks: with
/// what they measure besides ([`BenchStore`]).
pub async fn open_bench(url: &str) -> Result<Arc<dyn BenchStore>> {
    connect(url).await
}

/// The backend `url` names, connected and migrated (every backend is a
/// [`BenchStore`], hence a [`Store`]).
async fn connect(url: &str) -> Result<Arc<dyn BenchStore>> {
    let store: Arc<dyn BenchStore> = if url.starts_with("sqlite:") {
        Arc::new(sqlite::SqliteStore::connect(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(postgres::PgStore::connect(url).await?)
    } else {
        return Err(StoreError::UnsupportedUrl(redact_url(url)));
    };
    store.migrate().await?;
    Ok(store)
}

/// A URL with any password removed, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The current time in unix milliseconds.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Unix milliseconds as RFC 3339 in Asia/Shanghai (+08:00), the city's clock.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The first broken timeline found by [`verify_timelines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenTimeline {
    /// The case.
    pub case_no: String,
    /// The first event that does not check.
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

/// Checks every case's hash chain, and that no event is missing at the end
/// (the case's version counts its events). Returns how many cases were
/// checked, or the first broken one.
pub async fn verify_timelines(
    store: &dyn Store,
) -> Result<std::result::Result<usize, BrokenTimeline>> {
    let mut after = 0;
    let mut checked = 0;
    loop {
        let page = store.case_index(after, 500).await?;
        if page.is_empty() {
            return Ok(Ok(checked));
        }
        for (id, case_no, version) in page {
            after = id;
            let events: Vec<tongban_domain::timeline::StoredEvent> = store
                .case_events(tongban_domain::CaseId(id))
                .await?
                .into_iter()
                .map(|e| tongban_domain::timeline::StoredEvent {
                    seq: e.seq,
                    at: e.at,
                    actor: e.actor,
                    role: e.role,
                    action: e.action,
                    status: e.status,
                    payload: e.payload,
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                })
                .collect();
            if let Err(b) = tongban_domain::timeline::verify(&case_no, &events) {
                return Ok(Err(BrokenTimeline {
                    case_no,
                    seq: b.seq,
                    reason: b.reason.into(),
                }));
            }
            if events.len() as i64 != version {
                let seq = events.len() as i64 + 1;
                return Ok(Err(BrokenTimeline {
                    case_no,
                    seq,
                    reason: "events missing at the end".into(),
                }));
            }
            checked += 1;
        }
    }
}

/// Seals the events waiting to be sealed, then checks the audit log's hash
/// chain page by page up to its head (so events cut off the end are
/// caught too): how many events were checked, or where it first breaks.
pub async fn verify_audit_log(
    store: &dyn Store,
) -> Result<std::result::Result<usize, tongban_domain::timeline::Break>> {
    while store.seal_audit(1000).await? > 0 {}
    let (mut after, mut prev) = (0i64, tongban_domain::timeline::GENESIS.to_owned());
    let mut checked = 0;
    loop {
        let page = store.audit_range(after, 1000).await?;
        let Some(last) = page.last().cloned() else {
            // The chain ends where its head says: nothing cut off the end.
            let (seq, hash) = store.audit_head().await?;
            if (seq, hash) != (after, prev) {
                return Ok(Err(tongban_domain::timeline::Break {
                    seq: after + 1,
                    reason: "events missing at the end of the chain",
                }));
            }
            return Ok(Ok(checked));
        };
        if let Err(b) = tongban_domain::timeline::verify_audit(after, &prev, &page) {
            return Ok(Err(b));
        }
        checked += page.len();
        after = last.seq;
        prev = last.hash;
    }
}

/// The database URL `url` with its database name replaced by `db`, keeping
/// the host and the query (tests create a database per test this way).
pub fn url_with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(a, b)| (a, Some(b)))
        .unwrap_or((url, None));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::SessionKind;
    use strum::VariantArray;

    #[test]
    fn session_kind_strings() {
        // The stored forms (the sessions table's CHECK) must never change.
        let table = [
            (SessionKind::Cookie, "cookie"),
            (SessionKind::Bearer, "bearer"),
        ];
        assert_eq!(SessionKind::VARIANTS, table.map(|(v, _)| v));
        for (v, s) in table {
            assert_eq!(v.as_str(), s);
            assert_eq!(SessionKind::parse(s), Some(v));
            assert_eq!(SessionKind::parse(&s.to_uppercase()), None);
        }
        assert_eq!(SessionKind::parse(""), None);
        assert_eq!(SessionKind::parse("token"), None);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
