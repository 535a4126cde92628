//! The languages of the product: zh-CN (the default, and the language every
//! message is written in) and English, its second language.
//!
//! Messages are keyed by their zh-CN text, gettext-style: the source text is
//! the key, and `locales/en/*.toml` at the workspace root maps each key to
//! its English text. A key may name arguments as `{name}`; [`Text`] keeps the
//! key and its arguments so a message decided in the domain is rendered in
//! the caller's language only when it is shown. A key the English catalogue
//! lacks falls back to zh-CN — or, once [`set_strict`] is on (the tests), is
//! shown as `⟦key⟧` so a test can find it.

use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// A language of the product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag (`zh-CN`, `en`), as in `<html lang>` and `Content-Language`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language's own name, as a language switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::ZhCn => "中文",
            Lang::En => "English",
        }
    }

    /// A tag such as `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans-CN` (any case).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages for an `Accept-Language` header (RFC 9110
    /// §12.5.4: the highest `q` wins, ties in the header's order; `q=0`
    /// refuses); zh-CN when none of ours is acceptable.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for part in header.split(',') {
            let mut bits = part.split(';');
            let Some(lang) = bits.next().and_then(Lang::parse) else {
                continue;
            };
            let q = bits
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(1000, quality);
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::ZhCn, |(_, l)| l)
    }
}

/// A `q` value in thousandths (`0.8` → 800); malformed counts as 0.
fn quality(s: &str) -> u16 {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int: u16 = match int {
        "0" => 0,
        "1" => 1000,
        _ => return 0,
    };
    let mut frac_v = 0u16;
    for (i, c) in frac.chars().take(3).enumerate() {
        let Some(d) = c.to_digit(10) else { return 0 };
        frac_v += d as u16 * [100, 10, 1][i];
    }
    (int + frac_v).min(1000)
}

/// The English catalogue: every file under `locales/en`, one table each.
const EN_FILES: &[(&str, &str)] = &[
    ("domain", include_str!("../../../locales/en/domain.toml")),
    ("app", include_str!("../../../locales/en/app.toml")),
    ("server", include_str!("../../../locales/en/server.toml")),
    ("pages", include_str!("../../../locales/en/pages.toml")),
    ("work", include_str!("../../../locales/en/work.toml")),
    (
        "documents",
        include_str!("../../../locales/en/documents.toml"),
    ),
    ("js", include_str!("../../../locales/en/js.toml")),
];

static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (name, src) in EN_FILES {
        map.extend(parse_catalogue(name, src));
    }
    map
});

/// One catalogue file: a TOML table of strings (built into the binary;
/// `catalogue_files_parse_and_agree` checks each file).
fn parse_catalogue(name: &str, src: &str) -> HashMap<String, String> {
    toml::from_str(src)
        .unwrap_or_else(|e| panic!("locales/en/{name}.toml is not a table of strings: {e}"))
}

/// The English catalogue's files, by name: what the catalogue tests read.
pub fn english_files() -> impl Iterator<Item = (&'static str, HashMap<String, String>)> {
    EN_FILES.iter().map(|(n, s)| (*n, parse_catalogue(n, s)))
}

static STRICT: AtomicBool = AtomicBool::new(false);

/// Shows a key missing from the English catalogue as `⟦key⟧` instead of
/// falling back to zh-CN: the tests turn this on so a page with an
/// untranslated key fails them.
pub fn set_strict(on: bool) {
    STRICT.store(on, Ordering::Relaxed);
}

/// The marker around a key the English catalogue lacks, in strict mode.
pub const MISSING_OPEN: char = '⟦';

/// `key` in `lang`: zh-CN is the key itself.
pub fn tr(lang: Lang, key: &str) -> Cow<'_, str> {
    tr_in(lang, key, STRICT.load(Ordering::Relaxed))
}

fn tr_in(lang: Lang, key: &str, strict: bool) -> Cow<'_, str> {
    match lang {
        Lang::ZhCn => Cow::Borrowed(key),
        Lang::En => match EN.get(key) {
            Some(v) => Cow::Borrowed(v.as_str()),
            None if strict && has_han(key) => Cow::Owned(format!("{MISSING_OPEN}{key}⟧")),
            None => Cow::Borrowed(key),
        },
    }
}

/// Whether the English catalogue has `key`.
pub fn has_english(key: &str) -> bool {
    EN.contains_key(key)
}

/// Whether `s` holds a Han character (what the English text must not show
/// unless it is data).
pub fn has_han(s: &str) -> bool {
    s.chars().any(is_han)
}

