//! 审批导图: an item's guide map as a drawing, generated from the catalogue —
//! never drawn by hand. [`layout`] is a pure function of the item's current
//! published version and its 通办 list entry: questionnaire → situations →
//! materials with their review points → steps → time limits and fee → the
//! 通办 modes and the hall levels that may receive it. It gives bands of
//! boxes, text lines and arrows in points on an A4 portrait page; [`svg`]
//! writes them as one tall SVG for the item page, [`Layout::pages`] cuts them
//! into A4 pages for the PDF (drawn by the server with the bundled font). The
//! item's version is printed on the map, so a catalogue change (a new
//! version) publishes a new map.

use crate::text::wrap;
use crate::{App, AppResult};
use std::fmt::Write as _;
use tongban_domain::catalogue::{ItemVersion, LimitsSource, MaterialSpec};
use tongban_domain::i18n::{Lang, Text, tr};
use tongban_domain::text;
use tongban_domain::tongban::ListEntry;

/// A4 portrait width in points.
pub const PAGE_W: f32 = 595.28;
/// A4 portrait height in points.
pub const PAGE_H: f32 = 841.89;
/// Left and right margin.
const MARGIN: f32 = 36.0;
/// Top margin of a page.
pub const PAGE_TOP: f32 = 36.0;
/// Where a page's content stops (the folio sits below).
pub const PAGE_BOTTOM: f32 = PAGE_H - 44.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Padding inside a box.
const PAD: f32 = 6.0;
/// Space between boxes.
const GAP: f32 = 6.0;
/// Text sizes.
const TEXT: f32 = 9.5;
const SMALL: f32 = 8.5;
const HEAD: f32 = 11.0;
/// The line height for a text size.
fn leading(size: f32) -> f32 {
    (size * 1.5).round()
}

/// What a guide map is drawn from: the item's current published version and
/// its entry on the 通办 list, if listed.
#[derive(Debug, Clone)]
pub struct GuideMapSource {
    /// The published version (its number is printed on the map).
    pub version: ItemVersion,
    /// Its 通办 list entry.
    pub listing: Option<ListEntry>,
}

/// Loads what the guide map of item `code` is drawn from: its current
/// published version and its 通办 list entry; an unknown item is the
/// store's not-found, answered 404 like the item page.
pub async fn load(app: &App, code: &str) -> AppResult<GuideMapSource> {
    let code = tongban_domain::ItemCode(code.to_owned());
    let mut version = app.store.item(&code).await?;
    // Public texts only: the provenance of the time limits is an internal note.
    version.content.note.clear();
    let listing = crate::Lookups::load(app).await?.listing(&code);
    Ok(GuideMapSource { version, listing })
}

/// A colour of the drawing, named for its use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Body text, box outlines.
    Ink,
    /// Secondary text.
    Muted,
    /// Section bars, arrows, marks.
    Accent,
    /// Text on a section bar.
    OnAccent,
    /// A box's background.
    Paper,
    /// A tinted box (questions, tags).
    Tint,
    /// A highlighted box (the 通办 panel, limits).
    Warm,
    /// Thin rules.
    Rule,
}

impl Tone {
    /// Red, green and blue.
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Tone::Ink => (0x1f, 0x29, 0x37),
            Tone::Muted => (0x4b, 0x55, 0x63),
            Tone::Accent => (0xb3, 0x26, 0x1e),
            Tone::OnAccent => (0xff, 0xff, 0xff),
            Tone::Paper => (0xff, 0xff, 0xff),
            Tone::Tint => (0xfb, 0xf0, 0xef),
            Tone::Warm => (0xfd, 0xf6, 0xe3),
            Tone::Rule => (0x9c, 0xa3, 0xaf),
        }
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        let (r, g, b) = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// One drawing element; coordinates in points from the top left of its band
/// (or of the page, once placed), y downwards.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A rectangle with rounded corners, filled and outlined (`stroke` none: no outline).
    Box {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Corner radius.
        r: f32,
        /// Fill.
        fill: Tone,
        /// Outline.
        stroke: Option<Tone>,
    },
    /// One line of text, its baseline at `y`.
    Text {
        /// Left.
        x: f32,
        /// Baseline.
        y: f32,
        /// Size in points.
        size: f32,
        /// The text.
        text: String,
        /// Bold.
        bold: bool,
        /// Colour.
        tone: Tone,
    },
    /// A straight line.
    Line {
        /// Start x.
        x1: f32,
        /// Start y.
        y1: f32,
        /// End x.
        x2: f32,
        /// End y.
        y2: f32,
        /// Width.
        width: f32,
        /// Colour.
        tone: Tone,
    },
    /// An arrow from (x1, y1) to its head at (x2, y2).
    Arrow {
        /// Start x.
        x1: f32,
        /// Start y.
        y1: f32,
        /// Head x.
        x2: f32,
        /// Head y.
        y2: f32,
    },
}

impl Shape {
    /// The same shape moved down by `dy`.
    pub fn shifted(&self, dy: f32) -> Shape {
        let mut s = self.clone();
        match &mut s {
            Shape::Box { y, .. } | Shape::Text { y, .. } => *y += dy,
            Shape::Line { y1, y2, .. } | Shape::Arrow { y1, y2, .. } => {
                *y1 += dy;
                *y2 += dy;
            }
        }
        s
    }

    /// The two end points of an arrow's head, for a filled triangle.
    pub fn arrow_head(x1: f32, y1: f32, x2: f32, y2: f32) -> [(f32, f32); 2] {
        let (dx, dy) = (x2 - x1, y2 - y1);
        let len = (dx * dx + dy * dy).sqrt().max(0.001);
        let (ux, uy) = (dx / len, dy / len);
        let (l, w) = (6.0, 3.5);
        let (bx, by) = (x2 - ux * l, y2 - uy * l);
        [(bx - uy * w, by + ux * w), (bx + uy * w, by - ux * w)]
    }
}

