//! Appointments over HTTP: slots on the official calendar, a capacity never
//! exceeded under concurrent bookings, duplicates, cancelling, who sees what.

use crate::common::TestApp;
use axum::http::StatusCode;
use serde_json::{Value, json};
use tongban_domain::user::{Role, Scope};

/// 2026-11-28 10:00 +08:00, a Saturday: the first bookable day is Monday 11-30.
const NOV_28: i64 = 1_795_831_200_000;

async fn hall_id(app: &TestApp, name: &str) -> i64 {
    let v = app.get("/api/v1/halls?limit=200").await.json();
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn applicant(app: &TestApp, name: &str) -> String {
    app.store
        .create_user(&tongban_store::NewUser {
            username: name.into(),
            display_name: name.into(),
            password_hash: tongban_server::auth::hash_password("demo"),
            role: Role::Applicant,
            scope: Scope::None,
            household_region: None,
            id_number: None,
            phone: None,
        })
        .await
        .unwrap();
    app.login(name).await
}

async fn book(app: &TestApp, token: &str, slot: &str) -> crate::common::Resp {
    app.post_json(
        "/api/v1/appointments",
        json!({"slot": slot, "item": "MZ-008"}),
        Some(token),
    )
    .await
}

#[tokio::test]
async fn a_slot_is_never_overbooked_and_a_cancelled_place_is_free_again() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let zhenhai = hall_id(&app, "镇海“党建+”社区邻里中心").await;
    let slots = app
        .get(&format!("/api/v1/appointments/slots?hall={zhenhai}&days=7"))
        .await
        .json();
    let all = slots["data"].as_array().unwrap();
    // Saturday and Sunday are closed; Monday opens.
    assert!(all.iter().all(|s| s["day"] != "2026-11-29"));
    assert_eq!(all[0]["day"], "2026-11-30");
    let counter: &Value = all.iter().find(|s| s["kind"] == "counter").unwrap();
    let home: &Value = all.iter().find(|s| s["kind"] == "home_visit").unwrap();
    assert_eq!(
        (counter["capacity"].as_u64(), counter["available"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(home["capacity"], 1);
    let slot = counter["slot"].as_str().unwrap().to_owned();
    // Eight applicants race for three places.
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(applicant(&app, &format!("racer-{i}")).await);
    }
    let answers = futures_util::future::join_all(tokens.iter().map(|t| book(&app, t, &slot))).await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let full: Vec<_> = answers
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .collect();
    assert_eq!(ok, 3, "exactly the capacity");
    assert_eq!(full.len(), 5);
    assert!(full.iter().all(|r| r.json()["code"] == "appointment.full"));
    let left = app
        .get(&format!("/api/v1/appointments/slots?hall={zhenhai}&days=7"))
        .await
        .json();
    let s = left["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slot"] == slot.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (s["booked"].as_u64(), s["available"].as_u64()),
        (Some(3), Some(0))
    );
    // The same applicant cannot hold two places in one slot.
    let winner = answers
        .iter()
        .position(|r| r.status == StatusCode::CREATED)
        .unwrap();
    let first = answers[winner].json();
    assert!(first["booking_no"].as_str().unwrap().starts_with("YY"));
    let other_slot = all
        .iter()
        .find(|x| x["kind"] == "counter" && x["slot"] != slot.as_str())
        .unwrap()["slot"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        book(&app, &tokens[winner], &other_slot).await.status,
        StatusCode::CREATED
    );
    let dup = book(&app, &tokens[winner], &other_slot).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.json()["code"], "appointment.duplicate");
    // Someone else's booking cannot be cancelled: 404.
    let id = first["id"].as_i64().unwrap();
    let loser = answers
        .iter()
        .position(|r| r.status == StatusCode::CONFLICT)
        .unwrap();
    let r = app
        .json_req(
            "DELETE",
            &format!("/api/v1/appointments/{id}"),
            json!({}),
            Some(&tokens[loser]),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The owner cancels; the place is free and the loser takes it.
    let r = app
        .json_req(
            "DELETE",
            &format!("/api/v1/appointments/{id}"),
            json!({}),
            Some(&tokens[winner]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "cancelled");
    assert_eq!(
        app.json_req(
            "DELETE",
            &format!("/api/v1/appointments/{id}"),
            json!({}),
            Some(&tokens[winner])
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        book(&app, &tokens[loser], &slot).await.status,
        StatusCode::CREATED
    );
    // The applicant lists their own; the hall's clerk sees the day's bookings.
    let mine = app
        .get_auth("/api/v1/appointments", &tokens[winner])
        .await
        .json();
    assert_eq!(mine["data"].as_array().unwrap().len(), 2, "{mine}");
    assert!(mine.get("next").is_none(), "{mine}");
    // A page at a time: the cursor of one page starts the next.
    let first = app
        .get_auth("/api/v1/appointments?limit=1", &tokens[winner])
        .await
        .json();
    let next = first["next"].as_str().expect("a next page").to_owned();
    let second = app
        .get_auth(
            &format!("/api/v1/appointments?limit=1&cursor={next}"),
            &tokens[winner],
        )
        .await
        .json();
    assert!(second.get("next").is_none(), "{second}");
    assert_eq!(
        [&first["data"][0]["id"], &second["data"][0]["id"]],
        [&mine["data"][0]["id"], &mine["data"][1]["id"]]
    );
    let bad = app
        .get_auth("/api/v1/appointments?cursor=zz", &tokens[winner])
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let clerk = app.login("clerk-zhenhai").await;
    let day = app
        .get_auth("/api/v1/appointments?day=2026-11-30", &clerk)
        .await
        .json();
    assert!(day["data"].as_array().unwrap().len() >= 3, "{day}");
    let elsewhere = app.login("clerk-longqiao").await;
    assert_eq!(
        app.get_auth(&format!("/api/v1/appointments?hall={zhenhai}"), &elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Clerks do not book for themselves.
    assert_eq!(
        book(&app, &clerk, &other_slot).await.status,
        StatusCode::FORBIDDEN
    );
    app.finish().await;
}

#[tokio::test]
async fn bad_bookings_name_the_field() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let t = applicant(&app, "careful").await;
    let zhenhai = hall_id(&app, "镇海“党建+”社区邻里中心").await;
    let slots = app
        .get(&format!("/api/v1/appointments/slots?hall={zhenhai}"))
        .await
        .json();
    let plan: String = slots["data"][0]["slot"]
        .as_str()
        .unwrap()
        .split('-')
        .next()
        .unwrap()
        .into();
    for (slot, code) in [
        ("nonsense", "appointment.slot"),
        ("P999999-2026-11-30", "appointment.slot"),
        (&format!("{plan}-2026-11-29")[..], "appointment.closed"),
        (&format!("{plan}-2026-11-28")[..], "appointment.past"),
        (&format!("{plan}-2027-03-01")[..], "appointment.too_far"),
    ] {
        let r = book(&app, &t, slot).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{slot}: {}",
            r.text()
        );
        assert_eq!(r.json()["code"], code, "{slot}");
        assert!(r.json()["fields"]["slot"].is_string());
    }
    let r = app
        .post_json(
            "/api/v1/appointments",
            json!({"slot": format!("{plan}-2026-11-30"), "item": "NO-SUCH"}),
            Some(&t),
        )
        .await;
    assert!(r.json()["fields"]["item"].is_string(), "{}", r.text());
    // No item chosen: the field is named, not "事项“”不存在".
    let r = app
        .post_json(
            "/api/v1/appointments",
            json!({"slot": format!("{plan}-2026-11-30"), "item": " "}),
            Some(&t),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "required", "{}", r.text());
    assert_eq!(r.json()["fields"]["item"], "请选择“办理事项”");
    let r = app
        .get(&format!(
            "/api/v1/appointments/slots?hall={zhenhai}&days=99"
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["days"].is_string());
    app.finish().await;
}

/// 预约上门: a home-visit slot is booked with where staff go and why, and
/// the hall sees both among its bookings; a counter slot takes neither.
#[tokio::test]
async fn a_home_visit_is_booked_with_its_address_and_reason_and_the_hall_sees_them() {
    let app = TestApp::demo_at(Some(NOV_28)).await;
    let zhenhai = hall_id(&app, "镇海“党建+”社区邻里中心").await;
    let slots = app
        .get(&format!("/api/v1/appointments/slots?hall={zhenhai}&days=7"))
        .await
        .json();
    let home = slots["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "home_visit")
        .unwrap()["slot"]
        .as_str()
        .unwrap()
        .to_owned();
    let elder = applicant(&app, "elder").await;
    // Without where and why: both named, nothing booked.
    let r = book(&app, &elder, &home).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let e = r.json();
    assert!(e["fields"]["visit_address"].is_string(), "{e}");
    assert!(e["fields"]["visit_reason"].is_string(), "{e}");
    let r = app
        .post_json(
            "/api/v1/appointments",
            json!({"slot": home, "item": "MZ-008", "visit_address": "荔城区镇海街道梅园东路12号", "visit_reason": "elderly"}),
            Some(&elder),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let a = r.json();
    assert_eq!(a["kind"], "home_visit");
    assert_eq!(a["visit"]["address"], "荔城区镇海街道梅园东路12号");
    assert_eq!(a["visit"]["reason_label"], "老年人、残疾人等行动不便");
    // The hall's staff see where to go, on the list and on the page.
    let clerk = app.login("clerk-zhenhai").await;
    let day = a["day"].as_str().unwrap();
    let list = app
        .get_auth(&format!("/api/v1/appointments?day={day}"), &clerk)
        .await
        .json();
    let seen = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["booking_no"] == a["booking_no"])
        .expect("on the hall's list")
        .clone();
    assert_eq!(seen["visit"]["reason"], "elderly");
    let mine = app.get_auth("/appointments", &elder).await.text();
    assert!(
        mine.contains("上门服务：荔城区镇海街道梅园东路12号（老年人、残疾人等行动不便）"),
        "{mine}"
    );
    // The booking form of a home-visit slot asks where and why.
    let form = app
        .get_auth(&format!("/appointments/book?slot={home}"), &elder)
        .await
        .text();
    assert!(form.contains("name=\"visit_address\"") && form.contains("value=\"key_project\""));
    app.finish().await;
}
