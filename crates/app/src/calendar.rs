//! The working-day calendar as the server uses it: the official tables
//! shipped with tongban (`data/cn-holidays.toml`, from the State Council's
//! notices) are imported into the database when a year is missing there;
//! admins add next year's table through the API or the CLI
//! ([`replace_year`]).

use crate::{Actor, App, AppResult};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::calendar::{Calendar, HolidayYear};
use tongban_domain::{FieldError, ValidationErrors};
use tongban_store::Store;
use utoipa::ToSchema;

/// The official table shipped with the binary.
pub const BUNDLED: &str = include_str!("../../../data/cn-holidays.toml");

#[derive(Deserialize)]
struct YearTable {
    source: String,
    #[serde(default)]
    off: Vec<String>,
    #[serde(default)]
    work: Vec<String>,
}

fn parse_day(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &f).ok()
}

/// Parses a holiday table in the `cn-holidays.toml` layout (one table per
/// year with `source`, `off` and `work`); every year is validated.
pub fn parse_table(text: &str) -> Result<Vec<HolidayYear>, String> {
    let raw: BTreeMap<String, YearTable> =
        toml::from_str(text).map_err(|e| format!("放假安排表格式有误：{e}"))?;
    let mut out = Vec::new();
    for (year, t) in raw {
        let y: i32 = year.parse().map_err(|_| format!("“{year}”不是年份"))?;
        let days = |list: &[String], what: &str| -> Result<BTreeSet<Date>, String> {
            list.iter()
                .map(|d| parse_day(d).ok_or_else(|| format!("{y}年{what}中的“{d}”不是日期")))
                .collect()
        };
        let hy = HolidayYear {
            year: y,
            source: t.source,
            off: days(&t.off, "放假日期")?,
            work: days(&t.work, "调休上班日期")?,
        };
        hy.validate().map_err(|e| format!("{y}年：{e}"))?;
        out.push(hy);
    }
    Ok(out)
}

/// Imports the bundled official years that the database does not have yet.
/// Years already there (perhaps edited by an admin) are left alone.
pub async fn ensure_official(store: &dyn Store) -> Result<usize, String> {
    let have: BTreeSet<i32> = store
        .calendar_years()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|y| y.year)
        .collect();
    let mut added = 0;
    for y in parse_table(BUNDLED)? {
        if !have.contains(&y.year) {
            store
                .put_calendar_year(&y, None, tongban_store::now_ms())
                .await
                .map_err(|e| e.to_string())?;
            added += 1;
        }
    }
    Ok(added)
}

/// The calendar from the database.
pub async fn load(store: &dyn Store) -> tongban_store::Result<Calendar> {
    Ok(Calendar::new(store.calendar_years().await?))
}

/// A year's official arrangement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct YearInput {
    /// The notice it comes from.
    #[schema(min_length = 1, max_length = 500)]
    pub source: String,
    /// Days off.
    #[schema(max_items = 366)]
    pub off: Vec<String>,
    /// Makeup working days (weekend days).
    #[schema(max_items = 366)]
    pub work: Vec<String>,
}

/// Adds or replaces the official table of `year` (e.g. next year's,
/// published each November): every bad date is named at once, then the
/// table is checked whole. Due dates move with the calendar: those kept for
/// ordering are recomputed in the background (the job is written with the
/// table; [`crate::cases::clock::refresh_step`]), with its progress shown. Who may: the one authorisation rule's `EditCalendar`.
pub async fn replace_year(
    app: &App,
    actor: &Actor,
    year: &str,
    input: &YearInput,
) -> AppResult<()> {
    actor.authorize(Action::EditCalendar, &Trust::NONE)?;
    let y = holiday_year(year, input)?;
    let by = Some(actor.user.id);
    app.store.put_calendar_year(&y, by, app.now.ms()).await?;
    tracing::info!(year = y.year, ?by, "calendar year replaced");
    app.outbox.wake();
    Ok(())
}

/// The table a [`YearInput`] for `year` describes, checked.
fn holiday_year(year: &str, input: &YearInput) -> AppResult<HolidayYear> {
    let year: i32 = year
        .parse()
        .map_err(|_| FieldError::new("year", "calendar.year", "年份无效"))?;
    let mut errs = ValidationErrors::default();
    let off = dates("off", &input.off, &mut errs);
    let work = dates("work", &input.work, &mut errs);
    errs.into_result(())?;
    let y = HolidayYear {
        year,
        source: input.source.trim().to_owned(),
        off,
        work,
    };
    y.validate()?;
    Ok(y)
}

/// The dates of `list` (`YYYY-MM-DD`); each that is not one is named in
/// `errs` as `field[i]`.
fn dates(field: &str, list: &[String], errs: &mut ValidationErrors) -> BTreeSet<Date> {
    let mut out = BTreeSet::new();
    for (i, d) in list.iter().enumerate() {
        match parse_day(d) {
            Some(x) => {
                out.insert(x);
            }
            None => errs.push(FieldError::new(
                format!("{field}[{i}]"),
                "date",
                tongban_domain::text!("“{day}”不是 YYYY-MM-DD 日期", day = d),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_table_parses() {
        let years = super::parse_table(super::BUNDLED).unwrap();
        assert!(
            years
                .iter()
                .any(|y| y.year == 2026 && y.source.contains("国务院"))
        );
        assert!(
            super::parse_table("[2027]\nsource = \"x\"\nwork = [\"2027-01-05\"]\n").is_err(),
            "a Tuesday is no makeup day"
        );
    }
}
