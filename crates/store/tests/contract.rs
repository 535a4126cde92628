//! One contract suite for every backend: SQLite always, PostgreSQL when
//! `TONGBAN_TEST_PG` holds a server URL. Each test gets its own database.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use tongban_domain::case::Status;
use tongban_domain::catalogue::{
    ItemContent, ItemType, Jurisdiction, LimitsSource, MaterialForm, MaterialSpec, ResultType,
};
use tongban_domain::city::{
    DepartmentKind, HallKind, NewDepartment, NewHall, NewWindow, Region, RegionLevel, SystemKind,
};
use tongban_domain::guide::GuideMap;
use tongban_domain::list_batch::{BatchEntry, BatchState};
use tongban_domain::tongban::{Batch, Mode};
use tongban_domain::user::{Role, Scope};
use tongban_domain::{DepartmentId, HallId, ItemCode, RegionCode, UserId};
use tongban_store::prelude::*;
use tongban_store::{NewUser, Publication, Session, SessionKind, StoreError};

fn random_suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A fresh database of one backend, dropped at the end.
struct TestDb {
    store: Arc<dyn tongban_store::BenchStore>,
    cleanup: Option<(String, String)>,
    _dir: Option<std::path::PathBuf>,
}

impl TestDb {
    async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("tongban-contract-{}", random_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("t.db").display());
        Self {
            store: tongban_store::open_bench(&url).await.unwrap(),
            cleanup: None,
            _dir: Some(dir),
        }
    }

    async fn postgres(admin_url: &str) -> Self {
        use sqlx::Connection;
        let name = format!("tongban_test_{}", random_suffix());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .expect("TONGBAN_TEST_PG server reachable");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        let url = tongban_store::url_with_database(admin_url, &name);
        Self {
            store: tongban_store::open_bench(&url).await.unwrap(),
            cleanup: Some((admin_url.to_owned(), name)),
            _dir: None,
        }
    }

    async fn finish(self) {
        if let Some((admin_url, name)) = self.cleanup {
            use sqlx::Connection;
            drop(self.store);
            let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut admin)
            .await
            .unwrap();
        }
        if let Some(d) = self._dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Every backend to run on.
async fn backends() -> Vec<(&'static str, TestDb)> {
    let mut v = vec![("sqlite", TestDb::sqlite().await)];
    match std::env::var("TONGBAN_TEST_PG") {
        Ok(url) if !url.is_empty() => v.push(("postgres", TestDb::postgres(&url).await)),
        _ => {
            // Written straight to stderr so the test harness does not capture it.
            let _ = writeln!(
                std::io::stderr(),
                "NOTE: PostgreSQL contract run SKIPPED (set TONGBAN_TEST_PG=postgres://… to run it)"
            );
        }
    }
    v
}

macro_rules! contract {
    ($name:ident, |$s:ident| $body:block) => {
        contract!($name, |$s: &dyn Store| $body);
    };
    ($name:ident, |$s:ident: $t:ty| $body:block) => {
        #[tokio::test]
        async fn $name() {
            for (backend, db) in backends().await {
                let $s: $t = db.store.as_ref();
                async { $body }.await;
                eprintln!("{} passed on {backend}", stringify!($name));
                db.finish().await;
            }
        }
    };
}

fn region(code: &str, level: RegionLevel, parent: Option<&str>) -> Region {
    Region {
        retired: Default::default(),
        code: RegionCode(code.into()),
        name: format!("区划{code}"),
        level,
        parent: parent.map(|p| RegionCode(p.into())),
        local_code: false,
    }
}

async fn city(s: &dyn Store) -> (HallId, DepartmentId, DepartmentId) {
    s.put_regions(&[
        region("350300", RegionLevel::City, None),
        region("350322", RegionLevel::County, Some("350300")),
        region("350302001", RegionLevel::Town, Some("350300")),
    ])
    .await
    .unwrap();
    let hall = s
        .create_hall(&NewHall {
            extended_hours: Default::default(),
            self_service_24h: Default::default(),
            weekend_hours: Default::default(),
            key: "longqiao".into(),
            name: "龙桥街道便民服务中心".into(),
            kind: HallKind::ConvenienceCentre,
            region: RegionCode("350302001".into()),
            pilot: true,
            address: "龙桥街道".into(),
            opening_hours: "工作日".into(),
            phone: "0594-1234567".into(),
            windows: vec![
                NewWindow {
                    number: "B01".into(),
                    name: "综合窗口".into(),
                    tongban: false,
                    staff: 1,
                    phone: "1".into(),
                    contact: "甲".into(),
                },
                NewWindow {
                    number: "B02".into(),
                    name: "全域通办专窗".into(),
                    tongban: true,
                    staff: 2,
                    phone: "2".into(),
                    contact: "乙".into(),
                },
            ],
        })
        .await
        .unwrap();
    let city_police = s
        .create_department(&NewDepartment {
            key: "city-police".into(),
            name: "莆田市公安局".into(),
            kind: DepartmentKind::Police,
            region: RegionCode("350300".into()),
            system: SystemKind::SelfBuilt,
            phone: "0594-2700101".into(),
            contact: "审批服务科".into(),
        })
        .await
        .unwrap();
    let xianyou_police = s
        .create_department(&NewDepartment {
            key: "xianyou-police".into(),
            name: "仙游县公安局".into(),
            kind: DepartmentKind::Police,
            region: RegionCode("350322".into()),
            system: SystemKind::SelfBuilt,
            phone: "0594-2700101".into(),
            contact: "审批服务科".into(),
        })
        .await
        .unwrap();
    (hall, city_police, xianyou_police)
}

fn item(code: &str, name: &str) -> ItemContent {
    ItemContent {
        code: ItemCode(code.into()),
        name: name.into(),
        department_kind: DepartmentKind::Police,
        item_type: ItemType::AdministrativeConfirmation,
        level: RegionLevel::County,
        jurisdiction: Jurisdiction::Household,
        legal_basis: "《居民身份证法》".into(),
        conditions: "年满十六周岁".into(),
        legal_days: 60,
        promised_days: 10,
        instant: false,
        fee: "20元".into(),
        online_stars: 4,
        max_visits: 1,
        result_type: ResultType::Licence,
        result_name: "居民身份证".into(),
        keywords: vec!["身份证".into()],
        steps: vec!["受理".into(), "制证".into()],
        limits_source: LimitsSource::Found,
        note: String::new(),
        materials: vec![MaterialSpec {
            key: "hukou".into(),
            name: "居民户口簿".into(),
            form: MaterialForm::Original,
            copies: 1,
            required: true,
            license: Some("户口簿".into()),
            review_points: vec!["本人页齐全".into()],
        }],
        guide: GuideMap::single("一般情形"),
    }
}

fn publication(c: ItemContent, implementations: Vec<DepartmentId>) -> Publication {
    Publication {
        content: c,
        aliases: Some(vec!["换身份证".into()]),
        implementations,
    }
}

#[path = "contract/counts.rs"]
mod counts;
#[path = "contract/evaluations.rs"]
mod evaluations;

contract!(city_round_trips, |s| {
    let (hall, _, xianyou) = city(s).await;
    let regions = s.regions().await.unwrap();
    assert_eq!(regions.len(), 3);
    assert_eq!(
        regions
            .iter()
            .find(|r| r.code.as_str() == "350322")
            .unwrap()
            .parent
            .as_ref()
            .unwrap()
            .as_str(),
        "350300"
    );
    let h = s.hall(hall).await.unwrap();
    assert_eq!(h.level, RegionLevel::Town);
    assert!(h.pilot);
    assert_eq!(h.windows.len(), 2);
    assert!(h.windows[0].tongban, "the 专窗 comes first");
    assert_eq!(h.windows[0].staff, 2);
    assert!(matches!(
        s.hall(HallId(9999)).await,
        Err(StoreError::NotFound)
    ));
    let d = s.departments().await.unwrap();
    assert_eq!(
        d.iter().find(|x| x.id == xianyou).unwrap().system,
        SystemKind::SelfBuilt
    );
    // Who to call there (the training manuals print it).
    let x = d.iter().find(|x| x.id == xianyou).unwrap();
    assert_eq!(
        (x.phone.as_str(), x.contact.as_str()),
        ("0594-2700101", "审批服务科")
    );
    // Updating a region keeps one row.
    let mut r = region("350322", RegionLevel::County, Some("350300"));
    r.name = "仙游县".into();
    s.put_regions(&[r]).await.unwrap();
    let regions = s.regions().await.unwrap();
    assert_eq!(regions.len(), 3);
    assert!(regions.iter().any(|r| r.name == "仙游县"));
});

