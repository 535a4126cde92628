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
use tongban_domain::i18n::Text;
use tongban_domain::search::SearchFilter;
use tongban_domain::text;
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
    /// Only ask: show the questions for the answers so far, without
    /// resolving (the questionnaire refreshed as options are chosen).
    pub ask: bool,
    /// The applicant's details were entered already (do not prefill).
    pub entered: bool,
    /// The ID number typed so far (what it says is shown).
    pub id_number: Option<String>,
    /// The household region chosen, if any (else the ID number's).
    pub household: Option<String>,
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
    /// The applicant form: a person's fields, a company's, an agent's, and
    /// the item's own (a property's region), each shown only when it applies.
    pub applicant_form: ApplicantForm,
    /// What the ID number typed says (birth date, sex, household region).
    pub id_facts: Option<IdFacts>,
    /// Where this window may not take the item in for its department, why,
    /// and what the clerk can do instead — known before anything is typed.
    pub refusals: Vec<ReceiveRefusal>,
    /// The ID number typed is a real-name account's: its name, mobile and
    /// household region fill the form (staff only; the adapter records the
    /// look-up as a view of personal data). The masked number, if so.
    pub prefilled_from: Option<String>,
}

/// A field of the applicant form.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldSpec {
    /// Its name (the form's key).
    pub name: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Chosen from the city's regions.
    pub regions: bool,
    /// A hint under the field, if any.
    pub hint: &'static str,
    /// The browser's autocomplete token, if any.
    pub autocomplete: &'static str,
    /// The keyboard a phone shows (`numeric`, `tel`, …), if any.
    pub inputmode: &'static str,
}

const fn field(name: &'static str, label: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        regions: false,
        hint: "",
        autocomplete: "",
        inputmode: "",
    }
}

/// A person applying.
const PERSON_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        autocomplete: "off",
        hint: "输入后自动带出出生日期、性别和户籍地",
        ..field("id_number", "公民身份号码")
    },
    FieldSpec {
        autocomplete: "name",
        ..field("name", "姓名")
    },
    FieldSpec {
        autocomplete: "tel",
        inputmode: "tel",
        ..field("phone", "手机号码")
    },
    FieldSpec {
        regions: true,
        hint: "不选则按身份证号码所示地区",
        ..field("household_region", "户籍地")
    },
    FieldSpec {
        autocomplete: "street-address",
        ..field("address", "地址")
    },
];

/// A person's residence, asked only where it decides the jurisdiction.
const RESIDENCE_FIELD: FieldSpec = FieldSpec {
    regions: true,
    ..field("residence_region", "居住地（与户籍地不同时）")
};

/// A company applying.
const COMPANY_FIELDS: &[FieldSpec] = &[
    field("name", "企业（单位）名称"),
    field("uscc", "统一社会信用代码"),
    FieldSpec {
        regions: true,
        ..field("registered_region", "登记地")
    },
    field("legal_representative", "法定代表人"),
    FieldSpec {
        autocomplete: "tel",
        inputmode: "tel",
        ..field("phone", "联系电话（手机）")
    },
    FieldSpec {
        autocomplete: "street-address",
        ..field("address", "地址")
    },
];

/// An agent applying on the applicant's behalf.
const AGENT_FIELDS: &[FieldSpec] = &[
    field("agent_name", "委托代理人姓名"),
    field("agent_id_number", "委托代理人公民身份号码"),
    FieldSpec {
        inputmode: "tel",
        ..field("agent_phone", "委托代理人手机号码")
    },
];

/// The property's region, asked only where it decides the jurisdiction.
const PROPERTY_FIELD: FieldSpec = FieldSpec {
    regions: true,
    ..field("property_region", "不动产所在地")
};

/// The applicant form, as far as it applies to the item chosen.
#[derive(Debug, Default, Serialize)]
pub struct ApplicantForm {
    /// A person's fields.
    pub person: Vec<FieldSpec>,
    /// A company's fields.
    pub company: Vec<FieldSpec>,
    /// An agent's fields (shown folded: most people apply themselves).
    pub agent: Vec<FieldSpec>,
    /// The item's own fields (a property's region).
    pub item: Vec<FieldSpec>,
}

impl ApplicantForm {
    /// Every field the form may post.
    pub fn all() -> impl Iterator<Item = &'static FieldSpec> {
        PERSON_FIELDS
            .iter()
            .chain([&RESIDENCE_FIELD])
            .chain(COMPANY_FIELDS)
            .chain(AGENT_FIELDS)
            .chain([&PROPERTY_FIELD])
    }
}

