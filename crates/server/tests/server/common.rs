//! The test application: the demo city seeded into a fresh database (SQLite,
//! or PostgreSQL when `TONGBAN_TEST_PG` is set), driven through the real
//! router with `tower::ServiceExt::oneshot`.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use tongban_domain::validate::id_check_char;
use tower::ServiceExt;

pub struct TestApp {
    pub url: String,
    pub state: tongban_server::AppState,
    pub router: axum::Router,
    pub store: Arc<dyn tongban_store::Store>,
    /// The text messages the app sent.
    pub sent: Arc<tongban_server::sms::MemorySender>,
    cleanup: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.strip_prefix(&format!("{name}="))
                    .map(|r| r.split(';').next().unwrap_or("").to_owned())
            })
    }
}

fn suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl TestApp {
    /// The demo city on the backend the environment names.
    pub async fn demo() -> Self {
        Self::demo_at(None).await
    }

    /// The demo city with the clock fixed at an instant (unix ms), if given.
    pub async fn demo_at(now_ms: Option<i64>) -> Self {
        let (url, cleanup, dir) = match std::env::var("TONGBAN_TEST_PG") {
            Ok(admin) if !admin.is_empty() => {
                use sqlx_free::create_db;
                let name = format!("tongban_api_{}", suffix());
                create_db(&admin, &name).await;
                (
                    tongban_store::url_with_database(&admin, &name),
                    Some((admin, name)),
                    None,
                )
            }
            _ => {
                let dir = std::env::temp_dir().join(format!("tongban-api-{}", suffix()));
                std::fs::create_dir_all(&dir).unwrap();
                (
                    format!("sqlite://{}", dir.join("t.db").display()),
                    None,
                    Some(dir),
                )
            }
        };
        let store = tongban_store::open(&url).await.unwrap();
        tongban_demo::seed(store.as_ref(), 0, &tongban_server::auth::hash_password)
            .await
            .unwrap();
        tongban_server::calendar::ensure_official(store.as_ref())
            .await
            .unwrap();
        let files = std::env::temp_dir().join(format!("tongban-files-{}", suffix()));
        let settings = tongban_server::Settings {
            files_dir: files,
            // The windows have the simulated counter devices, as in the demo.
            device_service: Some(tongban_server::devices::SIM_BASE.into()),
            device_simulator: true,
            ..Default::default()
        };
        let mut state = tongban_server::AppState::new(store.clone(), settings);
        if let Some(ms) = now_ms {
            state.now = tongban_server::Now::fixed(ms);
        }
        let sent = Arc::new(tongban_server::sms::MemorySender::default());
        state.sender = sent.clone();
        Self {
            url,
            router: tongban_server::router(state.clone()),
            state,
            store,
            sent,
            cleanup,
            dir,
        }
    }

    /// Runs the outbox worker's passes until nothing is due (the server
    /// runs them in the background).
    pub async fn drain_outbox(&self) -> usize {
        let mut n = 0;
        loop {
            match tongban_server::outbox::deliver_due(&self.state)
                .await
                .unwrap()
            {
                0 => return n,
                k => n += k,
            }
        }
    }

    pub async fn finish(self) {
        drop(self.router);
        drop(self.state);
        drop(self.store);
        if let Some((admin, name)) = self.cleanup {
            sqlx_free::drop_db(&admin, &name).await;
        }
        if let Some(d) = self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_auth(&self, uri: &str, token: &str) -> Resp {
        self.send(
            Request::get(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Posts a page form (`application/x-www-form-urlencoded`) with a
    /// bearer token (which needs no CSRF token: browsers never send one).
    pub async fn post_form_auth(&self, uri: &str, form: &str, token: &str) -> Resp {
        self.send(
            Request::post(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_owned()))
                .unwrap(),
        )
        .await
    }

    pub async fn post_json(&self, uri: &str, body: Value, token: Option<&str>) -> Resp {
        self.json_req("POST", uri, body, token).await
    }

    pub async fn json_req(
        &self,
        method: &str,
        uri: &str,
        body: Value,
        token: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn post_idem(&self, uri: &str, body: Value, token: &str, key: &str) -> Resp {
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header("Idempotency-Key", key)
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// Runs raw SQL against the test database (to tamper with it).
    pub async fn raw_sql(&self, sql: &str) {
        use sqlx::Connection;
        if self.url.starts_with("sqlite") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut c)
                .await
                .unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }

    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, "demo").await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> String {
        let r = self
            .post_json(
                "/api/v1/session",
                serde_json::json!({"username": username, "password": password}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }
}

// Case helpers shared by the test files.

pub fn id_number(first17: &str) -> String {
    format!("{first17}{}", id_check_char(first17.as_bytes()))
}

pub fn person(household: &str) -> Value {
    json!({
        "kind": "person", "name": "林秀英", "id_number": id_number(&format!("{household}19800101123")),
        "phone": "13805941234", "household_region": household, "address": "莆田市"
    })
}

/// applicant-lin's real-name identity (household 荔城区): what she applies
/// online as.
pub fn lin() -> Value {
    json!({
        "kind": "person", "name": "林秀英", "id_number": "350304195103120027",
        "phone": "13805940001", "household_region": "350304", "address": "莆田市荔城区"
    })
}

/// applicant-demo's real-name identity (household 仙游县).
pub fn cai() -> Value {
    json!({
        "kind": "person", "name": "蔡文彬", "id_number": "350322198507150034",
        "phone": "13805940002", "household_region": "350322", "address": "仙游县"
    })
}

/// applicant-demo as the recorded agent (委托代理人) of someone else.
pub fn cai_as_agent() -> Value {
    json!({"name": "蔡文彬", "id_number": "350322198507150034", "phone": "13805940002"})
}

/// Answers every question of an item's guide map with its first option.
pub async fn answers(app: &TestApp, item: &str) -> Value {
    let mut a = serde_json::Map::new();
    for _ in 0..6 {
        let r = app
            .post_json(
                &format!("/api/v1/items/{item}/guide"),
                json!({"answers": a}),
                None,
            )
            .await;
        if r.status == StatusCode::OK {
            return Value::Object(a);
        }
        let v = r.json();
        let field = v["fields"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        let q = field.strip_prefix("answers.").unwrap().to_owned();
        let item_v = app.get(&format!("/api/v1/items/{item}")).await.json();
        let question = item_v["guide"]["question"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == q)
            .unwrap()
            .clone();
        a.insert(q, question["option"][0]["key"].clone());
    }
    panic!("guide of {item} did not resolve");
}

pub async fn act(app: &TestApp, token: &str, case: &Value, action: &str, extra: Value) -> Resp {
    let mut body = json!({"version": case["version"]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.post_json(
        &format!(
            "/api/v1/cases/{}/actions/{action}",
            case["case_no"].as_str().unwrap()
        ),
        body,
        Some(token),
    )
    .await
}

pub async fn step(app: &TestApp, token: &str, case: &Value, action: &str, extra: Value) -> Value {
    let r = act(app, token, case, action, extra).await;
    assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.text());
    r.json()
}

pub async fn create(app: &TestApp, token: &str, item: &str, mode: &str, applicant: Value) -> Resp {
    let a = answers(app, item).await;
    app.post_json(
        "/api/v1/cases",
        json!({"item": item, "mode": mode, "applicant": applicant, "answers": a}),
        Some(token),
    )
    .await
}

/// Uploads a scan of every material of an online case, then submits it.
pub async fn submit_online(app: &TestApp, token: &str, case: &Value) -> Value {
    submit_online_with(app, token, case, PDF).await
}

/// Uploads `pdf` as the scan of every material of an online case, as
/// `token` (its applicant, or the guide who filed it), then submits it.
pub async fn submit_online_with(app: &TestApp, token: &str, case: &Value, pdf: &[u8]) -> Value {
    let no = case["case_no"].as_str().unwrap().to_owned();
    let mut version = case["version"].as_i64().unwrap();
    for m in case["materials"].as_array().unwrap() {
        let v = version.to_string();
        let fields = [
            ("version", v.as_str()),
            ("material", m["key"].as_str().unwrap()),
            ("method", "scan"),
        ];
        let r = upload(app, token, &no, &fields, Some(("scan.pdf", pdf))).await;
        assert_eq!(r.status, StatusCode::OK, "upload: {}", r.text());
        version = r.json()["version"].as_i64().unwrap();
    }
    let c = json!({"case_no": no, "version": version});
    step(app, token, &c, "submit", json!({})).await
}

/// A minimal PDF.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----tongbanboundary7";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    case_no: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    let (ct, body) = multipart(fields, file);
    let req = axum::http::Request::post(format!("/api/v1/cases/{case_no}/materials"))
        .header(axum::http::header::CONTENT_TYPE, ct)
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    app.send(req).await
}

/// Creating and dropping PostgreSQL databases for tests.
mod sqlx_free {
    use sqlx::Connection;
    pub async fn create_db(admin: &str, name: &str) {
        exec(admin, format!("CREATE DATABASE {name}")).await;
    }
    pub async fn drop_db(admin: &str, name: &str) {
        exec(
            admin,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await;
    }
    async fn exec(admin: &str, sql: String) {
        let mut c = sqlx::PgConnection::connect(admin)
            .await
            .expect("TONGBAN_TEST_PG reachable");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
}

/// The text of a PDF via `pdftotext`; see `documents.rs` for when a missing
/// tool skips (locally, with a note) or fails (CI).
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"));
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
        && std::env::var_os("TONGBAN_REQUIRE_PDFTOTEXT").is_none()
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: PDF text checks SKIPPED: pdftotext not installed (apt-get install poppler-utils)"
        );
        return String::new();
    }
    let dir = std::env::temp_dir().join(format!(
        "tongban-pdf-{}-{}",
        std::process::id(),
        bytes.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("d.pdf");
    std::fs::write(&f, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&f)
        .arg("-")
        .output()
        .expect("pdftotext (Debian poppler-utils) is installed");
    let _ = std::fs::remove_dir_all(dir);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    tongban_server::extract::percent_encode(s)
}

/// A multipart body of text fields and one file part named `part`.
pub fn multipart_part(
    fields: &[(&str, &str)],
    part: &str,
    file: Option<(&str, &str, &[u8])>,
) -> (String, Vec<u8>) {
    let boundary = "----tongbanboundary9";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, mime, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The start of an MP4 file (an `ftyp` box).
pub const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2\0\0\0\x08free";

/// Records a video check's result as `token`: `outcome`, a reason when it
/// failed, and `recording` as the file part when given.
pub async fn video_result(
    app: &TestApp,
    token: &str,
    case_no: &str,
    id: i64,
    outcome: &str,
    recording: Option<(&str, &str, &[u8])>,
) -> Resp {
    let mut fields = vec![("outcome", outcome)];
    if outcome == "failed" {
        fields.push(("reason", "视频中人像与身份证照片不符"));
    }
    let (ct, body) = multipart_part(&fields, "recording", recording);
    let req =
        axum::http::Request::post(format!("/api/v1/cases/{case_no}/video-checks/{id}/result"))
            .header(axum::http::header::CONTENT_TYPE, ct)
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .body(axum::body::Body::from(body))
            .unwrap();
    app.send(req).await
}

/// Starts a video check on a case and records it passed (with an MP4
/// recording), as `token`; answers the case's number and new version.
pub async fn video_pass(app: &TestApp, token: &str, case: &Value) -> Value {
    let no = case["case_no"].as_str().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/cases/{no}/video-checks"),
            json!({}),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "start: {}", r.text());
    let id = r.json()["check"]["id"].as_i64().unwrap();
    let r = video_result(
        app,
        token,
        no,
        id,
        "passed",
        Some(("v.mp4", "video/mp4", MP4)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "result: {}", r.text());
    json!({"case_no": no, "version": r.json()["version"]})
}
