//! Secrets people type from paper: a case's verification code (查询验证码,
//! printed on the slip and the receipt) opens its progress page and its
//! rating without an account. Codes are long enough for a case's lifetime
//! (ten characters of a 31-letter alphabet, about 49 bits), and wrong
//! guesses are throttled per case and per address, with repeated failures
//! recorded in the audit log.

use crate::AppState;
use crate::auth::{Ctx, same};
use crate::error::{ApiError, ApiResult};
use axum::http::StatusCode;
use tongban_store::{CaseRecord, Failure, StoreError};

pub use tongban_app::codes::{CODE_LEN, new_verification_code, random_chars};

/// Wrong codes are counted over this window.
pub const WINDOW_MS: i64 = 3600 * 1000;
/// Wrong codes for one case within the window before it is refused.
pub const MAX_PER_CASE: i64 = 10;
/// Wrong codes from one address within the window before it is refused.
pub const MAX_PER_ADDR: i64 = 30;
/// The kind wrong codes are recorded as.
const KIND: &str = "case_code";

/// A typed code as stored: upper case, without spaces or dashes.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The case with this number, if `code` is its verification code; `None`
/// when either is wrong (the same answer). Refused with 429 after too many
/// wrong codes for the case or from the address.
pub async fn case_by_code(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    code: &str,
) -> ApiResult<Option<CaseRecord>> {
    let case_no: String = case_no.trim().chars().take(40).collect();
    let now = state.now.ms();
    let counts = state
        .store
        .failures_since(KIND, &case_no, &ctx.addr, None, now - WINDOW_MS)
        .await?;
    if counts.subject >= MAX_PER_CASE || counts.addr >= MAX_PER_ADDR {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "code.throttled",
            "查询验证码错误次数过多，请1小时后再试",
        );
        e.retry_after = Some((WINDOW_MS / 1000) as u64);
        return Err(e);
    }
    let code = normalise(code);
    let found = match state.store.case_by_no(&case_no).await {
        Ok(c) if same(&c.verification_code, &code) => return Ok(Some(c)),
        Ok(_) | Err(StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    // The failure that reaches a limit is recorded as guessing, once.
    let alert =
        (counts.subject + 1 == MAX_PER_CASE || counts.addr + 1 == MAX_PER_ADDR).then(|| {
            crate::audit::entry(
                ctx,
                now,
                "code_guessing",
                &format!("case:{case_no}"),
                serde_json::json!({
                    "case_exists": found, "failures_by_case": counts.subject + 1,
                    "failures_by_address": counts.addr + 1,
                }),
            )
        });
    let failure = Failure {
        kind: KIND.into(),
        subject: case_no,
        addr: ctx.addr.clone(),
        device: None,
        at: now,
    };
    state.store.record_failure(&failure, alert.as_ref()).await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_and_typed_forgivingly() {
        let a = new_verification_code();
        assert_eq!(a.len(), CODE_LEN);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() && !b"01OIL".contains(&b))
        );
        assert_ne!(a, new_verification_code());
        assert_eq!(normalise(" abcde-fghjk "), "ABCDEFGHJK");
    }
}