/// What an ID number says.
#[derive(Debug, Serialize)]
pub struct IdFacts {
    /// 出生日期.
    pub birth_date: String,
    /// 男/女.
    pub sex: &'static str,
    /// The region code it names.
    pub region: String,
    /// That region's name, if the city has it.
    pub region_name: Option<String>,
}

/// A mode in which this window may not take the item in for a department.
#[derive(Debug, Serialize)]
pub struct ReceiveRefusal {
    /// The mode, in words.
    pub mode: &'static str,
    /// The department that has not granted the right.
    pub department: String,
    /// What is missing, naming the department and the right.
    pub message: Text,
    /// When it applies (an applicant of that department's area), if the
    /// deciding department depends on the applicant.
    pub when: Option<Text>,
    /// Modes this window may use instead.
    pub other_modes: Vec<&'static str>,
    /// Halls that hold the right (a few).
    pub halls_that_may: Vec<String>,
    /// How to ask for the grant.
    pub how_to_ask: Text,
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
            department: None,
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
        applicant_form: ApplicantForm::default(),
        id_facts: None,
        refusals: vec![],
        prefilled_from: None,
    };
    if let Some(code) = q.item.as_deref().filter(|c| !c.is_empty()) {
        let place = hall.map(|h| (h.id, h.level));
        let v = chosen_item(app, &lookups, opener, place, code, q, &mut desk).await?;
        if opener == Opener::Window
            && let Some(hall) = hall
        {
            desk.refusals = refusals(app, &lookups, hall.id, &v, q).await?;
        }
    }
    desk.id_facts = q.id_number.as_deref().and_then(|id| id_facts(&lookups, id));
    if opener == Opener::Applicant && !q.entered {
        desk.own = own_details(app, actor).await?;
    }
    // At a window (or for a helper), a real-name account's details come
    // with its ID number, so a returning applicant is not typed again.
    if matches!(opener, Opener::Window | Opener::Helper)
        && !q.entered
        && desk.item.is_some()
        && let Some(facts) = &desk.id_facts
        && let Some(id) = q.id_number.as_deref()
    {
        let id = id.trim().to_ascii_uppercase();
        if let Some((user, phone)) = app.store.applicant_by_id_number(&id).await? {
            desk.own = BTreeMap::from([
                ("id_number", id.clone()),
                ("name", user.display_name.clone()),
            ]);
            desk.own.extend(phone.map(|v| ("phone", v)));
            let household = user
                .household_region
                .as_ref()
                .map(|r| r.as_str().to_owned());
            desk.own.extend(
                household
                    .filter(|h| *h != facts.region)
                    .map(|h| ("household_region", h)),
            );
            desk.prefilled_from = Some(tongban_domain::validate::mask_id_number(&id));
        }
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
        .search(app.store.as_ref(), app.now.today(), q, &filter, 50, 0)
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
    lookups: &Lookups,
    opener: Opener,
    place: Option<(tongban_domain::HallId, tongban_domain::city::RegionLevel)>,
    code: &str,
    q: &IntakeQuery,
    desk: &mut IntakeDesk,
) -> AppResult<tongban_domain::catalogue::ItemVersion> {
    let v = app.store.item(&ItemCode(code.to_owned())).await?;
    let c = &v.content;
    let entry = lookups.listing(&c.code);
    // A hall the list names is as good as one of a listed level.
    let level = place.map(|(h, l)| (l, entry.as_ref().is_some_and(|e| e.at_hall(h, l))));
    let modes = entry.map_or(vec![], |e| {
        let listed = level.filter(|(_, ok)| *ok).map(|(l, _)| l);
        opener.modes(level.map(|(l, _)| l), &e.modes, listed.as_slice())
    });
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
    let resolve = !q.ask && (q.go || !q.answers.is_empty()) || c.guide.questions.is_empty();
    let guide = guide_view(c, &q.answers, resolve)?;
    (desk.questions, desk.resolution) = (guide.questions, guide.resolution);
    desk.item = Some(ItemHead {
        code: c.code.as_str().to_owned(),
        name: c.name.clone(),
    });
    use tongban_domain::catalogue::Jurisdiction;
    desk.applicant_form = ApplicantForm {
        person: PERSON_FIELDS
            .iter()
            .copied()
            .chain((c.jurisdiction == Jurisdiction::Residence).then_some(RESIDENCE_FIELD))
            .collect(),
        company: COMPANY_FIELDS.to_vec(),
        agent: AGENT_FIELDS.to_vec(),
        item: (c.jurisdiction == Jurisdiction::PropertyLocation)
            .then_some(PROPERTY_FIELD)
            .into_iter()
            .collect(),
    };
    Ok(v)
}

