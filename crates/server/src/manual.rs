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

/// An item's manual as a PDF.
pub fn item_pdf(d: &ItemManualDoc) -> Vec<u8> {
    let m = &d.manual;
    pages_pdf(
        &format!("培训手册 · {}（第{}版）", m.name, m.version),
        &format!("事项目录修订号 {}，{} 生成", d.revision, d.generated_on),
        item_pages(m, d.revision, &d.generated_on, &em),
    )
}

/// A hall's manual as a PDF.
pub fn hall_pdf(m: &HallManual) -> Vec<u8> {
    pages_pdf(
        &format!("培训手册 · {}", m.hall),
        &format!("事项目录修订号 {}，{} 生成", m.revision, m.generated_on),
        hall_pages(m, &em),
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
