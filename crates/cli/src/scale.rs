//! `tongban bench scale`: fills a database with synthetic cases in bulk (not
//! through HTTP) up to each size asked for, then measures the reads that
//! grow with a city over HTTP at C clients — a department's inbox (first
//! page and a deep one), an applicant's list, a hall's list, one case, the
//! 好差评 statistics — and a short lifecycle run on the same server.

use crate::bench::{login, peak_rss_mib, percentile};
use std::sync::Arc;
use std::time::Instant;
use tongban_store::{BenchStore, BulkCase, BulkRating, BulkRectification};

/// A small deterministic generator (xorshift64*): the same fill every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What the city holds that synthetic cases refer to.
struct Pool {
    departments: Vec<i64>,
    halls: Vec<i64>,
    items: Vec<(String, String, i64)>,
    applicants: Vec<i64>,
    demo_applicant: i64,
    admin: i64,
}

/// One measured read: its name, requests per second, p50 and p99 in ms.
#[derive(Debug, Clone, serde::Serialize)]
struct Measure {
    name: &'static str,
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Runs the scale benchmark.
pub async fn run(
    db: &str,
    sizes: &[u64],
    clients: u32,
    requests: u32,
    json: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let store = crate::bench::open_seeded(db).await?;
    let host = crate::bench::serve_locally(&store).await?;
    let mut pool = pool(store.as_ref()).await?;
    println!(
        "backend: {}, {clients} clients, {requests} requests per read",
        store.backend()
    );
    println!(
        "| cases | fill s | inbox first /s (p99 ms) | inbox deep /s (p99) | applicant /s (p99) | hall /s (p99) | case /s (p99) | 好差评 stats /s (p99) | lifecycle cases/s | RSS MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut rows = Vec::new();
    for &size in sizes {
        let t = Instant::now();
        fill(store.as_ref(), &mut pool, size).await?;
        let fill_s = t.elapsed().as_secs_f64();
        let measures = measure(&host, clients, requests).await?;
        let lc = crate::bench::lifecycle_on(&host, Some(&store), 200, clients).await?;
        let rss = current_rss_mib().unwrap_or(0.0);
        let cell = |m: &Measure| format!("{:.0} ({:.1})", m.per_s, m.p99_ms);
        println!(
            "| {size} | {fill_s:.0} | {} | {:.1} | {rss:.0} |",
            measures.iter().map(cell).collect::<Vec<_>>().join(" | "),
            lc.cases_per_s
        );
        rows.push(serde_json::json!({
            "cases": size, "fill_s": fill_s, "reads": measures, "lifecycle": lc, "rss_mib": rss,
            "peak_rss_mib": peak_rss_mib(),
        }));
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"backend": store.backend(), "clients": clients, "sizes": rows})
        );
    }
    Ok(())
}

/// Resident memory now, in MiB (Linux `VmRSS`).
fn current_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

async fn pool(store: &dyn BenchStore) -> Result<Pool, Box<dyn std::error::Error>> {
    let departments: Vec<i64> = store.departments().await?.iter().map(|d| d.id.0).collect();
    let halls: Vec<i64> = store.halls().await?.iter().map(|h| h.id.0).collect();
    let items = store
        .items()
        .await?
        .iter()
        .map(|i| {
            (
                i.content.code.0.clone(),
                i.content.name.clone(),
                i64::from(i.content.promised_days.max(1)),
            )
        })
        .collect();
    let user = |name: &str| {
        let name = name.to_owned();
        async move {
            store
                .user_credentials(&name)
                .await
                .map_err(|e| format!("{name}: {e}"))?
                .map(|(u, _)| u.id.0)
                .ok_or_else(|| format!("no user {name}"))
        }
    };
    Ok(Pool {
        departments,
        halls,
        items,
        applicants: Vec::new(),
        demo_applicant: user("applicant-demo").await?,
        admin: user("admin").await?,
    })
}

