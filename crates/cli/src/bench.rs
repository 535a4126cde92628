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
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs a benchmark.
pub async fn run(what: BenchWhat) -> Result<(), Box<dyn std::error::Error>> {
    let BenchWhat::Search {
        scale,
        queries,
        json,
    } = what;
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
