//! The whole city as one XLSX workbook: a sheet per kind — 区划, 部门,
//! 服务中心, 窗口, 人员, 专窗人员 — each with a header row naming its
//! columns (`区划代码(code)`: the key in brackets is what import reads).
//! Import checks every row with the domain's checks (each error names the
//! sheet, the row number and the field) and writes nothing unless every row
//! is good; then the store writes it all in one transaction, by key. New
//! staff accounts start with a generated password, answered once.

use super::{Actor, App, AppError, AppResult, Lookups};
use calamine::{Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Cursor;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::city::{Department, Hall, Region, RegionLevel};
use tongban_domain::city_admin::{
    DepartmentDraft, HallDraft, RegionDraft, StaffDraft, StaffingWarning, WindowDraft,
    check_department, check_hall, check_region, check_staff, check_window, staffing_warnings,
};
use tongban_domain::i18n::{Lang, Text, tr};
use tongban_domain::text;
use tongban_domain::user::Scope;
use tongban_domain::validate::{FieldError, ValidationErrors};
use tongban_domain::{DepartmentId, HallId};
use tongban_store::{CityImport, StaffImport, StoreError};
use utoipa::ToSchema;

/// A sheet: its name, its key in error fields, and its columns (label, key).
struct Sheet {
    name: &'static str,
    key: &'static str,
    columns: &'static [(&'static str, &'static str)],
}

const REGIONS: Sheet = Sheet {
    name: "区划",
    key: "regions",
    columns: &[
        ("区划代码", "code"),
        ("名称", "name"),
        ("层级", "level"),
        ("上级区划代码", "parent"),
        ("本地代码", "local_code"),
        ("已撤销", "retired"),
    ],
};
const DEPARTMENTS: Sheet = Sheet {
    name: "部门",
    key: "departments",
    columns: &[
        ("标识", "key"),
        ("名称", "name"),
        ("类别", "kind"),
        ("区划代码", "region"),
        ("业务系统", "system"),
        ("联系人", "contact"),
        ("联系电话", "phone"),
        ("已撤销", "retired"),
    ],
};
const HALLS: Sheet = Sheet {
    name: "服务中心",
    key: "halls",
    columns: &[
        ("标识", "key"),
        ("名称", "name"),
        ("类型", "kind"),
        ("区划代码", "region"),
        ("试点", "pilot"),
        ("地址", "address"),
        ("办公时间", "opening_hours"),
        ("错时延时时段", "extended_hours"),
        ("周末时段", "weekend_hours"),
        ("24小时自助区", "self_service_24h"),
        ("电话", "phone"),
        ("已撤销", "retired"),
    ],
};
const WINDOWS: Sheet = Sheet {
    name: "窗口",
    key: "windows",
    columns: &[
        ("服务中心标识", "hall"),
        ("窗口号", "number"),
        ("名称", "name"),
        ("全域通办专窗", "tongban"),
        ("人数", "staff"),
        ("电话", "phone"),
        ("联系人", "contact"),
        ("已撤销", "retired"),
    ],
};
const STAFF: Sheet = Sheet {
    name: "人员",
    key: "staff",
    columns: &[
        ("用户名", "username"),
        ("姓名", "display_name"),
        ("角色", "role"),
        ("服务中心标识", "hall"),
        ("部门标识", "department"),
        ("手机", "phone"),
        ("在岗", "active"),
    ],
};
const NAMED: Sheet = Sheet {
    name: "专窗人员",
    key: "named_staff",
    columns: &[
        ("服务中心标识", "hall"),
        ("窗口号", "number"),
        ("用户名", "username"),
    ],
};
const SHEETS: [&Sheet; 6] = [&REGIONS, &DEPARTMENTS, &HALLS, &WINDOWS, &STAFF, &NAMED];

/// A yes/no cell: 是/否 in zh-CN, yes/no (which import reads too) else.
fn yes_no(b: bool, lang: Lang) -> &'static str {
    match (b, lang) {
        (true, Lang::ZhCn) => "是",
        (false, Lang::ZhCn) => "否",
        (true, _) => "yes",
        (false, _) => "no",
    }
}