/// A horizontal strip of the drawing, never cut across pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Height in points.
    pub height: f32,
    /// What it holds, from its own top.
    pub shapes: Vec<Shape>,
    /// Moved to the next page with the band after it (headings, arrows).
    pub keep_with_next: bool,
}

/// A guide map laid out.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Item code.
    pub code: String,
    /// Item name.
    pub name: String,
    /// The published version drawn.
    pub version: i32,
    /// A sentence for the drawing's title (the accessible name).
    pub title: String,
    /// The drawing in words (the text alternative).
    pub summary: String,
    /// The bands, top to bottom.
    pub bands: Vec<Band>,
    /// The language it is drawn in.
    pub lang: Lang,
}

/// One A4 page of the map: placed shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Shapes in page coordinates.
    pub shapes: Vec<Shape>,
}

/// An approximate advance in ems — CJK and full-width forms 1, Latin about
/// half — for laying out without a font at hand (the tests; the server
/// passes the bundled font's).
pub fn approx_em(c: char) -> f32 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
            0.66
        } else {
            0.55
        }
    } else {
        1.0
    }
}

/// Text measured in ems per character.
pub type Measure<'a> = &'a dyn Fn(char) -> f32;

/// Builds bands, measuring text with the font's advances.
struct Painter<'a> {
    em: Measure<'a>,
    bands: Vec<Band>,
    lang: Lang,
}

/// A line of text inside a box: its size, weight, colour and indent.
#[derive(Clone)]
struct Run {
    text: String,
    size: f32,
    bold: bool,
    tone: Tone,
    indent: f32,
}

/// How a line of text looks.
#[derive(Clone, Copy)]
enum Style {
    /// A name or a value: body size, bold.
    Strong,
    /// Body text.
    Body,
    /// Small ink text.
    Small,
    /// Small secondary text.
    Note,
    /// A small secondary heading.
    Label,
    /// A small accented remark (an e-licence may replace the material).
    Mark,
}

impl Style {
    /// Size, bold, colour.
    fn look(self) -> (f32, bool, Tone) {
        match self {
            Style::Strong => (TEXT, true, Tone::Ink),
            Style::Body => (TEXT, false, Tone::Ink),
            Style::Small => (SMALL, false, Tone::Ink),
            Style::Note => (SMALL, false, Tone::Muted),
            Style::Label => (SMALL, true, Tone::Muted),
            Style::Mark => (SMALL, false, Tone::Accent),
        }
    }
}

/// Items of a list in `lang`: `甲、乙` in zh-CN, `A, B` in English.
pub(crate) fn list(lang: Lang, items: &[impl AsRef<str>]) -> String {
    let sep = match lang {
        Lang::ZhCn => "、",
        Lang::En => ", ",
    };
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(sep)
}

/// Enum labels (program text) in `lang`.
fn labels(lang: Lang, items: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    items
        .into_iter()
        .map(|l| tr(lang, l).into_owned())
        .collect()
}

