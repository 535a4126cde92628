//! Taking a step on a case: the mode's state machine says whether the step
//! exists now and whose it is; the one authorisation rule says whether this
//! actor is that side (a window acting for another department needs the
//! right); the clock starts, pauses, resumes and stops with the step; the
//! applicant is told by text message, through the outbox.

use super::{ActionBody, Idem, MaterialProblem, Outcome, keyed, visible_case};
use crate::views::scope_of;
use crate::{Actor, App, AppError, AppResult, Lookups};
use time::Date;
use tongban_domain::authz::Action;
use tongban_domain::calendar::Pause;
use tongban_domain::case::tally;
use tongban_domain::case::{
    Action as Step, ClockEffect, DeliveryMethod, Refusal, Side, Transition, remember_for_return,
    transition,
};
use tongban_domain::catalogue::MaterialSpec;
use tongban_domain::intake::Applicant;
use tongban_domain::text;
use tongban_domain::tongban::Mode;
use tongban_domain::{FieldError, HallId, ValidationErrors};
use tongban_store::outbox::{MessageKind, NewMessage};
use tongban_store::{CaseChange, CaseRecord, IdemWrite, NewEvent, StoreError};

/// Takes a step on a case (the API, the workbench and the kiosk share it).
/// Send an [`Idem`] to retry safely.
pub async fn take_step(
    app: &App,
    actor: &Actor,
    case_no: &str,
    step: &str,
    cmd: ActionBody,
    idem: Option<Idem>,
) -> AppResult<Outcome> {
    keyed(
        app,
        idem.as_ref(),
        step_once(app, actor, case_no, step, cmd, idem.as_ref()),
    )
    .await
}

/// The steps a staff inbox may take on several cases at once: those that
/// ask nothing of each case but its version (受理, 办结).
pub const BULK_STEPS: &[Step] = &[Step::Accept, Step::Complete];

/// Takes one of [`BULK_STEPS`] on each case picked (case number and the
/// version the list showed), each as its own step — authorised, checked and
/// written exactly as one taken on the case page; answers each case's
/// outcome in order. At most 50 at once.
pub async fn bulk_step(
    app: &App,
    actor: &Actor,
    step: &str,
    picks: &[(String, i64)],
) -> AppResult<Vec<(String, AppResult<Outcome>)>> {
    let Some(s) = Step::parse(step).filter(|s| BULK_STEPS.contains(s)) else {
        return Err(AppError::field(
            "step",
            "bulk.step",
            "只能批量受理或批量办结",
        ));
    };
    if picks.is_empty() || picks.len() > 50 {
        return Err(AppError::field("cases", "bulk.cases", "请选择1至50件办件"));
    }
    let mut out = Vec::with_capacity(picks.len());
    for (case_no, version) in picks {
        let body = ActionBody {
            version: *version,
            ..ActionBody::default()
        };
        out.push((
            case_no.clone(),
            take_step(app, actor, case_no, s.as_str(), body, None).await,
        ));
    }
    Ok(out)
}