/// The city as a workbook (platform admins), its sheets and headings in
/// `lang` (import reads either language).
pub async fn export_city(app: &App, actor: &Actor, lang: Lang) -> AppResult<Vec<u8>> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let data = lookups.data();
    let staff = all_staff(app).await?;
    let rows = sheet_rows(
        &super::top_down(&data.regions),
        &data.departments,
        &data.halls,
        &staff,
        lang,
    );
    let bytes =
        write(&rows, lang).map_err(|e| AppError::Internal(format!("city workbook: {e}")))?;
    let e = actor.audit_entry(
        app.now.ms(),
        "export",
        "city.xlsx",
        serde_json::json!({"rows": rows.iter().map(Vec::len).sum::<usize>()}),
    );
    app.store.append_audit(&e).await?;
    Ok(bytes)
}

/// Every staff account, page by page.
async fn all_staff(app: &App) -> AppResult<Vec<tongban_store::StaffRecord>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .staff_page(&tongban_store::StaffFilter {
                after,
                limit: 500,
                ..Default::default()
            })
            .await?;
        let done = page.len() < 500;
        after = page.last().map(|r| r.user.id.0);
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// The cells of each sheet, in [`SHEETS`] order.
fn sheet_rows(
    regions: &[Region],
    departments: &[Department],
    halls: &[Hall],
    staff: &[tongban_store::StaffRecord],
    lang: Lang,
) -> Vec<Vec<Vec<String>>> {
    let yn = |b: bool| yes_no(b, lang).to_owned();
    let hall_key = |id: HallId| halls.iter().find(|h| h.id == id).map(|h| h.key.clone());
    let dept_key = |id: DepartmentId| {
        departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.key.clone())
    };
    let s = |v: &str| v.to_owned();
    let regions = regions
        .iter()
        .map(|r| {
            vec![
                s(r.code.as_str()),
                s(&r.name),
                s(r.level.as_str()),
                r.parent.as_ref().map(|p| s(p.as_str())).unwrap_or_default(),
                yn(r.local_code),
                yn(r.retired),
            ]
        })
        .collect();
    let depts = departments
        .iter()
        .map(|d| {
            vec![
                s(&d.key),
                s(&d.name),
                tr(lang, d.kind.label()).into_owned(),
                s(d.region.as_str()),
                s(d.system.as_str()),
                s(&d.contact),
                s(&d.phone),
                yn(d.retired),
            ]
        })
        .collect();
    let hall_rows = halls
        .iter()
        .map(|h| {
            vec![
                s(&h.key),
                s(&h.name),
                s(h.kind.as_str()),
                s(h.region.as_str()),
                yn(h.pilot),
                s(&h.address),
                s(&h.opening_hours),
                s(&h.extended_hours),
                s(&h.weekend_hours),
                yn(h.self_service_24h),
                s(&h.phone),
                yn(h.retired),
            ]
        })
        .collect();
    let mut windows = Vec::new();
    let mut named = Vec::new();
    for h in halls {
        for w in &h.windows {
            windows.push(vec![
                s(&h.key),
                s(&w.number),
                s(&w.name),
                yn(w.tongban),
                w.staff.to_string(),
                s(&w.phone),
                s(&w.contact),
                yn(w.retired),
            ]);
            for n in &w.named_staff {
                if let Some(u) = staff.iter().find(|r| r.user.id == n.user) {
                    named.push(vec![s(&h.key), s(&w.number), s(&u.user.username)]);
                }
            }
        }
    }
    let people = staff
        .iter()
        .map(|r| {
            let u = &r.user;
            vec![
                s(&u.username),
                s(&u.display_name),
                s(u.role.as_str()),
                u.scope.hall().and_then(hall_key).unwrap_or_default(),
                u.scope.department().and_then(dept_key).unwrap_or_default(),
                r.phone.clone().unwrap_or_default(),
                yn(u.active),
            ]
        })
        .collect();
    vec![regions, depts, hall_rows, windows, people, named]
}