impl Painter<'_> {
    /// A message in the map's language.
    fn t(&self, t: Text) -> String {
        t.render(self.lang)
    }

    fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        wrap(text, width.max(size), |c| (self.em)(c) * size)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| (self.em)(c) * size).sum()
    }

    /// `text` wrapped to `width` as runs; continuation lines hang by `hang`.
    fn runs(&self, text: &str, width: f32, style: Style, hang_em: f32) -> Vec<Run> {
        let (size, bold, tone) = style.look();
        let hang = hang_em * size;
        let run = |text: String, indent: f32| Run {
            text,
            size,
            bold,
            tone,
            indent,
        };
        // The first line at full width, the rest of the text (from where the
        // first line ends) re-wrapped at the hung width.
        let lines = self.wrap(text, width, size);
        let first = lines.first().cloned().unwrap_or_default();
        let rest = match text.strip_prefix(first.as_str()) {
            Some(rest) => rest.trim_start_matches([' ', '\n', '\r']).to_owned(),
            None => lines[1..].concat(),
        };
        let mut out = vec![run(first, 0.0)];
        if !rest.is_empty() {
            out.extend(
                self.wrap(&rest, width - hang, size)
                    .into_iter()
                    .map(|l| run(l, hang)),
            );
        }
        out
    }

    /// The height of runs in a padded box.
    fn runs_height(runs: &[Run]) -> f32 {
        runs.iter().map(|r| leading(r.size)).sum::<f32>() + 2.0 * PAD
    }

    /// Runs drawn from `top` at `x` (inside the padding).
    fn draw_runs(shapes: &mut Vec<Shape>, runs: &[Run], x: f32, top: f32) {
        let mut y = top + PAD;
        for r in runs {
            let h = leading(r.size);
            shapes.push(Shape::Text {
                x: x + PAD + r.indent,
                y: y + h / 2.0 + 0.38 * r.size,
                size: r.size,
                text: r.text.clone(),
                bold: r.bold,
                tone: r.tone,
            });
            y += h;
        }
    }

    fn push(&mut self, height: f32, shapes: Vec<Shape>, keep_with_next: bool) {
        self.bands.push(Band {
            height,
            shapes,
            keep_with_next,
        });
    }

    /// A section bar: a number and a title, kept with what follows.
    fn section(&mut self, no: usize, title: &'static str, note: &'static str) {
        let title = tr(self.lang, title).into_owned();
        let note = tr(self.lang, note).into_owned();
        let note = note.as_str();
        let h = 22.0;
        let mut s = vec![Shape::Box {
            x: MARGIN,
            y: 0.0,
            w: CONTENT_W,
            h,
            r: 3.0,
            fill: Tone::Accent,
            stroke: None,
        }];
        const NUMBERS: [&str; 9] = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"];
        let label = format!("{} {title}", NUMBERS.get(no - 1).copied().unwrap_or("·"));
        s.push(Shape::Text {
            x: MARGIN + 8.0,
            y: h / 2.0 + 0.38 * HEAD,
            size: HEAD,
            text: label.clone(),
            bold: true,
            tone: Tone::OnAccent,
        });
        if !note.is_empty() {
            let x = MARGIN + 8.0 + self.width(&label, HEAD) + 10.0;
            let room = PAGE_W - MARGIN - 8.0 - x;
            // A note that does not fit on the bar is left out (it repeats the boxes).
            if self.width(note, SMALL) <= room {
                s.push(Shape::Text {
                    x,
                    y: h / 2.0 + 0.38 * SMALL,
                    size: SMALL,
                    text: note.to_owned(),
                    bold: false,
                    tone: Tone::OnAccent,
                });
            }
        }
        self.push(h + GAP, s, true);
    }

    /// The arrow from one section down to the next.
    fn down_arrow(&mut self) {
        let x = PAGE_W / 2.0;
        self.push(
            20.0,
            vec![Shape::Arrow {
                x1: x,
                y1: 2.0,
                x2: x,
                y2: 18.0,
            }],
            true,
        );
    }

    /// Boxes of runs in `cols` columns, one band per row; arrows between
    /// neighbours of a row when `arrows`.
    fn grid(&mut self, boxes: Vec<(Vec<Run>, Tone)>, cols: usize, arrows: bool) {
        let cols = cols.max(1);
        let arrow_gap = if arrows { 16.0 } else { GAP };
        let w = (CONTENT_W - arrow_gap * (cols - 1) as f32) / cols as f32;
        for row in boxes.chunks(cols) {
            let h = row
                .iter()
                .map(|(runs, _)| Self::runs_height(runs))
                .fold(0.0, f32::max);
            let mut shapes = Vec::new();
            for (i, (runs, fill)) in row.iter().enumerate() {
                let x = MARGIN + i as f32 * (w + arrow_gap);
                shapes.push(Shape::Box {
                    x,
                    y: 0.0,
                    w,
                    h,
                    r: 3.0,
                    fill: *fill,
                    stroke: Some(Tone::Rule),
                });
                Self::draw_runs(&mut shapes, runs, x, 0.0);
                if arrows && i + 1 < row.len() {
                    shapes.push(Shape::Arrow {
                        x1: x + w + 2.0,
                        y1: h / 2.0,
                        x2: x + w + arrow_gap - 2.0,
                        y2: h / 2.0,
                    });
                }
            }
            self.push(h + GAP, shapes, false);
        }
    }

    /// The width inside a box of a grid of `cols` columns.
    fn inner(cols: usize, arrows: bool) -> f32 {
        let gap = if arrows { 16.0 } else { GAP };
        (CONTENT_W - gap * (cols - 1) as f32) / cols as f32 - 2.0 * PAD
    }
}

/// The most lines of review points drawn for one material (a longer list is
/// cut with a pointer to the guide, so a material never outgrows a page).
const MAX_POINT_LINES: usize = 36;

/// Lays out the guide map of `src` in `lang`, measuring text with `em`
/// (advance in ems per character). Pure: the same version, listing and
/// language give the same drawing.
pub fn layout(src: &GuideMapSource, em: Measure<'_>, lang: Lang) -> Layout {
    let v = &src.version;
    let c = &v.content;
    let mut p = Painter {
        em,
        bands: Vec::new(),
        lang,
    };
    header(&mut p, v);
    questionnaire(&mut p, src);
    p.down_arrow();
    situations(&mut p, src);
    p.down_arrow();
    p.section(3, "准备申请材料", "左：材料及提交要求　右：审查要点");
    for m in &c.materials {
        material(&mut p, m, &situations_needing(src, m));
    }
    p.down_arrow();
    steps(&mut p, src);
    p.down_arrow();
    limits(&mut p, src);
    p.down_arrow();
    tongban(&mut p, src);
    footer(&mut p, src);
    Layout {
        code: c.code.as_str().to_owned(),
        name: c.name.clone(),
        version: v.version,
        title: title(&c.name, v.version).render(lang),
        summary: summary_in(src, lang),
        bands: p.bands,
        lang,
    }
}

/// `…审批导图（第n版）`.
fn title(name: &str, version: i32) -> Text {
    text!(
        "{name}审批导图（第{version}版）",
        name = name.to_owned(),
        version = version
    )
}

/// A condition of the questionnaire in words: `问题1选“…”，问题2选“…”`.
pub(crate) fn condition(
    src: &GuideMapSource,
    pairs: &std::collections::BTreeMap<String, String>,
    lang: Lang,
) -> String {
    let g = &src.version.content.guide;
    let mut said: Vec<(usize, String)> = pairs
        .iter()
        .map(|(q, o)| {
            let n = g.questions.iter().position(|x| &x.key == q);
            let label = n
                .and_then(|i| g.questions[i].options.iter().find(|y| &y.key == o))
                .map_or(o.as_str(), |y| y.label.as_str());
            let n = n.map_or(usize::MAX, |i| i + 1);
            let said = text!("问题{n}选“{label}”", n = n, label = label.to_owned());
            (n, said.render(lang))
        })
        .collect();
    said.sort();
    let said: Vec<String> = said.into_iter().map(|(_, s)| s).collect();
    said.join(match lang {
        Lang::ZhCn => "，",
        Lang::En => ", ",
    })
}

