//! The workbench (工作台): the cases the actor sees, soonest due first, under
//! a heading that says whose they are; whether he may open a case here; the
//! platform's warning of a year without official holidays.

use crate::views::CaseView;
use crate::{Actor, App, AppResult, Lookups};
use serde::Serialize;
use tongban_domain::authz::{Action, CaseVisibility, Opener, Trust, authorize, case_visibility};

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
    pub create_label: Option<&'static str>,
    /// His list has a due order, so it can show only the overdue cases.
    pub can_filter_overdue: bool,
    /// They are his own cases (an applicant): his notices show with them.
    pub own_cases: bool,
    /// The department's or the hall's cases per status, as kept (the list
    /// itself is paged and counts nothing): (status label, count).
    pub counts: Vec<(&'static str, i64)>,
    /// A year of the working-day clock has no official holidays yet (for
    /// whoever may enter them).
    pub calendar_warning: Option<String>,
}

/// The workbench of the actor, with a page of `limit` cases from `cursor`
/// (`overdue`: only the overdue ones, where the list has a due order).
pub async fn workbench(
    app: &App,
    actor: &Actor,
    limit: usize,
    cursor: Option<&str>,
    overdue: bool,
) -> AppResult<Workbench> {
    let visibility = case_visibility(actor.who());
    let can_filter_overdue = super::list_order(visibility, true) == tongban_store::CaseOrder::Due;
    let q = super::ListQuery {
        by_due_date: true,
        overdue: overdue && can_filter_overdue,
        ..Default::default()
    };
    let list = super::list_cases(app, actor, q, limit, cursor).await?;
    let heading = match visibility {
        CaseVisibility::Applicant(_) => "我的办件",
        CaseVisibility::Department(_) => "部门工作台：待办办件",
        CaseVisibility::All => "全部办件",
        CaseVisibility::Hall { .. } | CaseVisibility::Nothing => "窗口工作台",
    };
    let create_label = match Opener::of(actor.who()) {
        Opener::Applicant => Some("在线申请"),
        Opener::Helper | Opener::Window => Some("新办件"),
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
        counts,
        calendar_warning,
    })
}

/// This year and next: those without official holidays yet.
async fn calendar_warning(app: &App, actor: &Actor) -> AppResult<Option<String>> {
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let missing: Vec<String> = (lookups.data().cal.missing_years(app.now.today()))
        .iter()
        .map(i32::to_string)
        .collect();
    let mut lines = Vec::new();
    if !missing.is_empty() {
        lines.push(format!(
            "注意：{} 年尚无官方放假安排，跨入该年的办结期限暂按法定节假日推算（未含调休安排），标注为临时。请在国务院办公厅公布后录入。",
            missing.join("、")
        ));
    }
    if let Some(job) = app.store.due_refresh().await?
        && job.finished_at.is_none()
    {
        lines.push(format!(
            "正在按 {} 年的新放假安排在后台重新计算在办件的办结期限：已完成 {} 件。",
            job.year, job.done
        ));
    }
    Ok((!lines.is_empty()).then(|| lines.join(" ")))
}
