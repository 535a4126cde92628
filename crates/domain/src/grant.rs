//! Authorisation trust (授权信任): a department grants halls the rights to act
//! for it at their windows, for some or all of its items, for a period.
//! Grants are revoked, never deleted. A department always holds every right
//! for its own items at its own halls.

use crate::city::{Department, Hall, Region, RegionLevel};
use crate::ids::{DepartmentId, HallId, ItemCode, RegionCode, UserId};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::Date;

/// One of the four rights a window may hold for a department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Right {
    /// 异地收件受理权: accept (受审分离) or collect (收受分离) for the department.
    RemoteAcceptance,
    /// 一次性告知权: issue the one-time supplement notice at the window.
    OneTimeNotice,
    /// 原件核验权: certify that originals were seen, so the department trusts the scans.
    OriginalVerification,
    /// 审批结果送达权: hand over the department's result at the window.
    ResultDelivery,
}

impl Right {
    /// Every right, in the notice's order.
    pub const ALL: &'static [Self] = Self::VARIANTS;

    /// The identifier used in the API and the database.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses [`Right::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// zh-CN name.
    pub fn label(self) -> &'static str {
        match self {
            Right::RemoteAcceptance => "异地收件受理权",
            Right::OneTimeNotice => "一次性告知权",
            Right::OriginalVerification => "原件核验权",
            Right::ResultDelivery => "审批结果送达权",
        }
    }
}

/// Who receives a grant: one hall, or every hall of a level within a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    /// One hall.
    Hall(HallId),
    /// Every hall of `level` in `region` or below it (e.g. all community
    /// centres of 荔城区).
    Level {
        /// The level of the halls.
        level: RegionLevel,
        /// The region they stand in (or below).
        region: RegionCode,
    },
}

/// Where a hall stands, for matching grantees: its level and its region with
/// every ancestor, nearest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallPlace {
    /// The hall.
    pub hall: HallId,
    /// Its level.
    pub level: RegionLevel,
    /// Its region, then the parent, … up to the city.
    pub regions: Vec<RegionCode>,
}

impl HallPlace {
    /// The place of `hall` in the region tree `regions`.
    pub fn of(hall: &Hall, regions: &[Region]) -> Self {
        let mut path = vec![hall.region.clone()];
        let mut at = hall.region.clone();
        // Bounded by the number of regions, so a cycle in bad data cannot hang.
        for _ in 0..regions.len() {
            let Some(parent) = regions
                .iter()
                .find(|r| r.code == at)
                .and_then(|r| r.parent.clone())
            else {
                break;
            };
            path.push(parent.clone());
            at = parent;
        }
        Self {
            hall: hall.id,
            level: hall.level,
            regions: path,
        }
    }
}

impl Grantee {
    /// Whether the grantee includes the hall at `place`.
    pub fn covers(&self, place: &HallPlace) -> bool {
        match self {
            Grantee::Hall(h) => *h == place.hall,
            Grantee::Level { level, region } => {
                *level == place.level && place.regions.contains(region)
            }
        }
    }
}

/// A revocation: the grant stays on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    /// Who revoked it.
    pub by: UserId,
    /// When (ms since the epoch).
    pub at: i64,
    /// Why.
    pub reason: String,
}

/// A grant of rights by a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Id.
    pub id: i64,
    /// The granting department.
    pub grantor: DepartmentId,
    /// The halls that receive the rights.
    pub grantee: Grantee,
    /// The items covered; `None` for every item of the grantor.
    pub items: Option<Vec<ItemCode>>,
    /// The rights granted.
    pub rights: Vec<Right>,
    /// First day of validity.
    pub valid_from: Date,
    /// Last day of validity (inclusive).
    pub valid_to: Date,
    /// Who granted it.
    pub granted_by: UserId,
    /// When (ms since the epoch).
    pub granted_at: i64,
    /// Why.
    pub reason: String,
    /// Set once revoked.
    pub revoked: Option<Revocation>,
}

/// Why a hall does not hold a right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum Lack {
    /// No grant ever covered it.
    NotGranted,
    /// A grant covered it but has expired.
    Expired {
        /// Its last day.
        valid_to: Date,
    },
    /// A grant covers it from a later day.
    NotYetValid {
        /// Its first day.
        valid_from: Date,
    },
    /// A grant covered it but was revoked.
    Revoked,
}

