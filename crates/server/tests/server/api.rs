//! The JSON API through the real router, on the demo city.

use crate::common::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

fn names(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

fn codes(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn search(app: &TestApp, q: &str) -> Value {
    let r = app
        .get(&format!(
            "/api/v1/items?q={}",
            tongban_server::extract::percent_encode(q)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn suggest(app: &TestApp, q: &str) -> Value {
    let r = app
        .get(&format!(
            "/api/v1/items/suggest?q={}",
            tongban_server::extract::percent_encode(q)
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn suggestions_meet_what_people_type() {
    let app = TestApp::demo().await;
    // Pinyin initials and full spelling, a misspelling, a life event.
    for q in ["sfz", "shenfenzheng", "身分证"] {
        let v = suggest(&app, q).await;
        assert_eq!(v["q"], q);
        let c = codes(&v);
        assert!(
            c.iter().take(3).all(|c| c.starts_with("GA-00")),
            "{q}: {c:?}"
        );
        assert!(names(&v)[0].contains("居民身份证"), "{q}: {:?}", names(&v));
    }
    let born = codes(&suggest(&app, "生孩子").await);
    assert_eq!(
        born[..2],
        ["GA-005", "WJ-001"],
        "出生登记, 出生医学证明 first"
    );
    assert_eq!(codes(&suggest(&app, "gjj").await).len(), 8, "at most 8");
    let v = suggest(&app, "结婚").await;
    assert_eq!(codes(&v)[0], "MZ-001");
    assert!(
        v["data"][0]["department"]
            .as_str()
            .unwrap()
            .contains("民政")
    );
    // The full search finds the same.
    assert_eq!(codes(&search(&app, "生孩子要办什么").await)[0], "GA-005");
    let sfz = codes(&search(&app, "sfz").await);
    assert!(sfz[..4].iter().all(|c| c.starts_with("GA-00")), "{sfz:?}");
    // Limits, nothing, bad input named.
    assert_eq!(codes(&suggest(&app, "社保").await).len(), 8);
    let r = app
        .get("/api/v1/items/suggest?q=%E7%A4%BE%E4%BF%9D&limit=3")
        .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 3);
    assert!(codes(&suggest(&app, "").await).is_empty());
    assert!(codes(&suggest(&app, "火星移民").await).is_empty());
    let r = app.get("/api/v1/items/suggest?q=a&limit=99").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("limit"), "{}", r.text());
    let long = "户".repeat(101);
    let r = app
        .get(&format!(
            "/api/v1/items/suggest?q={}",
            tongban_server::extract::percent_encode(&long)
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn search_puts_the_relevant_items_first() {
    let app = TestApp::demo().await;
    // Two characters.
    let v = search(&app, "户口").await;
    assert!(v["total"].as_u64().unwrap() >= 3);
    let first = &names(&v)[0];
    assert!(first.contains("户口"), "{first}");
    // A full name: that item first.
    let v = search(&app, "居民身份证补领").await;
    assert_eq!(codes(&v)[0], "GA-003");
    // Colloquial names from the alias list.
    assert_eq!(codes(&search(&app, "办低保").await)[0], "MZ-004");
    assert_eq!(codes(&search(&app, "驾照丢了").await)[0], "GA-017");
    assert_eq!(codes(&search(&app, "准生证").await)[0], "WJ-005");
    let v = search(&app, "社保").await;
    assert!(
        names(&v)
            .iter()
            .take(3)
            .all(|n| n.contains("社会保") || n.contains("社保")),
        "{:?}",
        names(&v)
    );
    // Nothing.
    assert_eq!(search(&app, "火星移民").await["total"], 0);
    // Filters and paging.
    let r = app
        .get("/api/v1/items?department_kind=police&limit=5&offset=5")
        .await;
    let v = r.json();
    assert_eq!(v["data"].as_array().unwrap().len(), 5);
    assert!(v["total"].as_u64().unwrap() >= 15);
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["department_kind"] == "police")
    );
    let v = app
        .get("/api/v1/items?mode=accept_remote&limit=200")
        .await
        .json();
    assert!(v["total"].as_u64().unwrap() >= 3);
    assert!(v["data"].as_array().unwrap().iter().all(|r| {
        r["modes"]
            .as_array()
            .unwrap()
            .contains(&json!("accept_remote"))
    }));
    let v = app
        .get("/api/v1/items?department_kind=%E5%85%AC%E5%AE%89&limit=1")
        .await
        .json();
    assert_eq!(
        v["data"][0]["department_kind"], "police",
        "zh-CN kind labels are accepted"
    );
    app.finish().await;
}

#[tokio::test]
async fn bad_query_parameters_answer_422_naming_the_field() {
    let app = TestApp::demo().await;
    for (uri, field) in [
        ("/api/v1/items?limit=0", "limit"),
        ("/api/v1/items?limit=abc", "limit"),
        ("/api/v1/items?offset=-1", "offset"),
        ("/api/v1/items?department_kind=bogus", "department_kind"),
        ("/api/v1/items?mode=teleport", "mode"),
        ("/api/v1/items?level=galaxy", "level"),
        ("/api/v1/regions?level=x", "level"),
        ("/api/v1/halls?pilot=maybe", "pilot"),
        ("/api/v1/departments?kind=x", "kind"),
        ("/api/v1/items/GA-001?version=0", "version"),
        ("/api/v1/tongban-list?batch=x", "batch"),
    ] {
        let r = app.get(uri).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            r.text()
        );
        let v = r.json();
        assert!(v["fields"][field].is_string(), "{uri}: {v}");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{2e80}'),
            "zh-CN message: {v}"
        );
    }
    let long = "长".repeat(101);
    let r = app
        .get(&format!(
            "/api/v1/items?q={}",
            tongban_server::extract::percent_encode(&long)
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get("/api/v1/items?q=%ZZ").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/items/NOPE").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/items/NOPE").await.json()["code"],
        "not_found"
    );
    assert_eq!(
        app.get("/api/v1/halls/abc").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/no-such-route").await.json()["code"],
        "not_found"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_item_carries_every_standard_element() {
    let app = TestApp::demo().await;
    let r = app.get("/api/v1/items/GA-001").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    for key in [
        "code",
        "name",
        "department_kind",
        "item_type",
        "level",
        "jurisdiction",
        "legal_basis",
        "conditions",
        "legal_days",
        "promised_days",
        "instant",
        "fee",
        "online_stars",
        "max_visits",
        "result_type",
        "result_name",
        "steps",
        "materials",
        "guide",
        "version",
        "published_at",
        "aliases",
        "limits_source",
    ] {
        assert!(!v[key].is_null(), "missing {key}: {v}");
    }
    assert_eq!(v["version"], 1);
    let m = &v["materials"][0];
    for key in ["name", "form", "copies", "required", "review_points"] {
        assert!(!m[key].is_null(), "material missing {key}");
    }
    assert!(v["guide"]["question"].as_array().unwrap().len() >= 2);
    assert!(v["listing"].is_null(), "GA-001 is not on the 通办 list");
    let listed = app.get("/api/v1/items/MZ-004").await.json();
    assert_eq!(listed["listing"]["modes"], json!(["accept_remote"]));
    assert_eq!(listed["listing"]["batch"], 1);
    let v = app.get("/api/v1/items/GA-001?version=1").await.json();
    assert_eq!(v["version"], 1);
    assert_eq!(
        app.get("/api/v1/items/GA-001?version=2").await.status,
        StatusCode::NOT_FOUND
    );
    let v = app.get("/api/v1/items/GA-001/implementations").await.json();
    assert_eq!(
        v["total"], 5,
        "a county-level item is implemented in each of the five counties: {v}"
    );
    assert!(
        names_of(&v, "department_name")
            .iter()
            .any(|n| n == "仙游县公安局")
    );
    let v = app
        .get("/api/v1/items/GJJ-002/implementations")
        .await
        .json();
    assert_eq!(
        names_of(&v, "department_name"),
        vec!["莆田市住房公积金管理中心".to_string()]
    );
    app.finish().await;
}

fn names_of(v: &Value, key: &str) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_guide_resolves_answers_to_a_situation_and_its_materials() {
    let app = TestApp::demo().await;
    let r = app
        .post_json(
            "/api/v1/items/GA-003/guide",
            json!({"answers": {"hukou_loc": "other", "res_doc": "permit"}}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["situation"], "other_permit");
    let keys: Vec<&str> = v["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"res_permit"), "{keys:?}");
    assert!(!keys.contains(&"res_reg"));
    // The follow-up question is asked only when it applies.
    let v = app
        .post_json(
            "/api/v1/items/GA-003/guide",
            json!({"answers": {"hukou_loc": "local"}}),
            None,
        )
        .await
        .json();
    assert_eq!(v["situation"], "local");
    // Unanswered follow-up.
    let r = app
        .post_json(
            "/api/v1/items/GA-003/guide",
            json!({"answers": {"hukou_loc": "other"}}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "guide.unanswered");
    assert!(r.json()["fields"]["answers.res_doc"].is_string());
    // Unknown option and question.
    let r = app
        .post_json(
            "/api/v1/items/GA-003/guide",
            json!({"answers": {"hukou_loc": "mars"}}),
            None,
        )
        .await;
    assert!(
        r.json()["fields"]["answers.hukou_loc"].is_string(),
        "{}",
        r.text()
    );
    let r = app
        .post_json(
            "/api/v1/items/GA-003/guide",
            json!({"answers": {"shoe_size": "42"}}),
            None,
        )
        .await;
    assert!(r.json()["fields"]["answers.shoe_size"].is_string());
    // Malformed bodies.
    let r = app
        .post_json("/api/v1/items/GA-003/guide", json!({}), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["answers"].is_string(), "{}", r.text());
    let r = app
        .post_json(
            "/api/v1/items/GA-003/guide",
            json!({"answers": {"hukou_loc": 3}}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["fields"]["answers.hukou_loc"].is_string(),
        "{}",
        r.text()
    );
    let r = app
        .send(
            Request::post("/api/v1/items/GA-003/guide")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .send(
            Request::post("/api/v1/items/GA-003/guide")
                .body(Body::from("answers=1"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        app.post_json("/api/v1/items/NOPE/guide", json!({"answers": {}}), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}

#[tokio::test]
async fn sessions_tokens_and_throttling() {
    let app = TestApp::demo().await;
    assert_eq!(app.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    let token = app.login("reviewer-xianyou-police").await;
    let me = app.get_auth("/api/v1/me", &token).await.json();
    assert_eq!(me["role"], "reviewer");
    assert!(me["department"].is_number());
    assert!(me["hall"].is_null());
    let clerk = app
        .get_auth("/api/v1/me", &app.login("clerk-longqiao").await)
        .await
        .json();
    assert_eq!(clerk["role"], "clerk");
    assert!(clerk["hall"].is_number());
    let applicant = app
        .get_auth("/api/v1/me", &app.login("applicant-demo").await)
        .await
        .json();
    assert_eq!(applicant["role"], "applicant");
    assert_eq!(
        applicant["household_region"], "350322",
        "the demo applicant is registered in 仙游县"
    );
    // A bad bearer token is an error, not an anonymous call.
    let r = app.get_auth("/api/v1/items?q=x", "not-a-token").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, "Basic abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Logging out ends the token.
    let r = app
        .send(
            Request::delete("/api/v1/session")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_auth("/api/v1/me", &token).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Missing fields are named.
    let r = app
        .post_json("/api/v1/session", json!({"username": "admin"}), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["password"].is_string());
    let r = app
        .post_json(
            "/api/v1/session",
            json!({"username": "", "password": ""}),
            None,
        )
        .await;
    assert!(r.json()["fields"]["username"].is_string());
    // Wrong password, then throttling after five failures.
    for _ in 0..5 {
        let r = app
            .post_json(
                "/api/v1/session",
                json!({"username": "admin", "password": "wrong"}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["code"], "login.failed");
    }
    let r = app
        .post_json(
            "/api/v1/session",
            json!({"username": "admin", "password": "demo"}),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    // Another account from the same address is still fine.
    app.login("clerk-city").await;
    app.finish().await;
}

#[tokio::test]
async fn aliases_are_admin_maintained_and_searched_at_once() {
    let app = TestApp::demo().await;
    let body = json!({"aliases": ["换二代证", "身份证换新"]});
    let r = app
        .json_req("PUT", "/api/v1/items/GA-002/aliases", body.clone(), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let clerk = app.login("clerk-city").await;
    let r = app
        .json_req(
            "PUT",
            "/api/v1/items/GA-002/aliases",
            body.clone(),
            Some(&clerk),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(search(&app, "换二代证").await["total"], 0);
    let admin = app.login("admin").await;
    let r = app
        .json_req("PUT", "/api/v1/items/GA-002/aliases", body, Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(codes(&search(&app, "换二代证").await)[0], "GA-002");
    let r = app
        .json_req(
            "PUT",
            "/api/v1/items/GA-002/aliases",
            json!({"aliases": ["", "x"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["aliases[0]"].is_string());
    let r = app
        .json_req(
            "PUT",
            "/api/v1/items/NOPE/aliases",
            json!({"aliases": ["x"]}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/items/GA-002/aliases").await.json()["aliases"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.finish().await;
}

#[tokio::test]
async fn city_directory_and_tongban_list() {
    let app = TestApp::demo().await;
    let v = app.get("/api/v1/regions?limit=200").await.json();
    assert!(v["total"].as_u64().unwrap() >= 30);
    let v = app.get("/api/v1/regions?level=county").await.json();
    let codes: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for c in ["350302", "350303", "350304", "350305", "350322"] {
        assert!(codes.contains(&c), "{c}");
    }
    let v = app.get("/api/v1/halls?limit=100").await.json();
    assert!(v["total"].as_u64().unwrap() >= 23);
    for h in v["data"].as_array().unwrap() {
        let w = h["windows"].as_array().unwrap();
        assert_eq!(
            w.iter().filter(|w| w["tongban"] == true).count(),
            1,
            "{}",
            h["name"]
        );
        assert!(w[0]["phone"].as_str().unwrap().starts_with("0594-"));
    }
    let v = app
        .get("/api/v1/halls?pilot=true&level=community")
        .await
        .json();
    assert_eq!(v["total"], 5);
    let id = v["data"][0]["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/halls/{id}")).await.json()["id"],
        id
    );
    let v = app
        .get("/api/v1/departments?kind=police&limit=100")
        .await
        .json();
    assert_eq!(v["total"], 6);
    let v = app.get("/api/v1/tongban-list").await.json();
    assert!(v["total"].as_u64().unwrap() >= 40);
    assert_eq!(v["batches"].as_array().unwrap().len(), 3);
    let mut modes = std::collections::HashSet::new();
    for e in v["data"].as_array().unwrap() {
        assert!(e["item"].is_string() && e["batch"].is_number() && e["levels"].is_array());
        for m in e["modes"].as_array().unwrap() {
            modes.insert(m.as_str().unwrap().to_owned());
        }
    }
    assert_eq!(modes.len(), 4, "{modes:?}");
    let v = app
        .get("/api/v1/tongban-list?batch=1&mode=online")
        .await
        .json();
    assert!(
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["batch"] == 1)
    );
    app.finish().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::demo().await;
    let v = app.get("/api/v1/openapi.json").await.json();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/session",
        "/me",
        "/regions",
        "/halls",
        "/halls/{id}",
        "/departments",
        "/items",
        "/items/{code}",
        "/items/{code}/implementations",
        "/items/{code}/guide",
        "/items/{code}/guide-map",
        "/items/{code}/aliases",
        "/tongban-list",
    ] {
        assert!(v["paths"][p].is_object(), "missing {p}");
    }
    // Every operation says who may call it.
    for (p, ops) in v["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            let d = op["description"]
                .as_str()
                .or(op["summary"].as_str())
                .unwrap_or("");
            assert!(
                d.contains("Access:"),
                "{m} {p} does not state its access rule"
            );
        }
    }
    assert_eq!(app.get("/healthz").await.text(), "ok");
    app.finish().await;
}
