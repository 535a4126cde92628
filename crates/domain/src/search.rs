//! Catalogue search ranking: substring matching over names, admin-maintained
//! aliases (the colloquial names people type) and keywords, ranked so the
//! most relevant items come first. What people really type is met by a
//! [`Lexicon`] (data, not code): variant spellings folded to the
//! catalogue's (身分证 → 身份证), filler words dropped (…要办什么), life
//! events (生孩子 → 出生登记, 出生医学证明 …); and by the pinyin of names,
//! aliases and keywords, full and initials (`shenfenzheng`, `sfz`),
//! computed once per index. Pure: the caller feeds it documents and data.

use crate::catalogue::ItemSummary;
use crate::city::RegionLevel;
use crate::tongban::Mode;
use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};

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

/// Search words kept as data: variant spellings, filler words and life events.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Variant spellings and words, each folded to the catalogue's word.
    #[serde(default, rename = "variant")]
    pub variants: Vec<Variant>,
    /// Words of a question that say nothing about the item (要办什么, 怎么办 …),
    /// dropped from a query that has more.
    #[serde(default)]
    pub fillers: Vec<String>,
    /// Life events and the items they lead to.
    #[serde(default, rename = "event")]
    pub events: Vec<LifeEvent>,
    /// Readings of words whose characters read otherwise alone (调解 is
    /// tiao jie, not diao jie).
    #[serde(default, rename = "reading")]
    pub readings: Vec<Reading>,
}

/// The pinyin of a word whose characters have several readings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    /// The word (还贷).
    pub word: String,
    /// Its syllables without tones, one per character (huan dai).
    pub pinyin: String,
}

/// Spellings people use for one catalogue word.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The catalogue's word (身份证).
    pub to: String,
    /// What people type instead (身分证, 生份证 …).
    pub from: Vec<String>,
}

/// A life event (生孩子) and the items it needs, most needed first.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEvent {
    /// The event's name (新生儿出生).
    pub name: String,
    /// Words people use for it.
    pub words: Vec<String>,
    /// Item codes, most needed first.
    pub items: Vec<String>,
}

/// A lexicon prepared for matching: normalised, longest variants first.
#[derive(Debug, Clone, Default)]
struct Prepared {
    variants: Vec<(String, String)>,
    fillers: Vec<String>,
    /// Per event: its name, normalised words and the indices of its items.
    events: Vec<(String, Vec<String>, Vec<usize>)>,
    /// Word readings, longest word first.
    readings: Vec<(Vec<char>, Vec<String>)>,
}

impl Prepared {
    fn of(lex: &Lexicon, docs: &[SearchDoc]) -> Self {
        let mut variants: Vec<(String, String)> = lex
            .variants
            .iter()
            .flat_map(|v| {
                let to = normalise(&v.to);
                v.from.iter().map(move |f| (normalise(f), to.clone()))
            })
            .filter(|(f, to)| !f.is_empty() && f != to)
            .collect();
        variants.sort_by_key(|(f, _)| std::cmp::Reverse(f.chars().count()));
        let mut fillers: Vec<String> = lex.fillers.iter().map(|f| normalise(f)).collect();
        fillers.retain(|f| !f.is_empty());
        fillers.sort_by_key(|f| std::cmp::Reverse(f.chars().count()));
        let mut readings: Vec<(Vec<char>, Vec<String>)> = lex
            .readings
            .iter()
            .map(|r| {
                let syllables = r.pinyin.split_whitespace().map(str::to_lowercase);
                (r.word.chars().collect(), syllables.collect())
            })
            .filter(|(w, p): &(Vec<char>, Vec<String>)| !w.is_empty() && w.len() == p.len())
            .collect();
        readings.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        let mut prepared = Self {
            variants,
            fillers,
            events: Vec::new(),
            readings,
        };
        let codes: std::collections::HashMap<&str, usize> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.summary.code.as_str(), i))
            .collect();
        prepared.events = lex
            .events
            .iter()
            .map(|e| {
                let words = e.words.iter().map(|w| prepared.canonical(w)).collect();
                let items = e
                    .items
                    .iter()
                    .filter_map(|c| codes.get(c.as_str()).copied());
                (e.name.clone(), words, items.collect())
            })
            .collect();
        prepared
    }

    /// Normalised, with variant spellings folded to the catalogue's.
    fn canonical(&self, s: &str) -> String {
        let mut t = normalise(s);
        for (from, to) in &self.variants {
            if t.contains(from.as_str()) {
                t = t.replace(from.as_str(), to);
            }
        }
        t
    }

    /// The query without its filler words, when something is left.
    fn core(&self, text: &str) -> String {
        let mut t = text.to_owned();
        for f in &self.fillers {
            if t.contains(f.as_str()) {
                let rest = t.replace(f.as_str(), "");
                if !rest.is_empty() {
                    t = rest;
                }
            }
        }
        t
    }
}

