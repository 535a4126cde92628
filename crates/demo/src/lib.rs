//! The demo city: Putian's regions, halls with their 专窗, departments, a
//! catalogue of real items with guide maps, the published 通办 list and the
//! demo accounts. Only `tongban demo` uses it; `serve` never does.

use serde::Deserialize;
use std::collections::HashMap;
use tongban_domain::catalogue::ItemContent;
use tongban_domain::catalogue::implementing_departments;
use tongban_domain::city::RegionLevel;
use tongban_domain::city::{NewDepartment, NewHall, NewWindow, Region};
use tongban_domain::list_batch::BatchEntry;
use tongban_domain::tongban::{Batch, ListEntry};
use tongban_domain::user::{Role, Scope};
use tongban_domain::{DepartmentId, HallId, RegionCode};
use tongban_store::{NewUser, Publication, Store, StoreError};

mod synthetic;

const CITY: &str = include_str!("../data/city.toml");
const ITEMS: &str = include_str!("../data/items.toml");
const LIST: &str = include_str!("../data/tongban-list.toml");

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo";

#[derive(Debug, Deserialize)]
struct CityFile {
    region: Vec<RegionRow>,
    hall: Vec<HallRow>,
    department: Vec<DepartmentRow>,
}

#[derive(Debug, Deserialize)]
struct RegionRow {
    code: String,
    name: String,
    level: tongban_domain::city::RegionLevel,
    parent: String,
    local_code: bool,
}

#[derive(Debug, Deserialize)]
struct HallRow {
    key: String,
    name: String,
    kind: tongban_domain::city::HallKind,
    region: String,
    pilot: bool,
    address: String,
    opening_hours: String,
    phone: String,
    window: Vec<WindowRow>,
}

#[derive(Debug, Deserialize)]
struct WindowRow {
    number: String,
    name: String,
    tongban: bool,
    staff: i32,
    phone: String,
    contact: String,
}

#[derive(Debug, Deserialize)]
struct DepartmentRow {
    key: String,
    name: String,
    kind: tongban_domain::city::DepartmentKind,
    region: String,
    system: tongban_domain::city::SystemKind,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    contact: String,
}

/// One catalogue item of the demo file, with its initial aliases.
#[derive(Debug, Clone, Deserialize)]
pub struct DemoItem {
    /// Every standard element.
    #[serde(flatten)]
    pub content: ItemContent,
    /// Colloquial names, seeded into the admin-maintained alias list.
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ItemsFile {
    item: Vec<DemoItem>,
}

#[derive(Debug, Deserialize)]
struct ListFile {
    batch: Vec<Batch>,
    entry: Vec<ListEntry>,
}

/// The demo data, parsed.
#[derive(Debug)]
pub struct Demo {
    /// Regions, parents first.
    pub regions: Vec<Region>,
    /// Halls.
    pub halls: Vec<NewHall>,
    /// Departments.
    pub departments: Vec<NewDepartment>,
    /// Items.
    pub items: Vec<DemoItem>,
    /// Batches of the 通办 list.
    pub batches: Vec<Batch>,
    /// Entries of the 通办 list.
    pub entries: Vec<ListEntry>,
}

/// A demo account.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    /// Login name.
    pub username: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Role.
    pub role: Role,
    /// Hall key or department key it belongs to.
    pub scope_key: Option<&'static str>,
    /// What the account is for, in zh-CN.
    pub description: &'static str,
    /// Household registration region (applicants).
    pub household_region: Option<&'static str>,
    /// A real-name applicant's ID number and mobile (the kiosk signs in by
    /// them).
    pub identity: Option<(&'static str, &'static str)>,
}

/// The demo accounts (password [`DEMO_PASSWORD`]).
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        display_name: "平台管理员",
        role: Role::PlatformAdmin,
        scope_key: None,
        description: "平台管理员（审改办/管委会）",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "admin2",
        display_name: "林清审",
        role: Role::PlatformAdmin,
        scope_key: None,
        description: "平台管理员（全域通办办公室，审核清单批次）",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "clerk-city",
        display_name: "陈晓燕",
        role: Role::Clerk,
        scope_key: Some("city-centre"),
        description: "莆田市行政服务中心 全域通办专窗",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "clerk-longqiao",
        display_name: "黄志强",
        role: Role::Clerk,
        scope_key: Some("longqiao"),
        description: "城厢区龙桥街道便民服务中心",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "clerk-zhenhai",
        display_name: "林美玲",
        role: Role::Clerk,
        scope_key: Some("zhenhai"),
        description: "荔城区镇海“党建+”社区邻里中心",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "guide-zhenhai",
        display_name: "陈丽娟",
        role: Role::Guide,
        scope_key: Some("zhenhai"),
        description: "荔城区镇海“党建+”社区邻里中心 帮办员（帮办代办）",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "reviewer-xianyou-police",
        display_name: "郑国华",
        role: Role::Reviewer,
        scope_key: Some("xianyou-police"),
        description: "仙游县公安局 审批人员",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "reviewer-licheng-civil",
        display_name: "吴丽芳",
        role: Role::Reviewer,
        scope_key: Some("licheng-civil_affairs"),
        description: "荔城区民政局 审批人员",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "reviewer-city-hpf",
        display_name: "许建平",
        role: Role::Reviewer,
        scope_key: Some("city-housing_fund"),
        description: "莆田市住房公积金管理中心 审批人员",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "admin-licheng-police",
        display_name: "方振宇",
        role: Role::DepartmentAdmin,
        scope_key: Some("licheng-police"),
        description: "莆田市公安局荔城分局 部门管理员（管理本部门的授权）",
        household_region: None,
        identity: None,
    },
    DemoAccount {
        username: "applicant-lin",
        display_name: "林秀英",
        role: Role::Applicant,
        scope_key: None,
        description: "申请人（户籍荔城区，七十多岁，常用大字模式）",
        household_region: Some("350304"),
        identity: Some(("350304195103120027", "13805940001")),
    },
    DemoAccount {
        username: "applicant-demo",
        display_name: "蔡文彬",
        role: Role::Applicant,
        scope_key: None,
        description: "申请人（户籍：仙游县）",
        household_region: Some("350322"),
        identity: Some(("350322198507150034", "13805940002")),
    },
];

