//! City administration: the city's regions, halls with their windows and
//! the staff named to each 专窗, departments, and staff accounts — created,
//! changed and retired (never deleted: a retired hall keeps its cases) —
//! and the whole city as one XLSX workbook (`workbook`). Platform admins
//! administer the city (`ManageCity`); department and hall admins their
//! own staff (`ManageUsers`). Every change is audited.

pub mod workbook;

use crate::{Actor, App, AppError, AppResult, Lookups};
use serde::Serialize;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::city::{Department, Hall, Region};
use tongban_domain::city_admin::{
    DepartmentDraft, HallDraft, RegionDraft, StaffDraft, StaffingWarning, WindowDraft,
    check_department, check_hall, check_region, check_staff, check_window, staffing_warnings,
};
use tongban_domain::i18n::Text;
use tongban_domain::text;
use tongban_domain::user::{Role, Scope};
use tongban_domain::{DepartmentId, FieldError, HallId, RegionCode, UserId, WindowId};
use tongban_store::{NewUser, StaffFilter, StaffRecord, StaffUpdate, StoreError};
use utoipa::ToSchema;

/// The city as its administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CityOverview {
    /// Regions, top down (each after its parent).
    pub regions: Vec<Region>,
    /// Halls with their windows and named staff.
    pub halls: Vec<Hall>,
    /// Departments.
    pub departments: Vec<Department>,
    /// Where city and county halls fall short of the notice's staffing.
    pub warnings: Vec<StaffingWarning>,
}

/// The city for a platform admin.
pub async fn city_overview(app: &App, actor: &Actor) -> AppResult<CityOverview> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    Ok(CityOverview {
        regions: top_down(&data.regions),
        warnings: staffing_warnings(&data.halls),
        halls: data.halls.clone(),
        departments: data.departments.clone(),
    })
}

/// Regions ordered so each comes after its parent (by level, then code).
pub fn top_down(regions: &[Region]) -> Vec<Region> {
    let mut out = regions.to_vec();
    out.sort_by(|a, b| (a.level, &a.code.0).cmp(&(b.level, &b.code.0)));
    out
}

/// Records an administrator's change in the audit log.
async fn audited(
    app: &App,
    actor: &Actor,
    subject: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    let e = actor.audit_entry(app.now.ms(), "city_changed", subject, detail);
    app.store.append_audit(&e).await?;
    Ok(())
}

/// A key another row has.
fn taken(field: &'static str, what: Text) -> AppError {
    AppError::field(field, "taken", text!("{what}已被使用", what = what))
}

/// Adds a region or changes the one with its code.
pub async fn save_region(app: &App, actor: &Actor, d: &RegionDraft) -> AppResult<Region> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let region = check_region(d, &lookups.data().regions)?;
    if region.retired {
        return Err(AppError::field(
            "retired",
            "region.retire_here",
            "撤销区划请使用“撤销”操作",
        ));
    }
    app.store.put_regions(std::slice::from_ref(&region)).await?;
    audited(
        app,
        actor,
        &format!("region:{}", region.code),
        serde_json::json!({"name": region.name}),
    )
    .await?;
    Ok(region)
}

/// Retires a region with nothing live in it: no live region under it, no
/// live hall or department in it (each named).
pub async fn retire_region(app: &App, actor: &Actor, code: &str) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    let code = RegionCode(code.trim().to_owned());
    let mut live: Vec<String> = (data.regions.iter())
        .filter(|r| !r.retired && r.parent.as_ref() == Some(&code))
        .map(|r| r.name.clone())
        .collect();
    live.extend(
        (data.halls.iter())
            .filter(|h| !h.retired && h.region == code)
            .map(|h| h.name.clone()),
    );
    live.extend(
        (data.departments.iter())
            .filter(|d| !d.retired && d.region == code)
            .map(|d| d.name.clone()),
    );
    if !live.is_empty() {
        return Err(AppError::field(
            "code",
            "region.in_use",
            text!("请先撤销其下的：{names}", names = live.join("、")),
        ));
    }
    match app.store.retire_region(&code, app.now.ms()).await {
        Err(StoreError::NotFound) => Err(AppError::field("code", "region.unknown", "区划不存在")),
        r => Ok(r?),
    }?;
    audited(
        app,
        actor,
        &format!("region:{code}"),
        serde_json::json!({"retired": true}),
    )
    .await
}

