//! The statutory holidays of 《全国年节及纪念日放假办法》 and the estimate of a
//! year's arrangement from them, for a year whose State Council notice
//! (published each November for the year after) is not in the calendar.
//!
//! The estimate gives every statutory day off and makes up each one that
//! falls on a Saturday or Sunday, or on another statutory day (中秋 on 国庆),
//! on the next weekday not already off — so a year never has fewer weekdays
//! off than the law gives. It has no makeup working weekends (调休): those
//! are only known from the notice.
//!
//! The lunar dates (除夕, 春节, 端午, 中秋) come from `icu_calendar`'s Chinese
//! calendar, whose data for 1912–2100 agrees with the Purple Mountain and
//! Hong Kong observatories; 清明 from the solar-term formula below.

use super::{HolidayYear, is_weekend};
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::sync::OnceLock;
use time::{Date, Duration, Month};

/// The years the estimate covers: those a [`HolidayYear`] may have. Outside
/// them the estimate has no days off (the weekday rule alone).
pub const ESTIMATED_YEARS: RangeInclusive<i32> = 2000..=2100;

/// A holiday of 《全国年节及纪念日放假办法》 on which all citizens are off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Festival {
    /// 元旦 (新年), January 1.
    NewYear,
    /// 春节: 除夕 and/or 正月初一… depending on the version of the law.
    SpringFestival,
    /// 清明节: the day of the 清明 solar term.
    Qingming,
    /// 劳动节: May 1 (and 2, 3 depending on the version).
    LabourDay,
    /// 端午节: 农历五月初五.
    DragonBoat,
    /// 中秋节: 农历八月十五.
    MidAutumn,
    /// 国庆节: October 1–3.
    NationalDay,
}

impl Festival {
    /// The festival's Chinese name.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewYear => "元旦",
            Self::SpringFestival => "春节",
            Self::Qingming => "清明节",
            Self::LabourDay => "劳动节",
            Self::DragonBoat => "端午节",
            Self::MidAutumn => "中秋节",
            Self::NationalDay => "国庆节",
        }
    }
}

/// The version of the 放假办法 in force in a year.
struct Law {
    /// The State Council order that gave it.
    decree: &'static str,
    /// The 春节 days, as offsets from 正月初一 (-1 = 除夕).
    spring: RangeInclusive<i64>,
    /// How many days from May 1.
    labour_days: u8,
    /// Whether 清明, 端午 and 中秋 are holidays (since 2008).
    traditional: bool,
}

/// The source an estimate of `year` names (法定节假日推算（…，待国务院办公厅通知）):
/// the State Council order whose holidays it reckons.
pub fn estimate_source(year: i32) -> crate::i18n::Text {
    crate::text!(
        "法定节假日推算（{decree}，待国务院办公厅通知）",
        decree = law(year).decree
    )
}

/// The source of a year outside [`ESTIMATED_YEARS`], which has no estimate.
pub fn no_estimate_source() -> crate::i18n::Text {
    crate::text!(
        "无法定节假日推算（仅{from}至{to}年）",
        from = *ESTIMATED_YEARS.start(),
        to = *ESTIMATED_YEARS.end()
    )
}

fn law(year: i32) -> Law {
    match year {
        // 国务院令第795号 (2024-11-10): 春节 4 days with 除夕, 劳动节 2 days.
        2025.. => Law {
            decree: "国务院令第795号",
            spring: -1..=2,
            labour_days: 2,
            traditional: true,
        },
        // 国务院令第644号 (2013-12-11): 春节 正月初一至初三.
        2014..=2024 => Law {
            decree: "国务院令第644号",
            spring: 0..=2,
            labour_days: 1,
            traditional: true,
        },
        // 国务院令第513号 (2007-12-14): 春节 除夕至初二, 清明/端午/中秋 added.
        2008..=2013 => Law {
            decree: "国务院令第513号",
            spring: -1..=1,
            labour_days: 1,
            traditional: true,
        },
        // 国务院令第270号 (1999-09-18).
        _ => Law {
            decree: "国务院令第270号",
            spring: 0..=2,
            labour_days: 3,
            traditional: false,
        },
    }
}

