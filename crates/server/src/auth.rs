//! Authentication: argon2id password hashes, random session tokens (only
//! their SHA-256 is stored), the session cookie and bearer tokens, CSRF
//! tokens, and sign-in throttling kept in the database (so several server
//! processes share it).
//!
//! Argon2id parameters: the crate defaults (m = 19 MiB, t = 2, p = 1), the
//! OWASP minimum for argon2id.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::net::SocketAddr;
use time::Duration as CookieDuration;
use tongban_domain::authz::{Action, Actor, Denial, Trust, authorize};
use tongban_domain::user::User;
use tongban_store::{Session, SessionKind, now_ms};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "tb_session";
/// Name of the pre-login CSRF cookie (double submit).
pub const CSRF_COOKIE: &str = "tb_csrf";
/// Cookie sessions last 12 hours.
pub const COOKIE_TTL_MS: i64 = 12 * 3600 * 1000;
/// Bearer tokens last 24 hours.
pub const BEARER_TTL_MS: i64 = 24 * 3600 * 1000;
/// Failed sign-ins are counted over this window.
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures at one account from one address (not a trusted device) before
/// that address is refused for that account: a stranger elsewhere locks
/// out only himself.
pub const MAX_FAILURES_PER_PAIR: i64 = 5;
/// Failures at one account from all untrusted clients before untrusted
/// clients are refused for it (a distributed guess); the owner's trusted
/// devices still sign in, and the admin is alerted in the audit log.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 20;
/// Failures from one address at any accounts (password spraying) before
/// untrusted sign-ins from it are refused; trusted devices behind the same
/// NAT still sign in.
pub const MAX_FAILURES_PER_ADDR: i64 = 50;
/// Failures from one trusted device before it, too, must wait.
pub const MAX_FAILURES_PER_DEVICE: i64 = 5;
/// Name of the device cookie: a browser that signed in to an account before
/// is trusted for it (OWASP's device cookies), so others' failures never
/// lock its owner out.
pub const DEVICE_COOKIE: &str = "tb_device";
/// A device stays trusted this long after its last sign-in.
pub const DEVICE_TTL_MS: i64 = 180 * 24 * 3600 * 1000;

pub use tongban_app::codes::same;
pub use tongban_app::users::{
    hash_password, new_session, random_token, token_hash, verify_password,
};

/// Reads one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .and_then(|c| c.value_raw())
}

/// A `Set-Cookie` value: whole site, `SameSite=Lax`.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_s: i64,
    http_only: bool,
    secure: bool,
) -> String {
    Cookie::build((name, value))
        .path("/")
        .max_age(CookieDuration::seconds(max_age_s))
        .same_site(SameSite::Lax)
        .http_only(http_only)
        .secure(secure)
        .build()
        .to_string()
}

/// Who is calling, resolved once per request. A bad bearer token is an
/// error (never silently anonymous); a stale cookie is simply no session.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The actor for authorisation.
    pub actor: Actor,
    /// The signed-in account.
    pub user: Option<User>,
    /// The session.
    pub session: Option<Session>,
    /// The client address.
    pub addr: String,
    /// Whether the 大字 (large text) mode is on.
    pub large: bool,
    /// Whether this browser is a self-service kiosk (自助机).
    pub kiosk: bool,
    /// The language to answer in (see [`crate::lang`]).
    pub lang: tongban_domain::i18n::Lang,
    /// The reference-data revision read with the session (signed-in callers).
    pub revision: Option<i64>,
    /// The browser's device cookie, if it has one (see [`DEVICE_COOKIE`]).
    pub device: Option<String>,
}

impl Ctx {
    /// The command-line operator: the platform's administrator at the
    /// console (`tongban …` commands that act as the admin would).
    pub fn operator() -> Self {
        Ctx {
            actor: Actor::User {
                id: tongban_domain::UserId(0),
                role: tongban_domain::user::Role::PlatformAdmin,
                scope: tongban_domain::user::Scope::Platform,
            },
            user: None,
            session: None,
            addr: "cli".into(),
            large: false,
            kiosk: false,
            lang: Default::default(),
            revision: None,
            device: None,
        }
    }

    /// Asks the one authorisation function about an action that involves no
    /// grants (a right-dependent window step is refused without them).
    pub fn authorize(&self, action: Action<'_>) -> Result<(), ApiError> {
        self.authorize_in(action, &Trust::NONE)
    }

    /// Asks the one authorisation function, with the grants in `trust`. A
    /// denial is logged and recorded in the audit log.
    pub fn authorize_in(&self, action: Action<'_>, trust: &Trust<'_>) -> Result<(), ApiError> {
        authorize(self.actor, action, trust).map_err(|d| self.denied(&action, d))
    }

