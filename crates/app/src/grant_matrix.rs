//! The grant matrix of a department (授权矩阵): one row per hall, one cell
//! per right saying what the hall holds today — its own, granted (to when,
//! for which items, soon expiring) or why not (revoked, expired, not yet in
//! force, never granted) — with the department's grant history and what the
//! forms to grant may choose from.

use crate::grants::{EXPIRING_DAYS, view};
use crate::{Actor, App, AppError, AppResult, Lookups, RefData};
use serde::Serialize;
use time::Date;
use tongban_domain::DepartmentId;
use tongban_domain::authz::{Action, Trust, authorize};
use tongban_domain::city::{Department, RegionLevel};
use tongban_domain::grant::{Grant, HallPlace, Right, own_hall};
use tongban_domain::i18n::Text;
use tongban_domain::text;

/// One department's grants, as its page shows them.
#[derive(Debug, Serialize)]
pub struct GrantMatrix {
    /// The department.
    pub dept: Choice,
    /// Every department, the one shown selected.
    pub departments: Vec<Choice>,
    /// May the actor grant and revoke for it?
    pub may_manage: bool,
    /// The matrix.
    pub rows: Vec<MatrixRow>,
    /// Its grants, newest first.
    pub history: Vec<HistoryRow>,
    /// The halls, the levels, the regions and the rights to grant to.
    pub halls: Vec<Choice>,
    /// Hall levels.
    pub levels: Vec<Labelled>,
    /// Regions a level grant may cover (city, county, town).
    pub regions: Vec<Labelled>,
    /// The rights.
    pub rights: Vec<Labelled>,
    /// Today, and the end of next year (the form's defaults).
    pub today: String,
    /// The last day of next year.
    pub next_year_end: String,
}

/// Something to choose by id.
#[derive(Debug, Serialize)]
pub struct Choice {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Chosen now.
    pub selected: bool,
}

/// Something to choose by key.
#[derive(Debug, Serialize)]
pub struct Labelled {
    /// Its key.
    pub id: String,
    /// Its label.
    pub label: Text,
}

/// A hall's row.
#[derive(Debug, Serialize)]
pub struct MatrixRow {
    /// The hall.
    pub hall: String,
    /// Its level, in words.
    pub level: &'static str,
    /// A pilot hall.
    pub pilot: bool,
    /// One cell per right, in [`Right::ALL`] order.
    pub cells: Vec<Cell>,
}

/// What a hall holds of one right today.
#[derive(Debug, Serialize)]
pub struct Cell {
    /// `own`, `granted`, `expiring` or `none`.
    pub state: &'static str,
    /// In words.
    pub text: Text,
}

/// A grant in the history.
#[derive(Debug, Serialize)]
pub struct HistoryRow {
    /// Its id.
    pub id: i64,
    /// Who holds it, in words.
    pub grantee: Text,
    /// The rights, in words.
    pub rights: Vec<&'static str>,
    /// The items, or "全部事项".
    pub items: Text,
    /// First day.
    pub valid_from: String,
    /// Last day.
    pub valid_to: String,
    /// Why.
    pub reason: String,
    /// When granted ("YYYY-MM-DD HH:MM").
    pub granted_at: String,
    /// `active`, `expired`, `not_yet_valid` or `revoked`.
    pub state: String,
    /// In words.
    pub state_label: Text,
    /// Ending within [`EXPIRING_DAYS`].
    pub expiring: bool,
    /// The revocation.
    pub revoked: Option<Revoked>,
}

/// A revocation.
#[derive(Debug, Serialize)]
pub struct Revoked {
    /// When ("YYYY-MM-DD HH:MM").
    pub at: String,
    /// Why.
    pub reason: String,
}

