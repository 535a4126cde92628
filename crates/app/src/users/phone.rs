//! One-time codes sent to a mobile (through the pluggable
//! [`crate::sms::Sender`]): to register an account, and to sign in at a
//! kiosk. Only a code's hash is kept; sending is throttled per number and
//! per address.

use super::{random_token, token_hash};
use crate::{App, AppError, AppResult};
use serde::Serialize;
use tongban_domain::FieldError;
use tongban_domain::validate::{mask_phone, validate_mobile};
use utoipa::ToSchema;

/// How long a code is good for.
pub const CODE_TTL_MS: i64 = 5 * 60 * 1000;
/// Purpose of the codes that register an account.
pub(super) const REGISTER: &str = "register";
/// The registration code's message.
const REGISTER_TEXT: &str = "【莆田政务服务】您的注册验证码为{code}，5分钟内有效。请勿告诉他人。";

/// A code was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSent {
    /// The number, masked.
    pub phone: String,
    /// Seconds the code is valid.
    pub expires_in: i64,
}

/// Sends a registration code to a mobile number, asked for from `addr`: at
/// most one a minute and five an hour per number, twenty an hour per
/// address.
pub async fn send_registration_code(app: &App, addr: &str, phone: &str) -> AppResult<CodeSent> {
    let phone = validate_mobile("phone", phone)?;
    send_code(app, addr, &phone, REGISTER, Some(REGISTER_TEXT)).await
}

/// Sends a one-time code for `purpose` to a (valid) mobile, throttled: one a
/// minute and five an hour per number, twenty an hour per address. `text`
/// holds `{code}`; without one the code is recorded (and throttled) but sent
/// nowhere, so a request for nobody looks like any other.
pub(super) async fn send_code(
    app: &App,
    addr: &str,
    phone: &str,
    purpose: &str,
    text: Option<&str>,
) -> AppResult<CodeSent> {
    let now = app.now.ms();
    check_throttle(app, addr, phone, now).await?;
    let code = six_digits();
    let expires_at = now + CODE_TTL_MS;
    (app.store)
        .issue_phone_code(phone, purpose, &token_hash(&code), addr, now, expires_at)
        .await?;
    if let Some(text) = text {
        let id = format!("code-{}", random_token());
        (app.sender)
            .send(&id, phone, &text.replace("{code}", &code))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(CodeSent {
        phone: mask_phone(phone),
        expires_in: CODE_TTL_MS / 1000,
    })
}

/// Refuses a code when one went to the number in the last minute, five in
/// the last hour, or twenty from the address in the last hour.
async fn check_throttle(app: &App, addr: &str, phone: &str, now: i64) -> AppResult<()> {
    let (last_minute, _) = app
        .store
        .phone_codes_since(phone, addr, now - 60_000)
        .await?;
    let (last_hour, by_addr) = (app.store)
        .phone_codes_since(phone, addr, now - 3_600_000)
        .await?;
    if last_minute > 0 || last_hour >= 5 || by_addr >= 20 {
        return Err(AppError::Throttled {
            code: "register.code_throttled",
            message: "验证码发送过于频繁，请稍后再试".into(),
            retry_after: 60,
        });
    }
    Ok(())
}

/// Checks the form of a code as typed: six digits.
pub(super) fn six_digit_code(code: &str) -> Result<(), FieldError> {
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

/// A new code: six random digits.
fn six_digits() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("OS random source");
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
}
