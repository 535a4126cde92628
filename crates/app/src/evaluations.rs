//! 好差评: rating a case once (its applicant, or whoever holds its
//! verification code), the rectification a 差评 opens for the hall or
//! department responsible, follow-ups and closing, and the statistics.

use crate::views::{Named, scope_of};
use crate::{Actor, App, AppError, AppResult, Lookups, RefData};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use tongban_domain::authz::{
    Action, Trust, authorize, may_rate_with_code, rectification_visibility,
};
use tongban_domain::case::Status;
use tongban_domain::evaluation::{
    Channel, DEFAULT_RECTIFY_DAYS, Rating, grade_label, rectification_due,
};
use tongban_domain::i18n::Text;
use tongban_domain::{DepartmentId, HallId};
use tongban_store::{
    CaseRecord, EvaluationRecord, NewEvaluation, RectificationKey, RectificationRecord,
    RectificationStep, Responsible, StatsBy, StoreError,
};
use utoipa::ToSchema;

/// The hall or the department responsible for a rectification.
fn responsible(r: Responsible) -> (Option<HallId>, Option<DepartmentId>) {
    match r {
        Responsible::Hall(h) => (Some(h), None),
        Responsible::Department(d) => (None, Some(d)),
    }
}

/// A rating.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// Grade 1–5 per dimension: online `overall`, `efficiency`,
    /// `guide_accuracy`, `convenience`, `usability`; window `overall`,
    /// `efficiency`, `level`, `attitude`.
    pub grades: BTreeMap<String, u8>,
    /// Comment (required for a 差评, overall 1–2).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub comment: String,
    /// The case's verification code, when rating without an account.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub code: Option<String>,
}

/// A rating, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationView {
    /// Id.
    pub id: i64,
    /// `online` or `window`.
    pub channel: Channel,
    /// Overall grade 1–5.
    pub overall: u8,
    /// zh-CN grade.
    pub overall_label: String,
    /// Every dimension.
    pub grades: BTreeMap<String, u8>,
    /// Comment.
    pub comment: String,
    /// When (RFC 3339).
    pub at: String,
    /// The rectification a 差评 opened.
    pub rectification: Option<i64>,
}

fn eval_view(e: &EvaluationRecord, rect: Option<i64>) -> EvaluationView {
    EvaluationView {
        id: e.id,
        channel: e.channel,
        overall: e.rating.overall(),
        overall_label: grade_label(e.rating.overall()).into(),
        grades: e.rating.grades.clone(),
        comment: e.rating.comment.clone(),
        at: tongban_store::rfc3339(e.at),
        rectification: rect,
    }
}

/// Where a case was served, and whether it may be rated now: online cases
/// once completed, window cases once the window has served (submitted).
pub fn channel_of(c: &CaseRecord) -> (Channel, bool) {
    if c.hall.is_some() {
        (Channel::Window, c.status != Status::Draft)
    } else {
        (Channel::Online, c.status == Status::Completed)
    }
}

