//! A case in words: where it stands and what each timeline event says,
//! for staff and, in plain words, for its applicant. The case's checklist
//! and situation name what an event's payload keys.

use crate::views::{CaseView, EventView};
use serde::Serialize;
use tongban_domain::case::{DeliveryMethod, Status};
use tongban_domain::catalogue::ReceiptMethod;
use tongban_store::CaseRecord;

/// The materials a one-time notice lists, as "名称（问题）；…".
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
pub fn timeline_detail(action: &str, payload: &serde_json::Value, record: &CaseRecord) -> String {
    let mut parts = Vec::new();
    if action == "material" {
        let key = payload["material"].as_str().unwrap_or("");
        let name = record
            .materials
            .iter()
            .find(|m| m.key == key)
            .map_or(key, |m| m.name.as_str());
        let how = payload["method"]
            .as_str()
            .and_then(ReceiptMethod::parse)
            .map_or("", ReceiptMethod::label);
        let verified = if payload["original_verified"].as_bool() == Some(true) {
            "，已核验原件"
        } else {
            ""
        };
        return format!("“{name}”：{how}{verified}");
    }
    if let Some(words) = video_detail(action, payload) {
        return words;
    }
    let a = &payload["assisted"];
    if let (Some(by), Some(who)) = (a["by"].as_str(), a["applicant"].as_str()) {
        parts.push(format!(
            "帮办代办：{by}代{who}网上申请（申请人{}{}）",
            a["consent_label"].as_str().unwrap_or("同意"),
            a["note"]
                .as_str()
                .filter(|n| !n.is_empty())
                .map(|n| format!("，{n}"))
                .unwrap_or_default()
        ));
    }
    if let Some(a) = payload["approved"].as_bool() {
        parts.push(if a {
            "准予".to_owned()
        } else {
            "不予".to_owned()
        });
    }
    if let Some(r) = payload["reason"].as_str() {
        parts.push(r.to_owned());
    }
    let x = &payload["exception"];
    if let (Some(missing), Some(r)) = (x["missing"].as_array(), x["reason"].as_str()) {
        let names: Vec<&str> = missing.iter().filter_map(|m| m.as_str()).collect();
        parts.push(format!("未扫描：{}（例外情形：{r}）", names.join("、")));
    }
    if let Some(items) = supplement_items(payload) {
        parts.push(format!("需补正：{items}"));
    }
    if let Some(m) = payload["method"].as_str() {
        let m = DeliveryMethod::parse(m).unwrap_or(DeliveryMethod::Electronic);
        parts.push(match (m, payload["address"].as_str()) {
            (DeliveryMethod::Post, Some(a)) => format!("{}至{a}", m.label()),
            _ => m.label().into(),
        });
    }
    if action == "create" && !record.situation.is_empty() {
        parts.push(format!("情形：{}", record.situation));
    }
    if let Some(device) = chip_reader(payload) {
        parts.push(format!("身份证经读卡器（{device}）从芯片读取"));
    }
    parts.join("，")
}

