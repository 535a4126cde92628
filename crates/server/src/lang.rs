//! The caller's language: the `tb_lang` cookie the pages' language switch
//! sets, or — for the API, and for a page when there is no cookie — the
//! `Accept-Language` header only when it is asked for through the API;
//! zh-CN otherwise. One middleware decides it per request and keeps it for
//! everything that renders the answer (error bodies, pages, documents).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tongban_domain::i18n::Lang;

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "tb_lang";

tokio::task_local! {
    static LANG: Lang;
}

/// The language of the request being answered (zh-CN outside one).
pub fn current() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Runs `f` with `lang` as the current language (work moved off the
/// request's task, e.g. rendering a PDF on a blocking thread).
pub fn scope<R>(lang: Lang, f: impl FnOnce() -> R) -> R {
    LANG.sync_scope(lang, f)
}

/// The language a request asks for: the API honours `Accept-Language`
/// first, then the cookie; a page honours the cookie only, so zh-CN stays
/// every browser's default until its user switches.
pub fn of_request(path: &str, headers: &HeaderMap) -> Lang {
    let from_cookie = crate::auth::cookie(headers, LANG_COOKIE).and_then(Lang::parse);
    let from_header = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language);
    if path.starts_with("/api/") {
        from_header.or(from_cookie).unwrap_or_default()
    } else {
        from_cookie.unwrap_or_default()
    }
}

/// The middleware: decides the language, answers in it, and says so in
/// `Content-Language`.
pub async fn layer(mut req: Request, next: Next) -> Response {
    let lang = of_request(req.uri().path(), req.headers());
    req.extensions_mut().insert(lang);
    let mut res = LANG.scope(lang, next.run(req)).await;
    res.headers_mut()
        .entry(header::CONTENT_LANGUAGE)
        .or_insert(HeaderValue::from_static(lang.as_str()));
    res.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    res
}

/// `key` in the current language.
pub fn t(key: &str) -> String {
    tongban_domain::i18n::tr(current(), key).into_owned()
}