impl Demo {
    /// Parses the embedded demo files.
    pub fn load() -> Result<Self, String> {
        let city: CityFile = toml::from_str(CITY).map_err(|e| format!("city.toml: {e}"))?;
        let items: ItemsFile = toml::from_str(ITEMS).map_err(|e| format!("items.toml: {e}"))?;
        let list: ListFile = toml::from_str(LIST).map_err(|e| format!("tongban-list.toml: {e}"))?;
        let regions = city
            .region
            .into_iter()
            .map(|r| Region {
                retired: Default::default(),
                code: RegionCode(r.code),
                name: r.name,
                level: r.level,
                parent: (!r.parent.is_empty()).then_some(RegionCode(r.parent)),
                local_code: r.local_code,
            })
            .collect();
        let halls = city
            .hall
            .into_iter()
            .map(|h| NewHall {
                extended_hours: Default::default(),
                self_service_24h: Default::default(),
                weekend_hours: Default::default(),
                key: h.key,
                name: h.name,
                kind: h.kind,
                region: RegionCode(h.region),
                pilot: h.pilot,
                address: h.address,
                opening_hours: h.opening_hours,
                phone: h.phone,
                windows: h
                    .window
                    .into_iter()
                    .map(|w| NewWindow {
                        number: w.number,
                        name: w.name,
                        tongban: w.tongban,
                        staff: w.staff,
                        phone: w.phone,
                        contact: w.contact,
                    })
                    .collect(),
            })
            .collect();
        let departments = city
            .department
            .into_iter()
            .map(|d| NewDepartment {
                key: d.key,
                name: d.name,
                kind: d.kind,
                region: RegionCode(d.region),
                system: d.system,
                phone: d.phone,
                contact: d.contact,
            })
            .collect();
        Ok(Self {
            regions,
            halls,
            departments,
            items: items.item,
            batches: list.batch,
            entries: list.entry,
        })
    }
}

/// Errors while seeding.
#[derive(Debug)]
pub enum SeedError {
    /// The embedded data is inconsistent.
    Data(String),
    /// The store refused.
    Store(StoreError),
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedError::Data(s) => write!(f, "demo data: {s}"),
            SeedError::Store(e) => write!(f, "store: {e}"),
        }
    }
}

impl std::error::Error for SeedError {}

impl From<StoreError> for SeedError {
    fn from(e: StoreError) -> Self {
        SeedError::Store(e)
    }
}

/// True when the store already holds the demo city.
pub async fn is_seeded(store: &dyn Store) -> Result<bool, SeedError> {
    Ok(!store.halls().await?.is_empty())
}

