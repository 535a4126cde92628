//! The case page's read model (办件页): one case as the actor sees it and
//! what he may do on it now — the checklist with what was received and how,
//! the scans to open, the e-licences to pick, the steps offered (or why
//! not), the timeline in words. Decided here, so a page only renders it.

use super::words::{plain_event, plain_status, timeline_detail};
use super::{Offer, case_detail, offers};
use crate::views::{CaseView, ReceiptView, scope_of};
use crate::{Actor, App, AppResult, Lookups};
use serde::Serialize;
use std::collections::HashMap;
use tongban_domain::authz::{Action, Denial, authorize};
use tongban_domain::case::{Action as Step, Status};
use tongban_domain::catalogue::{MaterialSpec, ReceiptMethod};
use tongban_domain::i18n::Text;
use tongban_domain::text;
use tongban_domain::tongban::Mode;
use tongban_domain::user::Role;
use tongban_store::CaseRecord;

/// One case on its page.
#[derive(Debug, Serialize)]
pub struct CaseDesk {
    /// The stored case (not shown as such).
    #[serde(skip)]
    pub record: CaseRecord,
    /// Whether this read showed someone else's personal numbers in full
    /// (the adapter records it).
    #[serde(skip)]
    pub pii_view: bool,
    /// The case as the actor may see it.
    pub c: CaseView,
    /// The applicant (or the helper of 帮办代办) of an online case: the
    /// page speaks to him in plain words, with upload forms.
    pub applicant_view: bool,
    /// Where the case stands, in plain words for its applicant.
    pub plain_status: Text,
    /// The 通办 mode, in words.
    pub mode_label: &'static str,
    /// The checklist with what was received of each entry.
    pub checklist: Vec<ChecklistEntry>,
    /// How many checklist entries have something received.
    pub uploaded: usize,
    /// The latest one-time notice, while it waits for an answer.
    pub notice_items: Vec<NoticeItem>,
    /// May the actor record materials on it now?
    pub can_receive: bool,
    /// May he also certify originals (原件核验)?
    pub can_verify: bool,
    /// Why a window that receives may not certify originals.
    pub verify_why_not: Option<Text>,
    /// The steps the case allows now, each offered or explained.
    pub offers: Vec<StepOffer>,
    /// The timeline, in words.
    pub timeline: Vec<TimelineEntry>,
    /// Halls where a result may be picked up (delivery by pickup).
    pub pickup_halls: Vec<PickupHall>,
    /// The applicant's own choice of delivery, if he made one.
    pub chosen: Option<ChosenDelivery>,
    /// How the result is delivered, in words.
    pub delivery: Option<tongban_domain::i18n::Text>,
    /// May the actor rate this case here (好差评)? He is its applicant.
    pub may_rate: bool,
    /// The documents the case has: the online receipt, the acceptance
    /// slip, a one-time notice, a not-accept notice.
    pub documents: Documents,
    /// How the applicant's identity was checked at the window, when the
    /// reader read his card.
    pub identity: Option<IdentityCheck>,
    /// The video checks (视频核验) section, for those who record them or
    /// when the case has any.
    pub video: Option<VideoDesk>,
}

