//! A batch as an XLSX sheet — one row per entry: 事项编码, 事项名称, 操作
//! (列入 / 移出), 通办模式, 通办层级, 指定服务中心 — written with
//! rust_xlsxwriter and read back with calamine, row by row.

use super::check_entry;
use crate::{AppError, AppResult, Lookups};
use std::collections::HashMap;
use tongban_domain::catalogue::ItemSummary;
use tongban_domain::city::RegionLevel;
use tongban_domain::i18n::{Lang, Text, tr};
use tongban_domain::list_batch::BatchEntry;
use tongban_domain::text;
use tongban_domain::tongban::Mode;
use tongban_domain::validate::{FieldError, ValidationErrors};
use tongban_domain::{HallId, ItemCode};
use tongban_store::BatchRecord;

/// The columns: (header, field named in errors).
const COLUMNS: [(&str, &str); 6] = [
    ("事项编码", "item"),
    ("事项名称", "name"),
    ("操作", "action"),
    ("通办模式", "modes"),
    ("通办层级", "levels"),
    ("指定服务中心", "halls"),
];

/// Rows an import may hold (a batch is at most the catalogue).
pub const IMPORT_MAX: usize = 5_000;

/// An exported batch.
#[derive(Debug, Clone)]
pub struct BatchExport {
    /// The workbook.
    pub bytes: Vec<u8>,
    /// Its file name.
    pub file_name: String,
}

