//! Notices to departments: a case that arrives from another hall is told at
//! once to the department's on-duty reviewers (workbench and text message);
//! nobody acting in time tells the department's admins.

use crate::cases::scan_every_material;
use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

/// Gives a staff account a mobile (and keeps its place), as an admin does.
async fn give_phone(app: &TestApp, admin: &str, username: &str, phone: &str) {
    let list = app.get_auth("/api/v1/admin/staff", admin).await.json();
    let mut next = list;
    loop {
        if let Some(s) = next["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["username"] == username)
        {
            let body = json!({
                "username": username, "display_name": s["display_name"], "role": s["role"],
                "hall": s["hall"], "department": s["department"], "phone": phone, "active": true
            });
            let r = app
                .json_req(
                    "PUT",
                    &format!("/api/v1/admin/staff/{}", s["id"]),
                    body,
                    Some(admin),
                )
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
            return;
        }
        let cursor = next["next"].as_str().expect("found").to_owned();
        next = app
            .get_auth(&format!("/api/v1/admin/staff?cursor={cursor}"), admin)
            .await
            .json();
    }
}

#[tokio::test]
async fn an_arrival_is_told_to_the_reviewers_on_duty_and_if_untouched_to_the_admins() {
    // Friday 2026-12-04 10:00 China time.
    let friday = 1_796_349_600_000;
    let app = TestApp::demo_at(Some(friday)).await;
    let admin = app.login("admin").await;
    give_phone(&app, &admin, "reviewer-xianyou-police", "13805948888").await;
    let clerk = app.login("clerk-longqiao").await;
    let reviewer = app.login("reviewer-xianyou-police").await;
    let c = create(&app, &clerk, "GA-002", "collect_remote", person("350322"))
        .await
        .json();
    let c = scan_every_material(&app, &clerk, &c).await;
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    assert_eq!(c["status"], "pre_review");
    let no = c["case_no"].as_str().unwrap().to_owned();
    // The department's admin, with a mobile.
    let dept = c["department"]["id"].as_i64().unwrap();
    let r = app
        .post_json(
            "/api/v1/admin/staff",
            json!({"username": "admin-xianyou-police", "display_name": "仙游局管理员", "role": "department_admin",
                   "department": dept, "phone": "13805947777"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let dept_admin = app
        .login_with(
            "admin-xianyou-police",
            r.json()["initial_password"].as_str().unwrap(),
        )
        .await;
    // Told at once: in the workbench and by text.
    let inbox = app
        .get_auth("/api/v1/notifications", &reviewer)
        .await
        .json();
    let text = inbox["data"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        text.contains(&no) && text.contains("龙桥街道便民服务中心"),
        "{inbox}"
    );
    app.drain_outbox().await;
    assert!(
        app.sent
            .sent()
            .iter()
            .any(|(to, body)| to == "13805948888" && body.contains(&no)),
        "{:?}",
        app.sent.sent()
    );
    let page = app.get_auth("/work", &reviewer).await.text();
    assert!(
        page.contains("新办件到达") && page.contains("在岗"),
        "the workbench lists it"
    );
    // Four working hours later (Friday 14:00), nobody acted: the admins are told.
    let mut later = app.state.app();
    later.now = tongban_server::Now::fixed(friday + 3 * 3_600_000);
    assert_eq!(
        tongban_app::cases::arrivals::escalate_due(&later)
            .await
            .unwrap(),
        0,
        "not yet"
    );
    later.now = tongban_server::Now::fixed(friday + 4 * 3_600_000);
    assert_eq!(
        tongban_app::cases::arrivals::escalate_due(&later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tongban_app::cases::arrivals::escalate_due(&later)
            .await
            .unwrap(),
        0,
        "once"
    );
    // Told in the workbench; the text waits in the outbox for its instant.
    let inbox = app
        .get_auth("/api/v1/notifications", &dept_admin)
        .await
        .json();
    let text = inbox["data"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(text.contains(&no) && text.contains("仍无人处理"), "{inbox}");
    let waiting = app
        .get_auth("/api/v1/outbox?status=pending", &admin)
        .await
        .text();
    assert!(
        waiting.contains("138****7777") && waiting.contains("仍无人处理"),
        "{waiting}"
    );
    // Off duty, the reviewer hears of no arrival; one taken up in time tells no admin.
    let r = app.post_form_auth("/work/duty", "", &reviewer).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let before = app
        .get_auth("/api/v1/notifications", &reviewer)
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .len();
    let c2 = create(&app, &clerk, "GA-002", "collect_remote", person("350322"))
        .await
        .json();
    let c2 = scan_every_material(&app, &clerk, &c2).await;
    let c2 = step(&app, &clerk, &c2, "submit", json!({})).await;
    let after = app
        .get_auth("/api/v1/notifications", &reviewer)
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "off duty: not told");
    let c2 = step(&app, &reviewer, &c2, "pre_review_pass", json!({})).await;
    assert_eq!(c2["status"], "pre_review_passed");
    later.now = tongban_server::Now::fixed(friday + 5 * 3_600_000);
    assert_eq!(
        tongban_app::cases::arrivals::escalate_due(&later)
            .await
            .unwrap(),
        0,
        "taken up"
    );
    app.finish().await;
}
