//! The domain's words in English: every label the pages translate with
//! `|t` and every message the domain writes has its English in
//! `locales/en`, and messages render there with their arguments.

use std::path::Path;
use strum::VariantArray;
use time::macros::date;
use tongban_domain::i18n::{Lang, Text, has_english, has_han};

/// Every label of every enum (and the other fixed words the domain shows).
fn labels() -> Vec<&'static str> {
    use tongban_domain::{
        appointment, calendar::statutory::Festival, case, case::tally, catalogue, city, evaluation,
        grant, list_batch, tongban, user, video,
    };
    let mut l: Vec<&'static str> = Vec::new();
    macro_rules! all {
        ($($list:expr),+ $(,)?) => {$(
            l.extend($list.iter().map(|v| v.label()));
        )+};
    }
    all!(
        case::DeliveryMethod::VARIANTS,
        case::Status::ALL,
        case::Action::ALL,
        tally::Flow::ALL,
        tongban::Mode::ALL,
        grant::Right::ALL,
        list_batch::BatchState::VARIANTS,
        user::Role::ALL,
        video::VideoOutcome::ALL,
        video::Participant::ALL,
        appointment::AppointmentKind::VARIANTS,
        appointment::VisitReason::all(),
        city::RegionLevel::ALL,
        city::HallKind::ALL,
        city::DepartmentKind::ALL,
        city::SystemKind::VARIANTS,
        catalogue::ReceiptMethod::ALL,
        catalogue::ItemType::ALL,
        catalogue::Jurisdiction::ALL,
        catalogue::MaterialForm::ALL,
        catalogue::ResultType::ALL,
        catalogue::LimitsSource::ALL,
    );
    use list_batch::{BatchStep, Change};
    l.extend(
        [
            BatchStep::Edit,
            BatchStep::Submit,
            BatchStep::Publish,
            BatchStep::Return,
        ]
        .map(BatchStep::label),
    );
    l.extend(
        [
            Change::Added,
            Change::Changed,
            Change::Removed,
            Change::Unchanged,
            Change::NotListed,
        ]
        .map(Change::label),
    );
    l.extend(
        [
            Festival::NewYear,
            Festival::SpringFestival,
            Festival::Qingming,
            Festival::LabourDay,
            Festival::DragonBoat,
            Festival::MidAutumn,
            Festival::NationalDay,
        ]
        .map(Festival::name),
    );
    for c in evaluation::Channel::VARIANTS {
        l.extend(c.dimensions().iter().map(|(_, name)| *name));
    }
    l.extend((1..=5).map(evaluation::grade_label));
    l.extend(catalogue::LICENSE_TYPES.iter().copied());
    l.extend(["男", "女"]);
    l
}

#[test]
fn every_label_has_english() {
    let missing: Vec<_> = labels().into_iter().filter(|k| !has_english(k)).collect();
    assert!(missing.is_empty(), "labels without English: {missing:?}");
}

/// The string literals holding Chinese in the domain's code (not its
/// tests): each is a label or a message key, so each needs its English —
/// but for the few that are data or are only searched for.
#[test]
fn every_chinese_literal_of_the_domain_has_english() {
    const DATA: &[&str] = &["委托书", "受托人", "代理人"];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let mut missing = Vec::new();
    for f in files {
        let name = f.strip_prefix(&src).unwrap().display().to_string();
        if name == "i18n.rs" || name.ends_with("tests.rs") || name == "enum_strings.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for lit in literals(code) {
            if has_han(&lit) && !DATA.contains(&lit.as_str()) && !has_english(&lit) {
                missing.push(format!("{name}: “{lit}”"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} literals without English:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The contents of the string literals of `code`, comments left out.
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal such as '"' must not open a string.
                let mut ahead = chars.clone();
                if let (Some(_), Some('\'')) = (ahead.next(), ahead.next()) {
                    chars.next();
                    chars.next();
                }
            }
            '"' => {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                s.push('\\');
                                s.push(n);
                            }
                        }
                        '"' => break,
                        c => s.push(c),
                    }
                }
                out.push(s);
            }
            _ => {}
        }
    }
    out
}

#[test]
fn messages_render_in_english_with_their_arguments() {
    use tongban_domain::case::{Action, Refusal, Status};
    use tongban_domain::grant::{Lack, Right};

    let t = Refusal::Terminal {
        status: Status::Completed,
    }
    .message(Action::Accept);
    assert_eq!(t, "办件已已办结，不能再受理");
    assert_eq!(
        t.render(Lang::En),
        "The case is Completed; it can no longer take the step “Accept”"
    );

    let lack = Lack::Expired {
        valid_to: date!(2026 - 03 - 31),
    }
    .message(Right::OriginalVerification);
    assert_eq!(
        lack.render(Lang::En),
        "The Original verification right the approving department granted this window expired on 2026-03-31"
    );

    let e =
        tongban_domain::validate::validate_id_number("id", "3503", date!(2026 - 01 - 01), |_| true)
            .unwrap_err();
    assert_eq!(e.message, "公民身份号码应为18位，当前为4位");
    assert_eq!(
        e.message.render(Lang::En),
        "A citizen ID number has 18 characters; this one has 4"
    );

    let e = tongban_domain::validate::required_text("name", "企业名称", " ", 10).unwrap_err();
    assert_eq!(e.message.render(Lang::En), "Company name is required");
    let e = tongban_domain::validate::required_text("name", "企业名称", "莆田市某某有限公司", 3)
        .unwrap_err();
    assert_eq!(
        e.message.render(Lang::En),
        "Company name cannot be longer than 3 characters"
    );
}

#[test]
fn data_stays_as_it_is_in_english() {
    use tongban_domain::city_admin::check_hours;
    let e = check_hours("extended_hours", "错时延时时段", "12:00-14:00,13:00-15:00").unwrap_err();
    assert_eq!(e.message, "错时延时时段中 12:00-14:00 与 13:00-15:00 重叠");
    assert_eq!(
        e.message.render(Lang::En),
        "In Extended hours, 12:00-14:00 overlaps 13:00-15:00"
    );

    let d = tongban_domain::case::Delivery {
        method: tongban_domain::case::DeliveryMethod::Post,
        address: Some("莆田市城厢区东岩路1号".into()),
        hall: None,
    };
    let t: Text = d.describe(None);
    assert_eq!(t, "邮寄送达：莆田市城厢区东岩路1号");
    assert_eq!(
        t.render(Lang::En),
        "Delivery by post: 莆田市城厢区东岩路1号"
    );
}

#[test]
fn list_batch_diff_reads_in_english() {
    use tongban_domain::city::RegionLevel;
    use tongban_domain::list_batch::listing_words;
    use tongban_domain::tongban::Mode;
    let w = listing_words(
        &[Mode::Online, Mode::AcceptRemote],
        &[RegionLevel::City, RegionLevel::County],
        &[tongban_domain::HallId(7)],
        &|_| "荔城区行政服务中心".to_string(),
    );
    let zh = w.to_string();
    assert!(zh.contains('；') && zh.contains("全程网办"), "{zh}");
    let en = w.render(Lang::En);
    assert!(!has_han(&en.replace("荔城区行政服务中心", "")), "{en}");
    assert!(en.contains("Fully online") && en.contains("; "), "{en}");
}

#[test]
fn the_estimated_calendar_source_is_shown_in_english() {
    let y = tongban_domain::calendar::statutory::estimated_year(2030);
    let t = y.source_text();
    assert_eq!(t, y.source.as_str());
    assert!(!has_han(&t.render(Lang::En)), "{}", t.render(Lang::En));
}