/// Adds synthetic cases until the database holds about `size` cases: a
/// realistic spread — every department and hall, 30% filed online by one
/// of the applicants (each with a few cases), 5% running with a due date
/// around today, 3% not yet accepted, the rest decided over three years,
/// and of those 30% rated ([`rating`]).
async fn fill(
    store: &dyn BenchStore,
    pool: &mut Pool,
    size: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let have = u64::try_from(store.max_case_id().await?).unwrap_or(0);
    if have >= size {
        return Ok(());
    }
    let now = tongban_store::now_ms();
    let today = tongban_app::shanghai_date(now);
    // One applicant per ten new cases (named after where this fill starts,
    // so a later fill of the same database adds its own).
    let names: Vec<String> = (0..(size - have).div_ceil(10))
        .map(|i| format!("syn-{have}-{i}"))
        .collect();
    pool.applicants.clear();
    for chunk in names.chunks(50_000) {
        pool.applicants
            .extend(store.bulk_applicants(chunk, now).await?);
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ have);
    let day_ms = 86_400_000i64;
    let mut batch = Vec::with_capacity(10_000);
    let mut counts = Counts::default();
    for n in have..size {
        let age_days = rng.below(3 * 365) as i64;
        let (item_code, item_name, days) = pool.items[rng.below(pool.items.len())].clone();
        let roll = rng.below(100);
        let online = rng.below(10) < 3;
        let applicant_user = match (online, n % 50) {
            (true, 0) => Some(pool.demo_applicant),
            (true, _) => Some(pool.applicants[rng.below(pool.applicants.len())]),
            _ => None,
        };
        let (status, age_days) = match roll {
            0..=2 => ("submitted", rng.below(3) as i64),
            3..=7 => ("accepted", rng.below(30) as i64),
            _ => (
                if roll.is_multiple_of(7) {
                    "denied"
                } else {
                    "completed"
                },
                age_days,
            ),
        };
        let created = today - time::Duration::days(age_days);
        let created_at = now - age_days * day_ms - rng.below(8 * 3600) as i64 * 1000;
        let (accepted_on, decided_on, due_on) = match status {
            "submitted" => (None, None, None),
            "accepted" => (
                Some(created.to_string()),
                None,
                Some((created + time::Duration::days(days * 7 / 5)).to_string()),
            ),
            _ => (
                Some(created.to_string()),
                Some(
                    (created + time::Duration::days(rng.below(days as usize + 1) as i64))
                        .to_string(),
                ),
                None,
            ),
        };
        let updated_at = created_at + rng.below(3_600_000) as i64;
        let rating = match &decided_on {
            Some(d) if rng.below(10) < 3 => rating(&mut rng, d, today, now),
            _ => None,
        };
        batch.push(BulkCase {
            case_no: format!("TB19{:014}", n + 1),
            item_code,
            item_name,
            mode: "accept_remote",
            status,
            department: pool.departments[rng.below(pool.departments.len())],
            hall: (!online).then(|| pool.halls[rng.below(pool.halls.len())]),
            applicant_user,
            actor: pool.admin,
            applicant_name: "林秀英".into(),
            applicant: r#"{"kind":"person","name":"林秀英","id_number":"350304198001011235","phone":"13805941234","household_region":"350304","address":""}"#.into(),
            promised_days: days,
            accepted_on,
            decided_on,
            due_on,
            created_at,
            updated_at,
            rating,
        });
        counts.add(&batch[batch.len() - 1]);
        if batch.len() == 10_000 {
            store.bulk_cases(&batch).await?;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.bulk_cases(&batch).await?;
    }
    // The kept counts of what was filled, summed over the fill.
    let (flows, stock) = counts.rows();
    store.bulk_counts(&flows, &stock).await?;
    Ok(())
}

/// The kept counts of synthetic cases: flows by (scope, id, day, flow)
/// and cases by (scope, id, status), for each case's department and hall.
#[derive(Default)]
struct Counts {
    flows: std::collections::HashMap<(&'static str, i64, String, &'static str), i64>,
    stock: std::collections::HashMap<(&'static str, i64, &'static str), i64>,
}

impl Counts {
    fn add(&mut self, c: &BulkCase) {
        use tongban_domain::case::tally::Flow;
        let opened = tongban_app::shanghai_date(c.created_at).to_string();
        let completed = c.status == "completed";
        let scopes =
            std::iter::once(("department", c.department)).chain(c.hall.map(|h| ("hall", h)));
        for (scope, id) in scopes {
            let mut flow = |day: &str, f: Flow| {
                *self
                    .flows
                    .entry((scope, id, day.to_owned(), f.as_str()))
                    .or_default() += 1;
            };
            flow(&opened, Flow::Opened);
            if let Some(d) = &c.accepted_on {
                flow(d, Flow::Received);
            }
            if let Some(d) = &c.decided_on {
                flow(d, Flow::Decided);
                if completed {
                    flow(d, Flow::Approved);
                    flow(d, Flow::Completed);
                }
            }
            *self.stock.entry((scope, id, c.status)).or_default() += 1;
        }
    }

    /// The rows to add.
    #[allow(clippy::type_complexity)]
    fn rows(
        self,
    ) -> (
        Vec<(&'static str, i64, String, &'static str, i64)>,
        Vec<(&'static str, i64, &'static str, i64)>,
    ) {
        (
            self.flows
                .into_iter()
                .map(|((scope, id, day, flow), n)| (scope, id, day, flow, n))
                .collect(),
            self.stock
                .into_iter()
                .map(|((scope, id, status), n)| (scope, id, status, n))
                .collect(),
        )
    }
}

/// The rating of a case decided on `decided` (`YYYY-MM-DD`; `now` is today): grades spread
/// as people give them (mostly 非常满意 and 满意, one in ten a 差评); a 差评's
/// rectification is due ten working days (two weeks) after it was opened,
/// and is closed in time when its due day has passed, but one in five
/// still open (so overdue) and those due from today on open.
fn rating(rng: &mut Rng, decided: &str, today: time::Date, now: i64) -> Option<BulkRating> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(decided, &f).ok()?;
    // Rated the day it was decided (or today), in office hours.
    let at =
        now - (today - day).whole_days().max(0) * 86_400_000 + rng.below(8 * 3600) as i64 * 1000;
    let overall = match rng.below(100) {
        0..=54 => 5,
        55..=79 => 4,
        80..=89 => 3,
        90..=95 => 2,
        _ => 1,
    };
    let rectification = (overall <= 2).then(|| {
        let due = day + time::Duration::days(14);
        BulkRectification {
            opened_on: day.to_string(),
            due_on: due.to_string(),
            closed_at: (due < today && rng.below(5) != 0)
                .then(|| at + rng.below(10) as i64 * 86_400_000),
        }
    });
    Some(BulkRating {
        overall,
        at,
        rectification,
    })
}

