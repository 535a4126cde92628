//! Authorisation trust over HTTP: the generated matrix of every role ×
//! every window or department action × grant present / absent / expired /
//! revoked / for another region; visibility (404 for others' cases, masked
//! numbers in lists); the audit log of denials and its hash chain; grants
//! through the API and `/me`.

use crate::common::{Resp, TestApp, act, answers, create, person, step, upload};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tongban_domain::user::{Role, Scope};

/// 2026-11-28 10:00 +08:00.
const NOV_28: i64 = 1_795_831_200_000;

/// Deletes every grant (a fixture step: the schema refuses deletes, so the
/// guard is lifted here) and tells the caches.
async fn clear_grants(app: &TestApp) {
    if app.url.starts_with("sqlite") {
        app.raw_sql("DROP TRIGGER IF EXISTS grants_no_delete").await;
        app.raw_sql("DELETE FROM grants").await;
    } else {
        app.raw_sql("ALTER TABLE grants DISABLE TRIGGER grants_revoke_once")
            .await;
        app.raw_sql("DELETE FROM grants").await;
        app.raw_sql("ALTER TABLE grants ENABLE TRIGGER grants_revoke_once")
            .await;
    }
    app.raw_sql("UPDATE catalogue_revision SET revision = revision + 1 WHERE id = 1")
        .await;
}

async fn id_of(app: &TestApp, what: &str, name: &str) -> i64 {
    let v = app.get(&format!("/api/v1/{what}?limit=200")).await.json();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap_or_else(|| panic!("no {what} named {name}"))["id"]
        .as_i64()
        .unwrap()
}

async fn add_user(app: &TestApp, username: &str, role: Role, scope: Scope) -> String {
    app.store
        .create_user(&tongban_store::NewUser {
            username: username.into(),
            display_name: username.into(),
            password_hash: tongban_server::auth::hash_password("demo"),
            role,
            scope,
            household_region: None,
            id_number: None,
            phone: None,
        })
        .await
        .unwrap();
    app.login(username).await
}

