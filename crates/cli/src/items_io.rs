//! Catalogue import and export in CSV and XLSX, one item per row. The column
//! layout is documented in `docs/items-columns.md`. An import with any bad
//! row imports nothing and reports every bad row and column.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use tongban_domain::ItemCode;
use tongban_domain::catalogue::{
    ItemContent, ItemType, Jurisdiction, LimitsSource, MaterialForm, MaterialSpec, ResultType,
    implementing_departments,
};
use tongban_domain::city::{DepartmentKind, RegionLevel};
use tongban_domain::guide::GuideMap;
use tongban_store::{Publication, Store};

/// The columns, in order.
pub const COLUMNS: &[&str] = &[
    "code",
    "name",
    "department_kind",
    "item_type",
    "level",
    "jurisdiction",
    "legal_basis",
    "conditions",
    "legal_days",
    "promised_days",
    "instant",
    "fee",
    "online_stars",
    "max_visits",
    "result_type",
    "result_name",
    "keywords",
    "steps",
    "limits_source",
    "note",
    "materials",
    "guide",
    "aliases",
];

const LIST_SEP: char = '；';

type AnyResult<T> = Result<T, Box<dyn std::error::Error>>;

fn is_xlsx(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// Reads the rows of a CSV or XLSX file as header → cell maps.
fn read_rows(path: &Path) -> AnyResult<Vec<HashMap<String, String>>> {
    let mut table: Vec<Vec<String>> = Vec::new();
    if is_xlsx(path) {
        use calamine::{Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(path)?;
        let range = wb.worksheet_range_at(0).ok_or("XLSX 文件没有工作表")??;
        for row in range.rows() {
            table.push(row.iter().map(|c| c.to_string()).collect());
        }
    } else {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(path)?;
        for rec in rdr.records() {
            table.push(rec?.iter().map(str::to_owned).collect());
        }
    }
    let mut it = table.into_iter();
    let header: Vec<String> = it
        .next()
        .ok_or("文件为空")?
        .into_iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "guide" | "aliases" | "note" | "keywords" | "steps"))
        .filter(|c| !header.iter().any(|h| h == *c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(format!("表头缺少列：{}", missing.join("、")).into());
    }
    Ok(it
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.into_iter().chain(std::iter::repeat(String::new())))
                .collect()
        })
        .collect())
}

fn split_list(s: &str) -> Vec<String> {
    s.split([LIST_SEP, ';', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "是" | "true" | "TRUE" | "True" | "1" | "yes" => Some(true),
        "否" | "false" | "FALSE" | "False" | "0" | "no" | "" => Some(false),
        _ => None,
    }
}

/// `key|名称|形式|份数|必需/情形|电子证照|要点1；要点2`, one material per line.
fn parse_materials(s: &str) -> Result<Vec<MaterialSpec>, String> {
    let mut out = Vec::new();
    for (i, line) in s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let f: Vec<&str> = line.split('|').map(str::trim).collect();
        if f.len() != 7 {
            return Err(format!(
                "第{}项材料应有7段（标识|名称|形式|份数|必需/情形|电子证照|审查要点），实有{}段",
                i + 1,
                f.len()
            ));
        }
        let form = MaterialForm::parse(f[2]).ok_or_else(|| {
            format!(
                "第{}项材料的形式“{}”应为原件、复印件或原件及复印件",
                i + 1,
                f[2]
            )
        })?;
        let copies = f[3]
            .parse()
            .map_err(|_| format!("第{}项材料的份数“{}”应为整数", i + 1, f[3]))?;
        let required = match f[4] {
            "必需" | "required" => true,
            "情形" | "situation" => false,
            other => {
                return Err(format!(
                    "第{}项材料的提交要求“{other}”应为“必需”或“情形”",
                    i + 1
                ));
            }
        };
        out.push(MaterialSpec {
            key: f[0].to_owned(),
            name: f[1].to_owned(),
            form,
            copies,
            required,
            license: (!f[5].is_empty()).then(|| f[5].to_owned()),
            review_points: split_list(f[6]),
        });
    }
    Ok(out)
}

