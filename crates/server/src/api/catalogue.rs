//! The catalogue: search, items with every element, implementations, the
//! guide-map questionnaire, aliases, and the published 通办 list.

use super::Page;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use tongban_domain::ItemCode;
use tongban_domain::authz::Action;
use tongban_domain::catalogue::{Implementation, ItemContent, ItemType};
use tongban_domain::city::{DepartmentKind, RegionLevel};
use tongban_domain::guide::{Answers, GuideError, Resolution};
use tongban_domain::search::{SearchDoc, SearchFilter};
use tongban_domain::tongban::{Batch, ListEntry, Mode};
use tongban_domain::{FieldError, ValidationErrors};
use utoipa::ToSchema;

/// A row of the catalogue list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRow {
    /// Code.
    pub code: ItemCode,
    /// Name.
    pub name: String,
    /// Department kind.
    pub department_kind: DepartmentKind,
    /// zh-CN department kind.
    pub department_kind_label: String,
    /// Type.
    pub item_type: ItemType,
    /// Promised working days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// Online depth, 1–5.
    pub online_stars: u8,
    /// Current version.
    pub version: i32,
    /// Modes allowed by the 通办 list (empty when not listed).
    pub modes: Vec<Mode>,
    /// Hall levels allowed by the 通办 list.
    pub levels: Vec<RegionLevel>,
    /// Colloquial names.
    pub aliases: Vec<String>,
}

impl From<SearchDoc> for ItemRow {
    fn from(d: SearchDoc) -> Self {
        let s = d.summary;
        Self {
            code: s.code,
            name: s.name,
            department_kind: s.department_kind,
            department_kind_label: s.department_kind.label().into(),
            item_type: s.item_type,
            promised_days: s.promised_days,
            instant: s.instant,
            online_stars: s.online_stars,
            version: s.version,
            modes: d.modes,
            levels: d.levels,
            aliases: d.aliases,
        }
    }
}

/// Parses the search filters, naming any bad one.
pub fn search_filter(p: &Params) -> Result<SearchFilter, ApiError> {
    Ok(SearchFilter {
        department_kind: p.parse("department_kind", "部门类别", DepartmentKind::parse)?,
        mode: p.parse("mode", "通办模式", Mode::parse)?,
        level: p.parse("level", "层级", RegionLevel::parse)?,
    })
}

/// Searches the catalogue by `q` over names, aliases and keywords (most
/// relevant first), with filters. Access: public.
#[utoipa::path(get, path = "/items", tag = "catalogue",
    params(("q" = Option<String>, Query, description = "search text: a word, a full name or a colloquial name"),
           ("department_kind" = Option<String>, Query, description = "police, medical_insurance, … or 公安, 医保, …"),
           ("mode" = Option<String>, Query, description = "online / accept_remote / collect_remote / bundle"),
           ("level" = Option<String>, Query, description = "hall level where listed: city / county / town / community"),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<ItemRow>), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<Page<ItemRow>>> {
    ctx.authorize(Action::ReadPublic)?;
    let (limit, offset) = p.paging()?;
    let filter = search_filter(&p)?;
    let q = p.get("q").unwrap_or("");
    if q.chars().count() > 100 {
        return Err(FieldError::new("q", "too_long", "搜索词不能超过100个字").into());
    }
    let (docs, total) = state
        .catalogue
        .search(
            state.store.as_ref(),
            state.now.today(),
            q,
            &filter,
            limit,
            offset,
        )
        .await?;
    Ok(Json(Page {
        data: docs.into_iter().map(ItemRow::from).collect(),
        total,
    }))
}

/// Suggestions while typing a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    /// The text they are for.
    pub q: String,
    /// The best items for it, most relevant first (at most `limit`).
    pub data: Vec<tongban_app::catalogue::Suggestion>,
}

/// Suggestions as the search box is typed in: the best few items for the
/// text so far — names, colloquial names, common misspellings (身分证),
/// pinyin full or initials (`sfz`) and life events (生孩子) — from the
/// cached index. Empty text: no suggestions. Access: public.
#[utoipa::path(get, path = "/items/suggest", tag = "catalogue",
    params(("q" = Option<String>, Query, max_length = 100, description = "the text typed so far"),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 10, description = "how many, 1–10 (default 8)")),
    responses((status = 200, body = Suggestions), (status = 422, body = crate::error::ErrorBody)))]
