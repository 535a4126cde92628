//! What a case's printed documents say: the 受理承诺单 handed over when a
//! case is accepted (or the 网上申请回执 of an online application), the
//! 一次性告知书 listing every material to supplement, and the 不予受理通知书.
//! A read model built from a case the actor may see (loaded with
//! [`crate::cases::case_detail`]), and the documents' words, one source for
//! the printable pages and the PDFs (which the server draws).

use crate::views::{CaseView, EventView};
use crate::{AppError, AppResult};
use tongban_domain::case::Status;
use tongban_domain::catalogue::ReceiptMethod;
use tongban_domain::i18n::{Lang, tr};
use tongban_domain::intake::Applicant;
use tongban_domain::text;
use tongban_store::CaseRecord;

/// 受理承诺单: what the applicant takes home when a case is accepted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SlipData {
    /// The case number (办件编号).
    pub case_no: String,
    /// The code that, with the case number, opens the public progress page.
    pub verification_code: String,
    /// The name of the catalogue item applied for.
    pub item_name: String,
    /// The applicant (person or organisation).
    pub applicant_name: String,
    /// The masked ID number, e.g. `350322********1234`; empty for companies.
    pub applicant_id_masked: String,
    /// The hall where the case was received.
    pub hall_name: String,
    /// The department that decides.
    pub department_name: String,
    /// The day of acceptance, `YYYY-MM-DD`.
    pub accepted_on: String,
    /// The promised period in working days.
    pub promised_days: u32,
    /// 即办件: completed the same day.
    pub instant: bool,
    /// The promised completion date, `YYYY-MM-DD`.
    pub deadline: String,
    /// False when the deadline was reckoned without next year's holiday table.
    pub calendar_complete: bool,
    /// The materials received, exactly as recorded: (name, how — paper
    /// original or copy, scan, e-licence — and whether the originals were seen).
    pub received: Vec<(String, String)>,
    /// The checklist materials not received yet: (name, what is still to come).
    pub to_come: Vec<(String, String)>,
    /// How and where the result will be delivered.
    pub delivery: String,
    /// The public progress page, printed and encoded as a QR code.
    pub progress_url: String,
    /// When the slip was issued, e.g. `2026-11-28 10:30`.
    pub issued_at: String,
}

/// 一次性告知书 (补正材料通知): every material to supplement, told at once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoticeData {
    /// The case number (办件编号).
    pub case_no: String,
    /// The code that, with the case number, opens the public progress page.
    pub verification_code: String,
    /// The name of the catalogue item applied for.
    pub item_name: String,
    /// The applicant (person or organisation).
    pub applicant_name: String,
    /// The hall or department issuing the notice.
    pub issuer: String,
    /// The day of issue, `YYYY-MM-DD`.
    pub issued_on: String,
    /// Every material to supplement: (material, what is missing or wrong).
    pub materials: Vec<(String, String)>,
    /// The public progress page, printed and encoded as a QR code.
    pub progress_url: String,
}

/// 不予受理通知书: the application is not accepted, with the reason and remedies.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RejectionData {
    /// The case number (办件编号).
    pub case_no: String,
    /// The name of the catalogue item applied for.
    pub item_name: String,
    /// The applicant (person or organisation).
    pub applicant_name: String,
    /// The hall or department issuing the notice.
    pub issuer: String,
    /// The day of issue, `YYYY-MM-DD`.
    pub issued_on: String,
    /// Why the application is not accepted.
    pub reason: String,
    /// The public progress page, printed and encoded as a QR code.
    pub progress_url: String,
}

/// What the 受理承诺单 (`receipt` false) or the 网上申请回执 (`receipt`
/// true: an online case once submitted, printed at home or at the kiosk) of
/// a loaded case says in `lang`, issued at `now` (unix ms) with the case's
/// public progress page; a conflict before acceptance (slip) or for a draft
/// (receipt).
pub fn slip(
    record: &CaseRecord,
    view: &CaseView,
    receipt: bool,
    progress_url: String,
    now: i64,
    lang: Lang,
) -> AppResult<SlipData> {
    let accepted_on = accepted_on(record, view, receipt)?;
    let (applicant_name, applicant_id_masked) = applicant_parts(&record.applicant);
    let (received, to_come) = materials_of(record, view, lang);
    Ok(SlipData {
        case_no: view.case_no.clone(),
        verification_code: record.verification_code.clone(),
        item_name: view.item_name.clone(),
        applicant_name,
        applicant_id_masked,
        hall_name: view
            .hall
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_else(|| tr(lang, "网上办事大厅").into_owned()),
        department_name: view.department.name.clone(),
        accepted_on,
        promised_days: view.promised_days,
        instant: view.instant,
        deadline: view.deadline.clone().unwrap_or_default(),
        calendar_complete: view.calendar_complete,
        received,
        to_come,
        delivery: delivery_of(view, lang),
        progress_url,
        issued_at: minute(now),
    })
}

