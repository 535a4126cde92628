//! Benchmarks: `tongban bench search` measures server-side catalogue search
//! latency on a scaled catalogue (through the real router, without the
//! network) and the process's peak memory.

use axum::body::Body;
use axum::http::Request;
use clap::Subcommand;
use http_body_util::BodyExt;
use std::time::Instant;
use tower::ServiceExt;

/// What to benchmark.
#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Catalogue search: p50/p99 latency and peak memory.
    Search {
        /// Items in the catalogue (the demo's real items plus synthetic ones).
        #[arg(long, default_value_t = 3100)]
        scale: usize,
        /// Searches to time.
        #[arg(long, default_value_t = 6000)]
        queries: usize,
        /// Print one JSON object on the last line.
        #[arg(long)]
        json: bool,
    },
    /// Case lifecycle: N 受审分离 cases through intake → submit → accept →
    /// decide → deliver → complete over HTTP with C clients, against the raw
    /// single-row commit rate of the same database.
    Lifecycle {
        /// Database URL (sqlite://PATH or postgres://…); seeded with the demo city when empty.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
        /// Drive a running server instead of starting one (http://HOST:PORT).
        #[arg(long)]
        url: Option<String>,
        /// Cases to drive.
        #[arg(long, default_value_t = 500)]
        cases: u32,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: u32,
        /// Print one JSON object on the last line.
        #[arg(long)]
        json: bool,
    },
    /// Reads at city scale: fills the database with synthetic cases in
    /// bulk up to each size, then measures the inboxes, lists, one case
    /// and the lifecycle over HTTP; one table row per size.
    Scale {
        /// Database URL (sqlite://PATH or postgres://…); seeded with the demo city when empty.
        #[arg(long, env = "TONGBAN_DB")]
        db: String,
        /// Sizes to fill up to and measure at, e.g. `1e4,1e5,1e6`.
        #[arg(long, default_value = "1e4,1e5", value_parser = crate::scale::parse_sizes)]
        sizes: crate::scale::Sizes,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        clients: u32,
        /// Requests per measured read.
        #[arg(long, default_value_t = 2000)]
        requests: u32,
        /// Print one JSON object on the last line.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs a benchmark.
pub async fn run(what: BenchWhat) -> Result<(), Box<dyn std::error::Error>> {
    let (scale, queries, json) = match what {
        BenchWhat::Search {
            scale,
            queries,
            json,
        } => (scale, queries, json),
        BenchWhat::Lifecycle {
            db,
            url,
            cases,
            concurrency,
            json,
        } => {
            return lifecycle(db, url, cases, concurrency, json).await;
        }
        BenchWhat::Scale {
            db,
            sizes,
            clients,
            requests,
            json,
        } => return crate::scale::run(&db, &sizes.0, clients, requests, json).await,
    };
    let dir = std::env::temp_dir().join(format!("tongban-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = tongban_store::open(&url).await?;
    let t = Instant::now();
    tongban_demo::seed(store.as_ref(), scale, &tongban_server::auth::hash_password).await?;
    let items = store.items().await?.len();
    eprintln!("seeded {items} items in {:.1} s", t.elapsed().as_secs_f64());
    let demo = tongban_demo::Demo::load()?;
    // The mix: two-character words, full names, and colloquial names.
    let two = [
        "户口", "社保", "养老", "医保", "公积", "结婚", "驾驶", "营业", "发票", "低保", "身份",
        "出生",
    ];
    let full: Vec<String> = demo
        .items
        .iter()
        .step_by(3)
        .map(|i| i.content.name.clone())
        .collect();
    let colloquial: Vec<String> = demo
        .items
        .iter()
        .filter_map(|i| i.aliases.first().cloned())
        .collect();
    let mut mix: Vec<(String, &'static str)> = Vec::new();
    for i in 0..queries.max(1) {
        let q = match i % 3 {
            0 => (two[i / 3 % two.len()].to_owned(), "two_char"),
            1 => (full[i / 3 % full.len()].clone(), "full_name"),
            _ => (colloquial[i / 3 % colloquial.len()].clone(), "colloquial"),
        };
        mix.push(q);
    }
    let app = tongban_server::router(tongban_server::AppState::new(store, Default::default()));
    let call = |q: &str| {
        let uri = format!(
            "/api/v1/items?q={}&limit=20",
            tongban_server::extract::percent_encode(q)
        );
        let app = app.clone();
        async move {
            let res = app
                .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
                .await
                .expect("infallible");
            let status = res.status();
            let body = res.into_body().collect().await.expect("body").to_bytes();
            (status, body.len())
        }
    };
    for (q, _) in mix.iter().take(300) {
        call(q).await;
    }
    let mut all = Vec::with_capacity(mix.len());
    let mut by_kind: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let mut empty = 0;
    let started = Instant::now();
    for (q, kind) in &mix {
        let t = Instant::now();
        let (status, len) = call(q).await;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            return Err(format!("search {q:?} answered {status}").into());
        }
        if len < 30 {
            empty += 1;
        }
        all.push(ms);
        by_kind.entry(kind).or_default().push(ms);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let p50 = percentile(&all, 0.50);
    let p99 = percentile(&all, 0.99);
    let peak = peak_rss_mib().unwrap_or(0.0);
    println!(
        "catalogue: {items} items; {} searches in {wall:.2} s ({:.0}/s, one client)",
        all.len(),
        all.len() as f64 / wall
    );
    println!(
        "all          p50 {p50:.3} ms   p99 {p99:.3} ms   max {:.3} ms",
        all.last().copied().unwrap_or(0.0)
    );
    for (k, v) in &mut by_kind {
        v.sort_by(f64::total_cmp);
        println!(
            "{k:<12} p50 {:.3} ms   p99 {:.3} ms",
            percentile(v, 0.5),
            percentile(v, 0.99)
        );
    }
    println!("searches with no hit: {empty}");
    println!("peak memory (VmHWM): {peak:.1} MiB");
    if json {
        println!(
            "{}",
            serde_json::json!({"items": items, "searches": all.len(), "p50_ms": p50, "p99_ms": p99, "peak_rss_mib": peak, "no_hit": empty})
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

const STEPS: [&str; 6] = [
    "create", "submit", "accept", "decide", "deliver", "complete",
];

/// The database at `url`, with the official holiday tables and, when
/// empty, the demo city.
pub(crate) async fn open_seeded(
    url: &str,
) -> Result<std::sync::Arc<dyn tongban_store::BenchStore>, Box<dyn std::error::Error>> {
    let s = tongban_store::open_bench(url).await?;
    tongban_server::calendar::ensure_official(s.as_ref()).await?;
    if !tongban_demo::is_seeded(s.as_ref()).await? {
        tongban_demo::seed(s.as_ref(), 0, &tongban_server::auth::hash_password).await?;
    }
    Ok(s)
}

/// Starts a server on `store` in this process, on a free local port; its
/// address.
pub(crate) async fn serve_locally(
    store: &std::sync::Arc<dyn tongban_store::BenchStore>,
) -> Result<String, Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = tongban_server::AppState::new(store.clone(), Default::default());
    tokio::spawn(tongban_server::serve(listener, state));
    Ok(addr.to_string())
}

pub(crate) async fn login(host: &str, user: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut c = crate::http::Client::connect(host).await?;
    let body =
        serde_json::json!({"username": user, "password": tongban_demo::DEMO_PASSWORD}).to_string();
    let (status, text) = c
        .request("POST", "/api/v1/session", None, Some(&body))
        .await?;
    if status != 201 {
        return Err(format!("sign-in of {user} answered {status}: {text}").into());
    }
    let v: serde_json::Value = serde_json::from_str(&text)?;
    Ok(v["token"].as_str().unwrap_or_default().to_owned())
}

async fn lifecycle(
    db: Option<String>,
    url: Option<String>,
    cases: u32,
    concurrency: u32,
    json: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = match &db {
        Some(u) => Some(open_seeded(u).await?),
        None => None,
    };
    let host = match (&url, &store) {
        (Some(u), _) => u
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned(),
        (None, Some(s)) => serve_locally(s).await?,
        (None, None) => {
            return Err("give --db (start a server on it) or --url (drive a running one)".into());
        }
    };
    let run = lifecycle_on(&host, store.as_ref(), cases, concurrency).await?;
    let LifecycleRun {
        wall,
        transitions,
        cases_per_s,
        transitions_per_s,
        batching,
        ..
    } = run;
    let mut per = run.per_step;
    let mut all: Vec<f64> = per.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    println!(
        "backend: {}",
        store.as_ref().map(|s| s.backend()).unwrap_or("remote")
    );
    println!("{cases} cases, {transitions} transitions, {concurrency} clients, {wall:.2} s");
    println!("cases/s {cases_per_s:.1}   transitions/s {transitions_per_s:.1}");
    println!(
        "all steps  p50 {:.2} ms   p99 {:.2} ms",
        percentile(&all, 0.5),
        percentile(&all, 0.99)
    );
    for (i, v) in per.iter_mut().enumerate() {
        v.sort_by(f64::total_cmp);
        println!(
            "{:<10} p50 {:.2} ms   p99 {:.2} ms",
            STEPS[i],
            percentile(v, 0.5),
            percentile(v, 0.99)
        );
    }
    if let Some((commits, members)) = batching.filter(|(c, _)| *c > 0) {
        println!(
            "group commit: {members} write transactions in {commits} commits ({:.2} per fsync)",
            members as f64 / commits as f64
        );
    }
    let (baseline, ratio) = match &store {
        Some(s) => {
            let n = 2000;
            let secs = s.bench_single_row_commits(n, concurrency).await?;
            let rate = f64::from(n) / secs;
            println!(
                "raw single-row commits/s (same database, same durability, {concurrency} writers): {rate:.1}"
            );
            println!(
                "transitions/s ÷ raw commits/s = {:.2}",
                transitions_per_s / rate
            );
            (Some(rate), Some(transitions_per_s / rate))
        }
        None => (None, None),
    };
    if json {
        println!(
            "{}",
            serde_json::json!({
                "cases": cases, "concurrency": concurrency, "cases_per_s": cases_per_s,
                "transitions_per_s": transitions_per_s, "p50_ms": percentile(&all, 0.5), "p99_ms": percentile(&all, 0.99),
                "baseline_commits_per_s": baseline, "ratio": ratio,
                "writes_per_commit": batching.filter(|(c, _)| *c > 0).map(|(c, m)| m as f64 / c as f64),
            })
        );
    }
    Ok(())
}

/// One lifecycle run's results.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct LifecycleRun {
    /// Seconds.
    pub wall: f64,
    /// Steps taken.
    pub transitions: usize,
    /// Cases through all six steps per second.
    pub cases_per_s: f64,
    /// Steps per second.
    pub transitions_per_s: f64,
    /// Each step's latencies, ms.
    #[serde(skip)]
    pub per_step: Vec<Vec<f64>>,
    /// Group commit during the run: (commits, transactions).
    pub batching: Option<(u64, u64)>,
}

/// Drives `cases` cases through the six steps on the server at `host`
/// with `concurrency` clients.
pub(crate) async fn lifecycle_on(
    host: &str,
    store: Option<&std::sync::Arc<dyn tongban_store::BenchStore>>,
    cases: u32,
    concurrency: u32,
) -> Result<LifecycleRun, Box<dyn std::error::Error>> {
    let host = host.to_owned();
    let clerk = login(&host, "clerk-zhenhai").await?;
    let reviewer = login(&host, "reviewer-licheng-civil").await?;
    // The questionnaire's first answer path.
    let mut c = crate::http::Client::connect(&host).await?;
    let (_, item) = c.request("GET", "/api/v1/items/MZ-008", None, None).await?;
    let item: serde_json::Value = serde_json::from_str(&item)?;
    let guide: tongban_domain::guide::GuideMap = serde_json::from_value(item["guide"].clone())?;
    let answers = guide.paths().into_iter().next().unwrap_or_default();
    let first17 = "35030419800101123";
    let id = format!(
        "{first17}{}",
        tongban_domain::validate::id_check_char(first17.as_bytes())
    );
    let intake = serde_json::json!({
        "item": "MZ-008", "mode": "accept_remote", "answers": answers,
        "applicant": {"kind": "person", "name": "林秀英", "id_number": id, "phone": "13805941234", "household_region": "350304"}
    })
    .to_string();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let batching_before = store.as_ref().and_then(|s| s.group_commit_stats());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (host, clerk, reviewer, intake, next) = (
            host.clone(),
            clerk.clone(),
            reviewer.clone(),
            intake.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut c = crate::http::Client::connect(&host).await?;
            let mut times: Vec<Vec<f64>> = vec![Vec::new(); STEPS.len()];
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < cases {
                let t = Instant::now();
                let (status, body) = c
                    .request("POST", "/api/v1/cases", Some(&clerk), Some(&intake))
                    .await?;
                times[0].push(t.elapsed().as_secs_f64() * 1000.0);
                if status != 201 {
                    return Err(format!("intake answered {status}: {body}").into());
                }
                let v: serde_json::Value = serde_json::from_str(&body)?;
                let case_no = v["case_no"].as_str().unwrap_or_default().to_owned();
                let mut version = v["version"].as_i64().unwrap_or(1);
                for (i, step) in STEPS.iter().enumerate().skip(1) {
                    let (token, extra) = match *step {
                        "submit" | "accept" => (&clerk, serde_json::json!({})),
                        "decide" => (
                            &reviewer,
                            serde_json::json!({"approved": true, "reason": "符合条件"}),
                        ),
                        "deliver" => (&reviewer, serde_json::json!({"method": "electronic"})),
                        _ => (&reviewer, serde_json::json!({})),
                    };
                    let mut body = extra;
                    body["version"] = version.into();
                    let path = format!("/api/v1/cases/{case_no}/actions/{step}");
                    let t = Instant::now();
                    let (status, text) = c
                        .request("POST", &path, Some(token), Some(&body.to_string()))
                        .await?;
                    times[i].push(t.elapsed().as_secs_f64() * 1000.0);
                    if status != 200 {
                        return Err(format!("{step} answered {status}: {text}").into());
                    }
                    // The answer carries the next version to send.
                    let answer: serde_json::Value = serde_json::from_str(&text)?;
                    version = answer["version"].as_i64().unwrap_or_default();
                }
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(times)
        }));
    }
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); STEPS.len()];
    for t in tasks {
        let times = t.await?.map_err(|e| e.to_string())?;
        for (i, v) in times.into_iter().enumerate() {
            per[i].extend(v);
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let transitions: usize = per.iter().map(Vec::len).sum();
    let transitions_per_s = transitions as f64 / wall;
    let batching = match (batching_before, store.and_then(|s| s.group_commit_stats())) {
        (Some((c0, m0)), Some((c1, m1))) => Some((c1 - c0, m1 - m0)),
        _ => None,
    };
    Ok(LifecycleRun {
        wall,
        transitions,
        cases_per_s: f64::from(cases) / wall,
        transitions_per_s,
        per_step: per,
        batching,
    })
}
