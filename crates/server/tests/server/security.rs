//! Regression tests for the defects found by probing (issue 11): redirects,
//! real-name online applications, guessable codes, account lock-out, the
//! existence leak, answer amplification and same-key retries.

use crate::common::{Resp, TestApp, act, answers, create, person, step};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::net::SocketAddr;

/// A request from a given client address (as the server's listener would tag it).
fn from(addr: &str, mut req: Request<Body>) -> Request<Body> {
    let a: SocketAddr = format!("{addr}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(a));
    req
}

fn form(uri: &str, body: String, cookies: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies)
        .body(Body::from(body))
        .unwrap()
}

fn api_login(username: &str, password: &str) -> Request<Body> {
    Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap()
}

/// Signs in through the sign-in page from `addr`, with `cookies` (a device
/// cookie, say) and a pre-login CSRF pair.
async fn page_login(app: &TestApp, addr: &str, user: &str, pw: &str, extra: &str) -> Resp {
    let cookies = format!(
        "tb_csrf=abc{}",
        if extra.is_empty() {
            String::new()
        } else {
            format!("; {extra}")
        }
    );
    app.send(from(
        addr,
        form(
            "/login",
            format!("username={user}&password={pw}&csrf=abc&next=%2Fwork"),
            &cookies,
        ),
    ))
    .await
}

