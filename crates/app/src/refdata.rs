//! Reference data that changes rarely — the calendar, departments, halls,
//! regions, grants — cached per reference-data revision, and the lookups a
//! use case reads it through.

use crate::App;
use tongban_domain::RegionCode;
use tongban_domain::authz::Trust;
use tongban_domain::calendar::Calendar;

/// Reference data that changes rarely: the calendar, departments, halls,
/// regions. Cached per reference-data revision (see [`RefCache`]).
#[derive(Debug)]
pub struct RefData {
    pub cal: Calendar,
    pub departments: Vec<tongban_domain::city::Department>,
    pub halls: Vec<tongban_domain::city::Hall>,
    pub regions: Vec<tongban_domain::city::Region>,
    pub places: Vec<tongban_domain::grant::HallPlace>,
    pub grants: Vec<tongban_domain::grant::Grant>,
    /// The 通办 list's published batches (its history).
    pub list_history: Vec<tongban_domain::list_batch::PublishedBatch>,
    /// The list in force on the last day asked (so the cache is per
    /// revision and day: a batch effective tomorrow applies tomorrow).
    pub(crate) in_force: std::sync::Mutex<Option<(time::Date, std::sync::Arc<Vec<ListEntry>>)>>,
}

use tongban_domain::tongban::ListEntry;

impl RefData {
    /// The 通办 list in force on `day`: computed once per revision and day.
    pub fn list_on(&self, day: time::Date) -> std::sync::Arc<Vec<ListEntry>> {
        let mut slot = self.in_force.lock().expect("lock");
        if let Some((d, l)) = slot.as_ref()
            && *d == day
        {
            return l.clone();
        }
        let l = std::sync::Arc::new(tongban_domain::list_batch::in_force(
            &self.list_history,
            day,
        ));
        *slot = Some((day, l.clone()));
        l
    }
}

/// The reference data, reloaded only when the database's revision moved —
/// which every write to it bumps, so no process serves stale data.
#[derive(Debug, Default)]
pub struct RefCache {
    inner: std::sync::RwLock<Option<(i64, std::sync::Arc<RefData>)>>,
}

impl RefCache {
    /// The current reference data.
    pub async fn get(
        &self,
        store: &dyn tongban_store::Store,
    ) -> tongban_store::Result<std::sync::Arc<RefData>> {
        self.get_at(store, None).await
    }

    /// The reference data at revision `known` (read in this request
    /// already, e.g. with the session), or at the database's current one.
    pub async fn get_at(
        &self,
        store: &dyn tongban_store::Store,
        known: Option<i64>,
    ) -> tongban_store::Result<std::sync::Arc<RefData>> {
        let rev = match known {
            Some(r) => r,
            None => store.catalogue_revision().await?,
        };
        if let Some((r, d)) = self.inner.read().expect("lock").as_ref()
            && *r == rev
        {
            return Ok(d.clone());
        }
        let halls = store.halls().await?;
        let regions = store.regions().await?;
        let d = std::sync::Arc::new(RefData {
            cal: crate::calendar::load(store).await?,
            departments: store.departments().await?,
            places: halls
                .iter()
                .map(|h| tongban_domain::grant::HallPlace::of(h, &regions))
                .collect(),
            grants: store.grants().await?,
            list_history: store.published_batches().await?,
            in_force: std::sync::Mutex::new(None),
            halls,
            regions,
        });
        // The revision is read before the data, so the data is at least as
        // new as its label; a slower load of an older revision never
        // replaces a newer one.
        let mut slot = self.inner.write().expect("lock");
        if slot.as_ref().is_none_or(|(r, _)| *r <= rev) {
            *slot = Some((rev, d.clone()));
        }
        Ok(d)
    }
}

/// Everything needed to decide on and show cases: the reference data and today.
#[derive(Debug)]
pub struct Lookups {
    pub(crate) data: std::sync::Arc<RefData>,
    pub(crate) today: time::Date,
}

impl Lookups {
    /// Loads the lookups.
    pub async fn load(app: &App) -> tongban_store::Result<Self> {
        Self::load_at(app, None).await
    }

    /// Loads the lookups at a revision already read in this request (with
    /// the caller's session: one query fewer on every signed request), or
    /// at the database's current one.
    pub async fn load_at(app: &App, revision: Option<i64>) -> tongban_store::Result<Self> {
        Ok(Self {
            data: app.refdata.get_at(app.store.as_ref(), revision).await?,
            today: app.now.today(),
        })
    }

    /// Today (Asia/Shanghai), as read with the lookups.
    pub fn today(&self) -> time::Date {
        self.today
    }

    /// What authorisation needs to weigh grants today.
    pub fn trust(&self) -> Trust<'_> {
        Trust {
            grants: &self.data.grants,
            halls: &self.data.places,
            departments: &self.data.departments,
            today: self.today,
        }
    }

    /// The 通办 list in force today.
    pub fn list(&self) -> std::sync::Arc<Vec<ListEntry>> {
        self.data.list_on(self.today)
    }

    /// The list entry of an item in force today.
    pub fn listing(&self, item: &tongban_domain::ItemCode) -> Option<ListEntry> {
        self.list().iter().find(|e| &e.item == item).cloned()
    }

    /// The reference data.
    pub fn data(&self) -> &RefData {
        &self.data
    }

    /// The county-level ancestor (or self) of a region.
    pub(crate) fn county_of(&self, code: &RegionCode) -> Option<RegionCode> {
        let mut c = Some(code.clone());
        while let Some(x) = c {
            let r = self.data.regions.iter().find(|r| r.code == x)?;
            if matches!(
                r.level,
                tongban_domain::city::RegionLevel::County | tongban_domain::city::RegionLevel::City
            ) {
                return Some(x);
            }
            c = r.parent.clone();
        }
        None
    }
}
