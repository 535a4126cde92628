//! Registration for the online hall: a mobile number, the one-time code sent
//! to it, a name, a citizen ID number and a password make a real-name
//! applicant account (user name = the number).

use super::phone::{REGISTER, six_digit_code};
use super::{hash_password, token_hash};
use crate::{App, AppError, AppResult};
use serde::Deserialize;
use tongban_domain::user::{Role, Scope, validate_password};
use tongban_domain::validate::{IdNumber, mask_phone, validate_mobile};
use tongban_domain::{FieldError, ValidationErrors};
use tongban_store::{NewUser, StoreError};
use utoipa::ToSchema;

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

/// Creates an applicant account with the code sent to the number: every bad
/// field is named at once; an ID number or a mobile that has an account
/// already is refused. Answers the new account's user name (the number),
/// to sign in with.
pub async fn register(app: &App, r: &Registration) -> AppResult<String> {
    let (phone, id_number) = check(app, r)?;
    if app
        .store
        .applicant_by_id_number(&id_number)
        .await?
        .is_some()
    {
        return Err(AppError::Taken {
            code: "register.id_exists",
            message: "该身份证号已注册账号，请直接登录".into(),
            field: "id_number",
            field_message: "该身份证号已注册账号".into(),
        });
    }
    let user = NewUser {
        username: phone.clone(),
        display_name: r.name.trim().to_owned(),
        password_hash: hash_password(&r.password),
        role: Role::Applicant,
        scope: Scope::None,
        household_region: None,
        id_number: Some(id_number),
        phone: Some(phone.clone()),
    };
    create_with_code(app, &user, &phone, r.code.trim()).await?;
    tracing::info!(phone = %mask_phone(&phone), "applicant registered");
    Ok(phone)
}

/// The registration's fields, each checked: the mobile and the ID number
/// as stored.
fn check(app: &App, r: &Registration) -> AppResult<(String, String)> {
    let mut errs = ValidationErrors::default();
    let phone = errs.check(validate_mobile("phone", &r.phone));
    errs.check(six_digit_code(r.code.trim()));
    let name = r.name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        errs.push(FieldError::new(
            "name",
            "required",
            "请填写姓名（30字以内）",
        ));
    }
    let id_number = errs.check(id_number_of(app, &r.id_number));
    errs.check(validate_password("password", &r.password, false));
    errs.into_result(())?;
    let phone = phone.expect("validated");
    let id_number = id_number.expect("validated").as_str().to_owned();
    Ok((phone, id_number))
}

/// Creates the account if `code` is the number's latest code, using it up,
/// in one transaction.
async fn create_with_code(app: &App, user: &NewUser, phone: &str, code: &str) -> AppResult<()> {
    let now = app.now.ms();
    match (app.store)
        .register_with_code(user, phone, REGISTER, &token_hash(code), now)
        .await
    {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(AppError::field(
            "code",
            "register.code_wrong",
            "验证码不正确或已失效，请重新获取",
        )),
        Err(StoreError::Conflict(_)) => Err(AppError::Taken {
            code: "register.exists",
            message: "该手机号已注册，请直接登录".into(),
            field: "phone",
            field_message: "该手机号已注册".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// A citizen ID number (GB 11643), checked.
pub(super) fn id_number_of(app: &App, raw: &str) -> Result<IdNumber, FieldError> {
    tongban_domain::validate::validate_id_number(
        "id_number",
        raw,
        app.now.today(),
        tongban_domain::validate::is_province_code,
    )
}
