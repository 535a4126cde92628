//! Ratings and rectifications: the statistics' counters kept in step with
//! every rating and closing (and equal to what the migration fills them
//! with), the rectification list paged by key through every row exactly
//! once, and the plans of those reads on indexes.

use super::{TestDb, backends, city, event, item, new_case, publication, random_suffix};
use std::collections::BTreeMap;
use time::Date;
use time::macros::date;
use tongban_domain::authz::RectificationVisibility as V;
use tongban_domain::evaluation::{Channel, Rating};
use tongban_domain::user::{Role, Scope};
use tongban_domain::{DepartmentId, HallId, ItemCode};
use tongban_store::prelude::*;
use tongban_store::{
    NewEvaluation, NewUser, RectificationKey, RectificationRecord, RectificationStep, Responsible,
    StatCounts, StatsBy, StoreError,
};

/// A rating written, as the tests expect it back.
#[derive(Debug, Clone)]
struct Rated {
    case_no: String,
    hall: Option<HallId>,
    department: DepartmentId,
    item: ItemCode,
    grade: u8,
    comment: String,
    /// The rectification a 差评 opened: id, due day, closed.
    rect: Option<(i64, Date, bool)>,
}

impl Rated {
    fn responsible(&self) -> Responsible {
        match self.hall {
            Some(h) => Responsible::Hall(h),
            None => Responsible::Department(self.department),
        }
    }
}

/// A city with two departments, a hall, two items and 24 rated cases —
/// window (the hall) and online, every grade, 差评 due on days with ties.
async fn rated_city(s: &dyn Store) -> (HallId, [DepartmentId; 2], Vec<Rated>) {
    let (hall, d1, d2) = city(s).await;
    s.publish_items(
        &[
            publication(item("GA-001", "居民身份证换领"), vec![d1, d2]),
            publication(item("GA-002", "居民身份证补领"), vec![d1, d2]),
        ],
        1,
    )
    .await
    .unwrap();
    let clerk = s
        .create_user(&NewUser {
            username: "c".into(),
            display_name: "c".into(),
            password_hash: "x".into(),
            role: Role::Clerk,
            scope: Scope::Hall(hall),
            household_region: None,
            id_number: None,
            phone: None,
        })
        .await
        .unwrap();
    let dues = [
        date!(2026 - 12 - 01),
        date!(2026 - 12 - 03),
        date!(2026 - 12 - 03),
        date!(2026 - 12 - 07),
    ];
    let mut out = Vec::new();
    for i in 0..24usize {
        let department = [d1, d2][i % 2];
        let window = i % 3 != 0;
        let code = ["GA-001", "GA-002"][(i / 2) % 2];
        let mut nc = new_case(department, hall);
        nc.hall = window.then_some(hall);
        nc.item_code = ItemCode(code.into());
        let (c, _) = s
            .create_case(&nc, "TB20261128", &event(clerk, "create", 10), None)
            .await
            .unwrap();
        let grade = [1u8, 2, 3, 4, 5, 2, 1][i % 7];
        let channel = if window {
            Channel::Window
        } else {
            Channel::Online
        };
        let comment = format!("评价{i}");
        let new = NewEvaluation {
            case_id: c.id,
            channel,
            rating: Rating {
                grades: [("overall".to_owned(), grade)].into(),
                comment: comment.clone(),
            },
            hall: nc.hall,
            department,
            item: nc.item_code.clone(),
            rated_by: None,
            at: 20 + i as i64,
        };
        let mut rated = Rated {
            case_no: c.case_no.clone(),
            hall: nc.hall,
            department,
            item: nc.item_code.clone(),
            grade,
            comment,
            rect: None,
        };
        let rectify = (grade <= 2).then(|| {
            let due = dues[i % dues.len()];
            (rated.responsible(), date!(2026 - 11 - 28), due)
        });
        let (e, r) = s.rate_case(&new, rectify).await.unwrap();
        assert_eq!(e.rating.overall(), grade);
        if let Some(r) = r {
            assert_eq!(
                (r.overall, r.comment.as_str(), r.case_no.as_str()),
                (grade, rated.comment.as_str(), c.case_no.as_str()),
                "a rectification comes with its rating and case"
            );
            rated.rect = Some((r.id, r.due_on, false));
        }
        out.push(rated);
    }
    (hall, [d1, d2], out)
}

