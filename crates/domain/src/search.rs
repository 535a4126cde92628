//! Catalogue search ranking: substring matching over names, admin-maintained
//! aliases (the colloquial names people type) and keywords, ranked so the
//! most relevant items come first. Pure: the server feeds it documents.

use crate::catalogue::ItemSummary;
use crate::city::RegionLevel;
use crate::tongban::Mode;
use serde::Serialize;

/// One searchable item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchDoc {
    /// The item's summary.
    pub summary: ItemSummary,
    /// Admin-maintained aliases.
    pub aliases: Vec<String>,
    /// Keywords of the current version.
    pub keywords: Vec<String>,
    /// Modes allowed by the 通办 list (empty when not listed).
    pub modes: Vec<Mode>,
    /// Hall levels allowed by the 通办 list.
    pub levels: Vec<RegionLevel>,
}

/// Normalises text for matching: trims, drops whitespace, lowercases ASCII,
/// folds full-width ASCII to half-width.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A document's text, normalised once when the index is built.
#[derive(Debug, Clone)]
struct Normalised {
    name: String,
    code: String,
    aliases: Vec<String>,
    keywords: Vec<String>,
    /// Everything joined, for the pair fallback.
    hay: String,
}

impl Normalised {
    fn of(d: &SearchDoc) -> Self {
        let name = normalise(&d.summary.name);
        let aliases: Vec<String> = d.aliases.iter().map(|a| normalise(a)).collect();
        let keywords: Vec<String> = d.keywords.iter().map(|k| normalise(k)).collect();
        let hay = std::iter::once(name.clone())
            .chain(aliases.iter().cloned())
            .chain(keywords.iter().cloned())
            .collect::<Vec<_>>()
            .join("|");
        Self {
            code: normalise(d.summary.code.as_str()),
            name,
            aliases,
            keywords,
            hay,
        }
    }
}

/// A prepared query: its normalised text and character pairs.
#[derive(Debug)]
struct Query {
    text: String,
    pairs: Vec<String>,
}

impl Query {
    fn new(q: &str) -> Self {
        let text = normalise(q);
        let chars: Vec<char> = text.chars().collect();
        let pairs = if chars.len() >= 3 {
            chars.windows(2).map(|w| w.iter().collect()).collect()
        } else {
            Vec::new()
        };
        Self { text, pairs }
    }
}

/// Direct relevance of a document for a query; 0 means no direct match.
fn score(n: &Normalised, q: &Query) -> u32 {
    let q_text = q.text.as_str();
    if q_text.is_empty() {
        return 1;
    }
    let mut best = 0u32;
    let mut bump = |s: u32| best = best.max(s);
    // Most documents do not contain the query at all: one search of the
    // joined text settles that, leaving only the reverse checks below.
    if n.hay.contains(q_text) || n.code == q_text {
        if n.name == q_text {
            bump(1000);
        }
        if n.code == q_text {
            bump(990);
        }
        if n.name.starts_with(q_text) {
            bump(800);
        } else if n.name.contains(q_text) {
            bump(700);
        }
        for a in &n.aliases {
            if a == q_text {
                bump(900);
            } else if a.starts_with(q_text) {
                bump(650);
            } else if a.contains(q_text) {
                bump(600);
            }
        }
        for k in &n.keywords {
            if k == q_text {
                bump(550);
            } else if k.contains(q_text) {
                bump(500);
            }
        }
    }
    // The query is longer than a known colloquial name or keyword ("社保卡补办流程").
    for a in &n.aliases {
        if a.len() < q_text.len() && a.chars().count() >= 2 && q_text.contains(a.as_str()) {
            bump(450);
        }
    }
    for k in &n.keywords {
        if k.len() < q_text.len() && k.chars().count() >= 2 && q_text.contains(k.as_str()) {
            bump(400);
        }
    }
    best
}

/// Below this many direct matches, near matches are offered too.
const FEW_HITS: usize = 5;

/// Near match for longer queries with the words in another order or with
/// extra characters: the share of the query's character pairs found (≥ 60%).
fn near_score(n: &Normalised, q: &Query) -> u32 {
    if q.pairs.is_empty() {
        return 0;
    }
    let hits = q
        .pairs
        .iter()
        .filter(|p| n.hay.contains(p.as_str()))
        .count();
    let share = hits * 100 / q.pairs.len();
    if share >= 60 { share as u32 } else { 0 }
}

/// Filters applied with a search.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Department kind.
    pub department_kind: Option<crate::city::DepartmentKind>,
    /// Listed in this mode.
    pub mode: Option<Mode>,
    /// Listed for this hall level.
    pub level: Option<RegionLevel>,
}

