//! Authorisation: one function decides whether an actor may do an action.
//! Every handler and every page asks it; none looks at roles itself.

use crate::ids::{DepartmentId, HallId, UserId};
use crate::user::{Role, Scope};
use serde::Serialize;

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// Not signed in.
    Anonymous,
    /// A signed-in user.
    User {
        /// The account.
        id: UserId,
        /// Its role.
        role: Role,
        /// Where the role is held.
        scope: Scope,
    },
}

impl Actor {
    /// The role, if signed in.
    pub fn role(self) -> Option<Role> {
        match self {
            Actor::Anonymous => None,
            Actor::User { role, .. } => Some(role),
        }
    }
}

/// Something an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read public information: catalogue, guides, 通办 list, halls, regions.
    ReadPublic,
    /// Read one's own account (`/me`).
    ReadOwnAccount,
    /// Edit the aliases of catalogue items.
    EditAliases,
    /// Publish item versions, import or export the catalogue.
    ManageCatalogue,
    /// Create accounts in a hall (`Some`), a department, or anywhere (`None`).
    ManageUsers {
        /// The hall the account would belong to.
        hall: Option<HallId>,
        /// The department the account would belong to.
        department: Option<DepartmentId>,
    },
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Denial {
    /// Must sign in first.
    Unauthenticated,
    /// Signed in, but the role does not allow it.
    Forbidden,
}

impl Denial {
    /// zh-CN message.
    pub fn message(self) -> &'static str {
        match self {
            Denial::Unauthenticated => "请先登录",
            Denial::Forbidden => "您没有权限执行此操作",
        }
    }
}

/// Decides whether `actor` may do `action`.
pub fn authorize(actor: Actor, action: Action) -> Result<(), Denial> {
    let Actor::User { role, scope, .. } = actor else {
        return match action {
            Action::ReadPublic => Ok(()),
            _ => Err(Denial::Unauthenticated),
        };
    };
    let allowed = match action {
        Action::ReadPublic | Action::ReadOwnAccount => true,
        Action::EditAliases | Action::ManageCatalogue => role == Role::PlatformAdmin,
        Action::ManageUsers { hall, department } => match role {
            Role::PlatformAdmin => true,
            // A hall admin manages the staff of their own hall only.
            Role::HallAdmin => department.is_none() && hall.is_some() && hall == scope.hall(),
            Role::DepartmentAdmin => {
                hall.is_none() && department.is_some() && department == scope.department()
            }
            _ => false,
        },
    };
    if allowed {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, scope: Scope) -> Actor {
        Actor::User {
            id: UserId(1),
            role,
            scope,
        }
    }

    #[test]
    fn every_role_against_every_action() {
        let h1 = Some(HallId(1));
        let d1 = Some(DepartmentId(1));
        let actions = [
            Action::ReadPublic,
            Action::ReadOwnAccount,
            Action::EditAliases,
            Action::ManageCatalogue,
            Action::ManageUsers {
                hall: h1,
                department: None,
            },
            Action::ManageUsers {
                hall: Some(HallId(2)),
                department: None,
            },
            Action::ManageUsers {
                hall: None,
                department: d1,
            },
            Action::ManageUsers {
                hall: None,
                department: None,
            },
        ];
        let scope_of = |r: Role| match r.scope_kind() {
            crate::user::ScopeKind::None => Scope::None,
            crate::user::ScopeKind::Hall => Scope::Hall(HallId(1)),
            crate::user::ScopeKind::Department => Scope::Department(DepartmentId(1)),
            crate::user::ScopeKind::Platform => Scope::Platform,
        };
        for role in Role::ALL {
            let a = user(role, scope_of(role));
            let got: Vec<bool> = actions.iter().map(|x| authorize(a, *x).is_ok()).collect();
            let want = match role {
                Role::PlatformAdmin => vec![true; 8],
                Role::HallAdmin => vec![true, true, false, false, true, false, false, false],
                Role::DepartmentAdmin => vec![true, true, false, false, false, false, true, false],
                _ => vec![true, true, false, false, false, false, false, false],
            };
            assert_eq!(got, want, "{role:?}");
        }
        for (i, x) in actions.iter().enumerate() {
            let r = authorize(Actor::Anonymous, *x);
            assert_eq!(r.is_ok(), i == 0);
            if i > 0 {
                assert_eq!(r, Err(Denial::Unauthenticated));
            }
        }
    }
}
