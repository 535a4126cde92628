//! The new-case wizard's read model (新办件): find an item, answer its
//! guide map, see the checklist, enter the applicant, choose a mode — each
//! offered only as far as the actor may open a case that way — and the
//! window's open-and-submit.

use super::{ActionBody, CaseCreate, Idem, Outcome, open_case, take_step};
use crate::guide::{QuestionView, ResolutionView, guide_view};
use crate::{Actor, App, AppError, AppResult, Lookups};
use serde::Serialize;
use std::collections::BTreeMap;
use tongban_domain::ItemCode;
use tongban_domain::authz::Opener;
use tongban_domain::guide::Answers;
use tongban_domain::search::SearchFilter;
use tongban_domain::tongban::Mode;

/// What the wizard has so far.
#[derive(Debug, Default)]
pub struct IntakeQuery {
    /// The search words.
    pub q: String,
    /// The item chosen.
    pub item: Option<String>,
    /// The guide-map answers given.
    pub answers: Answers,
    /// The answers were submitted (resolve even when some are optional).
    pub go: bool,
    /// The applicant's details were entered already (do not prefill).
    pub entered: bool,
}

/// The wizard as the actor sees it.
#[derive(Debug, Serialize)]
pub struct IntakeDesk {
    /// The receiving hall, for window staff.
    pub hall_name: Option<String>,
    /// An applicant opening his own case online.
    pub is_applicant: bool,
    /// A 帮办员 or agent, who may apply online for an applicant
    /// (帮办代办: the consent is asked).
    pub is_helper: bool,
    /// The items found, with the modes the actor may use for each.
    pub results: Vec<ItemHit>,
    /// The item chosen.
    pub item: Option<ItemHead>,
    /// Its guide-map questions shown for the answers so far.
    pub questions: Vec<QuestionView>,
    /// The situation and checklist the answers resolve to.
    pub resolution: Option<ResolutionView>,
    /// The modes the actor may open the chosen item in.
    pub modes: Vec<ModeOption>,
    /// The applicant's own details, to start from (an applicant for himself).
    pub own: BTreeMap<&'static str, String>,
    /// The city's regions, to pick from.
    pub regions: Vec<RegionOption>,
    /// The city's halls, where a result may be picked up.
    pub halls: Vec<HallOption>,
}

/// An item found.
#[derive(Debug, Serialize)]
pub struct ItemHit {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The kind of department that owns it, in words.
    pub kind: &'static str,
    /// The modes the actor may use, in words.
    pub modes: Vec<&'static str>,
}

/// The item chosen.
#[derive(Debug, Serialize)]
pub struct ItemHead {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// A mode to choose.
#[derive(Debug, Serialize)]
pub struct ModeOption {
    /// Its key.
    pub id: &'static str,
    /// Its name.
    pub label: &'static str,
}

/// A region to choose.
#[derive(Debug, Serialize)]
pub struct RegionOption {
    /// Its code.
    pub code: String,
    /// "name（code）".
    pub name: String,
}

/// A hall to choose.
#[derive(Debug, Serialize)]
pub struct HallOption {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The wizard for the actor: refused to whoever may not open cases; an item
/// not listed for any mode the actor may use is refused with the field.
pub async fn intake_desk(app: &App, actor: &Actor, q: &IntakeQuery) -> AppResult<IntakeDesk> {
    let opener = Opener::of(actor.who());
    if opener == Opener::Nobody {
        return Err(AppError::Denied {
            denial: tongban_domain::authz::Denial::Forbidden,
            subject: "case".into(),
            action: "open_case".into(),
        });
    }
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let data = lookups.data();
    let hall = (actor.user.scope.hall()).and_then(|h| data.halls.iter().find(|x| x.id == h));
    let level = hall.map(|h| h.level);
    let mut desk = IntakeDesk {
        hall_name: hall.map(|h| h.name.clone()),
        is_applicant: opener == Opener::Applicant,
        is_helper: opener == Opener::Helper,
        results: search(app, opener, level, &q.q).await?,
        item: None,
        questions: vec![],
        resolution: None,
        modes: vec![],
        own: BTreeMap::new(),
        regions: vec![],
        halls: vec![],
    };
    if let Some(code) = q.item.as_deref().filter(|c| !c.is_empty()) {
        chosen_item(app, opener, level, code, q, &mut desk).await?;
    }
    if opener == Opener::Applicant && !q.entered {
        desk.own = own_details(app, actor).await?;
    }
    desk.regions = data
        .regions
        .iter()
        .map(|r| RegionOption {
            code: r.code.as_str().to_owned(),
            name: format!("{}（{}）", r.name, r.code),
        })
        .collect();
    desk.halls = data
        .halls
        .iter()
        .map(|h| HallOption {
            id: h.id.0.to_string(),
            name: h.name.clone(),
        })
        .collect();
    Ok(desk)
}

async fn search(
    app: &App,
    opener: Opener,
    level: Option<tongban_domain::city::RegionLevel>,
    q: &str,
) -> AppResult<Vec<ItemHit>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(vec![]);
    }
    let filter = SearchFilter::default();
    let (docs, _) = app
        .catalogue
        .search(app.store.as_ref(), q, &filter, 50, 0)
        .await?;
    Ok(docs
        .into_iter()
        .filter_map(|d| {
            let modes = opener.modes(level, &d.modes, &d.levels);
            (!modes.is_empty()).then(|| ItemHit {
                code: d.summary.code.as_str().to_owned(),
                name: d.summary.name.clone(),
                kind: d.summary.department_kind.label(),
                modes: modes.iter().map(|m| m.label()).collect(),
            })
        })
        .collect())
}

