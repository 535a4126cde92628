//! The string forms of the domain's enums are stored in the database, used in
//! URLs and sent in API JSON. strum derives them (`as_str`, `parse`, `ALL`)
//! and serde derives the JSON form; these tests pin every string, so that an
//! attribute changed by mistake fails here instead of breaking stored data.

use crate::appointment::{AppointmentKind, VisitReason};
use crate::case::tally::Flow;
use crate::case::{Action, DeliveryMethod, Status};
use crate::catalogue::{
    ItemType, Jurisdiction, LimitsSource, MaterialForm, ReceiptMethod, ResultType,
};
use crate::city::{DepartmentKind, HallKind, RegionLevel, SystemKind};
use crate::evaluation::Channel;
use crate::grant::Right;
use crate::tongban::Mode;
use crate::user::Role;
use serde::{Serialize, de::DeserializeOwned};
use std::fmt::Debug;
use strum::VariantArray;

/// Checks an enum against its pinned table: the table lists every variant in
/// declaration order (the order of `ALL` and of the pages' lists); each
/// variant's `as_str` is the pinned string, `parse` reads it back and nothing
/// else near it, and serde writes and reads the very same string.
fn pin<T>(as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>, table: &[(T, &str)])
where
    T: VariantArray + Copy + PartialEq + Debug + Serialize + DeserializeOwned,
{
    let listed: Vec<T> = table.iter().map(|&(v, _)| v).collect();
    assert_eq!(T::VARIANTS, listed.as_slice(), "every variant, in order");
    for &(v, s) in table {
        assert_eq!(as_str(v), s, "string of {v:?}");
        assert_eq!(parse(s), Some(v), "parse {s:?}");
        assert_eq!(parse(&s.to_uppercase()), None, "parse is case-sensitive");
        assert_eq!(parse(&format!(" {s}")), None, "parse does not trim");
        assert_eq!(serde_json::to_value(v).unwrap(), s, "serde writes {v:?}");
        assert_eq!(
            serde_json::from_value::<T>(s.into()).unwrap(),
            v,
            "serde reads {s:?}"
        );
    }
    assert_eq!(parse(""), None);
    assert_eq!(parse("unknown"), None);
}

#[test]
fn mode() {
    pin(
        Mode::as_str,
        Mode::parse,
        &[
            (Mode::Online, "online"),
            (Mode::AcceptRemote, "accept_remote"),
            (Mode::CollectRemote, "collect_remote"),
            (Mode::Bundle, "bundle"),
        ],
    );
}

#[test]
fn delivery_method() {
    pin(
        DeliveryMethod::as_str,
        DeliveryMethod::parse,
        &[
            (DeliveryMethod::Electronic, "electronic"),
            (DeliveryMethod::Post, "post"),
            (DeliveryMethod::Pickup, "pickup"),
        ],
    );
}

#[test]
fn status() {
    pin(
        Status::as_str,
        Status::parse,
        &[
            (Status::Draft, "draft"),
            (Status::Submitted, "submitted"),
            (Status::PreReview, "pre_review"),
            (Status::PreReviewFailed, "pre_review_failed"),
            (Status::PreReviewPassed, "pre_review_passed"),
            (Status::SupplementRequested, "supplement_requested"),
            (Status::Accepted, "accepted"),
            (Status::Suspended, "suspended"),
            (Status::Approved, "approved"),
            (Status::Denied, "denied"),
            (Status::Delivering, "delivering"),
            (Status::Completed, "completed"),
            (Status::NotAccepted, "not_accepted"),
            (Status::Withdrawn, "withdrawn"),
        ],
    );
}

#[test]
fn action() {
    pin(
        Action::as_str,
        Action::parse,
        &[
            (Action::Submit, "submit"),
            (Action::PreReviewPass, "pre_review_pass"),
            (Action::PreReviewFail, "pre_review_fail"),
            (Action::Accept, "accept"),
            (Action::NotAccept, "not_accept"),
            (Action::RequestSupplement, "request_supplement"),
            (Action::SupplementProvided, "supplement_provided"),
            (Action::Suspend, "suspend"),
            (Action::Resume, "resume"),
            (Action::Decide, "decide"),
            (Action::Deliver, "deliver"),
            (Action::Complete, "complete"),
            (Action::Withdraw, "withdraw"),
        ],
    );
}

#[test]
fn flow() {
    pin(
        Flow::as_str,
        Flow::parse,
        &[
            (Flow::Opened, "opened"),
            (Flow::Received, "received"),
            (Flow::NotAccepted, "not_accepted"),
            (Flow::Decided, "decided"),
            (Flow::Approved, "approved"),
            (Flow::Late, "late"),
            (Flow::Completed, "completed"),
        ],
    );
}

#[test]
fn right() {
    pin(
        Right::as_str,
        Right::parse,
        &[
            (Right::RemoteAcceptance, "remote_acceptance"),
            (Right::OneTimeNotice, "one_time_notice"),
            (Right::OriginalVerification, "original_verification"),
            (Right::ResultDelivery, "result_delivery"),
        ],
    );
}

#[test]
fn channel() {
    pin(
        Channel::as_str,
        Channel::parse,
        &[(Channel::Online, "online"), (Channel::Window, "window")],
    );
}

#[test]
fn role() {
    pin(
        Role::as_str,
        Role::parse,
        &[
            (Role::Applicant, "applicant"),
            (Role::Clerk, "clerk"),
            (Role::Guide, "guide"),
            (Role::Agent, "agent"),
            (Role::Reviewer, "reviewer"),
            (Role::HallAdmin, "hall_admin"),
            (Role::DepartmentAdmin, "department_admin"),
            (Role::PlatformAdmin, "platform_admin"),
        ],
    );
}