/// Adds a hall (its windows come one by one).
pub async fn create_hall(app: &App, actor: &Actor, d: &HallDraft) -> AppResult<HallId> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let hall = check_hall(d, &lookups.data().regions)?;
    let id = match app.store.create_hall(&hall).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken("key", text!("标识 {key}", key = &hall.key)));
        }
        r => r?,
    };
    audited(
        app,
        actor,
        &format!("hall:{}", id.0),
        serde_json::json!({"name": hall.name, "created": true}),
    )
    .await?;
    Ok(id)
}

/// Changes a hall.
pub async fn update_hall(app: &App, actor: &Actor, id: HallId, d: &HallDraft) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let hall = check_hall(d, &lookups.data().regions)?;
    match app.store.update_hall(id, &hall).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken("key", text!("标识 {key}", key = &hall.key)));
        }
        r => r?,
    }
    audited(
        app,
        actor,
        &format!("hall:{}", id.0),
        serde_json::json!({"name": hall.name}),
    )
    .await
}

/// Retires a hall: it keeps its cases and history, and takes no new case.
pub async fn retire_hall(app: &App, actor: &Actor, id: HallId) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    app.store.retire_hall(id, app.now.ms()).await?;
    audited(
        app,
        actor,
        &format!("hall:{}", id.0),
        serde_json::json!({"retired": true}),
    )
    .await
}

/// Adds a window to a hall.
pub async fn create_window(
    app: &App,
    actor: &Actor,
    hall: HallId,
    d: &WindowDraft,
) -> AppResult<WindowId> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let w = check_window(d)?;
    app.store.hall(hall).await?;
    let id = match app.store.create_window(hall, &w).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken(
                "number",
                text!("窗口号 {number}", number = &w.number),
            ));
        }
        r => r?,
    };
    audited(
        app,
        actor,
        &format!("window:{}", id.0),
        serde_json::json!({"hall": hall, "number": w.number}),
    )
    .await?;
    Ok(id)
}

/// Changes a window.
pub async fn update_window(
    app: &App,
    actor: &Actor,
    id: WindowId,
    d: &WindowDraft,
) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let w = check_window(d)?;
    match app.store.update_window(id, &w).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken(
                "number",
                text!("窗口号 {number}", number = &w.number),
            ));
        }
        r => r?,
    }
    audited(
        app,
        actor,
        &format!("window:{}", id.0),
        serde_json::json!({"number": w.number}),
    )
    .await
}

/// Retires a window.
pub async fn retire_window(app: &App, actor: &Actor, id: WindowId) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    app.store.retire_window(id, app.now.ms()).await?;
    audited(
        app,
        actor,
        &format!("window:{}", id.0),
        serde_json::json!({"retired": true}),
    )
    .await
}

/// Names the staff of a window (专人): active window staff of its hall,
/// by user name; replaces those named before. Answers the warnings left.
pub async fn name_window_staff(
    app: &App,
    actor: &Actor,
    window: WindowId,
    usernames: &[String],
) -> AppResult<Vec<StaffingWarning>> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let hall = (lookups.data().halls.iter())
        .find(|h| h.windows.iter().any(|w| w.id == window))
        .ok_or(AppError::Store(StoreError::NotFound))?;
    let mut ids = Vec::new();
    for name in usernames.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let user = app.store.user_credentials(name).await?.map(|(u, _)| u);
        match user {
            Some(u)
                if u.active
                    && u.scope == Scope::Hall(hall.id)
                    && matches!(u.role, Role::Clerk | Role::HallAdmin) =>
            {
                ids.push(u.id)
            }
            _ => {
                return Err(AppError::field(
                    "staff",
                    "window.staff",
                    text!(
                        "{name} 不是{hall}在岗的窗口人员",
                        name = name.to_string(),
                        hall = &hall.name
                    ),
                ));
            }
        }
    }
    app.store.set_window_staff(window, &ids).await?;
    audited(
        app,
        actor,
        &format!("window:{}", window.0),
        serde_json::json!({"named_staff": usernames}),
    )
    .await?;
    let lookups = Lookups::load(app).await?;
    Ok(staffing_warnings(&lookups.data().halls))
}