contract!(constraint_violations_are_typed_and_write_nothing, |s| {
    city(s).await;
    let dup = NewHall {
        extended_hours: Default::default(),
        self_service_24h: Default::default(),
        weekend_hours: Default::default(),
        key: "longqiao".into(),
        name: "重复".into(),
        kind: HallKind::ConvenienceCentre,
        region: RegionCode("350300".into()),
        pilot: false,
        address: String::new(),
        opening_hours: String::new(),
        phone: String::new(),
        windows: vec![],
    };
    assert!(matches!(
        s.create_hall(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    let bad_region = NewHall {
        key: "x".into(),
        region: RegionCode("999999".into()),
        ..dup.clone()
    };
    assert!(matches!(
        s.create_hall(&bad_region).await,
        Err(StoreError::InvalidReference(_))
    ));
    // A hall whose second window collides is not half-written.
    let w = NewWindow {
        number: "A1".into(),
        name: "w".into(),
        tongban: true,
        staff: 2,
        phone: String::new(),
        contact: String::new(),
    };
    let half = NewHall {
        key: "half".into(),
        windows: vec![w.clone(), w],
        ..dup
    };
    assert!(matches!(
        s.create_hall(&half).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(!s.halls().await.unwrap().iter().any(|h| h.key == "half"));
});

contract!(users_sessions_and_throttling, |s| {
    let (hall, _, dept) = city(s).await;
    let mk = |u: &str, role, scope| NewUser {
        username: u.into(),
        display_name: u.into(),
        password_hash: "$argon2id$fake".into(),
        role,
        scope,
        household_region: None,
        id_number: None,
        phone: None,
    };
    let clerk = s
        .create_user(&mk("clerk", Role::Clerk, Scope::Hall(hall)))
        .await
        .unwrap();
    let reviewer = s
        .create_user(&mk("rev", Role::Reviewer, Scope::Department(dept)))
        .await
        .unwrap();
    let admin = s
        .create_user(&mk("admin", Role::PlatformAdmin, Scope::Platform))
        .await
        .unwrap();
    assert!(matches!(
        s.create_user(&mk("clerk", Role::Applicant, Scope::None))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let (u, hash) = s.user_credentials("clerk").await.unwrap().unwrap();
    assert_eq!(
        (u.id, u.role, u.scope, hash.as_str()),
        (clerk, Role::Clerk, Scope::Hall(hall), "$argon2id$fake")
    );
    assert_eq!(
        s.user(reviewer).await.unwrap().scope,
        Scope::Department(dept)
    );
    assert_eq!(s.user(admin).await.unwrap().scope, Scope::Platform);
    assert!(s.user_credentials("nobody").await.unwrap().is_none());
    assert!(matches!(
        s.user(UserId(12345)).await,
        Err(StoreError::NotFound)
    ));

    let sess = Session {
        token_hash: "h1".into(),
        user_id: clerk,
        kind: SessionKind::Cookie,
        csrf: "c1".into(),
        created_at: 1000,
        expires_at: 5000,
    };
    s.create_session(&sess, None).await.unwrap();
    assert_eq!(s.session("h1", 4999).await.unwrap().unwrap().csrf, "c1");
    assert!(
        s.session("h1", 5000).await.unwrap().is_none(),
        "expired sessions are not returned"
    );
    s.delete_session("h1").await.unwrap();
    assert!(s.session("h1", 10).await.unwrap().is_none());

    let fail = |subject: &str, addr: &str, device: Option<&str>, at: i64| tongban_store::Failure {
        kind: "login".into(),
        subject: subject.into(),
        addr: addr.into(),
        device: device.map(str::to_owned),
        at,
    };
    for t in [10, 20, 30] {
        s.record_failure(&fail("clerk", "1.2.3.4", None, t), None)
            .await
            .unwrap();
    }
    s.record_failure(&fail("clerk", "5.6.7.8", None, 31), None)
        .await
        .unwrap();
    s.record_failure(&fail("clerk", "1.2.3.4", Some("dev"), 32), None)
        .await
        .unwrap();
    s.record_failure(&fail("other", "1.2.3.4", None, 40), None)
        .await
        .unwrap();
    let counts = |device: Option<&'static str>, since: i64| {
        s.failures_since("login", "clerk", "1.2.3.4", device, since)
    };
    assert_eq!(
        counts(Some("dev"), 15).await.unwrap(),
        tongban_store::FailureCounts {
            subject: 3,
            pair: 2,
            addr: 3,
            device: 1
        },
        "a trusted device's failures count only against that device"
    );
    assert_eq!(counts(None, 0).await.unwrap().device, 0);
    s.clear_failures("login", "clerk", "1.2.3.4", Some("dev"))
        .await
        .unwrap();
    assert_eq!(
        counts(Some("dev"), 0).await.unwrap(),
        tongban_store::FailureCounts {
            subject: 1,
            pair: 0,
            addr: 1,
            device: 0
        },
        "a success forgets its own address's and device's failures, not another address's"
    );
    s.trust_device("dev", "clerk", 100, 200).await.unwrap();
    assert!(s.device_trusted("dev", "clerk", 150).await.unwrap());
    assert!(!s.device_trusted("dev", "other", 150).await.unwrap());
    assert!(
        !s.device_trusted("dev", "clerk", 200).await.unwrap(),
        "expired"
    );
    s.trust_device("dev", "clerk", 190, 400).await.unwrap();
    assert!(
        s.device_trusted("dev", "clerk", 300).await.unwrap(),
        "renewed"
    );
});

contract!(item_versions_are_immutable_and_publishing_is_atomic, |s| {
    let (_, city_police, xianyou) = city(s).await;
    let rev0 = s.catalogue_revision().await.unwrap();
    let v1 = item("GA-001", "居民身份证换领");
    assert_eq!(
        s.publish_items(&[publication(v1.clone(), vec![xianyou])], 1)
            .await
            .unwrap(),
        1
    );
    assert!(s.catalogue_revision().await.unwrap() > rev0);
    // Publishing the same content again writes no version.
    assert_eq!(
        s.publish_items(&[publication(v1.clone(), vec![xianyou])], 2)
            .await
            .unwrap(),
        0
    );
    let mut v2 = v1.clone();
    v2.promised_days = 5;
    assert_eq!(
        s.publish_items(&[publication(v2.clone(), vec![])], 3)
            .await
            .unwrap(),
        1
    );
    let cur = s.item(&v1.code).await.unwrap();
    assert_eq!((cur.version, cur.content.promised_days), (2, 5));
    assert_eq!(s.item_version(&v1.code, 1).await.unwrap().content, v1);
    assert!(matches!(
        s.item_version(&v1.code, 3).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.item(&ItemCode("NOPE".into())).await,
        Err(StoreError::NotFound)
    ));
    let impls = s.implementations(&v1.code).await.unwrap();
    assert_eq!(impls.len(), 1);
    assert_eq!(impls[0].department_name, "仙游县公安局");
    assert_eq!(impls[0].region.as_str(), "350322");
    let of = s
        .implementations_of(&[v1.code.clone(), ItemCode("NOPE".into())])
        .await
        .unwrap();
    assert_eq!(of, impls, "several items in one read");
    assert!(s.implementations_of(&[]).await.unwrap().is_empty());

    // One bad publication (unknown department) writes nothing of the batch.
    let rev = s.catalogue_revision().await.unwrap();
    let fine = item("GA-002", "户口迁移");
    let mut v3 = v2.clone();
    v3.promised_days = 3;
    let r = s
        .publish_items(
            &[
                publication(fine, vec![city_police]),
                publication(v3, vec![DepartmentId(424242)]),
            ],
            4,
        )
        .await;
    assert!(matches!(r, Err(StoreError::InvalidReference(_))), "{r:?}");
    assert!(matches!(
        s.item(&ItemCode("GA-002".into())).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.item(&v1.code).await.unwrap().version, 2);
    assert_eq!(s.catalogue_revision().await.unwrap(), rev);
});

contract!(aliases_list_and_search_documents, |s| {
    let (_, _, xianyou) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![xianyou])],
        1,
    )
    .await
    .unwrap();
    assert_eq!(
        s.aliases(&ItemCode("GA-001".into())).await.unwrap(),
        vec!["换身份证".to_string()]
    );
    let rev = s.catalogue_revision().await.unwrap();
    s.set_aliases(
        &ItemCode("GA-001".into()),
        &["身份证到期".into(), "换证".into()],
    )
    .await
    .unwrap();
    assert!(s.catalogue_revision().await.unwrap() > rev);
    assert_eq!(
        s.aliases(&ItemCode("GA-001".into())).await.unwrap(),
        vec!["换证".to_string(), "身份证到期".to_string()]
    );
    assert!(matches!(
        s.set_aliases(&ItemCode("NOPE".into()), &[]).await,
        Err(StoreError::NotFound)
    ));

    let batch = Batch {
        no: 1,
        name: "第一批".into(),
        published: "2021-06-10".into(),
        effective: "2021-06-10".into(),
    };
    let entry = BatchEntry {
        item: ItemCode("GA-001".into()),
        remove: false,
        modes: vec![Mode::CollectRemote, Mode::Online],
        levels: vec![RegionLevel::City, RegionLevel::Town],
        halls: vec![HallId(3)],
    };
    s.publish_batch(&batch, std::slice::from_ref(&entry))
        .await
        .unwrap();
    assert_eq!(s.batches().await.unwrap(), vec![batch]);
    let history = s.published_batches().await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].entries, vec![entry.clone()]);
    let list = tongban_domain::list_batch::in_force(&history, time::macros::date!(2021 - 06 - 10));
    let bad = BatchEntry {
        item: ItemCode("NOPE".into()),
        ..entry
    };
    let b2 = Batch {
        no: 2,
        name: "第二批".into(),
        published: "2021-09-30".into(),
        effective: String::new(),
    };
    assert!(matches!(
        s.publish_batch(&b2, &[bad]).await,
        Err(StoreError::InvalidReference(_))
    ));
    assert_eq!(
        s.batches().await.unwrap().len(),
        1,
        "the failed batch is not half-written"
    );

    let docs = s.search_docs(&list).await.unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].aliases.len(), 2);
    assert_eq!(docs[0].modes, vec![Mode::CollectRemote, Mode::Online]);
    assert_eq!(docs[0].summary.promised_days, 10);
    let _unused: BTreeMap<(), ()> = BTreeMap::new();
});

