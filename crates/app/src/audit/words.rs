//! The words of the audit log: each recorded kind's sentence (a kind this
//! code does not know gets a plain generic one, never the raw JSON), and
//! the export's workbook.

use super::{AuditFilters, AuditLine, EXPORT_MAX};
use crate::refdata::RefData;
use serde_json::Value;
use tongban_domain::DepartmentId;
use tongban_domain::case::Action as Step;
use tongban_domain::grant::Right;
use tongban_domain::timeline::{StoredAudit, audit_outcome};
use tongban_domain::user::{Scope, User};

/// Every kind the code records, in words (the filter's choices).
pub const KINDS: &[(&str, &str)] = &[
    ("denied", "拒绝访问"),
    ("login", "登录"),
    ("login_failed", "登录失败"),
    ("login_throttled", "登录限制"),
    ("login_attack", "账号遭猜测"),
    ("token_used", "令牌使用"),
    ("grant_created", "授权"),
    ("grant_revoked", "撤销授权"),
    ("pii_view", "查看完整证件号码"),
    ("export", "导出"),
    ("code_guessing", "验证码猜测"),
    ("outbox_resend", "重发消息"),
    ("city_changed", "城市设置变更"),
];

/// A kind in words (其他事件 for one this code does not know).
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("其他事件", |(_, l)| l)
}

/// Which department a refusal for want of a right names.
pub(super) enum Lacking {
    /// The detail names it.
    Named(DepartmentId),
    /// The department deciding this case.
    OfCase(String),
    /// None (not such a refusal).
    No,
}

/// The department a refusal for want of a right concerns: named in the
/// detail, or the one deciding the case the event is about.
pub(super) fn lacking_department(e: &StoredAudit) -> Lacking {
    if e.kind != "denied" {
        return Lacking::No;
    }
    let d: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    if d["denial"]["denial"] != "lacks" {
        return Lacking::No;
    }
    match d["department"].as_i64() {
        Some(id) => Lacking::Named(DepartmentId(id)),
        None if !e.subject.is_empty() && !e.subject.contains(':') => {
            Lacking::OfCase(e.subject.clone())
        }
        None => Lacking::No,
    }
}

/// What a sentence names beyond the event itself.
pub(super) struct Context<'a> {
    pub(super) data: &'a RefData,
    /// The acting account, when it is one on record.
    pub(super) user: Option<&'a User>,
    /// The department whose right was lacking, when known.
    pub(super) denied_department: Option<DepartmentId>,
    pub(super) today: time::Date,
}

/// One event as a line of the page.
pub(super) fn line(e: &StoredAudit, ctx: &Context<'_>) -> AuditLine {
    let detail: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    let who = who(e, ctx);
    let sentence = sentence(e, ctx, &who, &detail);
    let outcome = audit_outcome(&e.kind);
    let at = tongban_store::rfc3339(e.at);
    AuditLine {
        seq: e.seq,
        at: at.get(..19).unwrap_or("").replace('T', " "),
        kind: e.kind.clone(),
        kind_label: kind_label(&e.kind),
        outcome,
        outcome_label: if outcome == "denied" {
            "被拒绝"
        } else {
            "允许"
        },
        who,
        sentence,
        subject: e.subject.clone(),
        addr: e.addr.clone(),
        detail: serde_json::to_string_pretty(&detail).unwrap_or_else(|_| e.detail.clone()),
        event: e.clone(),
    }
}

/// Who acted: the account's name and its hall or department, or the name
/// typed at a failed sign-in, or an anonymous caller's address.
fn who(e: &StoredAudit, ctx: &Context<'_>) -> String {
    let data = ctx.data;
    match (ctx.user, e.actor, &e.username) {
        (Some(u), _, _) => {
            let place = match u.scope {
                Scope::Hall(h) => data
                    .halls
                    .iter()
                    .find(|x| x.id == h)
                    .map(|x| x.name.clone()),
                Scope::Department(d) => department_name(data, d),
                Scope::Platform => Some("平台".into()),
                Scope::None => Some("申请人".into()),
            };
            match place {
                Some(p) => format!("{}（{p}）", u.display_name),
                None => u.display_name.clone(),
            }
        }
        (None, _, Some(name)) if e.actor.is_none() && e.kind.starts_with("login") => {
            format!("用户名“{name}”")
        }
        (None, _, Some(name)) => format!("账号 {name}"),
        (None, Some(id), None) => format!("账号 #{id}"),
        (None, None, None) => format!("匿名访问者（{}）", e.addr),
    }
}

