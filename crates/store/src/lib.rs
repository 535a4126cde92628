//! The store: one trait in domain verbs ([`Store`]) and two backends chosen by
//! URL — SQLite (embedded default; WAL, foreign keys on, `synchronous=FULL`)
//! and PostgreSQL. Only this crate knows SQL; dialect differences live in the
//! backend modules.

mod backend;
pub mod cases;
pub mod outbox;
pub mod postgres;
pub mod sqlite;
pub mod trust;

use async_trait::async_trait;
pub use cases::{
    CaseChange, CaseFilter, CaseRecord, EventRecord, IdemWrite, MaterialReceipt, NewCase, NewEvent,
    NotificationRecord,
};
use std::sync::Arc;
use strum::{EnumString, IntoStaticStr, VariantArray};
use tongban_domain::calendar::HolidayYear;
use tongban_domain::catalogue::{Implementation, ItemContent, ItemVersion};
use tongban_domain::city::{Department, Hall, NewDepartment, NewHall, Region};
use tongban_domain::grant::Grant;
use tongban_domain::search::SearchDoc;
use tongban_domain::timeline::StoredAudit;
use tongban_domain::tongban::{Batch, ListEntry};
use tongban_domain::user::{Role, Scope, User};
use tongban_domain::{DepartmentId, HallId, ItemCode, RegionCode, UserId};
pub use trust::{
    AppointmentFilter, AppointmentRecord, AuditEntry, AuditFilter, EvaluationRecord,
    NewAppointment, NewEvaluation, NewGrant, NewSlotPlan, RectificationRecord, RectificationStep,
    Responsible,
};

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

/// A new account.
#[derive(Clone)]
pub struct NewUser {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Scope.
    pub scope: Scope,
    /// An applicant's household registration region.
    pub household_region: Option<RegionCode>,
    /// A real-name applicant's ID number (the kiosk signs in by it).
    pub id_number: Option<String>,
    /// The mobile that receives one-time codes.
    pub phone: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// One item to publish, with what goes with it.
#[derive(Debug, Clone)]
pub struct Publication {
    /// Every element of the new version.
    pub content: ItemContent,
    /// Replaces the item's aliases when `Some`.
    pub aliases: Option<Vec<String>>,
    /// Departments implementing it (added; existing ones stay).
    pub implementations: Vec<DepartmentId>,
}

/// Kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum SessionKind {
    /// Browser cookie.
    Cookie,
    /// API bearer token.
    Bearer,
}

impl SessionKind {
    /// `cookie` or `bearer`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// A stored session; the token itself is never stored, only its hash.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Owner.
    pub user_id: UserId,
    /// Cookie or bearer.
    pub kind: SessionKind,
    /// CSRF token for forms.
    pub csrf: String,
    /// Created, unix ms.
    pub created_at: i64,
    /// Expires, unix ms.
    pub expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A failed attempt at something that can be guessed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// What was tried: `login`, `case_code`.
    pub kind: String,
    /// At what: a username, a case number.
    pub subject: String,
    /// From which address.
    pub addr: String,
    /// From a browser trusted for the subject (hash of its device cookie).
    pub device: Option<String>,
    /// When, unix ms.
    pub at: i64,
}

/// Failed attempts in a window, counted the ways throttling weighs them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureCounts {
    /// At the subject, from anywhere but trusted devices.
    pub subject: i64,
    /// At the subject from this address (not from trusted devices).
    pub pair: i64,
    /// From this address at any subject (not from trusted devices).
    pub addr: i64,
    /// From this trusted device.
    pub device: i64,
}

