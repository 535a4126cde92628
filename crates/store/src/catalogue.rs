//! The catalogue: items and their immutable versions, aliases,
//! implementing departments, the 通办 list (batches and entries), the
//! reference-data revision, and what search indexes.

use crate::Result;
use tongban_domain::catalogue::{Implementation, ItemContent, ItemVersion};
use tongban_domain::search::SearchDoc;
use tongban_domain::tongban::{Batch, ListEntry};
use tongban_domain::{DepartmentId, ItemCode};

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

/// What the catalogue asks of a database.
#[async_trait::async_trait]
pub trait CatalogueStore: Send + Sync {
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
}

/// Implements [`CatalogueStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_catalogue {
    ($ty:ty, $db:ty, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::catalogue::CatalogueStore for $ty {
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
                            let old = $crate::codec::content(r.try_get::<&str, _>("content")?)?;
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
                    .bind($crate::codec::join(&e.modes, tongban_domain::tongban::Mode::as_str))
                    .bind($crate::codec::join(&e.levels, tongban_domain::city::RegionLevel::as_str))
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
                            modes: $crate::codec::modes(r.try_get::<&str, _>("modes")?)?,
                            levels: $crate::codec::levels(r.try_get::<&str, _>("levels")?)?,
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
        }

        impl $ty {
            async fn bump_revision(tx: &mut $tx) -> $crate::Result<()> {
                sqlx::query("UPDATE catalogue_revision SET revision = revision + 1 WHERE id = 1")
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            fn version_row(r: &<$db as sqlx::Database>::Row) -> $crate::Result<tongban_domain::catalogue::ItemVersion> {
                use sqlx::Row;
                let published: i64 = r.try_get("published_at")?;
                Ok(tongban_domain::catalogue::ItemVersion {
                    version: i32::try_from(r.try_get::<i64, _>("version")?).unwrap_or(i32::MAX),
                    published_at: $crate::rfc3339(published),
                    content: $crate::codec::content(r.try_get::<&str, _>("content")?)?,
                })
            }
        }
    };
}
pub(crate) use impl_catalogue;