/// Times `requests` GETs of `paths` (round robin) at `clients` at once.
async fn timed(
    host: &str,
    token: &str,
    name: &'static str,
    paths: Arc<Vec<String>>,
    clients: u32,
    requests: u32,
) -> Result<Measure, Box<dyn std::error::Error>> {
    let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (host, token, paths, next) = (
            host.to_owned(),
            token.to_owned(),
            paths.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut c = crate::http::Client::connect(&host).await?;
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(times);
                }
                let path = &paths[i as usize % paths.len()];
                let t = Instant::now();
                let (status, body) = c.request("GET", path, Some(&token), None).await?;
                times.push(t.elapsed().as_secs_f64() * 1000.0);
                if status != 200 {
                    return Err(format!("{path} answered {status}: {body}").into());
                }
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?.map_err(|e| e.to_string())?);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    Ok(Measure {
        name,
        per_s: all.len() as f64 / wall,
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
    })
}

/// The reads, measured.
async fn measure(
    host: &str,
    clients: u32,
    requests: u32,
) -> Result<Vec<Measure>, Box<dyn std::error::Error>> {
    let reviewer = login(host, "reviewer-licheng-civil").await?;
    let clerk = login(host, "clerk-zhenhai").await?;
    let applicant = login(host, "applicant-demo").await?;
    let admin = login(host, "admin").await?;
    // Walk the inbox 100 pages deep, keeping the cases seen to read.
    let mut c = crate::http::Client::connect(host).await?;
    let first = "/api/v1/cases?order=due&limit=20".to_string();
    let mut deep = first.clone();
    let mut cases = Vec::new();
    for _ in 0..100 {
        let (_, body) = c.request("GET", &deep, Some(&reviewer), None).await?;
        let v: serde_json::Value = serde_json::from_str(&body)?;
        cases.extend(
            v["data"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["case_no"].as_str())
                .map(|no| format!("/api/v1/cases/{no}")),
        );
        match v["next"].as_str() {
            Some(n) => deep = format!("/api/v1/cases?order=due&limit=20&cursor={n}"),
            None => break,
        }
    }
    if cases.is_empty() {
        return Err("the department's inbox is empty".into());
    }
    let one = |p: String| Arc::new(vec![p]);
    Ok(vec![
        timed(
            host,
            &reviewer,
            "inbox_first",
            one(first),
            clients,
            requests,
        )
        .await?,
        timed(host, &reviewer, "inbox_deep", one(deep), clients, requests).await?,
        timed(
            host,
            &applicant,
            "applicant_list",
            one("/api/v1/cases?limit=20".into()),
            clients,
            requests,
        )
        .await?,
        timed(
            host,
            &clerk,
            "hall_list",
            one("/api/v1/cases?order=due&limit=20".into()),
            clients,
            requests,
        )
        .await?,
        timed(
            host,
            &reviewer,
            "read_case",
            Arc::new(cases),
            clients,
            requests,
        )
        .await?,
        timed(
            host,
            &admin,
            "evaluation_stats",
            one("/api/v1/evaluations/stats?by=department".into()),
            clients,
            requests,
        )
        .await?,
    ])
}