#[tokio::test]
async fn redirect_targets_stay_on_this_site_and_never_fail() {
    let app = TestApp::demo().await;
    for bad in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "/%20/evil.example",
        "https://evil.example",
        "/%E7%A4%BE",
    ] {
        let r = app.get(&format!("/prefs/large?on=1&back={bad}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{bad}: {}", r.text());
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/", "{bad}");
        // The sign-in form falls back the same way and still signs in.
        let r = app
            .send(form(
                "/login",
                format!("username=clerk-city&password=demo&csrf=abc&next={bad}"),
                "tb_csrf=abc",
            ))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{bad}: {}", r.text());
        assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/", "{bad}");
        assert!(
            r.cookie("tb_session").is_some(),
            "{bad}: the session cookie is sent"
        );
    }
    let r = app
        .get("/prefs/large?on=1&back=%2Fitems%3Fq%3D%25E6%2588%25B7")
        .await;
    assert_eq!(
        r.headers.get(header::LOCATION).unwrap(),
        "/items?q=%E6%88%B7",
        "a local path with a query is kept"
    );
    let r = app.get("/login?next=/%09/evil.example").await;
    assert!(
        !r.text().contains("evil.example"),
        "the form does not carry it on"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_applicant_applies_online_only_as_himself_or_as_a_recorded_agent() {
    let app = TestApp::demo().await;
    let demo = app.login("applicant-demo").await;
    let a = answers(&app, "MZ-008").await;
    let lin = json!({"kind": "person", "name": "林秀英", "id_number": "350304195103120027",
        "phone": "13805940001", "household_region": "350304"});
    let me = json!({"kind": "person", "name": "蔡文彬", "id_number": "350322198507150034",
        "phone": "13805940002", "household_region": "350322"});
    let post = |applicant: Value, agent: Option<Value>| {
        let mut body =
            json!({"item": "MZ-008", "mode": "online", "applicant": applicant, "answers": a});
        if let Some(ag) = agent {
            body["agent"] = ag;
        }
        app.post_json("/api/v1/cases", body, Some(&demo))
    };
    let r = post(lin.clone(), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "applicant.not_self");
    assert!(r.json()["fields"]["applicant.id_number"].is_string());
    let before = app.store.case_index(0, 1000).await.unwrap().len();
    // As the recorded agent, with the power of attorney on the checklist.
    let agent =
        json!({"name": "蔡文彬", "id_number": "350322198507150034", "phone": "13805940002"});
    let r = post(lin.clone(), Some(agent)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.text().contains("授权委托书"));
    // Someone else named as the agent is refused too.
    let other =
        json!({"name": "林秀英", "id_number": "350304195103120027", "phone": "13805940001"});
    let r = post(lin, Some(other)).await;
    assert_eq!(r.json()["code"], "applicant.not_self");
    let r = post(me, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        app.store.case_index(0, 1000).await.unwrap().len(),
        before + 2
    );
    app.finish().await;
}

/// The progress page for a case number and code, asked from `addr`.
async fn progress(app: &TestApp, addr: &str, no: &str, code: &str) -> Resp {
    let uri = format!("/progress?case_no={no}&code={code}");
    app.send(from(addr, Request::get(uri).body(Body::empty()).unwrap()))
        .await
}

/// A window case accepted at 镇海, and its verification code.
async fn accepted_case(app: &TestApp) -> (Value, String) {
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(app, &clerk, &c, "submit", json!({})).await;
    let c = step(app, &clerk, &c, "accept", json!({})).await;
    let code = c["verification_code"].as_str().unwrap().to_owned();
    (c, code)
}

#[tokio::test]
async fn verification_codes_are_long_and_guessing_them_is_throttled_and_audited() {
    let app = TestApp::demo().await;
    let (c, code) = accepted_case(&app).await;
    let no = c["case_no"].as_str().unwrap();
    assert_eq!(code.len(), 10, "about 49 bits");
    // Typed with a dash and in lower case, it still opens the page.
    let typed = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
    let r = progress(&app, "10.0.0.1", no, &typed).await;
    assert_eq!(r.status, StatusCode::OK);
    // Ten wrong codes for the case, from ten addresses, and the case is closed to codes.
    for i in 0..10 {
        let r = progress(&app, &format!("10.0.1.{i}"), no, &format!("WRONG{i:05}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{i}");
    }
    let r = progress(&app, "10.0.0.2", no, &code).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    // The anonymous rating by code is behind the same throttle.
    let r = app
        .send(from(
            "10.0.0.3",
            Request::post(format!("/api/v1/cases/{no}/evaluation"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json!({"code": code, "grades": {"overall": 1, "efficiency": 1, "level": 1, "attitude": 1}, "comment": "差"}).to_string()))
                .unwrap(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    // One address guessing across cases is stopped too (30 an hour).
    for i in 0..30 {
        let r = progress(
            &app,
            "10.0.2.1",
            &format!("TB2026010100{i:06}"),
            "WRONG00000",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{i}");
    }
    let (c2, code2) = accepted_case(&app).await;
    let no2 = c2["case_no"].as_str().unwrap();
    let r = progress(&app, "10.0.2.1", no2, &code2).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = progress(&app, "10.0.2.2", no2, &code2).await;
    assert_eq!(r.status, StatusCode::OK, "another address is not affected");
    // Both limits were recorded in the audit log, once each.
    let admin = app.login("admin").await;
    let audit = app
        .get_auth("/api/v1/audit?kind=code_guessing", &admin)
        .await
        .json();
    assert_eq!(audit["data"].as_array().unwrap().len(), 2, "{audit}");
    app.finish().await;
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out() {
    let app = TestApp::demo().await;
    // The owner signs in from her browser, which becomes trusted for her account.
    let r = page_login(&app, "192.0.2.10", "clerk-city", "demo", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let device = r.cookie("tb_device").expect("a device cookie");
    // A stranger guesses from one address: after five, that address waits ...
    for _ in 0..5 {
        let r = app
            .send(from("198.51.100.1", api_login("clerk-city", "guess")))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = app
        .send(from("198.51.100.1", api_login("clerk-city", "demo")))
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the guesser's address waits"
    );
    // ... but the owner, from anywhere else, signs in.
    let r = app
        .send(from("203.0.113.5", api_login("clerk-city", "demo")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // A distributed guess (20 failures in all, from many addresses) stops untrusted clients ...
    for i in 0..15 {
        let r = app
            .send(from(
                &format!("198.51.100.{}", 10 + i),
                api_login("clerk-city", "guess"),
            ))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{i}");
    }
    let r = app
        .send(from("203.0.113.6", api_login("clerk-city", "demo")))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // ... while the owner's trusted browser still gets in.
    let r = page_login(
        &app,
        "203.0.113.7",
        "clerk-city",
        "demo",
        &format!("tb_device={device}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.cookie("tb_session").is_some());
    // The admin was alerted.
    let admin = app.login("admin").await;
    let audit = app
        .get_auth("/api/v1/audit?kind=login_attack", &admin)
        .await
        .json();
    assert_eq!(audit["data"].as_array().unwrap().len(), 1, "{audit}");
    // Spraying many accounts from one address (a NAT) stops its untrusted sign-ins, not the trusted ones.
    for i in 0..50 {
        let r = app
            .send(from(
                "192.0.2.10",
                api_login(&format!("nobody-{i}"), "guess"),
            ))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{i}");
    }
    let r = app
        .send(from("192.0.2.10", api_login("clerk-zhenhai", "demo")))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = page_login(
        &app,
        "192.0.2.10",
        "clerk-city",
        "demo",
        &format!("tb_device={device}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    app.finish().await;
}

#[tokio::test]
async fn rating_a_case_one_may_not_see_answers_as_if_it_did_not_exist() {
    let app = TestApp::demo().await;
    let (c, _) = accepted_case(&app).await;
    let no = c["case_no"].as_str().unwrap();
    let grades = json!({"grades": {"overall": 5, "efficiency": 5, "level": 5, "attitude": 5}});
    for who in ["reviewer-xianyou-police", "applicant-demo", "clerk-city"] {
        let t = app.login(who).await;
        let exists = app
            .post_json(
                &format!("/api/v1/cases/{no}/evaluation"),
                grades.clone(),
                Some(&t),
            )
            .await;
        let missing = app
            .post_json(
                "/api/v1/cases/TB2026010199999999/evaluation",
                grades.clone(),
                Some(&t),
            )
            .await;
        assert_eq!(
            exists.status,
            StatusCode::NOT_FOUND,
            "{who}: {}",
            exists.text()
        );
        assert_eq!(exists.body, missing.body, "{who}");
    }
    // Staff who see the case learn that staff do not rate.
    let reviewer = app.login("reviewer-licheng-civil").await;
    let r = app
        .post_json(
            &format!("/api/v1/cases/{no}/evaluation"),
            grades,
            Some(&reviewer),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn a_large_bad_request_gets_a_small_answer() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let mut answers = serde_json::Map::new();
    for i in 0..20_000 {
        answers.insert(
            format!("unknown_question_{i:05}_{}", "x".repeat(40)),
            json!("o"),
        );
    }
    let body = json!({"item": "MZ-008", "mode": "accept_remote", "applicant": person("350304"), "answers": answers});
    let size = body.to_string().len();
    assert!(size > 1_000_000 / 2);
    let r = app.post_json("/api/v1/cases", body, Some(&clerk)).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "JSON bodies are bounded"
    );
    // Under the bound, the answer names 20 fields and counts the rest.
    let mut answers = serde_json::Map::new();
    for i in 0..2_000 {
        answers.insert(format!("q{i:04}_{}", "键".repeat(30)), json!("o"));
    }
    let body = json!({"item": "MZ-008", "mode": "accept_remote", "applicant": person("350304"), "answers": answers});
    let size = body.to_string().len();
    let r = app.post_json("/api/v1/cases", body, Some(&clerk)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.len() < 16 * 1024 && r.body.len() * 10 < size,
        "{} bytes for {size}",
        r.body.len()
    );
    let v = r.json();
    assert_eq!(v["fields"].as_object().unwrap().len(), 20);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("另有1980项错误未列出"),
        "{}",
        v["message"]
    );
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_racing_its_original_gets_the_original_answer() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    for round in 0..12 {
        let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
            .await
            .json();
        let no = c["case_no"].as_str().unwrap().to_owned();
        let body = json!({"version": c["version"]});
        let key = format!("race-{round}");
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let req = Request::post(format!("/api/v1/cases/{no}/actions/submit"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {clerk}"))
                .header("Idempotency-Key", &key)
                .body(Body::from(body.to_string()))
                .unwrap();
            let router = app.router.clone();
            tasks.push(tokio::spawn(async move {
                use http_body_util::BodyExt;
                use tower::ServiceExt;
                let res = router.oneshot(req).await.unwrap();
                let status = res.status();
                (
                    status,
                    res.into_body().collect().await.unwrap().to_bytes().to_vec(),
                )
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        for (status, body) in &answers {
            assert_eq!(
                *status,
                StatusCode::OK,
                "round {round}: {}",
                String::from_utf8_lossy(body)
            );
            assert_eq!(body, &answers[0].1, "round {round}: the same answer");
        }
        let now = app
            .get_auth(&format!("/api/v1/cases/{no}"), &clerk)
            .await
            .json();
        assert_eq!(now["version"], 2, "one event");
        // A later step without the key still sees version 2.
        let r = act(&app, &clerk, &now, "accept", json!({})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    app.finish().await;
}

#[tokio::test]
async fn the_openapi_document_declares_the_limits_the_api_enforces() {
    let app = TestApp::demo().await;
    let doc = app.get("/api/v1/openapi.json").await.json();
    let schema = |name: &str| doc["components"]["schemas"][name].clone();
    assert_eq!(
        schema("CaseCreate")["properties"]["mode"]["pattern"],
        "^(online|accept_remote|collect_remote)$"
    );
    assert_eq!(
        schema("Registration")["properties"]["password"]["minLength"],
        8
    );
    assert_eq!(schema("StepBody")["properties"]["note"]["maxLength"], 1000);
    assert!(schema("AgentInput")["properties"]["id_number"]["pattern"].is_string());
    let person = &schema("ApplicantInput")["oneOf"][0]["properties"];
    assert_eq!(person["name"]["maxLength"], 50);
    let params = |path: &str, method: &str| {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .clone()
    };
    let limit = params("/cases", "get")
        .into_iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["maximum"], 200);
    assert_eq!(limit["schema"]["minimum"], 1);
    let action = params("/cases/{case_no}/actions/{action}", "post")
        .into_iter()
        .find(|p| p["name"] == "action")
        .unwrap();
    assert!(
        action["schema"]["pattern"]
            .as_str()
            .unwrap()
            .contains("request_supplement")
    );
    app.finish().await;
}
