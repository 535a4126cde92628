//! One visibility rule (issue 12): who sees which case — in lists, in a
//! single read and when acting — and the defects found in use that it and
//! the case page fixed (a, e, f, g, h, j, l).

use crate::common::{TestApp, answers, create, lin, person, step, upload};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Whether `token`'s case list holds `no`.
async fn lists(app: &TestApp, token: &str, no: &str) -> bool {
    let list = app.get_auth("/api/v1/cases?limit=200", token).await.json();
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["case_no"] == no)
}

#[tokio::test]
async fn who_sees_which_case_in_lists_reads_and_steps() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let guide = app.login("guide-zhenhai").await;
    // A 受审分离 case received at 镇海 for a 荔城 household (荔城区民政局 decides).
    let window = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let window = step(&app, &clerk, &window, "submit", json!({})).await;
    // An online case of applicant-lin.
    let lin_token = app.login("applicant-lin").await;
    let online = create(&app, &lin_token, "MZ-008", "online", lin())
        .await
        .json();
    // An online case a guide filed for someone (帮办代办).
    let a = answers(&app, "MZ-008").await;
    let assisted = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "online", "applicant": person("350304"), "answers": a,
                   "consent": {"method": "signature"}}),
            Some(&guide),
        )
        .await
        .json();
    let cases: [(&str, &Value); 3] = [
        ("window", &window),
        ("online", &online),
        ("assisted", &assisted),
    ];
    // Who sees what: (user, [window, online, assisted]).
    let matrix: [(&str, [bool; 3]); 9] = [
        ("admin", [true, true, true]),
        ("clerk-zhenhai", [true, false, false]),
        ("guide-zhenhai", [true, false, true]),
        ("clerk-city", [false, false, false]),
        ("clerk-longqiao", [false, false, false]),
        ("reviewer-licheng-civil", [true, true, true]),
        ("reviewer-xianyou-police", [false, false, false]),
        ("applicant-lin", [false, true, false]),
        ("applicant-demo", [false, false, false]),
    ];
    for (user, sees) in matrix {
        let token = app.login(user).await;
        for ((what, c), visible) in cases.iter().zip(sees) {
            let no = c["case_no"].as_str().unwrap();
            assert_eq!(
                lists(&app, &token, no).await,
                visible,
                "{user} lists {what}"
            );
            let read = app.get_auth(&format!("/api/v1/cases/{no}"), &token).await;
            assert_eq!(
                read.status,
                if visible {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{user} reads {what}"
            );
            // Acting on a case one does not see is answered as if it did
            // not exist; one who sees it hears of the stale version (the
            // probe never changes a case).
            let mut stale = (*c).clone();
            stale["version"] = json!(999);
            let act =
                crate::common::act(&app, &token, &stale, "withdraw", json!({"reason": "测试"}))
                    .await;
            assert_eq!(
                act.status,
                if visible {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::NOT_FOUND
                },
                "{user} acts on {what}: {}",
                act.text()
            );
        }
    }
    app.finish().await;
}

