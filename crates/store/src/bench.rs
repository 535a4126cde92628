//! What only the benchmarks ask of a database, kept off the production
//! [`Store`](crate::Store): reached through [`open_bench`](crate::open_bench).

/// A synthetic case for the scale benchmark, written in bulk with one
/// `import` event (chained like every event) instead of through the steps.
#[derive(Debug, Clone)]
pub struct BulkCase {
    /// Case number (unique).
    pub case_no: String,
    /// Item code (a published item).
    pub item_code: String,
    /// Item name.
    pub item_name: String,
    /// Mode.
    pub mode: &'static str,
    /// Status.
    pub status: &'static str,
    /// Deciding department.
    pub department: i64,
    /// Receiving hall.
    pub hall: Option<i64>,
    /// The applicant's account.
    pub applicant_user: Option<i64>,
    /// The importing user (the event's actor).
    pub actor: i64,
    /// Applicant name.
    pub applicant_name: String,
    /// Applicant (JSON).
    pub applicant: String,
    /// Promised working days.
    pub promised_days: i64,
    /// Accepted on (`YYYY-MM-DD`).
    pub accepted_on: Option<String>,
    /// Decided on.
    pub decided_on: Option<String>,
    /// Due on, while the clock runs.
    pub due_on: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last change, unix ms.
    pub updated_at: i64,
}

/// The benchmarks' view of a store: everything a [`crate::Store`] does, and
/// what the lifecycle benchmark measures besides.
#[async_trait::async_trait]
pub trait BenchStore: crate::Store {
    /// Which backend this is (`sqlite` or `postgres`).
    fn backend(&self) -> &'static str;

    /// Group commit so far, where the backend does it: (commits, the
    /// transactions they carried).
    fn group_commit_stats(&self) -> Option<(u64, u64)>;

    /// Benchmark baseline: commits `n` single-row transactions, `concurrency`
    /// at a time, into a scratch table (created and dropped here) with the
    /// database's own durability settings; returns the elapsed seconds.
    async fn bench_single_row_commits(&self, n: u32, concurrency: u32) -> crate::Result<f64>;

    /// The database's plans of the queries that read a page of `filter`
    /// (one per branch of the visibility rule): on PostgreSQL with
    /// sequential scans, bitmap scans and sorts priced out, so a plan that
    /// still has one has no index to go by.
    async fn case_list_plans(&self, filter: &crate::CaseFilter) -> crate::Result<Vec<String>>;

    /// The database's plan of the query that reads a page of the audit log
    /// (priced like [`BenchStore::case_list_plans`]).
    async fn audit_list_plan(&self, filter: &crate::AuditFilter) -> crate::Result<String>;

    /// The plans of the queries the rectification list and the rating
    /// statistics read (priced the same way): each (what it reads, plan).
    async fn evaluation_plans(&self) -> crate::Result<Vec<(String, String)>>;

    /// The plans of the kept case counts' reads (priced the same way):
    /// each (what it reads, plan).
    async fn count_plans(&self) -> crate::Result<Vec<(String, String)>>;

    /// Creates applicant accounts (no password: they cannot sign in) in one
    /// transaction; their ids in order.
    async fn bulk_applicants(&self, usernames: &[String], at: i64) -> crate::Result<Vec<i64>>;

    /// Writes synthetic cases, each with its one chained `import` event, in
    /// one transaction.
    async fn bulk_cases(&self, cases: &[BulkCase]) -> crate::Result<()>;

    /// The highest case id so far (0 when none).
    async fn max_case_id(&self) -> crate::Result<i64>;
}

