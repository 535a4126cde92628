//! 培训手册: the hall's and the item's training manuals, as pages and PDFs,
//! generated from the catalogue and the grants; staff only.

use crate::common::{TestApp, pdf_text};
use axum::http::{StatusCode, header};
use serde_json::json;
use std::time::Instant;

/// 2026-11-28 10:00 in China.
const NOV_28: i64 = 1_795_831_200_000;

async fn id_of(app: &TestApp, what: &str, name: &str) -> i64 {
    let v = app.get(&format!("/api/v1/{what}?limit=200")).await.json();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {what} named {name}"))["id"]
        .as_i64()
        .unwrap()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn manuals_are_for_staff_only() {
    let app = TestApp::demo().await;
    let hall = id_of(&app, "halls", "龙桥街道便民服务中心").await;
    // Strangers: the API asks to sign in, the pages send to the sign-in page.
    for uri in [
        format!("/api/v1/manuals/halls/{hall}"),
        "/api/v1/manuals/items/GA-002".to_owned(),
    ] {
        assert_eq!(
            app.get(&uri).await.status,
            StatusCode::UNAUTHORIZED,
            "{uri}"
        );
    }
    for uri in [
        "/work/manuals".to_owned(),
        format!("/work/manuals/halls/{hall}"),
        format!("/work/manuals/halls/{hall}.pdf"),
        "/items/GA-002/manual".to_owned(),
        "/items/GA-002/manual.pdf".to_owned(),
    ] {
        let r = app.get(&uri).await;
        assert!(r.status.is_redirection(), "{uri}: {}", r.status);
        let to = r.headers[header::LOCATION].to_str().unwrap();
        assert!(to.starts_with("/login?next="), "{uri}: {to}");
    }
    // Applicants: refused.
    let applicant = app.login("applicant-demo").await;
    for uri in [
        format!("/api/v1/manuals/halls/{hall}"),
        "/api/v1/manuals/items/GA-002".to_owned(),
        "/work/manuals".to_owned(),
        "/items/GA-002/manual.pdf".to_owned(),
    ] {
        let r = app.get_auth(&uri, &applicant).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
    }
    // Staff — a window clerk and a department reviewer — may read them.
    for who in ["clerk-longqiao", "reviewer-xianyou-police"] {
        let t = app.login(who).await;
        let r = app.get_auth("/work/manuals", &t).await;
        assert_eq!(r.status, StatusCode::OK, "{who}");
        let html = r.text();
        assert!(html.contains("龙桥街道便民服务中心") && html.contains("GA-002"));
        assert!(html.contains("href=\"/work/manuals\" aria-current=\"page\""));
    }
    // The chooser sends on; an unknown hall or item is not found.
    let t = app.login("clerk-longqiao").await;
    let r = app
        .get_auth(&format!("/work/manuals?hall={hall}"), &t)
        .await;
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/work/manuals/halls/{hall}").as_str()
    );
    let r = app.get_auth("/work/manuals?item=ga-002", &t).await;
    assert_eq!(r.headers[header::LOCATION], "/items/GA-002/manual");
    for uri in [
        "/api/v1/manuals/halls/99999",
        "/api/v1/manuals/items/NO-999",
        "/work/manuals/halls/99999",
        "/work/manuals/halls/x.pdf",
        "/items/NO-999/manual",
    ] {
        assert_eq!(
            app.get_auth(uri, &t).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn an_item_manual_names_the_item_its_review_points_steps_and_whom_to_call() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    let v = app
        .store
        .item(&tongban_domain::ItemCode("GA-002".into()))
        .await
        .unwrap();
    let c = &v.content;
    let point = (c.materials.iter())
        .flat_map(|m| &m.review_points)
        .next()
        .expect("a review point");
    let impls = app.store.implementations(&c.code).await.unwrap();
    let departments = app.store.departments().await.unwrap();
    let phone = &departments
        .iter()
        .find(|d| d.id == impls[0].department)
        .unwrap()
        .phone;
    assert!(!phone.is_empty());

    let r = app.get_auth("/api/v1/manuals/items/GA-002", &clerk).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    let text = squash(&pdf_text(&r.body));
    if !text.is_empty() {
        for want in [&c.name, point, phone, &format!("第{}版", v.version)] {
            assert!(text.contains(&squash(want)), "{want} in the PDF");
        }
        assert!(text.contains("一次性告知的常见原因") && text.contains("目录修订"));
        assert!(text.contains("窗口收受分离：谁做哪一步") && text.contains("审批部门"));
    }
    // The page says the same, with the PDF beside it.
    let r = app.get_auth("/items/GA-002/manual", &clerk).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    for want in [&c.name, point, phone] {
        assert!(html.contains(want.as_str()), "{want} on the page");
    }
    assert!(html.contains("/items/GA-002/manual.pdf"));
    // The public item page points staff, and only staff, to it.
    let link = "href=\"/items/GA-002/manual\"";
    assert!(
        app.get_auth("/items/GA-002", &clerk)
            .await
            .text()
            .contains(link)
    );
    assert!(!app.get("/items/GA-002").await.text().contains(link));
    let r = app.get_auth("/items/GA-002/manual.pdf", &clerk).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"%PDF-"));
    app.finish().await;
}

