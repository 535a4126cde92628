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
    /// Its rating (好差评), if the applicant gave one.
    pub rating: Option<BulkRating>,
}

/// The rating of a synthetic case: on the window channel when a hall
/// received it, online otherwise, every dimension of the channel graded
/// `overall`.
#[derive(Debug, Clone)]
pub struct BulkRating {
    /// The overall grade, 1–5 (1 and 2 are a 差评).
    pub overall: u8,
    /// Rated at, unix ms.
    pub at: i64,
    /// A 差评's rectification, owed by the hall for the window channel and
    /// by the department online (as a rating writes it).
    pub rectification: Option<BulkRectification>,
}

/// The rectification of a synthetic 差评.
#[derive(Debug, Clone)]
pub struct BulkRectification {
    /// Opened on (`YYYY-MM-DD`).
    pub opened_on: String,
    /// Due on (`YYYY-MM-DD`).
    pub due_on: String,
    /// Closed at, unix ms; open when none.
    pub closed_at: Option<i64>,
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

    /// The plans of the case search's queries within a visibility rule
    /// (priced the same way): each (what it looks for, plan).
    async fn search_plans(
        &self,
        visible: tongban_domain::authz::CaseVisibility,
    ) -> crate::Result<Vec<(String, String)>>;

    /// The plans of the kept case counts' reads (priced the same way):
    /// each (what it reads, plan).
    async fn count_plans(&self) -> crate::Result<Vec<(String, String)>>;

    /// The database's plan of the query that reads a page of appointments
    /// (priced like [`BenchStore::case_list_plans`]).
    async fn appointment_list_plan(
        &self,
        filter: &crate::AppointmentFilter,
    ) -> crate::Result<String>;

    /// The plans of the reads bounded by one account or one case (priced
    /// the same way): each (what it reads, plan) — an account's
    /// notifications, its unread count and marking them read; a case's
    /// events, material receipts, video checks and latest video verdict;
    /// a page of staff (a hall's, a department's, everyone's); the arrivals
    /// due and a department's staff — and a control no index serves.
    async fn bounded_read_plans(&self) -> crate::Result<Vec<(String, String)>>;

    /// The plans of the 通办 list batches' reads (priced the same way):
    /// each (what it reads, plan) — a page of batches, a batch's entries,
    /// the published batches and their entries.
    async fn list_batch_plans(&self) -> crate::Result<Vec<(String, String)>>;

    /// Creates applicant accounts (no password: they cannot sign in) in one
    /// transaction; their ids in order.
    async fn bulk_applicants(&self, usernames: &[String], at: i64) -> crate::Result<Vec<i64>>;

    /// Writes synthetic cases, each with its one chained `import` event,
    /// and their ratings and rectifications with the statistics' counters
    /// moved as rating and closing move them, in one transaction.
    async fn bulk_cases(&self, cases: &[BulkCase]) -> crate::Result<()>;

    /// Adds to the kept case counts (flows: scope, scope id, day, flow, n;
    /// stock: scope, scope id, status, n) in one transaction: what
    /// [`BenchStore::bulk_cases`] filled, summed.
    #[allow(clippy::type_complexity)]
    async fn bulk_counts(
        &self,
        flows: &[(&'static str, i64, String, &'static str, i64)],
        stock: &[(&'static str, i64, &'static str, i64)],
    ) -> crate::Result<()>;

    /// The highest case id so far (0 when none).
    async fn max_case_id(&self) -> crate::Result<i64>;
}

