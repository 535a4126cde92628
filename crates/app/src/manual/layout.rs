//! The manuals laid out on A4 pages, as shapes of the guide map's drawing
//! (`guide_map::Shape`, drawn to PDF by the server with the bundled font),
//! wrapped by the one line breaker (`text::wrap`). Pure: a flow of
//! headings, paragraphs and tables cut into pages, then a title page with a
//! table of contents whose page numbers are known once the body is laid
//! out, and on every page a running head (the hall or item, the catalogue
//! revision, the day generated) and a folio (第 n 页 共 N 页).

use super::{HallItem, HallManual, ItemManual};
use crate::guide_map::{Measure, PAGE_H, PAGE_W, Page, Shape, Tone};
use crate::text::wrap;
use std::collections::HashMap;
use tongban_domain::i18n::{Lang, Text, tr};
use tongban_domain::text;

const MARGIN: f32 = 42.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Where the content starts (the running head sits above).
const TOP: f32 = 58.0;
/// Where the content stops (the folio sits below).
const BOTTOM: f32 = PAGE_H - 52.0;
const BODY: f32 = 9.5;
const SMALL: f32 = 8.5;
/// Marks a page reference to an anchor in a line: `\u{1}anchor\u{2}`.
const REF_OPEN: char = '\u{1}';
const REF_CLOSE: char = '\u{2}';

fn leading(size: f32) -> f32 {
    (size * 1.55).round()
}

/// The texts of a manual's running head and title page.
#[derive(Debug)]
pub struct Frame {
    /// The title (培训手册 · …).
    pub title: String,
    /// Lines under the title.
    pub subtitle: Vec<String>,
    /// The running head's left part.
    pub head: String,
    /// The running head's right part (revision, day).
    pub stamp: String,
}

/// Lays out text on pages.
struct Flow<'a> {
    em: Measure<'a>,
    lang: Lang,
    pages: Vec<Vec<Shape>>,
    y: f32,
    /// Table of contents: level, text, page index.
    toc: Vec<(u8, String, usize)>,
    /// Where each anchor landed (page index).
    anchors: HashMap<String, usize>,
}

impl<'a> Flow<'a> {
    fn new(em: Measure<'a>, lang: Lang) -> Self {
        Self {
            em,
            lang,
            pages: vec![Vec::new()],
            y: TOP,
            toc: Vec::new(),
            anchors: HashMap::new(),
        }
    }

    /// Program text in the manual's language.
    fn tr(&self, key: &'static str) -> String {
        tr(self.lang, key).into_owned()
    }

