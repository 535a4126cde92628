//! The outbox as the platform admin sees it: messages by status (failed
//! ones first of all) and resending a failed one.

use crate::AppState;
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use tongban_domain::authz::Action;
use tongban_store::StoreError;
use tongban_store::outbox::{MessageStatus, OutboxMessage};
use utoipa::ToSchema;

/// A message in the outbox, as shown (the number masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    /// Id (the gateway's idempotency key is derived from it).
    pub id: i64,
    /// `sms`.
    pub kind: String,
    /// Where to, masked.
    pub recipient: String,
    /// The text.
    pub body: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Written (RFC 3339).
    pub created_at: String,
    /// Next attempt (RFC 3339), while pending.
    pub next_attempt_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Sent (RFC 3339).
    pub sent_at: Option<String>,
}

impl From<&OutboxMessage> for MessageView {
    fn from(m: &OutboxMessage) -> Self {
        Self {
            id: m.id,
            kind: m.kind.clone(),
            recipient: tongban_domain::validate::mask_phone(&m.recipient),
            body: m.body.clone(),
            status: m.status.as_str().into(),
            attempts: m.attempts,
            created_at: tongban_store::rfc3339(m.created_at),
            next_attempt_at: (m.status == MessageStatus::Pending)
                .then(|| tongban_store::rfc3339(m.next_attempt_at)),
            last_error: m.last_error.clone(),
            sent_at: m.sent_at.map(tongban_store::rfc3339),
        }
    }
}

/// A page of messages, newest first; `next` is the cursor of the next page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessagePage {
    /// The messages.
    pub data: Vec<MessageView>,
    /// Pass as `before` for the next page; absent on the last.
    pub next: Option<i64>,
}

/// Messages with `status`, newest first, older than `before` (the list and the page share it).
pub async fn messages(
    state: &AppState,
    ctx: &Ctx,
    status: MessageStatus,
    before: Option<i64>,
    limit: usize,
) -> ApiResult<MessagePage> {
    ctx.authorize(Action::ManageOutbox)?;
    let rows = state
        .store
        .outbox_messages(status, before, limit as i64 + 1)
        .await?;
    let more = rows.len() > limit;
    let data: Vec<MessageView> = rows.iter().take(limit).map(MessageView::from).collect();
    Ok(MessagePage {
        next: if more {
            data.last().map(|m| m.id)
        } else {
            None
        },
        data,
    })
}

/// Puts a failed message back in the queue, recorded in the audit log (the
/// API, the page and the CLI share it).
pub async fn resend(state: &AppState, ctx: &Ctx, id: i64) -> ApiResult<MessageView> {
    ctx.authorize(Action::ManageOutbox)?;
    let audit = crate::audit::entry(
        ctx,
        state.now.ms(),
        "outbox_resend",
        &format!("outbox:{id}"),
        serde_json::json!({}),
    );
    match state.store.resend_message(id, state.now.ms(), &audit).await {
        Ok(m) => {
            state.outbox.wake();
            Ok(MessageView::from(&m))
        }
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "outbox.not_failed",
            "只有发送失败的消息可以重发",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Outbox messages by `status` (`failed` by default), newest first, keyset
/// paged by `before`. Numbers are masked. Access: platform admin.
#[utoipa::path(get, path = "/outbox", tag = "outbox", security(("bearer" = [])),
    params(("status" = Option<String>, Query, pattern = r"^(pending|sent|failed)$"),
           ("before" = Option<i64>, Query, minimum = 1),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200)),
    responses((status = 200, body = MessagePage), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<MessagePage>> {
    let status = p
        .parse("status", "状态", MessageStatus::parse)?
        .unwrap_or(MessageStatus::Failed);
    let before = p.parse("before", "游标", |v| v.parse::<i64>().ok())?;
    let (limit, _) = p.paging()?;
    Ok(Json(messages(&state, &ctx, status, before, limit).await?))
}

/// Sends a failed message again (from the first attempt). Access: platform admin.
#[utoipa::path(post, path = "/outbox/{id}/resend", tag = "outbox", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = MessageView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)))]
pub async fn resend_one(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult<Json<MessageView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    Ok(Json(resend(&state, &ctx, id).await?))
}
