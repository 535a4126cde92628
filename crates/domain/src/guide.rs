//! Guide maps (审批导图): a questionnaire per item that resolves answers to a
//! situation (情形) and its required materials.

use crate::catalogue::MaterialSpec;
use crate::validate::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Answers: question key → option key.
pub type Answers = BTreeMap<String, String>;

/// One option of a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideOption {
    /// Key, unique within the question.
    pub key: String,
    /// zh-CN label.
    pub label: String,
}

/// A question; shown only when every pair of `show_if` matches earlier answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Key, unique within the guide map.
    pub key: String,
    /// zh-CN text.
    pub text: String,
    /// Follow-up condition: question key → option key.
    #[serde(default)]
    pub show_if: BTreeMap<String, String>,
    /// Options.
    #[serde(rename = "option", alias = "options")]
    pub options: Vec<GuideOption>,
}

/// A situation (情形): matched when every pair of `when` is answered so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Situation {
    /// Key.
    pub key: String,
    /// zh-CN name.
    pub name: String,
    /// Condition: question key → option key.
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    /// Per-situation materials (keys of non-required materials).
    #[serde(default)]
    pub materials: Vec<String>,
}

/// A questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideMap {
    /// Questions in order.
    #[serde(rename = "question", alias = "questions", default)]
    pub questions: Vec<Question>,
    /// Situations; the first that matches wins.
    #[serde(rename = "situation", alias = "situations")]
    pub situations: Vec<Situation>,
}

/// The outcome of a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolution {
    /// Situation key.
    pub situation: String,
    /// Situation name.
    pub situation_name: String,
    /// Every material required in this situation: the always-required ones, then the situation's.
    pub materials: Vec<MaterialSpec>,
}

/// Why answers do not resolve yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuideError {
    /// A shown question has no answer.
    Unanswered(String),
    /// Answers that name unknown questions or options, or hidden questions.
    Invalid(ValidationErrors),
    /// No situation matches (a defect in the map; [`GuideMap::check`] rules it out).
    NoSituation,
}

impl GuideMap {
    /// A map with no questions and one situation.
    pub fn single(name: &str) -> Self {
        Self {
            questions: vec![],
            situations: vec![Situation {
                key: "default".into(),
                name: name.into(),
                when: BTreeMap::new(),
                materials: vec![],
            }],
        }
    }

    /// Is `q` shown, given the answers so far?
    fn shown(q: &Question, answers: &Answers) -> bool {
        q.show_if.iter().all(|(k, v)| answers.get(k) == Some(v))
    }

