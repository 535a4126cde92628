//! Notices to departments: a case that arrives at a department from a hall
//! that is not the department's own (modes 2 and 3, when the window submits
//! it) is told at once to the department's on-duty reviewers — in their
//! workbench and by text message through the outbox, both written with the
//! step — and watched: if it still stands where it arrived after the
//! configured working hours, the worker tells the department's admins.

use crate::{Actor, App, AppResult, Lookups};
use tongban_domain::DepartmentId;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::case::{Action as Step, Status};
use tongban_domain::grant::own_hall;
use tongban_domain::tongban::Mode;
use tongban_domain::user::Role;
use tongban_store::outbox::{MessageKind, NewMessage};
use tongban_store::{CaseChange, CaseRecord};

/// Working hours after which an arrival nobody took up is told to the
/// department's admins, unless configured otherwise.
pub const DEFAULT_ARRIVAL_HOURS: u32 = 4;

/// Whether this step makes the case arrive at its department from another
/// place: a window's submission in 受审分离 or 收受分离, received at a hall
/// that is not one of the department's own.
pub fn arrives(lookups: &Lookups, c: &CaseRecord, step: Step, to: Status) -> bool {
    let remote = matches!(c.mode, Mode::AcceptRemote | Mode::CollectRemote);
    let waiting = matches!(to, Status::Submitted | Status::PreReview);
    let data = lookups.data();
    let elsewhere = match (
        c.hall,
        data.departments.iter().find(|d| d.id == c.department),
    ) {
        (Some(h), Some(d)) => data
            .places
            .iter()
            .find(|p| p.hall == h)
            .is_some_and(|p| !own_hall(d, p)),
        _ => false,
    };
    step == Step::Submit && remote && waiting && elsewhere
}

/// Adds the arrival's notices to the step's change: each on-duty reviewer
/// told in the workbench, and by text to his mobile; the case watched.
pub async fn announce(
    app: &App,
    lookups: &Lookups,
    c: &CaseRecord,
    change: &mut CaseChange,
) -> AppResult<()> {
    let reviewers = app
        .store
        .department_staff(c.department, Role::Reviewer, true)
        .await?;
    let hall = (c.hall)
        .and_then(|h| lookups.data().halls.iter().find(|x| x.id == h))
        .map_or("服务中心", |h| h.name.as_str());
    let text = format!(
        "新办件到达：{}（{}），由{hall}收件，请及时处理",
        c.item_name, c.case_no
    );
    for (user, phone) in reviewers {
        change.staff_notices.push((user, text.clone()));
        if let Some(p) = phone {
            change.messages.push(NewMessage {
                kind: MessageKind::Sms,
                recipient: p,
                body: format!("【全域通办】{text}。"),
            });
        }
    }
    let hours = app.arrival_hours.unwrap_or(DEFAULT_ARRIVAL_HOURS);
    change.watch_until = Some(lookups.data().cal.add_working_hours(app.now.ms(), hours));
    Ok(())
}

/// Watches looked at per pass.
const PASS: i64 = 100;

/// One pass of the worker: every watch due now ends; where the case still
/// stands where it arrived (same version), the department's admins are
/// told, in the workbench and by text. Answers how many were told.
pub async fn escalate_due(app: &App) -> AppResult<usize> {
    let now = app.now.ms();
    let mut told = 0;
    for w in app.store.due_watches(now, PASS).await? {
        let c = app
            .store
            .case_by_id(tongban_domain::CaseId(w.case_id))
            .await?;
        let (mut notices, mut messages) = (Vec::new(), Vec::new());
        if c.version == w.version && c.status.as_str() == w.status {
            let hours = app.arrival_hours.unwrap_or(DEFAULT_ARRIVAL_HOURS);
            let text = format!(
                "办件 {}（{}）到达已超过{hours}个工作小时，仍无人处理，请安排受理",
                c.case_no, c.item_name
            );
            let admins = app
                .store
                .department_staff(DepartmentId(w.department_id), Role::DepartmentAdmin, false)
                .await?;
            for (user, phone) in admins {
                notices.push((user, text.clone()));
                if let Some(p) = phone {
                    messages.push(NewMessage {
                        kind: MessageKind::Sms,
                        recipient: p,
                        body: format!("【全域通办】{text}。"),
                    });
                }
            }
        }
        let wrote = !notices.is_empty() || !messages.is_empty();
        if app
            .store
            .close_watch(w.case_id, &notices, &messages, now)
            .await?
            && wrote
        {
            told += 1;
        }
    }
    if told > 0 {
        app.outbox.wake();
    }
    Ok(told)
}

/// Puts the actor on duty or off (a department's reviewers: those on duty
/// are told of arrivals).
pub async fn set_on_duty(app: &App, actor: &Actor, on: bool) -> AppResult<bool> {
    actor.authorize(Action::ReadOwnAccount, &Trust::NONE)?;
    if actor.user.role != Role::Reviewer {
        return Err(crate::AppError::field(
            "on_duty",
            "duty.role",
            "只有审批人员设置在岗状态",
        ));
    }
    app.store.set_on_duty(actor.user.id, on).await?;
    Ok(on)
}

/// Whether the actor is on duty (reviewers; none for others).
pub async fn on_duty(app: &App, actor: &Actor) -> AppResult<Option<bool>> {
    if actor.user.role != Role::Reviewer {
        return Ok(None);
    }
    Ok(Some(app.store.on_duty(actor.user.id).await?))
}