async fn step_once(
    app: &App,
    actor: &Actor,
    case_no: &str,
    step: &str,
    mut cmd: ActionBody,
    idem: Option<&Idem>,
) -> AppResult<Outcome> {
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let c = visible_case(app, actor, case_no).await?;
    let step = Step::parse(step).ok_or_else(|| AppError::NoSuchStep(step.to_owned()))?;
    if cmd.version != c.version {
        return Err(AppError::stale(Some(c.version)));
    }
    let t = transition(c.mode, c.status, step, cmd.approved, c.resume_to).map_err(|r| {
        if matches!(r, Refusal::MissingDecision) {
            AppError::field("approved", "required", r.message(step))
        } else {
            AppError::Conflict {
                code: "case.invalid_transition",
                message: r.message(step),
                current_version: None,
            }
        }
    })?;
    // The department delivers the way the applicant chose, unless it says otherwise.
    if step == Step::Deliver
        && cmd.method.is_none()
        && let Some(d) = &c.delivery
    {
        cmd.method = Some(d.method.as_str().into());
        cmd.address.clone_from(&d.address);
        cmd.hall = d.hall.map(|h| h.0);
    }
    let payload = payload_for(step, &cmd, &c.materials)?;
    let pickup_hall = pickup_hall_for(&lookups, &c, step, &cmd)?;
    // The hand-over happens at the pickup hall chosen by this very step.
    let mut case_scope = scope_of(&c);
    case_scope.pickup_hall = pickup_hall.or(case_scope.pickup_hall);
    actor.authorize(
        Action::CaseStep {
            case: case_scope,
            step,
            window: t.by.contains(&Side::Window),
            department: t.by.contains(&Side::Department),
            applicant: t.by.contains(&Side::Applicant),
        },
        &lookups.trust(),
    )?;
    // A remote acceptance needs the applicant's identity checked (视频核验
    // or originals seen at a window) where the checklist asks for it.
    if tongban_domain::video::needs_identity_check(c.mode, step, &c.materials) {
        let evidence = crate::video::identity_evidence(app, &c).await?;
        tongban_domain::video::check_identity(c.mode, step, &c.materials, &evidence).map_err(
            |missing| AppError::Conflict {
                code: tongban_domain::video::IdentityUnverified::CODE,
                message: missing.message(),
                current_version: None,
            },
        )?;
    }
    let mut payload = payload;
    match c.mode {
        Mode::Online => online_materials_complete(app, &c, step).await?,
        Mode::CollectRemote if matches!(step, Step::Submit | Step::PreReviewPass) => {
            if let Some(e) = electronic_file(app, &c, &cmd).await? {
                payload["exception"] = e;
            }
        }
        _ => {}
    }
    let mut change = change_for(&c, step, &t, lookups.today(), pickup_hall);
    let accepted_on = change.accepted_on.or(c.accepted_on);
    change.due_on = super::clock::due_on(&lookups, &c, t.to, accepted_on, &change.pauses);
    // Decided after the due date the running clock kept: late.
    let late = step == Step::Decide && c.due_on.is_some_and(|d| lookups.today() > d);
    change.tallies = tally::on_step(
        c.status,
        t.to,
        step,
        matches!(t.clock, ClockEffect::Start),
        cmd.approved,
        late,
        lookups.today(),
    );
    if super::arrivals::arrives(&lookups, &c, step, t.to) {
        super::arrivals::announce(app, &lookups, &c, &mut change).await?;
    }
    let event = super::event(app, actor, step.as_str(), payload);
    apply(app, &lookups, &c, &change, &event, idem).await
}

/// The change a step makes: the new status, the clock, and the applicant's
/// notice — on the case page, and by text message to the applicant's phone,
/// sent from the outbox once the change is durable (a failing gateway never
/// undoes the step).
fn change_for(
    c: &CaseRecord,
    step: Step,
    t: &Transition,
    today: Date,
    pickup_hall: Option<HallId>,
) -> CaseChange {
    let notify = format!(
        "您的办件 {}（{}）：{}，当前状态：{}",
        c.case_no,
        c.item_name,
        step.label(),
        t.to.label()
    );
    let mut messages = vec![];
    if let Applicant::Person { phone, .. } = &c.applicant
        && !phone.is_empty()
    {
        messages.push(NewMessage {
            kind: MessageKind::Sms,
            recipient: phone.clone(),
            body: notify.clone(),
        });
    }
    let mut pauses: Vec<Pause> = c.pauses.clone();
    let close_pause = |pauses: &mut Vec<Pause>| {
        if let Some(p) = pauses.iter_mut().rev().find(|p| p.to.is_none()) {
            p.to = Some(today);
        }
    };
    let (mut accepted_on, mut decided_on) = (None, None);
    match t.clock {
        ClockEffect::Start => accepted_on = Some(today),
        ClockEffect::Pause => pauses.push(Pause {
            from: today,
            to: None,
        }),
        ClockEffect::Resume => close_pause(&mut pauses),
        ClockEffect::Stop => {
            close_pause(&mut pauses);
            if step == Step::Decide {
                decided_on = Some(today);
            }
        }
        ClockEffect::None => {}
    }
    CaseChange {
        staff_notices: Default::default(),
        watch_until: Default::default(),
        status: t.to,
        accepted_on,
        decided_on,
        pauses,
        resume_to: remember_for_return(c.status, step),
        pickup_hall,
        notify: Some(notify),
        messages,
        due_on: None,
        tallies: vec![],
    }
}

