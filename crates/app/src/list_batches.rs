//! 通办清单批次: platform admins draft a batch of the 全域通办 list (items ×
//! modes × hall levels or named halls, added, changed or removed), see its
//! difference from the list in force, submit it, and another admin
//! publishes it with the day it comes into force — or sends it back. The
//! public list in force on any day, with each entry's batch and date.

mod xlsx;

use crate::{Actor, App, AppError, AppResult, Lookups};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::catalogue::ItemSummary;
use tongban_domain::city::RegionLevel;
use tongban_domain::i18n::Text;
use tongban_domain::list_batch::{self as lb, BatchEntry, BatchState, BatchStep, Change, DiffLine};
use tongban_domain::tongban::{Batch, ListEntry, Mode};
use tongban_domain::validate::{FieldError, ValidationErrors};
use tongban_domain::{HallId, ItemCode};
use tongban_store::{BatchEdit, BatchMove, BatchRecord, StoreError};
use utoipa::ToSchema;

pub use xlsx::BatchExport;

/// Batches on one page of the list.
pub const PAGE: u32 = 20;

/// A batch, as lists and its page show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchSummary {
    /// Number.
    pub no: i32,
    /// Name (第三批 …).
    pub name: String,
    /// Where it is in its review.
    pub state: BatchState,
    /// zh-CN label of the state.
    pub state_label: &'static str,
    /// The day it comes (came) into force, once published.
    pub effective: Option<String>,
    /// The day it was published.
    pub published: Option<String>,
    /// Who drafted it.
    pub drafter: Option<String>,
    /// Who published or sent it back.
    pub reviewer: Option<String>,
    /// Why it was sent back.
    pub returned_reason: Option<String>,
}

impl From<&BatchRecord> for BatchSummary {
    fn from(r: &BatchRecord) -> Self {
        Self {
            no: r.no,
            name: r.name.clone(),
            state: r.state,
            state_label: r.state.label(),
            effective: r.effective.clone(),
            published: r.published.clone(),
            drafter: r.drafter_name.clone(),
            reviewer: r.reviewer_name.clone(),
            returned_reason: r.returned_reason.clone(),
        }
    }
}

/// A page of batches, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchPage {
    /// The batches.
    pub batches: Vec<BatchSummary>,
    /// The cursor of the next page.
    pub next: Option<String>,
}

/// One entry of a batch, in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchEntryView {
    /// Item code.
    pub item: String,
    /// Item name.
    pub item_name: String,
    /// True when the batch removes the item.
    pub remove: bool,
    /// Modes, levels and named halls in words (empty for a removal).
    pub words: Text,
}

/// A batch's page: the batch, its entries, its difference from the list in
/// force and what the caller may do with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchDetail {
    /// The batch.
    pub batch: BatchSummary,
    /// Its entries, by item code.
    pub entries: Vec<BatchEntryView>,
    /// Its difference from the list in force today (a draft), or from the
    /// list in force the day before it came into force (published).
    pub diff: Vec<DiffLine>,
    /// How many entries add, change and remove items.
    pub added: usize,
    /// Changed.
    pub changed: usize,
    /// Removed.
    pub removed: usize,
    /// The caller may change its entries.
    pub may_edit: bool,
    /// The caller may submit it.
    pub may_submit: bool,
    /// The caller may publish it or send it back.
    pub may_review: bool,
    /// Why the caller may not review it (the four-eyes rule), when it waits
    /// for review.
    pub review_refusal: Option<Text>,
    /// Today, the earliest effective date.
    pub today: String,
}

/// A new batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewBatch {
    /// Its name (第三批 …).
    pub name: String,
}

/// Entries to write into a draft batch, many at once: every item gets the
/// same modes, levels and named halls — or is removed from the list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct BatchEntries {
    /// Item codes.
    #[serde(default)]
    pub items: Vec<String>,
    /// Modes.
    #[serde(default)]
    pub modes: Vec<Mode>,
    /// Hall levels.
    #[serde(default)]
    pub levels: Vec<RegionLevel>,
    /// Named halls.
    #[serde(default)]
    pub halls: Vec<i64>,
    /// Remove these items from the list instead.
    #[serde(default)]
    pub remove: bool,
}

