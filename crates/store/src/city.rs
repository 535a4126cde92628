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

    /// Retires a region (kept for history); `NotFound` if there is none.
    async fn retire_region(&self, code: &RegionCode, at: i64) -> Result<()>;

    /// Changes a hall (its windows stay); `NotFound`, or `Conflict` on a
    /// key another hall has.
    async fn update_hall(&self, id: HallId, hall: &NewHall) -> Result<()>;

    /// Retires a hall (it keeps its cases); `NotFound` if there is none.
    async fn retire_hall(&self, id: HallId, at: i64) -> Result<()>;

    /// Adds a window to a hall; `Conflict` on a number the hall has.
    async fn create_window(
        &self,
        hall: HallId,
        w: &tongban_domain::city::NewWindow,
    ) -> Result<WindowId>;

    /// Changes a window; `NotFound`, or `Conflict` on a number its hall has.
    async fn update_window(&self, id: WindowId, w: &tongban_domain::city::NewWindow) -> Result<()>;

    /// Retires a window; `NotFound` if there is none.
    async fn retire_window(&self, id: WindowId, at: i64) -> Result<()>;

    /// Names the staff of a window (replacing those named before).
    async fn set_window_staff(&self, window: WindowId, staff: &[UserId]) -> Result<()>;

    /// Changes a department; `NotFound`, or `Conflict` on a key another has.
    async fn update_department(&self, id: DepartmentId, d: &NewDepartment) -> Result<()>;

    /// Retires a department (it keeps its cases); `NotFound` if none.
    async fn retire_department(&self, id: DepartmentId, at: i64) -> Result<()>;

    /// Writes a whole city (a workbook's sheets) in one transaction, each
    /// thing added or changed by its key; nothing is deleted.
    async fn import_city(&self, city: &CityImport) -> Result<CityImported>;

    /// Adds or replaces one year's table, in one transaction.
    async fn put_calendar_year(
        &self,
        year: &HolidayYear,
        by: Option<UserId>,
        now: i64,
    ) -> Result<()>;
}

/// A whole city as its administrators keep it (one workbook): written by
/// key — region code, hall key, hall key and window number, department key,
/// user name — added when new, changed when known, retired or brought back
/// as the `retired` flags say. Parents come before children.
#[derive(Debug, Clone, Default)]
pub struct CityImport {
    /// Regions, parents first.
    pub regions: Vec<Region>,
    /// Departments, each with whether it is retired.
    pub departments: Vec<(NewDepartment, bool)>,
    /// Halls (their `windows` ignored), each with whether it is retired.
    pub halls: Vec<(NewHall, bool)>,
    /// Windows: the hall's key, the window, whether it is retired.
    pub windows: Vec<(String, tongban_domain::city::NewWindow, bool)>,
    /// Staff accounts.
    pub staff: Vec<StaffImport>,
    /// Named staff: hall key, window number, user name. Every window of
    /// `windows` gets exactly the staff listed for it here.
    pub window_staff: Vec<(String, String, String)>,
    /// When, unix ms (the retirements' time).
    pub at: i64,
}

