//! Server-rendered zh-CN pages. They work without JavaScript, carry a 大字
//! (large text, high contrast) toggle, and authorise through the same
//! [`Ctx::authorize`] as the API.

use crate::AppState;
use crate::api::catalogue::search_filter;
use crate::auth::{CSRF_COOKIE, Ctx, SESSION_COOKIE, cookie, random_token, set_cookie, sign_in};
use crate::error::ApiError;
use crate::extract::{Params, percent_encode};
use axum::Form;
use axum::Router;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use std::collections::HashMap;
use std::sync::LazyLock;
use tongban_domain::authz::Action;
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::city::{DepartmentKind, RegionLevel};
use tongban_domain::guide::Answers;
use tongban_domain::tongban::Mode;
use tongban_store::SessionKind;

pub mod appointments;
pub mod city;
mod extract;
pub mod kiosk;
pub mod list_batches;
pub mod manuals;
pub mod outbox;
pub mod trust;
pub mod work;

pub(crate) use extract::{CsrfForm, SignedPage};

/// `(name, source)` of each template, built into the binary.
macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

/// The compiled page templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// Loads the embedded templates (names end in `.html`, so output is escaped).
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, src) in embedded![
            "base.html",
            "home.html",
            "search.html",
            "item.html",
            "list.html",
            "city.html",
            "staff.html",
            "rollout.html",
            "halls.html",
            "login.html",
            "error.html",
            "work.html",
            "bulk.html",
            "work_new.html",
            "work_case.html",
            "print.html",
            "grants.html",
            "rate_form.html",
            "rectifications.html",
            "appointments.html",
            "appointment_book.html",
            "audit.html",
            "outbox.html",
            "list_batches.html",
            "list_batch.html",
            "list_batch_public.html",
            "register.html",
            "kiosk.html",
            "manuals.html",
            "manual_hall.html",
            "manual_item.html",
            "doc_slip.html",
            "doc_letter.html",
            "progress.html",
        ] {
            env.add_template(name, src)
                .expect("embedded templates parse");
        }
        env.add_function("t", translate);
        env.add_filter("t", translate);
        Self { env }
    }

    /// Renders a template.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, ApiError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(ApiError::internal)
    }
}

/// `t("共{n}件", n=total)` and `label|t`: the key in the page's language
/// (its `lang`, else the request's), each `{name}` filled from the keyword
/// arguments.
fn translate(
    state: &minijinja::State,
    key: Value,
    kwargs: minijinja::value::Kwargs,
) -> Result<String, minijinja::Error> {
    let lang = (state.lookup("lang"))
        .and_then(|v| v.as_str().and_then(tongban_domain::i18n::Lang::parse))
        .unwrap_or_else(crate::lang::current);
    // A missing value (an optional label) shows as nothing, as `{{ x }}` would.
    if key.is_undefined() || key.is_none() {
        return Ok(String::new());
    }
    let key = key.to_string();
    let template = tongban_domain::i18n::tr(lang, &key);
    let mut args: Vec<(String, String)> = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        args.push((name.to_string(), v.to_string()));
    }
    kwargs.assert_all_used()?;
    if args.is_empty() {
        return Ok(template.into_owned());
    }
    Ok(tongban_domain::i18n::fill(&template, |n| {
        args.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone())
    }))
}

static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::new);

/// An error shown as a page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

/// An application error with no refusal to record (a refusal goes through
/// `Ctx::fail`, which attaches its audit event).
impl From<tongban_app::AppError> for PageError {
    fn from(e: tongban_app::AppError) -> Self {
        PageError(e.into())
    }
}