fn department_name(data: &RefData, d: DepartmentId) -> Option<String> {
    data.departments
        .iter()
        .find(|x| x.id == d)
        .map(|x| x.name.clone())
}

fn hall_name(data: &RefData, h: i64) -> Option<String> {
    data.halls
        .iter()
        .find(|x| x.id.0 == h)
        .map(|x| x.name.clone())
}

/// The event as one sentence.
fn sentence(e: &StoredAudit, ctx: &Context<'_>, who: &str, d: &Value) -> String {
    let n = |k: &str| d[k].as_i64().unwrap_or(0);
    let kiosk = d["method"] == "kiosk_code";
    match e.kind.as_str() {
        "denied" => format!(
            "{who}{}：被拒绝，{}",
            attempted(e, ctx, d["action"].as_str().unwrap_or("")),
            reason(ctx, &d["denial"])
        ),
        "login" if kiosk => format!("{who}在自助终端以短信验证码登录"),
        "login" if d["kind"] == "bearer" => format!("{who}登录并取得接口令牌"),
        "login" => format!("{who}登录"),
        "login_failed" if kiosk => format!("{who}在自助终端登录：被拒绝，验证码错误"),
        "login_failed" if d["known_account"] == false => {
            format!("{who}登录：被拒绝，没有这个账号")
        }
        "login_failed" => format!("{who}登录：被拒绝，密码错误"),
        "login_throttled" => format!(
            "{who}登录：被拒绝，失败次数过多，暂停15分钟（本地址此账号失败{}次，该账号共{}次，该地址共{}次）",
            n("failures_here"),
            n("failures_by_account"),
            n("failures_by_address")
        ),
        "login_attack" => format!(
            "{who}的密码疑遭猜测：短时间内登录失败{}次，已提醒管理员",
            n("failures_by_account")
        ),
        "token_used" => format!(
            "{who}从新地址 {} 使用接口令牌（有效期至{}）",
            e.addr,
            d["expires_at"]
                .as_str()
                .and_then(|t| t.get(..10))
                .unwrap_or("—")
        ),
        "pii_view" => format!("{who}查看办件 {} 的完整证件号码", e.subject),
        "code_guessing" => format!(
            "{who}反复输错办件 {}{} 的查询验证码：被拒绝，疑为猜测（该办件错{}次，该地址错{}次）",
            e.subject.strip_prefix("case:").unwrap_or(&e.subject),
            if d["case_exists"] == false {
                "（不存在）"
            } else {
                ""
            },
            n("failures_by_case"),
            n("failures_by_address")
        ),
        "export" => export(who, &e.subject, d),
        "grant_created" | "grant_revoked" => grant(e, ctx, who, d),
        "city_changed" => city_change(ctx, who, &e.subject, d),
        "outbox_resend" => format!(
            "{who}重发发送失败的消息（第{}号）",
            e.subject.strip_prefix("outbox:").unwrap_or(&e.subject)
        ),
        other => {
            let what = if kind_label(other) == "其他事件" {
                format!("其他事件（{other}）")
            } else {
                kind_label(other).to_owned()
            };
            match e.subject.as_str() {
                "" => format!("{who}：{what}"),
                s => format!("{who}：{what}，对象 {s}"),
            }
        }
    }
}

