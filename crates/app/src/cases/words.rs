//! A case in words: where it stands and what each timeline event says,
//! for staff and, in plain words, for its applicant. The case's checklist
//! and situation name what an event's payload keys.

use crate::views::{CaseView, EventView};
use serde::Serialize;
use tongban_domain::case::{DeliveryMethod, Status};
use tongban_domain::catalogue::ReceiptMethod;
use tongban_domain::i18n::Text;
use tongban_domain::text;
use tongban_store::CaseRecord;

/// The materials a one-time notice lists, as "名称（问题）；…" (the
/// reviewer's words, data).
fn supplement_items(payload: &serde_json::Value) -> Option<String> {
    let list = payload["materials"].as_array()?;
    let items: Vec<String> = list
        .iter()
        .map(|m| {
            format!(
                "{}（{}）",
                m["name"].as_str().unwrap_or(""),
                m["problem"].as_str().unwrap_or("")
            )
        })
        .collect();
    Some(items.join("；"))
}

/// What a timeline event says beyond its action, in the words a person
/// reads: the case's checklist and situation name what the payload keys.
pub fn timeline_detail(action: &str, payload: &serde_json::Value, record: &CaseRecord) -> Text {
    let mut parts: Vec<Text> = Vec::new();
    if action == "material" {
        let key = payload["material"].as_str().unwrap_or("");
        let name = record
            .materials
            .iter()
            .find(|m| m.key == key)
            .map_or(key, |m| m.name.as_str())
            .to_owned();
        let how = payload["method"]
            .as_str()
            .and_then(ReceiptMethod::parse)
            .map_or("", ReceiptMethod::label);
        return if payload["original_verified"].as_bool() == Some(true) {
            text!("“{name}”：{how}，已核验原件", name = name, how = how)
        } else {
            text!("“{name}”：{how}", name = name, how = how)
        };
    }
    if let Some(words) = video_detail(action, payload) {
        return words;
    }
    let a = &payload["assisted"];
    if let (Some(by), Some(who)) = (a["by"].as_str(), a["applicant"].as_str()) {
        let consent: Text = a["consent_label"]
            .as_str()
            .map_or_else(|| "同意".into(), |c| Text::from(c.to_owned()));
        let (by, who) = (by.to_owned(), who.to_owned());
        parts.push(match a["note"].as_str().filter(|n| !n.is_empty()) {
            Some(n) => text!(
                "帮办代办：{by}代{who}网上申请（申请人{consent}，{note}）",
                by = by,
                who = who,
                consent = consent,
                note = n.to_owned()
            ),
            None => text!(
                "帮办代办：{by}代{who}网上申请（申请人{consent}）",
                by = by,
                who = who,
                consent = consent
            ),
        });
    }
    if let Some(a) = payload["approved"].as_bool() {
        parts.push(if a { "准予" } else { "不予" }.into());
    }
    if let Some(r) = payload["reason"].as_str() {
        parts.push(Text::raw(r));
    }
    let x = &payload["exception"];
    if let (Some(missing), Some(r)) = (x["missing"].as_array(), x["reason"].as_str()) {
        let names: Vec<&str> = missing.iter().filter_map(|m| m.as_str()).collect();
        parts.push(text!(
            "未扫描：{names}（例外情形：{reason}）",
            names = names.join("、"),
            reason = r.to_owned()
        ));
    }
    if let Some(items) = supplement_items(payload) {
        parts.push(text!("需补正：{items}", items = items));
    }
    if let Some(m) = payload["method"].as_str() {
        let m = DeliveryMethod::parse(m).unwrap_or(DeliveryMethod::Electronic);
        parts.push(match (m, payload["address"].as_str()) {
            (DeliveryMethod::Post, Some(a)) => {
                text!(
                    "{method}至{address}",
                    method = m.label(),
                    address = a.to_owned()
                )
            }
            _ => m.label().into(),
        });
    }
    if action == "create" && !record.situation.is_empty() {
        parts.push(text!("情形：{situation}", situation = &record.situation));
    }
    if let Some(device) = chip_reader(payload) {
        parts.push(text!(
            "身份证经读卡器（{device}）从芯片读取",
            device = device.to_owned()
        ));
    }
    Text::join(parts, "，")
}