impl From<tongban_store::StoreError> for PageError {
    fn from(e: tongban_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if e.status == StatusCode::UNAUTHORIZED {
            return Redirect::to("/login").into_response();
        }
        let title = match e.status {
            StatusCode::NOT_FOUND => crate::lang::t("页面不存在"),
            StatusCode::FORBIDDEN => crate::lang::t("无权访问"),
            s if s.is_client_error() => crate::lang::t("请求有误"),
            _ => crate::lang::t("服务暂不可用"),
        };
        let lang = crate::lang::current();
        let message = e.message_in(lang);
        let body = TEMPLATES
            .render(
                "error.html",
                context! { title, message => &message, large => false, path => "/", nav => "", lang => lang.as_str() },
            )
            .unwrap_or_else(|_| message.clone());
        let mut res = (e.status, Html(body)).into_response();
        if let Some(a) = e.audit {
            res.extensions_mut().insert(crate::audit::Pending(a));
        }
        if let Some(s) = e.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// An error a page shows in place instead of answering with it: the audit
/// event it carries (a denial) is recorded here, since no response will
/// carry it to the audit layer, and its message is returned with every
/// field's complaint.
pub(crate) async fn shown_in_place(state: &AppState, e: &mut ApiError) -> String {
    crate::audit::keep(state, e).await;
    error_text(e)
}

fn error_text(e: &ApiError) -> String {
    let lang = crate::lang::current();
    let mut msg = e.message_in(lang);
    for (f, m) in e.fields_in(lang) {
        if !msg.contains(m.as_str()) {
            msg.push_str(&match lang {
                tongban_domain::i18n::Lang::ZhCn => format!("（{f}：{m}）"),
                _ => format!(" ({f}: {m})"),
            });
        }
    }
    msg
}

/// Where to send a caller who is not signed in: the sign-in page, coming back here.
pub(crate) fn login_redirect(ctx: &Ctx, uri: &OriginalUri) -> Option<Response> {
    ctx.user.is_none().then(|| {
        Redirect::to(&format!("/login?next={}", percent_encode(&uri.to_string()))).into_response()
    })
}

/// The page routes: the public pages here, each area's from its module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/items", get(search))
        .route("/items/{code}", get(item))
        .route("/items/{code}/guide-map.svg", get(guide_map_svg))
        .route("/items/{code}/guide-map.pdf", get(guide_map_pdf))
        .route("/list", get(tongban_list))
        .route("/list/batches/{no}", get(list_batches::public))
        .route("/halls", get(halls))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/register", get(register_form).post(register))
        .route("/register/code", post(register_code))
        .route("/prefs/large", get(large_toggle))
        .route("/prefs/lang", get(lang_switch))
        .route("/static/i18n.en.js", get(js_english))
        .route("/progress", get(progress))
        .route("/progress/evaluation", post(rate_by_code))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/static/suggest.js", get(suggest_js))
        .route("/static/favicon.svg", get(favicon))
        .route(
            "/favicon.ico",
            get(|| async { Redirect::permanent("/static/favicon.svg") }),
        )
        .merge(work::routes())
        .merge(kiosk::routes())
        .merge(appointments::routes())
        .merge(list_batches::routes())
        .merge(manuals::routes())
        .merge(trust::routes())
        .merge(city::routes())
        .merge(outbox::routes())
}

/// 404 for any unknown path.
pub async fn not_found(uri: OriginalUri) -> Response {
    if uri.path().starts_with("/api/") {
        return ApiError::not_found().into_response();
    }
    PageError(ApiError::not_found()).into_response()
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    path: &str,
    nav: &str,
    extra: Value,
) -> PageResult {
    // An applicant's menu says "my cases": his list holds his own.
    let own = matches!(
        tongban_domain::authz::case_visibility(ctx.actor),
        tongban_domain::authz::CaseVisibility::Applicant(_)
    );
    let user = (ctx.user.as_ref()).map(|u| {
        context! { display_name => &u.display_name, role_label => u.role.label(), applicant => own }
    });
    // Menu entries only for those who may use them (asked quietly: not an attempt).
    let may = |a| {
        tongban_domain::authz::authorize(ctx.actor, a, &tongban_domain::authz::Trust::NONE).is_ok()
    };
    let base = context! {
        user, large => &ctx.large, lang => ctx.lang.as_str(),
        other_lang => if ctx.lang == tongban_domain::i18n::Lang::En { "zh-CN" } else { "en" },
        other_lang_name => if ctx.lang == tongban_domain::i18n::Lang::En { "中文" } else { "English" }, kiosk => &ctx.kiosk, csrf => ctx.csrf(), path, nav,
        can_grants => ctx.user.is_some() && may(Action::ReadGrants),
        can_audit => may(Action::ReadAudit),
        can_manuals => ctx.user.is_some() && may(Action::ReadManuals),
        can_outbox => may(Action::ManageOutbox),
        can_city => may(Action::ManageCity),
        can_rollout => may(Action::ReadRollout),
        can_staff => ctx.user.as_ref().is_some_and(|u| may(Action::ManageUsers { hall: u.scope.hall(), department: u.scope.department() })),
        can_list_batches => may(Action::ManageListBatches),
        idle => if ctx.kiosk { state.settings.kiosk_idle_seconds } else { 0 },
        devices => state.settings.device_service.as_deref(),
    };
    let html = state.templates.render(name, context! { ..extra, ..base })?;
    Ok(Html(html).into_response())
}

fn kinds() -> Vec<Value> {
    DepartmentKind::ALL
        .iter()
        .map(|k| context! { id => k.as_str(), label => k.label() })
        .collect()
}

fn stars(n: u8) -> String {
    let n = usize::from(n.min(5));
    format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
}

fn mode_labels(m: &[Mode]) -> Vec<&'static str> {
    m.iter().map(|x| x.label()).collect()
}

