//! Accounts: adding one (staff of a hall or a department, an applicant, an
//! administrator), with its password hashed by argon2id; an applicant
//! registering with a code sent to the mobile; the kiosk's sign-in by ID
//! number and code. Sessions are random tokens of which only the SHA-256 is
//! stored.

mod kiosk;
mod phone;
mod register;

pub use kiosk::{KIOSK_TTL_MS, kiosk_sign_in, send_kiosk_code};
pub use phone::{CODE_TTL_MS, CodeSent, send_registration_code};
pub use register::{Registration, register};

use crate::{Actor, App, AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};
use tongban_domain::authz::{Action, Trust};
use tongban_domain::user::{Role, Scope, validate_password, validate_username};
use tongban_domain::{DepartmentId, FieldError, HallId, RegionCode, UserId, ValidationErrors};
use tongban_store::{NewUser, Session, SessionKind, StoreError};

/// Hashes a password to an argon2id PHC string.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .expect("argon2 with default parameters and a random salt does not fail")
}

/// Checks a password against a PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// 32 random bytes as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source is available");
    hex::encode(b)
}

/// SHA-256 hex of a token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new session for `user` lasting `ttl_ms` from `now`: the token to hand
/// out and the record to store (only the token's hash).
pub fn new_session(user: UserId, kind: SessionKind, now: i64, ttl_ms: i64) -> (String, Session) {
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user,
        kind,
        csrf: random_token(),
        created_at: now,
        expires_at: now + ttl_ms,
    };
    (token, session)
}

/// A new account.
#[derive(Debug, Clone, Default)]
pub struct AddUser {
    /// Login name.
    pub username: String,
    /// Password (at least 8 characters).
    pub password: String,
    /// `applicant`, `clerk`, `guide`, `agent`, `reviewer`, `hall_admin`,
    /// `department_admin` or `platform_admin`.
    pub role: String,
    /// The hall (window staff, hall admins).
    pub hall: Option<i64>,
    /// The department (reviewers, department admins).
    pub department: Option<i64>,
    /// Display name (defaults to the login name).
    pub display_name: Option<String>,
    /// An applicant's household registration region (户籍地).
    pub household_region: Option<String>,
}

/// Adds an account: every bad field is named at once; the hall or
/// department must exist and fit the role; who may add it is the one
/// authorisation rule's `ManageUsers`.
pub async fn add_user(app: &App, actor: &Actor, cmd: AddUser) -> AppResult<UserId> {
    let (role, scope) = check(app, &cmd).await?;
    actor.authorize(
        Action::ManageUsers {
            hall: scope.hall(),
            department: scope.department(),
        },
        &Trust::NONE,
    )?;
    let new = NewUser {
        display_name: cmd.display_name.unwrap_or_else(|| cmd.username.clone()),
        password_hash: hash_password(&cmd.password),
        role,
        scope,
        household_region: cmd.household_region.map(RegionCode),
        id_number: None,
        phone: None,
        username: cmd.username,
    };
    match app.store.create_user(&new).await {
        Ok(id) => Ok(id),
        Err(StoreError::Conflict(_)) => Err(AppError::field(
            "username",
            "username.exists",
            tongban_domain::text!("用户名 {name} 已存在", name = &new.username),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The role and scope the command names, each field checked.
async fn check(app: &App, cmd: &AddUser) -> AppResult<(Role, Scope)> {
    let mut errs = ValidationErrors::default();
    errs.check(validate_username("username", &cmd.username));
    errs.check(validate_password("password", &cmd.password, false));
    let role = Role::parse(&cmd.role);
    if role.is_none() {
        errs.push(FieldError::new("role", "role", "角色应为 applicant、clerk、guide、agent、reviewer、hall_admin、department_admin 或 platform_admin"));
    }
    let scope = match (role, cmd.hall, cmd.department) {
        (Some(Role::PlatformAdmin), None, None) => Scope::Platform,
        (_, Some(h), _) => Scope::Hall(HallId(h)),
        (_, _, Some(d)) => Scope::Department(DepartmentId(d)),
        _ => Scope::None,
    };
    if let Some(r) = role
        && let Err(m) = scope.fits(r)
    {
        errs.push(FieldError::new("role", "scope", m));
    }
    if let Some(h) = cmd.hall
        && app.store.hall(HallId(h)).await.is_err()
    {
        let msg = tongban_domain::text!("服务中心 {id} 不存在", id = h);
        errs.push(FieldError::new("hall", "not_found", msg));
    }
    if let Some(d) = cmd.department
        && !app.store.departments().await?.iter().any(|x| x.id.0 == d)
    {
        let msg = tongban_domain::text!("部门 {id} 不存在", id = d);
        errs.push(FieldError::new("department", "not_found", msg));
    }
    if let Some(r) = &cmd.household_region {
        if !app
            .store
            .regions()
            .await?
            .iter()
            .any(|x| x.code.as_str() == r)
        {
            let msg = tongban_domain::text!("行政区划 {code} 不存在", code = r);
            errs.push(FieldError::new("household_region", "not_found", msg));
        }
        if role != Some(Role::Applicant) {
            errs.push(FieldError::new(
                "household_region",
                "role",
                "仅申请人可登记户籍地",
            ));
        }
    }
    match role {
        Some(role) if errs.is_empty() => Ok((role, scope)),
        _ => Err(errs.into()),
    }
}