impl Lack {
    /// zh-CN explanation, e.g. for the workbench.
    pub fn message(self, right: Right) -> crate::i18n::Text {
        let right = right.label();
        match self {
            Lack::NotGranted => crate::text!("本窗口未获审批部门授予{right}", right = right),
            Lack::Expired { valid_to } => crate::text!(
                "审批部门授予本窗口的{right}已于{valid_to}到期",
                right = right,
                valid_to = valid_to
            ),
            Lack::NotYetValid { valid_from } => crate::text!(
                "审批部门授予本窗口的{right}自{valid_from}起生效",
                right = right,
                valid_from = valid_from
            ),
            Lack::Revoked => crate::text!("审批部门已撤销本窗口的{right}", right = right),
        }
    }
}

impl Grant {
    /// Whether this grant, valid or not, speaks of `right` for `item` of
    /// `department` at the hall at `place`.
    fn concerns(
        &self,
        place: &HallPlace,
        department: DepartmentId,
        item: &ItemCode,
        right: Right,
    ) -> bool {
        self.grantor == department
            && self.rights.contains(&right)
            && self.grantee.covers(place)
            && self.items.as_ref().is_none_or(|l| l.contains(item))
    }

    /// Whether the grant is in force on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.revoked.is_none() && self.valid_from <= day && day <= self.valid_to
    }
}

/// Whether `department` counts the hall at `place` as its own: a hall of the
/// department's own region (its own service hall).
pub fn own_hall(department: &Department, place: &HallPlace) -> bool {
    place.regions.first() == Some(&department.region)
}