/// The Gregorian date of a day of a (non-leap) month of the Chinese year
/// that begins in `year`.
fn lunar(year: i32, month: u8, day: u8) -> Option<Date> {
    let iso = icu_calendar::Date::try_new_chinese_traditional(
        year,
        icu_calendar::types::Month::new(month),
        day,
    )
    .ok()?
    .to_calendar(icu_calendar::Iso);
    Date::from_calendar_date(
        iso.year().extended_year(),
        Month::try_from(iso.month().ordinal).ok()?,
        iso.day_of_month().0,
    )
    .ok()
}

/// 正月初一 (春节) of the Chinese year that begins in `year`.
pub fn spring_festival(year: i32) -> Option<Date> {
    lunar(year, 1, 1)
}

/// 除夕: the last day of the 12th month (29th or 30th), the eve of 春节.
pub fn chinese_new_years_eve(year: i32) -> Option<Date> {
    spring_festival(year)?.previous_day()
}

/// 端午节: 农历五月初五 (in the month, not in a leap 闰五月).
pub fn dragon_boat(year: i32) -> Option<Date> {
    lunar(year, 5, 5)
}

/// 中秋节: 农历八月十五 (in the month, not in a leap 闰八月).
pub fn mid_autumn(year: i32) -> Option<Date> {
    lunar(year, 8, 15)
}

/// The day of the 清明 solar term (the sun at 15°, Beijing time).
///
/// The usual formula `[Y·0.2422 + 4.81] − [Y/4]` (Y = year − 2000; the
/// second term counts the leap days since 2000) is the same as counting a
/// mean tropical year of 365.2422 days from 2000-03-31 + 4.81, which also
/// gets 2100 (not a leap year) right. (The variant with `[(Y−1)/4]`, meant
/// for the January/February terms, is a day late in leap years.) Checked
/// once for every year 2000–2100 against an astronomical computation of the
/// solar term (the 寿星 algorithm of the `tyme4rs` crate, not a dependency),
/// the years whose 清明 falls near midnight included; the tests pin those.
pub fn qingming(year: i32) -> Option<Date> {
    let y = i64::from(year) - 2000;
    // 365.2422 and 4.81 in units of 1/10000 day, exact in integers.
    let days = (3_652_422 * y + 48_100).div_euclid(10_000);
    time::macros::date!(2000 - 03 - 31).checked_add(Duration::days(days))
}

/// The statutory holidays of `year` under the version of the law in force
/// then, in date order (中秋 on a 国庆 day appears twice: each is a day
/// the law gives). Empty outside [`ESTIMATED_YEARS`].
pub fn statutory_days(year: i32) -> Vec<(Date, Festival)> {
    if !ESTIMATED_YEARS.contains(&year) {
        return Vec::new();
    }
    let law = law(year);
    let mut days = Vec::with_capacity(13);
    let on = |m: Month, d: u8| Date::from_calendar_date(year, m, d).ok();
    days.extend(on(Month::January, 1).map(|d| (d, Festival::NewYear)));
    if let Some(first) = spring_festival(year) {
        days.extend(
            law.spring
                .clone()
                .filter_map(|i| first.checked_add(Duration::days(i)))
                .map(|d| (d, Festival::SpringFestival)),
        );
    }
    days.extend(
        (1..=law.labour_days).filter_map(|d| on(Month::May, d).map(|d| (d, Festival::LabourDay))),
    );
    days.extend((1..=3).filter_map(|d| on(Month::October, d).map(|d| (d, Festival::NationalDay))));
    if law.traditional {
        days.extend(qingming(year).map(|d| (d, Festival::Qingming)));
        days.extend(dragon_boat(year).map(|d| (d, Festival::DragonBoat)));
        days.extend(mid_autumn(year).map(|d| (d, Festival::MidAutumn)));
    }
    days.sort();
    days
}

/// The estimated arrangement of `year`: the statutory days off, each one
/// that falls on a weekend or on another statutory day made up on the next
/// weekday not already off (补假); no makeup working weekends.
pub fn estimated_year(year: i32) -> HolidayYear {
    let days = statutory_days(year);
    let mut off: BTreeSet<Date> = days.iter().map(|&(d, _)| d).collect();
    let mut seen = BTreeSet::new();
    for &(d, _) in &days {
        // A weekend day, or a day another festival already had: 补假.
        if seen.insert(d) && !is_weekend(d) {
            continue;
        }
        let mut m = d;
        while let Some(next) = m.next_day() {
            m = next;
            if !is_weekend(m) && off.insert(m) {
                break;
            }
        }
    }
    let source = if days.is_empty() {
        no_estimate_source()
    } else {
        estimate_source(year)
    };
    HolidayYear {
        year,
        source: source.to_string(),
        off,
        work: BTreeSet::new(),
    }
}

