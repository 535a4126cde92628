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
use tongban_domain::intake::Applicant;
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
/// a loaded case says, issued at `now` (unix ms) with the case's public
/// progress page; a conflict before acceptance (slip) or for a draft
/// (receipt).
pub fn slip(
    record: &CaseRecord,
    view: &CaseView,
    receipt: bool,
    progress_url: String,
    now: i64,
) -> AppResult<SlipData> {
    let accepted_on = accepted_on(record, view, receipt)?;
    let (applicant_name, applicant_id_masked) = applicant_parts(&record.applicant);
    let (received, to_come) = materials_of(record, view);
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
            .unwrap_or_else(|| "网上办事大厅".into()),
        department_name: view.department.name.clone(),
        accepted_on,
        promised_days: view.promised_days,
        instant: view.instant,
        deadline: view.deadline.clone().unwrap_or_default(),
        calendar_complete: view.calendar_complete,
        received,
        to_come,
        delivery: delivery_of(view),
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
fn delivery_of(view: &CaseView) -> String {
    match (&view.delivery, &view.hall) {
        (Some(d), _) => d.text.to_string(),
        (None, Some(h)) => format!("审批结果由审批部门邮寄送达申请人，或在{}窗口领取", h.name),
        (None, None) => "电子送达；申请人需要纸质结果的，邮寄送达".to_owned(),
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
fn materials_of(record: &CaseRecord, view: &CaseView) -> (Materials, Materials) {
    let (mut received, mut to_come) = (vec![], vec![]);
    for m in &record.materials {
        let last = crate::cases::latest_receipt(&view.received, &m.key);
        let Some(r) = last else {
            to_come.push((m.name.clone(), format!("{}{}份", m.form.label(), m.copies)));
            continue;
        };
        let mut how = match ReceiptMethod::parse(&r.method) {
            Some(ReceiptMethod::Scan) => "扫描件（已电子化）".to_owned(),
            Some(ReceiptMethod::Licence) => "电子证照（免提交）".to_owned(),
            _ => format!("纸质{}{}份", m.form.label(), m.copies),
        };
        if r.original_verified {
            how.push_str("，窗口已核验原件");
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
pub fn notice(record: &CaseRecord, view: &CaseView, progress_url: String) -> Option<NoticeData> {
    let e = latest(view, "request_supplement")?;
    Some(NoticeData {
        case_no: view.case_no.clone(),
        verification_code: record.verification_code.clone(),
        item_name: view.item_name.clone(),
        applicant_name: record.applicant.name().to_owned(),
        issuer: issuer(view, e),
        issued_on: e.at.get(..10).unwrap_or("").to_owned(),
        materials: supplement_materials(&e.payload),
        progress_url,
    })
}

/// The materials a 补正 request names: (name, what is missing or wrong).
fn supplement_materials(payload: &serde_json::Value) -> Materials {
    let Some(list) = payload["materials"].as_array() else {
        return vec![];
    };
    list.iter()
        .map(|m| {
            let mut problem = m["problem"].as_str().unwrap_or("").to_owned();
            // A material beyond the checklist says why it is needed.
            if let Some(r) = m["extra_reason"].as_str() {
                problem.push_str(&format!("（清单外材料，需要的理由：{r}）"));
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

/// The words of a 受理承诺单 or a 网上申请回执: one source for the
/// printable page and the PDF.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SlipTexts {
    /// The document's title.
    pub title: &'static str,
    /// Labelled rows; a PDF row may hold two pairs side by side.
    pub rows: Vec<Vec<(&'static str, String)>>,
    /// The heading over the materials received.
    pub received_heading: String,
    /// The second column of that table.
    pub received_column: &'static str,
    /// What the table says when nothing was received.
    pub received_empty: &'static str,
    /// The heading over what is still to come, when anything is.
    pub to_come_heading: Option<String>,
    /// The numbered notes (说明).
    pub notes: Vec<String>,
    /// Who issued it, and when, one line each.
    pub issuer: Vec<String>,
}

impl SlipData {
    /// The texts of the slip (`receipt` false) or the online receipt.
    pub fn texts(&self, receipt: bool) -> SlipTexts {
        let mut rows = vec![applicant_row(self)];
        rows.push(vec![("申请事项", self.item_name.clone())]);
        let period = if self.instant {
            "即办件：当场办结".to_owned()
        } else {
            format!("{}个工作日", self.promised_days)
        };
        let to_come_heading = (!self.to_come.is_empty())
            .then(|| format!("尚待提交的材料（共{}项）", self.to_come.len()));
        if receipt {
            rows.push(vec![("申请方式", "全程网办（网上办事大厅）".to_owned())]);
            rows.push(vec![("审批部门", self.department_name.clone())]);
            rows.push(vec![("受理情况", self.receipt_state())]);
            rows.push(vec![("结果领取方式", self.delivery.clone())]);
            return SlipTexts {
                title: "网上申请回执",
                rows,
                received_heading: format!("已提交的申请材料（共{}项）", self.received.len()),
                received_column: "提交方式",
                received_empty: "（无）",
                to_come_heading,
                notes: RECEIPT_NOTES.map(str::to_owned).to_vec(),
                issuer: vec![
                    "莆田市网上办事大厅".to_owned(),
                    format!("打印时间：{}", self.issued_at),
                ],
            };
        }
        rows.push(vec![("受理地点", self.hall_name.clone())]);
        rows.push(vec![("审批部门", self.department_name.clone())]);
        rows.push(vec![
            ("受理日期", self.accepted_on.clone()),
            ("承诺时限", period),
        ]);
        let mut deadline = self.deadline.clone();
        if !self.calendar_complete {
            deadline.push_str(
                "\n注：推算本日期时次年法定节假日安排尚未公布；安排公布后，\
                 承诺办结日期按实际工作日相应调整，以办理进度查询页面显示的日期为准。",
            );
        }
        rows.push(vec![("承诺办结日期", deadline)]);
        rows.push(vec![("结果送达方式", self.delivery.clone())]);
        SlipTexts {
            title: "受理承诺单",
            rows,
            received_heading: format!("已收取的申请材料（共{}项）", self.received.len()),
            received_column: "收取情况",
            received_empty: "（窗口未登记收取任何材料）",
            to_come_heading,
            notes: SLIP_NOTES.map(str::to_owned).to_vec(),
            issuer: vec![
                "受理单位（盖章）：".to_owned(),
                self.hall_name.clone(),
                format!("出具时间：{}", self.issued_at),
            ],
        }
    }

    /// Where an online application stands, in the receipt's words.
    fn receipt_state(&self) -> String {
        if self.accepted_on.is_empty() {
            let period = if self.instant {
                "即时办结".to_owned()
            } else {
                format!("{}个工作日内办结", self.promised_days)
            };
            format!("已提交，等待审批部门受理；受理后{period}")
        } else {
            format!(
                "已于{}受理，承诺于{}前办结",
                self.accepted_on, self.deadline
            )
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
fn applicant_row(d: &SlipData) -> Vec<(&'static str, String)> {
    let applicant = ("申请人", d.applicant_name.clone());
    if d.applicant_id_masked.trim().is_empty() {
        vec![applicant]
    } else {
        vec![applicant, ("证件号码", d.applicant_id_masked.clone())]
    }
}

/// The words of a 一次性告知书 or a 不予受理通知书: one source for the
/// printable page and the PDF.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LetterTexts {
    /// The document's title.
    pub title: &'static str,
    /// Under the title, if any.
    pub subtitle: Option<&'static str>,
    /// Whether the verification code is printed.
    pub show_code: bool,
    /// To whom: “申请人：”.
    pub salutation: String,
    /// The opening paragraph.
    pub opening: String,
    /// The paragraphs of the reason (the rejection).
    pub reasons: Vec<String>,
    /// The second column of the materials table (the notice), if any.
    pub table_column: Option<&'static str>,
    /// Numbered points after the table (the notice).
    pub points: Vec<String>,
    /// Closing paragraphs (the rejection: the remedies).
    pub closing: Vec<String>,
    /// Who issued it, and when, one line each.
    pub issuer: Vec<String>,
}

fn issuer_lines(issuer: &str, issued_on: &str) -> Vec<String> {
    vec![
        "签发单位（盖章）：".to_owned(),
        issuer.to_owned(),
        issued_on.to_owned(),
    ]
}

impl NoticeData {
    /// The texts of the one-time notice.
    pub fn texts(&self) -> LetterTexts {
        LetterTexts {
            title: "一次性告知书",
            subtitle: Some("（补正材料通知）"),
            show_code: true,
            salutation: format!("{}：", self.applicant_name),
            opening: format!(
                "您（单位）申请办理的“{}”事项（办件编号：{}），经审查，申请材料不齐全或者不符合法定形式。\
                 根据《中华人民共和国行政许可法》第三十二条的规定，现将需要补正的全部材料和内容一次性告知如下：",
                self.item_name, self.case_no
            ),
            reasons: vec![],
            table_column: Some("需要补正的内容"),
            points: vec![
                format!(
                    "请按上述要求一次性补正全部材料后，向{}提交，或通过办理进度公开页面在线提交。",
                    self.issuer
                ),
                "本事项的承诺办理时限自收到全部补正材料之日起计算，补正期间不计入承诺时限；\
                 材料补正齐全前，承诺时限不开始计算。"
                    .to_owned(),
                "依照《中华人民共和国行政许可法》第三十二条，需要补正的全部内容应当一次告知。\
                 除本告知书所列内容外，不会要求您补正其他材料。"
                    .to_owned(),
                "凭办件编号和查询验证码，或扫描下方二维码，可查询本件的办理进度。".to_owned(),
            ],
            closing: vec![],
            issuer: issuer_lines(&self.issuer, &self.issued_on),
        }
    }
}

impl RejectionData {
    /// The texts of the not-accept notice.
    pub fn texts(&self) -> LetterTexts {
        LetterTexts {
            title: "不予受理通知书",
            subtitle: None,
            show_code: false,
            salutation: format!("{}：", self.applicant_name),
            opening: format!(
                "您（单位）申请办理的“{}”事项（办件编号：{}），经审查，本机关决定不予受理。理由如下：",
                self.item_name, self.case_no
            ),
            reasons: self
                .reason
                .split('\n')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
            table_column: None,
            points: vec![],
            closing: vec![
                "如不服本决定，您（单位）可以自收到本通知书之日起六十日内依法申请行政复议，\
                 也可以自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
                    .to_owned(),
                "扫描下方二维码，可查看本件的办理情况。".to_owned(),
            ],
            issuer: issuer_lines(&self.issuer, &self.issued_on),
        }
    }
}
