//! The security audit log as its readers see it: each event a sentence in
//! Chinese — who (name and hall or department), did what, to what, and with
//! what outcome (the reason of a refusal in words, naming the department
//! that has not granted a right) — filtered by date, account, kind, outcome
//! and case, keyset paged over every entry, and exported to XLSX (the
//! export itself audited).

mod words;

use crate::refdata::Lookups;
use crate::{Actor, App, AppError, AppResult};
use serde::Serialize;
use std::collections::HashMap;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::i18n::{Lang, Text};
use tongban_domain::timeline::StoredAudit;
use tongban_domain::user::User;
use tongban_domain::validate::{FieldError, ValidationErrors};
use tongban_store::{AuditFilter, StoreError};

pub use words::{KINDS, kind_label};

/// Events per page.
pub const PAGE_SIZE: i64 = 50;
/// The most events one export holds (the newest of the filter's).
pub const EXPORT_MAX: usize = 10_000;

/// The filters as typed (a form's or a query's fields); empty means none.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditQuery {
    /// First day (`YYYY-MM-DD`, China time), inclusive.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    /// The acting account's user name.
    pub user: Option<String>,
    /// The kind (`denied`, `login`, …; see [`KINDS`]).
    pub kind: Option<String>,
    /// `allowed` or `denied`.
    pub outcome: Option<String>,
    /// A case number (or any subject: `grant:ID`, `user:NAME` …).
    pub case_no: Option<String>,
    /// The acting account's id (the API's `actor`).
    pub actor: Option<i64>,
    /// The previous page's `next`.
    pub cursor: Option<String>,
    /// Events per page (1–200; [`PAGE_SIZE`] unless said).
    pub limit: Option<i64>,
}

/// The filters in force, as the page echoes them (and its links keep).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditFilters {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Account.
    pub user: String,
    /// Kind.
    pub kind: String,
    /// Outcome.
    pub outcome: String,
    /// Case number.
    pub case_no: String,
}