/// The statistics the ratings make, worked out the slow way.
fn expected(rated: &[Rated], by: StatsBy, today: Date) -> Vec<StatCounts> {
    let mut m: BTreeMap<String, StatCounts> = BTreeMap::new();
    for r in rated {
        let key = by.key(r.hall, r.department, &r.item);
        let c = m.entry(key.clone()).or_insert(StatCounts {
            key,
            ..Default::default()
        });
        c.by_grade[usize::from(r.grade) - 1] += 1;
        match r.rect {
            Some((_, _, true)) => c.rectified += 1,
            Some((_, due, false)) if due < today => c.overdue += 1,
            _ => {}
        }
    }
    m.into_values().collect()
}

/// The days around the due days the statistics are checked on.
const DAYS: [Date; 4] = [
    date!(2026 - 12 - 01),
    date!(2026 - 12 - 03),
    date!(2026 - 12 - 04),
    date!(2026 - 12 - 31),
];

async fn assert_stats(s: &dyn Store, rated: &[Rated], when: &str) {
    for by in StatsBy::ALL {
        for today in DAYS {
            assert_eq!(
                s.evaluation_stats(by, today).await.unwrap(),
                expected(rated, by, today),
                "{when}: by {by:?} on {today}"
            );
        }
    }
}

contract!(evaluation_counters_move_with_ratings_and_closings, |s| {
    let (_, _, mut rated) = rated_city(s).await;
    assert!(
        s.evaluation_stats(StatsBy::Hall, DAYS[0])
            .await
            .unwrap()
            .iter()
            .any(|c| c.key == "online"),
        "online service counts under `online`"
    );
    assert_stats(s, &rated, "rated").await;
    // A follow-up changes no count; a closing moves one from open (overdue
    // or not) to rectified under each of its rating's keys.
    let (first, _, _) = rated.iter().find_map(|r| r.rect).unwrap();
    s.rectification_step(
        first,
        &RectificationStep::FollowUp {
            by: tongban_domain::UserId(1),
            at: 30,
            note: "已回访".into(),
        },
    )
    .await
    .unwrap();
    assert_stats(s, &rated, "followed up").await;
    let close = |id| async move {
        s.rectification_step(
            id,
            &RectificationStep::Close {
                by: tongban_domain::UserId(1),
                at: 40,
                explanation: "已整改".into(),
            },
        )
        .await
    };
    for r in rated.iter_mut().filter(|r| r.rect.is_some()).step_by(2) {
        let (id, due, closed) = r.rect.as_mut().unwrap();
        let back = close(*id).await.unwrap();
        assert_eq!((back.status.as_str(), back.due_on), ("closed", *due));
        *closed = true;
    }
    assert_stats(s, &rated, "half closed").await;
    // Closing again is refused and counts nothing twice.
    assert!(matches!(close(first).await, Err(StoreError::Conflict(_))));
    assert!(matches!(
        s.rectification_step(
            first,
            &RectificationStep::FollowUp {
                by: tongban_domain::UserId(1),
                at: 50,
                note: "x".into()
            }
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_stats(s, &rated, "closed twice").await;
    // Every one closed: nothing is overdue any more.
    for r in rated.iter_mut().filter_map(|r| r.rect.as_mut()) {
        if !r.2 {
            close(r.0).await.unwrap();
            r.2 = true;
        }
    }
    assert_stats(s, &rated, "all closed").await;
    let all = s
        .evaluation_stats(StatsBy::Department, DAYS[3])
        .await
        .unwrap();
    assert!(all.iter().all(|c| c.overdue == 0 && c.rectified > 0));
    // One rating per case, and its counts stay as they were.
    let c = s.case_by_no(&rated[0].case_no).await.unwrap();
    let again = NewEvaluation {
        case_id: c.id,
        channel: Channel::Online,
        rating: Rating {
            grades: [("overall".to_owned(), 5)].into(),
            comment: String::new(),
        },
        hall: None,
        department: rated[0].department,
        item: rated[0].item.clone(),
        rated_by: None,
        at: 60,
    };
    assert!(matches!(
        s.rate_case(&again, None).await,
        Err(StoreError::Conflict(_))
    ));
    assert_stats(s, &rated, "rated twice").await;
    assert_eq!(
        s.evaluation_of(c.id)
            .await
            .unwrap()
            .unwrap()
            .rating
            .overall(),
        rated[0].grade
    );
});

/// The list order: open by (due day, id), then closed by (due day, id)
/// descending.
fn list_order(rated: &[Rated], visible: V) -> Vec<i64> {
    let seen = |r: &&Rated| match (visible, r.responsible()) {
        (V::All, _) => true,
        (V::Hall(h), Responsible::Hall(x)) => h == x,
        (V::Department(d), Responsible::Department(x)) => d == x,
        _ => false,
    };
    let rects = || rated.iter().filter(seen).filter_map(|r| r.rect);
    let mut open: Vec<(Date, i64)> = rects().filter(|r| !r.2).map(|r| (r.1, r.0)).collect();
    let mut closed: Vec<(Date, i64)> = rects().filter(|r| r.2).map(|r| (r.1, r.0)).collect();
    open.sort();
    closed.sort_by(|a, b| b.cmp(a));
    open.into_iter().chain(closed).map(|(_, id)| id).collect()
}

/// Every page of `visible`'s list, `limit` at a time.
async fn all_pages(s: &dyn Store, visible: V, limit: i64) -> Vec<Vec<RectificationRecord>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = s.rectification_page(visible, after, limit).await.unwrap();
        assert!(page.rows.len() as i64 <= limit, "{visible:?} by {limit}");
        pages.push(page.rows);
        match page.next {
            Some(k) => after = Some(k),
            None => return pages,
        }
        assert!(pages.len() < 100, "the pages end");
    }
}

contract!(rectification_pages_visit_every_row_once, |s| {
    let (hall, [d1, d2], mut rated) = rated_city(s).await;
    // Some closed, so both parts of the list have rows.
    for r in rated.iter_mut().filter_map(|r| r.rect.as_mut()).step_by(3) {
        s.rectification_step(
            r.0,
            &RectificationStep::Close {
                by: tongban_domain::UserId(1),
                at: 40,
                explanation: "已整改".into(),
            },
        )
        .await
        .unwrap();
        r.2 = true;
    }
    let by_id: BTreeMap<i64, &Rated> = rated
        .iter()
        .filter_map(|r| r.rect.map(|x| (x.0, r)))
        .collect();
    for visible in [
        V::All,
        V::Hall(hall),
        V::Department(d1),
        V::Department(d2),
        V::Nothing,
    ] {
        let want = list_order(&rated, visible);
        assert!(
            visible == V::Nothing || want.len() >= 2,
            "{visible:?} has rows"
        );
        for limit in [1, 2, 3, 4, 5, 7, 50] {
            let pages = all_pages(s, visible, limit).await;
            // Only the last page is short, and it is never empty but when
            // there is nothing at all.
            for p in &pages[..pages.len() - 1] {
                assert_eq!(p.len() as i64, limit, "{visible:?} by {limit}");
            }
            assert!(!pages.last().unwrap().is_empty() || want.is_empty());
            let rows: Vec<&RectificationRecord> = pages.iter().flatten().collect();
            let got: Vec<i64> = rows.iter().map(|r| r.id).collect();
            assert_eq!(
                got, want,
                "{visible:?} by {limit}: every row once, in order"
            );
            for r in rows {
                let x = by_id[&r.id];
                assert_eq!(
                    (
                        r.case_no.as_str(),
                        r.comment.as_str(),
                        r.overall,
                        r.responsible
                    ),
                    (
                        x.case_no.as_str(),
                        x.comment.as_str(),
                        x.grade,
                        x.responsible()
                    )
                );
                assert_eq!(r.status == "closed", x.rect.unwrap().2);
            }
        }
    }
    // A page may start at the closed ones.
    let closed = s
        .rectification_page(V::All, Some(RectificationKey::Closed(None)), 50)
        .await
        .unwrap();
    assert!(closed.next.is_none());
    assert!(!closed.rows.is_empty() && closed.rows.iter().all(|r| r.status == "closed"));
});

/// A plan that reads a table without an index, or sorts.
fn unindexed(plan: &str) -> Option<&str> {
    plan.lines().find(|l| {
        let l = l.trim();
        l.starts_with("SCAN ")
            || l.contains("TEMP B-TREE")
            || l.contains("Seq Scan")
            || l.contains("Sort")
            || l.contains("Bitmap")
            || l.contains("Hash")
            || l.contains("Materialize")
            || l.starts_with("Filter:")
    })
}

/// Every statistic (by department, hall and item), overdue reckoned on a
/// day after every due day.
async fn all_stats(s: &dyn Store) -> Vec<StatCounts> {
    let mut out = Vec::new();
    for by in StatsBy::ALL {
        out.extend(s.evaluation_stats(by, date!(2027 - 06 - 01)).await.unwrap());
    }
    out
}

/// 40 decided cases written in bulk, each rated: every grade, at the hall
/// and online, in both departments and items; their 差评's rectifications
/// open (due on a few days) or closed.
fn bulk_rated(hall: HallId, departments: [DepartmentId; 2]) -> Vec<tongban_store::BulkCase> {
    (0..40i64)
        .map(|i| {
            let overall = u8::try_from(1 + i % 5).unwrap();
            tongban_store::BulkCase {
                case_no: format!("TB1900000000{i:04}"),
                item_code: ["GA-001", "GA-002"][(i % 2) as usize].into(),
                item_name: "居民身份证换领".into(),
                mode: "accept_remote",
                status: "completed",
                department: departments[(i / 2 % 2) as usize].0,
                hall: (i % 3 != 0).then_some(hall.0),
                applicant_user: None,
                actor: 1,
                applicant_name: "林秀英".into(),
                applicant: "{}".into(),
                promised_days: 10,
                accepted_on: Some("2026-11-02".into()),
                decided_on: Some("2026-11-10".into()),
                due_on: None,
                created_at: 1_000 + i,
                updated_at: 2_000 + i,
                rating: Some(tongban_store::BulkRating {
                    overall,
                    at: 3_000 + i,
                    rectification: (overall <= 2).then(|| tongban_store::BulkRectification {
                        opened_on: "2026-11-10".into(),
                        due_on: format!("2026-11-{}", 20 + i % 4),
                        closed_at: (i % 4 == 0).then_some(4_000 + i),
                    }),
                }),
            }
        })
        .collect()
}

/// The migration's fill of the counters, as the backend runs it.
fn backfill(migration: &str) -> &str {
    &migration[migration.find("-- Backfill").expect("marked")..]
}

/// Refills the counters the way the migration does and checks it finds
/// what the writes kept; checks the reads' plans.
async fn counters_and_plans<S: tongban_store::BenchStore>(
    s: &S,
    pool_exec: impl AsyncFn(&str),
    migration: &str,
    realistic_stats: Option<&str>,
) {
    let (hall, departments, mut rated) = rated_city(s).await;
    for r in rated.iter_mut().filter_map(|r| r.rect.as_mut()).step_by(2) {
        s.rectification_step(
            r.0,
            &RectificationStep::Close {
                by: tongban_domain::UserId(1),
                at: 40,
                explanation: "已整改".into(),
            },
        )
        .await
        .unwrap();
        r.2 = true;
    }
    assert_stats(s, &rated, "kept").await;
    pool_exec("DELETE FROM evaluation_counts").await;
    pool_exec("DELETE FROM open_rectification_counts").await;
    assert!(
        s.evaluation_stats(StatsBy::Item, DAYS[0])
            .await
            .unwrap()
            .is_empty()
    );
    pool_exec(backfill(migration)).await;
    assert_stats(s, &rated, "filled by the migration").await;
    // The scale benchmark's bulk fill moves the counters as ratings and
    // closings do: what it keeps is what the migration finds.
    s.bulk_cases(&bulk_rated(hall, departments)).await.unwrap();
    let kept = all_stats(s).await;
    assert_eq!(
        kept.iter()
            .map(|x| x.by_grade.iter().sum::<i64>())
            .sum::<i64>(),
        3 * (24 + 40),
        "every rating under each of the three keys"
    );
    pool_exec("DELETE FROM evaluation_counts").await;
    pool_exec("DELETE FROM open_rectification_counts").await;
    pool_exec(backfill(migration)).await;
    assert_eq!(all_stats(s).await, kept, "bulk ratings: kept and filled");
    if let Some(stats) = realistic_stats {
        pool_exec(stats).await;
    }
    let plans = s.evaluation_plans().await.unwrap();
    assert_eq!(
        plans.len(),
        15,
        "12 page shapes, the statistics' two, a control"
    );
    for (what, plan) in plans {
        if what.starts_with("control") {
            assert!(
                unindexed(&plan).is_some(),
                "the check misses {what}:\n{plan}"
            );
            continue;
        }
        assert!(
            unindexed(&plan).is_none(),
            "{what} does not read by index:\n{plan}"
        );
        // Each visibility branch on its own index, not on another's
        // with a filter.
        let index = match what.split(' ').nth(1) {
            Some(b) if b.starts_with("Hall") => "rectifications_hall_due ",
            Some(b) if b.starts_with("Department") => "rectifications_department_due ",
            Some("All") => "rectifications_due ",
            _ => "",
        };
        assert!(plan.contains(index), "{what} not on {index}:\n{plan}");
    }
}

#[tokio::test]
async fn sqlite_counters_match_the_migration_and_reads_use_indexes() {
    let dir = std::env::temp_dir().join(format!("tongban-plans-{}", random_suffix()));
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
    counters_and_plans(
        &s,
        exec,
        include_str!("../../migrations/sqlite/0017_evaluation_counts.sql"),
        // SQLite plans without statistics (nothing runs ANALYZE).
        None,
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

/// What PostgreSQL's planner knows of a city's rectifications once
/// autovacuum has analysed them: many, spread over many halls and
/// departments (written without their parents, in this scratch database
/// only). On a few rows every index costs the same and the plan of a
/// hall's page is a coin toss between its index and the city's.
const PG_STATS: &str = "BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO rectifications (evaluation_id, case_id, hall_id, department_id, opened_on, due_on, status, explanation)
SELECT 1000000 + g, 1000000 + g,
       CASE WHEN g % 2 = 0 THEN 1000 + g % 97 END, CASE WHEN g % 2 = 1 THEN 1000 + g % 89 END,
       '2026-10-01', to_char(DATE '2026-10-01' + g % 90, 'YYYY-MM-DD'),
       CASE WHEN g % 3 = 0 THEN 'open' ELSE 'closed' END, CASE WHEN g % 3 = 0 THEN NULL ELSE '已整改' END
  FROM generate_series(1, 20000) g;
COMMIT;
ANALYZE rectifications;";

#[tokio::test]
async fn postgres_counters_match_the_migration_and_reads_use_indexes() {
    let Ok(url) = std::env::var("TONGBAN_TEST_PG") else {
        eprintln!("NOTE: PostgreSQL plan test SKIPPED (TONGBAN_TEST_PG unset)");
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
    counters_and_plans(
        &s,
        exec,
        include_str!("../../migrations/postgres/0017_evaluation_counts.sql"),
        Some(PG_STATS),
    )
    .await;
    s.pool().close().await;
    db.finish().await;
}
