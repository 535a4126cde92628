//! Secrets people type from paper: a case's verification code (查询验证码,
//! printed on the slip and the receipt) opens its progress page and its
//! rating without an account. Codes are long enough for a case's lifetime
//! (ten characters of a 31-letter alphabet, about 49 bits), and wrong
//! guesses are throttled per case and per address, with repeated failures
//! recorded in the audit log (see `tongban_app::codes`).

use crate::AppState;
use crate::auth::Ctx;
use crate::error::ApiResult;
use tongban_app::codes::Caller;
use tongban_store::CaseRecord;

pub use tongban_app::codes::{
    CODE_LEN, MAX_PER_ADDR, MAX_PER_CASE, WINDOW_MS, new_verification_code, normalise, random_chars,
};

/// The case with this number, if `code` is its verification code; `None`
/// when either is wrong (the same answer). Refused with 429 after too many
/// wrong codes for the case or from the address.
pub async fn case_by_code(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    code: &str,
) -> ApiResult<Option<CaseRecord>> {
    let actor = ctx.signed().ok();
    let by = Caller {
        actor: actor.as_ref(),
        addr: &ctx.addr,
    };
    tongban_app::codes::case_by_code(&state.app(), by, case_no, code)
        .await
        .map_err(|e| ctx.fail(e))
}
