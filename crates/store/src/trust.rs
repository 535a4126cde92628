//! Grants of rights and the security audit log, as stored.

use crate::{Result, StoreError};
use tongban_domain::grant::Grant;
use tongban_domain::grant::{Grantee, Right};
use tongban_domain::timeline::StoredAudit;
use tongban_domain::{DepartmentId, ItemCode, UserId};

/// A grant to record.
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The granting department.
    pub grantor: DepartmentId,
    /// Who receives the rights.
    pub grantee: Grantee,
    /// The items; `None` for all of the grantor's.
    pub items: Option<Vec<ItemCode>>,
    /// The rights.
    pub rights: Vec<Right>,
    /// First day.
    pub valid_from: time::Date,
    /// Last day (inclusive).
    pub valid_to: time::Date,
    /// Who grants.
    pub granted_by: UserId,
    /// When, unix ms.
    pub granted_at: i64,
    /// Why.
    pub reason: String,
}

/// A security event to append to the audit log.
#[derive(Clone)]
pub struct AuditEntry {
    /// Unix ms.
    pub at: i64,
    /// What happened.
    pub kind: String,
    /// The acting account, if known.
    pub actor: Option<UserId>,
    /// The user name (for failed sign-ins, as typed).
    pub username: Option<String>,
    /// Client address.
    pub addr: String,
    /// What it concerns.
    pub subject: String,
    /// Details as JSON text; never a full personal number.
    pub detail: String,
}

impl std::fmt::Debug for AuditEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditEntry")
            .field("kind", &self.kind)
            .field("actor", &self.actor)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// Which audit events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this actor.
    pub actor: Option<UserId>,
    /// Only this subject.
    pub subject: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip (newest first).
    pub offset: i64,
}

/// What grants and the audit log ask of a database.
#[async_trait::async_trait]
pub trait TrustStore: Send + Sync {
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
}

pub(crate) const GRANT_COLUMNS: &str = "id, grantor_department_id, grantee_hall_id, grantee_level, grantee_region, items, rights, \
    valid_from, valid_to, granted_by, granted_at, reason, revoked_by, revoked_at, revoke_reason";

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, kind, actor_id, username, addr, subject, detail, prev_hash, hash";