fn level_labels(l: &[RegionLevel]) -> Vec<&'static str> {
    l.iter().map(|x| x.label()).collect()
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let index = state
        .catalogue
        .index(state.store.as_ref(), state.now.today())
        .await?;
    let docs = index.docs();
    let listed: Vec<_> = docs.iter().filter(|d| !d.modes.is_empty()).collect();
    let online = listed
        .iter()
        .filter(|d| d.modes.contains(&Mode::Online) || d.summary.online_stars >= 5)
        .count();
    let halls = state.store.halls().await?.len();
    let share = if listed.is_empty() {
        0
    } else {
        online * 100 / listed.len()
    };
    let stats = context! {
        items => docs.len(), listed => listed.len(), halls, online_share => format!("{share}%"),
    };
    let hot = [
        "身份证",
        "社保卡",
        "公积金提取",
        "结婚登记",
        "营业执照",
        "不动产登记",
        "医保",
        "户口迁移",
    ];
    page(
        &state,
        &ctx,
        "home.html",
        "/",
        "",
        context! { title => crate::lang::t("首页"), stats, hot, kinds => kinds() },
    )
}

async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
    uri: OriginalUri,
) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let q: String = p.get("q").unwrap_or("").chars().take(100).collect();
    // Bad filters on a page are shown, not fatal.
    let (filter, error) = match search_filter(&p) {
        Ok(f) => (f, None),
        Err(e) => (Default::default(), Some(e.message_in(ctx.lang))),
    };
    let per = 20;
    let page_no = (p.get("page").and_then(|v| v.parse::<usize>().ok())).map_or(1, |n| n.max(1));
    let (docs, total) = state
        .catalogue
        .search(
            state.store.as_ref(),
            state.now.today(),
            &q,
            &filter,
            per,
            (page_no - 1) * per,
        )
        .await?;
    let rows: Vec<Value> = docs.iter().map(search_row).collect();
    let events = tongban_app::catalogue::life_events(
        &state.catalogue,
        state.store.as_ref(),
        state.now.today(),
        &q,
    )
    .await?;
    let pages = total.div_ceil(per);
    let prev = (page_no > 1).then(|| page_link(&p, page_no - 1));
    let next = (page_no < pages).then(|| page_link(&p, page_no + 1));
    let modes: Vec<Value> = (Mode::ALL.iter())
        .map(|m| context! { id => m.as_str(), label => m.label() })
        .collect();
    let values = context! {
        title => if q.is_empty() { crate::lang::t("事项目录") } else { tongban_domain::text!("搜索：{q}", q = q.clone()).render(ctx.lang) },
        q, rows, total, pages => if pages > 1 { pages } else { 0 }, page => page_no, prev, next,
        kinds => kinds(), modes, error, events,
        kind => filter.department_kind.map(|k| k.as_str()), mode => filter.mode.map(|m| m.as_str()),
    };
    page(
        &state,
        &ctx,
        "search.html",
        &uri.to_string(),
        "items",
        values,
    )
}

