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
        q.get("day").and_then(|d| {
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()
        }),
        q.get("cursor").map(String::as_str),
    )
    .await
    .map_err(|e| ctx.fail(e))?;
    let values = context! {
        title => crate::lang::t("预约办事"), error, notice, item => q.get("item"),
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
    book_page(&state, &ctx, &slot, &q, None, StatusCode::OK).await
}

/// The item form for a slot: no item chosen for the person unless he came
/// from an item's page or chose one (`item`); a home visit also asks where
/// and why; an error names the field.
async fn book_page(
    state: &AppState,
    ctx: &Ctx,
    slot: &str,
    p: &HashMap<String, String>,
    error: Option<(String, std::collections::BTreeMap<String, String>)>,
    status: StatusCode,
) -> PageResult {
    let (hall, item) = (p.get("hall"), p.get("item").map(String::as_str));
    let kind = tongban_app::appointments::slot_kind(&state.app(), slot).await?;
    let home_visit = kind == Some(tongban_domain::appointment::AppointmentKind::HomeVisit);
    let (error, fields) = error.unzip();
    let reasons: Vec<Value> = tongban_domain::appointment::VisitReason::all()
        .iter()
        .map(|r| context! { id => r.as_str(), label => r.label(), checked => p.get("visit_reason").map(String::as_str) == Some(r.as_str()) })
        .collect();
    let index = state
        .catalogue
        .index(state.store.as_ref(), state.now.today())
        .await?;
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
        context! {
            title => crate::lang::t("预约办事：选择事项"), slot, items, hall, error, fields, home_visit, reasons,
            visit_address => p.get("visit_address"),
        },
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
        visit_address: p.get("visit_address").cloned(),
        visit_reason: p.get("visit_reason").cloned(),
    };
    let mut q = HashMap::new();
    if let Some(h) = p.get("hall") {
        q.insert("hall".to_owned(), h.clone());
    }
    match book_slot(&state, &ctx, &body).await {
        Ok(a) => {
            q.insert("hall".to_owned(), a.hall.id.to_string());
            let mut msg = tongban_domain::text!(
                "预约成功：{item}，预约号 {no}，{day} {start}–{end}，{hall}（{window}）",
                item = a.item_name.clone(),
                no = a.booking_no.clone(),
                day = a.day.to_string(),
                start = a.start.to_string(),
                end = a.end.to_string(),
                hall = a.hall.name.clone(),
                window = a.window.name.clone(),
            )
            .render(ctx.lang);
            if let Some(v) = &a.visit {
                msg.push_str(
                    &tongban_domain::text!(
                        "。上门服务：工作人员将到{address}（{reason}）",
                        address = v.address.clone(),
                        reason = crate::lang::t(&v.reason_label),
                    )
                    .render(ctx.lang),
                );
            }
            render(&state, &ctx, &q, None, Some(msg), StatusCode::OK).await
        }
        // No item chosen, or a home visit without where or why: the form
        // again, each field named.
        Err(mut e)
            if ["item", "visit_address", "visit_reason"]
                .iter()
                .any(|f| e.fields.contains_key(*f)) =>
        {
            let msg = super::shown_in_place(&state, &mut e).await;
            let fields = e.fields_in(ctx.lang).into_iter().collect();
            book_page(&state, &ctx, &body.slot, &p, Some((msg, fields)), e.status).await
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
        Some(tongban_domain::text!("已取消预约 {no}", no = a.booking_no.clone()).render(ctx.lang)),
        StatusCode::OK,
    )
    .await
}

/// The appointment pages.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/appointments", get(slots_page))
        .route("/appointments/book", get(book_form).post(book))
        .route("/appointments/{id}/cancel", post(cancel))
}
