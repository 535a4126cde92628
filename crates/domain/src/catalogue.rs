//! The standard catalogue: items (政务服务事项) and their immutable published
//! versions with every standard element, and implementations.

use crate::city::{DepartmentKind, RegionLevel};
use crate::guide::GuideMap;
use crate::ids::{DepartmentId, ItemCode, RegionCode};
use crate::validate::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// An enum whose variants are written `Variant = "identifier" / "zh-CN label"`:
/// strum derives the identifier's string form, parsing and the list of
/// variants; serde uses the same identifier.
macro_rules! str_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident = $s:literal / $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
        pub enum $name { $($(#[$vdoc])* #[serde(rename = $s)] #[strum(serialize = $s)] $v),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = <Self as strum::VariantArray>::VARIANTS;
            /// Identifier used in files, URLs and the database.
            pub fn as_str(self) -> &'static str { self.into() }
            /// zh-CN label.
            pub fn label(self) -> &'static str { match self { $(Self::$v => $label),+ } }
            /// Parses the identifier or the zh-CN label.
            pub fn parse(s: &str) -> Option<Self> {
                s.parse().ok().or_else(|| Self::ALL.iter().copied().find(|v| v.label() == s))
            }
        }
    };
}

str_enum!(
    /// How a material was received on a case.
    ReceiptMethod {
        /// 纸质原件或复印件
        Paper = "paper" / "纸质材料",
        /// 扫描件或照片
        Scan = "scan" / "扫描件",
        /// 电子证照（免提交）
        Licence = "license" / "电子证照",
    }
);

impl ReceiptMethod {
    /// Part of the electronic file a department decides from (a scan or an
    /// e-licence), as opposed to paper kept at the window.
    pub fn is_electronic(self) -> bool {
        matches!(self, ReceiptMethod::Scan | ReceiptMethod::Licence)
    }
}

str_enum!(
    /// 事项类型.
    ItemType {
        /// 行政许可
        AdministrativeLicense = "administrative_license" / "行政许可",
        /// 行政确认
        AdministrativeConfirmation = "administrative_confirmation" / "行政确认",
        /// 行政给付
        AdministrativePayment = "administrative_payment" / "行政给付",
        /// 行政裁决
        AdministrativeRuling = "administrative_ruling" / "行政裁决",
        /// 行政奖励
        AdministrativeReward = "administrative_reward" / "行政奖励",
        /// 其他行政权力
        OtherAdministrative = "other_administrative" / "其他行政权力",
        /// 公共服务
        PublicService = "public_service" / "公共服务",
    }
);

str_enum!(
    /// 管辖依据: what fixes the deciding department (DESIGN §3).
    Jurisdiction {
        /// 户籍地
        Household = "household" / "户籍地",
        /// 居住地
        Residence = "residence" / "居住地",
        /// 企业登记地
        CompanyRegistration = "company_registration" / "企业登记地",
        /// 不动产所在地
        PropertyLocation = "property_location" / "不动产所在地",
        /// 全市通办（市级部门）
        CityWide = "city_wide" / "全市（市级部门）",
    }
);

str_enum!(
    /// 材料形式.
    MaterialForm {
        /// 原件
        Original = "original" / "原件",
        /// 复印件
        Copy = "copy" / "复印件",
        /// 原件及复印件
        OriginalAndCopy = "original_and_copy" / "原件及复印件",
    }
);

str_enum!(
    /// 办理结果类型.
    ResultType {
        /// 证照
        Licence = "licence" / "证照",
        /// 批准文书
        ApprovalDocument = "approval_document" / "批准文书",
        /// 证明文件
        Proof = "proof" / "证明文件",
        /// 结果告知
        ResultNotice = "result_notice" / "结果告知",
        /// 待遇核发
        Payment = "payment" / "待遇核发",
        /// 备案回执
        Filing = "filing" / "备案回执",
    }
);

