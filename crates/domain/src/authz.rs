//! Authorisation: one function decides whether an actor may do an action.
//! Every handler and every page asks it; none looks at roles itself.

use crate::case::Action as Step;
use crate::city::Department;
use crate::grant::{Grant, HallPlace, Lack, Right, holds};
use crate::ids::{DepartmentId, HallId, ItemCode, UserId};
use crate::tongban::Mode;
use crate::user::{Role, Scope};
use serde::Serialize;
use time::Date;

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

/// Whose a case is: where it was received, who decides, whose it is, which
/// hall hands over the result, and what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseScope<'a> {
    /// The case number (for the audit log).
    pub case_no: &'a str,
    /// The receiving hall (none for online cases).
    pub hall: Option<HallId>,
    /// The deciding department.
    pub department: DepartmentId,
    /// The applicant's own account (online cases).
    pub applicant: Option<UserId>,
    /// The guide or agent applying on the applicant's behalf (帮办代办),
    /// who takes the applicant's steps for them.
    pub assisted_by: Option<UserId>,
    /// The hall where the applicant picks up the result, once chosen.
    pub pickup_hall: Option<HallId>,
    /// The catalogue item.
    pub item: &'a ItemCode,
    /// The 通办 mode.
    pub mode: Mode,
}

/// Something an actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Read public information: catalogue, guides, 通办 list, halls, regions.
    ReadPublic,
    /// Read one's own account (`/me`).
    ReadOwnAccount,
    /// Edit the aliases of catalogue items.
    EditAliases,
    /// Publish item versions, import or export the catalogue.
    ManageCatalogue,
    /// Start a case: online (the applicant) or at a hall's window. (Once the
    /// owning department is known, a window case also needs its first step,
    /// [`Action::CaseStep`] `submit`, with the rights that takes.)
    CreateCase {
        /// True for 全程网办.
        online: bool,
        /// The receiving hall, for window cases.
        hall: Option<HallId>,
        /// A guide or agent applies online on an applicant's behalf
        /// (帮办代办), with the applicant's recorded consent.
        assisted: bool,
    },
    /// List cases (the list itself is scoped to what the actor may see).
    ListCases,
    /// See one case (personal numbers masked).
    ReadCase(CaseScope<'a>),
    /// See a case's personal numbers in full: the applicant and staff who
    /// may act on it. Every such view is recorded.
    ReadCaseFull(CaseScope<'a>),
    /// Take a step on a case, which the state machine gives to these sides.
    CaseStep {
        /// The case.
        case: CaseScope<'a>,
        /// The step.
        step: Step,
        /// The window may take it (the receiving hall's, or for the
        /// hand-over of the result, the pickup hall's).
        window: bool,
        /// The deciding department may take it.
        department: bool,
        /// The applicant may take it.
        applicant: bool,
    },
    /// Record a material received for a case (window or the applicant).
    ReceiveMaterial(CaseScope<'a>),
    /// Certify at the window that the originals of a material were seen.
    VerifyOriginal(CaseScope<'a>),
    /// Start a video check (视频核验) of the applicant's identity on a case
    /// and record its outcome: the deciding department's reviewers, or
    /// window staff of the receiving hall. (Its recording is seen by those
    /// who may [`Action::ReadCaseFull`].)
    RecordVideoCheck(CaseScope<'a>),
    /// Edit the working-day calendar.
    EditCalendar,
    /// Administer the city: regions, halls, windows, departments, and the
    /// city workbook.
    ManageCity,
    /// Create accounts in a hall (`Some`), a department, or anywhere (`None`).
    ManageUsers {
        /// The hall the account would belong to.
        hall: Option<HallId>,
        /// The department the account would belong to.
        department: Option<DepartmentId>,
    },
    /// Read the grants on record.
    ReadGrants,
    /// Read the rollout's progress (专窗 coverage per district).
    ReadRollout,
    /// Read the training manuals (培训手册) of halls and items: staff
    /// training material, with the grants each hall holds.
    ReadManuals,
    /// Grant or revoke rights of this department.
    ManageGrants {
        /// The granting department.
        grantor: DepartmentId,
    },
    /// Read the security audit log.
    ReadAudit,
    /// Draft, review and publish batches of the 通办 list (the city's
    /// 全域通办 office); who may approve a batch is further the four-eyes
    /// rule, `list_batch::check_reviewer`.
    ManageListBatches,
    /// Book an appointment (applicants, for themselves).
    BookAppointment,
    /// Cancel an appointment: its owner, or staff of its hall.
    CancelAppointment {
        /// Whose it is.
        owner: UserId,
        /// The hall it is at.
        hall: HallId,
    },
    /// See the appointments at a hall.
    ReadHallAppointments {
        /// The hall.
        hall: HallId,
    },
    /// Publish a hall's appointment slot plans.
    ManageSlots {
        /// The hall.
        hall: HallId,
    },
    /// Rate a case (好差评) as its signed-in applicant. (Whoever holds the
    /// case's verification code may rate it without an account.)
    RateCase(CaseScope<'a>),
    /// List the rectifications one may see (scoped by role).
    ReadRectifications,
    /// Follow up or close a rectification: the unit responsible.
    ActOnRectification {
        /// The hall responsible (window service).
        hall: Option<HallId>,
        /// The department responsible (online service).
        department: Option<DepartmentId>,
    },
    /// See the rating statistics.
    ReadEvaluationStats,
    /// See the outbox's messages and resend failed ones.
    ManageOutbox,
}

/// What authorisation needs beyond the actor and the action: the grants on
/// record, where each hall stands, the departments, and the day.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// Every grant, revoked and expired ones included.
    pub grants: &'a [Grant],
    /// Where each hall stands in the region tree.
    pub halls: &'a [HallPlace],
    /// The departments.
    pub departments: &'a [Department],
    /// Today, for the validity of grants.
    pub today: Date,
}

impl Trust<'static> {
    /// No grants known: every right-dependent window step is refused.
    pub const NONE: Trust<'static> = Trust {
        grants: &[],
        halls: &[],
        departments: &[],
        today: Date::MIN,
    };
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "denial")]
pub enum Denial {
    /// Must sign in first.
    Unauthenticated,
    /// Signed in, but the role does not allow it.
    Forbidden,
    /// The case is not the caller's to see: answered exactly as a case that
    /// does not exist.
    NotVisible,
    /// The window would act for a department without holding the right.
    Lacks {
        /// The right needed.
        right: Right,
        /// Why the hall does not hold it.
        lack: Lack,
    },
}

impl Denial {
    /// zh-CN message.
    pub fn message(self) -> crate::i18n::Text {
        match self {
            Denial::Unauthenticated => "请先登录".into(),
            Denial::Forbidden => "您没有权限执行此操作".into(),
            Denial::NotVisible => "没有找到该办件".into(),
            Denial::Lacks { right, lack } => lack.message(right),
        }
    }
}

/// Counter staff who receive cases at a window.
fn is_window_staff(role: Role) -> bool {
    matches!(role, Role::Clerk | Role::Guide | Role::Agent)
}

/// The right a window needs to take `step` for another department, if any:
/// accepting or collecting (and what belongs to it) needs
/// `remote_acceptance`, the one-time notice `one_time_notice`, handing over
/// the result (in any mode) `result_delivery`. Withdrawing at the
/// applicant's request needs none.
pub fn window_right(mode: Mode, step: Step) -> Option<Right> {
    match mode {
        Mode::Bundle => None,
        _ if step == Step::Complete => Some(Right::ResultDelivery),
        Mode::Online => None,
        Mode::AcceptRemote | Mode::CollectRemote => match step {
            Step::Submit | Step::Accept | Step::NotAccept | Step::SupplementProvided => {
                Some(Right::RemoteAcceptance)
            }
            Step::RequestSupplement => Some(Right::OneTimeNotice),
            Step::Complete => Some(Right::ResultDelivery),
            Step::PreReviewPass
            | Step::PreReviewFail
            | Step::Suspend
            | Step::Resume
            | Step::Decide
            | Step::Deliver
            | Step::Withdraw => None,
        },
    }
}

impl Trust<'_> {
    /// Whether `hall` holds `right` for `item` of `department` today, or the
    /// most telling reason it does not (an unknown hall or department holds
    /// nothing).
    pub fn hall_holds(
        &self,
        hall: HallId,
        department: DepartmentId,
        item: &ItemCode,
        right: Right,
    ) -> Result<(), Lack> {
        let place = self
            .halls
            .iter()
            .find(|p| p.hall == hall)
            .ok_or(Lack::NotGranted)?;
        let department = self
            .departments
            .iter()
            .find(|d| d.id == department)
            .ok_or(Lack::NotGranted)?;
        holds(self.grants, place, department, item, right, self.today)
    }
}