impl AuditFilters {
    /// The filters as a query string (without `?`), for links.
    pub fn query(&self) -> String {
        let pairs = [
            ("from", &self.from),
            ("to", &self.to),
            ("user", &self.user),
            ("kind", &self.kind),
            ("outcome", &self.outcome),
            ("case_no", &self.case_no),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode_component(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// One event, as a reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditLine {
    /// Position in the chain; 0 while it waits to be sealed.
    pub seq: i64,
    /// When, China time (`YYYY-MM-DD HH:MM:SS`).
    pub at: String,
    /// The kind's identifier.
    pub kind: String,
    /// The kind in words.
    pub kind_label: Text,
    /// `allowed` or `denied`.
    pub outcome: &'static str,
    /// 允许 or 被拒绝.
    pub outcome_label: Text,
    /// Who, in words: name and hall or department, or the name typed.
    pub who: Text,
    /// The whole event as a sentence.
    pub sentence: Text,
    /// What it concerns, as recorded.
    pub subject: String,
    /// The client address.
    pub addr: String,
    /// The recorded detail (JSON, indented), for the expandable raw view.
    pub detail: String,
    /// The event as stored (the API answers its fields).
    #[serde(skip)]
    pub event: StoredAudit,
}

/// A page of the log.
#[derive(Debug, Serialize)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditLine>,
    /// The cursor of the next page; none on the last.
    pub next: Option<String>,
    /// Whether this is the newest page.
    pub first: bool,
    /// The filters in force.
    pub filters: AuditFilters,
    /// The kinds to filter by: (identifier, words).
    pub kinds: Vec<KindOption>,
    /// The most rows an export holds.
    pub export_max: usize,
}

/// A kind to choose in the filter.
#[derive(Debug, Serialize)]
pub struct KindOption {
    /// Identifier.
    pub id: &'static str,
    /// Words.
    pub label: Text,
}

/// A page of the audit log for a platform admin.
pub async fn audit_page(app: &App, actor: &Actor, q: &AuditQuery) -> AppResult<AuditPage> {
    actor.authorize(Action::ReadAudit, &Trust::NONE)?;
    let (mut filter, filters) = parse(app, q).await?;
    filter.limit = q.limit.unwrap_or(PAGE_SIZE).clamp(1, 200);
    filter.before = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(crate::cursor::decode_audit)
        .transpose()?;
    let (rows, next) = app.store.audit_events(&filter).await?;
    let mut names = Names::load(app).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for e in &rows {
        entries.push(names.line(app, e).await?);
    }
    Ok(AuditPage {
        entries,
        next: next.map(crate::cursor::encode_audit),
        first: filter.before.is_none(),
        filters,
        kinds: KINDS
            .iter()
            .map(|&(id, label)| KindOption {
                id,
                label: label.into(),
            })
            .collect(),
        export_max: EXPORT_MAX,
    })
}

/// An export of the log.
#[derive(Debug)]
pub struct AuditExport {
    /// The XLSX file.
    pub bytes: Vec<u8>,
    /// Its file name.
    pub file_name: String,
    /// Events in it.
    pub rows: usize,
    /// Whether the filter matched more than [`EXPORT_MAX`].
    pub truncated: bool,
}

/// The newest [`EXPORT_MAX`] events of the filter as an XLSX workbook (a
/// sheet of sentences and a sheet saying what was exported), recorded in
/// the audit log. Its headings and sentences are in `lang`.
pub async fn audit_export(
    app: &App,
    actor: &Actor,
    q: &AuditQuery,
    lang: Lang,
) -> AppResult<AuditExport> {
    actor.authorize(Action::ReadAudit, &Trust::NONE)?;
    let (mut filter, filters) = parse(app, q).await?;
    let mut names = Names::load(app).await?;
    let mut lines = Vec::new();
    let truncated = loop {
        filter.limit = 500.min((EXPORT_MAX - lines.len()) as i64);
        let (rows, next) = app.store.audit_events(&filter).await?;
        for e in &rows {
            lines.push(names.line(app, e).await?);
        }
        match next {
            Some(k) if lines.len() < EXPORT_MAX => filter.before = Some(k),
            more => break more.is_some(),
        }
    };
    let stamp = tongban_store::rfc3339(app.now.ms());
    let bytes = words::workbook(&lines, &filters, truncated, &stamp, lang)
        .map_err(|e| AppError::Internal(format!("audit export not written: {e}")))?;
    let detail = serde_json::json!({
        "rows": lines.len(), "truncated": truncated, "filters": filters,
    });
    let e = actor.audit_entry(app.now.ms(), "export", "audit.xlsx", detail);
    app.store.append_audit(&e).await?;
    Ok(AuditExport {
        bytes,
        file_name: format!("audit-{}.xlsx", stamp.get(..10).unwrap_or("log")),
        rows: lines.len(),
        truncated,
    })
}

/// The store's filter for a query, and the filters echoed; a bad field is
/// named in zh-CN.
async fn parse(app: &App, q: &AuditQuery) -> AppResult<(AuditFilter, AuditFilters)> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
    let shown = AuditFilters {
        from: text(&q.from),
        to: text(&q.to),
        user: text(&q.user),
        kind: text(&q.kind),
        outcome: text(&q.outcome),
        case_no: case_subject(&text(&q.case_no)),
    };
    let mut errs = ValidationErrors::default();
    let from = day(&shown.from, "from", "开始日期", &mut errs);
    let to = day(&shown.to, "to", "结束日期", &mut errs);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errs.push(FieldError::new(
            "to",
            "before_from",
            "结束日期不能早于开始日期",
        ));
    }
    if !shown.kind.is_empty() && !KINDS.iter().any(|(k, _)| *k == shown.kind) {
        errs.push(FieldError::new(
            "kind",
            "invalid",
            "类别不存在，请从列表中选择",
        ));
    }
    if !["", "allowed", "denied"].contains(&shown.outcome.as_str()) {
        errs.push(FieldError::new(
            "outcome",
            "invalid",
            "结果应为“允许”或“被拒绝”",
        ));
    }
    if shown.case_no.chars().count() > 40 {
        errs.push(FieldError::new(
            "case_no",
            "too_long",
            "办件编号不能超过40个字符",
        ));
    }
    let actor = match shown.user.as_str() {
        "" => q.actor.map(tongban_domain::UserId),
        name => match app.store.user_credentials(name).await? {
            // Only the account is used; the password hash is dropped here.
            Some((user, _)) => Some(user.id),
            None => {
                errs.push(FieldError::new(
                    "user",
                    "unknown",
                    "没有这个账号，请核对用户名",
                ));
                None
            }
        },
    };
    errs.into_result(())?;
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let filter = AuditFilter {
        kind: some(&shown.kind),
        actor,
        subject: some(&shown.case_no),
        outcome: some(&shown.outcome),
        from: from.map(midnight),
        to: to.map(|d| midnight(d.next_day().unwrap_or(d))),
        limit: PAGE_SIZE,
        before: None,
    };
    Ok((filter, shown))
}