    /// A message in the manual's language.
    fn t(&self, t: Text) -> String {
        t.render(self.lang)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| (self.em)(c) * size).sum()
    }

    fn page_no(&self) -> usize {
        self.pages.len() - 1
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// A new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, size: f32, text: String, bold: bool, tone: Tone) {
        let y = self.y + leading(size) / 2.0 + 0.38 * size;
        self.pages.last_mut().expect("a page").push(Shape::Text {
            x,
            y,
            size,
            text,
            bold,
            tone,
        });
    }

    /// A paragraph wrapped to the content width less `indent`, continuation
    /// lines hung by `hang` points.
    fn para(&mut self, text: &str, size: f32, bold: bool, tone: Tone, indent: f32, hang: f32) {
        let w = CONTENT_W - indent;
        let lines = wrap(text, w, |c| (self.em)(c) * size);
        let first = lines.first().cloned().unwrap_or_default();
        let rest = text
            .strip_prefix(first.as_str())
            .map_or_else(|| lines[1..].concat(), |r| r.trim_start().to_owned());
        let mut all = vec![(first, 0.0)];
        if !rest.is_empty() {
            let hung = wrap(&rest, (w - hang).max(size), |c| (self.em)(c) * size);
            all.extend(hung.into_iter().map(|l| (l, hang)));
        }
        for (line, h) in all {
            self.ensure(leading(size));
            self.text(MARGIN + indent + h, size, line, bold, tone);
            self.y += leading(size);
        }
    }

    fn body(&mut self, text: &str) {
        self.para(text, BODY, false, Tone::Ink, 0.0, 0.0);
    }

    fn bullet(&mut self, text: &str, indent: f32) {
        self.para(&format!("• {text}"), BODY, false, Tone::Ink, indent, BODY);
    }

    fn note(&mut self, text: &str, indent: f32) {
        self.para(text, SMALL, false, Tone::Muted, indent, 0.0);
    }

    /// A label and its value: `label：value`, the value hung under itself.
    fn fact(&mut self, label: &str, value: &str) {
        let label = match self.lang {
            Lang::ZhCn => format!("{label}："),
            Lang::En => format!("{label}: "),
        };
        let hang = self.width(&label, BODY);
        self.para(
            &format!("{label}{value}"),
            BODY,
            false,
            Tone::Ink,
            0.0,
            hang,
        );
    }

    /// A fact whose label is program text (a zh-CN key).
    fn fact_t(&mut self, key: &'static str, value: &str) {
        let label = self.tr(key);
        self.fact(&label, value);
    }

    /// A heading whose text is program text (a zh-CN key).
    fn heading_t(&mut self, level: u8, key: &'static str, toc: bool) {
        let text = self.tr(key);
        self.heading(level, &text, toc);
    }

    /// A line with a page reference (not wrapped: kept short).
    fn ref_line(&mut self, text: &str, anchor: &str, indent: f32) {
        self.ensure(leading(SMALL));
        let t = format!("{text}{REF_OPEN}{anchor}{REF_CLOSE}");
        self.text(MARGIN + indent, SMALL, t, false, Tone::Muted);
        self.y += leading(SMALL);
    }

    /// A heading: level 1 a bar, level 2 bold with a rule, level 3 bold;
    /// kept with three lines after it; in the contents when `toc`.
    fn heading(&mut self, level: u8, text: &str, toc: bool) {
        let size = match level {
            1 => 13.0,
            2 => 11.5,
            _ => 10.0,
        };
        let h = leading(size) + 6.0;
        if level == 1 && self.y > TOP {
            self.new_page();
        }
        self.ensure(h + 3.0 * leading(BODY));
        if toc {
            let page = self.page_no();
            self.toc.push((level, text.to_owned(), page));
        }
        self.y += 3.0;
        if level == 1 {
            self.pages.last_mut().expect("a page").push(Shape::Box {
                x: MARGIN,
                y: self.y - 2.0,
                w: CONTENT_W,
                h: leading(size) + 4.0,
                r: 2.0,
                fill: Tone::Accent,
                stroke: None,
            });
        }
        let (x, tone) = match level {
            1 => (MARGIN + 6.0, Tone::OnAccent),
            2 => (MARGIN, Tone::Accent),
            _ => (MARGIN, Tone::Ink),
        };
        for line in wrap(text, CONTENT_W - 12.0, |c| (self.em)(c) * size) {
            self.text(x, size, line, true, tone);
            self.y += leading(size);
        }
        if level == 2 {
            let y = self.y + 1.0;
            self.rule(y, 0.6, Tone::Accent);
        }
        self.y += 5.0;
    }

    fn rule(&mut self, y: f32, width: f32, tone: Tone) {
        self.pages.last_mut().expect("a page").push(Shape::Line {
            x1: MARGIN,
            y1: y,
            x2: PAGE_W - MARGIN,
            y2: y,
            width,
            tone,
        });
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// A table: column widths (points), a header row, rows; a row is never
    /// cut, and the header repeats on a new page.
    fn table(&mut self, widths: &[f32], head: &[&str], rows: &[Vec<String>]) {
        let pad = 3.0;
        let lines_of = |f: &Self, row: &[String], size: f32| -> Vec<Vec<String>> {
            row.iter()
                .zip(widths)
                .map(|(t, w)| wrap(t, w - 2.0 * pad, |c| (f.em)(c) * size))
                .collect()
        };
        let head: Vec<String> = head.iter().map(|s| (*s).to_owned()).collect();
        let head_cells = lines_of(self, &head, SMALL);
        let height = |cells: &[Vec<String>], size: f32| {
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading(size) + 2.0 * pad
        };
        let head_h = height(&head_cells, SMALL);
        self.ensure(head_h + leading(SMALL) * 2.0 + 2.0 * pad);
        self.row(widths, &head_cells, SMALL, true, head_h);
        for r in rows {
            let cells = lines_of(self, r, SMALL);
            let h = height(&cells, SMALL);
            if self.y + h > BOTTOM {
                self.new_page();
                self.row(widths, &head_cells, SMALL, true, head_h);
            }
            self.row(widths, &cells, SMALL, false, h);
        }
        self.gap(6.0);
    }

    fn row(&mut self, widths: &[f32], cells: &[Vec<String>], size: f32, head: bool, h: f32) {
        let pad = 3.0;
        let top = self.y;
        let mut x = MARGIN;
        for (lines, w) in cells.iter().zip(widths) {
            self.pages.last_mut().expect("a page").push(Shape::Box {
                x,
                y: top,
                w: *w,
                h,
                r: 0.0,
                fill: if head { Tone::Tint } else { Tone::Paper },
                stroke: Some(Tone::Rule),
            });
            self.y = top + pad;
            for l in lines {
                self.text(x + pad, size, l.clone(), head, Tone::Ink);
                self.y += leading(size);
            }
            x += w;
        }
        self.y = top + h;
    }
}

