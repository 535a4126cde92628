//! The city: regions, halls with their windows, departments, and the
//! official holiday calendar.

use crate::Result;
use tongban_domain::calendar::HolidayYear;
use tongban_domain::city::{Department, Hall, NewDepartment, NewHall, Region};
use tongban_domain::{DepartmentId, HallId, UserId};

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

    /// Adds or replaces one year's table, in one transaction.
    async fn put_calendar_year(
        &self,
        year: &HolidayYear,
        by: Option<UserId>,
        now: i64,
    ) -> Result<()>;
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
                use sqlx::Row;
                let rows = sqlx::query("SELECT code, name, level, parent, local_code FROM regions ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::city::Region {
                            code: $crate::region_code(r.try_get("code")?),
                            name: r.try_get("name")?,
                            level: $crate::codec::level(r.try_get::<&str, _>("level")?)?,
                            parent: r.try_get::<Option<String>, _>("parent")?.map($crate::region_code),
                            local_code: r.try_get("local_code")?,
                        })
                    })
                    .collect()
            }

            async fn create_hall(&self, h: &tongban_domain::city::NewHall) -> $crate::Result<tongban_domain::HallId> {
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query(
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
                .await?
                .try_get("id")?;
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
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT h.id, h.key, h.name, h.kind, h.region, r.level, h.pilot, h.address, h.opening_hours, h.phone
                     FROM halls h JOIN regions r ON r.code = h.region ORDER BY h.id",
                )
                .fetch_all(&self.pool)
                .await?;
                let wrows = sqlx::query(
                    "SELECT id, hall_id, number, name, tongban, staff, phone, contact FROM windows
                     ORDER BY hall_id, tongban DESC, number",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut halls = Vec::with_capacity(rows.len());
                for r in &rows {
                    halls.push(tongban_domain::city::Hall {
                        id: tongban_domain::HallId(r.try_get("id")?),
                        key: r.try_get("key")?,
                        name: r.try_get("name")?,
                        kind: $crate::codec::hall_kind(r.try_get::<&str, _>("kind")?)?,
                        region: $crate::region_code(r.try_get("region")?),
                        level: $crate::codec::level(r.try_get::<&str, _>("level")?)?,
                        pilot: r.try_get("pilot")?,
                        address: r.try_get("address")?,
                        opening_hours: r.try_get("opening_hours")?,
                        phone: r.try_get("phone")?,
                        windows: vec![],
                    });
                }
                for w in &wrows {
                    let hall_id: i64 = w.try_get("hall_id")?;
                    if let Some(h) = halls.iter_mut().find(|h| h.id.0 == hall_id) {
                        h.windows.push(tongban_domain::city::Window {
                            id: tongban_domain::WindowId(w.try_get("id")?),
                            number: w.try_get("number")?,
                            name: w.try_get("name")?,
                            tongban: w.try_get("tongban")?,
                            staff: i32::try_from(w.try_get::<i64, _>("staff")?).unwrap_or(i32::MAX),
                            phone: w.try_get("phone")?,
                            contact: w.try_get("contact")?,
                        });
                    }
                }
                Ok(halls)
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
                use sqlx::Row;
                let mut tx = self.begin_write().await?;
                let id: i64 = sqlx::query(
                    "INSERT INTO departments (key, name, kind, region, system) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&d.key)
                .bind(&d.name)
                .bind(d.kind.as_str())
                .bind(d.region.as_str())
                .bind(d.system.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(tongban_domain::DepartmentId(id))
            }

            async fn departments(&self) -> $crate::Result<Vec<tongban_domain::city::Department>> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id, key, name, kind, region, system FROM departments ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(tongban_domain::city::Department {
                            id: tongban_domain::DepartmentId(r.try_get("id")?),
                            key: r.try_get("key")?,
                            name: r.try_get("name")?,
                            kind: $crate::codec::dept_kind(r.try_get::<&str, _>("kind")?)?,
                            region: $crate::region_code(r.try_get("region")?),
                            system: $crate::codec::system(r.try_get::<&str, _>("system")?)?,
                        })
                    })
                    .collect()
            }

            async fn calendar_years(&self) -> $crate::Result<Vec<tongban_domain::calendar::HolidayYear>> {
                use sqlx::Row;
                let mut years = Vec::new();
                for r in sqlx::query("SELECT year, source FROM calendar_years ORDER BY year").fetch_all(&self.pool).await? {
                    years.push(tongban_domain::calendar::HolidayYear {
                        year: i32::try_from(r.try_get::<i64, _>("year")?).unwrap_or(0),
                        source: r.try_get("source")?,
                        off: Default::default(),
                        work: Default::default(),
                    });
                }
                for r in sqlx::query("SELECT day, year, kind FROM calendar_days ORDER BY day").fetch_all(&self.pool).await? {
                    let year = r.try_get::<i64, _>("year")?;
                    let day = $crate::codec::parse_date(r.try_get::<&str, _>("day")?)?;
                    if let Some(y) = years.iter_mut().find(|y| i64::from(y.year) == year) {
                        if r.try_get::<&str, _>("kind")? == "off" {
                            y.off.insert(day);
                        } else {
                            y.work.insert(day);
                        }
                    }
                }
                Ok(years)
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
                Self::bump_revision(&mut tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_city;
