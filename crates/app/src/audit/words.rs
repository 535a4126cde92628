//! The words of the audit log: each recorded kind's sentence (a kind this
//! code does not know gets a plain generic one, never the raw JSON), and
//! the export's workbook.

use super::{AuditFilters, AuditLine, EXPORT_MAX};
use crate::refdata::RefData;
use serde_json::Value;
use tongban_domain::DepartmentId;
use tongban_domain::case::Action as Step;
use tongban_domain::grant::Right;
use tongban_domain::i18n::{Lang, Text};
use tongban_domain::text;
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
    ("list_batch", "清单批次"),
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
        kind_label: kind_label(&e.kind).into(),
        outcome,
        outcome_label: if outcome == "denied" {
            "被拒绝"
        } else {
            "允许"
        }
        .into(),
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
fn who(e: &StoredAudit, ctx: &Context<'_>) -> Text {
    let data = ctx.data;
    match (ctx.user, e.actor, &e.username) {
        (Some(u), _, _) => {
            let place = match u.scope {
                Scope::Hall(h) => data
                    .halls
                    .iter()
                    .find(|x| x.id == h)
                    .map(|x| Text::raw(&x.name)),
                Scope::Department(d) => department_name(data, d).map(Text::raw),
                Scope::Platform => Some("平台".into()),
                Scope::None => Some("申请人".into()),
            };
            match place {
                Some(p) => text!("{name}（{place}）", name = &u.display_name, place = p),
                None => Text::raw(&u.display_name),
            }
        }
        (None, _, Some(name)) if e.actor.is_none() && e.kind.starts_with("login") => {
            text!("用户名“{name}”", name = name)
        }
        (None, _, Some(name)) => text!("账号 {name}", name = name),
        (None, Some(id), None) => text!("账号 #{id}", id = id),
        (None, None, None) => text!("匿名访问者（{addr}）", addr = &e.addr),
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
fn sentence(e: &StoredAudit, ctx: &Context<'_>, who: &Text, d: &Value) -> Text {
    let n = |k: &str| d[k].as_i64().unwrap_or(0);
    let kiosk = d["method"] == "kiosk_code";
    let who = who.clone();
    match e.kind.as_str() {
        "denied" => text!(
            "{who}{attempted}：被拒绝，{reason}",
            who = who,
            attempted = attempted(e, ctx, d["action"].as_str().unwrap_or("")),
            reason = reason(ctx, &d["denial"])
        ),
        "login" if kiosk => text!("{who}在自助终端以短信验证码登录", who = who),
        "login" if d["kind"] == "bearer" => text!("{who}登录并取得接口令牌", who = who),
        "login" => text!("{who}登录", who = who),
        "login_failed" if kiosk => {
            text!("{who}在自助终端登录：被拒绝，验证码错误", who = who)
        }
        "login_failed" if d["known_account"] == false => {
            text!("{who}登录：被拒绝，没有这个账号", who = who)
        }
        "login_failed" => text!("{who}登录：被拒绝，密码错误", who = who),
        "login_throttled" => text!(
            "{who}登录：被拒绝，失败次数过多，暂停15分钟（本地址此账号失败{here}次，该账号共{account}次，该地址共{address}次）",
            who = who,
            here = n("failures_here"),
            account = n("failures_by_account"),
            address = n("failures_by_address")
        ),
        "login_attack" => text!(
            "{who}的密码疑遭猜测：短时间内登录失败{n}次，已提醒管理员",
            who = who,
            n = n("failures_by_account")
        ),
        "token_used" => text!(
            "{who}从新地址 {addr} 使用接口令牌（有效期至{until}）",
            who = who,
            addr = &e.addr,
            until = d["expires_at"]
                .as_str()
                .and_then(|t| t.get(..10))
                .unwrap_or("—")
                .to_owned()
        ),
        "pii_view" => text!(
            "{who}查看办件 {no} 的完整证件号码",
            who = who,
            no = &e.subject
        ),
        "code_guessing" => {
            let no = e
                .subject
                .strip_prefix("case:")
                .unwrap_or(&e.subject)
                .to_owned();
            let (by_case, by_addr) = (n("failures_by_case"), n("failures_by_address"));
            if d["case_exists"] == false {
                text!(
                    "{who}反复输错办件 {no}（不存在） 的查询验证码：被拒绝，疑为猜测（该办件错{by_case}次，该地址错{by_addr}次）",
                    who = who,
                    no = no,
                    by_case = by_case,
                    by_addr = by_addr
                )
            } else {
                text!(
                    "{who}反复输错办件 {no} 的查询验证码：被拒绝，疑为猜测（该办件错{by_case}次，该地址错{by_addr}次）",
                    who = who,
                    no = no,
                    by_case = by_case,
                    by_addr = by_addr
                )
            }
        }
        "export" => export(who, &e.subject, d),
        "grant_created" | "grant_revoked" => grant(e, ctx, who, d),
        "city_changed" => city_change(ctx, who, &e.subject, d),
        "list_batch" => list_batch(who, &e.subject, d),
        "outbox_resend" => text!(
            "{who}重发发送失败的消息（第{no}号）",
            who = who,
            no = e
                .subject
                .strip_prefix("outbox:")
                .unwrap_or(&e.subject)
                .to_owned()
        ),
        other => {
            let what = if kind_label(other) == "其他事件" {
                text!("其他事件（{kind}）", kind = other.to_owned())
            } else {
                kind_label(other).into()
            };
            match e.subject.as_str() {
                "" => text!("{who}：{what}", who = who, what = what),
                s => text!(
                    "{who}：{what}，对象 {subject}",
                    who = who,
                    what = what,
                    subject = s.to_owned()
                ),
            }
        }
    }
}

/// What a refused caller tried, e.g. 受理办件 TB….
fn attempted(e: &StoredAudit, ctx: &Context<'_>, action: &str) -> Text {
    let no = &e.subject;
    let id_of = |prefix: &str| e.subject.strip_prefix(prefix).and_then(|v| v.parse().ok());
    // A window refused before the case existed: the item it would have been.
    if let Some(item) = e.subject.strip_prefix("new:") {
        return text!("在窗口新建“{item}”办件", item = item.to_owned());
    }
    if let Some(step) = action.strip_prefix("case_step:") {
        return match Step::parse(step) {
            Some(Step::Accept) => text!("受理办件 {no}", no = no),
            Some(Step::NotAccept) => text!("对办件 {no} 作不予受理", no = no),
            Some(Step::Complete) => text!("办结办件 {no}", no = no),
            Some(Step::Deliver) => text!("送达办件 {no} 的结果", no = no),
            Some(Step::Decide) => text!("对办件 {no} 作出决定", no = no),
            Some(Step::Submit) => text!("提交办件 {no}", no = no),
            Some(Step::Withdraw) => text!("撤回办件 {no}", no = no),
            Some(s) => text!("对办件 {no} 执行“{step}”", no = no, step = s.label()),
            None => text!("处理办件 {no}", no = no),
        };
    }
    match action {
        "read_case" => text!("查看办件 {no}", no = no),
        "read_case_full" => text!("查看办件 {no} 的完整证件号码", no = no),
        "receive_material" => text!("登记办件 {no} 的材料", no = no),
        "rate_case" => text!("评价办件 {no}", no = no),
        "verify_original" => text!("核验办件 {no} 的原件", no = no),
        "record_video_check" => text!("对办件 {no} 进行视频核验", no = no),
        "open_case" => "新建办件".into(),
        "create_case:online" => "网上申报办件".into(),
        "create_case:window" => match id_of("hall:").and_then(|h| hall_name(ctx.data, h)) {
            Some(h) => text!("在{hall}窗口新建办件", hall = h),
            None => "在窗口新建办件".into(),
        },
        "manage_grants" => {
            match id_of("department:").and_then(|d| department_name(ctx.data, DepartmentId(d))) {
                Some(d) => text!("管理{department}的授权", department = d),
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
        _ => text!("对 {no} 执行一项受限操作", no = no),
    }
}

/// Why it was refused, in words.
fn reason(ctx: &Context<'_>, denial: &Value) -> Text {
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
            let dept: Text = (ctx.denied_department)
                .and_then(|d| department_name(ctx.data, d))
                .map_or_else(|| "审批部门".into(), Text::raw);
            let day = |k: &str| denial[k].as_str().unwrap_or("—").to_owned();
            match denial["why"].as_str().unwrap_or("") {
                "expired" => text!(
                    "{dept}授予的{right}已于{day}到期",
                    dept = dept,
                    right = right,
                    day = day("valid_to")
                ),
                "not_yet_valid" => text!(
                    "{dept}授予的{right}自{day}起才生效",
                    dept = dept,
                    right = right,
                    day = day("valid_from")
                ),
                "revoked" => text!("{dept}已撤销{right}", dept = dept, right = right),
                _ => text!("未获{dept}授予{right}", dept = dept, right = right),
            }
        }
        _ => "不符合授权规则".into(),
    }
}

/// A change to the city's set-up, in words: what was created, changed,
/// retired or staffed.
fn city_change(ctx: &Context<'_>, who: Text, subject: &str, d: &Value) -> Text {
    let (kind, key) = subject.split_once(':').unwrap_or((subject, ""));
    let id: Option<i64> = key.parse().ok();
    let named = |n: Option<String>| n.unwrap_or_else(|| key.to_owned());
    let what = match kind {
        "region" => match d["name"].as_str() {
            Some(n) => text!(
                "区划 {code}（{name}）",
                code = key.to_owned(),
                name = n.to_owned()
            ),
            None => text!("区划 {code}", code = key.to_owned()),
        },
        "hall" => text!(
            "服务中心“{name}”",
            name = named(id.and_then(|h| hall_name(ctx.data, h)))
        ),
        "department" => text!(
            "部门“{name}”",
            name = named(id.and_then(|x| department_name(ctx.data, DepartmentId(x))))
        ),
        "window" => text!(
            "窗口 {number}",
            number = d["number"].as_str().unwrap_or(key).to_owned()
        ),
        "user" => text!("账号 {name}", name = key.to_owned()),
        "city.xlsx" => return text!("{who}导入城市设置工作簿", who = who),
        _ => Text::raw(subject),
    };
    if d["retired"] == true {
        text!("{who}撤销{what}", who = who, what = what)
    } else if d["created"] == true {
        text!("{who}新增{what}", who = who, what = what)
    } else if d.get("named_staff").is_some() {
        text!("{who}指定专人：{what}", who = who, what = what)
    } else {
        text!("{who}修改{what}", who = who, what = what)
    }
}

/// A list batch's move in its review, in words.
fn list_batch(who: Text, subject: &str, d: &Value) -> Text {
    let no = subject.strip_prefix("batch:").unwrap_or(subject).to_owned();
    let s = |k: &str| d[k].as_str().unwrap_or("").to_owned();
    match d["step"].as_str() {
        Some("submit") => text!("{who}提交清单批次 {no} 审核", who = who, no = no),
        Some("publish") => text!(
            "{who}审核发布清单批次 {no}，{effective}起生效",
            who = who,
            no = no,
            effective = s("effective")
        ),
        Some("return") => text!(
            "{who}退回清单批次 {no}：{reason}",
            who = who,
            no = no,
            reason = s("reason")
        ),
        _ => text!("{who}变更清单批次 {no}", who = who, no = no),
    }
}

/// An export, in words.
fn export(who: Text, subject: &str, d: &Value) -> Text {
    let rows = d["rows"].as_i64().unwrap_or(0);
    let cut = d["truncated"] == true;
    match subject {
        "cases.csv" if cut => text!(
            "{who}导出办件清单（{rows}条，超出上限的未导出）",
            who = who,
            rows = rows
        ),
        "cases.csv" => text!("{who}导出办件清单（{rows}条）", who = who, rows = rows),
        "audit.xlsx" if cut => text!(
            "{who}导出安全审计日志（{rows}条，超出上限的未导出）",
            who = who,
            rows = rows
        ),
        "audit.xlsx" => text!("{who}导出安全审计日志（{rows}条）", who = who, rows = rows),
        other => text!("{who}导出{what}", who = who, what = other.to_owned()),
    }
}

/// A grant given or revoked, in words (the grant as on record now).
fn grant(e: &StoredAudit, ctx: &Context<'_>, who: Text, d: &Value) -> Text {
    let id: Option<i64> = e
        .subject
        .strip_prefix("grant:")
        .and_then(|v| v.parse().ok());
    let g = id.and_then(|id| ctx.data.grants.iter().find(|g| g.id == id));
    let what = g.map(|g| {
        let v = crate::grants::view(ctx.data, g, ctx.today);
        let rights = Text::join(v.rights.iter().map(|r| Text::from(r.label())), "、");
        let args = (
            Text::raw(&v.grantor.name),
            v.grantee.label.clone(),
            rights,
            v.valid_from.to_string(),
            v.valid_to.to_string(),
        );
        match &v.items {
            Some(l) => text!(
                "{grantor}授予{grantee}{rights}（限{n}个事项），{from}至{to}",
                grantor = args.0,
                grantee = args.1,
                rights = args.2,
                n = l.len(),
                from = args.3,
                to = args.4
            ),
            None => text!(
                "{grantor}授予{grantee}{rights}，{from}至{to}",
                grantor = args.0,
                grantee = args.1,
                rights = args.2,
                from = args.3,
                to = args.4
            ),
        }
    });
    let why: Text = d["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
        .map_or_else(|| "未说明".into(), Text::raw);
    match (e.kind.as_str(), what, id) {
        ("grant_created", Some(w), Some(i)) => {
            text!("{who}新增授权第{no}号：{what}", who = who, no = i, what = w)
        }
        ("grant_created", Some(w), None) => text!("{who}新增授权：{what}", who = who, what = w),
        ("grant_created", None, Some(i)) => text!("{who}新增授权第{no}号", who = who, no = i),
        ("grant_created", None, None) => text!("{who}新增授权", who = who),
        (_, Some(w), Some(i)) => text!(
            "{who}撤销授权第{no}号（{what}），理由：{why}",
            who = who,
            no = i,
            what = w,
            why = why
        ),
        (_, Some(w), None) => text!(
            "{who}撤销授权（{what}），理由：{why}",
            who = who,
            what = w,
            why = why
        ),
        (_, None, Some(i)) => text!(
            "{who}撤销授权第{no}号，理由：{why}",
            who = who,
            no = i,
            why = why
        ),
        (_, None, None) => text!("{who}撤销授权，理由：{why}", who = who, why = why),
    }
}

/// The export's workbook, in `lang`: the events (newest first) and what
/// was exported.
pub(super) fn workbook(
    lines: &[AuditLine],
    filters: &AuditFilters,
    truncated: bool,
    stamp: &str,
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let t = |s: &'static str| Text::from(s).render(lang);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(t("审计日志"))?;
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
        ws.write_string_with_format(0, c, t(h), &bold)?;
        ws.set_column_width(c, w)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        let seq = if l.seq > 0 {
            l.seq.to_string()
        } else {
            t("待封存")
        };
        let cells = [
            l.at.clone(),
            seq,
            l.outcome_label.render(lang),
            l.kind_label.render(lang),
            l.sentence.render(lang),
            l.who.render(lang),
            l.subject.clone(),
            l.addr.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let about = wb.add_worksheet();
    about.set_name(t("说明"))?;
    let or_all = |v: &str| {
        if v.is_empty() {
            t("全部")
        } else {
            v.to_owned()
        }
    };
    let outcome = match filters.outcome.as_str() {
        "allowed" => t("允许"),
        "denied" => t("被拒绝"),
        _ => t("全部"),
    };
    let kind = match filters.kind.as_str() {
        "" => t("全部"),
        k => t(kind_label(k)),
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
                text!(
                    "筛选结果超过{max}条，仅导出最新的{max}条；请缩小日期范围分批导出",
                    max = EXPORT_MAX
                )
                .render(lang)
            } else {
                text!("筛选结果已全部导出（每次最多{max}条）", max = EXPORT_MAX).render(lang)
            },
        ),
    ];
    about.set_column_width(0, 12.0)?;
    about.set_column_width(1, 70.0)?;
    for (r, (k, v)) in rows.iter().enumerate() {
        about.write_string_with_format(r as u32, 0, t(k), &bold)?;
        about.write_string(r as u32, 1, v)?;
    }
    wb.save_to_buffer()
}