fn hall_names(lookups: &Lookups, halls: &[HallId]) -> String {
    halls
        .iter()
        .map(|h| {
            (lookups.data().halls.iter())
                .find(|x| x.id == *h)
                .map_or_else(|| h.0.to_string(), |x| x.name.clone())
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Writes the batch, its headings and words in `lang`.
pub(super) fn export(
    rec: &BatchRecord,
    entries: &[BatchEntry],
    items: &HashMap<ItemCode, ItemSummary>,
    lookups: &Lookups,
    lang: Lang,
) -> AppResult<BatchExport> {
    let bytes = workbook(rec, entries, items, lookups, lang)
        .map_err(|e| AppError::Internal(format!("batch export not written: {e}")))?;
    Ok(BatchExport {
        bytes,
        file_name: format!("list-batch-{}.xlsx", rec.no),
    })
}

fn workbook(
    rec: &BatchRecord,
    entries: &[BatchEntry],
    items: &HashMap<ItemCode, ItemSummary>,
    lookups: &Lookups,
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let t = |s: &'static str| tr(lang, s).into_owned();
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(t("批次事项"))?;
    let widths = [14.0, 36.0, 8.0, 36.0, 36.0, 36.0];
    for (c, ((h, _), w)) in COLUMNS.iter().zip(widths).enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, t(h), &bold)?;
        ws.set_column_width(c, w)?;
    }
    let join = |v: Vec<&'static str>| match lang {
        Lang::ZhCn => v.join("、"),
        _ => v.into_iter().map(t).collect::<Vec<_>>().join(", "),
    };
    for (r, e) in entries.iter().enumerate() {
        let r = r as u32 + 1;
        let name = items.get(&e.item).map_or("", |i| i.name.as_str());
        let cells = [
            e.item.0.clone(),
            name.to_owned(),
            t(if e.remove { "移出" } else { "列入" }),
            join(e.modes.iter().map(|m| m.label()).collect()),
            join(e.levels.iter().map(|l| l.label()).collect()),
            hall_names(lookups, &e.halls),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let about = wb.add_worksheet();
    about.set_name(t("说明"))?;
    let notes = [
        text!(
            "批次：{name}（第{no}号，{state}）",
            name = &rec.name,
            no = rec.no,
            state = rec.state.label()
        ),
        "操作：列入（新增或变更）或 移出。".into(),
        text!(
            "通办模式：{modes}，多个用“、”分隔。",
            modes = Text::join(Mode::ALL.iter().map(|m| Text::from(m.label())), "、")
        ),
        text!(
            "通办层级：{levels}，多个用“、”分隔；指定服务中心写中心全称。",
            levels = Text::join(RegionLevel::ALL.iter().map(|l| Text::from(l.label())), "、")
        ),
    ];
    for (r, n) in notes.iter().enumerate() {
        about.write_string(r as u32, 0, n.render(lang))?;
    }
    about.set_column_width(0, 90.0)?;
    Ok(wb.save_to_buffer()?.to_vec())
}

/// A cell with each label's English (which may hold a comma, as
/// “Remote acceptance, local processing” does) put as its identifier, so
/// a sheet exported in English reads back.
fn by_id<'a>(cell: &str, labels: impl Iterator<Item = (&'static str, &'a str)>) -> String {
    let mut out = cell.to_owned();
    for (label, id) in labels {
        let en = tr(Lang::En, label).to_lowercase();
        if !en.is_empty() && out.to_lowercase().contains(&en) {
            out = replace_ignoring_case(&out, &en, id);
        }
    }
    out
}

/// `s` with every ASCII-case-insensitive occurrence of `lower` (lowercase)
/// replaced by `with`.
fn replace_ignoring_case(s: &str, lower: &str, with: &str) -> String {
    let folded = s.to_lowercase();
    if folded.len() != s.len() {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut at = 0;
    while let Some(i) = folded[at..].find(lower) {
        out.push_str(&s[at..at + i]);
        out.push_str(with);
        at += i + lower.len();
    }
    out.push_str(&s[at..]);
    out
}

fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

/// Reads the rows of the first sheet; every bad row and field is named
/// (`rows[N].field`, N the sheet's row number).
pub(super) fn import(
    bytes: &[u8],
    items: &HashMap<ItemCode, ItemSummary>,
    lookups: &Lookups,
) -> AppResult<Vec<BatchEntry>> {
    use calamine::{Reader, Xlsx};
    let unreadable = || {
        AppError::field(
            "file",
            "xlsx.unreadable",
            "无法读取该文件，请上传 XLSX 格式的表格",
        )
    };
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|_| unreadable())?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(unreadable)?
        .map_err(|_| unreadable())?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| AppError::field("file", "xlsx.empty", "表格是空的"))?
        .iter()
        .map(|c| c.to_string().trim().to_owned())
        .collect();
    let mut col = HashMap::new();
    let mut errs = ValidationErrors::default();
    for (h, field) in COLUMNS {
        // The zh-CN heading, or its English (an export in English).
        let english = tr(Lang::En, h);
        match (header.iter()).position(|x| x == h || x.eq_ignore_ascii_case(&english)) {
            Some(i) => {
                col.insert(field, i);
            }
            None if field == "name" || field == "halls" => {}
            None => errs.push(FieldError::new(
                "file",
                "xlsx.column_missing",
                text!("第1行（表头）缺少“{column}”列", column = h),
            )),
        }
    }
    if !errs.0.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut out: Vec<BatchEntry> = Vec::new();
    let mut seen: HashMap<ItemCode, usize> = HashMap::new();
    for (i, row) in rows.enumerate() {
        let n = i + 2;
        let cell = |f: &str| {
            col.get(f)
                .and_then(|c| row.get(*c))
                .map(|c| c.to_string().trim().to_owned())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.to_string().trim().is_empty()) {
            continue;
        }
        if out.len() >= IMPORT_MAX {
            errs.push(FieldError::new(
                format!("rows[{n}]"),
                "xlsx.too_many",
                text!("第{row}行：一次最多导入{max}行", row = n, max = IMPORT_MAX),
            ));
            break;
        }
        let at = |f: &str| format!("rows[{n}].{f}");
        let label = |f: &str| -> &'static str {
            COLUMNS.iter().find(|(_, x)| *x == f).map_or("", |(h, _)| h)
        };
        let mut bad = |f: &str, code: &'static str, msg: Text| {
            errs.push(FieldError::new(
                at(f),
                code,
                text!(
                    "第{row}行“{column}”：{message}",
                    row = n,
                    column = label(f),
                    message = msg
                ),
            ));
        };
        let code = cell("item");
        if code.is_empty() {
            bad("item", "required", "请填写事项编码".into());
            continue;
        }
        let action = cell("action");
        let remove = match action.as_str() {
            "" | "列入" | "新增" | "变更" => false,
            "移出" => true,
            a if a.eq_ignore_ascii_case(&tr(Lang::En, "列入")) => false,
            a if a.eq_ignore_ascii_case(&tr(Lang::En, "移出")) => true,
            other => {
                bad(
                    "action",
                    "batch.action",
                    text!("“{value}”不是“列入”或“移出”", value = other.to_owned()),
                );
                false
            }
        };
        let mut modes = Vec::new();
        let mode_ids = Mode::ALL.iter().map(|x| (x.label(), x.as_str()));
        for m in split(&by_id(&cell("modes"), mode_ids)) {
            let named = |x: &Mode| {
                x.label() == m || x.as_str() == m || tr(Lang::En, x.label()).eq_ignore_ascii_case(m)
            };
            match Mode::ALL.iter().find(|x| named(x)) {
                Some(x) => modes.push(*x),
                None => bad(
                    "modes",
                    "tongban.mode",
                    text!("没有“{value}”这种通办模式", value = m.to_owned()),
                ),
            }
        }
        let mut levels = Vec::new();
        let level_ids = RegionLevel::ALL.iter().map(|x| (x.label(), x.as_str()));
        for l in split(&by_id(&cell("levels"), level_ids)) {
            let named = |x: &RegionLevel| {
                x.label() == l || x.as_str() == l || tr(Lang::En, x.label()).eq_ignore_ascii_case(l)
            };
            match (RegionLevel::ALL.iter()).find(|x| named(x)) {
                Some(x) => levels.push(*x),
                None => bad(
                    "levels",
                    "tongban.level",
                    text!("没有“{value}”这个层级", value = l.to_owned()),
                ),
            }
        }
        let mut halls = Vec::new();
        for h in split(&cell("halls")) {
            match (lookups.data().halls.iter()).find(|x| x.name == h || x.id.0.to_string() == h) {
                Some(x) => halls.push(x.id),
                None => bad(
                    "halls",
                    "hall.unknown",
                    text!("没有名为“{value}”的服务中心", value = h.to_owned()),
                ),
            }
        }
        let item = ItemCode(code);
        if let Some(first) = seen.insert(item.clone(), n) {
            bad(
                "item",
                "batch.duplicate",
                text!("事项与第{row}行重复", row = first),
            );
            continue;
        }
        let e = if remove {
            BatchEntry {
                item,
                remove,
                modes: vec![],
                levels: vec![],
                halls: vec![],
            }
        } else {
            BatchEntry {
                item,
                remove,
                modes,
                levels,
                halls,
            }
        };
        let mut row_errs = ValidationErrors::default();
        check_entry(items, lookups, &e, &format!("rows[{n}]."), &mut row_errs);
        for f in row_errs.0 {
            let field = f.field.rsplit('.').next().unwrap_or("").to_owned();
            let col = if field == "items" {
                "item"
            } else {
                field.as_str()
            };
            let msg = text!(
                "第{row}行“{column}”：{message}",
                row = n,
                column = label(col),
                message = f.message
            );
            errs.push(FieldError::new(at(col), f.code, msg));
        }
        out.push(e);
    }
    if !errs.0.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if out.is_empty() {
        return Err(AppError::field(
            "file",
            "xlsx.empty",
            "表格里没有任何事项行",
        ));
    }
    Ok(out)
}
