//! Request extractors that answer bad input in our error format, naming the field.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// The largest JSON request body accepted.
pub const MAX_JSON_BYTES: usize = 256 * 1024;

/// A JSON body of at most [`MAX_JSON_BYTES`]; a malformed body is a 400/422
/// that names the field.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请求体应为 JSON（Content-Type: application/json）",
            ));
        }
        let _ = state;
        // No JSON request needs more; the larger body limit is for scans.
        let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "body.too_large",
                    "请求体过大（JSON 不超过 256 KiB）或无法读取",
                )
            })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                if inner.is_syntax() || inner.is_eof() {
                    return Err(ApiError::bad_request("请求体不是有效的 JSON"));
                }
                let text = inner.to_string();
                let (field, msg) = if let Some(rest) = text.strip_prefix("missing field `") {
                    let f = rest.split('`').next().unwrap_or("");
                    let full = if path == "." {
                        f.to_owned()
                    } else {
                        format!("{path}.{f}")
                    };
                    (full, "缺少必填字段")
                } else if text.starts_with("unknown field") {
                    (path.clone(), "不支持的字段")
                } else {
                    (path.clone(), "字段类型或取值不正确")
                };
                let field = crate::error::bounded(field);
                Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    tongban_domain::text!("字段“{field}”：{msg}", field = field.clone(), msg = msg),
                )
                .field(field, msg))
            }
        }
    }
}

/// Raw query parameters, parsed by the handler so errors can name the field.
#[derive(Debug, Default)]
pub struct Params(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> =
            serde_urlencoded_pairs(q).ok_or_else(|| ApiError::bad_request("查询参数编码不正确"))?;
        Ok(Params(pairs.into_iter().collect()))
    }
}

fn serde_urlencoded_pairs(q: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for part in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        out.push((percent_decode(k)?, percent_decode(v)?));
    }
    Some(out)
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space).
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes a query component.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Params {
    /// A trimmed non-empty value.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    /// A parsed value or a 422 naming the field.
    pub fn parse<T>(
        &self,
        k: &str,
        what: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => parse(v).map(Some).ok_or_else(|| {
                ApiError::from(tongban_domain::FieldError::new(
                    k,
                    "invalid",
                    tongban_domain::text!("{what}“{v}”无效", what = what, v = v.to_owned()),
                ))
            }),
        }
    }

    /// `limit` (1–200, default 20).
    pub fn limit(&self) -> Result<usize, ApiError> {
        Ok(self
            .parse("limit", "分页大小", |v| {
                v.parse::<usize>().ok().filter(|n| (1..=200).contains(n))
            })?
            .unwrap_or(20))
    }

    /// `limit` (1–200, default 20) and `offset` (≥ 0, default 0).
    pub fn paging(&self) -> Result<(usize, usize), ApiError> {
        let limit = self.limit()?;
        let offset = self
            .parse("offset", "偏移量", |v| {
                v.parse::<usize>().ok().filter(|n| *n <= 1_000_000)
            })?
            .unwrap_or(0);
        Ok((limit, offset))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_and_encodes() {
        assert_eq!(
            super::percent_decode("%E7%A4%BE%E4%BF%9D+x").unwrap(),
            "社保 x"
        );
        assert_eq!(super::percent_encode("社保 x"), "%E7%A4%BE%E4%BF%9D%20x");
        assert!(super::percent_decode("%E7%A4").is_none());
    }
}
