//! Registering for the online hall: a code sent through the sender, tried
//! at most five times, used once; throttled sending; the new applicant signs
//! in and applies.

use crate::common::TestApp;
use axum::http::StatusCode;
use serde_json::json;

fn code_in(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).take(6).collect()
}

#[tokio::test]
async fn an_applicant_registers_with_the_code_sent_to_the_phone() {
    let app = TestApp::demo().await;
    let r = app
        .post_json("/api/v1/register/code", json!({"phone": "12345"}), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["phone"].is_string());
    let r = app
        .post_json(
            "/api/v1/register/code",
            json!({"phone": "13905941111"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_eq!(r.json()["phone"], "139****1111");
    let sent = app.sent.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "13905941111");
    let code = code_in(&sent[0].1);
    assert_eq!(code.len(), 6);
    // Not again within the minute.
    let r = app
        .post_json(
            "/api/v1/register/code",
            json!({"phone": "13905941111"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Every field named; a wrong code counts a try.
    let r = app
        .post_json(
            "/api/v1/register",
            json!({"phone": "13905941111", "code": "12", "name": "", "id_number": "123", "password": "short"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for k in ["code", "name", "id_number", "password"] {
        assert!(r.json()["fields"][k].is_string(), "{k}");
    }
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let body = |c: &str| json!({"phone": "13905941111", "code": c, "name": "郑晓梅", "id_number": "350302199001012426", "password": "correct horse 9"});
    let r = app.post_json("/api/v1/register", body(wrong), None).await;
    assert_eq!(r.json()["code"], "register.code_wrong");
    // The right code: an applicant account, signed in.
    let r = app.post_json("/api/v1/register", body(&code), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let me = app.get_auth("/api/v1/me", &token).await.json();
    assert_eq!(
        (me["role"].as_str(), me["display_name"].as_str()),
        (Some("applicant"), Some("郑晓梅"))
    );
    // The code is used up (even for another person).
    let mut other = body(&code);
    other["id_number"] = "350302199202021521".into();
    let r = app.post_json("/api/v1/register", other, None).await;
    assert_eq!(r.json()["code"], "register.code_wrong");
    // One account per ID number: another phone cannot register it again.
    app.post_json(
        "/api/v1/register/code",
        json!({"phone": "13905943333"}),
        None,
    )
    .await;
    let again = code_in(&app.sent.sent().last().unwrap().1);
    let r = app
        .post_json(
            "/api/v1/register",
            json!({"phone": "13905943333", "code": again, "name": "郑晓梅", "id_number": "350302199001012426", "password": "correct horse 9"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "register.id_exists");
    assert!(r.json()["fields"]["id_number"].is_string());
    // The password works for signing in.
    assert!(
        !app.login_with("13905941111", "correct horse 9")
            .await
            .is_empty()
    );
    app.finish().await;
}

#[tokio::test]
async fn a_code_allows_five_tries() {
    let app = TestApp::demo().await;
    app.post_json(
        "/api/v1/register/code",
        json!({"phone": "13905942222"}),
        None,
    )
    .await;
    let code = code_in(&app.sent.sent()[0].1);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let body = |c: &str| json!({"phone": "13905942222", "code": c, "name": "黄", "id_number": "350302199202021521", "password": "correct horse 9"});
    for _ in 0..5 {
        let r = app.post_json("/api/v1/register", body(wrong), None).await;
        assert_eq!(r.json()["code"], "register.code_wrong");
    }
    let r = app.post_json("/api/v1/register", body(&code), None).await;
    assert_eq!(
        r.json()["code"],
        "register.code_wrong",
        "locked after five wrong tries"
    );
    app.finish().await;
}

#[tokio::test]
async fn the_applicant_hears_of_every_change_in_the_site_and_by_text() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-lin").await;
    let c = crate::common::create(&app, &applicant, "MZ-008", "online", crate::common::lin())
        .await
        .json();
    let c = crate::common::submit_online(&app, &applicant, &c).await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    // The applicant's identity is checked by video before a remote acceptance.
    let c = crate::common::video_pass(&app, &reviewer, &c).await;
    crate::common::step(&app, &reviewer, &c, "accept", json!({})).await;
    let inbox = app
        .get_auth("/api/v1/notifications", &applicant)
        .await
        .json();
    assert_eq!(inbox["unread"], 2, "{inbox}");
    let newest = inbox["data"][0]["text"].as_str().unwrap();
    assert!(
        newest.contains("受理") && newest.contains(c["case_no"].as_str().unwrap()),
        "{newest}"
    );
    // Others see none of it.
    let other = app.login("applicant-demo").await;
    assert_eq!(
        app.get_auth("/api/v1/notifications", &other).await.json()["unread"],
        0
    );
    let r = app
        .post_json("/api/v1/notifications/read", json!({}), Some(&applicant))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/api/v1/notifications", &applicant)
            .await
            .json()["unread"],
        0
    );
    // The same notices went by text to the applicant's phone, from the outbox.
    assert!(
        app.sent.sent().is_empty(),
        "nothing is sent before the worker runs"
    );
    assert_eq!(app.drain_outbox().await, 2);
    let texts = app.sent.sent();
    assert_eq!(
        texts.iter().filter(|(p, _)| p == "13805940001").count(),
        2,
        "{texts:?}"
    );
    app.finish().await;
}
