//! The 全域通办 list: which items may be handled anywhere, in which modes, at
//! which hall levels, published in batches.

use crate::city::{DepartmentKind, RegionLevel, SystemKind};
use crate::ids::{HallId, ItemCode};
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// A 通办 mode (DESIGN §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Mode {
    /// 全程网办
    Online,
    /// 受审分离 (异地受理、远程办理)
    AcceptRemote,
    /// 收受分离 (异地收件、远程受理)
    CollectRemote,
    /// 多地协同联办 (一件事)
    Bundle,
}

impl Mode {
    /// Every mode.
    pub const ALL: &'static [Self] = Self::VARIANTS;
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
            Self::Online => "全程网办",
            Self::AcceptRemote => "窗口受审分离",
            Self::CollectRemote => "窗口收受分离",
            Self::Bundle => "多地协同联办",
        }
    }

    /// Whether an item of this department kind and depth may be listed in this
    /// mode (the notice §4): online needs five stars; 受审分离 needs the
    /// unified platform and three stars; 收受分离 is for self-built systems.
    pub fn allows(self, system: SystemKind, online_stars: u8) -> Result<(), &'static str> {
        match self {
            Self::Online if online_stars < 5 => Err("全程网办仅适用于五星网上办理事项"),
            Self::AcceptRemote if system != SystemKind::UnifiedPlatform => {
                Err("受审分离仅适用于使用全市统一政务服务管理平台的部门事项")
            }
            Self::AcceptRemote if online_stars < 3 => Err("受审分离仅适用于三星以上网上办理事项"),
            Self::CollectRemote if system != SystemKind::SelfBuilt => {
                Err("收受分离仅适用于自建业务系统部门的事项")
            }
            _ => Ok(()),
        }
    }
}

/// A published batch of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    /// Number, from 1.
    pub no: i32,
    /// Title.
    pub name: String,
    /// Publish date, `YYYY-MM-DD`.
    pub published: String,
    /// The day its entries come into force, `YYYY-MM-DD` (the publish date
    /// when empty).
    #[serde(default)]
    pub effective: String,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListEntry {
    /// Batch number.
    pub batch: i32,
    /// Item code.
    pub item: ItemCode,
    /// Allowed modes.
    pub modes: Vec<Mode>,
    /// Hall levels where it may be handled.
    pub levels: Vec<RegionLevel>,
    /// Named halls where it may be handled besides those of the levels.
    #[serde(default)]
    pub halls: Vec<HallId>,
    /// The batch's name (第一批 …), when read from the list in force.
    #[serde(default)]
    pub batch_name: String,
    /// The day the entry came into force, `YYYY-MM-DD`, when read from the
    /// list in force.
    #[serde(default)]
    pub effective: String,
}

impl ListEntry {
    /// Whether a hall of this level (and id) may receive the item.
    pub fn at_hall(&self, hall: HallId, level: RegionLevel) -> bool {
        self.levels.contains(&level) || self.halls.contains(&hall)
    }

    /// Checks modes and levels against the item's department and depth.
    pub fn check(&self, kind: DepartmentKind, online_stars: u8) -> Result<(), FieldError> {
        if self.modes.is_empty() {
            return Err(FieldError::new("modes", "required", "至少应有一种通办模式"));
        }
        if self.levels.is_empty() && self.halls.is_empty() {
            return Err(FieldError::new(
                "levels",
                "required",
                "至少应有一个通办层级或指定服务中心",
            ));
        }
        for m in &self.modes {
            m.allows(kind.usual_system(), online_stars).map_err(|msg| {
                FieldError::new(
                    "modes",
                    "tongban.mode",
                    crate::text!(
                        "事项{item}：{reason}",
                        item = self.item.clone(),
                        reason = msg
                    ),
                )
            })?;
        }
        Ok(())
    }
}