#[tokio::test]
async fn sqlite_refuses_to_edit_a_published_version() {
    let dir = std::env::temp_dir().join(format!("tongban-immut-{}", random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = tongban_store::sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    s.migrate().await.unwrap();
    city(&s).await;
    s.publish_items(&[publication(item("GA-001", "居民身份证换领"), vec![])], 1)
        .await
        .unwrap();
    let r = sqlx::query("UPDATE item_versions SET content = '{}'")
        .execute(s.pool())
        .await;
    assert!(r.unwrap_err().to_string().contains("immutable"));
    let r = sqlx::query("DELETE FROM item_versions")
        .execute(s.pool())
        .await;
    assert!(r.is_err());
    // The durability settings are what we promise.
    let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn postgres_refuses_to_edit_a_published_version() {
    let Ok(url) = std::env::var("TONGBAN_TEST_PG") else {
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: PostgreSQL immutability test SKIPPED (TONGBAN_TEST_PG unset)"
        );
        return;
    };
    let db = TestDb::postgres(&url).await;
    let name = db.cleanup.as_ref().unwrap().1.clone();
    let s =
        tongban_store::postgres::PgStore::connect(&tongban_store::url_with_database(&url, &name))
            .await
            .unwrap();
    city(&s).await;
    s.publish_items(&[publication(item("GA-001", "居民身份证换领"), vec![])], 1)
        .await
        .unwrap();
    let r = sqlx::query("UPDATE item_versions SET content = '{}'")
        .execute(s.pool())
        .await;
    assert!(r.unwrap_err().to_string().contains("immutable"));
    assert!(
        sqlx::query("DELETE FROM item_versions")
            .execute(s.pool())
            .await
            .is_err()
    );
    s.pool().close().await;
    db.finish().await;
}

contract!(list_batches_are_drafted_reviewed_and_published, |s| {
    use tongban_store::{BatchEdit, BatchMove};
    let (_, _, xianyou) = city(s).await;
    s.publish_items(
        &[
            publication(item("GA-001", "居民身份证换领"), vec![xianyou]),
            publication(item("GA-002", "户口迁移"), vec![xianyou]),
        ],
        1,
    )
    .await
    .unwrap();
    let mk = |u: &str| NewUser {
        username: u.into(),
        display_name: format!("管理员{u}"),
        password_hash: "$argon2id$fake".into(),
        role: Role::PlatformAdmin,
        scope: Scope::Platform,
        household_region: None,
        id_number: None,
        phone: None,
    };
    let a = s.create_user(&mk("a")).await.unwrap();
    let b = s.create_user(&mk("b")).await.unwrap();
    let entry = |code: &str, remove: bool| BatchEntry {
        item: ItemCode(code.into()),
        remove,
        modes: if remove { vec![] } else { vec![Mode::Online] },
        levels: if remove {
            vec![]
        } else {
            vec![RegionLevel::City]
        },
        halls: vec![],
    };
    s.publish_batch(
        &Batch {
            no: 1,
            name: "第一批".into(),
            published: "2021-06-10".into(),
            effective: "2021-06-10".into(),
        },
        &[entry("GA-001", false)],
    )
    .await
    .unwrap();
    let no = s.create_batch("第二批", a, 10).await.unwrap();
    assert_eq!(no, 2);
    let rec = s.batch(no).await.unwrap();
    assert_eq!(rec.state, BatchState::Draft);
    assert_eq!(rec.drafter_name.as_deref(), Some("管理员a"));
    assert_eq!(rec.effective, None);
    s.edit_batch(
        no,
        &BatchEdit {
            name: Some("第二批（修订）".into()),
            upsert: vec![entry("GA-001", true), entry("GA-002", false)],
            drop: vec![],
        },
        11,
    )
    .await
    .unwrap();
    s.edit_batch(
        no,
        &BatchEdit {
            upsert: vec![BatchEntry {
                halls: vec![HallId(9)],
                ..entry("GA-002", false)
            }],
            ..BatchEdit::default()
        },
        12,
    )
    .await
    .unwrap();
    let entries = s.batch_entries(no).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries[0].remove);
    assert_eq!(entries[1].halls, vec![HallId(9)]);
    // An entry for an unknown item writes nothing of the edit.
    let r = s
        .edit_batch(
            no,
            &BatchEdit {
                upsert: vec![entry("NOPE", false)],
                drop: vec![ItemCode("GA-002".into())],
                ..BatchEdit::default()
            },
            13,
        )
        .await;
    assert!(matches!(r, Err(StoreError::InvalidReference(_))), "{r:?}");
    assert_eq!(s.batch_entries(no).await.unwrap().len(), 2);

    let mv = |from, to| BatchMove {
        from,
        to,
        reviewer: None,
        reason: None,
        effective: None,
        published: None,
        audit: None,
    };
    s.move_batch(no, &mv(BatchState::Draft, BatchState::Submitted), 20)
        .await
        .unwrap();
    // Submitted: no edits, and a stale move is refused.
    assert!(matches!(
        s.edit_batch(no, &BatchEdit::default(), 21).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.move_batch(no, &mv(BatchState::Draft, BatchState::Submitted), 21)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.move_batch(99, &mv(BatchState::Draft, BatchState::Submitted), 21)
            .await,
        Err(StoreError::NotFound)
    ));
    let returned = BatchMove {
        reviewer: Some(b),
        reason: Some("缺少依据".into()),
        ..mv(BatchState::Submitted, BatchState::Returned)
    };
    s.move_batch(no, &returned, 22).await.unwrap();
    let rec = s.batch(no).await.unwrap();
    assert_eq!(rec.state, BatchState::Returned);
    assert_eq!(rec.returned_reason.as_deref(), Some("缺少依据"));
    assert_eq!(rec.reviewer_name.as_deref(), Some("管理员b"));
    s.edit_batch(no, &BatchEdit::default(), 23).await.unwrap();
    assert_eq!(s.batch(no).await.unwrap().state, BatchState::Draft);
    s.move_batch(no, &mv(BatchState::Draft, BatchState::Submitted), 24)
        .await
        .unwrap();
    let rev = s.catalogue_revision().await.unwrap();
    let publish = BatchMove {
        reviewer: Some(b),
        effective: Some("2030-01-01".into()),
        published: Some("2029-12-01".into()),
        ..mv(BatchState::Submitted, BatchState::Published)
    };
    s.move_batch(no, &publish, 25).await.unwrap();
    assert!(
        s.catalogue_revision().await.unwrap() > rev,
        "publishing bumps"
    );
    let rec = s.batch(no).await.unwrap();
    assert_eq!(rec.state, BatchState::Published);
    assert_eq!(rec.effective.as_deref(), Some("2030-01-01"));
    assert_eq!(rec.returned_reason, None);
    assert!(matches!(
        s.edit_batch(no, &BatchEdit::default(), 26).await,
        Err(StoreError::Conflict(_))
    ));

    let history = s.published_batches().await.unwrap();
    assert_eq!(history.iter().map(|b| b.no).collect::<Vec<_>>(), vec![1, 2]);
    let on = |d| tongban_domain::list_batch::in_force(&history, d);
    let before = on(time::macros::date!(2029 - 12 - 31));
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].item.as_str(), "GA-001");
    let after = on(time::macros::date!(2030 - 01 - 01));
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].item.as_str(), "GA-002");
    assert_eq!(after[0].batch_name, "第二批（修订）");

    // Newest first, keyset paged.
    let page = s.batch_page(None, 1).await.unwrap();
    assert_eq!(page[0].no, 2);
    let page = s.batch_page(Some(2), 5).await.unwrap();
    assert_eq!(page.iter().map(|b| b.no).collect::<Vec<_>>(), vec![1]);
    assert_eq!(page[0].drafted_by, None);
});

contract!(
    list_batch_reads_go_by_index,
    |s: &dyn tongban_store::BenchStore| {
        let plans = s.list_batch_plans().await.unwrap();
        assert_eq!(plans.len(), 4);
        for (what, plan) in plans {
            if let Some(line) = scan_or_sort(s.backend(), &plan, None) {
                panic!("{what}: the plan scans or sorts ({line}):\n{plan}");
            }
        }
    }
);

async fn published_batch_fixture(s: &dyn Store) {
    city(s).await;
    s.publish_items(&[publication(item("GA-001", "居民身份证换领"), vec![])], 1)
        .await
        .unwrap();
    s.publish_batch(
        &Batch {
            no: 1,
            name: "第一批".into(),
            published: "2021-06-10".into(),
            effective: String::new(),
        },
        &[BatchEntry {
            item: ItemCode("GA-001".into()),
            remove: false,
            modes: vec![Mode::Online],
            levels: vec![RegionLevel::City],
            halls: vec![],
        }],
    )
    .await
    .unwrap();
}

const PUBLISHED_BATCH_EDITS: [&str; 5] = [
    "UPDATE batch_entries SET modes = 'bundle'",
    "DELETE FROM batch_entries",
    "INSERT INTO batch_entries (batch, item_code, removed, modes, levels, halls) VALUES (1, 'GA-001', TRUE, '', '', '') ON CONFLICT DO NOTHING",
    "UPDATE batches SET effective = '2020-01-01'",
    "DELETE FROM batches",
];

