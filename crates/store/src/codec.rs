//! How domain values are kept in columns and read back, shared by the
//! aggregate modules. Each aggregate's SQL lives in its own module, in a
//! macro expanded once per backend (each expansion type checked against its
//! own driver): `$n` placeholders, `RETURNING` and `ON CONFLICT` mean the
//! same on SQLite and PostgreSQL, so one body serves both. Dialect
//! differences stay in the DDL of each backend's migrations.

use crate::{Result, StoreError};
use tongban_domain::catalogue::ItemContent;
use tongban_domain::city::{DepartmentKind, HallKind, RegionLevel, SystemKind};
use tongban_domain::tongban::Mode;
use tongban_domain::user::{Role, Scope};
use tongban_domain::{DepartmentId, HallId};

pub(crate) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v:?}"))
}
pub(crate) fn level(s: &str) -> Result<RegionLevel> {
    RegionLevel::parse(s).ok_or_else(|| corrupt("region level", s))
}
pub(crate) fn hall_kind(s: &str) -> Result<HallKind> {
    HallKind::parse(s).ok_or_else(|| corrupt("hall kind", s))
}
pub(crate) fn dept_kind(s: &str) -> Result<DepartmentKind> {
    DepartmentKind::parse(s).ok_or_else(|| corrupt("department kind", s))
}
pub(crate) fn system(s: &str) -> Result<SystemKind> {
    SystemKind::parse(s).ok_or_else(|| corrupt("system", s))
}
pub(crate) fn role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| corrupt("role", s))
}
pub(crate) fn scope(role: Role, hall: Option<i64>, dept: Option<i64>) -> Scope {
    match (hall, dept) {
        (Some(h), _) => Scope::Hall(HallId(h)),
        (None, Some(d)) => Scope::Department(DepartmentId(d)),
        (None, None) if role == Role::PlatformAdmin => Scope::Platform,
        _ => Scope::None,
    }
}
pub(crate) fn content(s: &str) -> Result<ItemContent> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("item content: {e}")))
}
pub(crate) fn join<T: Copy>(v: &[T], f: fn(T) -> &'static str) -> String {
    v.iter().map(|x| f(*x)).collect::<Vec<_>>().join(",")
}
pub(crate) fn modes(s: &str) -> Result<Vec<Mode>> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| Mode::parse(x).ok_or_else(|| corrupt("mode", x)))
        .collect()
}
pub(crate) fn date_str(d: time::Date) -> String {
    d.to_string()
}
pub(crate) fn parse_date(s: &str) -> Result<time::Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &f).map_err(|_| corrupt("date", s))
}
pub(crate) fn json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}
pub(crate) fn status(s: &str) -> Result<tongban_domain::case::Status> {
    tongban_domain::case::Status::parse(s).ok_or_else(|| corrupt("status", s))
}
pub(crate) fn mode(s: &str) -> Result<Mode> {
    Mode::parse(s).ok_or_else(|| corrupt("mode", s))
}
pub(crate) fn levels(s: &str) -> Result<Vec<RegionLevel>> {
    s.split(',').filter(|x| !x.is_empty()).map(level).collect()
}