/// Entries to take out of a draft batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DropEntries {
    /// Item codes.
    pub items: Vec<String>,
}

/// Publishing a batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PublishBatch {
    /// The day it comes into force, `YYYY-MM-DD`, today or later.
    pub effective: String,
}

/// Sending a batch back.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReturnBatch {
    /// Why.
    pub reason: String,
}

/// One entry of the public list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicEntry {
    /// Item code.
    pub item: String,
    /// Item name.
    pub name: String,
    /// zh-CN department kind.
    pub department: String,
    /// Mode labels.
    pub modes: Vec<&'static str>,
    /// Level labels and named halls.
    pub places: Vec<String>,
    /// Its batch's number.
    pub batch: i32,
    /// Its batch's name.
    pub batch_name: String,
    /// The day it came into force.
    pub effective: String,
}

/// The 通办 list in force on a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicList {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Today.
    pub today: String,
    /// The entries, by item code.
    pub entries: Vec<PublicEntry>,
    /// Every published batch, the ones in force by `day` and those to come.
    pub batches: Vec<Batch>,
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::field("batch", "batch.unknown", "没有这个清单批次"),
        e => e.into(),
    }
}

fn moved(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::Conflict {
            code: "batch.moved",
            message: "批次状态已变化，请刷新后重试".into(),
            current_version: None,
        },
        e => not_found(e),
    }
}

fn conflict(e: FieldError) -> AppError {
    AppError::Conflict {
        code: e.code,
        message: e.message,
        current_version: None,
    }
}

/// The items of the catalogue by code (from the cached search index).
async fn items(app: &App) -> AppResult<HashMap<ItemCode, ItemSummary>> {
    let index = app
        .catalogue
        .index(app.store.as_ref(), app.now.today())
        .await?;
    Ok(index
        .docs()
        .iter()
        .map(|d| (d.summary.code.clone(), d.summary.clone()))
        .collect())
}

fn hall_namer(lookups: &Lookups) -> impl Fn(HallId) -> String + '_ {
    move |h| {
        (lookups.data().halls.iter())
            .find(|x| x.id == h)
            .map_or_else(|| format!("服务中心{}", h.0), |x| x.name.clone())
    }
}

/// Starts a draft batch.
pub async fn create_batch(app: &App, actor: &Actor, cmd: &NewBatch) -> AppResult<BatchSummary> {
    actor.authorize(Action::ManageListBatches, &Trust::NONE)?;
    let name = lb::check_name(&cmd.name)?;
    let no = app
        .store
        .create_batch(&name, actor.user.id, app.now.ms())
        .await?;
    Ok(BatchSummary::from(&app.store.batch(no).await?))
}

/// A page of batches, newest first.
pub async fn list_batches(app: &App, actor: &Actor, cursor: Option<&str>) -> AppResult<BatchPage> {
    actor.authorize(Action::ManageListBatches, &Trust::NONE)?;
    let before = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => {
            let parts = crate::cursor::decode(c)?;
            let n = crate::cursor::number(parts.first().ok_or_else(crate::cursor::bad)?)?;
            Some(i32::try_from(n).map_err(|_| crate::cursor::bad())?)
        }
        None => None,
    };
    let rows = app.store.batch_page(before, PAGE + 1).await?;
    let next = (rows.len() > PAGE as usize)
        .then(|| crate::cursor::encode(&[&rows[PAGE as usize - 1].no.to_string()]));
    Ok(BatchPage {
        batches: rows
            .iter()
            .take(PAGE as usize)
            .map(BatchSummary::from)
            .collect(),
        next,
    })
}

/// A batch's page.
pub async fn batch_detail(app: &App, actor: &Actor, no: i32) -> AppResult<BatchDetail> {
    actor.authorize(Action::ManageListBatches, &Trust::NONE)?;
    let rec = app.store.batch(no).await.map_err(not_found)?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    detail(app, &lookups, rec, Some(actor.user.id)).await
}

/// A published batch's public page: what it added, changed and removed.
pub async fn public_batch(app: &App, no: i32) -> AppResult<BatchDetail> {
    let rec = app.store.batch(no).await.map_err(not_found)?;
    if rec.state != BatchState::Published {
        return Err(not_found(StoreError::NotFound));
    }
    let lookups = Lookups::load(app).await?;
    detail(app, &lookups, rec, None).await
}