impl SearchFilter {
    /// Does the document pass the filter?
    pub fn accepts(&self, d: &SearchDoc) -> bool {
        self.department_kind
            .is_none_or(|k| d.summary.department_kind == k)
            && self.mode.is_none_or(|m| d.modes.contains(&m))
            && self.level.is_none_or(|l| d.levels.contains(&l))
    }
}

/// The searchable catalogue: documents with their text normalised once.
#[derive(Debug)]
pub struct SearchIndex {
    docs: Vec<SearchDoc>,
    norm: Vec<Normalised>,
}

impl SearchIndex {
    /// Prepares documents for searching.
    pub fn new(docs: Vec<SearchDoc>) -> Self {
        let norm = docs.iter().map(Normalised::of).collect();
        Self { docs, norm }
    }

    /// Every document, in catalogue order.
    pub fn docs(&self) -> &[SearchDoc] {
        &self.docs
    }

    /// Ranks the documents for query `q` with `filter`: the matches, best
    /// first (ties: shorter name, then code); an empty query lists in code
    /// order. Returns indices into [`Self::docs`].
    pub fn rank(&self, q: &str, filter: &SearchFilter) -> Vec<usize> {
        let query = Query::new(q);
        let docs = &self.docs;
        let mut hits: Vec<(u32, usize)> = self
            .norm
            .iter()
            .enumerate()
            .filter(|(i, _)| filter.accepts(&docs[*i]))
            .filter_map(|(i, n)| {
                let s = score(n, &query);
                (s > 0).then_some((s, i))
            })
            .collect();
        if hits.len() < FEW_HITS && !query.pairs.is_empty() {
            let direct: std::collections::HashSet<usize> = hits.iter().map(|h| h.1).collect();
            for (i, n) in self.norm.iter().enumerate() {
                if !direct.contains(&i) && filter.accepts(&docs[i]) {
                    let s = near_score(n, &query);
                    if s > 0 {
                        hits.push((s, i));
                    }
                }
            }
        }
        if query.text.is_empty() {
            // Browsing, not searching: catalogue order.
            hits.sort_by(|a, b| docs[a.1].summary.code.cmp(&docs[b.1].summary.code));
        } else {
            hits.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then_with(|| {
                        self.norm[a.1]
                            .name
                            .chars()
                            .count()
                            .cmp(&self.norm[b.1].name.chars().count())
                    })
                    .then_with(|| docs[a.1].summary.code.cmp(&docs[b.1].summary.code))
            });
        }
        hits.into_iter().map(|(_, i)| i).collect()
    }
}

/// Ranks `docs` for `q` (see [`SearchIndex::rank`]); for one-off use.
pub fn rank(docs: &[SearchDoc], q: &str, filter: &SearchFilter) -> Vec<usize> {
    SearchIndex::new(docs.to_vec()).rank(q, filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ItemType;
    use crate::city::DepartmentKind;

    fn doc(code: &str, name: &str, aliases: &[&str], keywords: &[&str]) -> SearchDoc {
        SearchDoc {
            summary: ItemSummary {
                code: code.into(),
                name: name.into(),
                department_kind: DepartmentKind::HumanResources,
                item_type: ItemType::PublicService,
                promised_days: 1,
                instant: false,
                online_stars: 4,
                version: 1,
            },
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            modes: vec![],
            levels: vec![],
        }
    }

    #[test]
    fn ranks_exact_then_alias_then_contains() {
        let docs = vec![
            doc("RS-002", "社会保障卡挂失", &["社保卡挂失"], &["社保卡"]),
            doc("RS-001", "社会保障卡申领", &["办社保卡"], &["社保卡"]),
            doc(
                "RS-003",
                "城乡居民基本养老保险参保登记",
                &["社保", "养老保险"],
                &["养老"],
            ),
            doc("GA-001", "居民身份证换领", &["换身份证"], &["身份证"]),
        ];
        let f = SearchFilter::default();
        assert_eq!(
            rank(&docs, "社会保障卡申领", &f)[..2],
            [1, 0],
            "exact name first, a related item after"
        );
        assert_eq!(rank(&docs, "换身份证", &f), vec![3]);
        assert_eq!(
            rank(&docs, "社保", &f)[0],
            2,
            "an alias equal to the query wins"
        );
        assert_eq!(rank(&docs, "养老", &f), vec![2]);
        assert_eq!(
            rank(&docs, "ｒｓ-001", &f),
            vec![1],
            "full-width code folds"
        );
        assert_eq!(rank(&docs, "身份证换", &f), vec![3]);
        assert!(rank(&docs, "火星", &f).is_empty());
        // Words in another order still find the item.
        assert_eq!(rank(&docs, "挂失社会保障卡", &f)[0], 0);
    }
}
