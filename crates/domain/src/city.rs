//! The city: regions, halls with their windows, and departments.

use crate::ids::{DepartmentId, HallId, RegionCode, WindowId};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// Level of a region (and so of the halls in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum RegionLevel {
    /// 市
    City,
    /// 县（区、管委会）
    County,
    /// 镇（街道）、园区
    Town,
    /// 社区（村）
    Community,
}

impl RegionLevel {
    /// Every level, top down.
    pub const ALL: &'static [Self] = Self::VARIANTS;

    /// The identifier used in URLs, files and the database.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::City => "市级",
            Self::County => "县（区）级",
            Self::Town => "镇（街）级",
            Self::Community => "社区（园区）级",
        }
    }
}

/// A region (行政区划).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    /// GB/T 2260 / NBS code, or a documented local code.
    pub code: RegionCode,
    /// zh-CN name.
    pub name: String,
    /// Level.
    pub level: RegionLevel,
    /// Parent region; `None` only for the top.
    pub parent: Option<RegionCode>,
    /// True when `code` is a local code, not an official one.
    pub local_code: bool,
    /// Retired: kept for history (its halls and cases), offered for nothing new.
    #[serde(default)]
    pub retired: bool,
}

/// Kind of hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum HallKind {
    /// 行政服务中心
    AdminServiceCentre,
    /// 便民服务中心
    ConvenienceCentre,
    /// “党建+”社区邻里中心
    NeighbourhoodCentre,
    /// “党建+”园区邻里中心
    ParkCentre,
}

impl HallKind {
    /// Every kind.
    pub const ALL: &'static [Self] = Self::VARIANTS;
    /// The identifier used in files and the database.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::AdminServiceCentre => "行政服务中心",
            Self::ConvenienceCentre => "便民服务中心",
            Self::NeighbourhoodCentre => "社区邻里中心",
            Self::ParkCentre => "园区邻里中心",
        }
    }
}

/// A counter in a hall; the 全域通办专窗 has `tongban = true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Window {
    /// Id.
    pub id: WindowId,
    /// Counter number within the hall, e.g. `A01`.
    pub number: String,
    /// Name, e.g. 全域通办专窗.
    pub name: String,
    /// True for the 全域通办专窗.
    pub tongban: bool,
    /// Staff assigned.
    pub staff: i32,
    /// Contact phone (public directory).
    pub phone: String,
    /// Contact person.
    pub contact: String,
    /// Retired: kept for history, offered for nothing new.
    #[serde(default)]
    pub retired: bool,
    /// The staff named to it (a 专窗's named staff, 专人).
    #[serde(default)]
    pub named_staff: Vec<NamedStaff>,
}

/// A staff member named to a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedStaff {
    /// The account.
    pub user: crate::ids::UserId,
    /// Display name.
    pub name: String,
    /// Mobile, as the directory shows it.
    pub phone: String,
}

/// New window data (no id yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWindow {
    /// Counter number.
    pub number: String,
    /// Name.
    pub name: String,
    /// 全域通办专窗?
    pub tongban: bool,
    /// Staff.
    pub staff: i32,
    /// Phone.
    pub phone: String,
    /// Contact person.
    pub contact: String,
}

/// A service hall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hall {
    /// Id.
    pub id: HallId,
    /// Stable key (e.g. `city-centre`).
    pub key: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: HallKind,
    /// Region the hall stands in.
    pub region: RegionCode,
    /// Level of that region (decides which 通办 list entries apply here).
    pub level: RegionLevel,
    /// 试点 pilot site.
    pub pilot: bool,
    /// Street address.
    pub address: String,
    /// Opening hours, free text.
    pub opening_hours: String,
    /// Switchboard phone.
    pub phone: String,
    /// Windows, 专窗 first.
    pub windows: Vec<Window>,
    /// 错时延时 hours beyond the regular ones (`HH:MM-HH:MM`, comma
    /// separated), e.g. the lunch break and the evening.
    #[serde(default)]
    pub extended_hours: String,
    /// Weekend hours (`HH:MM-HH:MM`, comma separated).
    #[serde(default)]
    pub weekend_hours: String,
    /// A 24-hour self-service area (24小时自助服务区).
    #[serde(default)]
    pub self_service_24h: bool,
    /// Retired: keeps its cases and history, offered for nothing new.
    #[serde(default)]
    pub retired: bool,
}

/// New hall data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHall {
    /// Stable key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: HallKind,
    /// Region.
    pub region: RegionCode,
    /// Pilot flag.
    pub pilot: bool,
    /// Address.
    pub address: String,
    /// Opening hours.
    pub opening_hours: String,
    /// Phone.
    pub phone: String,
    /// Windows.
    pub windows: Vec<NewWindow>,
    /// 错时延时 hours.
    #[serde(default)]
    pub extended_hours: String,
    /// Weekend hours.
    #[serde(default)]
    pub weekend_hours: String,
    /// A 24-hour self-service area.
    #[serde(default)]
    pub self_service_24h: bool,
}

/// Kind of department (审批部门类别).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum DepartmentKind {
    /// 公安
    Police,
    /// 医保
    MedicalInsurance,
    /// 人社
    HumanResources,
    /// 公积金
    HousingFund,
    /// 教育
    Education,
    /// 卫健
    Health,
    /// 民政
    CivilAffairs,
    /// 住建
    Housing,
    /// 司法
    Justice,
    /// 税务
    Tax,
    /// 不动产
    RealEstate,
    /// 市场监管
    MarketRegulation,
    /// 交通运输
    Transport,
}

