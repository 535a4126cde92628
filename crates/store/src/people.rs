//! People: accounts, sessions, throttled attempts, trusted devices,
//! one-time phone codes and registration, real-name identities, and in-site
//! notifications.

use crate::codec::corrupt;
use crate::{AuditEntry, NotificationRecord, Result, StoreError};
use strum::{EnumString, IntoStaticStr, VariantArray};
use tongban_domain::user::{Role, Scope, User};
use tongban_domain::{DepartmentId, HallId, RegionCode, UserId};

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

/// Which staff accounts to list, a page at a time (by id).
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    /// Only a hall's.
    pub hall: Option<tongban_domain::HallId>,
    /// Only a department's.
    pub department: Option<tongban_domain::DepartmentId>,
    /// Only those after this id.
    pub after: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// A staff account as its administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    /// The account.
    pub user: User,
    /// Its mobile.
    pub phone: Option<String>,
}

/// What an administrator changes about a staff account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUpdate {
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Where it is held.
    pub scope: Scope,
    /// Mobile.
    pub phone: Option<String>,
    /// Whether it may sign in.
    pub active: bool,
}

/// The SQL of a staff page: a hall's, a department's (the key `$1`), or
/// every staff account's, after an id, by id.
pub(crate) fn staff_page_sql(f: &StaffFilter) -> &'static str {
    match (f.hall, f.department) {
        (Some(_), _) => {
            "SELECT id, username, display_name, role, hall_id, department_id, active, household_region, phone
             FROM users WHERE hall_id = $1 AND id > $2 ORDER BY hall_id, id LIMIT $3"
        }
        (None, Some(_)) => {
            "SELECT id, username, display_name, role, hall_id, department_id, active, household_region, phone
             FROM users WHERE department_id = $1 AND id > $2 ORDER BY department_id, id LIMIT $3"
        }
        (None, None) => {
            "SELECT id, username, display_name, role, hall_id, department_id, active, household_region, phone
             FROM users WHERE role <> 'applicant' AND id > $2 AND $1 = $1 ORDER BY id LIMIT $3"
        }
    }
}

/// The SQL of a department's active staff of a role (`$3`: reviewers on
/// duty only), on `users_department_order`.
pub const DEPARTMENT_STAFF_SQL: &str = "SELECT id, phone FROM users
     WHERE department_id = $1 AND role = $2 AND active AND (on_duty OR $3 = 0)
     ORDER BY department_id, id";

/// A staff row: the account and its mobile.
#[derive(sqlx::FromRow)]
pub(crate) struct StaffRow {
    #[sqlx(flatten)]
    user: UserRow,
    phone: Option<String>,
}

impl TryFrom<StaffRow> for StaffRecord {
    type Error = StoreError;
    fn try_from(r: StaffRow) -> Result<Self> {
        Ok(StaffRecord {
            user: r.user.try_into()?,
            phone: r.phone,
        })
    }
}

/// What accounts, sessions, sign-in and notifications ask of a database.
#[async_trait::async_trait]
pub trait PeopleStore: Send + Sync {
    /// Creates an account.
    async fn create_user(&self, u: &NewUser) -> Result<UserId>;

    /// A department's active staff of a role, with their mobiles (and, for
    /// reviewers, only those on duty): whom a notice of the department goes to.
    async fn department_staff(
        &self,
        department: tongban_domain::DepartmentId,
        role: Role,
        on_duty_only: bool,
    ) -> Result<Vec<(UserId, Option<String>)>>;

    /// Whether an account is on duty.
    async fn on_duty(&self, user: UserId) -> Result<bool>;

    /// Puts an account on duty or off.
    async fn set_on_duty(&self, user: UserId, on: bool) -> Result<()>;

    /// A page of staff accounts (by id).
    async fn staff_page(&self, f: &StaffFilter) -> Result<Vec<StaffRecord>>;

    /// Changes a staff account; `NotFound` if there is none (or it is an
    /// applicant's).
    async fn update_staff(&self, id: UserId, s: &StaffUpdate) -> Result<()>;

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
}

/// An account's newest notifications: a backward walk of
/// `notifications_user` (user, id) as far as the limit; each case by key.
pub(crate) const NOTIFICATIONS_SQL: &str = "SELECT n.id, c.case_no, n.text, n.created_at, n.read_at \
    FROM notifications n JOIN cases c ON c.id = n.case_id WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2";

