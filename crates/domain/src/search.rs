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

/// Relevance of `doc` for the normalised query `q`; 0 means no match.
pub fn score(doc: &SearchDoc, q: &str) -> u32 {
    if q.is_empty() {
        return 1;
    }
    let name = normalise(&doc.summary.name);
    let mut best = 0u32;
    let mut bump = |s: u32| best = best.max(s);
    if name == q {
        bump(1000);
    }
    if normalise(doc.summary.code.as_str()) == q {
        bump(990);
    }
    if name.starts_with(q) {
        bump(800);
    } else if name.contains(q) {
        bump(700);
    }
    for a in &doc.aliases {
        let a = normalise(a);
        if a == q {
            bump(900);
        } else if a.starts_with(q) {
            bump(650);
        } else if a.contains(q) {
            bump(600);
        } else if q.contains(a.as_str()) && a.chars().count() >= 2 {
            // The query is longer than a known colloquial name ("社保卡补办流程").
            bump(450);
        }
    }
    for k in &doc.keywords {
        let k = normalise(k);
        if k == q {
            bump(550);
        } else if k.contains(q) {
            bump(500);
        } else if q.contains(k.as_str()) && k.chars().count() >= 2 {
            bump(400);
        }
    }
    if best > 0 {
        return best;
    }
    // Fallback for longer queries with the words in another order or with
    // extra characters: share of the query's character pairs found.
    let qc: Vec<char> = q.chars().collect();
    if qc.len() < 3 {
        return 0;
    }
    let hay: String = std::iter::once(name)
        .chain(doc.aliases.iter().map(|a| normalise(a)))
        .chain(doc.keywords.iter().map(|k| normalise(k)))
        .collect::<Vec<_>>()
        .join("|");
    let pairs: Vec<String> = qc.windows(2).map(|w| w.iter().collect()).collect();
    let hits = pairs.iter().filter(|p| hay.contains(p.as_str())).count();
    let share = hits * 100 / pairs.len();
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

/// Ranks `docs` for query `q` with `filter`: the matches, best first (ties:
/// shorter name, then code). Returns indices into `docs`.
pub fn rank(docs: &[SearchDoc], q: &str, filter: &SearchFilter) -> Vec<usize> {
    let q = normalise(q);
    let mut hits: Vec<(u32, usize)> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| filter.accepts(d))
        .filter_map(|(i, d)| {
            let s = score(d, &q);
            (s > 0).then_some((s, i))
        })
        .collect();
    if q.is_empty() {
        // Browsing, not searching: catalogue order.
        hits.sort_by(|a, b| docs[a.1].summary.code.cmp(&docs[b.1].summary.code));
        return hits.into_iter().map(|(_, i)| i).collect();
    }
    hits.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| {
                docs[a.1]
                    .summary
                    .name
                    .chars()
                    .count()
                    .cmp(&docs[b.1].summary.name.chars().count())
            })
            .then_with(|| docs[a.1].summary.code.cmp(&docs[b.1].summary.code))
    });
    hits.into_iter().map(|(_, i)| i).collect()
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
