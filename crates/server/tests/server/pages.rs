//! The zh-CN pages through the real router: they render, escape, carry the
//! security headers, and the questionnaire works as a plain form.

use crate::common::{TestApp, create, person, step};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

#[tokio::test]
async fn public_pages_render_with_security_headers() {
    let app = TestApp::demo().await;
    for (uri, needle) in [
        ("/", "全域通办"),
        ("/items", "事项目录"),
        ("/items?q=%E6%88%B7%E5%8F%A3", "户口"),
        ("/items/GA-001", "居民身份证首次申领"),
        ("/list", "莆田市第一批全域通办政务服务事项清单"),
        ("/halls", "全域通办专窗"),
        ("/login", "用户名"),
    ] {
        let r = app.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let html = r.text();
        assert!(html.contains(needle), "{uri} lacks {needle}");
        assert!(html.contains("lang=\"zh-CN\""));
        assert!(
            html.contains("大字模式"),
            "{uri}: every page has the large-text toggle"
        );
        let csp = r
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(r.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert!(!html.contains("<script>"), "{uri}: no inline script");
    }
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text().contains("页面不存在"));
    assert_eq!(app.get("/items/NOPE").await.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn search_page_escapes_and_pages() {
    let app = TestApp::demo().await;
    let r = app
        .get("/items?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains("<script>alert"));
    assert!(r.text().contains("&lt;script&gt;"));
    let r = app.get("/items").await.text();
    assert!(r.contains("下一页"), "20 per page, the catalogue has more");
    assert!(r.contains("第 1 / 6 页"), "102 items");
    let r = app.get("/items?page=6").await.text();
    assert!(r.contains("上一页") && !r.contains("下一页"));
    let r = app.get("/items?department_kind=bogus").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a bad filter on a page is shown, not fatal"
    );
    assert!(r.text().contains("部门类别"));
    app.finish().await;
}

#[tokio::test]
async fn the_questionnaire_works_as_a_plain_form() {
    let app = TestApp::demo().await;
    let first = app.get("/items/GA-003").await.text();
    assert!(first.contains("您的常住户口在哪里"));
    assert!(
        !first.contains("您在莆田持有哪种居住证明"),
        "the follow-up waits for its condition"
    );
    let second = app.get("/items/GA-003?go=1&a.hukou_loc=other").await.text();
    assert!(second.contains("您在莆田持有哪种居住证明"));
    assert!(second.contains("请继续回答"));
    assert!(!second.contains("需要准备的材料"));
    let done = app
        .get("/items/GA-003?go=1&a.hukou_loc=other&a.res_doc=permit")
        .await
        .text();
    assert!(done.contains("跨省异地补领（持居住证）"), "{done}");
    assert!(done.contains("需要准备的材料"));
    // A stale answer to a hidden question is ignored.
    let local = app
        .get("/items/GA-003?go=1&a.hukou_loc=local&a.res_doc=permit")
        .await
        .text();
    assert!(local.contains("省内户籍补领"));
    // Submitting nothing shows the questions again, not a material list.
    let page = app.get("/items/GA-013?go=1").await.text();
    assert!(!page.contains("需要准备的材料"));
    assert!(page.contains("<fieldset>"));
    app.finish().await;
}

#[tokio::test]
async fn login_uses_csrf_and_sets_a_safe_session_cookie() {
    let app = TestApp::demo().await;
    let form = app.get("/login").await;
    let csrf_cookie = form.cookie("tb_csrf").expect("pre-login csrf cookie");
    let html = form.text();
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(token, csrf_cookie);
    let post = |body: String, cookie: Option<String>| {
        let mut b = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        b.body(Body::from(body)).unwrap()
    };
    // No CSRF token: refused.
    let r = app
        .send(post(
            "username=admin&password=demo".into(),
            Some(format!("tb_csrf={csrf_cookie}")),
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.cookie("tb_session").is_none());
    // Wrong password: the form again, with the message.
    let r = app
        .send(post(
            format!("username=admin&password=nope&csrf={token}"),
            Some(format!("tb_csrf={csrf_cookie}")),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("用户名或密码不正确"));
    // Right: a redirect to the safe local target and an HttpOnly, SameSite cookie.
    let r = app
        .send(post(
            format!("username=clerk-city&password=demo&csrf={token}&next=%2Fhalls"),
            Some(format!("tb_csrf={csrf_cookie}")),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/halls");
    let set = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    let session = set.iter().find(|c| c.starts_with("tb_session=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    let sid = r.cookie("tb_session").unwrap();
    let home = app
        .send(
            Request::get("/")
                .header(header::COOKIE, format!("tb_session={sid}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(home.text().contains("陈晓燕（窗口办事员）"));
    // The cookie works for the API too.
    let me = app
        .send(
            Request::get("/api/v1/me")
                .header(header::COOKIE, format!("tb_session={sid}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.json()["username"], "clerk-city");
    // An open redirect is not followed.
    let r = app
        .send(post(
            format!("username=clerk-city&password=demo&csrf={token}&next=%2F%2Fevil.example"),
            Some(format!("tb_csrf={csrf_cookie}")),
        ))
        .await;
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/");
    // Logging out needs the session's CSRF token.
    let r = app
        .send(
            Request::post("/logout")
                .header(header::COOKIE, format!("tb_session={sid}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("csrf=wrong"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn large_text_mode_is_remembered() {
    let app = TestApp::demo().await;
    let r = app.get("/prefs/large?on=1&back=%2Flist").await;
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/list");
    assert_eq!(r.cookie("tb_large").as_deref(), Some("1"));
    let page = app
        .send(
            Request::get("/list")
                .header(header::COOKIE, "tb_large=1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(page.text().contains("<body class=\"large\">"));
    assert!(page.text().contains("标准模式"));
    let r = app
        .get("/prefs/large?on=1&back=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/");
    app.finish().await;
}

#[tokio::test]
async fn every_template_is_registered_and_the_new_pages_answer() {
    // Each file in templates/ is loaded (a missing one would be a 500 at run time).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages/mod.rs"),
    )
    .unwrap();
    for f in std::fs::read_dir(dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert!(
            src.contains(&format!("            \"{name}\",\n")),
            "{name} is not registered"
        );
    }
    let app = TestApp::demo().await;
    for path in [
        "/register",
        "/kiosk",
        "/kiosk/progress",
        "/appointments",
        "/progress",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    }
    app.finish().await;
}

/// Every page that changes something takes its form through the CSRF-checked
/// extractor: a post with a wrong token (or none) from a signed-in browser is
/// refused before its handler runs, and a signed-in page sends an anonymous
/// visitor to sign in, coming back where he was.
#[tokio::test]
async fn page_forms_are_csrf_checked_and_signed_pages_send_strangers_to_sign_in() {
    let app = TestApp::demo().await;
    let r = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, "tb_csrf=abc")
                .body(Body::from("username=admin&password=demo&csrf=abc"))
                .unwrap(),
        )
        .await;
    let sid = r.cookie("tb_session").expect("signed in");
    let token = app.login("clerk-city").await;
    let c = create(&app, &token, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    for path in [
        "/work/new".to_owned(),
        format!("/work/cases/{no}/actions/withdraw"),
        format!("/work/cases/{no}/evaluation"),
        "/work/rectifications/1".to_owned(),
        "/work/grants".to_owned(),
        "/work/grants/1/revoke".to_owned(),
        "/work/outbox/1/resend".to_owned(),
        "/appointments/book".to_owned(),
        "/appointments/1/cancel".to_owned(),
    ] {
        for body in ["csrf=wrong&reason=x", "reason=x"] {
            let r = app
                .send(
                    Request::post(&path)
                        .header(header::COOKIE, format!("tb_session={sid}"))
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} {body}");
            assert!(r.text().contains("页面已过期"), "{path}");
        }
        // Not signed in: to the sign-in page, coming back here.
        let r = app
            .send(
                Request::post(&path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("csrf=x"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        let to = r.headers.get(header::LOCATION).unwrap().to_str().unwrap();
        assert!(to.starts_with("/login?next=%2F"), "{path} → {to}");
    }
    // Nothing was done: the case is still where it was.
    let now = app
        .get_auth(&format!("/api/v1/cases/{no}"), &token)
        .await
        .json();
    assert_eq!(now["version"], c["version"]);
    app.finish().await;
}

#[tokio::test]
async fn the_hall_directory_finds_by_place_item_and_nearness_with_tappable_phones() {
    let app = TestApp::demo().await;
    let html = app.get("/halls").await.text();
    assert_eq!(html.matches("<li class=\"hall\">").count(), 23);
    assert!(
        html.contains(r#"href="tel:0594-2865000""#),
        "tappable switchboard"
    );
    assert_eq!(
        html.matches("<details>").count(),
        23,
        "each hall's windows collapsed"
    );
    let names = |html: &str| -> Vec<String> {
        html.split("<li class=\"hall\">")
            .skip(1)
            .map(|h| {
                let h = h.split("<h3>").nth(1).unwrap();
                h.split(['<', ' ']).next().unwrap().to_owned()
            })
            .collect()
    };
    // By place: the street's centre.
    let by_place = app.get("/halls?q=%E9%BE%99%E6%A1%A5").await.text();
    assert_eq!(names(&by_place), ["龙桥街道便民服务中心"]);
    // By item: only the levels its 通办 entry allows (RS-004: city and county).
    let by_item = app.get("/halls?item=RS-004").await.text();
    assert_eq!(names(&by_item).len(), 9, "{by_item}");
    assert!(by_item.contains("可办理“企业职工基本养老保险关系转移接续”的服务大厅"));
    // Nearest to 阔口社区: its own centre, its street's, its district's, then the rest.
    let near = names(&app.get("/halls?near=350304001002").await.text());
    assert_eq!(near[0], "阔口“党建+”社区邻里中心");
    let mut street = near[1..3].to_vec();
    street.sort();
    assert_eq!(
        street,
        ["玉湖“党建+”社区邻里中心", "镇海“党建+”社区邻里中心"]
    );
    assert!(near[3..6].contains(&"荔城区行政服务中心".to_owned()));
    assert_eq!(near.len(), 23);
    // An unknown place is ignored, not a 500.
    assert_eq!(app.get("/halls?near=nowhere").await.status, StatusCode::OK);
}

/// A GET with the language switch's cookie.
async fn get_in_english(app: &TestApp, uri: &str) -> crate::common::Resp {
    app.send(
        Request::get(uri)
            .header(header::COOKIE, "tb_lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn public_pages_in_english_show_english_chrome_and_words() {
    let app = TestApp::demo().await;
    for (uri, words) in [
        (
            "/",
            &[
                "Service catalogue",
                "Nearby, online, in one visit",
                "Find by department",
            ][..],
        ),
        (
            "/items",
            &["Item code", "All departments", "Page 1 of 6"][..],
        ),
        (
            "/items/GA-001",
            &[
                "Service guide",
                "Application materials",
                "Download the guide map (PDF)",
                "Where to go",
            ][..],
        ),
        (
            "/list",
            &["Anywhere-service list of items", "In force from: "][..],
        ),
        (
            "/halls",
            &[
                "Service halls and their anywhere-service windows",
                "Find halls",
            ][..],
        ),
        (
            "/login",
            &["Username", "Password", "Register with your mobile number"][..],
        ),
        ("/register", &["Mobile number", "Register and sign in"][..]),
        ("/progress", &["Case progress", "Verification code"][..]),
        (
            "/kiosk",
            &[
                "Self-service terminal",
                "Sign in with username and password",
            ][..],
        ),
    ] {
        let r = get_in_english(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let html = r.text();
        assert!(html.contains("<html lang=\"en\""), "{uri}");
        for w in words {
            assert!(html.contains(w), "{uri} lacks “{w}”");
        }
    }
    // The same page without the cookie stays zh-CN.
    let zh = app.get("/items/GA-001").await.text();
    assert!(zh.contains("<html lang=\"zh-CN\"") && zh.contains("办事指南"));
    // A wrong verification code is answered in English.
    let r = get_in_english(&app, "/progress?case_no=X&code=Y").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.text()
            .contains("The case number or the verification code is incorrect")
    );
    // A case's progress, found by its code: the status in a person's words.
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let c = step(&app, &clerk, &c, "submit", serde_json::json!({})).await;
    let c = step(&app, &clerk, &c, "accept", serde_json::json!({})).await;
    let (no, code) = (
        c["case_no"].as_str().unwrap(),
        c["verification_code"].as_str().unwrap(),
    );
    let html = get_in_english(&app, &format!("/progress?case_no={no}&code={code}"))
        .await
        .text();
    assert!(
        html.contains("Accepted, under review")
            && html.contains("Promised completion date")
            && html.contains(" (current)"),
        "{html}"
    );
    // An unknown page's title and message.
    let r = get_in_english(&app, "/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let html = r.text();
    assert!(
        html.contains("Page not found") && html.contains("Not found"),
        "{html}"
    );
    app.finish().await;
}

#[tokio::test]
async fn api_errors_follow_accept_language() {
    let app = TestApp::demo().await;
    let bad = |lang: &'static str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::from(r#"{"username": "admin"}"#))
            .unwrap()
    };
    // A missing field: message and field message in English.
    let r = app.send(bad("en-US,en;q=0.9")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers[header::CONTENT_LANGUAGE], "en");
    let j = r.json();
    assert_eq!(j["fields"]["password"], "Required field missing");
    assert_eq!(j["message"], "Field “password”: Required field missing");
    // The same in zh-CN, as before.
    let j = app.send(bad("zh-CN")).await.json();
    assert_eq!(j["fields"]["password"], "缺少必填字段");
    assert_eq!(j["message"], "字段“password”：缺少必填字段");
    // Two checks of the handler, joined as English joins them.
    let r = app
        .send(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::from(r#"{"username": " ", "password": ""}"#))
                .unwrap(),
        )
        .await;
    let j = r.json();
    assert_eq!(
        j["message"],
        "Please enter the username; Enter the password"
    );
    assert_eq!(j["fields"]["username"], "Please enter the username");
    // A query parameter named by its label, in English.
    let r = app
        .send(
            Request::get("/api/v1/items?mode=nope")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["fields"]["mode"],
        "Anywhere-service mode “nope” is not valid"
    );
    // Suggestions name the department's kind in the caller's language.
    let r = app
        .send(
            Request::get("/api/v1/items/suggest?q=%E8%BA%AB%E4%BB%BD%E8%AF%81")
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let j = r.json();
    let dept = j["data"][0]["department"].as_str().unwrap();
    assert!(
        !dept.is_empty() && !tongban_domain::i18n::has_han(dept),
        "{j}"
    );
    // The cases' export: the header in the caller's language.
    let clerk = app.login("clerk-zhenhai").await;
    let csv = |lang: &'static str| {
        Request::get("/api/v1/cases/export.csv")
            .header(header::AUTHORIZATION, format!("Bearer {clerk}"))
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap()
    };
    let en = app.send(csv("en")).await.text();
    assert!(
        en.starts_with("\u{feff}Case number,Item,Applicant,"),
        "{en}"
    );
    assert!(en.lines().next().unwrap().ends_with(",Overdue"), "{en}");
    let zh = app.send(csv("zh-CN")).await.text();
    assert!(zh.starts_with("\u{feff}办件编号,事项,申请人,"), "{zh}");
    app.finish().await;
}