/// An item's manual on pages: a title page with contents, then the item.
/// An item's manual on pages in `lang`: a title page with contents, then
/// the item.
pub fn item_pages(
    m: &ItemManual,
    revision: i64,
    generated_on: &str,
    em: Measure<'_>,
    lang: Lang,
) -> Vec<Page> {
    let mut f = Flow::new(em, lang);
    item_section(&mut f, m, false);
    let frame = Frame {
        title: f.t(text!("培训手册 · {name}", name = m.name.clone())),
        subtitle: vec![
            f.t(text!(
                "事项编码 {code} · 第{version}版（{date}发布）",
                code = m.code.clone(),
                version = m.version,
                date = m.published_on.clone()
            )),
            source_line(revision, generated_on, lang),
        ],
        head: f.t(text!(
            "培训手册 · {code} {name}",
            code = m.code.clone(),
            name = m.name.clone()
        )),
        stamp: stamp(revision, generated_on, lang),
    };
    finish(f, &frame)
}

/// The running head's right part: the revision and the day generated.
fn stamp(revision: i64, generated_on: &str, lang: Lang) -> String {
    text!(
        "目录修订 {revision} · {date} 生成",
        revision = revision,
        date = generated_on.to_owned()
    )
    .render(lang)
}

/// What a manual reflects, for its title page.
fn source_line(revision: i64, generated_on: &str, lang: Lang) -> String {
    text!(
        "本手册由系统依据事项目录（修订号 {revision}）、全域通办清单与授权信任记录于{date}自动生成，目录或授权变更后重新生成。",
        revision = revision,
        date = generated_on.to_owned()
    )
    .render(lang)
}

