//! Appointments (预约): each hall publishes time-slot plans per window with
//! a capacity (at the counter, or a home visit 上门服务); the slots are the
//! plans on the working days of the official calendar. A slot is named by
//! its plan and day, e.g. `P12-2026-12-01`.

use crate::calendar::Calendar;
use crate::ids::{HallId, WindowId};
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::{Date, Duration};

/// How far ahead a slot may be booked, in calendar days.
pub const BOOKING_HORIZON_DAYS: i64 = 30;

/// What an appointment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum AppointmentKind {
    /// At the window.
    Counter,
    /// 上门服务: staff visit the applicant (elderly, disabled).
    HomeVisit,
}

impl AppointmentKind {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses [`AppointmentKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// zh-CN name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Counter => "窗口办理",
            Self::HomeVisit => "上门服务",
        }
    }
}

/// A time of day as minutes after midnight, shown `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(pub u16);

impl TimeOfDay {
    /// Parses `HH:MM` (00:00–23:59).
    pub fn parse(s: &str) -> Option<Self> {
        let (h, m) = s.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && s.trim().len() == 5).then_some(Self(h * 60 + m))
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A hall's published plan: a window's slot on every working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPlan {
    /// Id.
    pub id: i64,
    /// The hall.
    pub hall: HallId,
    /// The window serving it.
    pub window: WindowId,
    /// Starts.
    pub start: TimeOfDay,
    /// Ends.
    pub end: TimeOfDay,
    /// Appointments per slot.
    pub capacity: u32,
    /// Counter or home visit.
    pub kind: AppointmentKind,
}

impl SlotPlan {
    /// Checks a new plan's times and capacity.
    pub fn check(
        start: &str,
        end: &str,
        capacity: u32,
    ) -> Result<(TimeOfDay, TimeOfDay), Vec<FieldError>> {
        let mut errs = Vec::new();
        let s = TimeOfDay::parse(start);
        let e = TimeOfDay::parse(end);
        if s.is_none() {
            errs.push(FieldError::new(
                "start",
                "time.invalid",
                "开始时间格式应为 HH:MM",
            ));
        }
        if e.is_none() {
            errs.push(FieldError::new(
                "end",
                "time.invalid",
                "结束时间格式应为 HH:MM",
            ));
        }
        if let (Some(s), Some(e)) = (s, e)
            && e <= s
        {
            errs.push(FieldError::new(
                "end",
                "time.order",
                "结束时间应晚于开始时间",
            ));
        }
        if !(1..=200).contains(&capacity) {
            errs.push(FieldError::new(
                "capacity",
                "capacity.range",
                "每个时段可预约人数应为1至200",
            ));
        }
        match (s, e) {
            (Some(s), Some(e)) if errs.is_empty() => Ok((s, e)),
            _ => Err(errs),
        }
    }
}

/// A slot: a plan on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlotId {
    /// The plan.
    pub plan: i64,
    /// The day.
    pub day: Date,
}

impl SlotId {
    /// Parses `P{plan}-{YYYY-MM-DD}`.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.trim().strip_prefix('P')?;
        let (plan, day) = rest.split_once('-')?;
        let f = time::macros::format_description!("[year]-[month]-[day]");
        Some(Self {
            plan: plan.parse().ok().filter(|p| *p > 0)?,
            day: Date::parse(day, &f).ok()?,
        })
    }
}

impl std::fmt::Display for SlotId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P{}-{}", self.plan, self.day)
    }
}

/// The days from `from` (inclusive) for `days` calendar days that are
/// working days on the calendar.
pub fn open_days(cal: &Calendar, from: Date, days: i64) -> Vec<Date> {
    (0..days.clamp(0, BOOKING_HORIZON_DAYS + 1))
        .filter_map(|i| from.checked_add(Duration::days(i)))
        .filter(|d| cal.is_working_day(*d).0)
        .collect()
}

/// Whether a slot may be booked `today`: its plan exists, its day is a
/// working day from tomorrow up to the horizon. (Same-day booking is closed:
/// the window plans its day the evening before.)
pub fn bookable(cal: &Calendar, slot: SlotId, today: Date) -> Result<(), FieldError> {
    if slot.day <= today {
        return Err(FieldError::new(
            "slot",
            "appointment.past",
            "只能预约明天及以后的时段",
        ));
    }
    if (slot.day - today).whole_days() > BOOKING_HORIZON_DAYS {
        return Err(FieldError::new(
            "slot",
            "appointment.too_far",
            crate::text!("只能预约{days}天内的时段", days = BOOKING_HORIZON_DAYS),
        ));
    }
    if !cal.is_working_day(slot.day).0 {
        return Err(FieldError::new(
            "slot",
            "appointment.closed",
            "该日为休息日，不办理预约",
        ));
    }
    Ok(())
}

/// Why staff go to the applicant (预约上门): the notice's two cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum VisitReason {
    /// Elderly, disabled or otherwise unable to come (老年人、残疾人等行动不便).
    Elderly,
    /// A key project (重点项目) served where it is built.
    KeyProject,
}

