//! Video checks (视频核验): a remote acceptance of a case whose checklist
//! asks for the applicant's ID card seen in the original is refused until a
//! video check passed; a failed one does not do; who may record and see
//! them; recordings are sniffed.

use crate::common::{MP4, TestApp, act, answers, lin, submit_online, video_result};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// An online 高龄津贴 case (its checklist: the elder's ID card, original),
/// submitted by its applicant.
async fn submitted(app: &TestApp) -> Value {
    let applicant = app.login("applicant-lin").await;
    let a = answers(app, "MZ-008").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "online", "applicant": lin(), "answers": a}),
            Some(&applicant),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    submit_online(app, &applicant, &r.json()).await
}

async fn start(app: &TestApp, token: &str, no: &str, body: Value) -> crate::common::Resp {
    app.post_json(
        &format!("/api/v1/cases/{no}/video-checks"),
        body,
        Some(token),
    )
    .await
}

#[tokio::test]
async fn a_remote_acceptance_waits_for_a_passed_video_check() {
    let app = TestApp::demo().await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let c = submitted(&app).await;
    let no = c["case_no"].as_str().unwrap().to_owned();

    // Refused, naming what is missing, with a machine code.
    let r = act(&app, &reviewer, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["code"], "case.identity_unverified");
    let msg = r.json()["message"].as_str().unwrap().to_owned();
    assert!(msg.contains("“老年人居民身份证”"), "{msg}");
    assert!(msg.contains("视频核验"), "{msg}");

    // Start: the meeting link, the applicant's masked number.
    let r = start(&app, &reviewer, &no, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let check = r.json()["check"].clone();
    let link = check["link"].as_str().unwrap();
    assert!(
        link.starts_with("https://video.example.invalid/m/"),
        "{link}"
    );
    assert!(link.ends_with(check["reference"].as_str().unwrap()));
    assert_eq!(check["participant"], "applicant");
    assert_eq!(check["name"], "林秀英");
    assert!(check["id_number"].as_str().unwrap().contains('*'));
    assert_eq!(check["outcome"], Value::Null);
    assert_eq!(r.json()["version"], c["version"].as_i64().unwrap() + 1);
    let id = check["id"].as_i64().unwrap();

    // A recording that is not a video is named, and nothing is written.
    let r = video_result(
        &app,
        &reviewer,
        &no,
        id,
        "passed",
        Some(("x.pdf", "video/mp4", crate::common::PDF)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "upload.type");
    assert!(
        r.json()["fields"]["recording"]
            .as_str()
            .unwrap()
            .contains("MP4")
    );
    // A failed check needs its reason.
    let (ct, body) = crate::common::multipart_part(&[("outcome", "failed")], "recording", None);
    let req = axum::http::Request::post(format!("/api/v1/cases/{no}/video-checks/{id}/result"))
        .header(axum::http::header::CONTENT_TYPE, ct)
        .header(
            axum::http::header::AUTHORIZATION,
            format!("Bearer {reviewer}"),
        )
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.json()["fields"]["reason"].is_string(), "{}", r.text());

    // A failed check does not satisfy the rule.
    let r = video_result(&app, &reviewer, &no, id, "failed", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["check"]["outcome"], "failed");
    // Concluded once.
    let again = video_result(&app, &reviewer, &no, id, "passed", None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text());
    assert_eq!(again.json()["code"], "video.concluded");
    let c = app
        .get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await
        .json();
    let r = act(&app, &reviewer, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["code"], "case.identity_unverified");
    assert!(r.json()["message"].as_str().unwrap().contains("未通过"));

    // A second check passes, with its recording: now accepted.
    let r = start(&app, &reviewer, &no, json!({"participant": "applicant"})).await;
    let second = r.json()["check"].clone();
    assert_ne!(second["link"], check["link"], "a new meeting each time");
    let r = video_result(
        &app,
        &reviewer,
        &no,
        second["id"].as_i64().unwrap(),
        "passed",
        Some(("v.mp4", "video/mp4", MP4)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let recording = r.json()["check"]["recording_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = app
        .get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await
        .json();
    let r = act(&app, &reviewer, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "accepted");
    let code = r.json()["verification_code"].as_str().unwrap().to_owned();

    // The list, and the recording for those who see the case in full.
    let list = app
        .get_auth(&format!("/api/v1/cases/{no}/video-checks"), &reviewer)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let data = list.json()["data"].as_array().unwrap().clone();
    let outcomes: Vec<&str> = data
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "passed"]);
    assert_eq!(data[0]["reason"], "视频中人像与身份证照片不符");
    let r = app.get_auth(&recording, &reviewer).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "video/mp4");

    // The timeline says it in words, on the case and to the applicant.
    let c = app
        .get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await
        .json();
    let events = c["events"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.ends_with(&[
            "video_check",
            "video_result",
            "video_check",
            "video_result",
            "accept"
        ]),
        "{actions:?}"
    );
    let page = app.get_auth(&format!("/work/cases/{no}"), &reviewer).await;
    let html = page.text();
    assert!(html.contains("视频核验"), "case page section");
    assert!(
        html.contains("核验不通过，原因：视频中人像与身份证照片不符"),
        "timeline words"
    );
    let progress = app
        .get(&format!("/progress?case_no={no}&code={code}"))
        .await;
    assert_eq!(progress.status, StatusCode::OK);
    let html = progress.text();
    assert!(html.contains("通过视频核验确认了身份"), "{html}");
    assert!(html.contains("视频核验未能确认身份"), "{html}");
    assert!(
        !html.contains(check["id_number"].as_str().unwrap()),
        "no numbers"
    );
    app.finish().await;
}

#[tokio::test]
async fn who_may_record_and_see_video_checks() {
    let app = TestApp::demo().await;
    let c = submitted(&app).await;
    let no = c["case_no"].as_str().unwrap().to_owned();
    let reviewer = app.login("reviewer-licheng-civil").await;
    // Another department's reviewer does not see the case: no such case.
    let police = app.login("reviewer-xianyou-police").await;
    let r = start(&app, &police, &no, json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let r = app
        .get_auth(&format!("/api/v1/cases/{no}/video-checks"), &police)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A window clerk does not see an online case either.
    let clerk = app.login("clerk-zhenhai").await;
    assert_eq!(
        start(&app, &clerk, &no, json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    // The applicant sees the case but does not check identities.
    let applicant = app.login("applicant-lin").await;
    let r = start(&app, &applicant, &no, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // No agent on this case.
    let r = start(&app, &reviewer, &no, json!({"participant": "agent"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "video.no_agent");
    // A check of the case, with its recording.
    let r = start(&app, &reviewer, &no, json!({})).await;
    let id = r.json()["check"]["id"].as_i64().unwrap();
    let r = video_result(
        &app,
        &reviewer,
        &no,
        id,
        "passed",
        Some(("v.mp4", "video/mp4", MP4)),
    )
    .await;
    let url = r.json()["check"]["recording_url"]
        .as_str()
        .unwrap()
        .to_owned();
    // The applicant sees his case in full, recording included; another
    // department's staff find neither.
    let r = app
        .get_auth(&format!("/api/v1/cases/{no}/video-checks"), &applicant)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["data"][0]["outcome"], "passed");
    assert_eq!(app.get_auth(&url, &applicant).await.status, StatusCode::OK);
    let admin = app.login("admin-licheng-police").await;
    assert_eq!(
        app.get_auth(&url, &admin).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_auth(&url, &police).await.status,
        StatusCode::NOT_FOUND
    );
    // Unknown check of this case: named.
    let r = video_result(&app, &reviewer, &no, id + 1000, "passed", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "video.unknown");
    app.finish().await;
}

#[tokio::test]
async fn the_receiving_window_starts_a_video_check_on_a_collected_case() {
    // 收受分离 of 户籍类证明 (GA-010: the applicant's ID card, original).
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    let r = crate::common::create(
        &app,
        &clerk,
        "GA-010",
        "collect_remote",
        crate::common::person("350322"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    // The window may start a check on the case it received.
    let r = start(&app, &clerk, &no, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    app.finish().await;
}

#[tokio::test]
async fn originals_seen_at_a_window_satisfy_a_collect_remote_acceptance() {
    // 收受分离 at the city centre (which holds the original-verification
    // right for every department) for a Xianyou household.
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-city").await;
    let police = app.login("reviewer-xianyou-police").await;
    let r = crate::common::create(
        &app,
        &clerk,
        "GA-010",
        "collect_remote",
        crate::common::person("350322"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let mut version = c["version"].as_i64().unwrap();
    let scan = |key: String, verified: bool, v: i64| {
        let app = &app;
        let clerk = clerk.clone();
        let no = no.clone();
        async move {
            let v = v.to_string();
            let fields = [
                ("version", v.as_str()),
                ("material", key.as_str()),
                ("method", "scan"),
                ("original_verified", if verified { "true" } else { "false" }),
            ];
            let r = crate::common::upload(
                app,
                &clerk,
                &no,
                &fields,
                Some(("s.pdf", crate::common::PDF)),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()["version"].as_i64().unwrap()
        }
    };
    for m in c["materials"].as_array().unwrap() {
        version = scan(m["key"].as_str().unwrap().to_owned(), false, version).await;
    }
    let c = json!({"case_no": no, "version": version});
    let c = crate::common::step(&app, &clerk, &c, "submit", json!({})).await;
    let c = crate::common::step(&app, &police, &c, "pre_review_pass", json!({})).await;
    // Scans alone do not show the applicant was seen.
    let r = act(&app, &police, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["code"], "case.identity_unverified");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("“申请人居民身份证”")
    );
    // The window certifies the ID card's original: accepted.
    let version = scan("id_card".into(), true, c["version"].as_i64().unwrap()).await;
    let c = json!({"case_no": no, "version": version});
    let r = act(&app, &police, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app.finish().await;
}