/// The estimate of `year`, computed once per process (it depends on the
/// year alone); `None` outside [`ESTIMATED_YEARS`].
pub(super) fn cached(year: i32) -> Option<&'static HolidayYear> {
    const N: usize = (*ESTIMATED_YEARS.end() - *ESTIMATED_YEARS.start() + 1) as usize;
    static CACHE: [OnceLock<HolidayYear>; N] = [const { OnceLock::new() }; N];
    let i = usize::try_from(year.checked_sub(*ESTIMATED_YEARS.start())?).ok()?;
    CACHE.get(i).map(|c| c.get_or_init(|| estimated_year(year)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The official off days of 2024–2026, copied from the State Council's
    /// notices (国办发明电〔2023〕7号, 国办发明电〔2024〕12号, the notice of
    /// 2025-11-04).
    fn official_off(year: i32) -> BTreeSet<Date> {
        let days: &[Date] = match year {
            2024 => &[
                date!(2024 - 01 - 01),
                date!(2024 - 02 - 10),
                date!(2024 - 02 - 11),
                date!(2024 - 02 - 12),
                date!(2024 - 02 - 13),
                date!(2024 - 02 - 14),
                date!(2024 - 02 - 15),
                date!(2024 - 02 - 16),
                date!(2024 - 02 - 17),
                date!(2024 - 04 - 04),
                date!(2024 - 04 - 05),
                date!(2024 - 04 - 06),
                date!(2024 - 05 - 01),
                date!(2024 - 05 - 02),
                date!(2024 - 05 - 03),
                date!(2024 - 05 - 04),
                date!(2024 - 05 - 05),
                date!(2024 - 06 - 10),
                date!(2024 - 09 - 15),
                date!(2024 - 09 - 16),
                date!(2024 - 09 - 17),
                date!(2024 - 10 - 01),
                date!(2024 - 10 - 02),
                date!(2024 - 10 - 03),
                date!(2024 - 10 - 04),
                date!(2024 - 10 - 05),
                date!(2024 - 10 - 06),
                date!(2024 - 10 - 07),
            ],
            2025 => &[
                date!(2025 - 01 - 01),
                date!(2025 - 01 - 28),
                date!(2025 - 01 - 29),
                date!(2025 - 01 - 30),
                date!(2025 - 01 - 31),
                date!(2025 - 02 - 01),
                date!(2025 - 02 - 02),
                date!(2025 - 02 - 03),
                date!(2025 - 02 - 04),
                date!(2025 - 04 - 04),
                date!(2025 - 04 - 05),
                date!(2025 - 04 - 06),
                date!(2025 - 05 - 01),
                date!(2025 - 05 - 02),
                date!(2025 - 05 - 03),
                date!(2025 - 05 - 04),
                date!(2025 - 05 - 05),
                date!(2025 - 05 - 31),
                date!(2025 - 06 - 01),
                date!(2025 - 06 - 02),
                date!(2025 - 10 - 01),
                date!(2025 - 10 - 02),
                date!(2025 - 10 - 03),
                date!(2025 - 10 - 04),
                date!(2025 - 10 - 05),
                date!(2025 - 10 - 06),
                date!(2025 - 10 - 07),
                date!(2025 - 10 - 08),
            ],
            2026 => &[
                date!(2026 - 01 - 01),
                date!(2026 - 01 - 02),
                date!(2026 - 01 - 03),
                date!(2026 - 02 - 15),
                date!(2026 - 02 - 16),
                date!(2026 - 02 - 17),
                date!(2026 - 02 - 18),
                date!(2026 - 02 - 19),
                date!(2026 - 02 - 20),
                date!(2026 - 02 - 21),
                date!(2026 - 02 - 22),
                date!(2026 - 02 - 23),
                date!(2026 - 04 - 04),
                date!(2026 - 04 - 05),
                date!(2026 - 04 - 06),
                date!(2026 - 05 - 01),
                date!(2026 - 05 - 02),
                date!(2026 - 05 - 03),
                date!(2026 - 05 - 04),
                date!(2026 - 05 - 05),
                date!(2026 - 06 - 19),
                date!(2026 - 06 - 20),
                date!(2026 - 06 - 21),
                date!(2026 - 09 - 25),
                date!(2026 - 09 - 26),
                date!(2026 - 09 - 27),
                date!(2026 - 10 - 01),
                date!(2026 - 10 - 02),
                date!(2026 - 10 - 03),
                date!(2026 - 10 - 04),
                date!(2026 - 10 - 05),
                date!(2026 - 10 - 06),
                date!(2026 - 10 - 07),
            ],
            _ => unreachable!(),
        };
        days.iter().copied().collect()
    }

    #[test]
    fn lunar_festivals_match_the_almanac() {
        for (year, day) in [
            (2024, date!(2024 - 02 - 10)),
            (2025, date!(2025 - 01 - 29)),
            (2026, date!(2026 - 02 - 17)),
            (2027, date!(2027 - 02 - 06)),
            (2028, date!(2028 - 01 - 26)),
            (2030, date!(2030 - 02 - 03)),
            // After the leap 11th month of 2033 (the "2033 problem").
            (2034, date!(2034 - 02 - 19)),
            (2100, date!(2100 - 02 - 09)),
        ] {
            assert_eq!(spring_festival(year), Some(day), "春节 {year}");
        }
        // 除夕: the eve of 春节, the 29th of the 12th month in 2025 and 2026.
        for (year, day) in [
            (2024, date!(2024 - 02 - 09)),
            (2025, date!(2025 - 01 - 28)),
            (2026, date!(2026 - 02 - 16)),
            (2027, date!(2027 - 02 - 05)),
        ] {
            assert_eq!(chinese_new_years_eve(year), Some(day), "除夕 {year}");
        }
        for (year, day) in [
            (2024, date!(2024 - 06 - 10)),
            (2025, date!(2025 - 05 - 31)),
            (2026, date!(2026 - 06 - 19)),
            (2027, date!(2027 - 06 - 09)),
            // 2028 has a leap 5th month: 端午 is in the first one.
            (2028, date!(2028 - 05 - 28)),
        ] {
            assert_eq!(dragon_boat(year), Some(day), "端午 {year}");
        }
        for (year, day) in [
            (2024, date!(2024 - 09 - 17)),
            (2025, date!(2025 - 10 - 06)),
            (2026, date!(2026 - 09 - 25)),
            (2027, date!(2027 - 09 - 15)),
            (2028, date!(2028 - 10 - 03)),
            // A year a table-based crate gets wrong (09-19).
            (2089, date!(2089 - 09 - 18)),
        ] {
            assert_eq!(mid_autumn(year), Some(day), "中秋 {year}");
        }
    }

    #[test]
    fn qingming_is_the_solar_term_day() {
        for day in [
            date!(2024 - 04 - 04),
            date!(2025 - 04 - 04),
            date!(2026 - 04 - 05),
            date!(2027 - 04 - 05),
            date!(2028 - 04 - 04),
            date!(2000 - 04 - 04),
            // Years whose 清明 falls within an hour of midnight (Beijing):
            // 2005 00:34, 2009 23:33, 2013 23:02, 2038 00:29, 2042 23:40,
            // 2071 00:10, 2075 23:31, 2100 00:43.
            date!(2005 - 04 - 05),
            date!(2009 - 04 - 04),
            date!(2013 - 04 - 04),
            date!(2038 - 04 - 05),
            date!(2042 - 04 - 04),
            date!(2071 - 04 - 05),
            date!(2075 - 04 - 04),
            date!(2100 - 04 - 05),
        ] {
            assert_eq!(qingming(day.year()), Some(day));
        }
    }

    #[test]
    fn the_law_gives_13_days_since_2025() {
        let count =
            |year: i32, f: Festival| statutory_days(year).iter().filter(|(_, g)| *g == f).count();
        for year in 2025..=2100 {
            let days = statutory_days(year);
            assert_eq!(days.len(), 13, "{year}");
            assert!(days.iter().all(|(d, _)| d.year() == year), "{year}");
            for (f, n) in [
                (Festival::NewYear, 1),
                (Festival::SpringFestival, 4),
                (Festival::Qingming, 1),
                (Festival::LabourDay, 2),
                (Festival::DragonBoat, 1),
                (Festival::MidAutumn, 1),
                (Festival::NationalDay, 3),
            ] {
                assert_eq!(count(year, f), n, "{year} {}", f.name());
            }
        }
        // 春节 = 除夕 and 初一 to 初三.
        let spring: Vec<Date> = statutory_days(2027)
            .into_iter()
            .filter(|(_, f)| *f == Festival::SpringFestival)
            .map(|(d, _)| d)
            .collect();
        assert_eq!(
            spring,
            [
                date!(2027 - 02 - 05),
                date!(2027 - 02 - 06),
                date!(2027 - 02 - 07),
                date!(2027 - 02 - 08)
            ]
        );
        // The earlier versions: 11 days (2008–2024), 10 (2000–2007).
        assert!((2008..=2024).all(|y| statutory_days(y).len() == 11));
        assert!((2000..=2007).all(|y| statutory_days(y).len() == 10));
        assert!(
            !statutory_days(2024)
                .iter()
                .any(|(d, _)| *d == date!(2024 - 02 - 09)),
            "除夕 was no holiday in 2024"
        );
        assert!(statutory_days(1999).is_empty() && statutory_days(2101).is_empty());
    }

    #[test]
    fn spring_festival_2027_is_made_up_after_the_weekend() {
        let y = estimated_year(2027);
        assert!(y.work.is_empty());
        assert!(y.source.contains("推算") && y.source.contains("795"));
        let feb: Vec<Date> = y
            .off
            .iter()
            .copied()
            .filter(|d| d.month() == Month::February)
            .collect();
        // 除夕 Fri 02-05, 初一 Sat, 初二 Sun, 初三 Mon 02-08; Saturday and
        // Sunday are made up on Tuesday 02-09 and Wednesday 02-10.
        assert_eq!(
            feb,
            [
                date!(2027 - 02 - 05),
                date!(2027 - 02 - 06),
                date!(2027 - 02 - 07),
                date!(2027 - 02 - 08),
                date!(2027 - 02 - 09),
                date!(2027 - 02 - 10),
            ]
        );
        assert!(y.off.contains(&date!(2027 - 01 - 01)), "元旦, a Friday");
        assert!(!y.off.contains(&date!(2027 - 01 - 04)), "no 补假 for it");
    }

    #[test]
    fn makeup_days_follow_weekends_and_coinciding_festivals() {
        // 2026: 清明 Sunday 04-05 → Monday 04-06; 劳动节 Sat 05-02 → Mon
        // 05-04; 国庆 Sat 10-03 → Mon 10-05.
        let y = estimated_year(2026);
        for d in [
            date!(2026 - 04 - 06),
            date!(2026 - 05 - 04),
            date!(2026 - 10 - 05),
        ] {
            assert!(y.off.contains(&d), "{d}");
        }
        assert!(!y.off.contains(&date!(2026 - 04 - 07)));
        // 2028: 国庆 Sun 10-01, Mon 10-02, Tue 10-03, and 中秋 on 10-03 too:
        // two days to make up, on Wednesday and Thursday.
        let y = estimated_year(2028);
        let oct: Vec<Date> = y
            .off
            .iter()
            .copied()
            .filter(|d| d.month() == Month::October)
            .collect();
        assert_eq!(
            oct,
            [
                date!(2028 - 10 - 01),
                date!(2028 - 10 - 02),
                date!(2028 - 10 - 03),
                date!(2028 - 10 - 04),
                date!(2028 - 10 - 05),
            ]
        );
    }

    #[test]
    fn every_estimate_has_as_many_weekdays_off_as_the_law_gives() {
        for year in ESTIMATED_YEARS {
            let y = estimated_year(year);
            assert!(y.validate().is_ok(), "{year}");
            assert!(y.work.is_empty());
            let statutory = statutory_days(year);
            assert!(statutory.iter().all(|(d, _)| y.off.contains(d)), "{year}");
            let weekdays = y.off.iter().filter(|d| !is_weekend(**d)).count();
            assert_eq!(weekdays, statutory.len(), "{year}");
            assert_eq!(cached(year), Some(&y));
        }
        assert_eq!(cached(1999), None);
        assert_eq!(cached(2101), None);
        assert!(estimated_year(2101).off.is_empty());
    }

    #[test]
    fn estimates_lie_within_the_official_tables() {
        for year in [2024, 2025, 2026] {
            let official = official_off(year);
            for (d, f) in statutory_days(year) {
                assert!(official.contains(&d), "{year}: {} {d}", f.name());
            }
            let y = estimated_year(year);
            let extra: Vec<&Date> = y.off.difference(&official).collect();
            assert!(extra.is_empty(), "{year}: {extra:?}");
        }
    }
}
