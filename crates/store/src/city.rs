//! The city: regions, halls with their windows, departments, and the
//! official holiday calendar.

use crate::codec::{corrupt, level, parse_date};
use crate::{Result, StoreError};
use tongban_domain::calendar::HolidayYear;
use tongban_domain::city::{
    Department, DepartmentKind, Hall, HallKind, NewDepartment, NewHall, Region, SystemKind, Window,
};
use tongban_domain::{DepartmentId, HallId, RegionCode, UserId, WindowId};

/// A recomputation of the running cases' due dates after a change of the
/// calendar.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueRefresh {
    /// Id.
    pub id: i64,
    /// The year whose table changed.
    pub year: i64,
    /// When, unix ms.
    pub requested_at: i64,
    /// The last case id done.
    pub after_id: i64,
    /// Cases done so far.
    pub done: i64,
    /// When it finished, unix ms.
    pub finished_at: Option<i64>,
    /// A newer change of the calendar took over.
    pub superseded: bool,
}

/// What the city (regions, halls, departments, the calendar) asks of a database.
#[async_trait::async_trait]
pub trait CityStore: Send + Sync {
    /// Adds or updates regions (parents first).
    async fn put_regions(&self, regions: &[Region]) -> Result<()>;

    /// Every region.
    async fn regions(&self) -> Result<Vec<Region>>;

    /// Creates a hall with its windows.
    async fn create_hall(&self, hall: &NewHall) -> Result<HallId>;

    /// Every hall with its windows.
    async fn halls(&self) -> Result<Vec<Hall>>;

    /// One hall.
    async fn hall(&self, id: HallId) -> Result<Hall>;

    /// Creates a department.
    async fn create_department(&self, d: &NewDepartment) -> Result<DepartmentId>;

    /// Every department.
    async fn departments(&self) -> Result<Vec<Department>>;

    /// Every year with an official holiday table.
    async fn calendar_years(&self) -> Result<Vec<HolidayYear>>;

    /// The latest recomputation of due dates (written with each change of
    /// the calendar), if any.
    async fn due_refresh(&self) -> Result<Option<DueRefresh>>;

    /// One batch of a recomputation, in one transaction: stores the due
    /// dates and records the progress (`after_id`: the last case done;
    /// `finished`: when it is the last batch). False, and nothing written,
    /// when the job was superseded or finished meanwhile.
    async fn advance_due_refresh(
        &self,
        job: i64,
        dates: &[(tongban_domain::CaseId, Option<time::Date>)],
        after_id: i64,
        finished: Option<i64>,
    ) -> Result<bool>;

    /// Adds or replaces one year's table, in one transaction.
    async fn put_calendar_year(
        &self,
        year: &HolidayYear,
        by: Option<UserId>,
        now: i64,
    ) -> Result<()>;
}

/// A `regions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent: Option<String>,
    local_code: bool,
}

impl TryFrom<RegionRow> for Region {
    type Error = StoreError;
    fn try_from(r: RegionRow) -> Result<Self> {
        Ok(Region {
            code: RegionCode(r.code),
            name: r.name,
            level: level(&r.level)?,
            parent: r.parent.map(RegionCode),
            local_code: r.local_code,
        })
    }
}

/// A `halls` row with its region's level.
#[derive(sqlx::FromRow)]
pub(crate) struct HallRow {
    id: i64,
    key: String,
    name: String,
    kind: String,
    region: String,
    level: String,
    pilot: bool,
    address: String,
    opening_hours: String,
    phone: String,
}

/// A `windows` row.
#[derive(sqlx::FromRow)]
pub(crate) struct WindowRow {
    id: i64,
    hall_id: i64,
    number: String,
    name: String,
    tongban: bool,
    staff: i64,
    phone: String,
    contact: String,
}

