//! The working-day calendar (Asia/Shanghai): weekends off, official holidays
//! off, makeup days (调休) on — from the State Council's yearly tables. A year
//! with no official table is estimated from the statutory holidays of
//! 《全国年节及纪念日放假办法》 ([`statutory`]: the holidays and their 补假,
//! no 调休) and marked provisional (`known`/`complete` false), never passed
//! off as official.

pub mod statutory;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration, Weekday};

/// The arrangement of one year: official (from the State Council's notice),
/// or estimated by [`statutory::estimated_year`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayYear {
    /// The year.
    pub year: i32,
    /// The notice it comes from, e.g. 国办发明电〔2024〕12号 (for an
    /// estimate: 法定节假日推算（…，待国务院办公厅通知）).
    pub source: String,
    /// Weekdays (and holiday weekend days) off.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub off: BTreeSet<Date>,
    /// Weekend days that are working days.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub work: BTreeSet<Date>,
}

impl HolidayYear {
    /// The source as shown: an estimate's own words in the reader's
    /// language ([`statutory::estimate_source`]), else the notice as given.
    pub fn source_text(&self) -> crate::i18n::Text {
        [
            statutory::estimate_source(self.year),
            statutory::no_estimate_source(),
        ]
        .into_iter()
        .find(|t| *t == self.source)
        .unwrap_or_else(|| crate::i18n::Text::raw(&self.source))
    }

    /// Checks that every date lies in the year, no date is both off and
    /// work, and makeup days are weekend days.
    pub fn validate(&self) -> Result<(), crate::ValidationErrors> {
        let mut errs = crate::ValidationErrors::default();
        if !(2000..=2100).contains(&self.year) {
            errs.push(crate::FieldError::new(
                "year",
                "calendar.year",
                "年份应在2000至2100之间",
            ));
        }
        if self.source.trim().is_empty() {
            errs.push(crate::FieldError::new(
                "source",
                "required",
                "请填写放假安排的文件来源",
            ));
        }
        for (field, set) in [("off", &self.off), ("work", &self.work)] {
            for d in set {
                if d.year() != self.year {
                    errs.push(crate::FieldError::new(
                        field,
                        "calendar.year_mismatch",
                        crate::text!("日期{date}不在{year}年内", date = *d, year = self.year),
                    ));
                }
            }
        }
        for d in self.off.intersection(&self.work) {
            errs.push(crate::FieldError::new(
                "work",
                "calendar.conflict",
                crate::text!("日期{date}不能既放假又上班", date = *d),
            ));
        }
        for d in &self.work {
            if !is_weekend(*d) {
                errs.push(crate::FieldError::new(
                    "work",
                    "calendar.not_weekend",
                    crate::text!("调休上班日{date}应为周六或周日", date = *d),
                ));
            }
        }
        errs.into_result(())
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Whether `d` is a working day under the arrangement `y` of its year.
fn works(y: &HolidayYear, d: Date) -> bool {
    if y.off.contains(&d) {
        false
    } else if y.work.contains(&d) {
        true
    } else {
        !is_weekend(d)
    }
}

/// A date produced by the calendar, with whether every year it relied on had
/// official data (else the reckoning used a provisional estimate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reckoned {
    /// The date.
    pub date: Date,
    /// False when a year without official data (estimated from the
    /// statutory holidays) was crossed.
    pub complete: bool,
}

/// The calendar: the official years known. Any other year is served by
/// its statutory-holiday estimate ([`statutory::estimated_year`], computed
/// once per process and year: it depends on the year alone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeMap<i32, HolidayYear>,
}

impl Calendar {
    /// A calendar of these years.
    pub fn new(years: impl IntoIterator<Item = HolidayYear>) -> Self {
        Self {
            years: years.into_iter().map(|y| (y.year, y)).collect(),
        }
    }

    /// The years with official data.
    pub fn years(&self) -> impl Iterator<Item = &HolidayYear> {
        self.years.values()
    }