str_enum!(
    /// Where the time limits of an item come from.
    LimitsSource {
        /// Taken from a published guide.
        Found = "found" / "公开办事指南",
        /// Inferred for the demo; not official.
        Inferred = "inferred" / "推断值（非官方）",
    }
);

/// The e-licence types an item material may be replaced by (免提交).
pub const LICENSE_TYPES: &[&str] = &[
    "居民身份证",
    "营业执照",
    "户口簿",
    "结婚证",
    "不动产权证书",
    "护照",
    "驾驶证",
    "社会保障卡",
    "学历证书",
    "出生医学证明",
    "机动车行驶证",
];

/// A required document (申请材料) with its review points (审查要点).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaterialSpec {
    /// Key unique within the item.
    pub key: String,
    /// Name.
    pub name: String,
    /// Original, copy or both.
    pub form: MaterialForm,
    /// Copies.
    pub copies: u32,
    /// Always required (true) or per situation (false).
    pub required: bool,
    /// E-licence type that can replace it.
    #[serde(default)]
    pub license: Option<String>,
    /// What the clerk and reviewer check.
    #[serde(default)]
    pub review_points: Vec<String>,
}

/// Every standard element of one published version of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemContent {
    /// Code.
    pub code: ItemCode,
    /// Name.
    pub name: String,
    /// Department kind that owns it.
    pub department_kind: DepartmentKind,
    /// Type.
    pub item_type: ItemType,
    /// Level of the implementing departments.
    pub level: RegionLevel,
    /// Jurisdiction basis.
    pub jurisdiction: Jurisdiction,
    /// 设定依据.
    pub legal_basis: String,
    /// 受理条件.
    pub conditions: String,
    /// 法定时限 (working days; 0 = none set by law).
    pub legal_days: u32,
    /// 承诺时限 (working days).
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// 收费.
    pub fee: String,
    /// 网上办理深度, 1–5 stars.
    pub online_stars: u8,
    /// 最多跑动次数.
    pub max_visits: u8,
    /// 结果类型.
    pub result_type: ResultType,
    /// 结果名称.
    pub result_name: String,
    /// Search keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// 办理流程.
    #[serde(default)]
    pub steps: Vec<String>,
    /// Where the limits come from.
    pub limits_source: LimitsSource,
    /// Provenance note.
    #[serde(default)]
    pub note: String,
    /// 申请材料.
    #[serde(alias = "material")]
    pub materials: Vec<MaterialSpec>,
    /// 审批导图.
    pub guide: GuideMap,
}