impl DepartmentKind {
    /// Every kind.
    pub const ALL: &'static [Self] = Self::VARIANTS;
    /// The identifier used in URLs, files and the database.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`] or the label in zh-CN or English (an
    /// exported workbook reads back in either language).
    pub fn parse(s: &str) -> Option<Self> {
        let english = |k: &Self| crate::i18n::tr(crate::i18n::Lang::En, k.label()) == s;
        (s.parse().ok())
            .or_else(|| Self::ALL.iter().copied().find(|k| k.label() == s))
            .or_else(|| Self::ALL.iter().copied().find(english))
    }
    /// zh-CN short label (公安, 医保 …).
    pub fn label(self) -> &'static str {
        match self {
            Self::Police => "公安",
            Self::MedicalInsurance => "医保",
            Self::HumanResources => "人社",
            Self::HousingFund => "公积金",
            Self::Education => "教育",
            Self::Health => "卫健",
            Self::CivilAffairs => "民政",
            Self::Housing => "住建",
            Self::Justice => "司法",
            Self::Tax => "税务",
            Self::RealEstate => "不动产",
            Self::MarketRegulation => "市场监管",
            Self::Transport => "交通运输",
        }
    }
    /// The business system such departments run (DESIGN §4): self-built
    /// systems are served in mode 3 (收受分离).
    pub fn usual_system(self) -> SystemKind {
        match self {
            Self::Police
            | Self::MedicalInsurance
            | Self::HumanResources
            | Self::HousingFund
            | Self::Tax
            | Self::RealEstate
            | Self::MarketRegulation => SystemKind::SelfBuilt,
            Self::Education
            | Self::Health
            | Self::CivilAffairs
            | Self::Housing
            | Self::Justice
            | Self::Transport => SystemKind::UnifiedPlatform,
        }
    }
}

/// Which system a department decides in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum SystemKind {
    /// 全市统一政务服务管理平台
    UnifiedPlatform,
    /// 部门自建业务系统
    SelfBuilt,
}

impl SystemKind {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    /// zh-CN label.
    pub fn label(self) -> &'static str {
        match self {
            Self::UnifiedPlatform => "统一平台",
            Self::SelfBuilt => "自建系统",
        }
    }
}

/// A deciding department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Department {
    /// Id.
    pub id: DepartmentId,
    /// Stable key (e.g. `xianyou-police`).
    pub key: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: DepartmentKind,
    /// Region it serves.
    pub region: RegionCode,
    /// System it decides in.
    pub system: SystemKind,
    /// Contact person (for halls and the city office).
    #[serde(default)]
    pub contact: String,
    /// Contact phone.
    #[serde(default)]
    pub phone: String,
    /// Retired: keeps its cases and history, decides nothing new.
    #[serde(default)]
    pub retired: bool,
}

/// New department data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDepartment {
    /// Stable key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: DepartmentKind,
    /// Region.
    pub region: RegionCode,
    /// System.
    pub system: SystemKind,
    /// Contact person.
    #[serde(default)]
    pub contact: String,
    /// Contact phone.
    #[serde(default)]
    pub phone: String,
}

/// How near a hall in region `hall` is to a person in region `from`, by the
/// region tree (halls carry no coordinates): 0 the same region, 1 the same
/// parent (the same town or street for a community), 2 the same grandparent
/// (the same county), and so on — the steps from `from` up to the lowest
/// region both lie in. `None` when either region is unknown.
pub fn nearness(regions: &[Region], from: &RegionCode, hall: &RegionCode) -> Option<usize> {
    let chain = |start: &RegionCode| {
        let mut out = Vec::new();
        let mut at = regions.iter().find(|r| &r.code == start);
        while let Some(r) = at {
            if out.contains(&&r.code) {
                break;
            }
            out.push(&r.code);
            at = (r.parent.as_ref()).and_then(|p| regions.iter().find(|x| &x.code == p));
        }
        out
    };
    let (up, theirs) = (chain(from), chain(hall));
    if up.is_empty() || theirs.is_empty() {
        return None;
    }
    up.iter().position(|c| theirs.contains(c))
}

#[cfg(test)]
mod nearness_tests {
    use super::*;

    fn region(code: &str, level: RegionLevel, parent: Option<&str>) -> Region {
        Region {
            retired: Default::default(),
            code: RegionCode(code.into()),
            name: code.into(),
            level,
            parent: parent.map(|p| RegionCode(p.into())),
            local_code: false,
        }
    }

    #[test]
    fn same_community_then_town_then_county_then_city() {
        let regions = vec![
            region("c", RegionLevel::City, None),
            region("k1", RegionLevel::County, Some("c")),
            region("k2", RegionLevel::County, Some("c")),
            region("t1", RegionLevel::Town, Some("k1")),
            region("t2", RegionLevel::Town, Some("k1")),
            region("m1", RegionLevel::Community, Some("t1")),
            region("m2", RegionLevel::Community, Some("t1")),
        ];
        let n = |a: &str, b: &str| nearness(&regions, &RegionCode(a.into()), &RegionCode(b.into()));
        assert_eq!(n("m1", "m1"), Some(0));
        assert_eq!(n("m1", "t1"), Some(1), "its town's centre");
        assert_eq!(
            n("m1", "m2"),
            Some(1),
            "a neighbouring community of the same town"
        );
        assert_eq!(n("m1", "k1"), Some(2));
        assert_eq!(n("m1", "t2"), Some(2), "another town of the same county");
        assert_eq!(n("m1", "c"), Some(3));
        assert_eq!(n("m1", "k2"), Some(3));
        assert_eq!(
            n("t1", "m1"),
            Some(0),
            "a community centre in the chosen town"
        );
        assert_eq!(n("x", "m1"), None);
    }
}