/// ① The questionnaire: each question with its options, and when it is asked.
fn questionnaire(p: &mut Painter<'_>, src: &GuideMapSource) {
    let g = &src.version.content.guide;
    p.section(1, "回答问题", "根据您的回答确定办理情形");
    let w = Painter::inner(1, false);
    let mut boxes = Vec::new();
    for (i, q) in g.questions.iter().enumerate() {
        let head = p.t(text!("问题{n}　{text}", n = i + 1, text = q.text.clone()));
        let mut runs = p.runs(&head, w, Style::Strong, 3.5);
        if !q.show_if.is_empty() {
            let when = condition(src, &q.show_if, p.lang);
            let when = p.t(text!("（仅当{when}时回答）", when = when));
            runs.extend(p.runs(&when, w, Style::Note, 0.0));
        }
        let options: Vec<String> = q.options.iter().map(|o| format!("○ {}", o.label)).collect();
        runs.extend(p.runs(&options.join("　　"), w, Style::Body, 0.0));
        boxes.push((runs, Tone::Tint));
    }
    if boxes.is_empty() {
        let none = p.t(text!("本事项无需回答问题，只有一种办理情形。"));
        let runs = p.runs(&none, w, Style::Body, 0.0);
        boxes.push((runs, Tone::Tint));
    }
    p.grid(boxes, 1, false);
}

/// ② The situations: when each applies and the materials it adds.
fn situations(p: &mut Painter<'_>, src: &GuideMapSource) {
    let c = &src.version.content;
    let g = &c.guide;
    p.section(2, "确定办理情形", "每种情形所需材料＝通用材料＋该情形材料");
    let cols = if g.situations.len() > 1 { 2 } else { 1 };
    let w = Painter::inner(cols, false);
    let name_of = |key: &String| {
        c.materials
            .iter()
            .find(|m| &m.key == key)
            .map_or(key.clone(), |m| m.name.clone())
    };
    let mut boxes = Vec::new();
    for (i, s) in g.situations.iter().enumerate() {
        let head = p.t(text!("情形{n}　{name}", n = i + 1, name = s.name.clone()));
        let mut runs = p.runs(&head, w, Style::Strong, 3.5);
        let when = match (s.when.is_empty(), g.questions.is_empty()) {
            (true, true) => p.t(text!("适用于所有申请")),
            (true, false) => p.t(text!("其他情形")),
            (false, _) => condition(src, &s.when, p.lang),
        };
        let when = p.t(text!("条件：{when}", when = when));
        runs.extend(p.runs(&when, w, Style::Note, 3.0));
        let extra: Vec<String> = s.materials.iter().map(name_of).collect();
        let adds = if extra.is_empty() {
            p.t(text!("另需材料：无（只需通用材料）"))
        } else {
            p.t(text!("另需材料：{list}", list = list(p.lang, &extra)))
        };
        runs.extend(p.runs(&adds, w, Style::Small, 5.0));
        boxes.push((runs, Tone::Paper));
    }
    p.grid(boxes, cols, false);
}

/// ④ The steps, numbered, with arrows between them.
fn steps(p: &mut Painter<'_>, src: &GuideMapSource) {
    p.section(4, "办理流程", "");
    let given = &src.version.content.steps;
    let steps: Vec<String> = if given.is_empty() {
        labels(p.lang, ["申请", "受理", "审查", "决定", "送达"])
    } else {
        given.clone()
    };
    // One row for up to five steps, else rows of four.
    let per_row = if steps.len() <= 5 { steps.len() } else { 4 };
    let w = Painter::inner(per_row, true);
    let boxes = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                p.runs(&format!("{}. {s}", i + 1), w, Style::Body, 1.2),
                Tone::Tint,
            )
        })
        .collect();
    p.grid(boxes, per_row, true);
}

/// ⑤ Time limits, fee, result, visits and online depth.
fn limits(p: &mut Painter<'_>, src: &GuideMapSource) {
    let c = &src.version.content;
    p.section(5, "时限与收费", "");
    let legal = if c.legal_days > 0 {
        p.t(text!("{days}个工作日", days = c.legal_days))
    } else {
        p.t(text!("法律未规定"))
    };
    let promised = if c.instant {
        p.t(text!("即办件（当场办结）"))
    } else {
        p.t(text!("{days}个工作日", days = c.promised_days))
    };
    let visits = if c.max_visits == 0 {
        p.t(text!("0次（一趟不用跑）"))
    } else {
        p.t(text!("{n}次", n = c.max_visits))
    };
    let result = p.t(text!(
        "{kind}：{name}",
        kind = c.result_type.label(),
        name = c.result_name.clone()
    ));
    let mut facts = vec![
        ("承诺时限", promised),
        ("法定时限", legal),
        ("收费", c.fee.clone()),
        ("最多跑动次数", visits),
        ("办理结果", result),
        ("网上办理深度", p.t(text!("{n}星", n = c.online_stars))),
    ];
    // An inferred limit is never shown as official.
    if c.limits_source == LimitsSource::Inferred {
        let label = tr(p.lang, LimitsSource::Inferred.label()).into_owned();
        facts.push(("时限来源", label));
    }
    let w = Painter::inner(2, false);
    let boxes = facts
        .iter()
        .map(|(k, val)| {
            let mut runs = p.runs(&tr(p.lang, k), w, Style::Note, 0.0);
            runs.extend(p.runs(val, w, Style::Strong, 0.0));
            (runs, Tone::Warm)
        })
        .collect();
    p.grid(boxes, 2, false);
}

