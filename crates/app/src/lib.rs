//! The application layer of tongban: one function per use case. Each takes
//! an [`Actor`] (a signed-in user, never optional) and a typed command,
//! loads what the domain's decision needs, asks the pure domain, and writes
//! once, in one transaction, through the store. It answers a typed result or
//! an [`AppError`]. HTTP handlers, pages, the CLI, workers, the demo seed and
//! simulations all call these functions; nothing here knows HTTP, and
//! nothing below the server imports from the server.

pub mod appointments;
pub mod audit;
pub mod blobs;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod city_admin;
pub mod codes;
pub mod cursor;
pub mod documents;
pub mod error;
pub mod evaluations;
pub mod grant_matrix;
pub mod grants;
pub mod guide;
pub mod guide_map;
pub mod halls;
pub mod licences;
pub mod list_batches;
pub mod manual;
pub mod materials;
pub mod refdata;
pub mod scans;
pub mod sms;
pub mod text;
pub mod users;
pub mod video;
pub mod views;

pub use error::{AppError, AppResult};
pub use refdata::{Lookups, RefCache, RefData};

use std::sync::Arc;
use tongban_domain::authz::{self, Action, Trust};
use tongban_domain::user::User;
use tongban_store::Store;

/// What every use case runs against: the database, the reference-data
/// cache, the clock and the outbox's wake-up. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    /// The database.
    pub store: Arc<dyn Store>,
    /// City and calendar lookups, cached per reference-data revision.
    pub refdata: Arc<RefCache>,
    /// The clock; tests fix it.
    pub now: Now,
    /// Wakes the outbox worker after a change has written messages.
    pub outbox: Arc<Wakeup>,
    /// Uploaded files.
    pub blobs: Arc<dyn blobs::BlobStore>,
    /// The e-licence library (the demo answers from fixed rules).
    pub licences: Arc<dyn licences::LicenceLibrary>,
    /// Catalogue search, cached per catalogue revision.
    pub catalogue: Arc<catalogue::CatalogueCache>,
    /// Working days a 差评's rectification is due in (default 5).
    pub rectify_days: Option<u32>,
    /// Working hours after which an arrival nobody took up is told to its
    /// department's admins (default 4).
    pub arrival_hours: Option<u32>,
    /// Where text messages go (the demo writes them to the log).
    pub sender: Arc<dyn sms::Sender>,
    /// The video service of video checks (the demo makes links up).
    pub video: Arc<dyn video::VideoService>,
}

impl App {
    /// An application over a store, on the system clock, keeping files
    /// under `files_dir`, with the demo's e-licence library.
    pub fn new(store: Arc<dyn Store>, files_dir: std::path::PathBuf) -> Self {
        Self {
            store,
            refdata: Arc::default(),
            now: Now::system(),
            outbox: Arc::default(),
            blobs: Arc::new(blobs::FsBlobStore::new(files_dir)),
            licences: Arc::new(licences::DemoLibrary),
            catalogue: Arc::default(),
            rectify_days: None,
            arrival_hours: None,
            sender: Arc::new(sms::LogSender),
            video: Arc::new(video::DemoVideo),
        }
    }
}

/// Who acts: a signed-in user (the account as read with the session), and
/// the reference-data revision read with it, if any.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account.
    pub user: User,
    /// The reference-data revision read with the session (saves a query).
    pub revision: Option<i64>,
    /// Where the actor acts from (a client address; `cli`, `worker`, …),
    /// as the audit log records it.
    pub addr: String,
}

impl Actor {
    /// The platform's administrator at the console: `tongban …` commands
    /// that act as an administrator would.
    pub fn operator() -> Self {
        Actor {
            user: User {
                id: tongban_domain::UserId(0),
                username: "operator".into(),
                display_name: "命令行管理员".into(),
                role: tongban_domain::user::Role::PlatformAdmin,
                scope: tongban_domain::user::Scope::Platform,
                active: true,
                household_region: None,
            },
            revision: None,
            addr: "cli".into(),
        }
    }

    /// The actor as the domain's authorisation sees it.
    pub fn who(&self) -> authz::Actor {
        authz::Actor::User {
            id: self.user.id,
            role: self.user.role,
            scope: self.user.scope,
        }
    }

    /// A security audit event by this actor, written with the change it
    /// records.
    pub fn audit_entry(
        &self,
        at: i64,
        kind: &str,
        subject: &str,
        detail: serde_json::Value,
    ) -> tongban_store::AuditEntry {
        tongban_store::AuditEntry {
            at,
            kind: kind.into(),
            actor: Some(self.user.id),
            username: Some(self.user.username.clone()),
            addr: self.addr.clone(),
            subject: subject.into(),
            detail: detail.to_string(),
        }
    }

    /// Asks the one authorisation function; a refusal is an
    /// [`AppError::Denied`] that names what was refused.
    pub fn authorize(&self, action: Action<'_>, trust: &Trust<'_>) -> AppResult<()> {
        authz::authorize(self.who(), action, trust).map_err(|d| AppError::denied(&action, d))
    }
}

/// A source of the current time in unix milliseconds.
#[derive(Clone)]
pub struct Now(pub Arc<dyn Fn() -> i64 + Send + Sync>);

impl std::fmt::Debug for Now {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Now")
    }
}

impl Now {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(tongban_store::now_ms))
    }
    /// A fixed instant (tests).
    pub fn fixed(ms: i64) -> Self {
        Self(Arc::new(move || ms))
    }
    /// Unix ms now.
    pub fn ms(&self) -> i64 {
        (self.0)()
    }
    /// Today's date in Asia/Shanghai.
    pub fn today(&self) -> time::Date {
        shanghai_date(self.ms())
    }
}

/// The Asia/Shanghai (UTC+8, no daylight saving) date of an instant.
pub fn shanghai_date(ms: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8))
        .date()
}

/// The first moment of a day in Asia/Shanghai, unix ms.
pub fn day_start_ms(d: time::Date) -> i64 {
    let t = d
        .with_hms(0, 0, 0)
        .expect("midnight")
        .assume_offset(time::macros::offset!(+8));
    t.unix_timestamp() * 1000
}

/// Wakes this process's outbox worker when a change has written messages.
#[derive(Debug, Default)]
pub struct Wakeup(tokio::sync::Notify);

impl Wakeup {
    /// Tells the worker there may be something to send.
    pub fn wake(&self) {
        self.0.notify_one();
    }
    /// Waits for the next wake-up.
    pub async fn woken(&self) {
        self.0.notified().await;
    }
}