/// A staff account in a city workbook.
#[derive(Clone)]
pub struct StaffImport {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role (not an applicant's).
    pub role: tongban_domain::user::Role,
    /// The hall's key (window staff, hall admins).
    pub hall: Option<String>,
    /// The department's key (reviewers, department admins).
    pub department: Option<String>,
    /// Mobile.
    pub phone: Option<String>,
    /// Whether it may sign in.
    pub active: bool,
    /// The password hash a new account starts with (an existing account
    /// keeps its own).
    pub password_hash: String,
}

impl std::fmt::Debug for StaffImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffImport")
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CityImported {
    /// Accounts that did not exist before (they start with the hash given).
    pub new_accounts: Vec<String>,
    /// Rows written per sheet: regions, departments, halls, windows, staff, named staff.
    pub rows: [usize; 6],
}

/// What a retirement names: a row's id, or a region's code.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RetireKey<'a> {
    /// A hall's, window's or department's id.
    Id(i64),
    /// A region's code.
    Code(&'a str),
}

/// A `regions` row.
#[derive(sqlx::FromRow)]
pub(crate) struct RegionRow {
    code: String,
    name: String,
    level: String,
    parent: Option<String>,
    local_code: bool,
    retired_at: Option<i64>,
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
            retired: r.retired_at.is_some(),
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
    extended_hours: String,
    weekend_hours: String,
    self_service_24h: bool,
    retired_at: Option<i64>,
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
    retired_at: Option<i64>,
}

/// A `window_staff` row with the account's name and mobile.
#[derive(sqlx::FromRow)]
pub(crate) struct WindowStaffRow {
    window_id: i64,
    user_id: i64,
    display_name: String,
    phone: Option<String>,
}

/// Halls with their windows (each window goes to its hall, in row order)
/// and each window's named staff.
pub(crate) fn halls_with_windows(
    halls: Vec<HallRow>,
    windows: Vec<WindowRow>,
    staff: Vec<WindowStaffRow>,
) -> Result<Vec<Hall>> {
    let mut out = halls
        .into_iter()
        .map(|r| {
            Ok(Hall {
                weekend_hours: r.weekend_hours,
                extended_hours: r.extended_hours,
                retired: r.retired_at.is_some(),
                self_service_24h: r.self_service_24h,
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
            let named_staff = staff
                .iter()
                .filter(|s| s.window_id == w.id)
                .map(|s| tongban_domain::city::NamedStaff {
                    user: UserId(s.user_id),
                    name: s.display_name.clone(),
                    phone: s.phone.clone().unwrap_or_default(),
                })
                .collect();
            h.windows.push(Window {
                named_staff,
                retired: w.retired_at.is_some(),
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
    contact: String,
    phone: String,
    retired_at: Option<i64>,
}

impl TryFrom<DepartmentRow> for Department {
    type Error = StoreError;
    fn try_from(r: DepartmentRow) -> Result<Self> {
        Ok(Department {
            contact: r.contact,
            phone: r.phone,
            retired: r.retired_at.is_some(),
            id: DepartmentId(r.id),
            key: r.key,
            name: r.name,
            kind: DepartmentKind::parse(&r.kind)
                .ok_or_else(|| corrupt("department kind", &r.kind))?,
            region: RegionCode(r.region),
            system: SystemKind::parse(&r.system).ok_or_else(|| corrupt("system", &r.system))?,
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
    ($ty:ty, $tx:ty) => {
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
                    "SELECT code, name, level, parent, local_code, retired_at FROM regions ORDER BY code",
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
                    "INSERT INTO halls (key, name, kind, region, pilot, address, opening_hours, phone,
                                        extended_hours, weekend_hours, self_service_24h)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(&h.key)
                .bind(&h.name)
                .bind(h.kind.as_str())
                .bind(h.region.as_str())
                .bind(h.pilot)
                .bind(&h.address)
                .bind(&h.opening_hours)
                .bind(&h.phone)
                .bind(&h.extended_hours)
                .bind(&h.weekend_hours)
                .bind(h.self_service_24h)
                .fetch_one(&mut *tx)
                .await?;
                for w in &h.windows {
                    Self::insert_window(&mut tx, id, w).await?;
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::HallId(id))
            }

            async fn halls(&self) -> $crate::Result<Vec<tongban_domain::city::Hall>> {
                let halls = sqlx::query_as::<_, $crate::city::HallRow>(
                    "SELECT h.id, h.key, h.name, h.kind, h.region, r.level, h.pilot, h.address, h.opening_hours, h.phone,
                            h.extended_hours, h.weekend_hours, h.self_service_24h, h.retired_at
                     FROM halls h JOIN regions r ON r.code = h.region ORDER BY h.id",
                )
                .fetch_all(&self.pool)
                .await?;
                let windows = sqlx::query_as::<_, $crate::city::WindowRow>(
                    "SELECT id, hall_id, number, name, tongban, staff, phone, contact, retired_at FROM windows
                     ORDER BY hall_id, tongban DESC, number",
                )
                .fetch_all(&self.pool)
                .await?;
                let staff = sqlx::query_as::<_, $crate::city::WindowStaffRow>(
                    "SELECT s.window_id, s.user_id, u.display_name, u.phone FROM window_staff s
                     JOIN users u ON u.id = s.user_id ORDER BY s.window_id, u.id",
                )
                .fetch_all(&self.pool)
                .await?;
                $crate::city::halls_with_windows(halls, windows, staff)
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
                    "INSERT INTO departments (key, name, kind, region, system, contact, phone)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&d.key)
                .bind(&d.name)
                .bind(d.kind.as_str())
                .bind(d.region.as_str())
                .bind(d.system.as_str())
                .bind(&d.contact)
                .bind(&d.phone)
                .fetch_one(&mut *tx)
                .await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::DepartmentId(id))
            }

            async fn departments(&self) -> $crate::Result<Vec<tongban_domain::city::Department>> {
                sqlx::query_as::<_, $crate::city::DepartmentRow>(
                    "SELECT id, key, name, kind, region, system, contact, phone, retired_at FROM departments ORDER BY id",
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

            async fn retire_region(&self, code: &tongban_domain::RegionCode, at: i64) -> $crate::Result<()> {
                self.retire("UPDATE regions SET retired_at = COALESCE(retired_at, $1) WHERE code = $2", at, RetireKey::Code(code.as_str())).await
            }

            async fn update_hall(&self, id: tongban_domain::HallId, h: &tongban_domain::city::NewHall) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE halls SET key = $1, name = $2, kind = $3, region = $4, pilot = $5, address = $6,
                     opening_hours = $7, phone = $8, extended_hours = $9, weekend_hours = $10, self_service_24h = $11
                     WHERE id = $12",
                )
                .bind(&h.key)
                .bind(&h.name)
                .bind(h.kind.as_str())
                .bind(h.region.as_str())
                .bind(h.pilot)
                .bind(&h.address)
                .bind(&h.opening_hours)
                .bind(&h.phone)
                .bind(&h.extended_hours)
                .bind(&h.weekend_hours)
                .bind(h.self_service_24h)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retire_hall(&self, id: tongban_domain::HallId, at: i64) -> $crate::Result<()> {
                self.retire("UPDATE halls SET retired_at = COALESCE(retired_at, $1) WHERE id = $2", at, RetireKey::Id(id.0)).await
            }

            async fn create_window(
                &self,
                hall: tongban_domain::HallId,
                w: &tongban_domain::city::NewWindow,
            ) -> $crate::Result<tongban_domain::WindowId> {
                let mut tx = self.begin_write().await?;
                let id = Self::insert_window(&mut tx, hall.0, w).await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::WindowId(id))
            }

            async fn update_window(
                &self,
                id: tongban_domain::WindowId,
                w: &tongban_domain::city::NewWindow,
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE windows SET number = $1, name = $2, tongban = $3, staff = $4, phone = $5, contact = $6 WHERE id = $7",
                )
                .bind(&w.number)
                .bind(&w.name)
                .bind(w.tongban)
                .bind(i64::from(w.staff))
                .bind(&w.phone)
                .bind(&w.contact)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retire_window(&self, id: tongban_domain::WindowId, at: i64) -> $crate::Result<()> {
                self.retire("UPDATE windows SET retired_at = COALESCE(retired_at, $1) WHERE id = $2", at, RetireKey::Id(id.0)).await
            }

            async fn set_window_staff(
                &self,
                window: tongban_domain::WindowId,
                staff: &[tongban_domain::UserId],
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM windows WHERE id = $1")
                    .bind(window.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err($crate::StoreError::NotFound);
                }
                Self::name_window_staff(&mut tx, window.0, staff.iter().map(|u| u.0)).await?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_department(
                &self,
                id: tongban_domain::DepartmentId,
                d: &tongban_domain::city::NewDepartment,
            ) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query(
                    "UPDATE departments SET key = $1, name = $2, kind = $3, region = $4, system = $5, contact = $6, phone = $7
                     WHERE id = $8",
                )
                .bind(&d.key)
                .bind(&d.name)
                .bind(d.kind.as_str())
                .bind(d.region.as_str())
                .bind(d.system.as_str())
                .bind(&d.contact)
                .bind(&d.phone)
                .bind(id.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retire_department(&self, id: tongban_domain::DepartmentId, at: i64) -> $crate::Result<()> {
                self.retire("UPDATE departments SET retired_at = COALESCE(retired_at, $1) WHERE id = $2", at, RetireKey::Id(id.0)).await
            }

            async fn import_city(&self, c: &$crate::city::CityImport) -> $crate::Result<$crate::city::CityImported> {
                let mut tx = self.begin_write().await?;
                let mut done = $crate::city::CityImported::default();
                let retired = |r: bool| r.then_some(c.at);
                for r in &c.regions {
                    sqlx::query(
                        "INSERT INTO regions (code, name, level, parent, local_code, retired_at) VALUES ($1, $2, $3, $4, $5, $6)
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                         parent = excluded.parent, local_code = excluded.local_code,
                         retired_at = CASE WHEN excluded.retired_at IS NULL THEN NULL ELSE COALESCE(regions.retired_at, excluded.retired_at) END",
                    )
                    .bind(r.code.as_str())
                    .bind(&r.name)
                    .bind(r.level.as_str())
                    .bind(r.parent.as_ref().map(|p| p.as_str()))
                    .bind(r.local_code)
                    .bind(retired(r.retired))
                    .execute(&mut *tx)
                    .await?;
                }
                done.rows[0] = c.regions.len();
                for (d, gone) in &c.departments {
                    sqlx::query(
                        "INSERT INTO departments (key, name, kind, region, system, contact, phone, retired_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                         ON CONFLICT (key) DO UPDATE SET name = excluded.name, kind = excluded.kind, region = excluded.region,
                         system = excluded.system, contact = excluded.contact, phone = excluded.phone,
                         retired_at = CASE WHEN excluded.retired_at IS NULL THEN NULL ELSE COALESCE(departments.retired_at, excluded.retired_at) END",
                    )
                    .bind(&d.key)
                    .bind(&d.name)
                    .bind(d.kind.as_str())
                    .bind(d.region.as_str())
                    .bind(d.system.as_str())
                    .bind(&d.contact)
                    .bind(&d.phone)
                    .bind(retired(*gone))
                    .execute(&mut *tx)
                    .await?;
                }
                done.rows[1] = c.departments.len();
                for (h, gone) in &c.halls {
                    sqlx::query(
                        "INSERT INTO halls (key, name, kind, region, pilot, address, opening_hours, phone,
                                            extended_hours, weekend_hours, self_service_24h, retired_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                         ON CONFLICT (key) DO UPDATE SET name = excluded.name, kind = excluded.kind, region = excluded.region,
                         pilot = excluded.pilot, address = excluded.address, opening_hours = excluded.opening_hours,
                         phone = excluded.phone, extended_hours = excluded.extended_hours,
                         weekend_hours = excluded.weekend_hours, self_service_24h = excluded.self_service_24h,
                         retired_at = CASE WHEN excluded.retired_at IS NULL THEN NULL ELSE COALESCE(halls.retired_at, excluded.retired_at) END",
                    )
                    .bind(&h.key)
                    .bind(&h.name)
                    .bind(h.kind.as_str())
                    .bind(h.region.as_str())
                    .bind(h.pilot)
                    .bind(&h.address)
                    .bind(&h.opening_hours)
                    .bind(&h.phone)
                    .bind(&h.extended_hours)
                    .bind(&h.weekend_hours)
                    .bind(h.self_service_24h)
                    .bind(retired(*gone))
                    .execute(&mut *tx)
                    .await?;
                }
                done.rows[2] = c.halls.len();
                let mut window_ids = Vec::new();
                for (hall, w, gone) in &c.windows {
                    let hall_id = Self::hall_id_by_key(&mut tx, hall).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO windows (hall_id, number, name, tongban, staff, phone, contact, retired_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                         ON CONFLICT (hall_id, number) DO UPDATE SET name = excluded.name, tongban = excluded.tongban,
                         staff = excluded.staff, phone = excluded.phone, contact = excluded.contact,
                         retired_at = CASE WHEN excluded.retired_at IS NULL THEN NULL ELSE COALESCE(windows.retired_at, excluded.retired_at) END
                         RETURNING id",
                    )
                    .bind(hall_id)
                    .bind(&w.number)
                    .bind(&w.name)
                    .bind(w.tongban)
                    .bind(i64::from(w.staff))
                    .bind(&w.phone)
                    .bind(&w.contact)
                    .bind(retired(*gone))
                    .fetch_one(&mut *tx)
                    .await?;
                    window_ids.push((hall.as_str(), w.number.as_str(), id));
                }
                done.rows[3] = c.windows.len();
                for u in &c.staff {
                    let hall = match &u.hall {
                        Some(k) => Some(Self::hall_id_by_key(&mut tx, k).await?),
                        None => None,
                    };
                    let department = match &u.department {
                        Some(k) => Some(Self::department_id_by_key(&mut tx, k).await?),
                        None => None,
                    };
                    let existing: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE username = $1")
                        .bind(&u.username)
                        .fetch_optional(&mut *tx)
                        .await?;
                    match existing.as_deref() {
                        Some("applicant") => {
                            return Err($crate::StoreError::Conflict(format!("applicant:{}", u.username)));
                        }
                        Some(_) => {
                            sqlx::query(
                                "UPDATE users SET display_name = $1, role = $2, hall_id = $3, department_id = $4,
                                 phone = $5, active = $6 WHERE username = $7",
                            )
                            .bind(&u.display_name)
                            .bind(u.role.as_str())
                            .bind(hall)
                            .bind(department)
                            .bind(u.phone.as_deref())
                            .bind(u.active)
                            .bind(&u.username)
                            .execute(&mut *tx)
                            .await?;
                        }
                        None => {
                            sqlx::query(
                                "INSERT INTO users (username, display_name, password_hash, role, hall_id, department_id, active, created_at, phone)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                            )
                            .bind(&u.username)
                            .bind(&u.display_name)
                            .bind(&u.password_hash)
                            .bind(u.role.as_str())
                            .bind(hall)
                            .bind(department)
                            .bind(u.active)
                            .bind(c.at)
                            .bind(u.phone.as_deref())
                            .execute(&mut *tx)
                            .await?;
                            done.new_accounts.push(u.username.clone());
                        }
                    }
                }
                done.rows[4] = c.staff.len();
                for (hall, number, id) in &window_ids {
                    let mut named = Vec::new();
                    for (_, _, username) in c.window_staff.iter().filter(|(h, n, _)| h == hall && n == number) {
                        let user: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                            .bind(username)
                            .fetch_optional(&mut *tx)
                            .await?;
                        named.push(user.ok_or_else(|| $crate::StoreError::Conflict(format!("user:{username}")))?);
                    }
                    Self::name_window_staff(&mut tx, *id, named.into_iter()).await?;
                }
                done.rows[5] = c.window_staff.len();
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(done)
            }
        }

        #[allow(unused_imports)]
        use $crate::city::RetireKey;

        impl $ty {
            /// Sets `retired_at` by one statement (`$1` the time, `$2` the key); `NotFound` when nothing matched.
            async fn retire(&self, sql: &'static str, at: i64, key: RetireKey<'_>) -> $crate::Result<()> {
                let mut tx = self.begin_write().await?;
                let q = sqlx::query(sql).bind(at);
                let q = match key {
                    RetireKey::Id(id) => q.bind(id),
                    RetireKey::Code(code) => q.bind(code.to_owned()),
                };
                let n = q.execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    return Err($crate::StoreError::NotFound);
                }
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_window(tx: &mut $tx, hall: i64, w: &tongban_domain::city::NewWindow) -> $crate::Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO windows (hall_id, number, name, tongban, staff, phone, contact)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(hall)
                .bind(&w.number)
                .bind(&w.name)
                .bind(w.tongban)
                .bind(i64::from(w.staff))
                .bind(&w.phone)
                .bind(&w.contact)
                .fetch_one(&mut **tx)
                .await?)
            }

            async fn name_window_staff(
                tx: &mut $tx,
                window: i64,
                staff: impl Iterator<Item = i64>,
            ) -> $crate::Result<()> {
                sqlx::query("DELETE FROM window_staff WHERE window_id = $1")
                    .bind(window)
                    .execute(&mut **tx)
                    .await?;
                for user in staff {
                    sqlx::query("INSERT INTO window_staff (window_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(window)
                        .bind(user)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            async fn hall_id_by_key(tx: &mut $tx, key: &str) -> $crate::Result<i64> {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM halls WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await?;
                id.ok_or_else(|| $crate::StoreError::Conflict(format!("hall:{key}")))
            }

            async fn department_id_by_key(tx: &mut $tx, key: &str) -> $crate::Result<i64> {
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM departments WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&mut **tx)
                    .await?;
                id.ok_or_else(|| $crate::StoreError::Conflict(format!("department:{key}")))
            }
        }
    };
}
pub(crate) use impl_city;