/// A CJK unified ideograph (the basic block and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// `template` with each `{name}` replaced by its argument and each
/// `{name|one|other}` by the word for its count (`one` when it is 1); `{{`
/// and `}}` stand for braces, and braces around anything else (a JSON
/// example) are left as written, as is an unknown name.
pub fn fill(template: &str, mut arg: impl FnMut(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let ident = |n: &str| {
            n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let inner = (tail.find('}'))
            .filter(|_| tail.starts_with('{'))
            .map(|e| (e, &tail[1..e]));
        // `{n|copy|copies}`: the word for one, or for any other count of `n`.
        let plural = inner.and_then(|(e, s)| {
            let mut p = s.splitn(3, '|');
            let (n, one, other) = (p.next()?, p.next()?, p.next()?);
            ident(n).then_some((e, n, one, other))
        });
        if let Some((end, name, one, other)) = plural {
            match arg(name) {
                Some(v) if v.trim() == "1" => out.push_str(one),
                Some(_) => out.push_str(other),
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
        } else if let Some((end, name)) = inner.filter(|(_, n)| ident(n)) {
            match arg(name) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&tail[..=end]),
            }
            rest = &tail[end + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// An argument of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Data, shown as it is (a name, a number, a date).
    Raw(String),
    /// Program text, itself translated (a status's label, a nested message).
    Text(Text),
}

impl Arg {
    fn render(&self, lang: Lang) -> String {
        match self {
            Arg::Raw(s) => s.clone(),
            Arg::Text(t) => t.render(lang),
        }
    }
}

/// Static text is program text: a label, translated.
impl From<&'static str> for Arg {
    fn from(s: &'static str) -> Self {
        Arg::Text(Text::from(s))
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Self {
        Arg::Text(t)
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Raw(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Raw(s.clone())
    }
}

macro_rules! raw_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Raw(v.to_string())
            }
        }
    )*};
}
raw_args!(
    u8,
    u16,
    u32,
    u64,
    usize,
    i32,
    i64,
    char,
    time::Date,
    crate::ItemCode,
    crate::RegionCode
);

/// A message in zh-CN that can be shown in any [`Lang`]: its key (the zh-CN
/// text with `{name}` for each argument) and its arguments. It reads as its
/// zh-CN text (`Deref<Target = str>`, `Display`); it serialises in the
/// current request's language.
#[derive(Clone, PartialEq, Eq)]
pub struct Text(Box<Inner>);

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    key: Cow<'static, str>,
    args: Vec<(&'static str, Arg)>,
    zh: String,
    /// Not a key: the arguments joined by this separator.
    join: Option<&'static str>,
}

impl Text {
    /// A message with arguments (see [`text!`](crate::text)).
    pub fn with(key: &'static str, args: Vec<(&'static str, Arg)>) -> Self {
        let zh = fill(key, |n| {
            args.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, a)| a.render(Lang::ZhCn))
        });
        Text(Box::new(Inner {
            key: Cow::Borrowed(key),
            args,
            zh,
            join: None,
        }))
    }

    /// Several messages as one, joined by `sep` (zh-CN punctuation such as
    /// `；`, shown as its English counterpart in English).
    pub fn join(parts: impl IntoIterator<Item = Text>, sep: &'static str) -> Self {
        let args: Vec<(&'static str, Arg)> =
            parts.into_iter().map(|t| ("", Arg::Text(t))).collect();
        let zh = args
            .iter()
            .map(|(_, a)| a.render(Lang::ZhCn))
            .collect::<Vec<_>>()
            .join(sep);
        Text(Box::new(Inner {
            key: Cow::Borrowed(""),
            args,
            zh,
            join: Some(sep),
        }))
    }

    /// Data shown as it is in every language (nothing to translate).
    pub fn raw(s: impl Into<String>) -> Self {
        let zh = s.into();
        Text(Box::new(Inner {
            key: Cow::Borrowed(""),
            args: vec![("", Arg::Raw(zh.clone()))],
            zh,
            join: Some(""),
        }))
    }

    /// The message's key.
    pub fn key(&self) -> &str {
        &self.0.key
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if lang == Lang::ZhCn {
            return self.0.zh.clone();
        }
        if let Some(sep) = self.0.join {
            let sep = match sep {
                "；" => "; ",
                "，" | "、" => ", ",
                "。" => ". ",
                "：" => ": ",
                s => s,
            };
            return (self.0.args.iter().map(|(_, a)| a.render(lang)))
                .collect::<Vec<_>>()
                .join(sep);
        }
        let template = tr(lang, &self.0.key);
        if self.0.args.is_empty() {
            return template.into_owned();
        }
        fill(&template, |n| {
            self.0
                .args
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, a)| a.render(lang))
        })
    }

    /// The zh-CN text.
    pub fn as_str(&self) -> &str {
        &self.0.zh
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Text(Box::new(Inner {
            key: Cow::Borrowed(s),
            args: Vec::new(),
            zh: s.to_owned(),
            join: None,
        }))
    }
}

/// An owned string is looked up as a key: what is not in the catalogue is
/// shown as it is in zh-CN and marked in strict mode.
impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Box::new(Inner {
            zh: s.clone(),
            key: Cow::Owned(s),
            args: Vec::new(),
            join: None,
        }))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::from(s.clone())
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0.zh
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.zh)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0.zh, f)
    }
}

/// Serialised in the language of the request being answered (see
/// [`set_current`]): an API answer or a page's view shows its messages in
/// the caller's language. What is stored is written as zh-CN text, never as
/// a serialised `Text`.
impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match current() {
            Lang::ZhCn => s.serialize_str(&self.0.zh),
            lang => s.serialize_str(&self.render(lang)),
        }
    }
}