/// ⑥ Where it may be handled: the 通办 modes and the hall levels.
fn tongban(p: &mut Painter<'_>, src: &GuideMapSource) {
    p.section(6, "全域通办", "");
    let w = Painter::inner(1, false);
    let mut runs = Vec::new();
    match &src.listing {
        Some(e) => {
            let modes = labels(p.lang, e.modes.iter().map(|m| m.label()));
            let levels = labels(p.lang, e.levels.iter().map(|l| l.label()));
            let batch = p.t(text!("已列入第{batch}批全域通办清单", batch = e.batch));
            runs.extend(p.runs(&batch, w, Style::Strong, 0.0));
            let modes = p.t(text!("通办模式：{modes}", modes = list(p.lang, &modes)));
            runs.extend(p.runs(&modes, w, Style::Body, 5.0));
            let levels = p.t(text!(
                "可受理的服务大厅层级：{levels}",
                levels = list(p.lang, &levels)
            ));
            runs.extend(p.runs(&levels, w, Style::Body, 11.0));
            let note = p.t(text!("在上述任一层级的服务大厅均可申请，由实施部门审批。"));
            runs.extend(p.runs(&note, w, Style::Note, 0.0));
        }
        None => {
            let not_listed = p.t(text!("本事项未列入全域通办清单"));
            runs.extend(p.runs(&not_listed, w, Style::Strong, 0.0));
            let go = p.t(text!("请到实施部门的服务窗口办理。"));
            runs.extend(p.runs(&go, w, Style::Body, 0.0));
        }
    }
    p.grid(vec![(runs, Tone::Warm)], 1, false);
}

/// The situations in which a per-situation material is asked for.
pub(crate) fn situations_needing(src: &GuideMapSource, m: &MaterialSpec) -> Vec<String> {
    src.version
        .content
        .guide
        .situations
        .iter()
        .filter(|s| s.materials.contains(&m.key))
        .map(|s| s.name.clone())
        .collect()
}

/// The title block: who, what, which version.
fn header(p: &mut Painter<'_>, v: &ItemVersion) {
    let c = &v.content;
    let mut s = Vec::new();
    let mut y = 0.0;
    s.push(Shape::Text {
        x: MARGIN,
        y: y + 10.0,
        size: SMALL,
        text: p.t(text!("莆田市政务服务全域通办 · 审批导图")),
        bold: false,
        tone: Tone::Muted,
    });
    y += 16.0;
    for l in p.wrap(&c.name, CONTENT_W, 18.0) {
        s.push(Shape::Text {
            x: MARGIN,
            y: y + 20.0,
            size: 18.0,
            text: l,
            bold: true,
            tone: Tone::Ink,
        });
        y += 26.0;
    }
    let published = v.published_at.get(..10).unwrap_or("");
    let meta = p.t(text!(
        "事项编码 {code} · {kind} · {item_type} · 第{version}版（{date}发布）",
        code = c.code.as_str().to_owned(),
        kind = c.department_kind.label(),
        item_type = c.item_type.label(),
        version = v.version,
        date = published.to_owned()
    ));
    for l in p.wrap(&meta, CONTENT_W, TEXT) {
        s.push(Shape::Text {
            x: MARGIN,
            y: y + 12.0,
            size: TEXT,
            text: l,
            bold: false,
            tone: Tone::Ink,
        });
        y += leading(TEXT);
    }
    y += 6.0;
    s.push(Shape::Line {
        x1: MARGIN,
        y1: y,
        x2: PAGE_W - MARGIN,
        y2: y,
        width: 1.2,
        tone: Tone::Accent,
    });
    y += 10.0;
    p.push(y, s, true);
}

/// The closing line: what the map was generated from.
fn footer(p: &mut Painter<'_>, src: &GuideMapSource) {
    let v = &src.version;
    let batch = src.listing.as_ref().map_or(String::new(), |e| {
        p.t(text!("、全域通办清单第{batch}批", batch = e.batch))
    });
    let text = p.t(text!(
        "本图由系统依据事项目录（{code} 第{version}版{batch}）自动生成，目录更新后随之更新；以窗口一次性告知为准。",
        code = v.content.code.as_str().to_owned(),
        version = v.version,
        batch = batch
    ));
    let mut s = Vec::new();
    let mut y = 4.0;
    for l in p.wrap(&text, CONTENT_W, SMALL) {
        s.push(Shape::Text {
            x: MARGIN,
            y: y + 10.0,
            size: SMALL,
            text: l,
            bold: false,
            tone: Tone::Muted,
        });
        y += leading(SMALL);
    }
    p.push(y + 4.0, s, false);
}