/// Rates a case (the API and the pages share it): `rater` is the signed-in
/// caller, if any; `by_code` the case when the caller proved its
/// verification code (checked, under its throttle, by the adapter).
pub async fn rate(
    app: &App,
    rater: Option<&Actor>,
    by_code: Option<CaseRecord>,
    case_no: &str,
    body: &RateBody,
) -> AppResult<EvaluationView> {
    let with_code = by_code.is_some();
    let c = match by_code {
        Some(c) => c,
        None => app.store.case_by_no(case_no).await?,
    };
    // The applicant of the case rates it; so does whoever holds its code,
    // signed in as an applicant or not signed in at all.
    let rated_by = match rater {
        Some(a) if with_code && may_rate_with_code(a.who()) => Some(a.user.id),
        Some(a) => {
            a.authorize(Action::RateCase(scope_of(&c)), &Trust::NONE)?;
            Some(a.user.id)
        }
        None if with_code => None,
        None => return Err(AppError::Store(StoreError::NotFound)),
    };
    let (channel, open) = channel_of(&c);
    if !open {
        return Err(AppError::Conflict {
            code: "evaluation.not_yet",
            message: match channel {
                Channel::Online => "办结后即可评价",
                Channel::Window => "窗口受理后即可评价",
            }
            .into(),
            current_version: None,
        });
    }
    let rating = Rating {
        grades: body.grades.clone(),
        comment: body.comment.trim().to_owned(),
    };
    rating.check(channel)?;
    let lookups = Lookups::load(app).await?;
    let today = app.now.today();
    let rectify = rating.is_bad().then(|| {
        let who = match (channel, c.hall) {
            (Channel::Window, Some(h)) => Responsible::Hall(h),
            _ => Responsible::Department(c.department),
        };
        let days = app.rectify_days.unwrap_or(DEFAULT_RECTIFY_DAYS);
        (
            who,
            today,
            rectification_due(&lookups.data().cal, today, days),
        )
    });
    let new = NewEvaluation {
        case_id: c.id,
        channel,
        rating,
        hall: c.hall,
        department: c.department,
        item: c.item_code.clone(),
        rated_by,
        at: app.now.ms(),
    };
    match app.store.rate_case(&new, rectify).await {
        Ok((e, r)) => {
            tracing::info!(case = %c.case_no, overall = e.rating.overall(), "rated");
            Ok(eval_view(&e, r.map(|r| r.id)))
        }
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict {
            code: "evaluation.done",
            message: "该办件已评价，每件只评价一次".into(),
            current_version: None,
        }),
        Err(e) => Err(e.into()),
    }
}

/// A rectification, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RectificationView {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_no: String,
    /// The item.
    pub item_name: String,
    /// The hall responsible (window service).
    pub hall: Option<Named>,
    /// The department responsible (online service).
    pub department: Option<Named>,
    /// The rating's overall grade and comment.
    pub overall: u8,
    /// The comment that opened it.
    pub comment: String,
    /// Opened.
    pub opened_on: String,
    /// Due.
    pub due_on: String,
    /// `open` or `closed`.
    pub status: String,
    /// Open past its due day.
    pub overdue: bool,
    /// Follow-ups `[{"at", "by", "note"}]`.
    #[schema(value_type = Vec<Object>)]
    pub follow_ups: serde_json::Value,
    /// How it was rectified.
    pub explanation: Option<String>,
}

/// A page of the rectifications an actor sees.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RectificationList {
    /// Open ones by due day (so the overdue first), then closed ones,
    /// latest due first.
    pub data: Vec<RectificationView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The opaque cursor of a page's start: `o|due|id` (after an open one),
/// `c` (the closed ones from the first) or `c|due|id`.
pub fn encode_rectification_cursor(k: &RectificationKey) -> String {
    match k {
        RectificationKey::Open { due_on, id } => {
            crate::cursor::encode(&["o", &due_on.to_string(), &id.to_string()])
        }
        RectificationKey::Closed(None) => crate::cursor::encode(&["c"]),
        RectificationKey::Closed(Some((due_on, id))) => {
            crate::cursor::encode(&["c", &due_on.to_string(), &id.to_string()])
        }
    }
}

/// The start of a page a cursor names; one that is not is the bad field.
pub fn decode_rectification_cursor(cursor: &str) -> AppResult<RectificationKey> {
    use crate::cursor::{bad, day, number};
    let parts = crate::cursor::decode(cursor)?;
    let key =
        |due: &str, id: &str| -> AppResult<(time::Date, i64)> { Ok((day(due)?, number(id)?)) };
    match parts
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["o", due, id] => key(due, id).map(|(due_on, id)| RectificationKey::Open { due_on, id }),
        ["c"] => Ok(RectificationKey::Closed(None)),
        ["c", due, id] => key(due, id).map(|k| RectificationKey::Closed(Some(k))),
        _ => Err(bad()),
    }
}

/// A page of the rectifications the caller may see — its hall's or
/// department's, all for platform admins — `limit` (1–200) from `cursor`
/// on.
pub async fn rectifications(
    app: &App,
    actor: &Actor,
    limit: usize,
    cursor: Option<&str>,
) -> AppResult<RectificationList> {
    actor.authorize(Action::ReadRectifications, &Trust::NONE)?;
    let after = cursor.map(decode_rectification_cursor).transpose()?;
    let visible = rectification_visibility(actor.who());
    let limit = i64::try_from(limit.clamp(1, 200)).unwrap_or(200);
    let page = app.store.rectification_page(visible, after, limit).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let today = app.now.today();
    Ok(RectificationList {
        data: (page.rows.iter())
            .map(|r| rect_view(lookups.data(), r, today))
            .collect(),
        next: page.next.as_ref().map(encode_rectification_cursor),
    })
}