#[tokio::test]
async fn sqlite_refuses_to_edit_a_published_batch() {
    let dir = std::env::temp_dir().join(format!("tongban-batch-{}", random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = tongban_store::sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    s.migrate().await.unwrap();
    published_batch_fixture(&s).await;
    for sql in PUBLISHED_BATCH_EDITS {
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(s.pool())
            .await;
        assert!(r.unwrap_err().to_string().contains("immutable"), "{sql}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn postgres_refuses_to_edit_a_published_batch() {
    let Ok(url) = std::env::var("TONGBAN_TEST_PG") else {
        return;
    };
    let db = TestDb::postgres(&url).await;
    let name = db.cleanup.as_ref().unwrap().1.clone();
    let s =
        tongban_store::postgres::PgStore::connect(&tongban_store::url_with_database(&url, &name))
            .await
            .unwrap();
    published_batch_fixture(&s).await;
    for sql in PUBLISHED_BATCH_EDITS {
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(s.pool())
            .await;
        assert!(r.unwrap_err().to_string().contains("immutable"), "{sql}");
    }
    s.pool().close().await;
    db.finish().await;
}

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(
        tongban_store::url_with_database("postgres://u@127.0.0.1:5432/postgres", "x"),
        "postgres://u@127.0.0.1:5432/x"
    );
    assert_eq!(
        tongban_store::url_with_database("postgres://127.0.0.1/test?sslmode=disable", "x"),
        "postgres://127.0.0.1/x?sslmode=disable"
    );
    assert_eq!(
        tongban_store::url_with_database("postgres://127.0.0.1:5432", "x"),
        "postgres://127.0.0.1:5432/x"
    );
}

fn new_case(dept: DepartmentId, hall: HallId) -> tongban_store::NewCase {
    tongban_store::NewCase {
        verification_code: format!("V{}", random_suffix()),
        item_code: ItemCode("GA-001".into()),
        item_version: 1,
        item_name: "居民身份证换领".into(),
        mode: Mode::AcceptRemote,
        department: dept,
        hall: Some(hall),
        applicant_user: None,
        assisted_by: None,
        delivery: None,
        created_by: None,
        applicant: tongban_domain::intake::Applicant::Person {
            name: "林秀英".into(),
            id_number: "350322198001011234".into(),
            phone: "13805941234".into(),
            household_region: RegionCode("350322".into()),
            residence_region: None,
            address: String::new(),
        },
        agent: None,
        answers: Default::default(),
        situation: "一般情形".into(),
        materials: vec![],
        promised_days: 5,
        instant: false,
        tallies: tongban_domain::case::tally::on_open(
            Status::Draft,
            time::macros::date!(2026 - 11 - 27),
        ),
    }
}

fn event(actor: UserId, action: &str, at: i64) -> tongban_store::NewEvent {
    tongban_store::NewEvent {
        at,
        actor,
        role: "clerk".into(),
        hall: None,
        department: None,
        action: action.into(),
        payload: "{}".into(),
    }
}

contract!(material_receipts_batch_is_one_write_all_or_none, |s| {
    let (hall, _, dept) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
        1,
    )
    .await
    .unwrap();
    let user = s
        .create_user(&NewUser {
            username: "a".into(),
            display_name: "a".into(),
            password_hash: "x".into(),
            role: Role::Applicant,
            scope: Scope::None,
            household_region: None,
            id_number: None,
            phone: None,
        })
        .await
        .unwrap();
    let (c, _) = s
        .create_case(
            &new_case(dept, hall),
            "TB20261128",
            &event(user, "create", 10),
            None,
        )
        .await
        .unwrap();
    let licence = |key: &str, at: i64| {
        (
            tongban_store::MaterialReceipt {
                material_key: key.into(),
                method: "license".into(),
                blob: None,
                mime: None,
                size: None,
                license_ref: Some(format!("LIC-{key}")),
                recorded_by: user.0,
                recorded_at: at,
                original_verified: false,
            },
            event(user, "material", at),
        )
    };
    let batch = [licence("id_card", 20), licence("hukou", 20)];
    // A stale version writes nothing, not even the first receipt.
    let stale = s.add_material_receipts(&c.case_no, 7, &batch).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert!(s.material_receipts(c.id).await.unwrap().is_empty());
    assert_eq!(s.case_events(c.id).await.unwrap().len(), 1);

    let after = s
        .add_material_receipts(&c.case_no, c.version, &batch)
        .await
        .unwrap();
    // One version step per receipt, the events chained in order.
    assert_eq!(after.version, c.version + 2);
    let receipts = s.material_receipts(c.id).await.unwrap();
    let keys: Vec<_> = receipts.iter().map(|r| r.material_key.as_str()).collect();
    assert_eq!(keys, ["id_card", "hukou"]);
    let events = s.case_events(c.id).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(events[2].prev_hash, events[1].hash);
    assert_eq!(
        tongban_store::verify_timelines(s).await.unwrap(),
        Ok(1),
        "the chain verifies with the batch in it"
    );
    // The single receipt goes the same way, one step on.
    let one = s
        .add_material_receipt(
            &c.case_no,
            after.version,
            &licence("photo", 30).0,
            &event(user, "material", 30),
        )
        .await
        .unwrap();
    assert_eq!(one.version, after.version + 1);
    assert_eq!(tongban_store::verify_timelines(s).await.unwrap(), Ok(1));
});

contract!(video_checks_step_the_case_and_conclude_once, |s| {
    use tongban_store::{NewVideoCheck, VideoResult};
    let (hall, _, dept) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
        1,
    )
    .await
    .unwrap();
    let user = s
        .create_user(&NewUser {
            username: "r".into(),
            display_name: "r".into(),
            password_hash: "x".into(),
            role: Role::Reviewer,
            scope: Scope::Department(dept),
            household_region: None,
            id_number: None,
            phone: None,
        })
        .await
        .unwrap();
    let (c, _) = s
        .create_case(
            &new_case(dept, hall),
            "TB20261128",
            &event(user, "create", 10),
            None,
        )
        .await
        .unwrap();
    let start = |n: i64| NewVideoCheck {
        participant: "applicant".into(),
        participant_name: "林".into(),
        participant_id: "350302********0011".into(),
        service: "演示".into(),
        meeting_ref: format!("m{n}"),
        link: format!("https://video.example.invalid/m/m{n}"),
        started_by: user.0,
        started_at: 20 + n,
    };
    // A stale version writes nothing.
    let stale = s
        .start_video_check(&c.case_no, 9, &start(1), &event(user, "video_check", 21))
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert!(s.video_checks(c.id, 0, 10).await.unwrap().is_empty());
    assert_eq!(s.case_events(c.id).await.unwrap().len(), 1);
    let (after, first) = s
        .start_video_check(
            &c.case_no,
            c.version,
            &start(1),
            &event(user, "video_check", 21),
        )
        .await
        .unwrap();
    assert_eq!(after.version, c.version + 1);
    assert_eq!(after.status, c.status, "a check moves no status");
    assert_eq!(first.outcome, None);
    assert_eq!(first.meeting_ref, "m1");
    assert_eq!(s.latest_video_verdict(c.id).await.unwrap(), None);
    let result = |outcome: &str| VideoResult {
        outcome: outcome.into(),
        reason: (outcome == "failed").then(|| "人像不符".into()),
        recording_blob: None,
        recording_mime: None,
        recording_size: None,
        recording_ref: Some("R-1".into()),
        concluded_by: user.0,
        concluded_at: 30,
    };
    let (after, done) = s
        .conclude_video_check(
            &c.case_no,
            after.version,
            first.id,
            &result("failed"),
            &event(user, "video_result", 30),
        )
        .await
        .unwrap();
    assert_eq!(done.outcome.as_deref(), Some("failed"));
    assert_eq!(done.reason.as_deref(), Some("人像不符"));
    assert_eq!(
        s.latest_video_verdict(c.id).await.unwrap().as_deref(),
        Some("failed")
    );
    // Concluded once: a second result writes nothing, not even the step.
    let again = s
        .conclude_video_check(
            &c.case_no,
            after.version,
            first.id,
            &result("passed"),
            &event(user, "video_result", 31),
        )
        .await;
    assert!(
        matches!(&again, Err(StoreError::Conflict(w)) if w == "video_check.concluded"),
        "{again:?}"
    );
    assert_eq!(
        s.case_by_no(&c.case_no).await.unwrap().version,
        after.version
    );
    // Another case's check is not found through this case.
    assert!(matches!(
        s.video_check(tongban_domain::CaseId(c.id.0 + 1), first.id)
            .await,
        Err(StoreError::NotFound)
    ));
    // A second check passes; one not reached afterwards says nothing of
    // the person, so the latest verdict stays "passed".
    let (after, second) = s
        .start_video_check(
            &c.case_no,
            after.version,
            &start(2),
            &event(user, "video_check", 40),
        )
        .await
        .unwrap();
    let (after, _) = s
        .conclude_video_check(
            &c.case_no,
            after.version,
            second.id,
            &result("passed"),
            &event(user, "video_result", 41),
        )
        .await
        .unwrap();
    let (after, third) = s
        .start_video_check(
            &c.case_no,
            after.version,
            &start(3),
            &event(user, "video_check", 50),
        )
        .await
        .unwrap();
    let (after, _) = s
        .conclude_video_check(
            &c.case_no,
            after.version,
            third.id,
            &result("not_reached"),
            &event(user, "video_result", 51),
        )
        .await
        .unwrap();
    assert_eq!(
        s.latest_video_verdict(c.id).await.unwrap().as_deref(),
        Some("passed")
    );
    assert_eq!(after.version, c.version + 6);
    // Paged by id.
    let page = s.video_checks(c.id, 0, 2).await.unwrap();
    assert_eq!(
        page.iter()
            .map(|r| r.meeting_ref.as_str())
            .collect::<Vec<_>>(),
        ["m1", "m2"]
    );
    let rest = s.video_checks(c.id, page[1].id, 2).await.unwrap();
    assert_eq!(
        rest.iter()
            .map(|r| r.meeting_ref.as_str())
            .collect::<Vec<_>>(),
        ["m3"]
    );
    assert_eq!(tongban_store::verify_timelines(s).await.unwrap(), Ok(1));
});

contract!(cases_append_chained_events_under_a_version_guard, |s| {
    let (hall, _, dept) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
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
    let render = |c: &tongban_store::CaseRecord| {
        format!(
            "{{\"case_no\":\"{}\",\"version\":{}}}",
            c.case_no, c.version
        )
    };
    let idem = tongban_store::IdemWrite {
        scope: "u1:create".into(),
        key: "k1".into(),
        status: 201,
        render: &render,
    };
    let (c, answer) = s
        .create_case(
            &new_case(dept, hall),
            "TB20261128",
            &event(clerk, "create", 10),
            Some(idem),
        )
        .await
        .unwrap();
    assert!(
        c.case_no.starts_with("TB20261128") && c.case_no.len() == 18,
        "{}",
        c.case_no
    );
    assert_eq!((c.status, c.version), (Status::Draft, 1));
    assert_eq!(
        answer.unwrap(),
        format!("{{\"case_no\":\"{}\",\"version\":1}}", c.case_no)
    );
    assert_eq!(
        s.idempotent_answer("u1:create", "k1")
            .await
            .unwrap()
            .unwrap()
            .0,
        201
    );
    assert!(
        s.idempotent_answer("u2:create", "k1")
            .await
            .unwrap()
            .is_none(),
        "keys are scoped per caller"
    );
    let idem = tongban_store::IdemWrite {
        scope: "u1:create".into(),
        key: "k1".into(),
        status: 201,
        render: &render,
    };
    let again = s
        .create_case(
            &new_case(dept, hall),
            "TB20261128",
            &event(clerk, "create", 11),
            Some(idem),
        )
        .await;
    // The same key again answers as the first time: never a second case.
    match again {
        Err(StoreError::Replayed(201, body)) => {
            assert_eq!(
                body,
                format!("{{\"case_no\":\"{}\",\"version\":1}}", c.case_no)
            )
        }
        other => panic!("expected the recorded answer, got {other:?}"),
    }
    assert_eq!(
        s.cases(&tongban_store::CaseFilter {
            visible: tongban_domain::authz::CaseVisibility::All,
            statuses: vec![],
            order: tongban_store::CaseOrder::Updated,
            limit: 10,
            after: None,
            due_before: None,
            narrow: Default::default(),
        })
        .await
        .unwrap()
        .rows
        .len(),
        1
    );

    let change = |status| tongban_store::CaseChange {
        staff_notices: Default::default(),
        watch_until: Default::default(),
        status,
        accepted_on: None,
        decided_on: None,
        pauses: vec![],
        resume_to: None,
        pickup_hall: None,
        notify: None,
        messages: vec![],
        due_on: None,
        tallies: vec![],
    };
    let sms = |body: &str| tongban_store::outbox::NewMessage {
        kind: tongban_store::outbox::MessageKind::Sms,
        recipient: "13805940001".into(),
        body: body.into(),
    };
    let mut submit = change(Status::Submitted);
    submit.messages = vec![sms("已提交")];
    let (c2, _) = s
        .apply_to_case(&c, &submit, &event(clerk, "submit", 20), None)
        .await
        .unwrap();
    assert_eq!((c2.status, c2.version), (Status::Submitted, 2));
    // A stale version: refused, nothing written.
    let mut accept = change(Status::Accepted);
    accept.messages = vec![sms("已受理")];
    let stale = s
        .apply_to_case(&c, &accept, &event(clerk, "accept", 30), None)
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))));
    accept.accepted_on = Some(time::macros::date!(2026 - 11 - 27));
    accept.due_on = Some(time::macros::date!(2026 - 12 - 04));
    let (c3, _) = s
        .apply_to_case(&c2, &accept, &event(clerk, "accept", 40), None)
        .await
        .unwrap();
    assert_eq!(c3.accepted_on, Some(time::macros::date!(2026 - 11 - 27)));
    // What a step answers is what it wrote.
    assert_eq!(s.case_by_no(&c3.case_no).await.unwrap(), c3);
    // The due date is kept with the step; cases without one can be found and given one.
    let running = [Status::Accepted];
    let clocked = |missing| s.clocked_cases(0, &running, missing, 10);
    assert_eq!(clocked(false).await.unwrap().len(), 1);
    assert!(clocked(true).await.unwrap().is_empty());
    s.set_due_dates(&[(c.id, None)]).await.unwrap();
    assert_eq!(clocked(true).await.unwrap()[0].id, c.id);
    s.set_due_dates(&[(c.id, Some(time::macros::date!(2026 - 12 - 04)))])
        .await
        .unwrap();
    assert!(clocked(true).await.unwrap().is_empty());
    assert!(
        s.clocked_cases(0, &[Status::Suspended], false, 10)
            .await
            .unwrap()
            .is_empty()
    );
    outbox_round_trip(s, c.id.0).await;

    let events = s.case_events(c.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["create", "submit", "accept"]
    );
    let stored: Vec<tongban_domain::timeline::StoredEvent> = events
        .iter()
        .map(|e| tongban_domain::timeline::StoredEvent {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            role: e.role.clone(),
            action: e.action.clone(),
            status: e.status.clone(),
            payload: e.payload.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        })
        .collect();
    tongban_domain::timeline::verify(&c.case_no, &stored).unwrap();
    assert_eq!(
        s.case_index(0, 10).await.unwrap(),
        vec![(c.id.0, c.case_no.clone(), 3)]
    );

    // Every shape of the visibility rule, as SQL on this backend.
    use tongban_domain::authz::CaseVisibility as V;
    let f = |visible, statuses: Vec<Status>| tongban_store::CaseFilter {
        visible,
        statuses,
        order: match visible {
            V::Department(_) | V::Hall { .. } => tongban_store::CaseOrder::Due,
            _ => tongban_store::CaseOrder::Updated,
        },
        limit: 10,
        after: None,
        due_before: None,
        narrow: Default::default(),
    };
    let helper = Some(UserId(12_345));
    for (v, statuses, n) in [
        (V::All, vec![], 1),
        (V::Nothing, vec![], 0),
        (V::Department(dept), vec![], 1),
        (V::Department(DepartmentId(999)), vec![], 0),
        (
            V::Hall {
                hall: Some(hall),
                helper: None,
            },
            vec![Status::Accepted, Status::Draft],
            1,
        ),
        (
            V::Hall {
                hall: Some(hall),
                helper,
            },
            vec![],
            1,
        ),
        (
            V::Hall {
                hall: Some(HallId(999)),
                helper,
            },
            vec![],
            0,
        ),
        (V::Hall { hall: None, helper }, vec![], 0),
        (
            V::Hall {
                hall: None,
                helper: None,
            },
            vec![],
            0,
        ),
        (V::Applicant(UserId(999)), vec![], 0),
        (V::All, vec![Status::Draft], 0),
    ] {
        assert_eq!(
            s.cases(&f(v, statuses)).await.unwrap().rows.len(),
            n,
            "{v:?}"
        );
    }
    let page = s.cases(&f(V::All, vec![])).await.unwrap();
    assert_eq!(page.rows[0], s.case_by_no(&c.case_no).await.unwrap());
    assert_eq!(page.next, None);
});