/// A video check's start or result in words (staff see the masked ID
/// number and the meeting's reference).
fn video_detail(action: &str, p: &serde_json::Value) -> Option<String> {
    use tongban_domain::video::{Participant, VideoOutcome};
    let who = p["participant"]
        .as_str()
        .and_then(Participant::parse)
        .map_or("申请人", Participant::label);
    let name = p["name"].as_str().unwrap_or("");
    match action {
        "video_check" => Some(format!(
            "与{who}{name}（{}）视频核验，{}，会议编号{}",
            p["id_number"].as_str().unwrap_or(""),
            p["service"].as_str().unwrap_or(""),
            p["reference"].as_str().unwrap_or("")
        )),
        "video_result" => {
            let outcome = p["outcome"]
                .as_str()
                .and_then(VideoOutcome::parse)
                .map_or("", VideoOutcome::label);
            let mut s = format!("{who}{name}：{outcome}");
            if let Some(r) = p["reason"].as_str().filter(|r| !r.is_empty()) {
                s.push_str(&format!("，原因：{r}"));
            }
            if p["recording"].is_string() {
                s.push_str("，录像已存档");
            } else if let Some(r) = p["recording_ref"].as_str() {
                s.push_str(&format!("，录像编号{r}"));
            }
            Some(s)
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
pub fn plain_status(v: &CaseView) -> String {
    let dept = &v.department.name;
    match v.status {
        Status::Draft => {
            "申请还没有提交。请上传下面列出的全部材料，核对无误后点击“确认提交申请”。".to_owned()
        }
        Status::Submitted => format!("申请已提交，正在等待{dept}受理。受理后开始计算办理时限。"),
        Status::SupplementRequested => format!(
            "{dept}请您补正材料（一次性告知）。请按下面的要求重新上传，然后点击“提交补正材料”。补正期间不计算办理时限。"
        ),
        Status::Accepted => match &v.deadline {
            Some(d) => format!("{dept}已受理，正在审查。承诺在{d}前办结。"),
            None => format!("{dept}已受理，正在审查。"),
        },
        Status::Suspended => {
            "正在进行听证、检验或专家评审等特别程序，这段时间不计入办理时限。".to_owned()
        }
        Status::Approved => "审批通过（准予）。结果将按您选择的方式送达。".to_owned(),
        Status::Denied => "审批结果为不予批准，理由见下方的办理过程。".to_owned(),
        Status::Delivering => match &v.delivery {
            Some(d) => format!("审批结果正在送达：{}。", d.text),
            None => "审批结果正在送达。".to_owned(),
        },
        Status::Completed => "已办结。欢迎您对这次服务作出评价。".to_owned(),
        Status::NotAccepted => "不予受理，理由见《不予受理通知书》。".to_owned(),
        Status::Withdrawn => "申请已撤回。".to_owned(),
        Status::PreReview | Status::PreReviewFailed | Status::PreReviewPassed => {
            format!("{dept}正在预审材料。")
        }
    }
}

/// One timeline event in plain words for the applicant: who did what.
pub fn plain_event(e: &EventView, dept: &str, record: &CaseRecord) -> String {
    let materials = &record.materials;
    let who = match e.role.as_str() {
        "applicant" => "您".to_owned(),
        "guide" | "agent" => "帮办代办人员".to_owned(),
        "reviewer" | "department_admin" => dept.to_owned(),
        _ => "窗口工作人员".to_owned(),
    };
    let p = &e.payload;
    let reason = p["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
        .map(|r| format!("，理由：{r}"))
        .unwrap_or_default();
    match e.action.as_str() {
        "create" if e.role == "applicant" => {
            let mut s = format!("{who}填写了网上申请");
            let d = timeline_detail("create", p, record);
            if !d.is_empty() {
                s.push_str(&format!("（{d}）"));
            }
            s
        }
        "create" if chip_reader(p).is_some() => {
            format!("{who}读取了您的身份证，收下了您的申请")
        }
        "create" => format!("{who}收下了您的申请"),
        "material" => {
            let key = p["material"].as_str().unwrap_or("");
            let name = materials
                .iter()
                .find(|m| m.key == key)
                .map_or(key, |m| m.name.as_str());
            match (p["method"].as_str(), e.role.as_str()) {
                (Some("license"), _) => format!("{who}使用电子证照代替了“{name}”"),
                (Some("scan"), "applicant") => format!("{who}上传了“{name}”"),
                (_, "applicant") => format!("{who}提交了“{name}”"),
                _ => format!("{who}收下了您的“{name}”"),
            }
        }
        "video_check" => {
            let whom = if p["participant"] == "agent" {
                "您的代理人"
            } else {
                "您"
            };
            format!("{who}发起了与{whom}的视频通话，核验身份")
        }
        "video_result" => match p["outcome"].as_str() {
            Some("passed") => format!("{who}通过视频核验确认了身份"),
            Some("failed") => format!("{who}视频核验未能确认身份{reason}"),
            _ => format!("{who}的视频通话未能接通，请留意来电或短信"),
        },
        "pre_review_pass" => format!("{who}预审了您的材料：齐全"),
        "pre_review_fail" => format!("{who}预审了您的材料：需要补充{reason}"),
        "submit" => format!("{who}提交了申请"),
        "accept" => format!("{who}受理了申请，开始计算办理时限"),
        "not_accept" => format!("{who}决定不予受理{reason}"),
        "request_supplement" => format!(
            "{who}请您补正材料：{}",
            supplement_items(p).unwrap_or_default()
        ),
        "supplement_provided" => format!("{who}提交了补正材料"),
        "suspend" => format!("{who}启动了特别程序（不计入办理时限）{reason}"),
        "resume" => format!("{who}结束了特别程序，继续计算办理时限"),
        "decide" => {
            let verdict = if p["approved"].as_bool() == Some(true) {
                "准予"
            } else {
                "不予批准"
            };
            format!("{who}作出决定：{verdict}{reason}")
        }
        "deliver" => format!(
            "{who}送出了审批结果（{}）",
            timeline_detail("deliver", p, record)
        ),
        "complete" => format!("{who}办结了申请"),
        "withdraw" => format!("{who}撤回了申请{reason}"),
        _ => format!("{who}{}", e.action_label),
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
    pub status: &'static str,
    /// The department that decides.
    pub department: String,
    /// Accepted on.
    pub accepted_on: Option<String>,
    /// Promised by.
    pub deadline: Option<String>,
    /// 申请 → 受理 → 审查 → 决定 → 送达/办结, each done, current or to come.
    pub stages: Vec<Stage>,
    /// Why the case stopped before the end (不予受理, 撤回), if it did.
    pub ended: Option<&'static str>,
    /// What happened, in words.
    pub steps: Vec<ProgressStep>,
}

/// One stage of the step bar.
#[derive(Debug, Serialize)]
pub struct Stage {
    /// Its name.
    pub label: &'static str,
    /// `done`, `current` or `todo`.
    pub state: &'static str,
}

/// One event on the progress page.
#[derive(Debug, Serialize)]
pub struct ProgressStep {
    /// Its day.
    pub date: String,
    /// What happened.
    pub text: String,
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
            label,
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
        status,
        department: dept.clone(),
        accepted_on: v.accepted_on.clone(),
        deadline: v.deadline.clone(),
        stages,
        ended,
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