/// One material: its name and what to hand in on the left, its review points
/// on the right.
fn material(p: &mut Painter<'_>, m: &MaterialSpec, situations: &[String]) {
    let left_w = CONTENT_W * 0.42;
    let right_w = CONTENT_W - left_w;
    let (lw, rw) = (left_w - 2.0 * PAD, right_w - 2.0 * PAD);
    let mut left = p.runs(&m.name, lw, Style::Strong, 0.0);
    let need = if m.required {
        "必须提交"
    } else {
        "按情形提交"
    };
    let need = p.t(text!(
        "{form} {copies}份 · {need}",
        form = m.form.label(),
        copies = m.copies,
        need = need
    ));
    left.extend(p.runs(&need, lw, Style::Note, 0.0));
    if !m.required && !situations.is_empty() {
        let when = p.t(text!("适用：{list}", list = list(p.lang, situations)));
        left.extend(p.runs(&when, lw, Style::Note, 3.0));
    }
    if let Some(l) = &m.license {
        let lic = p.t(text!("可用电子{license}免提交", license = l.clone()));
        left.extend(p.runs(&lic, lw, Style::Mark, 0.0));
    }
    let mut right = Vec::new();
    if m.review_points.is_empty() {
        let none = p.t(text!("审查要点：无"));
        right.extend(p.runs(&none, rw, Style::Note, 0.0));
    } else {
        let head = p.t(text!("审查要点"));
        right.extend(p.runs(&head, rw, Style::Label, 0.0));
        for point in &m.review_points {
            right.extend(p.runs(&format!("• {point}"), rw, Style::Body, 0.8));
        }
        if right.len() > MAX_POINT_LINES {
            right.truncate(MAX_POINT_LINES - 1);
            let more = p.t(text!("……（其余要点见办事指南）"));
            right.extend(p.runs(&more, rw, Style::Note, 0.0));
        }
    }
    let h = Painter::runs_height(&left).max(Painter::runs_height(&right));
    let mut s = vec![
        Shape::Box {
            x: MARGIN,
            y: 0.0,
            w: CONTENT_W,
            h,
            r: 3.0,
            fill: Tone::Paper,
            stroke: Some(Tone::Rule),
        },
        Shape::Box {
            x: MARGIN,
            y: 0.0,
            w: left_w,
            h,
            r: 3.0,
            fill: Tone::Tint,
            stroke: Some(Tone::Rule),
        },
    ];
    Painter::draw_runs(&mut s, &left, MARGIN, 0.0);
    Painter::draw_runs(&mut s, &right, MARGIN + left_w, 0.0);
    p.push(h + GAP, s, false);
}

/// The map in words, for the drawing's text alternative, in the language of
/// the request being answered.
pub fn summary(src: &GuideMapSource) -> String {
    summary_in(src, tongban_domain::i18n::current())
}

/// The map in words, for the drawing's text alternative, in `lang`.
pub fn summary_in(src: &GuideMapSource, lang: Lang) -> String {
    let c = &src.version.content;
    let situations: Vec<&str> = c.guide.situations.iter().map(|s| s.name.as_str()).collect();
    let mut out = text!(
        "{title}：{questions}个问题，{count}种办理情形（{situations}），{materials}项申请材料，流程{steps}",
        title = title(&c.name, src.version.version),
        questions = c.guide.questions.len(),
        count = situations.len(),
        situations = list(lang, &situations),
        materials = c.materials.len(),
        steps = c.steps.join("→"),
    )
    .render(lang);
    if c.instant {
        out.push_str(&tr(lang, "，即办件"));
    } else {
        let days = text!("，承诺{days}个工作日办结", days = c.promised_days);
        let _ = write!(out, "{}", days.render(lang));
    }
    match &src.listing {
        Some(e) => {
            let modes = labels(lang, e.modes.iter().map(|m| m.label()));
            let levels = labels(lang, e.levels.iter().map(|l| l.label()));
            let where_ = text!(
                "；通办模式{modes}，{levels}服务大厅可受理",
                modes = list(lang, &modes),
                levels = list(lang, &levels)
            );
            out.push_str(&where_.render(lang));
        }
        None => out.push_str(&tr(lang, "；未列入全域通办清单")),
    }
    out.push_str(&tr(lang, "。"));
    out
}

impl Layout {
    /// The height of the whole drawing, one band after another.
    pub fn height(&self) -> f32 {
        PAGE_TOP + self.bands.iter().map(|b| b.height).sum::<f32>() + PAGE_TOP / 2.0
    }

    /// Every shape placed one band after another (the SVG).
    pub fn strip(&self) -> Vec<Shape> {
        let mut y = PAGE_TOP;
        let mut out = Vec::new();
        for b in &self.bands {
            out.extend(b.shapes.iter().map(|s| s.shifted(y)));
            y += b.height;
        }
        out
    }

    /// The bands cut into A4 pages: a band is never cut, a heading or an
    /// arrow goes with the band after it, and every page after the first
    /// opens with a running head naming the item and its version.
    pub fn pages(&self) -> Vec<Page> {
        let room = PAGE_BOTTOM - PAGE_TOP;
        let head_h = 24.0;
        let mut pages: Vec<Page> = vec![Page { shapes: Vec::new() }];
        let mut y = PAGE_TOP;
        let mut i = 0;
        while i < self.bands.len() {
            // The run of bands kept together: keep-with-next bands and the one after.
            let mut j = i;
            let mut h = self.bands[i].height;
            while self.bands[j].keep_with_next && j + 1 < self.bands.len() {
                j += 1;
                h += self.bands[j].height;
            }
            let fresh = y <= PAGE_TOP + head_h + 0.5;
            if y + h > PAGE_BOTTOM && !fresh && h <= room - head_h {
                pages.push(Page {
                    shapes: self.running_head(),
                });
                y = PAGE_TOP + head_h;
            } else if y + self.bands[i].height > PAGE_BOTTOM && !fresh {
                // A group taller than a page: break before its first band anyway.
                pages.push(Page {
                    shapes: self.running_head(),
                });
                y = PAGE_TOP + head_h;
            }
            let page = pages.last_mut().expect("at least one page");
            page.shapes
                .extend(self.bands[i].shapes.iter().map(|s| s.shifted(y)));
            y += self.bands[i].height;
            i += 1;
        }
        pages
    }

    fn running_head(&self) -> Vec<Shape> {
        vec![
            Shape::Text {
                x: MARGIN,
                y: PAGE_TOP + 9.0,
                size: SMALL,
                text: text!(
                    "审批导图 · {name}（第{version}版，续）",
                    name = self.name.clone(),
                    version = self.version
                )
                .render(self.lang),
                bold: false,
                tone: Tone::Muted,
            },
            Shape::Line {
                x1: MARGIN,
                y1: PAGE_TOP + 15.0,
                x2: PAGE_W - MARGIN,
                y2: PAGE_TOP + 15.0,
                width: 0.5,
                tone: Tone::Rule,
            },
        ]
    }
}

