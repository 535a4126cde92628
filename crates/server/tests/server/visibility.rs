//! One visibility rule (issue 12): who sees which case — in lists, in a
//! single read and when acting, on the case and on what belongs to it
//! (materials, documents, ratings, rectifications), who sees which bookings
//! and the audit log — and the defects found in use that it and the case
//! page fixed (a, e, f, g, h, j, l).

use crate::common::{Resp, TestApp, answers, create, lin, person, step, upload};
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

/// The demo users of the matrices and which of [`three_cases`] each sees
/// (`tongban_domain::authz::case_visibility`): a platform admin all; window
/// staff the cases received at their hall, a guide also those he filed; a
/// department's reviewers the department's; an applicant her own.
const SEES: [(&str, [bool; 3]); 9] = [
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

/// The cases of the matrices: a 受审分离 case received (and submitted) at
/// 镇海 for a 荔城 household (荔城区民政局 decides), an online draft of
/// applicant-lin, and an online draft a guide filed for someone (帮办代办).
async fn three_cases(app: &TestApp) -> [(&'static str, Value); 3] {
    let clerk = app.login("clerk-zhenhai").await;
    let guide = app.login("guide-zhenhai").await;
    let window = create(app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let window = step(app, &clerk, &window, "submit", json!({})).await;
    let lin_token = app.login("applicant-lin").await;
    let online = create(app, &lin_token, "MZ-008", "online", lin())
        .await
        .json();
    let a = answers(app, "MZ-008").await;
    let assisted = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "online", "applicant": person("350304"), "answers": a,
                   "consent": {"method": "signature"}}),
            Some(&guide),
        )
        .await
        .json();
    [
        ("window", window),
        ("online", online),
        ("assisted", assisted),
    ]
}