/// How many of an account's notifications are unread: the partial index
/// `notifications_unread` holds only those.
pub(crate) const UNREAD_SQL: &str =
    "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL";

/// Marks an account's unread notifications read (on `notifications_unread`).
pub(crate) const MARK_READ_SQL: &str =
    "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL";

/// A `users` row, without the secrets.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    hall_id: Option<i64>,
    department_id: Option<i64>,
    active: bool,
    household_region: Option<String>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self> {
        let role = Role::parse(&r.role).ok_or_else(|| corrupt("role", &r.role))?;
        let scope = match (r.hall_id, r.department_id) {
            (Some(h), _) => Scope::Hall(HallId(h)),
            (None, Some(d)) => Scope::Department(DepartmentId(d)),
            (None, None) if role == Role::PlatformAdmin => Scope::Platform,
            _ => Scope::None,
        };
        Ok(User {
            id: UserId(r.id),
            username: r.username,
            display_name: r.display_name,
            role,
            scope,
            active: r.active,
            household_region: r.household_region.map(RegionCode),
        })
    }
}

/// An account with its password hash.
#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

impl CredentialsRow {
    /// The account and its password hash.
    pub(crate) fn into_parts(self) -> Result<(User, String)> {
        Ok((self.user.try_into()?, self.password_hash))
    }
}

/// An applicant account with its mobile.
#[derive(sqlx::FromRow)]
pub(crate) struct ApplicantRow {
    #[sqlx(flatten)]
    user: UserRow,
    phone: Option<String>,
}

impl ApplicantRow {
    /// The account and its mobile.
    pub(crate) fn into_parts(self) -> Result<(User, Option<String>)> {
        Ok((self.user.try_into()?, self.phone))
    }
}

/// A `sessions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    token_hash: String,
    user_id: i64,
    kind: String,
    csrf: String,
    created_at: i64,
    expires_at: i64,
}

impl From<SessionRow> for Session {
    fn from(r: SessionRow) -> Self {
        Session {
            token_hash: r.token_hash,
            user_id: UserId(r.user_id),
            // The table's CHECK admits only the two kinds.
            kind: SessionKind::parse(&r.kind).unwrap_or(SessionKind::Bearer),
            csrf: r.csrf,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }
    }
}

/// A session joined with its account and the reference-data revision.
#[derive(sqlx::FromRow)]
pub(crate) struct SessionUserRow {
    #[sqlx(flatten)]
    session: SessionRow,
    #[sqlx(flatten)]
    user: UserRow,
    revision: i64,
}

impl SessionUserRow {
    /// The session, its account and the revision.
    pub(crate) fn into_parts(self) -> Result<(Session, User, i64)> {
        Ok((self.session.into(), self.user.try_into()?, self.revision))
    }
}

/// A notification with its case's number.
#[derive(sqlx::FromRow)]
pub(crate) struct NotificationRow {
    id: i64,
    case_no: String,
    text: String,
    created_at: i64,
    read_at: Option<i64>,
}

impl From<NotificationRow> for NotificationRecord {
    fn from(r: NotificationRow) -> Self {
        NotificationRecord {
            id: r.id,
            case_no: r.case_no,
            text: r.text,
            at: r.created_at,
            read: r.read_at.is_some(),
        }
    }
}

