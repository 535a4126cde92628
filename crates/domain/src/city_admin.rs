//! City administration: what an administrator writes about regions, halls,
//! windows, departments and staff, checked field by field (every bad field
//! named at once), and what the notice asks of 专窗 staffing.

use crate::city::{
    Department, DepartmentKind, Hall, HallKind, NewDepartment, NewHall, NewWindow, Region,
    RegionLevel, SystemKind,
};
use crate::ids::{DepartmentId, HallId, RegionCode, WindowId};
use crate::user::{Role, Scope, validate_username};
use crate::validate::{FieldError, ValidationErrors, required_text, validate_mobile};
use serde::{Deserialize, Serialize};

/// A region as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionDraft {
    /// GB/T 2260 code (6 digits for a city or county, 9 for a town, 12
    /// for a community), or a documented local code of the same shape.
    pub code: String,
    /// Name.
    pub name: String,
    /// `city`, `county`, `town` or `community`.
    pub level: String,
    /// The region one level up (none for the city).
    #[serde(default)]
    pub parent: Option<String>,
    /// A local code (管委会, 园区), not an official one.
    #[serde(default)]
    pub local_code: bool,
    /// Retired (kept for history).
    #[serde(default)]
    pub retired: bool,
}

/// The digits a code of each level has.
fn code_len(level: RegionLevel) -> usize {
    match level {
        RegionLevel::City | RegionLevel::County => 6,
        RegionLevel::Town => 9,
        RegionLevel::Community => 12,
    }
}

/// The level a region's parent has.
fn parent_level(level: RegionLevel) -> Option<RegionLevel> {
    match level {
        RegionLevel::City => None,
        RegionLevel::County => Some(RegionLevel::City),
        RegionLevel::Town => Some(RegionLevel::County),
        RegionLevel::Community => Some(RegionLevel::Town),
    }
}

/// Checks a region against the regions there are (`known`, which may
/// include it when it is being changed): the code's shape for its level
/// (GB/T 2260: a city `xxxx00`, a county not ending `00`, a town the
/// county's six digits and three more, a community the town's nine and
/// three more — a local code keeps the shape and the parent's digits), and a
/// parent one level up that exists and is not retired.
pub fn check_region(d: &RegionDraft, known: &[Region]) -> Result<Region, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let name = e.check(required_text("name", "区划名称", &d.name, 40));
    let level = RegionLevel::parse(d.level.trim());
    if level.is_none() {
        e.push(FieldError::new(
            "level",
            "region.level",
            "层级应为 city（市）、county（县区）、town（镇街）或 community（社区村）",
        ));
    }
    let code = d.code.trim();
    let parent_code = d.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
    if let Some(level) = level {
        let len = code_len(level);
        let digits = code.len() == len && code.bytes().all(|b| b.is_ascii_digit());
        let shape = match level {
            RegionLevel::City => code.ends_with("00") && !code.ends_with("0000"),
            RegionLevel::County => d.local_code || !code.ends_with("00"),
            RegionLevel::Town | RegionLevel::Community => !code.ends_with("000"),
        };
        if !digits || !shape || code.starts_with('0') {
            e.push(FieldError::new(
                "code",
                "region.code",
                crate::text!(
                    "{level}的区划代码应为{len}位数字（GB/T 2260{example}）",
                    level = level.label(),
                    len = len,
                    example = match level {
                        RegionLevel::City => "，如 350300",
                        RegionLevel::County => "，如 350302",
                        RegionLevel::Town => "，县区代码后加3位，如 350302001",
                        RegionLevel::Community => "，镇街代码后加3位，如 350302001001",
                    }
                ),
            ));
        }
        match (parent_level(level), parent_code) {
            (None, None) => {}
            (None, Some(_)) => e.push(FieldError::new(
                "parent",
                "region.parent",
                "市级区划没有上级区划",
            )),
            (Some(_), None) => e.push(FieldError::new("parent", "required", "请填写上级区划代码")),
            (Some(want), Some(p)) => match known.iter().find(|r| r.code.as_str() == p) {
                None => e.push(FieldError::new(
                    "parent",
                    "region.parent",
                    crate::text!("上级区划 {parent} 不存在", parent = p.to_string()),
                )),
                Some(r) if r.level != want => e.push(FieldError::new(
                    "parent",
                    "region.parent",
                    crate::text!(
                        "{level}的上级应为{want}区划，{parent} 是{actual}",
                        level = level.label(),
                        want = want.label(),
                        parent = p.to_string(),
                        actual = r.level.label()
                    ),
                )),
                Some(r) if r.retired && !d.retired => e.push(FieldError::new(
                    "parent",
                    "region.parent_retired",
                    crate::text!(
                        "上级区划 {parent}（{name}）已撤销",
                        parent = p.to_string(),
                        name = &r.name
                    ),
                )),
                Some(_) => {
                    let prefix = match level {
                        RegionLevel::County => 4,
                        RegionLevel::Town => 6,
                        RegionLevel::Community => 9,
                        RegionLevel::City => 0,
                    };
                    if digits && p.get(..prefix) != code.get(..prefix) {
                        e.push(FieldError::new(
                            "code",
                            "region.code_parent",
                            crate::text!(
                                "区划代码 {code} 不在上级区划 {parent} 之下（前{prefix}位应相同）",
                                code = code.to_string(),
                                parent = p.to_string(),
                                prefix = prefix
                            ),
                        ));
                    }
                }
            },
        }
    }
    e.into_result(())?;
    Ok(Region {
        code: RegionCode(code.to_owned()),
        name: name.unwrap_or_default(),
        level: level.unwrap_or(RegionLevel::City),
        parent: parent_code.map(|p| RegionCode(p.to_owned())),
        local_code: d.local_code,
        retired: d.retired,
    })
}

