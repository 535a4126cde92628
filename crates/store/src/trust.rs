//! Grants of rights and the security audit log, as stored.

use crate::codec::{corrupt, json, level, parse_date};
use crate::{Result, StoreError};
use tongban_domain::grant::{Grant, Grantee, Revocation, Right};
use tongban_domain::timeline::StoredAudit;
use tongban_domain::{DepartmentId, HallId, ItemCode, RegionCode, UserId};

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

/// Which audit events to list: any combination of the filters, newest
/// first (by time, then id).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this actor.
    pub actor: Option<UserId>,
    /// Only this subject (a case number, `grant:ID`, `user:NAME`, …).
    pub subject: Option<String>,
    /// Only this outcome (`allowed` or `denied`, as
    /// `tongban_domain::timeline::audit_outcome` gives it).
    pub outcome: Option<String>,
    /// Only events at or after this instant (unix ms).
    pub from: Option<i64>,
    /// Only events before this instant (unix ms).
    pub to: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// Only events older than this one (the previous page's `next`).
    pub before: Option<AuditKey>,
}

/// An audit event's place in the list's order: its time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditKey {
    /// Unix ms.
    pub at: i64,
    /// Id (insertion order).
    pub id: i64,
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

    /// Appends a security event to the audit log, without waiting for any
    /// other writer: it is sealed into the hash chain shortly after
    /// ([`TrustStore::seal_audit`]). Its id.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<i64>;

    /// A page of the audit events matching a filter, newest first (unsealed
    /// ones with position 0 and no hash), and the cursor of the next page.
    async fn audit_events(
        &self,
        filter: &AuditFilter,
    ) -> Result<(Vec<StoredAudit>, Option<AuditKey>)>;

    /// Sealed audit events after position `after`, in order (for verification).
    async fn audit_range(&self, after: i64, limit: i64) -> Result<Vec<StoredAudit>>;

    /// Seals up to `limit` unsealed events into the chain, in the order
    /// they were written: each gets the next position and a hash chained
    /// to the one before. One sealer at a time (it holds the chain's head).
    /// How many were sealed.
    async fn seal_audit(&self, limit: i64) -> Result<usize>;

    /// How many events wait to be sealed.
    async fn unsealed_audit(&self) -> Result<i64>;

    /// The chain's head: the last sealed position and its hash.
    async fn audit_head(&self) -> Result<(i64, String)>;
}

/// A `grants` row, as [`GRANT_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct GrantRow {
    id: i64,
    grantor_department_id: i64,
    grantee_hall_id: Option<i64>,
    grantee_level: Option<String>,
    grantee_region: Option<String>,
    items: Option<String>,
    rights: String,
    valid_from: String,
    valid_to: String,
    granted_by: i64,
    granted_at: i64,
    reason: String,
    revoked_by: Option<i64>,
    revoked_at: Option<i64>,
    revoke_reason: Option<String>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Self> {
        let grantee = match (r.grantee_hall_id, r.grantee_level, r.grantee_region) {
            (Some(h), _, _) => Grantee::Hall(HallId(h)),
            (None, Some(l), Some(region)) => Grantee::Level {
                level: level(&l)?,
                region: RegionCode(region),
            },
            (None, _, _) => return Err(corrupt("grantee", "neither a hall nor a level")),
        };
        let rights = r
            .rights
            .split(',')
            .filter(|x| !x.is_empty())
            .map(|x| Right::parse(x).ok_or_else(|| corrupt("right", x)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Grant {
            id: r.id,
            grantor: DepartmentId(r.grantor_department_id),
            grantee,
            items: r.items.map(|s| json("items", &s)).transpose()?,
            rights,
            valid_from: parse_date(&r.valid_from)?,
            valid_to: parse_date(&r.valid_to)?,
            granted_by: UserId(r.granted_by),
            granted_at: r.granted_at,
            reason: r.reason,
            revoked: r.revoked_at.map(|at| Revocation {
                by: UserId(r.revoked_by.unwrap_or(0)),
                at,
                reason: r.revoke_reason.unwrap_or_default(),
            }),
        })
    }
}