/// Implements [`BenchStore`] for `$ty` (a `Clone` backend with a `pool`
/// field, `begin_solo` and `commit_stats`).
macro_rules! impl_bench {
    ($ty:ty, $backend:literal) => {
        #[async_trait::async_trait]
        impl $crate::bench::BenchStore for $ty {
            fn backend(&self) -> &'static str {
                $backend
            }

            fn group_commit_stats(&self) -> Option<(u64, u64)> {
                self.commit_stats()
            }

            async fn bench_single_row_commits(&self, n: u32, concurrency: u32) -> $crate::Result<f64> {
                sqlx::query("CREATE TABLE IF NOT EXISTS bench_baseline (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
                    .execute(&self.pool)
                    .await?;
                sqlx::query("DELETE FROM bench_baseline").execute(&self.pool).await?;
                let started = std::time::Instant::now();
                let next = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
                let mut tasks = Vec::new();
                for _ in 0..concurrency.max(1) {
                    let this = self.clone();
                    let next = next.clone();
                    tasks.push(tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= n {
                                return Ok::<(), $crate::StoreError>(());
                            }
                            let mut tx = this.begin_solo().await?;
                            sqlx::query("INSERT INTO bench_baseline (id, payload) VALUES ($1, $2)")
                                .bind(i64::from(i))
                                .bind("0123456789abcdef0123456789abcdef")
                                .execute(&mut *tx)
                                .await?;
                            tx.commit().await?;
                        }
                    }));
                }
                for t in tasks {
                    t.await.map_err(|e| $crate::StoreError::Corrupt(e.to_string()))??;
                }
                let secs = started.elapsed().as_secs_f64();
                sqlx::query("DROP TABLE bench_baseline").execute(&self.pool).await?;
                Ok(secs)
            }

            async fn case_list_plans(&self, f: &$crate::CaseFilter) -> $crate::Result<Vec<String>> {
                let (queries, window) = $crate::cases::page_queries(f);
                let mut plans = Vec::new();
                for (sql, mut binds) in queries.into_iter().flatten() {
                    binds.push($crate::cases::Bind::Int(window));
                    plans.push(self.explain(&sql, binds).await?);
                }
                Ok(plans)
            }

            async fn audit_list_plan(&self, f: &$crate::AuditFilter) -> $crate::Result<String> {
                use $crate::cases::Bind;
                let mut binds = Vec::new();
                if let Some(s) = &f.subject {
                    binds.push(Bind::Text(s.clone()));
                }
                if let Some(a) = f.actor {
                    binds.push(Bind::Int(a.0));
                }
                if let Some(k) = &f.kind {
                    binds.push(Bind::Text(k.clone()));
                }
                if let Some(b) = f.before {
                    binds.push(Bind::Int(b));
                }
                binds.push(Bind::Int(f.limit + 1));
                self.explain(&$crate::trust::audit_page_sql(f), binds).await
            }

            async fn count_plans(&self) -> $crate::Result<Vec<(String, String)>> {
                use $crate::cases::Bind;
                let scope = || vec![Bind::Text("department".into()), Bind::Int(1)];
                let mut days = scope();
                days.extend([Bind::Text("2026-11-01".into()), Bind::Text("2026-11-30".into())]);
                Ok(vec![
                    ("status counts".into(), self.explain($crate::cases::STATUS_COUNTS_SQL, scope()).await?),
                    ("flow counts".into(), self.explain($crate::cases::FLOW_COUNTS_SQL, days).await?),
                ])
            }

            async fn evaluation_plans(&self) -> $crate::Result<Vec<(String, String)>> {
                let mut plans = Vec::new();
                for (what, sql, binds) in $crate::evaluations::planned_queries() {
                    plans.push((what, self.explain(&sql, binds).await?));
                }
                Ok(plans)
            }

            async fn bulk_applicants(&self, usernames: &[String], at: i64) -> $crate::Result<Vec<i64>> {
                let mut tx = self.begin_write().await?;
                let mut ids = Vec::with_capacity(usernames.len());
                for chunk in usernames.chunks(2000) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO users (username, display_name, password_hash, role, created_at) ",
                    );
                    q.push_values(chunk, |mut b, u| {
                        b.push_bind(u).push_bind(u).push_bind("!").push_bind("applicant").push_bind(at);
                    });
                    q.push(" RETURNING id");
                    let mut rows: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
                    rows.sort_unstable();
                    ids.extend(rows);
                }
                tx.commit().await?;
                Ok(ids)
            }

            async fn bulk_cases(&self, cases: &[$crate::bench::BulkCase]) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                for chunk in cases.chunks(1000) {
                    // Each case's one event, chained from the start: its hash is the case's head.
                    let hashes: std::collections::HashMap<&str, String> = chunk
                        .iter()
                        .map(|c| {
                            let hash = tongban_domain::timeline::event_hash(
                                tongban_domain::timeline::GENESIS,
                                &tongban_domain::timeline::ChainedFields {
                                    case_no: &c.case_no,
                                    seq: 1,
                                    at: c.created_at,
                                    actor: c.actor,
                                    role: "platform_admin",
                                    action: "import",
                                    status: c.status,
                                    payload: "{}",
                                },
                            );
                            (c.case_no.as_str(), hash)
                        })
                        .collect();
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO cases (case_no, verification_code, item_code, item_version, item_name, mode, status, version,
                           department_id, hall_id, applicant_user_id, created_by, applicant_name, applicant, answers, situation,
                           materials, promised_days, instant, pauses, created_at, updated_at, accepted_on, decided_on, due_on, head_hash) ",
                    );
                    q.push_values(chunk, |mut b, c| {
                        b.push_bind(&c.case_no)
                            .push_bind(&c.case_no)
                            .push_bind(&c.item_code)
                            .push_bind(1i64)
                            .push_bind(&c.item_name)
                            .push_bind(c.mode)
                            .push_bind(c.status)
                            .push_bind(1i64)
                            .push_bind(c.department)
                            .push_bind(c.hall)
                            .push_bind(c.applicant_user)
                            .push_bind(c.actor)
                            .push_bind(&c.applicant_name)
                            .push_bind(&c.applicant)
                            .push_bind("{}")
                            .push_bind("一般情形")
                            .push_bind("[]")
                            .push_bind(c.promised_days)
                            .push_bind(false)
                            .push_bind("[]")
                            .push_bind(c.created_at)
                            .push_bind(c.updated_at)
                            .push_bind(&c.accepted_on)
                            .push_bind(&c.decided_on)
                            .push_bind(&c.due_on)
                            .push_bind(hashes.get(c.case_no.as_str()).cloned().unwrap_or_default());
                    });
                    q.push(" RETURNING id, case_no");
                    let ids: std::collections::HashMap<String, i64> = q
                        .build_query_as::<(i64, String)>()
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .map(|(id, no)| (no, id))
                        .collect();
                    let mut e = sqlx::QueryBuilder::new(
                        "INSERT INTO case_events (case_id, seq, at, actor_id, role, hall_id, department_id, action, status, payload,
                           prev_hash, hash) ",
                    );
                    e.push_values(chunk, |mut b, c| {
                        let hash = hashes.get(c.case_no.as_str()).cloned().unwrap_or_default();
                        b.push_bind(ids.get(&c.case_no).copied().unwrap_or_default())
                            .push_bind(1i64)
                            .push_bind(c.created_at)
                            .push_bind(c.actor)
                            .push_bind("platform_admin")
                            .push_bind(None::<i64>)
                            .push_bind(None::<i64>)
                            .push_bind("import")
                            .push_bind(c.status)
                            .push_bind("{}")
                            .push_bind(tongban_domain::timeline::GENESIS)
                            .push_bind(hash);
                    });
                    e.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn max_case_id(&self) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM cases").fetch_one(&self.pool).await?.unwrap_or(0))
            }
        }

        impl $ty {
            /// The plan of `sql` with `binds`: on PostgreSQL with sequential
            /// scans, bitmap scans and sorts priced out, so a plan that still
            /// has one has no index to go by.
            async fn explain(&self, sql: &str, binds: Vec<$crate::cases::Bind>) -> $crate::Result<String> {
                let mut tx = self.pool.begin().await?;
                let explain = if $backend == "sqlite" {
                    "EXPLAIN QUERY PLAN"
                } else {
                    for off in ["enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_incremental_sort"] {
                        sqlx::query(sqlx::AssertSqlSafe(format!("SET LOCAL {off} = off"))).execute(&mut *tx).await?;
                    }
                    "EXPLAIN"
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("{explain} {sql}")));
                for b in binds {
                    q = match b {
                        $crate::cases::Bind::Int(v) => q.bind(v),
                        $crate::cases::Bind::Text(v) => q.bind(v),
                    };
                }
                let col = if $backend == "sqlite" { 3 } else { 0 };
                let lines = q
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| sqlx::Row::try_get::<String, _>(r, col))
                    .collect::<Result<Vec<_>, _>>()?;
                tx.rollback().await?;
                Ok(lines.join("\n"))
            }
        }
    };
}
pub(crate) use impl_bench;