/// What a (valid) ID number says: birth date, sex and the region it names.
fn id_facts(lookups: &Lookups, raw: &str) -> Option<IdFacts> {
    let id = tongban_domain::validate::validate_id_number(
        "id_number",
        raw,
        lookups.today(),
        tongban_domain::validate::is_province_code,
    )
    .ok()?;
    let region = id.region_prefix().to_owned();
    Some(IdFacts {
        birth_date: id.birth_date().to_string(),
        sex: id.sex_label(),
        region_name: (lookups.data().regions.iter())
            .find(|r| r.code.as_str() == region)
            .map(|r| r.name.clone()),
        region,
    })
}

/// The modes in which this window may not take `item` in, for the
/// departments that may decide it (the one the applicant's household
/// names, once known; else each that implements it), with what to do.
async fn refusals(
    app: &App,
    lookups: &Lookups,
    hall: tongban_domain::HallId,
    v: &tongban_domain::catalogue::ItemVersion,
    q: &IntakeQuery,
) -> AppResult<Vec<ReceiveRefusal>> {
    use tongban_domain::authz::window_right;
    use tongban_domain::case::Action as Step;
    let code = v.content.code.clone();
    let Some(entry) = lookups.listing(&code) else {
        return Ok(vec![]);
    };
    let data = lookups.data();
    let implementations = app.store.implementations(&code).await?;
    // The household region: chosen, or the one the ID number names.
    let household = q
        .household
        .clone()
        .filter(|h| !h.trim().is_empty())
        .or_else(|| {
            q.id_number
                .as_deref()
                .and_then(|id| id_facts(lookups, id))
                .map(|f| f.region)
        });
    let candidates: Vec<(tongban_domain::DepartmentId, Option<Text>)> = match household
        .as_deref()
        .and_then(|h| data.regions.iter().find(|r| r.code.as_str() == h))
    {
        Some(region) => {
            let applicant = tongban_domain::intake::Applicant::Person {
                name: String::new(),
                id_number: String::new(),
                phone: String::new(),
                household_region: region.code.clone(),
                residence_region: None,
                address: String::new(),
            };
            let impls: Vec<_> = implementations
                .iter()
                .map(|i| (i.department, i.region.clone()))
                .collect();
            tongban_domain::intake::resolve_jurisdiction(
                &v.content,
                &applicant,
                None,
                &data.regions,
                &impls,
            )
            .map(|d| vec![(d, None)])
            .unwrap_or_default()
        }
        None => implementations
            .iter()
            .map(|i| {
                let area = (data.regions.iter())
                    .find(|r| r.code == i.region)
                    .map_or_else(|| i.region.as_str().to_owned(), |r| r.name.clone());
                let when =
                    (implementations.len() > 1).then(|| text!("申请人属{area}时", area = area));
                (i.department, when)
            })
            .collect(),
    };
    let trust = lookups.trust();
    let window_modes: Vec<Mode> = entry
        .modes
        .iter()
        .copied()
        .filter(|m| matches!(m, Mode::AcceptRemote | Mode::CollectRemote))
        .collect();
    let mut out = Vec::new();
    for (department, when) in candidates {
        let Some(dept) = data.departments.iter().find(|d| d.id == department) else {
            continue;
        };
        let may = |mode: Mode| {
            window_right(mode, Step::Submit)
                .is_none_or(|right| trust.hall_holds(hall, department, &code, right).is_ok())
        };
        for &mode in &window_modes {
            let Some(right) = window_right(mode, Step::Submit) else {
                continue;
            };
            let Err(lack) = trust.hall_holds(hall, department, &code, right) else {
                continue;
            };
            let halls_that_may = (data.halls.iter())
                .filter(|h| {
                    h.id != hall && trust.hall_holds(h.id, department, &code, right).is_ok()
                })
                .take(5)
                .map(|h| h.name.clone())
                .collect();
            out.push(ReceiveRefusal {
                mode: mode.label(),
                department: dept.name.clone(),
                message: match lack {
                    tongban_domain::grant::Lack::NotGranted => {
                        text!(
                            "{department}未授予本窗口“{right}”",
                            department = &dept.name,
                            right = right.label()
                        )
                    }
                    other => text!(
                        "{department}：{lack}",
                        department = &dept.name,
                        lack = other.message(right)
                    ),
                },
                when: when.clone(),
                other_modes: window_modes
                    .iter()
                    .copied()
                    .filter(|m| *m != mode && may(*m))
                    .chain(entry.modes.iter().copied().filter(|m| *m == Mode::Online))
                    .map(Mode::label)
                    .collect(),
                halls_that_may,
                how_to_ask: text!(
                    "请本中心管理员联系{department}，在“授权信任”中为本中心授予“{right}”后即可受理",
                    department = &dept.name,
                    right = right.label()
                ),
            });
        }
    }
    Ok(out)
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