contract!(calendar_years_round_trip, |s| {
    use time::macros::date;
    let y = tongban_domain::calendar::HolidayYear {
        year: 2027,
        source: "国务院办公厅通知".into(),
        off: [date!(2027 - 01 - 01)].into_iter().collect(),
        work: [date!(2027 - 02 - 06)].into_iter().collect(),
    };
    assert_eq!(s.due_refresh().await.unwrap(), None);
    s.put_calendar_year(&y, None, 1).await.unwrap();
    assert_eq!(s.calendar_years().await.unwrap(), vec![y.clone()]);
    // Each change writes a recomputation of due dates with it.
    let first = s.due_refresh().await.unwrap().unwrap();
    assert_eq!((first.year, first.done, first.finished_at), (2027, 0, None));
    assert!(s.advance_due_refresh(first.id, &[], 7, None).await.unwrap());
    let mut y2 = y.clone();
    y2.off.insert(date!(2027 - 01 - 02));
    y2.work.clear();
    s.put_calendar_year(&y2, None, 2).await.unwrap();
    assert_eq!(s.calendar_years().await.unwrap(), vec![y2]);
    // A newer change supersedes the unfinished one, which writes no more.
    let second = s.due_refresh().await.unwrap().unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!((second.after_id, second.finished_at), (0, None));
    assert!(
        !s.advance_due_refresh(first.id, &[], 9, Some(3))
            .await
            .unwrap()
    );
    assert!(
        s.advance_due_refresh(second.id, &[], 9, Some(3))
            .await
            .unwrap()
    );
    let done = s.due_refresh().await.unwrap().unwrap();
    assert_eq!(
        (done.after_id, done.finished_at, done.superseded),
        (9, Some(3), false)
    );
});

contract!(
    concurrent_writes_share_commits_and_a_failed_one_leaves_no_trace,
    |s| {
        use tongban_domain::grant::{Grantee, Right};
        let before = s.audit_range(0, 100_000).await.unwrap().len();
        let entry = |i: usize| tongban_store::AuditEntry {
            at: i as i64,
            kind: "test".into(),
            actor: None,
            username: None,
            addr: "127.0.0.1".into(),
            subject: format!("w{i}"),
            detail: "{}".into(),
        };
        // A grant by a department that does not exist fails inside its transaction.
        let bad = tongban_store::NewGrant {
            grantor: DepartmentId(987_654),
            grantee: Grantee::Hall(HallId(987_654)),
            items: None,
            rights: vec![Right::RemoteAcceptance],
            valid_from: time::macros::date!(2026 - 01 - 01),
            valid_to: time::macros::date!(2026 - 12 - 31),
            granted_by: UserId(987_654),
            granted_at: 1,
            reason: "x".into(),
        };
        // 48 writers at once; every fourth fails.
        let results = futures_util::future::join_all((0..48).map(|i| {
            let bad = &bad;
            let entry = &entry;
            async move {
                if i % 4 == 3 {
                    s.create_grant(bad, &entry(i)).await.map(|_| ())
                } else {
                    s.append_audit(&entry(i)).await.map(|_| ())
                }
            }
        }))
        .await;
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.is_ok(), i % 4 != 3, "writer {i}: {r:?}");
            if i % 4 == 3 {
                assert!(matches!(r, Err(StoreError::InvalidReference(_))), "{r:?}");
            }
        }
        // Every acknowledged write is there, each once; nothing of a failed one.
        assert_eq!(s.unsealed_audit().await.unwrap(), 36);
        assert!(
            s.audit_range(0, 100_000).await.unwrap().len() == before,
            "not sealed yet"
        );
        while s.seal_audit(7).await.unwrap() > 0 {}
        assert_eq!(s.unsealed_audit().await.unwrap(), 0);
        let after = s.audit_range(0, 100_000).await.unwrap();
        let mut subjects: Vec<String> = after[before..].iter().map(|e| e.subject.clone()).collect();
        subjects.sort();
        let mut want: Vec<String> = (0..48)
            .filter(|i| i % 4 != 3)
            .map(|i| format!("w{i}"))
            .collect();
        want.sort();
        assert_eq!(subjects, want);
        assert!(s.grants().await.unwrap().is_empty());
        assert_eq!(
            tongban_store::verify_audit_log(s).await.unwrap(),
            Ok(after.len())
        );
    }
);