/// A hall as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HallDraft {
    /// Stable key: 2–40 of `a-z 0-9 - _`.
    pub key: String,
    /// Name.
    pub name: String,
    /// `admin_service_centre`, `convenience_centre`, `neighbourhood_centre`
    /// or `park_centre`.
    pub kind: String,
    /// The region it stands in.
    pub region: String,
    /// A pilot site (试点).
    #[serde(default)]
    pub pilot: bool,
    /// Street address.
    pub address: String,
    /// Regular opening hours, in words.
    pub opening_hours: String,
    /// 错时延时 hours: `HH:MM-HH:MM`, comma separated.
    #[serde(default)]
    pub extended_hours: String,
    /// Weekend hours: `HH:MM-HH:MM`, comma separated.
    #[serde(default)]
    pub weekend_hours: String,
    /// A 24-hour self-service area.
    #[serde(default)]
    pub self_service_24h: bool,
    /// Switchboard phone.
    pub phone: String,
}

/// Checks a key: 2–40 of `a-z 0-9 - _`.
pub fn check_key(field: &str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let ok = (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_".contains(&b));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "key",
            "标识应为2至40位小写字母、数字、横线或下划线，如 city-centre",
        ))
    }
}

/// Checks a public phone number: a landline with its area code
/// (`0594-2865000`, an extension after another `-`), a mobile, or a
/// service hotline of 5 digits (12345).
pub fn check_phone(field: &str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    let parts: Vec<&str> = s.split('-').collect();
    let digits = |p: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let landline = match parts.as_slice() {
        [area, number] | [area, number, _] => {
            area.starts_with('0') && digits(area, 3, 4) && digits(number, 7, 8)
        }
        _ => false,
    } && (parts.len() < 3 || digits(parts[2], 1, 6));
    let mobile = validate_mobile(field, s).is_ok();
    if landline || mobile || digits(s, 5, 5) {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "phone",
            "电话应为带区号的固定电话（如 0594-2865000）、手机号码或5位服务热线",
        ))
    }
}

/// Checks hours given as `HH:MM-HH:MM` spans (separated by commas, 、 or
/// ；), each ending after it starts and none overlapping; answers them
/// in order, written `08:00-12:00,14:30-17:30`.
pub fn check_hours(field: &str, label: &'static str, s: &str) -> Result<String, FieldError> {
    use crate::appointment::TimeOfDay;
    let bad = || {
        FieldError::new(
            field,
            "hours",
            crate::text!(
                "{label}应为“时:分-时:分”，多段用逗号分隔，如 12:00-14:30,17:30-19:00",
                label = label
            ),
        )
    };
    let mut spans = Vec::new();
    for part in s
        .split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (a, b) = part.split_once(['-', '–', '~', '～']).ok_or_else(bad)?;
        let a = TimeOfDay::parse(a.trim()).ok_or_else(bad)?;
        let b = TimeOfDay::parse(b.trim()).ok_or_else(bad)?;
        if b <= a {
            return Err(FieldError::new(
                field,
                "hours",
                crate::text!(
                    "{label}中 {from}-{to} 的结束时间应晚于开始时间",
                    label = label,
                    from = a.to_string(),
                    to = b.to_string()
                ),
            ));
        }
        spans.push((a, b));
    }
    spans.sort();
    if let Some(w) = spans.windows(2).find(|w| w[1].0 < w[0].1) {
        return Err(FieldError::new(
            field,
            "hours",
            crate::text!(
                "{label}中 {a_from}-{a_to} 与 {b_from}-{b_to} 重叠",
                label = label,
                a_from = w[0].0.to_string(),
                a_to = w[0].1.to_string(),
                b_from = w[1].0.to_string(),
                b_to = w[1].1.to_string()
            ),
        ));
    }
    Ok(spans
        .iter()
        .map(|(a, b)| format!("{a}-{b}"))
        .collect::<Vec<_>>()
        .join(","))
}