/// Implements [`TrustStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_trust {
    ($ty:ty, $db:ty, $audit_lock:literal, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::trust::TrustStore for $ty {
            async fn grants(&self) -> $crate::Result<Vec<tongban_domain::grant::Grant>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM grants ORDER BY id",
                    $crate::trust::GRANT_COLUMNS
                )))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::grant_row).collect()
            }

            async fn create_grants(
                &self,
                grants: &[($crate::NewGrant, $crate::AuditEntry)],
            ) -> $crate::Result<Vec<tongban_domain::grant::Grant>> {
                let mut tx = self.begin_write().await?;
                let mut out = Vec::with_capacity(grants.len());
                for (g, audit) in grants {
                    out.push(Self::insert_grant_tx(&mut tx, g, audit).await?);
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn revoke_grant(
                &self,
                id: i64,
                by: tongban_domain::UserId,
                at: i64,
                reason: &str,
                audit: &$crate::AuditEntry,
            ) -> $crate::Result<tongban_domain::grant::Grant> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE grants SET revoked_by = $1, revoked_at = $2, revoke_reason = $3
                     WHERE id = $4 AND revoked_at IS NULL RETURNING {}",
                    $crate::trust::GRANT_COLUMNS
                )))
                .bind(by.0)
                .bind(at)
                .bind(reason)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    let exists = sqlx::query("SELECT 1 AS one FROM grants WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(match exists {
                        Some(_) => $crate::StoreError::Conflict("grant already revoked".into()),
                        None => $crate::StoreError::NotFound,
                    });
                };
                let grant = Self::grant_row(&row)?;
                Self::append_audit_tx(&mut tx, audit).await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(grant)
            }

            async fn append_audit(&self, entry: &$crate::AuditEntry) -> $crate::Result<i64> {
                let mut tx = self.begin_write().await?;
                let seq = Self::append_audit_tx(&mut tx, entry).await?;
                tx.commit().await?;
                Ok(seq)
            }

            async fn audit_events(
                &self,
                f: &$crate::AuditFilter,
            ) -> $crate::Result<(Vec<tongban_domain::timeline::StoredAudit>, i64)> {
                use sqlx::Row;
                let filter = "($1 IS NULL OR kind = $1) AND ($2 IS NULL OR actor_id = $2) AND ($3 IS NULL OR subject = $3)";
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) AS n FROM audit_events WHERE {filter}"
                )))
                .bind(f.kind.as_deref())
                .bind(f.actor.map(|a| a.0))
                .bind(f.subject.as_deref())
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM audit_events WHERE {filter} ORDER BY seq DESC LIMIT $4 OFFSET $5",
                    $crate::trust::AUDIT_COLUMNS
                )))
                .bind(f.kind.as_deref())
                .bind(f.actor.map(|a| a.0))
                .bind(f.subject.as_deref())
                .bind(f.limit)
                .bind(f.offset)
                .fetch_all(&self.pool)
                .await?;
                Ok((rows.iter().map(Self::audit_row).collect::<$crate::Result<_>>()?, total))
            }

            async fn audit_range(
                &self,
                after: i64,
                limit: i64,
            ) -> $crate::Result<Vec<tongban_domain::timeline::StoredAudit>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                    $crate::trust::AUDIT_COLUMNS
                )))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::audit_row).collect()
            }
        }

        impl $ty {
            /// Appends to the audit chain inside `tx`. The chain is one
            /// sequence: on PostgreSQL a transaction-scoped advisory lock
            /// serialises appenders; SQLite's write lock already does.
            async fn append_audit_tx(
                tx: &mut $tx,
                e: &$crate::AuditEntry,
            ) -> $crate::Result<i64> {
                use sqlx::Row;
                if !$audit_lock.is_empty() {
                    sqlx::query($audit_lock).execute(&mut **tx).await?;
                }
                let last = sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut **tx)
                    .await?;
                let (seq, prev) = match last {
                    Some(r) => (r.try_get::<i64, _>("seq")? + 1, r.try_get::<String, _>("hash")?),
                    None => (1, tongban_domain::timeline::GENESIS.to_owned()),
                };
                let hash = tongban_domain::timeline::audit_hash(
                    &prev,
                    &tongban_domain::timeline::AuditFields {
                        seq,
                        at: e.at,
                        kind: &e.kind,
                        actor: e.actor.map(|a| a.0),
                        username: e.username.as_deref(),
                        addr: &e.addr,
                        subject: &e.subject,
                        detail: &e.detail,
                    },
                );
                sqlx::query(
                    "INSERT INTO audit_events (seq, at, kind, actor_id, username, addr, subject, detail, prev_hash, hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(seq)
                .bind(e.at)
                .bind(&e.kind)
                .bind(e.actor.map(|a| a.0))
                .bind(e.username.as_deref())
                .bind(&e.addr)
                .bind(&e.subject)
                .bind(&e.detail)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                Ok(seq)
            }

            async fn insert_grant_tx(
                tx: &mut $tx,
                g: &$crate::NewGrant,
                audit: &$crate::AuditEntry,
            ) -> $crate::Result<tongban_domain::grant::Grant> {
                use tongban_domain::grant::Grantee;
                let (hall, level, region) = match &g.grantee {
                    Grantee::Hall(h) => (Some(h.0), None, None),
                    Grantee::Level { level, region } => (None, Some(level.as_str()), Some(region.as_str())),
                };
                let rights: Vec<&str> = g.rights.iter().map(|r| r.as_str()).collect();
                let items = g.items.as_ref().map($crate::codec::to_json).transpose()?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO grants (grantor_department_id, grantee_hall_id, grantee_level, grantee_region, items, rights,
                       valid_from, valid_to, granted_by, granted_at, reason)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {}",
                    $crate::trust::GRANT_COLUMNS
                )))
                .bind(g.grantor.0)
                .bind(hall)
                .bind(level)
                .bind(region)
                .bind(items)
                .bind(rights.join(","))
                .bind($crate::codec::date_str(g.valid_from))
                .bind($crate::codec::date_str(g.valid_to))
                .bind(g.granted_by.0)
                .bind(g.granted_at)
                .bind(&g.reason)
                .fetch_one(&mut **tx)
                .await?;
                let grant = Self::grant_row(&row)?;
                let mut audit = audit.clone();
                audit.subject = format!("grant:{}", grant.id);
                Self::append_audit_tx(tx, &audit).await?;
                Ok(grant)
            }

            fn audit_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<tongban_domain::timeline::StoredAudit> {
                use sqlx::Row;
                Ok(tongban_domain::timeline::StoredAudit {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    actor: r.try_get("actor_id")?,
                    username: r.try_get("username")?,
                    addr: r.try_get("addr")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            }

            fn grant_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<tongban_domain::grant::Grant> {
                use sqlx::Row;
                use tongban_domain::grant::{Grantee, Revocation, Right};
                let grantee = match r.try_get::<Option<i64>, _>("grantee_hall_id")? {
                    Some(h) => Grantee::Hall(tongban_domain::HallId(h)),
                    None => Grantee::Level {
                        level: $crate::codec::level(r.try_get::<&str, _>("grantee_level")?)?,
                        region: tongban_domain::RegionCode(r.try_get("grantee_region")?),
                    },
                };
                let rights = r
                    .try_get::<&str, _>("rights")?
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(|x| Right::parse(x).ok_or_else(|| $crate::codec::corrupt("right", x)))
                    .collect::<$crate::Result<Vec<_>>>()?;
                let revoked = match r.try_get::<Option<i64>, _>("revoked_at")? {
                    Some(at) => Some(Revocation {
                        by: tongban_domain::UserId(r.try_get::<Option<i64>, _>("revoked_by")?.unwrap_or(0)),
                        at,
                        reason: r.try_get::<Option<String>, _>("revoke_reason")?.unwrap_or_default(),
                    }),
                    None => None,
                };
                Ok(tongban_domain::grant::Grant {
                    id: r.try_get("id")?,
                    grantor: tongban_domain::DepartmentId(r.try_get("grantor_department_id")?),
                    grantee,
                    items: r
                        .try_get::<Option<&str>, _>("items")?
                        .map(|s| $crate::codec::json("items", s))
                        .transpose()?,
                    rights,
                    valid_from: $crate::codec::parse_date(r.try_get::<&str, _>("valid_from")?)?,
                    valid_to: $crate::codec::parse_date(r.try_get::<&str, _>("valid_to")?)?,
                    granted_by: tongban_domain::UserId(r.try_get("granted_by")?),
                    granted_at: r.try_get("granted_at")?,
                    reason: r.try_get("reason")?,
                    revoked,
                })
            }
        }
    };
}
pub(crate) use impl_trust;
