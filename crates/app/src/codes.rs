//! Codes people type from paper: a case's verification code (查询验证码,
//! printed on the slip and the receipt), booking numbers. Ten characters of
//! a 31-letter alphabet are about 49 bits, enough for a case's lifetime when
//! wrong guesses are throttled: per case and per address, with repeated
//! failures recorded in the audit log.

use crate::{Actor, App, AppError, AppResult};
use subtle::ConstantTimeEq;
use tongban_store::{AuditEntry, CaseRecord, Failure, FailureCounts, StoreError};

/// Characters of a code: no 0/O/1/I/L to confuse.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a verification code.
pub const CODE_LEN: usize = 10;

/// Wrong codes are counted over this window.
pub const WINDOW_MS: i64 = 3600 * 1000;
/// Wrong codes for one case within the window before it is refused.
pub const MAX_PER_CASE: i64 = 10;
/// Wrong codes from one address within the window before it is refused.
pub const MAX_PER_ADDR: i64 = 30;
/// The kind wrong codes are recorded as.
const KIND: &str = "case_code";

/// `n` random characters of the code alphabet, unbiased.
pub fn random_chars(n: usize) -> String {
    let mut out = String::with_capacity(n);
    // 248 = 8 × 31: bytes above it are dropped, so every letter is equally likely.
    while out.len() < n {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).expect("the OS random source is available");
        out.extend(
            b.iter()
                .filter(|&&x| x < 248)
                .map(|&x| char::from(ALPHABET[usize::from(x) % ALPHABET.len()]))
                .take(n - out.len()),
        );
    }
    out
}

/// A new verification code.
pub fn new_verification_code() -> String {
    random_chars(CODE_LEN)
}

/// Constant-time string comparison for tokens and codes.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A typed code as stored: upper case, without spaces or dashes.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Who types a code: from where, and the signed-in account, if any (the
/// audit log names it).
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The signed-in account, if any.
    pub actor: Option<&'a Actor>,
    /// The client address.
    pub addr: &'a str,
}

/// The case with this number, if `code` is its verification code; `None`
/// when either is wrong (the same answer). Refused ([`AppError::Throttled`])
/// after too many wrong codes for the case or from the address.
pub async fn case_by_code(
    app: &App,
    by: Caller<'_>,
    case_no: &str,
    code: &str,
) -> AppResult<Option<CaseRecord>> {
    let case_no: String = case_no.trim().chars().take(40).collect();
    let now = app.now.ms();
    let counts = (app.store)
        .failures_since(KIND, &case_no, by.addr, None, now - WINDOW_MS)
        .await?;
    if counts.subject >= MAX_PER_CASE || counts.addr >= MAX_PER_ADDR {
        return Err(AppError::Throttled {
            code: "code.throttled",
            message: "查询验证码错误次数过多，请1小时后再试".into(),
            retry_after: (WINDOW_MS / 1000) as u64,
        });
    }
    let code = normalise(code);
    let found = match app.store.case_by_no(&case_no).await {
        Ok(c) if same(&c.verification_code, &code) => return Ok(Some(c)),
        Ok(_) | Err(StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    let failure = Failure {
        kind: KIND.into(),
        subject: case_no,
        addr: by.addr.to_owned(),
        device: None,
        at: now,
    };
    let alert = guessing_alert(by, &failure, found, &counts);
    app.store.record_failure(&failure, alert.as_ref()).await?;
    Ok(None)
}

/// The audit event of the wrong code that reaches a limit (recorded as
/// guessing, once); none before or after.
fn guessing_alert(
    by: Caller<'_>,
    failure: &Failure,
    case_exists: bool,
    counts: &FailureCounts,
) -> Option<AuditEntry> {
    let (by_case, by_addr) = (counts.subject + 1, counts.addr + 1);
    (by_case == MAX_PER_CASE || by_addr == MAX_PER_ADDR).then(|| AuditEntry {
        at: failure.at,
        kind: "code_guessing".into(),
        actor: by.actor.map(|a| a.user.id),
        username: by.actor.map(|a| a.user.username.clone()),
        addr: by.addr.to_owned(),
        subject: format!("case:{}", failure.subject),
        detail: serde_json::json!({
            "case_exists": case_exists, "failures_by_case": by_case,
            "failures_by_address": by_addr,
        })
        .to_string(),
    })
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