/// Checks a hall against the regions there are.
pub fn check_hall(d: &HallDraft, regions: &[Region]) -> Result<NewHall, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let key = e.check(check_key("key", &d.key));
    let name = e.check(required_text("name", "服务中心名称", &d.name, 60));
    let kind = HallKind::parse(d.kind.trim());
    if kind.is_none() {
        e.push(FieldError::new(
            "kind",
            "hall.kind",
            "类型应为 admin_service_centre（行政服务中心）、convenience_centre（便民服务中心）、neighbourhood_centre（社区邻里中心）或 park_centre（园区邻里中心）",
        ));
    }
    let region = e.check(live_region("region", &d.region, regions));
    let address = e.check(required_text("address", "地址", &d.address, 200));
    let opening_hours = e.check(required_text(
        "opening_hours",
        "办公时间",
        &d.opening_hours,
        200,
    ));
    let extended_hours = e.check(check_hours(
        "extended_hours",
        "错时延时时段",
        &d.extended_hours,
    ));
    let weekend_hours = e.check(check_hours(
        "weekend_hours",
        "周末办公时段",
        &d.weekend_hours,
    ));
    let phone = e.check(check_phone("phone", &d.phone));
    e.into_result(())?;
    Ok(NewHall {
        key: key.unwrap_or_default(),
        name: name.unwrap_or_default(),
        kind: kind.unwrap_or(HallKind::AdminServiceCentre),
        region: region.unwrap_or_else(|| RegionCode(String::new())),
        pilot: d.pilot,
        address: address.unwrap_or_default(),
        opening_hours: opening_hours.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        windows: vec![],
        extended_hours: extended_hours.unwrap_or_default(),
        weekend_hours: weekend_hours.unwrap_or_default(),
        self_service_24h: d.self_service_24h,
    })
}

/// A region that exists and is not retired.
fn live_region(field: &str, code: &str, regions: &[Region]) -> Result<RegionCode, FieldError> {
    let code = code.trim();
    match regions.iter().find(|r| r.code.as_str() == code) {
        _ if code.is_empty() => Err(FieldError::new(field, "required", "请选择行政区划")),
        None => Err(FieldError::new(
            field,
            "region.unknown",
            crate::text!("行政区划 {code} 不存在", code = code.to_string()),
        )),
        Some(r) if r.retired => Err(FieldError::new(
            field,
            "region.retired",
            crate::text!(
                "行政区划 {code}（{name}）已撤销",
                code = code.to_string(),
                name = &r.name
            ),
        )),
        Some(r) => Ok(r.code.clone()),
    }
}

/// A window as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowDraft {
    /// Counter number within the hall, e.g. `A01`.
    pub number: String,
    /// Name, e.g. 全域通办专窗.
    pub name: String,
    /// A 全域通办专窗.
    #[serde(default)]
    pub tongban: bool,
    /// Staff posted there.
    #[serde(default)]
    pub staff: i32,
    /// Its phone.
    #[serde(default)]
    pub phone: String,
    /// Its contact person.
    #[serde(default)]
    pub contact: String,
}