#[tokio::test]
async fn who_sees_which_case_in_lists_reads_and_steps() {
    let app = TestApp::demo().await;
    let cases = three_cases(&app).await;
    for (user, sees) in SEES {
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
            let mut stale = c.clone();
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

/// Checks an answer's status; a 404 says nothing of the case `no`.
fn expect(r: &Resp, want: u16, no: &str, what: &str) {
    assert_eq!(r.status.as_u16(), want, "{what}: {}", r.text());
    if want == 404 {
        assert!(!r.text().contains(no), "{what}: the 404 names the case");
    }
}

/// A scan of the case `what`: a minimal PDF, different for each case.
fn scan_of(what: &str) -> Vec<u8> {
    [crate::common::PDF, format!("% {what}\n").as_bytes()].concat()
}

const WINDOW_RATING: &str = "窗口让我跑了两趟";
const ONLINE_RATING: &str = "审核太慢，没有进度提醒";

/// Grades of every dimension of a channel.
fn grades(what: &str, g: u8) -> Value {
    if what == "window" {
        json!({"overall": g, "efficiency": g, "level": 3, "attitude": g})
    } else {
        json!({"overall": g, "efficiency": g, "guide_accuracy": g, "convenience": g, "usability": g})
    }
}

#[tokio::test]
async fn who_reads_and_acts_on_a_cases_materials_documents_and_ratings() {
    let app = TestApp::demo().await;
    let [(_, window), (_, online), (_, assisted)] = three_cases(&app).await;
    let clerk = app.login("clerk-zhenhai").await;
    let guide = app.login("guide-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let lin_token = app.login("applicant-lin").await;
    // The window case: a scan, then not accepted at the window (不予受理
    // 通知书), and rated 差评 with its verification code: a rectification
    // for 镇海.
    let no = window["case_no"].as_str().unwrap().to_owned();
    let code = window["verification_code"].clone();
    let v = window["version"].to_string();
    let fields = [
        ("version", v.as_str()),
        ("material", window["materials"][0]["key"].as_str().unwrap()),
        ("method", "scan"),
    ];
    let r = upload(
        &app,
        &clerk,
        &no,
        &fields,
        Some(("scan.pdf", &scan_of("window"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let window = step(
        &app,
        &clerk,
        &r.json(),
        "not_accept",
        json!({"reason": "申请人户籍不在本市"}),
    )
    .await;
    let r = app
        .post_json(
            &format!("/api/v1/cases/{no}/evaluation"),
            json!({"grades": grades("window", 2), "comment": WINDOW_RATING, "code": code}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rect_window = r.json()["rectification"].as_i64().unwrap();
    // The online case: submitted with scans, accepted, decided, delivered
    // electronically and completed; its applicant rates it 差评: a
    // rectification for 荔城区民政局.
    let online =
        crate::common::submit_online_with(&app, &lin_token, &online, &scan_of("online")).await;
    // The applicant's identity is checked by video before a remote acceptance.
    let online = crate::common::video_pass(&app, &reviewer, &online).await;
    let online = step(&app, &reviewer, &online, "accept", json!({})).await;
    let online = step(
        &app,
        &reviewer,
        &online,
        "decide",
        json!({"approved": true, "reason": "符合条件"}),
    )
    .await;
    let online = step(
        &app,
        &reviewer,
        &online,
        "deliver",
        json!({"method": "electronic"}),
    )
    .await;
    let online = step(&app, &reviewer, &online, "complete", json!({})).await;
    let r = app
        .post_json(
            &format!(
                "/api/v1/cases/{}/evaluation",
                online["case_no"].as_str().unwrap()
            ),
            json!({"grades": grades("online", 1), "comment": ONLINE_RATING}),
            Some(&lin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rect_online = r.json()["rectification"].as_i64().unwrap();
    // The assisted case: submitted by the guide with scans; the department
    // asks for a supplement (一次性告知书).
    let assisted =
        crate::common::submit_online_with(&app, &guide, &assisted, &scan_of("assisted")).await;
    let named = assisted["materials"][1]["name"].clone();
    let assisted = step(
        &app,
        &reviewer,
        &assisted,
        "request_supplement",
        json!({"materials": [{"name": named, "problem": "看不清"}]}),
    )
    .await;
    assert_eq!(
        [&window, &online, &assisted].map(|c| c["status"].as_str().unwrap()),
        ["not_accepted", "completed", "supplement_requested"]
    );
    let cases = [
        ("window", &window),
        ("online", &online),
        ("assisted", &assisted),
    ];
    // The scan of each case (a step answers without the receipts; a read has them).
    let admin = app.login("admin").await;
    let mut blobs = vec![];
    for (_, c) in cases {
        let no = c["case_no"].as_str().unwrap();
        let c = app.get_auth(&format!("/api/v1/cases/{no}"), &admin).await;
        let blob = c.json()["received"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|r| r["blob"].as_str().map(str::to_owned))
            .unwrap();
        blobs.push(blob);
    }

    // To whoever sees a case, its documents [slip, receipt, notice,
    // rejection]: the 受理承诺单 is 409 before acceptance; the online
    // receipt (网上申请回执) is there once an online case is submitted, and
    // 409 for a case filed at a window; a 一次性告知书 or 不予受理通知书 the
    // case does not have is 404. To whoever does not see it, each is 404.
    let documents: [[u16; 4]; 3] = [
        [409, 409, 404, 200],
        [200, 200, 404, 404],
        [409, 200, 200, 404],
    ];
    // Recording a material (a probe that never records: no version, no
    // file): 404 to whoever does not see the case, 403 to whoever sees it
    // but does not receive its materials (only its window, its applicant
    // or the guide who filed it do), else what the case answers now: 409
    // for a closed case, 422 for the form. The e-licences a material may
    // be replaced by answer alike, 200 where the probe got 409/422.
    let record: [(&str, [u16; 3]); 9] = [
        ("admin", [403, 403, 403]),
        ("clerk-zhenhai", [409, 404, 404]),
        ("guide-zhenhai", [409, 404, 422]),
        ("clerk-city", [404, 404, 404]),
        ("clerk-longqiao", [404, 404, 404]),
        ("reviewer-licheng-civil", [403, 403, 403]),
        ("reviewer-xianyou-police", [404, 404, 404]),
        ("applicant-lin", [404, 409, 404]),
        ("applicant-demo", [404, 404, 404]),
    ];
    // Rating a case (好差评, signed in, no code): staff never rate (403
    // where they see the case); its applicant may, once (409, she has).
    let rate: [(&str, [u16; 3]); 9] = [
        ("admin", [403, 403, 403]),
        ("clerk-zhenhai", [403, 404, 404]),
        ("guide-zhenhai", [403, 404, 403]),
        ("clerk-city", [404, 404, 404]),
        ("clerk-longqiao", [404, 404, 404]),
        ("reviewer-licheng-civil", [403, 403, 403]),
        ("reviewer-xianyou-police", [404, 404, 404]),
        ("applicant-lin", [404, 409, 404]),
        ("applicant-demo", [404, 404, 404]),
    ];
    for (((user, sees), (u1, record)), (u2, rate)) in SEES.into_iter().zip(record).zip(rate) {
        assert_eq!((user, user), (u1, u2), "the tables list the same users");
        let token = app.login(user).await;
        for (i, (what, c)) in cases.iter().enumerate() {
            let no = c["case_no"].as_str().unwrap();
            let seen = |ok: u16| if sees[i] { ok } else { 404 };
            // The tables agree with the rule: 404 exactly where unseen.
            assert_eq!(record[i] == 404, !sees[i], "{user} records on {what}");
            assert_eq!(rate[i] == 404, !sees[i], "{user} rates {what}");
            // Lists: the case list, its CSV export, the notifications.
            assert_eq!(
                lists(&app, &token, no).await,
                sees[i],
                "{user} lists {what}"
            );
            let csv = app.get_auth("/api/v1/cases/export.csv", &token).await;
            assert_eq!(csv.status, StatusCode::OK);
            assert_eq!(csv.text().contains(no), sees[i], "{user} exports {what}");
            let inbox = app.get_auth("/api/v1/notifications", &token).await;
            assert!(
                sees[i] || !inbox.text().contains(no),
                "{user} is told of {what}"
            );
            // Materials: a scan's file, the e-licences, recording one.
            let blob = &blobs[i];
            let r = app
                .get_auth(&format!("/api/v1/cases/{no}/materials/{blob}"), &token)
                .await;
            expect(
                &r,
                seen(200),
                no,
                &format!("{user} opens the scan of {what}"),
            );
            if sees[i] {
                assert_eq!(r.body, scan_of(what), "{user} gets the scan of {what}");
            }
            let r = app
                .get_auth(&format!("/api/v1/cases/{no}/licences"), &token)
                .await;
            let want = match record[i] {
                409 | 422 => 200,
                other => other,
            };
            expect(
                &r,
                want,
                no,
                &format!("{user} reads the e-licences of {what}"),
            );
            let key = c["materials"][0]["key"].as_str().unwrap();
            let fields = [("material", key), ("method", "scan")];
            let r = upload(&app, &token, no, &fields, None).await;
            expect(
                &r,
                record[i],
                no,
                &format!("{user} records a material on {what}"),
            );
            // Documents.
            for (doc, want) in ["slip", "receipt", "notice", "rejection"]
                .into_iter()
                .zip(documents[i])
            {
                let r = app
                    .get_auth(&format!("/api/v1/cases/{no}/{doc}.pdf"), &token)
                    .await;
                expect(
                    &r,
                    seen(want),
                    no,
                    &format!("{user} reads the {doc} of {what}"),
                );
                if r.status == StatusCode::OK {
                    assert!(r.body.starts_with(b"%PDF-"));
                }
            }
            // Rating, and reading the rating: the case page shows it to the
            // applicant who gave it (staff read a 差评 in the rectifications
            // below).
            let r = app
                .post_json(
                    &format!("/api/v1/cases/{no}/evaluation"),
                    json!({"grades": grades(what, 5), "comment": "满意"}),
                    Some(&token),
                )
                .await;
            expect(&r, rate[i], no, &format!("{user} rates {what}"));
            let page = app.get_auth(&format!("/work/cases/{no}"), &token).await;
            expect(
                &page,
                seen(200),
                no,
                &format!("{user} opens the page of {what}"),
            );
            assert_eq!(
                page.text().contains(ONLINE_RATING),
                (user, *what) == ("applicant-lin", "online"),
                "{user} reads the rating of {what}"
            );
            assert!(!page.text().contains(WINDOW_RATING));
        }
    }

    // Rectifications (`rectification_visibility`): the hall's staff see the
    // window case's, the department's the online case's, a platform admin
    // both, applicants none (the list is refused them). Acting on one (a
    // follow-up without a note: 422 for the unit responsible) is 404 to
    // whoever does not see it, 403 to a platform admin, who sees it.
    // (user, list, [lists the window case's, the online case's], [act on each])
    let rectifications: [(&str, u16, [bool; 2], [u16; 2]); 9] = [
        ("admin", 200, [true, true], [403, 403]),
        ("clerk-zhenhai", 200, [true, false], [422, 404]),
        ("guide-zhenhai", 200, [true, false], [422, 404]),
        ("clerk-city", 200, [false, false], [404, 404]),
        ("clerk-longqiao", 200, [false, false], [404, 404]),
        ("reviewer-licheng-civil", 200, [false, true], [404, 422]),
        ("reviewer-xianyou-police", 200, [false, false], [404, 404]),
        ("applicant-lin", 403, [false, false], [404, 404]),
        ("applicant-demo", 403, [false, false], [404, 404]),
    ];
    let rects = [
        (rect_window, 0, WINDOW_RATING),
        (rect_online, 1, ONLINE_RATING),
    ];
    for ((user, sees), (u, list, listed, act)) in SEES.into_iter().zip(rectifications) {
        assert_eq!(user, u, "the tables list the same users");
        let token = app.login(user).await;
        let r = app.get_auth("/api/v1/rectifications", &token).await;
        assert_eq!(r.status.as_u16(), list, "{user} lists rectifications");
        let rows = if list == 200 {
            r.json()["data"].as_array().unwrap().clone()
        } else {
            vec![]
        };
        for (((id, case, rating), listed), act) in rects.iter().zip(listed).zip(act) {
            let no = cases[*case].1["case_no"].as_str().unwrap();
            assert!(
                !listed || sees[*case],
                "a listed rectification's case is seen"
            );
            assert_eq!(act == 404, !listed, "404 exactly where unseen");
            let row = rows.iter().find(|x| x["id"] == *id);
            assert_eq!(
                row.is_some(),
                listed,
                "{user} lists the rectification of {no}"
            );
            if let Some(row) = row {
                assert_eq!(
                    (row["case_no"].as_str(), row["comment"].as_str()),
                    (Some(no), Some(*rating))
                );
            }
            let r = app
                .post_json(
                    &format!("/api/v1/rectifications/{id}/follow-ups"),
                    json!({"note": ""}),
                    Some(&token),
                )
                .await;
            expect(
                &r,
                act,
                no,
                &format!("{user} follows up the rectification of {no}"),
            );
        }
        assert!(
            rows.iter().all(|x| rects.iter().any(|r| x["id"] == r.0)),
            "{user} lists no other rectification"
        );
    }
    // The units responsible act.
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect_window}/follow-ups"),
            json!({"note": "已电话回访申请人"}),
            Some(&guide),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect_online}/close"),
            json!({"note": "已增加进度短信提醒"}),
            Some(&reviewer),
        )
        .await;
    assert_eq!(r.json()["status"], "closed", "{}", r.text());
    app.finish().await;
}

/// 2026-11-28 10:00 +08:00, a Saturday: the first bookable day is Monday 11-30.
const NOV_28: i64 = 1_795_831_200_000;

#[tokio::test]
async fn who_lists_and_cancels_which_bookings_and_reads_the_audit_log() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let halls = app.get("/api/v1/halls?limit=200").await.json();
    let zhenhai = halls["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "镇海“党建+”社区邻里中心")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let slots = app
        .get(&format!("/api/v1/appointments/slots?hall={zhenhai}&days=7"))
        .await
        .json();
    let slots: Vec<&Value> = slots["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "counter")
        .collect();
    let day = slots[0]["day"].as_str().unwrap().to_owned();
    // applicant-lin books two places at 镇海 and cancels one of them.
    let lin_token = app.login("applicant-lin").await;
    let mut booked = vec![];
    for s in &slots[..2] {
        let r = app
            .post_json(
                "/api/v1/appointments",
                json!({"slot": s["slot"], "item": "MZ-008"}),
                Some(&lin_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        booked.push(r.json());
    }
    let (kept, cancelled) = (
        booked[0]["id"].as_i64().unwrap(),
        booked[1]["id"].as_i64().unwrap(),
    );
    let r = app
        .json_req(
            "DELETE",
            &format!("/api/v1/appointments/{cancelled}"),
            json!({}),
            Some(&lin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // `booking_visibility`: an applicant lists her own bookings; staff a
    // hall's of a day, their own hall's by default, and only a hall they
    // work at (a platform admin any: he names it). Cancelling another's
    // booking (probed on the cancelled one: 409 to whoever may) is for its
    // owner and the staff of its hall; to anyone else it does not exist.
    // (user, list of their own hall's (or their own): status and whether
    // it holds lin's booking, the same for 镇海's, cancel)
    type Listed = (u16, bool);
    let bookings: [(&str, Listed, Listed, u16); 9] = [
        ("admin", (422, false), (200, true), 404),
        ("clerk-zhenhai", (200, true), (200, true), 409),
        ("guide-zhenhai", (200, true), (200, true), 409),
        ("clerk-city", (200, false), (403, false), 404),
        ("clerk-longqiao", (200, false), (403, false), 404),
        ("reviewer-licheng-civil", (422, false), (403, false), 404),
        ("reviewer-xianyou-police", (422, false), (403, false), 404),
        ("applicant-lin", (200, true), (200, true), 409),
        ("applicant-demo", (200, false), (200, false), 404),
    ];
    for (user, own, there, cancel) in bookings {
        let token = app.login(user).await;
        for ((status, holds), query) in [
            (own, format!("day={day}")),
            (there, format!("hall={zhenhai}&day={day}")),
        ] {
            let r = app
                .get_auth(&format!("/api/v1/appointments?{query}"), &token)
                .await;
            assert_eq!(
                r.status.as_u16(),
                status,
                "{user} lists {query}: {}",
                r.text()
            );
            let listed = status == 200
                && r.json()["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["id"] == kept);
            assert_eq!(listed, holds, "{user} lists lin's booking ({query})");
        }
        let r = app
            .json_req(
                "DELETE",
                &format!("/api/v1/appointments/{cancelled}"),
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            cancel,
            "{user} cancels lin's booking: {}",
            r.text()
        );
    }
    // The security audit log: the platform admin's alone.
    for (user, _) in SEES {
        let token = app.login(user).await;
        let r = app.get_auth("/api/v1/audit", &token).await;
        let want = if user == "admin" { 200 } else { 403 };
        assert_eq!(
            r.status.as_u16(),
            want,
            "{user} reads the audit log: {}",
            r.text()
        );
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
    assert_eq!(
        app.get_auth(audit, &admin).await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let reviewer = app.login("reviewer-licheng-civil").await;
    app.get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await;
    assert_eq!(
        app.get_auth(audit, &admin).await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "staff reading it is recorded"
    );
    app.finish().await;
}
