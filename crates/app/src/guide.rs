//! An item's guide map (办事指南) as a person answers it: the questions shown
//! for the answers so far, and the situation and checklist they resolve to.

use crate::{AppError, AppResult};
use serde::Serialize;
use tongban_domain::catalogue::{ItemContent, MaterialSpec};
use tongban_domain::guide::{Answers, GuideError};

/// The guide map for some answers.
#[derive(Debug, Serialize)]
pub struct GuideView {
    /// The questions shown for these answers.
    pub questions: Vec<QuestionView>,
    /// The situation and checklist they resolve to (when asked to resolve).
    pub resolution: Option<ResolutionView>,
    /// Some answers were given but a question is still open.
    pub missing: bool,
}

/// A guide-map question.
#[derive(Debug, Serialize)]
pub struct QuestionView {
    /// Its key.
    pub key: String,
    /// What it asks.
    pub text: String,
    /// Its options.
    pub options: Vec<Choice>,
}

/// An option to choose.
#[derive(Debug, Serialize)]
pub struct Choice {
    /// Its key.
    pub key: String,
    /// Its label.
    pub label: String,
}

/// What the answers resolve to.
#[derive(Debug, Serialize)]
pub struct ResolutionView {
    /// The situation, in words.
    pub situation_name: String,
    /// Its checklist.
    pub materials: Vec<MaterialLine>,
}

/// A checklist entry, in words.
#[derive(Debug, Serialize)]
pub struct MaterialLine {
    /// The material.
    pub name: String,
    /// Original, copy, …
    pub form_label: &'static str,
    /// How many copies.
    pub copies: u32,
    /// Required in every case.
    pub required: bool,
    /// The e-licence kind that may stand in for it.
    pub license: Option<String>,
    /// What the reviewer checks.
    pub review_points: Vec<String>,
}

impl From<&MaterialSpec> for MaterialLine {
    fn from(m: &MaterialSpec) -> Self {
        Self {
            name: m.name.clone(),
            form_label: m.form.label(),
            copies: m.copies,
            required: m.required,
            license: m.license.clone(),
            review_points: m.review_points.clone(),
        }
    }
}

/// Only the answers to the item's questions, with one of their options.
pub fn known_answers(c: &ItemContent, answers: Answers) -> Answers {
    answers
        .into_iter()
        .filter(|(k, val)| {
            c.guide
                .questions
                .iter()
                .any(|q| &q.key == k && q.options.iter().any(|o| &o.key == val))
        })
        .collect()
}

/// The guide map of `c` for `answers`; `resolve`: show what they resolve to.
/// A guide map with a dead end is a fault of the catalogue (logged).
pub fn guide_view(c: &ItemContent, answers: &Answers, resolve: bool) -> AppResult<GuideView> {
    let (resolution, missing) = match c.guide.evaluate(answers, &c.materials) {
        Ok(r) if resolve => (
            Some(ResolutionView {
                situation_name: r.situation_name,
                materials: r.materials.iter().map(MaterialLine::from).collect(),
            }),
            false,
        ),
        Ok(_) | Err(GuideError::Invalid(_)) => (None, false),
        Err(GuideError::Unanswered(_)) => (None, !answers.is_empty()),
        Err(GuideError::NoSituation) => {
            return Err(AppError::Internal(format!(
                "dead end in guide of {}",
                c.code
            )));
        }
    };
    let questions = c
        .guide
        .visible_questions(answers)
        .map(|q| QuestionView {
            key: q.key.clone(),
            text: q.text.clone(),
            options: (q.options.iter())
                .map(|o| Choice {
                    key: o.key.clone(),
                    label: o.label.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(GuideView {
        questions,
        resolution,
        missing,
    })
}
