//! The workbench (工作台): the cases the actor sees, soonest due first, under
//! a heading that says whose they are; whether he may open a case here; the
//! platform's warning of a year without official holidays.

use crate::views::CaseView;
use crate::{Actor, App, AppResult, Lookups};
use serde::Serialize;
use tongban_domain::authz::{Action, CaseVisibility, Opener, Trust, authorize, case_visibility};
use tongban_domain::i18n::Text;
use tongban_domain::text;

/// The workbench as the actor sees it.
#[derive(Debug, Serialize)]
pub struct Workbench {
    /// Whose cases these are.
    pub heading: &'static str,
    /// A page of them (overdue, then nearest deadlines, then the rest).
    pub cases: Vec<CaseView>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// He may open a case, and how the link says it.
    pub create_label: Option<Text>,
    /// His list has a due order, so it can show only the overdue cases.
    pub can_filter_overdue: bool,
    /// The inbox's filters (a department's or a hall's staff), with the
    /// values chosen.
    pub filters: Option<InboxFilters>,
    /// The places he may go from here (only those his role may use).
    pub links: Vec<Link>,
    /// The steps he may take on several cases of the list at once:
    /// (step, label); none for an applicant.
    pub bulk_steps: Vec<(&'static str, &'static str)>,
    /// They are his own cases (an applicant): his notices show with them.
    pub own_cases: bool,
    /// The department's or the hall's cases per status, as kept (the list
    /// itself is paged and counts nothing): (status label, count).
    pub counts: Vec<(&'static str, i64)>,
    /// A year of the working-day clock has no official holidays yet (for
    /// whoever may enter them).
    pub calendar_warning: Option<Text>,
}

/// A link of the workbench.
#[derive(Debug, Serialize)]
pub struct Link {
    /// Its words.
    pub label: Text,
    /// Where it goes.
    pub href: &'static str,
}

/// The inbox's filters: the choices and what is chosen.
#[derive(Debug, Serialize)]
pub struct InboxFilters {
    /// Statuses to choose from: (value, label).
    pub statuses: Vec<(&'static str, &'static str)>,
    /// Items to choose from: (code, name).
    pub items: Vec<(String, String)>,
    /// Receiving halls to choose from: (id, name).
    pub halls: Vec<(String, String)>,
    /// The status chosen.
    pub status: Option<&'static str>,
    /// The item chosen.
    pub item: Option<String>,
    /// The hall chosen.
    pub hall: Option<String>,
    /// Received from (YYYY-MM-DD).
    pub from: Option<String>,
    /// Received to (YYYY-MM-DD).
    pub to: Option<String>,
    /// Any filter is set.
    pub any: bool,
}

/// What the workbench's list is asked for.
#[derive(Debug, Default, Clone)]
pub struct WorkbenchQuery {
    /// Only the overdue ones (where the list has a due order).
    pub overdue: bool,
    /// Only this status.
    pub status: Option<tongban_domain::case::Status>,
    /// Only this item.
    pub item: Option<String>,
    /// Only cases received at this hall.
    pub hall: Option<i64>,
    /// Received on or after.
    pub from: Option<time::Date>,
    /// Received on or before.
    pub to: Option<time::Date>,
}

/// The workbench of the actor, with a page of `limit` cases from `cursor`,
/// filtered as asked where the list has a due order (staff inboxes).
pub async fn workbench(
    app: &App,
    actor: &Actor,
    limit: usize,
    cursor: Option<&str>,
    wq: &WorkbenchQuery,
) -> AppResult<Workbench> {
    let visibility = case_visibility(actor.who());
    let can_filter_overdue = super::list_order(visibility, true) == tongban_store::CaseOrder::Due;
    let q = match can_filter_overdue {
        true => super::ListQuery {
            by_due_date: true,
            overdue: wq.overdue,
            statuses: wq.status.into_iter().collect(),
            item: wq.item.clone().map(tongban_domain::ItemCode),
            hall: wq.hall.map(tongban_domain::HallId),
            received_from: wq.from,
            received_to: wq.to,
        },
        false => super::ListQuery {
            by_due_date: true,
            ..Default::default()
        },
    };
    let list = super::list_cases(app, actor, q, limit, cursor).await?;
    let filters = match can_filter_overdue {
        true => Some(inbox_filters(app, actor, wq).await?),
        false => None,
    };
    let may = |a: Action| authorize(actor.who(), a, &Trust::NONE).is_ok();
    let mut links = Vec::new();
    if may(Action::ListCases) && !matches!(visibility, CaseVisibility::Applicant(_)) {
        links.push(Link {
            label: "导出办件清单（CSV，证件号码和电话已遮盖）".into(),
            href: "/api/v1/cases/export.csv",
        });
    }
    if may(Action::ReadRectifications) {
        links.push(Link {
            label: "差评整改".into(),
            href: "/work/rectifications",
        });
    }
    if may(Action::ManageListBatches) {
        links.push(Link {
            label: "通办清单批次".into(),
            href: "/work/list-batches",
        });
    }
    if let Some(hall) = actor.user.scope.hall()
        && may(Action::ReadHallAppointments { hall })
    {
        links.push(Link {
            label: "本中心预约".into(),
            href: "/appointments",
        });
    }
    let heading = match visibility {
        CaseVisibility::Applicant(_) => "我的办件",
        CaseVisibility::Department(_) => "部门工作台：待办办件",
        CaseVisibility::All => "全部办件",
        CaseVisibility::Hall { .. } | CaseVisibility::Nothing => "窗口工作台",
    };
    let create_label = match Opener::of(actor.who()) {
        Opener::Applicant => Some("在线申请".into()),
        Opener::Helper | Opener::Window => Some("新办件".into()),
        Opener::Nobody => None,
    };
    // The kept counts of the department's, or the receiving hall's, cases.
    let scope = match visibility {
        CaseVisibility::Department(d) => Some(tongban_store::CountScope::Department(d)),
        CaseVisibility::Hall { hall: Some(h), .. } => Some(tongban_store::CountScope::Hall(h)),
        _ => None,
    };
    let counts = match scope {
        Some(scope) => app
            .store
            .status_counts(scope)
            .await?
            .into_iter()
            .map(|(s, n)| (s.label(), n))
            .collect(),
        None => vec![],
    };
    let calendar_warning = match authorize(actor.who(), Action::EditCalendar, &Trust::NONE) {
        Ok(()) => calendar_warning(app, actor).await?,
        Err(_) => None,
    };
    Ok(Workbench {
        heading,
        cases: list.data,
        next: list.next,
        create_label,
        own_cases: matches!(visibility, CaseVisibility::Applicant(_)),
        can_filter_overdue,
        bulk_steps: match can_filter_overdue {
            true => super::BULK_STEPS
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
            false => vec![],
        },
        filters,
        links,
        counts,
        calendar_warning,
    })
}

/// This year and next: those without official holidays yet.
async fn calendar_warning(app: &App, actor: &Actor) -> AppResult<Option<Text>> {
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let missing: Vec<String> = (lookups.data().cal.missing_years(app.now.today()))
        .iter()
        .map(i32::to_string)
        .collect();
    let mut lines = Vec::new();
    if !missing.is_empty() {
        lines.push(text!(
            "注意：{years} 年尚无官方放假安排，跨入该年的办结期限暂按法定节假日推算（未含调休安排），标注为临时。请在国务院办公厅公布后录入。",
            years = missing.join("、")
        ));
    }
    if let Some(job) = app.store.due_refresh().await?
        && job.finished_at.is_none()
    {
        lines.push(text!(
            "正在按 {year} 年的新放假安排在后台重新计算在办件的办结期限：已完成 {done} 件。",
            year = job.year,
            done = job.done
        ));
    }
    Ok((!lines.is_empty()).then(|| Text::join(lines, " ")))
}

/// The inbox's filter choices: statuses, the items of the 通办 list, the
/// city's halls, with what is chosen.
async fn inbox_filters(app: &App, actor: &Actor, wq: &WorkbenchQuery) -> AppResult<InboxFilters> {
    use tongban_domain::case::Status;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    // The listed items, from the catalogue cached per revision and day (no
    // read of every item version per page).
    let index = app
        .catalogue
        .index(app.store.as_ref(), lookups.today())
        .await?;
    let items: Vec<(String, String)> = (index.docs().iter())
        .filter(|d| !d.modes.is_empty())
        .map(|d| (d.summary.code.as_str().to_owned(), d.summary.name.clone()))
        .collect();
    Ok(InboxFilters {
        statuses: Status::ALL
            .iter()
            .filter(|s| !matches!(s, Status::Draft))
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        items,
        halls: (lookups.data().halls.iter())
            .map(|h| (h.id.0.to_string(), h.name.clone()))
            .collect(),
        status: wq.status.map(|s| s.as_str()),
        item: wq.item.clone(),
        hall: wq.hall.map(|h| h.to_string()),
        from: wq.from.map(|d| d.to_string()),
        to: wq.to.map(|d| d.to_string()),
        any: wq.status.is_some()
            || wq.item.is_some()
            || wq.hall.is_some()
            || wq.from.is_some()
            || wq.to.is_some()
            || wq.overdue,
    })
}