/// The day of acceptance a slip prints: none yet on the receipt of a
/// submitted online case; a conflict for a slip before acceptance, a
/// receipt of a draft, or a receipt of a case filed at a window (it has
/// the slip instead).
fn accepted_on(record: &CaseRecord, view: &CaseView, receipt: bool) -> AppResult<String> {
    let conflict = |code, message: &'static str| AppError::Conflict {
        code,
        message: message.into(),
        current_version: None,
    };
    if receipt && record.mode != tongban_domain::tongban::Mode::Online {
        let msg = "窗口受理的办件没有网上申请回执，请打印受理承诺单";
        return Err(conflict("case.not_online", msg));
    }
    match (view.accepted_on.clone(), receipt) {
        (Some(a), _) => Ok(a),
        (None, true) if record.status != Status::Draft => Ok(String::new()),
        (None, true) => Err(conflict("case.draft", "申请尚未提交，没有申请回执")),
        (None, false) => Err(conflict(
            "case.not_accepted",
            "办件尚未受理，没有受理承诺单",
        )),
    }
}

/// An instant as the documents print it: `YYYY-MM-DD HH:MM` (Asia/Shanghai).
fn minute(ms: i64) -> String {
    tongban_store::rfc3339(ms)
        .get(..16)
        .unwrap_or("")
        .replace('T', " ")
}

/// How the result comes: the applicant's own choice when they made one.
fn delivery_of(view: &CaseView, lang: Lang) -> String {
    match (&view.delivery, &view.hall) {
        (Some(d), _) => d.text.render(lang),
        (None, Some(h)) => text!(
            "审批结果由审批部门邮寄送达申请人，或在{hall}窗口领取",
            hall = h.name.clone()
        )
        .render(lang),
        (None, None) => tr(lang, "电子送达；申请人需要纸质结果的，邮寄送达").into_owned(),
    }
}

/// The applicant's name and masked ID number (a company's credit code).
fn applicant_parts(a: &Applicant) -> (String, String) {
    match a.masked() {
        Applicant::Person {
            name, id_number, ..
        } => (name, id_number),
        Applicant::Company { name, uscc, .. } => (name, uscc),
    }
}

/// Materials as a document lists them: (name, how).
type Materials = Vec<(String, String)>;

/// The checklist split into what was received, exactly as recorded (the
/// latest receipt of each material: paper original or copy, scan,
/// e-licence, originals seen), and what is still to come.
fn materials_of(record: &CaseRecord, view: &CaseView, lang: Lang) -> (Materials, Materials) {
    let (mut received, mut to_come) = (vec![], vec![]);
    for m in &record.materials {
        let last = crate::cases::latest_receipt(&view.received, &m.key);
        let Some(r) = last else {
            let how = text!("{form}{copies}份", form = m.form.label(), copies = m.copies);
            to_come.push((m.name.clone(), how.render(lang)));
            continue;
        };
        let how = match ReceiptMethod::parse(&r.method) {
            Some(ReceiptMethod::Scan) => text!("扫描件（已电子化）"),
            Some(ReceiptMethod::Licence) => text!("电子证照（免提交）"),
            _ => text!(
                "纸质{form}{copies}份",
                form = m.form.label(),
                copies = m.copies
            ),
        };
        let mut how = how.render(lang);
        if r.original_verified {
            how.push_str(&tr(lang, "，窗口已核验原件"));
        }
        received.push((m.name.clone(), how));
    }
    (received, to_come)
}

/// Who issued a notice: the hall when a window took the step, else the
/// department.
fn issuer(view: &CaseView, e: &EventView) -> String {
    match e.hall {
        Some(_) => view
            .hall
            .as_ref()
            .map(|h| h.name.clone())
            .unwrap_or_default(),
        None => view.department.name.clone(),
    }
}

/// The latest event of `action` on the case's timeline.
fn latest<'a>(view: &'a CaseView, action: &str) -> Option<&'a EventView> {
    view.events.iter().rev().find(|e| e.action == action)
}

