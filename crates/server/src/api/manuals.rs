//! The training manuals (培训手册) as PDFs: a hall's (every item its level
//! may receive, by deciding department, with the grants it holds) and an
//! item's. Generated on each request from the current catalogue and grants.

use crate::AppState;
use crate::auth::Signed;
use crate::error::ApiResult;
use axum::extract::{Path, State};
use axum::response::Response;

/// A hall's training manual as an A4 PDF: contents with page numbers; the
/// four rights and what each lets a window do; every item the hall's level
/// may receive, grouped by deciding department, with the rights that
/// department has granted the hall and what it cannot do without them;
/// then each item's situations, materials, review points, common reasons
/// for a one-time notice, time limits, steps by side and contacts. It
/// states the catalogue revision it reflects. Access: staff (not
/// applicants).
#[utoipa::path(get, path = "/manuals/halls/{id}", tag = "manuals", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Hall id")),
    responses((status = 200, description = "The manual", content(("application/pdf"))),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn hall(
    State(state): State<AppState>,
    ctx: Signed,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let actor = ctx.signed()?;
    let m = tongban_app::manual::hall_manual(&state.app(), &actor, id, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    let name = format!("manual-hall-{id}-r{}.pdf", m.revision);
    Ok(crate::manual::respond(
        crate::manual::hall_pdf(&m, ctx.lang),
        &name,
    ))
}

/// An item's training manual as an A4 PDF, from its current published
/// version (printed on it with the catalogue revision): situations,
/// materials and review points, common reasons for a one-time notice,
/// time limits, which steps the window and which the department takes in
/// each listed 通办 mode, and the deciding departments' contacts.
/// Access: staff (not applicants).
#[utoipa::path(get, path = "/manuals/items/{code}", tag = "manuals", security(("bearer" = [])),
    params(("code" = String, Path, max_length = 40, description = "Item code, e.g. GA-001")),
    responses((status = 200, description = "The manual", content(("application/pdf"))),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    ctx: Signed,
    Path(code): Path<String>,
) -> ApiResult<Response> {
    let actor = ctx.signed()?;
    let d = tongban_app::manual::item_manual(&state.app(), &actor, &code, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    let name = format!("manual-{}-v{}.pdf", d.manual.code, d.manual.version);
    Ok(crate::manual::respond(
        crate::manual::item_pdf(&d, ctx.lang),
        &name,
    ))
}
