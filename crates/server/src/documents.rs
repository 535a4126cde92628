//! Printable A4 PDF documents of a case, in zh-CN or English: the 受理承诺单 handed over when a
//! case is accepted, the 一次性告知书 listing every material to supplement, and the
//! 不予受理通知书. The bundled Noto Sans CJK SC font is embedded (krilla subsets it),
//! so the documents print the same on any machine; each carries a QR code of the
//! public progress page, and long text is wrapped (see `wrap`) with 避头尾 rules.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use qrcode::{Color, EcLevel, QrCode};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};
use tongban_app::text::wrap;
use tongban_domain::i18n::{Lang, tr};
use tongban_domain::text;

pub use tongban_app::documents::{LetterTexts, NoticeData, RejectionData, SlipData, SlipTexts};

/// The name printed above every title.
const ORG: &str = "莆田市政务服务全域通办";

/// Renders the 受理承诺单 as PDF bytes in `lang`.
pub fn acceptance_slip_pdf(d: &SlipData, lang: Lang) -> Vec<u8> {
    slip_pdf(d, false, lang)
}

/// Renders the 网上申请回执 of a submitted online case as PDF bytes: what
/// was applied for, with which materials, how the result will come.
pub fn online_receipt_pdf(d: &SlipData, lang: Lang) -> Vec<u8> {
    slip_pdf(d, true, lang)
}

fn slip_pdf(d: &SlipData, receipt: bool, lang: Lang) -> Vec<u8> {
    let t = d.texts_in(receipt, lang);
    let mut s = Sheet::new(&t.heading, &d.case_no, lang);
    s.title_block(None);
    s.case_line(&d.case_no, Some(&d.verification_code));
    s.label_table(&t.rows);
    s.gap(10.0);
    s.heading(&t.received_heading);
    s.materials_table(&t.received_column, 150.0, &d.received, &t.received_empty);
    if let Some(h) = &t.to_come_heading {
        s.gap(10.0);
        s.heading(h);
        s.materials_table(&tr(lang, "尚需提交"), 150.0, &d.to_come, "");
    }
    s.gap(10.0);
    s.heading(&tr(lang, "说明"));
    s.numbered(&t.notes, 9.5, 15.5);
    s.gap(12.0);
    s.qr_block(
        &d.progress_url,
        &d.case_no,
        Some(&d.verification_code),
        &t.issuer,
        14.0 + BODY_LEADING,
    );
    if !receipt {
        s.gap(14.0);
        s.signature_line(&tr(lang, "申请人（代理人）签收："), &tr(lang, "日期："));
    }
    let org = tr(lang, ORG);
    s.render(&format!("{org} {} {}", t.heading, d.case_no))
}

/// Renders the 一次性告知书 (补正材料通知) as PDF bytes in `lang`.
pub fn supplement_notice_pdf(d: &NoticeData, lang: Lang) -> Vec<u8> {
    letter_pdf(
        &d.texts_in(lang),
        lang,
        &d.case_no,
        Some(&d.verification_code),
        &d.progress_url,
        &d.materials,
    )
}

/// Renders the 不予受理通知书 as PDF bytes in `lang`.
pub fn rejection_notice_pdf(d: &RejectionData, lang: Lang) -> Vec<u8> {
    letter_pdf(
        &d.texts_in(lang),
        lang,
        &d.case_no,
        None,
        &d.progress_url,
        &[],
    )
}

fn letter_pdf(
    t: &LetterTexts,
    lang: Lang,
    case_no: &str,
    code: Option<&str>,
    progress_url: &str,
    materials: &[(String, String)],
) -> Vec<u8> {
    let mut s = Sheet::new(&t.heading, case_no, lang);
    s.title_block(t.subheading.as_deref());
    s.case_line(case_no, code);
    s.salutation(&t.salutation);
    s.body(&t.opening, 2.0);
    s.gap(4.0);
    for p in &t.reasons {
        s.body(p, 2.0);
    }
    if let Some(column) = &t.table_column {
        s.gap(4.0);
        s.materials_table(column, 210.0, materials, &t.table_empty);
        s.gap(12.0);
        s.numbered(&t.points, BODY, BODY_LEADING);
    }
    if !t.closing.is_empty() {
        s.gap(4.0);
    }
    for p in &t.closing {
        s.body(p, 2.0);
    }
    s.gap(16.0);
    s.qr_block(progress_url, case_no, code, &t.issuer, 0.0);
    let org = tr(lang, ORG);
    s.render(&format!("{org} {} {case_no}", t.heading))
}

// ---------------------------------------------------------------------------
// The font

/// The bundled font: Noto Sans CJK SC Regular (SIL OFL 1.1), see `fonts/README.md`.
static FONT_DATA: &[u8] = include_bytes!("../fonts/NotoSansSC-Regular.otf");

