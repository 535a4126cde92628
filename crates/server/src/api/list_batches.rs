//! Batches of the 通办 list (`/tongban-list/batches`): draft, bulk entries,
//! the difference from the list in force, submit, publish (another platform
//! admin) or send back, XLSX export and import. Adapters of
//! `tongban_app::list_batches`.

use crate::AppState;
use crate::auth::Signed;
use crate::error::ApiResult;
use crate::extract::{ApiJson, Params};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tongban_app::list_batches::{
    self as lb, BatchDetail, BatchEntries, BatchPage, BatchSummary, NewBatch, PublishBatch,
    ReturnBatch,
};

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn csrf(ctx: &Signed, headers: &HeaderMap) -> ApiResult<()> {
    ctx.check_csrf(
        headers,
        headers.get("x-csrf-token").and_then(|v| v.to_str().ok()),
    )
}

/// Batches of the 通办 list, newest first, keyset paged by `cursor`.
/// Access: platform admin.
#[utoipa::path(get, path = "/tongban-list/batches", tag = "catalogue", security(("bearer" = [])),
    params(("cursor" = Option<String>, Query, description = "The `next` of the previous page")),
    responses((status = 200, body = BatchPage), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Signed,
    p: Params,
) -> ApiResult<Json<BatchPage>> {
    let actor = ctx.signed()?;
    let page = lb::list_batches(&state.app(), &actor, p.get("cursor")).await;
    Ok(Json(page.map_err(|e| ctx.fail(e))?))
}

/// Starts a draft batch. Access: platform admin.
#[utoipa::path(post, path = "/tongban-list/batches", tag = "catalogue", security(("bearer" = [])),
    request_body = NewBatch,
    responses((status = 201, body = BatchSummary), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewBatch>,
) -> ApiResult<(StatusCode, Json<BatchSummary>)> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let b = lb::create_batch(&state.app(), &actor, &body).await;
    Ok((StatusCode::CREATED, Json(b.map_err(|e| ctx.fail(e))?)))
}

/// A batch: its entries, its difference from the list in force (added,
/// changed, removed, in words) and the steps the caller may take.
/// Access: platform admin.
#[utoipa::path(get, path = "/tongban-list/batches/{no}", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)),
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Signed,
    Path(no): Path<i32>,
) -> ApiResult<Json<BatchDetail>> {
    let actor = ctx.signed()?;
    let d = lb::batch_detail(&state.app(), &actor, no).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}

/// Writes entries into a draft (or returned) batch: every item listed gets
/// the same modes, levels and named halls, or is removed from the list;
/// each bad item or field is named and nothing is written. Access:
/// platform admin.
#[utoipa::path(post, path = "/tongban-list/batches/{no}/entries", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)), request_body = BatchEntries,
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_entries(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(no): Path<i32>,
    ApiJson(body): ApiJson<BatchEntries>,
) -> ApiResult<Json<BatchDetail>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let d = lb::add_entries(&state.app(), &actor, no, &body).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}

/// Takes an item's entry out of a draft batch. Access: platform admin.
#[utoipa::path(delete, path = "/tongban-list/batches/{no}/entries/{item}", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1), ("item" = String, Path)),
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn drop_entry(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path((no, item)): Path<(i32, String)>,
) -> ApiResult<Json<BatchDetail>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let cmd = lb::DropEntries { items: vec![item] };
    let d = lb::drop_entries(&state.app(), &actor, no, &cmd).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}

/// Submits a draft batch for review. Access: platform admin.
#[utoipa::path(post, path = "/tongban-list/batches/{no}/submit", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)),
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(no): Path<i32>,
) -> ApiResult<Json<BatchDetail>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let d = lb::submit_batch(&state.app(), &actor, no).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}

/// Approves and publishes a submitted batch, in force from `effective`
/// (today or later). Access: a platform admin other than its drafter
/// (four eyes: 409 `batch.four_eyes` for the drafter).
#[utoipa::path(post, path = "/tongban-list/batches/{no}/publish", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)), request_body = PublishBatch,
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(no): Path<i32>,
    ApiJson(body): ApiJson<PublishBatch>,
) -> ApiResult<Json<BatchDetail>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let d = lb::publish_batch(&state.app(), &actor, no, &body).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}

/// Sends a submitted batch back to its drafter with a reason. Access: a
/// platform admin other than its drafter.
#[utoipa::path(post, path = "/tongban-list/batches/{no}/return", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)), request_body = ReturnBatch,
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn send_back(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(no): Path<i32>,
    ApiJson(body): ApiJson<ReturnBatch>,
) -> ApiResult<Json<BatchDetail>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let d = lb::return_batch(&state.app(), &actor, no, &body).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}

/// The batch as an XLSX workbook, one row per entry. Access: platform admin.
#[utoipa::path(get, path = "/tongban-list/batches/{no}/xlsx", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    ctx: Signed,
    Path(no): Path<i32>,
) -> ApiResult<Response> {
    let actor = ctx.signed()?;
    let x = lb::export_batch(&state.app(), &actor, no, ctx.lang).await;
    Ok(xlsx_response(x.map_err(|e| ctx.fail(e))?))
}

/// An exported batch as a download.
pub fn xlsx_response(x: lb::BatchExport) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", x.file_name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        x.bytes,
    )
        .into_response()
}

/// Imports an XLSX sheet (the body; columns as the export writes them) into
/// a draft batch: every row checked, each error named `rows[N].field` with
/// N the sheet's row; nothing is written if any row is bad. Access:
/// platform admin.
#[utoipa::path(put, path = "/tongban-list/batches/{no}/xlsx", tag = "catalogue", security(("bearer" = [])),
    params(("no" = i32, Path, minimum = 1)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the XLSX workbook's bytes"),
    responses((status = 200, body = BatchDetail), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Signed,
    headers: HeaderMap,
    Path(no): Path<i32>,
    body: Bytes,
) -> ApiResult<Json<BatchDetail>> {
    csrf(&ctx, &headers)?;
    let actor = ctx.signed()?;
    let d = lb::import_batch(&state.app(), &actor, no, &body).await;
    Ok(Json(d.map_err(|e| ctx.fail(e))?))
}