async fn detail(
    app: &App,
    lookups: &Lookups,
    rec: BatchRecord,
    me: Option<tongban_domain::UserId>,
) -> AppResult<BatchDetail> {
    let no = rec.no;
    let entries = app.store.batch_entries(no).await?;
    let items = items(app).await?;
    let name = |c: &ItemCode| items.get(c).map_or_else(|| c.0.clone(), |s| s.name.clone());
    let hall_name = hall_namer(lookups);
    // A published batch is compared with the list just before it applied.
    let base = match rec
        .effective
        .as_deref()
        .and_then(|d| crate::cursor::day(d).ok())
    {
        Some(d) => {
            let history: Vec<_> = (lookups.data().list_history.iter())
                .filter(|b| b.no != no)
                .cloned()
                .collect();
            std::sync::Arc::new(lb::in_force(&history, d))
        }
        None => lookups.list(),
    };
    let diff = lb::diff(&base, &entries, &name, &hall_name);
    let count = |c: Change| diff.iter().filter(|l| l.change == c).count();
    let review_refusal = (rec.state == BatchState::Submitted)
        .then(|| {
            rec.drafted_by
                .zip(me)
                .and_then(|(d, me)| lb::check_reviewer(d, me).err())
        })
        .flatten()
        .map(|e| e.message);
    let staff = me.is_some();
    Ok(BatchDetail {
        entries: entries
            .iter()
            .map(|e| BatchEntryView {
                item: e.item.0.clone(),
                item_name: name(&e.item),
                remove: e.remove,
                words: if e.remove {
                    "移出清单".into()
                } else {
                    lb::listing_words(&e.modes, &e.levels, &e.halls, &hall_name)
                },
            })
            .collect(),
        added: count(Change::Added),
        changed: count(Change::Changed),
        removed: count(Change::Removed),
        diff,
        may_edit: staff && BatchStep::Edit.after(rec.state).is_ok(),
        may_submit: staff && BatchStep::Submit.after(rec.state).is_ok() && !entries.is_empty(),
        may_review: staff && rec.state == BatchState::Submitted && review_refusal.is_none(),
        review_refusal,
        today: lookups.today().to_string(),
        batch: BatchSummary::from(&rec),
    })
}

/// Checks one entry against the catalogue and the city: the item exists,
/// its modes suit its department and depth, the named halls exist. Errors
/// are named under `prefix` (`""`, or `rows[3].` for an imported row).
fn check_entry(
    items: &HashMap<ItemCode, ItemSummary>,
    lookups: &Lookups,
    e: &BatchEntry,
    prefix: &str,
    errs: &mut ValidationErrors,
) {
    let at = |f: &str| format!("{prefix}{f}");
    let Some(item) = items.get(&e.item) else {
        errs.push(FieldError::new(
            at("items"),
            "item.unknown",
            tongban_domain::text!("事项“{code}”不存在", code = e.item.clone()),
        ));
        return;
    };
    for h in &e.halls {
        if !lookups.data().halls.iter().any(|x| x.id == *h) {
            errs.push(FieldError::new(
                at("halls"),
                "hall.unknown",
                tongban_domain::text!("服务中心{id}不存在", id = h.0),
            ));
        }
    }
    if e.remove {
        return;
    }
    let listing = ListEntry {
        batch: 0,
        item: e.item.clone(),
        modes: e.modes.clone(),
        levels: e.levels.clone(),
        halls: e.halls.clone(),
        batch_name: String::new(),
        effective: String::new(),
    };
    if let Err(f) = listing.check(item.department_kind, item.online_stars) {
        let field = if f.field == "modes" {
            "modes"
        } else {
            "levels"
        };
        errs.push(f.at(at(field)));
    }
}

/// The batch, if the actor may edit it now.
async fn editable(app: &App, actor: &Actor, no: i32) -> AppResult<BatchRecord> {
    actor.authorize(Action::ManageListBatches, &Trust::NONE)?;
    let rec = app.store.batch(no).await.map_err(not_found)?;
    BatchStep::Edit.after(rec.state).map_err(conflict)?;
    Ok(rec)
}

