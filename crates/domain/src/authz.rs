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

/// Whose a case is: where it was received, who decides, whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseScope {
    /// The receiving hall (none for online cases).
    pub hall: Option<HallId>,
    /// The deciding department.
    pub department: DepartmentId,
    /// The applicant's own account (online cases).
    pub applicant: Option<UserId>,
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
    /// Start a case: online (the applicant) or at a hall's window.
    CreateCase {
        /// True for 全程网办.
        online: bool,
        /// The receiving hall, for window cases.
        hall: Option<HallId>,
    },
    /// List cases (the list itself is scoped to what the actor may see).
    ListCases,
    /// See one case.
    ReadCase(CaseScope),
    /// Take a step on a case, which the state machine gives to these sides.
    CaseStep {
        /// The case.
        case: CaseScope,
        /// The window of the receiving hall may take it.
        window: bool,
        /// The deciding department may take it.
        department: bool,
        /// The applicant may take it.
        applicant: bool,
    },
    /// Edit the working-day calendar.
    EditCalendar,
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

/// Counter staff who receive cases at a window.
fn is_window_staff(role: Role) -> bool {
    matches!(role, Role::Clerk | Role::Guide | Role::Agent)
}

/// Decides whether `actor` may do `action`.
pub fn authorize(actor: Actor, action: Action) -> Result<(), Denial> {
    let Actor::User { id, role, scope } = actor else {
        return match action {
            Action::ReadPublic => Ok(()),
            _ => Err(Denial::Unauthenticated),
        };
    };
    let allowed = match action {
        Action::ReadPublic | Action::ReadOwnAccount => true,
        Action::EditAliases | Action::ManageCatalogue | Action::EditCalendar => {
            role == Role::PlatformAdmin
        }
        Action::CreateCase { online: true, hall } => role == Role::Applicant && hall.is_none(),
        Action::CreateCase {
            online: false,
            hall,
        } => is_window_staff(role) && hall.is_some() && hall == scope.hall(),
        Action::ListCases => true,
        Action::ReadCase(c) => match role {
            Role::PlatformAdmin => true,
            Role::Applicant => c.applicant.is_some() && c.applicant == Some(id),
            Role::Clerk | Role::Guide | Role::Agent | Role::HallAdmin => {
                c.hall.is_some() && c.hall == scope.hall()
            }
            Role::Reviewer | Role::DepartmentAdmin => Some(c.department) == scope.department(),
        },
        Action::CaseStep {
            case,
            window,
            department,
            applicant,
        } => {
            (window && is_window_staff(role) && case.hall.is_some() && case.hall == scope.hall())
                || (department
                    && role == Role::Reviewer
                    && Some(case.department) == scope.department())
                || (applicant && role == Role::Applicant && case.applicant == Some(id))
        }
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
mod case_tests {
    use super::*;

    #[test]
    fn case_steps_belong_to_their_side() {
        let hall = HallId(1);
        let dept = DepartmentId(2);
        let case = CaseScope {
            hall: Some(hall),
            department: dept,
            applicant: Some(UserId(9)),
        };
        let clerk = Actor::User {
            id: UserId(1),
            role: Role::Clerk,
            scope: Scope::Hall(hall),
        };
        let other_clerk = Actor::User {
            id: UserId(1),
            role: Role::Clerk,
            scope: Scope::Hall(HallId(5)),
        };
        let reviewer = Actor::User {
            id: UserId(3),
            role: Role::Reviewer,
            scope: Scope::Department(dept),
        };
        let dept_admin = Actor::User {
            id: UserId(3),
            role: Role::DepartmentAdmin,
            scope: Scope::Department(dept),
        };
        let applicant = Actor::User {
            id: UserId(9),
            role: Role::Applicant,
            scope: Scope::None,
        };
        let stranger = Actor::User {
            id: UserId(10),
            role: Role::Applicant,
            scope: Scope::None,
        };
        let step = |w, d, a| Action::CaseStep {
            case,
            window: w,
            department: d,
            applicant: a,
        };
        assert!(authorize(clerk, step(true, false, false)).is_ok());
        assert!(authorize(other_clerk, step(true, false, false)).is_err());
        assert!(authorize(clerk, step(false, true, false)).is_err());
        assert!(authorize(reviewer, step(false, true, false)).is_ok());
        assert!(
            authorize(dept_admin, step(false, true, false)).is_err(),
            "admins manage, reviewers decide"
        );
        assert!(authorize(applicant, step(false, false, true)).is_ok());
        assert!(authorize(stranger, step(false, false, true)).is_err());
        assert!(authorize(clerk, Action::ReadCase(case)).is_ok());
        assert!(authorize(other_clerk, Action::ReadCase(case)).is_err());
        assert!(authorize(stranger, Action::ReadCase(case)).is_err());
        assert!(authorize(applicant, Action::ReadCase(case)).is_ok());
        assert!(
            authorize(
                clerk,
                Action::CreateCase {
                    online: false,
                    hall: Some(hall)
                }
            )
            .is_ok()
        );
        assert!(
            authorize(
                clerk,
                Action::CreateCase {
                    online: false,
                    hall: Some(HallId(5))
                }
            )
            .is_err()
        );
        assert!(
            authorize(
                clerk,
                Action::CreateCase {
                    online: true,
                    hall: None
                }
            )
            .is_err()
        );
        assert!(
            authorize(
                applicant,
                Action::CreateCase {
                    online: true,
                    hall: None
                }
            )
            .is_ok()
        );
        assert!(
            authorize(
                reviewer,
                Action::CreateCase {
                    online: false,
                    hall: Some(hall)
                }
            )
            .is_err()
        );
        assert_eq!(
            authorize(Actor::Anonymous, Action::ListCases),
            Err(Denial::Unauthenticated)
        );
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
