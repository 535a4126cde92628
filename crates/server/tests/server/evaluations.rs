//! 好差评 over HTTP: once per case, by the applicant or the slip holder; a
//! 差评 opens a rectification for whoever served, due in working days; the
//! responsible unit follows up and closes it; statistics for admins.

use crate::common::{TestApp, create, person, step, submit_online};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// 2026-11-28 10:00 +08:00, a Saturday.
const NOV_28: i64 = 1_795_831_200_000;

fn window(overall: u8) -> Value {
    json!({"overall": overall, "efficiency": overall, "level": 3, "attitude": overall})
}

async fn rate(
    app: &TestApp,
    token: Option<&str>,
    case_no: &str,
    body: Value,
) -> crate::common::Resp {
    app.post_json(&format!("/api/v1/cases/{case_no}/evaluation"), body, token)
        .await
}

#[tokio::test]
async fn a_window_service_is_rated_once_and_a_bad_rating_is_rectified_by_the_hall() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let code = c["verification_code"].as_str().unwrap().to_owned();
    // Not before the window has served it.
    let r = rate(&app, None, &no, json!({"grades": window(5), "code": code})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "evaluation.not_yet");
    step(&app, &clerk, &c, "submit", json!({})).await;
    // A wrong code: as if the case did not exist. Staff do not rate.
    let r = rate(
        &app,
        None,
        &no,
        json!({"grades": window(5), "code": "WRONG00"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = rate(&app, Some(&clerk), &no, json!({"grades": window(5)})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Also from the progress page's form, where the refusal is shown in place:
    // it is still recorded in the audit log.
    let form =
        format!("case_no={no}&code={code}&g.overall=5&g.efficiency=5&g.level=5&g.attitude=5");
    let r = app
        .send(
            axum::http::Request::post("/progress/evaluation")
                .header(
                    axum::http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(axum::http::header::AUTHORIZATION, format!("Bearer {clerk}"))
                .body(axum::body::Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    let denied = app
        .get_auth(&format!("/api/v1/audit?kind=denied&subject={no}"), &admin)
        .await
        .json();
    assert_eq!(
        denied["data"].as_array().unwrap().len(),
        2,
        "both refusals audited: {denied}"
    );
    // Every window dimension, and a reason for a 差评.
    let r = rate(
        &app,
        None,
        &no,
        json!({"grades": {"overall": 2}, "code": code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = r.json()["fields"].clone();
    for k in [
        "grades.efficiency",
        "grades.level",
        "grades.attitude",
        "comment",
    ] {
        assert!(f[k].is_string(), "{k}: {f}");
    }
    // The slip holder rates it 不满意 with a reason: a rectification for 镇海.
    let r = rate(
        &app,
        None,
        &no,
        json!({"grades": window(2), "comment": "材料清单与窗口要求不一致，跑了两趟", "code": code}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let e = r.json();
    assert_eq!(
        (e["channel"].as_str(), e["overall_label"].as_str()),
        (Some("window"), Some("不满意"))
    );
    let rect = e["rectification"]
        .as_i64()
        .expect("a 差评 opens a rectification");
    // Once per case.
    let again = rate(&app, None, &no, json!({"grades": window(5), "code": code})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "evaluation.done");
    // The hall sees it, due five working days after Saturday 11-28: Friday 12-04.
    let list = app.get_auth("/api/v1/rectifications", &clerk).await.json();
    let r0 = &list["data"][0];
    assert_eq!(
        (r0["id"].as_i64(), r0["due_on"].as_str()),
        (Some(rect), Some("2026-12-04"))
    );
    assert_eq!(r0["hall"]["name"], "镇海“党建+”社区邻里中心");
    // The department did not serve at the window: it neither sees nor acts
    // (to it, the rectification does not exist).
    let reviewer = app.login("reviewer-licheng-civil").await;
    let none = app
        .get_auth("/api/v1/rectifications", &reviewer)
        .await
        .json();
    assert_eq!(none["data"], json!([]), "{none}");
    assert!(none.get("next").is_none(), "one page: no next");
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect}/close"),
            json!({"note": "x"}),
            Some(&reviewer),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The hall follows up and closes it.
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect}/follow-ups"),
            json!({"note": "已电话回访申请人"}),
            Some(&clerk),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["follow_ups"][0]["note"], "已电话回访申请人");
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect}/close"),
            json!({"note": "已统一窗口材料清单并培训"}),
            Some(&clerk),
        )
        .await;
    assert_eq!(r.json()["status"], "closed");
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect}/close"),
            json!({"note": "again"}),
            Some(&clerk),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Statistics for admins.
    let s = app
        .get_auth("/api/v1/evaluations/stats?by=hall", &admin)
        .await
        .json();
    let row = s["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "镇海“党建+”社区邻里中心")
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["ratings"].as_u64(),
            row["bad"].as_u64(),
            row["rectified"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        app.get_auth("/api/v1/evaluations/stats", &clerk)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

#[tokio::test]
async fn an_online_case_is_rated_by_its_applicant_after_completion_and_the_department_rectifies() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let applicant = app.login("applicant-lin").await;
    let c = create(&app, &applicant, "MZ-008", "online", crate::common::lin())
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let online = json!({"overall": 1, "efficiency": 1, "guide_accuracy": 2, "convenience": 2, "usability": 3});
    let c = submit_online(&app, &applicant, &c).await;
    let r = rate(
        &app,
        Some(&applicant),
        &no,
        json!({"grades": online, "comment": "太慢"}),
    )
    .await;
    assert_eq!(
        r.json()["code"],
        "evaluation.not_yet",
        "online: after completion"
    );
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
    let c = step(
        &app,
        &reviewer,
        &c,
        "deliver",
        json!({"method": "electronic"}),
    )
    .await;
    step(&app, &reviewer, &c, "complete", json!({})).await;
    // Another applicant may not rate it: to her the case does not exist.
    let other = app.login("applicant-demo").await;
    assert_eq!(
        rate(
            &app,
            Some(&other),
            &no,
            json!({"grades": online, "comment": "x"})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let r = rate(
        &app,
        Some(&applicant),
        &no,
        json!({"grades": online, "comment": "审核太慢，没有进度提醒"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rect = r.json()["rectification"].as_i64().unwrap();
    let list = app
        .get_auth("/api/v1/rectifications", &reviewer)
        .await
        .json();
    assert_eq!(list["data"][0]["id"], rect);
    assert_eq!(list["data"][0]["department"]["name"], "荔城区民政局");
    let r = app
        .post_json(
            &format!("/api/v1/rectifications/{rect}/close"),
            json!({"note": "已增加进度短信提醒"}),
            Some(&reviewer),
        )
        .await;
    assert_eq!(r.json()["status"], "closed", "{}", r.text());
    app.finish().await;
}

/// Follows `next` from the first page of `/api/v1/rectifications`, `limit`
/// at a time: the ids in order and how many pages.
async fn list_all(app: &TestApp, token: &str, limit: usize) -> (Vec<i64>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut uri = format!("/api/v1/rectifications?limit={limit}");
    loop {
        let r = app.get_auth(&uri, token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let page = r.json();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= limit);
        ids.extend(data.iter().map(|x| x["id"].as_i64().unwrap()));
        pages += 1;
        match page.get("next") {
            Some(next) => {
                assert_eq!(data.len(), limit, "only the last page is short");
                uri = format!(
                    "/api/v1/rectifications?limit={limit}&cursor={}",
                    next.as_str().expect("an opaque string")
                );
            }
            None => return (ids, pages),
        }
    }
}

#[tokio::test]
async fn rectifications_come_a_page_at_a_time_and_statistics_from_the_counters() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let clerk = app.login("clerk-zhenhai").await;
    let mut rects = Vec::new();
    for i in 0..21 {
        let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
            .await
            .json();
        step(&app, &clerk, &c, "submit", json!({})).await;
        let (no, code) = (c["case_no"].as_str().unwrap(), &c["verification_code"]);
        let grade = if i % 2 == 0 { 1 } else { 2 };
        let r = rate(
            &app,
            None,
            no,
            json!({"grades": window(grade), "comment": format!("第{i}次跑腿"), "code": code}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        rects.push(r.json()["rectification"].as_i64().unwrap());
    }
    // One page by default (20), then the rest; every row once, in order
    // (all due the same day: by id), whatever the page size.
    let first = app.get_auth("/api/v1/rectifications", &clerk).await.json();
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    assert!(first["next"].is_string(), "{first}");
    for limit in [1, 4, 20, 200] {
        let (ids, pages) = list_all(&app, &clerk, limit).await;
        assert_eq!(ids, rects, "by {limit}");
        assert_eq!(pages, 21usize.div_ceil(limit), "by {limit}");
    }
    // A bad page size or cursor names the field.
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=zz", "cursor"),
        ("cursor=6f7c", "cursor"),
        ("cursor=6f7c323032362d31322d30347c78", "cursor"),
    ] {
        let r = app
            .get_auth(&format!("/api/v1/rectifications?{q}"), &clerk)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert!(r.json()["fields"][field].is_string(), "{q}: {}", r.text());
    }
    // The page shows one page with a link to the next; the next page links
    // back to the first, and acting there comes back to it.
    let page = app.get_auth("/work/rectifications", &clerk).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert_eq!(text.matches("记录跟进 #").count(), 20);
    let next = text
        .split("/work/rectifications?cursor=")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a 下一页 link")
        .to_owned();
    assert!(text.contains("下一页"));
    let page2 = app
        .get_auth(&format!("/work/rectifications?cursor={next}"), &clerk)
        .await
        .text();
    assert!(page2.contains(&format!("记录跟进 #{}", rects[20])));
    assert_eq!(page2.matches("记录跟进 #").count(), 1);
    assert!(page2.contains("回到第一页") && !page2.contains("下一页"));
    let r = app
        .send(
            axum::http::Request::post(format!("/work/rectifications/{}", rects[20]))
                .header(
                    axum::http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(axum::http::header::AUTHORIZATION, format!("Bearer {clerk}"))
                .body(axum::body::Body::from(format!(
                    "note=%E5%B7%B2%E5%9B%9E%E8%AE%BF&cursor={next}"
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        r.headers[axum::http::header::LOCATION],
        format!("/work/rectifications?cursor={next}").as_str()
    );
    let r = app.get_auth("/work/rectifications?cursor=zz", &clerk).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Close three; the statistics count what was written.
    for id in &rects[..3] {
        let r = app
            .post_json(
                &format!("/api/v1/rectifications/{id}/close"),
                json!({"note": "已整改"}),
                Some(&clerk),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    // Closed ones come after the open ones.
    let (ids, _) = list_all(&app, &clerk, 7).await;
    assert_eq!(ids[18..], [rects[2], rects[1], rects[0]]);
    let admin = app.login("admin").await;
    for by in ["hall", "department", "item"] {
        let s = app
            .get_auth(&format!("/api/v1/evaluations/stats?by={by}"), &admin)
            .await
            .json();
        let rows = s["data"].as_array().unwrap();
        assert_eq!(s["total"], rows.len());
        let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "by {by}: ordered by key");
        let row = rows
            .iter()
            .find(|r| r["ratings"] == 21)
            .unwrap_or_else(|| panic!("by {by}: {s}"));
        assert!(!row["name"].as_str().unwrap().is_empty(), "{row}");
        assert_eq!(row["by_grade"], json!([11, 10, 0, 0, 0]), "{row}");
        assert_eq!(
            (
                &row["bad"],
                &row["rectified"],
                &row["overdue"],
                &row["average"]
            ),
            (&json!(21), &json!(3), &json!(0), &json!(1.48)),
            "{row}"
        );
    }
    app.finish().await;
}
