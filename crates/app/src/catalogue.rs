//! The catalogue as the server reads it: search documents cached per
//! catalogue revision. The revision lives in the database and is bumped by
//! every catalogue write, so every server process sees a change at its next
//! search — no cache can be stale for longer than one query.

use std::sync::{Arc, OnceLock, RwLock};
use tongban_domain::search::{Lexicon, SearchDoc, SearchFilter, SearchIndex};
use tongban_store::{Result, Store};

/// The search lexicon shipped with tongban (`data/search/lexicon.toml`):
/// variant spellings, filler words and life events → items.
pub const LEXICON: &str = include_str!("../../../data/search/lexicon.toml");

/// Parses a lexicon in the `lexicon.toml` layout.
pub fn parse_lexicon(text: &str) -> std::result::Result<Lexicon, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// The bundled lexicon, parsed once.
pub fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    // The bundled file is part of the build and its parse is tested.
    LEX.get_or_init(|| parse_lexicon(LEXICON).expect("bundled search lexicon parses"))
}

/// Cached search documents: the catalogue of one revision, normalised and
/// spelled in pinyin with the bundled lexicon.
#[derive(Debug, Default)]
pub struct CatalogueCache {
    inner: RwLock<Option<(i64, time::Date, Arc<SearchIndex>)>>,
}

/// A suggestion while typing: an item's code and name.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// Item code.
    pub code: String,
    /// Item name.
    pub name: String,
    /// zh-CN department kind.
    pub department: String,
}

impl CatalogueCache {
    /// The current index, rebuilt when the revision moved.
    /// The modes and levels searched are those of the 通办 list in force
    /// `today`, so the index is kept per revision and day.
    pub async fn index(&self, store: &dyn Store, today: time::Date) -> Result<Arc<SearchIndex>> {
        let rev = store.catalogue_revision().await?;
        if let Some((r, d, docs)) = self.inner.read().expect("lock").as_ref()
            && *r == rev
            && *d == today
        {
            return Ok(docs.clone());
        }
        let list = tongban_domain::list_batch::in_force(&store.published_batches().await?, today);
        let docs = store.search_docs(&list).await?;
        let index = Arc::new(SearchIndex::with_lexicon(docs, lexicon()));
        *self.inner.write().expect("lock") = Some((rev, today, index.clone()));
        Ok(index)
    }

    /// Searches: the ranked matches and their total.
    pub async fn search(
        &self,
        store: &dyn Store,
        today: time::Date,
        q: &str,
        filter: &SearchFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<SearchDoc>, usize)> {
        let index = self.index(store, today).await?;
        let hits = index.rank(q, filter);
        let total = hits.len();
        let docs = index.docs();
        Ok((
            hits.into_iter()
                .skip(offset)
                .take(limit)
                .map(|i| docs[i].clone())
                .collect(),
            total,
        ))
    }
}

/// Suggestions for what is typed so far: the best `limit` items, from the
/// cached index (no query of the items per keystroke).
pub async fn suggest(
    cache: &CatalogueCache,
    store: &dyn Store,
    today: time::Date,
    q: &str,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    let index = cache.index(store, today).await?;
    let docs = index.docs();
    Ok(index
        .rank(q, &SearchFilter::default())
        .into_iter()
        .take(limit)
        .map(|i| Suggestion {
            code: docs[i].summary.code.as_str().to_owned(),
            name: docs[i].summary.name.clone(),
            department: docs[i].summary.department_kind.label().to_owned(),
        })
        .collect())
}

/// The life events a search text names (新生儿出生 for 生孩子), so the
/// results page can say why their items are listed.
pub async fn life_events(
    cache: &CatalogueCache,
    store: &dyn Store,
    today: time::Date,
    q: &str,
) -> Result<Vec<String>> {
    Ok(cache.index(store, today).await?.life_events(q))
}

/// An item as its public page shows it.
#[derive(Debug)]
pub struct ItemGuide {
    /// Its current version.
    pub version: tongban_domain::catalogue::ItemVersion,
    /// Its guide map for the answers given.
    pub guide: crate::guide::GuideView,
    /// The answers that count (to its questions, with their options).
    pub answers: tongban_domain::guide::Answers,
    /// Its entry on the 通办 list, if listed.
    pub listing: Option<tongban_domain::tongban::ListEntry>,
    /// The departments that implement it.
    pub implementations: Vec<tongban_domain::catalogue::Implementation>,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// What a person can do next: apply online, book, where to go.
    pub next: NextSteps,
}

/// The next steps an item's page ends with.
#[derive(Debug, serde::Serialize)]
pub struct NextSteps {
    /// Where to apply online (全程网办), when the item may be.
    pub apply_online: Option<String>,
    /// Where to book a visit, when the item may be booked (it is listed).
    pub book: Option<String>,
    /// Where the halls that receive it are listed.
    pub where_to_go: String,
    /// How many halls receive it (all listed levels).
    pub halls: usize,
    /// The nearest-level halls that receive it, named (at most 3).
    pub hall_names: Vec<String>,
}

/// The next steps for an item with its 通办 list entry, over the city's halls.
fn next_steps(
    code: &tongban_domain::ItemCode,
    listing: Option<&tongban_domain::tongban::ListEntry>,
    halls: &[tongban_domain::city::Hall],
) -> NextSteps {
    use tongban_domain::tongban::Mode;
    let enc = |s: &str| {
        s.replace('%', "%25")
            .replace('&', "%26")
            .replace('#', "%23")
    };
    let c = enc(&code.0);
    let receiving: Vec<&tongban_domain::city::Hall> = match listing {
        Some(e) => halls
            .iter()
            .filter(|h| e.levels.contains(&h.level))
            .collect(),
        None => Vec::new(),
    };
    NextSteps {
        apply_online: listing
            .filter(|e| e.modes.contains(&Mode::Online))
            .map(|_| format!("/work/new?item={c}")),
        book: listing.map(|_| format!("/appointments?item={c}")),
        where_to_go: if listing.is_some() {
            format!("/halls?item={c}")
        } else {
            "/halls".to_owned()
        },
        halls: receiving.len(),
        hall_names: receiving.iter().take(3).map(|h| h.name.clone()).collect(),
    }
}

/// The item `code` with its guide map answered so far; `go`: the answers
/// were submitted; `show`: show the checklist of an item without questions.
pub async fn item_guide(
    app: &crate::App,
    code: &str,
    answers: tongban_domain::guide::Answers,
    go: bool,
    show: bool,
) -> crate::AppResult<ItemGuide> {
    let code = tongban_domain::ItemCode(code.to_owned());
    let mut version = app.store.item(&code).await?;
    // Public texts only: the provenance of the time limits is an internal note.
    version.content.note.clear();
    let c = &version.content;
    let answers = crate::guide::known_answers(c, answers);
    let resolve = go || !answers.is_empty() || c.guide.questions.is_empty() && show;
    let guide = crate::guide::guide_view(c, &answers, resolve)?;
    let lookups = crate::Lookups::load(app).await?;
    let listing = lookups.listing(&code);
    Ok(ItemGuide {
        next: next_steps(&code, listing.as_ref(), &lookups.data().halls),
        listing,
        implementations: app.store.implementations(&code).await?,
        aliases: app.store.aliases(&code).await?,
        answers,
        guide,
        version,
    })
}
