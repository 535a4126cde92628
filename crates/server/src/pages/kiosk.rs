//! Kiosk mode (E政务自助机): `/kiosk` marks the browser as a self-service
//! terminal (large type, touch-sized buttons, every page cleared after the
//! configured idle time), offers progress lookup, appointments, guides and
//! sign-in; `/kiosk/end` ends the session and clears the screen.

use super::{PageResult, page, pre_login_csrf_ok, pre_login_page};
use crate::AppState;
use crate::auth::{Ctx, SESSION_COOKIE, token_hash};
use crate::extract::Params;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use std::collections::HashMap;
use tongban_domain::authz::Action;

fn kiosk_cookie(state: &AppState) -> HeaderValue {
    let c = crate::auth::set_cookie(
        "tb_kiosk",
        "1",
        30 * 24 * 3600,
        true,
        state.settings.secure_cookies,
    );
    HeaderValue::from_str(&c).expect("ASCII cookie")
}

/// The kiosk's start screen; it marks this browser as a kiosk.
pub async fn home(State(state): State<AppState>, ctx: Ctx, p: Params) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let ctx = Ctx {
        kiosk: true,
        large: true,
        ..ctx
    };
    let mut res = page(
        &state,
        &ctx,
        "kiosk.html",
        "/kiosk",
        "",
        context! { title => crate::lang::t("自助终端"), view => "home", ended => p.get("ended").is_some(), idle => state.settings.kiosk_idle_seconds },
    )?;
    res.headers_mut()
        .append(header::SET_COOKIE, kiosk_cookie(&state));
    Ok(res)
}

/// Progress lookup by case number and verification code (no personal data shown).
pub async fn progress(State(state): State<AppState>, ctx: Ctx, p: Params) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let case_no = p.get("case_no").unwrap_or("").to_owned();
    let code = p.get("code").unwrap_or("").to_owned();
    let mut found = None;
    let mut error = None;
    if !case_no.is_empty() {
        match crate::codes::case_by_code(&state, &ctx, &case_no, &code).await? {
            Some(c) => {
                let lookups = crate::api::cases::Lookups::load(&state.app()).await?;
                let v = lookups.view(&c, false, vec![]);
                found = Some(context! {
                    item_name => &v.item_name, status_label => &v.status_label, department => &v.department.name,
                    accepted_on => &v.accepted_on, deadline => &v.deadline,
                });
            }
            None => error = Some(crate::lang::t("办件编号或查询验证码不正确")),
        }
    }
    page(
        &state,
        &ctx,
        "kiosk.html",
        "/kiosk/progress",
        "",
        context! { title => crate::lang::t("办件进度查询"), view => "progress", case_no, code, p => found, error },
    )
}

/// Ends the kiosk session (if someone signed in) and clears the screen.
pub async fn end(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> impl IntoResponse {
    if let Some(s) = &ctx.session {
        let _ = state.store.delete_session(&s.token_hash).await;
    } else if let Some(t) = crate::auth::cookie(&headers, SESSION_COOKIE) {
        let _ = state.store.delete_session(&token_hash(t)).await;
    }
    let secure = state.settings.secure_cookies;
    let mut res = Redirect::to("/kiosk?ended=1").into_response();
    // The next person starts signed out, and in the default language.
    for name in [SESSION_COOKIE, crate::lang::LANG_COOKIE] {
        let clear = crate::auth::set_cookie(name, "", 0, true, secure);
        if let Ok(v) = HeaderValue::from_str(&clear) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res.headers_mut()
        .append(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Where the kiosk's sign-in stands: asking for the ID number, or for the code.
struct LoginStep<'a> {
    id_number: &'a str,
    code_sent: bool,
    error: Option<String>,
    status: StatusCode,
}

impl LoginStep<'_> {
    /// The form's token did not match: ask again.
    fn expired(self) -> Self {
        Self {
            error: Some(crate::lang::t("页面已过期，请重新提交")),
            status: StatusCode::FORBIDDEN,
            ..self
        }
    }
}

/// The ID number typed or read from the card.
fn id_of(form: &HashMap<String, String>) -> String {
    form.get("id_number")
        .map(|s| s.trim().to_ascii_uppercase())
        .unwrap_or_default()
}

fn render_login(state: &AppState, ctx: &Ctx, headers: &HeaderMap, s: LoginStep<'_>) -> PageResult {
    let ctx = Ctx {
        kiosk: true,
        large: true,
        ..ctx.clone()
    };
    pre_login_page(state, headers, s.status, |token| {
        page(
            state,
            &ctx,
            "kiosk.html",
            "/kiosk/login",
            "",
            context! {
                title => crate::lang::t("身份证登录"), view => "login", form_csrf => token, error => s.error,
                code_sent => s.code_sent, id_number => s.id_number,
                id_masked => tongban_domain::validate::mask_id_number(s.id_number),
            },
        )
    })
}

/// The kiosk's sign-in by ID number and a code sent to the account's mobile.
pub async fn login_form(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    render_login(
        &state,
        &ctx,
        &headers,
        LoginStep {
            id_number: "",
            code_sent: false,
            error: None,
            status: StatusCode::OK,
        },
    )
}

/// Sends the code for the ID number (the same answer whether or not an
/// account has it).
pub async fn login_code(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let id = id_of(&form);
    let mut step = LoginStep {
        id_number: &id,
        code_sent: false,
        error: None,
        status: StatusCode::OK,
    };
    if !pre_login_csrf_ok(&ctx, &headers, &form) {
        return render_login(&state, &ctx, &headers, step.expired());
    }
    match crate::api::register::kiosk_code(&state, &ctx, &id).await {
        Ok(()) => step.code_sent = true,
        Err(e) if e.status.is_client_error() => {
            step.error = Some(e.message_in(ctx.lang));
            step.status = e.status;
        }
        Err(e) => return Err(e.into()),
    }
    render_login(&state, &ctx, &headers, step)
}

/// Checks the code and signs in; the session is short and the screen still
/// clears itself when left alone.
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let id = id_of(&form);
    let code = form.get("code").cloned().unwrap_or_default();
    let mut step = LoginStep {
        id_number: &id,
        code_sent: true,
        error: None,
        status: StatusCode::OK,
    };
    if !pre_login_csrf_ok(&ctx, &headers, &form) {
        return render_login(&state, &ctx, &headers, step.expired());
    }
    match crate::api::register::kiosk_sign_in(&state, &ctx, &id, &code).await {
        Ok((_, token)) => {
            let ttl = crate::api::register::KIOSK_TTL_MS;
            let mut res = super::signed_in(&state, "/work", (&token, ttl), None)?;
            (res.headers_mut()).append(header::SET_COOKIE, kiosk_cookie(&state));
            Ok(res)
        }
        Err(e) if e.status.is_client_error() => {
            step.error = Some(e.message_in(ctx.lang));
            step.status = e.status;
            render_login(&state, &ctx, &headers, step)
        }
        Err(e) => Err(e.into()),
    }
}

/// The self-service terminal's pages.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/kiosk", get(home))
        .route("/kiosk/progress", get(progress))
        .route("/kiosk/end", get(end))
        .route("/kiosk/login", get(login_form).post(login))
        .route("/kiosk/login/code", post(login_code))
}