/// Escapes text for XML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A number in SVG, to two decimals at most.
fn n(v: f32) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The map as one SVG drawing, A4 wide and as tall as it needs; it scales
/// to its container (a `viewBox`, no fixed size in CSS pixels beyond A4).
pub fn svg(l: &Layout) -> String {
    let h = l.height();
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {hh}\" width=\"{w}\" height=\"{hh}\" \
         font-family=\"'Noto Sans SC','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif\" \
         role=\"img\" aria-labelledby=\"gm-title gm-desc\" data-item=\"{code}\" data-version=\"{v}\">\
         <title id=\"gm-title\">{title}</title><desc id=\"gm-desc\">{desc}</desc>\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        w = n(PAGE_W),
        hh = n(h),
        code = esc(&l.code),
        v = l.version,
        title = esc(&l.title),
        desc = esc(&l.summary),
    );
    for s in l.strip() {
        match s {
            Shape::Box {
                x,
                y,
                w,
                h,
                r,
                fill,
                stroke,
            } => {
                let _ = write!(
                    o,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{}\"",
                    n(x),
                    n(y),
                    n(w),
                    n(h),
                    n(r),
                    fill.hex()
                );
                if let Some(t) = stroke {
                    let _ = write!(o, " stroke=\"{}\" stroke-width=\"0.6\"", t.hex());
                }
                o.push_str("/>");
            }
            Shape::Text {
                x,
                y,
                size,
                text,
                bold,
                tone,
            } => {
                let _ = write!(
                    o,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{}\"{}>{}</text>",
                    n(x),
                    n(y),
                    n(size),
                    tone.hex(),
                    if bold { " font-weight=\"bold\"" } else { "" },
                    esc(&text)
                );
            }
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                tone,
            } => {
                let _ = write!(
                    o,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>",
                    n(x1),
                    n(y1),
                    n(x2),
                    n(y2),
                    tone.hex(),
                    n(width)
                );
            }
            Shape::Arrow { x1, y1, x2, y2 } => {
                let [(ax, ay), (bx, by)] = Shape::arrow_head(x1, y1, x2, y2);
                let c = Tone::Accent.hex();
                let _ = write!(
                    o,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{c}\" stroke-width=\"1.4\"/>\
                     <polygon points=\"{},{} {},{} {},{}\" fill=\"{c}\"/>",
                    n(x1),
                    n(y1),
                    n(x2),
                    n(y2),
                    n(x2),
                    n(y2),
                    n(ax),
                    n(ay),
                    n(bx),
                    n(by)
                );
            }
        }
    }
    o.push_str("</svg>");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongban_domain::city::RegionLevel;
    use tongban_domain::tongban::Mode;

    fn demo() -> (Vec<ItemVersion>, Vec<ListEntry>) {
        let d = tongban_demo::Demo::load().unwrap();
        let items = d
            .items
            .into_iter()
            .map(|i| ItemVersion {
                version: 1,
                published_at: "2026-11-28T08:00:00Z".into(),
                content: i.content,
            })
            .collect();
        (items, d.entries)
    }

    fn source(v: &ItemVersion, entries: &[ListEntry]) -> GuideMapSource {
        GuideMapSource {
            version: v.clone(),
            listing: entries.iter().find(|e| e.item == v.content.code).cloned(),
        }
    }

    /// Every text of a drawing, lines joined, spaces dropped (a wrapped
    /// line loses the space it broke at).
    fn texts(shapes: &[Shape]) -> String {
        shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { text, .. } => Some(text.replace(' ', "")),
                _ => None,
            })
            .collect()
    }

    fn squash(s: &str) -> String {
        s.replace(' ', "")
    }

    #[test]
    fn every_situation_material_review_point_and_step_is_drawn() {
        let (items, entries) = demo();
        assert!(items.len() > 50);
        for v in &items {
            let l = layout(&source(v, &entries), &approx_em, Lang::ZhCn);
            let all = texts(&l.strip());
            let c = &v.content;
            assert!(all.contains(&squash(&c.name)), "{}", c.code);
            assert!(all.contains("第1版"), "{}", c.code);
            for q in &c.guide.questions {
                assert!(all.contains(&squash(&q.text)), "{}: {}", c.code, q.text);
                for o in &q.options {
                    assert!(all.contains(&squash(&o.label)), "{}: {}", c.code, o.label);
                }
            }
            for s in &c.guide.situations {
                assert!(all.contains(&squash(&s.name)), "{}: {}", c.code, s.name);
            }
            for m in &c.materials {
                assert!(all.contains(&squash(&m.name)), "{}: {}", c.code, m.name);
                for p in &m.review_points {
                    assert!(all.contains(&squash(p)), "{}: {p}", c.code);
                }
            }
            for s in &c.steps {
                assert!(all.contains(&squash(s)), "{}: {s}", c.code);
            }
            assert!(all.contains(&squash(&c.fee)), "{}", c.code);
            match entries.iter().find(|e| e.item == c.code) {
                Some(e) => {
                    for m in &e.modes {
                        assert!(all.contains(m.label()), "{}", c.code);
                    }
                    for lv in &e.levels {
                        assert!(all.contains(&squash(lv.label())), "{}", c.code);
                    }
                }
                None => assert!(all.contains("未列入全域通办清单"), "{}", c.code),
            }
        }
    }

    #[test]
    fn nothing_is_drawn_outside_the_page_width() {
        let (items, entries) = demo();
        for v in &items {
            for s in layout(&source(v, &entries), &approx_em, Lang::ZhCn).strip() {
                match s {
                    Shape::Box { x, w, .. } => assert!(x >= 0.0 && x + w <= PAGE_W),
                    Shape::Text { x, size, text, .. } => {
                        let w: f32 = text.chars().map(|c| approx_em(c) * size).sum();
                        // Hanging punctuation may pass the box's padding, never the page.
                        assert!(x + w <= PAGE_W - MARGIN / 2.0, "{}: {text}", v.content.code);
                    }
                    Shape::Line { x2, .. } | Shape::Arrow { x2, .. } => assert!(x2 <= PAGE_W),
                }
            }
        }
    }

    #[test]
    fn a_new_version_draws_a_new_map() {
        let (items, entries) = demo();
        let v1 = items
            .iter()
            .find(|v| v.content.code.as_str() == "GA-001")
            .unwrap();
        let a = svg(&layout(&source(v1, &entries), &approx_em, Lang::ZhCn));
        assert_eq!(
            a,
            svg(&layout(&source(v1, &entries), &approx_em, Lang::ZhCn)),
            "pure"
        );
        let mut v2 = v1.clone();
        v2.version = 2;
        v2.content.materials[0]
            .review_points
            .push("核对户口簿签发机关印章清晰".into());
        let b = svg(&layout(&source(&v2, &entries), &approx_em, Lang::ZhCn));
        assert_ne!(a, b);
        assert!(b.contains("第2版") && !b.contains("第1版"));
        assert!(b.contains("核对户口簿签发机关印章清晰"));
        assert!(b.contains("data-version=\"2\""));
        // A change of the 通办 list changes the map too.
        let mut s = source(v1, &entries);
        s.listing = Some(ListEntry {
            batch: 9,
            item: v1.content.code.clone(),
            modes: vec![Mode::Online],
            levels: vec![RegionLevel::Community],
            halls: vec![],
            batch_name: String::new(),
            effective: String::new(),
        });
        let c = svg(&layout(&s, &approx_em, Lang::ZhCn));
        assert!(c.contains("第9批") && c.contains("社区（园区）级"));
    }

    #[test]
    fn the_svg_escapes_text_and_balances_its_elements() {
        let (items, entries) = demo();
        let mut v = items[0].clone();
        v.content.name = "测试<script>&\"事项\"".into();
        v.content.materials[0].review_points = vec!["a < b & c > d".into()];
        let out = svg(&layout(&source(&v, &entries), &approx_em, Lang::ZhCn));
        assert!(!out.contains("<script>"));
        assert!(out.contains("测试&lt;script&gt;&amp;&quot;事项&quot;"));
        assert!(out.contains("a &lt; b &amp; c &gt; d"));
        assert!(out.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(out.ends_with("</svg>"));
        assert_eq!(out.matches("<text").count(), out.matches("</text>").count());
        assert!(out.contains("viewBox=\"0 0 595.28 "));
    }

    #[test]
    fn a_long_item_runs_over_several_pages_without_cutting_a_band() {
        let (items, entries) = demo();
        let mut v = items[0].clone();
        let template = v.content.materials[0].clone();
        for i in 0..30 {
            let mut m = template.clone();
            m.key = format!("extra{i}");
            m.name = format!("补充材料第{i}项：相关许可证明文件（原件及复印件，加盖公章）");
            m.review_points = vec![
                "材料内容与申请事项一致，签字盖章齐全，复印件与原件核对无误".into(),
                format!("第{i}项要点：有效期内"),
            ];
            v.content.materials.push(m);
        }
        let l = layout(&source(&v, &entries), &approx_em, Lang::ZhCn);
        let pages = l.pages();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let mut all = String::new();
        for (i, p) in pages.iter().enumerate() {
            for s in &p.shapes {
                if let Shape::Box { y, h, .. } = s {
                    assert!(*y >= PAGE_TOP && y + h <= PAGE_BOTTOM, "page {i}: {y}+{h}");
                }
                if let Shape::Text { y, .. } = s {
                    assert!(*y > PAGE_TOP && *y <= PAGE_BOTTOM, "page {i}: {y}");
                }
            }
            let t = texts(&p.shapes);
            if i > 0 {
                assert!(t.starts_with("审批导图·"), "running head on page {i}");
            }
            all.push_str(&t);
        }
        for i in 0..30 {
            assert_eq!(all.matches(&format!("第{i}项要点")).count(), 1);
        }
        // The last band (the source line) closes the last page.
        assert!(texts(&pages.last().unwrap().shapes).contains("自动生成"));
    }

    #[test]
    fn continuation_lines_hang_and_lose_no_text() {
        let p = Painter {
            em: &approx_em,
            bands: Vec::new(),
            lang: Lang::ZhCn,
        };
        let text =
            "条件：问题1选“已满十六周岁”，问题2选“外省（在莆田居住）”，问题3选“other words here”";
        let runs = p.runs(text, 10.0 * SMALL, Style::Note, 3.0);
        assert!(runs.len() > 2);
        assert_eq!(runs[0].indent, 0.0);
        assert!(runs[1..].iter().all(|r| r.indent == 3.0 * SMALL));
        let joined: String = runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(squash(&joined), squash(text));
    }

    #[test]
    fn a_map_without_questions_says_so() {
        let (items, entries) = demo();
        let mut v = items[0].clone();
        v.content.guide = tongban_domain::guide::GuideMap::single("一般情形");
        let all = texts(&layout(&source(&v, &entries), &approx_em, Lang::ZhCn).strip());
        assert!(all.contains("无需回答问题"));
        assert!(all.contains("适用于所有申请"));
    }
}