/// The bundled font, loaded once: krilla's handle and the metrics to lay text out.
pub(crate) struct Face {
    pub(crate) font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

pub(crate) static FACE: LazyLock<Face> = LazyLock::new(|| {
    let font = Font::new(FONT_DATA.into(), 0).expect("the bundled font loads");
    let font_ref = FontRef::new(FONT_DATA).expect("the bundled font parses");
    Face {
        units_per_em: font.units_per_em(),
        charmap: font_ref.charmap(),
        metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
        font,
    }
});

impl Face {
    /// The glyph of `c` (`.notdef` when the font lacks it) and its advance in ems.
    pub(crate) fn glyph(&self, c: char) -> (u32, f32) {
        let gid = self.charmap.map(c).unwrap_or(skrifa::GlyphId::NOTDEF);
        let advance = self.metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
        (gid.to_u32(), advance)
    }

    /// The advance of `c` in points at `size`.
    fn advance(&self, c: char, size: f32) -> f32 {
        self.glyph(c).1 * size
    }

    /// The width of `text` in points at `size`.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// Wraps `text` to `width` points at `size`.
    fn wrap(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        wrap(text, width, |c| self.advance(c, size))
    }
}

// ---------------------------------------------------------------------------
// Layout: pages of drawing operations, measured from the top-left in points

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 62.0;
const TOP: f32 = 46.0;
/// Content stops here; the page number sits below.
const BOTTOM: f32 = PAGE_H - 54.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// Body text size and line height.
const BODY: f32 = 10.5;
const BODY_LEADING: f32 = 17.0;
/// Table text size, line height and cell padding.
const CELL: f32 = 10.0;
const CELL_LEADING: f32 = 14.5;
const CELL_PAD_X: f32 = 6.0;
const CELL_PAD_Y: f32 = 4.0;
const RULE: f32 = 0.6;
/// Side of the QR code.
const QR_SIDE: f32 = 86.0;

/// The baseline of `size` text centred in a line box of height `h`, from its top
/// (the CJK em box spans 0.88 em above and 0.12 em below the baseline).
fn baseline_in(h: f32, size: f32) -> f32 {
    h / 2.0 + 0.38 * size
}

/// One drawing operation.
enum Op {
    /// A line of text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        bold: bool,
        gray: u8,
    },
    /// Filled rectangles `[x, y, w, h]`, as one path.
    Rects { rects: Vec<[f32; 4]>, gray: u8 },
    /// A straight line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
}

/// How text sits in a table cell.
#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
}

/// A table cell: width, wrapped lines, alignment, shaded background.
struct Cell {
    width: f32,
    lines: Vec<String>,
    align: Align,
    shaded: bool,
}

/// A document being laid out, page by page.
struct Sheet {
    title: String,
    case_no: String,
    lang: Lang,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Sheet {
    fn new(title: &str, case_no: &str, lang: Lang) -> Self {
        Self {
            title: title.to_owned(),
            case_no: case_no.to_owned(),
            lang,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    /// Program text `key` in the sheet's language.
    fn tr(&self, key: &'static str) -> String {
        tr(self.lang, key).into_owned()
    }

    /// `办件编号：…` in the sheet's language.
    fn case_no_label(&self, case_no: &str) -> String {
        text!("办件编号：{case_no}", case_no = case_no.to_owned()).render(self.lang)
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a sheet always has a page")
    }

    fn fits(&self, h: f32) -> bool {
        self.y + h <= BOTTOM
    }

    /// Starts a new page when `h` more points do not fit on this one.
    fn ensure(&mut self, h: f32) {
        if !self.fits(h) {
            self.new_page();
        }
    }

    /// Starts a new page with a running head: the title and the case number.
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
        let head =
            text!("{org}·{title}（续）", org = ORG, title = self.title.clone()).render(self.lang);
        self.text(MARGIN_X, TOP + 9.0, 9.0, &head, false, 90);
        let no = self.case_no_label(&self.case_no);
        self.text_right(PAGE_W - MARGIN_X, TOP + 9.0, 9.0, &no, 90);
        self.line(MARGIN_X, TOP + 15.0, PAGE_W - MARGIN_X, TOP + 15.0, 0.5);
        self.y = TOP + 28.0;
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: &str, bold: bool, gray: u8) {
        if text.is_empty() {
            return;
        }
        let text = text.to_owned();
        self.ops().push(Op::Text {
            x,
            y,
            size,
            text,
            bold,
            gray,
        });
    }

    fn text_right(&mut self, right: f32, y: f32, size: f32, text: &str, gray: u8) {
        let x = right - FACE.width(text, size);
        self.text(x, y, size, text, false, gray);
    }

    fn text_center(&mut self, y: f32, size: f32, text: &str, bold: bool) {
        let x = (PAGE_W - FACE.width(text, size)) / 2.0;
        self.text(x, y, size, text, bold, 0);
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.ops().push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
        });
    }