/// An `audit_events` row, as [`AUDIT_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub(crate) id: i64,
    seq: Option<i64>,
    pub(crate) at: i64,
    kind: String,
    actor_id: Option<i64>,
    username: Option<String>,
    addr: String,
    subject: String,
    detail: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl From<AuditRow> for StoredAudit {
    fn from(r: AuditRow) -> Self {
        StoredAudit {
            seq: r.seq.unwrap_or(0),
            at: r.at,
            kind: r.kind,
            actor: r.actor_id,
            username: r.username,
            addr: r.addr,
            subject: r.subject,
            detail: r.detail,
            prev_hash: r.prev_hash.unwrap_or_default(),
            hash: r.hash.unwrap_or_default(),
        }
    }
}

/// The columns of a grant row.
pub(crate) const GRANT_COLUMNS: &str = "id, grantor_department_id, grantee_hall_id, grantee_level, grantee_region, items, rights, \
    valid_from, valid_to, granted_by, granted_at, reason, revoked_by, revoked_at, revoke_reason";

/// The columns of an audit event row.
pub(crate) const AUDIT_COLUMNS: &str =
    "id, seq, at, kind, actor_id, username, addr, subject, detail, prev_hash, hash";

/// A value bound to the audit list's query.
pub(crate) enum AuditBind {
    Text(String),
    Int(i64),
}

/// The audit list's query for a filter and its binds in order (the limit
/// last): one indexed equality at most — the subject's, the actor's, the
/// kind's or the outcome's index, in that order; the other equalities then
/// apply to the rows that index yields — walked by (at, id) newest first,
/// the date range and the cursor being ranges of it.
pub(crate) fn audit_page_sql(f: &AuditFilter) -> (String, Vec<AuditBind>) {
    let mut binds = Vec::new();
    let mut conds = Vec::new();
    let mut push = |cond: &str, b: AuditBind, binds: &mut Vec<AuditBind>| {
        binds.push(b);
        conds.push(cond.replace('?', &format!("${}", binds.len())));
    };
    if let Some(s) = &f.subject {
        push("subject = ?", AuditBind::Text(s.clone()), &mut binds);
    }
    if let Some(a) = f.actor {
        push("actor_id = ?", AuditBind::Int(a.0), &mut binds);
    }
    if let Some(k) = &f.kind {
        push("kind = ?", AuditBind::Text(k.clone()), &mut binds);
    }
    if let Some(o) = &f.outcome {
        push("outcome = ?", AuditBind::Text(o.clone()), &mut binds);
    }
    if let Some(t) = f.from {
        push("at >= ?", AuditBind::Int(t), &mut binds);
    }
    if let Some(t) = f.to {
        push("at < ?", AuditBind::Int(t), &mut binds);
    }
    if let Some(k) = f.before {
        binds.push(AuditBind::Int(k.at));
        binds.push(AuditBind::Int(k.id));
        let n = binds.len();
        conds.push(format!("(at, id) < (${}, ${n})", n - 1));
    }
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conds.join(" AND "))
    };
    // The order names the leading index's column, so the planner walks it.
    let lead = if f.subject.is_some() {
        "subject DESC, "
    } else if f.actor.is_some() {
        "actor_id DESC, "
    } else if f.kind.is_some() {
        "kind DESC, "
    } else if f.outcome.is_some() {
        "outcome DESC, "
    } else {
        ""
    };
    binds.push(AuditBind::Int(f.limit + 1));
    let sql = format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events {where_} ORDER BY {lead}at DESC, id DESC LIMIT ${}",
        binds.len()
    );
    (sql, binds)
}