/// Writes the change and its event (and the answer a retry with the same
/// key will get) in one transaction, if the case is still as loaded.
async fn apply(
    app: &App,
    lookups: &Lookups,
    c: &CaseRecord,
    change: &CaseChange,
    event: &NewEvent,
    idem: Option<&Idem>,
) -> AppResult<Outcome> {
    // The answer to a step is masked: personal numbers show in full only on
    // the case detail, where each view is recorded.
    let render =
        |r: &CaseRecord| serde_json::to_string(&lookups.view(r, false, vec![])).unwrap_or_default();
    let idem = idem.map(|i| IdemWrite {
        scope: i.scope.clone(),
        key: i.key.clone(),
        status: 200,
        render: &render,
    });
    match app.store.apply_to_case(c, change, event, idem).await {
        Ok((record, recorded)) => {
            tracing::info!(case = %record.case_no, action = %event.action, to = record.status.as_str(), "case step");
            app.outbox.wake();
            let events = app.store.case_events(record.id).await?;
            Ok(Outcome::Done(
                Box::new(lookups.view(&record, false, events)),
                recorded,
            ))
        }
        Err(StoreError::Replayed(s, b)) => Ok(Outcome::Replayed(s, b)),
        Err(StoreError::Conflict(_)) => Err(AppError::stale(None)),
        Err(e) => Err(e.into()),
    }
}

fn need_reason(b: &ActionBody, what: &'static str) -> Result<String, FieldError> {
    let r = b.reason.as_deref().unwrap_or("").trim();
    if r.is_empty() {
        return Err(FieldError::new(
            "reason",
            "required",
            text!("请填写{what}", what = what),
        ));
    }
    if r.chars().count() > 500 {
        return Err(FieldError::new("reason", "too_long", "理由不能超过500个字"));
    }
    Ok(r.to_owned())
}

/// Checks an action's details and returns them as the event payload.
fn payload_for(
    step: Step,
    b: &ActionBody,
    checklist: &[MaterialSpec],
) -> Result<serde_json::Value, ValidationErrors> {
    let mut errs = ValidationErrors::default();
    let mut p = serde_json::Map::new();
    let reason = match step {
        Step::NotAccept => Some("不予受理的理由"),
        Step::PreReviewFail => Some("预审不通过的理由"),
        Step::Decide => Some("决定理由"),
        Step::Suspend => Some("启动特别程序的理由（听证、检验、专家评审等）"),
        _ => None,
    };
    if let Some(what) = reason
        && let Some(r) = errs.check(need_reason(b, what))
    {
        p.insert("reason".into(), r.into());
    }
    match step {
        Step::Decide => match b.approved {
            None => errs.push(FieldError::new(
                "approved",
                "required",
                "请说明准予（true）或不予（false）",
            )),
            Some(a) => {
                p.insert("approved".into(), a.into());
            }
        },
        Step::Suspend => match b.expected_days {
            Some(d @ 1..=365) => {
                p.insert("expected_days".into(), d.into());
            }
            _ => errs.push(FieldError::new(
                "expected_days",
                "suspend.days",
                "请填写预计所需工作日（1至365）",
            )),
        },
        Step::RequestSupplement => {
            if let Some(list) = errs.take(notice_list(b, checklist)) {
                p.insert("materials".into(), list);
            }
        }
        Step::Deliver => {
            if let Some(d) = errs.take(delivery_payload(b)) {
                p.extend(d);
            }
        }
        _ if reason.is_some() => {}
        _ => {
            if let Some(r) = b.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                p.insert(
                    "reason".into(),
                    r.chars().take(500).collect::<String>().into(),
                );
            }
        }
    }
    errs.into_result(serde_json::Value::Object(p))
}

