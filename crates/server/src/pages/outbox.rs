//! The outbox page for platform admins (`/work/outbox`): failed messages
//! first, and a resend button on each.

use super::{CsrfForm, PageResult, SignedPage, page};
use crate::AppState;
use crate::api::outbox::{messages, resend};
use crate::extract::Params;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use std::collections::HashMap;
use tongban_store::outbox::MessageStatus;

/// Messages by status (failed by default), newest first, 50 a page.
pub async fn list(State(state): State<AppState>, ctx: SignedPage, p: Params) -> PageResult {
    let status = p
        .get("status")
        .and_then(MessageStatus::parse)
        .unwrap_or(MessageStatus::Failed);
    let before = p.get("before").and_then(|v| v.parse().ok());
    let list = messages(&state, &ctx, status, before, 50).await?;
    page(
        &state,
        &ctx,
        "outbox.html",
        "/work/outbox",
        "outbox",
        context! {
            title => crate::lang::t("消息发送"), status => status.as_str(), messages => minijinja::Value::from(minijinja::value::Serde(&list.data)), next => list.next,
            resent => p.get("resent"),
        },
    )
}

/// Resends a failed message, then shows the failed list again.
pub async fn resend_page(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    resend(&state, &ctx, id).await?;
    Ok(Redirect::to(&format!("/work/outbox?resent={id}")).into_response())
}

/// The outbox's page.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/work/outbox", get(list))
        .route("/work/outbox/{id}/resend", post(resend_page))
}
