//! The catalogue: items and their immutable versions, aliases,
//! implementing departments, the 通办 list (batches and entries), the
//! reference-data revision, and what search indexes.

use crate::codec::{corrupt, level};
use crate::{Result, StoreError};
use tongban_domain::catalogue::{Implementation, ItemContent, ItemVersion};
use tongban_domain::city::RegionLevel;
use tongban_domain::list_batch::{BatchEntry, BatchState, PublishedBatch};
use tongban_domain::search::SearchDoc;
use tongban_domain::tongban::{Batch, Mode};
use tongban_domain::{DepartmentId, HallId, ItemCode, RegionCode, UserId};

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

    /// Writes a batch of the 通办 list already published (the demo seed's
    /// history) with its entries, in one transaction.
    async fn publish_batch(&self, batch: &Batch, entries: &[BatchEntry]) -> Result<()>;

    /// Every published batch, by number.
    async fn batches(&self) -> Result<Vec<Batch>>;

    /// Every published batch with its entries: the list's history, from
    /// which the list in force on a day is computed (and cached per
    /// revision). In the order they apply.
    async fn published_batches(&self) -> Result<Vec<PublishedBatch>>;

    /// Starts a draft batch named `name`; its number.
    async fn create_batch(&self, name: &str, drafter: UserId, now: i64) -> Result<i32>;

    /// One batch.
    async fn batch(&self, no: i32) -> Result<BatchRecord>;

    /// Batches newest first, those numbered below `before`, at most `limit`.
    async fn batch_page(&self, before: Option<i32>, limit: u32) -> Result<Vec<BatchRecord>>;

    /// A batch's entries, by item code.
    async fn batch_entries(&self, no: i32) -> Result<Vec<BatchEntry>>;

    /// Edits a draft or returned batch in one transaction — renames it,
    /// writes entries, drops entries — and makes it a draft again.
    /// `Conflict` when it is neither.
    async fn edit_batch(&self, no: i32, edit: &BatchEdit, now: i64) -> Result<()>;

    /// Moves a batch from one state to the next, only if it is still in the
    /// first (`Conflict` otherwise); publishing bumps the revision.
    async fn move_batch(&self, no: i32, step: &BatchMove, now: i64) -> Result<()>;

    /// The reference-data revision, bumped by every write to the catalogue,
    /// the city (regions, halls, departments) or the calendar.
    async fn catalogue_revision(&self) -> Result<i64>;

    /// Everything search needs, for every item, with its listing in `list`
    /// (the list in force).
    async fn search_docs(
        &self,
        list: &[tongban_domain::tongban::ListEntry],
    ) -> Result<Vec<SearchDoc>>;
}

/// A batch of the 通办 list, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    /// Number.
    pub no: i32,
    /// Name (第三批 …).
    pub name: String,
    /// Where it is in its review.
    pub state: BatchState,
    /// The day it comes into force, once published (`YYYY-MM-DD`).
    pub effective: Option<String>,
    /// The day it was published.
    pub published: Option<String>,
    /// Who drafted it (none for batches written by the seed).
    pub drafted_by: Option<UserId>,
    /// The drafter's name.
    pub drafter_name: Option<String>,
    /// Who published or returned it.
    pub reviewed_by: Option<UserId>,
    /// The reviewer's name.
    pub reviewer_name: Option<String>,
    /// Why it was sent back.
    pub returned_reason: Option<String>,
    /// Last change (ms).
    pub updated_at: i64,
}

/// An edit of a draft batch.
#[derive(Debug, Clone, Default)]
pub struct BatchEdit {
    /// A new name.
    pub name: Option<String>,
    /// Entries written (replacing the batch's entry for the same item).
    pub upsert: Vec<BatchEntry>,
    /// Items whose entries are taken out of the batch.
    pub drop: Vec<ItemCode>,
}

/// A batch's move from one state to the next.
#[derive(Debug, Clone)]
pub struct BatchMove {
    /// The state it must be in.
    pub from: BatchState,
    /// The state it moves to.
    pub to: BatchState,
    /// The reviewer (publishing or returning).
    pub reviewer: Option<UserId>,
    /// Why it was sent back.
    pub reason: Option<String>,
    /// Effective date, when published.
    pub effective: Option<String>,
    /// Publication day, when published.
    pub published: Option<String>,
    /// The audit log's line for the move, written in its transaction.
    pub audit: Option<crate::AuditEntry>,
}