/// A search hit, in words.
fn search_row(d: &tongban_domain::search::SearchDoc) -> Value {
    let s = &d.summary;
    context! {
        code => s.code.as_str(), name => &s.name, department_kind_label => s.department_kind.label(),
        instant => &s.instant, promised_days => &s.promised_days, online_stars => &s.online_stars,
        stars => stars(s.online_stars), mode_labels => mode_labels(&d.modes), aliases => &d.aliases,
    }
}

/// The search's page `n`, with the same words and filters.
fn page_link(p: &Params, n: usize) -> String {
    let mut parts: Vec<String> =
        p.0.iter()
            .filter(|(k, v)| k.as_str() != "page" && !v.is_empty())
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
    parts.sort();
    parts.push(format!("page={n}"));
    format!("/items?{}", parts.join("&"))
}

pub(crate) fn material_value(m: &MaterialSpec) -> Value {
    Value::from(Serde(tongban_app::guide::MaterialLine::from(m)))
}

async fn item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    p: Params,
    uri: OriginalUri,
) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let answers: Answers =
        p.0.iter()
            .filter_map(|(k, val)| k.strip_prefix("a.").map(|q| (q.to_owned(), val.clone())))
            .filter(|(_, val)| !val.is_empty())
            .collect();
    let (go, show) = (p.get("go").is_some(), p.get("show").is_some());
    let g = tongban_app::catalogue::item_guide(&state.app(), &code, answers, go, show)
        .await
        .map_err(|e| ctx.fail(e))?;
    let (v, c) = (&g.version, &g.version.content);
    let listing = g.listing.as_ref().map(|e| {
        context! { mode_labels => mode_labels(&e.modes), level_labels => level_labels(&e.levels), batch => &e.batch }
    });
    let implementations: Vec<Value> = (g.implementations.iter())
        .map(|i| context! { department_name => &i.department_name })
        .collect();
    let values = context! {
        title => &c.name, item => item_value(c), version => &v.version,
        published_at => v.published_at.get(..10).unwrap_or(""),
        materials => c.materials.iter().map(material_value).collect::<Vec<_>>(),
        map_alt => tongban_app::guide_map::summary(&tongban_app::guide_map::GuideMapSource { version: g.version.clone(), listing: g.listing.clone() }),
        answers => &g.answers, listing, implementations, aliases => &g.aliases, next => Value::from(Serde(&g.next)),
        ..Value::from(Serde(&g.guide))
    };
    page(&state, &ctx, "item.html", &uri.to_string(), "items", values)
}

/// An item's 审批导图 as SVG (shown on its page).
async fn guide_map_svg(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> PageResult {
    guide_map_page(&state, &ctx, &headers, &code, crate::guide_map::Format::Svg).await
}

/// An item's 审批导图 as an A4 PDF (下载审批导图).
async fn guide_map_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> PageResult {
    guide_map_page(&state, &ctx, &headers, &code, crate::guide_map::Format::Pdf).await
}

/// The drawing, or the error page of the item page (404 for an unknown item).
async fn guide_map_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    code: &str,
    format: crate::guide_map::Format,
) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let src = tongban_app::guide_map::load(&state.app(), code)
        .await
        .map_err(|e| ctx.fail(e))?;
    let layout = crate::guide_map::layout(&src);
    Ok(crate::guide_map::respond(&layout, format, headers))
}

