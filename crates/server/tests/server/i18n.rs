//! English, the second language: every key the code names has its English,
//! no template or script shows Chinese outside a key, and every page — as
//! each role sees it, in English — shows no untranslated key.

use regex_lite::Regex;
use std::path::{Path, PathBuf};
use tongban_domain::i18n::{english_files, has_english, has_han};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// The string literals of `call("…")` / `call('…')` in `src`, and `src`
/// with them blanked out.
fn keys_of(src: &str, call: &Regex) -> (Vec<String>, String) {
    let mut keys = Vec::new();
    let blanked = call.replace_all(src, |c: &regex_lite::Captures| {
        let lit = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
        keys.push(lit.replace("\\\"", "\"").replace("\\'", "'"));
        " ".repeat(c[0].len())
    });
    (keys, blanked.into_owned())
}

/// Lines of `src` (1-based) holding a Han character.
fn han_lines(src: &str) -> Vec<(usize, String)> {
    src.lines()
        .enumerate()
        .filter(|(_, l)| has_han(l))
        .map(|(i, l)| (i + 1, l.trim().to_owned()))
        .collect()
}

#[test]
fn templates_show_chinese_only_through_keys_and_every_key_has_english() {
    let comment = Regex::new(r"(?s)\{#.*?#\}").unwrap();
    let call = Regex::new(r#"\bt\(\s*("((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#).unwrap();
    let mut paths = Vec::new();
    files(
        &workspace().join("crates/server/templates"),
        "html",
        &mut paths,
    );
    assert!(paths.len() > 30, "templates found: {}", paths.len());
    let mut bad = Vec::new();
    for p in paths {
        let src = std::fs::read_to_string(&p).unwrap();
        let src = comment.replace_all(&src, |c: &regex_lite::Captures| {
            "\n".repeat(c[0].matches('\n').count())
        });
        let (keys, rest) = keys_of(&src, &call);
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        for (n, l) in han_lines(&rest) {
            bad.push(format!("{name}:{n}: Chinese outside t(): {l}"));
        }
        for k in keys {
            if has_han(&k) && !has_english(&k) {
                bad.push(format!("{name}: no English for “{k}”"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn scripts_show_chinese_only_through_keys_shipped_with_them() {
    let comments = Regex::new(r"(?m)(?s:/\*.*?\*/)|^\s*//.*$|\s//\s.*$").unwrap();
    let call = Regex::new(r#"\bT\(\s*("((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#).unwrap();
    let js: std::collections::HashMap<String, String> = english_files()
        .find(|(n, _)| *n == "js")
        .map(|(_, t)| t)
        .unwrap();
    let mut bad = Vec::new();
    for name in ["app.js", "suggest.js"] {
        let src =
            std::fs::read_to_string(workspace().join("crates/server/static").join(name)).unwrap();
        let src = comments.replace_all(&src, |c: &regex_lite::Captures| {
            "\n".repeat(c[0].matches('\n').count())
        });
        let (keys, rest) = keys_of(&src, &call);
        for (n, l) in han_lines(&rest) {
            bad.push(format!("{name}:{n}: Chinese outside T(): {l}"));
        }
        for k in keys {
            if has_han(&k) && !js.contains_key(&k) {
                bad.push(format!("{name}: locales/en/js.toml has no “{k}”"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn every_key_the_code_names_has_english() {
    let text = Regex::new(r#"\btext!\(\s*("((?:[^"\\]|\\.)*)")"#).unwrap();
    let t = Regex::new(r#"\blang::t\(\s*("((?:[^"\\]|\\.)*)")"#).unwrap();
    let mut bad = Vec::new();
    for krate in ["domain", "app", "server", "store"] {
        let mut paths = Vec::new();
        files(
            &workspace().join("crates").join(krate).join("src"),
            "rs",
            &mut paths,
        );
        for p in paths {
            let src = std::fs::read_to_string(&p).unwrap();
            let name = p
                .strip_prefix(workspace())
                .unwrap_or(&p)
                .display()
                .to_string();
            for re in [&text, &t] {
                for k in keys_of(&src, re).0 {
                    if has_han(&k) && !has_english(&k) {
                        bad.push(format!("{name}: no English for “{k}”"));
                    }
                }
            }
        }
    }
    bad.sort();
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