/// What the latest 一次性告知书 of a loaded case says, with its public
/// progress page; `None` when there is none.
pub fn notice(
    record: &CaseRecord,
    view: &CaseView,
    progress_url: String,
    lang: Lang,
) -> Option<NoticeData> {
    let e = latest(view, "request_supplement")?;
    Some(NoticeData {
        case_no: view.case_no.clone(),
        verification_code: record.verification_code.clone(),
        item_name: view.item_name.clone(),
        applicant_name: record.applicant.name().to_owned(),
        issuer: issuer(view, e),
        issued_on: e.at.get(..10).unwrap_or("").to_owned(),
        materials: supplement_materials(&e.payload, lang),
        progress_url,
    })
}

/// The materials a 补正 request names: (name, what is missing or wrong).
fn supplement_materials(payload: &serde_json::Value, lang: Lang) -> Materials {
    let Some(list) = payload["materials"].as_array() else {
        return vec![];
    };
    list.iter()
        .map(|m| {
            let mut problem = m["problem"].as_str().unwrap_or("").to_owned();
            // A material beyond the checklist says why it is needed.
            if let Some(r) = m["extra_reason"].as_str() {
                let why = text!(
                    "（清单外材料，需要的理由：{reason}）",
                    reason = r.to_owned()
                );
                problem.push_str(&why.render(lang));
            }
            (m["name"].as_str().unwrap_or("").to_owned(), problem)
        })
        .collect()
}

/// What the 不予受理通知书 of a loaded case says, with its public progress
/// page; `None` when the case was not refused.
pub fn rejection(
    record: &CaseRecord,
    view: &CaseView,
    progress_url: String,
) -> Option<RejectionData> {
    let e = latest(view, "not_accept")?;
    Some(RejectionData {
        case_no: view.case_no.clone(),
        item_name: view.item_name.clone(),
        applicant_name: record.applicant.name().to_owned(),
        issuer: issuer(view, e),
        issued_on: e.at.get(..10).unwrap_or("").to_owned(),
        reason: e.payload["reason"].as_str().unwrap_or("").to_owned(),
        progress_url,
    })
}

/// The words of a 受理承诺单 or a 网上申请回执 in one language: one source
/// for the printable page and the PDF.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SlipTexts {
    /// The document's title: its zh-CN key (a page shows it through `t`).
    pub title: &'static str,
    /// The title in the texts' language.
    pub heading: String,
    /// Labelled rows; a PDF row may hold two pairs side by side.
    pub rows: Vec<Vec<(String, String)>>,
    /// The heading over the materials received.
    pub received_heading: String,
    /// The second column of that table.
    pub received_column: String,
    /// What the table says when nothing was received.
    pub received_empty: String,
    /// The heading over what is still to come, when anything is.
    pub to_come_heading: Option<String>,
    /// The numbered notes (说明).
    pub notes: Vec<String>,
    /// Who issued it, and when, one line each.
    pub issuer: Vec<String>,
}

impl SlipData {
    /// The texts of the slip (`receipt` false) or the online receipt, in the
    /// language of the request being answered.
    pub fn texts(&self, receipt: bool) -> SlipTexts {
        self.texts_in(receipt, tongban_domain::i18n::current())
    }