/// An item's standard elements, in words.
fn item_value(c: &tongban_domain::catalogue::ItemContent) -> Value {
    context! {
        code => c.code.as_str(), name => &c.name, department_kind_label => c.department_kind.label(),
        item_type_label => c.item_type.label(), level_label => c.level.label(),
        jurisdiction_label => c.jurisdiction.label(), legal_basis => &c.legal_basis, conditions => &c.conditions,
        legal_days => &c.legal_days, promised_days => &c.promised_days, instant => &c.instant, fee => &c.fee,
        online_stars => &c.online_stars, max_visits => &c.max_visits, result_type_label => c.result_type.label(),
        result_name => &c.result_name, steps => &c.steps,
    }
}

async fn tongban_list(State(state): State<AppState>, ctx: Ctx, p: Params) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let list = tongban_app::list_batches::public_list(&state.app(), p.get("day"))
        .await
        .map_err(|e| ctx.fail(e))?;
    // The entries grouped by the batch that put them in force, in order.
    let groups: Vec<Value> = list
        .batches
        .iter()
        .filter(|b| b.effective.as_str() <= list.day.as_str())
        .filter_map(|b| {
            let rows: Vec<Value> = (list.entries.iter())
                .filter(|e| e.batch == b.no)
                .map(|e| context! { places => e.places.iter().map(|p| place_words(p)).collect::<Vec<_>>(), ..Value::from(Serde(e)) })
                .collect();
            (!rows.is_empty()).then(|| {
                context! { no => b.no, name => &b.name, effective => &b.effective, published => &b.published, rows }
            })
        })
        .collect();
    let upcoming: Vec<_> = (list.batches.iter())
        .filter(|b| b.effective.as_str() > list.today.as_str())
        .map(|b| context! { no => b.no, name => &b.name, effective => &b.effective })
        .collect();
    page(
        &state,
        &ctx,
        "list.html",
        "/list",
        "list",
        context! {
            title => crate::lang::t("全域通办清单"), groups, upcoming, day => &list.day, today => &list.today,
            total => list.entries.len(), history => list.day != list.today,
        },
    )
}

/// A place of the list: a level's label in the page's language, a named
/// hall (data) as it is.
fn place_words(p: &str) -> String {
    if tongban_domain::i18n::has_english(p) {
        crate::lang::t(p)
    } else {
        p.to_owned()
    }
}

async fn halls(State(state): State<AppState>, ctx: Ctx, p: Params, uri: OriginalUri) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let ask = tongban_app::halls::DirectoryQuery {
        q: p.get("q").unwrap_or("").to_owned(),
        near: p.get("near").filter(|v| !v.is_empty()).map(str::to_owned),
        item: p.get("item").filter(|v| !v.is_empty()).map(str::to_owned),
    };
    let dir = tongban_app::halls::directory(&state.app(), ask).await?;
    let values = context! { title => crate::lang::t("服务大厅"), ..Value::from(Serde(&dir)) };
    page(
        &state,
        &ctx,
        "halls.html",
        &uri.to_string(),
        "halls",
        values,
    )
}

/// A safe local redirect target: a path on this origin, or `/`.
///
/// Browsers drop TAB, CR and LF from a URL and read `\\` as `/`, so
/// `/\t/evil.example` would leave the site: only visible ASCII is accepted
/// (non-ASCII arrives percent-encoded), and the path must not begin with a
/// second slash (no scheme, no authority). Anything else falls back to `/`,
/// which also keeps every target a valid `Location` header.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    p: Params,
) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    render_login(
        &state,
        &ctx,
        &headers,
        &local_path(p.get("next")),
        "",
        None,
        StatusCode::OK,
    )
}

fn render_login(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    next: &str,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    pre_login_page(state, headers, status, |token| {
        page(
            state,
            ctx,
            "login.html",
            "/login",
            "",
            context! { title => crate::lang::t("登录"), form_csrf => token, next, username, error },
        )
    })
}

