//! 通办清单批次: draft → difference → submit → publish by another platform
//! admin (the drafter may not), the list in force on the day a case is
//! received, XLSX export and import (a bad row named), and the pages.

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

/// 2026-12-07 10:00 in Shanghai (a Monday), and the next day.
const MON: i64 = 1_796_608_800_000;
const TUE: i64 = 1_796_695_200_000;

async fn post(app: &TestApp, uri: &str, body: Value, token: &str) -> Resp {
    app.post_json(
        &format!("/api/v1/tongban-list/batches{uri}"),
        body,
        Some(token),
    )
    .await
}

/// The same database and caches with the clock on another day.
async fn send_at(app: &TestApp, ms: i64, req: Request<Body>) -> Resp {
    let mut state = app.state.clone();
    state.now = tongban_server::Now::fixed(ms);
    let res = tongban_server::router(state).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

fn changes(d: &Value) -> Vec<(String, String)> {
    d["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["item"].as_str().unwrap().to_owned(),
                l["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_batch_is_drafted_reviewed_by_another_admin_and_applies_from_its_day() {
    let app = TestApp::demo_at(Some(MON)).await;
    let admin = app.login("admin").await;
    let admin2 = app.login("admin2").await;
    let clerk = app.login("clerk-zhenhai").await;

    // Only platform admins see batches.
    let r = app.get_auth("/api/v1/tongban-list/batches", &clerk).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let seeded = app.get_auth("/api/v1/tongban-list/batches", &admin).await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    let seeded = seeded.json()["batches"].as_array().unwrap().len();
    assert!(seeded >= 2, "the demo's list is published batches");

    let r = post(&app, "", json!({"name": " "}), &admin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(&app, "", json!({"name": "第四批"}), &admin).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let no = r.json()["no"].as_i64().unwrap();
    assert_eq!(r.json()["state"], "draft");
    let at = |p: &str| format!("/{no}{p}");

    // Bulk: one bad item names itself and writes nothing.
    let r = post(
        &app,
        &at("/entries"),
        json!({"items": ["MZ-008", "NOPE-1"], "remove": true}),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("NOPE-1"), "{}", r.text());
    let d = app
        .get_auth(&format!("/api/v1/tongban-list/batches{}", at("")), &admin)
        .await;
    assert!(d.json()["entries"].as_array().unwrap().is_empty());
    // A mode the item may not have is refused, naming the field.
    let r = post(
        &app,
        &at("/entries"),
        json!({"items": ["MZ-008"], "modes": ["collect_remote"], "levels": ["city"]}),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("modes"), "{}", r.text());

    let r = post(
        &app,
        &at("/entries"),
        json!({"items": ["MZ-008"], "remove": true}),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(changes(&d), [("MZ-008".to_owned(), "removed".to_owned())]);
    assert_eq!(d["removed"], 1);
    assert!(d["diff"][0]["words"].as_str().unwrap().starts_with("移出"));

    // Submitted; the drafter may not approve it (four eyes).
    let r = post(&app, &at("/submit"), json!({}), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], Value::Null);
    assert_eq!(r.json()["batch"]["state"], "submitted");
    assert!(r.json()["review_refusal"].is_string());
    let r = post(
        &app,
        &at("/publish"),
        json!({"effective": "2026-12-08"}),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("batch.four_eyes"), "{}", r.text());
    let r = post(
        &app,
        &at("/return"),
        json!({"reason": "请补充依据"}),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    // Sent back by the other admin, submitted again.
    let r = post(
        &app,
        &at("/return"),
        json!({"reason": "请补充依据"}),
        &admin2,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["batch"]["state"], "returned");
    assert_eq!(r.json()["batch"]["returned_reason"], "请补充依据");
    let r = post(&app, &at("/submit"), json!({}), &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // Not in the past.
    let r = post(
        &app,
        &at("/publish"),
        json!({"effective": "2026-12-06"}),
        &admin2,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("effective"), "{}", r.text());
    let r = post(
        &app,
        &at("/publish"),
        json!({"effective": "2026-12-08"}),
        &admin2,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["batch"]["state"], "published");
    assert_eq!(r.json()["batch"]["effective"], "2026-12-08");
    // Each move of the review is in the audit log, in words.
    let log = app
        .get_auth("/api/v1/audit?kind=list_batch", &admin)
        .await
        .json();
    let said: Vec<&str> = (log["data"].as_array().unwrap().iter())
        .filter_map(|e| e["sentence"].as_str())
        .collect();
    assert!(
        said.iter()
            .any(|s| s.contains("审核发布清单批次") && s.contains("2026-12-08起生效")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|s| s.contains("退回清单批次") && s.contains("请补充依据")),
        "{said:?}"
    );
    assert!(
        said.iter().filter(|s| s.contains("提交清单批次")).count() >= 2,
        "{said:?}"
    );
    // Published is final.
    let r = post(
        &app,
        &at("/entries"),
        json!({"items": ["MZ-008"], "remove": true}),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // Monday: the old list — MZ-008 is still received at the window.
    let r = create(&app, &clerk, "MZ-008", "accept_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let list = app.get("/api/v1/tongban-list").await.json();
    let row = (list["data"].as_array().unwrap().iter())
        .find(|e| e["item"] == "MZ-008")
        .expect("listed today");
    assert!(row["batch_name"].as_str().unwrap().contains("批"));
    assert!(!row["effective"].as_str().unwrap().is_empty());
    let tomorrow = app.get("/api/v1/tongban-list?day=2026-12-08").await.json();
    assert!(
        !(tomorrow["data"].as_array().unwrap().iter()).any(|e| e["item"] == "MZ-008"),
        "gone from the list in force tomorrow"
    );

    // Tuesday, same process and caches: the new list refuses it.
    let a = answers(&app, "MZ-008").await;
    let req = Request::post("/api/v1/cases")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {clerk}"))
        .body(Body::from(
            json!({"item": "MZ-008", "mode": "accept_remote", "applicant": person("350304"), "answers": a})
                .to_string(),
        ))
        .unwrap();
    let r = send_at(&app, TUE, req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("tongban.mode_not_listed"), "{}", r.text());

    // The public list shows the batch and its date; the batch has its page.
    let page = app.get("/list").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("生效日期") && html.contains("即将生效"),
        "{html}"
    );
    let page = app.get(&format!("/list/batches/{no}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("移出"));
    assert!(html.contains("/items/MZ-008"));
    let r = send_at(
        &app,
        TUE,
        Request::get("/list").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(
        !r.text().contains("/items/MZ-008"),
        "removed from the list in force on Tuesday"
    );
    app.finish().await;
}

/// The rows of the first sheet of a workbook.
fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn put_xlsx(app: &TestApp, no: i64, bytes: Vec<u8>, token: &str) -> Resp {
    let req = Request::put(format!("/api/v1/tongban-list/batches/{no}/xlsx"))
        .header(
            header::CONTENT_TYPE,
            tongban_server::api::list_batches::XLSX,
        )
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(bytes))
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn a_batch_goes_out_and_back_as_xlsx_and_a_bad_row_is_named() {
    let app = TestApp::demo_at(Some(MON)).await;
    let admin = app.login("admin").await;
    let r = app
        .get_auth("/api/v1/tongban-list/batches/1/xlsx", &admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sheet = rows(&r.body);
    assert_eq!(sheet[0][0], "事项编码");
    let first = sheet.len() - 1;
    assert!(first > 3);

    let r = post(&app, "", json!({"name": "导入批"}), &admin).await;
    let no = r.json()["no"].as_i64().unwrap();
    let r = put_xlsx(&app, no, r_body(&app, &admin).await, &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["entries"].as_array().unwrap().len(), first);
    assert!(
        changes(&d)
            .iter()
            .all(|(_, c)| c == "unchanged" || c == "changed"),
        "the first batch's items are all listed already"
    );
    // Exported again, the same rows.
    let again = app
        .get_auth(&format!("/api/v1/tongban-list/batches/{no}/xlsx"), &admin)
        .await;
    assert_eq!(rows(&again.body)[1..], sheet[1..]);

    // A bad mode on row 3 and an unknown hall on row 4: both named, nothing written.
    let r = post(&app, "", json!({"name": "坏表"}), &admin).await;
    let bad_no = r.json()["no"].as_i64().unwrap();
    let head: &[&str] = &[
        "事项编码",
        "事项名称",
        "操作",
        "通办模式",
        "通办层级",
        "指定服务中心",
    ];
    let bytes = workbook(&[
        head,
        &["MZ-008", "", "列入", "全程网办", "市级", ""],
        &["MZ-008X", "", "列入", "飞鸽传书", "市级", ""],
        &["GA-010", "", "列入", "全程网办", "市级", "火星服务中心"],
    ]);
    let r = put_xlsx(&app, bad_no, bytes, &admin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let body = r.text();
    assert!(
        body.contains("rows[3].modes") && body.contains("第3行"),
        "{body}"
    );
    assert!(
        body.contains("rows[4].halls") && body.contains("第4行"),
        "{body}"
    );
    let d = app
        .get_auth(&format!("/api/v1/tongban-list/batches/{bad_no}"), &admin)
        .await
        .json();
    assert!(
        d["entries"].as_array().unwrap().is_empty(),
        "nothing written"
    );
    app.finish().await;
}

async fn r_body(app: &TestApp, admin: &str) -> Vec<u8> {
    app.get_auth("/api/v1/tongban-list/batches/1/xlsx", admin)
        .await
        .body
}

#[tokio::test]
async fn the_batch_pages_draft_and_publish_and_the_menu_links_them() {
    let app = TestApp::demo_at(Some(MON)).await;
    let admin = app.login("admin").await;
    let admin2 = app.login("admin2").await;
    let clerk = app.login("clerk-zhenhai").await;
    let home = app.get_auth("/work", &admin).await.text();
    assert!(home.contains("/work/list-batches"), "menu link for admins");
    assert!(home.contains("通办清单批次"), "and a workbench link");
    let home = app.get_auth("/work", &clerk).await.text();
    assert!(!home.contains("/work/list-batches"), "none for clerks");
    let r = app.get_auth("/work/list-batches", &clerk).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = app
        .post_form_auth(
            "/work/list-batches",
            "name=%E7%AC%AC%E4%BA%94%E6%89%B9",
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let to = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    let r = app
        .post_form_auth(
            &format!("{to}/entries"),
            "items=MZ-008%2CGA-010&modes=online&levels=city&levels=county",
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.get_auth(&to, &admin).await.text();
    assert!(page.contains("变更") && page.contains("批量添加"), "{page}");
    // A bad bulk add is shown in place.
    let r = app
        .post_form_auth(
            &format!("{to}/entries"),
            "items=NOPE-9&modes=online&levels=city",
            &admin,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("NOPE-9"));
    let r = app
        .post_form_auth(&format!("{to}/steps/submit"), "", &admin)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        app.get_auth(&to, &admin)
            .await
            .text()
            .contains("起草人不能审核")
    );
    let r = app
        .post_form_auth(
            &format!("{to}/steps/publish"),
            "effective=2026-12-07",
            &admin2,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.get_auth(&to, &admin2).await.text();
    assert!(page.contains("已发布"), "{page}");
    let list = app.get("/list").await.text();
    assert!(list.contains("第五批（2026-12-07）"), "{list}");
    app.finish().await;
}