/// What a refused caller tried, e.g. 受理办件 TB….
fn attempted(e: &StoredAudit, ctx: &Context<'_>, action: &str) -> String {
    let no = &e.subject;
    let id_of = |prefix: &str| e.subject.strip_prefix(prefix).and_then(|v| v.parse().ok());
    // A window refused before the case existed: the item it would have been.
    if let Some(item) = e.subject.strip_prefix("new:") {
        return format!("在窗口新建“{item}”办件");
    }
    if let Some(step) = action.strip_prefix("case_step:") {
        return match Step::parse(step) {
            Some(Step::Accept) => format!("受理办件 {no}"),
            Some(Step::NotAccept) => format!("对办件 {no} 作不予受理"),
            Some(Step::Complete) => format!("办结办件 {no}"),
            Some(Step::Deliver) => format!("送达办件 {no} 的结果"),
            Some(Step::Decide) => format!("对办件 {no} 作出决定"),
            Some(Step::Submit) => format!("提交办件 {no}"),
            Some(Step::Withdraw) => format!("撤回办件 {no}"),
            Some(s) => format!("对办件 {no} 执行“{}”", s.label()),
            None => format!("处理办件 {no}"),
        };
    }
    match action {
        "read_case" => format!("查看办件 {no}"),
        "read_case_full" => format!("查看办件 {no} 的完整证件号码"),
        "receive_material" => format!("登记办件 {no} 的材料"),
        "rate_case" => format!("评价办件 {no}"),
        "verify_original" => format!("核验办件 {no} 的原件"),
        "record_video_check" => format!("对办件 {no} 进行视频核验"),
        "open_case" => "新建办件".into(),
        "create_case:online" => "网上申报办件".into(),
        "create_case:window" => match id_of("hall:").and_then(|h| hall_name(ctx.data, h)) {
            Some(h) => format!("在{h}窗口新建办件"),
            None => "在窗口新建办件".into(),
        },
        "manage_grants" => {
            match id_of("department:").and_then(|d| department_name(ctx.data, DepartmentId(d))) {
                Some(d) => format!("管理{d}的授权"),
                None => "管理授权".into(),
            }
        }
        "manage_users" => "管理账号".into(),
        "readaudit" => "查看安全审计日志".into(),
        "readgrants" => "查看授权".into(),
        "editcalendar" => "修改工作日历".into(),
        "managecity" => "管理城市（区划、服务中心、部门）".into(),
        "managecatalogue" => "管理事项目录".into(),
        "editaliases" => "编辑事项别名".into(),
        "listcases" => "查看办件列表".into(),
        _ if no.is_empty() => "执行一项受限操作".into(),
        _ => format!("对 {no} 执行一项受限操作"),
    }
}

/// Why it was refused, in words.
fn reason(ctx: &Context<'_>, denial: &Value) -> String {
    // `no_such_case` is recorded as a bare string, the others as an object.
    let kind = denial["denial"].as_str().or(denial.as_str()).unwrap_or("");
    match kind {
        "unauthenticated" => "未登录".into(),
        "forbidden" => "无此权限".into(),
        "not_visible" => "无权查看该办件".into(),
        "no_such_case" => "办件不存在".into(),
        "lacks" => {
            let right = denial["right"]
                .as_str()
                .and_then(Right::parse)
                .map_or("所需权限", Right::label);
            let dept = (ctx.denied_department)
                .and_then(|d| department_name(ctx.data, d))
                .unwrap_or_else(|| "审批部门".into());
            let day = |k: &str| denial[k].as_str().unwrap_or("—").to_owned();
            match denial["why"].as_str().unwrap_or("") {
                "expired" => format!("{dept}授予的{right}已于{}到期", day("valid_to")),
                "not_yet_valid" => {
                    format!("{dept}授予的{right}自{}起才生效", day("valid_from"))
                }
                "revoked" => format!("{dept}已撤销{right}"),
                _ => format!("未获{dept}授予{right}"),
            }
        }
        _ => "不符合授权规则".into(),
    }
}

/// A change to the city's set-up, in words: what was created, changed,
/// retired or staffed.
fn city_change(ctx: &Context<'_>, who: &str, subject: &str, d: &Value) -> String {
    let (kind, key) = subject.split_once(':').unwrap_or((subject, ""));
    let id: Option<i64> = key.parse().ok();
    let named = |n: Option<String>| n.unwrap_or_else(|| key.to_owned());
    let what = match kind {
        "region" => format!(
            "区划 {key}{}",
            d["name"]
                .as_str()
                .map(|n| format!("（{n}）"))
                .unwrap_or_default()
        ),
        "hall" => format!(
            "服务中心“{}”",
            named(id.and_then(|h| hall_name(ctx.data, h)))
        ),
        "department" => format!(
            "部门“{}”",
            named(id.and_then(|x| department_name(ctx.data, DepartmentId(x))))
        ),
        "window" => format!("窗口 {}", d["number"].as_str().unwrap_or(key)),
        "user" => format!("账号 {key}"),
        "city.xlsx" => return format!("{who}导入城市设置工作簿"),
        _ => subject.to_owned(),
    };
    let verb = if d["retired"] == true {
        "撤销"
    } else if d["created"] == true {
        "新增"
    } else if d.get("named_staff").is_some() {
        "指定专人："
    } else {
        "修改"
    };
    format!("{who}{verb}{what}")
}