/// A page with a form posted before sign-in (sign-in, registration): the
/// form carries the double-submit CSRF token, set as a cookie if the
/// browser has none yet.
pub(crate) fn pre_login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    render: impl FnOnce(&str) -> PageResult,
) -> PageResult {
    let existing = cookie(headers, CSRF_COOKIE).map(str::to_owned);
    let token = existing.clone().unwrap_or_else(random_token);
    let mut res = render(&token)?;
    *res.status_mut() = status;
    if existing.is_none() {
        let c = set_cookie(
            CSRF_COOKIE,
            &token,
            3600,
            true,
            state.settings.secure_cookies,
        );
        res.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_str(&c).map_err(ApiError::internal)?,
        );
    }
    Ok(res)
}

/// Whether a form posted before sign-in carries the double-submit token.
pub(crate) fn pre_login_csrf_ok(
    ctx: &Ctx,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> bool {
    Ctx {
        session: None,
        ..ctx.clone()
    }
    .check_csrf(headers, form.get("csrf").map(String::as_str))
    .is_ok()
}

/// The registration page (pre-login CSRF double-submit, as on sign-in).
fn render_register(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    phone: &str,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    pre_login_page(state, headers, status, |token| {
        page(
            state,
            ctx,
            "register.html",
            "/register",
            "",
            context! { title => crate::lang::t("注册"), form_csrf => token, phone, error, notice },
        )
    })
}

async fn register_form(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    render_register(&state, &ctx, &headers, "", None, None, StatusCode::OK)
}

async fn register_code(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let phone = form.get("phone").map_or("", |s| s.trim()).to_owned();
    let again = |error: Option<String>, notice: Option<String>, status| {
        render_register(&state, &ctx, &headers, &phone, error, notice, status)
    };
    if !pre_login_csrf_ok(&ctx, &headers, &form) {
        return again(
            Some(crate::lang::t("页面已过期，请重新提交")),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    match crate::api::register::send_code(&state, &ctx, &phone).await {
        Ok(sent) => {
            let notice =
                tongban_domain::text!("验证码已发送至 {phone}，5分钟内有效", phone = sent.phone)
                    .render(ctx.lang);
            again(None, Some(notice), StatusCode::OK)
        }
        Err(e) if e.status.is_client_error() => again(Some(e.message_in(ctx.lang)), None, e.status),
        Err(e) => Err(e.into()),
    }
}

async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let phone = get("phone").trim().to_owned();
    if !pre_login_csrf_ok(&ctx, &headers, &form) {
        return render_register(
            &state,
            &ctx,
            &headers,
            &phone,
            Some(crate::lang::t("页面已过期，请重新提交")),
            None,
            StatusCode::FORBIDDEN,
        );
    }
    let body = crate::api::register::Registration {
        phone: phone.clone(),
        code: get("code"),
        name: get("name"),
        id_number: get("id_number"),
        password: get("password"),
    };
    match crate::api::register::register_account(&state, &ctx, &body, SessionKind::Cookie).await {
        Ok((_, token, _)) => signed_in(&state, "/work", (&token, crate::auth::COOKIE_TTL_MS), None),
        Err(mut e) if e.status.is_client_error() => {
            let msg = shown_in_place(&state, &mut e).await;
            render_register(&state, &ctx, &headers, &phone, Some(msg), None, e.status)
        }
        Err(e) => Err(e.into()),
    }
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    let next = local_path(form.get("next").map(String::as_str));
    let username = form.get("username").map_or("", |s| s.trim()).to_owned();
    let password = form.get("password").cloned().unwrap_or_default();
    let again = |msg: &str, status| {
        render_login(
            &state,
            &ctx,
            &headers,
            &next,
            &username,
            Some(msg.into()),
            status,
        )
    };
    // Signing in replaces any session; check the pre-login double-submit token.
    if !pre_login_csrf_ok(&ctx, &headers, &form) {
        return again(
            &crate::lang::t("页面已过期，请重新提交"),
            StatusCode::FORBIDDEN,
        );
    }
    if username.is_empty() || password.is_empty() {
        return again(
            &crate::lang::t("请填写用户名和密码"),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match sign_in(&state, &ctx, &username, &password, SessionKind::Cookie).await {
        Ok((_, token, _)) => {
            let device = crate::auth::remember_device(&state, &ctx, &username).await?;
            signed_in(
                &state,
                &next,
                (&token, crate::auth::COOKIE_TTL_MS),
                Some(device),
            )
        }
        Err(e) => again(&e.message_in(ctx.lang), e.status),
    }
}

/// Where a browser goes once signed in, with its session cookie (and the
/// trusted-device cookie of a sign-in by password).
pub(crate) fn signed_in(
    state: &AppState,
    to: &str,
    (token, ttl_ms): (&str, i64),
    device: Option<String>,
) -> PageResult {
    let secure = state.settings.secure_cookies;
    let session = set_cookie(SESSION_COOKIE, token, ttl_ms / 1000, true, secure);
    let mut res = Redirect::to(to).into_response();
    for c in std::iter::once(session).chain(device) {
        let v = HeaderValue::from_str(&c).map_err(ApiError::internal)?;
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    if ctx.session.is_some() {
        ctx.check_csrf(&headers, form.get("csrf").map(String::as_str))?;
        if let Some(s) = &ctx.session {
            state.store.delete_session(&s.token_hash).await?;
        }
    }
    redirect_setting(&state, "/", SESSION_COOKIE, "", 0)
}

/// A redirect to `to` that sets the cookie `name` (`max_age` seconds; 0
/// clears it).
fn redirect_setting(
    state: &AppState,
    to: &str,
    name: &str,
    value: &str,
    max_age: i64,
) -> PageResult {
    let mut res = Redirect::to(to).into_response();
    let c = set_cookie(name, value, max_age, true, state.settings.secure_cookies);
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&c).map_err(ApiError::internal)?,
    );
    Ok(res)
}

/// How long a page preference (large text, language) is kept.
const PREFERENCE_SECONDS: i64 = 365 * 24 * 3600;

async fn large_toggle(State(state): State<AppState>, p: Params) -> PageResult {
    let on = p.get("on") == Some("1");
    let back = local_path(p.get("back"));
    let value = if on { "1" } else { "0" };
    redirect_setting(&state, &back, "tb_large", value, PREFERENCE_SECONDS)
}

/// The language switch: keeps the choice in a cookie and goes back.
async fn lang_switch(State(state): State<AppState>, p: Params) -> PageResult {
    let lang = p
        .get("to")
        .and_then(tongban_domain::i18n::Lang::parse)
        .unwrap_or_default();
    let back = local_path(p.get("back"));
    let (name, value) = (crate::lang::LANG_COOKIE, lang.as_str());
    redirect_setting(&state, &back, name, value, PREFERENCE_SECONDS)
}

/// The English of the scripts' messages (`window.TB_I18N`), for pages in English.
async fn js_english() -> impl IntoResponse {
    static JS: LazyLock<String> = LazyLock::new(|| {
        let table = tongban_domain::i18n::english_files()
            .find(|(n, _)| *n == "js")
            .map(|(_, t)| t)
            .unwrap_or_default();
        let json = serde_json::to_string(&table).unwrap_or_else(|_| "{}".into());
        format!("window.TB_I18N = {json};\n")
    });
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        JS.as_str(),
    )
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../static/app.js"),
    )
}

async fn suggest_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../../static/suggest.js"),
    )
}

