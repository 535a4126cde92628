//! 好差评: applicants rate each service 1–5 on the national dimensions —
//! online (全程网办) or at a window — once per case. A 差评 (overall 1–2)
//! opens a rectification (整改) for the hall or department responsible, due
//! a number of working days later.

use crate::calendar::Calendar;
use crate::validate::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strum::{EnumString, IntoStaticStr, VariantArray};
use time::Date;

/// Working days a rectification is due in, unless configured otherwise.
pub const DEFAULT_RECTIFY_DAYS: u32 = 5;

/// Where the service was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// 全程网办.
    Online,
    /// At a hall's window.
    Window,
}

impl Channel {
    /// Identifier.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses [`Channel::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// The national dimensions rated on this channel: (key, zh-CN name).
    pub fn dimensions(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Channel::Online => &[
                ("overall", "总体评价"),
                ("efficiency", "办事效率"),
                ("guide_accuracy", "办事指南准确性"),
                ("convenience", "办理便捷度"),
                ("usability", "平台易用性"),
            ],
            Channel::Window => &[
                ("overall", "总体评价"),
                ("efficiency", "办事效率"),
                ("level", "业务水平"),
                ("attitude", "服务态度"),
            ],
        }
    }
}

/// The national five grades, 5 best.
pub fn grade_label(g: u8) -> &'static str {
    match g {
        5 => "非常满意",
        4 => "满意",
        3 => "基本满意",
        2 => "不满意",
        _ => "非常不满意",
    }
}

/// A rating as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Grade per dimension key, 1–5.
    pub grades: BTreeMap<String, u8>,
    /// Free comment.
    pub comment: String,
}

impl Rating {
    /// Checks every dimension of the channel is graded 1–5 and nothing else,
    /// and that a 差评 says what went wrong.
    pub fn check(&self, channel: Channel) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::default();
        for (key, name) in channel.dimensions() {
            match self.grades.get(*key) {
                Some(1..=5) => {}
                Some(_) => errs.push(FieldError::new(
                    format!("grades.{key}"),
                    "evaluation.grade",
                    crate::text!("{name}的评价应为1至5", name = *name),
                )),
                None => errs.push(FieldError::new(
                    format!("grades.{key}"),
                    "required",
                    crate::text!("请评价{name}", name = *name),
                )),
            }
        }
        for k in self.grades.keys() {
            if !channel.dimensions().iter().any(|(d, _)| d == k) {
                errs.push(FieldError::new(
                    format!("grades.{k}"),
                    "evaluation.dimension",
                    crate::text!("“{key}”不是本渠道的评价项", key = k),
                ));
            }
        }
        if self.comment.chars().count() > 500 {
            errs.push(FieldError::new(
                "comment",
                "too_long",
                "评价内容不能超过500个字",
            ));
        }
        if self.is_bad() && self.comment.trim().is_empty() {
            errs.push(FieldError::new(
                "comment",
                "evaluation.comment",
                "差评请写明不满意的原因，以便整改",
            ));
        }
        errs.into_result(())
    }

    /// The overall grade.
    pub fn overall(&self) -> u8 {
        self.grades.get("overall").copied().unwrap_or(0)
    }

    /// A 差评: overall 1 or 2.
    pub fn is_bad(&self) -> bool {
        matches!(self.overall(), 1 | 2)
    }
}

/// When a rectification opened on `day` is due: `days` working days later.
pub fn rectification_due(cal: &Calendar, day: Date, days: u32) -> Date {
    cal.nth_working_day_after(day, days, |_| false).date
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(pairs: &[(&str, u8)], comment: &str) -> Rating {
        Rating {
            grades: pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
            comment: comment.into(),
        }
    }

    #[test]
    fn every_dimension_of_the_channel_is_graded_once() {
        let ok = rating(
            &[
                ("overall", 5),
                ("efficiency", 4),
                ("level", 5),
                ("attitude", 5),
            ],
            "",
        );
        assert!(ok.check(Channel::Window).is_ok());
        let e = ok.check(Channel::Online).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "grades.guide_accuracy",
                "grades.convenience",
                "grades.usability",
                "grades.attitude",
                "grades.level"
            ]
        );
        let bad = rating(
            &[
                ("overall", 0),
                ("efficiency", 6),
                ("level", 5),
                ("attitude", 5),
            ],
            "",
        );
        assert_eq!(bad.check(Channel::Window).unwrap_err().0.len(), 2);
    }

    #[test]
    fn a_bad_rating_must_say_why() {
        let r = rating(
            &[
                ("overall", 2),
                ("efficiency", 1),
                ("level", 3),
                ("attitude", 1),
            ],
            " ",
        );
        assert!(r.is_bad());
        assert_eq!(r.check(Channel::Window).unwrap_err().0[0].field, "comment");
        let r = Rating {
            comment: "窗口让我跑了两趟".into(),
            ..r
        };
        assert!(r.check(Channel::Window).is_ok());
        assert!(!rating(&[("overall", 3)], "").is_bad());
        assert_eq!(grade_label(1), "非常不满意");
        assert_eq!(grade_label(5), "非常满意");
    }
}
