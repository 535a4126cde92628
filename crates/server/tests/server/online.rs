//! The online hall (全程网办): the applicant chooses how to receive the
//! result when applying, uploads every material before submitting, answers
//! a one-time notice with fresh uploads, and the department delivers the
//! way the applicant chose.

use crate::common::{PDF, TestApp, act, answers, step, submit_online, upload};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn hall_of(app: &TestApp, clerk: &str) -> i64 {
    let t = app.login(clerk).await;
    app.get_auth("/api/v1/me", &t).await.json()["hall"]
        .as_i64()
        .unwrap()
}

async fn apply(app: &TestApp, token: &str, delivery: Value) -> crate::common::Resp {
    let a = answers(app, "MZ-008").await;
    app.post_json(
        "/api/v1/cases",
        json!({"item": "MZ-008", "mode": "online", "applicant": crate::common::lin(), "answers": a, "delivery": delivery}),
        Some(token),
    )
    .await
}

#[tokio::test]
async fn the_delivery_choice_is_checked_and_the_department_delivers_that_way() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-lin").await;
    // Every bad choice names its field.
    for (delivery, field, code) in [
        (
            json!({"method": "pigeon"}),
            "delivery.method",
            "delivery.method",
        ),
        (json!({"method": "post"}), "delivery.address", "required"),
        (json!({"method": "pickup"}), "delivery.hall", "required"),
        (
            json!({"method": "pickup", "hall": 999_999}),
            "delivery.hall",
            "hall.unknown",
        ),
    ] {
        let r = apply(&app, &applicant, delivery.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{delivery}");
        assert_eq!(r.json()["code"], code, "{delivery}: {}", r.text());
        assert!(r.json()["fields"][field].is_string(), "{delivery}");
    }
    // 龙桥 (城厢区) holds no result-delivery right for 荔城区民政局.
    let longqiao = hall_of(&app, "clerk-longqiao").await;
    let r = apply(
        &app,
        &applicant,
        json!({"method": "pickup", "hall": longqiao}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "delivery.hall_no_right", "{}", r.text());
    assert!(
        r.json()["fields"]["delivery.hall"]
            .as_str()
            .unwrap()
            .contains("审批结果送达权")
    );
    assert_eq!(
        app.get_auth("/api/v1/cases", &applicant).await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing half-written"
    );
    // The city centre does (every city and county hall was granted it).
    let city = hall_of(&app, "clerk-city").await;
    let r = apply(&app, &applicant, json!({"method": "pickup", "hall": city})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["status"], "draft");
    assert_eq!(c["delivery"]["method"], "pickup");
    assert_eq!(c["delivery"]["hall"]["id"], city);
    assert!(
        c["delivery"]["text"]
            .as_str()
            .unwrap()
            .starts_with("窗口领取：")
    );
    let c = submit_online(&app, &applicant, &c).await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    // The applicant's identity is checked by video before a remote acceptance.
    let c = crate::common::video_pass(&app, &reviewer, &c).await;
    let c = step(&app, &reviewer, &c, "accept", json!({})).await;
    let c = step(
        &app,
        &reviewer,
        &c,
        "decide",
        json!({"approved": true, "reason": "符合条件"}),
    )
    .await;
    // The department sends no method: the applicant's choice is used, and
    // the city centre's window may hand it over.
    let c = step(&app, &reviewer, &c, "deliver", json!({})).await;
    assert_eq!(c["status"], "delivering");
    let no = c["case_no"].as_str().unwrap();
    let full = app
        .get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await
        .json();
    let last = full["events"].as_array().unwrap().last().unwrap();
    assert_eq!(last["payload"]["method"], "pickup");
    let clerk = app.login("clerk-city").await;
    let c = step(&app, &clerk, &c, "complete", json!({})).await;
    assert_eq!(c["status"], "completed");

    // Post: the address is kept and used.
    let r = apply(
        &app,
        &applicant,
        json!({"method": "post", "address": "仙游县鲤城街道八二五大街1号"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json()["delivery"]["text"],
        "邮寄送达：仙游县鲤城街道八二五大街1号"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_online_application_is_submitted_only_with_every_material() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-lin").await;
    let c = apply(&app, &applicant, json!({"method": "electronic"}))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let materials = c["materials"].as_array().unwrap().clone();
    assert!(materials.len() >= 2, "{materials:?}");
    // Nothing uploaded: the answer names every missing material.
    let r = act(&app, &applicant, &c, "submit", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "materials.missing");
    let msg = r.json()["fields"]["materials"].as_str().unwrap().to_owned();
    for m in &materials {
        assert!(msg.contains(m["name"].as_str().unwrap()), "{msg}");
    }
    // Online there is no paper; an e-licence only where the item allows one.
    let key = materials[0]["key"].as_str().unwrap();
    let r = upload(
        &app,
        &applicant,
        &no,
        &[("version", "1"), ("material", key), ("method", "paper")],
        None,
    )
    .await;
    assert_eq!(r.json()["code"], "material.online_paper", "{}", r.text());
    assert_eq!(
        r.json()["fields"]["method"],
        "网上申请请上传材料扫描件或照片，或使用电子证照"
    );
    // Every material of 高龄津贴 may be an e-licence; another item's may not.
    let mut refused = false;
    for item in ["GA-010", "RS-007", "GJJ-004"] {
        let a = answers(&app, item).await;
        let other = app
            .post_json(
                "/api/v1/cases",
                json!({"item": item, "mode": "online", "applicant": crate::common::lin(), "answers": a}),
                Some(&applicant),
            )
            .await;
        assert_eq!(other.status, StatusCode::CREATED, "{}", other.text());
        let other = other.json();
        let Some(plain) = other["materials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["license"].is_null())
        else {
            continue;
        };
        let r = upload(
            &app,
            &applicant,
            other["case_no"].as_str().unwrap(),
            &[
                ("version", "1"),
                ("material", plain["key"].as_str().unwrap()),
                ("method", "license"),
                ("license_ref", "X-1"),
            ],
            None,
        )
        .await;
        assert_eq!(r.json()["code"], "material.no_license", "{}", r.text());
        assert!(
            r.json()["fields"]["method"]
                .as_str()
                .unwrap()
                .contains("不能以电子证照代替"),
            "{}",
            r.text()
        );
        refused = true;
        break;
    }
    assert!(refused, "no online item with a material that needs a scan");
    // An e-licence where the item allows one, picked from the library.
    let libs = app
        .get_auth(&format!("/api/v1/cases/{no}/licences"), &applicant)
        .await
        .json();
    let picked = libs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["material"] == materials[1]["key"])
        .and_then(|e| e["licences"][0]["reference"].as_str())
        .unwrap_or_else(|| panic!("{libs}"))
        .to_owned();
    let r = upload(
        &app,
        &applicant,
        &no,
        &[
            ("version", "1"),
            ("material", materials[1]["key"].as_str().unwrap()),
            ("method", "license"),
            ("license_ref", picked.as_str()),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json()["version"].to_string();
    // Two of the materials: still refused, naming the rest.
    let r = upload(
        &app,
        &applicant,
        &no,
        &[
            ("version", v.as_str()),
            ("material", key),
            ("method", "scan"),
        ],
        Some(("a.pdf", PDF)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    let r = act(&app, &applicant, &c, "submit", json!({})).await;
    let msg = r.json()["fields"]["materials"].as_str().unwrap().to_owned();
    for done in &materials[..2] {
        assert!(!msg.contains(done["name"].as_str().unwrap()), "{msg}");
    }
    assert!(
        msg.contains(materials[2]["name"].as_str().unwrap()),
        "{msg}"
    );
    // Everything uploaded: submitted.
    let c = submit_online(&app, &applicant, &c).await;
    assert_eq!(c["status"], "submitted");
    // Once accepted, the applicant uploads only when a notice asks.
    let reviewer = app.login("reviewer-licheng-civil").await;
    // The applicant's identity is checked by video before a remote acceptance.
    let c = crate::common::video_pass(&app, &reviewer, &c).await;
    let c = step(&app, &reviewer, &c, "accept", json!({})).await;
    let v = c["version"].to_string();
    let r = upload(
        &app,
        &applicant,
        &no,
        &[
            ("version", v.as_str()),
            ("material", key),
            ("method", "scan"),
        ],
        Some(("a.pdf", PDF)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "case.materials_closed");
    app.finish().await;
}

#[tokio::test]
async fn a_one_time_notice_is_answered_with_fresh_uploads_of_what_it_lists() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-lin").await;
    let c = apply(&app, &applicant, json!({"method": "electronic"}))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let named = c["materials"][1].clone();
    let c = submit_online(&app, &applicant, &c).await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    // The applicant's identity is checked by video before a remote acceptance.
    let c = crate::common::video_pass(&app, &reviewer, &c).await;
    let c = step(&app, &reviewer, &c, "accept", json!({})).await;
    let c = step(
        &app,
        &reviewer,
        &c,
        "request_supplement",
        json!({"materials": [{"name": named["name"], "problem": "看不清"}]}),
    )
    .await;
    assert_eq!(c["status"], "supplement_requested");
    // Answering without the material the notice named is refused.
    let r = act(&app, &applicant, &c, "supplement_provided", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "supplement.missing");
    assert!(
        r.json()["fields"]["materials"]
            .as_str()
            .unwrap()
            .contains(named["name"].as_str().unwrap())
    );
    // A fresh upload of another material does not answer it either.
    let v = c["version"].to_string();
    let other = c["materials"][0]["key"].as_str().unwrap();
    let r = upload(
        &app,
        &applicant,
        &no,
        &[
            ("version", v.as_str()),
            ("material", other),
            ("method", "scan"),
        ],
        Some(("b.pdf", PDF)),
    )
    .await;
    let c = r.json();
    assert_eq!(
        act(&app, &applicant, &c, "supplement_provided", json!({}))
            .await
            .json()["code"],
        "supplement.missing"
    );
    let v = c["version"].to_string();
    let r = upload(
        &app,
        &applicant,
        &no,
        &[
            ("version", v.as_str()),
            ("material", named["key"].as_str().unwrap()),
            ("method", "scan"),
        ],
        Some(("c.pdf", b"%PDF-1.4\n% clearer copy\n%%EOF\n")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = step(
        &app,
        &applicant,
        &r.json(),
        "supplement_provided",
        json!({}),
    )
    .await;
    assert_eq!(c["status"], "accepted");
    app.finish().await;
}

#[tokio::test]
async fn every_chosen_e_licence_goes_in_one_request_or_none() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-lin").await;
    let c = apply(&app, &applicant, json!({"method": "electronic"}))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let libs = app
        .get_auth(&format!("/api/v1/cases/{no}/licences"), &applicant)
        .await
        .json();
    let picks: Vec<Value> = libs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let r = e["licences"][0]["reference"].as_str()?;
            Some(json!({"material": e["material"], "license_ref": r}))
        })
        .collect();
    assert!(picks.len() >= 2, "{libs}");
    let uri = format!("/api/v1/cases/{no}/licences");
    // One made-up licence: named by its place, nothing written.
    let mut bad = picks.clone();
    bad[1]["license_ref"] = json!("DZZZ-NOSUCH-0001");
    let r = app
        .post_json(
            &uri,
            json!({"version": 1, "licences": bad}),
            Some(&applicant),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.json()["fields"]["licences[1].license_ref"].is_string(),
        "{}",
        r.text()
    );
    let case = app
        .get_auth(&format!("/api/v1/cases/{no}"), &applicant)
        .await
        .json();
    assert_eq!(case["version"], 1);
    assert!(case["received"].as_array().unwrap().is_empty());
    // All good: every one recorded, one version step each, the chain verifies.
    let r = app
        .post_json(
            &uri,
            json!({"version": 1, "licences": picks}),
            Some(&applicant),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["version"], 1 + picks.len() as i64);
    assert_eq!(r.json()["received"].as_array().unwrap().len(), picks.len());
    assert!(
        tongban_store::verify_timelines(app.store.as_ref())
            .await
            .unwrap()
            .is_ok()
    );
    app.finish().await;
}
