//! The training manuals (培训手册) as A4 PDFs: the pages
//! `tongban_app::manual::layout` lays out, measured with the bundled font
//! and drawn by the guide map's drawing code (`guide_map::pages_pdf`).
//! Shared by the pages (`/work/manuals/halls/{id}.pdf`,
//! `/items/{code}/manual.pdf`) and the API (`/api/v1/manuals/…`).

use crate::guide_map::{em, pages_pdf};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tongban_app::manual::layout::{hall_pages, item_pages};
use tongban_app::manual::{HallManual, ItemManualDoc};
use tongban_domain::i18n::Lang;
use tongban_domain::text;

/// What a manual reflects, for the PDF's description.
fn description(revision: i64, generated_on: &str, lang: Lang) -> String {
    text!(
        "事项目录修订号 {revision}，{date} 生成",
        revision = revision,
        date = generated_on.to_owned()
    )
    .render(lang)
}

/// An item's manual as a PDF in `lang` (the manual's texts are built in it).
pub fn item_pdf(d: &ItemManualDoc, lang: Lang) -> Vec<u8> {
    let m = &d.manual;
    let title = text!(
        "培训手册 · {name}（第{version}版）",
        name = m.name.clone(),
        version = m.version
    );
    pages_pdf(
        &title.render(lang),
        &description(d.revision, &d.generated_on, lang),
        lang,
        item_pages(m, d.revision, &d.generated_on, &em, lang),
    )
}

/// A hall's manual as a PDF in `lang` (the manual's texts are built in it).
pub fn hall_pdf(m: &HallManual, lang: Lang) -> Vec<u8> {
    let title = text!("培训手册 · {name}", name = m.hall.clone());
    pages_pdf(
        &title.render(lang),
        &description(m.revision, &m.generated_on, lang),
        lang,
        hall_pages(m, &em, lang),
    )
}

/// A PDF answer: staff material, so never kept by a shared cache.
pub fn respond(pdf: Vec<u8>, filename: &str) -> Response {
    let disposition = format!("inline; filename=\"{filename}\"");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("inline")),
            ),
        ],
        pdf,
    )
        .into_response()
}