/// The matrix of the department asked for, else the actor's own, else the
/// first (not found when the city has none).
pub async fn grant_matrix(app: &App, actor: &Actor, asked: Option<i64>) -> AppResult<GrantMatrix> {
    actor.authorize(Action::ReadGrants, &Trust::NONE)?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let data = lookups.data();
    let today = app.now.today();
    let dept = asked
        .map(DepartmentId)
        .filter(|d| data.departments.iter().any(|x| x.id == *d))
        .or(actor.user.scope.department())
        .and_then(|id| data.departments.iter().find(|d| d.id == id))
        .or(data.departments.first())
        .ok_or(AppError::Store(tongban_store::StoreError::NotFound))?;
    let manage = Action::ManageGrants { grantor: dept.id };
    let mine: Vec<&Grant> = data
        .grants
        .iter()
        .filter(|g| g.grantor == dept.id)
        .collect();
    let choice = |id, name: &str, selected| Choice {
        id,
        name: name.to_owned(),
        selected,
    };
    Ok(GrantMatrix {
        dept: choice(dept.id.0, &dept.name, true),
        departments: (data.departments.iter())
            .map(|d| choice(d.id.0, &d.name, d.id == dept.id))
            .collect(),
        may_manage: authorize(actor.who(), manage, &Trust::NONE).is_ok(),
        rows: rows(data, dept, &mine, today),
        history: mine
            .iter()
            .rev()
            .map(|g| history_row(data, g, today))
            .collect(),
        halls: (data.halls.iter())
            .map(|h| choice(h.id.0, &h.name, false))
            .collect(),
        levels: labelled((RegionLevel::ALL.iter()).map(|l| (l.as_str(), Text::from(l.label())))),
        regions: labelled(
            (data.regions.iter())
                .filter(|r| {
                    matches!(
                        r.level,
                        RegionLevel::City | RegionLevel::County | RegionLevel::Town
                    )
                })
                .map(|r| (r.code.as_str(), Text::raw(&r.name))),
        ),
        rights: labelled(
            Right::ALL
                .iter()
                .map(|r| (r.as_str(), Text::from(r.label()))),
        ),
        today: today.to_string(),
        next_year_end: format!("{}-12-31", today.year() + 1),
    })
}

fn labelled<'a>(l: impl Iterator<Item = (&'a str, Text)>) -> Vec<Labelled> {
    l.map(|(id, label)| Labelled {
        id: id.to_owned(),
        label,
    })
    .collect()
}

fn rows(data: &RefData, dept: &Department, mine: &[&Grant], today: Date) -> Vec<MatrixRow> {
    data.halls
        .iter()
        .filter_map(|h| {
            let place = data.places.iter().find(|p| p.hall == h.id)?;
            let own = own_hall(dept, place);
            Some(MatrixRow {
                hall: h.name.clone(),
                level: h.level.label(),
                pilot: h.pilot,
                cells: (Right::ALL.iter())
                    .map(|&r| cell(own, mine, place, r, today))
                    .collect(),
            })
        })
        .collect()
}

/// What the hall at `place` holds of `right` today, from the department's
/// grants `mine`.
fn cell(own: bool, mine: &[&Grant], place: &HallPlace, right: Right, today: Date) -> Cell {
    let cell = |state, text: Text| Cell { state, text };
    if own {
        return cell("own", "本部门窗口".into());
    }
    let covering: Vec<&&Grant> = mine
        .iter()
        .filter(|g| g.rights.contains(&right) && g.grantee.covers(place))
        .collect();
    let live: Vec<_> = covering.iter().filter(|g| g.in_force(today)).collect();
    if let Some(g) = live.iter().find(|g| g.items.is_none()).or(live.first()) {
        let expiring = (g.valid_to - today).whole_days() <= EXPIRING_DAYS;
        let scope: Text = match &g.items {
            None => "全部事项".into(),
            Some(l) => text!("{n}项事项", n = l.len()),
        };
        let text = if expiring {
            text!(
                "{scope}，至{to}（即将到期）",
                scope = scope,
                to = g.valid_to
            )
        } else {
            text!("{scope}，至{to}", scope = scope, to = g.valid_to)
        };
        return cell(if expiring { "expiring" } else { "granted" }, text);
    }
    // Nothing in force: say why.
    let why = if covering.iter().any(|g| g.revoked.is_some()) {
        "已撤销"
    } else if covering.iter().any(|g| today > g.valid_to) {
        "已过期"
    } else if !covering.is_empty() {
        "尚未生效"
    } else {
        "未授权"
    };
    cell("none", why.into())
}

fn history_row(data: &RefData, g: &Grant, today: Date) -> HistoryRow {
    let v = view(data, g, today);
    let minute = |at: &str| at.get(..16).unwrap_or("").replace('T', " ");
    HistoryRow {
        id: v.id,
        grantee: v.grantee.label,
        rights: v.rights.iter().map(|r| r.label()).collect(),
        items: v
            .items
            .map_or_else(|| "全部事项".into(), |l| Text::raw(l.join("、"))),
        valid_from: v.valid_from,
        valid_to: v.valid_to,
        reason: v.reason,
        granted_at: minute(&v.granted_at),
        state_label: match v.state.as_str() {
            "active" => "有效",
            "expired" => "已过期",
            "revoked" => "已撤销",
            _ => "尚未生效",
        }
        .into(),
        state: v.state,
        expiring: v.expiring,
        revoked: v.revoked.map(|r| Revoked {
            at: minute(&r.at),
            reason: r.reason,
        }),
    }
}