fn format_materials(m: &[MaterialSpec]) -> String {
    m.iter()
        .map(|m| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}",
                m.key,
                m.name,
                m.form.label(),
                m.copies,
                if m.required { "必需" } else { "情形" },
                m.license.as_deref().unwrap_or(""),
                m.review_points.join("；")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One bad cell: row number as the spreadsheet shows it, column, message.
fn cell_error(row: usize, col: &str, msg: &str) -> String {
    format!("第{row}行，列“{col}”：{msg}")
}

/// Parses one row. Every bad cell is reported: cells that do not parse,
/// then the domain's checks on the rest (with placeholders for the cells
/// that failed, whose further complaints are dropped).
fn parse_row(
    row_no: usize,
    r: &HashMap<String, String>,
    existing_guide: Option<&GuideMap>,
    errors: &mut Vec<String>,
) -> Option<(ItemContent, Option<Vec<String>>)> {
    let get = |c: &str| r.get(c).map(|s| s.trim()).unwrap_or("");
    let mut failed: Vec<(&str, String)> = Vec::new();
    fn need<T>(
        failed: &mut Vec<(&'static str, String)>,
        col: &'static str,
        v: Option<T>,
        msg: String,
    ) -> Option<T> {
        if v.is_none() {
            failed.push((col, msg));
        }
        v
    }
    fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
        s.trim().trim_end_matches(".0").parse().ok()
    }
    let kind = need(
        &mut failed,
        "department_kind",
        DepartmentKind::parse(get("department_kind")),
        format!("未知的部门类别“{}”", get("department_kind")),
    );
    let item_type = need(
        &mut failed,
        "item_type",
        ItemType::parse(get("item_type")),
        format!("未知的事项类型“{}”", get("item_type")),
    );
    let level = RegionLevel::parse(get("level")).or(match get("level") {
        "市级" => Some(RegionLevel::City),
        "县级" | "县（区）级" => Some(RegionLevel::County),
        _ => None,
    });
    let level = need(
        &mut failed,
        "level",
        level,
        format!("实施层级“{}”应为 city/市级 或 county/县级", get("level")),
    );
    let jurisdiction = need(
        &mut failed,
        "jurisdiction",
        Jurisdiction::parse(get("jurisdiction")),
        format!("未知的管辖依据“{}”", get("jurisdiction")),
    );
    let result_type = need(
        &mut failed,
        "result_type",
        ResultType::parse(get("result_type")),
        format!("未知的结果类型“{}”", get("result_type")),
    );
    let limits_source = match get("limits_source") {
        "" => Some(LimitsSource::Inferred),
        s => LimitsSource::parse(s),
    };
    let limits_source = need(
        &mut failed,
        "limits_source",
        limits_source,
        "应为 found 或 inferred".into(),
    );
    let nonneg = |c: &str, what: &str| format!("{what}应为非负整数，当前为“{}”", get(c));
    let legal_days = need(
        &mut failed,
        "legal_days",
        num::<u32>(get("legal_days")),
        nonneg("legal_days", "法定时限"),
    );
    let promised_days = need(
        &mut failed,
        "promised_days",
        num::<u32>(get("promised_days")),
        nonneg("promised_days", "承诺时限"),
    );
    let online_stars = need(
        &mut failed,
        "online_stars",
        num::<u8>(get("online_stars")),
        nonneg("online_stars", "网上办理深度"),
    );
    let max_visits = need(
        &mut failed,
        "max_visits",
        num::<u8>(get("max_visits")),
        nonneg("max_visits", "最多跑动次数"),
    );
    let instant = need(
        &mut failed,
        "instant",
        parse_bool(get("instant")),
        "应为“是”或“否”".into(),
    );
    let materials = parse_materials(get("materials"));
    let materials = need(
        &mut failed,
        "materials",
        materials.as_ref().ok().cloned(),
        materials.err().unwrap_or_default(),
    );
    let guide = match get("guide") {
        "" => Ok(existing_guide
            .cloned()
            .unwrap_or_else(|| GuideMap::single("一般情形"))),
        s => serde_json::from_str::<GuideMap>(s).map_err(|e| format!("审批导图应为 JSON：{e}")),
    };
    let guide = need(
        &mut failed,
        "guide",
        guide.as_ref().ok().cloned(),
        guide.err().unwrap_or_default(),
    );
    let content = ItemContent {
        code: ItemCode(get("code").to_owned()),
        name: get("name").to_owned(),
        department_kind: kind.unwrap_or(DepartmentKind::Police),
        item_type: item_type.unwrap_or(ItemType::PublicService),
        level: level.unwrap_or(RegionLevel::City),
        jurisdiction: jurisdiction.unwrap_or(Jurisdiction::CityWide),
        legal_basis: get("legal_basis").to_owned(),
        conditions: get("conditions").to_owned(),
        legal_days: legal_days.unwrap_or(0),
        promised_days: promised_days.unwrap_or(1),
        instant: instant.unwrap_or(false),
        fee: get("fee").to_owned(),
        online_stars: online_stars.unwrap_or(3),
        max_visits: max_visits.unwrap_or(0),
        result_type: result_type.unwrap_or(ResultType::ResultNotice),
        result_name: get("result_name").to_owned(),
        keywords: split_list(get("keywords")),
        steps: split_list(get("steps")),
        limits_source: limits_source.unwrap_or(LimitsSource::Inferred),
        note: get("note").to_owned(),
        materials: materials.unwrap_or_default(),
        guide: guide.unwrap_or_default(),
    };
    let mut bad: Vec<(String, String)> = failed
        .iter()
        .map(|(c, m)| (c.to_string(), m.clone()))
        .collect();
    if let Err(v) = content.validate() {
        for e in v.0 {
            let col = e.field.split(['.', '[']).next().unwrap_or("").to_owned();
            // A placeholder stands where a cell failed: its complaints are noise.
            let col = if col == "guide" && failed.iter().any(|(c, _)| *c == "materials") {
                "materials".into()
            } else {
                col
            };
            if !failed.iter().any(|(c, _)| *c == col)
                && !bad.iter().any(|(c, m)| *c == col && e.message == *m)
            {
                bad.push((col, e.message.to_string()));
            }
        }
    }
    if !bad.is_empty() {
        errors.extend(bad.iter().map(|(c, m)| cell_error(row_no, c, m)));
        return None;
    }
    let aliases = match get("aliases") {
        "" => None,
        s => Some(split_list(s)),
    };
    Some((content, aliases))
}

/// Imports a file: `Ok(Ok((rows, new_versions)))`, or `Ok(Err(every problem))`
/// when any row is bad (then nothing is written).
pub async fn import(
    store: &dyn Store,
    path: &Path,
) -> AnyResult<Result<(usize, usize), Vec<String>>> {
    let rows = read_rows(path)?;
    let existing: HashMap<String, GuideMap> = store
        .items()
        .await?
        .into_iter()
        .map(|v| (v.content.code.0, v.content.guide))
        .collect();
    let departments = store.departments().await?;
    let regions: HashMap<String, RegionLevel> = store
        .regions()
        .await?
        .into_iter()
        .map(|r| (r.code.0, r.level))
        .collect();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let mut pubs = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let row_no = i + 2;
        let code = r.get("code").map(|s| s.trim()).unwrap_or("");
        if !code.is_empty() && !seen.insert(code.to_owned()) {
            errors.push(cell_error(
                row_no,
                "code",
                &format!("事项编码“{code}”在文件中重复"),
            ));
            continue;
        }
        if let Some((content, aliases)) = parse_row(row_no, r, existing.get(code), &mut errors) {
            let implementations = implementing_departments(&content, &departments, |c| {
                regions.get(c.as_str()).copied()
            });
            pubs.push(Publication {
                content,
                aliases,
                implementations,
            });
        }
    }
    if rows.is_empty() {
        errors.push("文件中没有数据行".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let written = store.publish_items(&pubs, tongban_store::now_ms()).await?;
    Ok(Ok((pubs.len(), written)))
}

/// Exports every item's current version; returns how many.
pub async fn export(store: &dyn Store, path: &Path) -> AnyResult<usize> {
    let items = store.items().await?;
    let mut table: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| c.to_string()).collect()];
    for v in &items {
        let c = &v.content;
        let aliases = store.aliases(&c.code).await?;
        table.push(vec![
            c.code.0.clone(),
            c.name.clone(),
            c.department_kind.as_str().into(),
            c.item_type.as_str().into(),
            c.level.as_str().into(),
            c.jurisdiction.as_str().into(),
            c.legal_basis.clone(),
            c.conditions.clone(),
            c.legal_days.to_string(),
            c.promised_days.to_string(),
            if c.instant { "是" } else { "否" }.into(),
            c.fee.clone(),
            c.online_stars.to_string(),
            c.max_visits.to_string(),
            c.result_type.as_str().into(),
            c.result_name.clone(),
            c.keywords.join("；"),
            c.steps.join("；"),
            c.limits_source.as_str().into(),
            c.note.clone(),
            format_materials(&c.materials),
            serde_json::to_string(&c.guide)?,
            aliases.join("；"),
        ]);
    }
    if is_xlsx(path) {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("事项")?;
        for (r, row) in table.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(u32::try_from(r)?, u16::try_from(c)?, cell)?;
            }
        }
        wb.save(path)?;
    } else {
        let mut w = csv::Writer::from_path(path)?;
        for row in &table {
            w.write_record(row)?;
        }
        w.flush()?;
    }
    Ok(items.len())
}