    /// The answer to a denial, carrying its audit event.
    pub fn denied(&self, action: &Action<'_>, d: Denial) -> ApiError {
        tracing::warn!(user = ?self.user.as_ref().map(|u| u.id), ?action, ?d, "denied");
        let mut e = ApiError::from(d);
        e.audit = crate::audit::denial(self, now_ms(), action, d).map(Box::new);
        e
    }

    /// The signed-in caller as the application layer's actor (401 when
    /// not signed in).
    pub fn signed(&self) -> Result<tongban_app::Actor, ApiError> {
        match &self.user {
            Some(u) => Ok(tongban_app::Actor {
                user: u.clone(),
                revision: self.revision,
                addr: self.addr.clone(),
            }),
            None => Err(ApiError::from(Denial::Unauthenticated)),
        }
    }

    /// The answer to an application-layer error, carrying the audit event
    /// of a refusal (a denial, or a probe for a case that does not exist).
    pub fn fail(&self, e: tongban_app::AppError) -> ApiError {
        use tongban_app::AppError;
        let audit = match &e {
            AppError::Denied {
                denial,
                subject,
                action,
                department,
            } if *denial != Denial::Unauthenticated => Some((
                subject.clone(),
                // A refusal before any case exists still names whose right
                // was lacking.
                match department {
                    Some(d) if matches!(denial, Denial::Lacks { .. }) => serde_json::json!({
                        "action": action, "denial": denial, "department": d,
                    }),
                    _ => serde_json::json!({ "action": action, "denial": denial }),
                },
            )),
            AppError::NoCase { case_no } => Some((
                case_no.clone(),
                serde_json::json!({"action": "read_case", "denial": "no_such_case"}),
            )),
            _ => None,
        };
        let mut err = ApiError::from(e);
        if self.user.is_some()
            && let Some((subject, detail)) = audit
        {
            let entry = crate::audit::entry(self, now_ms(), "denied", &subject, detail);
            err.audit = Some(Box::new(entry));
        }
        err
    }

    /// The CSRF token for forms: the session's, or the pre-login cookie's.
    pub fn csrf(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.csrf.as_str())
    }

    /// Checks a submitted CSRF token against the session's (or, before
    /// sign-in, against the double-submit cookie).
    pub fn check_csrf(&self, headers: &HeaderMap, submitted: Option<&str>) -> Result<(), ApiError> {
        let expected = match &self.session {
            Some(s) if s.kind == SessionKind::Cookie => Some(s.csrf.as_str()),
            Some(_) => return Ok(()), // bearer tokens are not sent by browsers on their own
            None => cookie(headers, CSRF_COOKIE),
        };
        match (expected, submitted) {
            (Some(e), Some(s)) if same(e, s) => Ok(()),
            _ => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "页面已过期，请刷新后重试",
            )),
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Resolved once per request, however many extractors ask.
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let ctx = Self::resolve(parts, state).await?;
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

impl Ctx {
    /// Who is calling: the session cookie or the bearer token, looked up.
    async fn resolve(parts: &Parts, state: &AppState) -> Result<Self, ApiError> {
        let h = &parts.headers;
        let kiosk = cookie(h, "tb_kiosk") == Some("1");
        let mut ctx = Ctx {
            actor: Actor::Anonymous,
            user: None,
            session: None,
            addr: (parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>())
            .map_or_else(|| "local".into(), |c| c.0.ip().to_string()),
            // A kiosk always shows large type.
            large: kiosk || cookie(h, "tb_large") == Some("1"),
            kiosk,
            lang: (parts.extensions.get().copied())
                .unwrap_or_else(|| crate::lang::of_request(parts.uri.path(), h)),
            revision: None,
            device: cookie(h, DEVICE_COOKIE)
                .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(str::to_owned),
        };
        let Some((token, bearer)) = credential(h)? else {
            return Ok(ctx);
        };
        let unauthenticated = |m| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", m);
        let now = now_ms();
        let (session, user) = match state.store.session_user(&token_hash(&token), now).await? {
            Some((s, u, rev)) if (s.kind == SessionKind::Bearer) == bearer => {
                ctx.revision = Some(rev);
                (s, u)
            }
            _ if bearer => return Err(unauthenticated("令牌无效或已过期，请重新登录")),
            _ => return Ok(ctx),
        };
        if !user.active {
            return Err(unauthenticated("账号已停用"));
        }
        ctx.actor = Actor::User {
            id: user.id,
            role: user.role,
            scope: user.scope,
        };
        ctx.user = Some(user);
        // Token use is recorded the first time this process sees a token
        // from an address (not on every request, which would serialise them).
        if bearer && state.first_token_use(&session.token_hash, &ctx.addr) {
            let short: String = session.token_hash.chars().take(12).collect();
            let detail =
                serde_json::json!({"expires_at": tongban_store::rfc3339(session.expires_at)});
            let e = crate::audit::entry(&ctx, now, "token_used", &format!("token:{short}"), detail);
            crate::audit::record(state, e).await;
        }
        ctx.session = Some(session);
        Ok(ctx)
    }
}

