//! What only the benchmarks ask of a database, kept off the production
//! [`Store`](crate::Store): reached through [`open_bench`](crate::open_bench).

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

        }
    };
}
pub(crate) use impl_bench;