/// A video check's start or result in words (staff see the masked ID
/// number and the meeting's reference).
fn video_detail(action: &str, p: &serde_json::Value) -> Option<Text> {
    use tongban_domain::video::{Participant, VideoOutcome};
    let who = p["participant"]
        .as_str()
        .and_then(Participant::parse)
        .map_or("申请人", Participant::label);
    let name = p["name"].as_str().unwrap_or("").to_owned();
    let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
    match action {
        "video_check" => Some(text!(
            "与{who}{name}（{id_number}）视频核验，{service}，会议编号{reference}",
            who = who,
            name = name,
            id_number = s("id_number"),
            service = s("service"),
            reference = s("reference")
        )),
        "video_result" => {
            let outcome = p["outcome"]
                .as_str()
                .and_then(VideoOutcome::parse)
                .map_or("", VideoOutcome::label);
            let mut parts = vec![text!(
                "{who}{name}：{outcome}",
                who = who,
                name = name,
                outcome = outcome
            )];
            if let Some(r) = p["reason"].as_str().filter(|r| !r.is_empty()) {
                parts.push(text!("原因：{reason}", reason = r.to_owned()));
            }
            if p["recording"].is_string() {
                parts.push("录像已存档".into());
            } else if let Some(r) = p["recording_ref"].as_str() {
                parts.push(text!("录像编号{reference}", reference = r.to_owned()));
            }
            Some(Text::join(parts, "，"))
        }
        _ => None,
    }
}

/// The reader that read the applicant's card, when the case was opened
/// on an identity read from the chip.
pub fn chip_reader(create_payload: &serde_json::Value) -> Option<&str> {
    let id = &create_payload["identity"];
    (id["source"] == "chip").then(|| id["device"].as_str().unwrap_or(""))
}

/// Where an online application stands, in plain words for its applicant.
pub fn plain_status(v: &CaseView) -> Text {
    let dept = &v.department.name;
    match v.status {
        Status::Draft => {
            "申请还没有提交。请上传下面列出的全部材料，核对无误后点击“确认提交申请”。".into()
        }
        Status::Submitted => text!(
            "申请已提交，正在等待{dept}受理。受理后开始计算办理时限。",
            dept = dept
        ),
        Status::SupplementRequested => text!(
            "{dept}请您补正材料（一次性告知）。请按下面的要求重新上传，然后点击“提交补正材料”。补正期间不计算办理时限。",
            dept = dept
        ),
        Status::Accepted => match &v.deadline {
            Some(d) => text!(
                "{dept}已受理，正在审查。承诺在{deadline}前办结。",
                dept = dept,
                deadline = d
            ),
            None => text!("{dept}已受理，正在审查。", dept = dept),
        },
        Status::Suspended => {
            "正在进行听证、检验或专家评审等特别程序，这段时间不计入办理时限。".into()
        }
        Status::Approved => "审批通过（准予）。结果将按您选择的方式送达。".into(),
        Status::Denied => "审批结果为不予批准，理由见下方的办理过程。".into(),
        Status::Delivering => match &v.delivery {
            Some(d) => text!("审批结果正在送达：{delivery}。", delivery = d.text.clone()),
            None => "审批结果正在送达。".into(),
        },
        Status::Completed => "已办结。欢迎您对这次服务作出评价。".into(),
        Status::NotAccepted => "不予受理，理由见《不予受理通知书》。".into(),
        Status::Withdrawn => "申请已撤回。".into(),
        Status::PreReview | Status::PreReviewFailed | Status::PreReviewPassed => {
            text!("{dept}正在预审材料。", dept = dept)
        }
    }
}