/// A page of batches, newest first.
pub const BATCH_PAGE_SQL: &str = "SELECT b.no, b.name, b.state, b.effective, b.published, b.drafted_by, d.display_name AS drafter_name,
     b.reviewed_by, r.display_name AS reviewer_name, b.returned_reason, b.updated_at
     FROM batches b LEFT JOIN users d ON d.id = b.drafted_by LEFT JOIN users r ON r.id = b.reviewed_by
     WHERE b.no < $1 ORDER BY b.no DESC LIMIT $2";
/// One batch.
pub(crate) const BATCH_SQL: &str = "SELECT b.no, b.name, b.state, b.effective, b.published, b.drafted_by, d.display_name AS drafter_name,
     b.reviewed_by, r.display_name AS reviewer_name, b.returned_reason, b.updated_at
     FROM batches b LEFT JOIN users d ON d.id = b.drafted_by LEFT JOIN users r ON r.id = b.reviewed_by
     WHERE b.no = $1";
/// A batch's entries.
pub const BATCH_ENTRIES_SQL: &str =
    "SELECT batch, item_code, removed, modes, levels, halls FROM batch_entries
     WHERE batch = $1 ORDER BY item_code";
/// The published batches in the order they apply.
pub const PUBLISHED_BATCHES_SQL: &str = "SELECT no, name, effective FROM batches
     WHERE state = 'published' ORDER BY effective, no";
/// Every published batch's entries.
pub const PUBLISHED_ENTRIES_SQL: &str =
    "SELECT e.batch, e.item_code, e.removed, e.modes, e.levels, e.halls
     FROM batches b JOIN batch_entries e ON e.batch = b.no
     WHERE b.state = 'published' ORDER BY b.effective, b.no";

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

