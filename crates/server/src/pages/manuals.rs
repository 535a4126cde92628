//! The training manuals' pages (培训手册, staff only): choose a hall or an
//! item; a hall's manual (its rights by deciding department, each item's
//! link) and an item's manual as pages, each with its PDF. They call the
//! same use cases as the API (`tongban_app::manual`).

use super::{PageResult, SignedPage, page};
use crate::AppState;
use crate::error::ApiError;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use minijinja::value::Serde;
use minijinja::{Value, context};
use std::collections::HashMap;
use tongban_domain::text;

/// Choose a hall or an item (`?hall=ID` or `?item=CODE` goes there).
pub async fn index(
    State(state): State<AppState>,
    ctx: SignedPage,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let actor = ctx.signed()?;
    let idx = tongban_app::manual::manual_index(&state.app(), &actor)
        .await
        .map_err(|e| ctx.fail(e))?;
    if let Some(h) = q.get("hall").and_then(|v| v.parse::<i64>().ok()) {
        return Ok(Redirect::to(&format!("/work/manuals/halls/{h}")).into_response());
    }
    if let Some(code) = q.get("item").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let code = crate::extract::percent_encode(&code.to_uppercase());
        return Ok(Redirect::to(&format!("/items/{code}/manual")).into_response());
    }
    let title = crate::lang::t("培训手册");
    let values = context! { title, ..Value::from(Serde(&idx)) };
    page(
        &state,
        &ctx,
        "manuals.html",
        "/work/manuals",
        "manuals",
        values,
    )
}

/// A hall's manual as a page, or (`{id}.pdf`) as a PDF.
pub async fn hall(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(id): Path<String>,
    uri: OriginalUri,
) -> PageResult {
    let (id, pdf) = match id.strip_suffix(".pdf") {
        Some(n) => (n, true),
        None => (id.as_str(), false),
    };
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    let actor = ctx.signed()?;
    let m = tongban_app::manual::hall_manual(&state.app(), &actor, id, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    if pdf {
        let name = format!("manual-hall-{id}-r{}.pdf", m.revision);
        return Ok(crate::manual::respond(
            crate::manual::hall_pdf(&m, ctx.lang),
            &name,
        ));
    }
    let title = text!("培训手册 · {name}", name = m.hall.clone()).render(ctx.lang);
    let values = context! { title, ..Value::from(Serde(&m)) };
    page(
        &state,
        &ctx,
        "manual_hall.html",
        &uri.to_string(),
        "manuals",
        values,
    )
}

/// An item's manual as a page.
pub async fn item(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(code): Path<String>,
    uri: OriginalUri,
) -> PageResult {
    let actor = ctx.signed()?;
    let d = tongban_app::manual::item_manual(&state.app(), &actor, &code, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    let title = text!("培训手册 · {name}", name = d.manual.name.clone()).render(ctx.lang);
    let values = context! { title, ..Value::from(Serde(&d)) };
    page(
        &state,
        &ctx,
        "manual_item.html",
        &uri.to_string(),
        "manuals",
        values,
    )
}

/// An item's manual as a PDF.
pub async fn item_pdf(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(code): Path<String>,
) -> PageResult {
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

/// The training manuals.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/items/{code}/manual", get(item))
        .route("/items/{code}/manual.pdf", get(item_pdf))
        .route("/work/manuals", get(index))
        .route("/work/manuals/halls/{id}", get(hall))
}