/// Whether the hall `hall` holds `right` for the case's department and item.
fn hall_holds(
    trust: &Trust<'_>,
    hall: HallId,
    case: &CaseScope<'_>,
    right: Right,
) -> Result<(), Denial> {
    trust
        .hall_holds(hall, case.department, case.item, right)
        .map_err(|lack| Denial::Lacks { right, lack })
}

/// May window staff of `scope` take `step` on `case` at the window?
fn window_may(
    role: Role,
    scope: Scope,
    case: &CaseScope<'_>,
    step: Step,
    trust: &Trust<'_>,
) -> Result<(), Denial> {
    let at = if step == Step::Complete {
        case.pickup_hall
    } else {
        case.hall
    };
    let hall = match at {
        Some(h) if is_window_staff(role) && Some(h) == scope.hall() => h,
        _ => return Err(Denial::Forbidden),
    };
    match window_right(case.mode, step) {
        Some(right) => hall_holds(trust, hall, case, right),
        None => Ok(()),
    }
}

/// Whether the staff of `scope` work where the case was received or is handed over.
fn at_case_hall(scope: Scope, case: &CaseScope<'_>) -> bool {
    scope
        .hall()
        .is_some_and(|h| case.hall == Some(h) || case.pickup_hall == Some(h))
}

/// Which cases an actor sees: the one visibility rule. Every single read
/// asks [`CaseVisibility::includes`]; every list hands it to the store,
/// which turns it into a SQL condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseVisibility {
    /// None (anonymous callers, staff without a place).
    Nothing,
    /// Every case (platform admins).
    All,
    /// An applicant's own cases: filed online by the account, or filed at a
    /// window under the account's real-name ID number or credit code (一号:
    /// such cases are linked to the account).
    Applicant(UserId),
    /// Window staff: cases received or handed over at the hall; a guide or
    /// agent also sees the cases they filed or assisted (帮办代办).
    Hall {
        /// The hall.
        hall: Option<HallId>,
        /// The helper, for guides and agents.
        helper: Option<UserId>,
    },
    /// A department's reviewers and admins: the department's cases.
    Department(DepartmentId),
}