/// One timeline event in plain words for the applicant: who did what.
pub fn plain_event(e: &EventView, dept: &str, record: &CaseRecord) -> Text {
    let materials = &record.materials;
    let who: Text = match e.role.as_str() {
        "applicant" => "您".into(),
        "guide" | "agent" => "帮办代办人员".into(),
        "reviewer" | "department_admin" => Text::raw(dept),
        _ => "窗口工作人员".into(),
    };
    let p = &e.payload;
    let reason: Text = p["reason"].as_str().filter(|r| !r.is_empty()).map_or_else(
        || Text::raw(""),
        |r| text!("，理由：{reason}", reason = r.to_owned()),
    );
    match e.action.as_str() {
        "create" if e.role == "applicant" => {
            let d = timeline_detail("create", p, record);
            if d.is_empty() {
                text!("{who}填写了网上申请", who = who)
            } else {
                text!("{who}填写了网上申请（{detail}）", who = who, detail = d)
            }
        }
        "create" if chip_reader(p).is_some() => {
            text!("{who}读取了您的身份证，收下了您的申请", who = who)
        }
        "create" => text!("{who}收下了您的申请", who = who),
        "material" => {
            let key = p["material"].as_str().unwrap_or("");
            let name = materials
                .iter()
                .find(|m| m.key == key)
                .map_or(key, |m| m.name.as_str())
                .to_owned();
            match (p["method"].as_str(), e.role.as_str()) {
                (Some("license"), _) => {
                    text!("{who}使用电子证照代替了“{name}”", who = who, name = name)
                }
                (Some("scan"), "applicant") => text!("{who}上传了“{name}”", who = who, name = name),
                (_, "applicant") => text!("{who}提交了“{name}”", who = who, name = name),
                _ => text!("{who}收下了您的“{name}”", who = who, name = name),
            }
        }
        "video_check" => {
            if p["participant"] == "agent" {
                text!("{who}发起了与您的代理人的视频通话，核验身份", who = who)
            } else {
                text!("{who}发起了与您的视频通话，核验身份", who = who)
            }
        }
        "video_result" => match p["outcome"].as_str() {
            Some("passed") => text!("{who}通过视频核验确认了身份", who = who),
            Some("failed") => text!(
                "{who}视频核验未能确认身份{reason}",
                who = who,
                reason = reason
            ),
            _ => text!("{who}的视频通话未能接通，请留意来电或短信", who = who),
        },
        "pre_review_pass" => text!("{who}预审了您的材料：齐全", who = who),
        "pre_review_fail" => text!(
            "{who}预审了您的材料：需要补充{reason}",
            who = who,
            reason = reason
        ),
        "submit" => text!("{who}提交了申请", who = who),
        "accept" => text!("{who}受理了申请，开始计算办理时限", who = who),
        "not_accept" => text!("{who}决定不予受理{reason}", who = who, reason = reason),
        "request_supplement" => text!(
            "{who}请您补正材料：{items}",
            who = who,
            items = supplement_items(p).unwrap_or_default()
        ),
        "supplement_provided" => text!("{who}提交了补正材料", who = who),
        "suspend" => text!(
            "{who}启动了特别程序（不计入办理时限）{reason}",
            who = who,
            reason = reason
        ),
        "resume" => text!("{who}结束了特别程序，继续计算办理时限", who = who),
        "decide" => {
            let verdict = if p["approved"].as_bool() == Some(true) {
                "准予"
            } else {
                "不予批准"
            };
            text!(
                "{who}作出决定：{verdict}{reason}",
                who = who,
                verdict = verdict,
                reason = reason
            )
        }
        "deliver" => text!(
            "{who}送出了审批结果（{detail}）",
            who = who,
            detail = timeline_detail("deliver", p, record)
        ),
        "complete" => text!("{who}办结了申请", who = who),
        "withdraw" => text!("{who}撤回了申请{reason}", who = who, reason = reason),
        _ => text!("{who}{action}", who = who, action = e.action_label.clone()),
    }
}

/// Where a case stands in words anyone reads (the public progress page,
/// found by case number and verification code): no staff words, and the
/// five stages a person knows with the one the case is at.
#[derive(Debug, Serialize)]
pub struct ProgressView {
    /// Case number.
    pub case_no: String,
    /// The item applied for.
    pub item_name: String,
    /// Where it stands, in a few words.
    pub status: Text,
    /// The department that decides.
    pub department: String,
    /// Accepted on.
    pub accepted_on: Option<String>,
    /// Promised by.
    pub deadline: Option<String>,
    /// 申请 → 受理 → 审查 → 决定 → 送达/办结, each done, current or to come.
    pub stages: Vec<Stage>,
    /// Why the case stopped before the end (不予受理, 撤回), if it did.
    pub ended: Option<Text>,
    /// What happened, in words.
    pub steps: Vec<ProgressStep>,
}

/// One stage of the step bar.
#[derive(Debug, Serialize)]
pub struct Stage {
    /// Its name.
    pub label: Text,
    /// `done`, `current` or `todo`.
    pub state: &'static str,
}

