//! Registration for the online hall over HTTP: a mobile number, a one-time
//! code sent to it (through the pluggable [`crate::sms::Sender`]), a name
//! and a password make an applicant account (user name = the number); and
//! the kiosk's sign-in by ID number and code. The adapters of the use cases
//! in `tongban_app::users`.

use crate::AppState;
use crate::api::session::{MeResponse, SessionCreated};
use crate::auth::{Ctx, sign_in};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tongban_store::SessionKind;
use utoipa::ToSchema;

pub use tongban_app::users::{CODE_TTL_MS, CodeSent, KIOSK_TTL_MS, Registration};

/// A code request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Mobile number.
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub phone: String,
}

/// Sends a registration code (the API and the page share it): at most one a
/// minute and five an hour per number, twenty an hour per address.
pub async fn send_code(state: &AppState, ctx: &Ctx, phone: &str) -> ApiResult<CodeSent> {
    tongban_app::users::send_registration_code(&state.app(), &ctx.addr, phone)
        .await
        .map_err(|e| ctx.fail(e))
}

/// Sends a one-time registration code to a mobile number. Access: anyone
/// (throttled: one a minute and five an hour per number, twenty an hour per
/// address).
#[utoipa::path(post, path = "/register/code", tag = "session", request_body = CodeRequest,
    responses((status = 202, body = CodeSent), (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn code(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<CodeRequest>,
) -> ApiResult<(StatusCode, Json<CodeSent>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(send_code(&state, &ctx, &body.phone).await?),
    ))
}

/// Registers (the API and the page share it): the new account and a session of `kind`.
pub async fn register_account(
    state: &AppState,
    ctx: &Ctx,
    b: &Registration,
    kind: SessionKind,
) -> ApiResult<(tongban_domain::user::User, String, tongban_store::Session)> {
    let username = tongban_app::users::register(&state.app(), b)
        .await
        .map_err(|e| ctx.fail(e))?;
    sign_in(state, ctx, &username, &b.password, kind).await
}

/// Creates an applicant account with the code sent to the number, and signs
/// it in (a bearer token). Access: anyone.
#[utoipa::path(post, path = "/register", tag = "session", request_body = Registration,
    responses((status = 201, body = SessionCreated), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<Registration>,
) -> ApiResult<(StatusCode, Json<SessionCreated>)> {
    let (user, token, session) = register_account(&state, &ctx, &body, SessionKind::Bearer).await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            token,
            expires_at: tongban_store::rfc3339(session.expires_at),
            user: MeResponse::from(&user),
        }),
    ))
}

/// The kiosk's sign-in, first half: the ID number (read from the card or
/// typed). If a real-name applicant account has it, a code goes to that
/// account's mobile. The answer is the same either way, so the kiosk does
/// not tell who has an account.
pub async fn kiosk_code(state: &AppState, ctx: &Ctx, id_number: &str) -> ApiResult<()> {
    tongban_app::users::send_kiosk_code(&state.app(), &ctx.addr, id_number)
        .await
        .map_err(|e| ctx.fail(e))
}

/// The kiosk's sign-in, second half: the ID number and the code sent to the
/// account's mobile open a short cookie session, with its audit event, in
/// one transaction; a wrong code counts a try (five per code).
pub async fn kiosk_sign_in(
    state: &AppState,
    ctx: &Ctx,
    id_number: &str,
    code: &str,
) -> ApiResult<(tongban_domain::user::User, String)> {
    tongban_app::users::kiosk_sign_in(&state.app(), &ctx.addr, id_number, code)
        .await
        .map_err(|e| ctx.fail(e))
}