impl VisitReason {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses [`VisitReason::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// Every reason, in the order offered.
    pub fn all() -> &'static [Self] {
        Self::VARIANTS
    }

    /// zh-CN name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Elderly => "老年人、残疾人等行动不便",
            Self::KeyProject => "重点项目",
        }
    }
}

/// Where and why staff visit, for a home-visit booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeVisit {
    /// The address to visit.
    pub address: String,
    /// Why.
    pub reason: VisitReason,
}

/// The longest visit address kept.
pub const VISIT_ADDRESS_MAX: usize = 200;

/// What a booking of a slot of `kind` says of a visit: a home visit needs
/// the address and the reason (every missing one named); a counter slot
/// takes none (what the form carried for a visit is not kept).
pub fn check_home_visit(
    kind: AppointmentKind,
    address: Option<&str>,
    reason: Option<&str>,
) -> Result<Option<HomeVisit>, crate::validate::ValidationErrors> {
    if kind == AppointmentKind::Counter {
        return Ok(None);
    }
    let mut e = crate::validate::ValidationErrors::default();
    let address = e.check(crate::validate::required_text(
        "visit_address",
        "上门地址",
        address.unwrap_or(""),
        VISIT_ADDRESS_MAX,
    ));
    let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        None => {
            e.push(FieldError::new(
                "visit_reason",
                "required",
                "请选择上门服务的原因",
            ));
            None
        }
        Some(r) => {
            let parsed = VisitReason::parse(r);
            if parsed.is_none() {
                e.push(FieldError::new(
                    "visit_reason",
                    "appointment.visit_reason",
                    "上门服务原因应为 elderly（老年人、残疾人等行动不便）或 key_project（重点项目）",
                ));
            }
            parsed
        }
    };
    e.into_result(())?;
    Ok(address
        .zip(reason)
        .map(|(address, reason)| HomeVisit { address, reason }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::HolidayYear;
    use time::macros::date;

    fn cal() -> Calendar {
        Calendar::new([HolidayYear {
            year: 2026,
            source: "test".into(),
            off: [
                date!(2026 - 10 - 01),
                date!(2026 - 10 - 02),
                date!(2026 - 10 - 05),
            ]
            .into(),
            work: [date!(2026 - 10 - 10)].into(),
        }])
    }

    #[test]
    fn slot_ids_round_trip_and_reject_garbage() {
        let s = SlotId {
            plan: 12,
            day: date!(2026 - 12 - 01),
        };
        assert_eq!(s.to_string(), "P12-2026-12-01");
        assert_eq!(SlotId::parse("P12-2026-12-01"), Some(s));
        for bad in [
            "12-2026-12-01",
            "P0-2026-12-01",
            "P12-2026-13-01",
            "P-2026-12-01",
            "Px-2026-12-01",
        ] {
            assert_eq!(SlotId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_parse_and_plans_check() {
        assert_eq!(TimeOfDay::parse("09:30"), Some(TimeOfDay(570)));
        assert_eq!(TimeOfDay(570).to_string(), "09:30");
        assert_eq!(TimeOfDay::parse("24:00"), None);
        assert_eq!(TimeOfDay::parse("9:30"), None);
        assert!(SlotPlan::check("09:00", "10:00", 5).is_ok());
        let e = SlotPlan::check("10:00", "09:00", 0).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["end", "capacity"]);
    }

    #[test]
    fn open_days_follow_the_official_calendar() {
        // 2026-09-30 (Wed) … 2026-10-11: the holiday, then the makeup Saturday.
        let days = open_days(&cal(), date!(2026 - 09 - 30), 12);
        assert_eq!(
            days,
            [
                date!(2026 - 09 - 30),
                date!(2026 - 10 - 06),
                date!(2026 - 10 - 07),
                date!(2026 - 10 - 08),
                date!(2026 - 10 - 09),
                date!(2026 - 10 - 10)
            ]
        );
    }

    #[test]
    fn only_working_days_from_tomorrow_within_the_horizon_are_bookable() {
        let today = date!(2026 - 09 - 29);
        let slot = |day| SlotId { plan: 1, day };
        assert!(bookable(&cal(), slot(date!(2026 - 09 - 30)), today).is_ok());
        assert_eq!(
            bookable(&cal(), slot(today), today).unwrap_err().code,
            "appointment.past"
        );
        assert_eq!(
            bookable(&cal(), slot(date!(2026 - 10 - 01)), today)
                .unwrap_err()
                .code,
            "appointment.closed"
        );
        assert!(
            bookable(&cal(), slot(date!(2026 - 10 - 10)), today).is_ok(),
            "makeup Saturday"
        );
        assert_eq!(
            bookable(&cal(), slot(date!(2026 - 11 - 30)), today)
                .unwrap_err()
                .code,
            "appointment.too_far"
        );
    }

    #[test]
    fn a_home_visit_says_where_and_why_and_a_counter_slot_takes_neither() {
        use AppointmentKind::{Counter, HomeVisit as Home};
        assert_eq!(
            check_home_visit(Counter, Some("某地"), Some("elderly")),
            Ok(None)
        );
        assert_eq!(
            check_home_visit(Home, Some(" 荔城区镇海街道梅园东路12号 "), Some("elderly")),
            Ok(Some(HomeVisit {
                address: "荔城区镇海街道梅园东路12号".into(),
                reason: VisitReason::Elderly,
            }))
        );
        let e = check_home_visit(Home, None, None).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["visit_address", "visit_reason"]);
        let e = check_home_visit(Home, Some("x"), Some("vip")).unwrap_err();
        assert_eq!(e.0[0].code, "appointment.visit_reason");
        let long = "路".repeat(VISIT_ADDRESS_MAX + 1);
        assert_eq!(
            check_home_visit(Home, Some(&long), Some("key_project"))
                .unwrap_err()
                .0[0]
                .field,
            "visit_address"
        );
    }
}
