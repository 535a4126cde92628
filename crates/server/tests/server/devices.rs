//! Counter devices: the simulated device service, a case opened on an ID
//! card read from the chip, and a document camera's pages kept as one scan.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// The first sample card of the simulated reader, as an applicant.
fn zheng() -> Value {
    json!({
        "kind": "person", "name": "郑国强", "id_number": "350302199208160012",
        "phone": "13805941111", "household_region": "350302",
        "address": "福建省莆田市城厢区龙桥街道学园南路66号"
    })
}

async fn read_card(app: &TestApp) -> Value {
    let r = app
        .post_json("/devices/sim/idcard/read", json!({}), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn the_simulated_reader_reads_the_card_laid_on_it_and_says_when_there_is_none() {
    let app = TestApp::demo().await;
    let s = app.get("/devices/sim/status").await.json();
    assert_eq!(s["reader"]["ready"], true);
    assert_eq!(s["camera"]["device"], "SIM-CAM-0001");
    let c = read_card(&app).await;
    assert_eq!(
        (
            c["device"].as_str(),
            c["name"].as_str(),
            c["id_number"].as_str()
        ),
        (
            Some("SIM-IDR-0001"),
            Some("郑国强"),
            Some("350302199208160012")
        )
    );
    assert!(
        c["photo"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    // Another card laid on the reader is read; with none, the reader says so.
    app.post_json("/devices/sim/idcard/place", json!({"card": 1}), None)
        .await;
    assert_eq!(read_card(&app).await["name"], "林秀英");
    app.post_json("/devices/sim/idcard/place", json!({"card": null}), None)
        .await;
    let r = app
        .post_json("/devices/sim/idcard/read", json!({}), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "no_card");
    // Each shot of the camera is a page of its own.
    let a = app
        .post_json("/devices/sim/camera/capture", json!({}), None)
        .await
        .json();
    let b = app
        .post_json("/devices/sim/camera/capture", json!({}), None)
        .await
        .json();
    assert!(
        a["image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_ne!(a["image"], b["image"]);
    app.finish().await;
}

#[tokio::test]
async fn a_window_case_records_an_identity_read_from_the_chip_with_its_photo() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    let card = read_card(&app).await;
    let read = json!({"device": card["device"], "name": card["name"],
        "id_number": card["id_number"], "photo": card["photo"]});
    let a = answers(&app, "GA-002").await;
    let body = |applicant: Value, read: Value| {
        json!({"item": "GA-002", "mode": "collect_remote", "applicant": applicant,
            "answers": a.clone(), "identity_read": read})
    };
    // The number typed over after reading is not the chip's: named.
    let mut other = zheng();
    other["id_number"] = json!(id_number("35030219920816002"));
    let r = app
        .post_json("/api/v1/cases", body(other, read.clone()), Some(&clerk))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = r.json();
    assert!(e["fields"]["applicant.id_number"].is_string(), "{e}");
    assert_eq!(e["code"], "identity.mismatch");
    // A photo that is no picture is named too.
    let mut bad = read.clone();
    bad["photo"] = json!("bm90IGEgcGljdHVyZQ==");
    let r = app
        .post_json("/api/v1/cases", body(zheng(), bad), Some(&clerk))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["identity_read.photo"].is_string());
    // As read: the case says so, and keeps the chip's photo for its staff.
    let r = app
        .post_json("/api/v1/cases", body(zheng(), read), Some(&clerk))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let no = c["case_no"].as_str().unwrap();
    let identity = &c["events"][0]["payload"]["identity"];
    assert_eq!(identity["source"], "chip", "{c}");
    assert_eq!(identity["device"], "SIM-IDR-0001");
    let photo = app
        .get_auth(&format!("/api/v1/cases/{no}/identity-photo"), &clerk)
        .await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.headers["content-type"], "image/png");
    use base64::Engine;
    let sent = base64::engine::general_purpose::STANDARD
        .decode(card["photo"].as_str().unwrap().split_once(',').unwrap().1)
        .unwrap();
    assert_eq!(photo.body, sent, "the chip's photo as read");
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &clerk)
        .await
        .text();
    assert!(
        page.contains("身份证经读卡器（SIM-IDR-0001）从芯片读取"),
        "{page}"
    );
    assert!(page.contains(&format!("/api/v1/cases/{no}/identity-photo")));
    // Someone who may not see the case sees no photo either.
    let other = app.login("clerk-zhenhai").await;
    let r = app
        .get_auth(&format!("/api/v1/cases/{no}/identity-photo"), &other)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A case opened without a read has no photo to show.
    let plain = create(&app, &clerk, "GA-002", "collect_remote", person("350322"))
        .await
        .json();
    let r = app
        .get_auth(
            &format!(
                "/api/v1/cases/{}/identity-photo",
                plain["case_no"].as_str().unwrap()
            ),
            &clerk,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Online, nobody reads a card.
    let lin_token = app.login("applicant-lin").await;
    app.post_json("/devices/sim/idcard/place", json!({"card": 1}), None)
        .await;
    let card = read_card(&app).await;
    let read =
        json!({"device": card["device"], "name": card["name"], "id_number": card["id_number"]});
    let a = answers(&app, "MZ-008").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "online", "applicant": lin(), "answers": a, "identity_read": read}),
            Some(&lin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "identity.window_only");
    app.finish().await;
}

/// A multipart body with repeated `page` parts.
fn pages_form(fields: &[(&str, &str)], pages: &[Vec<u8>]) -> (String, Vec<u8>) {
    let boundary = "----tongbanpages";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (i, p) in pages.iter().enumerate() {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"page\"; filename=\"p{i}.png\"\r\nContent-Type: image/png\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(p);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_document_cameras_pages_go_into_the_material_as_one_pdf() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    let c = create(&app, &clerk, "GA-002", "collect_remote", person("350322"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let material = c["materials"][0]["key"].as_str().unwrap().to_owned();
    let mut shots = Vec::new();
    for _ in 0..3 {
        let s = app
            .post_json("/devices/sim/camera/capture", json!({}), None)
            .await
            .json();
        use base64::Engine;
        let b64 = s["image"]
            .as_str()
            .unwrap()
            .split_once(',')
            .unwrap()
            .1
            .to_owned();
        shots.push(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        );
    }
    let send = |pages: Vec<Vec<u8>>, version: i64| {
        let v = version.to_string();
        let (ct, body) = pages_form(
            &[("version", &v), ("material", &material), ("method", "scan")],
            &pages,
        );
        axum::http::Request::post(format!("/api/v1/cases/{no}/materials"))
            .header(axum::http::header::CONTENT_TYPE, ct)
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {clerk}"))
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let version = c["version"].as_i64().unwrap();
    // A page that is no picture is named by its number; nothing is kept.
    let r = app
        .send(send(vec![shots[0].clone(), b"%PDF-1.4".to_vec()], version))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = r.json();
    assert!(
        e["fields"]["file"].as_str().unwrap().contains("第2页"),
        "{e}"
    );
    let r = app.send(send(shots.clone(), version)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let receipt = v["received"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["material"] == material.as_str())
        .expect("recorded")
        .clone();
    assert_eq!(receipt["method"], "scan");
    assert_eq!(receipt["mime"], "application/pdf", "{receipt}");
    let blob = receipt["blob"].as_str().unwrap();
    let pdf = app
        .get_auth(&format!("/api/v1/cases/{no}/materials/{blob}"), &clerk)
        .await;
    assert!(pdf.body.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf.body);
    if !text.is_empty() || std::env::var_os("TONGBAN_REQUIRE_PDFTOTEXT").is_some() {
        assert_eq!(text.matches('\u{c}').count(), 3, "one page per shot");
    }
    app.finish().await;
}