/// The case page's 视频核验 section.
#[derive(Debug, Serialize)]
pub struct VideoDesk {
    /// The actor may start checks and record their outcomes.
    pub may_record: bool,
    /// Whether the case's remote acceptance needs the identity checked,
    /// and if so whether what the case has satisfies it.
    pub needed: bool,
    /// What is missing, when needed and not satisfied.
    pub missing: Option<Text>,
    /// The checks so far (the first page), oldest first.
    pub checks: Vec<crate::video::VideoCheckView>,
    /// Who may be seen: (value, label) — the applicant (a person) and the agent.
    pub participants: Vec<(&'static str, Text)>,
    /// The outcomes to record: (value, label).
    pub outcomes: Vec<(&'static str, Text)>,
}

/// The applicant's identity read from his card's chip at the window.
#[derive(Debug, Serialize)]
pub struct IdentityCheck {
    /// The reader's serial.
    pub device: String,
    /// Whether the chip's photo is kept and the actor may see it.
    pub photo: bool,
}

/// The documents a case has to print.
#[derive(Debug, Serialize)]
pub struct Documents {
    /// 网上申请回执: an online case once submitted.
    pub receipt: bool,
    /// 受理承诺单: once accepted.
    pub slip: bool,
    /// 一次性告知书.
    pub notice: bool,
    /// 不予受理通知书.
    pub rejection: bool,
}

/// A checklist entry with what was received of it.
#[derive(Debug, Serialize)]
pub struct ChecklistEntry {
    /// Its key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Original, copy, …, in words.
    pub form_label: &'static str,
    /// How many copies.
    pub copies: u32,
    /// What the reviewer checks.
    pub review_points: Vec<String>,
    /// How it was received (the latest receipt), in words.
    pub received: Option<Text>,
    /// Every scan received for it, in order.
    pub scans: Vec<Scan>,
    /// The e-licence kind that may stand in for it.
    pub license: Option<String>,
    /// The library's licences of that kind the holder has.
    pub licences: Vec<LicenceOption>,
}

/// A scan to open.
#[derive(Debug, Serialize)]
pub struct Scan {
    /// Its content address.
    pub blob: String,
    /// "PDF" or "图片".
    pub kind: Text,
}

/// An e-licence to pick.
#[derive(Debug, Serialize)]
pub struct LicenceOption {
    /// Its reference in the library.
    pub reference: String,
    /// How it is shown.
    pub label: Text,
}

/// A material of the latest one-time notice.
#[derive(Debug, Serialize)]
pub struct NoticeItem {
    /// The material.
    pub name: String,
    /// What is wrong or missing.
    pub problem: String,
}

/// A step the page offers, or explains.
#[derive(Debug, Serialize)]
pub struct StepOffer {
    /// The action's key.
    pub id: &'static str,
    /// Its name.
    pub label: &'static str,
    /// Its name as the actor says it (the applicant's own steps in his words).
    pub shown: &'static str,
    /// Why the actor may not take it.
    pub why_not: Option<Text>,
    /// The step takes a reason ...
    pub needs_reason: bool,
    /// ... which it requires.
    pub reason_required: bool,
    /// 收受分离: the materials not yet on the electronic file, where the
    /// step would go on without them (a named exception is then required).
    pub unscanned: String,
}

/// A timeline event, in words.
#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    /// When (RFC 3339).
    pub at: String,
    /// What was done.
    pub action_label: Text,
    /// By whom (a role).
    pub role_label: &'static str,
    /// What it says beyond its action.
    pub detail: Text,
    /// The same in plain words for the applicant.
    pub plain: Option<Text>,
}

/// A hall to pick the result up at.
#[derive(Debug, Serialize)]
pub struct PickupHall {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Preselected: the applicant's choice or the receiving hall.
    pub selected: bool,
}

/// The applicant's choice of delivery.
#[derive(Debug, Serialize)]
pub struct ChosenDelivery {
    /// `electronic`, `post` or `pickup`.
    pub method: &'static str,
    /// The postal address.
    pub address: Option<String>,
}

/// The case page of `case_no` for the actor (404 when he may not see it).
pub async fn case_desk(app: &App, actor: &Actor, case_no: &str) -> AppResult<CaseDesk> {
    let (record, c, pii_view) = case_detail(app, actor, case_no).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let me = Some(actor.user.id);
    let applicant_view =
        record.mode == Mode::Online && (me == record.applicant_user || me == record.assisted_by);
    let options = if record.status.is_terminal() {
        HashMap::new()
    } else {
        crate::materials::licence_options(app, &record).await?
    };
    let (can_receive, can_verify, verify_why_not) = receiving(actor, &record, &lookups);
    let offers = step_offers(actor, &record, &c, &lookups, applicant_view);
    let identity = c
        .events
        .iter()
        .find(|e| e.action == "create")
        .and_then(|e| {
            let device = super::words::chip_reader(&e.payload)?;
            Some(IdentityCheck {
                device: device.to_owned(),
                photo: pii_view && e.payload["identity"]["photo"].is_string(),
            })
        });
    let video = video_desk(app, actor, &record).await?;
    Ok(CaseDesk {
        video,
        identity,
        checklist: checklist(&record, &c.received, options),
        uploaded: count_received(&c.received),
        notice_items: notice_items(&record, &c),
        timeline: timeline(&record, &c, applicant_view),
        pickup_halls: pickup_halls(&record, &lookups),
        chosen: record.delivery.as_ref().map(|d| ChosenDelivery {
            method: d.method.as_str(),
            address: d.address.clone(),
        }),
        delivery: c.delivery.as_ref().map(|d| d.text.clone()),
        may_rate: actor.user.role == Role::Applicant,
        documents: Documents {
            receipt: record.mode == Mode::Online && record.status != Status::Draft,
            slip: c.accepted_on.is_some() && c.verification_code.is_some(),
            notice: c.events.iter().any(|e| e.action == "request_supplement"),
            rejection: c.events.iter().any(|e| e.action == "not_accept"),
        },
        plain_status: plain_status(&c),
        mode_label: c.mode.label(),
        applicant_view,
        can_receive,
        can_verify,
        verify_why_not,
        offers,
        pii_view,
        record,
        c,
    })
}

/// Whether the actor may record materials on the case now, certify
/// originals, and why not the latter when he receives.
fn receiving(actor: &Actor, c: &CaseRecord, lookups: &Lookups) -> (bool, bool, Option<Text>) {
    let trust = lookups.trust();
    let scope = scope_of(c);
    let can_receive = crate::materials::closed_for_materials(c).is_ok()
        && authorize(actor.who(), Action::ReceiveMaterial(scope), &trust).is_ok();
    match authorize(actor.who(), Action::VerifyOriginal(scope), &trust) {
        Ok(()) => (can_receive, can_receive, None),
        Err(d @ Denial::Lacks { .. }) if can_receive => (true, false, Some(d.message())),
        Err(_) => (can_receive, false, None),
    }
}

/// The latest receipt of a checklist entry: what counts as received.
pub fn latest_receipt<'a>(received: &'a [ReceiptView], key: &str) -> Option<&'a ReceiptView> {
    received.iter().rev().find(|r| r.material == key)
}