    /// The organisation, the title (and a subtitle), and a double rule.
    fn title_block(&mut self, subtitle: Option<&str>) {
        let org = self.tr(ORG);
        self.text_center(self.y + 14.0, 14.0, &org, false);
        self.y += 24.0;
        let title = self.title.clone();
        self.text_center(self.y + 24.0, 24.0, &title, true);
        self.y += 32.0;
        if let Some(sub) = subtitle {
            self.text_center(self.y + 12.0, 12.0, sub, false);
            self.y += 20.0;
        }
        self.y += 4.0;
        self.line(MARGIN_X, self.y, PAGE_W - MARGIN_X, self.y, 1.6);
        self.line(MARGIN_X, self.y + 3.0, PAGE_W - MARGIN_X, self.y + 3.0, 0.5);
        self.y += 12.0;
    }

    /// 办件编号 on the left, 查询验证码 on the right.
    fn case_line(&mut self, case_no: &str, code: Option<&str>) {
        let base = self.y + baseline_in(BODY_LEADING, BODY);
        let no = self.case_no_label(case_no);
        self.text(MARGIN_X, base, BODY, &no, false, 0);
        if let Some(code) = code {
            let code = self.code_label(code);
            self.text_right(PAGE_W - MARGIN_X, base, BODY, &code, 0);
        }
        self.y += BODY_LEADING + 8.0;
    }

    /// `查询验证码：…` in the sheet's language.
    fn code_label(&self, code: &str) -> String {
        text!("查询验证码：{code}", code = code.to_owned()).render(self.lang)
    }

    /// The addressee of a letter, e.g. `张三：`.
    fn salutation(&mut self, line: &str) {
        self.ensure(BODY_LEADING);
        let base = self.y + baseline_in(BODY_LEADING, BODY);
        self.text(MARGIN_X, base, BODY, line, false, 0);
        self.y += BODY_LEADING + 2.0;
    }

    /// A section heading, kept with the two lines after it.
    fn heading(&mut self, text: &str) {
        self.ensure(22.0 + 2.0 * CELL_LEADING + 2.0 * CELL_PAD_Y);
        self.text(MARGIN_X, self.y + 12.0, 11.5, text, true, 0);
        self.y += 22.0;
    }

    /// A body paragraph; `indent_em` ems of first-line indent.
    fn body(&mut self, text: &str, indent_em: f32) {
        // English paragraphs are not indented with ideographic spaces.
        let indent = match self.lang {
            Lang::ZhCn => "\u{3000}".repeat(indent_em as usize),
            Lang::En => String::new(),
        };
        for line in FACE.wrap(&format!("{indent}{text}"), CONTENT_W, BODY) {
            self.ensure(BODY_LEADING);
            let base = self.y + baseline_in(BODY_LEADING, BODY);
            self.text(MARGIN_X, base, BODY, &line, false, 0);
            self.y += BODY_LEADING;
        }
    }

    /// Numbered points (一、二、…), continuation lines hanging under the text
    /// rather than the number.
    fn numbered(&mut self, items: &[String], size: f32, leading: f32) {
        const MARKERS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        let hang = 2.0 * size;
        for (i, item) in items.iter().enumerate() {
            let marker = match self.lang {
                Lang::ZhCn => format!("{}、", MARKERS.get(i).copied().unwrap_or("十")),
                Lang::En => format!("{}.", i + 1),
            };
            for (j, line) in FACE.wrap(item, CONTENT_W - hang, size).iter().enumerate() {
                self.ensure(leading);
                let base = self.y + baseline_in(leading, size);
                if j == 0 {
                    self.text(MARGIN_X, base, size, &marker, false, 0);
                }
                self.text(MARGIN_X + hang, base, size, line, false, 0);
                self.y += leading;
            }
        }
    }

    fn cell(width: f32, text: &str, align: Align, shaded: bool) -> Cell {
        let lines = FACE.wrap(text, width - 2.0 * CELL_PAD_X, CELL);
        Cell {
            width,
            lines,
            align,
            shaded,
        }
    }

    fn row_height(cells: &[Cell]) -> f32 {
        let lines = cells
            .iter()
            .map(|c| c.lines.len().max(1))
            .max()
            .unwrap_or(1);
        lines as f32 * CELL_LEADING + 2.0 * CELL_PAD_Y
    }

    /// Draws one table row at the current position and moves below it.
    fn row(&mut self, cells: &[Cell]) {
        let h = Self::row_height(cells);
        let (top, bottom) = (self.y, self.y + h);
        let mut x = MARGIN_X;
        let shades: Vec<[f32; 4]> = cells
            .iter()
            .scan(MARGIN_X, |x, c| {
                let r = [*x, top, c.width, h];
                *x += c.width;
                Some((r, c.shaded))
            })
            .filter_map(|(r, shaded)| shaded.then_some(r))
            .collect();
        if !shades.is_empty() {
            self.ops().push(Op::Rects {
                rects: shades,
                gray: 236,
            });
        }
        for c in cells {
            for (i, line) in c.lines.iter().enumerate() {
                let base =
                    top + CELL_PAD_Y + i as f32 * CELL_LEADING + baseline_in(CELL_LEADING, CELL);
                let tx = match c.align {
                    Align::Left => x + CELL_PAD_X,
                    Align::Center => x + (c.width - FACE.width(line, CELL)) / 2.0,
                };
                self.text(tx, base, CELL, line, false, 0);
            }
            self.line(x, top, x, bottom, RULE);
            x += c.width;
        }
        self.line(x, top, x, bottom, RULE);
        self.line(MARGIN_X, top, x, top, RULE);
        self.line(MARGIN_X, bottom, x, bottom, RULE);
        self.y = bottom;
    }