/// A message is a string in the OpenAPI document.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Text {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Text {}

static CURRENT: std::sync::OnceLock<fn() -> Lang> = std::sync::OnceLock::new();

/// Tells the domain how to learn the language of the request being answered
/// (the server's per-request scope); zh-CN until it is told.
pub fn set_current(f: fn() -> Lang) {
    let _ = CURRENT.set(f);
}

/// The language of the request being answered, as [`set_current`] learns it.
pub fn current() -> Lang {
    CURRENT.get().map_or(Lang::ZhCn, |f| f())
}

impl PartialEq<str> for Text {
    fn eq(&self, o: &str) -> bool {
        self.0.zh == o
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, o: &&str) -> bool {
        self.0.zh == *o
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, o: &String) -> bool {
        &self.0.zh == o
    }
}

/// A [`Text`]: `text!("办件已{status}", status = s.label())`. A `&'static
/// str` argument is program text and is translated; a `String`, number or
/// date is data and is shown as it is.
#[macro_export]
macro_rules! text {
    ($key:literal $(,)?) => {
        $crate::i18n::Text::from($key)
    };
    ($key:literal, $($name:ident = $val:expr),+ $(,)?) => {
        $crate::i18n::Text::with(
            $key,
            vec![$((stringify!($name), $crate::i18n::Arg::from($val))),+],
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_takes_the_best_of_ours() {
        assert_eq!(Lang::from_accept_language(""), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("fr, en;q=0.5, zh;q=0.8"),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::from_accept_language("zh-CN;q=0.3, EN-gb;q=0.7"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("en;q=0, fr"), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language("de"), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language("en;q=x"), Lang::ZhCn);
        assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("ja"), None);
    }

    #[test]
    fn fill_replaces_named_arguments_only() {
        let got = fill("第{row}行：{field} {{x}} {nope}", |n| {
            (n == "row")
                .then(|| "3".into())
                .or((n == "field").then(|| "姓名".into()))
        });
        assert_eq!(got, "第3行：姓名 {x} {nope}");
        assert_eq!(
            fill("{\"hall\": 1} {row}", |_| Some("9".into())),
            "{\"hall\": 1} 9"
        );
        let copies = |n: &str| fill("{n} {n|copy|copies}", |_| Some(n.into()));
        assert_eq!(copies("1"), "1 copy");
        assert_eq!(copies("2"), "2 copies");
        assert_eq!(copies("0"), "0 copies");
    }

    #[test]
    fn a_text_reads_as_zh_and_renders_in_english_with_its_arguments() {
        // Two keys known to the catalogue (checked by the catalogue tests).
        let t = crate::text!("第{row}行", row = 3u32);
        assert_eq!(t, "第3行");
        assert_eq!(t.render(Lang::ZhCn), "第3行");
        assert_eq!(t.render(Lang::En), "row 3");
        let data = crate::text!("第{row}行", row = "x".to_string());
        assert_eq!(data.render(Lang::En), "row x");
    }

    #[test]
    fn joined_and_raw_texts() {
        let j = Text::join(
            [crate::text!("第{row}行", row = 1u8), Text::raw("张三")],
            "；",
        );
        assert_eq!(j, "第1行；张三");
        assert_eq!(j.render(Lang::En), "row 1; 张三");
    }

    #[test]
    fn a_missing_key_falls_back_to_zh_and_is_marked_when_strict() {
        let t = Text::from("这句没有英文".to_string());
        assert_eq!(t.render(Lang::En), "这句没有英文");
        assert_eq!(tr(Lang::En, "plain ascii"), "plain ascii");
        assert_eq!(tr_in(Lang::En, "这句没有英文", true), "⟦这句没有英文⟧");
        assert_eq!(tr_in(Lang::En, "plain", true), "plain");
        assert_eq!(tr_in(Lang::ZhCn, "这句没有英文", true), "这句没有英文");
    }

    #[test]
    fn catalogue_files_parse_and_agree() {
        let mut seen: HashMap<String, (&str, String)> = HashMap::new();
        for (file, table) in english_files() {
            for (k, v) in table {
                assert!(
                    !v.trim().is_empty(),
                    "{file}: “{k}” has an empty English text"
                );
                assert!(
                    !has_han(&v),
                    "{file}: the English of “{k}” holds Chinese: {v}"
                );
                let names = |s: &str| {
                    let mut n: Vec<String> = Vec::new();
                    fill(s, |x| {
                        n.push(x.to_string());
                        None
                    });
                    n.sort();
                    n.dedup();
                    n
                };
                assert_eq!(
                    names(&k),
                    names(&v),
                    "{file}: “{k}” and “{v}” name different arguments"
                );
                if let Some((other, prev)) = seen.get(&k) {
                    assert_eq!(
                        prev, &v,
                        "“{k}” is translated differently in {other} and {file}"
                    );
                }
                seen.insert(k, (file, v));
            }
        }
    }
}
