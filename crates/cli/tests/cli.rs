//! The `tongban` binary through its command line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tongban"));
    c.env_remove("TONGBAN_DB")
        .env_remove("TONGBAN_CONFIG")
        .env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("tongban runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn tmpdir(tag: &str) -> PathBuf {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    let d = std::env::temp_dir().join(format!(
        "tongban-cli-{tag}-{}",
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn seeded_db(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = tongban_store::open(&url).await.unwrap();
        tongban_demo::seed(store.as_ref(), 0, &|_| "$argon2id$not-used".to_owned())
            .await
            .unwrap();
    });
    url
}

fn current_version(url: &str, code: &str) -> i32 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = tongban_store::open(url).await.unwrap();
        store
            .item(&tongban_domain::ItemCode(code.into()))
            .await
            .map(|v| v.version)
            .unwrap_or(0)
    })
}

#[test]
fn help_names_every_subcommand() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    let t = text(&o);
    for sub in [
        "serve", "demo", "migrate", "users", "import", "export", "bench", "outbox",
    ] {
        assert!(t.contains(sub), "{sub} missing from --help");
    }
    for sub in [
        "serve", "demo", "migrate", "users", "import", "export", "bench",
    ] {
        assert!(run(&[sub, "--help"]).status.success(), "{sub} --help");
    }
    let o = run(&["demo", "--help"]);
    for flag in ["--listen", "--db", "--scale", "--reset"] {
        assert!(text(&o).contains(flag));
    }
}

