//! 培训手册: training manuals generated from the catalogue and the grants —
//! never written by hand. An item's manual ([`ItemManual`]) says, from its
//! current published version and its 通办 list entry, what a window must
//! know: situations, materials with their review points, the usual reasons
//! for a one-time notice (phrased from the review points, the materials and
//! the acceptance conditions), time limits, which steps the window takes and
//! which the department in each 通办 mode (read off the domain's state
//! machines, `case::transition`, and the right each window step needs,
//! `authz::window_right`), and who to call. A hall's manual ([`HallManual`])
//! lists every item the hall's level may receive, grouped by deciding
//! department, with the rights that department has granted the hall, what
//! each lets it do, and what it cannot do there (a right lacking: which mode
//! is unavailable and which halls may). Both say which catalogue revision
//! and item versions they reflect; [`layout`] lays them out as A4 pages.

pub mod layout;

use crate::guide_map::{GuideMapSource, condition, list, situations_needing};
use crate::{Actor, App, AppError, AppResult, Lookups, RefData};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use tongban_domain::authz::{Action as Authz, Trust, window_right};
use tongban_domain::case::{Action as Step, Side, Status, transition};
use tongban_domain::catalogue::{Implementation, ItemVersion, LimitsSource};
use tongban_domain::city::{Department, Hall};
use tongban_domain::grant::{HallPlace, Lack, Right, holds};
use tongban_domain::i18n::{Lang, tr};
use tongban_domain::text;
use tongban_domain::tongban::{ListEntry, Mode};
use tongban_domain::{DepartmentId, HallId};

/// An item's manual: the item's texts for a window's training, in one
/// language (labels held as `&'static str` are zh-CN keys, shown through
/// `t`; the rest is written in the manual's language).
#[derive(Debug, Clone, Serialize)]
pub struct ItemManual {
    /// Item code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The published version it reflects.
    pub version: i32,
    /// When that version was published (a date).
    pub published_on: String,
    /// Kind of department, type, level and jurisdiction, in words.
    pub facts: Vec<(&'static str, String)>,
    /// 受理条件.
    pub conditions: String,
    /// The guide's questions, each with its options.
    pub questions: Vec<String>,
    /// The situations.
    pub situations: Vec<SituationText>,
    /// The materials with their review points.
    pub materials: Vec<MaterialText>,
    /// Common reasons for a one-time notice (一次性告知).
    pub notice_reasons: Vec<String>,
    /// What is not a one-time notice (conditions not met: not accepted).
    pub notice_rules: Vec<String>,
    /// Time limits, fee, result, visits.
    pub limits: Vec<(&'static str, String)>,
    /// 办理流程 as the catalogue states it.
    pub steps: Vec<String>,
    /// The 通办 listing in words, if listed.
    pub listing: Option<String>,
    /// Who takes which step, per 通办 mode of the listing.
    pub modes: Vec<ModeSteps>,
    /// The deciding departments to call.
    pub contacts: Vec<Contact>,
}

/// A situation (情形).
#[derive(Debug, Clone, Serialize)]
pub struct SituationText {
    /// Its name.
    pub name: String,
    /// When it applies, in words.
    pub when: String,
    /// The materials it adds, in words.
    pub adds: String,
}

/// A material with what to check.
#[derive(Debug, Clone, Serialize)]
pub struct MaterialText {
    /// Its name.
    pub name: String,
    /// Form, copies, and whether always required.
    pub need: String,
    /// The situations asking for it (per-situation materials).
    pub when: Option<String>,
    /// The e-licence that may replace it.
    pub licence: Option<String>,
    /// 审查要点.
    pub review_points: Vec<String>,
}

/// The steps of one 通办 mode.
#[derive(Debug, Clone, Serialize)]
pub struct ModeSteps {
    /// The mode, in words.
    pub mode: &'static str,
    /// One row per step and status it is taken from.
    pub steps: Vec<StepText>,
}

/// A step of a mode's state machine.
#[derive(Debug, Clone, Serialize)]
pub struct StepText {
    /// The step.
    pub step: &'static str,
    /// The status it is taken from.
    pub from: &'static str,
    /// The status it leads to.
    pub to: String,
    /// Who takes it: 窗口, 审批部门, 申请人.
    pub by: String,
    /// The right a window needs for it (another department's case).
    pub right: Option<&'static str>,
    /// What it does to the clock, if anything.
    pub clock: &'static str,
}

/// Who to call.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    /// The department.
    pub department: String,
    /// Its contact desk.
    pub contact: String,
    /// Its phone.
    pub phone: String,
}

/// A hall's manual.
#[derive(Debug, Clone, Serialize)]
pub struct HallManual {
    /// The hall's id.
    pub hall_id: i64,
    /// Its name.
    pub hall: String,
    /// Its level, in words.
    pub level: &'static str,
    /// Address, opening hours, switchboard.
    pub address: String,
    /// Switchboard phone.
    pub phone: String,
    /// Its windows: name, phone, contact.
    pub windows: Vec<(String, String, String)>,
    /// The catalogue revision it reflects.
    pub revision: i64,
    /// The day the grants were weighed on (generated).
    pub generated_on: String,
    /// What each right lets a window do.
    pub rights: Vec<RightText>,
    /// The deciding departments, each with the items the hall may receive for it.
    pub departments: Vec<DepartmentSection>,
    /// Each item once, in code order.
    pub items: Vec<ItemManual>,
}

/// What a right lets a window do.
#[derive(Debug, Clone, Serialize)]
pub struct RightText {
    /// The right.
    pub right: &'static str,
    /// What it lets the window do, one line per mode.
    pub lets: Vec<String>,
}

/// A deciding department in a hall's manual.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentSection {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its contact desk.
    pub contact: String,
    /// Its phone.
    pub phone: String,
    /// The hall is the department's own (every right).
    pub own: bool,
    /// The items.
    pub items: Vec<HallItem>,
}