/// Everything the application asks of a database, in domain words.
#[async_trait]
pub trait Store: outbox::OutboxStore + Send + Sync + std::fmt::Debug + 'static {
    /// Which backend this is (`sqlite` or `postgres`).
    fn backend(&self) -> &'static str;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;

    // --- the city ---
    /// Adds or updates regions (parents first).
    async fn put_regions(&self, regions: &[Region]) -> Result<()>;
    /// Every region.
    async fn regions(&self) -> Result<Vec<Region>>;
    /// Creates a hall with its windows.
    async fn create_hall(&self, hall: &NewHall) -> Result<HallId>;
    /// Every hall with its windows.
    async fn halls(&self) -> Result<Vec<Hall>>;
    /// One hall.
    async fn hall(&self, id: HallId) -> Result<Hall>;
    /// Creates a department.
    async fn create_department(&self, d: &NewDepartment) -> Result<DepartmentId>;
    /// Every department.
    async fn departments(&self) -> Result<Vec<Department>>;

    // --- accounts and sessions ---
    /// Creates an account.
    async fn create_user(&self, u: &NewUser) -> Result<UserId>;
    /// An account and its password hash, by login name.
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>>;
    /// An account by id.
    async fn user(&self, id: UserId) -> Result<User>;
    /// Every account.
    async fn users(&self) -> Result<Vec<User>>;
    /// Stores a new session, with its audit event in the same transaction.
    async fn create_session(&self, s: &Session, audit: Option<&AuditEntry>) -> Result<()>;
    /// A session by token hash, if not expired at `now`.
    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<Session>>;
    /// The unexpired session with this token hash, its account and the
    /// current reference-data revision, in one query (every signed request
    /// asks this; the revision spares the caches a query of their own).
    async fn session_user(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Session, User, i64)>>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Records a failed attempt (a sign-in, a verification code), with its
    /// audit event, if any, in the same transaction.
    async fn record_failure(&self, f: &Failure, audit: Option<&AuditEntry>) -> Result<()>;
    /// Failed attempts of `kind` at `subject` since `since`, counted the
    /// ways throttling weighs them.
    async fn failures_since(
        &self,
        kind: &str,
        subject: &str,
        addr: &str,
        device: Option<&str>,
        since: i64,
    ) -> Result<FailureCounts>;
    /// Forgets the failures at `subject` from `addr` or from `device`, after
    /// a success there.
    async fn clear_failures(
        &self,
        kind: &str,
        subject: &str,
        addr: &str,
        device: Option<&str>,
    ) -> Result<()>;
    /// Trusts a browser (the hash of its device cookie) for an account.
    async fn trust_device(
        &self,
        token_hash: &str,
        username: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// Whether a device cookie is trusted for an account now.
    async fn device_trusted(&self, token_hash: &str, username: &str, now: i64) -> Result<bool>;

    // --- the catalogue ---
    /// Publishes items in one transaction: each whose content differs from
    /// its current version gets a new immutable version; aliases (when
    /// given) are replaced and implementations added. Returns how many
    /// versions were written.
    async fn publish_items(&self, items: &[Publication], now: i64) -> Result<usize>;
    /// The current version of an item.
    async fn item(&self, code: &ItemCode) -> Result<ItemVersion>;
    /// One version of an item.
    async fn item_version(&self, code: &ItemCode, version: i32) -> Result<ItemVersion>;
    /// The current version of every item, by code.
    async fn items(&self) -> Result<Vec<ItemVersion>>;
    /// Replaces the aliases of an item.
    async fn set_aliases(&self, code: &ItemCode, aliases: &[String]) -> Result<()>;
    /// The aliases of an item.
    async fn aliases(&self, code: &ItemCode) -> Result<Vec<String>>;
    /// The implementations of an item.
    async fn implementations(&self, code: &ItemCode) -> Result<Vec<Implementation>>;
    /// Publishes a batch of the 通办 list with its entries, in one transaction.
    async fn publish_batch(&self, batch: &Batch, entries: &[ListEntry]) -> Result<()>;
    /// Every batch.
    async fn batches(&self) -> Result<Vec<Batch>>;
    /// Every list entry.
    async fn list_entries(&self) -> Result<Vec<ListEntry>>;
    /// The reference-data revision, bumped by every write to the catalogue,
    /// the city (regions, halls, departments) or the calendar.
    async fn catalogue_revision(&self) -> Result<i64>;
    /// Everything search needs, for every item.
    async fn search_docs(&self) -> Result<Vec<SearchDoc>>;

    // --- the calendar ---
    /// Every year with an official holiday table.
    async fn calendar_years(&self) -> Result<Vec<HolidayYear>>;
    /// Adds or replaces one year's table, in one transaction.
    async fn put_calendar_year(
        &self,
        year: &HolidayYear,
        by: Option<UserId>,
        now: i64,
    ) -> Result<()>;

    // --- cases ---
    /// The recorded answer for an idempotency key, if any: (status, body).
    async fn idempotent_answer(&self, scope: &str, key: &str) -> Result<Option<(u16, String)>>;
    /// Creates a case with its first event (and the idempotency answer), in
    /// one transaction. The case number is `prefix` + the 8-digit id.
    async fn create_case(
        &self,
        case: &NewCase,
        case_no_prefix: &str,
        first: &NewEvent,
        idem: Option<IdemWrite<'_>>,
    ) -> Result<(CaseRecord, Option<String>)>;
    /// A case by number.
    async fn case_by_no(&self, case_no: &str) -> Result<CaseRecord>;
    /// A case's events in order.
    async fn case_events(&self, case_id: i64) -> Result<Vec<EventRecord>>;
    /// Applies a change and appends its event in one transaction, if the
    /// case is still at `expected_version` (else `Conflict`).
    async fn apply_to_case(
        &self,
        case_no: &str,
        expected_version: i64,
        change: &CaseChange,
        event: &NewEvent,
        idem: Option<IdemWrite<'_>>,
    ) -> Result<(CaseRecord, Option<String>)>;
    /// Records a material received on a case and appends its event, in one
    /// transaction, if the case is still at `expected_version`.
    async fn add_material_receipt(
        &self,
        case_no: &str,
        expected_version: i64,
        receipt: &MaterialReceipt,
        event: &NewEvent,
    ) -> Result<CaseRecord>;
    /// The materials received on a case, in order.
    async fn material_receipts(&self, case_id: i64) -> Result<Vec<MaterialReceipt>>;
    /// Cases matching a filter, most recently changed first, and their total.
    async fn cases(&self, filter: &CaseFilter) -> Result<(Vec<CaseRecord>, i64)>;
    /// (id, case number, version) of cases with id above `after`, in id order.
    async fn case_index(&self, after: i64, limit: i64) -> Result<Vec<(i64, String, i64)>>;
    /// Accepted, undecided cases in these statuses with id above `after`,
    /// in id order (`missing_due`: only those without a stored due date):
    /// the cases whose due date is kept.
    async fn clocked_cases(
        &self,
        after: i64,
        statuses: &[tongban_domain::case::Status],
        missing_due: bool,
        limit: i64,
    ) -> Result<Vec<CaseRecord>>;
    /// Stores cases' due dates (by case id), in one transaction.
    async fn set_due_dates(&self, dates: &[(i64, Option<time::Date>)]) -> Result<()>;

    /// Every grant on record (revoked and expired ones included), oldest first.
    async fn grants(&self) -> Result<Vec<Grant>>;
    /// Records grants, each with its audit event, in one transaction.
    async fn create_grants(&self, grants: &[(NewGrant, AuditEntry)]) -> Result<Vec<Grant>>;
    /// Records a grant and its audit event in one transaction.
    async fn create_grant(&self, grant: &NewGrant, audit: &AuditEntry) -> Result<Grant> {
        let mut out = self
            .create_grants(&[(grant.clone(), audit.clone())])
            .await?;
        out.pop().ok_or(StoreError::NotFound)
    }
    /// Revokes a grant (the record stays) and records the audit event, in one
    /// transaction. `NotFound` for an unknown id, `Conflict` when already revoked.
    async fn revoke_grant(
        &self,
        id: i64,
        by: UserId,
        at: i64,
        reason: &str,
        audit: &AuditEntry,
    ) -> Result<Grant>;
    /// Appends a security event to the hash-chained audit log; its position.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<i64>;
    /// Audit events matching a filter, newest first, and their total.
    async fn audit_events(&self, filter: &AuditFilter) -> Result<(Vec<StoredAudit>, i64)>;
    /// Audit events after position `after`, in order (for verification).
    async fn audit_range(&self, after: i64, limit: i64) -> Result<Vec<StoredAudit>>;

    /// Publishes slot plans (one transaction).
    async fn create_slot_plans(
        &self,
        plans: &[NewSlotPlan],
    ) -> Result<Vec<tongban_domain::appointment::SlotPlan>>;
    /// One slot plan; `NotFound` if there is none.
    async fn slot_plan(&self, id: i64) -> Result<tongban_domain::appointment::SlotPlan>;
    /// The slot plans of a hall (or of every hall).
    async fn slot_plans(
        &self,
        hall: Option<HallId>,
    ) -> Result<Vec<tongban_domain::appointment::SlotPlan>>;
    /// Booked counts of a hall's slots from `from` to `to` (inclusive): (plan, day, booked).
    async fn slot_bookings(
        &self,
        hall: HallId,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<(i64, time::Date, i64)>>;
    /// Books a place in a slot: `Conflict("slot_full")` when it is full,
    /// `Conflict("duplicate")` when the user already holds one there.
    async fn book_appointment(&self, a: &NewAppointment) -> Result<AppointmentRecord>;
    /// Cancels a booking and frees its place; `Conflict` if already cancelled.
    async fn cancel_appointment(&self, id: i64, by: UserId, at: i64) -> Result<AppointmentRecord>;
    /// One appointment.
    async fn appointment(&self, id: i64) -> Result<AppointmentRecord>;
    /// Appointments matching a filter, by day and time.
    async fn appointments(&self, f: &AppointmentFilter) -> Result<Vec<AppointmentRecord>>;

    /// Records a rating and, for a 差评, its rectification (due on
    /// `due_on`), in one transaction; `Conflict` when the case was rated.
    async fn rate_case(
        &self,
        e: &NewEvaluation,
        rectify: Option<(Responsible, time::Date, time::Date)>,
    ) -> Result<(EvaluationRecord, Option<RectificationRecord>)>;
    /// Records a one-time code (its hash) sent to a phone.
    async fn issue_phone_code(
        &self,
        phone: &str,
        purpose: &str,
        code_hash: &str,
        addr: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// Codes sent since `since`: (to this phone, from this address).
    async fn phone_codes_since(&self, phone: &str, addr: &str, since: i64) -> Result<(i64, i64)>;
    /// Creates an applicant account if `code_hash` is the phone's latest
    /// unused, unexpired code (at most five tries), using the code up, in one
    /// transaction. `Ok(None)`: the code is wrong, used up or expired (a try
    /// is counted). `Conflict`: the user name is taken.
    async fn register_with_code(
        &self,
        user: &NewUser,
        phone: &str,
        purpose: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<Option<UserId>>;
    /// Signs in with a one-time code: if `code_hash` is the phone's latest
    /// unused, unexpired code for `purpose` (at most five tries), uses it up
    /// and creates `session` with its audit event, in one transaction.
    /// `Ok(false)`: the code is wrong, used up or expired (a try is counted).
    async fn session_with_code(
        &self,
        phone: &str,
        purpose: &str,
        code_hash: &str,
        now: i64,
        session: &Session,
        audit: &AuditEntry,
    ) -> Result<bool>;
    /// A real-name account's ID number and mobile, as registered.
    async fn user_identity(&self, user: UserId) -> Result<(Option<String>, Option<String>)>;
    /// The active or inactive applicant account with this ID number, and
    /// its mobile.
    async fn applicant_by_id_number(
        &self,
        id_number: &str,
    ) -> Result<Option<(tongban_domain::user::User, Option<String>)>>;
    /// An account's notifications, newest first (at most `limit`), and how
    /// many are unread.
    async fn notifications(
        &self,
        user: UserId,
        limit: i64,
    ) -> Result<(Vec<NotificationRecord>, i64)>;
    /// Marks an account's notifications read.
    async fn mark_notifications_read(&self, user: UserId, at: i64) -> Result<()>;
    /// A case by its internal id.
    async fn case_by_id(&self, id: i64) -> Result<CaseRecord>;
    /// Ratings: of one case, or all (newest first).
    async fn evaluations(&self, case_id: Option<i64>) -> Result<Vec<EvaluationRecord>>;
    /// The rectifications an actor sees (the one rule, as SQL), newest first.
    async fn rectifications(
        &self,
        visible: tongban_domain::authz::RectificationVisibility,
    ) -> Result<Vec<RectificationRecord>>;
    /// One rectification; `NotFound` if there is none.
    async fn rectification(&self, id: i64) -> Result<RectificationRecord>;
    /// The rectification a rating opened, if any.
    async fn rectification_of(&self, evaluation_id: i64) -> Result<Option<RectificationRecord>>;
    /// Adds a follow-up to, or closes, an open rectification; `Conflict` once closed.
    async fn rectification_step(
        &self,
        id: i64,
        step: &RectificationStep,
    ) -> Result<RectificationRecord>;

    /// Group commit so far, where the backend does it: (commits, the
    /// transactions they carried).
    fn group_commit_stats(&self) -> Option<(u64, u64)>;

    /// Benchmark baseline: commits `n` single-row transactions, `concurrency`
    /// at a time, into a scratch table (created and dropped here) with the
    /// database's own durability settings; returns the elapsed seconds.
    async fn bench_single_row_commits(&self, n: u32, concurrency: u32) -> Result<f64>;
}

/// Opens the store named by `url` (`sqlite://PATH`, `sqlite::memory:`, or
/// `postgres://…`) and applies migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
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

/// Hall + region code, decoded from rows by the backends.
pub(crate) fn region_code(s: String) -> RegionCode {
    RegionCode(s)
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
                .case_events(id)
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

/// Checks the audit log's hash chain page by page: how many events were
/// checked, or where it first breaks.
pub async fn verify_audit_log(
    store: &dyn Store,
) -> Result<std::result::Result<usize, tongban_domain::timeline::Break>> {
    let (mut after, mut prev) = (0i64, tongban_domain::timeline::GENESIS.to_owned());
    let mut checked = 0;
    loop {
        let page = store.audit_range(after, 1000).await?;
        let Some(last) = page.last().cloned() else {
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
    use super::{SessionKind, VariantArray};

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