/// A one-time notice lists every missing or defective material at once,
/// each with what is wrong: entries of the case's checklist (by key, or by
/// name), and materials beyond it only with the reason they are needed.
fn notice_list(
    b: &ActionBody,
    checklist: &[MaterialSpec],
) -> Result<serde_json::Value, ValidationErrors> {
    let mut errs = ValidationErrors::default();
    let list = b.materials.as_deref().unwrap_or_default();
    if list.is_empty() {
        errs.push(FieldError::new(
            "materials",
            "required",
            "一次性告知须列明全部需补正的材料",
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, m) in list.iter().enumerate() {
        if let Some(entry) = errs.take(notice_entry(i, m, checklist)) {
            out.push(entry);
        }
    }
    errs.into_result(serde_json::to_value(out).unwrap_or_default())
}

/// One entry of a one-time notice, resolved against the checklist.
fn notice_entry(
    i: usize,
    m: &MaterialProblem,
    checklist: &[MaterialSpec],
) -> Result<MaterialProblem, ValidationErrors> {
    let mut errs = ValidationErrors::default();
    let field = |f: &str| format!("materials[{i}].{f}");
    let on_list = match m.key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => {
            let found = checklist.iter().find(|x| x.key == k);
            if found.is_none() {
                let msg = "该材料不在本办件的材料清单中";
                errs.push(FieldError::new(field("key"), "material.unknown", msg));
            }
            found
        }
        None => checklist.iter().find(|x| names_material(&m.name, x)),
    };
    if m.problem.trim().is_empty() {
        errs.push(FieldError::new(
            field("problem"),
            "required",
            "请说明材料缺少或有误之处",
        ));
    }
    let extra_reason = m
        .extra_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if on_list.is_none() && m.key.is_none() {
        if m.name.trim().is_empty() {
            errs.push(FieldError::new(field("name"), "required", "请填写材料名称"));
        } else if extra_reason.is_none() {
            let msg = text!(
                "“{name}”不在本办件的材料清单中，须说明需要该材料的理由",
                name = m.name.trim().to_owned()
            );
            errs.push(FieldError::new(
                field("extra_reason"),
                "notice.not_on_checklist",
                msg,
            ));
        }
    }
    errs.into_result(MaterialProblem {
        key: on_list.map(|x| x.key.clone()),
        name: on_list.map_or_else(|| m.name.trim().to_owned(), |x| x.name.clone()),
        problem: m.problem.trim().to_owned(),
        extra_reason: on_list
            .is_none()
            .then(|| extra_reason.map(str::to_owned))
            .flatten(),
    })
}

/// How the result is delivered: the method, and the address for post.
fn delivery_payload(
    b: &ActionBody,
) -> Result<serde_json::Map<String, serde_json::Value>, ValidationErrors> {
    let mut p = serde_json::Map::new();
    let Some(m) = b.method.as_deref().and_then(DeliveryMethod::parse) else {
        return Err(FieldError::new(
            "method",
            "deliver.method",
            "送达方式应为 post（邮寄）、pickup（窗口领取）或 electronic（电子送达）",
        )
        .into());
    };
    p.insert("method".into(), m.as_str().into());
    let addr = b.address.as_deref().unwrap_or("").trim();
    if m == DeliveryMethod::Post && addr.is_empty() {
        return Err(FieldError::new("address", "required", "邮寄送达须填写收件地址").into());
    }
    if !addr.is_empty() {
        p.insert("address".into(), addr.into());
    }
    Ok(p)
}

/// The pickup hall a `deliver` by `pickup` names: the one asked for, else
/// the receiving hall; online cases must name one.
fn pickup_hall_for(
    lookups: &Lookups,
    c: &CaseRecord,
    step: Step,
    body: &ActionBody,
) -> AppResult<Option<HallId>> {
    if step != Step::Deliver || body.method.as_deref() != Some("pickup") {
        return Ok(None);
    }
    let Some(h) = body.hall.map(HallId).or(c.hall) else {
        return Err(AppError::field(
            "hall",
            "required",
            "窗口领取须指定领取结果的服务中心",
        ));
    };
    if !lookups.data().halls.iter().any(|x| x.id == h) {
        return Err(FieldError::new("hall", "hall.unknown", "服务中心不存在").into());
    }
    Ok(Some(h))
}

/// 收受分离 goes to the department, and through its pre-review, on the
/// electronic file: every required material scanned or covered by an
/// e-licence, or the exception recorded (the materials missing and why).
async fn electronic_file(
    app: &App,
    c: &CaseRecord,
    cmd: &ActionBody,
) -> AppResult<Option<serde_json::Value>> {
    let receipts = app.store.material_receipts(c.id).await?;
    let received = receipts
        .iter()
        .map(|r| (r.material_key.as_str(), r.method.as_str()));
    let missing = tongban_domain::intake::unscanned(&c.materials, received);
    if missing.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = missing.iter().map(|m| m.name.as_str()).collect();
    match cmd
        .exception
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) if r.chars().count() > 500 => Err(AppError::field(
            "exception",
            "too_long",
            "例外情形说明不能超过500个字",
        )),
        Some(r) => Ok(Some(serde_json::json!({"missing": names, "reason": r}))),
        None => Err(AppError::field(
            "materials",
            "materials.not_scanned",
            text!(
                "以下材料尚无扫描件或电子证照：{names}；请先扫描，或说明例外情形及理由",
                names = names.join("、")
            ),
        )),
    }
}