/// Implements [`BenchStore`] for `$ty` on database `$db` (a `Clone`
/// backend with a `pool` field, `begin_solo` and `commit_stats`).
macro_rules! impl_bench {
    ($ty:ty, $backend:literal, $db:ty) => {
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
                let (sql, binds) = $crate::trust::audit_page_sql(f);
                let binds = binds
                    .into_iter()
                    .map(|b| match b {
                        $crate::trust::AuditBind::Text(t) => Bind::Text(t),
                        $crate::trust::AuditBind::Int(i) => Bind::Int(i),
                    })
                    .collect();
                self.explain(&sql, binds).await
            }

            async fn search_plans(
                &self,
                visible: tongban_domain::authz::CaseVisibility,
            ) -> $crate::Result<Vec<(String, String)>> {
                use $crate::cases::CaseSearch as S;
                let mut plans = Vec::new();
                for by in [
                    S::CaseNo("TB2026120100000001".into()),
                    S::IdNumber("350304195103120027".into()),
                    S::Phone("13805940001".into()),
                    S::Name("林秀英".into()),
                ] {
                    if let Some((sql, binds)) = $crate::cases::search_query(visible, &by, 20) {
                        plans.push((format!("{by:?}"), self.explain(&sql, binds).await?));
                    }
                }
                Ok(plans)
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

            async fn appointment_list_plan(&self, f: &$crate::AppointmentFilter) -> $crate::Result<String> {
                let (sql, binds) = $crate::appointments::page_query(f);
                self.explain(&sql, binds).await
            }

            async fn bounded_read_plans(&self) -> $crate::Result<Vec<(String, String)>> {
                use $crate::cases::Bind::Int;
                let reads = [
                    ("notifications", $crate::people::NOTIFICATIONS_SQL, vec![Int(1), Int(20)]),
                    ("notifications: unread", $crate::people::UNREAD_SQL, vec![Int(1)]),
                    ("notifications: mark read", $crate::people::MARK_READ_SQL, vec![Int(1_000), Int(1)]),
                    ("case events", $crate::cases::CASE_EVENTS_SQL, vec![Int(1)]),
                    ("case materials", $crate::cases::CASE_MATERIALS_SQL, vec![Int(1)]),
                    ("staff: a hall's", $crate::people::staff_page_sql(&$crate::StaffFilter {
                        hall: Some(tongban_domain::HallId(1)), ..Default::default()
                    }), vec![Int(1), Int(0), Int(50)]),
                    ("staff: a department's", $crate::people::staff_page_sql(&$crate::StaffFilter {
                        department: Some(tongban_domain::DepartmentId(1)), ..Default::default()
                    }), vec![Int(1), Int(0), Int(50)]),
                    ("staff: everyone's", $crate::people::staff_page_sql(&$crate::StaffFilter::default()),
                        vec![Int(0), Int(0), Int(50)]),
                    ("arrivals due", $crate::cases::DUE_WATCHES_SQL, vec![Int(1_000), Int(100)]),
                    ("halls' case totals", $crate::cases::HALL_TOTALS_SQL, vec![]),
                    ("department staff", $crate::people::DEPARTMENT_STAFF_SQL,
                        vec![Int(1), $crate::cases::Bind::Text("reviewer".into()), Int(1)]),
                    ("video checks", $crate::video::VIDEO_PAGE_SQL, vec![Int(1), Int(0), Int(50)]),
                    ("video checks: latest verdict", $crate::video::LATEST_VERDICT_SQL, vec![Int(1)]),
                    // What the checks must catch: an order no index serves.
                    (
                        "control: notifications by time (no index)",
                        "SELECT id FROM notifications WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
                        vec![Int(1), Int(20)],
                    ),
                ];
                let mut plans = Vec::new();
                for (what, sql, binds) in reads {
                    plans.push((what.to_owned(), self.explain(sql, binds).await?));
                }
                Ok(plans)
            }

            async fn list_batch_plans(&self) -> $crate::Result<Vec<(String, String)>> {
                use $crate::cases::Bind::Int;
                let reads = [
                    ("batch page", $crate::catalogue::BATCH_PAGE_SQL, vec![Int(100), Int(20)]),
                    ("batch entries", $crate::catalogue::BATCH_ENTRIES_SQL, vec![Int(1)]),
                    ("published batches", $crate::catalogue::PUBLISHED_BATCHES_SQL, vec![]),
                    ("published entries", $crate::catalogue::PUBLISHED_ENTRIES_SQL, vec![]),
                ];
                let mut plans = Vec::new();
                for (what, sql, binds) in reads {
                    plans.push((what.to_owned(), self.explain(sql, binds).await?));
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
                    let rated: Vec<(i64, &$crate::bench::BulkCase, &$crate::bench::BulkRating)> = chunk
                        .iter()
                        .filter_map(|c| Some((ids.get(&c.case_no).copied()?, c, c.rating.as_ref()?)))
                        .collect();
                    Self::bulk_ratings(&mut tx, &rated).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn bulk_counts(
                &self,
                flows: &[(&'static str, i64, String, &'static str, i64)],
                stock: &[(&'static str, i64, &'static str, i64)],
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                for chunk in flows.chunks(2000) {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO case_flow_counts (scope, scope_id, day, flow, slot, n) ");
                    q.push_values(chunk, |mut b, (scope, id, day, flow, n)| {
                        b.push_bind(*scope).push_bind(*id).push_bind(day).push_bind(*flow).push_bind(0i64).push_bind(*n);
                    });
                    q.push(" ON CONFLICT (scope, scope_id, day, flow, slot) DO UPDATE SET n = case_flow_counts.n + excluded.n");
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in stock.chunks(2000) {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO case_stock_counts (scope, scope_id, status, slot, n) ");
                    q.push_values(chunk, |mut b, (scope, id, status, n)| {
                        b.push_bind(*scope).push_bind(*id).push_bind(*status).push_bind(0i64).push_bind(*n);
                    });
                    q.push(" ON CONFLICT (scope, scope_id, status, slot) DO UPDATE SET n = case_stock_counts.n + excluded.n");
                    q.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn max_case_id(&self) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM cases").fetch_one(&self.pool).await?.unwrap_or(0))
            }
        }

        impl $ty {
            /// Writes the ratings of bulk cases (case id, case, rating) and
            /// their rectifications, and adds them to `evaluation_counts`
            /// and `open_rectification_counts` summed per key, as
            /// `rate_case` and a closing would one by one.
            async fn bulk_ratings(
                conn: &mut <$db as sqlx::Database>::Connection,
                rated: &[(i64, &$crate::bench::BulkCase, &$crate::bench::BulkRating)],
            ) -> $crate::Result<()> {
                use tongban_domain::evaluation::Channel;
                if rated.is_empty() {
                    return Ok(());
                }
                let channel = |c: &$crate::bench::BulkCase| if c.hall.is_some() { Channel::Window } else { Channel::Online };
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO evaluations (case_id, channel, overall, grades, comment, hall_id, department_id, item_code,
                       rated_by, rated_at) ",
                );
                q.push_values(rated, |mut b, (id, c, r)| {
                    let grades: std::collections::BTreeMap<&str, u8> =
                        channel(c).dimensions().iter().map(|(k, _)| (*k, r.overall)).collect();
                    b.push_bind(*id)
                        .push_bind(channel(c).as_str())
                        .push_bind(i64::from(r.overall))
                        .push_bind(serde_json::to_string(&grades).unwrap_or_default())
                        .push_bind(if r.overall <= 2 { "等候时间太长" } else { "" })
                        .push_bind(c.hall)
                        .push_bind(c.department)
                        .push_bind(&c.item_code)
                        .push_bind(c.applicant_user)
                        .push_bind(r.at);
                });
                q.push(" RETURNING id, case_id");
                let evaluations: std::collections::HashMap<i64, i64> = q
                    .build_query_as::<(i64, i64)>()
                    .fetch_all(&mut *conn)
                    .await?
                    .into_iter()
                    .map(|(id, case)| (case, id))
                    .collect();
                // The counters' moves, summed per key (and due day).
                let mut counts: std::collections::BTreeMap<(&str, String), [i64; 6]> = Default::default();
                let mut open: std::collections::BTreeMap<(&str, String, &str), i64> = Default::default();
                let mut rects = Vec::new();
                for (id, c, r) in rated {
                    let item = tongban_domain::ItemCode(c.item_code.clone());
                    let keys = $crate::StatsBy::ALL.map(|by| {
                        (by.as_str(), by.key(c.hall.map(tongban_domain::HallId), tongban_domain::DepartmentId(c.department), &item))
                    });
                    for (by, key) in &keys {
                        let n = counts.entry((*by, key.clone())).or_default();
                        n[usize::from(r.overall.clamp(1, 5)) - 1] += 1;
                        match &r.rectification {
                            Some(x) if x.closed_at.is_some() => n[5] += 1,
                            Some(x) => *open.entry((*by, key.clone(), x.due_on.as_str())).or_default() += 1,
                            None => {}
                        }
                    }
                    if let Some(x) = &r.rectification {
                        rects.push((evaluations.get(id).copied().unwrap_or_default(), *id, *c, x));
                    }
                }
                if !rects.is_empty() {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO rectifications (evaluation_id, case_id, hall_id, department_id, opened_on, due_on, status,
                           explanation, closed_by, closed_at) ",
                    );
                    q.push_values(&rects, |mut b, (evaluation, id, c, x)| {
                        let (hall, department) = match channel(c) {
                            Channel::Window => (c.hall, None),
                            Channel::Online => (None, Some(c.department)),
                        };
                        b.push_bind(*evaluation)
                            .push_bind(*id)
                            .push_bind(hall)
                            .push_bind(department)
                            .push_bind(&x.opened_on)
                            .push_bind(&x.due_on)
                            .push_bind(if x.closed_at.is_some() { "closed" } else { "open" })
                            .push_bind(x.closed_at.map(|_| "已约谈窗口人员并改进排队叫号"))
                            .push_bind(x.closed_at.map(|_| c.actor))
                            .push_bind(x.closed_at);
                    });
                    q.build().execute(&mut *conn).await?;
                }
                let counts: Vec<_> = counts.into_iter().collect();
                for chunk in counts.chunks(1000) {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO evaluation_counts (dimension, key, g1, g2, g3, g4, g5, rectified) ",
                    );
                    q.push_values(chunk, |mut b, ((by, key), n)| {
                        b.push_bind(*by).push_bind(key);
                        for v in n {
                            b.push_bind(*v);
                        }
                    });
                    q.push(
                        " ON CONFLICT (dimension, key) DO UPDATE SET g1 = evaluation_counts.g1 + excluded.g1,
                           g2 = evaluation_counts.g2 + excluded.g2, g3 = evaluation_counts.g3 + excluded.g3,
                           g4 = evaluation_counts.g4 + excluded.g4, g5 = evaluation_counts.g5 + excluded.g5,
                           rectified = evaluation_counts.rectified + excluded.rectified",
                    );
                    q.build().execute(&mut *conn).await?;
                }
                let open: Vec<_> = open.into_iter().collect();
                for chunk in open.chunks(1000) {
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO open_rectification_counts (dimension, key, due_on, n) ");
                    q.push_values(chunk, |mut b, ((by, key, due), n)| {
                        b.push_bind(*by).push_bind(key).push_bind(*due).push_bind(*n);
                    });
                    q.push(" ON CONFLICT (dimension, key, due_on) DO UPDATE SET n = open_rectification_counts.n + excluded.n");
                    q.build().execute(&mut *conn).await?;
                }
                Ok(())
            }

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