fn rect_view(data: &RefData, r: &RectificationRecord, today: time::Date) -> RectificationView {
    let (hall, department) = match r.responsible {
        Responsible::Hall(h) => (
            data.halls.iter().find(|x| x.id == h).map(|x| Named {
                id: x.id.0,
                name: x.name.clone(),
            }),
            None,
        ),
        Responsible::Department(d) => (
            None,
            data.departments.iter().find(|x| x.id == d).map(|x| Named {
                id: x.id.0,
                name: x.name.clone(),
            }),
        ),
    };
    RectificationView {
        id: r.id,
        case_no: r.case_no.clone(),
        item_name: r.item_name.clone(),
        hall,
        department,
        overall: r.overall,
        comment: r.comment.clone(),
        opened_on: r.opened_on.to_string(),
        due_on: r.due_on.to_string(),
        status: r.status.clone(),
        overdue: r.status == "open" && today > r.due_on,
        follow_ups: serde_json::from_str(&r.follow_ups).unwrap_or(serde_json::Value::Null),
        explanation: r.explanation.clone(),
    }
}

/// A follow-up or the closing of a rectification.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// What was done (follow-up) or how it was rectified (close).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

/// Records a follow-up (`close` false) or closes a rectification (the API
/// and the pages share it).
pub async fn rectification_step(
    app: &App,
    actor: &Actor,
    id: i64,
    note: &str,
    close: bool,
) -> AppResult<RectificationView> {
    let r = app.store.rectification(id).await?;
    let (hall, department) = responsible(r.responsible);
    actor.authorize(
        Action::ActOnRectification { hall, department },
        &Trust::NONE,
    )?;
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(AppError::field(
            "note",
            "required",
            if close {
                "请写明整改情况（1000字以内）"
            } else {
                "请写明跟进情况（1000字以内）"
            },
        ));
    }
    let at = app.now.ms();
    let s = if close {
        RectificationStep::Close {
            by: actor.user.id,
            at,
            explanation: note.to_owned(),
        }
    } else {
        RectificationStep::FollowUp {
            by: actor.user.id,
            at,
            note: note.to_owned(),
        }
    };
    let r = match app.store.rectification_step(id, &s).await {
        Ok(r) => r,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "rectification.closed",
                message: "该整改已办结".into(),
                current_version: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    let lookups = Lookups::load_at(app, actor.revision).await?;
    Ok(rect_view(lookups.data(), &r, app.now.today()))
}

/// Rating statistics of one hall, department or item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatRow {
    /// Hall or department id, or item code.
    pub key: String,
    /// Its name.
    pub name: tongban_domain::i18n::Text,
    /// Ratings.
    pub ratings: usize,
    /// Mean overall grade.
    pub average: f64,
    /// Count per overall grade, 1 to 5.
    pub by_grade: [usize; 5],
    /// 差评 (overall 1–2).
    pub bad: usize,
    /// Their rectifications closed.
    pub rectified: usize,
    /// Still open past the due day.
    pub overdue: usize,
}