    /// A table of shaded labels and their values, one or more pairs a row.
    fn label_table(&mut self, rows: &[Vec<(String, String)>]) {
        // English labels are longer than their Chinese.
        let label_w = match self.lang {
            Lang::ZhCn => 96.0,
            Lang::En => 116.0,
        };
        let rows = rows
            .iter()
            .map(|pairs| {
                let value_w = (CONTENT_W - label_w * pairs.len() as f32) / pairs.len() as f32;
                pairs
                    .iter()
                    .flat_map(|(label, value)| {
                        [
                            Self::cell(label_w, label, Align::Center, true),
                            Self::cell(value_w, value, Align::Left, false),
                        ]
                    })
                    .collect()
            })
            .collect();
        self.table(None, rows);
    }

    /// A numbered table of materials with a second column `second` of `second_w`
    /// points.
    fn materials_table(
        &mut self,
        second: &str,
        second_w: f32,
        materials: &[(String, String)],
        when_empty: &str,
    ) {
        let no_w = 38.0;
        let name_w = CONTENT_W - no_w - second_w;
        let header = vec![
            Self::cell(no_w, &self.tr("序号"), Align::Center, true),
            Self::cell(name_w, &self.tr("材料名称"), Align::Center, true),
            Self::cell(second_w, second, Align::Center, true),
        ];
        let mut rows: Vec<Vec<Cell>> = materials
            .iter()
            .enumerate()
            .map(|(i, (name, how))| {
                vec![
                    Self::cell(no_w, &(i + 1).to_string(), Align::Center, false),
                    Self::cell(name_w, name, Align::Left, false),
                    Self::cell(second_w, how, Align::Left, false),
                ]
            })
            .collect();
        if rows.is_empty() {
            rows.push(vec![
                Self::cell(no_w, "", Align::Center, false),
                Self::cell(name_w, when_empty, Align::Left, false),
                Self::cell(second_w, "", Align::Left, false),
            ]);
        }
        self.table(Some(&header), rows);
    }

    /// Draws table rows, checking the space left before each one: a row that does
    /// not fit goes to the next page, where the `header` row is repeated; a row
    /// taller than a whole page is split line by line across pages.
    fn table(&mut self, header: Option<&[Cell]>, rows: Vec<Vec<Cell>>) {
        let header_h = header.map_or(0.0, Self::row_height);
        // Room for rows on a page that holds nothing but the running head and header.
        let page_room = BOTTOM - (TOP + 28.0) - header_h;
        let mut rows = rows.into_iter();
        let mut pending = rows.next();
        // The header stays with the first row (or, if that is taller than a page,
        // with its first line).
        let first_h = pending.as_deref().map_or(0.0, Self::row_height);
        let one_line = CELL_LEADING + 2.0 * CELL_PAD_Y;
        self.ensure(
            header_h
                + if first_h <= page_room {
                    first_h
                } else {
                    one_line
                },
        );
        if let Some(h) = header {
            self.row(h);
        }
        while let Some(row) = pending.take() {
            let h = Self::row_height(&row);
            if self.fits(h) {
                self.row(&row);
                pending = rows.next();
                continue;
            }
            let room_lines = ((BOTTOM - self.y - 2.0 * CELL_PAD_Y) / CELL_LEADING).floor();
            if h > page_room && room_lines >= 1.0 {
                // Too tall for any page: fill this one and carry the rest over.
                let (now, later) = Self::split_row(row, room_lines as usize);
                self.row(&now);
                pending = Some(later);
            } else {
                pending = Some(row);
            }
            self.new_page();
            if let Some(h) = header {
                self.row(h);
            }
        }
    }

    /// Splits a row after its first `lines` lines.
    fn split_row(row: Vec<Cell>, lines: usize) -> (Vec<Cell>, Vec<Cell>) {
        row.into_iter()
            .map(|mut c| {
                let rest = c.lines.split_off(lines.min(c.lines.len()));
                let later = Cell {
                    width: c.width,
                    lines: rest,
                    align: c.align,
                    shaded: c.shaded,
                };
                (c, later)
            })
            .unzip()
    }