const RIGHTS: [&str; 4] = [
    "remote_acceptance",
    "one_time_notice",
    "original_verification",
    "result_delivery",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum GrantState {
    Present,
    Absent,
    Expired,
    Revoked,
    OtherRegion,
}

/// Puts the grants of 荔城区民政局 to 镇海 into `state` (all four rights).
async fn set_grants(app: &TestApp, admin: &str, dept: i64, hall: i64, state: GrantState) {
    clear_grants(app).await;
    let (grantee, from, to) = match state {
        GrantState::Absent => return,
        GrantState::Present | GrantState::Revoked => {
            (json!({"hall": hall}), "2026-01-01", "2027-12-31")
        }
        GrantState::Expired => (json!({"hall": hall}), "2025-01-01", "2025-12-31"),
        // Every community centre of 仙游县: not 镇海 (荔城区).
        GrantState::OtherRegion => (
            json!({"level": "community", "region": "350322"}),
            "2026-01-01",
            "2027-12-31",
        ),
    };
    let r = app
        .post_json(
            "/api/v1/grants",
            json!({"grantor": dept, "grantee": grantee, "rights": RIGHTS, "items": null,
                   "valid_from": from, "valid_to": to, "reason": "矩阵测试"}),
            Some(admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    if state == GrantState::Revoked {
        let id = r.json()["id"].as_i64().unwrap();
        let r = app
            .json_req(
                "DELETE",
                &format!("/api/v1/grants/{id}"),
                json!({"reason": "测试撤销"}),
                Some(admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    ClerkHere,
    GuideHere,
    AgentHere,
    HallAdminHere,
    ClerkElsewhere,
    ReviewerHere,
    DeptAdminHere,
    ReviewerElsewhere,
    PlatformAdmin,
    Applicant,
}

const WHO: [Who; 10] = [
    Who::ClerkHere,
    Who::GuideHere,
    Who::AgentHere,
    Who::HallAdminHere,
    Who::ClerkElsewhere,
    Who::ReviewerHere,
    Who::DeptAdminHere,
    Who::ReviewerElsewhere,
    Who::PlatformAdmin,
    Who::Applicant,
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Act {
    /// Take a case in at the window (accept_remote: needs remote_acceptance).
    Create,
    /// Accept on the spot (remote_acceptance).
    Accept,
    /// Refuse to accept (remote_acceptance).
    NotAccept,
    /// The one-time notice at the window (one_time_notice).
    Notice,
    /// Certify the originals of a material (original_verification).
    VerifyOriginal,
    /// Hand the result over at the pickup hall (result_delivery; or the department completes).
    Handover,
    /// Decide (the department's reviewers; no right involved).
    Decide,
    /// Withdraw at the applicant's request (the window; no right involved).
    Withdraw,
    /// Read the case.
    Read,
    /// Take in the supplement asked for (the window; remote_acceptance).
    SupplementProvided,
    /// Record a material on paper (the window; no right involved).
    Receive,
    /// Suspend for a special procedure (the department's reviewers).
    Suspend,
    /// Send the result (the department's reviewers).
    Deliver,
}

const ACTS: [Act; 13] = [
    Act::Create,
    Act::Accept,
    Act::NotAccept,
    Act::Notice,
    Act::VerifyOriginal,
    Act::Handover,
    Act::Decide,
    Act::Withdraw,
    Act::Read,
    Act::SupplementProvided,
    Act::Receive,
    Act::Suspend,
    Act::Deliver,
];

/// The rule, written out independently of the server: who may do what.
fn expected(who: Who, what: Act, state: GrantState) -> bool {
    let window_here = matches!(who, Who::ClerkHere | Who::GuideHere | Who::AgentHere);
    let granted = state == GrantState::Present;
    match what {
        Act::Create
        | Act::Accept
        | Act::NotAccept
        | Act::Notice
        | Act::VerifyOriginal
        | Act::SupplementProvided => window_here && granted,
        Act::Handover => (window_here && granted) || who == Who::ReviewerHere,
        Act::Decide | Act::Suspend | Act::Deliver => who == Who::ReviewerHere,
        Act::Withdraw | Act::Receive => window_here,
        Act::Read => matches!(
            who,
            Who::ClerkHere
                | Who::GuideHere
                | Who::AgentHere
                | Who::HallAdminHere
                | Who::ReviewerHere
                | Who::DeptAdminHere
                | Who::PlatformAdmin
        ),
    }
}

/// Takes in a 高龄老年人津贴申领 case for a 荔城 household with the given guide answers.
async fn take_in(app: &TestApp, token: &str, answers: &Value) -> Resp {
    app.post_json(
        "/api/v1/cases",
        json!({"item": "MZ-008", "mode": "accept_remote", "applicant": person("350304"), "answers": answers}),
        Some(token),
    )
    .await
}

/// A case taken in at 镇海, brought to where `what` applies.
async fn prepare(
    app: &TestApp,
    clerk: &str,
    reviewer: &str,
    hall: i64,
    what: Act,
    a: &Value,
) -> Option<Value> {
    if what == Act::Create {
        return None;
    }
    let c = take_in(app, clerk, a).await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let c = step(app, clerk, &c.json(), "submit", json!({})).await;
    Some(match what {
        Act::Decide | Act::Suspend => step(app, clerk, &c, "accept", json!({})).await,
        Act::Deliver => {
            let c = step(app, clerk, &c, "accept", json!({})).await;
            step(
                app,
                reviewer,
                &c,
                "decide",
                json!({"approved": true, "reason": "符合条件"}),
            )
            .await
        }
        Act::SupplementProvided => {
            step(
                app,
                clerk,
                &c,
                "request_supplement",
                json!({"materials": [{"name": "居民户口簿", "problem": "缺本人页"}]}),
            )
            .await
        }
        Act::Handover => {
            let c = step(app, clerk, &c, "accept", json!({})).await;
            let c = step(
                app,
                reviewer,
                &c,
                "decide",
                json!({"approved": true, "reason": "符合条件"}),
            )
            .await;
            step(
                app,
                reviewer,
                &c,
                "deliver",
                json!({"method": "pickup", "hall": hall}),
            )
            .await
        }
        _ => c,
    })
}

/// Attempts `what` as `token`; whether it succeeded.
async fn attempt(
    app: &TestApp,
    token: &str,
    what: Act,
    case: Option<&Value>,
    a: &Value,
) -> (bool, StatusCode) {
    let r = match (what, case) {
        (Act::Create, _) => take_in(app, token, a).await,
        (Act::Read, Some(c)) => {
            app.get_auth(
                &format!("/api/v1/cases/{}", c["case_no"].as_str().unwrap()),
                token,
            )
            .await
        }
        (Act::VerifyOriginal | Act::Receive, Some(c)) => {
            let key = c["materials"][0]["key"].as_str().unwrap().to_owned();
            let version = c["version"].to_string();
            let verified = if what == Act::VerifyOriginal {
                "true"
            } else {
                "false"
            };
            upload(
                app,
                token,
                c["case_no"].as_str().unwrap(),
                &[
                    ("version", &version),
                    ("material", &key),
                    ("method", "paper"),
                    ("original_verified", verified),
                ],
                None,
            )
            .await
        }
        (_, Some(c)) => {
            let (action, extra) = match what {
                Act::Accept => ("accept", json!({})),
                Act::NotAccept => ("not_accept", json!({"reason": "材料不符合法定形式"})),
                Act::Notice => (
                    "request_supplement",
                    json!({"materials": [{"name": "居民户口簿", "problem": "缺本人页"}]}),
                ),
                Act::Handover => ("complete", json!({})),
                Act::Decide => ("decide", json!({"approved": true, "reason": "符合条件"})),
                Act::Withdraw => ("withdraw", json!({"reason": "申请人撤回"})),
                Act::SupplementProvided => ("supplement_provided", json!({})),
                Act::Suspend => (
                    "suspend",
                    json!({"reason": "需要专家评审", "expected_days": 5}),
                ),
                Act::Deliver => ("deliver", json!({"method": "electronic"})),
                _ => unreachable!(),
            };
            act(app, token, c, action, extra).await
        }
        (_, None) => unreachable!(),
    };
    assert!(
        r.status.is_success()
            || matches!(
                r.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
            ),
        "{what:?}: unexpected {} {}",
        r.status,
        r.text()
    );
    (r.status.is_success(), r.status)
}

async fn denials(app: &TestApp) -> usize {
    app.store
        .audit_events(&tongban_store::AuditFilter {
            kind: Some("denied".into()),
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .0
        .len()
}

#[tokio::test]
async fn every_role_times_every_action_times_every_grant_state() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let hall = id_of(&app, "halls", "镇海“党建+”社区邻里中心").await;
    let dept = id_of(&app, "departments", "荔城区民政局").await;
    let admin = app.login("admin").await;
    let h = Scope::Hall(tongban_domain::HallId(hall));
    let d = Scope::Department(tongban_domain::DepartmentId(dept));
    let mut tokens = Vec::new();
    for who in WHO {
        let t = match who {
            Who::ClerkHere => app.login("clerk-zhenhai").await,
            Who::GuideHere => app.login("guide-zhenhai").await,
            Who::AgentHere => add_user(&app, "agent-zhenhai", Role::Agent, h).await,
            Who::HallAdminHere => add_user(&app, "halladmin-zhenhai", Role::HallAdmin, h).await,
            Who::ClerkElsewhere => app.login("clerk-longqiao").await,
            Who::ReviewerHere => app.login("reviewer-licheng-civil").await,
            Who::DeptAdminHere => {
                add_user(&app, "admin-licheng-civil", Role::DepartmentAdmin, d).await
            }
            Who::ReviewerElsewhere => app.login("reviewer-xianyou-police").await,
            Who::PlatformAdmin => admin.clone(),
            Who::Applicant => app.login("applicant-demo").await,
        };
        tokens.push(t);
    }
    let clerk = tokens[0].clone();
    let reviewer = tokens[5].clone();
    let a = answers(&app, "MZ-008").await;
    let mut cells = 0;
    let mut wrong = Vec::new();
    for state in [
        GrantState::Present,
        GrantState::Absent,
        GrantState::Expired,
        GrantState::Revoked,
        GrantState::OtherRegion,
    ] {
        // Cases are prepared with the rights in place, then the grants are set.
        set_grants(&app, &admin, dept, hall, GrantState::Present).await;
        let mut cases = Vec::new();
        for _ in WHO {
            for what in ACTS {
                cases.push(prepare(&app, &clerk, &reviewer, hall, what, &a).await);
            }
        }
        set_grants(&app, &admin, dept, hall, state).await;
        let denials_before = denials(&app).await;
        let mut refused = 0;
        let mut i = 0;
        for (w, who) in WHO.iter().enumerate() {
            for what in ACTS {
                let (ok, status) = attempt(&app, &tokens[w], what, cases[i].as_ref(), &a).await;
                i += 1;
                cells += 1;
                if matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
                    refused += 1;
                }
                if ok != expected(*who, what, state) {
                    wrong.push(format!("{who:?} × {what:?} × {state:?}: got {status}"));
                }
            }
        }
        // Every refusal is in the audit log, once.
        assert_eq!(denials(&app).await - denials_before, refused, "{state:?}");
    }
    assert_eq!(cells, 10 * 13 * 5);
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.finish().await;
}

#[tokio::test]
async fn others_cases_are_not_found_lists_are_masked_and_every_denial_is_audited() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let id = c["applicant"]["id_number"].as_str().unwrap().to_owned();
    assert!(id.contains('*'), "the answer to intake is masked: {id}");
    // A clerk of another hall guessing case numbers: 404 like a case that does not exist.
    let other = app.login("clerk-longqiao").await;
    let hidden = app.get_auth(&format!("/api/v1/cases/{no}"), &other).await;
    let missing = app
        .get_auth("/api/v1/cases/TB2099010199999999", &other)
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body, "indistinguishable");
    for path in ["slip.pdf", "notice.pdf"] {
        let r = app
            .get_auth(&format!("/api/v1/cases/{no}/{path}"), &other)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = act(&app, &other, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Lists never show a full ID or phone number.
    let list = app.get_auth("/api/v1/cases", &clerk).await.text();
    assert!(list.contains(&no));
    assert!(!list.contains("350304198001011"), "{list}");
    assert!(!list.contains("13805941234"), "{list}");
    // So does the export, and it is recorded.
    let csv = app.get_auth("/api/v1/cases/export.csv", &clerk).await;
    assert_eq!(csv.status, StatusCode::OK);
    let csv = csv.text();
    assert!(
        csv.contains(&no) && csv.contains("高龄老年人津贴申领"),
        "{csv}"
    );
    assert!(
        !csv.contains("350304198001011") && !csv.contains("13805941234"),
        "{csv}"
    );
    assert!(
        !app.get_auth("/api/v1/cases/export.csv", &other)
            .await
            .text()
            .contains(&no)
    );
    // The detail shows them to staff who may act, and the view is recorded.
    let detail = app
        .get_auth(&format!("/api/v1/cases/{no}"), &clerk)
        .await
        .json();
    assert!(
        detail["applicant"]["id_number"]
            .as_str()
            .unwrap()
            .starts_with("350304198001011")
    );
    // A denial of a right: the reviewer may not accept at the window.
    let reviewer = app.login("reviewer-licheng-civil").await;
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let r = act(&app, &reviewer, &c, "accept", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Every denial is in the audit log, readable by platform admins only.
    let admin = app.login("admin").await;
    assert_eq!(
        app.get_auth("/api/v1/audit?kind=denied", &clerk)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let denied = app
        .get_auth("/api/v1/audit?kind=denied&limit=200", &admin)
        .await
        .json();
    let rows = denied["data"].as_array().unwrap();
    let by = |user: &str, subject: &str| {
        rows.iter()
            .filter(|e| e["username"] == user && e["subject"] == subject)
            .count()
    };
    assert_eq!(by("clerk-longqiao", &no), 4, "{denied}");
    assert_eq!(by("clerk-longqiao", "TB2099010199999999"), 1);
    assert_eq!(by("reviewer-licheng-civil", &no), 1);
    assert_eq!(
        by("clerk-zhenhai", ""),
        1,
        "the audit read itself was denied"
    );
    let pii = app
        .get_auth(&format!("/api/v1/audit?kind=pii_view&subject={no}"), &admin)
        .await
        .json();
    assert_eq!(pii["data"].as_array().unwrap().len(), 1, "{pii}");
    let exports = app
        .get_auth("/api/v1/audit?kind=export", &admin)
        .await
        .json();
    assert_eq!(exports["data"].as_array().unwrap().len(), 2, "{exports}");
    let logins = app
        .get_auth("/api/v1/audit?kind=login&limit=200", &admin)
        .await
        .json();
    assert!(logins["data"].as_array().unwrap().len() >= 4);
    // Nothing in the log holds a full number.
    let all = app.get_auth("/api/v1/audit?limit=200", &admin).await.text();
    assert!(!all.contains("350304198001011"));
    app.finish().await;
}

#[tokio::test]
async fn audit_verify_detects_an_edited_audit_row() {
    let app = TestApp::demo().await;
    let other = app.login("clerk-longqiao").await;
    app.get_auth("/api/v1/cases/TB2099010199999999", &other)
        .await;
    let ok = tongban_store::verify_audit_log(app.store.as_ref())
        .await
        .unwrap();
    let n = ok.expect("intact");
    assert!(n > 10, "seeded grants, the sign-in and the denial: {n}");
    // Someone with database access hides the denial.
    app.raw_sql("UPDATE audit_events SET kind = 'login' WHERE kind = 'denied'")
        .await;
    let broken = tongban_store::verify_audit_log(app.store.as_ref())
        .await
        .unwrap()
        .expect_err("edited row caught");
    let denied_seq = app
        .store
        .audit_events(&tongban_store::AuditFilter {
            subject: Some("TB2099010199999999".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .0[0]
        .seq;
    assert_eq!(broken.seq, denied_seq);
    app.finish().await;
}

#[tokio::test]
async fn audit_verify_detects_events_cut_off_the_end() {
    let app = TestApp::demo().await;
    app.login("clerk-longqiao").await;
    let n = tongban_store::verify_audit_log(app.store.as_ref())
        .await
        .unwrap()
        .expect("intact");
    let (head, _) = app.store.audit_head().await.unwrap();
    assert_eq!(head as usize, n, "every event sealed up to the head");
    // Someone with database access removes the newest two events.
    app.raw_sql(&format!(
        "DELETE FROM audit_events WHERE seq >= {}",
        head - 1
    ))
    .await;
    let cut = tongban_store::verify_audit_log(app.store.as_ref())
        .await
        .unwrap()
        .expect_err("a cut-off end caught");
    assert_eq!(cut.seq, head - 1);
    app.finish().await;
}

#[tokio::test]
async fn grants_are_given_listed_revoked_with_history_and_shown_in_me() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let longqiao = id_of(&app, "halls", "龙桥街道便民服务中心").await;
    let police = id_of(&app, "departments", "莆田市公安局荔城分局").await;
    let civil = id_of(&app, "departments", "荔城区民政局").await;
    let dept_admin = app.login("admin-licheng-police").await;
    let clerk = app.login("clerk-longqiao").await;
    // The demo leaves 龙桥 out of 荔城分局's grants: a 荔城 household's ID card can't be collected there.
    let r = create(&app, &clerk, "GA-002", "collect_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["code"], "right.missing");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("异地收件受理权")
    );
    let me = app.get_auth("/api/v1/me", &clerk).await.json();
    assert_eq!(me["hall"], longqiao);
    assert!(
        !me["rights"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["department"]["id"] == police),
        "{me}"
    );
    // A department admin grants for their own department only.
    let body = |grantor: i64| {
        json!({"grantor": grantor, "grantee": {"hall": longqiao}, "rights": ["remote_acceptance"],
               "items": ["GA-002"], "valid_from": "2026-11-01", "valid_to": "2026-12-20", "reason": "龙桥街道完成业务培训"})
    };
    let r = app
        .post_json("/api/v1/grants", body(civil), Some(&dept_admin))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let bad = app
        .post_json(
            "/api/v1/grants",
            json!({"grantor": police, "grantee": {"hall": longqiao, "level": "town"}, "rights": ["admin"],
                   "items": ["MZ-008"], "valid_from": "2026-12-31", "valid_to": "2026-01-01", "reason": ""}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let f = &bad.json()["fields"];
    for k in ["grantee", "rights", "items[0]", "valid_to", "reason"] {
        assert!(f[k].is_string(), "{k} named: {f}");
    }
    let g = app
        .post_json("/api/v1/grants", body(police), Some(&dept_admin))
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.text());
    let g = g.json();
    assert_eq!(g["state"], "active");
    assert_eq!(g["expiring"], true, "ends within 30 days");
    // Used: the clerk now collects the case.
    let r = create(&app, &clerk, "GA-002", "collect_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let me = app.get_auth("/api/v1/me", &clerk).await.json();
    assert!(
        me["rights"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["grant"] == g["id"])
    );
    // Revoked: the record stays, with who, when and why; the clerk is refused again.
    let id = g["id"].as_i64().unwrap();
    let r = app
        .json_req(
            "DELETE",
            &format!("/api/v1/grants/{id}"),
            json!({"reason": "培训未通过复核"}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["state"], "revoked");
    assert_eq!(r.json()["revoked"]["reason"], "培训未通过复核");
    let again = app
        .json_req(
            "DELETE",
            &format!("/api/v1/grants/{id}"),
            json!({}),
            Some(&dept_admin),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let r = create(&app, &clerk, "GA-002", "collect_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.json()["message"].as_str().unwrap().contains("撤销"),
        "{}",
        r.text()
    );
    let list = app
        .get_auth(
            &format!("/api/v1/grants?grantor={police}&state=revoked"),
            &dept_admin,
        )
        .await
        .json();
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    );
    // The grant changes are in the audit log.
    let admin = app.login("admin").await;
    let log = app
        .get_auth(&format!("/api/v1/audit?subject=grant:{id}"), &admin)
        .await
        .json();
    let kinds: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["grant_revoked", "grant_created"]);
    // Applicants do not read grants.
    let applicant = app.login("applicant-demo").await;
    assert_eq!(
        app.get_auth("/api/v1/grants", &applicant).await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

#[tokio::test]
async fn the_grant_and_audit_pages_are_for_those_who_may_see_them() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let admin = app.login("admin").await;
    let dept_admin = app.login("admin-licheng-police").await;
    let clerk = app.login("clerk-longqiao").await;
    let applicant = app.login("applicant-demo").await;
    let page = app.get_auth("/work/grants", &dept_admin).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("授权信任：莆田市公安局荔城分局"));
    assert!(html.contains("新增授权"), "its own department: may grant");
    assert!(html.contains("龙桥街道便民服务中心"));
    // Another department's matrix: readable, not editable.
    let civil = id_of(&app, "departments", "城厢区民政局").await;
    let other = app
        .get_auth(&format!("/work/grants?department={civil}"), &dept_admin)
        .await
        .text();
    assert!(!other.contains("新增授权"));
    assert!(
        other.contains("已撤销"),
        "the demo's revoked grant shows in the history"
    );
    // The clerk sees the matrix (what the hall holds), without forms.
    let c = app.get_auth("/work/grants", &clerk).await;
    assert_eq!(c.status, StatusCode::OK);
    assert!(!c.text().contains("撤销授权 #"));
    assert_eq!(
        app.get_auth("/work/grants", &applicant).await.status,
        StatusCode::FORBIDDEN
    );
    // The audit page: platform admins only.
    assert_eq!(
        app.get_auth("/work/audit", &clerk).await.status,
        StatusCode::FORBIDDEN
    );
    let audit = app.get_auth("/work/audit?kind=denied", &admin).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(
        audit.text().contains("黄志强（"),
        "its own denial is listed, by the clerk's name"
    );
    app.finish().await;
}

/// The sheet `name` of an XLSX workbook, as rows of text.
fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn the_audit_page_reads_as_sentences_filters_pages_and_exports() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-zhenhai").await;
    let c = create(&app, &clerk, "MZ-008", "accept_remote", person("350304"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap().to_owned();
    let c = step(&app, &clerk, &c, "submit", json!({})).await;
    let full = app.get_auth(&format!("/api/v1/cases/{no}"), &clerk).await;
    assert_eq!(full.status, StatusCode::OK);
    // 荔城区民政局's grants are gone: accepting at the window is refused.
    clear_grants(&app).await;
    let r = act(&app, &clerk, &c, "accept", json!({})).await;
    assert!(r.status.is_client_error(), "{}", r.text());
    let admin = app.login("admin").await;
    let get = |q: String| {
        let (app, admin) = (&app, &admin);
        async move { app.get_auth(&format!("/work/audit{q}"), admin).await }
    };

    // The refusal as a sentence: who (and where), what, why, naming the department.
    let denied = get(format!("?case_no={no}&outcome=denied")).await;
    assert_eq!(denied.status, StatusCode::OK);
    let html = denied.text();
    let sentence = format!("受理办件 {no}：被拒绝，未获荔城区民政局授予异地收件受理权");
    assert!(
        html.contains("林美玲（") && html.contains(&sentence),
        "{html}"
    );
    assert!(
        !html.contains("查看办件"),
        "the outcome filter keeps the view out"
    );
    // The full view of the case, allowed, by kind; and a sign-in by account.
    let pii = get(format!("?case_no={no}&kind=pii_view&outcome=allowed"))
        .await
        .text();
    assert!(
        pii.contains(&format!("查看办件 {no} 的完整证件号码")),
        "{pii}"
    );
    assert!(!pii.contains("被拒绝，未获"), "{pii}");
    let logins = get("?user=clerk-zhenhai&kind=login".into()).await.text();
    assert!(
        logins.contains("林美玲（") && logins.contains("）登录并取得接口令牌"),
        "{logins}"
    );
    assert!(
        !logins.contains("<p class=\"sentence\">平台管理员（"),
        "only that account's events"
    );
    // A date range: nothing tomorrow, today's events today.
    let today = tongban_store::rfc3339(tongban_store::now_ms())[..10].to_owned();
    let none = get("?from=2099-01-01".into()).await.text();
    assert!(none.contains("没有符合条件的记录"), "{none}");
    let dated = get(format!("?from={today}&to={today}&case_no={no}"))
        .await
        .text();
    assert!(dated.contains(&sentence));
    // Bad filters are named in place, not a 500.
    let bad = get("?from=2026-13-01&user=nobody-here".into()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.text();
    assert!(
        bad.contains("开始日期应为") && bad.contains("没有这个账号"),
        "{bad}"
    );
    let bad = get("?to=2026-01-01&from=2026-02-01".into()).await.text();
    assert!(bad.contains("结束日期不能早于开始日期"), "{bad}");

    // Keyset paging over every entry: the pages do not overlap and end.
    let mut seen = std::collections::HashSet::new();
    let mut next = Some(String::new());
    let mut pages = 0;
    while let Some(cursor) = next {
        let q = if cursor.is_empty() {
            String::new()
        } else {
            format!("?cursor={cursor}")
        };
        let page = get(q).await.text();
        let entries: Vec<&str> = page.split("<li class=\"audit-entry\">").skip(1).collect();
        assert!(!entries.is_empty() && entries.len() <= 50);
        for e in &entries {
            assert!(seen.insert(e.to_string()), "an entry on two pages");
        }
        next = page
            .split("rel=\"next\" href=\"/work/audit?cursor=")
            .nth(1)
            .map(|t| t.split(['"', '&']).next().unwrap().to_owned());
        pages += 1;
    }
    assert!(pages > 1, "the demo's log spans pages");
    let bad = get("?cursor=zz".into()).await;
    assert!(bad.text().contains("翻页位置无效"));

    // The export: the filtered entries as sentences, said what it holds, and audited.
    let x = get(format!(".xlsx?case_no={no}")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(
        x.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let rows = sheet(&x.body, "审计日志");
    assert_eq!(rows[0][..5], ["时间", "序号", "结果", "类别", "记录"]);
    let refusal = rows
        .iter()
        .find(|r| r[4].contains(&sentence))
        .expect("the refusal");
    assert_eq!(refusal[2], "被拒绝");
    assert!(
        rows.iter()
            .any(|r| r[4].ends_with(&format!("查看办件 {no} 的完整证件号码")))
    );
    assert!(
        rows.iter().skip(1).all(|r| r[6] == no),
        "only the case's events"
    );
    let about = sheet(&x.body, "说明");
    assert!(about.iter().any(|r| r[0] == "办件编号" && r[1] == no));
    assert!(
        about
            .iter()
            .any(|r| r[0] == "说明" && r[1].contains("10000"))
    );
    let exports = get("?kind=export".into()).await.text();
    let n = rows.len() - 1;
    assert!(
        exports.contains(&format!("导出安全审计日志（{n}条）")),
        "{exports}"
    );
    // The API filters by outcome too, and says each event's.
    let api = app
        .get_auth(
            &format!("/api/v1/audit?subject={no}&outcome=denied"),
            &admin,
        )
        .await
        .json();
    let data = api["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{api}");
    assert_eq!(data[0]["outcome"], "denied");
    let r = app.get_auth("/api/v1/audit?outcome=maybe", &admin).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Platform admins only.
    assert_eq!(
        app.get_auth("/work/audit.xlsx", &clerk).await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

/// The audit API answers what the audit page shows: each event as a
/// sentence, filtered by date, account, kind, outcome and case; a window
/// refused before any case existed is told, and recorded, with the
/// department whose right it lacks.
#[tokio::test]
async fn the_audit_api_reads_sentences_with_the_pages_filters() {
    let app = TestApp::demo().await;
    let clerk = app.login("clerk-longqiao").await;
    // 荔城分局 has not granted 龙桥 the remote-acceptance right.
    let r = create(&app, &clerk, "GA-002", "collect_remote", person("350304")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let admin = app.login("admin").await;
    let page = app
        .get_auth("/api/v1/audit?kind=denied&user=clerk-longqiao", &admin)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let page = page.json();
    let e = &page["data"][0];
    assert_eq!(e["subject"], "new:GA-002", "{page}");
    let sentence = e["sentence"].as_str().unwrap();
    assert!(sentence.contains("在窗口新建“GA-002”办件"), "{sentence}");
    assert!(
        sentence.contains("被拒绝，未获莆田市公安局荔城分局授予"),
        "{sentence}"
    );
    assert!(e["detail"]["department"].is_i64(), "{e}");
    assert!(e["who"].as_str().unwrap().contains("龙桥"), "{e}");
    // Dates: today has it, a later day has nothing; a bad day is named.
    let today = tongban_server::shanghai_date(app.state.now.ms()).to_string();
    let on = |q: String| {
        let app = &app;
        let admin = admin.clone();
        async move { app.get_auth(&format!("/api/v1/audit?{q}"), &admin).await }
    };
    let r = on(format!("kind=denied&from={today}&to={today}"))
        .await
        .json();
    assert!(!r["data"].as_array().unwrap().is_empty());
    let r = on("kind=denied&from=2099-01-01".into()).await.json();
    assert!(r["data"].as_array().unwrap().is_empty(), "{r}");
    let r = on("from=2026-13-01".into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["from"].is_string());
    let r = on("user=nobody-here".into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["user"].is_string());
    // A case's events, its number typed in small letters.
    let c = create(&app, &clerk, "GA-002", "collect_remote", person("350322"))
        .await
        .json();
    let no = c["case_no"].as_str().unwrap();
    app.get_auth(&format!("/api/v1/cases/{no}"), &clerk).await;
    let r = on(format!("case_no={}", no.to_lowercase())).await.json();
    let rows = r["data"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|e| e["subject"] == no),
        "{r}"
    );
    app.finish().await;
}