/// Adds a department.
pub async fn create_department(
    app: &App,
    actor: &Actor,
    d: &DepartmentDraft,
) -> AppResult<DepartmentId> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let dept = check_department(d, &lookups.data().regions)?;
    let id = match app.store.create_department(&dept).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken("key", text!("标识 {key}", key = &dept.key)));
        }
        r => r?,
    };
    audited(
        app,
        actor,
        &format!("department:{}", id.0),
        serde_json::json!({"name": dept.name, "created": true}),
    )
    .await?;
    Ok(id)
}

/// Changes a department.
pub async fn update_department(
    app: &App,
    actor: &Actor,
    id: DepartmentId,
    d: &DepartmentDraft,
) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let dept = check_department(d, &lookups.data().regions)?;
    match app.store.update_department(id, &dept).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken("key", text!("标识 {key}", key = &dept.key)));
        }
        r => r?,
    }
    audited(
        app,
        actor,
        &format!("department:{}", id.0),
        serde_json::json!({"name": dept.name}),
    )
    .await
}

/// Retires a department: it keeps its cases, decides nothing new.
pub async fn retire_department(app: &App, actor: &Actor, id: DepartmentId) -> AppResult<()> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    app.store.retire_department(id, app.now.ms()).await?;
    audited(
        app,
        actor,
        &format!("department:{}", id.0),
        serde_json::json!({"retired": true}),
    )
    .await
}

/// Staff per page.
pub const STAFF_PAGE: i64 = 50;

/// A page of staff accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPage {
    /// By id.
    pub data: Vec<StaffView>,
    /// The next page's cursor.
    pub next: Option<String>,
}

/// A staff account as its administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// zh-CN role.
    pub role_label: &'static str,
    /// The hall.
    pub hall: Option<i64>,
    /// The department.
    pub department: Option<i64>,
    /// Where, in words.
    pub place: Text,
    /// Mobile (masked).
    pub phone: Option<String>,
    /// May sign in.
    pub active: bool,
}

/// The staff an actor administers: a hall's or a department's (asked, or
/// the actor's own), or everyone's for a platform admin; keyset paged.
pub async fn staff_list(
    app: &App,
    actor: &Actor,
    hall: Option<HallId>,
    department: Option<DepartmentId>,
    cursor: Option<&str>,
) -> AppResult<StaffPage> {
    let (hall, department) = match (hall, department, actor.user.scope) {
        (None, None, Scope::Hall(h)) => (Some(h), None),
        (None, None, Scope::Department(d)) => (None, Some(d)),
        asked => (asked.0, asked.1),
    };
    actor.authorize(Action::ManageUsers { hall, department }, &Trust::NONE)?;
    let after = match cursor.filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            let parts = crate::cursor::decode(c)?;
            Some(crate::cursor::number(
                parts.first().map_or("", String::as_str),
            )?)
        }
    };
    let rows = app
        .store
        .staff_page(&StaffFilter {
            hall,
            department,
            after,
            limit: STAFF_PAGE + 1,
        })
        .await?;
    let lookups = Lookups::load(app).await?;
    let more = rows.len() as i64 > STAFF_PAGE;
    let data: Vec<StaffView> = rows
        .into_iter()
        .take(STAFF_PAGE as usize)
        .map(|r| staff_view(&lookups, r))
        .collect();
    Ok(StaffPage {
        next: more
            .then(|| {
                data.last()
                    .map(|s| crate::cursor::encode(&[&s.id.to_string()]))
            })
            .flatten(),
        data,
    })
}

fn staff_view(lookups: &Lookups, r: StaffRecord) -> StaffView {
    let data = lookups.data();
    let u = r.user;
    let place = match u.scope {
        Scope::Hall(h) => data
            .halls
            .iter()
            .find(|x| x.id == h)
            .map(|x| Text::raw(&x.name)),
        Scope::Department(d) => data
            .departments
            .iter()
            .find(|x| x.id == d)
            .map(|x| Text::raw(&x.name)),
        Scope::Platform => Some("全市".into()),
        Scope::None => None,
    };
    StaffView {
        id: u.id.0,
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        role_label: u.role.label(),
        hall: u.scope.hall().map(|h| h.0),
        department: u.scope.department().map(|d| d.0),
        place: place.unwrap_or_else(|| Text::raw("")),
        phone: r.phone.as_deref().map(tongban_domain::validate::mask_phone),
        active: u.active,
    }
}

/// A staff account added, with the password it starts with (shown once,
/// to be handed over and changed).
#[derive(Debug, Serialize, ToSchema)]
pub struct NewStaff {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// The initial password.
    pub initial_password: String,
}

