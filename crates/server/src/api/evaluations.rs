//! 好差评 over HTTP: rating a case once (its signed-in applicant, or whoever
//! holds its verification code), the rectification a 差评 opens for the hall
//! or department responsible, follow-ups and closing, and the statistics.

use crate::AppState;
use crate::api::Page;
use crate::api::cases::{Lookups, Named, scope_of};
use crate::auth::{Ctx, Signed};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tongban_domain::FieldError;
use tongban_domain::authz::{Action, Denial};
use tongban_domain::case::Status;
use tongban_domain::evaluation::{
    Channel, DEFAULT_RECTIFY_DAYS, Rating, grade_label, rectification_due,
};
use tongban_domain::user::Role;
use tongban_store::{
    CaseRecord, EvaluationRecord, NewEvaluation, RectificationRecord, RectificationStep,
    Responsible, StoreError,
};
use utoipa::ToSchema;

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

/// Rates a case (the API and the pages share it).
pub async fn rate(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    body: &RateBody,
) -> ApiResult<EvaluationView> {
    // The signed-in applicant of an online case, or the holder of the code
    // (a wrong code counts towards the code's throttle).
    let with_code = match body.code.as_deref().filter(|k| !k.trim().is_empty()) {
        Some(k) => crate::codes::case_by_code(state, ctx, case_no, k).await?,
        None => None,
    };
    let by_code = with_code.is_some();
    let c = match with_code {
        Some(c) => c,
        None => match state.store.case_by_no(case_no).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Err(ApiError::not_found()),
            Err(e) => return Err(e.into()),
        },
    };
    let rated_by = match &ctx.user {
        Some(u) if u.role == Role::Applicant && c.applicant_user == Some(u.id) => Some(u.id),
        Some(u) if u.role == Role::Applicant && by_code => Some(u.id),
        Some(_) => {
            ctx.authorize(Action::RateCase(scope_of(&c)))?;
            None
        }
        None if by_code => None,
        None => return Err(ApiError::not_found()),
    };
    let (channel, open) = channel_of(&c);
    if !open {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "evaluation.not_yet",
            match channel {
                Channel::Online => "办结后即可评价",
                Channel::Window => "窗口受理后即可评价",
            },
        ));
    }
    let rating = Rating {
        grades: body.grades.clone(),
        comment: body.comment.trim().to_owned(),
    };
    rating.check(channel)?;
    let lookups = Lookups::load(&state.app()).await?;
    let today = state.now.today();
    let rectify = rating.is_bad().then(|| {
        let who = match (channel, c.hall) {
            (Channel::Window, Some(h)) => Responsible::Hall(h),
            _ => Responsible::Department(c.department),
        };
        let days = state.settings.rectify_days.unwrap_or(DEFAULT_RECTIFY_DAYS);
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
        at: state.now.ms(),
    };
    match state.store.rate_case(&new, rectify).await {
        Ok((e, r)) => {
            tracing::info!(case = %c.case_no, overall = e.rating.overall(), "rated");
            Ok(eval_view(&e, r.map(|r| r.id)))
        }
        Err(StoreError::Conflict(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "evaluation.done",
            "该办件已评价，每件只评价一次",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Rates a case once (好差评): `{"grades": {...}, "comment"}`; a 差评
/// (overall 1–2) opens a rectification for the hall (window service) or the
/// department (online service). Access: the case's signed-in applicant, or
/// anyone with its verification code (`code`), once the window has served it
/// or the online case is completed; staff do not rate.
#[utoipa::path(post, path = "/cases/{case_no}/evaluation", tag = "evaluations",
    params(("case_no" = String, Path, pattern = r"^TB[0-9]{16}$", description = "Case number, e.g. TB2026120100000001")), request_body = RateBody,
    responses((status = 201, body = EvaluationView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    ApiJson(body): ApiJson<RateBody>,
) -> ApiResult<(StatusCode, Json<EvaluationView>)> {
    // Signed-in browsers prove the request is theirs; a caller without an
    // account proves it with the case's verification code instead.
    if ctx.session.is_some() {
        ctx.check_csrf(
            &headers,
            headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
        )?;
    }
    Ok((
        StatusCode::CREATED,
        Json(rate(&state, &ctx, &case_no, &body).await?),
    ))
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

/// The rectifications the caller may see: its hall's or department's; all
/// for platform admins.
pub async fn visible_rectifications(
    state: &AppState,
    ctx: &Ctx,
) -> ApiResult<Vec<RectificationView>> {
    ctx.authorize(Action::ReadRectifications)?;
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    let data = lookups.data();
    let today = state.now.today();
    let evaluations = state.store.evaluations(None).await?;
    let mut out = Vec::new();
    for r in state.store.rectifications().await? {
        let mine = match (user.role, r.responsible) {
            (Role::PlatformAdmin, _) => true,
            (_, Responsible::Hall(h)) => user.scope.hall() == Some(h),
            (_, Responsible::Department(d)) => user.scope.department() == Some(d),
        };
        if !mine {
            continue;
        }
        out.push(rect_view(state, data, &evaluations, &r, today).await?);
    }
    Ok(out)
}

async fn rect_view(
    state: &AppState,
    data: &crate::api::cases::RefData,
    evaluations: &[EvaluationRecord],
    r: &RectificationRecord,
    today: time::Date,
) -> ApiResult<RectificationView> {
    let e = evaluations.iter().find(|e| e.id == r.evaluation_id);
    let case = state.store.case_by_id(r.case_id).await?;
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
    Ok(RectificationView {
        id: r.id,
        case_no: case.case_no,
        item_name: case.item_name,
        hall,
        department,
        overall: e.map_or(0, |e| e.rating.overall()),
        comment: e.map(|e| e.rating.comment.clone()).unwrap_or_default(),
        opened_on: r.opened_on.to_string(),
        due_on: r.due_on.to_string(),
        status: r.status.clone(),
        overdue: r.status == "open" && today > r.due_on,
        follow_ups: serde_json::from_str(&r.follow_ups).unwrap_or(serde_json::Value::Null),
        explanation: r.explanation.clone(),
    })
}

/// The rectifications 差评 opened, overdue ones first. Access: staff and
/// admins — their hall's or department's; platform admins all.
#[utoipa::path(get, path = "/rectifications", tag = "evaluations", security(("bearer" = [])),
    responses((status = 200, body = Page<RectificationView>), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(ctx): Signed,
) -> ApiResult<Json<Page<RectificationView>>> {
    let mut rows = visible_rectifications(&state, &ctx).await?;
    rows.sort_by_key(|r| (!r.overdue, r.status != "open", r.due_on.clone()));
    let total = rows.len();
    Ok(Json(Page { data: rows, total }))
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
pub async fn step(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    note: &str,
    close: bool,
) -> ApiResult<RectificationView> {
    let user = ctx
        .user
        .as_ref()
        .ok_or(ApiError::from(Denial::Unauthenticated))?;
    let r = match state.store.rectification(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Err(ApiError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let r = &r;
    let (hall, department) = match r.responsible {
        Responsible::Hall(h) => (Some(h), None),
        Responsible::Department(d) => (None, Some(d)),
    };
    ctx.authorize(Action::ActOnRectification { hall, department })?;
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(FieldError::new(
            "note",
            "required",
            if close {
                "请写明整改情况（1000字以内）"
            } else {
                "请写明跟进情况（1000字以内）"
            },
        )
        .into());
    }
    let at = state.now.ms();
    let s = if close {
        RectificationStep::Close {
            by: user.id,
            at,
            explanation: note.to_owned(),
        }
    } else {
        RectificationStep::FollowUp {
            by: user.id,
            at,
            note: note.to_owned(),
        }
    };
    let r = match state.store.rectification_step(id, &s).await {
        Ok(r) => r,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "rectification.closed",
                "该整改已办结",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    let evaluations = state.store.evaluations(Some(r.case_id)).await?;
    rect_view(state, lookups.data(), &evaluations, &r, state.now.today()).await
}

/// Adds a follow-up to an open rectification. Access: the hall or
/// department responsible.
#[utoipa::path(post, path = "/rectifications/{id}/follow-ups", tag = "evaluations", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = RectificationView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult<Json<RectificationView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    Ok(Json(step(&state, &ctx, id, &body.note, false).await?))
}

/// Closes a rectification with the explanation of what was done. Access:
/// the hall or department responsible.
#[utoipa::path(post, path = "/rectifications/{id}/close", tag = "evaluations", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = RectificationView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult<Json<RectificationView>> {
    ctx.check_csrf(
        &headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )?;
    Ok(Json(step(&state, &ctx, id, &body.note, true).await?))
}

/// Rating statistics of one hall, department or item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatRow {
    /// Hall or department id, or item code.
    pub key: String,
    /// Its name.
    pub name: String,
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

/// Rating statistics `by` `hall` (window service), `department` or `item`.
/// Access: platform, hall and department admins.
#[utoipa::path(get, path = "/evaluations/stats", tag = "evaluations", security(("bearer" = [])),
    params(("by" = Option<String>, Query)),
    responses((status = 200, body = Page<StatRow>), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    Signed(ctx): Signed,
    p: Params,
) -> ApiResult<Json<Page<StatRow>>> {
    let by = p
        .parse("by", "统计维度", |v| {
            ["hall", "department", "item"]
                .contains(&v)
                .then(|| v.to_owned())
        })?
        .unwrap_or_else(|| "department".into());
    let rows = stats_by(&state, &ctx, &by).await?;
    let total = rows.len();
    Ok(Json(Page { data: rows, total }))
}

/// The statistics (the API and the page share it).
pub async fn stats_by(state: &AppState, ctx: &Ctx, by: &str) -> ApiResult<Vec<StatRow>> {
    ctx.authorize(Action::ReadEvaluationStats)?;
    let lookups = Lookups::load_at(&state.app(), ctx.revision).await?;
    let data = lookups.data();
    let today = state.now.today();
    let evaluations = state.store.evaluations(None).await?;
    let rects = state.store.rectifications().await?;
    let index = state.catalogue.index(state.store.as_ref()).await?;
    let mut rows: BTreeMap<String, StatRow> = BTreeMap::new();
    for e in &evaluations {
        let (key, name) = match by {
            "hall" => match e.hall {
                Some(h) => (
                    h.0.to_string(),
                    data.halls
                        .iter()
                        .find(|x| x.id == h)
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                ),
                None => ("online".into(), "网上办事大厅".into()),
            },
            "item" => (
                e.item.0.clone(),
                index
                    .docs()
                    .iter()
                    .find(|d| d.summary.code == e.item)
                    .map(|d| d.summary.name.clone())
                    .unwrap_or_default(),
            ),
            _ => (
                e.department.0.to_string(),
                data.departments
                    .iter()
                    .find(|x| x.id == e.department)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
            ),
        };
        let row = rows.entry(key.clone()).or_insert(StatRow {
            key,
            name,
            ratings: 0,
            average: 0.0,
            by_grade: [0; 5],
            bad: 0,
            rectified: 0,
            overdue: 0,
        });
        let g = e.rating.overall();
        row.ratings += 1;
        row.average += f64::from(g);
        if (1..=5).contains(&g) {
            row.by_grade[usize::from(g) - 1] += 1;
        }
        if e.rating.is_bad() {
            row.bad += 1;
            if let Some(r) = rects.iter().find(|r| r.evaluation_id == e.id) {
                if r.status == "closed" {
                    row.rectified += 1;
                } else if today > r.due_on {
                    row.overdue += 1;
                }
            }
        }
    }
    Ok(rows
        .into_values()
        .map(|mut r| {
            r.average = (r.average / r.ratings as f64 * 100.0).round() / 100.0;
            r
        })
        .collect())
}

/// The rating of a case, if any (for the case and progress pages).
pub async fn of_case(state: &AppState, c: &CaseRecord) -> ApiResult<Option<EvaluationView>> {
    let e = state.store.evaluations(Some(c.id)).await?;
    let Some(e) = e.first() else {
        return Ok(None);
    };
    let r = state.store.rectification_of(e.id).await?.map(|r| r.id);
    Ok(Some(eval_view(e, r)))
}
