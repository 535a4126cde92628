//! The 审批导图 of an item as SVG and as an A4 PDF, both drawn from the one
//! layout `tongban_app::guide_map::layout` makes of the item's current
//! published version, measured with the bundled font (`documents::FACE`),
//! which the PDF embeds subsetted. Shared by the public pages
//! (`/items/{code}/guide-map.svg|pdf`) and the API
//! (`/api/v1/items/{code}/guide-map`).

use crate::documents::FACE;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use tongban_app::guide_map::{Layout, PAGE_H, PAGE_W, Page, Shape, Tone};
use tongban_domain::i18n::Lang;
use tongban_domain::text;

/// The advance of `c` in ems in the bundled font.
pub fn em(c: char) -> f32 {
    FACE.glyph(c).1
}

/// The layout of a guide map in the request's language, measured with the
/// bundled font.
pub fn layout(src: &tongban_app::guide_map::GuideMapSource) -> Layout {
    tongban_app::guide_map::layout(src, &em, crate::lang::current())
}

/// Which drawing is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `image/svg+xml`, for the item page.
    Svg,
    /// `application/pdf`, A4, for printing.
    Pdf,
}

/// The drawing as an HTTP answer, with an ETag of what is drawn (the item's
/// version and the 通办 listing are on it): a repeated request with the tag
/// is answered 304 without drawing the PDF again.
pub fn respond(l: &Layout, format: Format, headers: &HeaderMap) -> Response {
    let svg = tongban_app::guide_map::svg(l);
    let tag = format!(
        "\"gm-{}-{}-{:016x}\"",
        l.version,
        match format {
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        },
        fnv1a(svg.as_bytes())
    );
    let etag = HeaderValue::from_str(&tag).expect("an ASCII tag");
    let cache = HeaderValue::from_static("no-cache");
    let matched = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matched {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    let (body, ctype, name) = match format {
        Format::Svg => (svg.into_bytes(), "image/svg+xml; charset=utf-8", "svg"),
        Format::Pdf => (pdf(l), "application/pdf", "pdf"),
    };
    let disposition = format!(
        "inline; filename=\"guide-map-{}-v{}.{name}\"",
        l.code, l.version
    );
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("inline")),
            ),
        ],
        body,
    )
        .into_response()
}

/// 64-bit FNV-1a: the same drawing gives the same tag in every process.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The guide map as an A4 PDF: the layout's pages, numbered.
pub fn pdf(l: &Layout) -> Vec<u8> {
    let pages = l.pages();
    let total = pages.len();
    let pages = pages.into_iter().enumerate().map(|(i, mut p)| {
        let folio = text!(
            "{code} 审批导图 第{version}版　第 {page} 页  共 {total} 页",
            code = l.code.clone(),
            version = l.version,
            page = i + 1,
            total = total
        )
        .render(l.lang);
        let w: f32 = folio.chars().map(|c| em(c) * 8.0).sum();
        p.shapes.push(Shape::Text {
            x: (PAGE_W - w) / 2.0,
            y: PAGE_H - 22.0,
            size: 8.0,
            text: folio,
            bold: false,
            tone: Tone::Muted,
        });
        p
    });
    pages_pdf(&l.title, &l.summary, l.lang, pages)
}

/// Pages of shapes as an A4 PDF with the bundled font embedded (the guide
/// map, the training manuals).
pub fn pages_pdf(
    title: &str,
    description: &str,
    lang: Lang,
    pages: impl IntoIterator<Item = Page>,
) -> Vec<u8> {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .description(description.to_owned())
            .language(lang.as_str().to_owned())
            .creator("tongban".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid page size");
    for p in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for s in &p.shapes {
            draw(&mut surface, s);
        }
        surface.finish();
        page.finish();
    }
    doc.finish().expect("krilla writes the document")
}

fn color(t: Tone) -> rgb::Color {
    let (r, g, b) = t.rgb();
    rgb::Color::new(r, g, b)
}

fn fill(t: Tone) -> Fill {
    Fill {
        paint: color(t).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn stroke(t: Tone, width: f32) -> Stroke {
    Stroke {
        paint: color(t).into(),
        width,
        ..Default::default()
    }
}

/// A rounded rectangle's outline.
fn rounded(pb: &mut PathBuilder, x: f32, y: f32, w: f32, h: f32, r: f32) {
    let r = r.min(w / 2.0).min(h / 2.0);
    pb.move_to(x + r, y);
    pb.line_to(x + w - r, y);
    pb.quad_to(x + w, y, x + w, y + r);
    pb.line_to(x + w, y + h - r);
    pb.quad_to(x + w, y + h, x + w - r, y + h);
    pb.line_to(x + r, y + h);
    pb.quad_to(x, y + h, x, y + h - r);
    pb.line_to(x, y + r);
    pb.quad_to(x, y, x + r, y);
    pb.close();
}

fn draw(surface: &mut Surface<'_>, s: &Shape) {
    match s {
        Shape::Box {
            x,
            y,
            w,
            h,
            r,
            fill: f,
            stroke: st,
        } => {
            let mut pb = PathBuilder::new();
            rounded(&mut pb, *x, *y, *w, *h, *r);
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(*f)));
                surface.set_stroke(st.map(|t| stroke(t, 0.6)));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Shape::Text {
            x,
            y,
            size,
            text,
            bold,
            tone,
        } => {
            if text.is_empty() {
                return;
            }
            let glyphs: Vec<KrillaGlyph> = text
                .char_indices()
                .map(|(i, c)| {
                    let (gid, advance) = FACE.glyph(c);
                    KrillaGlyph::new(
                        GlyphId::new(gid),
                        advance,
                        0.0,
                        0.0,
                        0.0,
                        i..i + c.len_utf8(),
                        None,
                    )
                })
                .collect();
            surface.set_fill(Some(fill(*tone)));
            // A regular face made bolder by stroking the outlines thinly as well.
            surface.set_stroke(bold.then(|| stroke(*tone, size * 0.03)));
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &glyphs,
                FACE.font.clone(),
                text,
                *size,
                false,
            );
            surface.set_stroke(None);
        }
        Shape::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            tone,
        } => line(surface, (*x1, *y1), (*x2, *y2), *width, *tone),
        Shape::Arrow { x1, y1, x2, y2 } => {
            line(surface, (*x1, *y1), (*x2, *y2), 1.4, Tone::Accent);
            let [(ax, ay), (bx, by)] = Shape::arrow_head(*x1, *y1, *x2, *y2);
            let mut pb = PathBuilder::new();
            pb.move_to(*x2, *y2);
            pb.line_to(ax, ay);
            pb.line_to(bx, by);
            pb.close();
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(Tone::Accent)));
                surface.draw_path(&path);
            }
        }
    }
}

fn line(surface: &mut Surface<'_>, (x1, y1): (f32, f32), (x2, y2): (f32, f32), w: f32, t: Tone) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(stroke(t, w)));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}