/// A hall's manual on pages: a title page with contents; part one the
/// rights and the items by deciding department; part two each item once.
pub fn hall_pages(m: &HallManual, em: Measure<'_>, lang: Lang) -> Vec<Page> {
    let mut f = Flow::new(em, lang);
    f.heading_t(1, "一、本中心与授权信任", true);
    let hall = f.t(text!(
        "{hall}（{level}）",
        hall = m.hall.clone(),
        level = m.level
    ));
    f.fact_t("中心", &hall);
    f.fact_t("地址", &m.address);
    f.fact_t("总机", &m.phone);
    for (name, phone, contact) in &m.windows {
        let desk = f.t(text!(
            "{phone}（{contact}）",
            phone = phone.clone(),
            contact = contact.clone()
        ));
        f.fact(name, &desk);
    }
    f.gap(6.0);
    f.heading_t(2, "四项权利分别允许窗口做什么", true);
    for r in &m.rights {
        let right = f.tr(r.right);
        f.para(&right, BODY, true, Tone::Ink, 0.0, 0.0);
        for l in &r.lets {
            f.bullet(l, BODY);
        }
    }
    f.heading_t(1, "二、可受理事项与授权（按审批部门）", true);
    let intro = f.tr(
        "本中心所在层级可受理的全域通办清单事项，按作出决定的审批部门分组；每项列明该部门授予本中心的权利，以及缺少权利时不能办理的环节和可以办理的大厅。",
    );
    f.note(&intro, 0.0);
    for d in &m.departments {
        f.heading(2, &d.name, true);
        let own = if d.own {
            f.tr("（本部门窗口，享有全部权利）")
        } else {
            String::new()
        };
        let contact = f.t(text!(
            "联系：{contact} {phone}{own}",
            contact = d.contact.clone(),
            phone = d.phone.clone(),
            own = own
        ));
        f.note(&contact, 0.0);
        for it in &d.items {
            hall_item(&mut f, it);
        }
    }
    f.heading_t(1, "三、事项办理要点", true);
    for it in &m.items {
        item_section(&mut f, it, true);
    }
    let title = f.t(text!("培训手册 · {name}", name = m.hall.clone()));
    let frame = Frame {
        title: title.clone(),
        subtitle: vec![
            f.t(text!(
                "{level} · 可受理事项 {items} 项 · 审批部门 {departments} 个",
                level = m.level,
                items = m.items.len(),
                departments = m.departments.len()
            )),
            source_line(m.revision, &m.generated_on, lang),
        ],
        head: title,
        stamp: stamp(m.revision, &m.generated_on, lang),
    };
    finish(f, &frame)
}

/// One item under a department in a hall's manual.
fn hall_item(f: &mut Flow<'_>, it: &HallItem) {
    f.ensure(4.0 * leading(BODY));
    f.gap(3.0);
    f.para(
        &format!("{} {}", it.code, it.name),
        BODY,
        true,
        Tone::Ink,
        0.0,
        0.0,
    );
    let see = f.tr("办理要点见第 ");
    f.ref_line(&see, &it.code, BODY);
    let modes: Vec<String> = it.modes.iter().map(|m| f.tr(m)).collect();
    let modes = f.t(text!(
        "通办模式：{modes}",
        modes = crate::guide_map::list(f.lang, &modes)
    ));
    f.note(&modes, BODY);
    let rights: Vec<Text> = (it.rights.iter())
        .map(|r| text!("{right}：{held}", right = r.right, held = r.text.clone()))
        .collect();
    let rights = f.t(Text::join(rights, "；"));
    f.para(&rights, SMALL, false, Tone::Ink, BODY, 0.0);
    for c in &it.cannot {
        f.para(
            &f.t(text!("不能：{what}", what = c.clone())),
            SMALL,
            false,
            Tone::Accent,
            BODY,
            2.0 * SMALL,
        );
    }
}

