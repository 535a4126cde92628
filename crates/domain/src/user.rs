//! Users, their roles and the scope a role is held in.

use crate::ids::{DepartmentId, HallId, UserId};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// A role (DESIGN §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// 申请人
    Applicant,
    /// 窗口办事员
    Clerk,
    /// 导办员
    Guide,
    /// 代办员
    Agent,
    /// 审批人员
    Reviewer,
    /// 中心管理员
    HallAdmin,
    /// 部门管理员
    DepartmentAdmin,
    /// 平台管理员
    PlatformAdmin,
}

impl Role {
    /// Every role.
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
            Self::Applicant => "申请人",
            Self::Clerk => "窗口办事员",
            Self::Guide => "导办员",
            Self::Agent => "代办员",
            Self::Reviewer => "审批人员",
            Self::HallAdmin => "中心管理员",
            Self::DepartmentAdmin => "部门管理员",
            Self::PlatformAdmin => "平台管理员",
        }
    }
    /// What the role must be scoped to.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Self::Applicant => ScopeKind::None,
            Self::Clerk | Self::Guide | Self::Agent | Self::HallAdmin => ScopeKind::Hall,
            Self::Reviewer | Self::DepartmentAdmin => ScopeKind::Department,
            Self::PlatformAdmin => ScopeKind::Platform,
        }
    }
}

/// What a role is held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// Nothing (applicants).
    None,
    /// A hall.
    Hall,
    /// A department.
    Department,
    /// The whole platform.
    Platform,
}

/// A role held in a concrete scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// No scope.
    None,
    /// A hall.
    Hall(HallId),
    /// A department.
    Department(DepartmentId),
    /// The platform.
    Platform,
}

impl Scope {
    /// Checks that `role` may hold this scope; the error is in zh-CN.
    pub fn fits(self, role: Role) -> Result<(), &'static str> {
        match (role.scope_kind(), self) {
            (ScopeKind::None, Scope::None)
            | (ScopeKind::Hall, Scope::Hall(_))
            | (ScopeKind::Department, Scope::Department(_))
            | (ScopeKind::Platform, Scope::Platform) => Ok(()),
            (ScopeKind::Hall, _) => Err("该角色须指定所属服务中心（--hall）"),
            (ScopeKind::Department, _) => Err("该角色须指定所属部门（--department）"),
            (ScopeKind::None, _) => Err("申请人不属于任何服务中心或部门"),
            (ScopeKind::Platform, _) => Err("平台管理员不属于任何服务中心或部门"),
        }
    }
    /// The hall, if any.
    pub fn hall(self) -> Option<HallId> {
        match self {
            Scope::Hall(h) => Some(h),
            _ => None,
        }
    }
    /// The department, if any.
    pub fn department(self) -> Option<DepartmentId> {
        match self {
            Scope::Department(d) => Some(d),
            _ => None,
        }
    }
}

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Where the role is held.
    pub scope: Scope,
    /// Disabled accounts cannot sign in.
    pub active: bool,
    /// An applicant's household registration region (户籍地), when known.
    pub household_region: Option<crate::RegionCode>,
}

/// Checks a username: 3–40 of `a-z 0-9 - _ .`.
pub fn validate_username(field: &str, s: &str) -> Result<String, crate::FieldError> {
    let ok = (3..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(crate::FieldError::new(
            field,
            "username.format",
            "用户名应为3至40位小写字母、数字或“-_.”",
        ))
    }
}

/// Checks a new password's strength (length only; the hash is argon2id).
pub fn validate_password(field: &str, s: &str, allow_short: bool) -> Result<(), crate::FieldError> {
    if s.is_empty() {
        return Err(crate::FieldError::new(field, "required", "请填写密码"));
    }
    if !allow_short && s.chars().count() < 8 {
        return Err(crate::FieldError::new(
            field,
            "password.short",
            "密码至少8位",
        ));
    }
    if s.len() > 256 {
        return Err(crate::FieldError::new(field, "too_long", "密码过长"));
    }
    Ok(())
}