    /// The texts of the slip (`receipt` false) or the online receipt in `lang`.
    pub fn texts_in(&self, receipt: bool, lang: Lang) -> SlipTexts {
        let l = |k: &'static str| tr(lang, k).into_owned();
        let mut rows = vec![applicant_row(self, lang)];
        rows.push(vec![(l("申请事项"), self.item_name.clone())]);
        let period = if self.instant {
            l("即办件：当场办结")
        } else {
            text!("{days}个工作日", days = self.promised_days).render(lang)
        };
        let to_come_heading = (!self.to_come.is_empty())
            .then(|| text!("尚待提交的材料（共{n}项）", n = self.to_come.len()).render(lang));
        if receipt {
            rows.push(vec![(l("申请方式"), l("全程网办（网上办事大厅）"))]);
            rows.push(vec![(l("审批部门"), self.department_name.clone())]);
            rows.push(vec![(l("受理情况"), self.receipt_state(lang))]);
            rows.push(vec![(l("结果领取方式"), self.delivery.clone())]);
            return SlipTexts {
                title: "网上申请回执",
                heading: l("网上申请回执"),
                rows,
                received_heading: text!("已提交的申请材料（共{n}项）", n = self.received.len())
                    .render(lang),
                received_column: l("提交方式"),
                received_empty: l("（无）"),
                to_come_heading,
                notes: RECEIPT_NOTES.map(l).to_vec(),
                issuer: vec![
                    l("莆田市网上办事大厅"),
                    text!("打印时间：{at}", at = self.issued_at.clone()).render(lang),
                ],
            };
        }
        rows.push(vec![(l("受理地点"), self.hall_name.clone())]);
        rows.push(vec![(l("审批部门"), self.department_name.clone())]);
        rows.push(vec![
            (l("受理日期"), self.accepted_on.clone()),
            (l("承诺时限"), period),
        ]);
        let mut deadline = self.deadline.clone();
        if !self.calendar_complete {
            deadline.push('\n');
            deadline.push_str(&l(
                "注：推算本日期时次年法定节假日安排尚未公布；安排公布后，\
                 承诺办结日期按实际工作日相应调整，以办理进度查询页面显示的日期为准。",
            ));
        }
        rows.push(vec![(l("承诺办结日期"), deadline)]);
        rows.push(vec![(l("结果送达方式"), self.delivery.clone())]);
        SlipTexts {
            title: "受理承诺单",
            heading: l("受理承诺单"),
            rows,
            received_heading: text!("已收取的申请材料（共{n}项）", n = self.received.len())
                .render(lang),
            received_column: l("收取情况"),
            received_empty: l("（窗口未登记收取任何材料）"),
            to_come_heading,
            notes: SLIP_NOTES.map(l).to_vec(),
            issuer: vec![
                l("受理单位（盖章）："),
                self.hall_name.clone(),
                text!("出具时间：{at}", at = self.issued_at.clone()).render(lang),
            ],
        }
    }

    /// Where an online application stands, in the receipt's words.
    fn receipt_state(&self, lang: Lang) -> String {
        if self.accepted_on.is_empty() {
            let period = if self.instant {
                text!("即时办结")
            } else {
                text!("{days}个工作日内办结", days = self.promised_days)
            };
            text!("已提交，等待审批部门受理；受理后{period}", period = period).render(lang)
        } else {
            text!(
                "已于{accepted}受理，承诺于{deadline}前办结",
                accepted = self.accepted_on.clone(),
                deadline = self.deadline.clone()
            )
            .render(lang)
        }
    }
}

const SLIP_NOTES: [&str; 3] = [
    "凭本单的办件编号和查询验证码，或扫描下方二维码，\
     可在莆田市政务服务全域通办办理进度公开页面查询本件的办理进度和结果。",
    "承诺时限以工作日计算，不含法定节假日（《中华人民共和国行政许可法》第八十二条）；\
     依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审等特别程序的，\
     所需时间不计算在承诺时限内（同法第四十五条）；申请人补正材料的时间亦不计入承诺时限。",
    "请妥善保管本单；如对办理情况有疑问，可凭办件编号向受理窗口咨询。",
];

const RECEIPT_NOTES: [&str; 3] = [
    "凭办件编号和查询验证码，或扫描下方二维码，可查询办理进度；\
     每一步进展也会通过站内消息和短信告诉您。",
    "审批部门如需补正材料，会一次性告知全部需要补正的内容，请在网上办事大厅重新上传。",
    "本回执仅证明申请已提交，不作为受理凭证；受理后可下载《受理承诺单》。",
];

/// The applicant's row of a slip or receipt: the name, with the masked ID
/// number for a person.
fn applicant_row(d: &SlipData, lang: Lang) -> Vec<(String, String)> {
    let applicant = (tr(lang, "申请人").into_owned(), d.applicant_name.clone());
    if d.applicant_id_masked.trim().is_empty() {
        vec![applicant]
    } else {
        let id = tr(lang, "证件号码").into_owned();
        vec![applicant, (id, d.applicant_id_masked.clone())]
    }
}

