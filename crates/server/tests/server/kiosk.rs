//! The kiosk (E政务自助机): sign-in by ID number and a code sent to the
//! account's mobile, a short session, the same answer for unknown numbers;
//! the online applicant's case page in plain words and the printable
//! 网上申请回执.

use crate::common::{Resp, TestApp, person, submit_online};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

/// applicant-demo's ID number and mobile (the demo's real-name account).
const DEMO_ID: &str = "350322198507150034";
const DEMO_PHONE: &str = "13805940002";

fn code_in(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).take(6).collect()
}

struct Kiosk<'a> {
    app: &'a TestApp,
    csrf: String,
}

impl<'a> Kiosk<'a> {
    async fn open(app: &'a TestApp) -> Self {
        let form = app.get("/kiosk/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.cookie("tb_csrf").expect("pre-login csrf cookie");
        assert!(form.text().contains(&format!("value=\"{csrf}\"")));
        Self { app, csrf }
    }

    async fn post(&self, path: &str, body: &str) -> Resp {
        self.app
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, format!("tb_csrf={}", self.csrf))
                    .body(Body::from(format!("{body}&csrf={}", self.csrf)))
                    .unwrap(),
            )
            .await
    }
}

#[tokio::test]
async fn the_kiosk_signs_in_by_id_number_and_a_code_sent_to_the_mobile() {
    let app = TestApp::demo().await;
    let k = Kiosk::open(&app).await;
    // A malformed number is named.
    let r = k.post("/kiosk/login/code", "id_number=12345").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("公民身份号码应为18位"));
    // A valid number without an account gets the same answer, and no text.
    let r = k
        .post("/kiosk/login/code", "id_number=350302199001012426")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("如身份证号 350302********2426 已注册"));
    assert!(app.sent.sent().is_empty());
    // Asking again at once is throttled, exactly as for a number that has
    // an account (below), so the throttle does not tell either.
    let r = k
        .post("/kiosk/login/code", "id_number=350302199001012426")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The account's number: a code to its mobile.
    let r = k
        .post("/kiosk/login/code", &format!("id_number={DEMO_ID}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("350322********0034"), "the screen masks it");
    let sent = app.sent.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, DEMO_PHONE);
    assert!(sent[0].1.contains("自助终端"));
    let code = code_in(&sent[0].1);
    let r = k
        .post("/kiosk/login/code", &format!("id_number={DEMO_ID}"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.sent.sent().len(), 1);
    // A wrong code: refused, recorded, and no session.
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let r = k
        .post("/kiosk/login", &format!("id_number={DEMO_ID}&code={wrong}"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("身份证号或验证码不正确"));
    assert!(r.cookie("tb_session").is_none());
    // Without the form token: refused.
    let r = app
        .send(
            Request::post("/kiosk/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("id_number={DEMO_ID}&code={code}")))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A relative's account on the same mobile: the code sent for one
    // account does not open the other.
    app.store
        .create_user(&tongban_store::NewUser {
            username: "relative".into(),
            display_name: "蔡文华".into(),
            password_hash: tongban_server::auth::hash_password("correct horse 9"),
            role: tongban_domain::user::Role::Applicant,
            scope: tongban_domain::user::Scope::None,
            household_region: None,
            id_number: Some("350302199001012426".into()),
            phone: Some(DEMO_PHONE.into()),
        })
        .await
        .unwrap();
    let r = k
        .post(
            "/kiosk/login",
            &format!("id_number=350302199001012426&code={code}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.cookie("tb_session").is_none());
    // The right code: a short session, marked as a kiosk.
    let r = k
        .post("/kiosk/login", &format!("id_number={DEMO_ID}&code={code}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/work");
    let set: Vec<String> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set.iter().find(|c| c.starts_with("tb_session=")).unwrap();
    assert!(session.contains("Max-Age=1800"), "{session}");
    assert!(set.iter().any(|c| c.starts_with("tb_kiosk=1")));
    let sid = r.cookie("tb_session").unwrap();
    let me = app
        .send(
            Request::get("/api/v1/me")
                .header(header::COOKIE, format!("tb_session={sid}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.json()["username"], "applicant-demo");
    // The code is used up.
    let r = k
        .post("/kiosk/login", &format!("id_number={DEMO_ID}&code={code}"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Both attempts are in the audit log.
    let admin = app.login("admin").await;
    let audit = app.get_auth("/api/v1/audit?limit=100", &admin).await.json();
    let kiosk: Vec<&str> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["detail"]["method"] == "kiosk_code")
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kiosk.contains(&"login") && kiosk.contains(&"login_failed"),
        "{audit}"
    );
    app.finish().await;
}

#[tokio::test]
async fn the_applicant_sees_the_case_in_plain_words_and_prints_the_receipt() {
    let app = TestApp::demo().await;
    let applicant = app.login("applicant-demo").await;
    // The home page leads applicants to applying, progress and booking;
    // their menu says 我的办件, not 工作台.
    let home = app.get("/").await.text();
    for needle in [
        "在线申请（全程网办）",
        "查询办件进度",
        "注册网上办事大厅账号",
    ] {
        assert!(home.contains(needle), "home lacks {needle}");
    }
    let home = app.get_auth("/", &applicant).await.text();
    assert!(home.contains(">我的办件</a>") && !home.contains(">工作台</a>"));
    assert!(!home.contains("注册网上办事大厅账号"));
    // The wizard starts from the account's own real-name details.
    let a = crate::common::answers(&app, "MZ-008").await;
    let who = a["who"].as_str().unwrap();
    let wizard = app
        .get_auth(
            &format!("/work/new?item=MZ-008&go=1&a.who={who}"),
            &applicant,
        )
        .await
        .text();
    for needle in [
        "value=\"蔡文彬\"",
        &format!("value=\"{DEMO_ID}\""),
        &format!("value=\"{DEMO_PHONE}\""),
        "<option value=\"350322\" selected>",
        "办理方式：全程网办",
    ] {
        assert!(wizard.contains(needle), "wizard lacks {needle}");
    }
    let a = crate::common::answers(&app, "MZ-008").await;
    let c = app
        .post_json(
            "/api/v1/cases",
            json!({"item": "MZ-008", "mode": "online", "applicant": person("350304"), "answers": a,
                   "agent": crate::common::cai_as_agent(),
                   "delivery": {"method": "post", "address": "仙游县鲤城街道八二五大街1号"}}),
            Some(&applicant),
        )
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &applicant)
        .await
        .text();
    assert!(page.contains("申请还没有提交"), "{page}");
    assert!(page.contains("还未上传"));
    assert!(page.contains("type=\"file\""));
    assert!(page.contains("邮寄送达：仙游县鲤城街道八二五大街1号"));
    assert!(page.contains("确认提交申请"));
    // No receipt for a draft.
    let r = app
        .get_auth(&format!("/work/cases/{no}/receipt"), &applicant)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let c = submit_online(&app, &applicant, &c).await;
    assert_eq!(c["status"], "submitted");
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &applicant)
        .await
        .text();
    assert!(page.contains("正在等待荔城区民政局受理"), "{page}");
    assert!(page.contains("您上传了“"), "the timeline in plain words");
    assert!(page.contains("您提交了申请"));
    assert!(page.contains("打印《网上申请回执》"));
    let receipt = app
        .get_auth(&format!("/work/cases/{no}/receipt"), &applicant)
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    let html = receipt.text();
    for needle in [
        "网上申请回执",
        no.as_str(),
        "邮寄送达：仙游县鲤城街道八二五大街1号",
        "扫描件（已电子化）",
        "等待审批部门受理",
        "<svg",
    ] {
        assert!(html.contains(needle), "receipt lacks {needle}");
    }
    assert!(
        !html.contains("350304198001011"),
        "the receipt masks the ID"
    );
    // Someone else's receipt is not found.
    let other = app.login("applicant-lin").await;
    assert_eq!(
        app.get_auth(&format!("/work/cases/{no}/receipt"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The department's delivery form starts from the applicant's choice.
    let reviewer = app.login("reviewer-licheng-civil").await;
    // The applicant's identity is checked by video before a remote acceptance.
    let c = crate::common::video_pass(&app, &reviewer, &c).await;
    let c = crate::common::step(&app, &reviewer, &c, "accept", json!({})).await;
    crate::common::step(
        &app,
        &reviewer,
        &c,
        "decide",
        json!({"approved": true, "reason": "符合条件"}),
    )
    .await;
    let page = app
        .get_auth(&format!("/work/cases/{no}"), &reviewer)
        .await
        .text();
    assert!(
        page.contains("<option value=\"post\" selected>邮寄送达（申请人选择）</option>"),
        "{page}"
    );
    assert!(page.contains("value=\"仙游县鲤城街道八二五大街1号\""));
    app.finish().await;
}