/// Halls with their windows (each window goes to its hall, in row order).
pub(crate) fn halls_with_windows(
    halls: Vec<HallRow>,
    windows: Vec<WindowRow>,
) -> Result<Vec<Hall>> {
    let mut out = halls
        .into_iter()
        .map(|r| {
            Ok(Hall {
                id: HallId(r.id),
                key: r.key,
                name: r.name,
                kind: HallKind::parse(&r.kind).ok_or_else(|| corrupt("hall kind", &r.kind))?,
                region: RegionCode(r.region),
                level: level(&r.level)?,
                pilot: r.pilot,
                address: r.address,
                opening_hours: r.opening_hours,
                phone: r.phone,
                windows: vec![],
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for w in windows {
        if let Some(h) = out.iter_mut().find(|h| h.id.0 == w.hall_id) {
            h.windows.push(Window {
                id: WindowId(w.id),
                number: w.number,
                name: w.name,
                tongban: w.tongban,
                staff: i32::try_from(w.staff).unwrap_or(i32::MAX),
                phone: w.phone,
                contact: w.contact,
            });
        }
    }
    Ok(out)
}

/// A `departments` row.
#[derive(sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    id: i64,
    key: String,
    name: String,
    kind: String,
    region: String,
    system: String,
    phone: String,
    contact: String,
}

impl TryFrom<DepartmentRow> for Department {
    type Error = StoreError;
    fn try_from(r: DepartmentRow) -> Result<Self> {
        Ok(Department {
            id: DepartmentId(r.id),
            key: r.key,
            name: r.name,
            kind: DepartmentKind::parse(&r.kind)
                .ok_or_else(|| corrupt("department kind", &r.kind))?,
            region: RegionCode(r.region),
            system: SystemKind::parse(&r.system).ok_or_else(|| corrupt("system", &r.system))?,
            phone: r.phone,
            contact: r.contact,
        })
    }
}

/// A `calendar_years` row.
#[derive(sqlx::FromRow)]
pub(crate) struct CalendarYearRow {
    year: i64,
    source: String,
}

/// A `calendar_days` row.
#[derive(sqlx::FromRow)]
pub(crate) struct CalendarDayRow {
    day: String,
    year: i64,
    kind: String,
}

/// Holiday tables with their days (each day goes to its year).
pub(crate) fn holiday_years(
    years: Vec<CalendarYearRow>,
    days: Vec<CalendarDayRow>,
) -> Result<Vec<HolidayYear>> {
    let mut out: Vec<HolidayYear> = years
        .into_iter()
        .map(|r| HolidayYear {
            year: i32::try_from(r.year).unwrap_or(0),
            source: r.source,
            off: Default::default(),
            work: Default::default(),
        })
        .collect();
    for r in days {
        let day = parse_date(&r.day)?;
        if let Some(y) = out.iter_mut().find(|y| i64::from(y.year) == r.year) {
            if r.kind == "off" {
                y.off.insert(day);
            } else {
                y.work.insert(day);
            }
        }
    }
    Ok(out)
}

/// Implements [`CityStore`] for `$ty` with the SQL both backends share.
macro_rules! impl_city {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl $crate::city::CityStore for $ty {
            async fn put_regions(&self, regions: &[tongban_domain::city::Region]) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                for r in regions {
                    sqlx::query(
                        "INSERT INTO regions (code, name, level, parent, local_code) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                         parent = excluded.parent, local_code = excluded.local_code",
                    )
                    .bind(r.code.as_str())
                    .bind(&r.name)
                    .bind(r.level.as_str())
                    .bind(r.parent.as_ref().map(|p| p.as_str()))
                    .bind(r.local_code)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn regions(&self) -> $crate::Result<Vec<tongban_domain::city::Region>> {
                sqlx::query_as::<_, $crate::city::RegionRow>(
                    "SELECT code, name, level, parent, local_code FROM regions ORDER BY code",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::city::Region::try_from)
                .collect()
            }

            async fn create_hall(&self, h: &tongban_domain::city::NewHall) -> $crate::Result<tongban_domain::HallId> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO halls (key, name, kind, region, pilot, address, opening_hours, phone)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&h.key)
                .bind(&h.name)
                .bind(h.kind.as_str())
                .bind(h.region.as_str())
                .bind(h.pilot)
                .bind(&h.address)
                .bind(&h.opening_hours)
                .bind(&h.phone)
                .fetch_one(&mut *tx)
                .await?;
                for w in &h.windows {
                    sqlx::query(
                        "INSERT INTO windows (hall_id, number, name, tongban, staff, phone, contact)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(&w.number)
                    .bind(&w.name)
                    .bind(w.tongban)
                    .bind(i64::from(w.staff))
                    .bind(&w.phone)
                    .bind(&w.contact)
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::HallId(id))
            }

            async fn halls(&self) -> $crate::Result<Vec<tongban_domain::city::Hall>> {
                let halls = sqlx::query_as::<_, $crate::city::HallRow>(
                    "SELECT h.id, h.key, h.name, h.kind, h.region, r.level, h.pilot, h.address, h.opening_hours, h.phone
                     FROM halls h JOIN regions r ON r.code = h.region ORDER BY h.id",
                )
                .fetch_all(&self.pool)
                .await?;
                let windows = sqlx::query_as::<_, $crate::city::WindowRow>(
                    "SELECT id, hall_id, number, name, tongban, staff, phone, contact FROM windows
                     ORDER BY hall_id, tongban DESC, number",
                )
                .fetch_all(&self.pool)
                .await?;
                $crate::city::halls_with_windows(halls, windows)
            }

            async fn hall(&self, id: tongban_domain::HallId) -> $crate::Result<tongban_domain::city::Hall> {
                self.halls()
                    .await?
                    .into_iter()
                    .find(|h| h.id == id)
                    .ok_or($crate::StoreError::NotFound)
            }

            async fn create_department(
                &self,
                d: &tongban_domain::city::NewDepartment,
            ) -> $crate::Result<tongban_domain::DepartmentId> {
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO departments (key, name, kind, region, system, phone, contact)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&d.key)
                .bind(&d.name)
                .bind(d.kind.as_str())
                .bind(d.region.as_str())
                .bind(d.system.as_str())
                .bind(&d.phone)
                .bind(&d.contact)
                .fetch_one(&mut *tx)
                .await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::DepartmentId(id))
            }

            async fn departments(&self) -> $crate::Result<Vec<tongban_domain::city::Department>> {
                sqlx::query_as::<_, $crate::city::DepartmentRow>(
                    "SELECT id, key, name, kind, region, system, phone, contact FROM departments ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(tongban_domain::city::Department::try_from)
                .collect()
            }

            async fn due_refresh(&self) -> $crate::Result<Option<$crate::city::DueRefresh>> {
                Ok(sqlx::query_as(
                    "SELECT id, year, requested_at, after_id, done, finished_at, superseded FROM due_refresh ORDER BY id DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn advance_due_refresh(
                &self,
                job: i64,
                dates: &[(tongban_domain::CaseId, Option<time::Date>)],
                after_id: i64,
                finished: Option<i64>,
            ) -> $crate::Result<bool> {
                let mut tx = self.begin_write().await?;
                let moved = sqlx::query(
                    "UPDATE due_refresh SET after_id = $1, done = done + $2, finished_at = $3 WHERE id = $4 AND finished_at IS NULL",
                )
                .bind(after_id)
                .bind(dates.len() as i64)
                .bind(finished)
                .bind(job)
                .execute(&mut *tx)
                .await?;
                if moved.rows_affected() != 1 {
                    return Ok(false);
                }
                for (id, due) in dates {
                    sqlx::query("UPDATE cases SET due_on = $1 WHERE id = $2")
                        .bind(due.map($crate::codec::date_str))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn calendar_years(&self) -> $crate::Result<Vec<tongban_domain::calendar::HolidayYear>> {
                let years = sqlx::query_as::<_, $crate::city::CalendarYearRow>(
                    "SELECT year, source FROM calendar_years ORDER BY year",
                )
                .fetch_all(&self.pool)
                .await?;
                let days = sqlx::query_as::<_, $crate::city::CalendarDayRow>(
                    "SELECT day, year, kind FROM calendar_days ORDER BY day",
                )
                .fetch_all(&self.pool)
                .await?;
                $crate::city::holiday_years(years, days)
            }

            async fn put_calendar_year(
                &self,
                y: &tongban_domain::calendar::HolidayYear,
                by: Option<tongban_domain::UserId>,
                now: i64,
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO calendar_years (year, source, updated_at, updated_by) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (year) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by",
                )
                .bind(i64::from(y.year))
                .bind(&y.source)
                .bind(now)
                .bind(by.map(|u| u.0))
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM calendar_days WHERE year = $1").bind(i64::from(y.year)).execute(&mut *tx).await?;
                for (kind, set) in [("off", &y.off), ("work", &y.work)] {
                    for d in set {
                        sqlx::query("INSERT INTO calendar_days (day, year, kind) VALUES ($1, $2, $3)")
                            .bind($crate::codec::date_str(*d))
                            .bind(i64::from(y.year))
                            .bind(kind)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                // The running cases' due dates follow, in the background.
                sqlx::query("UPDATE due_refresh SET superseded = TRUE, finished_at = $1 WHERE finished_at IS NULL")
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO due_refresh (year, requested_at, requested_by) VALUES ($1, $2, $3)")
                    .bind(i64::from(y.year))
                    .bind(now)
                    .bind(by.map(|u| u.0))
                    .execute(&mut *tx)
                    .await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_city;