/// Writes entries into a draft batch, many items at once (bulk editing);
/// every bad item or field is named, nothing is written if one is bad.
pub async fn add_entries(
    app: &App,
    actor: &Actor,
    no: i32,
    cmd: &BatchEntries,
) -> AppResult<BatchDetail> {
    editable(app, actor, no).await?;
    let codes: Vec<ItemCode> = (cmd.items.iter())
        .flat_map(|s| s.split([',', '，', '、', ' ', '\n']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| ItemCode(s.to_owned()))
        .collect();
    if codes.is_empty() {
        return Err(AppError::field("items", "required", "请至少选择一个事项"));
    }
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let items = items(app).await?;
    let mut errs = ValidationErrors::default();
    let mut upsert = Vec::new();
    for item in codes {
        let e = BatchEntry {
            item,
            remove: cmd.remove,
            modes: if cmd.remove {
                vec![]
            } else {
                cmd.modes.clone()
            },
            levels: if cmd.remove {
                vec![]
            } else {
                cmd.levels.clone()
            },
            halls: if cmd.remove {
                vec![]
            } else {
                cmd.halls.iter().map(|h| HallId(*h)).collect()
            },
        };
        check_entry(&items, &lookups, &e, "", &mut errs);
        upsert.push(e);
    }
    if !errs.0.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let edit = BatchEdit {
        upsert,
        ..BatchEdit::default()
    };
    app.store
        .edit_batch(no, &edit, app.now.ms())
        .await
        .map_err(moved)?;
    batch_detail(app, actor, no).await
}

/// Takes entries out of a draft batch.
pub async fn drop_entries(
    app: &App,
    actor: &Actor,
    no: i32,
    cmd: &DropEntries,
) -> AppResult<BatchDetail> {
    editable(app, actor, no).await?;
    let edit = BatchEdit {
        drop: cmd
            .items
            .iter()
            .map(|s| ItemCode(s.trim().to_owned()))
            .collect(),
        ..BatchEdit::default()
    };
    app.store
        .edit_batch(no, &edit, app.now.ms())
        .await
        .map_err(moved)?;
    batch_detail(app, actor, no).await
}

/// Moves a batch by `step` after the domain's checks.
async fn step(app: &App, actor: &Actor, no: i32, step: BatchStep, mv: BatchMove) -> AppResult<()> {
    actor.authorize(Action::ManageListBatches, &Trust::NONE)?;
    let rec = app.store.batch(no).await.map_err(not_found)?;
    let to = step.after(rec.state).map_err(conflict)?;
    if matches!(step, BatchStep::Publish | BatchStep::Return)
        && let Some(d) = rec.drafted_by
    {
        lb::check_reviewer(d, actor.user.id).map_err(conflict)?;
    }
    let detail = serde_json::json!({
        "step": step,
        "effective": mv.effective,
        "reason": mv.reason,
    });
    let subject = format!("batch:{no}");
    let mv = BatchMove {
        from: rec.state,
        to,
        audit: Some(actor.audit_entry(app.now.ms(), "list_batch", &subject, detail)),
        ..mv
    };
    app.store
        .move_batch(no, &mv, app.now.ms())
        .await
        .map_err(moved)
}

fn plain_move() -> BatchMove {
    BatchMove {
        from: BatchState::Draft,
        to: BatchState::Draft,
        reviewer: None,
        reason: None,
        effective: None,
        published: None,
        audit: None,
    }
}

/// Submits a draft batch for review.
pub async fn submit_batch(app: &App, actor: &Actor, no: i32) -> AppResult<BatchDetail> {
    if app.store.batch_entries(no).await?.is_empty() {
        return Err(AppError::field(
            "entries",
            "batch.empty",
            "批次还没有任何事项",
        ));
    }
    step(app, actor, no, BatchStep::Submit, plain_move()).await?;
    batch_detail(app, actor, no).await
}

/// Another platform admin approves and publishes a submitted batch, in
/// force from `effective` (today or later).
pub async fn publish_batch(
    app: &App,
    actor: &Actor,
    no: i32,
    cmd: &PublishBatch,
) -> AppResult<BatchDetail> {
    let today = app.now.today();
    let effective = crate::cursor::day(cmd.effective.trim()).map_err(|_| {
        AppError::field("effective", "date.invalid", "生效日期应为 YYYY-MM-DD 格式")
    })?;
    lb::check_effective(effective, today)?;
    let mv = BatchMove {
        reviewer: Some(actor.user.id),
        effective: Some(effective.to_string()),
        published: Some(today.to_string()),
        ..plain_move()
    };
    step(app, actor, no, BatchStep::Publish, mv).await?;
    batch_detail(app, actor, no).await
}

/// Another platform admin sends a submitted batch back with a reason.
pub async fn return_batch(
    app: &App,
    actor: &Actor,
    no: i32,
    cmd: &ReturnBatch,
) -> AppResult<BatchDetail> {
    let reason = cmd.reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "required", "请填写退回理由"));
    }
    let mv = BatchMove {
        reviewer: Some(actor.user.id),
        reason: Some(reason.chars().take(500).collect()),
        ..plain_move()
    };
    step(app, actor, no, BatchStep::Return, mv).await?;
    batch_detail(app, actor, no).await
}