/// The statistics `by` `hall`, `item` or (otherwise) department (the API
/// and the page share it): read from the counters kept with every rating
/// and closing, so as many rows as halls, departments or items are read,
/// whatever the number of ratings.
pub async fn stats(app: &App, actor: &Actor, by: &str) -> AppResult<Vec<StatRow>> {
    actor.authorize(Action::ReadEvaluationStats, &Trust::NONE)?;
    let by = match by {
        "hall" => StatsBy::Hall,
        "item" => StatsBy::Item,
        _ => StatsBy::Department,
    };
    let counts = app.store.evaluation_stats(by, app.now.today()).await?;
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let data = lookups.data();
    let names: HashMap<String, String> = match by {
        StatsBy::Hall => (data.halls.iter())
            .map(|h| (h.id.0.to_string(), h.name.clone()))
            .chain([("online".to_owned(), "网上办事大厅".to_owned())])
            .collect(),
        StatsBy::Department => (data.departments.iter())
            .map(|d| (d.id.0.to_string(), d.name.clone()))
            .collect(),
        StatsBy::Item => (app
            .catalogue
            .index(app.store.as_ref(), app.now.today())
            .await?
            .docs()
            .iter())
        .map(|d| (d.summary.code.0.clone(), d.summary.name.clone()))
        .collect(),
    };
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    Ok(counts
        .into_iter()
        .filter_map(|c| {
            let ratings = c.by_grade.iter().map(|g| n(*g)).sum::<usize>();
            let sum = (1..=5).zip(c.by_grade).map(|(g, k)| g * k).sum::<i64>();
            (ratings > 0).then(|| StatRow {
                // Names are data; the online hall is ours to name.
                name: match names.get(&c.key) {
                    Some(n) if c.key == "online" => Text::from(n.clone()),
                    Some(n) => Text::raw(n),
                    None => Text::raw(""),
                },
                key: c.key,
                ratings,
                average: (sum as f64 / ratings as f64 * 100.0).round() / 100.0,
                by_grade: c.by_grade.map(n),
                bad: n(c.by_grade[0]) + n(c.by_grade[1]),
                rectified: n(c.rectified),
                overdue: n(c.overdue),
            })
        })
        .collect())
}

/// The rating of a case, if any (for the case and progress pages).
pub async fn of_case(app: &App, c: &CaseRecord) -> AppResult<Option<EvaluationView>> {
    let Some(e) = app.store.evaluation_of(c.id).await? else {
        return Ok(None);
    };
    let r = app.store.rectification_of(e.id).await?.map(|r| r.id);
    Ok(Some(eval_view(&e, r)))
}

/// Rectifications on a page of the rectifications page.
pub const DESK_PAGE: usize = 20;

/// The rectifications page (差评整改): a page of the actor's
/// rectifications, open ones by due date (so the overdue first), then
/// closed ones, each with whether he may act on it; the statistics by
/// department for whoever may read them.
#[derive(Debug, Serialize)]
pub struct RectificationDesk {
    /// The rectifications.
    pub list: Vec<RectificationRow>,
    /// The cursor of the next page, if any.
    pub next: Option<String>,
    /// The statistics by department (empty when not his to read).
    pub stats: Vec<StatRow>,
}

/// A rectification on the page.
#[derive(Debug, Serialize)]
pub struct RectificationRow {
    /// The rectification.
    #[serde(flatten)]
    pub view: RectificationView,
    /// Who must put it right: the hall or the department.
    pub who: Option<String>,
    /// The overall grade, in words.
    pub overall_label: &'static str,
    /// Open, and the actor may record a follow-up or close it.
    pub may_act: bool,
}

/// The rectifications page for the actor, from `cursor` on.
pub async fn rectification_desk(
    app: &App,
    actor: &Actor,
    cursor: Option<&str>,
) -> AppResult<RectificationDesk> {
    let RectificationList { data: rows, next } =
        rectifications(app, actor, DESK_PAGE, cursor).await?;
    let stats = match authorize(actor.who(), Action::ReadEvaluationStats, &Trust::NONE) {
        Ok(()) => stats(app, actor, "department").await?,
        Err(_) => vec![],
    };
    let may_act = |r: &RectificationView| {
        let action = Action::ActOnRectification {
            hall: r.hall.as_ref().map(|h| tongban_domain::HallId(h.id)),
            department: (r.department.as_ref()).map(|d| tongban_domain::DepartmentId(d.id)),
        };
        r.status == "open" && authorize(actor.who(), action, &Trust::NONE).is_ok()
    };
    let list = rows
        .into_iter()
        .map(|view| RectificationRow {
            who: view
                .hall
                .as_ref()
                .or(view.department.as_ref())
                .map(|n| n.name.clone()),
            overall_label: tongban_domain::evaluation::grade_label(view.overall),
            may_act: may_act(&view),
            view,
        })
        .collect();
    Ok(RectificationDesk { list, next, stats })
}