fn count_received(received: &[ReceiptView]) -> usize {
    received
        .iter()
        .map(|r| r.material.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

fn checklist(
    record: &CaseRecord,
    received: &[ReceiptView],
    mut options: HashMap<String, Vec<crate::licences::Licence>>,
) -> Vec<ChecklistEntry> {
    let entry = |m: &MaterialSpec, licences: Vec<LicenceOption>| ChecklistEntry {
        received: latest_receipt(received, &m.key).map(|r| {
            let how = ReceiptMethod::parse(&r.method).map_or("", ReceiptMethod::label);
            if r.original_verified {
                text!("{how}（窗口已核验原件）", how = how)
            } else {
                how.into()
            }
        }),
        scans: received
            .iter()
            .filter(|r| r.material == m.key)
            .filter_map(|r| {
                Some(Scan {
                    blob: r.blob.clone()?,
                    kind: match r.mime.as_deref() {
                        Some("application/pdf") => "PDF",
                        _ => "图片",
                    }
                    .into(),
                })
            })
            .collect(),
        key: m.key.clone(),
        name: m.name.clone(),
        form_label: m.form.label(),
        copies: m.copies,
        review_points: m.review_points.clone(),
        license: m.license.clone(),
        licences,
    };
    record
        .materials
        .iter()
        .map(|m| {
            let licences = options.remove(&m.key).unwrap_or_default();
            let licences = licences
                .iter()
                .map(|l| LicenceOption {
                    reference: l.reference.clone(),
                    label: l.label(),
                })
                .collect();
            entry(m, licences)
        })
        .collect()
}

fn notice_items(record: &CaseRecord, c: &CaseView) -> Vec<NoticeItem> {
    if record.status != Status::SupplementRequested {
        return vec![];
    }
    let latest = c
        .events
        .iter()
        .rev()
        .find(|e| e.action == "request_supplement");
    let Some(list) = latest.and_then(|e| e.payload["materials"].as_array()) else {
        return vec![];
    };
    list.iter()
        .map(|m| NoticeItem {
            name: m["name"].as_str().unwrap_or("").to_owned(),
            problem: m["problem"].as_str().unwrap_or("").to_owned(),
        })
        .collect()
}

fn step_offers(
    actor: &Actor,
    record: &CaseRecord,
    c: &CaseView,
    lookups: &Lookups,
    applicant_view: bool,
) -> Vec<StepOffer> {
    // 收受分离 goes on the electronic file: what is not scanned yet is named
    // where the case would go on without it.
    let unscanned = if record.mode == Mode::CollectRemote {
        let received = c
            .received
            .iter()
            .map(|r| (r.material.as_str(), r.method.as_str()));
        let missing = tongban_domain::intake::unscanned(&record.materials, received);
        missing
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    } else {
        String::new()
    };
    let offered = |o: Offer| StepOffer {
        id: o.step.as_str(),
        label: o.step.label(),
        shown: match (applicant_view, o.step) {
            (true, Step::Submit) => "确认提交申请",
            (true, Step::SupplementProvided) => "提交补正材料",
            (true, Step::Withdraw) => "撤回申请",
            _ => o.step.label(),
        },
        why_not: o.allowed.err(),
        needs_reason: matches!(
            o.step,
            Step::NotAccept | Step::PreReviewFail | Step::Decide | Step::Suspend | Step::Withdraw
        ),
        reason_required: matches!(
            o.step,
            Step::NotAccept | Step::PreReviewFail | Step::Decide | Step::Suspend
        ),
        unscanned: if matches!(o.step, Step::Submit | Step::PreReviewPass) {
            unscanned.clone()
        } else {
            String::new()
        },
    };
    offers(actor, record, &lookups.trust())
        .into_iter()
        .map(offered)
        .collect()
}

fn timeline(record: &CaseRecord, c: &CaseView, applicant_view: bool) -> Vec<TimelineEntry> {
    c.events
        .iter()
        .map(|e| TimelineEntry {
            at: e.at.clone(),
            action_label: e.action_label.clone(),
            role_label: Role::parse(&e.role).map_or("系统", Role::label),
            detail: timeline_detail(&e.action, &e.payload, record),
            plain: applicant_view.then(|| plain_event(e, &c.department.name, record)),
        })
        .collect()
}

fn pickup_halls(record: &CaseRecord, lookups: &Lookups) -> Vec<PickupHall> {
    let preferred = record
        .delivery
        .as_ref()
        .and_then(|d| d.hall)
        .or(record.hall);
    lookups
        .data()
        .halls
        .iter()
        .map(|h| PickupHall {
            id: h.id.0,
            name: h.name.clone(),
            selected: Some(h.id) == preferred,
        })
        .collect()
}

/// The 视频核验 section: shown to those who may record checks, and to
/// anyone who sees the case once it has checks.
async fn video_desk(app: &App, actor: &Actor, c: &CaseRecord) -> AppResult<Option<VideoDesk>> {
    use tongban_domain::intake::Applicant;
    use tongban_domain::video::{Participant, VideoOutcome, check_identity, needs_identity_check};
    let may_record = !c.status.is_terminal()
        && authorize(
            actor.who(),
            Action::RecordVideoCheck(scope_of(c)),
            &tongban_domain::authz::Trust::NONE,
        )
        .is_ok();
    let page = crate::video::video_checks(app, actor, &c.case_no, None).await?;
    if !may_record && page.data.is_empty() {
        return Ok(None);
    }
    let needed = needs_identity_check(c.mode, Step::Accept, &c.materials);
    let missing = if needed && !c.status.is_terminal() {
        let evidence = crate::video::identity_evidence(app, c).await?;
        check_identity(c.mode, Step::Accept, &c.materials, &evidence)
            .err()
            .map(|m| m.message())
    } else {
        None
    };
    let mut participants = Vec::new();
    if let Applicant::Person { name, .. } = &c.applicant {
        participants.push((
            Participant::Applicant.as_str(),
            text!("申请人 {name}", name = name),
        ));
    }
    if let Some(a) = &c.agent {
        participants.push((
            Participant::Agent.as_str(),
            text!("委托代理人 {name}", name = &a.name),
        ));
    }
    Ok(Some(VideoDesk {
        may_record,
        needed,
        missing,
        checks: page.data,
        participants,
        outcomes: VideoOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), o.label().into()))
            .collect(),
    }))
}