/// Implements [`PeopleStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_people {
    ($ty:ty, $db:ty, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::people::PeopleStore for $ty {
            async fn create_user(&self, u: &$crate::NewUser) -> $crate::Result<tongban_domain::UserId> {
                let mut conn = self.pool.acquire().await?;
                Self::insert_user(&mut conn, u, $crate::now_ms()).await
            }

            async fn user_credentials(
                &self,
                username: &str,
            ) -> $crate::Result<Option<(tongban_domain::user::User, String)>> {
                sqlx::query_as::<_, $crate::people::CredentialsRow>(
                    "SELECT id, username, display_name, password_hash, role, hall_id, department_id, active, household_region
                     FROM users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?
                .map($crate::people::CredentialsRow::into_parts)
                .transpose()
            }

            async fn user(&self, id: tongban_domain::UserId) -> $crate::Result<tongban_domain::user::User> {
                sqlx::query_as::<_, $crate::people::UserRow>(
                    "SELECT id, username, display_name, role, hall_id, department_id, active, household_region FROM users WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            async fn users(&self) -> $crate::Result<Vec<tongban_domain::user::User>> {
                sqlx::query_as::<_, $crate::people::UserRow>(
                    "SELECT id, username, display_name, role, hall_id, department_id, active, household_region FROM users ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::user::User::try_from)
                .collect()
            }

            async fn department_staff(
                &self,
                department: tongban_domain::DepartmentId,
                role: tongban_domain::user::Role,
                on_duty_only: bool,
            ) -> $crate::Result<Vec<(tongban_domain::UserId, Option<String>)>> {
                let rows: Vec<(i64, Option<String>)> = sqlx::query_as($crate::people::DEPARTMENT_STAFF_SQL)
                    .bind(department.0)
                    .bind(role.as_str())
                    .bind(i64::from(on_duty_only))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(id, phone)| (tongban_domain::UserId(id), phone)).collect())
            }

            async fn on_duty(&self, user: tongban_domain::UserId) -> $crate::Result<bool> {
                let on: Option<bool> = sqlx::query_scalar("SELECT on_duty FROM users WHERE id = $1")
                    .bind(user.0)
                    .fetch_optional(&self.pool)
                    .await?;
                on.ok_or($crate::StoreError::NotFound)
            }

            async fn set_on_duty(&self, user: tongban_domain::UserId, on: bool) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE users SET on_duty = $1 WHERE id = $2")
                    .bind(on)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn staff_page(&self, f: &$crate::people::StaffFilter) -> $crate::Result<Vec<$crate::people::StaffRecord>> {
                let key = f.hall.map(|h| h.0).or(f.department.map(|d| d.0)).unwrap_or(0);
                sqlx::query_as::<_, $crate::people::StaffRow>($crate::people::staff_page_sql(f))
                    .bind(key)
                    .bind(f.after.unwrap_or(0))
                    .bind(f.limit)
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::people::StaffRecord::try_from)
                    .collect()
            }

            async fn update_staff(&self, id: tongban_domain::UserId, s: &$crate::people::StaffUpdate) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE users SET display_name = $1, role = $2, hall_id = $3, department_id = $4, phone = $5, active = $6
                     WHERE id = $7 AND role <> 'applicant'",
                )
                .bind(&s.display_name)
                .bind(s.role.as_str())
                .bind(s.scope.hall().map(|h| h.0))
                .bind(s.scope.department().map(|d| d.0))
                .bind(s.phone.as_deref())
                .bind(s.active)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                // A disabled account's sessions end with it.
                if !s.active {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, s: &$crate::Session, audit: Option<&$crate::AuditEntry>) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                Self::insert_session(&mut tx, s).await?;
                if let Some(a) = audit {
                    Self::append_audit_tx(&mut tx, a).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: i64) -> $crate::Result<Option<$crate::Session>> {
                let row = sqlx::query_as::<_, $crate::people::SessionRow>(
                    "SELECT token_hash, user_id, kind, csrf, created_at, expires_at FROM sessions
                     WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map($crate::Session::from))
            }

            async fn session_user(
                &self,
                token_hash: &str,
                now: i64,
            ) -> $crate::Result<Option<($crate::Session, tongban_domain::user::User, i64)>> {
                sqlx::query_as::<_, $crate::people::SessionUserRow>(
                    "SELECT s.token_hash, s.user_id, s.kind, s.csrf, s.created_at, s.expires_at,
                            u.id, u.username, u.display_name, u.role, u.hall_id, u.department_id, u.active, u.household_region,
                            (SELECT revision FROM catalogue_revision WHERE id = 1) AS revision
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?
                .map($crate::people::SessionUserRow::into_parts)
                .transpose()
            }

            async fn delete_session(&self, token_hash: &str) -> $crate::Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn record_failure(&self, f: &$crate::Failure, audit: Option<&$crate::AuditEntry>) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO attempt_failures (kind, subject, addr, device, at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&f.kind)
                    .bind(&f.subject)
                    .bind(&f.addr)
                    .bind(f.device.as_deref())
                    .bind(f.at)
                    .execute(&mut *tx)
                    .await?;
                if let Some(a) = audit {
                    Self::append_audit_tx(&mut tx, a).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn failures_since(
                &self,
                kind: &str,
                subject: &str,
                addr: &str,
                device: Option<&str>,
                since: i64,
            ) -> $crate::Result<$crate::FailureCounts> {
                let (subject, pair, addr, device) = sqlx::query_as::<_, (i64, i64, i64, i64)>(
                    "SELECT (SELECT COUNT(*) FROM attempt_failures
                              WHERE kind = $1 AND subject = $2 AND at > $5 AND device IS NULL) AS by_subject,
                            (SELECT COUNT(*) FROM attempt_failures
                              WHERE kind = $1 AND subject = $2 AND at > $5 AND device IS NULL AND addr = $3) AS by_pair,
                            (SELECT COUNT(*) FROM attempt_failures
                              WHERE kind = $1 AND addr = $3 AND at > $5 AND device IS NULL) AS by_addr,
                            (SELECT COUNT(*) FROM attempt_failures
                              WHERE device = $4 AND at > $5 AND kind = $1) AS by_device",
                )
                .bind(kind)
                .bind(subject)
                .bind(addr)
                .bind(device)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::FailureCounts { subject, pair, addr, device })
            }

            async fn clear_failures(&self, kind: &str, subject: &str, addr: &str, device: Option<&str>) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM attempt_failures WHERE kind = $1 AND subject = $2 AND (addr = $3 OR device = $4)")
                    .bind(kind)
                    .bind(subject)
                    .bind(addr)
                    .bind(device)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn trust_device(&self, token_hash: &str, username: &str, now: i64, expires_at: i64) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO trusted_devices (token_hash, username, created_at, expires_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (token_hash, username) DO UPDATE SET expires_at = excluded.expires_at",
                )
                .bind(token_hash)
                .bind(username)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn device_trusted(&self, token_hash: &str, username: &str, now: i64) -> $crate::Result<bool> {
                let r = sqlx::query("SELECT 1 AS one FROM trusted_devices WHERE token_hash = $1 AND username = $2 AND expires_at > $3")
                    .bind(token_hash)
                    .bind(username)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(r.is_some())
            }

            async fn issue_phone_code(
                &self,
                phone: &str,
                purpose: &str,
                code_hash: &str,
                addr: &str,
                now: i64,
                expires_at: i64,
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO phone_codes (phone, purpose, code_hash, addr, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(phone)
                .bind(purpose)
                .bind(code_hash)
                .bind(addr)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn phone_codes_since(&self, phone: &str, addr: &str, since: i64) -> $crate::Result<(i64, i64)> {
                Ok(sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM phone_codes WHERE phone = $1 AND created_at > $3) AS by_phone,
                            (SELECT COUNT(*) FROM phone_codes WHERE addr = $2 AND created_at > $3) AS by_addr",
                )
                .bind(phone)
                .bind(addr)
                .bind(since)
                .fetch_one(&self.pool)
                .await?)
            }

            async fn register_with_code(
                &self,
                u: &$crate::NewUser,
                phone: &str,
                purpose: &str,
                code_hash: &str,
                now: i64,
            ) -> $crate::Result<Option<tongban_domain::UserId>> {
                let mut tx = self.begin_write().await?;
                if !Self::use_code_tx(&mut tx, phone, purpose, code_hash, now).await? {
                    tx.commit().await?;
                    return Ok(None);
                }
                let user = Self::insert_user(&mut tx, u, now).await?;
                tx.commit().await?;
                Ok(Some(user))
            }

            async fn session_with_code(
                &self,
                phone: &str,
                purpose: &str,
                code_hash: &str,
                now: i64,
                session: &$crate::Session,
                audit: &$crate::AuditEntry,
            ) -> $crate::Result<bool> {
                let mut tx = self.begin_write().await?;
                if !Self::use_code_tx(&mut tx, phone, purpose, code_hash, now).await? {
                    tx.commit().await?;
                    return Ok(false);
                }
                Self::insert_session(&mut tx, session).await?;
                Self::append_audit_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn user_identity(
                &self,
                user: tongban_domain::UserId,
            ) -> $crate::Result<(Option<String>, Option<String>)> {
                sqlx::query_as("SELECT id_number, phone FROM users WHERE id = $1")
                    .bind(user.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or($crate::StoreError::NotFound)
            }

            async fn applicant_by_id_number(
                &self,
                id_number: &str,
            ) -> $crate::Result<Option<(tongban_domain::user::User, Option<String>)>> {
                sqlx::query_as::<_, $crate::people::ApplicantRow>(
                    "SELECT id, username, display_name, role, hall_id, department_id, active, household_region, phone
                     FROM users WHERE id_number = $1 AND role = 'applicant'",
                )
                .bind(id_number)
                .fetch_optional(&self.pool)
                .await?
                .map($crate::people::ApplicantRow::into_parts)
                .transpose()
            }

            async fn notifications(
                &self,
                user: tongban_domain::UserId,
                limit: i64,
            ) -> $crate::Result<(Vec<$crate::NotificationRecord>, i64)> {
                let unread: i64 = sqlx::query_scalar($crate::people::UNREAD_SQL)
                    .bind(user.0)
                    .fetch_one(&self.pool)
                    .await?;
                let list = sqlx::query_as::<_, $crate::people::NotificationRow>($crate::people::NOTIFICATIONS_SQL)
                .bind(user.0)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::NotificationRecord::from)
                .collect();
                Ok((list, unread))
            }

            async fn mark_notifications_read(&self, user: tongban_domain::UserId, at: i64) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query($crate::people::MARK_READ_SQL)
                    .bind(at)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }

        impl $ty {
            /// Inserts an account (sign-up and administration share it).
            async fn insert_user(
                conn: &mut <$db as sqlx::Database>::Connection,
                u: &$crate::NewUser,
                now: i64,
            ) -> $crate::Result<tongban_domain::UserId> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, password_hash, role, hall_id, department_id, active, household_region, created_at, id_number, phone)
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $9, $10) RETURNING id",
                )
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.role.as_str())
                .bind(u.scope.hall().map(|h| h.0))
                .bind(u.scope.department().map(|d| d.0))
                .bind(u.household_region.as_ref().map(|r| r.as_str()))
                .bind(now)
                .bind(u.id_number.as_deref())
                .bind(u.phone.as_deref())
                .fetch_one(&mut *conn)
                .await?;
                // 一号: the cases windows filed under this person's ID number are theirs too.
                if let (tongban_domain::user::Role::Applicant, Some(n)) = (u.role, u.id_number.as_deref()) {
                    sqlx::query(
                        "UPDATE cases SET applicant_user_id = $1
                         WHERE applicant_id_number = $2 AND applicant_user_id IS NULL",
                    )
                    .bind(id)
                    .bind(n)
                    .execute(&mut *conn)
                    .await?;
                }
                Ok(tongban_domain::UserId(id))
            }

            /// Inserts a session (password and one-time-code sign-ins share it).
            async fn insert_session(
                conn: &mut <$db as sqlx::Database>::Connection,
                s: &$crate::Session,
            ) -> $crate::Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&s.token_hash)
                .bind(s.user_id.0)
                .bind(s.kind.as_str())
                .bind(&s.csrf)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            /// Uses up `phone`'s latest unused, unexpired code for `purpose` if
            /// `code_hash` matches it (at most five tries; a wrong try is counted).
            async fn use_code_tx(
                tx: &mut $tx,
                phone: &str,
                purpose: &str,
                code_hash: &str,
                now: i64,
            ) -> $crate::Result<bool> {
                let row = sqlx::query_as::<_, (i64, String, i64)>(
                    "SELECT id, code_hash, attempts FROM phone_codes
                     WHERE phone = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(phone)
                .bind(purpose)
                .bind(now)
                .fetch_optional(&mut **tx)
                .await?;
                let Some((id, stored, attempts)) = row else {
                    return Ok(false);
                };
                if attempts >= 5 || stored != code_hash {
                    sqlx::query("UPDATE phone_codes SET attempts = attempts + 1 WHERE id = $1")
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                    return Ok(false);
                }
                sqlx::query("UPDATE phone_codes SET used_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Ok(true)
            }
        }
    };
}
pub(crate) use impl_people;