    /// Whether `year` has official data.
    pub fn knows(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `year` is reckoned on a provisional estimate from the
    /// statutory holidays (it has no official data).
    pub fn is_provisional(&self, year: i32) -> bool {
        !self.knows(year)
    }

    /// The estimate of `year` from the statutory holidays — what the
    /// calendar uses while the year has no official table (to show next to
    /// the official one, or before it is entered).
    pub fn estimate(&self, year: i32) -> HolidayYear {
        statutory::cached(year)
            .cloned()
            .unwrap_or_else(|| statutory::estimated_year(year))
    }

    /// The years that `today` needs (this one and the next) and that have
    /// no official data yet.
    pub fn missing_years(&self, today: Date) -> Vec<i32> {
        [today.year(), today.year() + 1]
            .into_iter()
            .filter(|y| !self.knows(*y))
            .collect()
    }

    /// Whether `d` is a working day; the second value is false when `d`'s
    /// year has no official data (its provisional estimate from the
    /// statutory holidays was used: holidays and 补假, no 调休).
    pub fn is_working_day(&self, d: Date) -> (bool, bool) {
        match self.years.get(&d.year()) {
            Some(y) => (works(y, d), true),
            None => match statutory::cached(d.year()) {
                Some(y) => (works(y, d), false),
                None => (!is_weekend(d), false),
            },
        }
    }

    /// The `n`-th working day after `start`, skipping days for which
    /// `skip` is true (paused days). `start` itself does not count; with
    /// `n = 0` the answer is `start` (即办件: the same day).
    pub fn nth_working_day_after(
        &self,
        start: Date,
        n: u32,
        skip: impl Fn(Date) -> bool,
    ) -> Reckoned {
        let mut d = start;
        let mut complete = self.knows(start.year());
        let mut left = n;
        while left > 0 {
            d = d.next_day().unwrap_or(d + Duration::days(1));
            let (work, known) = self.is_working_day(d);
            complete &= known;
            if work && !skip(d) {
                left -= 1;
            }
        }
        Reckoned { date: d, complete }
    }

    /// Working days in `(from, to]` not skipped; negative when `to < from`
    /// (counting the days in `(to, from]`).
    pub fn working_days_between(&self, from: Date, to: Date, skip: impl Fn(Date) -> bool) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut d = a;
        let mut count = 0i64;
        while d < b {
            d = d.next_day().unwrap_or(b);
            if self.is_working_day(d).0 && !skip(d) {
                count += 1;
            }
        }
        sign * count
    }

    /// The instant `hours` working hours after `from` (unix ms): working
    /// hours are 09:00–17:00 China time on working days (8 a day), so an
    /// arrival on a Friday evening falls due on Monday. Hours started
    /// outside office hours count from the next opening.
    pub fn add_working_hours(&self, from: i64, hours: u32) -> i64 {
        const HOUR: i64 = 3_600_000;
        const DAY: i64 = 24 * HOUR;
        const OPEN: i64 = 9 * HOUR;
        const CLOSE: i64 = 17 * HOUR;
        // China time, shifted so a day starts at 0.
        let local = from + 8 * HOUR;
        let first = local.div_euclid(DAY);
        let mut at = local.rem_euclid(DAY);
        let mut left = i64::from(hours) * HOUR;
        let date =
            |d: i64| time::Date::from_julian_day(2_440_588 + d as i32).unwrap_or(time::Date::MIN);
        for day in first..first + 3660 {
            if self.is_working_day(date(day)).0 {
                let start = at.max(OPEN);
                if start < CLOSE {
                    if start + left <= CLOSE {
                        return day * DAY + start + left - 8 * HOUR;
                    }
                    left -= CLOSE - start;
                }
            }
            at = 0;
        }
        from + i64::from(hours) * HOUR
    }
}

/// A paused interval of a case's clock: from the day it paused to the day it
/// resumed (`None`: still paused). The days in `(from, to]` do not count —
/// like the acceptance day, the day of the pause was already under way, and
/// the clock runs again from the day after the resumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// The day the clock stopped.
    pub from: Date,
    /// The day it restarted.
    pub to: Option<Date>,
}