/// An item's manual as a section: in a hall's manual a level-2 heading in
/// the contents, on its own a title.
fn item_section(f: &mut Flow<'_>, m: &ItemManual, in_hall: bool) {
    if in_hall {
        f.heading(2, &format!("{} {}", m.code, m.name), true);
    } else {
        f.heading(1, &format!("{} {}", m.code, m.name), false);
    }
    f.anchors.insert(m.code.clone(), f.page_no());
    let version = f.t(text!(
        "第{version}版（{date}发布）",
        version = m.version,
        date = m.published_on.clone()
    ));
    f.note(&version, 0.0);
    for (k, v) in &m.facts {
        f.fact_t(k, v);
    }
    f.fact_t("受理条件", &m.conditions);
    let listing = match &m.listing {
        Some(l) => l.clone(),
        None => f.tr("未列入全域通办清单"),
    };
    f.fact_t("全域通办", &listing);
    f.heading_t(3, "1. 办理情形", !in_hall);
    for q in &m.questions {
        f.bullet(q, 0.0);
    }
    for (i, s) in m.situations.iter().enumerate() {
        let head = f.t(text!("情形{n} {name}", n = i + 1, name = s.name.clone()));
        f.para(&head, BODY, true, Tone::Ink, 0.0, 0.0);
        let when = f.t(text!(
            "条件：{when}；另需材料：{adds}",
            when = s.when.clone(),
            adds = s.adds.clone()
        ));
        f.note(&when, BODY);
    }
    f.heading_t(3, "2. 申请材料与审查要点", !in_hall);
    for mt in &m.materials {
        f.para(&mt.name, BODY, true, Tone::Ink, 0.0, 0.0);
        let mut need = vec![Text::raw(mt.need.clone())];
        if let Some(w) = &mt.when {
            need.push(text!("适用：{list}", list = w.clone()));
        }
        if let Some(l) = &mt.licence {
            need.push(text!("可用电子{license}免提交", license = l.clone()));
        }
        let need = f.t(Text::join(need, "；"));
        f.note(&need, BODY);
        for p in &mt.review_points {
            let point = f.t(text!("审查要点：{point}", point = p.clone()));
            f.bullet(&point, BODY);
        }
    }
    f.heading_t(3, "3. 一次性告知的常见原因", !in_hall);
    for r in &m.notice_reasons {
        f.bullet(r, 0.0);
    }
    for r in &m.notice_rules {
        f.note(r, 0.0);
    }
    f.heading_t(3, "4. 时限与收费", !in_hall);
    for (k, v) in &m.limits {
        f.fact_t(k, v);
    }
    f.heading_t(3, "5. 办理流程与分工", !in_hall);
    if !m.steps.is_empty() {
        f.fact_t("办理流程", &m.steps.join(" → "));
    }
    if m.modes.is_empty() {
        let none = f.tr("本事项未列入全域通办清单的窗口模式：请引导申请人到实施部门窗口办理。");
        f.body(&none);
    }
    for ms in &m.modes {
        let head = f.t(text!("{mode}：谁做哪一步", mode = ms.mode));
        f.para(&head, BODY, true, Tone::Ink, 0.0, 0.0);
        let rows: Vec<Vec<String>> = (ms.steps.iter())
            .map(|s| {
                vec![
                    f.tr(s.step),
                    f.tr(s.from),
                    s.to.clone(),
                    s.by.clone(),
                    s.right.map_or(String::new(), |r| f.tr(r)),
                    f.tr(s.clock),
                ]
            })
            .collect();
        let w = [78.0, 92.0, 84.0, 74.0, 100.0, CONTENT_W - 428.0];
        let head: Vec<String> = [
            "步骤",
            "办件状态",
            "之后",
            "由谁办理",
            "窗口所需权利",
            "计时",
        ]
        .map(|k| f.tr(k))
        .to_vec();
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        f.table(&w, &head, &rows);
    }
    f.heading_t(3, "6. 联系方式", !in_hall);
    if m.contacts.is_empty() {
        let none = f.tr("（实施部门未登记）");
        f.body(&none);
    }
    for c in &m.contacts {
        f.fact(&c.department, &format!("{} {}", c.contact, c.phone));
    }
}