impl ItemContent {
    /// Checks every element; errors name the field (prefixed by `prefix`,
    /// e.g. a CSV column or `item`) and say what is wrong in zh-CN.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::default();
        let code = self.code.as_str();
        if code.is_empty()
            || code.len() > 40
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            errs.push(FieldError::new(
                "code",
                "item.code",
                "事项编码只能由字母、数字、“-”和“_”组成，长度1至40",
            ));
        }
        if self.name.trim().is_empty() {
            errs.push(FieldError::new("name", "required", "请填写事项名称"));
        } else if self.name.chars().count() > 100 {
            errs.push(FieldError::new(
                "name",
                "too_long",
                "事项名称不能超过100个字",
            ));
        }
        if !(1..=5).contains(&self.online_stars) {
            errs.push(FieldError::new(
                "online_stars",
                "item.online_stars",
                "网上办理深度应为1至5星",
            ));
        }
        if self.max_visits > 5 {
            errs.push(FieldError::new(
                "max_visits",
                "item.max_visits",
                "最多跑动次数应为0至5次",
            ));
        }
        if self.instant && self.promised_days != 0 {
            errs.push(FieldError::new(
                "promised_days",
                "item.instant_days",
                "即办件的承诺时限应为0个工作日",
            ));
        }
        if !self.instant && self.promised_days == 0 {
            errs.push(FieldError::new(
                "promised_days",
                "item.promised_days",
                "非即办件应填写大于0的承诺时限",
            ));
        }
        if self.legal_days > 0 && self.promised_days > self.legal_days {
            errs.push(FieldError::new(
                "promised_days",
                "item.promised_exceeds_legal",
                crate::text!(
                    "承诺时限（{promised}个工作日）不能超过法定时限（{legal}个工作日）",
                    promised = self.promised_days,
                    legal = self.legal_days
                ),
            ));
        }
        if self.jurisdiction == Jurisdiction::CityWide && self.level != RegionLevel::City {
            errs.push(FieldError::new(
                "jurisdiction",
                "item.city_wide_level",
                "全市通办（市级部门管辖）的事项，实施层级应为市级",
            ));
        }
        if !matches!(self.level, RegionLevel::City | RegionLevel::County) {
            errs.push(FieldError::new(
                "level",
                "item.level",
                "实施层级应为市级或县（区）级",
            ));
        }
        if self.materials.is_empty() {
            errs.push(FieldError::new(
                "materials",
                "required",
                "至少应有一项申请材料",
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for (i, m) in self.materials.iter().enumerate() {
            let f = format!("materials[{i}]");
            if m.name.trim().is_empty() {
                errs.push(FieldError::new(
                    format!("{f}.name"),
                    "required",
                    "请填写材料名称",
                ));
            }
            if !keys.insert(m.key.as_str()) {
                errs.push(FieldError::new(
                    format!("{f}.key"),
                    "item.material_key",
                    crate::text!("材料标识“{key}”重复", key = &m.key),
                ));
            }
            if m.copies == 0 || m.copies > 99 {
                errs.push(FieldError::new(
                    format!("{f}.copies"),
                    "item.copies",
                    "材料份数应为1至99",
                ));
            }
            if let Some(l) = &m.license
                && !LICENSE_TYPES.contains(&l.as_str())
            {
                errs.push(FieldError::new(
                    format!("{f}.license"),
                    "item.license_type",
                    crate::text!("未知的电子证照类型“{license}”", license = l),
                ));
            }
        }
        if let Err(e) = self.guide.check(&self.materials) {
            errs.0.extend(e.0);
        }
        errs.into_result(())
    }

    /// The materials always required.
    pub fn required_materials(&self) -> impl Iterator<Item = &MaterialSpec> {
        self.materials.iter().filter(|m| m.required)
    }
}

/// A published version of an item (immutable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemVersion {
    /// Version number, from 1.
    pub version: i32,
    /// When it was published (RFC 3339).
    pub published_at: String,
    /// Every element.
    pub content: ItemContent,
}

/// A row of a catalogue list or search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemSummary {
    /// Code.
    pub code: ItemCode,
    /// Name.
    pub name: String,
    /// Department kind.
    pub department_kind: DepartmentKind,
    /// Type.
    pub item_type: ItemType,
    /// Promised working days.
    pub promised_days: u32,
    /// 即办件.
    pub instant: bool,
    /// Stars.
    pub online_stars: u8,
    /// Current version number.
    pub version: i32,
}

impl ItemSummary {
    /// The summary of a version's content.
    pub fn of(c: &ItemContent, version: i32) -> Self {
        Self {
            code: c.code.clone(),
            name: c.name.clone(),
            department_kind: c.department_kind,
            item_type: c.item_type,
            promised_days: c.promised_days,
            instant: c.instant,
            online_stars: c.online_stars,
            version,
        }
    }
}

/// An item as implemented by one department in one region (实施清单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Implementation {
    /// Item.
    pub item: ItemCode,
    /// Deciding department.
    pub department: DepartmentId,
    /// Department name.
    pub department_name: String,
    /// Region served.
    pub region: RegionCode,
}

/// The departments that implement an item: those of its kind at its level
/// (the city's for a city-level item, every county's for a county-level one).
pub fn implementing_departments(
    item: &ItemContent,
    departments: &[crate::city::Department],
    level_of: impl Fn(&RegionCode) -> Option<RegionLevel>,
) -> Vec<DepartmentId> {
    departments
        .iter()
        .filter(|d| d.kind == item.department_kind && level_of(&d.region) == Some(item.level))
        .map(|d| d.id)
        .collect()
}