/// The credential a request carries: a bearer token (`true`) or the session
/// cookie; a malformed `Authorization` header is refused.
fn credential(h: &HeaderMap) -> Result<Option<(String, bool)>, ApiError> {
    match h.get(header::AUTHORIZATION) {
        Some(v) => match v.to_str().unwrap_or("").strip_prefix("Bearer ") {
            Some(t) => Ok(Some((t.trim().to_owned(), true))),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "Authorization 头应为 Bearer 令牌",
            )),
        },
        None => Ok(cookie(h, SESSION_COOKIE).map(|t| (t.to_owned(), false))),
    }
}

/// What an identity provider found.
#[derive(Debug)]
pub enum Proof {
    /// The credentials prove this (active) account.
    Proven(User),
    /// They do not; `account` is the account the login named, if any.
    Failed {
        /// The account named, for the audit log.
        account: Option<tongban_domain::UserId>,
    },
}

/// Where identities are proven. The local accounts (argon2id passwords) are
/// the provider built in; a province's single sign-on plugs in as another
/// implementation that resolves its assertion to a local account. Throttling,
/// sessions and the audit log stay the same whichever proves the identity.
#[async_trait::async_trait]
pub trait IdentityProvider: Send + Sync + std::fmt::Debug {
    /// Short name, e.g. `local`.
    fn name(&self) -> &'static str;
    /// Checks the credentials.
    async fn authenticate(
        &self,
        state: &AppState,
        login: &str,
        secret: &str,
    ) -> Result<Proof, ApiError>;
}

/// The local accounts: user name and argon2id password.
#[derive(Debug, Default)]
pub struct LocalAccounts;

#[async_trait::async_trait]
impl IdentityProvider for LocalAccounts {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn authenticate(
        &self,
        state: &AppState,
        login: &str,
        secret: &str,
    ) -> Result<Proof, ApiError> {
        // Verify against a dummy hash when the account does not exist, so the
        // answer takes as long either way.
        Ok(match state.store.user_credentials(login).await? {
            Some((u, hash)) => {
                if verify_password(secret, &hash) && u.active {
                    Proof::Proven(u)
                } else {
                    Proof::Failed {
                        account: Some(u.id),
                    }
                }
            }
            None => {
                let _ = verify_password(secret, &state.dummy_hash);
                Proof::Failed { account: None }
            }
        })
    }
}

/// Signs in: checks throttling, then the password; records failures. On
/// success returns the account and a new session token.
///
/// Failures are weighed per account × address, per account and per address
/// for untrusted clients, and per device for a browser trusted for the
/// account (its device cookie), so nobody can lock an owner out of the
/// browser they use.
pub async fn sign_in(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    password: &str,
    kind: SessionKind,
) -> Result<(User, String, Session), ApiError> {
    let store = &state.store;
    let attempt = Attempt::new(state, ctx, username).await?;
    attempt.check_throttle(state).await?;
    let user = match state
        .identity
        .authenticate(state, username, password)
        .await?
    {
        Proof::Proven(u) => u,
        Proof::Failed { account } => return Err(attempt.failed(state, account).await),
    };
    let (name, addr, device) = (&attempt.name, ctx.addr.as_str(), attempt.device.as_deref());
    store.clear_failures(LOGIN, name, addr, device).await?;
    let ttl = match kind {
        SessionKind::Cookie => COOKIE_TTL_MS,
        SessionKind::Bearer => BEARER_TTL_MS,
    };
    let (token, session) = new_session(user.id, kind, attempt.now, ttl);
    let detail = serde_json::json!({"kind": kind.as_str()});
    let login = attempt.event("login", Some(user.id), detail);
    store.create_session(&session, Some(&login)).await?;
    tracing::info!(user = %user.id, ?kind, "signed in");
    Ok((user, token, session))
}

/// A sign-in attempt: who it names, from where, from which trusted
/// device, and the failures already counted against it.
struct Attempt {
    now: i64,
    name: String,
    addr: String,
    device: Option<String>,
    counts: tongban_store::FailureCounts,
}

impl Attempt {
    async fn new(state: &AppState, ctx: &Ctx, username: &str) -> Result<Self, ApiError> {
        let store = &state.store;
        let now = now_ms();
        let name: String = username.chars().take(64).collect();
        let device = match &ctx.device {
            Some(t) if store.device_trusted(&token_hash(t), &name, now).await? => {
                Some(token_hash(t))
            }
            _ => None,
        };
        let since = now - THROTTLE_WINDOW_MS;
        let addr = ctx.addr.as_str();
        let counts = (store.failures_since(LOGIN, &name, addr, device.as_deref(), since)).await?;
        Ok(Attempt {
            now,
            name,
            addr: ctx.addr.clone(),
            device,
            counts,
        })
    }

