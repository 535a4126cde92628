//! The pages' extractors: a signed-in caller (anonymous ones are sent to
//! sign in, coming back where they were) and a form whose CSRF token is
//! checked before the handler sees it.

use super::PageError;
use crate::AppState;
use crate::auth::{Ctx, Signed};
use crate::error::ApiError;
use crate::extract::percent_encode;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;

/// A page for the signed-in: its actor is never optional.
#[derive(Debug, Clone)]
pub struct SignedPage(pub Signed);

impl std::ops::Deref for SignedPage {
    type Target = Signed;

    fn deref(&self) -> &Signed {
        &self.0
    }
}

impl FromRequestParts<AppState> for SignedPage {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ctx = Ctx::from_request_parts(parts, state)
            .await
            .map_err(|e| PageError(e).into_response())?;
        if ctx.user.is_none() {
            let Ok(uri) = OriginalUri::from_request_parts(parts, state).await;
            let next = percent_encode(&uri.to_string());
            return Err(Redirect::to(&format!("/login?next={next}")).into_response());
        }
        Signed::from_request_parts(parts, state)
            .await
            .map(SignedPage)
            .map_err(|e| PageError(e).into_response())
    }
}

/// A posted form (`application/x-www-form-urlencoded`) whose `csrf` field
/// matched the session's token (or, before sign-in, the double-submit
/// cookie): a form from another site never reaches a handler.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| bad_form())?;
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        let csrf = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        ctx.check_csrf(&headers, csrf)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        Ok(CsrfForm(form))
    }
}

fn bad_form() -> PageError {
    PageError(ApiError::new(
        StatusCode::BAD_REQUEST,
        "form.malformed",
        "表单内容无法识别，请刷新页面后重试",
    ))
}
