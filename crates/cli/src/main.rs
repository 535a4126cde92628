//! `tongban`: the one binary. Serves the application, runs the demo city,
//! migrates, manages accounts, imports and exports the catalogue, and runs
//! benchmarks.

mod bench;
mod config;
mod http;
mod items_io;
mod scale;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// 莆田市政务服务全域通办 — tongban.
#[derive(Debug, Parser)]
#[command(name = "tongban", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file (keys: db, listen, secure_cookies, log).
    #[arg(long, global = true, env = "TONGBAN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the application on an existing database (never creates demo data).
    Serve {
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
        /// Address to listen on.
        #[arg(long, env = "TONGBAN_LISTEN")]
        listen: Option<String>,
        /// Mark cookies Secure (serve behind HTTPS).
        #[arg(long, env = "TONGBAN_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Directory for uploaded files (scanned materials).
        #[arg(long, env = "TONGBAN_FILES")]
        files: Option<PathBuf>,
        /// Seconds without a touch after which a kiosk (自助机) screen is cleared.
        #[arg(long, env = "TONGBAN_KIOSK_IDLE", default_value_t = 90, value_parser = clap::value_parser!(u32).range(3..=3600))]
        kiosk_idle: u32,
        /// Working days a 差评's rectification is due in (default 5).
        #[arg(long, env = "TONGBAN_RECTIFY_DAYS", value_parser = clap::value_parser!(u32).range(1..=60))]
        rectify_days: Option<u32>,
        /// Working hours after which a case that arrived at a department and
        /// that nobody took up is told to the department's admins.
        #[arg(long, env = "TONGBAN_ARRIVAL_HOURS", value_parser = clap::value_parser!(u32).range(1..=80))]
        arrival_hours: Option<u32>,
        /// The windows' local device service (ID-card reader, document
        /// camera) the workbench talks to, e.g. http://127.0.0.1:17990.
        #[arg(long, env = "TONGBAN_DEVICE_SERVICE")]
        device_service: Option<String>,
        /// Serve simulated counter devices at /devices/sim (and use them
        /// unless --device-service says otherwise).
        #[arg(long, env = "TONGBAN_DEVICE_SIMULATOR")]
        device_simulator: bool,
    },
    /// Create (or reuse) a SQLite demo database seeded with the demo city, then serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Demo database: a SQLite file, or a `postgres://` URL of an
        /// empty database (seeded on first start).
        #[arg(long, default_value = "./tongban-demo.db")]
        db: String,
        /// Add synthetic items up to this many in total (e.g. 3100).
        #[arg(long, default_value_t = 0)]
        scale: usize,
        /// Delete the demo database first.
        #[arg(long)]
        reset: bool,
        /// Seconds without a touch after which a kiosk (自助机) screen is cleared.
        #[arg(long, env = "TONGBAN_KIOSK_IDLE", default_value_t = 90, value_parser = clap::value_parser!(u32).range(3..=3600))]
        kiosk_idle: u32,
    },
    /// Apply database migrations.
    Migrate {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
    /// Manage accounts.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Import the catalogue from CSV or XLSX (all rows or nothing).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export the catalogue to CSV or XLSX.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Audit: check that no case timeline was edited, removed or reordered.
    Audit {
        #[command(subcommand)]
        what: AuditWhat,
    },
    /// The working-day calendar (official holiday tables).
    Calendar {
        #[command(subcommand)]
        what: CalendarWhat,
    },
    /// The outbox: text messages waiting, sent or failed; resend failed ones.
    Outbox {
        #[command(subcommand)]
        what: OutboxWhat,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        what: bench::BenchWhat,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add an account.
    Add {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
        /// Login name.
        #[arg(long)]
        username: String,
        /// Password (at least 8 characters).
        #[arg(long, env = "TONGBAN_NEW_PASSWORD", hide_env_values = true)]
        password: String,
        /// applicant, clerk, guide, agent, reviewer, hall_admin, department_admin, platform_admin
        #[arg(long)]
        role: String,
        /// Hall id (clerk, guide, agent, hall_admin).
        #[arg(long, conflicts_with = "department")]
        hall: Option<i64>,
        /// Department id (reviewer, department_admin).
        #[arg(long)]
        department: Option<i64>,
        /// Display name (defaults to the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// Household registration region code (applicants), e.g. 350322.
        #[arg(long)]
        household_region: Option<String>,
    },
    /// List accounts.
    List {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditWhat {
    /// Verify every case's hash chain; exits 1 naming the first broken case.
    Verify {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum OutboxWhat {
    /// List messages by status (failed by default), newest first.
    List {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
        /// pending, sent or failed.
        #[arg(long, default_value = "failed")]
        status: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Put a failed message back in the queue (recorded in the audit log).
    Resend {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
        /// The message id.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
enum CalendarWhat {
    /// List the years with official data, and warn about missing ones.
    List {
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
    /// Import years from a TOML table (the layout of data/cn-holidays.toml); replaces those years.
    Import {
        /// The table.
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ImportWhat {
    /// Catalogue items; the format follows the extension (.csv or .xlsx).
    Items {
        /// The file.
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
    /// The city (regions, departments, halls, windows, staff, named staff)
    /// from one XLSX workbook: all rows or nothing.
    City {
        /// The workbook (.xlsx).
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// Catalogue items; the format follows the extension (.csv or .xlsx).
    Items {
        /// The file.
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
    /// The city as one XLSX workbook.
    City {
        /// The workbook (.xlsx).
        file: PathBuf,
        /// Database URL.
        #[arg(long, env = "TONGBAN_DB")]
        db: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match config::FileConfig::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("错误：{e}");
            return ExitCode::from(2);
        }
    };
    config::init_logging(cfg.log.as_deref());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(cli.command, cfg)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

async fn run(cmd: Command, cfg: config::FileConfig) -> AnyResult<ExitCode> {
    match cmd {
        Command::Serve {
            db,
            listen,
            secure_cookies,
            files,
            kiosk_idle,
            rectify_days,
            arrival_hours,
            device_service,
            device_simulator,
        } => {
            let db = cfg.db(db)?;
            let listen = listen
                .or(cfg.listen.clone())
                .unwrap_or_else(|| "127.0.0.1:8080".into());
            let store = tongban_store::open(&db).await?;
            tongban_server::calendar::ensure_official(store.as_ref()).await?;
            let settings = tongban_server::Settings {
                secure_cookies: secure_cookies || cfg.secure_cookies.unwrap_or(false),
                files_dir: files
                    .or(cfg.files.clone())
                    .unwrap_or_else(|| "./tongban-files".into()),
                rectify_days: rectify_days.or(cfg.rectify_days),
                arrival_hours,
                kiosk_idle_seconds: kiosk_idle,
                device_service: device_service
                    .or(device_simulator.then(|| tongban_server::devices::SIM_BASE.into())),
                device_simulator,
                ..Default::default()
            };
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!(
                "tongban 已启动：http://{}（数据库：{}）",
                listener.local_addr()?,
                tongban_store::redact_url(&db)
            );
            tongban_server::serve(listener, tongban_server::AppState::new(store, settings)).await?;
        }
        Command::Demo {
            listen,
            db,
            scale,
            reset,
            kiosk_idle,
        } => {
            let postgres = db.starts_with("postgres://") || db.starts_with("postgresql://");
            if reset && postgres {
                return Err("--reset 只用于 SQLite 演示库；PostgreSQL 请换一个空数据库".into());
            }
            if reset {
                for suffix in ["", "-wal", "-shm"] {
                    let p = PathBuf::from(format!("{db}{suffix}"));
                    if p.exists() {
                        std::fs::remove_file(&p)?;
                    }
                }
                let files = PathBuf::from(format!("{db}.files"));
                if files.exists() {
                    std::fs::remove_dir_all(&files)?;
                }
            }
            let (url, files) = match postgres {
                true => (db.clone(), PathBuf::from("./tongban-demo-files")),
                false => (
                    format!("sqlite://{db}"),
                    PathBuf::from(format!("{db}.files")),
                ),
            };
            let shown = tongban_store::redact_url(&url);
            let store = tongban_store::open(&url).await?;
            tongban_server::calendar::ensure_official(store.as_ref()).await?;
            if tongban_demo::is_seeded(store.as_ref()).await? {
                println!("沿用已有演示数据库：{shown}（--reset 可重建）");
            } else {
                println!("正在创建演示数据库：{shown} …");
                tongban_demo::seed(store.as_ref(), scale, &tongban_server::auth::hash_password)
                    .await?;
            }
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!(
                "\n莆田市政务服务全域通办（演示）：http://{}/\n",
                listener.local_addr()?
            );
            println!("演示账号（密码均为 {}）：", tongban_demo::DEMO_PASSWORD);
            for a in tongban_demo::ACCOUNTS {
                println!("  {:<26} {}", a.username, a.description);
            }
            println!();
            tongban_server::serve(
                listener,
                tongban_server::AppState::new(
                    store,
                    tongban_server::Settings {
                        files_dir: files,
                        kiosk_idle_seconds: kiosk_idle,
                        // The demo's windows have simulated counter devices.
                        device_service: Some(tongban_server::devices::SIM_BASE.into()),
                        device_simulator: true,
                        ..Default::default()
                    },
                ),
            )
            .await?;
        }
        Command::Migrate { db } => {
            let db = cfg.db(db)?;
            let store = tongban_store::open(&db).await?;
            tongban_server::calendar::ensure_official(store.as_ref()).await?;
            let app = tongban_app::App::new(store, Default::default());
            tongban_app::cases::clock::store_missing_due_dates(&app).await?;
            println!("迁移完成：{}", tongban_store::redact_url(&db));
        }
        Command::Users { command } => match command {
            UsersCommand::Add {
                db,
                username,
                password,
                role,
                hall,
                department,
                display_name,
                household_region,
            } => {
                let db = cfg.db(db)?;
                let store = tongban_store::open(&db).await?;
                let app = tongban_app::App::new(store, Default::default());
                let cmd = tongban_app::users::AddUser {
                    username: username.clone(),
                    password,
                    role,
                    hall,
                    department,
                    display_name,
                    household_region,
                };
                let actor = tongban_app::Actor::operator();
                let id = match tongban_app::users::add_user(&app, &actor, cmd).await {
                    Ok(id) => id,
                    Err(tongban_app::AppError::Invalid(errs)) => {
                        // Each field is the flag that gave it.
                        for e in &errs.0 {
                            eprintln!("错误：--{}：{}", e.field.replace('_', "-"), e.message);
                        }
                        return Ok(ExitCode::from(2));
                    }
                    Err(e) => return Err(e.into()),
                };
                println!("已创建账号 {username}（id {id}）");
            }
            UsersCommand::List { db } => {
                let store = tongban_store::open(&cfg.db(db)?).await?;
                for u in store.users().await? {
                    println!(
                        "{}\t{}\t{}\t{:?}",
                        u.id,
                        u.username,
                        u.role.as_str(),
                        u.scope
                    );
                }
            }
        },
        Command::Import {
            what: ImportWhat::Items { file, db },
        } => {
            let store = tongban_store::open(&cfg.db(db)?).await?;
            match items_io::import(store.as_ref(), &file).await? {
                Ok(n) => println!("导入完成：{} 项事项，{} 项产生新版本", n.0, n.1),
                Err(errors) => {
                    eprintln!("导入失败，未导入任何数据。共 {} 处错误：", errors.len());
                    for e in errors {
                        eprintln!("  {e}");
                    }
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Import {
            what: ImportWhat::City { file, db },
        } => {
            let store = tongban_store::open(&cfg.db(db)?).await?;
            let app = tongban_app::App::new(store, Default::default());
            let bytes = std::fs::read(&file)?;
            let actor = tongban_app::Actor::operator();
            match tongban_app::city_admin::workbook::import_city(&app, &actor, &bytes).await {
                Ok(r) => {
                    let rows: Vec<String> = r
                        .rows
                        .iter()
                        .map(|s| format!("{} {} 行", s.sheet, s.rows))
                        .collect();
                    println!("导入完成：{}", rows.join("，"));
                    if !r.new_accounts.is_empty() {
                        println!("新建账号及初始密码（仅显示这一次，请分发并要求修改）：");
                        for a in &r.new_accounts {
                            println!("  {}\t{}", a.username, a.initial_password);
                        }
                    }
                    for w in &r.warnings {
                        println!("注意：{}", w.message);
                    }
                }
                Err(tongban_app::AppError::Invalid(errs)) => {
                    eprintln!("导入失败，未导入任何数据。共 {} 处错误：", errs.0.len());
                    for e in errs.0 {
                        eprintln!("  {}", e.message);
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Export {
            what: ExportWhat::City { file, db },
        } => {
            let store = tongban_store::open(&cfg.db(db)?).await?;
            let app = tongban_app::App::new(store, Default::default());
            let actor = tongban_app::Actor::operator();
            let bytes = tongban_app::city_admin::workbook::export_city(
                &app,
                &actor,
                tongban_domain::i18n::Lang::ZhCn,
            )
            .await?;
            std::fs::write(&file, bytes)?;
            println!("已导出城市设置到 {}", file.display());
        }
        Command::Export {
            what: ExportWhat::Items { file, db },
        } => {
            let store = tongban_store::open(&cfg.db(db)?).await?;
            let n = items_io::export(store.as_ref(), &file).await?;
            println!("已导出 {n} 项事项到 {}", file.display());
        }
        Command::Bench { what } => bench::run(what).await?,
        Command::Outbox { what } => outbox(&cfg, what).await?,
        Command::Audit {
            what: AuditWhat::Verify { db },
        } => {
            let store = tongban_store::open(&cfg.db(db)?).await?;
            let mut broken = false;
            match tongban_store::verify_timelines(store.as_ref()).await? {
                Ok(n) => println!("审计通过：{n} 件办件的时间线完整，未被篡改"),
                Err(b) => {
                    eprintln!(
                        "审计失败：办件 {} 的第 {} 条事件校验不通过（{}）",
                        b.case_no, b.seq, b.reason
                    );
                    broken = true;
                }
            }
            match tongban_store::verify_audit_log(store.as_ref()).await? {
                Ok(n) => println!("审计通过：安全审计日志 {n} 条记录完整，未被篡改"),
                Err(b) => {
                    eprintln!(
                        "审计失败：安全审计日志第 {} 条记录校验不通过（{}）",
                        b.seq, b.reason
                    );
                    broken = true;
                }
            }
            if broken {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Calendar { what } => match what {
            CalendarWhat::List { db } => {
                let store = tongban_store::open(&cfg.db(db)?).await?;
                tongban_server::calendar::ensure_official(store.as_ref()).await?;
                let cal = tongban_server::calendar::load(store.as_ref()).await?;
                for y in cal.years() {
                    println!(
                        "{}\t{}\t放假 {} 天，调休上班 {} 天",
                        y.year,
                        y.source,
                        y.off.len(),
                        y.work.len()
                    );
                }
                let today = tongban_server::shanghai_date(tongban_store::now_ms());
                for y in cal.missing_years(today) {
                    println!(
                        "警告：{y} 年尚无官方放假安排，跨入该年的期限暂按法定节假日推算（未含调休）并标注为临时"
                    );
                }
            }
            CalendarWhat::Import { file, db } => {
                let store = tongban_store::open(&cfg.db(db)?).await?;
                let text = std::fs::read_to_string(&file)?;
                let years = tongban_server::calendar::parse_table(&text)?;
                for y in &years {
                    store
                        .put_calendar_year(y, None, tongban_store::now_ms())
                        .await?;
                    println!("已导入 {} 年（{}）", y.year, y.source);
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// `tongban outbox …`: the same listing and resend as the admin's page, as
/// the command-line operator.
async fn outbox(cfg: &config::FileConfig, what: OutboxWhat) -> AnyResult<()> {
    use tongban_server::api::outbox::{messages, resend};
    let (db, run): (Option<String>, _) = match what {
        OutboxWhat::List { db, status, limit } => (db, Ok((status, limit))),
        OutboxWhat::Resend { db, id } => (db, Err(id)),
    };
    let store = tongban_store::open(&cfg.db(db)?).await?;
    let state = tongban_server::AppState::new(store, Default::default());
    let ctx = tongban_server::auth::Ctx::operator();
    match run {
        Ok((status, limit)) => {
            let status = tongban_store::outbox::MessageStatus::parse(&status)
                .ok_or("--status 应为 pending、sent 或 failed")?;
            let page = messages(&state, &ctx, status, None, limit.clamp(1, 200))
                .await
                .map_err(|e| e.message.to_string())?;
            for m in &page.data {
                println!(
                    "{}\t{}\t{}\t{}\t尝试{}次\t{}\t{}",
                    m.id,
                    m.status,
                    m.created_at,
                    m.recipient,
                    m.attempts,
                    m.last_error.as_deref().unwrap_or("—"),
                    m.body
                );
            }
            println!("共 {} 条", page.data.len());
        }
        Err(id) => {
            let m = resend(&state, &ctx, id)
                .await
                .map_err(|e| e.message.to_string())?;
            println!("消息 {} 已重新排队发送（{}）", m.id, m.recipient);
        }
    }
    Ok(())
}