#[test]
fn appointment_kind() {
    pin(
        AppointmentKind::as_str,
        AppointmentKind::parse,
        &[
            (AppointmentKind::Counter, "counter"),
            (AppointmentKind::HomeVisit, "home_visit"),
        ],
    );
}

#[test]
fn visit_reason() {
    pin(
        VisitReason::as_str,
        VisitReason::parse,
        &[
            (VisitReason::Elderly, "elderly"),
            (VisitReason::KeyProject, "key_project"),
        ],
    );
}

#[test]
fn region_level() {
    pin(
        RegionLevel::as_str,
        RegionLevel::parse,
        &[
            (RegionLevel::City, "city"),
            (RegionLevel::County, "county"),
            (RegionLevel::Town, "town"),
            (RegionLevel::Community, "community"),
        ],
    );
}

#[test]
fn hall_kind() {
    pin(
        HallKind::as_str,
        HallKind::parse,
        &[
            (HallKind::AdminServiceCentre, "admin_service_centre"),
            (HallKind::ConvenienceCentre, "convenience_centre"),
            (HallKind::NeighbourhoodCentre, "neighbourhood_centre"),
            (HallKind::ParkCentre, "park_centre"),
        ],
    );
}

#[test]
fn department_kind() {
    pin(
        DepartmentKind::as_str,
        DepartmentKind::parse,
        &[
            (DepartmentKind::Police, "police"),
            (DepartmentKind::MedicalInsurance, "medical_insurance"),
            (DepartmentKind::HumanResources, "human_resources"),
            (DepartmentKind::HousingFund, "housing_fund"),
            (DepartmentKind::Education, "education"),
            (DepartmentKind::Health, "health"),
            (DepartmentKind::CivilAffairs, "civil_affairs"),
            (DepartmentKind::Housing, "housing"),
            (DepartmentKind::Justice, "justice"),
            (DepartmentKind::Tax, "tax"),
            (DepartmentKind::RealEstate, "real_estate"),
            (DepartmentKind::MarketRegulation, "market_regulation"),
            (DepartmentKind::Transport, "transport"),
        ],
    );
    for &v in DepartmentKind::ALL {
        assert_eq!(
            DepartmentKind::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}

#[test]
fn system_kind() {
    pin(
        SystemKind::as_str,
        SystemKind::parse,
        &[
            (SystemKind::UnifiedPlatform, "unified_platform"),
            (SystemKind::SelfBuilt, "self_built"),
        ],
    );
}

#[test]
fn receipt_method() {
    pin(
        ReceiptMethod::as_str,
        ReceiptMethod::parse,
        &[
            (ReceiptMethod::Paper, "paper"),
            (ReceiptMethod::Scan, "scan"),
            // Stored "license" (the migrations' CHECK), whatever the variant's spelling.
            (ReceiptMethod::Licence, "license"),
        ],
    );
    for &v in ReceiptMethod::ALL {
        assert_eq!(
            ReceiptMethod::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}

#[test]
fn item_type() {
    pin(
        ItemType::as_str,
        ItemType::parse,
        &[
            (ItemType::AdministrativeLicense, "administrative_license"),
            (
                ItemType::AdministrativeConfirmation,
                "administrative_confirmation",
            ),
            (ItemType::AdministrativePayment, "administrative_payment"),
            (ItemType::AdministrativeRuling, "administrative_ruling"),
            (ItemType::AdministrativeReward, "administrative_reward"),
            (ItemType::OtherAdministrative, "other_administrative"),
            (ItemType::PublicService, "public_service"),
        ],
    );
    for &v in ItemType::ALL {
        assert_eq!(
            ItemType::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}

#[test]
fn jurisdiction() {
    pin(
        Jurisdiction::as_str,
        Jurisdiction::parse,
        &[
            (Jurisdiction::Household, "household"),
            (Jurisdiction::Residence, "residence"),
            (Jurisdiction::CompanyRegistration, "company_registration"),
            (Jurisdiction::PropertyLocation, "property_location"),
            (Jurisdiction::CityWide, "city_wide"),
        ],
    );
    for &v in Jurisdiction::ALL {
        assert_eq!(
            Jurisdiction::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}

#[test]
fn material_form() {
    pin(
        MaterialForm::as_str,
        MaterialForm::parse,
        &[
            (MaterialForm::Original, "original"),
            (MaterialForm::Copy, "copy"),
            (MaterialForm::OriginalAndCopy, "original_and_copy"),
        ],
    );
    for &v in MaterialForm::ALL {
        assert_eq!(
            MaterialForm::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}

#[test]
fn result_type() {
    pin(
        ResultType::as_str,
        ResultType::parse,
        &[
            (ResultType::Licence, "licence"),
            (ResultType::ApprovalDocument, "approval_document"),
            (ResultType::Proof, "proof"),
            (ResultType::ResultNotice, "result_notice"),
            (ResultType::Payment, "payment"),
            (ResultType::Filing, "filing"),
        ],
    );
    for &v in ResultType::ALL {
        assert_eq!(
            ResultType::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}

#[test]
fn limits_source() {
    pin(
        LimitsSource::as_str,
        LimitsSource::parse,
        &[
            (LimitsSource::Found, "found"),
            (LimitsSource::Inferred, "inferred"),
        ],
    );
    for &v in LimitsSource::ALL {
        assert_eq!(
            LimitsSource::parse(v.label()),
            Some(v),
            "parse the label of {v:?}"
        );
    }
}
