//! The kiosk's sign-in: the citizen ID number (read from the card or typed)
//! and a code sent to the mobile of the real-name applicant account that
//! has it open a short session. The answers never tell whether an account
//! exists.

use super::phone::{send_code, six_digit_code};
use super::register::id_number_of;
use super::{new_session, token_hash};
use crate::{App, AppError, AppResult};
use tongban_domain::UserId;
use tongban_domain::user::User;
use tongban_store::{AuditEntry, SessionKind};

/// A kiosk session lasts at most this long (the idle timer ends it sooner).
pub const KIOSK_TTL_MS: i64 = 30 * 60 * 1000;

/// The kiosk code's message.
const KIOSK_TEXT: &str =
    "【莆田政务服务】您正在自助终端登录，验证码为{code}，5分钟内有效。如非本人操作请忽略。";

/// Purpose of the codes that sign one account in at a kiosk: bound to the
/// account, so a code sent for one account never opens another that shares
/// the mobile.
fn kiosk_purpose(user: UserId) -> String {
    format!("kiosk:{user}")
}

/// The kiosk's sign-in, first half, asked for from `addr`: if an active
/// real-name applicant account has the ID number, a code goes to its
/// mobile. The answer is the same either way, so the kiosk does not tell
/// who has an account.
pub async fn send_kiosk_code(app: &App, addr: &str, id_number: &str) -> AppResult<()> {
    let id = id_number_of(app, id_number)?;
    match kiosk_account(app, id.as_str()).await? {
        Some((user, phone)) => {
            let purpose = kiosk_purpose(user.id);
            send_code(app, addr, &phone, &purpose, Some(KIOSK_TEXT)).await?;
        }
        // Nobody to text: the request is recorded and throttled the same
        // way (under a hash of the number), so the answers never tell.
        None => {
            let nobody = format!("id:{}", &token_hash(id.as_str())[..16]);
            send_code(app, addr, &nobody, "kiosk:none", None).await?;
        }
    }
    Ok(())
}

/// The kiosk's sign-in, second half: the ID number and the code sent to the
/// account's mobile open a short cookie session, with its audit event, in
/// one transaction; a wrong code counts a try (five per code) and is
/// recorded. Answers the account and the session's token.
pub async fn kiosk_sign_in(
    app: &App,
    addr: &str,
    id_number: &str,
    code: &str,
) -> AppResult<(User, String)> {
    let id = id_number_of(app, id_number)?;
    let code = code.trim();
    six_digit_code(code)?;
    let Some((user, phone)) = kiosk_account(app, id.as_str()).await? else {
        return Err(wrong_code());
    };
    let now = app.now.ms();
    let (token, session) = new_session(user.id, SessionKind::Cookie, now, KIOSK_TTL_MS);
    let login = login_event(&user, addr, now);
    let purpose = kiosk_purpose(user.id);
    let code_hash = token_hash(code);
    if !(app.store)
        .session_with_code(&phone, &purpose, &code_hash, now, &session, &login)
        .await?
    {
        let failed = AuditEntry {
            kind: "login_failed".into(),
            detail: serde_json::json!({"method": "kiosk_code"}).to_string(),
            ..login
        };
        app.store.append_audit(&failed).await?;
        return Err(wrong_code());
    }
    tracing::info!(user = %user.id, "signed in at a kiosk");
    Ok((user, token))
}

/// The active applicant account with this ID number, and its mobile.
async fn kiosk_account(app: &App, id_number: &str) -> AppResult<Option<(User, String)>> {
    Ok(match app.store.applicant_by_id_number(id_number).await? {
        Some((user, Some(phone))) if user.active => Some((user, phone)),
        _ => None,
    })
}

/// The audit event of a kiosk sign-in by `user` from `addr`.
fn login_event(user: &User, addr: &str, now: i64) -> AuditEntry {
    AuditEntry {
        at: now,
        kind: "login".into(),
        actor: Some(user.id),
        username: Some(user.username.clone()),
        addr: addr.to_owned(),
        subject: format!("user:{}", user.username),
        detail: serde_json::json!({"kind": "cookie", "method": "kiosk_code"}).to_string(),
    }
}

/// The one answer to a wrong ID number, a wrong code, or nobody to sign in.
fn wrong_code() -> AppError {
    AppError::field(
        "code",
        "kiosk.code_wrong",
        "身份证号或验证码不正确，或验证码已失效",
    )
}
