//! Cases through the API: intake anywhere, jurisdiction, each mode's state
//! machine, who may act, the working-day clock, the timeline's hash chain,
//! idempotent retries and racing decisions.

use crate::common::{
    TestApp, act, answers, create, id_number, pdf_text, person, step, submit_online, upload,
};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// 2026-09-30 10:00 +08:00 (the day before the National Day holiday).
const SEP_30: i64 = 1_790_733_600_000;
/// 2026-12-28 10:00 +08:00 (next year's table not yet published).
const DEC_28: i64 = 1_798_423_200_000;

/// Registers a scan of every material on a case's checklist.
pub async fn scan_every_material(app: &TestApp, token: &str, c: &Value) -> Value {
    let no = c["case_no"].as_str().unwrap();
    let mut version = c["version"].as_i64().unwrap();
    let mut last = c.clone();
    for m in c["materials"].as_array().unwrap() {
        let v = version.to_string();
        let fields = [
            ("version", v.as_str()),
            ("material", m["key"].as_str().unwrap()),
            ("method", "scan"),
        ];
        let r = upload(
            app,
            token,
            no,
            &fields,
            Some(("scan.pdf", crate::common::PDF)),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "upload: {}", r.text());
        last = r.json();
        version = last["version"].as_i64().unwrap();
    }
    last
}

