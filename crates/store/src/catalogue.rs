//! The catalogue: items and their immutable versions, aliases,
//! implementing departments, the 通办 list (batches and entries), the
//! reference-data revision, and what search indexes.

use crate::codec::{corrupt, level};
use crate::{Result, StoreError};
use tongban_domain::catalogue::{Implementation, ItemContent, ItemVersion};
use tongban_domain::city::RegionLevel;
use tongban_domain::search::SearchDoc;
use tongban_domain::tongban::{Batch, ListEntry, Mode};
use tongban_domain::{DepartmentId, ItemCode, RegionCode};

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

    /// The implementations of several items in one read (on the primary
    /// key), by item, then as [`CatalogueStore::implementations`] orders.
    async fn implementations_of(&self, codes: &[ItemCode]) -> Result<Vec<Implementation>>;

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

/// Stored item content (JSON).
pub(crate) fn content(s: &str) -> Result<ItemContent> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("item content: {e}")))
}

/// A list column: the stored forms joined by commas.
pub(crate) fn join<T: Copy>(v: &[T], f: fn(T) -> &'static str) -> String {
    v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(",")
}

fn modes(s: &str) -> Result<Vec<Mode>> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| Mode::parse(x).ok_or_else(|| corrupt("mode", x)))
        .collect()
}

fn levels(s: &str) -> Result<Vec<RegionLevel>> {
    s.split(',').filter(|x| !x.is_empty()).map(level).collect()
}

/// An `item_versions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    version: i64,
    published_at: i64,
    content: String,
}

impl TryFrom<VersionRow> for ItemVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Self> {
        Ok(ItemVersion {
            version: i32::try_from(r.version).unwrap_or(i32::MAX),
            published_at: crate::rfc3339(r.published_at),
            content: content(&r.content)?,
        })
    }
}

/// An implementation with its department.
#[derive(sqlx::FromRow)]
pub(crate) struct ImplementationRow {
    item_code: String,
    id: i64,
    name: String,
    region: String,
}

impl From<ImplementationRow> for Implementation {
    fn from(r: ImplementationRow) -> Self {
        Implementation {
            item: ItemCode(r.item_code),
            department: DepartmentId(r.id),
            department_name: r.name,
            region: RegionCode(r.region),
        }
    }
}

/// A `batches` row.
#[derive(sqlx::FromRow)]
pub(crate) struct BatchRow {
    no: i64,
    name: String,
    published: String,
}

impl From<BatchRow> for Batch {
    fn from(r: BatchRow) -> Self {
        Batch {
            no: i32::try_from(r.no).unwrap_or(i32::MAX),
            name: r.name,
            published: r.published,
        }
    }
}

/// A `list_entries` row.
#[derive(sqlx::FromRow)]
pub(crate) struct ListEntryRow {
    item_code: String,
    batch: i64,
    modes: String,
    levels: String,
}

impl TryFrom<ListEntryRow> for ListEntry {
    type Error = StoreError;
    fn try_from(r: ListEntryRow) -> Result<Self> {
        Ok(ListEntry {
            batch: i32::try_from(r.batch).unwrap_or(i32::MAX),
            item: ItemCode(r.item_code),
            modes: modes(&r.modes)?,
            levels: levels(&r.levels)?,
        })
    }
}

