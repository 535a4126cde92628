//! 通办清单批次 pages: platform admins' `/work/list-batches` (the batches,
//! a new draft) and `/work/list-batches/{no}` (entries, the difference from
//! the list in force, bulk add, XLSX import and export, submit, publish or
//! send back); the public `/list/batches/{no}`.

use super::{CsrfForm, PageResult, SignedPage, page, shown_in_place};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Params;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use minijinja::value::Serde;
use tongban_app::list_batches as lb;
use tongban_domain::city::RegionLevel;
use tongban_domain::tongban::Mode;

type Form = Vec<(String, String)>;

fn field<'a>(form: &'a Form, k: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.trim())
}

fn all<'a>(form: &'a Form, k: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    form.iter()
        .filter(move |(n, _)| n == k)
        .map(|(_, v)| v.trim())
}

/// The batches, newest first, and a form for a new draft.
pub async fn list(State(state): State<AppState>, ctx: SignedPage, p: Params) -> PageResult {
    render_list(&state, &ctx, p.get("cursor"), None, StatusCode::OK).await
}

async fn render_list(
    state: &AppState,
    ctx: &SignedPage,
    cursor: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let actor = ctx.signed()?;
    let app = state.app();
    let list = lb::list_batches(&app, &actor, cursor)
        .await
        .map_err(|e| ctx.fail(e))?;
    let mut res = page(
        state,
        ctx,
        "list_batches.html",
        "/work/list-batches",
        "list-batches",
        context! { title => crate::lang::t("清单批次"), batches => Serde(&list.batches), next => list.next, error },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// Starts a draft and opens it.
pub async fn create(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(form): CsrfForm<Form>,
) -> PageResult {
    let actor = ctx.signed()?;
    let cmd = lb::NewBatch {
        name: field(&form, "name").to_owned(),
    };
    match lb::create_batch(&state.app(), &actor, &cmd).await {
        Ok(b) => Ok(Redirect::to(&format!("/work/list-batches/{}", b.no)).into_response()),
        Err(e) => {
            let mut e = ctx.fail(e);
            if !e.status.is_client_error() || e.status == StatusCode::FORBIDDEN {
                return Err(e.into());
            }
            let msg = shown_in_place(&state, &mut e).await;
            render_list(&state, &ctx, None, Some(msg), e.status).await
        }
    }
}

/// A batch's page.
pub async fn detail(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(no): Path<i32>,
    p: Params,
) -> PageResult {
    render_detail(&state, &ctx, no, None, p.get("done"), StatusCode::OK).await
}

async fn render_detail(
    state: &AppState,
    ctx: &SignedPage,
    no: i32,
    error: Option<String>,
    done: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let actor = ctx.signed()?;
    let app = state.app();
    let d = lb::batch_detail(&app, &actor, no)
        .await
        .map_err(|e| ctx.fail(e))?;
    let lookups = tongban_app::Lookups::load(&app).await?;
    let halls: Vec<_> = (lookups.data().halls.iter())
        .map(|h| context! { id => h.id.0, name => &h.name })
        .collect();
    let modes: Vec<_> = (Mode::ALL.iter())
        .map(|m| context! { id => m.as_str(), label => m.label() })
        .collect();
    let levels: Vec<_> = (RegionLevel::ALL.iter())
        .map(|l| context! { id => l.as_str(), label => l.label() })
        .collect();
    let done = done.map(|d| {
        crate::lang::t(match d {
            "entries" => "已写入批次。",
            "import" => "已导入表格中的全部事项。",
            "submit" => "已提交审核。",
            "publish" => "已审核发布。",
            "return" => "已退回起草人。",
            _ => "已保存。",
        })
    });
    let mut res = page(
        state,
        ctx,
        "list_batch.html",
        &format!("/work/list-batches/{no}"),
        "list-batches",
        context! {
            title => tongban_domain::text!("清单批次：{name}", name = d.batch.name.clone()).render(ctx.lang), d => Serde(&d), halls, modes, levels, error, done,
        },
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// What a step's failure shows: the batch page with the message in place
/// (a correctable error), or the error page.
async fn after(
    state: &AppState,
    ctx: &SignedPage,
    no: i32,
    done: &str,
    r: Result<lb::BatchDetail, tongban_app::AppError>,
) -> PageResult {
    match r.map_err(|e| ctx.fail(e)) {
        Ok(_) => Ok(Redirect::to(&format!("/work/list-batches/{no}?done={done}")).into_response()),
        Err(mut e)
            if e.status.is_client_error()
                && e.status != StatusCode::NOT_FOUND
                && e.status != StatusCode::FORBIDDEN =>
        {
            let msg = shown_in_place(state, &mut e).await;
            render_detail(state, ctx, no, Some(msg), None, e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Bulk add: the items typed (codes, by comma or line) × the modes, levels
/// and halls ticked — or their removal from the list.
pub async fn add_entries(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(no): Path<i32>,
    CsrfForm(form): CsrfForm<Form>,
) -> PageResult {
    let actor = ctx.signed()?;
    let cmd = lb::BatchEntries {
        items: vec![field(&form, "items").to_owned()],
        modes: all(&form, "modes").filter_map(Mode::parse).collect(),
        levels: all(&form, "levels")
            .filter_map(RegionLevel::parse)
            .collect(),
        halls: all(&form, "halls").filter_map(|h| h.parse().ok()).collect(),
        remove: field(&form, "remove") == "1",
    };
    let r = lb::add_entries(&state.app(), &actor, no, &cmd).await;
    after(&state, &ctx, no, "entries", r).await
}

/// Takes one item's entry out of the draft.
pub async fn drop_entry(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(no): Path<i32>,
    CsrfForm(form): CsrfForm<Form>,
) -> PageResult {
    let actor = ctx.signed()?;
    let cmd = lb::DropEntries {
        items: vec![field(&form, "item").to_owned()],
    };
    let r = lb::drop_entries(&state.app(), &actor, no, &cmd).await;
    after(&state, &ctx, no, "entries", r).await
}

/// Submit, publish or send back.
pub async fn step(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path((no, step)): Path<(i32, String)>,
    CsrfForm(form): CsrfForm<Form>,
) -> PageResult {
    let actor = ctx.signed()?;
    let app = state.app();
    let r = match step.as_str() {
        "submit" => lb::submit_batch(&app, &actor, no).await,
        "publish" => {
            let cmd = lb::PublishBatch {
                effective: field(&form, "effective").to_owned(),
            };
            lb::publish_batch(&app, &actor, no, &cmd).await
        }
        "return" => {
            let cmd = lb::ReturnBatch {
                reason: field(&form, "reason").to_owned(),
            };
            lb::return_batch(&app, &actor, no, &cmd).await
        }
        _ => return Err(ApiError::not_found().into()),
    };
    after(&state, &ctx, no, &step, r).await
}

/// The batch as XLSX.
pub async fn export(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(no): Path<i32>,
) -> PageResult {
    let actor = ctx.signed()?;
    let x = lb::export_batch(&state.app(), &actor, no, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(crate::api::list_batches::xlsx_response(x))
}

/// Imports an uploaded XLSX sheet (multipart, with the CSRF token).
pub async fn import(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(no): Path<i32>,
    form: axum::extract::Multipart,
) -> PageResult {
    let form = crate::api::materials::read_form(form).await?;
    ctx.check_csrf(&HeaderMap::new(), form.text.get("csrf").map(String::as_str))?;
    let actor = ctx.signed()?;
    let bytes = form.file.unwrap_or_default();
    let r = lb::import_batch(&state.app(), &actor, no, &bytes).await;
    after(&state, &ctx, no, "import", r).await
}

/// A published batch's public page.
pub async fn public(
    State(state): State<AppState>,
    ctx: crate::auth::Ctx,
    Path(no): Path<i32>,
) -> PageResult {
    ctx.authorize(tongban_domain::authz::Action::ReadPublic)?;
    let d = lb::public_batch(&state.app(), no)
        .await
        .map_err(|e| ctx.fail(e))?;
    page(
        &state,
        &ctx,
        "list_batch_public.html",
        &format!("/list/batches/{no}"),
        "list",
        context! { title => d.batch.name.clone(), d => Serde(&d) },
    )
}

/// The list batches' pages (platform admins).
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/work/list-batches", get(list).post(create))
        .route("/work/list-batches/{no}", get(detail))
        .route("/work/list-batches/{no}/entries", post(add_entries))
        .route("/work/list-batches/{no}/drop", post(drop_entry))
        .route("/work/list-batches/{no}/steps/{step}", post(step))
        .route("/work/list-batches/{no}/export.xlsx", get(export))
        .route("/work/list-batches/{no}/import", post(import))
}
