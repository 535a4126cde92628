//! The JSON API under `/api/v1`. Each module owns its handlers and their
//! request/response types; every handler asks [`crate::auth::Ctx::authorize`]
//! before it reads or writes, and states its access rule in its OpenAPI entry.

pub mod admin;
pub mod appointments;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod city;
pub mod documents;
pub mod evaluations;
pub mod grants;
pub mod list_batches;
pub mod manuals;
pub mod materials;
pub mod notifications;
pub mod outbox;
pub mod register;
pub mod session;
pub mod video;

use crate::AppState;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A page of a list: `{"data": [...], "total": N}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The rows of this page.
    pub data: Vec<T>,
    /// Rows in all pages.
    pub total: usize,
}

impl<T> Page<T> {
    /// Pages `all` by `limit`/`offset`.
    pub fn of(all: Vec<T>, limit: usize, offset: usize) -> Self {
        let total = all.len();
        Self {
            data: all.into_iter().skip(offset).take(limit).collect(),
            total,
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tongban 全域通办 API",
        version = "1",
        description = "政务服务全域通办。错误统一为 {\"code\", \"message\", \"fields\"}；参考数据列表为 {\"data\", \"total\"}（limit/offset）；随办件增长的列表（办件、审计日志、整改）为 {\"data\", \"next\"}，以 cursor 翻页，不计总数。每个接口的说明写明谁可以调用。"
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes with their OpenAPI document.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::create, session::delete))
        .routes(routes!(session::me))
        .routes(routes!(register::code))
        .routes(routes!(register::register))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::read))
        .routes(routes!(city::regions))
        .routes(routes!(city::halls))
        .routes(routes!(city::hall))
        .routes(routes!(city::departments))
        .routes(routes!(catalogue::list))
        .routes(routes!(catalogue::suggest))
        .routes(routes!(catalogue::get))
        .routes(routes!(catalogue::implementations))
        .routes(routes!(catalogue::guide))
        .routes(routes!(catalogue::guide_map))
        .routes(routes!(catalogue::get_aliases, catalogue::put_aliases))
        .routes(routes!(catalogue::tongban_list))
        .routes(routes!(manuals::hall))
        .routes(routes!(manuals::item))
        .routes(routes!(list_batches::list, list_batches::create))
        .routes(routes!(list_batches::get))
        .routes(routes!(list_batches::add_entries))
        .routes(routes!(list_batches::drop_entry))
        .routes(routes!(list_batches::submit))
        .routes(routes!(list_batches::publish))
        .routes(routes!(list_batches::send_back))
        .routes(routes!(list_batches::export, list_batches::import))
        .routes(routes!(cases::create, cases::list))
        .routes(routes!(cases::export))
        .routes(routes!(cases::get))
        .routes(routes!(cases::act))
        .routes(routes!(materials::upload))
        .routes(routes!(materials::download))
        .routes(routes!(materials::identity_photo))
        .routes(routes!(materials::licences, materials::use_licences))
        .routes(routes!(video::start, video::list))
        .routes(routes!(video::result))
        .routes(routes!(video::recording))
        .routes(routes!(documents::slip))
        .routes(routes!(documents::receipt))
        .routes(routes!(documents::notice))
        .routes(routes!(documents::rejection))
        .routes(routes!(calendar::list))
        .routes(routes!(calendar::put))
        .routes(routes!(grants::list, grants::create))
        .routes(routes!(grants::revoke))
        .routes(routes!(grants::audit))
        .routes(routes!(admin::city))
        .routes(routes!(admin::save_region))
        .routes(routes!(admin::retire_region))
        .routes(routes!(admin::create_hall))
        .routes(routes!(admin::update_hall))
        .routes(routes!(admin::retire_hall))
        .routes(routes!(admin::create_window))
        .routes(routes!(admin::update_window))
        .routes(routes!(admin::retire_window))
        .routes(routes!(admin::name_window_staff))
        .routes(routes!(admin::create_department))
        .routes(routes!(admin::update_department))
        .routes(routes!(admin::retire_department))
        .routes(routes!(admin::staff, admin::create_staff))
        .routes(routes!(admin::update_staff))
        .routes(routes!(admin::export_city, admin::import_city))
        .routes(routes!(admin::rollout))
        .routes(routes!(appointments::slots))
        .routes(routes!(appointments::book, appointments::list))
        .routes(routes!(appointments::cancel))
        .routes(routes!(appointments::plan))
        .routes(routes!(evaluations::create))
        .routes(routes!(evaluations::list))
        .routes(routes!(evaluations::follow_up))
        .routes(routes!(evaluations::close))
        .routes(routes!(evaluations::stats))
        .routes(routes!(outbox::list))
        .routes(routes!(outbox::resend_one))
}
