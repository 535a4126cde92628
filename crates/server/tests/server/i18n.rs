//! English, the second language: every key the code names has its English,
//! no template or script shows Chinese outside a key, and every page — as
//! each role sees it, in English — shows no untranslated key.

use regex_lite::Regex;
use std::collections::HashSet;
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

/// Fails listing every problem found, if any.
fn assert_none(bad: &[String]) {
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// What is wrong with one source file: a line with Chinese outside a key
/// (comments aside), or a key `known` does not know.
fn outside_keys(
    name: &str,
    src: &str,
    comments: &Regex,
    call: &Regex,
    known: impl Fn(&str) -> bool,
) -> Vec<String> {
    let src = comments.replace_all(src, |c: &regex_lite::Captures| {
        "\n".repeat(c[0].matches('\n').count())
    });
    let (keys, rest) = keys_of(&src, call);
    let mut bad: Vec<String> = han_lines(&rest)
        .into_iter()
        .map(|(n, l)| format!("{name}:{n}: Chinese outside a key: {l}"))
        .collect();
    for k in keys {
        if has_han(&k) && !known(&k) {
            bad.push(format!("{name}: no English for “{k}”"));
        }
    }
    bad
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
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        bad.extend(outside_keys(&name, &src, &comment, &call, has_english));
    }
    assert_none(&bad);
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
        bad.extend(outside_keys(name, &src, &comments, &call, |k| {
            js.contains_key(k)
        }));
    }
    assert_none(&bad);
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
    assert_none(&bad);
}

/// Every Han run (two characters or more) the database holds as data: what
/// an English page may show in Chinese (names, addresses, the catalogue's
/// content, records written in zh-CN).
async fn data_runs(app: &crate::common::TestApp) -> HashSet<String> {
    use sqlx::{Connection, Row};
    let mut values: Vec<String> = Vec::new();
    if app.url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(&app.url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        for t in tables {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{t}\"")))
                .fetch_all(&mut c)
                .await
                .unwrap();
            for r in rows {
                for i in 0..r.len() {
                    if let Ok(Some(s)) = r.try_get::<Option<String>, _>(i) {
                        values.push(s);
                    }
                }
            }
        }
    } else {
        let mut c = sqlx::PgConnection::connect(&app.url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        for t in tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT x::text FROM \"{t}\" x"
            )))
            .fetch_all(&mut c)
            .await
            .unwrap();
            values.extend(rows);
        }
    }
    let mut runs: HashSet<String> = values.iter().flat_map(|v| han_runs(v)).collect();
    // The language switch names zh-CN in its own language.
    runs.insert("中文".into());
    runs
}

/// The maximal runs of Han characters in `s`.
fn han_runs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if tongban_domain::i18n::is_han(c) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What is wrong with one English answer: a key shown untranslated (⟦…⟧),
/// or Chinese that is not data.
fn complaints(url: &str, text: &str, data: &HashSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let marker = Regex::new(r"⟦[^⟧]*⟧").unwrap();
    for m in marker.find_iter(text) {
        out.push(format!("{url}: untranslated key {}", m.as_str()));
    }
    let rest = marker.replace_all(text, " ");
    let mut seen = HashSet::new();
    for run in han_runs(&rest) {
        if run.chars().count() >= 2 && !data.contains(&run) && seen.insert(run.clone()) {
            out.push(format!("{url}: Chinese that is not data: “{run}”"));
        }
    }
    out
}