/// Whether a checklist material answers a material named in a one-time
/// notice (the reviewer may write "居民户口簿" for "居民户口簿（户主页）").
fn names_material(listed: &str, m: &MaterialSpec) -> bool {
    let listed = listed.trim();
    !listed.is_empty() && (m.name.contains(listed) || listed.contains(m.name.as_str()))
}

/// An online application carries its materials itself: submitting needs every
/// material of the checklist uploaded (or an e-licence named), and answering a
/// one-time notice needs fresh uploads of what the notice listed (or at least
/// one, when it named nothing on the checklist).
async fn online_materials_complete(app: &App, c: &CaseRecord, step: Step) -> AppResult<()> {
    if !matches!(step, Step::Submit | Step::SupplementProvided) {
        return Ok(());
    }
    let receipts = app.store.material_receipts(c.id).await?;
    if step == Step::Submit {
        let missing: Vec<&str> = c
            .materials
            .iter()
            .filter(|m| !receipts.iter().any(|r| r.material_key == m.key))
            .map(|m| m.name.as_str())
            .collect();
        if !missing.is_empty() {
            let msg = text!("请先上传以下材料：{names}", names = missing.join("、"));
            return Err(AppError::field("materials", "materials.missing", msg));
        }
        return Ok(());
    }
    let events = app.store.case_events(c.id).await?;
    let Some(notice) = events
        .iter()
        .rev()
        .find(|e| e.action == "request_supplement")
    else {
        return Ok(());
    };
    let payload: serde_json::Value = serde_json::from_str(&notice.payload).unwrap_or_default();
    let listed: Vec<&str> = payload["materials"]
        .as_array()
        .map(|l| l.iter().filter_map(|m| m["name"].as_str()).collect())
        .unwrap_or_default();
    let fresh = |key: &str| {
        receipts
            .iter()
            .any(|r| r.material_key == key && r.recorded_at >= notice.at)
    };
    let named: Vec<&MaterialSpec> = c
        .materials
        .iter()
        .filter(|m| listed.iter().any(|l| names_material(l, m)))
        .collect();
    let missing: Vec<&str> = named
        .iter()
        .filter(|m| !fresh(&m.key))
        .map(|m| m.name.as_str())
        .collect();
    let msg = if !missing.is_empty() {
        text!(
            "请先重新上传一次性告知书列明的材料：{names}",
            names = missing.join("、")
        )
    } else if named.is_empty() && !receipts.iter().any(|r| r.recorded_at >= notice.at) {
        "请先上传补正材料".into()
    } else {
        return Ok(());
    };
    Err(AppError::field("materials", "supplement.missing", msg))
}