#[tokio::test]
async fn a_guide_finds_the_case_he_filed_in_his_own_list() {
    // Defect a.
    let app = TestApp::demo().await;
    let guide = app.login("guide-zhenhai").await;
    let a = answers(&app, "MZ-008").await;
    let c = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "online", "applicant": person("350304"), "answers": a,
                   "consent": {"method": "in_person"}}),
            Some(&guide),
        )
        .await
        .json();
    assert!(lists(&app, &guide, c["case_no"].as_str().unwrap()).await);
    let work = app.get_auth("/work", &guide).await.text();
    assert!(
        work.contains(c["case_no"].as_str().unwrap()),
        "the workbench lists it too"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_case_filed_at_a_window_is_in_the_persons_own_cases() {
    // Defect e: 一号, whether the account exists already or comes later.
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let before = create(&app, &clerk, "MZ-008", "accept_remote", lin())
        .await
        .json();
    let lin_token = app.login("applicant-lin").await;
    let no = before["case_no"].as_str().unwrap();
    assert!(
        lists(&app, &lin_token, no).await,
        "the existing account sees it"
    );
    let page = app.get_auth(&format!("/work/cases/{no}"), &lin_token).await;
    assert_eq!(page.status, StatusCode::OK);
    // Someone registers later with the ID number of a window case.
    let someone = json!({"kind": "person", "name": "黄美玲", "id_number": crate::common::id_number("35030419900303002"),
        "phone": "13905941111", "household_region": "350304"});
    let c = create(&app, &clerk, "MZ-008", "accept_remote", someone.clone())
        .await
        .json();
    let r = app
        .post_json(
            "/api/v1/register/code",
            json!({"phone": "13905941111"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let code: String = app
        .sent
        .sent()
        .last()
        .unwrap()
        .1
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    let r = app
        .post_json(
            "/api/v1/register",
            json!({"phone": "13905941111", "code": code, "name": "黄美玲",
                   "id_number": someone["id_number"], "password": "correct horse 9"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    assert!(lists(&app, &token, c["case_no"].as_str().unwrap()).await);
    // But not another person's window case.
    assert!(!lists(&app, &token, no).await);
    let demo = app.login("applicant-demo").await;
    assert!(!lists(&app, &demo, no).await);
    app.finish().await;
}

#[tokio::test]
async fn the_case_page_shows_labels_closing_and_how_materials_came() {
    // Defects f, g, h, j, l.
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let key = c["materials"][0]["key"].as_str().unwrap().to_owned();
    let fields = [
        ("version", "1"),
        ("material", key.as_str()),
        ("method", "paper"),
    ];
    let r = upload(&app, &clerk, &no, &fields, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    // h: a scan opens from the case page, in the browser's own viewer, for
    // whoever sees the case.
    let key2 = c["materials"][1]["key"].as_str().unwrap().to_owned();
    let v = c["version"].to_string();
    let fields = [
        ("version", v.as_str()),
        ("material", key2.as_str()),
        ("method", "scan"),
    ];
    let r = upload(
        &app,
        &clerk,
        &no,
        &fields,
        Some(("scan.pdf", crate::common::PDF)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &reviewer)
        .await
        .text();
    let href = page
        .split("class=\"scan\" href=\"")
        .nth(1)
        .expect("a link to the scan")
        .split('"')
        .next()
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    assert!(page.contains("查看扫描件1（PDF）"));
    let file = app.get_auth(&href, &reviewer).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers["content-type"], "application/pdf");
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(file.body, crate::common::PDF);
    let other = app.login("reviewer-xianyou-police").await;
    assert_eq!(
        app.get_auth(&href, &other).await.status,
        StatusCode::NOT_FOUND
    );
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let c = step(&app, &clerk, &c, "accept", json!({})).await;
    let c = step(
        &app,
        &reviewer,
        &c,
        "decide",
        json!({"approved": true, "reason": "符合条件"}),
    )
    .await;
    let c = step(&app, &reviewer, &c, "deliver", json!({"method": "pickup"})).await;
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &clerk)
        .await
        .text();
    // j: a paper material is not a delivery.
    let name = c["materials"][0]["name"].as_str().unwrap();
    assert!(page.contains(&format!("“{name}”：纸质材料")), "{page}");
    // f: the situation by its name, never its key.
    let situation = c["situation"].as_str().unwrap();
    assert!(page.contains(&format!("情形：{situation}")));
    assert!(!page.contains("情形：self") && !page.contains("情形：kinship"));
    let done = step(&app, &clerk, &c, "complete", json!({})).await;
    // g: a closed case says when it closed and whether on time, not days left.
    assert!(done["working_days_left"].is_null(), "{done}");
    assert!(done["closed_on"].is_string());
    assert_eq!(done["on_time"], true);
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &clerk)
        .await
        .text();
    assert!(
        page.contains("办结日期") && page.contains("按期办理") && !page.contains("剩余"),
        "{page}"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_applicant_reading_her_own_case_is_no_pii_view() {
    // Defect l.
    let app = TestApp::demo().await;
    let lin_token = app.login("applicant-lin").await;
    let c = create(&app, &lin_token, "MZ-008", "online", lin())
        .await
        .json();
    let no = c["case_no"].as_str().unwrap();
    let own = app
        .get_auth(&format!("/api/v1/cases/{no}"), &lin_token)
        .await
        .json();
    assert_eq!(
        own["applicant"]["id_number"], "350304195103120027",
        "she sees her number"
    );
    let admin = app.login("admin").await;
    let audit = "/api/v1/audit?kind=pii_view";
    assert_eq!(app.get_auth(audit, &admin).await.json()["total"], 0);
    let reviewer = app.login("reviewer-licheng-civil").await;
    app.get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await;
    assert_eq!(
        app.get_auth(audit, &admin).await.json()["total"],
        1,
        "staff reading it is recorded"
    );
    app.finish().await;
}
