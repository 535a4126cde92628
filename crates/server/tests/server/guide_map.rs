//! 审批导图: the SVG on the item page and the A4 PDF, drawn from the item's
//! current published version; a new version draws a new map.

use crate::common::{TestApp, pdf_text};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tongban_domain::catalogue::ItemVersion;

/// A listed demo item with several situations and review points.
async fn listed_item(app: &TestApp) -> ItemVersion {
    let list = tongban_app::Lookups::load(&app.state.app())
        .await
        .unwrap()
        .list();
    for e in list.iter() {
        let v = app.store.item(&e.item).await.unwrap();
        let c = &v.content;
        if c.guide.situations.len() > 1 && c.materials.iter().all(|m| !m.review_points.is_empty()) {
            return v;
        }
    }
    panic!("no listed demo item with situations and review points");
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn header_of(r: &crate::common::Resp, h: header::HeaderName) -> String {
    r.headers
        .get(h)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn the_guide_map_is_drawn_from_the_published_version() {
    let app = TestApp::demo().await;
    let v = listed_item(&app).await;
    let c = &v.content;
    let code = c.code.as_str();

    // The SVG: the item, its version, every situation and material.
    let r = app.get(&format!("/items/{code}/guide-map.svg")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(header_of(&r, header::CONTENT_TYPE).starts_with("image/svg+xml"));
    let svg = r.text();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    assert!(!svg.contains("<script"));
    // Every `&` starts an entity.
    for (i, _) in svg.match_indices('&') {
        let rest = &svg[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "bare & at {i}"
        );
    }
    assert!(svg.contains(&format!("第{}版", v.version)));
    let drawn = squash(&svg);
    assert!(drawn.contains(&squash(&c.name)));
    for m in &c.materials {
        assert!(drawn.contains(&squash(&m.name)), "{}", m.name);
    }
    for s in &c.guide.situations {
        assert!(drawn.contains(&squash(&s.name)), "{}", s.name);
    }

    // The PDF says the same: the item, a situation, a review point.
    let r = app.get(&format!("/items/{code}/guide-map.pdf")).await;
    assert_eq!(r.status, StatusCode::OK);
    // To look at them: `TONGBAN_DOCUMENTS_OUT=dir cargo test … guide_map`.
    if let Ok(dir) = std::env::var("TONGBAN_DOCUMENTS_OUT") {
        let dir = std::path::Path::new(&dir);
        std::fs::write(dir.join("guide-map.svg"), &svg).unwrap();
        std::fs::write(dir.join("guide-map.pdf"), &r.body).unwrap();
    }
    assert_eq!(header_of(&r, header::CONTENT_TYPE), "application/pdf");
    let text = squash(&pdf_text(&r.body));
    if !text.is_empty() {
        assert!(text.contains(&squash(&c.name)), "{text}");
        assert!(
            text.contains(&squash(&c.guide.situations[1].name)),
            "{text}"
        );
        let point = c
            .materials
            .iter()
            .flat_map(|m| &m.review_points)
            .min_by_key(|p| p.chars().count())
            .unwrap();
        assert!(text.contains(&squash(point)), "{point} in {text}");
        assert!(text.contains("全域通办"));
    }

    // The API: SVG by default, PDF by format or Accept, a bad format named.
    let api = format!("/api/v1/items/{code}/guide-map");
    let r = app.get(&api).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), svg);
    let r = app.get(&format!("{api}?format=pdf")).await;
    assert!(r.body.starts_with(b"%PDF-"));
    let r = app
        .send(
            Request::get(&api)
                .header(header::ACCEPT, "application/pdf")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(header_of(&r, header::CONTENT_TYPE), "application/pdf");
    let r = app.get(&format!("{api}?format=png")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Unknown items are not found, on the pages and the API alike.
    for uri in [
        "/items/NO-SUCH/guide-map.svg",
        "/items/NO-SUCH/guide-map.pdf",
        "/api/v1/items/NO-SUCH/guide-map",
    ] {
        assert_eq!(app.get(uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }

    // The item page shows the map with a text alternative and the PDF link.
    let page = app.get(&format!("/items/{code}")).await.text();
    assert!(page.contains(&format!("src=\"/items/{code}/guide-map.svg\"")));
    assert!(page.contains(&format!("href=\"/items/{code}/guide-map.pdf\"")));
    assert!(page.contains("下载审批导图（PDF）"));
    assert!(page.contains(&format!("alt=\"{}审批导图", c.name)));

    // An unchanged map is not drawn again: its ETag answers 304.
    let r = app.get(&format!("/items/{code}/guide-map.svg")).await;
    let tag = header_of(&r, header::ETAG);
    assert!(tag.starts_with(&format!("\"gm-{}-", v.version)));
    let again = app
        .send(
            Request::get(format!("/items/{code}/guide-map.svg"))
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    // A catalogue change publishes a new version, and with it a new map.
    let mut content = c.clone();
    content.materials[0]
        .review_points
        .push("新增要点：核对材料上的骑缝章".to_owned());
    let written = app
        .store
        .publish_items(
            &[tongban_store::Publication {
                content,
                aliases: None,
                implementations: vec![],
            }],
            1_800_000_000_000,
        )
        .await
        .unwrap();
    assert_eq!(written, 1);
    let r = app
        .send(
            Request::get(format!("/items/{code}/guide-map.svg"))
                .header(header::IF_NONE_MATCH, &tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "the old tag no longer matches");
    let new_svg = r.text();
    assert_ne!(new_svg, svg);
    assert!(new_svg.contains(&format!("第{}版", v.version + 1)));
    assert!(new_svg.contains("新增要点：核对材料上的骑缝章"));
    let text = squash(&pdf_text(
        &app.get(&format!("/items/{code}/guide-map.pdf")).await.body,
    ));
    if !text.is_empty() {
        assert!(text.contains("新增要点：核对材料上的骑缝章"), "{text}");
        assert!(text.contains(&format!("第{}版", v.version + 1)));
    }
    app.finish().await;
}
