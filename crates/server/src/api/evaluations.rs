//! 好差评 over HTTP: rating a case once (its signed-in applicant, or whoever
//! holds its verification code), the rectification a 差评 opens for the hall
//! or department responsible, follow-ups and closing, and the statistics.

use crate::AppState;
use crate::api::Page;
use crate::auth::{Ctx, Signed};
use crate::error::ApiResult;
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use tongban_app::evaluations;

pub use tongban_app::evaluations::{
    EvaluationView, RateBody, RectificationList, RectificationView, StatRow, StepBody, channel_of,
    of_case,
};

/// Rates a case (the API and the pages share it): with the case's
/// verification code (checked under its throttle) or as its signed-in
/// applicant.
pub async fn rate(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    body: &RateBody,
) -> ApiResult<EvaluationView> {
    let by_code = match body.code.as_deref().filter(|k| !k.trim().is_empty()) {
        Some(k) => crate::codes::case_by_code(state, ctx, case_no, k).await?,
        None => None,
    };
    let rater = ctx.signed().ok();
    evaluations::rate(&state.app(), rater.as_ref(), by_code, case_no, body)
        .await
        .map_err(|e| ctx.fail(e))
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

/// Records a follow-up (`close` false) or closes a rectification (the API
/// and the pages share it).
pub async fn step(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    note: &str,
    close: bool,
) -> ApiResult<RectificationView> {
    let actor = ctx.signed()?;
    evaluations::rectification_step(&state.app(), &actor, id, note, close)
        .await
        .map_err(|e| ctx.fail(e))
}

/// The statistics (the API and the page share it).
pub async fn stats_by(state: &AppState, ctx: &Ctx, by: &str) -> ApiResult<Vec<StatRow>> {
    let actor = ctx.signed()?;
    evaluations::stats(&state.app(), &actor, by)
        .await
        .map_err(|e| ctx.fail(e))
}

/// The rectifications 差评 opened, a page at a time: open ones by due day
/// (so the overdue first), then closed ones, latest due first. Pages follow
/// `next` (keyset paging; absent on the last page). Access: staff and
/// admins — their hall's or department's; platform admins all.
#[utoipa::path(get, path = "/rectifications", tag = "evaluations", security(("bearer" = [])),
    params(("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "Page size, 1–200 (default 20)"),
           ("cursor" = Option<String>, Query, max_length = 200, description = "The `next` of the page before")),
    responses((status = 200, body = RectificationList), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<RectificationList>> {
    let limit = p.limit()?;
    let list = evaluations::rectifications(&state.app(), ctx.actor(), limit, p.get("cursor"))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Json(list))
}

/// Adds a follow-up to an open rectification. Access: the hall or
/// department responsible.
/// To whoever does not see the rectification it does not exist (404).
#[utoipa::path(post, path = "/rectifications/{id}/follow-ups", tag = "evaluations", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = RectificationView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ctx: Signed,
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
/// To whoever does not see the rectification it does not exist (404).
#[utoipa::path(post, path = "/rectifications/{id}/close", tag = "evaluations", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StepBody,
    responses((status = 200, body = RectificationView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ctx: Signed,
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

/// Rating statistics `by` `hall` (window service), `department` or `item`.
/// Access: platform, hall and department admins.
#[utoipa::path(get, path = "/evaluations/stats", tag = "evaluations", security(("bearer" = [])),
    params(("by" = Option<String>, Query)),
    responses((status = 200, body = Page<StatRow>), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    ctx: Signed,
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