/// Checks a window.
pub fn check_window(d: &WindowDraft) -> Result<NewWindow, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let number = d.number.trim();
    if number.is_empty()
        || number.len() > 10
        || !number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        e.push(FieldError::new(
            "number",
            "window.number",
            "窗口号应为1至10位字母、数字或横线，如 A01",
        ));
    }
    let name = e.check(required_text("name", "窗口名称", &d.name, 60));
    if !(0..=99).contains(&d.staff) {
        e.push(FieldError::new(
            "staff",
            "window.staff",
            "窗口人数应为0至99",
        ));
    }
    let phone = match d.phone.trim() {
        "" => Some(String::new()),
        p => e.check(check_phone("phone", p)),
    };
    if d.contact.trim().chars().count() > 20 {
        e.push(FieldError::new(
            "contact",
            "too_long",
            "联系人不能超过20个字",
        ));
    }
    e.into_result(())?;
    Ok(NewWindow {
        number: number.to_uppercase(),
        name: name.unwrap_or_default(),
        tongban: d.tongban,
        staff: d.staff,
        phone: phone.unwrap_or_default(),
        contact: d.contact.trim().to_owned(),
    })
}

/// A department as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentDraft {
    /// Stable key: 2–40 of `a-z 0-9 - _`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Kind (`police` … or its label, 公安 …).
    pub kind: String,
    /// The region it serves (its level is the department's).
    pub region: String,
    /// `unified_platform` or `self_built`; the kind's usual one if empty.
    #[serde(default)]
    pub system: String,
    /// Contact person.
    #[serde(default)]
    pub contact: String,
    /// Contact phone.
    #[serde(default)]
    pub phone: String,
}

/// Checks a department against the regions there are.
pub fn check_department(
    d: &DepartmentDraft,
    regions: &[Region],
) -> Result<NewDepartment, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let key = e.check(check_key("key", &d.key));
    let name = e.check(required_text("name", "部门名称", &d.name, 60));
    let kind = DepartmentKind::parse(d.kind.trim());
    if kind.is_none() {
        let kinds = crate::i18n::Text::join(
            DepartmentKind::ALL
                .iter()
                .map(|k| crate::i18n::Text::from(k.label())),
            "、",
        );
        e.push(FieldError::new(
            "kind",
            "department.kind",
            crate::text!("部门类别应为：{kinds}", kinds = kinds),
        ));
    }
    let region = e.check(live_region("region", &d.region, regions));
    let system = match d.system.trim() {
        "" => kind.map(DepartmentKind::usual_system),
        s => {
            let sys = SystemKind::parse(s);
            if sys.is_none() {
                e.push(FieldError::new(
                    "system",
                    "department.system",
                    "业务系统应为 unified_platform（统一平台）或 self_built（自建系统）",
                ));
            }
            sys
        }
    };
    if d.contact.trim().chars().count() > 20 {
        e.push(FieldError::new(
            "contact",
            "too_long",
            "联系人不能超过20个字",
        ));
    }
    let phone = match d.phone.trim() {
        "" => Some(String::new()),
        p => e.check(check_phone("phone", p)),
    };
    e.into_result(())?;
    Ok(NewDepartment {
        key: key.unwrap_or_default(),
        name: name.unwrap_or_default(),
        kind: kind.unwrap_or(DepartmentKind::Police),
        region: region.unwrap_or_else(|| RegionCode(String::new())),
        system: system.unwrap_or(SystemKind::UnifiedPlatform),
        contact: d.contact.trim().to_owned(),
        phone: phone.unwrap_or_default(),
    })
}

/// A staff account as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffDraft {
    /// Login name (3–40 of `a-z 0-9 - _ .`).
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// `clerk`, `guide`, `agent`, `reviewer`, `hall_admin`,
    /// `department_admin` or `platform_admin`.
    pub role: String,
    /// The hall (window staff, hall admins).
    #[serde(default)]
    pub hall: Option<i64>,
    /// The department (reviewers, department admins).
    #[serde(default)]
    pub department: Option<i64>,
    /// Mobile (notices of cases arriving go to it).
    #[serde(default)]
    pub phone: Option<String>,
    /// May sign in (default yes).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A staff account checked: who, which role where, and the mobile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Where it is held.
    pub scope: Scope,
    /// Mobile.
    pub phone: Option<String>,
    /// May sign in.
    pub active: bool,
}

