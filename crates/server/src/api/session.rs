//! Sessions for API clients, and `/me`.

use crate::AppState;
use crate::auth::{Ctx, Signed, sign_in};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tongban_domain::authz::Action;
use tongban_domain::user::{Role, User};
use tongban_domain::{DepartmentId, HallId, UserId};
use tongban_store::SessionKind;
use utoipa::ToSchema;

/// Sign-in request.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionCreate {
    /// Login name.
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    /// Password.
    #[schema(min_length = 1, max_length = 256)]
    pub password: String,
}

impl std::fmt::Debug for SessionCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCreate")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A new bearer token.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Expiry, RFC 3339.
    pub expires_at: String,
    /// The account.
    pub user: MeResponse,
}

/// The caller's account.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// zh-CN role label.
    pub role_label: String,
    /// Hall the role is held in.
    pub hall: Option<HallId>,
    /// Department the role is held in.
    pub department: Option<DepartmentId>,
    /// An applicant's household registration region.
    pub household_region: Option<tongban_domain::RegionCode>,
    /// For hall staff: the rights their hall holds today, per department
    /// (every right at a department's own hall, else by grant).
    pub rights: Vec<crate::api::grants::EffectiveRight>,
}

impl From<&User> for MeResponse {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            role_label: u.role.label().into(),
            hall: u.scope.hall(),
            department: u.scope.department(),
            household_region: u.household_region.clone(),
            rights: vec![],
        }
    }
}

/// Signs in and returns a bearer token. Access: anyone (throttled: 5
/// failures per account or 20 per address in 15 minutes answer 429).
#[utoipa::path(post, path = "/session", tag = "session", request_body = SessionCreate,
    responses((status = 201, body = SessionCreated), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SessionCreate>,
) -> ApiResult<(StatusCode, Json<SessionCreated>)> {
    let mut errs = tongban_domain::ValidationErrors::default();
    if body.username.trim().is_empty() {
        errs.push(tongban_domain::FieldError::new(
            "username",
            "required",
            "请填写用户名",
        ));
    }
    if body.password.is_empty() {
        errs.push(tongban_domain::FieldError::new(
            "password",
            "required",
            "请填写密码",
        ));
    }
    errs.into_result(())?;
    let (user, token, session) = sign_in(
        &state,
        &ctx,
        body.username.trim(),
        &body.password,
        SessionKind::Bearer,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            token,
            expires_at: tongban_store::rfc3339(session.expires_at),
            user: MeResponse::from(&user),
        }),
    ))
}

/// Ends the caller's session (the bearer token stops working). Access: signed in.
#[utoipa::path(delete, path = "/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> ApiResult<StatusCode> {
    ctx.authorize(Action::ReadOwnAccount)?;
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    if let Some(s) = &ctx.session {
        state.store.delete_session(&s.token_hash).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account, role, hall or department, and (for hall staff) the
/// rights their hall holds today. Access: signed in.
#[utoipa::path(get, path = "/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(State(state): State<AppState>, ctx: Signed) -> ApiResult<Json<MeResponse>> {
    ctx.authorize(Action::ReadOwnAccount)?;
    let actor = ctx.actor();
    let user = &actor.user;
    let mut me = MeResponse::from(user);
    if let Some(h) = user.scope.hall() {
        let lookups = crate::api::cases::Lookups::load(&state.app()).await?;
        me.rights = crate::api::grants::effective_rights(lookups.data(), h, state.now.today());
    }
    Ok(Json(me))
}