pub async fn suggest(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<Suggestions>> {
    ctx.authorize(Action::ReadPublic)?;
    let q = p.get("q").unwrap_or("");
    if q.chars().count() > 100 {
        return Err(FieldError::new("q", "too_long", "搜索词不能超过100个字").into());
    }
    let limit = p
        .parse("limit", "建议条数", |v| {
            v.parse::<usize>().ok().filter(|n| (1..=10).contains(n))
        })?
        .unwrap_or(8);
    let mut data = tongban_app::catalogue::suggest(
        &state.catalogue,
        state.store.as_ref(),
        state.now.today(),
        q,
        limit,
    )
    .await?;
    // The department kind's label, in the caller's language.
    for s in &mut data {
        s.department = crate::lang::t(&s.department);
    }
    Ok(Json(Suggestions {
        q: q.to_owned(),
        data,
    }))
}

/// An item's current version with every standard element.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDetail {
    /// Version number.
    pub version: i32,
    /// When this version was published.
    pub published_at: String,
    /// Every element (code, name, limits, materials, guide map …).
    #[serde(flatten)]
    pub content: ItemContent,
    /// Admin-maintained colloquial names.
    pub aliases: Vec<String>,
    /// Its 通办 list entry, if listed.
    pub listing: Option<ListEntry>,
}

async fn load_item(state: &AppState, code: &str, version: Option<i32>) -> ApiResult<ItemDetail> {
    let code = ItemCode(code.to_owned());
    let v = match version {
        Some(n) => state.store.item_version(&code, n).await?,
        None => state.store.item(&code).await?,
    };
    let aliases = state.store.aliases(&code).await?;
    let listing = tongban_app::Lookups::load(&state.app())
        .await?
        .listing(&code);
    Ok(ItemDetail {
        version: v.version,
        published_at: v.published_at,
        content: v.content,
        aliases,
        listing,
    })
}

/// An item: the current version (or `?version=n`) with every element,
/// `promised_days`, `instant`, materials and guide map. Access: public.
#[utoipa::path(get, path = "/items/{code}", tag = "catalogue",
    params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001"), ("version" = Option<i32>, Query, minimum = 1)),
    responses((status = 200, body = ItemDetail), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    p: Params,
) -> ApiResult<Json<ItemDetail>> {
    ctx.authorize(Action::ReadPublic)?;
    let version = p.parse("version", "版本号", |v| {
        v.parse::<i32>().ok().filter(|n| *n >= 1)
    })?;
    Ok(Json(load_item(&state, &code, version).await?))
}

/// Which departments implement an item, in which regions. Access: public.
#[utoipa::path(get, path = "/items/{code}/implementations", tag = "catalogue",
    params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001"), ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = Page<Implementation>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn implementations(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    p: Params,
) -> ApiResult<Json<Page<Implementation>>> {
    ctx.authorize(Action::ReadPublic)?;
    let (limit, offset) = p.paging()?;
    let code = ItemCode(code);
    state.store.item(&code).await?;
    let all = state.store.implementations(&code).await?;
    Ok(Json(Page::of(all, limit, offset)))
}

/// Answers to an item's questionnaire.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuideRequest {
    /// Question key → option key.
    pub answers: Answers,
}

/// Resolves questionnaire answers to a situation (情形) and its required
/// materials. Unanswered or unknown answers are 422 naming `answers.<key>`.
/// Access: public.
#[utoipa::path(post, path = "/items/{code}/guide", tag = "catalogue",
    params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001")), request_body = GuideRequest,
    responses((status = 200, body = Resolution), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn guide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<GuideRequest>,
) -> ApiResult<Json<Resolution>> {
    ctx.authorize(Action::ReadPublic)?;
    let item = state.store.item(&ItemCode(code)).await?.content;
    match item.guide.evaluate(&body.answers, &item.materials) {
        Ok(r) => Ok(Json(r)),
        Err(GuideError::Invalid(e)) => Err(e.into()),
        Err(GuideError::Unanswered(q)) => {
            let text = item
                .guide
                .questions
                .iter()
                .find(|x| x.key == q)
                .map(|x| x.text.clone())
                .unwrap_or_default();
            Err(FieldError::new(
                format!("answers.{q}"),
                "guide.unanswered",
                tongban_domain::text!("请回答：{text}", text = text),
            )
            .into())
        }
        Err(GuideError::NoSituation) => Err(ApiError::internal(format!(
            "guide map of {} has a dead end",
            item.code
        ))),
    }
}

