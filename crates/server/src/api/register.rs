//! Registration for the online hall: a mobile number, a one-time code sent
//! to it (through the pluggable [`crate::sms::Sender`]), a name and a
//! password make an applicant account (user name = the number).

use crate::AppState;
use crate::api::session::{MeResponse, SessionCreated};
use crate::auth::{Ctx, sign_in, token_hash};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tongban_domain::FieldError;
use tongban_domain::user::{Role, Scope};
use tongban_store::{NewUser, SessionKind, StoreError};
use utoipa::ToSchema;

/// How long a code is good for.
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
const PURPOSE: &str = "register";

/// A code request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Mobile number.
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub phone: String,
}

/// A code was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSent {
    /// The number, masked.
    pub phone: String,
    /// Seconds the code is valid.
    pub expires_in: i64,
}

/// Sends a registration code (the API and the page share it): at most one a
/// minute and five an hour per number, twenty an hour per address.
pub async fn send_code(state: &AppState, ctx: &Ctx, phone: &str) -> ApiResult<CodeSent> {
    let phone = tongban_domain::validate::validate_mobile("phone", phone)?;
    send_code_to(
        state,
        ctx,
        &phone,
        PURPOSE,
        Some("【莆田政务服务】您的注册验证码为{code}，5分钟内有效。请勿告诉他人。"),
    )
    .await
}

/// Sends a one-time code for `purpose` to a (valid) mobile, throttled: one a
/// minute and five an hour per number, twenty an hour per address. `text`
/// holds `{code}`; without one the code is recorded (and throttled) but sent
/// nowhere, so a request for nobody looks like any other.
async fn send_code_to(
    state: &AppState,
    ctx: &Ctx,
    phone: &str,
    purpose: &str,
    text: Option<&str>,
) -> ApiResult<CodeSent> {
    let phone = phone.to_owned();
    let now = state.now.ms();
    let (last_minute, _) = state
        .store
        .phone_codes_since(&phone, &ctx.addr, now - 60_000)
        .await?;
    let (last_hour, by_addr) = state
        .store
        .phone_codes_since(&phone, &ctx.addr, now - 3_600_000)
        .await?;
    if last_minute > 0 || last_hour >= 5 || by_addr >= 20 {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "register.code_throttled",
            "验证码发送过于频繁，请稍后再试",
        );
        e.retry_after = Some(60);
        return Err(e);
    }
    let code = six_digits();
    state
        .store
        .issue_phone_code(
            &phone,
            purpose,
            &token_hash(&code),
            &ctx.addr,
            now,
            now + CODE_TTL_MS,
        )
        .await?;
    if let Some(text) = text {
        state
            .sender
            .send(
                &format!("code-{}", crate::auth::random_token()),
                &phone,
                &text.replace("{code}", &code),
            )
            .await
            .map_err(ApiError::internal)?;
    }
    Ok(CodeSent {
        phone: tongban_domain::validate::mask_phone(&phone),
        expires_in: CODE_TTL_MS / 1000,
    })
}

/// Checks the form of a code as typed: six digits.
fn six_digit_code(code: &str) -> Result<(), FieldError> {
    if code.len() == 6 && code.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(FieldError::new(
            "code",
            "register.code",
            "请填写收到的6位验证码",
        ))
    }
}

fn six_digits() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("OS random source");
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
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

/// A registration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Mobile number (becomes the user name).
    #[schema(pattern = r"^1[3-9][0-9]{9}$")]
    pub phone: String,
    /// The code sent to it.
    #[schema(pattern = r"^[0-9]{6}$")]
    pub code: String,
    /// Real name.
    #[schema(min_length = 1, max_length = 30)]
    pub name: String,
    /// The applicant's citizen ID number (real-name account; the kiosk
    /// signs in by it and a code sent to the mobile).
    #[schema(pattern = r"^[1-9][0-9]{16}[0-9Xx]$")]
    pub id_number: String,
    /// Password (at least 8 characters).
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").finish_non_exhaustive()
    }
}

