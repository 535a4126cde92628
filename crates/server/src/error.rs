//! The one place where failures become HTTP answers: `{"code", "message",
//! "fields"}` with a zh-CN message for the user; details go to the log only.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use tongban_app::AppError;
use tongban_domain::authz::Denial;
use tongban_domain::i18n::{Lang, Text};
use tongban_domain::{FieldError, ValidationErrors, text};
use tongban_store::StoreError;

/// An error answered by the API.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine code.
    pub code: String,
    /// What went wrong (zh-CN; answered in the caller's language).
    pub message: Text,
    /// Field → message.
    pub fields: BTreeMap<String, Text>,
    /// Seconds to wait before retrying (429).
    pub retry_after: Option<u64>,
    /// A security event to record once the answer is sent (denials): the
    /// audit layer in [`crate::audit`] appends it to the audit log.
    pub audit: Option<Box<tongban_store::AuditEntry>>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine code, e.g. `validation`, `not_found`.
    pub code: String,
    /// What went wrong, in zh-CN.
    pub message: String,
    /// Per-field messages (zh-CN), keyed by field name.
    pub fields: BTreeMap<String, String>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<Text>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
            audit: None,
        }
    }
    /// 404: what does not exist and what the caller may not see look the same.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到")
    }
    /// 400 for a malformed request.
    pub fn bad_request(message: impl Into<Text>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    /// 500, with the detail logged but never sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试",
        )
    }
    /// 429: too many tries; the caller may retry after `retry_after` seconds.
    pub fn throttled(code: &str, message: impl Into<Text>, retry_after: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        e.retry_after = Some(retry_after);
        e
    }
    /// Adds a field message.
    pub fn field(mut self, field: impl Into<String>, msg: impl Into<Text>) -> Self {
        self.fields.insert(field.into(), msg.into());
        self
    }
}

impl ApiError {
    /// The message in `lang`, each part bounded (it may echo input).
    pub fn message_in(&self, lang: Lang) -> String {
        bounded_to(
            self.message.render(lang),
            MAX_ECHO_CHARS * (MAX_FIELD_ERRORS + 1),
        )
    }

    /// Each field's message in `lang`.
    pub fn fields_in(&self, lang: Lang) -> Vec<(String, String)> {
        (self.fields.iter())
            .map(|(f, m)| (f.clone(), bounded(m.render(lang))))
            .collect()
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ValidationErrors(vec![e]).into()
    }
}

/// At most this many field errors are reported; the rest are counted.
pub const MAX_FIELD_ERRORS: usize = 20;
/// Field names and messages echo input: each is cut to this many characters.
const MAX_ECHO_CHARS: usize = 120;

/// `s`, cut to [`MAX_ECHO_CHARS`] characters with an ellipsis.
pub(crate) fn bounded(s: String) -> String {
    bounded_to(s, MAX_ECHO_CHARS)
}

fn bounded_to(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        s.chars().take(max).chain(['…']).collect()
    }
}

impl From<ValidationErrors> for ApiError {
    /// A 422 naming the first [`MAX_FIELD_ERRORS`] fields and counting the
    /// rest, with every echoed name and message bounded: a large bad request
    /// never makes a larger answer.
    fn from(e: ValidationErrors) -> Self {
        let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "");
        if let [one] = e.0.as_slice() {
            err.code = one.code.to_string();
        }
        let total = e.0.len();
        let shown: Vec<FieldError> = e.0.into_iter().take(MAX_FIELD_ERRORS).collect();
        let mut parts: Vec<Text> = shown.iter().map(|f| f.message.clone()).collect();
        if total > shown.len() {
            parts.push(text!("另有{n}项错误未列出", n = total - shown.len()));
        }
        err.message = Text::join(parts, "；");
        for f in shown {
            err.fields.entry(bounded(f.field)).or_insert(f.message);
        }
        err
    }
}

impl From<Denial> for ApiError {
    fn from(d: Denial) -> Self {
        match d {
            Denial::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", d.message())
            }
            Denial::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden", d.message()),
            // Exactly the answer for a case that does not exist.
            Denial::NotVisible => ApiError::not_found(),
            Denial::Lacks { right, .. } => {
                ApiError::new(StatusCode::FORBIDDEN, "right.missing", d.message())
                    .field("right", right.as_str())
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Conflict(what) => {
                tracing::info!(%what, "conflict");
                ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    "数据已存在或已被他人修改，请刷新后重试",
                )
            }
            StoreError::InvalidReference(what) => {
                tracing::info!(%what, "invalid reference");
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_reference",
                    "引用的数据不存在",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<AppError> for ApiError {
    /// The one mapping of the application layer's errors to HTTP (the audit
    /// event of a refusal is attached by `Ctx::fail`, which knows the caller).
    fn from(e: AppError) -> Self {
        match e {
            AppError::NoCase { .. } => ApiError::not_found(),
            AppError::Denied { denial, .. } => denial.into(),
            AppError::Conflict {
                code,
                message,
                current_version,
            } => {
                let e = ApiError::new(StatusCode::CONFLICT, code, message);
                match current_version {
                    Some(v) => e.field("version", text!("当前版本为{v}", v = v)),
                    None => e,
                }
            }
            AppError::Taken {
                code,
                message,
                field,
                field_message,
            } => ApiError::new(StatusCode::CONFLICT, code, message).field(field, field_message),
            AppError::Throttled {
                code,
                message,
                retry_after,
            } => ApiError::throttled(code, message, retry_after),
            AppError::Invalid(v) => v.into(),
            AppError::NoSuchStep(s) => ApiError::new(
                StatusCode::NOT_FOUND,
                "case.unknown_action",
                text!("没有名为“{s}”的办件操作", s = s),
            ),
            AppError::Store(e) => e.into(),
            AppError::Internal(d) => ApiError::internal(d),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let lang = crate::lang::current();
        let body = ErrorBody {
            message: self.message_in(lang),
            fields: self.fields_in(lang).into_iter().collect(),
            code: self.code,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(a) = self.audit {
            res.extensions_mut().insert(crate::audit::Pending(a));
        }
        if let Some(s) = self.retry_after
            && let Ok(v) = s.to_string().parse()
        {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        res
    }
}

/// API result.
pub type ApiResult<T> = Result<T, ApiError>;
