//! The SQL shared by both backends. `$n` placeholders, `RETURNING` and
//! `ON CONFLICT` mean the same on SQLite and PostgreSQL, so one body serves
//! both; the macro expands it once per backend, where each expansion is type
//! checked against its own driver. Dialect differences stay in the DDL of
//! each backend's migrations.

use crate::{Result, StoreError};
use tongban_domain::catalogue::ItemContent;
use tongban_domain::city::{DepartmentKind, HallKind, RegionLevel, SystemKind};
use tongban_domain::tongban::Mode;
use tongban_domain::user::{Role, Scope};
use tongban_domain::{DepartmentId, HallId};

/// The visibility rule as a SQL condition over `cases`, with the values
/// of its placeholders `$1` and `$2` (unused ones are bound too, as 0).
pub(crate) fn visibility_sql(v: tongban_domain::authz::CaseVisibility) -> (&'static str, [i64; 2]) {
    use tongban_domain::authz::CaseVisibility as V;
    match v {
        V::Nothing => ("($1 = 0 AND $2 = 0 AND 1 = 0)", [0, 0]),
        V::All => ("($1 = 0 AND $2 = 0)", [0, 0]),
        V::Applicant(u) => ("(applicant_user_id = $1 AND $2 = 0)", [u.0, 0]),
        V::Hall {
            hall: Some(h),
            helper: None,
        } => (
            "((hall_id = $1 OR pickup_hall_id = $1) AND $2 = 0)",
            [h.0, 0],
        ),
        V::Hall {
            hall: Some(h),
            helper: Some(u),
        } => (
            "(hall_id = $1 OR pickup_hall_id = $1 OR assisted_by = $2)",
            [h.0, u.0],
        ),
        V::Hall {
            hall: None,
            helper: Some(u),
        } => ("(assisted_by = $1 AND $2 = 0)", [u.0, 0]),
        V::Hall {
            hall: None,
            helper: None,
        } => ("($1 = 0 AND $2 = 0 AND 1 = 0)", [0, 0]),
        V::Department(d) => ("(department_id = $1 AND $2 = 0)", [d.0, 0]),
    }
}

pub(crate) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v:?}"))
}
pub(crate) fn level(s: &str) -> Result<RegionLevel> {
    RegionLevel::parse(s).ok_or_else(|| corrupt("region level", s))
}
pub(crate) fn hall_kind(s: &str) -> Result<HallKind> {
    HallKind::parse(s).ok_or_else(|| corrupt("hall kind", s))
}
pub(crate) fn dept_kind(s: &str) -> Result<DepartmentKind> {
    DepartmentKind::parse(s).ok_or_else(|| corrupt("department kind", s))
}
pub(crate) fn system(s: &str) -> Result<SystemKind> {
    SystemKind::parse(s).ok_or_else(|| corrupt("system", s))
}
pub(crate) fn role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| corrupt("role", s))
}
pub(crate) fn scope(role: Role, hall: Option<i64>, dept: Option<i64>) -> Scope {
    match (hall, dept) {
        (Some(h), _) => Scope::Hall(HallId(h)),
        (None, Some(d)) => Scope::Department(DepartmentId(d)),
        (None, None) if role == Role::PlatformAdmin => Scope::Platform,
        _ => Scope::None,
    }
}
pub(crate) fn content(s: &str) -> Result<ItemContent> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("item content: {e}")))
}
pub(crate) fn join<T: Copy>(v: &[T], f: fn(T) -> &'static str) -> String {
    v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(",")
}
pub(crate) fn modes(s: &str) -> Result<Vec<Mode>> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| Mode::parse(x).ok_or_else(|| corrupt("mode", x)))
        .collect()
}
pub(crate) fn date_str(d: time::Date) -> String {
    d.to_string()
}
pub(crate) fn parse_date(s: &str) -> Result<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &f).map_err(|_| corrupt("date", s))
}
pub(crate) fn json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}
pub(crate) fn status(s: &str) -> Result<tongban_domain::case::Status> {
    tongban_domain::case::Status::parse(s).ok_or_else(|| corrupt("status", s))
}
pub(crate) fn mode(s: &str) -> Result<Mode> {
    Mode::parse(s).ok_or_else(|| corrupt("mode", s))
}
pub(crate) const CASE_COLUMNS: &str = "id, case_no, verification_code, item_code, item_version, item_name, mode, status, version, \
    department_id, hall_id, applicant_user_id, created_by, applicant, agent, answers, situation, materials, promised_days, instant, \
    accepted_on, decided_on, pauses, resume_to, created_at, updated_at, pickup_hall_id, assisted_by, delivery";

pub(crate) const GRANT_COLUMNS: &str = "id, grantor_department_id, grantee_hall_id, grantee_level, grantee_region, items, rights, \
    valid_from, valid_to, granted_by, granted_at, reason, revoked_by, revoked_at, revoke_reason";

pub(crate) const PLAN_COLUMNS: &str = "id, hall_id, window_id, starts, ends, capacity, kind";

pub(crate) const APPOINTMENT_COLUMNS: &str = "a.id, a.booking_no, a.plan_id, a.day, p.hall_id, p.window_id, p.starts, p.ends, p.kind, \
    a.item_code, a.user_id, a.status, a.created_at, a.cancelled_at";

pub(crate) const EVALUATION_COLUMNS: &str = "id, case_id, channel, overall, grades, comment, hall_id, department_id, item_code, rated_by, rated_at";

pub(crate) const RECTIFICATION_COLUMNS: &str = "id, evaluation_id, case_id, hall_id, department_id, opened_on, due_on, status, \
    follow_ups, explanation, closed_at";

pub(crate) const AUDIT_COLUMNS: &str =
    "seq, at, kind, actor_id, username, addr, subject, detail, prev_hash, hash";

pub(crate) fn levels(s: &str) -> Result<Vec<RegionLevel>> {
    s.split(',').filter(|x| !x.is_empty()).map(level).collect()
}