async fn chosen_item(
    app: &App,
    opener: Opener,
    level: Option<tongban_domain::city::RegionLevel>,
    code: &str,
    q: &IntakeQuery,
    desk: &mut IntakeDesk,
) -> AppResult<()> {
    let v = app.store.item(&ItemCode(code.to_owned())).await?;
    let c = &v.content;
    let entries = app.store.list_entries().await?;
    let entry = entries.into_iter().find(|e| e.item == c.code);
    let modes = entry.map_or(vec![], |e| opener.modes(level, &e.modes, &e.levels));
    if modes.is_empty() {
        return Err(AppError::field(
            "item",
            "tongban.mode_not_listed",
            "该事项不能在此全域通办",
        ));
    }
    desk.modes = modes
        .iter()
        .map(|m| ModeOption {
            id: m.as_str(),
            label: m.label(),
        })
        .collect();
    let resolve = q.go || !q.answers.is_empty() || c.guide.questions.is_empty();
    let guide = guide_view(c, &q.answers, resolve)?;
    (desk.questions, desk.resolution) = (guide.questions, guide.resolution);
    desk.item = Some(ItemHead {
        code: c.code.as_str().to_owned(),
        name: c.name.clone(),
    });
    Ok(())
}

/// A real-name applicant applying for himself starts from his own details,
/// so nobody has to type an ID number on a phone or a kiosk.
async fn own_details(app: &App, actor: &Actor) -> AppResult<BTreeMap<&'static str, String>> {
    let user = &actor.user;
    let (id_number, phone) = app.store.user_identity(user.id).await?;
    let mut own = BTreeMap::from([("name", user.display_name.clone())]);
    own.extend(id_number.map(|v| ("id_number", v)));
    own.extend(phone.map(|v| ("phone", v)));
    own.extend(
        user.household_region
            .as_ref()
            .map(|r| ("household_region", r.as_str().to_owned())),
    );
    Ok(own)
}

/// The window wizard's open: the case is opened and, in 受审分离, submitted
/// at once (a retried form lands on the same case, its submission keyed
/// after the opening's key). 收受分离 stays a draft until its materials are
/// scanned (the department works from the electronic file), and an online
/// application until its applicant has uploaded every material and
/// confirmed. Answers the case number.
pub async fn open_from_wizard(
    app: &App,
    actor: &Actor,
    cmd: CaseCreate,
    key: Option<String>,
) -> AppResult<String> {
    let idem = Idem::of(actor, "/cases", key.clone());
    let outcome = open_case(app, actor, cmd, idem).await?;
    let case_no = outcome.case_no();
    if let Outcome::Done(v, _) = &outcome
        && v.mode == Mode::AcceptRemote
    {
        let step_key = key.map(|k| format!("{k}-submit"));
        let route = format!("/cases/{case_no}/actions/submit");
        let idem = Idem::of(actor, &route, step_key);
        let b = ActionBody {
            version: v.version,
            ..ActionBody::default()
        };
        take_step(app, actor, &case_no, "submit", b, idem).await?;
    }
    Ok(case_no)
}