/// Seeds the demo city into an empty store: the city, the catalogue (with
/// synthetic items up to `scale` in total), the 通办 list, implementations
/// and the demo accounts. `hash` turns a password into a PHC string.
pub async fn seed(
    store: &dyn Store,
    scale: usize,
    hash: &dyn Fn(&str) -> String,
) -> Result<(), SeedError> {
    let demo = Demo::load().map_err(SeedError::Data)?;
    store.put_regions(&demo.regions).await?;
    let mut halls: HashMap<String, HallId> = HashMap::new();
    for h in &demo.halls {
        halls.insert(h.key.clone(), store.create_hall(h).await?);
    }
    let mut depts: HashMap<String, DepartmentId> = HashMap::new();
    for d in &demo.departments {
        depts.insert(d.key.clone(), store.create_department(d).await?);
    }
    let departments = store.departments().await?;
    let level_of: HashMap<&str, RegionLevel> = demo
        .regions
        .iter()
        .map(|r| (r.code.as_str(), r.level))
        .collect();
    let extra = synthetic::items(scale.saturating_sub(demo.items.len()));
    let mut publications = Vec::with_capacity(demo.items.len() + extra.len());
    for i in demo.items.iter().chain(extra.iter()) {
        let c = &i.content;
        c.validate()
            .map_err(|e| SeedError::Data(format!("{}: {e}", c.code)))?;
        publications.push(Publication {
            content: c.clone(),
            aliases: (!i.aliases.is_empty()).then(|| i.aliases.clone()),
            implementations: implementing_departments(c, &departments, |r| {
                level_of.get(r.as_str()).copied()
            }),
        });
    }
    store
        .publish_items(&publications, tongban_store::now_ms())
        .await?;
    for b in &demo.batches {
        let entries: Vec<BatchEntry> = demo
            .entries
            .iter()
            .filter(|e| e.batch == b.no)
            .map(|e| BatchEntry {
                item: e.item.clone(),
                remove: false,
                modes: e.modes.clone(),
                levels: e.levels.clone(),
                halls: e.halls.clone(),
            })
            .collect();
        store.publish_batch(b, &entries).await?;
    }
    for a in ACCOUNTS {
        let scope = match (a.role, a.scope_key) {
            (Role::PlatformAdmin, _) => Scope::Platform,
            (Role::Applicant, _) => Scope::None,
            (Role::Clerk | Role::Guide | Role::Agent | Role::HallAdmin, Some(k)) => Scope::Hall(
                *halls
                    .get(k)
                    .ok_or_else(|| SeedError::Data(format!("no hall {k}")))?,
            ),
            (_, Some(k)) => Scope::Department(
                *depts
                    .get(k)
                    .ok_or_else(|| SeedError::Data(format!("no department {k}")))?,
            ),
            (_, None) => Scope::None,
        };
        store
            .create_user(&NewUser {
                username: a.username.into(),
                display_name: a.display_name.into(),
                password_hash: hash(DEMO_PASSWORD),
                role: a.role,
                scope,
                household_region: a.household_region.map(|r| RegionCode(r.into())),
                id_number: a.identity.map(|(id, _)| id.into()),
                phone: a.identity.map(|(_, p)| p.into()),
            })
            .await?;
    }
    // Grants, by the platform admin, each recorded in the audit log.
    let admin = store
        .users()
        .await?
        .into_iter()
        .find(|u| u.role == Role::PlatformAdmin)
        .ok_or_else(|| SeedError::Data("no platform admin".into()))?;
    let implemented: HashMap<&str, &Vec<DepartmentId>> = publications
        .iter()
        .map(|p| (p.content.code.as_str(), &p.implementations))
        .collect();
    let mut first_batch: HashMap<DepartmentId, Vec<tongban_domain::ItemCode>> = HashMap::new();
    for e in demo.entries.iter().filter(|e| e.batch == 1) {
        for d in implemented
            .get(e.item.as_str())
            .copied()
            .into_iter()
            .flatten()
        {
            first_batch.entry(*d).or_default().push(e.item.clone());
        }
    }
    let at = tongban_store::now_ms();
    let audit =
        |kind: &str, subject: String, detail: serde_json::Value| tongban_store::AuditEntry {
            at,
            kind: kind.into(),
            actor: Some(admin.id),
            username: Some(admin.username.clone()),
            addr: "demo-seed".into(),
            subject,
            detail: detail.to_string(),
        };
    let planned = grants::demo_grants(&departments, &halls, &first_batch, admin.id, at);
    let rows: Vec<_> = planned
        .iter()
        .map(|(g, _)| {
            let a = audit(
                "grant_created",
                String::new(),
                serde_json::json!({"reason": g.reason}),
            );
            (g.clone(), a)
        })
        .collect();
    let created = store.create_grants(&rows).await?;
    for (g, (_, revoke)) in created.iter().zip(&planned) {
        if let Some(why) = revoke {
            let a = audit(
                "grant_revoked",
                format!("grant:{}", g.id),
                serde_json::json!({"reason": why}),
            );
            store.revoke_grant(g.id, admin.id, at, why, &a).await?;
        }
    }
    // Appointment slots: every window an hour in the morning (two) and one
    // in the afternoon, three places each; the neighbourhood centres' 专窗
    // also a home visit (上门服务) with one place.
    let mut plans = Vec::new();
    for h in store.halls().await? {
        for (i, w) in h.windows.iter().enumerate() {
            for (start, end) in [("09:00", "10:00"), ("10:00", "11:00"), ("15:00", "16:00")] {
                plans.push(tongban_store::NewSlotPlan {
                    hall: h.id,
                    window: w.id,
                    start: start.into(),
                    end: end.into(),
                    capacity: 3,
                    kind: tongban_domain::appointment::AppointmentKind::Counter,
                    created_by: admin.id,
                    created_at: at,
                });
            }
            if i == 0 && h.kind == tongban_domain::city::HallKind::NeighbourhoodCentre {
                plans.push(tongban_store::NewSlotPlan {
                    hall: h.id,
                    window: w.id,
                    start: "15:00".into(),
                    end: "17:00".into(),
                    capacity: 1,
                    kind: tongban_domain::appointment::AppointmentKind::HomeVisit,
                    created_by: admin.id,
                    created_at: at,
                });
            }
        }
    }
    store.create_slot_plans(&plans).await?;
    tracing::info!(items = publications.len(), "demo city seeded");
    Ok(())
}

mod grants;

#[cfg(test)]
mod tests;
