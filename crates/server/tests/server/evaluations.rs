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
    assert_eq!(denied["total"], 2, "both refusals audited: {denied}");
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
    assert_eq!(
        app.get_auth("/api/v1/rectifications", &reviewer)
            .await
            .json()["total"],
        0
    );
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