async fn favicon() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
    )
}

/// The public progress page: case number and verification code show the
/// status and dates — never the applicant or anything personal.
/// The 好差评 form for a case, or the rating given, or nothing while the
/// case may not be rated yet.
pub(crate) async fn rate_form(
    state: &AppState,
    c: &tongban_store::CaseRecord,
    action: &str,
    code: &str,
) -> Result<Option<Value>, PageError> {
    let done = crate::api::evaluations::of_case(&state.app(), c).await?;
    let (channel, open) = crate::api::evaluations::channel_of(c);
    if done.is_none() && !open {
        return Ok(None);
    }
    let dims: Vec<Value> = channel
        .dimensions()
        .iter()
        .map(|&(key, name)| context! { key, name })
        .collect();
    let mut hidden = std::collections::BTreeMap::new();
    hidden.insert("case_no", c.case_no.clone());
    if !code.is_empty() {
        hidden.insert("code", code.to_owned());
    }
    Ok(Some(context! {
        action, dims, hidden,
        grades => [5u8, 4, 3, 2, 1].map(|g| context! { value => g, label => tongban_domain::evaluation::grade_label(g) }),
        done => done.map(|d| context! { overall_label => d.overall_label, comment => d.comment, rectification => d.rectification }),
    }))
}

/// The grades and comment of a posted 好差评 form.
pub(crate) fn rate_body(p: &HashMap<String, String>) -> crate::api::evaluations::RateBody {
    crate::api::evaluations::RateBody {
        grades: p
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("g.")?.to_owned(), v.parse().ok()?)))
            .collect(),
        comment: p.get("comment").cloned().unwrap_or_default(),
        code: p.get("code").cloned(),
    }
}