/// One event on the progress page.
#[derive(Debug, Serialize)]
pub struct ProgressStep {
    /// Its day.
    pub date: String,
    /// What happened.
    pub text: Text,
}

/// The stages of the step bar.
pub const STAGES: [&str; 5] = ["申请", "受理", "审查", "决定", "送达/办结"];

/// A status in a person's words, the stage it is at (index into
/// [`STAGES`]; `5`: all done), and why it ended early.
pub fn citizen_status(s: Status) -> (&'static str, usize, Option<&'static str>) {
    match s {
        Status::Draft => ("还没有提交", 0, None),
        Status::Submitted => ("已提交，等待受理", 1, None),
        Status::PreReview | Status::PreReviewPassed => ("材料预审中", 1, None),
        Status::PreReviewFailed => ("材料需要补充", 1, None),
        Status::SupplementRequested => ("请按告知补正材料", 1, None),
        Status::Accepted => ("已受理，审查中", 2, None),
        Status::Suspended => ("特别程序中（不计时）", 2, None),
        Status::Approved => ("已批准，等待送达结果", 4, None),
        Status::Denied => ("不予批准", 4, None),
        Status::Delivering => ("结果正在送达", 4, None),
        Status::Completed => ("已办结", 5, None),
        Status::NotAccepted => ("不予受理", 1, Some("办件在受理时结束：不予受理。")),
        Status::Withdrawn => ("已撤回", 1, Some("申请已撤回，办件结束。")),
    }
}

/// The public progress of a case.
pub fn progress_view(v: &CaseView, record: &CaseRecord) -> ProgressView {
    let (status, at, ended) = citizen_status(v.status);
    let stages = (STAGES.iter().enumerate())
        .map(|(i, &label)| Stage {
            label: label.into(),
            state: match i.cmp(&at) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "todo",
            },
        })
        .collect();
    let dept = &v.department.name;
    ProgressView {
        case_no: v.case_no.clone(),
        item_name: v.item_name.clone(),
        status: status.into(),
        department: dept.clone(),
        accepted_on: v.accepted_on.clone(),
        deadline: v.deadline.clone(),
        stages,
        ended: ended.map(Text::from),
        steps: (v.events.iter())
            .map(|e| ProgressStep {
                date: e.at.get(..10).unwrap_or("").to_owned(),
                text: plain_event(e, dept, record),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_sits_on_one_stage_in_a_persons_words() {
        use Status::*;
        let all = [
            Draft,
            Submitted,
            PreReview,
            PreReviewFailed,
            PreReviewPassed,
            SupplementRequested,
            Accepted,
            Suspended,
            Approved,
            Denied,
            Delivering,
            Completed,
            NotAccepted,
            Withdrawn,
        ];
        for s in all {
            let (words, at, _) = citizen_status(s);
            assert!(at <= STAGES.len(), "{s:?}");
            assert!(
                !words.contains("办件") && !words.contains("登记"),
                "{s:?}: {words}"
            );
        }
        assert_eq!(citizen_status(Draft).1, 0);
        assert_eq!(citizen_status(Submitted).1, 1);
        assert_eq!(citizen_status(Accepted).1, 2);
        assert_eq!(citizen_status(Delivering).1, 4);
        assert_eq!(citizen_status(Completed).1, 5);
        assert!(citizen_status(NotAccepted).2.is_some());
    }

    #[test]
    fn video_checks_are_told_in_words() {
        let start = serde_json::json!({"participant": "agent", "name": "蔡代理",
            "id_number": "350302********0011", "service": "演示视频服务", "reference": "ab12"});
        assert_eq!(
            video_detail("video_check", &start).unwrap(),
            "与委托代理人蔡代理（350302********0011）视频核验，演示视频服务，会议编号ab12"
        );
        let failed = serde_json::json!({"participant": "applicant", "name": "林",
            "outcome": "failed", "reason": "人像不符", "recording_ref": "R-9"});
        assert_eq!(
            video_detail("video_result", &failed).unwrap(),
            "申请人林：核验不通过，原因：人像不符，录像编号R-9"
        );
        let passed = serde_json::json!({"name": "林", "outcome": "passed", "recording": "0a"});
        assert_eq!(
            video_detail("video_result", &passed).unwrap(),
            "申请人林：核验通过，录像已存档"
        );
        assert_eq!(video_detail("accept", &passed), None);
    }
}
