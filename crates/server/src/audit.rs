//! The security audit log, as the server writes it: sign-ins and failed
//! sign-ins, bearer-token use, grant changes, every denial, every view of
//! personal numbers in full, exports. Events are hash-chained in the store
//! (`tongban audit verify` checks the chain). Nothing here ever holds a full
//! ID or phone number.

use crate::AppState;
use crate::auth::Ctx;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};
use tongban_domain::authz::{Action, Denial};
use tongban_store::AuditEntry;

/// An audit event attached to a response (a denial); [`layer`] records it.
#[derive(Debug, Clone)]
pub struct Pending(pub Box<AuditEntry>);

/// An event by the caller of `ctx`.
pub fn entry(ctx: &Ctx, at: i64, kind: &str, subject: &str, detail: Value) -> AuditEntry {
    AuditEntry {
        at,
        kind: kind.into(),
        actor: ctx.user.as_ref().map(|u| u.id),
        username: ctx.user.as_ref().map(|u| u.username.clone()),
        addr: ctx.addr.clone(),
        subject: subject.into(),
        detail: detail.to_string(),
    }
}

/// Appends an event now. A failure to record is logged, never shown.
pub async fn record(state: &AppState, e: AuditEntry) {
    if let Err(err) = state.store.append_audit(&e).await {
        tracing::error!(kind = %e.kind, %err, "audit event not recorded");
    }
}

pub use tongban_app::error::describe;

/// The audit event of a denial (none for callers who are not signed in:
/// anonymous probes are answered 401 and not chained, so they cannot flood
/// the log).
pub fn denial(ctx: &Ctx, at: i64, action: &Action<'_>, d: Denial) -> Option<AuditEntry> {
    if d == Denial::Unauthenticated || ctx.user.is_none() {
        return None;
    }
    let (subject, what) = describe(action);
    Some(entry(
        ctx,
        at,
        "denied",
        &subject,
        json!({ "action": what, "denial": d }),
    ))
}

/// Records the audit event of an error that a page shows in place (instead
/// of answering with the error itself, which the layer would record).
pub async fn keep(state: &AppState, e: &mut crate::error::ApiError) {
    if let Some(a) = e.audit.take() {
        record(state, *a).await;
    }
}

/// Middleware: records the audit event a response carries.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    if let Some(Pending(e)) = res.extensions_mut().remove::<Pending>() {
        record(&state, *e).await;
    }
    res
}
