//! The outbox: a case's text message is written with the step and sent by
//! the worker exactly once, whatever crashes in between; failed messages
//! are listed for the platform admin and resent.

use crate::common::{TestApp, lin, step, submit_online};
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use tongban_server::sms::{MemorySender, Sender};

/// A gateway that takes the message and then makes the worker die before it
/// can record that (a crash between send and acknowledgement), or that is
/// down.
#[derive(Debug)]
struct Flaky {
    inner: Arc<MemorySender>,
    crash_after_send: AtomicBool,
    down: AtomicBool,
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl Sender for Flaky {
    async fn send(&self, id: &str, phone: &str, text: &str) -> std::io::Result<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("网关不可用"));
        }
        self.inner.send(id, phone, text).await?;
        if self.crash_after_send.swap(false, Ordering::SeqCst) {
            panic!("the worker dies after the gateway took the message");
        }
        Ok(())
    }
}

/// The demo app with a flaky gateway and a clock that moves only when the
/// test says (a minute ahead of the router's, so what the steps wrote is due).
async fn with_gateway(crash_after_send: bool, down: bool) -> (TestApp, Arc<Flaky>, Arc<AtomicI64>) {
    let mut app = TestApp::demo().await;
    let flaky = Arc::new(Flaky {
        inner: app.sent.clone(),
        crash_after_send: AtomicBool::new(crash_after_send),
        down: AtomicBool::new(down),
        calls: AtomicUsize::new(0),
    });
    app.state.sender = flaky.clone();
    let now = Arc::new(AtomicI64::new(tongban_store::now_ms() + 60_000));
    let clock = now.clone();
    app.state.now = tongban_server::Now(Arc::new(move || clock.load(Ordering::SeqCst)));
    (app, flaky, now)
}

/// An online case of applicant-lin, submitted: its step wrote a message.
async fn submitted(app: &TestApp) -> String {
    let applicant = app.login("applicant-lin").await;
    let c = crate::common::create(app, &applicant, "MZ-008", "online", lin())
        .await
        .json();
    let c = submit_online(app, &applicant, &c).await;
    c["case_no"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_message_survives_a_crash_between_commit_and_send_and_is_sent_once() {
    let (app, flaky, now) = with_gateway(true, false).await;
    submitted(&app).await;
    // The process died right after the commit: nothing was sent, the message waits.
    assert!(app.sent.sent().is_empty());
    // A worker starts, the gateway takes the message, and the worker dies
    // before it can record that.
    let state = app.state.clone();
    let died = tokio::spawn(async move { tongban_server::outbox::deliver_due(&state).await }).await;
    assert!(died.is_err(), "the worker crashed");
    assert_eq!(app.sent.sent().len(), 1);
    // Restarted within the lease, the worker leaves the message to its
    // (dead) owner; after the lease it sends again with the same id.
    assert_eq!(app.drain_outbox().await, 0);
    now.fetch_add(tongban_server::outbox::LEASE_MS, Ordering::SeqCst);
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(
        flaky.calls.load(Ordering::SeqCst),
        2,
        "sent twice to the gateway"
    );
    assert_eq!(
        app.sent.sent().len(),
        1,
        "delivered once: the id is the idempotency key"
    );
    assert_eq!(app.drain_outbox().await, 0, "and recorded as sent");
    app.finish().await;
}

#[tokio::test]
async fn a_failing_gateway_is_retried_with_back_off_then_the_admin_resends() {
    let (app, flaky, now) = with_gateway(false, true).await;
    let no = submitted(&app).await;
    for attempt in 0..tongban_server::outbox::MAX_ATTEMPTS {
        assert_eq!(app.drain_outbox().await, 1, "attempt {attempt}");
        assert_eq!(app.drain_outbox().await, 0, "not again before its back-off");
        now.fetch_add(
            tongban_server::outbox::backoff_ms(attempt),
            Ordering::SeqCst,
        );
    }
    assert_eq!(app.drain_outbox().await, 0, "given up");
    // The admin sees it failed, with the number masked, and resends it.
    let admin = app.login("admin").await;
    let list = app
        .get_auth("/api/v1/outbox?status=failed", &admin)
        .await
        .json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    let m = &list["data"][0];
    assert_eq!(m["recipient"], "138****0001");
    assert_eq!(m["attempts"], tongban_server::outbox::MAX_ATTEMPTS);
    assert_eq!(m["last_error"], "网关不可用");
    let clerk = app.login("clerk-city").await;
    let id = m["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/outbox/{id}/resend"),
            json!({}),
            Some(&clerk),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "admins only");
    let page = app.get_auth("/work/outbox", &admin).await.text();
    assert!(
        page.contains("重新发送") && page.contains("网关不可用"),
        "{page}"
    );
    flaky.down.store(false, Ordering::SeqCst);
    let r = app
        .post_json(
            &format!("/api/v1/outbox/{id}/resend"),
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "pending");
    let r = app
        .post_json(
            &format!("/api/v1/outbox/{id}/resend"),
            json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.json()["code"], "outbox.not_failed");
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(app.sent.sent().len(), 1);
    let audit = app
        .get_auth("/api/v1/audit?kind=outbox_resend", &admin)
        .await
        .json();
    assert_eq!(audit["data"].as_array().unwrap().len(), 1);
    // A reviewer's step on the case texts the applicant as well.
    let reviewer = app.login("reviewer-licheng-civil").await;
    let c = app
        .get_auth(&format!("/api/v1/cases/{no}"), &reviewer)
        .await
        .json();
    // The applicant's identity is checked by video before a remote acceptance.
    let c = crate::common::video_pass(&app, &reviewer, &c).await;
    step(&app, &reviewer, &c, "accept", json!({})).await;
    assert_eq!(app.drain_outbox().await, 1);
    assert_eq!(app.sent.sent().len(), 2);
    app.finish().await;
}