#[tokio::test]
async fn sqlite_group_commit_batches_writers_and_survives_callers_that_give_up() {
    use tongban_store::BenchStore;
    let dir = std::env::temp_dir().join(format!("tongban-group-{}", random_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = std::sync::Arc::new(
        tongban_store::sqlite::SqliteStore::connect(&url)
            .await
            .unwrap(),
    );
    s.migrate().await.unwrap();
    let entry = |i: usize| tongban_store::AuditEntry {
        at: i as i64,
        kind: "test".into(),
        actor: None,
        username: None,
        addr: "127.0.0.1".into(),
        subject: format!("w{i}"),
        detail: "{}".into(),
    };
    let (c0, m0) = s.group_commit_stats().unwrap();
    // 64 writers at once, from many tasks: fewer commits than writes.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..64 {
        let s = s.clone();
        let e = entry(i);
        set.spawn(async move { s.append_audit(&e).await });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap().unwrap();
    }
    let (c1, m1) = s.group_commit_stats().unwrap();
    assert_eq!(m1 - m0, 64);
    assert!(c1 - c0 < 64, "{} commits for 64 writes", c1 - c0);
    // Callers that give up at any point (queued, mid-write, committing)
    // never wedge the writer nor break the chain.
    let mut set = tokio::task::JoinSet::new();
    for i in 64..128 {
        let s = s.clone();
        let e = entry(i);
        set.spawn(async move {
            let _ = tokio::time::timeout(
                std::time::Duration::from_micros((i % 7) as u64 * 50),
                s.append_audit(&e),
            )
            .await;
        });
    }
    while set.join_next().await.is_some() {}
    let last = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.append_audit(&entry(999)),
    )
    .await
    .expect("the writer is not wedged")
    .unwrap();
    while s.seal_audit(1000).await.unwrap() > 0 {}
    let all = s.audit_range(0, 1000).await.unwrap();
    assert_eq!(
        all.last().unwrap().subject,
        "w999",
        "sealed in the order written (id {last})"
    );
    assert!(all.iter().filter(|e| e.subject.starts_with('w')).count() >= 65);
    assert_eq!(
        tongban_store::verify_audit_log(s.as_ref()).await.unwrap(),
        Ok(all.len())
    );
    // Reopened, every acknowledged write is still there.
    drop(s);
    let again = tongban_store::sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    assert_eq!(again.audit_range(0, 1000).await.unwrap().len(), all.len());
    let _ = std::fs::remove_dir_all(dir);
}

contract!(real_name_accounts_sign_in_with_a_code_once, |s| {
    let (hall, _, dept) = city(s).await;
    let applicant = NewUser {
        username: "13805940002".into(),
        display_name: "蔡文彬".into(),
        password_hash: "x".into(),
        role: Role::Applicant,
        scope: Scope::None,
        household_region: None,
        id_number: Some("350322198507150034".into()),
        phone: Some("13805940002".into()),
    };
    let id = s.create_user(&applicant).await.unwrap();
    // One account per ID number.
    let twin = NewUser {
        username: "13805940003".into(),
        ..applicant.clone()
    };
    assert!(matches!(
        s.create_user(&twin).await,
        Err(StoreError::Conflict(_))
    ));
    let (u, phone) = s
        .applicant_by_id_number("350322198507150034")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((u.id, phone.as_deref()), (id, Some("13805940002")));
    assert!(
        s.applicant_by_id_number("350304195103120027")
            .await
            .unwrap()
            .is_none()
    );
    s.issue_phone_code("13805940002", "kiosk", "good", "1.2.3.4", 100, 1000)
        .await
        .unwrap();
    let session = |t: &str| Session {
        token_hash: t.into(),
        user_id: id,
        kind: SessionKind::Cookie,
        csrf: "c".into(),
        created_at: 200,
        expires_at: 5000,
    };
    let audit = tongban_store::AuditEntry {
        at: 200,
        kind: "login".into(),
        actor: Some(id),
        username: Some("13805940002".into()),
        addr: "1.2.3.4".into(),
        subject: "user:13805940002".into(),
        detail: "{}".into(),
    };
    // A code for another purpose does not open it; a wrong one neither.
    assert!(
        !s.session_with_code(
            "13805940002",
            "register",
            "good",
            200,
            &session("a"),
            &audit
        )
        .await
        .unwrap()
    );
    assert!(
        !s.session_with_code("13805940002", "kiosk", "bad", 200, &session("a"), &audit)
            .await
            .unwrap()
    );
    assert!(
        s.session("a", 300).await.unwrap().is_none(),
        "nothing half-written"
    );
    assert!(
        s.session_with_code("13805940002", "kiosk", "good", 200, &session("b"), &audit)
            .await
            .unwrap()
    );
    assert_eq!(s.session("b", 300).await.unwrap().unwrap().user_id, id);
    // Used once.
    assert!(
        !s.session_with_code("13805940002", "kiosk", "good", 201, &session("c"), &audit)
            .await
            .unwrap()
    );
    // The delivery choice round-trips on a case.
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
        1,
    )
    .await
    .unwrap();
    let mut c = new_case(dept, hall);
    c.delivery = Some(tongban_domain::case::Delivery {
        method: tongban_domain::case::DeliveryMethod::Pickup,
        address: None,
        hall: Some(hall),
    });
    let (rec, _) = s
        .create_case(&c, "TB20261128", &event(id, "create", 10), None)
        .await
        .unwrap();
    assert_eq!(rec.delivery, c.delivery);
    assert_eq!(
        s.case_by_no(&rec.case_no).await.unwrap().delivery,
        c.delivery
    );
});

/// The outbox: messages written with their change (the stale step wrote
/// none), leased to one worker, retried, given up, resent.
async fn outbox_round_trip(s: &dyn Store, case_id: i64) {
    use tongban_store::outbox::{Attempt, MessageStatus};
    let due = s.claim_outbox(100, 200, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["已提交", "已受理"],
        "the stale step's message was never written"
    );
    assert!(
        due.iter()
            .all(|m| m.case_id == Some(case_id) && m.attempts == 0)
    );
    assert!(
        s.claim_outbox(150, 250, 10).await.unwrap().is_empty(),
        "leased"
    );
    let (first, second) = (due[0].id, due[1].id);
    s.record_attempts(160, &[(first, Attempt::Sent)])
        .await
        .unwrap();
    s.record_attempts(160, &[(second, Attempt::RetryAt(500, "网关不可用".into()))])
        .await
        .unwrap();
    assert!(
        s.claim_outbox(300, 400, 10).await.unwrap().is_empty(),
        "not due yet"
    );
    let again = s.claim_outbox(500, 600, 10).await.unwrap();
    assert_eq!(
        (again.len(), again[0].id, again[0].attempts),
        (1, second, 1)
    );
    assert_eq!(again[0].last_error.as_deref(), Some("网关不可用"));
    s.record_attempts(510, &[(second, Attempt::GiveUp("仍不可用".into()))])
        .await
        .unwrap();
    let failed = s
        .outbox_messages(MessageStatus::Failed, None, 10)
        .await
        .unwrap();
    assert_eq!((failed.len(), failed[0].attempts), (1, 2));
    let sent = s
        .outbox_messages(MessageStatus::Sent, None, 10)
        .await
        .unwrap();
    assert_eq!((sent[0].id, sent[0].sent_at), (first, Some(160)));
    assert!(
        s.outbox_messages(MessageStatus::Sent, Some(first), 10)
            .await
            .unwrap()
            .is_empty(),
        "keyset: nothing older"
    );
    let audit = tongban_store::AuditEntry {
        at: 600,
        kind: "outbox_resend".into(),
        actor: None,
        username: None,
        addr: "cli".into(),
        subject: format!("outbox:{second}"),
        detail: "{}".into(),
    };
    assert!(matches!(
        s.resend_message(first, 600, &audit).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.resend_message(999_999, 600, &audit).await,
        Err(StoreError::NotFound)
    ));
    let m = s.resend_message(second, 600, &audit).await.unwrap();
    assert_eq!((m.status, m.attempts), (MessageStatus::Pending, 0));
    assert_eq!(s.claim_outbox(600, 700, 10).await.unwrap()[0].id, second);
}

/// Whether a visibility rule includes a stored case (the domain's rule).
fn sees(v: tongban_domain::authz::CaseVisibility, c: &tongban_store::CaseRecord) -> bool {
    v.includes(&tongban_domain::authz::CaseScope {
        case_no: &c.case_no,
        hall: c.hall,
        department: c.department,
        applicant: c.applicant_user,
        assisted_by: c.assisted_by,
        pickup_hall: c.pickup_hall,
        item: &c.item_code,
        mode: c.mode,
    })
}

contract!(case_lists_page_by_keyset_over_every_branch, |s| {
    use tongban_domain::authz::CaseVisibility as V;
    use tongban_store::{CaseKey, CaseOrder};
    let (hall, other_dept, dept) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
        1,
    )
    .await
    .unwrap();
    let user = |name: &str, role, scope| {
        let name = name.to_owned();
        async move {
            s.create_user(&NewUser {
                username: name.clone(),
                display_name: name,
                password_hash: "x".into(),
                role,
                scope,
                household_region: None,
                id_number: None,
                phone: None,
            })
            .await
            .unwrap()
        }
    };
    let clerk = user("c", Role::Clerk, Scope::Hall(hall)).await;
    let helper = user("h", Role::Clerk, Scope::Hall(hall)).await;
    let applicant = user("a", Role::Applicant, Scope::None).await;
    // 30 cases: received at the hall, online and handed over there,
    // online and helped, an applicant's own; same change times and due
    // dates repeat, so ties are broken by id.
    let mut ids = Vec::new();
    for i in 0..30i64 {
        let mut n = new_case(dept, hall);
        match i % 4 {
            0 => n.hall = None,
            1 => {
                n.hall = None;
                n.assisted_by = Some(helper);
            }
            2 => n.applicant_user = Some(applicant),
            _ => {}
        }
        let (c, _) = s
            .create_case(&n, "TB", &event(clerk, "create", 100 + i % 7), None)
            .await
            .unwrap();
        if i % 4 == 0 || i % 5 == 0 {
            let change = tongban_store::CaseChange {
                staff_notices: Default::default(),
                watch_until: Default::default(),
                status: if i % 3 == 0 {
                    Status::Accepted
                } else {
                    Status::Submitted
                },
                accepted_on: None,
                decided_on: None,
                pauses: vec![],
                resume_to: None,
                pickup_hall: (i % 4 == 0).then_some(hall),
                notify: None,
                messages: vec![],
                due_on: (i % 3 == 0)
                    .then(|| time::macros::date!(2026 - 12 - 01) + time::Duration::days(i % 4)),
                tallies: vec![],
            };
            s.apply_to_case(&c, &change, &event(clerk, "move", 200 + i % 3), None)
                .await
                .unwrap();
        }
        ids.push(c.id);
    }
    let mut all = Vec::new();
    for id in &ids {
        all.push(s.case_by_id(*id).await.unwrap());
    }
    let shapes = [
        V::All,
        V::Department(dept),
        V::Department(other_dept),
        V::Applicant(applicant),
        V::Hall {
            hall: Some(hall),
            helper: None,
        },
        V::Hall {
            hall: Some(hall),
            helper: Some(helper),
        },
        V::Hall {
            hall: None,
            helper: Some(helper),
        },
    ];
    for v in shapes {
        for order in [CaseOrder::Updated, CaseOrder::Due] {
            // In the due order also only the overdue ones (due before a day).
            let bounds = match order {
                CaseOrder::Due => vec![None, Some(time::macros::date!(2026 - 12 - 03))],
                CaseOrder::Updated => vec![None],
            };
            let filters = [
                vec![],
                vec![Status::Accepted],
                vec![Status::Draft, Status::Submitted],
            ]
            .into_iter()
            .flat_map(|s| bounds.iter().map(move |b| (s.clone(), *b)));
            for (statuses, due_before) in filters {
                let mut want: Vec<_> = all
                    .iter()
                    .filter(|c| sees(v, c) && (statuses.is_empty() || statuses.contains(&c.status)))
                    .filter(|c| due_before.is_none_or(|d| c.due_on.is_some_and(|due| due < d)))
                    .collect();
                want.sort_by_key(|c| CaseKey::of(order, c));
                let want: Vec<_> = want.iter().map(|c| c.id).collect();
                let mut got = Vec::new();
                let mut after = None;
                for _ in 0..40 {
                    let page = s
                        .cases(&tongban_store::CaseFilter {
                            visible: v,
                            statuses: statuses.clone(),
                            order,
                            limit: 4,
                            after: after.clone(),
                            due_before,
                            narrow: Default::default(),
                        })
                        .await
                        .unwrap();
                    assert!(page.rows.len() <= 4);
                    got.extend(page.rows.iter().map(|c| c.id));
                    after = page.next;
                    if after.is_none() {
                        break;
                    }
                }
                assert_eq!(got, want, "{v:?} {order:?} {statuses:?} {due_before:?}");
            }
        }
    }
});