/// Checks a staff account: the role is a staff role held where it must be
/// (a hall, a department, the platform), in a hall or department that
/// exists and is not retired.
pub fn check_staff(
    d: &StaffDraft,
    halls: &[Hall],
    departments: &[Department],
) -> Result<Staff, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let username = e.check(validate_username("username", d.username.trim()));
    let display_name = e.check(required_text("display_name", "姓名", &d.display_name, 20));
    let role = match Role::parse(d.role.trim()) {
        Some(Role::Applicant) | None => {
            e.push(FieldError::new(
                "role",
                "staff.role",
                "角色应为 clerk（窗口人员）、guide（帮办员）、agent（代办员）、reviewer（审批人员）、hall_admin（中心管理员）、department_admin（部门管理员）或 platform_admin（平台管理员）",
            ));
            None
        }
        r => r,
    };
    let hall = match d.hall {
        None => None,
        Some(id) => match halls.iter().find(|h| h.id == HallId(id)) {
            Some(h) if !h.retired => Some(h.id),
            Some(h) => {
                e.push(FieldError::new(
                    "hall",
                    "hall.retired",
                    crate::text!("{name}已撤销", name = &h.name),
                ));
                None
            }
            None => {
                e.push(FieldError::new("hall", "hall.unknown", "服务中心不存在"));
                None
            }
        },
    };
    let department = match d.department {
        None => None,
        Some(id) => match departments.iter().find(|x| x.id == DepartmentId(id)) {
            Some(x) if !x.retired => Some(x.id),
            Some(x) => {
                e.push(FieldError::new(
                    "department",
                    "department.retired",
                    crate::text!("{name}已撤销", name = &x.name),
                ));
                None
            }
            None => {
                e.push(FieldError::new(
                    "department",
                    "department.unknown",
                    "部门不存在",
                ));
                None
            }
        },
    };
    let scope = match (hall, department) {
        (Some(h), None) => Scope::Hall(h),
        (None, Some(x)) => Scope::Department(x),
        (None, None) if role == Some(Role::PlatformAdmin) => Scope::Platform,
        (None, None) => Scope::None,
        (Some(_), Some(_)) => {
            e.push(FieldError::new(
                "department",
                "staff.scope",
                "一个账号只属于一个服务中心或一个部门",
            ));
            Scope::None
        }
    };
    if let Some(r) = role
        && d.hall.is_none() == hall.is_none()
        && d.department.is_none() == department.is_none()
        && let Err(why) = scope.fits(r)
    {
        let field = match r.scope_kind() {
            crate::user::ScopeKind::Department => "department",
            _ => "hall",
        };
        e.push(FieldError::new(field, "staff.scope", why));
    }
    let phone = match d.phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => e.check(validate_mobile("phone", p)),
    };
    e.into_result(())?;
    Ok(Staff {
        username: username.unwrap_or_default(),
        display_name: display_name.unwrap_or_default(),
        role: role.unwrap_or(Role::Clerk),
        scope,
        phone,
        active: d.active,
    })
}

/// A 专窗 short of the named staff the notice asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffingWarning {
    /// The hall.
    pub hall: HallId,
    /// Its name.
    pub hall_name: String,
    /// The window (none: the hall has no 专窗 at all).
    pub window: Option<WindowId>,
    /// Staff named to it.
    pub named: usize,
    /// In words.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: crate::i18n::Text,
}

/// The named staff a 专窗 of a city or county hall should have at least.
pub const MIN_NAMED_STAFF: usize = 2;

/// Where city and county halls fall short: no 全域通办专窗, or a 专窗 with
/// fewer than [`MIN_NAMED_STAFF`] named staff (the notice asks for at least
/// two 专人 at city and county halls). Retired halls and windows ask nothing.
pub fn staffing_warnings(halls: &[Hall]) -> Vec<StaffingWarning> {
    let mut out = Vec::new();
    for h in halls
        .iter()
        .filter(|h| !h.retired && matches!(h.level, RegionLevel::City | RegionLevel::County))
    {
        let windows: Vec<_> = h
            .windows
            .iter()
            .filter(|w| w.tongban && !w.retired)
            .collect();
        if windows.is_empty() {
            out.push(StaffingWarning {
                hall: h.id,
                hall_name: h.name.clone(),
                window: None,
                named: 0,
                message: crate::text!("{hall}没有全域通办专窗", hall = &h.name),
            });
        }
        for w in windows {
            let named = w.named_staff.len();
            if named < MIN_NAMED_STAFF {
                out.push(StaffingWarning {
                    hall: h.id,
                    hall_name: h.name.clone(),
                    window: Some(w.id),
                    named,
                    message: crate::text!(
                        "{hall}{number}（{window}）只有{named}名专人，市、县两级专窗应至少配备{min}名",
                        hall = &h.name,
                        number = &w.number,
                        window = &w.name,
                        named = named,
                        min = MIN_NAMED_STAFF
                    ),
                });
            }
        }
    }
    out
}