/// Pinyin of a text: the full spelling without tones and the initials,
/// both lowercase without separators; characters without pinyin (letters,
/// digits) are kept as they are. Each character reads its most common way.
pub fn pinyin_forms(s: &str) -> (String, String) {
    pinyin_with(s, &[])
}

/// [`pinyin_forms`], with the readings of whole words taking precedence.
fn pinyin_with(s: &str, readings: &[(Vec<char>, Vec<String>)]) -> (String, String) {
    let chars: Vec<char> = s.chars().collect();
    let mut full = String::new();
    let mut initials = String::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((w, p)) = readings.iter().find(|(w, _)| chars[i..].starts_with(w)) {
            for syllable in p {
                full.push_str(syllable);
                initials.extend(syllable.chars().next());
            }
            i += w.len();
            continue;
        }
        let c = chars[i];
        match c.to_pinyin() {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_ascii_alphanumeric() => {
                full.push(c.to_ascii_lowercase());
                initials.push(c.to_ascii_lowercase());
            }
            None => {}
        }
        i += 1;
    }
    (full, initials)
}

/// Where a text of a document comes from, for its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Alias,
    Keyword,
}

/// The pinyin forms of one text of a document.
#[derive(Debug, Clone)]
struct PinyinText {
    field: Field,
    full: String,
    initials: String,
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
    /// Pinyin of the name, aliases and keywords.
    pinyin: Vec<PinyinText>,
    /// Every pinyin form joined, to rule a document out at once.
    pinyin_hay: String,
}

impl Normalised {
    fn of(d: &SearchDoc, lex: &Prepared) -> Self {
        // Documents are folded like queries, so a variant in an alias
        // (驾照丢了) still meets the folded query.
        let name = lex.canonical(&d.summary.name);
        let aliases: Vec<String> = d.aliases.iter().map(|a| lex.canonical(a)).collect();
        let keywords: Vec<String> = d.keywords.iter().map(|k| lex.canonical(k)).collect();
        let hay = std::iter::once(name.clone())
            .chain(aliases.iter().cloned())
            .chain(keywords.iter().cloned())
            .collect::<Vec<_>>()
            .join("|");
        let texts = std::iter::once((Field::Name, &d.summary.name))
            .chain(d.aliases.iter().map(|a| (Field::Alias, a)))
            .chain(d.keywords.iter().map(|k| (Field::Keyword, k)));
        let pinyin: Vec<PinyinText> = texts
            .map(|(field, t)| {
                let (full, initials) = pinyin_with(t, &lex.readings);
                PinyinText {
                    field,
                    full,
                    initials,
                }
            })
            .collect();
        let pinyin_hay = pinyin
            .iter()
            .flat_map(|p| [p.full.as_str(), p.initials.as_str()])
            .collect::<Vec<_>>()
            .join("|");
        Self {
            code: normalise(d.summary.code.as_str()),
            name,
            aliases,
            keywords,
            hay,
            pinyin,
            pinyin_hay,
        }
    }
}