/// An item a hall may receive for one department.
#[derive(Debug, Clone, Serialize)]
pub struct HallItem {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The listed modes, in words.
    pub modes: Vec<&'static str>,
    /// Each right: held or not, and why.
    pub rights: Vec<HeldRight>,
    /// What the window cannot do here, and who may.
    pub cannot: Vec<String>,
}

/// A right as a hall holds it for one department's item.
#[derive(Debug, Clone, Serialize)]
pub struct HeldRight {
    /// The right.
    pub right: &'static str,
    /// Held today.
    pub held: bool,
    /// In words: 本部门窗口, 已授权, or why not.
    pub text: String,
}

/// What the manuals page offers: every hall, and every listed item.
#[derive(Debug, Clone, Serialize)]
pub struct ManualIndex {
    /// The halls: id, name, level in words; the actor's own first.
    pub halls: Vec<(i64, String, &'static str)>,
    /// The listed items: code, name, department kind in words.
    pub items: Vec<(String, String, String)>,
}

/// The halls and the listed items to choose a manual of. Staff only.
pub async fn manual_index(app: &App, actor: &Actor) -> AppResult<ManualIndex> {
    authorize(actor)?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let own = actor.user.scope.hall();
    let mut halls: Vec<(i64, String, &'static str)> = (lookups.data().halls.iter())
        .map(|h| (h.id.0, h.name.clone(), h.level.label()))
        .collect();
    halls.sort_by_key(|h| Some(HallId(h.0)) != own);
    let index = app
        .catalogue
        .index(app.store.as_ref(), app.now.today())
        .await?;
    let mut items: Vec<(String, String, String)> = (index.docs().iter())
        .filter(|d| !d.modes.is_empty())
        .map(|d| {
            let s = &d.summary;
            let kind = s.department_kind.label().to_owned();
            (s.code.as_str().to_owned(), s.name.clone(), kind)
        })
        .collect();
    items.sort();
    Ok(ManualIndex { halls, items })
}

/// Whoever may read manuals (staff).
fn authorize(actor: &Actor) -> AppResult<()> {
    actor.authorize(Authz::ReadManuals, &Trust::NONE)?;
    Ok(())
}

/// An item's manual with what it reflects.
#[derive(Debug, Clone, Serialize)]
pub struct ItemManualDoc {
    /// The catalogue revision it reflects.
    pub revision: i64,
    /// The day it was generated.
    pub generated_on: String,
    /// The manual.
    pub manual: ItemManual,
}

/// The manual of item `code`: its current published version, its listing
/// and the departments implementing it. Staff only.
pub async fn item_manual(
    app: &App,
    actor: &Actor,
    code: &str,
    lang: Lang,
) -> AppResult<ItemManualDoc> {
    authorize(actor)?;
    let revision = app.store.catalogue_revision().await?;
    let src = crate::guide_map::load(app, code).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let impls = app.store.implementations(&src.version.content.code).await?;
    let contacts = contacts(lookups.data(), impls.iter().map(|i| i.department));
    Ok(ItemManualDoc {
        revision,
        generated_on: lookups.today().to_string(),
        manual: item_body(&src, contacts, lang),
    })
}

/// The manual of hall `id`: every item its level may receive, by deciding
/// department, with the grants weighed today. Staff only; an unknown hall
/// is not found.
pub async fn hall_manual(app: &App, actor: &Actor, id: i64, lang: Lang) -> AppResult<HallManual> {
    authorize(actor)?;
    let revision = app.store.catalogue_revision().await?;
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    let hall = (data.halls.iter())
        .find(|h| h.id == HallId(id))
        .ok_or(AppError::Store(tongban_store::StoreError::NotFound))?;
    let entries = lookups.list();
    let mut items = app.store.items().await?;
    items.retain(|v| {
        (entries.iter()).any(|e| e.item == v.content.code && e.at_hall(hall.id, hall.level))
    });
    let codes: Vec<_> = items.iter().map(|v| v.content.code.clone()).collect();
    let impls = app.store.implementations_of(&codes).await?;
    Ok(build_hall_manual(
        &HallSource {
            hall,
            data,
            items: &items,
            entries: &entries,
            implementations: &impls,
            revision,
        },
        lookups.today(),
        lang,
    ))
}

/// What a hall's manual is built from.
#[derive(Debug)]
pub struct HallSource<'a> {
    /// The hall.
    pub hall: &'a Hall,
    /// The city, its departments and its grants.
    pub data: &'a RefData,
    /// The items the hall's level may receive (current versions).
    pub items: &'a [ItemVersion],
    /// The 通办 list.
    pub entries: &'a [ListEntry],
    /// Who implements those items.
    pub implementations: &'a [Implementation],
    /// The catalogue revision.
    pub revision: i64,
}

/// Builds a hall's manual in `lang`, weighing the grants on `today`. Pure.
pub fn build_hall_manual(s: &HallSource<'_>, today: Date, lang: Lang) -> HallManual {
    let place = (s.data.places.iter())
        .find(|p| p.hall == s.hall.id)
        .cloned()
        .unwrap_or_else(|| HallPlace::of(s.hall, &s.data.regions));
    let mut by_dept: BTreeMap<DepartmentId, Vec<HallItem>> = BTreeMap::new();
    let mut bodies = Vec::new();
    for v in s.items {
        let code = &v.content.code;
        let Some(entry) = s.entries.iter().find(|e| &e.item == code) else {
            continue;
        };
        let mut version = v.clone();
        version.content.note.clear();
        let src = GuideMapSource {
            version,
            listing: Some(entry.clone()),
        };
        let deciding: Vec<DepartmentId> = (s.implementations.iter())
            .filter(|i| &i.item == code)
            .map(|i| i.department)
            .collect();
        for d in &deciding {
            let Some(dept) = s.data.departments.iter().find(|x| x.id == *d) else {
                continue;
            };
            let item = hall_item(s.data, &place, dept, &src, today, lang);
            by_dept.entry(*d).or_default().push(item);
        }
        bodies.push(item_body(
            &src,
            contacts(s.data, deciding.into_iter()),
            lang,
        ));
    }
    let departments = (s.data.departments.iter())
        .filter_map(|d| {
            let items = by_dept.remove(&d.id)?;
            Some(DepartmentSection {
                id: d.id.0,
                name: d.name.clone(),
                contact: d.contact.clone(),
                phone: d.phone.clone(),
                own: tongban_domain::grant::own_hall(d, &place),
                items,
            })
        })
        .collect();
    bodies.sort_by(|a, b| a.code.cmp(&b.code));
    HallManual {
        hall_id: s.hall.id.0,
        hall: s.hall.name.clone(),
        level: s.hall.level.label(),
        address: s.hall.address.clone(),
        phone: s.hall.phone.clone(),
        windows: (s.hall.windows.iter())
            .map(|w| (w.name.clone(), w.phone.clone(), w.contact.clone()))
            .collect(),
        revision: s.revision,
        generated_on: today.to_string(),
        rights: rights_explained(lang),
        departments,
        items: bodies,
    }
}

/// The item as the hall at `place` may receive it for `dept`: the rights
/// held, and what is not possible without them.
fn hall_item(
    data: &RefData,
    place: &HallPlace,
    dept: &Department,
    src: &GuideMapSource,
    today: Date,
    lang: Lang,
) -> HallItem {
    let c = &src.version.content;
    let modes = window_modes(src);
    let held = |p: &HallPlace, r: Right| holds(&data.grants, p, dept, &c.code, r, today);
    let rights = (Right::ALL.iter())
        .map(|&r| HeldRight {
            right: r.label(),
            held: held(place, r).is_ok(),
            text: match held(place, r) {
                Ok(()) if tongban_domain::grant::own_hall(dept, place) => {
                    text!("本部门窗口").render(lang)
                }
                Ok(()) => text!("已授权").render(lang),
                Err(l) => lack_words(l, lang),
            },
        })
        .collect();
    let mut cannot = Vec::new();
    for &r in Right::ALL {
        let Err(lack) = held(place, r) else {
            continue;
        };
        let others: Vec<&str> = (data.places.iter())
            .filter(|p| p.hall != place.hall && held(p, r).is_ok())
            .filter_map(|p| data.halls.iter().find(|h| h.id == p.hall))
            .map(|h| h.name.as_str())
            .collect();
        let who = match others.len() {
            0 => text!("其他大厅亦未获授权，请到该部门窗口办理"),
            n if n <= 3 => text!("可办理的大厅：{halls}", halls = list(lang, &others)),
            n => text!(
                "可办理的大厅：{halls}等{n}个",
                halls = list(lang, &others[..3]),
                n = n
            ),
        };
        let line = text!(
            "{cannot}（{right}）：{lack}。{who}",
            cannot = right_unavailable(r, &modes, lang),
            right = r.label(),
            lack = lack_words(lack, lang),
            who = who
        );
        cannot.push(line.render(lang));
    }
    HallItem {
        code: c.code.as_str().to_owned(),
        name: c.name.clone(),
        modes: src
            .listing
            .iter()
            .flat_map(|e| &e.modes)
            .map(|m| m.label())
            .collect(),
        rights,
        cannot,
    }
}

/// The listed modes a window takes part in (not bundles, which have no
/// state machine of their own).
fn window_modes(src: &GuideMapSource) -> Vec<Mode> {
    (src.listing.iter())
        .flat_map(|e| &e.modes)
        .copied()
        .filter(|m| *m != Mode::Bundle)
        .collect()
}

/// What the window cannot do without `right`, for an item listed in `modes`.
fn right_unavailable(right: Right, modes: &[Mode], lang: Lang) -> String {
    let counter: Vec<String> = (modes.iter())
        .filter(|m| matches!(m, Mode::AcceptRemote | Mode::CollectRemote))
        .map(|m| tr(lang, m.label()).into_owned())
        .collect();
    let counter = if counter.is_empty() {
        tr(lang, "窗口模式").into_owned()
    } else {
        list(lang, &counter)
    };
    match right {
        Right::RemoteAcceptance => text!("不能以{modes}收件、受理", modes = counter),
        Right::OneTimeNotice => text!("{modes}下不能由本窗口出具一次性告知书", modes = counter),
        Right::OriginalVerification => text!("不能核验原件（部门须另行核验）"),
        Right::ResultDelivery => text!("不能在本窗口送达审批结果（窗口领取）"),
    }
    .render(lang)
}

/// A lacking right, in words.
fn lack_words(l: Lack, lang: Lang) -> String {
    match l {
        Lack::NotGranted => text!("未授权"),
        Lack::Expired { valid_to } => text!("已于{date}到期", date = valid_to),
        Lack::NotYetValid { valid_from } => text!("自{date}起生效", date = valid_from),
        Lack::Revoked => text!("已撤销"),
    }
    .render(lang)
}

/// What each right lets a window do, read off `window_right` and the state
/// machines: the window steps of each mode that need it.
pub fn rights_explained(lang: Lang) -> Vec<RightText> {
    Right::ALL
        .iter()
        .map(|&r| {
            let mut lets: Vec<String> = [Mode::AcceptRemote, Mode::CollectRemote, Mode::Online]
                .iter()
                .filter_map(|&m| {
                    let steps: Vec<String> = (Step::ALL.iter())
                        .filter(|&&a| window_right(m, a) == Some(r) && window_takes(m, a))
                        .map(|a| tr(lang, a.label()).into_owned())
                        .collect();
                    (!steps.is_empty()).then(|| {
                        text!(
                            "{mode}：{steps}",
                            mode = m.label(),
                            steps = list(lang, &steps)
                        )
                        .render(lang)
                    })
                })
                .collect();
            if r == Right::OriginalVerification {
                let l = text!("收件时核验原件并在办件中确认，审批部门据此采信扫描件");
                lets.push(l.render(lang));
            }
            RightText {
                right: r.label(),
                lets,
            }
        })
        .collect()
}

/// Whether the window takes `step` from some status in `mode`.
fn window_takes(mode: Mode, step: Step) -> bool {
    Status::ALL.iter().any(|&s| {
        transition(mode, s, step, Some(true), None).is_ok_and(|t| t.by.contains(&Side::Window))
    })
}

/// The departments to call, in the order given, each once.
fn contacts(data: &RefData, ids: impl Iterator<Item = DepartmentId>) -> Vec<Contact> {
    let mut out: Vec<Contact> = Vec::new();
    for id in ids {
        let Some(d) = data.departments.iter().find(|d| d.id == id) else {
            continue;
        };
        if out.iter().any(|c| c.department == d.name) {
            continue;
        }
        out.push(Contact {
            department: d.name.clone(),
            contact: d.contact.clone(),
            phone: d.phone.clone(),
        });
    }
    out
}

/// An item's manual in `lang` from its version and listing, with the
/// departments to call. Pure.
pub fn item_body(src: &GuideMapSource, contacts: Vec<Contact>, lang: Lang) -> ItemManual {
    let v = &src.version;
    let c = &v.content;
    let name_of = |key: &String| {
        (c.materials.iter())
            .find(|m| &m.key == key)
            .map_or(key.clone(), |m| m.name.clone())
    };
    let questions = (c.guide.questions.iter())
        .enumerate()
        .map(|(i, q)| {
            let options: Vec<&str> = q.options.iter().map(|o| o.label.as_str()).collect();
            let when = if q.show_if.is_empty() {
                String::new()
            } else {
                let when = condition(src, &q.show_if, lang);
                text!("（仅当{when}时）", when = when).render(lang)
            };
            text!(
                "问题{n}：{text}{when}　选项：{options}",
                n = i + 1,
                text = q.text.clone(),
                when = when,
                options = options.join("／")
            )
            .render(lang)
        })
        .collect();
    let situations = (c.guide.situations.iter())
        .map(|s| SituationText {
            name: s.name.clone(),
            when: match (s.when.is_empty(), c.guide.questions.is_empty()) {
                (true, true) => text!("适用于所有申请").render(lang),
                (true, false) => text!("其他情形").render(lang),
                (false, _) => condition(src, &s.when, lang),
            },
            adds: if s.materials.is_empty() {
                text!("只需通用材料").render(lang)
            } else {
                list(lang, &s.materials.iter().map(name_of).collect::<Vec<_>>())
            },
        })
        .collect();
    let materials = (c.materials.iter())
        .map(|m| {
            let need = if m.required {
                "必须提交"
            } else {
                "按情形提交"
            };
            let when = situations_needing(src, m);
            MaterialText {
                name: m.name.clone(),
                need: text!(
                    "{form} {copies}份 · {need}",
                    form = m.form.label(),
                    copies = m.copies,
                    need = need
                )
                .render(lang),
                when: (!m.required && !when.is_empty()).then(|| list(lang, &when)),
                licence: m.license.clone(),
                review_points: m.review_points.clone(),
            }
        })
        .collect();
    let (notice_reasons, notice_rules) = notice_reasons(src, lang);
    let label = |l: &'static str| tr(lang, l).into_owned();
    ItemManual {
        code: c.code.as_str().to_owned(),
        name: c.name.clone(),
        version: v.version,
        published_on: v.published_at.get(..10).unwrap_or("").to_owned(),
        facts: vec![
            ("部门类别", label(c.department_kind.label())),
            ("事项类型", label(c.item_type.label())),
            ("实施层级", label(c.level.label())),
            ("管辖依据", label(c.jurisdiction.label())),
            ("设定依据", c.legal_basis.clone()),
        ],
        conditions: c.conditions.clone(),
        questions,
        situations,
        materials,
        notice_reasons,
        notice_rules,
        limits: limits(src, lang),
        steps: c.steps.clone(),
        listing: src.listing.as_ref().map(|e| {
            let modes: Vec<String> = e.modes.iter().map(|m| label(m.label())).collect();
            let levels: Vec<String> = e.levels.iter().map(|l| label(l.label())).collect();
            text!(
                "第{batch}批全域通办清单；通办模式：{modes}；可受理的大厅层级：{levels}",
                batch = e.batch,
                modes = list(lang, &modes),
                levels = list(lang, &levels)
            )
            .render(lang)
        }),
        modes: (window_modes(src).into_iter())
            .map(|m| mode_steps(m, lang))
            .collect(),
        contacts,
    }
}

/// The usual reasons a window issues a one-time notice for this item,
/// phrased from the catalogue: a material missing (per situation), each
/// review point not met, the form and copies; and the rules around it.
fn notice_reasons(src: &GuideMapSource, lang: Lang) -> (Vec<String>, Vec<String>) {
    let c = &src.version.content;
    let mut reasons = Vec::new();
    for m in &c.materials {
        let name = m.name.clone();
        let missing = if m.required {
            text!("未提交《{name}》", name = name.clone())
        } else {
            let when = situations_needing(src, m);
            if when.is_empty() {
                text!("所属情形需要而未提交《{name}》", name = name.clone())
            } else {
                text!(
                    "属“{situations}”情形而未提交《{name}》",
                    situations = list(lang, &when),
                    name = name.clone()
                )
            }
        };
        let missing = match &m.license {
            Some(l) => text!(
                "{missing}（可调取电子{license}的，不应要求补交）",
                missing = missing,
                license = l.clone()
            ),
            None => missing,
        };
        reasons.push(missing.render(lang));
        let form = text!(
            "《{name}》份数或形式不符：应为{form}{copies}份",
            name = name.clone(),
            form = m.form.label(),
            copies = m.copies
        );
        reasons.push(form.render(lang));
        for p in &m.review_points {
            let r = text!(
                "《{name}》不符合审查要点：{point}",
                name = name.clone(),
                point = p.clone()
            );
            reasons.push(r.render(lang));
        }
    }
    let mut rules = vec![
        text!("须当场或者在五日内一次性告知需要补正的全部内容（《行政许可法》第三十二条）；补正期间不计入办理时限。").render(lang),
    ];
    if !c.conditions.trim().is_empty() {
        rules.push(
            text!(
                "不符合受理条件的，不是补正：出具不予受理通知书并说明理由。受理条件：{conditions}",
                conditions = c.conditions.clone()
            )
            .render(lang),
        );
    }
    (reasons, rules)
}

/// Time limits, fee, result, visits.
fn limits(src: &GuideMapSource, lang: Lang) -> Vec<(&'static str, String)> {
    let c = &src.version.content;
    let mut out = vec![
        (
            "承诺时限",
            if c.instant {
                text!("即办件（当场办结）")
            } else {
                text!("{days}个工作日", days = c.promised_days)
            },
        ),
        (
            "法定时限",
            if c.legal_days > 0 {
                text!("{days}个工作日", days = c.legal_days)
            } else {
                text!("法律未规定")
            },
        ),
        (
            "计时",
            text!("自受理起按工作日计算；补正、特别程序期间暂停"),
        ),
        ("收费", tongban_domain::i18n::Text::raw(c.fee.clone())),
        (
            "办理结果",
            text!(
                "{kind}：{name}",
                kind = c.result_type.label(),
                name = c.result_name.clone()
            ),
        ),
        ("最多跑动次数", text!("{n}次", n = c.max_visits)),
        ("网上办理深度", text!("{n}星", n = c.online_stars)),
    ];
    // An inferred limit is never shown as official.
    if c.limits_source == LimitsSource::Inferred {
        out.push(("时限来源", LimitsSource::Inferred.label().into()));
    }
    out.into_iter().map(|(k, v)| (k, v.render(lang))).collect()
}

/// Who takes which step in `mode`, read off the state machine: every step
/// from every status it may be taken from.
pub fn mode_steps(mode: Mode, lang: Lang) -> ModeSteps {
    let mut steps = Vec::new();
    for &a in Step::ALL {
        for &s in Status::ALL {
            let Ok(t) = transition(mode, s, a, Some(true), None) else {
                continue;
            };
            let by: Vec<String> = (t.by.iter())
                .map(|b| match b {
                    Side::Window => "窗口",
                    Side::Department => "审批部门",
                    Side::Applicant => "申请人",
                })
                .map(|b| tr(lang, b).into_owned())
                .collect();
            let to = match a {
                Step::Decide => "准予或不予",
                Step::SupplementProvided | Step::Resume => "回到此前状态",
                _ => t.to.label(),
            };
            let to = tr(lang, to).into_owned();
            use tongban_domain::case::ClockEffect as C;
            steps.push(StepText {
                step: a.label(),
                from: s.label(),
                to,
                by: list(lang, &by),
                right: (t.by.contains(&Side::Window))
                    .then(|| window_right(mode, a))
                    .flatten()
                    .map(Right::label),
                clock: match t.clock {
                    C::None => "",
                    C::Start => "开始计时",
                    C::Pause => "暂停计时",
                    C::Resume => "恢复计时",
                    C::Stop => "停止计时",
                },
            });
        }
    }
    ModeSteps {
        mode: mode.label(),
        steps,
    }
}

#[cfg(test)]
mod tests;