/// The 通办 list in force on `day` (today when none), for everyone.
pub async fn public_list(app: &App, day: Option<&str>) -> AppResult<PublicList> {
    let lookups = Lookups::load(app).await?;
    let today = lookups.today();
    let day = match day.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => crate::cursor::day(d)
            .map_err(|_| AppError::field("day", "date.invalid", "日期应为 YYYY-MM-DD 格式"))?,
        None => today,
    };
    let list = if day == today {
        lookups.list()
    } else {
        std::sync::Arc::new(lb::in_force(&lookups.data().list_history, day))
    };
    let items = items(app).await?;
    let hall_name = hall_namer(&lookups);
    let entries = list
        .iter()
        .map(|e| {
            let item = items.get(&e.item);
            let mut places: Vec<String> = e.levels.iter().map(|l| l.label().to_owned()).collect();
            places.extend(e.halls.iter().map(|h| hall_name(*h)));
            PublicEntry {
                item: e.item.0.clone(),
                name: item.map_or_else(|| e.item.0.clone(), |i| i.name.clone()),
                department: item.map_or("", |i| i.department_kind.label()).to_owned(),
                modes: e.modes.iter().map(|m| m.label()).collect(),
                places,
                batch: e.batch,
                batch_name: e.batch_name.clone(),
                effective: e.effective.clone(),
            }
        })
        .collect();
    let mut batches: Vec<Batch> = (lookups.data().list_history.iter())
        .map(|b| Batch {
            no: b.no,
            name: b.name.clone(),
            published: String::new(),
            effective: b.effective.to_string(),
        })
        .collect();
    let published = app.store.batches().await?;
    for b in &mut batches {
        if let Some(p) = published.iter().find(|p| p.no == b.no) {
            b.published = p.published.clone();
        }
    }
    Ok(PublicList {
        day: day.to_string(),
        today: today.to_string(),
        entries,
        batches,
    })
}

/// Exports a batch as XLSX, its headings and words in `lang`.
pub async fn export_batch(
    app: &App,
    actor: &Actor,
    no: i32,
    lang: tongban_domain::i18n::Lang,
) -> AppResult<BatchExport> {
    actor.authorize(Action::ManageListBatches, &Trust::NONE)?;
    let rec = app.store.batch(no).await.map_err(not_found)?;
    let entries = app.store.batch_entries(no).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let items = items(app).await?;
    xlsx::export(&rec, &entries, &items, &lookups, lang)
}

/// Imports an XLSX sheet into a draft batch: every row checked, each error
/// naming its row and field; nothing is written if any row is bad.
pub async fn import_batch(
    app: &App,
    actor: &Actor,
    no: i32,
    bytes: &[u8],
) -> AppResult<BatchDetail> {
    editable(app, actor, no).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let items = items(app).await?;
    let upsert = xlsx::import(bytes, &items, &lookups)?;
    let edit = BatchEdit {
        upsert,
        ..BatchEdit::default()
    };
    app.store
        .edit_batch(no, &edit, app.now.ms())
        .await
        .map_err(moved)?;
    batch_detail(app, actor, no).await
}