/// The 荔城 police's right for 龙桥 on GA-002, as the hall's manual page shows it.
fn right_cell(html: &str, police: i64) -> String {
    let section = html
        .split(&format!("<h3 id=\"d-{police}\">"))
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    let row = section
        .split("<tr>")
        .find(|r| r.contains("/items/GA-002/manual"))
        .unwrap();
    let cell = row.split("<td class=\"cell ").nth(1).unwrap();
    cell.split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_hall_manual_follows_the_grants() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let longqiao = id_of(&app, "halls", "龙桥街道便民服务中心").await;
    let police = id_of(&app, "departments", "莆田市公安局荔城分局").await;
    let clerk = app.login("clerk-longqiao").await;
    let page = format!("/work/manuals/halls/{longqiao}");
    let html = app.get_auth(&page, &clerk).await.text();
    assert!(html.contains("莆田市公安局荔城分局"));
    // The demo leaves 龙桥 out of 荔城分局's grants.
    assert_eq!(right_cell(&html, police), "未授权");
    assert!(html.contains("不能：不能以窗口收受分离收件、受理"));
    let admin = app.login("admin-licheng-police").await;
    let g = app
        .post_json(
            "/api/v1/grants",
            json!({"grantor": police, "grantee": {"hall": longqiao}, "rights": ["remote_acceptance"],
                   "items": ["GA-002"], "valid_from": "2026-11-01", "valid_to": "2027-12-31", "reason": "龙桥街道完成业务培训"}),
            Some(&admin),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.text());
    let html = app.get_auth(&page, &clerk).await.text();
    assert_eq!(right_cell(&html, police), "已授权");
    let id = g.json()["id"].as_i64().unwrap();
    let r = app
        .json_req(
            "DELETE",
            &format!("/api/v1/grants/{id}"),
            json!({"reason": "培训未通过复核"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = app.get_auth(&page, &clerk).await.text();
    assert_eq!(right_cell(&html, police), "已撤销");

    // The PDF: contents, the hall on every page, the items of its level.
    let r = app.get_auth(&format!("{page}.pdf"), &clerk).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    let text = squash(&pdf_text(&r.body));
    if !text.is_empty() {
        assert!(text.contains("目录") && text.contains("龙桥街道便民服务中心"));
        assert!(text.contains("GA-002") && text.contains("已撤销"));
        assert!(text.contains("四项权利分别允许窗口做什么"));
    }
    app.finish().await;
}

/// The largest demo hall's manual (the city centre receives every listed
/// item for every department): its size and how long it takes to draw.
#[tokio::test]
async fn the_largest_hall_manual_renders_in_reasonable_time() {
    let app = TestApp::demo().await;
    let centre = id_of(&app, "halls", "莆田市行政服务中心").await;
    let t = app.login("clerk-city").await;
    let start = Instant::now();
    let r = app
        .get_auth(&format!("/api/v1/manuals/halls/{centre}"), &t)
        .await;
    let took = start.elapsed();
    assert_eq!(r.status, StatusCode::OK);
    let text = pdf_text(&r.body);
    // The folio of the last page says how many there are: 第 n 页 共 N 页.
    let pages: usize = (text.split("共 ").skip(1))
        .filter_map(|t| t.split(' ').next()?.parse().ok())
        .max()
        .unwrap_or(0);
    eprintln!(
        "largest hall manual: {} bytes, {pages} pages, {took:?} (debug build)",
        r.body.len()
    );
    if !text.is_empty() {
        assert!(pages > 100, "{pages} pages");
    }
    assert!(took.as_secs() < 120, "{took:?}");
    app.finish().await;
}

/// A GET in English: the API by `Accept-Language`, a page by the language
/// switch's cookie.
async fn get_en(app: &TestApp, uri: &str, token: Option<&str>) -> crate::common::Resp {
    let mut req = axum::http::Request::get(uri)
        .header(header::ACCEPT_LANGUAGE, "en")
        .header(header::COOKIE, "tb_lang=en");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = app.send(req.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    // To look at them: `TONGBAN_DOCUMENTS_OUT=dir cargo test … in_english`.
    if let Ok(dir) = std::env::var("TONGBAN_DOCUMENTS_OUT") {
        let name: String = (uri.chars())
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        std::fs::write(
            std::path::Path::new(&dir).join(format!("en{name}")),
            &r.body,
        )
        .unwrap();
    }
    r
}

/// Fixed wording of the documents that must not be left in Chinese in an
/// English document (the data — names, materials — stays as it is).
const FIXED_ZH: &[&str] = &[
    "审批导图",
    "回答问题",
    "确定办理情形",
    "准备申请材料",
    "审查要点",
    "时限与收费",
    "受理承诺单",
    "办件编号",
    "查询验证码",
    "材料名称",
    "培训手册",
    "6. 联系方式",
    "谁做哪一步",
    "扫码查询",
    "页  共",
];

/// `text` with every run of whitespace (line breaks too) as one space.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_no_fixed_zh(what: &str, text: &str) {
    for zh in FIXED_ZH {
        assert!(
            !text.contains(zh),
            "{what}: “{zh}” left in Chinese:\n{text}"
        );
    }
}

/// Each of `words` is in `text` (pdftotext's output) whole, not split
/// across two lines.
fn assert_words_whole(what: &str, text: &str, words: &[&str]) {
    for w in words {
        assert!(text.contains(w), "{what}: “{w}” split or missing:\n{text}");
    }
}

#[tokio::test]
async fn documents_guide_maps_and_manuals_come_in_english() {
    use crate::common::{create, person, step};
    let app = TestApp::demo().await;
    tongban_domain::i18n::set_strict(true);
    let clerk = app.login("clerk-zhenhai").await;

    // The acceptance slip: PDF and printable page.
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let c = step(&app, &clerk, &c, "submit", serde_json::json!({})).await;
    step(&app, &clerk, &c, "accept", serde_json::json!({})).await;
    let r = get_en(&app, &format!("/api/v1/cases/{no}/slip.pdf"), Some(&clerk)).await;
    assert_eq!(r.headers[header::CONTENT_LANGUAGE], "en");
    let text = pdf_text(&r.body);
    if !text.is_empty() {
        for want in [
            "Acceptance Slip",
            "Case number:",
            "Promised time limit",
            "Promised completion date",
            "working days",
            "Scan to follow the progress",
            "Received by applicant (agent):",
            "Page 1 of ",
        ] {
            assert!(flat(&text).contains(want), "slip: {want} missing:\n{text}");
        }
        assert_words_whole(
            "slip",
            &text,
            &["Administrative", "quarantine", "procedures"],
        );
        assert_no_fixed_zh("slip", &text);
        assert!(!text.contains('⟦'), "slip: an untranslated key:\n{text}");
    }
    let r = get_en(&app, &format!("/work/cases/{no}/slip"), Some(&clerk)).await;
    let html = r.text();
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("<h1>Acceptance Slip"), "{html}");
    assert!(html.contains("Download PDF") && html.contains("Material"));
    assert_no_fixed_zh("slip page", &html);

    // The guide map: SVG and A4 PDF.
    let svg = get_en(&app, "/items/GA-002/guide-map.svg", None)
        .await
        .text();
    for want in [
        "Answer the questions",
        "Find your situation",
        "Prepare the application materials",
        "Time limits and fees",
        "Guide map of",
    ] {
        assert!(svg.contains(want), "guide map: {want} missing");
    }
    assert_no_fixed_zh("guide map", &svg);
    let zh = app.get("/items/GA-002/guide-map.svg").await.text();
    assert!(zh.contains("回答问题") && !zh.contains("Answer the questions"));
    let r = get_en(&app, "/items/GA-002/guide-map.pdf", None).await;
    let text = pdf_text(&r.body);
    if !text.is_empty() {
        let text = flat(&text);
        assert!(text.contains("Answer the questions") && text.contains("Review points"));
        assert!(text.contains("guide map version"), "{text}");
        assert_no_fixed_zh("guide map PDF", &text);
    }

    // The training manuals: an item's and a hall's, as PDF and page.
    let r = get_en(&app, "/api/v1/manuals/items/GA-002", Some(&clerk)).await;
    let text = pdf_text(&r.body);
    if !text.is_empty() {
        for want in [
            "Training manual",
            "Contents",
            "1. Situations",
            "2. Application materials and review points",
            "3. Common reasons for a one-time notice",
            "who takes which step",
            "6. Contacts",
            "Catalogue revision",
        ] {
            assert!(
                flat(&text).contains(want),
                "item manual: {want} missing:\n{text}"
            );
        }
        assert_words_whole("item manual", &text, &["supplemented", "Administrative"]);
        assert_no_fixed_zh("item manual", &text);
    }
    let html = get_en(&app, "/items/GA-002/manual", Some(&clerk))
        .await
        .text();
    assert!(html.contains("Download the PDF manual") && html.contains("Taken by"));
    assert_no_fixed_zh("item manual page", &html);
    let hall = app.login("admin").await;
    let r = get_en(&app, "/work/manuals/halls/1.pdf", Some(&hall)).await;
    let text = pdf_text(&r.body);
    if !text.is_empty() {
        assert!(
            text.contains("1. This center and its delegations"),
            "{text}"
        );
        assert!(text.contains("What each of the four rights lets a window do"));
        assert_no_fixed_zh("hall manual", &text);
    }
    app.finish().await;
}