/// Implements [`crate::Store`] for `$ty` (which has a `pool` field) with the shared SQL.
macro_rules! impl_store {
    ($ty:ty, $db:ty, $backend:literal, $audit_lock:literal, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::Store for $ty {
            fn backend(&self) -> &'static str {
                $backend
            }

            async fn migrate(&self) -> $crate::Result<()> {
                self.run_migrations().await
            }

            async fn put_regions(&self, regions: &[tongban_domain::city::Region]) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                for r in regions {
                    sqlx::query(
                        "INSERT INTO regions (code, name, level, parent, local_code) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                         parent = excluded.parent, local_code = excluded.local_code",
                    )
                    .bind(r.code.as_str())
                    .bind(&r.name)
                    .bind(r.level.as_str())
                    .bind(r.parent.as_ref().map(|p| p.as_str()))
                    .bind(r.local_code)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn regions(&self) -> $crate::Result<Vec<tongban_domain::city::Region>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT code, name, level, parent, local_code FROM regions ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::city::Region {
                            code: $crate::region_code(r.try_get("code")?),
                            name: r.try_get("name")?,
                            level: $crate::backend::level(r.try_get::<&str, _>("level")?)?,
                            parent: r.try_get::<Option<String>, _>("parent")?.map($crate::region_code),
                            local_code: r.try_get("local_code")?,
                        })
                    })
                    .collect()
            }

            async fn create_hall(&self, h: &tongban_domain::city::NewHall) -> $crate::Result<tongban_domain::HallId> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query(
                    "INSERT INTO halls (key, name, kind, region, pilot, address, opening_hours, phone)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&h.key)
                .bind(&h.name)
                .bind(h.kind.as_str())
                .bind(h.region.as_str())
                .bind(h.pilot)
                .bind(&h.address)
                .bind(&h.opening_hours)
                .bind(&h.phone)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                for w in &h.windows {
                    sqlx::query(
                        "INSERT INTO windows (hall_id, number, name, tongban, staff, phone, contact)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(&w.number)
                    .bind(&w.name)
                    .bind(w.tongban)
                    .bind(i64::from(w.staff))
                    .bind(&w.phone)
                    .bind(&w.contact)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::HallId(id))
            }

            async fn halls(&self) -> $crate::Result<Vec<tongban_domain::city::Hall>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT h.id, h.key, h.name, h.kind, h.region, r.level, h.pilot, h.address, h.opening_hours, h.phone
                     FROM halls h JOIN regions r ON r.code = h.region ORDER BY h.id",
                )
                .fetch_all(&self.pool)
                .await?;
                let wrows = sqlx::query(
                    "SELECT id, hall_id, number, name, tongban, staff, phone, contact FROM windows
                     ORDER BY hall_id, tongban DESC, number",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut halls = Vec::with_capacity(rows.len());
                for r in &rows {
                    halls.push(tongban_domain::city::Hall {
                        id: tongban_domain::HallId(r.try_get("id")?),
                        key: r.try_get("key")?,
                        name: r.try_get("name")?,
                        kind: $crate::backend::hall_kind(r.try_get::<&str, _>("kind")?)?,
                        region: $crate::region_code(r.try_get("region")?),
                        level: $crate::backend::level(r.try_get::<&str, _>("level")?)?,
                        pilot: r.try_get("pilot")?,
                        address: r.try_get("address")?,
                        opening_hours: r.try_get("opening_hours")?,
                        phone: r.try_get("phone")?,
                        windows: vec![],
                    });
                }
                for w in &wrows {
                    let hall_id: i64 = w.try_get("hall_id")?;
                    if let Some(h) = halls.iter_mut().find(|h| h.id.0 == hall_id) {
                        h.windows.push(tongban_domain::city::Window {
                            id: tongban_domain::WindowId(w.try_get("id")?),
                            number: w.try_get("number")?,
                            name: w.try_get("name")?,
                            tongban: w.try_get("tongban")?,
                            staff: i32::try_from(w.try_get::<i64, _>("staff")?).unwrap_or(i32::MAX),
                            phone: w.try_get("phone")?,
                            contact: w.try_get("contact")?,
                        });
                    }
                }
                Ok(halls)
            }

            async fn hall(&self, id: tongban_domain::HallId) -> $crate::Result<tongban_domain::city::Hall> {
                self.halls()
                    .await?
                    .into_iter()
                    .find(|h| h.id == id)
                    .ok_or($crate::StoreError::NotFound)
            }

            async fn create_department(
                &self,
                d: &tongban_domain::city::NewDepartment,
            ) -> $crate::Result<tongban_domain::DepartmentId> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query(
                    "INSERT INTO departments (key, name, kind, region, system) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&d.key)
                .bind(&d.name)
                .bind(d.kind.as_str())
                .bind(d.region.as_str())
                .bind(d.system.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::DepartmentId(id))
            }

            async fn departments(&self) -> $crate::Result<Vec<tongban_domain::city::Department>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id, key, name, kind, region, system FROM departments ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::city::Department {
                            id: tongban_domain::DepartmentId(r.try_get("id")?),
                            key: r.try_get("key")?,
                            name: r.try_get("name")?,
                            kind: $crate::backend::dept_kind(r.try_get::<&str, _>("kind")?)?,
                            region: $crate::region_code(r.try_get("region")?),
                            system: $crate::backend::system(r.try_get::<&str, _>("system")?)?,
                        })
                    })
                    .collect()
            }

            async fn create_user(&self, u: &$crate::NewUser) -> $crate::Result<tongban_domain::UserId> {
                let mut conn = self.pool.acquire().await?;
                Self::insert_user(&mut conn, u, $crate::now_ms()).await
            }

            async fn user_credentials(
                &self,
                username: &str,
            ) -> $crate::Result<Option<(tongban_domain::user::User, String)>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, username, display_name, password_hash, role, hall_id, department_id, active, household_region
                     FROM users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some((Self::user_row(&r)?, r.try_get("password_hash")?))),
                }
            }

            async fn user(&self, id: tongban_domain::UserId) -> $crate::Result<tongban_domain::user::User> {
                let r = sqlx::query(
                    "SELECT id, username, display_name, role, hall_id, department_id, active, household_region FROM users WHERE id = $1",
                )
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::user_row(&r)
            }

            async fn users(&self) -> $crate::Result<Vec<tongban_domain::user::User>> {
                let rows = sqlx::query(
                    "SELECT id, username, display_name, role, hall_id, department_id, active, household_region FROM users ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::user_row).collect()
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
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT token_hash, user_id, kind, csrf, created_at, expires_at FROM sessions
                     WHERE token_hash = $1 AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let kind = r.try_get::<&str, _>("kind")?;
                let kind = $crate::SessionKind::parse(kind)
                    .ok_or_else(|| $crate::backend::corrupt("session kind", kind))?;
                Ok(Some($crate::Session {
                    token_hash: r.try_get("token_hash")?,
                    user_id: tongban_domain::UserId(r.try_get("user_id")?),
                    kind,
                    csrf: r.try_get("csrf")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                }))
            }

            async fn session_user(
                &self,
                token_hash: &str,
                now: i64,
            ) -> $crate::Result<Option<($crate::Session, tongban_domain::user::User, i64)>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT s.token_hash, s.user_id, s.kind, s.csrf, s.created_at, s.expires_at,
                            u.id, u.username, u.display_name, u.role, u.hall_id, u.department_id, u.active, u.household_region,
                            (SELECT revision FROM catalogue_revision WHERE id = 1) AS revision
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.token_hash = $1 AND s.expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let kind = r.try_get::<&str, _>("kind")?;
                let kind = $crate::SessionKind::parse(kind)
                    .ok_or_else(|| $crate::backend::corrupt("session kind", kind))?;
                let session = $crate::Session {
                    token_hash: r.try_get("token_hash")?,
                    user_id: tongban_domain::UserId(r.try_get("user_id")?),
                    kind,
                    csrf: r.try_get("csrf")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                };
                Ok(Some((session, Self::user_row(&r)?, r.try_get("revision")?)))
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
                use sqlx::Row;
                let r = sqlx::query(
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
                Ok($crate::FailureCounts {
                    subject: r.try_get("by_subject")?,
                    pair: r.try_get("by_pair")?,
                    addr: r.try_get("by_addr")?,
                    device: r.try_get("by_device")?,
                })
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

            async fn publish_items(&self, items: &[$crate::Publication], now: i64) -> $crate::Result<usize> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let mut written = 0;
                for p in items {
                    let item = &p.content;
                    let current = sqlx::query(
                        "SELECT v.version, v.content FROM items i
                         JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
                         WHERE i.code = $1",
                    )
                    .bind(item.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let json = serde_json::to_string(item).map_err(|e| $crate::StoreError::Corrupt(e.to_string()))?;
                    let next = match current {
                        Some(r) => {
                            let old = $crate::backend::content(r.try_get::<&str, _>("content")?)?;
                            let v: i64 = r.try_get("version")?;
                            if &old == item {
                                None
                            } else {
                                sqlx::query("UPDATE items SET current_version = $1 WHERE code = $2")
                                    .bind(v + 1)
                                    .bind(item.code.as_str())
                                    .execute(&mut *tx)
                                    .await?;
                                Some(v + 1)
                            }
                        }
                        None => {
                            sqlx::query("INSERT INTO items (code, current_version, created_at) VALUES ($1, 1, $2)")
                                .bind(item.code.as_str())
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            Some(1)
                        }
                    };
                    if let Some(next) = next {
                        sqlx::query(
                            "INSERT INTO item_versions (item_code, version, published_at, content) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(item.code.as_str())
                        .bind(next)
                        .bind(now)
                        .bind(json)
                        .execute(&mut *tx)
                        .await?;
                        written += 1;
                    }
                    if let Some(aliases) = &p.aliases {
                        sqlx::query("DELETE FROM item_aliases WHERE item_code = $1")
                            .bind(item.code.as_str())
                            .execute(&mut *tx)
                            .await?;
                        for a in aliases {
                            sqlx::query(
                                "INSERT INTO item_aliases (item_code, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                            )
                            .bind(item.code.as_str())
                            .bind(a)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    for d in &p.implementations {
                        sqlx::query(
                            "INSERT INTO implementations (item_code, department_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                        )
                        .bind(item.code.as_str())
                        .bind(d.0)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(written)
            }

            async fn item(&self, code: &tongban_domain::ItemCode) -> $crate::Result<tongban_domain::catalogue::ItemVersion> {
                let r = sqlx::query(
                    "SELECT v.version, v.published_at, v.content FROM items i
                     JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
                     WHERE i.code = $1",
                )
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::version_row(&r)
            }

            async fn item_version(
                &self,
                code: &tongban_domain::ItemCode,
                version: i32,
            ) -> $crate::Result<tongban_domain::catalogue::ItemVersion> {
                let r = sqlx::query(
                    "SELECT version, published_at, content FROM item_versions WHERE item_code = $1 AND version = $2",
                )
                .bind(code.as_str())
                .bind(i64::from(version))
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::version_row(&r)
            }

            async fn items(&self) -> $crate::Result<Vec<tongban_domain::catalogue::ItemVersion>> {
                let rows = sqlx::query(
                    "SELECT v.version, v.published_at, v.content FROM items i
                     JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
                     ORDER BY i.code",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::version_row).collect()
            }

            async fn set_aliases(&self, code: &tongban_domain::ItemCode, aliases: &[String]) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let found = sqlx::query("SELECT code FROM items WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err($crate::StoreError::NotFound);
                }
                sqlx::query("DELETE FROM item_aliases WHERE item_code = $1")
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await?;
                for a in aliases {
                    sqlx::query(
                        "INSERT INTO item_aliases (item_code, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(code.as_str())
                    .bind(a)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn aliases(&self, code: &tongban_domain::ItemCode) -> $crate::Result<Vec<String>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT alias FROM item_aliases WHERE item_code = $1 ORDER BY alias")
                    .bind(code.as_str())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok(r.try_get("alias")?)).collect()
            }

            async fn implementations(
                &self,
                code: &tongban_domain::ItemCode,
            ) -> $crate::Result<Vec<tongban_domain::catalogue::Implementation>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT m.item_code, d.id, d.name, d.region FROM implementations m
                     JOIN departments d ON d.id = m.department_id WHERE m.item_code = $1 ORDER BY d.region, d.id",
                )
                .bind(code.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::catalogue::Implementation {
                            item: tongban_domain::ItemCode(r.try_get("item_code")?),
                            department: tongban_domain::DepartmentId(r.try_get("id")?),
                            department_name: r.try_get("name")?,
                            region: $crate::region_code(r.try_get("region")?),
                        })
                    })
                    .collect()
            }

            async fn publish_batch(
                &self,
                batch: &tongban_domain::tongban::Batch,
                entries: &[tongban_domain::tongban::ListEntry],
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO batches (no, name, published) VALUES ($1, $2, $3)
                     ON CONFLICT (no) DO UPDATE SET name = excluded.name, published = excluded.published",
                )
                .bind(i64::from(batch.no))
                .bind(&batch.name)
                .bind(&batch.published)
                .execute(&mut *tx)
                .await?;
                for e in entries {
                    sqlx::query(
                        "INSERT INTO list_entries (item_code, batch, modes, levels) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (item_code) DO UPDATE SET batch = excluded.batch, modes = excluded.modes,
                         levels = excluded.levels",
                    )
                    .bind(e.item.as_str())
                    .bind(i64::from(batch.no))
                    .bind($crate::backend::join(&e.modes, tongban_domain::tongban::Mode::as_str))
                    .bind($crate::backend::join(&e.levels, tongban_domain::city::RegionLevel::as_str))
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn batches(&self) -> $crate::Result<Vec<tongban_domain::tongban::Batch>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT no, name, published FROM batches ORDER BY no")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::tongban::Batch {
                            no: i32::try_from(r.try_get::<i64, _>("no")?).unwrap_or(i32::MAX),
                            name: r.try_get("name")?,
                            published: r.try_get("published")?,
                        })
                    })
                    .collect()
            }

            async fn list_entries(&self) -> $crate::Result<Vec<tongban_domain::tongban::ListEntry>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT item_code, batch, modes, levels FROM list_entries ORDER BY batch, item_code")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::tongban::ListEntry {
                            batch: i32::try_from(r.try_get::<i64, _>("batch")?).unwrap_or(i32::MAX),
                            item: tongban_domain::ItemCode(r.try_get("item_code")?),
                            modes: $crate::backend::modes(r.try_get::<&str, _>("modes")?)?,
                            levels: $crate::backend::levels(r.try_get::<&str, _>("levels")?)?,
                        })
                    })
                    .collect()
            }

            async fn catalogue_revision(&self) -> $crate::Result<i64> {
                use sqlx::Row;
                Ok(sqlx::query("SELECT revision FROM catalogue_revision WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("revision")?)
            }

            async fn search_docs(&self) -> $crate::Result<Vec<tongban_domain::search::SearchDoc>> {
                use sqlx::Row;
                use std::collections::HashMap;
                let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
                for r in sqlx::query("SELECT item_code, alias FROM item_aliases ORDER BY item_code, alias")
                    .fetch_all(&self.pool)
                    .await?
                {
                    aliases.entry(r.try_get("item_code")?).or_default().push(r.try_get("alias")?);
                }
                let mut listed = HashMap::new();
                for e in self.list_entries().await? {
                    listed.insert(e.item.0.clone(), e);
                }
                let mut out = Vec::new();
                for v in self.items().await? {
                    let c = &v.content;
                    let entry = listed.remove(c.code.as_str());
                    out.push(tongban_domain::search::SearchDoc {
                        summary: tongban_domain::catalogue::ItemSummary::of(c, v.version),
                        aliases: aliases.remove(c.code.as_str()).unwrap_or_default(),
                        keywords: c.keywords.clone(),
                        modes: entry.as_ref().map(|e| e.modes.clone()).unwrap_or_default(),
                        levels: entry.map(|e| e.levels).unwrap_or_default(),
                    });
                }
                Ok(out)
            }

            async fn calendar_years(&self) -> $crate::Result<Vec<tongban_domain::calendar::HolidayYear>> {
                use sqlx::Row;
                let mut years = Vec::new();
                for r in sqlx::query("SELECT year, source FROM calendar_years ORDER BY year").fetch_all(&self.pool).await? {
                    years.push(tongban_domain::calendar::HolidayYear {
                        year: i32::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
                        source: r.try_get("source")?,
                        off: Default::default(),
                        work: Default::default(),
                    });
                }
                for r in sqlx::query("SELECT day, year, kind FROM calendar_days ORDER BY day").fetch_all(&self.pool).await? {
                    let year = r.try_get::<i64, _>("year")?;
                    let day = $crate::backend::parse_date(r.try_get::<&str, _>("day")?)?;
                    if let Some(y) = years.iter_mut().find(|y| i64::from(y.year) == year) {
                        if r.try_get::<&str, _>("kind")? == "off" {
                            y.off.insert(day);
                        } else {
                            y.work.insert(day);
                        }
                    }
                }
                Ok(years)
            }

            async fn put_calendar_year(
                &self,
                y: &tongban_domain::calendar::HolidayYear,
                by: Option<tongban_domain::UserId>,
                now: i64,
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO calendar_years (year, source, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (year) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by",
                )
                .bind(i64::from(y.year))
                .bind(&y.source)
                .bind(now)
                .bind(by.map(|u| u.0))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM calendar_days WHERE year = $1").bind(i64::from(y.year)).execute(&mut *tx).await?;
                for (kind, set) in [("off", &y.off), ("work", &y.work)] {
                    for d in set {
                        sqlx::query("INSERT INTO calendar_days (day, year, kind) VALUES ($1, $2, $3)")
                            .bind($crate::backend::date_str(*d))
                            .bind(i64::from(y.year))
                            .bind(kind)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn idempotent_answer(&self, scope: &str, key: &str) -> $crate::Result<Option<(u16, String)>> {
                use sqlx::Row;
                let r = sqlx::query("SELECT status, body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                    .bind(scope)
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?;
                match r {
                    None => Ok(None),
                    Some(r) => Ok(Some((u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(200), r.try_get("body")?))),
                }
            }

            async fn create_case(
                &self,
                c: &$crate::NewCase,
                case_no_prefix: &str,
                first: &$crate::NewEvent,
                idem: Option<$crate::IdemWrite<'_>>,
            ) -> $crate::Result<($crate::CaseRecord, Option<String>)> {
                use sqlx::Row;
                let mut tx = Self::replay_in(self.begin_write().await?, &idem).await?;
                let placeholder = format!("{case_no_prefix}-{}", c.verification_code);
                let id: i64 = sqlx::query(
                    "INSERT INTO cases (case_no, verification_code, item_code, item_version, item_name, mode, status, version,
                       department_id, hall_id, applicant_user_id, created_by, applicant_name, applicant, answers, situation,
                       materials, promised_days, instant, pauses, created_at, updated_at, agent, assisted_by, delivery,
                       applicant_id_number)
                     VALUES ($1, $2, $3, $4, $5, $6, 'draft', 1, $7, $8,
                       COALESCE($9, (SELECT u.id FROM users u WHERE u.role = 'applicant' AND u.id_number = $22)),
                       $10, $11, $12, $13, $14, $15, $16, $17, '[]', $18, $18, $19, $20, $21, $22)
                     RETURNING id",
                )
                .bind(&placeholder)
                .bind(&c.verification_code)
                .bind(c.item_code.as_str())
                .bind(i64::from(c.item_version))
                .bind(&c.item_name)
                .bind(c.mode.as_str())
                .bind(c.department.0)
                .bind(c.hall.map(|h| h.0))
                .bind(c.applicant_user.map(|u| u.0))
                .bind(c.created_by.map(|u| u.0))
                .bind(c.applicant.name())
                .bind($crate::backend::to_json(&c.applicant)?)
                .bind($crate::backend::to_json(&c.answers)?)
                .bind(&c.situation)
                .bind($crate::backend::to_json(&c.materials)?)
                .bind(i64::from(c.promised_days))
                .bind(c.instant)
                .bind(first.at)
                .bind(c.agent.as_ref().map($crate::backend::to_json).transpose()?)
                .bind(c.assisted_by.map(|u| u.0))
                .bind(c.delivery.as_ref().map($crate::backend::to_json).transpose()?)
                .bind(match &c.applicant {
                    tongban_domain::intake::Applicant::Person { id_number, .. } => Some(id_number.as_str()),
                    tongban_domain::intake::Applicant::Company { .. } => None,
                })
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                let case_no = format!("{case_no_prefix}{id:08}");
                sqlx::query("UPDATE cases SET case_no = $1 WHERE id = $2").bind(&case_no).bind(id).execute(&mut *tx).await?;
                Self::append_event(&mut tx, id, &case_no, 1, tongban_domain::timeline::GENESIS, "draft", first).await?;
                let record = Self::load_case(&mut tx, &case_no).await?;
                let answer = Self::record_idempotency(&mut tx, &record, idem, first.at).await?;
                tx.commit().await?;
                Ok((record, answer))
            }

            async fn case_by_no(&self, case_no: &str) -> $crate::Result<$crate::CaseRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_case(&mut conn, case_no).await
            }

            async fn case_events(&self, case_id: i64) -> $crate::Result<Vec<$crate::EventRecord>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT seq, at, actor_id, role, hall_id, department_id, action, status, payload, prev_hash, hash
                     FROM case_events WHERE case_id = $1 ORDER BY seq",
                )
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::EventRecord {
                            seq: r.try_get("seq")?,
                            at: r.try_get("at")?,
                            actor: r.try_get("actor_id")?,
                            role: r.try_get("role")?,
                            hall: r.try_get("hall_id")?,
                            department: r.try_get("department_id")?,
                            action: r.try_get("action")?,
                            status: r.try_get("status")?,
                            payload: r.try_get("payload")?,
                            prev_hash: r.try_get("prev_hash")?,
                            hash: r.try_get("hash")?,
                        })
                    })
                    .collect()
            }

            async fn apply_to_case(
                &self,
                case_no: &str,
                expected_version: i64,
                change: &$crate::CaseChange,
                event: &$crate::NewEvent,
                idem: Option<$crate::IdemWrite<'_>>,
            ) -> $crate::Result<($crate::CaseRecord, Option<String>)> {
                use sqlx::Row;
                let mut tx = Self::replay_in(self.begin_write().await?, &idem).await?;
                // One statement moves the case, reads it back and fetches the
                // hash the new event chains to; the version guard makes that
                // hash the last one.
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE cases SET status = $1, version = version + 1, accepted_on = COALESCE($2, accepted_on),
                       decided_on = COALESCE($3, decided_on), pauses = $4, resume_to = $5, updated_at = $6,
                       pickup_hall_id = COALESCE($9, pickup_hall_id), due_on = $10
                     WHERE case_no = $7 AND version = $8
                     RETURNING {}, (SELECT e.hash FROM case_events e WHERE e.case_id = cases.id AND e.seq = $8) AS prev_hash",
                    $crate::backend::CASE_COLUMNS
                )))
                .bind(change.status.as_str())
                .bind(change.accepted_on.map($crate::backend::date_str))
                .bind(change.decided_on.map($crate::backend::date_str))
                .bind($crate::backend::to_json(&change.pauses)?)
                .bind(change.resume_to.map(|s| s.as_str()))
                .bind(event.at)
                .bind(case_no)
                .bind(expected_version)
                .bind(change.pickup_hall.map(|h| h.0))
                .bind(change.due_on.map($crate::backend::date_str))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    let exists = sqlx::query("SELECT 1 AS one FROM cases WHERE case_no = $1")
                        .bind(case_no)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(match exists {
                        Some(_) => $crate::StoreError::Conflict("version".into()),
                        None => $crate::StoreError::NotFound,
                    });
                };
                let record = Self::case_row(&row)?;
                let prev: String = row.try_get("prev_hash")?;
                Self::append_event(&mut tx, record.id, case_no, expected_version + 1, &prev, change.status.as_str(), event).await?;
                if let (Some(text), Some(user)) = (&change.notify, record.applicant_user) {
                    sqlx::query("INSERT INTO notifications (user_id, case_id, text, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(user.0)
                        .bind(record.id)
                        .bind(text)
                        .bind(event.at)
                        .execute(&mut *tx)
                        .await?;
                }
                Self::enqueue_tx(&mut tx, Some(record.id), event.at, &change.messages).await?;
                let answer = Self::record_idempotency(&mut tx, &record, idem, event.at).await?;
                tx.commit().await?;
                Ok((record, answer))
            }

            async fn add_material_receipt(
                &self,
                case_no: &str,
                expected_version: i64,
                m: &$crate::MaterialReceipt,
                event: &$crate::NewEvent,
            ) -> $crate::Result<$crate::CaseRecord> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT id, status FROM cases WHERE case_no = $1")
                    .bind(case_no)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                let id: i64 = row.try_get("id")?;
                let status: String = row.try_get("status")?;
                let updated = sqlx::query("UPDATE cases SET version = version + 1, updated_at = $1 WHERE id = $2 AND version = $3")
                    .bind(event.at)
                    .bind(id)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?;
                if updated.rows_affected() != 1 {
                    return Err($crate::StoreError::Conflict("version".into()));
                }
                sqlx::query(
                    "INSERT INTO case_materials (case_id, material_key, method, blob, mime, size, license_ref, recorded_by, recorded_at,
                       original_verified)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(id)
                .bind(&m.material_key)
                .bind(&m.method)
                .bind(&m.blob)
                .bind(&m.mime)
                .bind(m.size)
                .bind(&m.license_ref)
                .bind(m.recorded_by)
                .bind(m.recorded_at)
                .bind(m.original_verified)
                .execute(&mut *tx)
                .await?;
                let record = Self::chain_and_load(&mut tx, id, case_no, expected_version, &status, event).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn material_receipts(&self, case_id: i64) -> $crate::Result<Vec<$crate::MaterialReceipt>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT material_key, method, blob, mime, size, license_ref, recorded_by, recorded_at, original_verified
                     FROM case_materials WHERE case_id = $1 ORDER BY id",
                )
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::MaterialReceipt {
                            material_key: r.try_get("material_key")?,
                            method: r.try_get("method")?,
                            blob: r.try_get("blob")?,
                            mime: r.try_get("mime")?,
                            size: r.try_get("size")?,
                            license_ref: r.try_get("license_ref")?,
                            recorded_by: r.try_get("recorded_by")?,
                            recorded_at: r.try_get("recorded_at")?,
                            original_verified: r.try_get("original_verified")?,
                        })
                    })
                    .collect()
            }

            async fn cases(&self, f: &$crate::CaseFilter) -> $crate::Result<(Vec<$crate::CaseRecord>, i64)> {
                use sqlx::Row;
                // One query per shape of the visibility rule, so each can use its index.
                let (visible, ids) = $crate::backend::visibility_sql(f.visible);
                let statuses = f.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
                let where_ = format!(
                    "{visible} AND ($3 = '' OR (',' || $3 || ',') LIKE ('%,' || status || ',%'))"
                );
                let order = if f.by_due_date {
                    "(due_on IS NULL), due_on, updated_at DESC, id DESC"
                } else {
                    "updated_at DESC, id DESC"
                };
                let total: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM cases WHERE {where_}")))
                    .bind(ids[0])
                    .bind(ids[1])
                    .bind(&statuses)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE {where_} ORDER BY {order} LIMIT $4 OFFSET $5",
                    $crate::backend::CASE_COLUMNS
                )))
                .bind(ids[0])
                .bind(ids[1])
                .bind(&statuses)
                .bind(f.limit)
                .bind(f.offset)
                .fetch_all(&self.pool)
                .await?;
                let records = rows.iter().map(Self::case_row).collect::<$crate::Result<Vec<_>>>()?;
                Ok((records, total))
            }

            async fn clocked_cases(
                &self,
                after: i64,
                statuses: &[tongban_domain::case::Status],
                missing_due: bool,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::CaseRecord>> {
                let statuses = statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases
                      WHERE id > $1 AND accepted_on IS NOT NULL AND decided_on IS NULL
                        AND (',' || $2 || ',') LIKE ('%,' || status || ',%')
                        AND ($3 = 0 OR due_on IS NULL)
                      ORDER BY id LIMIT $4",
                    $crate::backend::CASE_COLUMNS
                )))
                .bind(after)
                .bind(&statuses)
                .bind(i32::from(missing_due))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::case_row).collect()
            }

            async fn set_due_dates(&self, dates: &[(i64, Option<time::Date>)]) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                for (id, due) in dates {
                    sqlx::query("UPDATE cases SET due_on = $1 WHERE id = $2")
                        .bind(due.map($crate::backend::date_str))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn grants(&self) -> $crate::Result<Vec<tongban_domain::grant::Grant>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM grants ORDER BY id",
                    $crate::backend::GRANT_COLUMNS
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
                    $crate::backend::GRANT_COLUMNS
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
                    $crate::backend::AUDIT_COLUMNS
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
                    $crate::backend::AUDIT_COLUMNS
                )))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::audit_row).collect()
            }

            async fn create_slot_plans(
                &self,
                plans: &[$crate::NewSlotPlan],
            ) -> $crate::Result<Vec<tongban_domain::appointment::SlotPlan>> {
                let mut tx = self.begin_write().await?;
                let mut out = Vec::with_capacity(plans.len());
                for p in plans {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO slot_plans (hall_id, window_id, starts, ends, capacity, kind, created_by, created_at)
                         SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM windows WHERE id = $2 AND hall_id = $1)
                         RETURNING {}",
                        $crate::backend::PLAN_COLUMNS
                    )))
                    .bind(p.hall.0)
                    .bind(p.window.0)
                    .bind(&p.start)
                    .bind(&p.end)
                    .bind(i64::from(p.capacity))
                    .bind(p.kind.as_str())
                    .bind(p.created_by.0)
                    .bind(p.created_at)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| $crate::StoreError::InvalidReference("window of another hall".into()))?;
                    out.push(Self::plan_row(&row)?);
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn slot_plan(&self, id: i64) -> $crate::Result<tongban_domain::appointment::SlotPlan> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM slot_plans WHERE id = $1",
                    $crate::backend::PLAN_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::plan_row(&r)
            }

            async fn slot_plans(
                &self,
                hall: Option<tongban_domain::HallId>,
            ) -> $crate::Result<Vec<tongban_domain::appointment::SlotPlan>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM slot_plans WHERE ($1 IS NULL OR hall_id = $1) ORDER BY hall_id, starts, window_id, id",
                    $crate::backend::PLAN_COLUMNS
                )))
                .bind(hall.map(|h| h.0))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::plan_row).collect()
            }

            async fn slot_bookings(
                &self,
                hall: tongban_domain::HallId,
                from: time::Date,
                to: time::Date,
            ) -> $crate::Result<Vec<(i64, time::Date, i64)>> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT s.plan_id, s.day, s.booked FROM appointment_slots s JOIN slot_plans p ON p.id = s.plan_id
                     WHERE p.hall_id = $1 AND s.day >= $2 AND s.day <= $3",
                )
                .bind(hall.0)
                .bind($crate::backend::date_str(from))
                .bind($crate::backend::date_str(to))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("plan_id")?,
                            $crate::backend::parse_date(r.try_get::<&str, _>("day")?)?,
                            r.try_get("booked")?,
                        ))
                    })
                    .collect()
            }

            async fn book_appointment(&self, a: &$crate::NewAppointment) -> $crate::Result<$crate::AppointmentRecord> {
                use sqlx::Row;
                let day = $crate::backend::date_str(a.day);
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO appointment_slots (plan_id, day, capacity, booked) VALUES ($1, $2, $3, 0)
                     ON CONFLICT (plan_id, day) DO NOTHING",
                )
                .bind(a.plan)
                .bind(&day)
                .bind(i64::from(a.capacity))
                .execute(&mut *tx)
                .await?;
                let held = sqlx::query(
                    "SELECT 1 AS one FROM appointments WHERE plan_id = $1 AND day = $2 AND user_id = $3 AND status = 'booked'",
                )
                .bind(a.plan)
                .bind(&day)
                .bind(a.user.0)
                .fetch_optional(&mut *tx)
                .await?;
                if held.is_some() {
                    return Err($crate::StoreError::Conflict("duplicate".into()));
                }
                // The guard: a place is taken only while one is free.
                let taken = sqlx::query(
                    "UPDATE appointment_slots SET booked = booked + 1 WHERE plan_id = $1 AND day = $2 AND booked < capacity
                     RETURNING booked",
                )
                .bind(a.plan)
                .bind(&day)
                .fetch_optional(&mut *tx)
                .await?;
                if taken.is_none() {
                    return Err($crate::StoreError::Conflict("slot_full".into()));
                }
                let id: i64 = sqlx::query(
                    "INSERT INTO appointments (booking_no, plan_id, day, item_code, user_id, status, created_at)
                     VALUES ($1, $2, $3, $4, $5, 'booked', $6) RETURNING id",
                )
                .bind(&a.booking_no)
                .bind(a.plan)
                .bind(&day)
                .bind(a.item.as_str())
                .bind(a.user.0)
                .bind(a.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match $crate::StoreError::from(e) {
                    $crate::StoreError::Conflict(w) if w.contains("one_per_slot") || w.contains("user_id") => {
                        $crate::StoreError::Conflict("duplicate".into())
                    }
                    other => other,
                })?
                .try_get("id")?;
                let record = Self::load_appointment(&mut tx, id).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn cancel_appointment(
                &self,
                id: i64,
                by: tongban_domain::UserId,
                at: i64,
            ) -> $crate::Result<$crate::AppointmentRecord> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "UPDATE appointments SET status = 'cancelled', cancelled_at = $1, cancelled_by = $2
                     WHERE id = $3 AND status = 'booked' RETURNING plan_id, day",
                )
                .bind(at)
                .bind(by.0)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    Self::load_appointment(&mut tx, id).await?;
                    return Err($crate::StoreError::Conflict("already cancelled".into()));
                };
                sqlx::query("UPDATE appointment_slots SET booked = booked - 1 WHERE plan_id = $1 AND day = $2")
                    .bind(row.try_get::<i64, _>("plan_id")?)
                    .bind(row.try_get::<String, _>("day")?)
                    .execute(&mut *tx)
                    .await?;
                let record = Self::load_appointment(&mut tx, id).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn appointment(&self, id: i64) -> $crate::Result<$crate::AppointmentRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_appointment(&mut conn, id).await
            }

            async fn appointments(&self, f: &$crate::AppointmentFilter) -> $crate::Result<Vec<$crate::AppointmentRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM appointments a JOIN slot_plans p ON p.id = a.plan_id
                     WHERE ($1 IS NULL OR a.user_id = $1) AND ($2 IS NULL OR p.hall_id = $2) AND ($3 IS NULL OR a.day = $3)
                     ORDER BY a.day, p.starts, a.id LIMIT 500",
                    $crate::backend::APPOINTMENT_COLUMNS
                )))
                .bind(f.user.map(|u| u.0))
                .bind(f.hall.map(|h| h.0))
                .bind(f.day.map($crate::backend::date_str))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::appointment_row).collect()
            }

            async fn rate_case(
                &self,
                e: &$crate::NewEvaluation,
                rectify: Option<($crate::Responsible, time::Date, time::Date)>,
            ) -> $crate::Result<($crate::EvaluationRecord, Option<$crate::RectificationRecord>)> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO evaluations (case_id, channel, overall, grades, comment, hall_id, department_id, item_code,
                       rated_by, rated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {}",
                    $crate::backend::EVALUATION_COLUMNS
                )))
                .bind(e.case_id)
                .bind(e.channel.as_str())
                .bind(i64::from(e.rating.overall()))
                .bind($crate::backend::to_json(&e.rating.grades)?)
                .bind(&e.rating.comment)
                .bind(e.hall.map(|h| h.0))
                .bind(e.department.0)
                .bind(e.item.as_str())
                .bind(e.rated_by.map(|u| u.0))
                .bind(e.at)
                .fetch_one(&mut *tx)
                .await?;
                let evaluation = Self::evaluation_row(&row)?;
                let rect = match rectify {
                    None => None,
                    Some((who, opened, due)) => {
                        let (hall, dept) = match who {
                            $crate::Responsible::Hall(h) => (Some(h.0), None),
                            $crate::Responsible::Department(d) => (None, Some(d.0)),
                        };
                        let id: i64 = sqlx::query(
                            "INSERT INTO rectifications (evaluation_id, case_id, hall_id, department_id, opened_on, due_on, status)
                             VALUES ($1, $2, $3, $4, $5, $6, 'open') RETURNING id",
                        )
                        .bind(evaluation.id)
                        .bind(e.case_id)
                        .bind(hall)
                        .bind(dept)
                        .bind($crate::backend::date_str(opened))
                        .bind($crate::backend::date_str(due))
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("id")?;
                        Some(Self::load_rectification(&mut tx, id).await?)
                    }
                };
                tx.commit().await?;
                Ok((evaluation, rect))
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
                use sqlx::Row;
                let r = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM phone_codes WHERE phone = $1 AND created_at > $3) AS by_phone,
                            (SELECT COUNT(*) FROM phone_codes WHERE addr = $2 AND created_at > $3) AS by_addr",
                )
                .bind(phone)
                .bind(addr)
                .bind(since)
                .fetch_one(&self.pool)
                .await?;
                Ok((r.try_get("by_phone")?, r.try_get("by_addr")?))
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
                use sqlx::Row;
                let r = sqlx::query("SELECT id_number, phone FROM users WHERE id = $1")
                    .bind(user.0)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or($crate::StoreError::NotFound)?;
                Ok((r.try_get("id_number")?, r.try_get("phone")?))
            }

            async fn applicant_by_id_number(
                &self,
                id_number: &str,
            ) -> $crate::Result<Option<(tongban_domain::user::User, Option<String>)>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, username, display_name, role, hall_id, department_id, active, household_region, phone
                     FROM users WHERE id_number = $1 AND role = 'applicant'",
                )
                .bind(id_number)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| Ok((Self::user_row(&r)?, r.try_get::<Option<String>, _>("phone")?)))
                    .transpose()
            }

            async fn notifications(
                &self,
                user: tongban_domain::UserId,
                limit: i64,
            ) -> $crate::Result<(Vec<$crate::NotificationRecord>, i64)> {
                use sqlx::Row;
                let unread: i64 = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                    .bind(user.0)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let rows = sqlx::query(
                    "SELECT n.id, c.case_no, n.text, n.created_at, n.read_at FROM notifications n JOIN cases c ON c.id = n.case_id
                     WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2",
                )
                .bind(user.0)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let list = rows
                    .iter()
                    .map(|r| {
                        Ok($crate::NotificationRecord {
                            id: r.try_get("id")?,
                            case_no: r.try_get("case_no")?,
                            text: r.try_get("text")?,
                            at: r.try_get("created_at")?,
                            read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
                        })
                    })
                    .collect::<$crate::Result<Vec<_>>>()?;
                Ok((list, unread))
            }

            async fn mark_notifications_read(&self, user: tongban_domain::UserId, at: i64) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                    .bind(at)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn case_by_id(&self, id: i64) -> $crate::Result<$crate::CaseRecord> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE id = $1",
                    $crate::backend::CASE_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::case_row(&r)
            }

            async fn evaluations(&self, case_id: Option<i64>) -> $crate::Result<Vec<$crate::EvaluationRecord>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM evaluations WHERE ($1 IS NULL OR case_id = $1) ORDER BY id DESC",
                    $crate::backend::EVALUATION_COLUMNS
                )))
                .bind(case_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::evaluation_row).collect()
            }

            async fn rectifications(
                &self,
                visible: tongban_domain::authz::RectificationVisibility,
            ) -> $crate::Result<Vec<$crate::RectificationRecord>> {
                use tongban_domain::authz::RectificationVisibility as V;
                // One query per shape of the rule, each on its index.
                let (where_, id) = match visible {
                    V::All => ("TRUE", 0),
                    V::Hall(h) => ("hall_id = $1", h.0),
                    V::Department(d) => ("department_id = $1", d.0),
                    V::Nothing => return Ok(vec![]),
                };
                let sql = format!(
                    "SELECT {} FROM rectifications WHERE {where_} ORDER BY id DESC",
                    $crate::backend::RECTIFICATION_COLUMNS
                );
                let q = sqlx::query(sqlx::AssertSqlSafe(sql));
                let q = if id == 0 { q } else { q.bind(id) };
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter().map(Self::rectification_row).collect()
            }

            async fn rectification(&self, id: i64) -> $crate::Result<$crate::RectificationRecord> {
                let mut conn = self.pool.acquire().await?;
                Self::load_rectification(&mut conn, id).await
            }

            async fn rectification_of(&self, evaluation_id: i64) -> $crate::Result<Option<$crate::RectificationRecord>> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM rectifications WHERE evaluation_id = $1",
                    $crate::backend::RECTIFICATION_COLUMNS
                )))
                .bind(evaluation_id)
                .fetch_optional(&self.pool)
                .await?;
                r.as_ref().map(Self::rectification_row).transpose()
            }

            async fn rectification_step(
                &self,
                id: i64,
                step: &$crate::RectificationStep,
            ) -> $crate::Result<$crate::RectificationRecord> {
                let mut tx = self.begin_write().await?;
                let current = Self::load_rectification(&mut tx, id).await?;
                if current.status != "open" {
                    return Err($crate::StoreError::Conflict("rectification closed".into()));
                }
                match step {
                    $crate::RectificationStep::FollowUp { by, at, note } => {
                        let mut list: Vec<serde_json::Value> = $crate::backend::json("follow_ups", &current.follow_ups)?;
                        list.push(serde_json::json!({"at": at, "by": by.0, "note": note}));
                        sqlx::query("UPDATE rectifications SET follow_ups = $1 WHERE id = $2 AND status = 'open'")
                            .bind($crate::backend::to_json(&list)?)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    $crate::RectificationStep::Close { by, at, explanation } => {
                        sqlx::query(
                            "UPDATE rectifications SET status = 'closed', explanation = $1, closed_by = $2, closed_at = $3
                             WHERE id = $4 AND status = 'open'",
                        )
                        .bind(explanation)
                        .bind(by.0)
                        .bind(at)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let out = Self::load_rectification(&mut tx, id).await?;
                tx.commit().await?;
                Ok(out)
            }

            fn group_commit_stats(&self) -> Option<(u64, u64)> {
                self.commit_stats()
            }

            async fn bench_single_row_commits(&self, n: u32, concurrency: u32) -> $crate::Result<f64> {
                sqlx::query("CREATE TABLE IF NOT EXISTS bench_baseline (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
                    .execute(&self.pool)
                    .await?;
                sqlx::query("DELETE FROM bench_baseline").execute(&self.pool).await?;
                let started = std::time::Instant::now();
                let next = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
                let mut tasks = Vec::new();
                for _ in 0..concurrency.max(1) {
                    let this = self.clone();
                    let next = next.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= n {
                                return Ok::<(), $crate::StoreError>(());
                            }
                            let mut tx = this.begin_solo().await?;
                            sqlx::query("INSERT INTO bench_baseline (id, payload) VALUES ($1, $2)")
                                .bind(i64::from(i))
                                .bind("0123456789abcdef0123456789abcdef")
                                .execute(&mut *tx)
                                .await?;
                            tx.commit().await?;
                        }
                    }));
                }
                for t in tasks {
                    t.await.map_err(|e| $crate::StoreError::Corrupt(e.to_string()))??;
                }
                let secs = started.elapsed().as_secs_f64();
                sqlx::query("DROP TABLE bench_baseline").execute(&self.pool).await?;
                Ok(secs)
            }

            async fn case_index(&self, after: i64, limit: i64) -> $crate::Result<Vec<(i64, String, i64)>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id, case_no, version FROM cases WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("case_no")?, r.try_get("version")?))).collect()
            }
        }

        impl $ty {
            /// After a case row moved from `expected_version`: appends the
            /// event chained to the previous one and reads the case back.
            async fn chain_and_load(
                tx: &mut $tx,
                id: i64,
                case_no: &str,
                expected_version: i64,
                status: &str,
                event: &$crate::NewEvent,
            ) -> $crate::Result<$crate::CaseRecord> {
                use sqlx::Row;
                let prev: String = sqlx::query("SELECT hash FROM case_events WHERE case_id = $1 AND seq = $2")
                    .bind(id)
                    .bind(expected_version)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("hash")?;
                Self::append_event(tx, id, case_no, expected_version + 1, &prev, status, event).await?;
                Self::load_case(tx, case_no).await
            }

            async fn append_event(
                tx: &mut $tx,
                case_id: i64,
                case_no: &str,
                seq: i64,
                prev: &str,
                status: &str,
                e: &$crate::NewEvent,
            ) -> $crate::Result<()> {
                let hash = tongban_domain::timeline::event_hash(
                    prev,
                    &tongban_domain::timeline::ChainedFields {
                        case_no,
                        seq,
                        at: e.at,
                        actor: e.actor.0,
                        role: &e.role,
                        action: &e.action,
                        status,
                        payload: &e.payload,
                    },
                );
                sqlx::query(
                    "INSERT INTO case_events (case_id, seq, at, actor_id, role, hall_id, department_id, action, status, payload,
                       prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(case_id)
                .bind(seq)
                .bind(e.at)
                .bind(e.actor.0)
                .bind(&e.role)
                .bind(e.hall.map(|h| h.0))
                .bind(e.department.map(|d| d.0))
                .bind(&e.action)
                .bind(status)
                .bind(&e.payload)
                .bind(prev)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Inside a write: the answer already recorded under the key, if
            /// any — seen even before its batch commits; then this (empty)
            /// transaction joins that commit so the replay is durable.
            async fn replay_in(mut tx: $tx, idem: &Option<$crate::IdemWrite<'_>>) -> $crate::Result<$tx> {
                use sqlx::Row;
                let Some(i) = idem else { return Ok(tx) };
                let r = sqlx::query("SELECT status, body FROM idempotency_keys WHERE scope = $1 AND key = $2")
                    .bind(&i.scope)
                    .bind(&i.key)
                    .fetch_optional(&mut *tx)
                    .await?;
                match r {
                    None => Ok(tx),
                    Some(r) => {
                        let status = u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(200);
                        let body: String = r.try_get("body")?;
                        tx.commit().await?;
                        Err($crate::StoreError::Replayed(status, body))
                    }
                }
            }

            async fn record_idempotency(
                tx: &mut $tx,
                record: &$crate::CaseRecord,
                idem: Option<$crate::IdemWrite<'_>>,
                at: i64,
            ) -> $crate::Result<Option<String>> {
                let Some(i) = idem else { return Ok(None) };
                let body = (i.render)(record);
                sqlx::query("INSERT INTO idempotency_keys (scope, key, status, body, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&i.scope)
                    .bind(&i.key)
                    .bind(i64::from(i.status))
                    .bind(&body)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                Ok(Some(body))
            }

            async fn load_case(conn: &mut <$db as sqlx::Database>::Connection, case_no: &str) -> $crate::Result<$crate::CaseRecord> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM cases WHERE case_no = $1",
                    $crate::backend::CASE_COLUMNS
                )))
                .bind(case_no)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::case_row(&r)
            }

            fn case_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<$crate::CaseRecord> {
                use sqlx::Row;
                use $crate::backend::{json, parse_date};
                Ok($crate::CaseRecord {
                    id: r.try_get("id")?,
                    case_no: r.try_get("case_no")?,
                    verification_code: r.try_get("verification_code")?,
                    item_code: tongban_domain::ItemCode(r.try_get("item_code")?),
                    item_version: i32::try_from(r.try_get::<i64, _>("item_version")?).unwrap_or(0),
                    item_name: r.try_get("item_name")?,
                    mode: $crate::backend::mode(r.try_get::<&str, _>("mode")?)?,
                    status: $crate::backend::status(r.try_get::<&str, _>("status")?)?,
                    version: r.try_get("version")?,
                    department: tongban_domain::DepartmentId(r.try_get("department_id")?),
                    hall: r.try_get::<Option<i64>, _>("hall_id")?.map(tongban_domain::HallId),
                    pickup_hall: r.try_get::<Option<i64>, _>("pickup_hall_id")?.map(tongban_domain::HallId),
                    applicant_user: r.try_get::<Option<i64>, _>("applicant_user_id")?.map(tongban_domain::UserId),
                    assisted_by: r.try_get::<Option<i64>, _>("assisted_by")?.map(tongban_domain::UserId),
                    delivery: r.try_get::<Option<&str>, _>("delivery")?.map(|d| json("delivery", d)).transpose()?,
                    created_by: r.try_get::<Option<i64>, _>("created_by")?.map(tongban_domain::UserId),
                    applicant: json("applicant", r.try_get::<&str, _>("applicant")?)?,
                    agent: r.try_get::<Option<&str>, _>("agent")?.map(|a| json("agent", a)).transpose()?,
                    answers: json("answers", r.try_get::<&str, _>("answers")?)?,
                    situation: r.try_get("situation")?,
                    materials: json("materials", r.try_get::<&str, _>("materials")?)?,
                    promised_days: u32::try_from(r.try_get::<i64, _>("promised_days")?).unwrap_or(0),
                    instant: r.try_get("instant")?,
                    accepted_on: r.try_get::<Option<&str>, _>("accepted_on")?.map(parse_date).transpose()?,
                    decided_on: r.try_get::<Option<&str>, _>("decided_on")?.map(parse_date).transpose()?,
                    pauses: json("pauses", r.try_get::<&str, _>("pauses")?)?,
                    resume_to: r.try_get::<Option<&str>, _>("resume_to")?.map($crate::backend::status).transpose()?,
                    created_at: r.try_get("created_at")?,
                    updated_at: r.try_get("updated_at")?,
                })
            }

            /// Inserts an account (sign-up and administration share it).
            async fn insert_user(
                conn: &mut <$db as sqlx::Database>::Connection,
                u: &$crate::NewUser,
                now: i64,
            ) -> $crate::Result<tongban_domain::UserId> {
                use sqlx::Row;
                let id: i64 = sqlx::query(
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
                .await?
                .try_get("id")?;
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
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, code_hash, attempts FROM phone_codes
                     WHERE phone = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(phone)
                .bind(purpose)
                .bind(now)
                .fetch_optional(&mut **tx)
                .await?;
                let Some(row) = row else {
                    return Ok(false);
                };
                let id: i64 = row.try_get("id")?;
                let stored: String = row.try_get("code_hash")?;
                let attempts: i64 = row.try_get("attempts")?;
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
                let items = g.items.as_ref().map($crate::backend::to_json).transpose()?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO grants (grantor_department_id, grantee_hall_id, grantee_level, grantee_region, items, rights,
                       valid_from, valid_to, granted_by, granted_at, reason)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {}",
                    $crate::backend::GRANT_COLUMNS
                )))
                .bind(g.grantor.0)
                .bind(hall)
                .bind(level)
                .bind(region)
                .bind(items)
                .bind(rights.join(","))
                .bind($crate::backend::date_str(g.valid_from))
                .bind($crate::backend::date_str(g.valid_to))
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

            async fn load_appointment(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: i64,
            ) -> $crate::Result<$crate::AppointmentRecord> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM appointments a JOIN slot_plans p ON p.id = a.plan_id WHERE a.id = $1",
                    $crate::backend::APPOINTMENT_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::appointment_row(&r)
            }

            fn appointment_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<$crate::AppointmentRecord> {
                use sqlx::Row;
                let kind = r.try_get::<&str, _>("kind")?;
                Ok($crate::AppointmentRecord {
                    id: r.try_get("id")?,
                    booking_no: r.try_get("booking_no")?,
                    plan: r.try_get("plan_id")?,
                    day: $crate::backend::parse_date(r.try_get::<&str, _>("day")?)?,
                    hall: tongban_domain::HallId(r.try_get("hall_id")?),
                    window: tongban_domain::WindowId(r.try_get("window_id")?),
                    start: r.try_get("starts")?,
                    end: r.try_get("ends")?,
                    kind: tongban_domain::appointment::AppointmentKind::parse(kind)
                        .ok_or_else(|| $crate::backend::corrupt("appointment kind", kind))?,
                    item: tongban_domain::ItemCode(r.try_get("item_code")?),
                    user: tongban_domain::UserId(r.try_get("user_id")?),
                    status: r.try_get("status")?,
                    created_at: r.try_get("created_at")?,
                    cancelled_at: r.try_get("cancelled_at")?,
                })
            }

            async fn load_rectification(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: i64,
            ) -> $crate::Result<$crate::RectificationRecord> {
                let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM rectifications WHERE id = $1",
                    $crate::backend::RECTIFICATION_COLUMNS
                )))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or($crate::StoreError::NotFound)?;
                Self::rectification_row(&r)
            }

            fn rectification_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<$crate::RectificationRecord> {
                use sqlx::Row;
                let responsible = match (r.try_get::<Option<i64>, _>("hall_id")?, r.try_get::<Option<i64>, _>("department_id")?) {
                    (Some(h), _) => $crate::Responsible::Hall(tongban_domain::HallId(h)),
                    (None, Some(d)) => $crate::Responsible::Department(tongban_domain::DepartmentId(d)),
                    (None, None) => return Err($crate::backend::corrupt("rectification", "no one responsible")),
                };
                Ok($crate::RectificationRecord {
                    id: r.try_get("id")?,
                    evaluation_id: r.try_get("evaluation_id")?,
                    case_id: r.try_get("case_id")?,
                    responsible,
                    opened_on: $crate::backend::parse_date(r.try_get::<&str, _>("opened_on")?)?,
                    due_on: $crate::backend::parse_date(r.try_get::<&str, _>("due_on")?)?,
                    status: r.try_get("status")?,
                    follow_ups: r.try_get("follow_ups")?,
                    explanation: r.try_get("explanation")?,
                    closed_at: r.try_get("closed_at")?,
                })
            }

            fn evaluation_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<$crate::EvaluationRecord> {
                use sqlx::Row;
                let channel = r.try_get::<&str, _>("channel")?;
                Ok($crate::EvaluationRecord {
                    id: r.try_get("id")?,
                    case_id: r.try_get("case_id")?,
                    channel: tongban_domain::evaluation::Channel::parse(channel)
                        .ok_or_else(|| $crate::backend::corrupt("channel", channel))?,
                    rating: tongban_domain::evaluation::Rating {
                        grades: $crate::backend::json("grades", r.try_get::<&str, _>("grades")?)?,
                        comment: r.try_get("comment")?,
                    },
                    hall: r.try_get::<Option<i64>, _>("hall_id")?.map(tongban_domain::HallId),
                    department: tongban_domain::DepartmentId(r.try_get("department_id")?),
                    item: tongban_domain::ItemCode(r.try_get("item_code")?),
                    at: r.try_get("rated_at")?,
                })
            }

            fn plan_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<tongban_domain::appointment::SlotPlan> {
                use sqlx::Row;
                use tongban_domain::appointment::{AppointmentKind, SlotPlan, TimeOfDay};
                let kind = r.try_get::<&str, _>("kind")?;
                let time = |c: &str| -> $crate::Result<TimeOfDay> {
                    let v = r.try_get::<&str, _>(c)?;
                    TimeOfDay::parse(v).ok_or_else(|| $crate::backend::corrupt("time", v))
                };
                Ok(SlotPlan {
                    id: r.try_get("id")?,
                    hall: tongban_domain::HallId(r.try_get("hall_id")?),
                    window: tongban_domain::WindowId(r.try_get("window_id")?),
                    start: time("starts")?,
                    end: time("ends")?,
                    capacity: u32::try_from(r.try_get::<i64, _>("capacity")?).unwrap_or(0),
                    kind: AppointmentKind::parse(kind).ok_or_else(|| $crate::backend::corrupt("appointment kind", kind))?,
                })
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
                        level: $crate::backend::level(r.try_get::<&str, _>("grantee_level")?)?,
                        region: tongban_domain::RegionCode(r.try_get("grantee_region")?),
                    },
                };
                let rights = r
                    .try_get::<&str, _>("rights")?
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(|x| Right::parse(x).ok_or_else(|| $crate::backend::corrupt("right", x)))
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
                        .map(|s| $crate::backend::json("items", s))
                        .transpose()?,
                    rights,
                    valid_from: $crate::backend::parse_date(r.try_get::<&str, _>("valid_from")?)?,
                    valid_to: $crate::backend::parse_date(r.try_get::<&str, _>("valid_to")?)?,
                    granted_by: tongban_domain::UserId(r.try_get("granted_by")?),
                    granted_at: r.try_get("granted_at")?,
                    reason: r.try_get("reason")?,
                    revoked,
                })
            }

            async fn bump_revision(tx: &mut $tx) -> $crate::Result<()> {
                sqlx::query("UPDATE catalogue_revision SET revision = revision + 1 WHERE id = 1")
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            fn user_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<tongban_domain::user::User> {
                use sqlx::Row;
                let role = $crate::backend::role(r.try_get::<&str, _>("role")?)?;
                Ok(tongban_domain::user::User {
                    id: tongban_domain::UserId(r.try_get("id")?),
                    username: r.try_get("username")?,
                    display_name: r.try_get("display_name")?,
                    role,
                    scope: $crate::backend::scope(role, r.try_get("hall_id")?, r.try_get("department_id")?),
                    active: r.try_get("active")?,
                    household_region: r.try_get::<Option<String>, _>("household_region")?.map($crate::region_code),
                })
            }

            fn version_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<tongban_domain::catalogue::ItemVersion> {
                use sqlx::Row;
                let published: i64 = r.try_get("published_at")?;
                Ok(tongban_domain::catalogue::ItemVersion {
                    version: i32::try_from(r.try_get::<i64, _>("version")?).unwrap_or(i32::MAX),
                    published_at: $crate::rfc3339(published),
                    content: $crate::backend::content(r.try_get::<&str, _>("content")?)?,
                })
            }
        }
    };
}

pub(crate) use impl_store;