/// The notice's measure of progress, per district (county): how many of
/// its towns and communities have a 全域通办专窗 (a live hall there with a
/// live 专窗), how many listed items the best-served town and community hall
/// may receive, and the cases its halls received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DistrictRollout {
    /// The district's code.
    pub code: RegionCode,
    /// Its name.
    pub name: String,
    /// Its live towns (镇、街道、园区).
    pub towns: usize,
    /// Those with a 专窗.
    pub towns_with_window: usize,
    /// Its live communities (社区、村).
    pub communities: usize,
    /// Those with a 专窗.
    pub communities_with_window: usize,
    /// Listed items a town hall of the district may receive (the most any does).
    pub town_items: usize,
    /// Listed items a community hall of the district may receive (the most any does).
    pub community_items: usize,
    /// Cases received at its halls (the county's own hall included).
    pub received: i64,
}

/// The rollout of every district, in code order: `received` gives each
/// hall's received cases (kept counts).
pub fn rollout(
    regions: &[Region],
    halls: &[Hall],
    list: &[crate::tongban::ListEntry],
    received: &[(HallId, i64)],
) -> Vec<DistrictRollout> {
    let county_of = |code: &RegionCode| {
        let mut at = regions.iter().find(|r| &r.code == code);
        while let Some(r) = at {
            if r.level == RegionLevel::County {
                return Some(r.code.clone());
            }
            at = r
                .parent
                .as_ref()
                .and_then(|p| regions.iter().find(|x| &x.code == p));
        }
        None
    };
    let with_window = |code: &RegionCode| {
        halls.iter().any(|h| {
            !h.retired && &h.region == code && h.windows.iter().any(|w| w.tongban && !w.retired)
        })
    };
    let items_at = |h: &Hall| list.iter().filter(|e| e.at_hall(h.id, h.level)).count();
    let mut out = Vec::new();
    for d in regions
        .iter()
        .filter(|r| r.level == RegionLevel::County && !r.retired)
    {
        let inside = |level: RegionLevel| {
            regions.iter().filter(move |r| {
                r.level == level && !r.retired && county_of(&r.code).as_ref() == Some(&d.code)
            })
        };
        let best = |level: RegionLevel| {
            halls
                .iter()
                .filter(|h| {
                    !h.retired && h.level == level && county_of(&h.region).as_ref() == Some(&d.code)
                })
                .map(items_at)
                .max()
                .unwrap_or(0)
        };
        out.push(DistrictRollout {
            code: d.code.clone(),
            name: d.name.clone(),
            towns: inside(RegionLevel::Town).count(),
            towns_with_window: inside(RegionLevel::Town)
                .filter(|r| with_window(&r.code))
                .count(),
            communities: inside(RegionLevel::Community).count(),
            communities_with_window: inside(RegionLevel::Community)
                .filter(|r| with_window(&r.code))
                .count(),
            town_items: best(RegionLevel::Town),
            community_items: best(RegionLevel::Community),
            received: halls
                .iter()
                .filter(|h| county_of(&h.region).as_ref() == Some(&d.code))
                .map(|h| {
                    received
                        .iter()
                        .filter(|(x, _)| *x == h.id)
                        .map(|(_, n)| n)
                        .sum::<i64>()
                })
                .sum(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::{NamedStaff, Window};

    fn region(code: &str, level: RegionLevel, parent: Option<&str>) -> Region {
        Region {
            code: RegionCode(code.into()),
            name: format!("区划{code}"),
            level,
            parent: parent.map(|p| RegionCode(p.into())),
            local_code: false,
            retired: false,
        }
    }

    fn known() -> Vec<Region> {
        let mut gone = region("350399", RegionLevel::County, Some("350300"));
        gone.retired = true;
        vec![
            region("350300", RegionLevel::City, None),
            region("350302", RegionLevel::County, Some("350300")),
            region("350302001", RegionLevel::Town, Some("350302")),
            gone,
        ]
    }

    fn draft(code: &str, level: &str, parent: Option<&str>) -> RegionDraft {
        RegionDraft {
            code: code.into(),
            name: "某地".into(),
            level: level.into(),
            parent: parent.map(Into::into),
            ..Default::default()
        }
    }

    fn fields(e: ValidationErrors) -> Vec<(String, &'static str)> {
        e.0.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn region_codes_follow_gb_t_2260_under_their_parent() {
        let k = known();
        assert!(check_region(&draft("350303", "county", Some("350300")), &k).is_ok());
        assert!(check_region(&draft("350302002", "town", Some("350302")), &k).is_ok());
        assert!(check_region(&draft("350302001002", "community", Some("350302001")), &k).is_ok());
        assert!(check_region(&draft("350500", "city", None), &k).is_ok());
        let bad = |d: RegionDraft| fields(check_region(&d, &k).unwrap_err());
        // Wrong shape for the level.
        assert_eq!(
            bad(draft("3503", "county", Some("350300")))[0].1,
            "region.code"
        );
        assert_eq!(
            bad(draft("350300", "county", Some("350300")))[0].1,
            "region.code"
        );
        assert_eq!(bad(draft("350000", "city", None))[0].1, "region.code");
        assert_eq!(
            bad(draft("350302000", "town", Some("350302")))[0].1,
            "region.code"
        );
        // Under another parent's digits.
        assert_eq!(
            bad(draft("350303001", "town", Some("350302"))),
            [("code".to_owned(), "region.code_parent")]
        );
        // A parent that is missing, of the wrong level, or retired.
        assert_eq!(
            bad(draft("350304001", "town", Some("350304")))[0].1,
            "region.parent"
        );
        assert_eq!(
            bad(draft("350302001001", "community", Some("350302")))[0].1,
            "region.parent"
        );
        assert_eq!(
            bad(draft("350399001", "town", Some("350399")))[0].1,
            "region.parent_retired"
        );
        assert_eq!(bad(draft("350303", "county", None))[0].1, "required");
        assert_eq!(
            bad(draft("350500", "city", Some("350300")))[0].1,
            "region.parent"
        );
        // Level and name named too.
        let e = bad(RegionDraft {
            name: String::new(),
            ..draft("350303", "province", None)
        });
        assert_eq!(
            e,
            [
                ("name".to_owned(), "required"),
                ("level".to_owned(), "region.level")
            ]
        );
        // A local code (管委会) may end in 00 but stays under its parent.
        let mut local = draft("350380", "county", Some("350300"));
        local.local_code = true;
        assert!(check_region(&local, &k).is_ok());
    }

    #[test]
    fn hours_are_spans_in_order_without_overlap() {
        assert_eq!(
            check_hours("h", "时段", "17:30-19:00， 12:00-14:30").unwrap(),
            "12:00-14:30,17:30-19:00"
        );
        assert_eq!(check_hours("h", "时段", "").unwrap(), "");
        assert!(check_hours("h", "时段", "9:00-12:00").is_err(), "HH:MM");
        assert!(
            check_hours("h", "时段", "12:00-09:00")
                .unwrap_err()
                .message
                .contains("晚于")
        );
        assert!(
            check_hours("h", "时段", "09:00-12:00,11:00-13:00")
                .unwrap_err()
                .message
                .contains("重叠")
        );
    }

    #[test]
    fn phones_are_landlines_mobiles_or_hotlines() {
        for ok in [
            "0594-2865000",
            "0594-2865000-801",
            "13805940001",
            "12345",
            "010-12345678",
        ] {
            assert!(check_phone("p", ok).is_ok(), "{ok}");
        }
        for bad in ["2865000", "0594-28650", "594-2865000", "1380594000", "电话"] {
            assert!(check_phone("p", bad).is_err(), "{bad}");
        }
    }

    fn hall(level: RegionLevel, windows: Vec<Window>) -> Hall {
        Hall {
            id: HallId(1),
            key: "h".into(),
            name: "某中心".into(),
            kind: HallKind::AdminServiceCentre,
            region: RegionCode("350302".into()),
            level,
            pilot: false,
            address: String::new(),
            opening_hours: String::new(),
            phone: String::new(),
            windows,
            extended_hours: String::new(),
            weekend_hours: String::new(),
            self_service_24h: false,
            retired: false,
        }
    }

    fn window(tongban: bool, named: usize) -> Window {
        Window {
            id: WindowId(7),
            number: "A01".into(),
            name: "全域通办专窗".into(),
            tongban,
            staff: 2,
            phone: String::new(),
            contact: String::new(),
            retired: false,
            named_staff: (0..named)
                .map(|i| NamedStaff {
                    user: crate::ids::UserId(i as i64),
                    name: format!("人{i}"),
                    phone: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn city_and_county_tongban_windows_need_two_named_staff() {
        let w = |h: Hall| staffing_warnings(&[h]);
        assert!(w(hall(RegionLevel::County, vec![window(true, 2)])).is_empty());
        let short = w(hall(RegionLevel::City, vec![window(true, 1)]));
        assert_eq!((short.len(), short[0].named), (1, 1));
        assert!(
            short[0].message.contains("至少配备2名"),
            "{}",
            short[0].message
        );
        assert_eq!(
            w(hall(RegionLevel::County, vec![window(false, 3)]))[0].window,
            None
        );
        // Towns and communities are not asked; retired halls neither.
        assert!(w(hall(RegionLevel::Town, vec![window(true, 0)])).is_empty());
        let mut gone = hall(RegionLevel::City, vec![]);
        gone.retired = true;
        assert!(w(gone).is_empty());
    }

    #[test]
    fn staff_hold_their_role_where_it_belongs() {
        let halls = vec![hall(RegionLevel::County, vec![])];
        let departments = vec![Department {
            id: DepartmentId(3),
            key: "d".into(),
            name: "某局".into(),
            kind: DepartmentKind::Police,
            region: RegionCode("350302".into()),
            system: SystemKind::SelfBuilt,
            contact: String::new(),
            phone: String::new(),
            retired: false,
        }];
        let d = |role: &str, hall: Option<i64>, dept: Option<i64>| StaffDraft {
            username: "zheng-gh".into(),
            display_name: "郑国华".into(),
            role: role.into(),
            hall,
            department: dept,
            phone: Some("13805940009".into()),
            active: true,
        };
        let s = check_staff(&d("clerk", Some(1), None), &halls, &departments).unwrap();
        assert_eq!(s.scope, Scope::Hall(HallId(1)));
        let s = check_staff(&d("reviewer", None, Some(3)), &halls, &departments).unwrap();
        assert_eq!(s.scope, Scope::Department(DepartmentId(3)));
        let s = check_staff(&d("platform_admin", None, None), &halls, &departments).unwrap();
        assert_eq!(s.scope, Scope::Platform);
        let bad = |x: StaffDraft| fields(check_staff(&x, &halls, &departments).unwrap_err());
        assert_eq!(
            bad(d("clerk", None, Some(3))),
            [("hall".to_owned(), "staff.scope")]
        );
        assert_eq!(
            bad(d("reviewer", Some(1), None)),
            [("department".to_owned(), "staff.scope")]
        );
        assert_eq!(bad(d("applicant", None, None))[0].1, "staff.role");
        assert_eq!(
            bad(d("clerk", Some(9), None)),
            [("hall".to_owned(), "hall.unknown")]
        );
        let mut x = d("clerk", Some(1), None);
        x.phone = Some("12345".into());
        assert_eq!(bad(x)[0].0, "phone");
    }

    #[test]
    fn rollout_counts_places_with_a_window_items_and_cases_per_district() {
        let mut regions = known();
        regions.push(region("350302002", RegionLevel::Town, Some("350302")));
        regions.push(region(
            "350302001001",
            RegionLevel::Community,
            Some("350302001"),
        ));
        let mut town_hall = hall(RegionLevel::Town, vec![window(true, 2)]);
        town_hall.region = RegionCode("350302001".into());
        let mut community_hall = hall(RegionLevel::Community, vec![window(false, 0)]);
        community_hall.id = HallId(2);
        community_hall.region = RegionCode("350302001001".into());
        let entry = |item: &str, levels: Vec<RegionLevel>| crate::tongban::ListEntry {
            item: crate::ids::ItemCode(item.into()),
            modes: vec![crate::tongban::Mode::AcceptRemote],
            levels,
            halls: vec![],
            batch: 1,
            batch_name: String::new(),
            effective: String::new(),
        };
        let list = vec![
            entry("A", vec![RegionLevel::Town, RegionLevel::Community]),
            entry("B", vec![RegionLevel::Town]),
        ];
        let r = rollout(
            &regions,
            &[town_hall, community_hall],
            &list,
            &[(HallId(1), 5), (HallId(2), 2)],
        );
        assert_eq!(r.len(), 1, "the retired district is not counted");
        let d = &r[0];
        assert_eq!((d.towns, d.towns_with_window), (2, 1));
        assert_eq!(
            (d.communities, d.communities_with_window),
            (1, 0),
            "a window that is no 专窗"
        );
        assert_eq!((d.town_items, d.community_items), (2, 1));
        assert_eq!(d.received, 7);
    }
}
