//! In-site notifications: every change to an applicant's case, in plain words.

use crate::AppState;
use crate::auth::Signed;
use crate::error::ApiResult;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use tongban_domain::authz::Action;
use utoipa::ToSchema;

/// A notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_no: String,
    /// What happened.
    pub text: String,
    /// When (RFC 3339).
    pub at: String,
    /// Read yet.
    pub read: bool,
}

/// The caller's notifications.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Inbox {
    /// Newest first (at most 50).
    pub data: Vec<NotificationView>,
    /// Unread.
    pub unread: i64,
}

/// The inbox of a signed-in caller (the API and the pages share it);
/// `seen`: the caller is shown it now, which marks it read (the unread count
/// answered is from before).
pub async fn inbox(state: &AppState, ctx: &crate::auth::Signed, seen: bool) -> ApiResult<Inbox> {
    ctx.authorize(Action::ReadOwnAccount)?;
    let user = &ctx.actor().user;
    let (list, unread) = state.store.notifications(user.id, 50).await?;
    if seen && unread > 0 {
        let at = state.now.ms();
        state.store.mark_notifications_read(user.id, at).await?;
    }
    Ok(Inbox {
        data: list
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                case_no: n.case_no,
                text: n.text,
                at: tongban_store::rfc3339(n.at),
                read: n.read,
            })
            .collect(),
        unread,
    })
}

/// The caller's notifications, newest first, with the unread count.
/// Access: signed in (one's own).
#[utoipa::path(get, path = "/notifications", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Inbox), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, ctx: Signed) -> ApiResult<Json<Inbox>> {
    Ok(Json(inbox(&state, &ctx, false).await?))
}

/// Marks the caller's notifications read. Access: signed in (one's own).
#[utoipa::path(post, path = "/notifications/read", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    ctx.authorize(Action::ReadOwnAccount)?;
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    let user = &ctx.actor().user;
    state
        .store
        .mark_notifications_read(user.id, state.now.ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