/// An export, in words.
fn export(who: &str, subject: &str, d: &Value) -> String {
    let rows = d["rows"].as_i64().unwrap_or(0);
    let cut = if d["truncated"] == true {
        "，超出上限的未导出"
    } else {
        ""
    };
    match subject {
        "cases.csv" => format!("{who}导出办件清单（{rows}条{cut}）"),
        "audit.xlsx" => format!("{who}导出安全审计日志（{rows}条{cut}）"),
        other => format!("{who}导出{other}"),
    }
}

/// A grant given or revoked, in words (the grant as on record now).
fn grant(e: &StoredAudit, ctx: &Context<'_>, who: &str, d: &Value) -> String {
    let id: Option<i64> = e
        .subject
        .strip_prefix("grant:")
        .and_then(|v| v.parse().ok());
    let g = id.and_then(|id| ctx.data.grants.iter().find(|g| g.id == id));
    let what = g.map(|g| {
        let v = crate::grants::view(ctx.data, g, ctx.today);
        let rights: Vec<&str> = v.rights.iter().map(|r| r.label()).collect();
        let items = match &v.items {
            Some(l) => format!("（限{}个事项）", l.len()),
            None => String::new(),
        };
        format!(
            "{}授予{}{}{items}，{}至{}",
            v.grantor.name,
            v.grantee.label,
            rights.join("、"),
            v.valid_from,
            v.valid_to
        )
    });
    let no = id.map(|i| format!("第{i}号")).unwrap_or_default();
    let why = d["reason"].as_str().filter(|r| !r.is_empty());
    match (e.kind.as_str(), what) {
        ("grant_created", Some(w)) => format!("{who}新增授权{no}：{w}"),
        ("grant_created", None) => format!("{who}新增授权{no}"),
        (_, Some(w)) => format!(
            "{who}撤销授权{no}（{w}），理由：{}",
            why.unwrap_or("未说明")
        ),
        (_, None) => format!("{who}撤销授权{no}，理由：{}", why.unwrap_or("未说明")),
    }
}

/// The export's workbook: the events (newest first) and what was exported.
pub(super) fn workbook(
    lines: &[AuditLine],
    filters: &AuditFilters,
    truncated: bool,
    stamp: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("审计日志")?;
    let head = [
        "时间",
        "序号",
        "结果",
        "类别",
        "记录",
        "操作人",
        "对象",
        "地址",
    ];
    let widths = [20.0, 8.0, 8.0, 14.0, 80.0, 30.0, 24.0, 16.0];
    for (c, (h, w)) in head.iter().zip(widths).enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, w)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        let seq = if l.seq > 0 {
            l.seq.to_string()
        } else {
            "待封存".into()
        };
        let cells = [
            &l.at,
            &seq,
            l.outcome_label,
            l.kind_label,
            &l.sentence,
            &l.who,
            &l.subject,
            &l.addr,
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, *v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let about = wb.add_worksheet();
    about.set_name("说明")?;
    let or_all = |v: &str| {
        if v.is_empty() {
            "全部".to_owned()
        } else {
            v.to_owned()
        }
    };
    let outcome = match filters.outcome.as_str() {
        "allowed" => "允许".to_owned(),
        "denied" => "被拒绝".to_owned(),
        _ => "全部".to_owned(),
    };
    let kind = match filters.kind.as_str() {
        "" => "全部".to_owned(),
        k => kind_label(k).to_owned(),
    };
    let rows = [
        ("导出时间", stamp.to_owned()),
        ("开始日期", or_all(&filters.from)),
        ("结束日期", or_all(&filters.to)),
        ("账号", or_all(&filters.user)),
        ("类别", kind),
        ("结果", outcome),
        ("办件编号", or_all(&filters.case_no)),
        ("条数", lines.len().to_string()),
        (
            "说明",
            if truncated {
                format!(
                    "筛选结果超过{EXPORT_MAX}条，仅导出最新的{EXPORT_MAX}条；请缩小日期范围分批导出"
                )
            } else {
                format!("筛选结果已全部导出（每次最多{EXPORT_MAX}条）")
            },
        ),
    ];
    about.set_column_width(0, 12.0)?;
    about.set_column_width(1, 70.0)?;
    for (r, (k, v)) in rows.iter().enumerate() {
        about.write_string_with_format(r as u32, 0, *k, &bold)?;
        about.write_string(r as u32, 1, v)?;
    }
    wb.save_to_buffer()
}