#[tokio::test]
async fn the_inbox_orders_by_due_date_in_the_query_over_every_case() {
    // Defect b: ordering and paging by deadline belong in the query, so a
    // case due soonest heads the inbox however long ago it was touched.
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let open = |item: &'static str| {
        let (app, clerk) = (&app, &clerk);
        async move {
            let c = create(app, clerk, item, "accept_remote", person("350304"))
                .await
                .json();
            let c = step(app, clerk, &c, "submit", json!({})).await;
            step(app, clerk, &c, "accept", json!({})).await
        }
    };
    let soon = open("MZ-008").await; // 5 working days
    let later = open("MZ-004").await; // 23 working days, accepted after
    let waiting = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let waiting = step(&app, &clerk, &waiting, "submit", json!({})).await; // no clock yet
    let nos = |r: crate::common::Resp| -> Vec<String> {
        r.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["case_no"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_due = nos(app.get_auth("/api/v1/cases?order=due", &reviewer).await);
    let no = |c: &Value| c["case_no"].as_str().unwrap().to_owned();
    assert_eq!(by_due, [no(&soon), no(&later), no(&waiting)]);
    // Page by page along `next` (keyset paging): the same order, no total.
    let mut paged = Vec::new();
    let mut url = "/api/v1/cases?order=due&limit=1".to_string();
    loop {
        let page = app.get_auth(&url, &reviewer).await.json();
        assert!(page.get("total").is_none(), "{page}");
        paged.extend(page["data"].as_array().unwrap().iter().map(no));
        match page["next"].as_str() {
            Some(next) => url = format!("/api/v1/cases?order=due&limit=1&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged, by_due);
    // A cursor that is not one, or is another order's, is a named bad field.
    let first = app
        .get_auth("/api/v1/cases?limit=1", &reviewer)
        .await
        .json();
    for bad in ["zz", "00", first["next"].as_str().unwrap()] {
        let r = app
            .get_auth(&format!("/api/v1/cases?order=due&cursor={bad}"), &reviewer)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.json()["fields"]["cursor"].is_string());
    }
    assert_eq!(
        nos(app.get_auth("/api/v1/cases?limit=1", &reviewer).await),
        [no(&waiting)],
        "default: last changed"
    );
    // Only the overdue ones: a condition of the query (the stored due date
    // before today), on the workbench too. Nothing is overdue yet.
    let overdue = "/api/v1/cases?overdue=true";
    assert!(nos(app.get_auth(overdue, &reviewer).await).is_empty());
    app.raw_sql(&format!(
        "UPDATE cases SET due_on = '2020-01-02' WHERE case_no = '{}'",
        no(&soon)
    ))
    .await;
    assert_eq!(nos(app.get_auth(overdue, &reviewer).await), [no(&soon)]);
    let page = app.get_auth("/work?overdue=1", &reviewer).await.text();
    // The list, after the messages of cases that arrived.
    let list = page.rsplit("</section>").next().unwrap_or(&page);
    assert!(
        list.contains(&no(&soon)) && !list.contains(&no(&later)),
        "{page}"
    );
    let applicant = app.login("applicant-demo").await;
    let r = app.get_auth("/api/v1/cases?overdue=true", &applicant).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["overdue"].is_string());
    let r = app.get_auth("/api/v1/cases?order=oldest", &reviewer).await;
    assert!(r.json()["fields"]["order"].is_string());
    // A paused clock (a one-time notice) leaves the due-date order.
    step(
        &app,
        &reviewer,
        &soon,
        "request_supplement",
        json!({"materials": [{"key": "hukou", "problem": "缺本人页"}]}),
    )
    .await;
    let by_due = nos(app.get_auth("/api/v1/cases?order=due", &reviewer).await);
    assert_eq!(by_due[0], no(&later));
    // The department's workbench lists the same order.
    let whole = app.get_auth("/work", &reviewer).await.text();
    let page = whole.rsplit("</section>").next().unwrap_or(&whole);
    let at = |c: &Value| page.find(&no(c)).unwrap();
    assert!(
        at(&later) < at(&soon) && at(&later) < at(&waiting),
        "{page}"
    );
    // Its columns say when and where each case was received; it offers
    // only the links a department's reviewer can use.
    let today = soon["created_at"].as_str().unwrap()[..10].to_owned();
    assert!(page.contains(&format!("<td>{today}</td>")), "{page}");
    assert!(page.contains("<td>镇海“党建+”社区邻里中心</td>"), "{page}");
    assert!(
        !whole.contains("本中心预约"),
        "a department has no hall's bookings"
    );
    assert!(whole.contains("差评整改"));
    // Filters: by item, by status, by receiving hall, by received day —
    // in the API and on the workbench, the next page keeping them.
    let api = |q: &str| {
        let q = q.to_owned();
        let app = &app;
        let reviewer = &reviewer;
        async move {
            nos(app
                .get_auth(&format!("/api/v1/cases?order=due&{q}"), reviewer)
                .await)
        }
    };
    assert_eq!(api("item=MZ-004").await, [no(&later)]);
    let mut by_item = api("item=MZ-008").await;
    by_item.sort();
    let mut want = vec![no(&soon), no(&waiting)];
    want.sort();
    assert_eq!(by_item, want);
    assert_eq!(api("status=submitted").await, [no(&waiting)]);
    let zhenhai = soon["hall"]["id"].as_i64().unwrap();
    assert_eq!(api(&format!("hall={zhenhai}")).await.len(), 3);
    assert!(api(&format!("hall={}", zhenhai + 1)).await.is_empty());
    assert_eq!(
        api(&format!("received_from={today}&received_to={today}"))
            .await
            .len(),
        3
    );
    assert!(api("received_to=2020-01-01").await.is_empty());
    let r = app
        .get_auth("/api/v1/cases?received_from=yesterday", &reviewer)
        .await;
    assert!(r.json()["fields"]["received_from"].is_string());
    let whole = app.get_auth("/work?item=MZ-004", &reviewer).await.text();
    let page = whole.rsplit("</section>").next().unwrap_or(&whole);
    assert!(
        page.contains(&no(&later)) && !page.contains(&no(&soon)),
        "{page}"
    );
    assert!(page.contains("清除筛选"));
    // The case search: by number, ID number, mobile or name, within what
    // the caller may see.
    let id = person("350304")["id_number"].as_str().unwrap().to_owned();
    for (q, found) in [
        (no(&later), 1),
        (id.clone(), 3),
        ("13805941234".to_owned(), 3),
        ("林秀英".to_owned(), 3),
        ("张三".to_owned(), 0),
    ] {
        let page = app
            .get_auth(&format!("/work?q={}", crate::common::enc(&q)), &reviewer)
            .await
            .text();
        assert!(page.contains(&format!("：{found} 件")), "{q}: {page}");
    }
    // Another department's reviewer finds none of them.
    let other = app.login("reviewer-xianyou-police").await;
    let page = app.get_auth(&format!("/work?q={id}"), &other).await.text();
    assert!(page.contains("：0 件"), "{page}");
    app.finish().await;
}

#[tokio::test]
async fn collect_remote_without_every_scan_goes_on_only_with_a_recorded_exception() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    let reviewer = app.login("reviewer-xianyou-police").await;
    let c = create(&app, &clerk, "GA-002", "collect_remote", person("350322"))
        .await
        .json();
    // One material on paper is not part of the electronic file.
    let v = c["version"].as_i64().unwrap().to_string();
    let key = c["materials"][0]["key"].as_str().unwrap().to_owned();
    let fields = [
        ("version", v.as_str()),
        ("material", key.as_str()),
        ("method", "paper"),
    ];
    let r = upload(&app, &clerk, c["case_no"].as_str().unwrap(), &fields, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let c = r.json();
    let r = act(&app, &clerk, &c, "submit", json!({"exception": "   "})).await;
    assert_eq!(
        r.json()["code"],
        "materials.not_scanned",
        "a blank reason is no reason"
    );
    let c = step(
        &app,
        &clerk,
        &c,
        "submit",
        json!({"exception": "扫描仪故障，原件已核验"}),
    )
    .await;
    assert_eq!(c["status"], "pre_review");
    let submitted = c["events"].as_array().unwrap().last().unwrap();
    assert_eq!(
        submitted["payload"]["exception"]["reason"],
        "扫描仪故障，原件已核验"
    );
    assert!(
        !submitted["payload"]["exception"]["missing"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The department's pre-review passes on the electronic file too (defect d).
    let r = act(&app, &reviewer, &c, "pre_review_pass", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "materials.not_scanned");
    let c = step(
        &app,
        &reviewer,
        &c,
        "pre_review_pass",
        json!({"exception": "申请人当场补交原件照片，经电话核实"}),
    )
    .await;
    assert_eq!(c["status"], "pre_review_passed");
    // The case page names what is not scanned and says why it went on.
    let page = app
        .get_auth(
            &format!("/work/cases/{}", c["case_no"].as_str().unwrap()),
            &reviewer,
        )
        .await;
    assert!(
        page.text().contains("例外情形：申请人当场补交原件照片"),
        "{}",
        page.text()
    );
    app.finish().await;
}

#[tokio::test]
async fn collect_remote_a_longqiao_case_for_a_xianyou_household_goes_to_xianyou() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    let reviewer = app.login("reviewer-xianyou-police").await;
    let r = create(&app, &clerk, "GA-002", "collect_remote", person("350322")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["department"]["name"], "仙游县公安局");
    assert_eq!(c["hall"]["name"], "龙桥街道便民服务中心");
    assert_eq!(c["cross_region"], true);
    assert_eq!(c["status"], "draft");
    assert!(c["case_no"].as_str().unwrap().starts_with("TB"));
    assert!(c["deadline"].is_null(), "no clock before acceptance");
    // The department works from the electronic file: the window submits
    // only once every material of the checklist is scanned (defect i).
    let r = act(&app, &clerk, &c, "submit", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "materials.not_scanned");
    assert!(
        r.json()["fields"]["materials"]
            .as_str()
            .unwrap()
            .contains("原居民身份证")
    );
    let c = scan_every_material(&app, &clerk, &c).await;
    // The window submits as proxy; the department pre-reviews.
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    assert_eq!(c["status"], "pre_review");
    // The clerk cannot take the department's steps.
    assert_eq!(
        act(&app, &clerk, &c, "pre_review_pass", json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = act(&app, &reviewer, &c, "pre_review_fail", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["reason"].is_string());
    let c = step(&app, &reviewer, &c, "pre_review_pass", json!({})).await;
    assert!(
        c["deadline"].is_null(),
        "in 收受分离 the clock waits for the department's acceptance"
    );
    let c = step(&app, &reviewer, &c, "accept", json!({})).await;
    assert_eq!(c["status"], "accepted");
    assert!(c["deadline"].is_string());
    assert_eq!(c["working_days_left"], c["promised_days"]);
    let c = step(
        &app,
        &reviewer,
        &c,
        "decide",
        json!({"approved": true, "reason": "材料齐全，符合换领条件"}),
    )
    .await;
    assert_eq!(c["status"], "approved");
    let r = act(&app, &reviewer, &c, "deliver", json!({"method": "post"})).await;
    assert!(
        r.json()["fields"]["address"].is_string(),
        "post needs an address"
    );
    let c = step(
        &app,
        &reviewer,
        &c,
        "deliver",
        json!({"method": "post", "address": "仙游县鲤城街道八二一南街1号"}),
    )
    .await;
    let c = step(&app, &reviewer, &c, "complete", json!({})).await;
    assert_eq!(c["status"], "completed");
    let actions: Vec<&str> = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "material",
            "submit",
            "pre_review_pass",
            "accept",
            "decide",
            "deliver",
            "complete"
        ]
    );
    assert_eq!(
        act(&app, &reviewer, &c, "withdraw", json!({})).await.status,
        StatusCode::CONFLICT
    );
    // Others do not see it at all.
    let case_no = c["case_no"].as_str().unwrap();
    for other in ["clerk-city", "reviewer-licheng-civil", "applicant-demo"] {
        let t = app.login(other).await;
        let r = app.get_auth(&format!("/api/v1/cases/{case_no}"), &t).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{other}");
        assert_eq!(
            app.get_auth("/api/v1/cases", &t).await.json()["data"]
                .as_array()
                .unwrap()
                .len(),
            0,
            "{other}"
        );
    }
    assert_eq!(
        app.get_auth("/api/v1/cases/TB0000000000000000", &clerk)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Lists mask personal numbers; the detail shows them to those who act.
    let list = app.get_auth("/api/v1/cases", &clerk).await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let masked = list["data"][0]["applicant"]["id_number"].as_str().unwrap();
    assert!(masked.contains("********"), "{masked}");
    let detail = app
        .get_auth(&format!("/api/v1/cases/{case_no}"), &reviewer)
        .await
        .json();
    assert!(
        !detail["applicant"]["id_number"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    assert_eq!(
        tongban_store::verify_timelines(app.store.as_ref())
            .await
            .unwrap(),
        Ok(1)
    );
    app.finish().await;
}

#[tokio::test]
async fn accept_remote_the_window_accepts_and_the_deadline_crosses_the_national_day() {
    let app = TestApp::demo_at(Some(SEP_30)).await;
    let clerk = app.login("clerk-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let r = create(&app, &clerk, "MZ-008", "accept_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["department"]["name"], "荔城区民政局");
    assert_eq!(c["cross_region"], false);
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    assert_eq!(
        act(&app, &reviewer, &c, "accept", json!({})).await.status,
        StatusCode::FORBIDDEN,
        "the window accepts in 受审分离"
    );
    let c = step(&app, &clerk, &c, "accept", json!({})).await;
    assert_eq!(c["accepted_on"], "2026-09-30");
    // 5 working days: 10-01..07 off; 10-08 (1), 10-09 (2), Saturday 10-10 is a makeup day (3), 10-12 (4), 10-13 (5).
    assert_eq!(c["promised_days"], 5);
    assert_eq!(c["deadline"], "2026-10-13");
    assert_eq!(c["working_days_left"], 5);
    assert_eq!(c["calendar_complete"], true);
    assert_eq!(c["overdue"], false);
    // The one-time notice lists every missing material; the clock pauses.
    let r = act(
        &app,
        &reviewer,
        &c,
        "request_supplement",
        json!({"materials": []}),
    )
    .await;
    assert!(r.json()["fields"]["materials"].is_string());
    let r = act(
        &app,
        &reviewer,
        &c,
        "request_supplement",
        json!({"materials": [{"name": "户口簿", "problem": ""}]}),
    )
    .await;
    assert!(r.json()["fields"]["materials[0].problem"].is_string());
    // The notice is built from the checklist (defect k): an entry is named
    // by its key or its name; a key not on it, or a material beyond it
    // without the reason it is needed, is refused.
    let r = act(
        &app,
        &reviewer,
        &c,
        "request_supplement",
        json!({"materials": [{"key": "passport", "problem": "缺"}, {"name": "银行账户", "problem": "账号不清晰"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let f = &r.json()["fields"];
    assert_eq!(f["materials[0].key"], "该材料不在本办件的材料清单中");
    assert!(
        f["materials[1].extra_reason"]
            .as_str()
            .unwrap()
            .contains("银行账户"),
        "{f}"
    );
    let c = step(
        &app,
        &reviewer,
        &c,
        "request_supplement",
        json!({"materials": [{"key": "hukou", "problem": "缺本人页"},
                             {"name": "银行账户", "problem": "账号不清晰", "extra_reason": "社保卡未开通金融账户，须另附银行账户"}]}),
    )
    .await;
    assert_eq!(c["status"], "supplement_requested");
    assert_eq!(c["paused"], true);
    let notice = &c["events"].as_array().unwrap().last().unwrap()["payload"]["materials"];
    assert_eq!(notice.as_array().unwrap().len(), 2);
    assert_eq!(notice[0]["name"], "居民户口簿", "the checklist's own name");
    assert_eq!(notice[0]["key"], "hukou");
    assert_eq!(
        notice[1]["extra_reason"],
        "社保卡未开通金融账户，须另附银行账户"
    );
    // The printable notice and its PDF say why the extra material is needed.
    let no = c["case_no"].as_str().unwrap();
    let html = app
        .get_auth(&format!("/work/cases/{no}/notice"), &reviewer)
        .await
        .text();
    assert!(
        html.contains("清单外材料，需要的理由：社保卡未开通金融账户"),
        "{html}"
    );
    let pdf = app
        .get_auth(&format!("/api/v1/cases/{no}/notice.pdf"), &reviewer)
        .await;
    let text = pdf_text(&pdf.body);
    assert!(
        text.contains("一次性告知书") && text.contains("清单外材料"),
        "{text}"
    );
    let c = step(&app, &clerk, &c, "supplement_provided", json!({})).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["paused"], false);
    let c = step(
        &app,
        &reviewer,
        &c,
        "suspend",
        json!({"reason": "需实地核查", "expected_days": 3}),
    )
    .await;
    assert_eq!(c["status"], "suspended");
    let c = step(&app, &reviewer, &c, "resume", json!({})).await;
    assert_eq!(c["status"], "accepted");
    let c = step(
        &app,
        &reviewer,
        &c,
        "decide",
        json!({"approved": false, "reason": "年龄未满80周岁"}),
    )
    .await;
    assert_eq!(c["status"], "denied");
    let c = step(
        &app,
        &reviewer,
        &c,
        "deliver",
        json!({"method": "pickup", "address": "镇海“党建+”社区邻里中心"}),
    )
    .await;
    step(&app, &reviewer, &c, "complete", json!({})).await;
    app.finish().await;
}

#[tokio::test]
async fn online_the_applicant_applies_and_only_the_owning_department_decides() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-demo").await;
    let r = create(
        &app,
        &applicant,
        "MZ-008",
        "accept_remote",
        person("350322"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an applicant applies online, not as a window"
    );
    let r = create(&app, &applicant, "MZ-008", "online", crate::common::cai()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["department"]["name"], "仙游县民政局");
    assert!(c["hall"].is_null());
    let c = submit_online(&app, &applicant, &c).await;
    assert_eq!(
        act(&app, &applicant, &c, "accept", json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    let licheng = app.login("reviewer-licheng-civil").await;
    assert_eq!(
        act(&app, &licheng, &c, "accept", json!({})).await.status,
        StatusCode::NOT_FOUND,
        "another county's reviewer"
    );
    let mine = app.get_auth("/api/v1/cases", &applicant).await.json();
    assert_eq!(mine["data"].as_array().unwrap().len(), 1);
    let c = step(
        &app,
        &applicant,
        &c,
        "withdraw",
        json!({"reason": "不再需要"}),
    )
    .await;
    assert_eq!(c["status"], "withdrawn");
    app.finish().await;
}

#[tokio::test]
async fn intake_checks_the_list_the_level_and_every_field() {
    let app = TestApp::demo().await;
    let zhenhai = app.login("clerk-zhenhai").await;
    // GA-002 is listed for city, county and town halls only; 镇海 is a community centre.
    let r = create(&app, &zhenhai, "GA-002", "collect_remote", person("350322")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "tongban.level_not_listed");
    assert!(r.json()["fields"]["hall"].is_string());
    // A mode the list does not allow for the item.
    let r = create(&app, &zhenhai, "MZ-008", "collect_remote", person("350322")).await;
    assert_eq!(r.json()["code"], "tongban.mode_not_listed");
    let r = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "accept_remote", "applicant": {
                "kind": "person", "name": "", "id_number": "350322198001011230", "phone": "123", "household_region": "999999"
            }}),
            Some(&zhenhai),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let f = &r.json()["fields"];
    for k in [
        "applicant.name",
        "applicant.phone",
        "applicant.household_region",
    ] {
        assert!(f[k].is_string(), "{k}: {f}");
    }
    assert!(
        f.as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("answers.")),
        "unanswered guide question: {f}"
    );
    let r = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "NOPE", "mode": "online", "applicant": person("350322")}),
            Some(&zhenhai),
        )
        .await;
    assert!(r.json()["fields"]["item"].is_string() || r.status == StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "teleport", "applicant": person("350322")}),
            Some(&zhenhai),
        )
        .await;
    assert!(r.json()["fields"]["mode"].is_string());
    let r = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "accept_remote", "applicant": {"kind": "alien"}}),
            Some(&zhenhai),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["fields"]["applicant.kind"].is_string(),
        "{}",
        r.text()
    );
    // Reviewers do not receive cases.
    let reviewer = app.login("reviewer-licheng-civil").await;
    assert_eq!(
        create(&app, &reviewer, "MZ-008", "accept_remote", person("350304"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_json("/api/v1/cases", json!({}), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    app.finish().await;
}

#[tokio::test]
async fn a_retry_with_the_same_key_answers_the_same_and_creates_nothing() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let a = answers(&app, "MZ-008").await;
    let body = json!({"item": "MZ-008", "mode": "accept_remote", "applicant": person("350304"), "answers": a});
    let first = app
        .post_idem("/api/v1/cases", body.clone(), &clerk, "intake-0001")
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let second = app
        .post_idem("/api/v1/cases", body.clone(), &clerk, "intake-0001")
        .await;
    assert_eq!(second.status, StatusCode::CREATED);
    assert_eq!(first.json()["case_no"], second.json()["case_no"]);
    assert_eq!(
        app.get_auth("/api/v1/cases", &clerk).await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The same key from two racing requests: still one case.
    let (x, y) = tokio::join!(
        app.post_idem("/api/v1/cases", body.clone(), &clerk, "intake-0002"),
        app.post_idem("/api/v1/cases", body.clone(), &clerk, "intake-0002")
    );
    assert_eq!(
        x.json()["case_no"],
        y.json()["case_no"],
        "{} / {}",
        x.text(),
        y.text()
    );
    assert_eq!(
        app.get_auth("/api/v1/cases", &clerk).await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Actions too.
    let c = first.json();
    let uri = format!(
        "/api/v1/cases/{}/actions/submit",
        c["case_no"].as_str().unwrap()
    );
    let s1 = app
        .post_idem(&uri, json!({"version": 1}), &clerk, "submit-1")
        .await;
    let s2 = app
        .post_idem(&uri, json!({"version": 1}), &clerk, "submit-1")
        .await;
    assert_eq!(s1.status, StatusCode::OK);
    assert_eq!(
        s2.status,
        StatusCode::OK,
        "the retry is not a stale version: {}",
        s2.text()
    );
    assert_eq!(s1.json()["version"], s2.json()["version"]);
    let r = app
        .post_idem("/api/v1/cases", body, &clerk, "bad key with spaces")
        .await;
    assert!(r.json()["fields"]["Idempotency-Key"].is_string());
    app.finish().await;
}

#[tokio::test]
async fn racing_decisions_on_one_version_exactly_one_wins() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let c = step(&app, &clerk, &c, "accept", json!({})).await;
    let (a, b) = tokio::join!(
        act(
            &app,
            &reviewer,
            &c,
            "decide",
            json!({"approved": true, "reason": "符合条件"})
        ),
        act(
            &app,
            &reviewer,
            &c,
            "decide",
            json!({"approved": false, "reason": "不符合条件"})
        )
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text(),
        b.text()
    );
    let loser = if a.status == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    assert_eq!(loser.json()["code"], "case.stale_version");
    let now = app
        .get_auth(
            &format!("/api/v1/cases/{}", c["case_no"].as_str().unwrap()),
            &reviewer,
        )
        .await
        .json();
    assert_eq!(
        now["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "decide")
            .count(),
        1
    );
    // A stale version is refused up front.
    let r = act(
        &app,
        &reviewer,
        &c,
        "deliver",
        json!({"method": "electronic"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    app.finish().await;
}

#[tokio::test]
async fn audit_verify_catches_an_edited_event() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    step(&app, &clerk, &c, "submit", json!({})).await;
    let c2 = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    assert_eq!(
        tongban_store::verify_timelines(app.store.as_ref())
            .await
            .unwrap(),
        Ok(2)
    );
    app.raw_sql(&format!(
        "UPDATE case_events SET payload = '{{\"forged\":true}}' WHERE seq = 1 AND case_id = (SELECT id FROM cases WHERE case_no = '{}')",
        c2["case_no"].as_str().unwrap()
    ))
    .await;
    let broken = tongban_store::verify_timelines(app.store.as_ref())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.case_no, c2["case_no"].as_str().unwrap());
    assert_eq!(broken.seq, 1);
    app.finish().await;
}

#[tokio::test]
async fn a_deadline_into_a_year_without_official_data_says_so() {
    let app = TestApp::demo_at(Some(DEC_28)).await;
    let clerk = app.login("clerk-zhenhai").await;
    // MZ-007: 15 working days from 2026-12-28 reaches into 2027.
    let c = create(&app, &clerk, "MZ-007", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let c = step(&app, &clerk, &c, "accept", json!({})).await;
    assert_eq!(c["calendar_complete"], false, "{c}");
    let cal = app.get("/api/v1/calendar").await.json();
    assert_eq!(cal["missing_years"], json!([2027]));
    assert!(
        cal["years"]
            .as_array()
            .unwrap()
            .iter()
            .any(|y| y["year"] == 2026)
    );
    // The admin adds 2027; the clerk may not.
    let body = json!({"source": "国务院办公厅关于2027年部分节假日安排的通知", "off": ["2027-01-01"], "work": []});
    let r = app
        .json_req("PUT", "/api/v1/calendar/2027", body.clone(), Some(&clerk))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    let r = app
        .json_req(
            "PUT",
            "/api/v1/calendar/2027",
            json!({"source": "x", "off": ["2027-13-01"], "work": []}),
            Some(&admin),
        )
        .await;
    assert!(r.json()["fields"]["off[0]"].is_string());
    let r = app
        .json_req("PUT", "/api/v1/calendar/2027", body, Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["missing_years"], json!([]));
    // The running cases' due dates follow in the background, with progress.
    let cal = app.get("/api/v1/calendar").await.json();
    assert_eq!(
        cal["refresh"],
        json!({"year": 2027, "done": 0, "finished": false})
    );
    let page = app.get_auth("/work", &admin).await.text();
    assert!(page.contains("正在按 2027 年的新放假安排"), "{page}");
    let app_ = app.state.app();
    let job = tongban_app::cases::clock::refresh_step(&app_)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.done, job.finished_at.is_some()),
        (1, true),
        "the one running case"
    );
    assert!(
        tongban_app::cases::clock::refresh_step(&app_)
            .await
            .unwrap()
            .is_none()
    );
    let cal = app.get("/api/v1/calendar").await.json();
    assert_eq!(
        cal["refresh"],
        json!({"year": 2027, "done": 1, "finished": true})
    );
    let c = app
        .get_auth(
            &format!("/api/v1/cases/{}", c["case_no"].as_str().unwrap()),
            &clerk,
        )
        .await
        .json();
    assert_eq!(c["calendar_complete"], true);
    app.finish().await;
}

#[tokio::test]
async fn the_public_progress_page_shows_status_but_nothing_personal() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let c = step(&app, &clerk, &c, "accept", json!({})).await;
    let code = c["verification_code"].as_str().unwrap();
    let case_no = c["case_no"].as_str().unwrap();
    let r = app
        .get(&format!("/progress?case_no={case_no}&code={code}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(
        html.contains("已受理，审查中")
            && html.contains("高龄老年人津贴申领")
            && html.contains("荔城区民政局")
    );
    // A person's words and the step bar at 审查, not the staff's words.
    assert!(
        html.contains("窗口工作人员收下了您的申请")
            && html.contains("受理了申请，开始计算办理时限")
            && !html.contains("创建办件")
            && !html.contains("登记材料"),
        "{html}"
    );
    let current = html.split(r#"aria-current="step""#).collect::<Vec<_>>();
    assert_eq!(current.len(), 2, "one current step");
    assert!(current[1].split("</li>").next().unwrap().contains("审查"));
    assert!(
        !html.contains("林秀英")
            && !html.contains("350304198001011")
            && !html.contains("13805941234"),
        "no personal data"
    );
    let wrong = app
        .get(&format!("/progress?case_no={case_no}&code=WRONG00"))
        .await;
    let missing = app.get(&format!("/progress?case_no=TB0&code={code}")).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        wrong.text().contains("办件编号或查询验证码不正确")
            && missing.text().contains("办件编号或查询验证码不正确")
    );
    // Lists never carry the verification code.
    let list = app.get_auth("/api/v1/cases", &clerk).await.json();
    assert!(list["data"][0]["verification_code"].is_null());
    app.finish().await;
}

#[tokio::test]
async fn materials_are_received_on_paper_as_sniffed_scans_or_as_e_licences() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let case_no = c["case_no"].as_str().unwrap().to_owned();
    let keys: Vec<String> = c["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap().to_owned())
        .collect();
    let v = |n: i64| n.to_string();
    // A real PDF scan.
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", &v(1)),
            ("material", &keys[0]),
            ("method", "scan"),
        ],
        Some(("户口簿.pdf", pdf)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let after = r.json();
    assert_eq!(after["version"], 2);
    let blob = after["received"][0]["blob"].as_str().unwrap().to_owned();
    assert_eq!(after["received"][0]["mime"], "application/pdf");
    // An executable named .pdf is refused, whatever its name says.
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[("version", "2"), ("material", &keys[0]), ("method", "scan")],
        Some(("x.pdf", b"MZ\x90\x00\x03")),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["file"].is_string());
    // Paper and e-licence.
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", "2"),
            ("material", &keys[1]),
            ("method", "paper"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", "3"),
            ("material", &keys[2]),
            ("method", "license"),
        ],
        None,
    )
    .await;
    assert!(r.json()["fields"]["license_ref"].is_string());
    // A reference the e-licence library does not hold is refused.
    // Not an identifier at all: the format is named.
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", "3"),
            ("material", &keys[2]),
            ("method", "license"),
            ("license_ref", "HKB-350304-0001"),
        ],
        None,
    )
    .await;
    assert_eq!(r.json()["code"], "licence.format", "{}", r.text());
    // Well formed, but not one the library holds for this applicant.
    let made_up = tongban_domain::validate::licence_identifier(
        "11100000000013338W011",
        "91350300MA2XY0001H",
        "0000",
        1,
    );
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", "3"),
            ("material", &keys[2]),
            ("method", "license"),
            ("license_ref", made_up.as_str()),
        ],
        None,
    )
    .await;
    assert_eq!(r.json()["code"], "licence.not_found", "{}", r.text());
    // One it holds for the applicant, picked from the library.
    let libs = app
        .get_auth(&format!("/api/v1/cases/{case_no}/licences"), &clerk)
        .await
        .json();
    let entry = libs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["material"] == keys[2].as_str())
        .unwrap_or_else(|| panic!("{libs}"));
    let lic = entry["licences"][0]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!lic.contains("350304198001011"), "no personal number in it");
    let lic = lic.as_str();
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", "3"),
            ("material", &keys[2]),
            ("method", "license"),
            ("license_ref", lic),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Not on the checklist; stale version; someone else's case.
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[("version", "4"), ("material", "nope"), ("method", "paper")],
        None,
    )
    .await;
    assert!(r.json()["fields"]["material"].is_string());
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[
            ("version", "1"),
            ("material", &keys[0]),
            ("method", "paper"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let other = app.login("clerk-city").await;
    let r = upload(
        &app,
        &other,
        &case_no,
        &[
            ("version", "4"),
            ("material", &keys[0]),
            ("method", "paper"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let reviewer = app.login("reviewer-licheng-civil").await;
    let r = upload(
        &app,
        &reviewer,
        &case_no,
        &[
            ("version", "4"),
            ("material", &keys[0]),
            ("method", "paper"),
        ],
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the window receives materials"
    );
    // The department downloads the scan; a stranger cannot.
    let r = app
        .get_auth(
            &format!("/api/v1/cases/{case_no}/materials/{blob}"),
            &reviewer,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, pdf);
    assert_eq!(
        app.get_auth(&format!("/api/v1/cases/{case_no}/materials/{blob}"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let detail = app
        .get_auth(&format!("/api/v1/cases/{case_no}"), &reviewer)
        .await
        .json();
    assert_eq!(detail["received"].as_array().unwrap().len(), 3);
    assert_eq!(
        detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "material")
            .count(),
        3
    );
    assert_eq!(
        tongban_store::verify_timelines(app.store.as_ref())
            .await
            .unwrap(),
        Ok(1)
    );
    app.finish().await;
}

#[tokio::test]
async fn the_slip_the_one_time_notice_and_the_rejection_are_pdfs_with_chinese_text() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let r = app
        .get_auth(&format!("/api/v1/cases/{no}/slip.pdf"), &clerk)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no slip before acceptance");
    // One material taken on paper; the other two are still to come.
    let v = c["version"].as_i64().unwrap().to_string();
    let fields = [
        ("version", v.as_str()),
        ("material", "id_card"),
        ("method", "paper"),
    ];
    let c = upload(&app, &clerk, &no, &fields, None).await.json();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let c = step(&app, &clerk, &c, "accept", json!({})).await;
    let r = app
        .get_auth(&format!("/api/v1/cases/{no}/slip.pdf"), &clerk)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // The slip lists exactly what was received, and how, and what is to come (defect c).
    let text = pdf_text(&r.body);
    for needle in [
        "已收取的申请材料（共1项）",
        "纸质原件1份",
        "尚待提交的材料（共2项）",
        "居民户口簿",
    ] {
        assert!(text.contains(needle), "slip lacks {needle}:\n{text}");
    }
    assert_eq!(
        r.headers.get(axum::http::header::CONTENT_TYPE).unwrap(),
        "application/pdf"
    );
    let text = pdf_text(&r.body);
    let check = !text.is_empty();
    for needle in [
        "受理承诺单",
        "高龄老年人津贴申领",
        no.as_str(),
        "荔城区民政局",
        c["verification_code"].as_str().unwrap(),
    ] {
        assert!(
            !check || text.contains(needle),
            "slip lacks {needle}:\n{text}"
        );
    }
    assert!(
        !text.contains("350304198001011"),
        "the slip masks the ID number"
    );
    // The same slip as a printable page, with the QR code drawn inline.
    let html = app
        .get_auth(&format!("/work/cases/{no}/slip"), &clerk)
        .await
        .text();
    for needle in [
        "受理承诺单",
        "高龄老年人津贴申领",
        "荔城区民政局",
        c["verification_code"].as_str().unwrap(),
        "<svg",
        "办理进度查询二维码",
        &format!("progress?case_no={no}&amp;code="),
        "已收取的申请材料（共1项）",
        "纸质原件1份",
        "尚待提交的材料（共2项）",
    ] {
        assert!(html.contains(needle), "printable slip lacks {needle}");
    }
    assert!(!html.contains("350304198001011"), "the page masks the ID");
    let reviewer = app.login("reviewer-licheng-civil").await;
    step(
        &app,
        &reviewer,
        &c,
        "request_supplement",
        json!({"materials": [{"name": "居民户口簿", "problem": "缺本人页"}]}),
    )
    .await;
    let r = app
        .get_auth(&format!("/api/v1/cases/{no}/notice.pdf"), &clerk)
        .await;
    let text = pdf_text(&r.body);
    assert!(
        text.contains("居民户口簿") && text.contains("缺本人页"),
        "{text}"
    );
    let html = app
        .get_auth(&format!("/work/cases/{no}/notice"), &clerk)
        .await
        .text();
    assert!(
        html.contains("一次性告知书") && html.contains("缺本人页") && html.contains("<svg"),
        "{html}"
    );
    assert_eq!(
        app.get_auth(&format!("/work/cases/{no}/rejection"), &clerk)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_auth(&format!("/api/v1/cases/{no}/rejection.pdf"), &clerk)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // A case not accepted at the window.
    let c2 = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c2 = step(&app, &clerk, &c2, "submit", json!({})).await;
    step(
        &app,
        &clerk,
        &c2,
        "not_accept",
        json!({"reason": "申请人户籍不在本市"}),
    )
    .await;
    let no2 = c2["case_no"].as_str().unwrap();
    let text = pdf_text(
        &app.get_auth(&format!("/api/v1/cases/{no2}/rejection.pdf"), &clerk)
            .await
            .body,
    );
    assert!(
        text.contains("不予受理") && text.contains("申请人户籍不在本市"),
        "{text}"
    );
    let html = app
        .get_auth(&format!("/work/cases/{no2}/rejection"), &clerk)
        .await
        .text();
    assert!(
        html.contains("不予受理通知书")
            && html.contains("申请人户籍不在本市")
            && html.contains("行政复议")
            && html.contains("<svg"),
        "{html}"
    );
    // Others cannot fetch them.
    let other = app.login("clerk-city").await;
    assert_eq!(
        app.get_auth(&format!("/api/v1/cases/{no}/slip.pdf"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for page in ["slip", "notice"] {
        assert_eq!(
            app.get_auth(&format!("/work/cases/{no}/{page}"), &other)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn an_agent_brings_the_power_of_attorney_onto_the_checklist() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let a = answers(&app, "MZ-008").await;
    let agent = json!({"name": "陈志明", "id_number": id_number("35030419850505123"), "phone": "13905940000"});
    let body = json!({"item": "MZ-008", "mode": "accept_remote", "applicant": person("350304"), "answers": a, "agent": agent});
    let r = app
        .post_json("/api/v1/cases", body.clone(), Some(&clerk))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    let names: Vec<&str> = c["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"授权委托书") && names.contains(&"受托人居民身份证"),
        "{names:?}"
    );
    assert_eq!(c["agent"]["name"], "陈志明");
    let list = app.get_auth("/api/v1/cases", &clerk).await.json();
    assert!(
        list["data"][0]["agent"]["id_number"]
            .as_str()
            .unwrap()
            .contains('*'),
        "lists mask the agent's number"
    );
    let mut bad = body;
    bad["agent"]["id_number"] = json!("350304198505051230");
    bad["agent"]["phone"] = json!("1");
    let r = app.post_json("/api/v1/cases", bad, Some(&clerk)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["fields"]["agent.phone"].is_string(),
        "{}",
        r.text()
    );
    app.finish().await;
}

#[tokio::test]
async fn scanned_photos_lose_their_metadata_before_they_are_stored() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let case_no = c["case_no"].as_str().unwrap().to_owned();
    let key = c["materials"][0]["key"].as_str().unwrap().to_owned();
    // A phone photo: JFIF, an EXIF block with the place it was taken, the picture.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x07];
    jpeg.extend_from_slice(b"JFIF\0");
    let exif = b"Exif\0\0GPS 25.43N 119.01E iPhone";
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    jpeg.extend_from_slice(exif);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 9, 0xFF, 0xD9]);
    let r = upload(
        &app,
        &clerk,
        &case_no,
        &[("version", "1"), ("material", &key), ("method", "scan")],
        Some(("photo.jpg", &jpeg)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let got = &r.json()["received"][0];
    assert_eq!(got["mime"], "image/jpeg");
    let blob = got["blob"].as_str().unwrap().to_owned();
    let stored = app
        .get_auth(&format!("/api/v1/cases/{case_no}/materials/{blob}"), &clerk)
        .await;
    assert_eq!(stored.status, StatusCode::OK);
    assert!(!String::from_utf8_lossy(&stored.body).contains("GPS"));
    assert!(
        stored
            .body
            .ends_with(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 9, 0xFF, 0xD9])
    );
    assert_eq!(got["size"].as_u64(), Some(stored.body.len() as u64));
    app.finish().await;
}

#[tokio::test]
async fn a_guide_applies_online_for_an_applicant_with_recorded_consent() {
    let app = TestApp::demo().await;
    let guide = app.login("guide-zhenhai").await;
    let clerk = app.login("clerk-zhenhai").await;
    let a = answers(&app, "MZ-008").await;
    let body = |consent: serde_json::Value| json!({"item": "MZ-008", "mode": "online", "applicant": person("350304"), "answers": a, "consent": consent});
    // Consent is required, in a known form; clerks take cases in at the window instead.
    let r = app.post_json("/api/v1/cases", json!({"item": "MZ-008", "mode": "online", "applicant": person("350304"), "answers": a}), Some(&guide)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "consent.required");
    let r = app
        .post_json(
            "/api/v1/cases",
            body(json!({"method": "nod"})),
            Some(&guide),
        )
        .await;
    assert!(r.json()["fields"]["consent.method"].is_string());
    let r = app
        .post_json(
            "/api/v1/cases",
            body(json!({"method": "signature"})),
            Some(&clerk),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            "/api/v1/cases",
            body(json!({"method": "signature", "note": "同意书已扫描存档"})),
            Some(&guide),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let c = r.json();
    assert_eq!(c["mode"], "online");
    assert!(c["hall"].is_null());
    // The helper takes the applicant's steps; the clerk next to them does not.
    assert_eq!(
        act(&app, &clerk, &c, "submit", json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    let c = submit_online(&app, &guide, &c).await;
    assert_eq!(c["status"], "submitted");
    // Both names on the timeline.
    let full = app
        .get_auth(
            &format!("/api/v1/cases/{}", c["case_no"].as_str().unwrap()),
            &guide,
        )
        .await
        .json();
    let first = &full["events"][0]["payload"]["assisted"];
    assert_eq!(first["by"], "陈丽娟");
    assert_eq!(first["applicant"], "林秀英");
    assert_eq!(first["consent"], "signature");
    assert_eq!(first["note"], "同意书已扫描存档");
    app.finish().await;
}

#[tokio::test]
async fn a_retried_upload_is_recorded_once_and_answered_as_the_first() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let case_no = c["case_no"].as_str().unwrap().to_owned();
    let key = c["materials"][0]["key"].as_str().unwrap().to_owned();
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let fields = [
        ("version", "1"),
        ("material", key.as_str()),
        ("method", "scan"),
    ];
    let first = upload(&app, &clerk, &case_no, &fields, Some(("a.pdf", pdf))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    // The browser did not see the answer and sends the same form again.
    let again = upload(&app, &clerk, &case_no, &fields, Some(("a.pdf", pdf))).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["version"], first.json()["version"]);
    assert_eq!(again.json()["received"].as_array().unwrap().len(), 1);
    // A different file on the stale version is still a conflict.
    let other = b"%PDF-1.4\n% another\n%%EOF\n";
    let r = upload(&app, &clerk, &case_no, &fields, Some(("b.pdf", other))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    app.finish().await;
}

#[tokio::test]
async fn the_inbox_completes_several_cases_at_once_each_on_its_own() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    // Three cases delivered electronically, waiting to be completed.
    let mut delivered = Vec::new();
    for _ in 0..3 {
        let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
            .await
            .json();
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
        let c = step(
            &app,
            &reviewer,
            &c,
            "deliver",
            json!({"method": "electronic"}),
        )
        .await;
        delivered.push(c);
    }
    let no = |c: &Value| c["case_no"].as_str().unwrap().to_owned();
    let v = |c: &Value| c["version"].as_i64().unwrap();
    // The inbox offers the safe steps, with a box per case.
    let page = app.get_auth("/work", &reviewer).await.text();
    assert!(
        page.contains("批量办结") && page.contains("批量受理"),
        "{page}"
    );
    assert!(page.contains(&format!(
        "value=\"{}:{}\"",
        no(&delivered[0]),
        v(&delivered[0])
    )));
    // Two current, one stale: two completed, the third said why, each on its own.
    let form = format!(
        "step=complete&case={}%3A{}&case={}%3A{}&case={}%3A{}",
        no(&delivered[0]),
        v(&delivered[0]),
        no(&delivered[1]),
        v(&delivered[1]),
        no(&delivered[2]),
        v(&delivered[2]) - 1
    );
    let r = app.post_form_auth("/work/bulk", &form, &reviewer).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    assert!(text.contains("完成 2 件，未完成 1 件"), "{text}");
    assert!(text.contains("办件已被他人更新"), "{text}");
    let status = |c: &Value| {
        let no = no(c);
        let app = &app;
        let reviewer = &reviewer;
        async move {
            app.get_auth(&format!("/api/v1/cases/{no}"), reviewer)
                .await
                .json()["status"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(status(&delivered[0]).await, "completed");
    assert_eq!(status(&delivered[1]).await, "completed");
    assert_eq!(status(&delivered[2]).await, "delivering");
    // Only the safe steps: a decision needs its reason, case by case.
    let r = app
        .post_form_auth(
            "/work/bulk",
            &format!(
                "step=decide&case={}%3A{}",
                no(&delivered[2]),
                v(&delivered[2])
            ),
            &reviewer,
        )
        .await;
    assert!(r.text().contains("只能批量受理或批量办结"));
    // Another department's reviewer completes nothing of these.
    let other = app.login("reviewer-xianyou-police").await;
    let r = app
        .post_form_auth(
            "/work/bulk",
            &format!(
                "step=complete&case={}%3A{}",
                no(&delivered[2]),
                v(&delivered[2])
            ),
            &other,
        )
        .await;
    assert!(r.text().contains("未完成 1 件"), "{}", r.text());
    assert_eq!(status(&delivered[2]).await, "delivering");
    app.finish().await;
}

/// A staff page in the language its cookie chose (`tb_lang`), signed in by
/// bearer token.
async fn page_in(app: &TestApp, uri: &str, token: &str, lang: Option<&str>) -> String {
    let mut req = axum::http::Request::get(uri)
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(l) = lang {
        req = req.header(axum::http::header::COOKIE, format!("tb_lang={l}"));
    }
    let r = app.send(req.body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    r.text()
}

#[tokio::test]
async fn the_workbench_and_a_case_page_speak_english_when_asked() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let reviewer = app.login("reviewer-licheng-civil").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let no = c["case_no"].as_str().unwrap();
    let case_uri = format!("/work/cases/{no}");

    // zh-CN stays the default, worded as before.
    let zh = page_in(&app, "/work", &reviewer, None).await;
    assert!(
        zh.contains("<button type=\"submit\">查找办件</button>"),
        "{zh}"
    );
    assert!(zh.contains("<th scope=\"col\">剩余工作日</th>"), "{zh}");
    let zh_case = page_in(&app, &case_uri, &reviewer, None).await;
    assert!(zh_case.contains("<h2>办理过程</h2>"), "{zh_case}");
    assert!(zh_case.contains(&format!("› 办件 {no}</nav>")), "{zh_case}");

    // In English: the reviewer's inbox and the case's headings and buttons.
    let en = page_in(&app, "/work", &reviewer, Some("en")).await;
    for s in [
        "<button type=\"submit\">Find cases</button>",
        "<th scope=\"col\">Working days left</th>",
        "<th scope=\"col\">Case number</th>",
        "<button type=\"submit\">Filter</button>",
    ] {
        assert!(en.contains(s), "{s} in {en}");
    }
    for s in ["查找办件", "剩余工作日", "收件服务中心", "筛选待办"] {
        assert!(!en.contains(s), "{s} left in {en}");
    }
    let en_case = page_in(&app, &case_uri, &reviewer, Some("en")).await;
    for s in [
        "<h2>History</h2>".to_owned(),
        "<h2>Processing</h2>".to_owned(),
        "<dt>Approving department</dt>".to_owned(),
        format!("› Case {no}</nav>"),
        format!("<title>Case {no}"),
    ] {
        assert!(en_case.contains(&s), "{s} in {en_case}");
    }
    for s in ["办理过程", "承诺时限", "受理地点", "申请材料"] {
        assert!(!en_case.contains(s), "{s} left in {en_case}");
    }
    // The clerk's wizard, too.
    let en_new = page_in(&app, "/work/new", &clerk, Some("en")).await;
    assert!(en_new.contains("Step 1: find the item"), "{en_new}");
    assert!(!en_new.contains("第一步"), "{en_new}");
}

#[tokio::test]
async fn the_staff_page_says_what_it_did_in_english() {
    let app = TestApp::demo().await;
    let dept_admin = app.login("admin-licheng-police").await;
    let me = app.get_auth("/api/v1/me", &dept_admin).await.json();
    let dept = me["department"].as_i64().expect("a department");
    let post = |form: String, lang: &'static str| {
        let req = axum::http::Request::post("/work/staff")
            .header(
                axum::http::header::AUTHORIZATION,
                format!("Bearer {dept_admin}"),
            )
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(axum::http::header::COOKIE, format!("tb_lang={lang}"))
            .body(axum::body::Body::from(form))
            .unwrap();
        app.send(req)
    };
    let form = |u: &str| {
        format!(
            "op=create&username={u}&display_name=%E9%99%88%E5%AE%A1&role=reviewer&department={dept}&phone="
        )
    };
    let en = post(form("reviewer-lc-en"), "en").await;
    assert_eq!(en.status, StatusCode::OK, "{}", en.text());
    let en = en.text();
    assert!(
        en.contains("Account reviewer-lc-en created, initial password "),
        "{en}"
    );
    assert!(en.contains("<h2>Create account</h2>"), "{en}");
    assert!(!en.contains("已新建账号"), "{en}");
    // zh-CN says it as before.
    let zh = post(form("reviewer-lc-zh"), "zh-CN").await.text();
    assert!(zh.contains("已新建账号 reviewer-lc-zh，初始密码 "), "{zh}");
    assert!(zh.contains("<h2>新建账号</h2>"), "{zh}");
}