/// Whether the hall at `place` holds `right` for `item` of `department` on
/// `day`, given every grant on record; if not, the most telling reason
/// (revoked, then expired, then not yet valid, then never granted).
pub fn holds(
    grants: &[Grant],
    place: &HallPlace,
    department: &Department,
    item: &ItemCode,
    right: Right,
    day: Date,
) -> Result<(), Lack> {
    if own_hall(department, place) {
        return Ok(());
    }
    let mut lack = Lack::NotGranted;
    let rank = |l: &Lack| match l {
        Lack::NotGranted => 0,
        Lack::NotYetValid { .. } => 1,
        Lack::Expired { .. } => 2,
        Lack::Revoked => 3,
    };
    for g in grants
        .iter()
        .filter(|g| g.concerns(place, department.id, item, right))
    {
        if g.in_force(day) {
            return Ok(());
        }
        let this = if g.revoked.is_some() {
            Lack::Revoked
        } else if day > g.valid_to {
            Lack::Expired {
                valid_to: g.valid_to,
            }
        } else {
            Lack::NotYetValid {
                valid_from: g.valid_from,
            }
        };
        if rank(&this) > rank(&lack) {
            lack = this;
        }
    }
    Err(lack)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::city::{DepartmentKind, SystemKind};
    use time::macros::date;

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

    fn regions() -> Vec<Region> {
        vec![
            region("350300", RegionLevel::City, None),
            region("350304", RegionLevel::County, Some("350300")),
            region("350304001", RegionLevel::Town, Some("350304")),
            region("350304001001", RegionLevel::Community, Some("350304001")),
            region("350322", RegionLevel::County, Some("350300")),
            region("350322100", RegionLevel::Town, Some("350322")),
            region("350322100001", RegionLevel::Community, Some("350322100")),
        ]
    }

    fn place(id: i64, region: &str, level: RegionLevel) -> HallPlace {
        let hall = Hall {
            weekend_hours: Default::default(),
            extended_hours: Default::default(),
            retired: Default::default(),
            self_service_24h: Default::default(),
            id: HallId(id),
            key: format!("h{id}"),
            name: format!("h{id}"),
            kind: crate::city::HallKind::NeighbourhoodCentre,
            region: RegionCode(region.into()),
            level,
            pilot: true,
            address: String::new(),
            opening_hours: String::new(),
            phone: String::new(),
            windows: vec![],
        };
        HallPlace::of(&hall, &regions())
    }

    fn dept() -> Department {
        Department {
            retired: Default::default(),
            id: DepartmentId(7),
            key: "licheng-civil".into(),
            name: "荔城区民政局".into(),
            kind: DepartmentKind::CivilAffairs,
            region: RegionCode("350304".into()),
            system: SystemKind::UnifiedPlatform,
            phone: String::new(),
            contact: String::new(),
        }
    }

    fn grant(grantee: Grantee, items: Option<Vec<&str>>, rights: &[Right]) -> Grant {
        Grant {
            id: 1,
            grantor: DepartmentId(7),
            grantee,
            items: items.map(|l| l.into_iter().map(ItemCode::from).collect()),
            rights: rights.to_vec(),
            valid_from: date!(2026 - 01 - 01),
            valid_to: date!(2026 - 12 - 31),
            granted_by: UserId(1),
            granted_at: 0,
            reason: "试点".into(),
            revoked: None,
        }
    }

    const DAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn a_hall_place_lists_its_region_and_every_ancestor() {
        let p = place(1, "350304001001", RegionLevel::Community);
        let codes: Vec<&str> = p.regions.iter().map(|r| r.as_str()).collect();
        assert_eq!(codes, ["350304001001", "350304001", "350304", "350300"]);
    }

    #[test]
    fn a_department_holds_every_right_at_its_own_hall_only() {
        let own = place(1, "350304", RegionLevel::County);
        let community = place(2, "350304001001", RegionLevel::Community);
        let item = ItemCode::from("MZ-008");
        for &r in Right::ALL {
            assert_eq!(holds(&[], &own, &dept(), &item, r, DAY), Ok(()));
            assert_eq!(
                holds(&[], &community, &dept(), &item, r, DAY),
                Err(Lack::NotGranted)
            );
        }
    }

    #[test]
    fn a_level_grant_covers_that_level_below_the_region_and_nothing_else() {
        let g = grant(
            Grantee::Level {
                level: RegionLevel::Community,
                region: RegionCode("350304".into()),
            },
            None,
            &[Right::RemoteAcceptance],
        );
        let item = ItemCode::from("MZ-008");
        let ours = place(2, "350304001001", RegionLevel::Community);
        let town = place(3, "350304001", RegionLevel::Town);
        let elsewhere = place(4, "350322100001", RegionLevel::Community);
        let d = dept();
        let ok = |p: &HallPlace, r| holds(std::slice::from_ref(&g), p, &d, &item, r, DAY);
        assert_eq!(ok(&ours, Right::RemoteAcceptance), Ok(()));
        assert_eq!(ok(&ours, Right::ResultDelivery), Err(Lack::NotGranted));
        assert_eq!(ok(&town, Right::RemoteAcceptance), Err(Lack::NotGranted));
        assert_eq!(
            ok(&elsewhere, Right::RemoteAcceptance),
            Err(Lack::NotGranted)
        );
    }

    #[test]
    fn item_lists_validity_and_revocation_are_honoured_with_the_reason() {
        let p = place(2, "350304001001", RegionLevel::Community);
        let d = dept();
        let mz8 = ItemCode::from("MZ-008");
        let mz9 = ItemCode::from("MZ-009");
        let g = grant(
            Grantee::Hall(HallId(2)),
            Some(vec!["MZ-008"]),
            &[Right::OneTimeNotice],
        );
        let one = |g: &Grant, item: &ItemCode, day| {
            holds(
                std::slice::from_ref(g),
                &p,
                &d,
                item,
                Right::OneTimeNotice,
                day,
            )
        };
        assert_eq!(one(&g, &mz8, DAY), Ok(()));
        assert_eq!(one(&g, &mz9, DAY), Err(Lack::NotGranted));
        assert_eq!(
            one(&g, &mz8, date!(2027 - 01 - 01)),
            Err(Lack::Expired {
                valid_to: date!(2026 - 12 - 31)
            })
        );
        assert_eq!(
            one(&g, &mz8, date!(2025 - 12 - 31)),
            Err(Lack::NotYetValid {
                valid_from: date!(2026 - 01 - 01)
            })
        );
        // The last day still counts.
        assert_eq!(one(&g, &mz8, date!(2026 - 12 - 31)), Ok(()));
        let mut revoked = g.clone();
        revoked.revoked = Some(Revocation {
            by: UserId(1),
            at: 1,
            reason: "试点结束".into(),
        });
        assert_eq!(one(&revoked, &mz8, DAY), Err(Lack::Revoked));
        // A valid grant wins over a revoked one.
        let both = [revoked, g];
        assert_eq!(
            holds(&both, &p, &d, &mz8, Right::OneTimeNotice, DAY),
            Ok(())
        );
        // Another department's grant does not count.
        let mut other = both[1].clone();
        other.grantor = DepartmentId(8);
        assert_eq!(one(&other, &mz8, DAY), Err(Lack::NotGranted));
    }

    #[test]
    fn rights_round_trip_their_identifiers() {
        for &r in Right::ALL {
            assert_eq!(Right::parse(r.as_str()), Some(r));
            assert!(Lack::NotGranted.message(r).contains(r.label()));
        }
        assert_eq!(Right::parse("admin"), None);
    }
}