/// What makes a plan read a table that grows with the cases, or sort it:
/// a full scan, a walk of a whole index without a bound (SQLite), a
/// temporary sort; on PostgreSQL a sequential or bitmap scan or a sort.
fn plan_problem(backend: &str, plan: &str) -> Option<&'static str> {
    // The city's whole list walks its own index in order, as far as a page.
    let plan = &plan.replace("SCAN cases USING INDEX cases_all_updated", "ordered walk");
    let bad: &[(&str, &str)] = if backend == "sqlite" {
        &[
            ("SCAN cases", "scans cases"),
            ("TEMP B-TREE", "sorts in a temporary b-tree"),
        ]
    } else {
        &[
            ("Seq Scan", "scans sequentially"),
            ("Bitmap", "uses a bitmap scan (loses the order)"),
            ("Sort", "sorts"),
        ]
    };
    bad.iter()
        .find(|(needle, _)| plan.contains(needle))
        .map(|(_, why)| *why)
}

contract!(
    every_case_list_query_reads_an_index_in_order,
    |s: &dyn tongban_store::BenchStore| {
        use tongban_domain::authz::CaseVisibility as V;
        use tongban_store::{CaseKey, CaseOrder};
        let key = |order| CaseKey {
            order,
            due: "2026-12-01".into(),
            updated_at: 1_000,
            id: 5,
        };
        let (h, d, u) = (HallId(1), DepartmentId(1), UserId(1));
        // Every shape the application lists, in every order it asks for.
        let lists = [
            (V::All, CaseOrder::Updated),
            (V::Applicant(u), CaseOrder::Updated),
            (V::Department(d), CaseOrder::Updated),
            (V::Department(d), CaseOrder::Due),
            (
                V::Hall {
                    hall: Some(h),
                    helper: Some(u),
                },
                CaseOrder::Updated,
            ),
            (
                V::Hall {
                    hall: Some(h),
                    helper: Some(u),
                },
                CaseOrder::Due,
            ),
        ];
        for (v, order) in lists {
            for after in [None, Some(key(order))] {
                let overdue = [None, Some(time::macros::date!(2026 - 12 - 05))];
                let filters = [vec![], vec![Status::Accepted]]
                    .into_iter()
                    .flat_map(|s| overdue.iter().map(move |d| (s.clone(), *d)))
                    .filter(|(_, d)| d.is_none() || order == CaseOrder::Due);
                for (statuses, due_before) in filters {
                    let f = tongban_store::CaseFilter {
                        visible: v,
                        statuses,
                        order,
                        limit: 20,
                        after: after.clone(),
                        due_before,
                        narrow: Default::default(),
                    };
                    let plans = s.case_list_plans(&f).await.unwrap();
                    assert!(!plans.is_empty());
                    for plan in plans {
                        assert!(
                            plan.contains("cases_"),
                            "{v:?} {order:?}: no index of cases in\n{plan}"
                        );
                        if let Some(why) = plan_problem(s.backend(), &plan) {
                            panic!(
                                "{v:?} {order:?} after={}: the plan {why}:\n{plan}",
                                after.is_some()
                            );
                        }
                    }
                }
            }
        }
        // The check catches a list without its index: the city's whole list
        // by due date has none (the application never asks for it).
        let f = tongban_store::CaseFilter {
            visible: V::All,
            statuses: vec![],
            order: CaseOrder::Due,
            limit: 20,
            after: None,
            due_before: None,
            narrow: Default::default(),
        };
        let plans = s.case_list_plans(&f).await.unwrap();
        assert!(
            plan_problem(s.backend(), &plans[0]).is_some(),
            "{}",
            plans[0]
        );
    }
);

contract!(
    every_case_search_reads_its_index,
    |s: &dyn tongban_store::BenchStore| {
        use tongban_domain::authz::CaseVisibility as V;
        let shapes = [
            V::All,
            V::Department(DepartmentId(1)),
            V::Applicant(UserId(1)),
            V::Hall {
                hall: Some(HallId(1)),
                helper: Some(UserId(2)),
            },
        ];
        for v in shapes {
            let plans = s.search_plans(v).await.unwrap();
            assert_eq!(plans.len(), 4, "{v:?}");
            for (what, plan) in plans {
                let index = match what.split('(').next().unwrap() {
                    "CaseNo" => "case_no",
                    "IdNumber" => "cases_search_id_number",
                    "Phone" => "cases_search_phone",
                    _ => "cases_search_name",
                };
                assert!(
                    plan.contains(index),
                    "{v:?} {what}: not on {index}:\n{plan}"
                );
                if let Some(why) = plan_problem(s.backend(), &plan) {
                    panic!("{v:?} {what}: the plan {why}:\n{plan}");
                }
            }
        }
    }
);

contract!(
    kept_case_counts_read_their_keys_in_order,
    |s: &dyn tongban_store::BenchStore| {
        for (what, plan) in s.count_plans().await.unwrap() {
            assert!(plan.contains("case_"), "{what}: {plan}");
            let as_cases = plan
                .replace("case_stock_counts", "cases")
                .replace("case_flow_counts", "cases");
            if let Some(why) = plan_problem(s.backend(), &as_cases) {
                panic!("{what}: the plan {why}:\n{plan}");
            }
        }
    }
);

contract!(
    every_audit_list_query_reads_an_index_in_order,
    |s: &dyn tongban_store::BenchStore| {
        use tongban_store::{AuditFilter, AuditKey};
        // Every combination of the filters the page and the API offer (kind,
        // account, subject or case, outcome; a date range from, to, both or
        // neither), from the newest and from a cursor.
        let before = [
            None,
            Some(AuditKey {
                at: 1_700_000_000_000,
                id: 500,
            }),
        ];
        let ranges = [
            (None, None),
            (Some(1_600_000_000_000), None),
            (None, Some(1_800_000_000_000)),
            (Some(1_600_000_000_000), Some(1_800_000_000_000)),
        ];
        for mask in 0..16u8 {
            for (from, to) in ranges {
                for before in before {
                    let filter = AuditFilter {
                        kind: (mask & 1 != 0).then(|| "denied".to_owned()),
                        actor: (mask & 2 != 0).then_some(UserId(3)),
                        subject: (mask & 4 != 0).then(|| "TB2026120100000001".to_owned()),
                        outcome: (mask & 8 != 0).then(|| "denied".to_owned()),
                        from,
                        to,
                        limit: 20,
                        before,
                    };
                    let mut plan = s.audit_list_plan(&filter).await.unwrap();
                    let whole = mask == 0 && from.is_none() && to.is_none() && before.is_none();
                    if whole && plan == "SCAN audit_events USING INDEX audit_events_at" {
                        // SQLite walks the time index, newest first, as far as a page.
                        plan = "ordered walk of audit_events".into();
                    }
                    assert!(plan.contains("audit_events"), "{filter:?}: {plan}");
                    if let Some(why) =
                        plan_problem(s.backend(), &plan.replace("audit_events", "cases"))
                    {
                        panic!("{filter:?}: the plan {why}:\n{plan}");
                    }
                }
            }
        }
    }
);