/// Implements [`TrustStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_trust {
    ($ty:ty, $for_update:literal, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::trust::TrustStore for $ty {
            async fn grants(&self) -> $crate::Result<Vec<tongban_domain::grant::Grant>> {
                sqlx::query_as::<_, $crate::trust::GrantRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM grants ORDER BY id",
                    $crate::trust::GRANT_COLUMNS
                )))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::grant::Grant::try_from)
                .collect()
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
                let row = sqlx::query_as::<_, $crate::trust::GrantRow>(sqlx::AssertSqlSafe(format!(
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
                let grant = tongban_domain::grant::Grant::try_from(row)?;
                Self::append_audit_tx(&mut tx, audit).await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(grant)
            }

            async fn append_audit(&self, entry: &$crate::AuditEntry) -> $crate::Result<i64> {
                self.append_audit_grouped(entry).await
            }

            async fn audit_events(
                &self,
                f: &$crate::AuditFilter,
            ) -> $crate::Result<(Vec<tongban_domain::timeline::StoredAudit>, Option<$crate::trust::AuditKey>)> {
                let (sql, binds) = $crate::trust::audit_page_sql(f);
                let mut q = sqlx::query_as::<_, $crate::trust::AuditRow>(sqlx::AssertSqlSafe(sql));
                for b in binds {
                    q = match b {
                        $crate::trust::AuditBind::Text(t) => q.bind(t),
                        $crate::trust::AuditBind::Int(i) => q.bind(i),
                    };
                }
                let mut rows = q.fetch_all(&self.pool).await?;
                let more = rows.len() as i64 > f.limit;
                rows.truncate(usize::try_from(f.limit).unwrap_or(0));
                let next = if more {
                    rows.last().map(|r| $crate::trust::AuditKey { at: r.at, id: r.id })
                } else {
                    None
                };
                Ok((rows.into_iter().map(tongban_domain::timeline::StoredAudit::from).collect(), next))
            }

            async fn audit_range(
                &self,
                after: i64,
                limit: i64,
            ) -> $crate::Result<Vec<tongban_domain::timeline::StoredAudit>> {
                Ok(sqlx::query_as::<_, $crate::trust::AuditRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
                    $crate::trust::AUDIT_COLUMNS
                )))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::timeline::StoredAudit::from)
                .collect())
            }

            async fn seal_audit(&self, limit: i64) -> $crate::Result<usize> {
                let mut tx = self.begin_write().await?;
                let (mut seq, mut prev): (i64, String) = sqlx::query_as(concat!(
                    "SELECT seq, hash FROM audit_head WHERE id = 1",
                    $for_update
                ))
                .fetch_one(&mut *tx)
                .await?;
                let rows = sqlx::query_as::<_, $crate::trust::AuditRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT $1",
                    $crate::trust::AUDIT_COLUMNS
                )))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                let n = rows.len();
                for r in rows {
                    let id = r.id;
                    let e = tongban_domain::timeline::StoredAudit::from(r);
                    seq += 1;
                    let hash = tongban_domain::timeline::audit_hash(
                        &prev,
                        &tongban_domain::timeline::AuditFields { seq, ..e.fields() },
                    );
                    sqlx::query("UPDATE audit_events SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4")
                        .bind(seq)
                        .bind(&prev)
                        .bind(&hash)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    prev = hash;
                }
                if n > 0 {
                    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                        .bind(seq)
                        .bind(&prev)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(n)
            }

            async fn audit_head(&self) -> $crate::Result<(i64, String)> {
                Ok(sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?)
            }

            async fn unsealed_audit(&self) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE seq IS NULL").fetch_one(&self.pool).await?)
            }
        }

        impl $ty {
            /// Appends an event to the audit log inside `tx`, unsealed: no
            /// lock, no read of the chain (the sealer chains it). Its id.
            async fn append_audit_tx(
                tx: &mut $tx,
                e: &$crate::AuditEntry,
            ) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO audit_events (at, kind, actor_id, username, addr, subject, detail, outcome)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(e.at)
                .bind(&e.kind)
                .bind(e.actor.map(|a| a.0))
                .bind(e.username.as_deref())
                .bind(&e.addr)
                .bind(&e.subject)
                .bind(&e.detail)
                .bind(tongban_domain::timeline::audit_outcome(&e.kind))
                .fetch_one(&mut **tx)
                .await?)
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
                let row = sqlx::query_as::<_, $crate::trust::GrantRow>(sqlx::AssertSqlSafe(format!(
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
                let grant = tongban_domain::grant::Grant::try_from(row)?;
                let mut audit = audit.clone();
                audit.subject = format!("grant:{}", grant.id);
                Self::append_audit_tx(tx, &audit).await?;
                Ok(grant)
            }
        }
    };
}
pub(crate) use impl_trust;