    /// The questions shown for these answers, in order.
    pub fn visible_questions<'a>(
        &'a self,
        answers: &'a Answers,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions
            .iter()
            .filter(move |q| Self::shown(q, answers))
    }

    /// Resolves answers to a situation and its materials. Answers to hidden
    /// questions are ignored (a form may post them); unknown ones are errors.
    pub fn evaluate(
        &self,
        answers: &Answers,
        materials: &[MaterialSpec],
    ) -> Result<Resolution, GuideError> {
        let mut errs = ValidationErrors::default();
        for (k, v) in answers {
            match self.questions.iter().find(|q| &q.key == k) {
                None => errs.push(FieldError::new(
                    format!("answers.{k}"),
                    "guide.unknown_question",
                    crate::text!("没有名为“{key}”的问题", key = k),
                )),
                Some(q) if !q.options.iter().any(|o| &o.key == v) => errs.push(FieldError::new(
                    format!("answers.{k}"),
                    "guide.unknown_option",
                    crate::text!(
                        "问题“{question}”没有选项“{option}”",
                        question = &q.text,
                        option = v
                    ),
                )),
                Some(_) => {}
            }
        }
        if !errs.is_empty() {
            return Err(GuideError::Invalid(errs));
        }
        // Keep only the answers of questions that are shown, in order.
        let mut effective = Answers::new();
        for q in &self.questions {
            if Self::shown(q, &effective) {
                match answers.get(&q.key) {
                    Some(v) => {
                        effective.insert(q.key.clone(), v.clone());
                    }
                    None => return Err(GuideError::Unanswered(q.key.clone())),
                }
            }
        }
        let s = self
            .situations
            .iter()
            .find(|s| s.when.iter().all(|(k, v)| effective.get(k) == Some(v)))
            .ok_or(GuideError::NoSituation)?;
        let mut out: Vec<MaterialSpec> = materials.iter().filter(|m| m.required).cloned().collect();
        for key in &s.materials {
            if let Some(m) = materials.iter().find(|m| &m.key == key && !m.required) {
                out.push(m.clone());
            }
        }
        Ok(Resolution {
            situation: s.key.clone(),
            situation_name: s.name.clone(),
            materials: out,
        })
    }

    /// Every complete answer path (one answer per shown question).
    pub fn paths(&self) -> Vec<Answers> {
        let mut out = Vec::new();
        self.walk(0, Answers::new(), &mut out);
        out
    }

    fn walk(&self, i: usize, acc: Answers, out: &mut Vec<Answers>) {
        let Some(q) = self.questions.get(i) else {
            out.push(acc);
            return;
        };
        if !Self::shown(q, &acc) {
            return self.walk(i + 1, acc, out);
        }
        for o in &q.options {
            let mut next = acc.clone();
            next.insert(q.key.clone(), o.key.clone());
            self.walk(i + 1, next, out);
        }
    }

    /// Checks the map is well formed: keys unique, conditions refer to earlier
    /// questions and real options, every answer path reaches a situation, every
    /// situation is reachable, situation materials are per-situation materials.
    pub fn check(&self, materials: &[MaterialSpec]) -> Result<(), ValidationErrors> {
        let mut errs = ValidationErrors::default();
        let mut seen: Vec<&Question> = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            let f = format!("guide.questions[{i}]");
            if seen.iter().any(|p| p.key == q.key) {
                errs.push(FieldError::new(
                    &f,
                    "guide.duplicate_key",
                    crate::text!("问题标识“{key}”重复", key = &q.key),
                ));
            }
            if q.options.len() < 2 {
                errs.push(FieldError::new(
                    &f,
                    "guide.options",
                    crate::text!("问题“{question}”至少需要两个选项", question = &q.text),
                ));
            }
            let mut opts = HashSet::new();
            for o in &q.options {
                if !opts.insert(o.key.as_str()) {
                    errs.push(FieldError::new(
                        &f,
                        "guide.duplicate_key",
                        crate::text!("选项标识“{key}”重复", key = &o.key),
                    ));
                }
            }
            for (k, v) in &q.show_if {
                match seen.iter().find(|p| &p.key == k) {
                    Some(p) if p.options.iter().any(|o| &o.key == v) => {}
                    _ => errs.push(FieldError::new(
                        &f,
                        "guide.condition",
                        crate::text!(
                            "问题“{question}”的显示条件引用了不存在的前序问题或选项（{key}={value}）",
                            question = &q.text,
                            key = k,
                            value = v
                        ),
                    )),
                }
            }
            seen.push(q);
        }
        if self.situations.is_empty() {
            errs.push(FieldError::new(
                "guide.situations",
                "required",
                "至少应有一个情形",
            ));
        }
        let mut skeys = HashSet::new();
        let mut used_materials = HashSet::new();
        for (i, s) in self.situations.iter().enumerate() {
            let f = format!("guide.situations[{i}]");
            if !skeys.insert(s.key.as_str()) {
                errs.push(FieldError::new(
                    &f,
                    "guide.duplicate_key",
                    crate::text!("情形标识“{key}”重复", key = &s.key),
                ));
            }
            for (k, v) in &s.when {
                let ok = self
                    .questions
                    .iter()
                    .any(|q| &q.key == k && q.options.iter().any(|o| &o.key == v));
                if !ok {
                    errs.push(FieldError::new(
                        &f,
                        "guide.condition",
                        crate::text!(
                            "情形“{situation}”的条件引用了不存在的问题或选项（{key}={value}）",
                            situation = &s.name,
                            key = k,
                            value = v
                        ),
                    ));
                }
            }
            for m in &s.materials {
                used_materials.insert(m.as_str());
                if !materials.iter().any(|x| &x.key == m && !x.required) {
                    errs.push(FieldError::new(
                        &f,
                        "guide.material",
                        crate::text!(
                            "情形“{situation}”引用的材料“{material}”不是按情形提交的材料",
                            situation = &s.name,
                            material = m
                        ),
                    ));
                }
            }
        }
        for m in materials.iter().filter(|m| !m.required) {
            if !used_materials.contains(m.key.as_str()) {
                errs.push(FieldError::new(
                    "materials",
                    "guide.unused_material",
                    crate::text!(
                        "按情形提交的材料“{material}”未被任何情形引用",
                        material = &m.name
                    ),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let mut reached = HashSet::new();
        for p in self.paths() {
            match self.evaluate(&p, materials) {
                Ok(r) => {
                    reached.insert(r.situation);
                }
                Err(_) => {
                    let desc = crate::i18n::Text::join(
                        p.iter()
                            .map(|(k, v)| crate::i18n::Text::raw(format!("{k}={v}"))),
                        "，",
                    );
                    errs.push(FieldError::new(
                        "guide",
                        "guide.dead_end",
                        crate::text!("答题路径（{path}）没有对应的情形", path = desc),
                    ));
                }
            }
        }
        for s in &self.situations {
            if !reached.contains(&s.key) {
                errs.push(FieldError::new(
                    "guide",
                    "guide.unreachable",
                    crate::text!(
                        "情形“{situation}”在任何答题路径下都不会出现",
                        situation = &s.name
                    ),
                ));
            }
        }
        errs.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::MaterialForm;

    fn mat(key: &str, required: bool) -> MaterialSpec {
        MaterialSpec {
            key: key.into(),
            name: key.into(),
            form: MaterialForm::Original,
            copies: 1,
            required,
            license: None,
            review_points: vec![],
        }
    }

    fn map() -> GuideMap {
        let q = |key: &str, show_if: &[(&str, &str)], opts: &[&str]| Question {
            key: key.into(),
            text: key.into(),
            show_if: show_if
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            options: opts
                .iter()
                .map(|o| GuideOption {
                    key: o.to_string(),
                    label: o.to_string(),
                })
                .collect(),
        };
        let s = |key: &str, when: &[(&str, &str)], m: &[&str]| Situation {
            key: key.into(),
            name: key.into(),
            when: when
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            materials: m.iter().map(|x| x.to_string()).collect(),
        };
        GuideMap {
            questions: vec![
                q("who", &[], &["self", "agent"]),
                q("agent_kind", &[("who", "agent")], &["kin", "other"]),
            ],
            situations: vec![
                s("self", &[("who", "self")], &[]),
                s("kin", &[("agent_kind", "kin")], &["proxy", "kinship"]),
                s("other", &[], &["proxy"]),
            ],
        }
    }

    #[test]
    fn evaluates_follow_up_questions() {
        let m = vec![mat("id", true), mat("proxy", false), mat("kinship", false)];
        let g = map();
        g.check(&m).unwrap();
        assert_eq!(g.paths().len(), 3);
        let a = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Answers>()
        };
        let r = g
            .evaluate(&a(&[("who", "agent"), ("agent_kind", "kin")]), &m)
            .unwrap();
        assert_eq!(r.situation, "kin");
        assert_eq!(
            r.materials
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>(),
            ["id", "proxy", "kinship"]
        );
        // A hidden question's answer is ignored.
        let r = g
            .evaluate(&a(&[("who", "self"), ("agent_kind", "kin")]), &m)
            .unwrap();
        assert_eq!(r.situation, "self");
        assert_eq!(
            g.evaluate(&a(&[("who", "agent")]), &m),
            Err(GuideError::Unanswered("agent_kind".into()))
        );
        assert!(matches!(
            g.evaluate(&a(&[("who", "nobody")]), &m),
            Err(GuideError::Invalid(_))
        ));
        assert!(matches!(
            g.evaluate(&a(&[("what", "x")]), &m),
            Err(GuideError::Invalid(_))
        ));
    }

    #[test]
    fn check_finds_dead_ends_and_unreachable_situations() {
        let m = vec![mat("id", true), mat("proxy", false), mat("kinship", false)];
        let mut g = map();
        g.situations.pop();
        let e = g.check(&m).unwrap_err();
        assert!(e.0.iter().any(|e| e.code == "guide.dead_end"));
        let mut g = map();
        g.situations.insert(0, g.situations[2].clone());
        g.situations[0].key = "first".into();
        let e = g.check(&m).unwrap_err();
        assert!(e.0.iter().any(|e| e.code == "guide.unreachable"), "{e}");
        let e = map()
            .check(&[mat("id", true), mat("proxy", false)])
            .unwrap_err();
        assert!(e.0.iter().any(|e| e.code == "guide.material"));
    }
}