/// The words of a 一次性告知书 or a 不予受理通知书 in one language: one
/// source for the printable page and the PDF.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LetterTexts {
    /// The document's title: its zh-CN key (a page shows it through `t`).
    pub title: &'static str,
    /// Under the title, if any: its zh-CN key.
    pub subtitle: Option<&'static str>,
    /// The title in the texts' language.
    pub heading: String,
    /// The subtitle in the texts' language.
    pub subheading: Option<String>,
    /// Whether the verification code is printed.
    pub show_code: bool,
    /// To whom: “申请人：”.
    pub salutation: String,
    /// The opening paragraph.
    pub opening: String,
    /// The paragraphs of the reason (the rejection).
    pub reasons: Vec<String>,
    /// The second column of the materials table (the notice), if any.
    pub table_column: Option<String>,
    /// What the materials table says when it is empty.
    pub table_empty: String,
    /// Numbered points after the table (the notice).
    pub points: Vec<String>,
    /// Closing paragraphs (the rejection: the remedies).
    pub closing: Vec<String>,
    /// Who issued it, and when, one line each.
    pub issuer: Vec<String>,
}

fn issuer_lines(issuer: &str, issued_on: &str, lang: Lang) -> Vec<String> {
    vec![
        tr(lang, "签发单位（盖章）：").into_owned(),
        issuer.to_owned(),
        issued_on.to_owned(),
    ]
}

/// The addressee of a letter: `张三：`.
fn salutation(name: &str, lang: Lang) -> String {
    text!("{name}：", name = name.to_owned()).render(lang)
}

impl NoticeData {
    /// The texts of the one-time notice, in the language of the request
    /// being answered.
    pub fn texts(&self) -> LetterTexts {
        self.texts_in(tongban_domain::i18n::current())
    }

    /// The texts of the one-time notice in `lang`.
    pub fn texts_in(&self, lang: Lang) -> LetterTexts {
        let l = |k: &'static str| tr(lang, k).into_owned();
        LetterTexts {
            title: "一次性告知书",
            subtitle: Some("（补正材料通知）"),
            heading: l("一次性告知书"),
            subheading: Some(l("（补正材料通知）")),
            show_code: true,
            salutation: salutation(&self.applicant_name, lang),
            opening: text!(
                "您（单位）申请办理的“{item}”事项（办件编号：{case_no}），经审查，申请材料不齐全或者不符合法定形式。\
                 根据《中华人民共和国行政许可法》第三十二条的规定，现将需要补正的全部材料和内容一次性告知如下：",
                item = self.item_name.clone(),
                case_no = self.case_no.clone()
            )
            .render(lang),
            reasons: vec![],
            table_column: Some(l("需要补正的内容")),
            table_empty: l("（无）"),
            points: vec![
                text!(
                    "请按上述要求一次性补正全部材料后，向{issuer}提交，或通过办理进度公开页面在线提交。",
                    issuer = self.issuer.clone()
                )
                .render(lang),
                l("本事项的承诺办理时限自收到全部补正材料之日起计算，补正期间不计入承诺时限；\
                   材料补正齐全前，承诺时限不开始计算。"),
                l("依照《中华人民共和国行政许可法》第三十二条，需要补正的全部内容应当一次告知。\
                   除本告知书所列内容外，不会要求您补正其他材料。"),
                l("凭办件编号和查询验证码，或扫描下方二维码，可查询本件的办理进度。"),
            ],
            closing: vec![],
            issuer: issuer_lines(&self.issuer, &self.issued_on, lang),
        }
    }
}

impl RejectionData {
    /// The texts of the not-accept notice, in the language of the request
    /// being answered.
    pub fn texts(&self) -> LetterTexts {
        self.texts_in(tongban_domain::i18n::current())
    }

    /// The texts of the not-accept notice in `lang`.
    pub fn texts_in(&self, lang: Lang) -> LetterTexts {
        let l = |k: &'static str| tr(lang, k).into_owned();
        LetterTexts {
            title: "不予受理通知书",
            subtitle: None,
            heading: l("不予受理通知书"),
            subheading: None,
            show_code: false,
            salutation: salutation(&self.applicant_name, lang),
            opening: text!(
                "您（单位）申请办理的“{item}”事项（办件编号：{case_no}），经审查，本机关决定不予受理。理由如下：",
                item = self.item_name.clone(),
                case_no = self.case_no.clone()
            )
            .render(lang),
            reasons: self
                .reason
                .split('\n')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            table_column: None,
            table_empty: l("（无）"),
            points: vec![],
            closing: vec![
                l("如不服本决定，您（单位）可以自收到本通知书之日起六十日内依法申请行政复议，\
                   也可以自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"),
                l("扫描下方二维码，可查看本件的办理情况。"),
            ],
            issuer: issuer_lines(&self.issuer, &self.issued_on, lang),
        }
    }
}