    /// The QR code of `url` with how to use it beside it, and the issuer's lines
    /// (right-aligned, for the seal) on the right; kept on one page together with
    /// the `keep_with` points that follow it.
    fn qr_block(
        &mut self,
        url: &str,
        case_no: &str,
        code: Option<&str>,
        issuer: &[String],
        keep_with: f32,
    ) {
        let text_x = MARGIN_X + QR_SIDE + 12.0;
        let text_w = 190.0;
        let mut caption: Vec<(String, f32, bool)> = vec![(self.tr("扫码查询办理进度"), 10.5, true)];
        caption.push((self.case_no_label(case_no), 9.0, false));
        if let Some(code) = code {
            caption.push((self.code_label(code), 9.0, false));
        }
        let mut caption_lines: Vec<(String, f32, bool, f32)> = Vec::new();
        for (text, size, bold) in caption {
            for l in FACE.wrap(&text, text_w, size) {
                caption_lines.push((l, size, bold, size * 1.6));
            }
        }
        for l in FACE.wrap(url, text_w, 8.0) {
            caption_lines.push((l, 8.0, false, 11.0));
        }
        let caption_h: f32 = caption_lines.iter().map(|l| l.3).sum();

        let right_w = CONTENT_W - (text_x - MARGIN_X) - text_w - 10.0;
        let issuer_lines: Vec<String> = issuer
            .iter()
            .flat_map(|l| FACE.wrap(l, right_w, BODY))
            .collect();
        let issuer_h = issuer_lines.len() as f32 * BODY_LEADING;

        let h = QR_SIDE.max(caption_h).max(issuer_h);
        self.ensure(h + keep_with);
        let top = self.y;
        if let Some(rects) = qr_rects(url, MARGIN_X, top, QR_SIDE) {
            self.ops().push(Op::Rects { rects, gray: 0 });
        }
        let mut y = top;
        for (line, size, bold, leading) in &caption_lines {
            self.text(
                text_x,
                y + baseline_in(*leading, *size),
                *size,
                line,
                *bold,
                0,
            );
            y += leading;
        }
        // The issuer's lines sit at the bottom of the block, leaving room for a seal.
        let mut y = top + h - issuer_h;
        for line in &issuer_lines {
            self.text_right(
                PAGE_W - MARGIN_X,
                y + baseline_in(BODY_LEADING, BODY),
                BODY,
                line,
                0,
            );
            y += BODY_LEADING;
        }
        self.y = top + h;
    }

    /// A line for the applicant's signature and date.
    fn signature_line(&mut self, left: &str, right: &str) {
        self.ensure(BODY_LEADING);
        let base = self.y + baseline_in(BODY_LEADING, BODY);
        self.text(MARGIN_X, base, BODY, left, false, 0);
        let x = MARGIN_X + FACE.width(left, BODY);
        self.line(x, base + 2.0, x + 150.0, base + 2.0, 0.5);
        let rx = PAGE_W - MARGIN_X - 110.0;
        self.text_right(rx, base, BODY, right, 0);
        self.line(rx, base + 2.0, PAGE_W - MARGIN_X, base + 2.0, 0.5);
        self.y += BODY_LEADING;
    }

    /// Draws the pages, numbering them, and serialises the PDF.
    fn render(self, title: &str) -> Vec<u8> {
        let mut doc = Document::new();
        doc.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .language(self.lang.as_str().to_owned())
                .creator("tongban".to_owned()),
        );
        let total = self.pages.len();
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid page size");
        for (i, ops) in self.pages.iter().enumerate() {
            let mut page = doc.start_page_with(settings.clone());
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, op);
            }
            let folio =
                text!("第 {page} 页  共 {total} 页", page = i + 1, total = total).render(self.lang);
            let x = (PAGE_W - FACE.width(&folio, 9.0)) / 2.0;
            let footer = Op::Text {
                x,
                y: PAGE_H - 30.0,
                size: 9.0,
                text: folio,
                bold: false,
                gray: 90,
            };
            draw(&mut surface, &footer);
            surface.finish();
            page.finish();
        }
        doc.finish().expect("krilla writes the document")
    }
}

/// The dark modules of the QR code of `data`, merged into horizontal runs, in a
/// `side`-point square at (`x`, `y`); `None` when the data is too long for a QR code.
fn qr_rects(data: &str, x: f32, y: f32, side: f32) -> Option<Vec<[f32; 4]>> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let n = code.width();
    let m = side / n as f32;
    let colors = code.to_colors();
    let mut rects = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == Color::Dark {
                    col += 1;
                }
                let run = (col - start) as f32;
                rects.push([x + start as f32 * m, y + row as f32 * m, run * m, m]);
            } else {
                col += 1;
            }
        }
    }
    Some(rects)
}

/// The QR code of `data` as an inline SVG for the printable HTML documents
/// (no script, so it passes the CSP), labelled with the key `label` in the
/// request's language; `None` when the data is too long.
pub fn qr_svg(data: &str, label: &str) -> Option<String> {
    let n = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .ok()?
        .width();
    let side = n as f32;
    let mut path = String::new();
    for [x, y, w, _] in qr_rects(data, 4.0, 4.0, side)? {
        path.push_str(&format!("M{x} {y}h{w}v1h-{w}z"));
    }
    let view = n + 8;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 {view} {view}\" \
         shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{}\">\
         <rect width=\"{view}\" height=\"{view}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>",
        crate::lang::t(label).replace(['"', '<', '>', '&'], "")
    ))
}