/// The links of a page worth following: pages of ours, one or two of
/// each shape.
fn links(html: &str) -> Vec<String> {
    let href = Regex::new(r##"href="(/[^"#]*)""##).unwrap();
    href.captures_iter(html)
        .map(|c| c[1].replace("&amp;", "&"))
        .filter(|u| {
            ![
                "/logout",
                "/prefs/",
                "/static/",
                "/kiosk/end",
                "/devices/",
                "/api/",
                "/favicon",
            ]
            .iter()
            .any(|p| u.starts_with(p))
                && !u.ends_with(".xlsx")
        })
        .collect()
}

/// A URL's shape: numbers and codes stand for any, query values dropped.
fn shape(url: &str) -> String {
    let digits = Regex::new(r"[0-9]+").unwrap();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    format!("{}?{}", digits.replace_all(path, "#"), keys.join("&"))
}

#[tokio::test]
async fn pages_in_english() {
    use crate::common::*;
    use axum::http::{Request, header};
    use serde_json::json;
    tongban_domain::i18n::set_strict(true);
    let app = TestApp::demo().await;
    // Cases in several states, so the case pages and their documents exist.
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    step(&app, &clerk, &c, "accept", json!({})).await;
    let longqiao = app.login("clerk-longqiao").await;
    create(
        &app,
        &longqiao,
        "GA-002",
        "collect_remote",
        person("350322"),
    )
    .await;
    let applicant = app.login("applicant-demo").await;
    let c = create(&app, &applicant, "MZ-008", "online", cai())
        .await
        .json();
    submit_online(&app, &applicant, &c).await;
    let data = data_runs(&app).await;
    let seeds = [
        "/",
        "/items",
        "/items?q=%E8%BA%AB%E4%BB%BD%E8%AF%81",
        "/list",
        "/halls",
        "/appointments",
        "/progress",
        "/login",
        "/register",
        "/kiosk",
        "/work",
        "/work/new",
        "/work/manuals",
        "/work/grants",
        "/work/audit",
        "/work/outbox",
        "/work/rollout",
        "/work/city",
        "/work/staff",
        "/work/list-batches",
        "/work/rectifications",
        "/no-such-page",
    ];
    let users = [
        None,
        Some("applicant-demo"),
        Some("clerk-zhenhai"),
        Some("guide-zhenhai"),
        Some("reviewer-licheng-civil"),
        Some("admin-licheng-police"),
        Some("admin"),
    ];
    let all_data = data.iter().cloned().collect::<Vec<_>>().join("\n");
    let mut bad = Vec::new();
    let mut pages = 0;
    for user in users {
        let token = match user {
            Some(u) => Some(app.login(u).await),
            None => None,
        };
        let mut queue: std::collections::VecDeque<String> =
            seeds.iter().map(|s| s.to_string()).collect();
        let mut visited = HashSet::new();
        let mut shapes: std::collections::HashMap<String, usize> = Default::default();
        while let Some(url) = queue.pop_front() {
            if !visited.insert(url.clone()) || visited.len() > 150 {
                continue;
            }
            let n = shapes.entry(shape(&url)).or_default();
            *n += 1;
            if *n > 2 {
                continue;
            }
            let mut req = Request::get(&url).header(header::COOKIE, "tb_lang=en");
            if let Some(t) = &token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            let r = app.send(req.body(axum::body::Body::empty()).unwrap()).await;
            if r.status.is_redirection() {
                continue;
            }
            let who = user.unwrap_or("anonymous");
            let at = format!("{who} {url}");
            let ct = (r.headers.get(header::CONTENT_TYPE))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            pages += 1;
            if ct.starts_with("application/pdf") {
                // A PDF wraps its lines anywhere, data too: a run of Chinese
                // inside a run the database holds is data.
                let text = pdf_text(&r.body);
                let runs: Vec<String> = han_runs(&text)
                    .into_iter()
                    .filter(|run| !data.contains(run) && !all_data.contains(run.as_str()))
                    .collect();
                bad.extend(complaints(&at, &runs.join(" "), &data));
            } else if ct.starts_with("text/html") {
                let html = r.text();
                if !html.contains("<html lang=\"en\"") {
                    bad.push(format!("{at}: not marked as English"));
                }
                bad.extend(complaints(&at, &html, &data));
                queue.extend(links(&html));
            } else if ct.starts_with("image/svg") || ct.starts_with("application/json") {
                bad.extend(complaints(&at, &r.text(), &data));
            }
        }
    }
    assert!(pages > 100, "only {pages} answers were checked");
    bad.sort();
    bad.dedup();
    assert!(
        bad.is_empty(),
        "{} problems in English:\n{}",
        bad.len(),
        bad.join("\n")
    );
    app.finish().await;
}

#[tokio::test]
async fn api_messages_follow_accept_language() {
    use crate::common::*;
    use axum::http::{Request, StatusCode, header};
    tongban_domain::i18n::set_strict(true);
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let data = data_runs(&app).await;
    let send = |lang: &'static str, body: serde_json::Value| {
        Request::post("/api/v1/cases")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {clerk}"))
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(axum::body::Body::from(body.to_string()))
            .unwrap()
    };
    let mut bad_applicant = person("350304");
    bad_applicant["id_number"] = "350304198001011230".into();
    bad_applicant["phone"] = "123".into();
    let answers = answers(&app, "MZ-008").await;
    let body = serde_json::json!({"item": "MZ-008", "mode": "accept_remote", "applicant": bad_applicant, "answers": answers});
    let zh = app.send(send("zh-CN", body.clone())).await;
    let en = app.send(send("en-GB,en;q=0.9,zh;q=0.5", body)).await;
    assert_eq!(zh.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", zh.text());
    assert_eq!(en.status, zh.status);
    assert_eq!(en.headers[header::CONTENT_LANGUAGE], "en");
    assert_eq!(zh.headers[header::CONTENT_LANGUAGE], "zh-CN");
    let (zh, en) = (zh.json(), en.json());
    assert_eq!(zh["code"], en["code"], "the machine code does not change");
    assert!(has_han(zh["message"].as_str().unwrap()), "{zh}");
    let fields = en["fields"].as_object().unwrap();
    assert_eq!(fields.len(), zh["fields"].as_object().unwrap().len());
    assert!(fields.contains_key("applicant.phone"), "{en}");
    let text = en.to_string();
    assert!(!has_han(&text), "{text}");
    assert!(complaints("POST /api/v1/cases", &text, &data).is_empty());
    // Not found and unauthenticated, in English.
    let r = app
        .send(
            Request::get("/api/v1/cases/TB-NOPE")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(!has_han(&r.text()), "{}", r.text());
    assert_eq!(r.headers[header::CONTENT_LANGUAGE], "en");
    app.finish().await;
}

#[tokio::test]
async fn the_switch_keeps_the_choice_goes_back_only_here_and_a_kiosk_forgets_it() {
    use crate::common::*;
    use axum::http::header;
    let app = TestApp::demo().await;
    let r = app.get("/prefs/lang?to=en&back=%2Fitems%3Fq%3D1").await;
    assert!(r.status.is_redirection());
    assert_eq!(r.headers[header::LOCATION], "/items?q=1");
    assert_eq!(r.cookie("tb_lang").as_deref(), Some("en"));
    // An unknown language is the default; a foreign address goes home.
    let r = app
        .get("/prefs/lang?to=xx&back=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(r.cookie("tb_lang").as_deref(), Some("zh-CN"));
    assert_eq!(r.headers[header::LOCATION], "/");
    // The page says which language it is in, and offers the other.
    let en = app
        .send(
            axum::http::Request::get("/")
                .header(header::COOKIE, "tb_lang=en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(en.headers[header::CONTENT_LANGUAGE], "en");
    assert!(
        en.text().contains(r#"hreflang="zh-CN">中文</a>"#),
        "{}",
        en.text()
    );
    let zh = app.get("/").await;
    assert_eq!(zh.headers[header::CONTENT_LANGUAGE], "zh-CN");
    assert!(zh.text().contains(r#"hreflang="en">English</a>"#));
    // A browser asking for English in its header still gets zh-CN pages.
    let asked = app
        .send(
            axum::http::Request::get("/")
                .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(asked.text().contains(r#"<html lang="zh-CN">"#));
    // Ending a kiosk session forgets the language for the next person.
    let r = app.get("/kiosk/end").await;
    assert_eq!(r.cookie("tb_lang").as_deref(), Some(""));
    app.finish().await;
}