/// Rates a case from the progress page (with its verification code).
async fn rate_by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    axum::Form(p): axum::Form<HashMap<String, String>>,
) -> PageResult {
    // Without an account, the verification code is the proof (see the API).
    if ctx.session.is_some() {
        ctx.check_csrf(&headers, p.get("csrf").map(String::as_str))?;
    }
    let case_no = p.get("case_no").cloned().unwrap_or_default();
    let code = p.get("code").cloned().unwrap_or_default();
    let back = format!(
        "/progress?case_no={}&code={}",
        crate::extract::percent_encode(&case_no),
        crate::extract::percent_encode(&code)
    );
    match crate::api::evaluations::rate(&state, &ctx, &case_no, &rate_body(&p)).await {
        Ok(_) => Ok(Redirect::to(&format!("{back}&rated=1")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = shown_in_place(&state, &mut e).await;
            Err(PageError(crate::error::ApiError::new(
                e.status, e.code, msg,
            )))
        }
        Err(e) => Err(e.into()),
    }
}

async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    p: Params,
    uri: OriginalUri,
) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let case_no = p.get("case_no").unwrap_or("").to_owned();
    let code = p.get("code").unwrap_or("").to_owned();
    let (mut found, mut rate, mut status) = (None, None, StatusCode::OK);
    if !case_no.is_empty() || !code.is_empty() {
        // The same answer whether the number or the code is wrong.
        status = StatusCode::NOT_FOUND;
        if let Some(c) = crate::codes::case_by_code(&state, &ctx, &case_no, &code).await? {
            (found, status) = (Some(progress_value(&state, &c).await?), StatusCode::OK);
            rate = rate_form(&state, &c, "/progress/evaluation", &code).await?;
        }
    }
    let error =
        (status == StatusCode::NOT_FOUND).then(|| crate::lang::t("办件编号或查询验证码不正确"));
    let notice = p.get("rated").map(|_| crate::lang::t("感谢您的评价！"));
    let values = context! { title => crate::lang::t("办件进度查询"), case_no, code, p => found, error, rate, notice };
    let mut res = page(&state, &ctx, "progress.html", &uri.to_string(), "", values)?;
    *res.status_mut() = status;
    Ok(res)
}

/// Where a case found by its verification code stands, in a person's words.
async fn progress_value(
    state: &AppState,
    c: &tongban_store::CaseRecord,
) -> Result<Value, PageError> {
    let lookups = crate::api::cases::Lookups::load(&state.app()).await?;
    let v = lookups.view(c, false, state.store.case_events(c.id).await?);
    Ok(Value::from(Serde(
        tongban_app::cases::words::progress_view(&v, c),
    )))
}
