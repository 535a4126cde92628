//! Configuration: command-line flags, then `TONGBAN_*` environment
//! variables, then the TOML file given by `--config`, then defaults.

use serde::Deserialize;
use std::path::Path;

/// Keys of the configuration file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL.
    pub db: Option<String>,
    /// Listen address.
    pub listen: Option<String>,
    /// Mark cookies Secure.
    pub secure_cookies: Option<bool>,
    /// Log filter, e.g. `info` or `tongban_server=debug`.
    pub log: Option<String>,
    /// Directory for uploaded files.
    pub files: Option<std::path::PathBuf>,
    /// Working days a 差评's rectification is due in.
    pub rectify_days: Option<u32>,
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConfig")
            .field("db", &self.db.as_deref().map(tongban_store::redact_url))
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("log", &self.log)
            .field("files", &self.files)
            .field("rectify_days", &self.rectify_days)
            .finish()
    }
}

impl FileConfig {
    /// Reads the file, if one is named.
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let Some(p) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("无法读取配置文件 {}：{e}", p.display()))?;
        toml::from_str(&text).map_err(|e| format!("配置文件 {} 有误：{e}", p.display()))
    }

    /// The database URL from the flag/env, else the file.
    pub fn db(&self, flag: Option<String>) -> Result<String, String> {
        flag.or_else(|| self.db.clone())
            .ok_or_else(|| "请用 --db、TONGBAN_DB 或配置文件中的 db 指定数据库（sqlite://路径 或 postgres://…）".into())
    }
}

/// Logs to stderr; `RUST_LOG` overrides the file's `log`.
pub fn init_logging(filter: Option<&str>) {
    use tracing_subscriber::EnvFilter;
    let f = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(filter.unwrap_or("info,sqlx=warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(f)
        .with_writer(std::io::stderr)
        .try_init();
}