fn no(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A published `batches` row.
#[derive(sqlx::FromRow)]
pub(crate) struct BatchRow {
    no: i64,
    name: String,
    published: String,
    effective: Option<String>,
}

impl From<BatchRow> for Batch {
    fn from(r: BatchRow) -> Self {
        Batch {
            no: no(r.no),
            name: r.name,
            effective: r.effective.unwrap_or_else(|| r.published.clone()),
            published: r.published,
        }
    }
}

/// A `batches` row with its people.
#[derive(sqlx::FromRow)]
pub(crate) struct BatchRecordRow {
    no: i64,
    name: String,
    state: String,
    effective: Option<String>,
    published: String,
    drafted_by: Option<i64>,
    drafter_name: Option<String>,
    reviewed_by: Option<i64>,
    reviewer_name: Option<String>,
    returned_reason: Option<String>,
    updated_at: i64,
}

impl TryFrom<BatchRecordRow> for BatchRecord {
    type Error = StoreError;
    fn try_from(r: BatchRecordRow) -> Result<Self> {
        let state = BatchState::parse(&r.state).ok_or_else(|| corrupt("batch state", &r.state))?;
        let published = state == BatchState::Published;
        Ok(BatchRecord {
            no: no(r.no),
            name: r.name,
            state,
            effective: r.effective.filter(|_| published),
            published: published.then_some(r.published),
            drafted_by: r.drafted_by.map(UserId),
            drafter_name: r.drafter_name,
            reviewed_by: r.reviewed_by.map(UserId),
            reviewer_name: r.reviewer_name,
            returned_reason: r.returned_reason,
            updated_at: r.updated_at,
        })
    }
}

/// A `batch_entries` row.
#[derive(sqlx::FromRow)]
pub(crate) struct BatchEntryRow {
    pub(crate) batch: i64,
    item_code: String,
    removed: bool,
    modes: String,
    levels: String,
    halls: String,
}

impl TryFrom<BatchEntryRow> for BatchEntry {
    type Error = StoreError;
    fn try_from(r: BatchEntryRow) -> Result<Self> {
        Ok(BatchEntry {
            item: ItemCode(r.item_code),
            remove: r.removed,
            modes: modes(&r.modes)?,
            levels: levels(&r.levels)?,
            halls: r
                .halls
                .split(',')
                .filter(|x| !x.is_empty())
                .map(|x| x.parse().map(HallId).map_err(|_| corrupt("hall", x)))
                .collect::<Result<_>>()?,
        })
    }
}

/// A batch entry's hall column.
pub(crate) fn halls(v: &[HallId]) -> String {
    v.iter()
        .map(|h| h.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The published batches with their entries, from their rows.
pub(crate) fn history(
    batches: Vec<(i64, String, Option<String>)>,
    entries: Vec<BatchEntryRow>,
) -> Result<Vec<PublishedBatch>> {
    let mut out = Vec::with_capacity(batches.len());
    let mut index = std::collections::HashMap::new();
    for (n, name, effective) in batches {
        let e = effective.unwrap_or_default();
        let effective = time::Date::parse(
            &e,
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| corrupt("effective date", &e))?;
        index.insert(n, out.len());
        out.push(PublishedBatch {
            no: no(n),
            name,
            effective,
            entries: vec![],
        });
    }
    for r in entries {
        let i = *index.get(&r.batch).ok_or(StoreError::NotFound)?;
        out[i].entries.push(r.try_into()?);
    }
    Ok(out)
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
                entries: &[tongban_domain::list_batch::BatchEntry],
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let effective = if batch.effective.is_empty() { &batch.published } else { &batch.effective };
                // Entries go in while the batch is a draft: the triggers
                // refuse any to a published batch.
                sqlx::query(
                    "INSERT INTO batches (no, name, published, state, effective, updated_at) VALUES ($1, $2, $3, 'draft', $4, 0)",
                )
                .bind(i64::from(batch.no))
                .bind(&batch.name)
                .bind(&batch.published)
                .bind(effective)
                .execute(&mut *tx)
                .await?;
                Self::write_batch_entries(&mut tx, batch.no, entries).await?;
                sqlx::query("UPDATE batches SET state = 'published' WHERE no = $1")
                    .bind(i64::from(batch.no))
                    .execute(&mut *tx)
                    .await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn batches(&self) -> $crate::Result<Vec<tongban_domain::tongban::Batch>> {
                Ok(sqlx::query_as::<_, $crate::catalogue::BatchRow>(
                    "SELECT no, name, published, effective FROM batches WHERE state = 'published' ORDER BY no",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::tongban::Batch::from)
                .collect())
            }

            async fn published_batches(&self) -> $crate::Result<Vec<tongban_domain::list_batch::PublishedBatch>> {
                // One snapshot, so the entries are those of the batches read.
                let mut tx = self.pool.begin().await?;
                let batches = sqlx::query_as::<_, (i64, String, Option<String>)>($crate::catalogue::PUBLISHED_BATCHES_SQL)
                    .fetch_all(&mut *tx)
                    .await?;
                let entries = sqlx::query_as::<_, $crate::catalogue::BatchEntryRow>($crate::catalogue::PUBLISHED_ENTRIES_SQL)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                $crate::catalogue::history(batches, entries)
            }

            async fn create_batch(&self, name: &str, drafter: tongban_domain::UserId, now: i64) -> $crate::Result<i32> {
                let mut tx = self.begin_write().await?;
                let no: i64 = sqlx::query_scalar(
                    "INSERT INTO batches (no, name, published, state, drafted_by, updated_at)
                     SELECT COALESCE(MAX(no), 0) + 1, $1, '', 'draft', $2, $3 FROM batches RETURNING no",
                )
                .bind(name)
                .bind(drafter.0)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(i32::try_from(no).unwrap_or(i32::MAX))
            }

            async fn batch(&self, no: i32) -> $crate::Result<$crate::catalogue::BatchRecord> {
                sqlx::query_as::<_, $crate::catalogue::BatchRecordRow>($crate::catalogue::BATCH_SQL)
                .bind(i64::from(no))
                .fetch_optional(&self.pool)
                .await?
                .ok_or($crate::StoreError::NotFound)?
                .try_into()
            }

            async fn batch_page(&self, before: Option<i32>, limit: u32) -> $crate::Result<Vec<$crate::catalogue::BatchRecord>> {
                sqlx::query_as::<_, $crate::catalogue::BatchRecordRow>($crate::catalogue::BATCH_PAGE_SQL)
                    .bind(before.map_or(i64::MAX, i64::from))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map($crate::catalogue::BatchRecord::try_from)
                    .collect()
            }

            async fn batch_entries(&self, no: i32) -> $crate::Result<Vec<tongban_domain::list_batch::BatchEntry>> {
                sqlx::query_as::<_, $crate::catalogue::BatchEntryRow>($crate::catalogue::BATCH_ENTRIES_SQL)
                    .bind(i64::from(no))
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(tongban_domain::list_batch::BatchEntry::try_from)
                    .collect()
            }

            async fn edit_batch(&self, no: i32, edit: &$crate::catalogue::BatchEdit, now: i64) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let moved = sqlx::query(
                    "UPDATE batches SET state = 'draft', name = COALESCE($2, name), returned_reason = NULL,
                     reviewed_by = NULL, updated_at = $3 WHERE no = $1 AND state IN ('draft', 'returned')",
                )
                .bind(i64::from(no))
                .bind(edit.name.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Err(Self::batch_missing_or_moved(&mut tx, no).await);
                }
                for item in &edit.drop {
                    sqlx::query("DELETE FROM batch_entries WHERE batch = $1 AND item_code = $2")
                        .bind(i64::from(no))
                        .bind(item.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                Self::write_batch_entries(&mut tx, no, &edit.upsert).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn move_batch(&self, no: i32, step: &$crate::catalogue::BatchMove, now: i64) -> $crate::Result<()> {
                use tongban_domain::list_batch::BatchState;
                let mut tx = self.begin_write().await?;
                let moved = sqlx::query(
                    "UPDATE batches SET state = $3, reviewed_by = COALESCE($4, reviewed_by),
                     returned_reason = $5, effective = COALESCE($6, effective), published = COALESCE($7, published),
                     updated_at = $8 WHERE no = $1 AND state = $2",
                )
                .bind(i64::from(no))
                .bind(step.from.as_str())
                .bind(step.to.as_str())
                .bind(step.reviewer.map(|u| u.0))
                .bind(step.reason.as_deref())
                .bind(step.effective.as_deref())
                .bind(step.published.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Err(Self::batch_missing_or_moved(&mut tx, no).await);
                }
                if step.to == BatchState::Published {
                    Self::bump_revision(&mut tx).await?;
                }
                if let Some(a) = &step.audit {
                    Self::append_audit_tx(&mut tx, a).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn catalogue_revision(&self) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar("SELECT revision FROM catalogue_revision WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn search_docs(
                &self,
                list: &[tongban_domain::tongban::ListEntry],
            ) -> $crate::Result<Vec<tongban_domain::search::SearchDoc>> {
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
                for e in list {
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
                        modes: entry.map(|e| e.modes.clone()).unwrap_or_default(),
                        levels: entry.map(|e| e.levels.clone()).unwrap_or_default(),
                    });
                }
                Ok(out)
            }
        }

        impl $ty {
            async fn write_batch_entries(
                tx: &mut $tx,
                no: i32,
                entries: &[tongban_domain::list_batch::BatchEntry],
            ) -> $crate::Result<()> {
                for e in entries {
                    sqlx::query(
                        "INSERT INTO batch_entries (batch, item_code, removed, modes, levels, halls) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (batch, item_code) DO UPDATE SET removed = excluded.removed, modes = excluded.modes,
                         levels = excluded.levels, halls = excluded.halls",
                    )
                    .bind(i64::from(no))
                    .bind(e.item.as_str())
                    .bind(e.remove)
                    .bind($crate::catalogue::join(&e.modes, tongban_domain::tongban::Mode::as_str))
                    .bind($crate::catalogue::join(&e.levels, tongban_domain::city::RegionLevel::as_str))
                    .bind($crate::catalogue::halls(&e.halls))
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            /// Why a guarded batch update touched nothing.
            async fn batch_missing_or_moved(tx: &mut $tx, no: i32) -> $crate::StoreError {
                match sqlx::query_scalar::<_, String>("SELECT state FROM batches WHERE no = $1")
                    .bind(i64::from(no))
                    .fetch_optional(&mut **tx)
                    .await
                {
                    Ok(Some(state)) => $crate::StoreError::Conflict(format!("batch {no} is {state}")),
                    Ok(None) => $crate::StoreError::NotFound,
                    Err(e) => e.into(),
                }
            }

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
