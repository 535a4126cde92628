//! How domain values are kept in columns and read back, shared by the
//! aggregate modules. Each aggregate's SQL lives in its own module, in a
//! macro expanded once per backend (each expansion type checked against its
//! own driver): `$n` placeholders, `RETURNING` and `ON CONFLICT` mean the
//! same on SQLite and PostgreSQL, so one body serves both. Dialect
//! differences stay in the DDL of each backend's migrations.

use crate::{Result, StoreError};
use tongban_domain::city::RegionLevel;

/// A stored value that does not decode.
pub(crate) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v:?}"))
}
/// A region level column.
pub(crate) fn level(s: &str) -> Result<RegionLevel> {
    RegionLevel::parse(s).ok_or_else(|| corrupt("region level", s))
}
/// A date as stored (`YYYY-MM-DD`).
pub(crate) fn date_str(d: time::Date) -> String {
    d.to_string()
}
/// A stored date.
pub(crate) fn parse_date(s: &str) -> Result<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &f).map_err(|_| corrupt("date", s))
}
/// A JSON text column; `what` names it in the error.
pub(crate) fn json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
/// A value as a JSON text column.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A value bound to a query built at run time (lists, plans).
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}