/// Registers (the API and the page share it): the new account and a session of `kind`.
pub async fn register_account(
    state: &AppState,
    ctx: &Ctx,
    b: &Registration,
    kind: SessionKind,
) -> ApiResult<(tongban_domain::user::User, String, tongban_store::Session)> {
    let mut errs = tongban_domain::ValidationErrors::default();
    let phone = errs.check(tongban_domain::validate::validate_mobile("phone", &b.phone));
    let code = b.code.trim();
    errs.check(six_digit_code(code));
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        errs.push(FieldError::new(
            "name",
            "required",
            "请填写姓名（30字以内）",
        ));
    }
    let id_number = errs.check(id_number_of(state, &b.id_number));
    errs.check(tongban_domain::user::validate_password(
        "password",
        &b.password,
        false,
    ));
    errs.into_result(())?;
    let phone = phone.expect("validated");
    let id_number = id_number.expect("validated").as_str().to_owned();
    if state
        .store
        .applicant_by_id_number(&id_number)
        .await?
        .is_some()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "register.id_exists",
            "该身份证号已注册账号，请直接登录",
        )
        .field("id_number", "该身份证号已注册账号"));
    }
    let user = NewUser {
        username: phone.clone(),
        display_name: name.to_owned(),
        password_hash: crate::auth::hash_password(&b.password),
        role: Role::Applicant,
        scope: Scope::None,
        household_region: None,
        id_number: Some(id_number),
        phone: Some(phone.clone()),
    };
    match state
        .store
        .register_with_code(&user, &phone, PURPOSE, &token_hash(code), state.now.ms())
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => {
            return Err(FieldError::new(
                "code",
                "register.code_wrong",
                "验证码不正确或已失效，请重新获取",
            )
            .into());
        }
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "register.exists",
                "该手机号已注册，请直接登录",
            )
            .field("phone", "该手机号已注册"));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(phone = %tongban_domain::validate::mask_phone(&phone), "applicant registered");
    sign_in(state, ctx, &phone, &b.password, kind).await
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

/// Purpose of the codes that sign one account in at a kiosk: bound to the
/// account, so a code sent for one account never opens another that shares
/// the mobile.
fn kiosk_purpose(user: tongban_domain::UserId) -> String {
    format!("kiosk:{user}")
}
/// A kiosk session lasts at most this long (the idle timer ends it sooner).
pub const KIOSK_TTL_MS: i64 = 30 * 60 * 1000;

/// A citizen ID number (GB 11643), checked.
fn id_number_of(
    state: &AppState,
    raw: &str,
) -> Result<tongban_domain::validate::IdNumber, FieldError> {
    tongban_domain::validate::validate_id_number(
        "id_number",
        raw,
        state.now.today(),
        tongban_domain::validate::is_province_code,
    )
}

/// The kiosk's sign-in, first half: the ID number (read from the card or
/// typed). If a real-name applicant account has it, a code goes to that
/// account's mobile. The answer is the same either way, so the kiosk does
/// not tell who has an account.
pub async fn kiosk_code(state: &AppState, ctx: &Ctx, id_number: &str) -> ApiResult<()> {
    let id = id_number_of(state, id_number)?;
    match state.store.applicant_by_id_number(id.as_str()).await? {
        Some((user, Some(phone))) if user.active => {
            send_code_to(
                state,
                ctx,
                &phone,
                &kiosk_purpose(user.id),
                Some("【莆田政务服务】您正在自助终端登录，验证码为{code}，5分钟内有效。如非本人操作请忽略。"),
            )
            .await?;
        }
        // Nobody to text: the request is recorded and throttled the same
        // way (under a hash of the number), so the answers never tell.
        _ => {
            send_code_to(
                state,
                ctx,
                &format!("id:{}", &token_hash(id.as_str())[..16]),
                "kiosk:none",
                None,
            )
            .await?;
        }
    }
    Ok(())
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
    let wrong = || {
        ApiError::from(FieldError::new(
            "code",
            "kiosk.code_wrong",
            "身份证号或验证码不正确，或验证码已失效",
        ))
    };
    let id = id_number_of(state, id_number)?;
    let code = code.trim();
    six_digit_code(code)?;
    let Some((user, Some(phone))) = state.store.applicant_by_id_number(id.as_str()).await? else {
        return Err(wrong());
    };
    if !user.active {
        return Err(wrong());
    }
    let now = state.now.ms();
    let (token, session) =
        crate::auth::new_session(user.id, SessionKind::Cookie, now, KIOSK_TTL_MS);
    let audit = tongban_store::AuditEntry {
        at: now,
        kind: "login".into(),
        actor: Some(user.id),
        username: Some(user.username.clone()),
        addr: ctx.addr.clone(),
        subject: format!("user:{}", user.username),
        detail: serde_json::json!({"kind": "cookie", "method": "kiosk_code"}).to_string(),
    };
    if !state
        .store
        .session_with_code(
            &phone,
            &kiosk_purpose(user.id),
            &token_hash(code),
            now,
            &session,
            &audit,
        )
        .await?
    {
        state
            .store
            .append_audit(&tongban_store::AuditEntry {
                kind: "login_failed".into(),
                detail: serde_json::json!({"method": "kiosk_code"}).to_string(),
                ..audit
            })
            .await?;
        return Err(wrong());
    }
    tracing::info!(user = %user.id, "signed in at a kiosk");
    Ok((user, token))
}
