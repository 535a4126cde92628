//! City administration through the API: regions, halls, windows and their
//! named staff, departments, staff accounts, retirement, and the city
//! workbook round trip.

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn send_xlsx(app: &TestApp, token: &str, bytes: Vec<u8>) -> Resp {
    let req = axum::http::Request::post("/api/v1/admin/city.xlsx")
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::from(bytes))
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn a_platform_admin_sets_up_a_town_hall_with_its_window_and_named_staff() {
    let app = TestApp::demo().await;
    let admin = app.login("admin").await;
    let clerk = app.login("clerk-city").await;
    // Only a platform admin administers the city.
    let r = app.get_auth("/api/v1/admin/city", &clerk).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A town under 城厢区: the code must sit under its parent.
    let bad = app
        .post_json(
            "/api/v1/admin/regions",
            json!({"code": "350303009", "name": "新城街道", "level": "town", "parent": "350302"}),
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["code"], "region.code_parent");
    let r = app
        .post_json(
            "/api/v1/admin/regions",
            json!({"code": "350302009", "name": "新城街道", "level": "town", "parent": "350302"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A hall there, with 错时延时 and weekend hours; a bad span is named.
    let hall = json!({
        "key": "xincheng-centre", "name": "新城街道便民服务中心", "kind": "convenience_centre",
        "region": "350302009", "address": "城厢区新城路1号", "opening_hours": "周一至周五 8:00-12:00 14:30-17:30",
        "extended_hours": "17:30-19:00, 12:00-14:30", "weekend_hours": "9:00-12:00",
        "self_service_24h": true, "phone": "0594-2999000"
    });
    let r = app
        .post_json("/api/v1/admin/halls", hall.clone(), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["fields"]["weekend_hours"].is_string(),
        "{}",
        r.text()
    );
    let mut hall = hall;
    hall["weekend_hours"] = json!("09:00-12:00");
    let r = app
        .post_json("/api/v1/admin/halls", hall.clone(), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let hall_id = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json("/api/v1/admin/halls", hall.clone(), Some(&admin))
        .await;
    assert_eq!(
        r.json()["fields"]["key"]
            .as_str()
            .map(|m| m.contains("已被使用")),
        Some(true)
    );
    // Its 专窗, and two clerks named to it.
    let r = app
        .post_json(
            &format!("/api/v1/admin/halls/{hall_id}/windows"),
            json!({"number": "a01", "name": "全域通办专窗", "tongban": true, "staff": 2}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let window = r.json()["id"].as_i64().unwrap();
    let mut passwords = Vec::new();
    for (u, n) in [("clerk-xc1", "郑小芳"), ("clerk-xc2", "黄志强")] {
        let r = app
            .post_json(
                "/api/v1/admin/staff",
                json!({"username": u, "display_name": n, "role": "clerk", "hall": hall_id, "phone": "13805941212"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        passwords.push(r.json()["initial_password"].as_str().unwrap().to_owned());
    }
    // The new clerk signs in with the password handed over.
    let r = app
        .post_json(
            "/api/v1/session",
            json!({"username": "clerk-xc1", "password": passwords[0]}),
            None,
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    // Someone of another hall is not this window's staff.
    let r = app
        .json_req(
            "PUT",
            &format!("/api/v1/admin/windows/{window}/staff"),
            json!({"usernames": ["clerk-city"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .json_req(
            "PUT",
            &format!("/api/v1/admin/windows/{window}/staff"),
            json!({"usernames": ["clerk-xc1", "clerk-xc2"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let city = app.get_auth("/api/v1/admin/city", &admin).await.json();
    let h = city["halls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == hall_id)
        .unwrap()
        .clone();
    assert_eq!(h["windows"][0]["number"], "A01");
    assert_eq!(h["windows"][0]["named_staff"].as_array().unwrap().len(), 2);
    assert_eq!(h["extended_hours"], "12:00-14:30,17:30-19:00");
    assert_eq!(h["level"], "town");
    // City and county 专窗 with fewer than two named staff are warned of.
    let warnings = city["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["message"].as_str().unwrap().contains("至少配备2名")),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|w| w["hall"] == hall_id),
        "a town hall is not asked"
    );
    // A region with a live hall is not retired; the hall is, keeping its record.
    let r = app
        .post_json(
            "/api/v1/admin/regions/350302009/retire",
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("新城街道便民服务中心")
    );
    let r = app
        .post_json(
            &format!("/api/v1/admin/halls/{hall_id}/retire"),
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let city = app.get_auth("/api/v1/admin/city", &admin).await.json();
    let h = city["halls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == hall_id)
        .unwrap()
        .clone();
    assert_eq!(h["retired"], true);
    // Every change is in the audit log.
    let log = app
        .get_auth("/api/v1/audit?kind=city_changed&limit=50", &admin)
        .await
        .json();
    assert!(log["data"].as_array().unwrap().len() >= 6, "{log}");
    app.finish().await;
}

#[tokio::test]
async fn department_admins_manage_their_own_staff_only() {
    let app = TestApp::demo().await;
    let dept_admin = app.login("admin-licheng-police").await;
    let me = app.get_auth("/api/v1/me", &dept_admin).await.json();
    let dept = me["department"].as_i64().expect("a department");
    let r = app
        .post_json(
            "/api/v1/admin/staff",
            json!({"username": "reviewer-lc-new", "display_name": "陈审", "role": "reviewer", "department": dept}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    // Not in another department, not a platform admin.
    let r = app
        .post_json(
            "/api/v1/admin/staff",
            json!({"username": "reviewer-x", "display_name": "某", "role": "reviewer", "department": dept + 1}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            "/api/v1/admin/staff",
            json!({"username": "boss-x", "display_name": "某", "role": "platform_admin"}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // His list holds his department's staff, masked phones; disabling one ends its sessions.
    let list = app
        .get_auth("/api/v1/admin/staff", &dept_admin)
        .await
        .json();
    let rows = list["data"].as_array().unwrap();
    assert!(rows.iter().all(|s| s["department"] == dept), "{list}");
    assert!(rows.iter().any(|s| s["username"] == "reviewer-lc-new"));
    let r = app
        .json_req(
            "PUT",
            &format!("/api/v1/admin/staff/{id}"),
            json!({"username": "ignored", "display_name": "陈审", "role": "reviewer", "department": dept, "active": false}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let list = app
        .get_auth("/api/v1/admin/staff", &dept_admin)
        .await
        .json();
    let row = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(
        (row["active"].as_bool(), row["username"].as_str()),
        (Some(false), Some("reviewer-lc-new"))
    );
    app.finish().await;
}

#[tokio::test]
async fn the_city_workbook_round_trips_and_a_bad_row_is_named_with_nothing_written() {
    let app = TestApp::demo().await;
    let admin = app.login("admin").await;
    let r = app.get_auth("/api/v1/admin/city.xlsx", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    let bytes = r.body.clone();
    // Read back: every sheet, a header naming each column's key.
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let names = wb.sheet_names().to_vec();
    assert_eq!(
        names,
        ["区划", "部门", "服务中心", "窗口", "人员", "专窗人员"]
    );
    let halls = wb.worksheet_range("服务中心").unwrap();
    assert_eq!(halls.get((0, 0)).unwrap().to_string(), "标识(key)");
    let n_halls = halls.rows().count() - 1;
    assert_eq!(n_halls, 23);
    // The same workbook imported again changes nothing and makes no account.
    let before = app.get_auth("/api/v1/admin/city", &admin).await.json();
    let r = send_xlsx(&app, &admin, bytes.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert_eq!(
        report["new_accounts"].as_array().unwrap().len(),
        0,
        "{report}"
    );
    assert_eq!(report["rows"][2]["rows"], n_halls);
    let after = app.get_auth("/api/v1/admin/city", &admin).await.json();
    assert_eq!(before["halls"], after["halls"]);
    assert_eq!(before["regions"], after["regions"]);
    // A workbook with a bad row: named by sheet, row and field; nothing written.
    let mut rows: Vec<Vec<String>> = Vec::new();
    let range = wb.worksheet_range("服务中心").unwrap();
    for r in range.rows() {
        rows.push(r.iter().map(|c| c.to_string()).collect());
    }
    rows[3][10] = "电话".into(); // the phone of the third hall
    rows[1][1] = "改了名字的中心".into(); // a good change in the same file
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in &names {
        let ws = out.add_worksheet();
        ws.set_name(name).unwrap();
        let data: Vec<Vec<String>> = if name == "服务中心" {
            rows.clone()
        } else {
            wb.worksheet_range(name)
                .unwrap()
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        for (i, r) in data.iter().enumerate() {
            for (j, c) in r.iter().enumerate() {
                ws.write_string(i as u32, j as u16, c).unwrap();
            }
        }
    }
    let r = send_xlsx(&app, &admin, out.save_to_buffer().unwrap()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = r.json();
    let msg = e["fields"]["halls.4.phone"].as_str().unwrap_or_default();
    assert!(msg.contains("“服务中心”第4行“电话”"), "{e}");
    let now = app.get_auth("/api/v1/admin/city", &admin).await.json();
    assert_eq!(now["halls"], before["halls"], "nothing written");
    // Not a workbook at all.
    let r = send_xlsx(&app, &admin, b"PK not really".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["file"].is_string());
    let _: Value = now;
    app.finish().await;
}

/// The hall directory shows a 专窗's named staff and a hall's 错时延时 and
/// weekend hours; a retired hall is no longer listed and takes no new case.
#[tokio::test]
async fn the_directory_shows_named_staff_and_hours_and_a_retired_hall_takes_no_case() {
    let app = TestApp::demo().await;
    let admin = app.login("admin").await;
    let city = app.get_auth("/api/v1/admin/city", &admin).await.json();
    let zhenhai = city["halls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "镇海“党建+”社区邻里中心")
        .unwrap()
        .clone();
    let id = zhenhai["id"].as_i64().unwrap();
    let window = zhenhai["windows"][0]["id"].as_i64().unwrap();
    let draft: Value = json!({
        "key": zhenhai["key"], "name": zhenhai["name"], "kind": zhenhai["kind"], "region": zhenhai["region"],
        "address": zhenhai["address"], "opening_hours": zhenhai["opening_hours"], "phone": zhenhai["phone"],
        "extended_hours": "12:00-14:30", "weekend_hours": "09:00-12:00", "self_service_24h": true
    });
    let r = app
        .json_req(
            "PUT",
            &format!("/api/v1/admin/halls/{id}"),
            draft.clone(),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = app
        .json_req(
            "PUT",
            &format!("/api/v1/admin/windows/{window}/staff"),
            json!({"usernames": ["clerk-zhenhai"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let page = app.get("/halls?q=镇海").await.text();
    assert!(
        page.contains("错时延时 12:00-14:30；周末 09:00-12:00；24小时自助服务区"),
        "{page}"
    );
    assert!(page.contains("专人 "), "{page}");
    // Retired: gone from the directory, and its clerk opens no case there.
    let r = app
        .post_json(
            &format!("/api/v1/admin/halls/{id}/retire"),
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(
        !app.get("/halls")
            .await
            .text()
            .contains("镇海“党建+”社区邻里中心")
    );
    let clerk = app.login("clerk-zhenhai").await;
    let r = create(&app, &clerk, "MZ-008", "accept_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["code"], "hall.retired");
    app.finish().await;
}

/// The rollout's progress: per district, towns and communities with a 专窗,
/// the items their halls may receive, the cases received; staff only.
#[tokio::test]
async fn the_rollout_page_counts_windows_items_and_cases_per_district() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let before = app.get_auth("/api/v1/rollout", &clerk).await.json();
    let licheng = |v: &Value| {
        v["districts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "荔城区")
            .unwrap()
            .clone()
    };
    let d = licheng(&before);
    assert!(d["communities_with_window"].as_u64().unwrap() >= 1, "{d}");
    assert!(d["community_items"].as_u64().unwrap() > 0, "{d}");
    // A case received at 镇海 counts for 荔城区.
    create(&app, &clerk, "MZ-008", "accept_remote", person("350304")).await;
    let after = app.get_auth("/api/v1/rollout", &clerk).await.json();
    assert_eq!(
        licheng(&after)["received"].as_i64().unwrap(),
        d["received"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["totals"]["received"].as_i64().unwrap(),
        before["totals"]["received"].as_i64().unwrap() + 1
    );
    let page = app.get_auth("/work/rollout", &clerk).await.text();
    assert!(page.contains("全域通办推进情况") && page.contains("荔城区"));
    let applicant = app.login("applicant-lin").await;
    assert_eq!(
        app.get_auth("/api/v1/rollout", &applicant).await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}
