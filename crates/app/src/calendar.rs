//! The working-day calendar as the server uses it: the official tables
//! shipped with tongban (`data/cn-holidays.toml`, from the State Council's
//! notices) are imported into the database when a year is missing there;
//! admins add next year's table through the API or the CLI.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use time::Date;
use tongban_domain::calendar::{Calendar, HolidayYear};
use tongban_store::Store;

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
