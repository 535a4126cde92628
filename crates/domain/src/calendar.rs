//! The working-day calendar (Asia/Shanghai): weekends off, official holidays
//! off, makeup days (调休) on — from the State Council's yearly tables. A year
//! with no official table is computed on the weekday rule and reported as
//! incomplete, never guessed silently.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration, Weekday};

/// The official arrangement of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayYear {
    /// The year.
    pub year: i32,
    /// The notice it comes from, e.g. 国办发明电〔2024〕12号.
    pub source: String,
    /// Weekdays (and holiday weekend days) off.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub off: BTreeSet<Date>,
    /// Weekend days that are working days.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub work: BTreeSet<Date>,
}

impl HolidayYear {
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
                        format!("日期{d}不在{}年内", self.year),
                    ));
                }
            }
        }
        for d in self.off.intersection(&self.work) {
            errs.push(crate::FieldError::new(
                "work",
                "calendar.conflict",
                format!("日期{d}不能既放假又上班"),
            ));
        }
        for d in &self.work {
            if !is_weekend(*d) {
                errs.push(crate::FieldError::new(
                    "work",
                    "calendar.not_weekend",
                    format!("调休上班日{d}应为周六或周日"),
                ));
            }
        }
        errs.into_result(())
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// A date produced by the calendar, with whether every year it relied on had
/// official data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reckoned {
    /// The date.
    pub date: Date,
    /// False when a year without official data was crossed.
    pub complete: bool,
}

/// The calendar: the official years known.
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

    /// The years that `today` needs (this one and the next) and that have
    /// no official data yet.
    pub fn missing_years(&self, today: Date) -> Vec<i32> {
        [today.year(), today.year() + 1]
            .into_iter()
            .filter(|y| !self.knows(*y))
            .collect()
    }

    /// Whether `d` is a working day; the second value is false when `d`'s
    /// year has no official data (the weekday rule was used).
    pub fn is_working_day(&self, d: Date) -> (bool, bool) {
        match self.years.get(&d.year()) {
            Some(y) if y.off.contains(&d) => (false, true),
            Some(y) if y.work.contains(&d) => (true, true),
            Some(_) => (!is_weekend(d), true),
            None => (!is_weekend(d), false),
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
    /// False when the reckoning crossed a year without official data.
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
    fn a_year_without_data_is_reported() {
        let c = cal();
        let r = c.nth_working_day_after(date!(2026 - 12 - 28), 10, |_| false);
        assert!(!r.complete);
        assert_eq!(
            r.date,
            date!(2027 - 01 - 11),
            "weekday rule: 12-29,30,31, 01-01,04..08, 11"
        );
        assert!(
            c.nth_working_day_after(date!(2026 - 12 - 21), 3, |_| false)
                .complete
        );
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
}