/// A prepared query: its folded text, its core without filler words, the
/// core's character pairs and whether it may be pinyin.
#[derive(Debug)]
struct Query {
    text: String,
    core: String,
    pairs: Vec<String>,
    pinyin: bool,
}

impl Query {
    fn new(q: &str, lex: &Prepared) -> Self {
        let text = lex.canonical(q);
        let core = lex.core(&text);
        let chars: Vec<char> = core.chars().collect();
        let pairs = if chars.len() >= 3 {
            chars.windows(2).map(|w| w.iter().collect()).collect()
        } else {
            Vec::new()
        };
        let pinyin = text.len() >= 2 && text.bytes().all(|b| b.is_ascii_lowercase());
        Self {
            text,
            core,
            pairs,
            pinyin,
        }
    }
}

/// Direct relevance of a document for a query; 0 means no direct match.
fn score(n: &Normalised, q: &Query) -> u32 {
    if q.text.is_empty() {
        return 1;
    }
    let mut best = score_text(n, &q.text);
    if q.core != q.text {
        best = best.max(score_text(n, &q.core));
    }
    if q.pinyin {
        best = best.max(score_pinyin(n, &q.text));
    }
    best
}

/// Relevance of a document for a query typed in pinyin, full or initials.
fn score_pinyin(n: &Normalised, q: &str) -> u32 {
    if !n.pinyin_hay.contains(q) {
        return 0;
    }
    let long = q.len() >= 4;
    let mut best = 0;
    for p in &n.pinyin {
        // (equal, starts, contains) for the full spelling, then the initials.
        let (full, initials) = match p.field {
            Field::Name => ([900, 780, 600], [860, 620, 560]),
            Field::Alias => ([870, 640, 580], [850, 600, 550]),
            Field::Keyword => ([540, 500, 480], [530, 470, 460]),
        };
        let s = if p.full == q {
            full[0]
        } else if long && p.full.starts_with(q) {
            full[1]
        } else if long && p.full.contains(q) {
            full[2]
        } else if p.initials == q {
            initials[0]
        } else if p.initials.starts_with(q) {
            initials[1]
        } else if q.len() >= 3 && p.initials.contains(q) {
            initials[2]
        } else {
            0
        };
        best = best.max(s);
    }
    best
}

/// Relevance of a document for a life event the query names: the event's
/// items in their order, just below an exact name when the query is the
/// event's word, below direct matches when it only contains it.
fn event_scores(lex: &Prepared, q: &Query) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    for (_, words, items) in lex.events.iter().filter(|e| !e.2.is_empty()) {
        let equal = words.iter().any(|w| *w == q.text || *w == q.core);
        let within = || {
            words
                .iter()
                .any(|w| w.chars().count() >= 2 && q.text.contains(w.as_str()))
        };
        let base = if equal {
            880
        } else if within() {
            480
        } else {
            continue;
        };
        for (rank, i) in items.iter().enumerate() {
            out.push((base - (rank as u32).min(20), *i));
        }
    }
    out
}