/// Implements [`CatalogueStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_catalogue {
    ($ty:ty, $tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::catalogue::CatalogueStore for $ty {
            async fn publish_items(&self, items: &[$crate::Publication], now: i64) -> $crate::Result<usize> {
                let mut tx = self.begin_write().await?;
                let mut written = 0;
                for p in items {
                    let item = &p.content;
                    let current = sqlx::query_as::<_, (i64, String)>(
                        "SELECT v.version, v.content FROM items i
                         JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
                         WHERE i.code = $1",
                    )
                    .bind(item.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    let json = serde_json::to_string(item).map_err(|e| $crate::StoreError::Corrupt(e.to_string()))?;
                    let next = match current {
                        Some((v, old)) => {
                            if &$crate::catalogue::content(&old)? == item {
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
                sqlx::query_as::<_, $crate::catalogue::VersionRow>(
                    "SELECT v.version, v.published_at, v.content FROM items i
                     JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
                     WHERE i.code = $1",
                )
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            async fn item_version(
                &self,
                code: &tongban_domain::ItemCode,
                version: i32,
            ) -> $crate::Result<tongban_domain::catalogue::ItemVersion> {
                sqlx::query_as::<_, $crate::catalogue::VersionRow>(
                    "SELECT version, published_at, content FROM item_versions WHERE item_code = $1 AND version = $2",
                )
                .bind(code.as_str())
                .bind(i64::from(version))
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            async fn items(&self) -> $crate::Result<Vec<tongban_domain::catalogue::ItemVersion>> {
                sqlx::query_as::<_, $crate::catalogue::VersionRow>(
                    "SELECT v.version, v.published_at, v.content FROM items i
                     JOIN item_versions v ON v.item_code = i.code AND v.version = i.current_version
                     ORDER BY i.code",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::catalogue::ItemVersion::try_from)
                .collect()
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
                Ok(sqlx::query_scalar("SELECT alias FROM item_aliases WHERE item_code = $1 ORDER BY alias")
                    .bind(code.as_str())
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn implementations(
                &self,
                code: &tongban_domain::ItemCode,
            ) -> $crate::Result<Vec<tongban_domain::catalogue::Implementation>> {
                Ok(sqlx::query_as::<_, $crate::catalogue::ImplementationRow>(
                    "SELECT m.item_code, d.id, d.name, d.region FROM implementations m
                     JOIN departments d ON d.id = m.department_id WHERE m.item_code = $1 ORDER BY d.region, d.id",
                )
                .bind(code.as_str())
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::catalogue::Implementation::from)
                .collect())
            }

            async fn implementations_of(
                &self,
                codes: &[tongban_domain::ItemCode],
            ) -> $crate::Result<Vec<tongban_domain::catalogue::Implementation>> {
                let mut out = Vec::new();
                for chunk in codes.chunks(500) {
                    let mut q = sqlx::QueryBuilder::new(
                        "SELECT m.item_code, d.id, d.name, d.region FROM implementations m
                         JOIN departments d ON d.id = m.department_id WHERE m.item_code IN (",
                    );
                    let mut list = q.separated(", ");
                    for c in chunk {
                        list.push_bind(c.as_str());
                    }
                    list.push_unseparated(") ORDER BY m.item_code, d.region, d.id");
                    let rows: Vec<$crate::catalogue::ImplementationRow> =
                        q.build_query_as().fetch_all(&self.pool).await?;
                    out.extend(rows.into_iter().map(tongban_domain::catalogue::Implementation::from));
                }
                Ok(out)
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
                    .bind($crate::catalogue::join(&e.modes, tongban_domain::tongban::Mode::as_str))
                    .bind($crate::catalogue::join(&e.levels, tongban_domain::city::RegionLevel::as_str))
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn batches(&self) -> $crate::Result<Vec<tongban_domain::tongban::Batch>> {
                Ok(sqlx::query_as::<_, $crate::catalogue::BatchRow>("SELECT no, name, published FROM batches ORDER BY no")
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(tongban_domain::tongban::Batch::from)
                    .collect())
            }

            async fn list_entries(&self) -> $crate::Result<Vec<tongban_domain::tongban::ListEntry>> {
                sqlx::query_as::<_, $crate::catalogue::ListEntryRow>(
                    "SELECT item_code, batch, modes, levels FROM list_entries ORDER BY batch, item_code",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::tongban::ListEntry::try_from)
                .collect()
            }

            async fn catalogue_revision(&self) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar("SELECT revision FROM catalogue_revision WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn search_docs(&self) -> $crate::Result<Vec<tongban_domain::search::SearchDoc>> {
                use std::collections::HashMap;
                let mut aliases: HashMap<String, Vec<String>> = HashMap::new();
                for (code, alias) in sqlx::query_as::<_, (String, String)>(
                    "SELECT item_code, alias FROM item_aliases ORDER BY item_code, alias",
                )
                .fetch_all(&self.pool)
                .await?
                {
                    aliases.entry(code).or_default().push(alias);
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
        }
    };
}
pub(crate) use impl_catalogue;