/// The aliases of an item.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Aliases {
    /// Colloquial or abbreviated names people type (社保, 公积金提取 …).
    #[schema(max_items = 50)]
    pub aliases: Vec<String>,
}

/// An item's aliases. Access: public.
#[utoipa::path(get, path = "/items/{code}/aliases", tag = "catalogue", params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001")),
    responses((status = 200, body = Aliases), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_aliases(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> ApiResult<Json<Aliases>> {
    ctx.authorize(Action::ReadPublic)?;
    let code = ItemCode(code);
    state.store.item(&code).await?;
    Ok(Json(Aliases {
        aliases: state.store.aliases(&code).await?,
    }))
}

/// Replaces an item's aliases (search picks them up at once, in every
/// server process). Access: platform admin. Cookie sessions send
/// `X-CSRF-Token`.
#[utoipa::path(put, path = "/items/{code}/aliases", tag = "catalogue", params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001")),
    request_body = Aliases, security(("bearer" = [])),
    responses((status = 200, body = Aliases), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn put_aliases(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<Aliases>,
) -> ApiResult<Json<Aliases>> {
    ctx.authorize(Action::EditAliases)?;
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let mut errs = ValidationErrors::default();
    if body.aliases.len() > 50 {
        errs.push(FieldError::new("aliases", "too_many", "别名不能超过50个"));
    }
    let mut clean: Vec<String> = Vec::new();
    for (i, a) in body.aliases.iter().enumerate() {
        let t = a.trim();
        if t.is_empty() || t.chars().count() > 30 {
            errs.push(FieldError::new(
                format!("aliases[{i}]"),
                "alias.length",
                "别名应为1至30个字",
            ));
        } else if !clean.iter().any(|c| c == t) {
            clean.push(t.to_owned());
        }
    }
    errs.into_result(())?;
    let code = ItemCode(code);
    state.store.set_aliases(&code, &clean).await?;
    tracing::info!(item = %code, by = ?ctx.user.as_ref().map(|u| u.id), "aliases replaced");
    Ok(Json(Aliases {
        aliases: state.store.aliases(&code).await?,
    }))
}

/// A 通办 list entry with the item's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListRow {
    /// Item code.
    pub item: ItemCode,
    /// Item name.
    pub name: String,
    /// Department kind.
    pub department_kind: DepartmentKind,
    /// Allowed modes.
    pub modes: Vec<Mode>,
    /// Hall levels.
    pub levels: Vec<RegionLevel>,
    /// Named halls besides the levels.
    pub halls: Vec<tongban_domain::HallId>,
    /// Batch number.
    pub batch: i32,
    /// Batch name.
    pub batch_name: String,
    /// The day the entry came into force.
    pub effective: String,
}

/// The published list with its batches.
#[derive(Debug, Serialize, ToSchema)]
pub struct TongbanList {
    /// Entries of this page.
    pub data: Vec<ListRow>,
    /// Entries in all pages.
    pub total: usize,
    /// Every published batch.
    pub batches: Vec<Batch>,
}

/// The 全域通办 list in force today (or on `day`, `YYYY-MM-DD`): entries
/// with `item`, `modes`, `levels`, named `halls`, and the `batch` that put
/// them there with its name and effective date. Filters: `batch`, `mode`,
/// `level`, `department_kind`. Access: public.
#[utoipa::path(get, path = "/tongban-list", tag = "catalogue",
    params(("day" = Option<String>, Query, description = "The day whose list (default today)"), ("batch" = Option<i32>, Query), ("mode" = Option<String>, Query), ("level" = Option<String>, Query),
           ("department_kind" = Option<String>, Query), ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"), ("offset" = Option<usize>, Query, maximum = 1000000, description = "Rows to skip")),
    responses((status = 200, body = TongbanList), (status = 422, body = crate::error::ErrorBody)))]
pub async fn tongban_list(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
) -> ApiResult<Json<TongbanList>> {
    ctx.authorize(Action::ReadPublic)?;
    let (limit, offset) = match p.get("limit") {
        None => (1000, p.paging()?.1),
        Some(_) => p.paging()?,
    };
    let batch = p.parse("batch", "批次", |v| v.parse::<i32>().ok())?;
    let filter = search_filter(&p)?;
    let day = p.parse("day", "日期", |v| tongban_app::cursor::day(v).ok())?;
    let index = state
        .catalogue
        .index(state.store.as_ref(), state.now.today())
        .await?;
    let docs = index.docs();
    let rows = list_rows(&state, docs, day, batch, &filter).await?;
    let total = rows.len();
    Ok(Json(TongbanList {
        data: rows.into_iter().skip(offset).take(limit).collect(),
        total,
        batches: state.store.batches().await?,
    }))
}

/// The entries in force on `day` (today when none) joined with item
/// names, filtered.
pub async fn list_rows(
    state: &AppState,
    docs: &[SearchDoc],
    day: Option<time::Date>,
    batch: Option<i32>,
    filter: &SearchFilter,
) -> ApiResult<Vec<ListRow>> {
    let names: std::collections::HashMap<&str, &SearchDoc> =
        docs.iter().map(|d| (d.summary.code.as_str(), d)).collect();
    let lookups = tongban_app::Lookups::load(&state.app()).await?;
    let list = match day {
        Some(d) if d != lookups.today() => std::sync::Arc::new(
            tongban_domain::list_batch::in_force(&lookups.data().list_history, d),
        ),
        _ => lookups.list(),
    };
    let mut out = Vec::new();
    for e in list.iter().cloned() {
        let Some(d) = names.get(e.item.as_str()) else {
            continue;
        };
        if batch.is_some_and(|b| b != e.batch) || !filter.accepts(d) {
            continue;
        }
        out.push(ListRow {
            name: d.summary.name.clone(),
            department_kind: d.summary.department_kind,
            item: e.item,
            modes: e.modes,
            levels: e.levels,
            halls: e.halls,
            batch: e.batch,
            batch_name: e.batch_name,
            effective: e.effective,
        });
    }
    Ok(out)
}

/// Which drawing of a guide map a request asks for: `format=svg|pdf`, else
/// the `Accept` header (`application/pdf` before `image/svg+xml`), else SVG.
pub(crate) fn guide_map_format(
    p: &Params,
    headers: &HeaderMap,
) -> Result<crate::guide_map::Format, ApiError> {
    use crate::guide_map::Format;
    if let Some(f) = p.parse("format", "格式", |v| match v {
        "svg" => Some(Format::Svg),
        "pdf" => Some(Format::Pdf),
        _ => None,
    })? {
        return Ok(f);
    }
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let pdf = accept.find("application/pdf");
    let svg = accept.find("image/svg+xml");
    Ok(match (pdf, svg) {
        (Some(a), Some(b)) if b < a => Format::Svg,
        (Some(_), _) => Format::Pdf,
        _ => Format::Svg,
    })
}

/// The 审批导图 of an item, drawn from its current published version and
/// its 通办 list entry (the version is printed on it): SVG or an A4 PDF.
/// Answers 304 to an `If-None-Match` of the drawing's ETag. Access: public.
#[utoipa::path(get, path = "/items/{code}/guide-map", tag = "catalogue",
    params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001"),
           ("format" = Option<String>, Query, description = "svg or pdf; without it `Accept` decides (application/pdf → PDF), SVG by default")),
    responses((status = 200, description = "The guide map", content(("image/svg+xml"), ("application/pdf"))),
              (status = 304, description = "Unchanged: the ETag given in If-None-Match is current"),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn guide_map(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
    p: Params,
) -> ApiResult<axum::response::Response> {
    ctx.authorize(Action::ReadPublic)?;
    let format = guide_map_format(&p, &headers)?;
    let src = tongban_app::guide_map::load(&state.app(), &code)
        .await
        .map_err(|e| ctx.fail(e))?;
    let layout = crate::guide_map::layout(&src);
    Ok(crate::guide_map::respond(&layout, format, &headers))
}