fn gray_fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn draw(surface: &mut Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            text,
            bold,
            gray,
        } => {
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
            surface.set_fill(Some(gray_fill(*gray)));
            // A regular face made bolder by stroking the outlines thinly as well.
            surface.set_stroke(bold.then(|| Stroke {
                paint: luma::Color::new(*gray).into(),
                width: size * 0.03,
                ..Default::default()
            }));
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
        Op::Rects { rects, gray } => {
            let mut pb = PathBuilder::new();
            for &[x, y, w, h] in rects {
                if let Some(r) = Rect::from_xywh(x, y, w, h) {
                    pb.push_rect(r);
                }
            }
            if let Some(path) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(gray_fill(*gray)));
                surface.draw_path(&path);
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
        } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: *width,
                    ..Default::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn slip(materials: usize) -> SlipData {
        let mut list = vec![
            ("居民身份证".to_owned(), "电子证照免提交".to_owned()),
            (
                "营业执照申请书（法定代表人签署）".to_owned(),
                "原件1份".to_owned(),
            ),
            (
                "经营场所使用证明（房屋租赁合同或产权证明）".to_owned(),
                "原件1份、复印件1份".to_owned(),
            ),
        ];
        for i in list.len()..materials {
            list.push((
                format!("补充材料第{}项：相关许可证明文件", i + 1),
                "复印件1份".to_owned(),
            ));
        }
        list.truncate(materials);
        SlipData {
            case_no: "PT20261128000123".to_owned(),
            verification_code: "7K3Q9M".to_owned(),
            item_name: "食品经营许可（新办）".to_owned(),
            applicant_name: "莆田市荔城区堃喆食品商行".to_owned(),
            applicant_id_masked: "350322********1234".to_owned(),
            hall_name: "莆田市荔城区政务服务中心".to_owned(),
            department_name: "莆田市荔城区市场监督管理局".to_owned(),
            accepted_on: "2026-11-28".to_owned(),
            promised_days: 15,
            instant: false,
            deadline: "2026-12-18".to_owned(),
            calendar_complete: false,
            received: list,
            to_come: vec![],
            delivery: "邮政寄递：福建省莆田市荔城区镇海街道梅园东路1号（收件人：林某某，电话：138****5678）".to_owned(),
            progress_url: "https://tongban.putian.gov.cn/progress?case=PT20261128000123".to_owned(),
            issued_at: "2026-11-28 10:30".to_owned(),
        }
    }

    fn notice() -> NoticeData {
        NoticeData {
            case_no: "PT20261128000124".to_owned(),
            verification_code: "Q8W2ZD".to_owned(),
            item_name: "建筑工程施工许可证核发".to_owned(),
            applicant_name: "福建省莆田市某建设有限公司".to_owned(),
            issuer: "莆田市行政服务中心管理委员会".to_owned(),
            issued_on: "2026-11-28".to_owned(),
            materials: vec![
                ("施工图设计文件审查合格书".to_owned(), "未提交。".to_owned()),
                (
                    "建设工程规划许可证".to_owned(),
                    "复印件不清晰，请提交清晰的复印件并加盖单位公章。".to_owned(),
                ),
                ("施工合同".to_owned(), "缺少发包方签章页。".to_owned()),
            ],
            progress_url: "https://tongban.putian.gov.cn/progress?case=PT20261128000124".to_owned(),
        }
    }

    fn rejection() -> RejectionData {
        RejectionData {
            case_no: "PT20261128000125".to_owned(),
            item_name: "户外广告设施设置许可".to_owned(),
            applicant_name: "陈䶮".to_owned(),
            issuer: "莆田市城市管理局".to_owned(),
            issued_on: "2026-11-28".to_owned(),
            reason: "申请设置的地点位于城市主干道禁设区域，依据《莆田市户外广告设施设置规划》不得设置户外广告设施，申请事项依法不属于可予许可的范围。".to_owned(),
            progress_url: "https://tongban.putian.gov.cn/progress?case=PT20261128000125".to_owned(),
        }
    }

    /// Writes the PDF to a temporary file (and to `$TONGBAN_DOCUMENTS_OUT` if set).
    fn save(name: &str, pdf: &[u8]) -> std::path::PathBuf {
        if let Ok(dir) = std::env::var("TONGBAN_DOCUMENTS_OUT") {
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.pdf")), pdf).unwrap();
        }
        let path = std::env::temp_dir().join(format!("tongban-{}-{name}.pdf", std::process::id()));
        std::fs::write(&path, pdf).unwrap();
        path
    }

    /// The text of the PDF as `pdftotext` extracts it, all whitespace removed.
    /// Without `pdftotext` (Debian poppler-utils) the text checks are skipped
    /// with a visible note — unless `TONGBAN_REQUIRE_PDFTOTEXT` is set, as CI
    /// sets it, where a missing tool fails the test.
    fn extract_text(name: &str, pdf: &[u8]) -> Option<String> {
        if Command::new("pdftotext").arg("-v").output().is_err()
            && std::env::var_os("TONGBAN_REQUIRE_PDFTOTEXT").is_none()
        {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "NOTE: PDF text checks SKIPPED: pdftotext not installed (apt-get install poppler-utils)"
            );
            return None;
        }
        let path = save(name, pdf);
        let out = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output();
        let _ = std::fs::remove_file(&path);
        let out = match out {
            Ok(out) => out,
            Err(e) => panic!(
                "cannot run pdftotext ({e}); install poppler-utils (apt-get install -y poppler-utils)"
            ),
        };
        assert!(
            out.status.success(),
            "pdftotext failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(
            String::from_utf8(out.stdout)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
        )
    }

    /// The number of `/Type/Page` objects (krilla writes no space, some writers do).
    fn page_count(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf).replace("/Type /Page", "/Type/Page");
        text.matches("/Type/Page").count() - text.matches("/Type/Pages").count()
    }

    fn assert_pdf(pdf: &[u8]) {
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(
            pdf.windows(9).any(|w| w == b"/FontFile"),
            "the font is embedded"
        );
        assert!(pdf.len() < 400 * 1024, "the PDF is {} bytes", pdf.len());
    }

    #[test]
    fn slip_is_a_pdf_with_its_text() {
        // A typical list of materials still fits on one page.
        let d = slip(5);
        let pdf = acceptance_slip_pdf(&d, Lang::ZhCn);
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        let Some(text) = extract_text("slip", &pdf) else {
            return;
        };
        for s in [
            "受理承诺单",
            "莆田市政务服务全域通办",
            &d.item_name,
            &d.case_no,
            &d.verification_code,
            &d.applicant_name,
            "350322********1234",
            "15个工作日",
            "2026-12-18",
            "经营场所使用证明（房屋租赁合同或产权证明）",
            "电子证照免提交",
            "第四十五条",
            "第八十二条",
            "次年法定节假日安排尚未公布",
            "tongban.putian.gov.cn/progress",
        ] {
            assert!(text.contains(s), "{s:?} missing from {text}");
        }
    }

    #[test]
    fn the_online_receipt_is_a_pdf_with_its_text() {
        let mut d = slip(3);
        d.accepted_on = String::new();
        let pdf = online_receipt_pdf(&d, Lang::ZhCn);
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        let Some(text) = extract_text("receipt", &pdf) else {
            return;
        };
        for s in [
            "网上申请回执",
            &d.case_no,
            &d.verification_code,
            "350322********1234",
            "全程网办",
            "等待审批部门受理",
            "15个工作日内办结",
            "不作为受理凭证",
        ] {
            assert!(text.contains(s), "{s:?} missing from {text}");
        }
    }

    #[test]
    fn instant_slip_says_completed_on_the_spot() {
        let mut d = slip(1);
        d.instant = true;
        d.calendar_complete = true;
        d.applicant_id_masked.clear();
        let Some(text) = extract_text("instant", &acceptance_slip_pdf(&d, Lang::ZhCn)) else {
            return;
        };
        assert!(text.contains("即办件：当场办结"));
        assert!(!text.contains("证件号码"));
        assert!(!text.contains("次年法定节假日"));
    }

    #[test]
    fn long_material_list_runs_onto_more_pages() {
        let d = slip(60);
        let pdf = acceptance_slip_pdf(&d, Lang::ZhCn);
        assert_pdf(&pdf);
        let pages = page_count(&pdf);
        assert!(pages >= 2, "{pages} pages");
        let Some(text) = extract_text("long", &pdf) else {
            return;
        };
        assert!(text.contains("补充材料第60项"));
        assert!(text.contains("受理承诺单（续）"));
        assert!(text.contains(&format!("共{pages}页")));
    }

    #[test]
    fn notice_lists_every_material() {
        let d = notice();
        let pdf = supplement_notice_pdf(&d, Lang::ZhCn);
        assert_pdf(&pdf);
        let Some(text) = extract_text("notice", &pdf) else {
            return;
        };
        for s in [
            "一次性告知书",
            "补正材料通知",
            &d.item_name,
            &d.case_no,
            "第三十二条",
            "承诺时限不开始计算",
        ] {
            assert!(text.contains(s), "{s:?} missing from {text}");
        }
        for (name, problem) in &d.materials {
            assert!(text.contains(name.as_str()), "{name} missing");
            assert!(text.contains(problem.as_str()), "{problem} missing");
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_across_pages() {
        let mut d = notice();
        let long: String = (1..=400).map(|i| format!("第{i}处签章不清晰；")).collect();
        d.materials.insert(
            1,
            (
                "工程质量监督手续".to_owned(),
                format!("{long}全部需重新签章。"),
            ),
        );
        let pdf = supplement_notice_pdf(&d, Lang::ZhCn);
        assert_pdf(&pdf);
        assert!(page_count(&pdf) >= 3, "{} pages", page_count(&pdf));
        let Some(text) = extract_text("split", &pdf) else {
            return;
        };
        assert!(text.contains("第400处签章不清晰；全部需重新签章。"));
        assert!(text.contains("缺少发包方签章页。"));
    }

    #[test]
    fn rejection_gives_reason_and_remedies() {
        let d = rejection();
        let pdf = rejection_notice_pdf(&d, Lang::ZhCn);
        assert_pdf(&pdf);
        let Some(text) = extract_text("rejection", &pdf) else {
            return;
        };
        for s in [
            "不予受理通知书",
            &d.item_name,
            &d.case_no,
            "陈䶮",
            "城市主干道禁设区域",
            "六十日内",
            "行政复议",
            "六个月内",
            "行政诉讼",
        ] {
            assert!(text.contains(s), "{s:?} missing from {text}");
        }
    }

    /// The text of the PDF as `pdftotext` extracts it, lines kept.
    fn raw_text(name: &str, pdf: &[u8]) -> Option<String> {
        Command::new("pdftotext").arg("-v").output().ok()?;
        let path = save(name, pdf);
        let out = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .ok()?;
        let _ = std::fs::remove_file(&path);
        Some(String::from_utf8(out.stdout).unwrap())
    }

    /// The Chinese an English document shows: only what its data holds.
    fn assert_only_data_in_chinese(text: &str, data: &[&str]) {
        let all_data = data.concat();
        let mut run = String::new();
        for c in text.chars().chain([' ']) {
            if tongban_domain::i18n::is_han(c) {
                run.push(c);
            } else if !run.is_empty() {
                assert!(all_data.contains(&run), "“{run}” is not data in:\n{text}");
                run.clear();
            }
        }
    }

    #[test]
    fn documents_in_english_translate_their_wording_and_keep_their_data() {
        let d = slip(3);
        let pdf = acceptance_slip_pdf(&d, Lang::En);
        assert_pdf(&pdf);
        let Some(text) = raw_text("slip-en", &pdf) else {
            return;
        };
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for s in [
            "Acceptance Slip",
            "Promised time limit",
            "15 working days",
            "next year's public holiday schedule had not been published",
            "Article 45 of the same law",
            "Accepting office (seal):",
            "Page 1 of",
        ] {
            assert!(flat.contains(s), "{s:?} missing from {text}");
        }
        let data: Vec<&str> = [&d.item_name, &d.applicant_name, &d.hall_name]
            .into_iter()
            .chain([&d.department_name, &d.delivery])
            .map(String::as_str)
            .chain(
                d.received
                    .iter()
                    .flat_map(|(a, b)| [a.as_str(), b.as_str()]),
            )
            .collect();
        assert_only_data_in_chinese(&text, &data);

        let n = notice();
        let Some(text) = raw_text("notice-en", &supplement_notice_pdf(&n, Lang::En)) else {
            return;
        };
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("One-Time Notice") && flat.contains("(Notice to Supplement Materials)")
        );
        assert!(flat.contains("Article 32 of the Administrative License Law"));
        assert!(flat.contains(&format!("Dear {}:", n.applicant_name)));
        // Numbered in figures, not 一、二、.
        assert!(text.lines().any(|l| l.trim() == "1."), "{text}");
        let data: Vec<&str> = [&n.item_name, &n.applicant_name, &n.issuer]
            .into_iter()
            .map(String::as_str)
            .chain(
                n.materials
                    .iter()
                    .flat_map(|(a, b)| [a.as_str(), b.as_str()]),
            )
            .collect();
        assert_only_data_in_chinese(&text, &data);

        let r = rejection();
        let Some(text) = raw_text("rejection-en", &rejection_notice_pdf(&r, Lang::En)) else {
            return;
        };
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("Rejection Notice") && flat.contains("within sixty days"));
        // English wraps between words: none is cut in two.
        for w in ["reconsideration", "administrative", "organization"] {
            assert!(text.contains(w), "{w} cut in {text}");
        }
        let data = [&r.item_name, &r.applicant_name, &r.issuer, &r.reason].map(String::as_str);
        assert_only_data_in_chinese(&text, &data);
    }

    #[test]
    fn font_covers_rare_name_characters() {
        for c in ['莆', '䶮', '堃', '喆', '𠮷', '昇', '婧'] {
            assert_ne!(FACE.charmap.map(c), None, "{c} missing from the font");
        }
    }

    #[test]
    fn qr_code_is_drawn() {
        let rects = qr_rects(
            "https://tongban.putian.gov.cn/progress?case=X",
            0.0,
            0.0,
            QR_SIDE,
        )
        .unwrap();
        assert!(rects.len() > 50);
        assert!(
            rects
                .iter()
                .all(|r| r[0] >= 0.0 && r[0] + r[2] <= QR_SIDE + 0.01)
        );
    }

    #[test]
    fn qr_svg_draws_exactly_the_dark_modules() {
        let data = "http://127.0.0.1:8080/progress?case_no=TB2026112800000001&code=ABCDEFG";
        let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).unwrap();
        let n = code.width();
        let svg = qr_svg(data, "查询二维码\"<x>").unwrap();
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", n + 8)));
        assert!(svg.contains("aria-label=\"查询二维码x\""));
        let d = svg.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        let mut dark = vec![false; n * n];
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let w: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            for c in x - 4..x - 4 + w {
                dark[(y - 4) * n + c] = true;
            }
        }
        let want: Vec<bool> = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
        assert_eq!(dark, want);
    }
}