impl CaseVisibility {
    /// Whether a case is visible.
    pub fn includes(self, c: &CaseScope<'_>) -> bool {
        match self {
            Self::Nothing => false,
            Self::All => true,
            Self::Applicant(u) => c.applicant == Some(u),
            Self::Hall { hall, helper } => {
                (hall.is_some() && (c.hall == hall || c.pickup_hall == hall))
                    || (helper.is_some() && c.assisted_by == helper)
            }
            Self::Department(d) => c.department == d,
        }
    }
}

/// Which bookings an actor lists: an applicant his own, staff those of a
/// hall (each hall asked for is authorised with `ReadHallAppointments`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingVisibility {
    /// The actor's own bookings.
    Own(UserId),
    /// A hall's bookings of a day.
    Hall,
}

/// The bookings `actor` lists.
pub fn booking_visibility(actor: Actor) -> BookingVisibility {
    match actor {
        Actor::User {
            id,
            role: Role::Applicant,
            ..
        } => BookingVisibility::Own(id),
        _ => BookingVisibility::Hall,
    }
}

/// Whether `actor` may rate a case whose verification code he holds:
/// applicants may (the code is the proof), staff never rate.
pub fn may_rate_with_code(actor: Actor) -> bool {
    matches!(
        actor,
        Actor::User {
            role: Role::Applicant,
            ..
        }
    )
}

/// The rectifications an actor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RectificationVisibility {
    /// Every one (platform admins).
    All,
    /// Those of a hall (its staff).
    Hall(HallId),
    /// Those of a department (its staff).
    Department(DepartmentId),
    /// None.
    Nothing,
}

impl RectificationVisibility {
    /// Whether a rectification of this hall or department is seen.
    pub fn includes(self, hall: Option<HallId>, department: Option<DepartmentId>) -> bool {
        match self {
            RectificationVisibility::All => true,
            RectificationVisibility::Hall(h) => hall == Some(h),
            RectificationVisibility::Department(d) => department == Some(d),
            RectificationVisibility::Nothing => false,
        }
    }
}

/// The rectifications `actor` sees: his hall's or department's.
pub fn rectification_visibility(actor: Actor) -> RectificationVisibility {
    match actor {
        Actor::User {
            role: Role::PlatformAdmin,
            ..
        } => RectificationVisibility::All,
        Actor::User {
            role: Role::Applicant,
            ..
        }
        | Actor::Anonymous => RectificationVisibility::Nothing,
        Actor::User { scope, .. } => match (scope.hall(), scope.department()) {
            (Some(h), _) => RectificationVisibility::Hall(h),
            (None, Some(d)) => RectificationVisibility::Department(d),
            (None, None) => RectificationVisibility::Nothing,
        },
    }
}

/// Who opens a case, as the intake sees him.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    /// An applicant, online, for himself (or his company, or as an agent).
    Applicant,
    /// A 帮办员 or agent at a hall: the window modes, and online for an
    /// applicant (帮办代办, with the applicant's consent).
    Helper,
    /// A clerk at a hall's window: the window modes.
    Window,
    /// Nobody who may open a case (staff of a department, the platform).
    Nobody,
}

impl Opener {
    /// How `actor` opens cases; staff without a hall open none.
    pub fn of(actor: Actor) -> Self {
        let Actor::User { role, scope, .. } = actor else {
            return Opener::Nobody;
        };
        match (role, scope.hall()) {
            (Role::Applicant, _) => Opener::Applicant,
            (Role::Guide | Role::Agent, Some(_)) => Opener::Helper,
            (Role::Clerk, Some(_)) => Opener::Window,
            _ => Opener::Nobody,
        }
    }

    /// The modes of the 通办 list (`listed`, for halls of `levels`) this
    /// opener may use at a hall of `hall_level`: online for applicants and
    /// helpers; the window modes where the list admits the hall's level.
    pub fn modes(
        self,
        hall_level: Option<crate::city::RegionLevel>,
        listed: &[Mode],
        levels: &[crate::city::RegionLevel],
    ) -> Vec<Mode> {
        let at_window = hall_level.is_some_and(|l| levels.contains(&l));
        listed
            .iter()
            .copied()
            .filter(|m| match (self, m) {
                (Opener::Applicant | Opener::Helper, Mode::Online) => true,
                (Opener::Helper | Opener::Window, Mode::AcceptRemote | Mode::CollectRemote) => {
                    at_window
                }
                _ => false,
            })
            .collect()
    }
}

/// The cases `actor` sees.
pub fn case_visibility(actor: Actor) -> CaseVisibility {
    let Actor::User { id, role, scope } = actor else {
        return CaseVisibility::Nothing;
    };
    match role {
        Role::PlatformAdmin => CaseVisibility::All,
        Role::Applicant => CaseVisibility::Applicant(id),
        Role::Guide | Role::Agent => CaseVisibility::Hall {
            hall: scope.hall(),
            helper: Some(id),
        },
        Role::Clerk | Role::HallAdmin => CaseVisibility::Hall {
            hall: scope.hall(),
            helper: None,
        },
        Role::Reviewer | Role::DepartmentAdmin => scope
            .department()
            .map_or(CaseVisibility::Nothing, CaseVisibility::Department),
    }
}

