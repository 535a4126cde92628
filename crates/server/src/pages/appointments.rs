//! The appointments page: a hall's open slots for the coming working days;
//! applicants book one (then pick the item) and see and cancel their own;
//! hall staff see the day's bookings of their hall.

use super::{CsrfForm, PageResult, SignedPage, page};
use crate::AppState;
use crate::api::appointments::{BookBody, book_slot, cancel_booking};
use crate::auth::Ctx;
use crate::extract::percent_encode;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::value::Serde;
use minijinja::{Value, context};
use std::collections::HashMap;
use tongban_domain::authz::Action;

async fn render(
    state: &AppState,
    ctx: &Ctx,
    q: &HashMap<String, String>,
    error: Option<String>,
    notice: Option<String>,
    status: StatusCode,
) -> PageResult {
    ctx.authorize(Action::ReadPublic)?;
    let actor = ctx.signed().ok();
    let asked = q.get("hall").and_then(|h| h.parse().ok());
    let agenda = tongban_app::appointments::agenda(
        &state.app(),
        actor.as_ref(),
        asked,
        q.get("cursor").map(String::as_str),
    )
    .await
    .map_err(|e| ctx.fail(e))?;
    let values = context! {
        title => "预约办事", error, notice, item => q.get("item"),
        login_next => percent_encode(&format!("/appointments?hall={}", agenda.hall)),
        ..Value::from(Serde(&agenda))
    };
    let mut res = page(
        state,
        ctx,
        "appointments.html",
        "/appointments",
        "appointments",
        values,
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// The slots of a hall (`?hall=ID`) and the caller's bookings.
pub async fn slots_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    render(&state, &ctx, &q, None, None, StatusCode::OK).await
}

/// Step two of booking: the item, for a chosen slot (`?slot=`).
pub async fn book_form(
    State(state): State<AppState>,
    ctx: Ctx,
    uri: OriginalUri,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    if ctx.user.is_none() {
        return Ok(
            Redirect::to(&format!("/login?next={}", percent_encode(&uri.to_string())))
                .into_response(),
        );
    }
    ctx.authorize(Action::BookAppointment)?;
    let slot = q.get("slot").cloned().unwrap_or_default();
    let item = q.get("item").map(String::as_str);
    book_page(
        &state,
        &ctx,
        &slot,
        q.get("hall"),
        item,
        None,
        StatusCode::OK,
    )
    .await
}

/// The item form for a slot: no item chosen for the person unless he came
/// from an item's page (`item`); an error names the field.
async fn book_page(
    state: &AppState,
    ctx: &Ctx,
    slot: &str,
    hall: Option<&String>,
    item: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let index = state.catalogue.index(state.store.as_ref()).await?;
    let items: Vec<Value> = index
        .docs()
        .iter()
        .filter(|d| !d.modes.is_empty())
        .map(|d| {
            let code = d.summary.code.as_str();
            context! { code, name => &d.summary.name, selected => item == Some(code) }
        })
        .collect();
    let mut res = page(
        state,
        ctx,
        "appointment_book.html",
        "/appointments",
        "appointments",
        context! { title => "预约办事：选择事项", slot, items, hall, error },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// Books from the form.
pub async fn book(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(p): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let body = BookBody {
        slot: p.get("slot").cloned().unwrap_or_default(),
        item: p.get("item").cloned().unwrap_or_default(),
    };
    let mut q = HashMap::new();
    if let Some(h) = p.get("hall") {
        q.insert("hall".to_owned(), h.clone());
    }
    match book_slot(&state, &ctx, &body).await {
        Ok(a) => {
            q.insert("hall".to_owned(), a.hall.id.to_string());
            let msg = format!(
                "预约成功：{}，预约号 {}，{} {}–{}，{}（{}）",
                a.item_name, a.booking_no, a.day, a.start, a.end, a.hall.name, a.window.name
            );
            render(&state, &ctx, &q, None, Some(msg), StatusCode::OK).await
        }
        // No item chosen: the form again, the field named.
        Err(mut e) if e.fields.contains_key("item") => {
            let msg = super::shown_in_place(&state, &mut e).await;
            book_page(
                &state,
                &ctx,
                &body.slot,
                p.get("hall"),
                None,
                Some(msg),
                e.status,
            )
            .await
        }
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render(&state, &ctx, &q, Some(msg), None, e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancels from the list.
pub async fn cancel(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let a = cancel_booking(&state, &ctx, id).await?;
    let mut q = HashMap::new();
    q.insert("hall".to_owned(), a.hall.id.to_string());
    render(
        &state,
        &ctx,
        &q,
        None,
        Some(format!("已取消预约 {}", a.booking_no)),
        StatusCode::OK,
    )
    .await
}
