//! The kept case counts: every change adds its tallies, a stale one adds
//! nothing, and the migration's fill finds the same counts from the cases
//! and their events.

use super::{TestDb, city, item, new_case, publication, random_suffix};
use tongban_domain::case::Action as Step;
use tongban_domain::case::Status;
use tongban_domain::case::tally::{self, Flow};
use tongban_domain::user::{Role, Scope};
use tongban_store::prelude::*;
use tongban_store::{BenchStore, CaseRecord, CountScope, StoreError};

/// The day every change of the test happens (Asia/Shanghai), and a time on it.
const DAY: time::Date = time::macros::date!(2026 - 11 - 27);
const AT: i64 = time::macros::datetime!(2026-11-27 10:00 +8).unix_timestamp() * 1000;

fn event(actor: tongban_domain::UserId, step: Step) -> tongban_store::NewEvent {
    tongban_store::NewEvent {
        at: AT,
        actor,
        role: "clerk".into(),
        hall: None,
        department: None,
        action: step.as_str().into(),
        payload: match step {
            Step::Decide => r#"{"approved":true,"reason":"符合条件"}"#.into(),
            _ => "{}".into(),
        },
    }
}

/// The migration's fill of the counts, as the backend runs it.
fn backfill(migration: &str) -> &str {
    &migration[migration.find("-- Backfill").expect("marked")..]
}

/// Every count a department and a hall keep.
async fn snapshot<S: BenchStore>(
    s: &S,
    scopes: &[CountScope],
) -> Vec<(Vec<(Status, i64)>, Vec<(time::Date, Flow, i64)>)> {
    let mut out = Vec::new();
    for &scope in scopes {
        out.push((
            s.status_counts(scope).await.unwrap(),
            s.flow_counts(scope, DAY, DAY).await.unwrap(),
        ));
    }
    out
}

async fn counts_follow_changes_and_match_the_migration<S: BenchStore>(
    s: &S,
    exec: impl AsyncFn(&str),
    migration: &str,
) {
    let (hall, dept, _) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
        1,
    )
    .await
    .unwrap();
    let clerk = s
        .create_user(&tongban_store::NewUser {
            username: format!("counter{}", random_suffix()),
            display_name: "计数".into(),
            password_hash: "x".into(),
            role: Role::Clerk,
            scope: Scope::Hall(hall),
            household_region: None,
            id_number: None,
            phone: None,
        })
        .await
        .unwrap();
    let step = |c: &CaseRecord, to: Status, action: Step| {
        let started = to == Status::Accepted;
        tongban_store::CaseChange {
            staff_notices: Default::default(),
            watch_until: Default::default(),
            status: to,
            accepted_on: started.then_some(DAY),
            decided_on: (action == Step::Decide).then_some(DAY),
            pauses: vec![],
            resume_to: None,
            pickup_hall: None,
            notify: None,
            messages: vec![],
            due_on: None,
            tallies: tally::on_step(c.status, to, action, started, Some(true), false, DAY),
        }
    };
    // Twelve cases (their ids fall in different slots): ten submitted,
    // seven accepted, three approved, one of them completed; one online
    // (no receiving hall).
    let mut cases = Vec::new();
    for i in 0..12 {
        let mut n = new_case(dept, hall);
        n.tallies = tally::on_open(Status::Draft, DAY);
        if i == 11 {
            n.hall = None;
        }
        let (mut c, _) = s
            .create_case(&n, "TB", &event(clerk, Step::Submit), None)
            .await
            .unwrap();
        for (to, action, upto) in [
            (Status::Submitted, Step::Submit, 10),
            (Status::Accepted, Step::Accept, 7),
            (Status::Approved, Step::Decide, 3),
            (Status::Completed, Step::Complete, 1),
        ] {
            if i < upto {
                let ch = step(&c, to, action);
                c = s
                    .apply_to_case(&c, &ch, &event(clerk, action), None)
                    .await
                    .unwrap()
                    .0;
            }
        }
        cases.push(c);
    }
    // A stale step counts nothing.
    let stale = step(&cases[1], Status::Denied, Step::Decide);
    let mut old = cases[1].clone();
    old.version -= 1;
    assert!(matches!(
        s.apply_to_case(&old, &stale, &event(clerk, Step::Decide), None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let want = |online: bool| {
        let mut w: Vec<(Status, i64)> = Vec::new();
        for c in cases.iter().filter(|c| online || c.hall.is_some()) {
            match w.iter_mut().find(|(s, _)| *s == c.status) {
                Some((_, n)) => *n += 1,
                None => w.push((c.status, 1)),
            }
        }
        w.sort_by_key(|(s, _)| Status::ALL.iter().position(|x| x == s));
        w
    };
    let (department, at_hall) = (CountScope::Department(dept), CountScope::Hall(hall));
    assert_eq!(s.status_counts(department).await.unwrap(), want(true));
    assert_eq!(s.status_counts(at_hall).await.unwrap(), want(false));
    assert_eq!(
        s.flow_counts(department, DAY, DAY).await.unwrap(),
        vec![
            (DAY, Flow::Approved, 3),
            (DAY, Flow::Completed, 1),
            (DAY, Flow::Decided, 3),
            (DAY, Flow::Opened, 12),
            (DAY, Flow::Received, 7),
        ]
    );
    let next = DAY.next_day().unwrap();
    assert!(
        s.flow_counts(department, next, next)
            .await
            .unwrap()
            .is_empty()
    );
    // The migration's fill finds what the changes kept.
    let kept = snapshot(s, &[department, at_hall]).await;
    exec("DELETE FROM case_stock_counts").await;
    exec("DELETE FROM case_flow_counts").await;
    assert!(s.status_counts(department).await.unwrap().is_empty());
    exec(backfill(migration)).await;
    assert_eq!(snapshot(s, &[department, at_hall]).await, kept);
}

#[tokio::test]
async fn sqlite_kept_case_counts_follow_every_change_and_match_the_migration() {
    let dir = std::env::temp_dir().join(format!("tongban-counts-{}", random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = tongban_store::sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    s.migrate().await.unwrap();
    let pool = s.pool().clone();
    let exec = async |sql: &str| {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
    };
    counts_follow_changes_and_match_the_migration(
        &s,
        exec,
        include_str!("../../migrations/sqlite/0021_case_counts.sql"),
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn postgres_kept_case_counts_follow_every_change_and_match_the_migration() {
    let Ok(url) = std::env::var("TONGBAN_TEST_PG") else {
        eprintln!("NOTE: PostgreSQL case counts test SKIPPED (TONGBAN_TEST_PG unset)");
        return;
    };
    let db = TestDb::postgres(&url).await;
    let name = db.cleanup.as_ref().unwrap().1.clone();
    let s =
        tongban_store::postgres::PgStore::connect(&tongban_store::url_with_database(&url, &name))
            .await
            .unwrap();
    let pool = s.pool().clone();
    let exec = async |sql: &str| {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
    };
    counts_follow_changes_and_match_the_migration(
        &s,
        exec,
        include_str!("../../migrations/postgres/0021_case_counts.sql"),
    )
    .await;
    s.pool().close().await;
    db.finish().await;
}