    /// A security audit event about this attempt.
    fn event(
        &self,
        kind: &str,
        actor: Option<tongban_domain::UserId>,
        detail: serde_json::Value,
    ) -> tongban_store::AuditEntry {
        tongban_store::AuditEntry {
            at: self.now,
            kind: kind.into(),
            actor,
            username: Some(self.name.clone()),
            addr: self.addr.clone(),
            subject: format!("user:{}", self.name),
            detail: detail.to_string(),
        }
    }

    /// Refuses (and records) an attempt over the limits: per device for a
    /// trusted browser, else per account × address, account and address.
    async fn check_throttle(&self, state: &AppState) -> Result<(), ApiError> {
        let c = &self.counts;
        let throttled = match self.device {
            Some(_) => c.device >= MAX_FAILURES_PER_DEVICE,
            None => {
                c.pair >= MAX_FAILURES_PER_PAIR
                    || c.subject >= MAX_FAILURES_PER_ACCOUNT
                    || c.addr >= MAX_FAILURES_PER_ADDR
            }
        };
        if !throttled {
            return Ok(());
        }
        tracing::warn!(username = %self.name, addr = %self.addr, "sign-in throttled");
        let detail = serde_json::json!({
            "failures_here": c.pair, "failures_by_account": c.subject,
            "failures_by_address": c.addr, "trusted_device": self.device.is_some(),
        });
        state
            .store
            .append_audit(&self.event("login_throttled", None, detail))
            .await?;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "login.throttled",
            "登录失败次数过多，请15分钟后再试（常用设备不受影响）",
        );
        e.retry_after = Some((THROTTLE_WINDOW_MS / 1000) as u64);
        Err(e)
    }

    /// Records a failed attempt (and, at the account's limit, alerts the
    /// admins to a distributed guess); answers the refusal.
    async fn failed(&self, state: &AppState, known: Option<tongban_domain::UserId>) -> ApiError {
        let trusted = self.device.is_some();
        let detail =
            serde_json::json!({"known_account": known.is_some(), "trusted_device": trusted});
        let failure = tongban_store::Failure {
            kind: LOGIN.into(),
            subject: self.name.clone(),
            addr: self.addr.clone(),
            device: self.device.clone(),
            at: self.now,
        };
        let failed = self.event("login_failed", known, detail);
        let mut recorded = state.store.record_failure(&failure, Some(&failed)).await;
        let failures = self.counts.subject + 1;
        if recorded.is_ok() && !trusted && failures == MAX_FAILURES_PER_ACCOUNT {
            let detail = serde_json::json!({"failures_by_account": failures});
            let attack = self.event("login_attack", known, detail);
            recorded = state.store.append_audit(&attack).await.map(|_| ());
        }
        if let Err(e) = recorded {
            return e.into();
        }
        tracing::warn!(username = %self.name, addr = %self.addr, "sign-in failed");
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "login.failed",
            "用户名或密码不正确",
        )
        .field("password", "用户名或密码不正确")
    }
}

/// The kind of failure a wrong password is recorded as.
const LOGIN: &str = "login";

/// After a browser signs in to `username`: trusts it for that account (its
/// device cookie, made now if it has none) and answers the `Set-Cookie`.
pub async fn remember_device(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
) -> Result<String, ApiError> {
    let token = ctx.device.clone().unwrap_or_else(random_token);
    let now = now_ms();
    let name: String = username.chars().take(64).collect();
    state
        .store
        .trust_device(&token_hash(&token), &name, now, now + DEVICE_TTL_MS)
        .await?;
    Ok(set_cookie(
        DEVICE_COOKIE,
        &token,
        DEVICE_TTL_MS / 1000,
        true,
        state.settings.secure_cookies,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; tb_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, "tb_session"), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("ab", "abc"));
        let c = set_cookie("tb_session", "t0k", 60, true, true);
        for part in [
            "tb_session=t0k",
            "Path=/",
            "Max-Age=60",
            "SameSite=Lax",
            "HttpOnly",
            "Secure",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!set_cookie("tb_large", "1", 60, false, false).contains("HttpOnly"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("a", "ab"));
    }
}

/// A caller who must be signed in: anonymous requests are refused with 401
/// before the body is even read. Its actor is never optional.
#[derive(Debug, Clone)]
pub struct Signed {
    ctx: Ctx,
    actor: tongban_app::Actor,
}

impl Signed {
    /// The signed-in caller, as the application layer's actor.
    pub fn actor(&self) -> &tongban_app::Actor {
        &self.actor
    }
}

impl std::ops::Deref for Signed {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        &self.ctx
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        let actor = ctx.signed()?;
        Ok(Signed { ctx, actor })
    }
}