/// Adds a staff account where the actor may (a department admin in his
/// department, a hall admin in his hall, a platform admin anywhere).
pub async fn create_staff(app: &App, actor: &Actor, d: &StaffDraft) -> AppResult<NewStaff> {
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    let s = check_staff(d, &data.halls, &data.departments)?;
    let may = Action::ManageUsers {
        hall: s.scope.hall(),
        department: s.scope.department(),
    };
    actor.authorize(may, &Trust::NONE)?;
    let initial_password = crate::codes::random_chars(12);
    let new = NewUser {
        username: s.username.clone(),
        display_name: s.display_name.clone(),
        password_hash: crate::users::hash_password(&initial_password),
        role: s.role,
        scope: s.scope,
        household_region: None,
        id_number: None,
        phone: s.phone.clone(),
    };
    let id = match app.store.create_user(&new).await {
        Err(StoreError::Conflict(_)) => {
            return Err(taken(
                "username",
                text!("用户名 {name}", name = &s.username),
            ));
        }
        r => r?,
    };
    audited(
        app,
        actor,
        &format!("user:{}", s.username),
        serde_json::json!({"role": s.role, "created": true}),
    )
    .await?;
    Ok(NewStaff {
        id: id.0,
        username: s.username,
        initial_password,
    })
}

/// Changes a staff account: its name, role, place, mobile, and whether it
/// may sign in (a disabled account's sessions end). The actor must
/// administer both where it was and where it goes.
pub async fn update_staff(app: &App, actor: &Actor, id: UserId, d: &StaffDraft) -> AppResult<()> {
    let current = match app.store.user(id).await {
        Ok(u) if u.role != Role::Applicant => u,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(AppError::Store(StoreError::NotFound));
        }
        Err(e) => return Err(e.into()),
    };
    let was = Action::ManageUsers {
        hall: current.scope.hall(),
        department: current.scope.department(),
    };
    actor.authorize(was, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    let mut d = d.clone();
    d.username = current.username.clone();
    let s = check_staff(&d, &data.halls, &data.departments)?;
    let goes = Action::ManageUsers {
        hall: s.scope.hall(),
        department: s.scope.department(),
    };
    actor.authorize(goes, &Trust::NONE)?;
    if id == actor.user.id && (!s.active || s.role != current.role) {
        return Err(
            FieldError::new("role", "staff.self", "不能停用自己的账号或更改自己的角色").into(),
        );
    }
    let update = StaffUpdate {
        display_name: s.display_name,
        role: s.role,
        scope: s.scope,
        phone: s.phone,
        active: s.active,
    };
    app.store.update_staff(id, &update).await?;
    audited(
        app,
        actor,
        &format!("user:{}", current.username),
        serde_json::json!({"role": s.role, "active": s.active}),
    )
    .await
}

/// The rollout's progress, per district, with the city's totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rollout {
    /// Today (the list in force is today's).
    pub day: String,
    /// Each district.
    pub districts: Vec<tongban_domain::city_admin::DistrictRollout>,
    /// Towns, of which with a 专窗; communities, of which with one; cases.
    pub totals: RolloutTotals,
}

/// The city's totals of the rollout.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RolloutTotals {
    /// Towns.
    pub towns: usize,
    /// Towns with a 专窗.
    pub towns_with_window: usize,
    /// Communities.
    pub communities: usize,
    /// Communities with a 专窗.
    pub communities_with_window: usize,
    /// Cases received.
    pub received: i64,
}

/// The notice's measure of progress: per district, the towns and
/// communities with a 专窗, the listed items their halls may receive, and
/// the cases received there (kept counts). Staff and admins.
pub async fn rollout(app: &App, actor: &Actor) -> AppResult<Rollout> {
    actor.authorize(Action::ReadRollout, &Trust::NONE)?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let data = lookups.data();
    let received = app.store.hall_case_totals().await?;
    let districts =
        tongban_domain::city_admin::rollout(&data.regions, &data.halls, &lookups.list(), &received);
    let mut totals = RolloutTotals::default();
    for d in &districts {
        totals.towns += d.towns;
        totals.towns_with_window += d.towns_with_window;
        totals.communities += d.communities;
        totals.communities_with_window += d.communities_with_window;
        totals.received += d.received;
    }
    Ok(Rollout {
        day: lookups.today().to_string(),
        districts,
        totals,
    })
}
