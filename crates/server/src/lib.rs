//! The HTTP face of tongban: the JSON API under `/api/v1` (with its OpenAPI
//! document generated from the handlers) and the server-rendered zh-CN pages.
//! Only this crate knows HTTP.

pub mod api;
pub mod audit;
pub mod auth;
pub use tongban_app::blobs;
pub use tongban_app::calendar;
pub use tongban_app::catalogue;
pub mod codes;
pub mod devices;
pub mod documents;
pub mod error;
pub mod extract;
pub mod guide_map;
pub mod lang;
pub mod manual;
pub use tongban_app::licences;
pub mod outbox;
pub mod pages;
pub use tongban_app::sms;

use axum::Router;
use axum::http::{HeaderValue, header};
use std::net::SocketAddr;
use std::sync::Arc;
use tongban_store::Store;
use tower_http::set_header::SetResponseHeaderLayer;

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Largest request body in bytes (uploads included).
    pub max_body_bytes: usize,
    /// Where uploaded files are stored.
    pub files_dir: std::path::PathBuf,
    /// Working days a 差评's rectification is due in (default 5).
    pub rectify_days: Option<u32>,
    /// Working hours after which a case that arrived at a department and
    /// that nobody took up is told to the department's admins (default 4).
    pub arrival_hours: Option<u32>,
    /// Seconds without a touch after which a kiosk screen is cleared.
    pub kiosk_idle_seconds: u32,
    /// The window's local device service (ID-card reader, document
    /// camera) the workbench pages talk to, e.g. `http://127.0.0.1:17990`;
    /// none: the pages offer no device buttons.
    pub device_service: Option<String>,
    /// Serve the simulated device service at `/devices/sim` (the demo).
    pub device_simulator: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            max_body_bytes: 12 * 1024 * 1024,
            files_dir: "./tongban-files".into(),
            rectify_days: None,
            arrival_hours: None,
            kiosk_idle_seconds: 90,
            device_service: None,
            device_simulator: false,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Catalogue search, cached per catalogue revision.
    pub catalogue: Arc<catalogue::CatalogueCache>,
    /// Page templates.
    pub templates: Arc<pages::Templates>,
    /// Settings.
    pub settings: Settings,
    /// A hash to verify against when an account does not exist (timing).
    pub dummy_hash: Arc<str>,
    /// The clock (unix ms); tests fix it.
    pub now: Now,
    /// Uploaded files.
    pub blobs: Arc<dyn blobs::BlobStore>,
    /// City and calendar lookups, cached per reference-data revision.
    pub refdata: Arc<tongban_app::RefCache>,
    /// Who proves identities (the local accounts, or a province's SSO).
    pub identity: Arc<dyn auth::IdentityProvider>,
    /// Where text messages go (the demo writes them to the log).
    pub sender: Arc<dyn sms::Sender>,
    /// Wakes the outbox worker after a change has written messages.
    pub outbox: Arc<outbox::Wakeup>,
    /// The e-licence library (the demo answers from fixed rules).
    pub licences: Arc<dyn licences::LicenceLibrary>,
    /// Bearer tokens seen per address, to record first use in the audit log.
    pub token_uses: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// The simulated counter devices (served when the settings say so).
    pub devices: Arc<devices::Simulator>,
    /// The video service of video checks (the demo makes links up).
    pub video: Arc<dyn tongban_app::video::VideoService>,
}

pub use tongban_app::{Now, shanghai_date};

impl AppState {
    /// Whether this is the first use of a bearer token from `addr` that this
    /// process has seen (bounded memory: forgets all after 50,000 pairs).
    pub fn first_token_use(&self, token_hash: &str, addr: &str) -> bool {
        let mut seen = self.token_uses.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() > 50_000 {
            seen.clear();
        }
        seen.insert(format!("{token_hash} {addr}"))
    }

    /// The application layer over this state's store, clock and caches
    /// (a few reference counts: built per call).
    pub fn app(&self) -> tongban_app::App {
        tongban_app::App {
            store: self.store.clone(),
            refdata: self.refdata.clone(),
            now: self.now.clone(),
            outbox: self.outbox.clone(),
            blobs: self.blobs.clone(),
            licences: self.licences.clone(),
            catalogue: self.catalogue.clone(),
            rectify_days: self.settings.rectify_days,
            arrival_hours: self.settings.arrival_hours,
            sender: self.sender.clone(),
            video: self.video.clone(),
        }
    }

    /// State over a store.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let blobs: Arc<dyn blobs::BlobStore> =
            Arc::new(blobs::FsBlobStore::new(settings.files_dir.clone()));
        Self {
            store,
            catalogue: Arc::new(catalogue::CatalogueCache::default()),
            templates: Arc::new(pages::Templates::new()),
            settings,
            dummy_hash: auth::hash_password("tongban-dummy-password").into(),
            now: Now::system(),
            blobs,
            refdata: Arc::default(),
            token_uses: Arc::default(),
            devices: Arc::default(),
            sender: Arc::new(sms::LogSender),
            outbox: Arc::default(),
            licences: Arc::new(licences::DemoLibrary),
            identity: Arc::new(auth::LocalAccounts),
            video: Arc::new(tongban_app::video::DemoVideo),
        }
    }
}

/// The whole application: API, OpenAPI document, pages, static files.
pub fn router(state: AppState) -> Router {
    tongban_domain::i18n::set_current(lang::current);
    let (api, openapi) = api::router().split_for_parts();
    let openapi_json = Arc::new(openapi.to_pretty_json().unwrap_or_default());
    let max_body = state.settings.max_body_bytes;
    let csp = content_security_policy(&state.settings);
    let devices = match state.settings.device_simulator {
        true => devices::router(),
        false => Router::new(),
    };
    Router::new()
        .nest("/api/v1", api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let j = openapi_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], (*j).clone()) }
            }),
        )
        .merge(pages::router())
        .merge(devices)
        .route("/healthz", axum::routing::get(healthz))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::layer,
        ))
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(axum::middleware::from_fn(lang::layer))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// The pages' content security policy: our own origin only, and the
/// window's device service when it lives elsewhere (a vendor's local
/// service on the clerk's machine).
fn content_security_policy(settings: &Settings) -> HeaderValue {
    let device = settings
        .device_service
        .as_deref()
        .and_then(device_origin)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'self'; connect-src 'self'{device}; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    );
    HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"))
}

/// The origin (`http://host:port`) of an absolute device-service URL; none
/// for a path on our own origin or anything else.
pub fn device_origin(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let host = &rest[..host_end];
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b));
    ok.then(|| &url[..url.len() - rest.len() + host_end])
}

async fn healthz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> Result<&'static str, error::ApiError> {
    s.store.catalogue_revision().await?;
    Ok("ok")
}

/// Serves the application on `listener` until ctrl-c, with the outbox
/// worker running beside it.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    // Cases from before due dates were kept get theirs (a no-op after that).
    let n = tongban_app::cases::clock::store_missing_due_dates(&state.app())
        .await
        .map_err(std::io::Error::other)?;
    if n > 0 {
        tracing::info!(cases = n, "due dates stored");
    }
    let worker = outbox::spawn(state.clone());
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    worker.abort();
    Ok(())
}