/// A case's clock, as shown on the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// The promised completion date.
    pub deadline: Date,
    /// Working days from today to the deadline (negative when overdue).
    pub working_days_left: i64,
    /// Past the deadline and not yet decided.
    pub overdue: bool,
    /// False when the reckoning crossed a year without official data (its
    /// days came from the provisional statutory-holiday estimate).
    pub calendar_complete: bool,
    /// The clock is paused now.
    pub paused: bool,
}

/// Reckons a case's clock: `days` working days after `accepted` (the same
/// day for 即办件 with `days = 0`), extended by the pauses; an open pause
/// counts as lasting until `today`. `stopped` is the day the clock stopped
/// for good (the decision), if it has.
pub fn reckon(
    cal: &Calendar,
    accepted: Date,
    days: u32,
    pauses: &[Pause],
    today: Date,
    stopped: Option<Date>,
) -> Clock {
    let paused = pauses.iter().any(|p| p.to.is_none());
    let skip = |d: Date| {
        pauses
            .iter()
            .any(|p| d > p.from && d <= p.to.unwrap_or(today))
    };
    let Reckoned {
        date: mut deadline,
        mut complete,
    } = cal.nth_working_day_after(accepted, days, skip);
    if paused {
        // An open pause pushes the deadline at least past today: it moves on
        // as the pause lasts.
        let extra = cal.working_days_between(today, deadline, |_| false);
        if extra <= 0 {
            let remaining = days.saturating_sub(
                u32::try_from(cal.working_days_between(accepted, today, skip).max(0))
                    .unwrap_or(u32::MAX),
            );
            let r = cal.nth_working_day_after(today, remaining, |_| false);
            deadline = r.date;
            complete &= r.complete;
        }
    }
    let end = stopped.unwrap_or(today);
    let left = cal.working_days_between(today, deadline, skip);
    Clock {
        deadline,
        working_days_left: left,
        overdue: end > deadline,
        calendar_complete: complete,
        paused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal() -> Calendar {
        // The official 2026 table (国务院办公厅 2025年11月4日通知), in part.
        let off = [
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
            date!(2026 - 10 - 01),
            date!(2026 - 10 - 02),
            date!(2026 - 10 - 03),
            date!(2026 - 10 - 04),
            date!(2026 - 10 - 05),
            date!(2026 - 10 - 06),
            date!(2026 - 10 - 07),
        ];
        let work = [
            date!(2026 - 01 - 04),
            date!(2026 - 02 - 14),
            date!(2026 - 02 - 28),
            date!(2026 - 10 - 10),
        ];
        Calendar::new([HolidayYear {
            year: 2026,
            source: "test".into(),
            off: off.into_iter().collect(),
            work: work.into_iter().collect(),
        }])
    }

    #[test]
    fn ordinary_weeks() {
        let c = cal();
        // Accepted Monday 2026-11-23: 5 working days later is Monday 2026-11-30.
        let r = c.nth_working_day_after(date!(2026 - 11 - 23), 5, |_| false);
        assert_eq!(
            r,
            Reckoned {
                date: date!(2026 - 11 - 30),
                complete: true
            }
        );
        // Accepted on a Friday, 1 day: the next Monday.
        assert_eq!(
            c.nth_working_day_after(date!(2026 - 11 - 27), 1, |_| false)
                .date,
            date!(2026 - 11 - 30)
        );
        // 即办件: the same day.
        assert_eq!(
            c.nth_working_day_after(date!(2026 - 11 - 27), 0, |_| false)
                .date,
            date!(2026 - 11 - 27)
        );
    }

    #[test]
    fn holidays_and_makeup_saturdays() {
        let c = cal();
        // Accepted Friday 2026-02-13 (before the Spring Festival): Saturday
        // 02-14 is a makeup working day (1), then 02-15..23 off, 02-24 (2), 02-25 (3).
        assert_eq!(
            c.nth_working_day_after(date!(2026 - 02 - 13), 3, |_| false)
                .date,
            date!(2026 - 02 - 25)
        );
        // Accepted Friday 2026-09-30: 10-01..07 off, 10-08 (1), 10-09 (2), Saturday 10-10 is a makeup day (3).
        assert_eq!(
            c.nth_working_day_after(date!(2026 - 09 - 30), 3, |_| false)
                .date,
            date!(2026 - 10 - 10)
        );
        // New Year: 12-31 accepted, 01-01..03 off, Sunday 01-04 works.
        let r = c.nth_working_day_after(date!(2025 - 12 - 31), 1, |_| false);
        assert_eq!(r.date, date!(2026 - 01 - 04));
        assert!(!r.complete, "2025 is not in this calendar");
        assert!(c.is_working_day(date!(2026 - 02 - 28)).0);
        assert!(!c.is_working_day(date!(2026 - 02 - 16)).0);
    }

    #[test]
    fn a_year_without_data_is_estimated_and_reported() {
        let c = cal();
        // 2027 has no official table: 元旦 (a Friday) is still off, on the
        // provisional estimate.
        assert_eq!(c.is_working_day(date!(2027 - 01 - 01)), (false, false));
        assert_eq!(c.is_working_day(date!(2027 - 01 - 04)), (true, false));
        assert!(c.is_provisional(2027) && !c.is_provisional(2026));
        let r = c.nth_working_day_after(date!(2026 - 12 - 28), 10, |_| false);
        assert!(!r.complete);
        assert_eq!(
            r.date,
            date!(2027 - 01 - 12),
            "12-29,30,31, (01-01 元旦) 01-04..08, 11, 12"
        );
        assert!(
            c.nth_working_day_after(date!(2026 - 12 - 21), 3, |_| false)
                .complete
        );
        // 春节 2027: 除夕 Fri 02-05 to 初三 Mon 02-08, Saturday and Sunday
        // made up on Tuesday and Wednesday; no 调休 in an estimate.
        for d in [
            date!(2027 - 02 - 05),
            date!(2027 - 02 - 08),
            date!(2027 - 02 - 09),
            date!(2027 - 02 - 10),
        ] {
            assert_eq!(c.is_working_day(d), (false, false), "{d}");
        }
        assert_eq!(c.is_working_day(date!(2027 - 02 - 11)), (true, false));
        assert_eq!(c.is_working_day(date!(2027 - 02 - 20)), (false, false));
        // Accepted Thursday 2027-02-04, 2 working days: 02-11, 02-12.
        assert_eq!(
            c.nth_working_day_after(date!(2027 - 02 - 04), 2, |_| false)
                .date,
            date!(2027 - 02 - 12)
        );
        // The estimate is what the calendar used, for the admin to see.
        let e = c.estimate(2027);
        assert_eq!(e, statutory::estimated_year(2027));
        assert!(e.source.contains("推算"));
        assert!(e.work.is_empty());
        assert!(e.off.iter().all(|d| !c.is_working_day(*d).0));
        // Default has no official year: every year is estimated.
        assert_eq!(
            Calendar::default().is_working_day(date!(2027 - 10 - 01)),
            (false, false)
        );
    }

    #[test]
    fn an_official_table_wins_over_the_estimate() {
        // A 2027 table that (say) keeps 02-09 a working day, puts 02-20 to
        // work (调休) and closes 02-11.
        let official = HolidayYear {
            year: 2027,
            source: "国务院办公厅关于2027年部分节假日安排的通知".into(),
            off: [
                date!(2027 - 01 - 01),
                date!(2027 - 02 - 05),
                date!(2027 - 02 - 08),
                date!(2027 - 02 - 11),
            ]
            .into(),
            work: [date!(2027 - 02 - 20)].into(),
        };
        let c = Calendar::new(cal().years().cloned().chain([official]));
        assert!(!c.is_provisional(2027));
        assert_eq!(c.is_working_day(date!(2027 - 02 - 09)), (true, true));
        assert_eq!(c.is_working_day(date!(2027 - 02 - 11)), (false, true));
        assert_eq!(c.is_working_day(date!(2027 - 02 - 20)), (true, true));
        assert_eq!(c.is_working_day(date!(2027 - 01 - 01)), (false, true));
        let r = c.nth_working_day_after(date!(2026 - 12 - 28), 10, |_| false);
        assert!(r.complete);
        // The estimate is still there to compare with.
        assert!(c.estimate(2027).off.contains(&date!(2027 - 02 - 09)));
    }

    #[test]
    fn pauses_extend_the_deadline() {
        let c = cal();
        let accepted = date!(2026 - 11 - 23); // Monday
        // No pause: 5 days → Monday 11-30.
        let clock = reckon(&c, accepted, 5, &[], date!(2026 - 11 - 24), None);
        assert_eq!(clock.deadline, date!(2026 - 11 - 30));
        assert_eq!(clock.working_days_left, 4);
        assert!(!clock.overdue);
        // Paused on Tuesday 11-24, resumed Thursday 11-26: 11-25 and 11-26 do not count.
        let p = [Pause {
            from: date!(2026 - 11 - 24),
            to: Some(date!(2026 - 11 - 26)),
        }];
        let clock = reckon(&c, accepted, 5, &p, date!(2026 - 11 - 26), None);
        assert_eq!(clock.deadline, date!(2026 - 12 - 02));
        // Still paused: the deadline moves with the pause.
        let open = [Pause {
            from: date!(2026 - 11 - 24),
            to: None,
        }];
        let clock = reckon(&c, accepted, 5, &open, date!(2026 - 12 - 10), None);
        assert!(clock.paused);
        assert!(clock.deadline > date!(2026 - 12 - 10));
        assert!(!clock.overdue);
        // Overdue.
        let clock = reckon(&c, accepted, 5, &[], date!(2026 - 12 - 02), None);
        assert!(clock.overdue);
        assert_eq!(clock.working_days_left, -2);
        // Decided in time: not overdue later.
        let clock = reckon(
            &c,
            accepted,
            5,
            &[],
            date!(2026 - 12 - 20),
            Some(date!(2026 - 11 - 27)),
        );
        assert!(!clock.overdue);
    }

    #[test]
    fn years_validate() {
        let mut y = HolidayYear {
            year: 2027,
            source: "x".into(),
            off: BTreeSet::new(),
            work: BTreeSet::new(),
        };
        assert!(y.validate().is_ok());
        y.work.insert(date!(2027 - 01 - 05)); // a Tuesday
        y.off.insert(date!(2026 - 12 - 31));
        let e = y.validate().unwrap_err();
        let codes: Vec<&str> = e.0.iter().map(|e| e.code).collect();
        assert!(
            codes.contains(&"calendar.not_weekend") && codes.contains(&"calendar.year_mismatch")
        );
    }

    #[test]
    fn working_hours_skip_nights_weekends_and_holidays() {
        // Unix ms of a China-time instant.
        let at = |d: Date, h: i64, m: i64| {
            (d.to_julian_day() as i64 - 2_440_588) * 86_400_000 + (h - 8) * 3_600_000 + m * 60_000
        };
        let c = cal();
        // Friday 2026-12-04 15:00 + 4 working hours: 2 on Friday, 2 on Monday.
        assert_eq!(
            c.add_working_hours(at(date!(2026 - 12 - 04), 15, 0), 4),
            at(date!(2026 - 12 - 07), 11, 0)
        );
        // Within a day.
        assert_eq!(
            c.add_working_hours(at(date!(2026 - 12 - 01), 9, 30), 4),
            at(date!(2026 - 12 - 01), 13, 30)
        );
        // Before opening counts from 09:00; after closing from the next morning.
        assert_eq!(
            c.add_working_hours(at(date!(2026 - 12 - 01), 6, 0), 1),
            at(date!(2026 - 12 - 01), 10, 0)
        );
        assert_eq!(
            c.add_working_hours(at(date!(2026 - 12 - 01), 20, 0), 1),
            at(date!(2026 - 12 - 02), 10, 0)
        );
        // Over the National Day holiday (10-01…10-07 off in this table).
        assert_eq!(
            c.add_working_hours(at(date!(2026 - 09 - 30), 16, 0), 2),
            at(date!(2026 - 10 - 08), 10, 0)
        );
    }
}