#[test]
fn migrate_and_users_add_validate_every_flag() {
    let dir = tmpdir("users");
    let url = format!("sqlite://{}", dir.join("u.db").display());
    let o = run(&["migrate", "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "users",
        "add",
        "--db",
        &url,
        "--username",
        "Bad Name",
        "--password",
        "short",
        "--role",
        "wizard",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(
        t.contains("--username") && t.contains("--password") && t.contains("--role"),
        "{t}"
    );
    let o = run(&[
        "users",
        "add",
        "--db",
        &url,
        "--username",
        "clerk1",
        "--password",
        "longenough",
        "--role",
        "clerk",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("--hall"), "a clerk needs a hall");
    let o = run(&[
        "users",
        "add",
        "--db",
        &url,
        "--username",
        "clerk1",
        "--password",
        "longenough",
        "--role",
        "clerk",
        "--hall",
        "77",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("服务中心 77 不存在"));
    let o = run(&[
        "users",
        "add",
        "--db",
        &url,
        "--username",
        "root",
        "--password",
        "longenough",
        "--role",
        "platform_admin",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "users",
        "add",
        "--db",
        &url,
        "--username",
        "root",
        "--password",
        "longenough",
        "--role",
        "platform_admin",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("已存在"));
    let o = run(&["users", "list", "--db", &url]);
    assert!(text(&o).contains("root\tplatform_admin"));
    let o = run(&["migrate", "--db", "mysql://x"]);
    assert!(!o.status.success());
    let o = run(&["migrate"]);
    assert!(text(&o).contains("--db"));
    // The database URL may come from a config file.
    let cfg = dir.join("tongban.toml");
    std::fs::write(&cfg, format!("db = \"{url}\"\n")).unwrap();
    let o = run(&["--config", cfg.to_str().unwrap(), "users", "list"]);
    assert!(text(&o).contains("root"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(dir);
}

fn export_import_round_trip(ext: &str) {
    let dir = tmpdir(ext);
    let url = seeded_db(&dir);
    let file = dir.join(format!("items.{ext}"));
    let o = run(&["export", "items", file.to_str().unwrap(), "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导出 102 项"));
    // Unchanged: no new version.
    let o = run(&["import", "items", file.to_str().unwrap(), "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 项产生新版本"), "{}", text(&o));
    assert_eq!(current_version(&url, "GA-001"), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn csv_export_then_import_is_a_no_op() {
    export_import_round_trip("csv");
}

#[test]
fn xlsx_export_then_import_is_a_no_op() {
    export_import_round_trip("xlsx");
}

#[test]
fn an_import_with_bad_rows_imports_nothing_and_names_every_bad_cell() {
    let dir = tmpdir("bad");
    let url = seeded_db(&dir);
    let file = dir.join("items.csv");
    assert!(
        run(&["export", "items", file.to_str().unwrap(), "--db", &url])
            .status
            .success()
    );
    let mut rdr = csv::Reader::from_path(&file).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let mut rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let set = |r: &mut csv::StringRecord, c: usize, v: &str| {
        let mut f: Vec<String> = r.iter().map(str::to_owned).collect();
        f[c] = v.to_owned();
        *r = csv::StringRecord::from(f);
    };
    // Row 2: a good change that must not land, because other rows are bad.
    let fee = format!("{}（2026年起）", rows[0].get(col("fee")).unwrap());
    set(&mut rows[0], col("fee"), &fee);
    // Row 3: promised beyond legal, and an unknown kind.
    set(&mut rows[1], col("promised_days"), "999");
    set(&mut rows[1], col("department_kind"), "魔法部");
    // Row 5: stars out of range and a malformed material line.
    set(&mut rows[3], col("online_stars"), "9");
    set(&mut rows[3], col("materials"), "only|three|parts");
    // Row 7: not a number.
    set(&mut rows[5], col("legal_days"), "三十");
    let mut w = csv::Writer::from_path(&file).unwrap();
    w.write_record(&headers).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    let before = current_version(&url, rows[0].get(col("code")).unwrap());
    let o = run(&["import", "items", file.to_str().unwrap(), "--db", &url]);
    assert_eq!(o.status.code(), Some(2));
    let t = text(&o);
    assert!(t.contains("未导入任何数据"), "{t}");
    for needle in [
        "第3行，列“department_kind”",
        "第5行，列“online_stars”",
        "第5行，列“materials”",
        "第7行，列“legal_days”",
    ] {
        assert!(t.contains(needle), "missing {needle} in:\n{t}");
    }
    assert_eq!(
        current_version(&url, rows[0].get(col("code")).unwrap()),
        before,
        "nothing was imported"
    );
    // With the bad rows fixed, the good change lands as a new version.
    let mut w = csv::Writer::from_path(&file).unwrap();
    w.write_record(&headers).unwrap();
    w.write_record(&rows[0]).unwrap();
    w.flush().unwrap();
    let o = run(&["import", "items", file.to_str().unwrap(), "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        current_version(&url, rows[0].get(col("code")).unwrap()),
        before + 1
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serve_never_creates_demo_data() {
    use std::io::{Read, Write};
    let dir = tmpdir("serve");
    let url = format!("sqlite://{}", dir.join("s.db").display());
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = bin()
        .args([
            "serve",
            "--db",
            &url,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut body = String::new();
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /api/v1/halls HTTP/1.0\r\nHost: x\r\n\r\n")
                .unwrap();
            s.read_to_string(&mut body).unwrap();
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        body.starts_with("HTTP/1.0 200") || body.starts_with("HTTP/1.1 200"),
        "{body}"
    );
    assert!(body.contains("\"total\":0"), "{body}");
    let o = run(&["users", "list", "--db", &url]);
    assert!(text(&o).trim().is_empty(), "no accounts: {}", text(&o));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bench_search_runs_and_reports_json() {
    let o = run(&[
        "bench",
        "search",
        "--scale",
        "300",
        "--queries",
        "60",
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let last = out.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(v["items"], 300);
    assert_eq!(v["searches"], 60);
    assert_eq!(v["no_hit"], 0, "every benchmark query finds something");
    assert!(v["p99_ms"].as_f64().unwrap() > 0.0);
    assert!(v["peak_rss_mib"].as_f64().unwrap() > 0.0);
}

#[test]
fn audit_verify_names_the_first_tampered_case_and_calendar_commands_work() {
    let dir = tmpdir("audit");
    let url = seeded_db(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let case_no = rt.block_on(async {
        let store = tongban_store::open(&url).await.unwrap();
        let dept = store.departments().await.unwrap()[0].id;
        let new = tongban_store::NewCase {
            verification_code: "ABC12345".into(),
            item_code: tongban_domain::ItemCode("GA-001".into()),
            item_version: 1,
            item_name: "居民身份证首次申领".into(),
            mode: tongban_domain::tongban::Mode::Online,
            department: dept,
            hall: None,
            applicant_user: None,
            assisted_by: None,
            delivery: None,
            created_by: None,
            applicant: tongban_domain::intake::Applicant::Company {
                name: "某公司".into(),
                uscc: "91350100M000100Y43".into(),
                registered_region: tongban_domain::RegionCode("350300".into()),
                legal_representative: "陈".into(),
                phone: "13800000000".into(),
                address: String::new(),
            },
            agent: None,
            answers: Default::default(),
            situation: "一般情形".into(),
            materials: vec![],
            promised_days: 3,
            instant: false,
            tallies: vec![],
        };
        let ev = tongban_store::NewEvent {
            at: 1,
            actor: tongban_domain::UserId(1),
            role: "applicant".into(),
            hall: None,
            department: None,
            action: "create".into(),
            payload: "{}".into(),
        };
        store
            .create_case(&new, "TB20261128", &ev, None)
            .await
            .unwrap()
            .0
            .case_no
    });
    let o = run(&["audit", "verify", "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 件办件"));
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE case_events SET at = at + 1")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let o = run(&["audit", "verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains(&case_no), "{}", text(&o));
    // The security audit log (the demo's grants are in it) is checked too.
    assert!(text(&o).contains("安全审计日志"), "{}", text(&o));
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_events SET detail = '{}' WHERE seq = 3")
            .execute(&mut c)
            .await
            .unwrap();
    });
    let o = run(&["audit", "verify", "--db", &url]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("安全审计日志第 3 条"), "{}", text(&o));

    let o = run(&["calendar", "list", "--db", &url]);
    let t = text(&o);
    assert!(
        t.contains("2026\t国务院办公厅") && t.contains("2024"),
        "{t}"
    );
    let file = dir.join("2027.toml");
    std::fs::write(&file, "[2027]\nsource = \"国务院办公厅关于2027年部分节假日安排的通知\"\noff = [\"2027-01-01\"]\nwork = []\n").unwrap();
    let o = run(&["calendar", "import", file.to_str().unwrap(), "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&run(&["calendar", "list", "--db", &url]));
    assert!(t.contains("2027\t国务院办公厅关于2027年"), "{t}");
    std::fs::write(&file, "[2027]\nsource = \"x\"\nwork = [\"2027-01-05\"]\n").unwrap();
    let o = run(&["calendar", "import", file.to_str().unwrap(), "--db", &url]);
    assert!(!o.status.success(), "a Tuesday is no makeup day");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn outbox_lists_failed_messages_and_resends_them() {
    let dir = tmpdir("outbox");
    let url = seeded_db(&dir);
    let o = run(&["outbox", "list", "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("共 0 条"), "{}", text(&o));
    // A message that failed every attempt (as the worker leaves one).
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO outbox (kind, recipient, body, created_at, status, attempts, next_attempt_at, last_error)
             VALUES ('sms', '13805940001', '您的办件已受理', 1, 'failed', 8, 1, '网关不可用')",
        )
        .execute(&mut c)
        .await
        .unwrap();
    });
    let t = text(&run(&["outbox", "list", "--db", &url]));
    assert!(
        t.contains("138****0001") && t.contains("网关不可用") && t.contains("共 1 条"),
        "{t}"
    );
    let o = run(&["outbox", "resend", "1", "--db", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已重新排队"), "{}", text(&o));
    let t = text(&run(&[
        "outbox", "list", "--status", "pending", "--db", &url,
    ]));
    assert!(t.contains("共 1 条"), "{t}");
    let o = run(&["outbox", "resend", "1", "--db", &url]);
    assert!(!o.status.success(), "only a failed message is resent");
    let _ = std::fs::remove_dir_all(dir);
}

/// A minimal HTTP/1.1 client for a `tongban serve` child: one request per
/// connection; answers the status and the body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    token: Option<&str>,
    ct: &str,
) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = body.unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head[9..12].parse().unwrap();
    let mut rest = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = rest[nl + 4 + n..].to_vec();
        }
        rest = out;
    }
    (status, rest)
}

fn json_call(
    port: u16,
    method: &str,
    path: &str,
    body: serde_json::Value,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let b = body.to_string();
    let (status, out) = http(
        port,
        method,
        path,
        Some(b.as_bytes()),
        token,
        "application/json",
    );
    (
        status,
        serde_json::from_slice(&out).unwrap_or(serde_json::Value::Null),
    )
}

/// A city set up from nothing: a fresh database (SQLite, and PostgreSQL
/// when `TONGBAN_TEST_PG` names a server), `migrate`, a first admin by the
/// CLI, the Putian city and catalogue imported from their workbooks — no
/// demo code — a 通办 list batch published by a second admin, and a case
/// received at a hall and decided by its department.
#[test]
fn a_city_set_up_from_nothing_receives_and_decides_a_case() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tmpdir("fresh");
    let mut urls = vec![format!("sqlite://{}", dir.join("fresh.db").display())];
    let admin_pg = std::env::var("TONGBAN_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty());
    let pg_name = format!(
        "tongban_fresh_{}",
        dir.file_name()
            .unwrap()
            .to_string_lossy()
            .rsplit('-')
            .next()
            .unwrap()
    );
    if let Some(admin) = &admin_pg {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {pg_name}")))
                .execute(&mut c)
                .await
                .unwrap();
        });
        urls.push(tongban_store::url_with_database(admin, &pg_name));
    }
    for url in &urls {
        set_up_and_decide(&root, &dir, url);
    }
    if let Some(admin) = &admin_pg {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(admin).await.unwrap();
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"
            )))
            .execute(&mut c)
            .await;
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn set_up_and_decide(root: &std::path::Path, dir: &std::path::Path, url: &str) {
    let ok = |o: Output| {
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    ok(run(&["migrate", "--db", url]));
    for (u, name) in [("root", "城市管理员"), ("root2", "清单复核员")] {
        ok(run(&[
            "users",
            "add",
            "--db",
            url,
            "--username",
            u,
            "--password",
            "fresh-start-1",
            "--role",
            "platform_admin",
            "--display-name",
            name,
        ]));
    }
    let city = root.join("data/putian/city.xlsx");
    let out = ok(run(&[
        "import",
        "city",
        city.to_str().unwrap(),
        "--db",
        url,
    ]));
    assert!(out.contains("导入完成"), "{out}");
    // The workbook's accounts start with passwords shown once.
    let password = |user: &str| -> String {
        out.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix(&format!("{user}\t"))
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("no initial password for {user}: {out}"))
    };
    let reviewer_password = password("reviewer-licheng-civil");
    let items = root.join("data/putian/items.xlsx");
    ok(run(&[
        "import",
        "items",
        items.to_str().unwrap(),
        "--db",
        url,
    ]));
    // Serve it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = bin()
        .args([
            "serve",
            "--db",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--files",
        ])
        .arg(dir.join("files"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut up = false;
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && http(port, "GET", "/healthz", None, None, "text/plain").0 == 200
        {
            up = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(up, "tongban serve did not come up");
    let result = std::panic::catch_unwind(|| decide_a_case(port, &reviewer_password));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn decide_a_case(port: u16, reviewer_password: &str) {
    use serde_json::json;
    let sign_in = |u: &str, p: &str| {
        let (s, v) = json_call(
            port,
            "POST",
            "/api/v1/session",
            json!({"username": u, "password": p}),
            None,
        );
        assert_eq!(s, 201, "{u}: {v}");
        v["token"].as_str().unwrap().to_owned()
    };
    let root = sign_in("root", "fresh-start-1");
    let root2 = sign_in("root2", "fresh-start-1");
    // The city is there: 23 halls, among them 荔城区行政服务中心.
    let (_, city) = json_call(port, "GET", "/api/v1/admin/city", json!({}), Some(&root));
    let halls = city["halls"].as_array().unwrap();
    assert_eq!(halls.len(), 23, "{city}");
    let licheng = halls
        .iter()
        .find(|h| h["name"] == "荔城区行政服务中心")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // A clerk for that hall, made by the city's admin.
    let (s, clerk) = json_call(
        port,
        "POST",
        "/api/v1/admin/staff",
        json!({"username": "clerk-licheng", "display_name": "陈窗口", "role": "clerk", "hall": licheng}),
        Some(&root),
    );
    assert_eq!(s, 201, "{clerk}");
    let clerk = sign_in("clerk-licheng", clerk["initial_password"].as_str().unwrap());
    // The first batch of the 通办 list: drafted by one admin, published by another.
    let (s, batch) = json_call(
        port,
        "POST",
        "/api/v1/tongban-list/batches",
        json!({"name": "第一批"}),
        Some(&root),
    );
    assert_eq!(s, 201, "{batch}");
    let no = batch["no"].as_i64().unwrap();
    let (s, v) = json_call(
        port,
        "POST",
        &format!("/api/v1/tongban-list/batches/{no}/entries"),
        json!({"items": ["MZ-008"], "modes": ["accept_remote"], "levels": ["county", "community"]}),
        Some(&root),
    );
    assert!(s < 300, "{v}");
    let (s, v) = json_call(
        port,
        "POST",
        &format!("/api/v1/tongban-list/batches/{no}/submit"),
        json!({}),
        Some(&root),
    );
    assert!(s < 300, "{v}");
    let today = {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            + 8 * 3600;
        let d = time::OffsetDateTime::from_unix_timestamp(secs)
            .unwrap()
            .date();
        d.to_string()
    };
    let (s, v) = json_call(
        port,
        "POST",
        &format!("/api/v1/tongban-list/batches/{no}/publish"),
        json!({"effective": today}),
        Some(&root2),
    );
    assert!(s < 300, "{v}");
    // A person of 荔城区 applies for 高龄老年人津贴 at the county hall.
    let mut answers = serde_json::Map::new();
    for _ in 0..6 {
        let (s, v) = json_call(
            port,
            "POST",
            "/api/v1/items/MZ-008/guide",
            json!({"answers": answers}),
            None,
        );
        if s == 200 {
            break;
        }
        let field = v["fields"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        let q = field.strip_prefix("answers.").unwrap().to_owned();
        let (_, item) = json_call(port, "GET", "/api/v1/items/MZ-008", json!({}), None);
        let question = item["guide"]["question"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == q)
            .unwrap()
            .clone();
        answers.insert(q, question["option"][0]["key"].clone());
    }
    let applicant = json!({"kind": "person", "name": "林秀英", "id_number": "350304195103120027",
        "phone": "13805940001", "household_region": "350304", "address": "莆田市荔城区"});
    let (s, c) = json_call(
        port,
        "POST",
        "/api/v1/cases",
        json!({"item": "MZ-008", "mode": "accept_remote", "applicant": applicant, "answers": answers}),
        Some(&clerk),
    );
    assert_eq!(s, 201, "{c}");
    let case_no = c["case_no"].as_str().unwrap().to_owned();
    assert_eq!(c["department"]["name"], "荔城区民政局", "{c}");
    let step = |token: &str, action: &str, version: i64, extra: serde_json::Value| {
        let mut body = extra;
        body["version"] = json!(version);
        let (s, v) = json_call(
            port,
            "POST",
            &format!("/api/v1/cases/{case_no}/actions/{action}"),
            body,
            Some(token),
        );
        assert_eq!(s, 200, "{action}: {v}");
        v
    };
    // 受审分离: the window accepts on the department's behalf; the department decides.
    let c = step(&clerk, "submit", c["version"].as_i64().unwrap(), json!({}));
    let c = step(&clerk, "accept", c["version"].as_i64().unwrap(), json!({}));
    assert_eq!(c["status"], "accepted");
    let reviewer = sign_in("reviewer-licheng-civil", reviewer_password);
    let c = step(
        &reviewer,
        "decide",
        c["version"].as_i64().unwrap(),
        json!({"approved": true, "reason": "符合高龄津贴条件"}),
    );
    assert_eq!(c["status"], "approved", "{c}");
}