/// A case number as typed, in capitals (`tb…` finds `TB…`); any other
/// subject as it is recorded.
fn case_subject(s: &str) -> String {
    match s.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("tb") => s.to_uppercase(),
        _ => s.to_owned(),
    }
}

/// A typed day, or the field's error.
fn day(
    s: &str,
    field: &str,
    label: &'static str,
    errs: &mut ValidationErrors,
) -> Option<time::Date> {
    if s.is_empty() {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(s, format) {
        Ok(d) => Some(d),
        Err(_) => {
            let msg = tongban_domain::text!("{label}应为“年-月-日”，如 2026-12-01", label = label);
            errs.push(FieldError::new(field, "invalid", msg));
            None
        }
    }
}

/// The first instant of a day in China time, unix ms.
fn midnight(d: time::Date) -> i64 {
    let t = d
        .midnight()
        .assume_offset(time::macros::offset!(+8))
        .unix_timestamp();
    t * 1000
}

/// Percent-encodes a query value (UTF-8, unreserved kept).
fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the sentences name, loaded once per page or export: the reference
/// data, and the accounts and cases met so far.
struct Names {
    lookups: Lookups,
    users: HashMap<i64, Option<User>>,
    case_departments: HashMap<String, Option<tongban_domain::DepartmentId>>,
}

impl Names {
    async fn load(app: &App) -> AppResult<Self> {
        Ok(Names {
            lookups: Lookups::load(app).await?,
            users: HashMap::new(),
            case_departments: HashMap::new(),
        })
    }

    /// The line of one event.
    async fn line(&mut self, app: &App, e: &StoredAudit) -> AppResult<AuditLine> {
        let user = match e.actor {
            Some(id) => self.user(app, id).await?,
            None => None,
        };
        let denied_department = match words::lacking_department(e) {
            words::Lacking::Named(d) => Some(d),
            words::Lacking::OfCase(no) => self.case_department(app, &no).await?,
            words::Lacking::No => None,
        };
        let data = self.lookups.data();
        let ctx = words::Context {
            data,
            user: user.as_ref(),
            denied_department,
            today: self.lookups.today(),
        };
        Ok(words::line(e, &ctx))
    }

    async fn user(&mut self, app: &App, id: i64) -> AppResult<Option<User>> {
        if let Some(u) = self.users.get(&id) {
            return Ok(u.clone());
        }
        let u = match app.store.user(tongban_domain::UserId(id)).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.users.insert(id, u.clone());
        Ok(u)
    }

    async fn case_department(
        &mut self,
        app: &App,
        case_no: &str,
    ) -> AppResult<Option<tongban_domain::DepartmentId>> {
        if let Some(d) = self.case_departments.get(case_no) {
            return Ok(*d);
        }
        let d = match app.store.case_by_no(case_no).await {
            Ok(c) => Some(c.department),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        self.case_departments.insert(case_no.to_owned(), d);
        Ok(d)
    }
}