/// The title page with the contents before the body, then the running
/// heads, folios and page references on every page.
fn finish(body: Flow<'_>, frame: &Frame) -> Vec<Page> {
    let (em, lang) = (body.em, body.lang);
    // The contents take as many pages with any numbers (one line each).
    let front_len = front(em, lang, frame, &body.toc, 0).len();
    let mut pages = front(em, lang, frame, &body.toc, front_len);
    let anchors: HashMap<&str, usize> = (body.anchors.iter())
        .map(|(k, v)| (k.as_str(), v + front_len + 1))
        .collect();
    pages.extend(body.pages.into_iter().map(|mut p| {
        for s in &mut p {
            if let Shape::Text { text, .. } = s
                && let Some(i) = text.find(REF_OPEN)
            {
                let anchor = text[i + 1..].trim_end_matches(REF_CLOSE).to_owned();
                let no = anchors
                    .get(anchor.as_str())
                    .map_or("—".into(), |n| n.to_string());
                let page = text!("{page} 页", page = no).render(lang);
                *text = format!("{}{page}", &text[..i]);
            }
        }
        p
    }));
    let total = pages.len();
    pages
        .into_iter()
        .enumerate()
        .map(|(i, mut shapes)| {
            shapes.extend(furniture(em, lang, frame, i + 1, total));
            Page { shapes }
        })
        .collect()
}

/// The title page and the contents, body page numbers offset by `offset`
/// pages of front matter.
fn front(
    em: Measure<'_>,
    lang: Lang,
    frame: &Frame,
    toc: &[(u8, String, usize)],
    offset: usize,
) -> Vec<Vec<Shape>> {
    let mut f = Flow::new(em, lang);
    f.gap(40.0);
    for line in wrap(&frame.title, CONTENT_W, |c| em(c) * 20.0) {
        f.text(MARGIN, 20.0, line, true, Tone::Ink);
        f.y += leading(20.0);
    }
    f.gap(6.0);
    for s in &frame.subtitle {
        f.note(s, 0.0);
    }
    f.gap(6.0);
    let y = f.y;
    f.rule(y, 1.2, Tone::Accent);
    f.gap(14.0);
    let contents = f.tr("目　录");
    f.para(&contents, 12.0, true, Tone::Ink, 0.0, 0.0);
    f.gap(4.0);
    for (level, text, page) in toc {
        let no = (page + offset + 1).to_string();
        let indent = match level {
            1 => 0.0,
            2 => 14.0,
            _ => 28.0,
        };
        let size = if *level == 1 { BODY } else { SMALL };
        let no_w = f.width(&no, size);
        let room = CONTENT_W - indent - no_w - 16.0;
        // One line each: a long title is cut with an ellipsis.
        let mut shown = String::new();
        for c in text.chars() {
            if f.width(&shown, size) + em(c) * size > room - size {
                shown.push('…');
                break;
            }
            shown.push(c);
        }
        f.ensure(leading(size));
        f.text(MARGIN + indent, size, shown, *level == 1, Tone::Ink);
        f.text(PAGE_W - MARGIN - no_w, size, no, false, Tone::Ink);
        f.y += leading(size);
    }
    f.pages
}

/// The running head and the folio of page `no` of `total`.
fn furniture(em: Measure<'_>, lang: Lang, frame: &Frame, no: usize, total: usize) -> Vec<Shape> {
    let width = |t: &str, size: f32| t.chars().map(|c| em(c) * size).sum::<f32>();
    let stamp_w = width(&frame.stamp, SMALL);
    let mut head = String::new();
    for c in frame.head.chars() {
        if width(&head, SMALL) + em(c) * SMALL > CONTENT_W - stamp_w - 2.0 * SMALL {
            head.push('…');
            break;
        }
        head.push(c);
    }
    let folio = text!("第 {page} 页  共 {total} 页", page = no, total = total).render(lang);
    let text = |x: f32, y: f32, text: String| Shape::Text {
        x,
        y,
        size: SMALL,
        text,
        bold: false,
        tone: Tone::Muted,
    };
    vec![
        text(MARGIN, 34.0, head),
        text(PAGE_W - MARGIN - stamp_w, 34.0, frame.stamp.clone()),
        Shape::Line {
            x1: MARGIN,
            y1: 40.0,
            x2: PAGE_W - MARGIN,
            y2: 40.0,
            width: 0.5,
            tone: Tone::Rule,
        },
        text((PAGE_W - width(&folio, SMALL)) / 2.0, PAGE_H - 28.0, folio),
    ]
}