fn write(rows: &[Vec<Vec<String>>], lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for (sheet, rows) in SHEETS.iter().zip(rows) {
        let ws = wb.add_worksheet();
        ws.set_name(tr(lang, sheet.name))?;
        for (c, (label, key)) in sheet.columns.iter().enumerate() {
            let label = tr(lang, label);
            ws.write_string_with_format(0, c as u16, format!("{label}({key})"), &bold)?;
            ws.set_column_width(c as u16, 16)?;
        }
        for (r, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                ws.write_string(r as u32 + 1, c as u16, v)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
    }
    wb.save_to_buffer()
}

/// What an import wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct CityImportReport {
    /// Rows written per sheet (sheet name → rows).
    pub rows: Vec<SheetCount>,
    /// Accounts created, each with the password it starts with (shown
    /// once: hand it over, to be changed).
    pub new_accounts: Vec<super::NewStaff>,
    /// Where city and county halls fall short of the notice's staffing.
    pub warnings: Vec<StaffingWarning>,
}

/// Rows of one sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetCount {
    /// The sheet.
    pub sheet: &'static str,
    /// Rows written.
    pub rows: usize,
}

/// A row as read: its number (as the spreadsheet shows it) and its cells by key.
type Row = (usize, HashMap<&'static str, String>);

/// Reads every sheet; a missing sheet or column is named.
fn read(bytes: &[u8]) -> AppResult<Vec<Vec<Row>>> {
    let bad = |m: Text| AppError::field("file", "city.workbook", m);
    let mut wb: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|_| bad("文件不是可读取的 XLSX 工作簿".into()))?;
    let mut out = Vec::new();
    for sheet in SHEETS {
        let range = wb
            .worksheet_range(sheet.name)
            .or_else(|_| wb.worksheet_range(&tr(Lang::En, sheet.name)))
            .map_err(|_| bad(text!("工作簿缺少“{sheet}”工作表", sheet = sheet.name)))?;
        let mut rows = range.rows();
        let header: Vec<String> = rows
            .next()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        let mut at = Vec::new();
        for (label, key) in sheet.columns {
            let i = header
                .iter()
                .position(|h| h.trim().ends_with(&format!("({key})")) || h.trim() == *label);
            at.push((
                *key,
                i.ok_or_else(|| {
                    bad(text!(
                        "“{sheet}”工作表缺少“{label}({key})”列",
                        sheet = sheet.name,
                        label = *label,
                        key = *key
                    ))
                })?,
            ));
        }
        let rows: Vec<Row> = rows
            .enumerate()
            .filter(|(_, r)| r.iter().any(|c| !c.to_string().trim().is_empty()))
            .map(|(i, r)| {
                let cells = at
                    .iter()
                    .map(|(k, c)| {
                        (
                            *k,
                            r.get(*c)
                                .map(|x| x.to_string().trim().to_owned())
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                (i + 2, cells)
            })
            .collect();
        out.push(rows);
    }
    Ok(out)
}

/// A yes/no cell (是/否, true/false, 1/0; empty is `default`).
fn flag(v: &str, default: bool) -> Option<bool> {
    match v {
        "" => Some(default),
        "是" | "true" | "TRUE" | "True" | "1" | "yes" | "Y" => Some(true),
        "否" | "false" | "FALSE" | "False" | "0" | "no" | "N" => Some(false),
        _ => None,
    }
}

/// Collects a row's errors under the sheet, row and field.
struct Errors {
    all: ValidationErrors,
}

impl Errors {
    fn row(&mut self, sheet: &Sheet, row: usize, e: ValidationErrors) {
        for f in e.0 {
            let label = (sheet.columns.iter())
                .find(|(_, k)| *k == f.field)
                .map_or_else(|| Text::raw(&f.field), |(l, _)| Text::from(*l));
            let message = text!(
                "“{sheet}”第{row}行“{label}”：{message}",
                sheet = sheet.name,
                row = row,
                label = label,
                message = f.message
            );
            self.all.push(FieldError::new(
                format!("{}.{row}.{}", sheet.key, f.field),
                f.code,
                message,
            ));
        }
    }

    fn one(&mut self, sheet: &Sheet, row: usize, field: &str, code: &'static str, message: Text) {
        self.row(
            sheet,
            row,
            ValidationErrors(vec![FieldError::new(field, code, message)]),
        );
    }

    fn flag(
        &mut self,
        sheet: &Sheet,
        row: usize,
        cells: &HashMap<&str, String>,
        key: &str,
        default: bool,
    ) -> bool {
        let v = cells.get(key).map_or("", String::as_str);
        flag(v, default).unwrap_or_else(|| {
            self.one(sheet, row, key, "flag", "应填“是”或“否”".into());
            default
        })
    }
}

/// Imports a city workbook (platform admins): every row checked, nothing
/// written unless all are good, then all of it in one transaction.
pub async fn import_city(app: &App, actor: &Actor, bytes: &[u8]) -> AppResult<CityImportReport> {
    actor.authorize(Action::ManageCity, &Trust::NONE)?;
    let sheets = read(bytes)?;
    let lookups = Lookups::load(app).await?;
    let (mut city, passwords) = check_all(&sheets, lookups.data(), &all_staff(app).await?)?;
    city.at = app.now.ms();
    let done = match app.store.import_city(&city).await {
        Err(StoreError::Conflict(what)) => {
            return Err(AppError::field(
                "file",
                "city.conflict",
                text!("导入与现有数据冲突：{what}", what = what),
            ));
        }
        r => r?,
    };
    let e = actor.audit_entry(
        app.now.ms(),
        "city_changed",
        "city.xlsx",
        serde_json::json!({"rows": done.rows, "new_accounts": done.new_accounts}),
    );
    app.store.append_audit(&e).await?;
    let lookups = Lookups::load(app).await?;
    let mut new_accounts = Vec::new();
    for name in &done.new_accounts {
        if let (Some(p), Some((u, _))) =
            (passwords.get(name), app.store.user_credentials(name).await?)
        {
            new_accounts.push(super::NewStaff {
                id: u.id.0,
                username: name.clone(),
                initial_password: p.clone(),
            });
        }
    }
    Ok(CityImportReport {
        rows: SHEETS
            .iter()
            .zip(done.rows)
            .map(|(s, rows)| SheetCount {
                sheet: s.name,
                rows,
            })
            .collect(),
        new_accounts,
        warnings: staffing_warnings(&lookups.data().halls),
    })
}

/// Every row checked against the city as it is plus the rows before it;
/// the import and the initial passwords of accounts that may be new.
fn check_all(
    sheets: &[Vec<Row>],
    data: &crate::RefData,
    staff: &[tongban_store::StaffRecord],
) -> AppResult<(CityImport, HashMap<String, String>)> {
    let mut errs = Errors {
        all: ValidationErrors::default(),
    };
    let mut city = CityImport::default();
    let get = |c: &HashMap<&str, String>, k: &str| c.get(k).cloned().unwrap_or_default();
    // Regions, parents first (by level), each checked against those known.
    let mut regions: Vec<Region> = data.regions.clone();
    let mut rows: Vec<&Row> = sheets[0].iter().collect();
    rows.sort_by_key(|(_, c)| {
        RegionLevel::parse(c.get("level").map_or("", String::as_str)).map_or(9, |l| l as u8)
    });
    for (row, c) in rows {
        let d = RegionDraft {
            code: get(c, "code"),
            name: get(c, "name"),
            level: get(c, "level"),
            parent: Some(get(c, "parent")).filter(|p| !p.is_empty()),
            local_code: errs.flag(&REGIONS, *row, c, "local_code", false),
            retired: errs.flag(&REGIONS, *row, c, "retired", false),
        };
        match check_region(&d, &regions) {
            Ok(r) => {
                regions.retain(|x| x.code != r.code);
                regions.push(r.clone());
                city.regions.push(r);
            }
            Err(e) => errs.row(&REGIONS, *row, e),
        }
    }
    // Departments and halls, against the regions; their keys for the sheets after.
    let mut departments: Vec<Department> = data.departments.clone();
    for (row, c) in &sheets[1] {
        let d = DepartmentDraft {
            key: get(c, "key"),
            name: get(c, "name"),
            kind: get(c, "kind"),
            region: get(c, "region"),
            system: get(c, "system"),
            contact: get(c, "contact"),
            phone: get(c, "phone"),
        };
        let retired = errs.flag(&DEPARTMENTS, *row, c, "retired", false);
        match check_department(&d, &regions) {
            Ok(x) => {
                let id = (departments.iter())
                    .find(|y| y.key == x.key)
                    .map_or(DepartmentId(-(*row as i64)), |y| y.id);
                departments.retain(|y| y.key != x.key);
                departments.push(Department {
                    id,
                    key: x.key.clone(),
                    name: x.name.clone(),
                    kind: x.kind,
                    region: x.region.clone(),
                    system: x.system,
                    contact: x.contact.clone(),
                    phone: x.phone.clone(),
                    retired,
                });
                city.departments.push((x, retired));
            }
            Err(e) => errs.row(&DEPARTMENTS, *row, e),
        }
    }
    let mut halls: Vec<Hall> = data.halls.clone();
    for (row, c) in &sheets[2] {
        let d = HallDraft {
            key: get(c, "key"),
            name: get(c, "name"),
            kind: get(c, "kind"),
            region: get(c, "region"),
            pilot: errs.flag(&HALLS, *row, c, "pilot", false),
            address: get(c, "address"),
            opening_hours: get(c, "opening_hours"),
            extended_hours: get(c, "extended_hours"),
            weekend_hours: get(c, "weekend_hours"),
            self_service_24h: errs.flag(&HALLS, *row, c, "self_service_24h", false),
            phone: get(c, "phone"),
        };
        let retired = errs.flag(&HALLS, *row, c, "retired", false);
        match check_hall(&d, &regions) {
            Ok(h) => {
                let id = (halls.iter())
                    .find(|y| y.key == h.key)
                    .map_or(HallId(-(*row as i64)), |y| y.id);
                let level = regions
                    .iter()
                    .find(|r| r.code == h.region)
                    .map_or(RegionLevel::City, |r| r.level);
                halls.retain(|y| y.key != h.key);
                halls.push(Hall {
                    id,
                    key: h.key.clone(),
                    name: h.name.clone(),
                    kind: h.kind,
                    region: h.region.clone(),
                    level,
                    pilot: h.pilot,
                    address: h.address.clone(),
                    opening_hours: h.opening_hours.clone(),
                    phone: h.phone.clone(),
                    windows: vec![],
                    extended_hours: h.extended_hours.clone(),
                    weekend_hours: h.weekend_hours.clone(),
                    self_service_24h: h.self_service_24h,
                    retired,
                });
                city.halls.push((h, retired));
            }
            Err(e) => errs.row(&HALLS, *row, e),
        }
    }
    for (row, c) in &sheets[3] {
        let hall = get(c, "hall");
        if !halls.iter().any(|h| h.key == hall) {
            errs.one(
                &WINDOWS,
                *row,
                "hall",
                "hall.unknown",
                text!("服务中心 {hall} 不存在", hall = hall.to_owned()),
            );
        }
        let staff = get(c, "staff");
        let d = WindowDraft {
            number: get(c, "number"),
            name: get(c, "name"),
            tongban: errs.flag(&WINDOWS, *row, c, "tongban", false),
            staff: if staff.is_empty() {
                0
            } else {
                staff.parse().unwrap_or(-1)
            },
            phone: get(c, "phone"),
            contact: get(c, "contact"),
        };
        let retired = errs.flag(&WINDOWS, *row, c, "retired", false);
        match check_window(&d) {
            Ok(w) => city.windows.push((hall, w, retired)),
            Err(e) => errs.row(&WINDOWS, *row, e),
        }
    }
    let passwords = check_staff_rows(
        &sheets[4],
        &sheets[5],
        &halls,
        &departments,
        staff,
        &mut errs,
        &mut city,
    );
    errs.all.into_result(())?;
    Ok((city, passwords))
}

/// The staff and named-staff sheets: each account checked where it is
/// placed (by hall or department key), each named staff an account of the
/// sheet or on record at that hall.
fn check_staff_rows(
    people: &[Row],
    named: &[Row],
    halls: &[Hall],
    departments: &[Department],
    existing: &[tongban_store::StaffRecord],
    errs: &mut Errors,
    city: &mut CityImport,
) -> HashMap<String, String> {
    let get = |c: &HashMap<&str, String>, k: &str| c.get(k).cloned().unwrap_or_default();
    let mut passwords = HashMap::new();
    for (row, c) in people {
        let (hall, dept) = (get(c, "hall"), get(c, "department"));
        let hall_id = (!hall.is_empty()).then(|| {
            halls
                .iter()
                .find(|h| h.key == hall)
                .map_or(i64::MIN, |h| h.id.0)
        });
        let dept_id = (!dept.is_empty()).then(|| {
            departments
                .iter()
                .find(|d| d.key == dept)
                .map_or(i64::MIN, |d| d.id.0)
        });
        let d = StaffDraft {
            username: get(c, "username"),
            display_name: get(c, "display_name"),
            role: get(c, "role"),
            hall: hall_id,
            department: dept_id,
            phone: Some(get(c, "phone")),
            active: errs.flag(&STAFF, *row, c, "active", true),
        };
        match check_staff(&d, halls, departments) {
            Ok(s) => {
                let password = crate::codes::random_chars(12);
                let known = existing.iter().any(|r| r.user.username == s.username);
                city.staff.push(StaffImport {
                    username: s.username.clone(),
                    display_name: s.display_name,
                    role: s.role,
                    hall: matches!(s.scope, Scope::Hall(_)).then(|| hall.clone()),
                    department: matches!(s.scope, Scope::Department(_)).then(|| dept.clone()),
                    phone: s.phone,
                    active: s.active,
                    // Hashing is slow on purpose: only accounts that may be new pay for it.
                    password_hash: if known {
                        String::new()
                    } else {
                        crate::users::hash_password(&password)
                    },
                });
                if !known {
                    passwords.insert(s.username, password);
                }
            }
            Err(e) => errs.row(&STAFF, *row, e),
        }
    }
    for (row, c) in named {
        let (hall, number, username) = (get(c, "hall"), get(c, "number"), get(c, "username"));
        let window_known = city
            .windows
            .iter()
            .any(|(h, w, _)| *h == hall && w.number == number.to_uppercase());
        if !window_known {
            errs.one(
                &NAMED,
                *row,
                "number",
                "window.unknown",
                text!(
                    "“窗口”表中没有 {hall} 的 {number} 号窗口",
                    hall = hall.to_owned(),
                    number = number.to_owned()
                ),
            );
        }
        let placed = city
            .staff
            .iter()
            .find(|s| s.username == username)
            .map(|s| s.hall.as_deref() == Some(hall.as_str()));
        let on_record = existing.iter().any(|r| {
            r.user.username == username
                && halls
                    .iter()
                    .any(|h| h.key == hall && r.user.scope == Scope::Hall(h.id))
        });
        if !placed.unwrap_or(on_record) {
            errs.one(
                &NAMED,
                *row,
                "username",
                "window.staff",
                text!(
                    "{username} 不是 {hall} 的窗口人员",
                    username = username.to_owned(),
                    hall = hall.to_owned()
                ),
            );
        }
        city.window_staff
            .push((hall, number.to_uppercase(), username));
    }
    passwords
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_chinese_and_english() {
        assert_eq!(flag("是", false), Some(true));
        assert_eq!(flag("", true), Some(true));
        assert_eq!(flag("0", true), Some(false));
        assert_eq!(flag("也许", true), None);
    }

    #[test]
    fn every_sheet_has_distinct_keys() {
        for s in SHEETS {
            let mut keys: Vec<_> = s.columns.iter().map(|(_, k)| *k).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), s.columns.len(), "{}", s.name);
        }
    }
}