/// Decides whether `actor` may do `action`, given the grants in `trust`.
/// The one authorisation function: every handler and page asks it.
///
/// Whoever may not see a case is refused anything on it exactly as if it
/// did not exist ([`Denial::NotVisible`]); only those who see it learn why
/// they may not act. The same holds for a rectification (a 差评 on a case)
/// and those who do not see it ([`rectification_visibility`]).
pub fn authorize(actor: Actor, action: Action<'_>, trust: &Trust<'_>) -> Result<(), Denial> {
    let unseen = || match action {
        Action::ReadCaseFull(c)
        | Action::CaseStep { case: c, .. }
        | Action::ReceiveMaterial(c)
        | Action::VerifyOriginal(c)
        | Action::RecordVideoCheck(c)
        | Action::RateCase(c) => decide(actor, Action::ReadCase(c), trust).is_err(),
        Action::ActOnRectification { hall, department } => {
            !rectification_visibility(actor).includes(hall, department)
        }
        _ => false,
    };
    match decide(actor, action, trust) {
        Err(Denial::Forbidden | Denial::Lacks { .. })
            if matches!(actor, Actor::User { .. }) && unseen() =>
        {
            Err(Denial::NotVisible)
        }
        other => other,
    }
}

fn decide(actor: Actor, action: Action<'_>, trust: &Trust<'_>) -> Result<(), Denial> {
    let Actor::User { id, role, scope } = actor else {
        return match action {
            Action::ReadPublic => Ok(()),
            _ => Err(Denial::Unauthenticated),
        };
    };
    let allowed = match action {
        Action::ReadPublic | Action::ReadOwnAccount => true,
        Action::EditAliases
        | Action::ManageCatalogue
        | Action::EditCalendar
        | Action::ManageCity
        | Action::ReadAudit
        | Action::ManageListBatches
        | Action::ManageOutbox => role == Role::PlatformAdmin,
        Action::CreateCase {
            online: true,
            hall,
            assisted,
        } => {
            hall.is_none()
                && if assisted {
                    matches!(role, Role::Guide | Role::Agent)
                } else {
                    role == Role::Applicant
                }
        }
        Action::CreateCase {
            online: false,
            hall,
            assisted,
        } => !assisted && is_window_staff(role) && hall.is_some() && hall == scope.hall(),
        Action::ListCases => true,
        Action::ReadCase(c) => {
            return if case_visibility(actor).includes(&c) {
                Ok(())
            } else {
                Err(Denial::NotVisible)
            };
        }
        Action::ReadCaseFull(c) => match role {
            Role::Applicant => c.applicant.is_some() && c.applicant == Some(id),
            Role::Guide | Role::Agent => at_case_hall(scope, &c) || c.assisted_by == Some(id),
            Role::Clerk => at_case_hall(scope, &c),
            Role::Reviewer => Some(c.department) == scope.department(),
            Role::PlatformAdmin | Role::HallAdmin | Role::DepartmentAdmin => false,
        },
        Action::CaseStep {
            case,
            step,
            window,
            department,
            applicant,
        } => {
            let mut denial = Denial::Forbidden;
            if window {
                match window_may(role, scope, &case, step, trust) {
                    Ok(()) => return Ok(()),
                    Err(d) => denial = d,
                }
            }
            if (department && role == Role::Reviewer && Some(case.department) == scope.department())
                || (applicant && role == Role::Applicant && case.applicant == Some(id))
                || (applicant
                    && matches!(role, Role::Guide | Role::Agent)
                    && case.assisted_by == Some(id))
            {
                return Ok(());
            }
            return Err(denial);
        }
        Action::ReceiveMaterial(c) => {
            (is_window_staff(role) && c.hall.is_some() && c.hall == scope.hall())
                || (role == Role::Applicant && c.applicant == Some(id))
                // 帮办代办: the helper uploads what the applicant would.
                || (matches!(role, Role::Guide | Role::Agent) && c.assisted_by == Some(id))
        }
        Action::VerifyOriginal(c) => {
            return match c.hall {
                Some(h) if is_window_staff(role) && Some(h) == scope.hall() => {
                    hall_holds(trust, h, &c, Right::OriginalVerification)
                }
                _ => Err(Denial::Forbidden),
            };
        }
        Action::RecordVideoCheck(c) => {
            (role == Role::Reviewer && scope.department() == Some(c.department))
                || (is_window_staff(role) && c.hall.is_some() && c.hall == scope.hall())
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
        Action::ReadGrants | Action::ReadManuals | Action::ReadRollout => role != Role::Applicant,
        Action::BookAppointment => role == Role::Applicant,
        Action::CancelAppointment { owner, hall } => {
            (role == Role::Applicant && owner == id)
                || (matches!(
                    role,
                    Role::Clerk | Role::Guide | Role::Agent | Role::HallAdmin
                ) && scope.hall() == Some(hall))
        }
        Action::ReadHallAppointments { hall } => {
            role == Role::PlatformAdmin
                || (matches!(
                    role,
                    Role::Clerk | Role::Guide | Role::Agent | Role::HallAdmin
                ) && scope.hall() == Some(hall))
        }
        Action::RateCase(c) => role == Role::Applicant && c.applicant == Some(id),
        Action::ReadRectifications => role != Role::Applicant,
        Action::ActOnRectification { hall, department } => match role {
            Role::Clerk | Role::Guide | Role::Agent | Role::HallAdmin => {
                hall.is_some() && hall == scope.hall()
            }
            Role::Reviewer | Role::DepartmentAdmin => {
                department.is_some() && department == scope.department()
            }
            Role::Applicant | Role::PlatformAdmin => false,
        },
        Action::ReadEvaluationStats => matches!(
            role,
            Role::PlatformAdmin | Role::HallAdmin | Role::DepartmentAdmin
        ),
        Action::ManageSlots { hall } => {
            role == Role::PlatformAdmin || (role == Role::HallAdmin && scope.hall() == Some(hall))
        }
        Action::ManageGrants { grantor } => match role {
            Role::PlatformAdmin => true,
            Role::DepartmentAdmin => scope.department() == Some(grantor),
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
    use crate::city::{DepartmentKind, RegionLevel, SystemKind};
    use crate::grant::{Grantee, Revocation};
    use crate::ids::RegionCode;
    use time::macros::date;

    const HALL: HallId = HallId(1);
    const DEPT: DepartmentId = DepartmentId(2);

    fn actor(id: i64, role: Role, scope: Scope) -> Actor {
        Actor::User {
            id: UserId(id),
            role,
            scope,
        }
    }

    fn places() -> Vec<HallPlace> {
        let at = |hall, region: &str| HallPlace {
            hall: HallId(hall),
            level: RegionLevel::Community,
            regions: vec![RegionCode(region.into()), RegionCode("350304".into())],
        };
        vec![at(1, "350304001001"), at(5, "350304001002")]
    }

    fn departments() -> Vec<Department> {
        vec![Department {
            retired: Default::default(),
            id: DEPT,
            key: "d".into(),
            name: "荔城区民政局".into(),
            kind: DepartmentKind::CivilAffairs,
            region: RegionCode("350304".into()),
            system: SystemKind::UnifiedPlatform,
            phone: String::new(),
            contact: String::new(),
        }]
    }

    fn grant(rights: &[Right]) -> Grant {
        Grant {
            id: 1,
            grantor: DEPT,
            grantee: Grantee::Hall(HALL),
            items: None,
            rights: rights.to_vec(),
            valid_from: date!(2026 - 01 - 01),
            valid_to: date!(2026 - 12 - 31),
            granted_by: UserId(1),
            granted_at: 0,
            reason: String::new(),
            revoked: None,
        }
    }

    #[test]
    fn case_steps_belong_to_their_side_and_window_steps_need_the_right() {
        let item = ItemCode::from("MZ-008");
        let case = CaseScope {
            case_no: "TB1",
            hall: Some(HALL),
            department: DEPT,
            applicant: Some(UserId(9)),
            assisted_by: None,
            pickup_hall: None,
            item: &item,
            mode: Mode::AcceptRemote,
        };
        let clerk = actor(1, Role::Clerk, Scope::Hall(HALL));
        let other_clerk = actor(1, Role::Clerk, Scope::Hall(HallId(5)));
        let reviewer = actor(3, Role::Reviewer, Scope::Department(DEPT));
        let dept_admin = actor(3, Role::DepartmentAdmin, Scope::Department(DEPT));
        let applicant = actor(9, Role::Applicant, Scope::None);
        let stranger = actor(10, Role::Applicant, Scope::None);
        let (places, departments) = (places(), departments());
        let grants = [grant(&[Right::RemoteAcceptance])];
        let trust = Trust {
            grants: &grants,
            halls: &places,
            departments: &departments,
            today: date!(2026 - 11 - 28),
        };
        let step = |step, w, d, a| Action::CaseStep {
            case,
            step,
            window: w,
            department: d,
            applicant: a,
        };
        let accept = step(Step::Accept, true, false, false);
        assert_eq!(authorize(clerk, accept, &trust), Ok(()));
        assert_eq!(
            authorize(clerk, accept, &Trust::NONE),
            Err(Denial::Lacks {
                right: Right::RemoteAcceptance,
                lack: Lack::NotGranted
            })
        );
        let notice = step(Step::RequestSupplement, true, false, false);
        assert_eq!(
            authorize(clerk, notice, &trust),
            Err(Denial::Lacks {
                right: Right::OneTimeNotice,
                lack: Lack::NotGranted
            })
        );
        let mut revoked = grants.clone();
        revoked[0].revoked = Some(Revocation {
            by: UserId(1),
            at: 0,
            reason: "x".into(),
        });
        let revoked_trust = Trust {
            grants: &revoked,
            ..trust
        };
        assert_eq!(
            authorize(clerk, accept, &revoked_trust),
            Err(Denial::Lacks {
                right: Right::RemoteAcceptance,
                lack: Lack::Revoked
            })
        );
        // Withdrawing at the applicant's request needs no right.
        assert_eq!(
            authorize(
                clerk,
                step(Step::Withdraw, true, false, false),
                &Trust::NONE
            ),
            Ok(())
        );
        assert_eq!(
            authorize(other_clerk, accept, &trust),
            Err(Denial::NotVisible),
            "a clerk of another hall does not see the case: it does not exist for him"
        );
        assert_eq!(
            authorize(clerk, step(Step::Decide, false, true, false), &trust),
            Err(Denial::Forbidden)
        );
        assert!(authorize(reviewer, step(Step::Decide, false, true, false), &trust).is_ok());
        assert!(
            authorize(dept_admin, step(Step::Decide, false, true, false), &trust).is_err(),
            "admins manage, reviewers decide"
        );
        let supplement = step(Step::SupplementProvided, false, false, true);
        assert!(authorize(applicant, supplement, &trust).is_ok());
        assert!(authorize(stranger, supplement, &trust).is_err());
        // The hand-over of the result happens at the pickup hall, with its right.
        let handover = |pickup| Action::CaseStep {
            case: CaseScope {
                pickup_hall: pickup,
                ..case
            },
            step: Step::Complete,
            window: true,
            department: true,
            applicant: false,
        };
        let delivering = [grant(&[Right::ResultDelivery])];
        let delivering = Trust {
            grants: &delivering,
            ..trust
        };
        assert_eq!(authorize(clerk, handover(Some(HALL)), &delivering), Ok(()));
        assert_eq!(
            authorize(clerk, handover(Some(HALL)), &trust),
            Err(Denial::Lacks {
                right: Right::ResultDelivery,
                lack: Lack::NotGranted
            })
        );
        assert_eq!(
            authorize(clerk, handover(None), &delivering),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(other_clerk, handover(Some(HallId(5))), &delivering),
            Err(Denial::Lacks {
                right: Right::ResultDelivery,
                lack: Lack::NotGranted
            })
        );
        // Reading: hidden cases are "not found", not "forbidden".
        let none = &Trust::NONE;
        assert!(authorize(clerk, Action::ReadCase(case), none).is_ok());
        assert_eq!(
            authorize(other_clerk, Action::ReadCase(case), none),
            Err(Denial::NotVisible)
        );
        let picked_up_there = CaseScope {
            pickup_hall: Some(HallId(5)),
            ..case
        };
        assert!(authorize(other_clerk, Action::ReadCase(picked_up_there), none).is_ok());
        assert_eq!(
            authorize(stranger, Action::ReadCase(case), none),
            Err(Denial::NotVisible)
        );
        assert!(authorize(applicant, Action::ReadCase(case), none).is_ok());
        assert!(authorize(reviewer, Action::ReadCaseFull(case), none).is_ok());
        assert!(authorize(dept_admin, Action::ReadCase(case), none).is_ok());
        assert!(authorize(dept_admin, Action::ReadCaseFull(case), none).is_err());
        // Originals.
        let verifying = [grant(&[Right::OriginalVerification])];
        let verifying = Trust {
            grants: &verifying,
            ..trust
        };
        assert_eq!(
            authorize(clerk, Action::VerifyOriginal(case), &verifying),
            Ok(())
        );
        assert!(authorize(clerk, Action::VerifyOriginal(case), &trust).is_err());
        assert!(authorize(applicant, Action::VerifyOriginal(case), &verifying).is_err());
        let create = |online, hall| Action::CreateCase {
            online,
            hall,
            assisted: false,
        };
        assert!(authorize(clerk, create(false, Some(HALL)), none).is_ok());
        assert!(authorize(clerk, create(false, Some(HallId(5))), none).is_err());
        assert!(authorize(clerk, create(true, None), none).is_err());
        assert!(authorize(applicant, create(true, None), none).is_ok());
        assert!(authorize(reviewer, create(false, Some(HALL)), none).is_err());
        assert_eq!(
            authorize(Actor::Anonymous, Action::ListCases, none),
            Err(Denial::Unauthenticated)
        );
    }

    #[test]
    fn every_window_step_maps_to_its_right() {
        use Right as R;
        for mode in [Mode::AcceptRemote, Mode::CollectRemote] {
            assert_eq!(window_right(mode, Step::Accept), Some(R::RemoteAcceptance));
            assert_eq!(window_right(mode, Step::Submit), Some(R::RemoteAcceptance));
            assert_eq!(
                window_right(mode, Step::RequestSupplement),
                Some(R::OneTimeNotice)
            );
            assert_eq!(window_right(mode, Step::Complete), Some(R::ResultDelivery));
            assert_eq!(window_right(mode, Step::Withdraw), None);
        }
        for &step in Step::ALL {
            let want = (step == Step::Complete).then_some(R::ResultDelivery);
            assert_eq!(window_right(Mode::Online, step), want);
        }
    }
}

#[cfg(test)]
mod assisted_tests {
    use super::*;

    #[test]
    fn a_guide_applies_online_for_an_applicant_and_takes_their_steps() {
        let item = ItemCode::from("MZ-008");
        let user = |id, role, hall| Actor::User {
            id: UserId(id),
            role,
            scope: Scope::Hall(HallId(hall)),
        };
        let (guide, clerk, other_guide) = (
            user(4, Role::Guide, 1),
            user(5, Role::Clerk, 1),
            user(6, Role::Guide, 2),
        );
        let none = &Trust::NONE;
        let assisted = Action::CreateCase {
            online: true,
            hall: None,
            assisted: true,
        };
        assert!(authorize(guide, assisted, none).is_ok());
        assert!(
            authorize(clerk, assisted, none).is_err(),
            "clerks take cases in at the window"
        );
        let case = CaseScope {
            case_no: "TB1",
            hall: None,
            department: DepartmentId(2),
            applicant: None,
            assisted_by: Some(UserId(4)),
            pickup_hall: None,
            item: &item,
            mode: Mode::Online,
        };
        let supplement = Action::CaseStep {
            case,
            step: Step::SupplementProvided,
            window: false,
            department: false,
            applicant: true,
        };
        assert!(authorize(guide, supplement, none).is_ok());
        assert!(authorize(other_guide, supplement, none).is_err());
        assert!(authorize(guide, Action::ReceiveMaterial(case), none).is_ok());
        assert!(authorize(other_guide, Action::ReceiveMaterial(case), none).is_err());
        assert!(authorize(guide, Action::ReadCase(case), none).is_ok());
        assert_eq!(
            authorize(other_guide, Action::ReadCase(case), none),
            Err(Denial::NotVisible)
        );
    }
}

#[cfg(test)]
mod appointment_tests {
    use super::*;

    #[test]
    fn appointments_belong_to_their_owner_and_their_hall() {
        let hall = HallId(1);
        let a = |id, role, scope| Actor::User {
            id: UserId(id),
            role,
            scope,
        };
        let applicant = a(9, Role::Applicant, Scope::None);
        let other = a(10, Role::Applicant, Scope::None);
        let clerk = a(2, Role::Clerk, Scope::Hall(hall));
        let clerk_elsewhere = a(3, Role::Clerk, Scope::Hall(HallId(2)));
        let hall_admin = a(4, Role::HallAdmin, Scope::Hall(hall));
        let reviewer = a(5, Role::Reviewer, Scope::Department(DepartmentId(1)));
        let ok = |who, what| authorize(who, what, &Trust::NONE).is_ok();
        let cancel = Action::CancelAppointment {
            owner: UserId(9),
            hall,
        };
        assert!(ok(applicant, Action::BookAppointment));
        assert!(!ok(clerk, Action::BookAppointment));
        assert!(ok(applicant, cancel) && ok(clerk, cancel) && ok(hall_admin, cancel));
        assert!(!ok(other, cancel) && !ok(clerk_elsewhere, cancel) && !ok(reviewer, cancel));
        let read = Action::ReadHallAppointments { hall };
        assert!(ok(clerk, read) && !ok(clerk_elsewhere, read) && !ok(applicant, read));
        let manage = Action::ManageSlots { hall };
        assert!(ok(hall_admin, manage) && !ok(clerk, manage));
        assert_eq!(
            authorize(Actor::Anonymous, Action::BookAppointment, &Trust::NONE),
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
    fn manuals_are_for_staff_not_applicants_nor_strangers() {
        for &role in Role::ALL {
            let got = authorize(user(role, Scope::None), Action::ReadManuals, &Trust::NONE);
            assert_eq!(got.is_ok(), role != Role::Applicant, "{role:?}");
        }
        assert_eq!(
            authorize(Actor::Anonymous, Action::ReadManuals, &Trust::NONE),
            Err(Denial::Unauthenticated)
        );
    }

    #[test]
    fn who_opens_cases_in_which_modes() {
        use crate::city::RegionLevel::{City, County, Town};
        let hall = Scope::Hall(HallId(3));
        let all = [Mode::Online, Mode::AcceptRemote, Mode::CollectRemote];
        let opener = |role, scope| Opener::of(user(role, scope));
        assert_eq!(
            opener(Role::Applicant, Scope::Platform).modes(None, &all, &[County]),
            vec![Mode::Online]
        );
        let helper = opener(Role::Guide, hall);
        assert_eq!(helper, Opener::Helper);
        assert_eq!(helper.modes(Some(County), &all, &[County]), all.to_vec());
        assert_eq!(
            helper.modes(Some(Town), &all, &[City, County]),
            vec![Mode::Online],
            "a window mode needs the list to admit the hall's level"
        );
        let window = opener(Role::Clerk, hall);
        assert_eq!(
            window.modes(Some(County), &all, &[County]),
            vec![Mode::AcceptRemote, Mode::CollectRemote]
        );
        assert!(
            window
                .modes(Some(County), &[Mode::Online], &[County])
                .is_empty()
        );
        assert_eq!(opener(Role::Clerk, Scope::Platform), Opener::Nobody);
        let dept = Scope::Department(DepartmentId(4));
        assert_eq!(opener(Role::Reviewer, dept), Opener::Nobody);
    }

    #[test]
    fn who_sees_which_bookings_and_rectifications() {
        let hall = Scope::Hall(HallId(3));
        let dept = Scope::Department(DepartmentId(4));
        let applicant = user(Role::Applicant, Scope::Platform);
        assert_eq!(
            booking_visibility(applicant),
            BookingVisibility::Own(UserId(1))
        );
        assert_eq!(
            booking_visibility(user(Role::Clerk, hall)),
            BookingVisibility::Hall
        );
        assert!(may_rate_with_code(applicant));
        assert!(!may_rate_with_code(user(Role::Clerk, hall)));
        let r = rectification_visibility;
        assert_eq!(
            r(user(Role::PlatformAdmin, Scope::Platform)),
            RectificationVisibility::All
        );
        assert_eq!(
            r(user(Role::Clerk, hall)),
            RectificationVisibility::Hall(HallId(3))
        );
        assert_eq!(
            r(user(Role::Reviewer, dept)),
            RectificationVisibility::Department(DepartmentId(4))
        );
        assert_eq!(r(applicant), RectificationVisibility::Nothing);
        assert_eq!(r(Actor::Anonymous), RectificationVisibility::Nothing);
        let seen = RectificationVisibility::Hall(HallId(3));
        assert!(seen.includes(Some(HallId(3)), None));
        assert!(!seen.includes(Some(HallId(5)), None));
        assert!(!seen.includes(None, Some(DepartmentId(4))));
        // Acting on one: the unit responsible; whoever does not see it is
        // answered as if it did not exist, a platform admin (who sees all)
        // is refused.
        let act = |hall, department| Action::ActOnRectification { hall, department };
        let ok = |who, what| authorize(who, what, &Trust::NONE);
        assert_eq!(
            ok(user(Role::Clerk, hall), act(Some(HallId(3)), None)),
            Ok(())
        );
        assert_eq!(
            ok(user(Role::Reviewer, dept), act(None, Some(DepartmentId(4)))),
            Ok(())
        );
        assert_eq!(
            ok(user(Role::Clerk, hall), act(Some(HallId(5)), None)),
            Err(Denial::NotVisible)
        );
        assert_eq!(
            ok(user(Role::Reviewer, dept), act(Some(HallId(3)), None)),
            Err(Denial::NotVisible)
        );
        assert_eq!(
            ok(applicant, act(Some(HallId(3)), None)),
            Err(Denial::NotVisible)
        );
        assert_eq!(
            ok(
                user(Role::PlatformAdmin, Scope::Platform),
                act(Some(HallId(3)), None)
            ),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            ok(Actor::Anonymous, act(Some(HallId(3)), None)),
            Err(Denial::Unauthenticated)
        );
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
            Action::ManageCity,
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
            Action::ManageGrants {
                grantor: DepartmentId(1),
            },
            Action::ManageGrants {
                grantor: DepartmentId(2),
            },
            Action::ReadAudit,
            Action::ManageOutbox,
            Action::ReadGrants,
            Action::ManageListBatches,
        ];
        let scope_of = |r: Role| match r.scope_kind() {
            crate::user::ScopeKind::None => Scope::None,
            crate::user::ScopeKind::Hall => Scope::Hall(HallId(1)),
            crate::user::ScopeKind::Department => Scope::Department(DepartmentId(1)),
            crate::user::ScopeKind::Platform => Scope::Platform,
        };
        for &role in Role::ALL {
            let a = user(role, scope_of(role));
            let got: Vec<u8> = actions
                .iter()
                .map(|x| u8::from(authorize(a, *x, &Trust::NONE).is_ok()))
                .collect();
            let want: &[u8] = match role {
                Role::PlatformAdmin => &[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
                Role::HallAdmin => &[1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0],
                Role::DepartmentAdmin => &[1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0],
                Role::Applicant => &[1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                _ => &[1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
            };
            assert_eq!(got, want, "{role:?}");
        }
        for (i, x) in actions.iter().enumerate() {
            let r = authorize(Actor::Anonymous, *x, &Trust::NONE);
            assert_eq!(r.is_ok(), i == 0);
            if i > 0 {
                assert_eq!(r, Err(Denial::Unauthenticated));
            }
        }
    }
}

#[cfg(test)]
mod video_tests {
    use super::*;

    #[test]
    fn reviewers_and_the_receiving_window_record_video_checks() {
        let item = ItemCode::from("GA-010");
        let user = |id, role, scope| Actor::User {
            id: UserId(id),
            role,
            scope,
        };
        let (dept, hall) = (DepartmentId(2), HallId(1));
        let reviewer = user(1, Role::Reviewer, Scope::Department(dept));
        let other_reviewer = user(2, Role::Reviewer, Scope::Department(DepartmentId(3)));
        let dept_admin = user(3, Role::DepartmentAdmin, Scope::Department(dept));
        let clerk = user(4, Role::Clerk, Scope::Hall(hall));
        let guide = user(5, Role::Guide, Scope::Hall(hall));
        let hall_admin = user(6, Role::HallAdmin, Scope::Hall(hall));
        let other_clerk = user(7, Role::Clerk, Scope::Hall(HallId(9)));
        let applicant = user(8, Role::Applicant, Scope::None);
        let none = &Trust::NONE;
        let window_case = CaseScope {
            case_no: "TB1",
            hall: Some(hall),
            department: dept,
            applicant: Some(UserId(8)),
            assisted_by: None,
            pickup_hall: None,
            item: &item,
            mode: Mode::CollectRemote,
        };
        let online_case = CaseScope {
            hall: None,
            mode: Mode::Online,
            ..window_case
        };
        let record = Action::RecordVideoCheck;
        assert_eq!(authorize(reviewer, record(window_case), none), Ok(()));
        assert_eq!(authorize(reviewer, record(online_case), none), Ok(()));
        assert_eq!(authorize(clerk, record(window_case), none), Ok(()));
        assert_eq!(authorize(guide, record(window_case), none), Ok(()));
        // No hall received an online case: only its department sees the applicant.
        assert_eq!(
            authorize(clerk, record(online_case), none),
            Err(Denial::NotVisible)
        );
        // Those who see the case but do not check identities are told so;
        // those who do not see it find no case.
        assert_eq!(
            authorize(dept_admin, record(window_case), none),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(hall_admin, record(window_case), none),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(applicant, record(window_case), none),
            Err(Denial::Forbidden)
        );
        assert_eq!(
            authorize(other_reviewer, record(window_case), none),
            Err(Denial::NotVisible)
        );
        assert_eq!(
            authorize(other_clerk, record(window_case), none),
            Err(Denial::NotVisible)
        );
        assert_eq!(
            authorize(Actor::Anonymous, record(window_case), none),
            Err(Denial::Unauthenticated)
        );
        // The recordings go with the case's personal data in full.
        assert!(authorize(reviewer, Action::ReadCaseFull(window_case), none).is_ok());
        assert!(authorize(clerk, Action::ReadCaseFull(window_case), none).is_ok());
        assert!(authorize(dept_admin, Action::ReadCaseFull(window_case), none).is_err());
    }
}