contract!(audit_filters_combine_and_page_by_time, |s| {
    use tongban_store::AuditFilter;
    // Events at 1000, 2000, … (ids not in time order for the last two),
    // alternating an allowed view and a denial, two accounts, two cases.
    let base = 1_900_000_000_000_i64;
    let at = [1, 2, 3, 4, 5, 6, 7, 8, 10, 9];
    for (i, t) in at.iter().enumerate() {
        let e = tongban_store::AuditEntry {
            at: base + t * 1000,
            kind: if i % 2 == 0 { "pii_view" } else { "denied" }.into(),
            actor: Some(UserId(if i < 5 { 1 } else { 2 })),
            username: None,
            addr: "10.0.0.1".into(),
            subject: format!("TB-AUDIT-{}", i % 2),
            detail: "{}".into(),
        };
        s.append_audit(&e).await.unwrap();
    }
    let all = |f: AuditFilter| async move {
        let mut f = AuditFilter { limit: 3, ..f };
        let mut out = Vec::new();
        loop {
            let (rows, next) = s.audit_events(&f).await.unwrap();
            out.extend(rows.iter().map(|r| (r.at - base) / 1000));
            match next {
                Some(k) => f.before = Some(k),
                None => return out,
            }
        }
    };
    let window = || AuditFilter {
        from: Some(base),
        to: Some(base + 11_000),
        ..Default::default()
    };
    // Newest first by time, over every page.
    assert_eq!(all(window()).await, [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let denied = AuditFilter {
        outcome: Some("denied".into()),
        ..window()
    };
    assert_eq!(all(denied.clone()).await, [9, 8, 6, 4, 2]);
    let f = AuditFilter {
        actor: Some(UserId(2)),
        ..denied
    };
    assert_eq!(all(f).await, [9, 8, 6]);
    let f = AuditFilter {
        kind: Some("pii_view".into()),
        subject: Some("TB-AUDIT-0".into()),
        from: Some(base + 3000),
        to: Some(base + 9000),
        ..Default::default()
    };
    assert_eq!(all(f).await, [7, 5, 3]);
    let f = AuditFilter {
        outcome: Some("allowed".into()),
        to: Some(base + 5000),
        ..window()
    };
    assert_eq!(all(f).await, [3, 1]);
});

/// A line of a plan that scans a table or sorts (on PostgreSQL also a hash
/// or a materialised join: the order of an index is lost), but for `walk`,
/// the one ordered walk of a whole index a list of everything may take as
/// far as a page.
fn scan_or_sort(backend: &str, plan: &str, walk: Option<&str>) -> Option<String> {
    plan.lines()
        .map(str::trim)
        .filter(|l| !walk.is_some_and(|w| l.contains(w)))
        .find(|l| {
            if backend == "sqlite" {
                l.starts_with("SCAN ") || l.contains("TEMP B-TREE")
            } else {
                ["Seq Scan", "Bitmap", "Sort", "Hash", "Materialize"]
                    .iter()
                    .any(|n| l.contains(n))
            }
        })
        .map(str::to_owned)
}

contract!(
    every_appointment_list_query_reads_an_index_in_order,
    |s: &dyn tongban_store::BenchStore| {
        use tongban_store::{AppointmentFilter, AppointmentKey};
        let day = time::macros::date!(2026 - 12 - 04);
        let key = AppointmentKey {
            day,
            start: "09:00".into(),
            id: 7,
        };
        // Every combination of the filters, from the first and from a cursor.
        for mask in 0..8u8 {
            for after in [None, Some(key.clone())] {
                let f = AppointmentFilter {
                    user: (mask & 1 != 0).then_some(UserId(3)),
                    hall: (mask & 2 != 0).then_some(HallId(1)),
                    day: (mask & 4 != 0).then_some(day),
                    limit: 20,
                    after,
                };
                let plan = s.appointment_list_plan(&f).await.unwrap();
                // Everyone's, from the first: the day order's index walked
                // as far as a page.
                let walk = (mask == 0 && f.after.is_none()).then_some("appointments_day_order");
                if let Some(line) = scan_or_sort(s.backend(), &plan, walk) {
                    panic!("{f:?}: the plan scans or sorts ({line}):\n{plan}");
                }
                // On an index that leads with a filter given (the query
                // orders by the applicant's, else the hall's; with more
                // than one given, any such index is a range in the list's
                // order, and PostgreSQL without statistics may take
                // either), or, given none, along the day order's.
                let indexes: Vec<&str> = [
                    (f.user.is_some(), "appointments_user_order"),
                    (f.hall.is_some(), "appointments_hall_order"),
                    (f.day.is_some() || mask == 0, "appointments_day_order"),
                ]
                .into_iter()
                .filter_map(|(given, index)| given.then_some(index))
                .collect();
                assert!(
                    indexes.iter().any(|i| plan.contains(i)),
                    "{f:?}: not on {indexes:?}:\n{plan}"
                );
            }
        }
    }
);

contract!(
    notifications_and_a_cases_reads_go_by_index,
    |s: &dyn tongban_store::BenchStore| {
        let plans = s.bounded_read_plans().await.unwrap();
        assert_eq!(plans.len(), 14, "thirteen reads and a control");
        for (what, plan) in plans {
            if what.starts_with("control") {
                assert!(
                    scan_or_sort(s.backend(), &plan, None).is_some(),
                    "the check misses {what}:\n{plan}"
                );
                continue;
            }
            if let Some(line) = scan_or_sort(s.backend(), &plan, None) {
                panic!("{what}: the plan scans or sorts ({line}):\n{plan}");
            }
            let index = match what.as_str() {
                "notifications" => "notifications_user",
                "case events" if s.backend() == "sqlite" => "sqlite_autoindex_case_events",
                "case events" => "case_events_pkey",
                "case materials" => "case_materials_case",
                "staff: a hall's" => "users_hall_order",
                "staff: a department's" => "users_department_order",
                "staff: everyone's" => "users_staff_order",
                "arrivals due" => "arrival_watch_due",
                "halls' case totals" if s.backend() == "sqlite" => "USING PRIMARY KEY (scope=?)",
                "halls' case totals" => "case_stock_counts_pkey",
                "department staff" => "users_department_order",
                w if w.starts_with("video checks") => "video_checks_case",
                _ => "notifications_",
            };
            assert!(plan.contains(index), "{what}: not on {index}:\n{plan}");
        }
    }
);

contract!(appointment_pages_visit_every_booking_once_in_order, |s| {
    use tongban_domain::appointment::AppointmentKind;
    use tongban_store::{AppointmentFilter, AppointmentRecord, NewAppointment, NewSlotPlan};
    let (hall, _, dept) = city(s).await;
    s.publish_items(
        &[publication(item("GA-001", "居民身份证换领"), vec![dept])],
        1,
    )
    .await
    .unwrap();
    let mut users = Vec::new();
    for name in ["clerk", "a1", "a2", "a3"] {
        users.push(
            s.create_user(&NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: "x".into(),
                role: if name == "clerk" {
                    Role::Clerk
                } else {
                    Role::Applicant
                },
                scope: if name == "clerk" {
                    Scope::Hall(hall)
                } else {
                    Scope::None
                },
                household_region: None,
                id_number: None,
                phone: None,
            })
            .await
            .unwrap(),
        );
    }
    let windows = s.hall(hall).await.unwrap().windows;
    // Two windows with slots whose starting times tie across windows, so
    // a day's list interleaves the plans and ties break by booking.
    let mut plans = Vec::new();
    for (w, start, end) in [
        (0, "09:00", "09:30"),
        (1, "08:30", "09:00"),
        (1, "09:00", "09:30"),
        (0, "14:00", "14:30"),
    ] {
        plans.push(NewSlotPlan {
            hall,
            window: windows[w].id,
            start: start.into(),
            end: end.into(),
            capacity: 10,
            kind: AppointmentKind::Counter,
            created_by: users[0],
            created_at: 1,
        });
    }
    let plans = s.create_slot_plans(&plans).await.unwrap();
    let days = [
        time::macros::date!(2026 - 12 - 03),
        time::macros::date!(2026 - 12 - 04),
        time::macros::date!(2026 - 12 - 07),
    ];
    let mut booked: Vec<AppointmentRecord> = Vec::new();
    for i in 0..30usize {
        // The plans in a shuffled order, so ids do not follow the times.
        let plan = &plans[(i * 3 + i / 7) % plans.len()];
        let user = users[1 + i % 3];
        let day = days[(i / 4) % days.len()];
        // Some are home visits: where and why come back as written.
        use tongban_domain::appointment::{HomeVisit, VisitReason};
        let visit = (i % 5 == 0).then(|| HomeVisit {
            address: format!("荔城区镇海街道{i}号"),
            reason: [VisitReason::Elderly, VisitReason::KeyProject][i % 2],
        });
        match s
            .book_appointment(&NewAppointment {
                plan: plan.id,
                day,
                capacity: plan.capacity,
                booking_no: format!("YY{i:04}"),
                item: ItemCode("GA-001".into()),
                user,
                at: 10 + i as i64,
                visit: visit.clone(),
            })
            .await
        {
            Ok(a) => {
                assert_eq!(a.visit, visit);
                booked.push(a)
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    // Cancelled bookings stay on the lists.
    let cancelled = s
        .cancel_appointment(booked[4].id, users[0], 99)
        .await
        .unwrap();
    booked[4] = cancelled;
    assert!(booked.len() > 20, "{}", booked.len());
    for b in &booked {
        let plan = plans.iter().find(|p| p.id == b.plan).unwrap();
        assert_eq!(
            (b.hall, b.start.as_str()),
            (hall, plan.start.to_string().as_str())
        );
    }
    let order = |a: &AppointmentRecord| (a.day, a.start.clone(), a.id);
    for mask in 0..8u8 {
        for user in [users[1], users[2]] {
            let f = AppointmentFilter {
                user: (mask & 1 != 0).then_some(user),
                hall: (mask & 2 != 0).then_some(hall),
                day: (mask & 4 != 0).then_some(days[1]),
                limit: 1_000,
                after: None,
            };
            let mut expected: Vec<&AppointmentRecord> = booked
                .iter()
                .filter(|a| f.user.is_none_or(|u| a.user == u))
                .filter(|a| f.day.is_none_or(|d| a.day == d))
                .collect();
            expected.sort_by_key(|a| order(a));
            let whole = s.appointments(&f).await.unwrap();
            assert!(whole.next.is_none());
            assert_eq!(
                whole.rows.iter().collect::<Vec<_>>(),
                expected,
                "{f:?}: the whole list"
            );
            assert!(!expected.is_empty(), "{f:?}");
            for limit in [1, 2, 3, 7] {
                let mut pages = Vec::new();
                let mut after = None;
                loop {
                    let page = s
                        .appointments(&AppointmentFilter {
                            limit,
                            after: after.clone(),
                            ..f.clone()
                        })
                        .await
                        .unwrap();
                    assert!(page.rows.len() <= limit as usize);
                    pages.extend(page.rows);
                    match page.next {
                        Some(k) => after = Some(k),
                        None => break,
                    }
                    assert!(pages.len() <= expected.len(), "{f:?} pages past the end");
                }
                assert_eq!(
                    pages.iter().collect::<Vec<_>>(),
                    expected,
                    "{f:?} by {limit}: pages concatenated"
                );
                let mut ids: Vec<i64> = pages.iter().map(|a| a.id).collect();
                ids.dedup();
                assert_eq!(ids.len(), expected.len(), "{f:?} by {limit}: duplicates");
            }
        }
    }
});