/// Direct relevance of a document for a folded query text.
fn score_text(n: &Normalised, q_text: &str) -> u32 {
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
    // The query is longer than a known colloquial name or keyword
    // ("社保卡补办流程"): the more of it such words cover, the better
    // ("公积金还贷": 公积金 and 还贷 both name GJJ-002).
    let within = |t: &String| {
        t.len() < q_text.len() && t.chars().count() >= 2 && q_text.contains(t.as_str())
    };
    let covered = |ts: &[String]| -> u32 {
        ts.iter()
            .filter(|t| within(t))
            .map(|t| t.chars().count() as u32)
            .sum()
    };
    let cover = (covered(&n.aliases) + covered(&n.keywords)).min(49);
    if n.aliases.iter().any(within) {
        bump(450 + cover);
    } else if n.keywords.iter().any(within) {
        bump(400 + cover);
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

/// The searchable catalogue: documents with their text normalised, folded
/// and spelled in pinyin once.
#[derive(Debug)]
pub struct SearchIndex {
    docs: Vec<SearchDoc>,
    norm: Vec<Normalised>,
    lex: Prepared,
}

impl SearchIndex {
    /// Prepares documents for searching, without a lexicon.
    pub fn new(docs: Vec<SearchDoc>) -> Self {
        Self::with_lexicon(docs, &Lexicon::default())
    }

    /// Prepares documents for searching with the variant spellings, filler
    /// words and life events of `lexicon`.
    pub fn with_lexicon(docs: Vec<SearchDoc>, lexicon: &Lexicon) -> Self {
        let lex = Prepared::of(lexicon, &docs);
        let norm = docs.iter().map(|d| Normalised::of(d, &lex)).collect();
        Self { docs, norm, lex }
    }

    /// The names of the life events query `q` names (新生儿出生 for
    /// 生孩子要办什么), so a page can say why their items are listed.
    pub fn life_events(&self, q: &str) -> Vec<String> {
        let query = Query::new(q, &self.lex);
        if query.text.is_empty() {
            return Vec::new();
        }
        self.lex
            .events
            .iter()
            .filter(|(_, words, items)| {
                !items.is_empty()
                    && words.iter().any(|w| {
                        *w == query.text
                            || *w == query.core
                            || w.chars().count() >= 2 && query.text.contains(w.as_str())
                    })
            })
            .map(|(name, _, _)| name.clone())
            .collect()
    }

    /// Every document, in catalogue order.
    pub fn docs(&self) -> &[SearchDoc] {
        &self.docs
    }

    /// Ranks the documents for query `q` with `filter`: the matches, best
    /// first (ties: shorter name, then code); an empty query lists in code
    /// order. Returns indices into [`Self::docs`].
    pub fn rank(&self, q: &str, filter: &SearchFilter) -> Vec<usize> {
        let query = Query::new(q, &self.lex);
        let docs = &self.docs;
        let mut scores: Vec<u32> = self.norm.iter().map(|n| score(n, &query)).collect();
        if !query.text.is_empty() {
            for (s, i) in event_scores(&self.lex, &query) {
                scores[i] = scores[i].max(s);
            }
        }
        let mut hits: Vec<(u32, usize)> = scores
            .into_iter()
            .enumerate()
            .filter(|&(i, s)| s > 0 && filter.accepts(&docs[i]))
            .map(|(i, s)| (s, i))
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

    fn lexicon() -> Lexicon {
        Lexicon {
            variants: vec![
                Variant {
                    to: "身份证".into(),
                    from: vec!["身分证".into(), "生份证".into()],
                },
                Variant {
                    to: "驾驶证".into(),
                    from: vec!["驾照".into()],
                },
            ],
            fillers: vec!["要办什么".into(), "怎么办".into()],
            events: vec![LifeEvent {
                name: "新生儿出生".into(),
                words: vec!["生孩子".into(), "生宝宝".into()],
                items: vec!["GA-005".into(), "WJ-001".into(), "XX-404".into()],
            }],
            readings: vec![Reading {
                word: "调解".into(),
                pinyin: "tiao jie".into(),
            }],
        }
    }

    fn catalogue() -> Vec<SearchDoc> {
        vec![
            doc("GA-001", "居民身份证首次申领", &["办身份证"], &["身份证"]),
            doc("GA-003", "居民身份证补领", &["身份证丢了"], &["身份证"]),
            doc("GA-005", "出生登记", &["新生儿落户"], &["新生儿"]),
            doc("WJ-001", "出生医学证明首次签发", &["出生证"], &["出生证明"]),
            doc("YB-010", "生育医疗费用及生育津贴支付", &[], &["生孩子报销"]),
            doc("GA-017", "机动车驾驶证补领", &["驾照丢了"], &["驾驶证"]),
            doc("RS-001", "社会保障卡申领", &["办社保卡"], &["社保卡"]),
            doc("SF-004", "人民调解申请", &["申请调解"], &["调解"]),
        ]
    }

    fn codes(index: &SearchIndex, q: &str) -> Vec<String> {
        index
            .rank(q, &SearchFilter::default())
            .into_iter()
            .map(|i| index.docs()[i].summary.code.as_str().to_owned())
            .collect()
    }

    #[test]
    fn pinyin_forms_spell_full_and_initials() {
        assert_eq!(
            pinyin_forms("身份证"),
            ("shenfenzheng".to_owned(), "sfz".to_owned())
        );
        assert_eq!(
            pinyin_forms("社保卡A1"),
            ("shebaokaa1".to_owned(), "sbka1".to_owned())
        );
    }

    #[test]
    fn pinyin_finds_names_and_aliases() {
        let index = SearchIndex::with_lexicon(catalogue(), &lexicon());
        let sfz = codes(&index, "sfz");
        assert_eq!(sfz.len(), 2, "{sfz:?}");
        assert!(sfz.iter().all(|c| c.starts_with("GA-00")));
        assert_eq!(codes(&index, "shenfenzheng").len(), 2);
        assert_eq!(codes(&index, "SFZ").len(), 2, "upper case folds");
        assert_eq!(codes(&index, "shebaoka")[0], "RS-001");
        assert_eq!(codes(&index, "bsbk"), vec!["RS-001"], "alias initials");
        assert_eq!(codes(&index, "jmsfzbl")[0], "GA-003", "name initials");
        assert!(codes(&index, "zzz").is_empty());
        // A word's reading wins over its characters' usual ones.
        assert_eq!(pinyin_forms("调解").0, "diaojie");
        assert_eq!(codes(&index, "tiaojie"), vec!["SF-004"]);
        assert_eq!(codes(&index, "rmtj"), vec!["SF-004"]);
        // Codes are not pinyin.
        assert_eq!(codes(&index, "ga-005"), vec!["GA-005"]);
    }

    #[test]
    fn variants_fold_on_both_sides() {
        let index = SearchIndex::with_lexicon(catalogue(), &lexicon());
        assert_eq!(codes(&index, "身分证丢了")[0], "GA-003");
        assert_eq!(codes(&index, "生份证").len(), 2);
        assert_eq!(codes(&index, "驾驶证丢了")[0], "GA-017", "alias says 驾照");
        assert_eq!(codes(&index, "驾照")[0], "GA-017");
        // Without the lexicon the variant finds nothing.
        let plain = SearchIndex::new(catalogue());
        assert!(codes(&plain, "身分证").is_empty());
    }

    #[test]
    fn life_events_lead_to_their_items_in_order() {
        let index = SearchIndex::with_lexicon(catalogue(), &lexicon());
        let hits = codes(&index, "生孩子");
        assert_eq!(hits[..2], ["GA-005", "WJ-001"], "{hits:?}");
        assert!(hits.contains(&"YB-010".to_owned()), "direct matches stay");
        let asked = codes(&index, "生孩子要办什么");
        assert_eq!(asked[..2], ["GA-005", "WJ-001"], "{asked:?}");
        assert_eq!(codes(&index, "生宝宝")[0], "GA-005");
        assert_eq!(index.life_events("生孩子要办什么"), vec!["新生儿出生"]);
        assert!(index.life_events("身份证").is_empty());
        // Unknown codes in the data are ignored; filters still apply.
        let f = SearchFilter {
            department_kind: Some(DepartmentKind::Police),
            ..Default::default()
        };
        assert!(
            index.rank("生孩子", &f).is_empty(),
            "all docs are 人社 here"
        );
    }

    #[test]
    fn fillers_are_dropped_only_when_something_is_left() {
        let index = SearchIndex::with_lexicon(catalogue(), &lexicon());
        assert_eq!(codes(&index, "社保卡怎么办")[0], "RS-001");
        assert!(codes(&index, "怎么办").is_empty());
    }
}