/// The sizes of `--sizes`.
#[derive(Debug, Clone)]
pub struct Sizes(pub Vec<u64>);

/// The sizes of `--sizes`: comma-separated, each a number or `1e6`-style.
pub fn parse_sizes(s: &str) -> Result<Sizes, String> {
    s.split(',')
        .map(|x| {
            let x = x.trim();
            match x.split_once('e') {
                Some((m, e)) => Ok(m.parse::<u64>().map_err(|e| e.to_string())?
                    * 10u64.pow(e.parse::<u32>().map_err(|e| e.to_string())?)),
                None => x.parse::<u64>().map_err(|e| e.to_string()),
            }
        })
        .collect::<Result<_, _>>()
        .map(Sizes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;
    use tongban_domain::case::tally::Flow;
    use tongban_store::CountScope;

    /// The fill keeps the counts a step would: per department and hall,
    /// the cases per status, and over all days one opening per case and
    /// one receipt per accepted case — on top of the demo's own cases.
    #[tokio::test]
    async fn the_fill_keeps_the_counts_of_what_it_writes() {
        let mut b = [0u8; 6];
        getrandom::fill(&mut b).unwrap();
        let path = std::env::temp_dir().join(format!(
            "tongban-scale-{}.db",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ));
        let url = format!("sqlite://{}", path.display());
        let store = crate::bench::open_seeded(&url).await.unwrap();
        let mut pool = pool(store.as_ref()).await.unwrap();
        fill(store.as_ref(), &mut pool, 3_000).await.unwrap();
        let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let from = time::macros::date!(2000 - 01 - 01);
        let to = time::macros::date!(2100 - 01 - 01);
        for (column, ids) in [
            ("department_id", &pool.departments),
            ("hall_id", &pool.halls),
        ] {
            for &id in ids.iter() {
                let scope = match column {
                    "department_id" => CountScope::Department(tongban_domain::DepartmentId(id)),
                    _ => CountScope::Hall(tongban_domain::HallId(id)),
                };
                let rows: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT status, COUNT(*) FROM cases WHERE {column} = ?1 GROUP BY status"
                )))
                .bind(id)
                .fetch_all(&mut db)
                .await
                .unwrap();
                let mut want: Vec<(tongban_domain::case::Status, i64)> = rows
                    .into_iter()
                    .map(|(s, n)| (tongban_domain::case::Status::parse(&s).unwrap(), n))
                    .collect();
                want.sort_by_key(|(s, _)| {
                    tongban_domain::case::Status::ALL
                        .iter()
                        .position(|x| x == s)
                });
                assert_eq!(store.status_counts(scope).await.unwrap(), want, "{scope:?}");
                let flows = store.flow_counts(scope, from, to).await.unwrap();
                let total = |f: Flow| -> i64 {
                    flows
                        .iter()
                        .filter(|(_, x, _)| *x == f)
                        .map(|(_, _, n)| n)
                        .sum()
                };
                let (cases, accepted): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*), COUNT(accepted_on) FROM cases WHERE {column} = ?1"
                )))
                .bind(id)
                .fetch_one(&mut db)
                .await
                .unwrap();
                assert_eq!(total(Flow::Opened), cases, "{scope:?}");
                assert_eq!(total(Flow::Received), accepted, "{scope:?}");
            }
        }
        drop(db);
        let _ = std::fs::remove_file(&path);
    }
}
