//! The workbenches: the window's new-case wizard and case handling, the
//! department's inbox (overdue and nearest deadlines first), and the
//! applicant's own cases. They call the same functions as the API.

use super::{CsrfForm, PageResult, SignedPage, login_redirect, page};
use crate::AppState;
use crate::api::cases::{ActionBody, CaseCreate, CaseView, MaterialProblem, take_step};
use crate::auth::{Ctx, Signed, random_token};
use crate::extract::{Params, percent_encode};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect};
use minijinja::value::Serde;
use minijinja::{Value, context};
use std::collections::HashMap;
use tongban_app::cases::IntakeQuery;
use tongban_domain::guide::Answers;
use tongban_domain::intake::ApplicantInput;

/// The workbench home: the caller's cases.
pub async fn home(State(state): State<AppState>, ctx: SignedPage, p: Params) -> PageResult {
    let overdue = p.get("overdue") == Some("1");
    let day = |k: &str| {
        p.get(k).and_then(|v| {
            time::Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")).ok()
        })
    };
    let wq = tongban_app::cases::WorkbenchQuery {
        overdue,
        status: p
            .get("status")
            .and_then(tongban_domain::case::Status::parse),
        item: p.get("item").filter(|v| !v.is_empty()).map(str::to_owned),
        hall: p.get("hall").and_then(|v| v.parse().ok()),
        from: day("from"),
        to: day("to"),
    };
    let wb = tongban_app::cases::workbench(&state.app(), ctx.actor(), 50, p.get("cursor"), &wq)
        .await
        .map_err(|e| ctx.fail(e))?;
    // A search shows what it found in place of the list.
    let (search, search_error) = match p.get("q").map(|q| q.trim()).filter(|q| !q.is_empty()) {
        None => (None, None),
        Some(q) => match tongban_app::cases::search_cases(&state.app(), ctx.actor(), q).await {
            Ok(found) => (Some(found.iter().map(row).collect::<Vec<_>>()), None),
            Err(tongban_app::AppError::Invalid(e)) => {
                (None, e.0.first().map(|f| f.message.render(ctx.lang)))
            }
            Err(e) => return Err(ctx.fail(e).into()),
        },
    };
    // The filters ride along with the cursor of the next page.
    let keep: String = ["overdue", "status", "item", "hall", "from", "to"]
        .iter()
        .filter_map(|k| {
            p.get(k)
                .filter(|v| !v.is_empty())
                .map(|v| format!("&{k}={}", crate::extract::percent_encode(v)))
        })
        .collect();
    // Applicants see what changed on their cases, reviewers the cases that
    // arrived; seeing them marks them read.
    let inbox = Some(crate::api::notifications::inbox(&state, &ctx, true).await?);
    let on_duty = tongban_app::cases::arrivals::on_duty(&state.app(), &ctx.signed()?)
        .await
        .map_err(|e| ctx.fail(e))?;
    let values = context! {
        title => crate::lang::t(wb.heading), cases => wb.cases.iter().map(row).collect::<Vec<_>>(),
        inbox => inbox.map(|i| Value::from(Serde(i))), first => p.get("cursor").is_none(), overdue, keep, on_duty,
        search, search_error, q => p.get("q").map(|q| q.trim()).unwrap_or(""),
        ..Value::from(Serde(&wb))
    };
    page(&state, &ctx, "work.html", "/work", "work", values)
}

fn row(c: &CaseView) -> Value {
    context! {
        case_no => &c.case_no, item_name => &c.item_name, applicant_name => c.applicant.name(),
        mode_label => c.mode.label(), status => c.status.as_str(), status_label => &c.status_label, deadline => &c.deadline,
        working_days_left => c.working_days_left, overdue => c.overdue, paused => c.paused,
        closed_on => &c.closed_on, on_time => c.on_time,
        received_on => c.created_at.get(..10), hall_name => c.hall.as_ref().map(|h| h.name.clone()),
        version => c.version,
    }
}

/// Takes one step on the cases ticked in the inbox, each on its own, and
/// says how each went.
pub async fn bulk(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let picks: Vec<(String, i64)> = form
        .iter()
        .filter(|(k, _)| k == "case")
        .filter_map(|(_, v)| {
            let (no, version) = v.split_once(':')?;
            Some((no.to_owned(), version.parse().ok()?))
        })
        .collect();
    let step = form
        .iter()
        .find(|(k, _)| k == "step")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    let actor = ctx.actor();
    let done = tongban_app::cases::bulk_step(&state.app(), actor, step, &picks).await;
    let (results, error) = match done {
        Ok(each) => {
            let mut rows = Vec::new();
            for (case_no, r) in each {
                let (ok, message) = match r {
                    Ok(_) => (true, crate::lang::t("已完成")),
                    Err(e) => {
                        let mut e = ctx.fail(e);
                        crate::audit::keep(&state, &mut e).await;
                        (false, e.message_in(ctx.lang))
                    }
                };
                rows.push(context! { case_no, ok, message });
            }
            (rows, None)
        }
        Err(e) => (vec![], Some(ctx.fail(e).message_in(ctx.lang))),
    };
    let label = tongban_domain::case::Action::parse(step).map(|s| s.label());
    let values = context! {
        title => crate::lang::t("批量办理"), label, error,
        ok => results.iter().filter(|r| r.get_attr("ok").is_ok_and(|v| v.is_true())).count(),
        results,
    };
    page(&state, &ctx, "bulk.html", "/work", "work", values)
}

fn answers_of(p: &HashMap<String, String>) -> Answers {
    p.iter()
        .filter_map(|(k, v)| k.strip_prefix("a.").map(|q| (q.to_owned(), v.clone())))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The new-case wizard: find an item, answer its questionnaire, check the
/// materials, enter the applicant, choose the mode.
pub async fn new_form(State(state): State<AppState>, ctx: SignedPage, p: Params) -> PageResult {
    render_new(&state, &ctx, &p.0, None, HashMap::new(), StatusCode::OK).await
}

async fn render_new(
    state: &AppState,
    ctx: &Ctx,
    p: &HashMap<String, String>,
    error: Option<String>,
    field_errors: HashMap<String, String>,
    status: StatusCode,
) -> PageResult {
    let query = IntakeQuery {
        q: p.get("q").cloned().unwrap_or_default(),
        item: p.get("item").cloned(),
        answers: answers_of(p),
        go: p.contains_key("go"),
        ask: p.contains_key("ask"),
        entered: p.contains_key("name"),
        id_number: opt(p, "id_number"),
        household: opt(p, "household_region"),
    };
    let desk = tongban_app::cases::intake_desk(&state.app(), &ctx.signed()?, &query)
        .await
        .map_err(|e| ctx.fail(e))?;
    // A real-name account's details filled the form: a view of personal data.
    if let Some(masked) = &desk.prefilled_from {
        let e = crate::audit::entry(
            ctx,
            state.now.ms(),
            "pii_view",
            &format!("applicant:{masked}"),
            serde_json::json!({"prefill": "new_case"}),
        );
        crate::audit::record(state, e).await;
    }
    let values = context! {
        title => crate::lang::t("新办件"), q => query.q.trim(), answers => query.answers, error,
        values => applicant_values(p, &desk.own, &field_errors),
        delivery => delivery_form(p, &field_errors),
        idem => p.get("idem").cloned().unwrap_or_else(random_token),
        form => context! { mode => p.get("mode").cloned(), kind => p.get("kind").cloned() },
        chip => chip_of(p).map(|c| context! { device => c.device, name => c.name, id_number => c.id_number, photo => c.photo }),
        ..Value::from(Serde(&desk))
    };
    let mut res = page(state, ctx, "work_new.html", "/work/new", "work", values)?;
    *res.status_mut() = status;
    Ok(res)
}

/// The applicant's fields as entered (or the applicant's own details), each
/// with its error: name → {value, error}.
fn applicant_values(
    p: &HashMap<String, String>,
    own: &std::collections::BTreeMap<&'static str, String>,
    errors: &HashMap<String, String>,
) -> Value {
    let error_of = |name: &str| {
        errors
            .get(&format!("applicant.{name}"))
            .or(errors.get(name))
            .or(name
                .strip_prefix("agent_")
                .and_then(|k| errors.get(&format!("agent.{k}"))))
            .cloned()
    };
    #[derive(serde::Serialize)]
    struct Entered {
        value: String,
        error: Option<String>,
    }
    let values: std::collections::BTreeMap<&str, Entered> =
        tongban_app::cases::ApplicantForm::all()
            .map(|f| {
                let value = p
                    .get(f.name)
                    .or(own.get(f.name))
                    .cloned()
                    .unwrap_or_default();
                (
                    f.name,
                    Entered {
                        value,
                        error: error_of(f.name),
                    },
                )
            })
            .collect();
    Value::from(Serde(&values))
}

/// The delivery choice as entered, with its errors.
fn delivery_form(p: &HashMap<String, String>, errors: &HashMap<String, String>) -> Value {
    let get = |k: &str| p.get(k).cloned();
    context! {
        method => get("delivery_method").unwrap_or_else(|| "electronic".into()),
        address => get("delivery_address").unwrap_or_default(),
        hall => get("delivery_hall").unwrap_or_default(),
        method_error => errors.get("delivery.method").cloned(),
        address_error => errors.get("delivery.address").cloned(),
        hall_error => errors.get("delivery.hall").cloned(),
    }
}

fn opt(p: &HashMap<String, String>, k: &str) -> Option<String> {
    p.get(k)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// Creates the case from the wizard (a 受审分离 case is submitted at once).
pub async fn create(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(p): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let actor = ctx.actor();
    let (app, cmd) = (state.app(), case_create(&p));
    match tongban_app::cases::open_from_wizard(&app, actor, cmd, opt(&p, "idem")).await {
        Ok(case_no) => Ok(Redirect::to(&format!("/work/cases/{case_no}")).into_response()),
        // What the clerk can put right (a field, a missing right) is
        // explained on the wizard itself.
        Err(e) if e.correctable() => {
            let mut e = ctx.fail(e);
            crate::audit::keep(&state, &mut e).await;
            let status = match e.status {
                StatusCode::FORBIDDEN => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let fields = e.fields_in(ctx.lang).into_iter().collect();
            render_new(
                &state,
                &ctx,
                &p,
                Some(e.message_in(ctx.lang)),
                fields,
                status,
            )
            .await
        }
        Err(e) => Err(ctx.fail(e).into()),
    }
}

/// What the window's ID-card reader read, as the wizard's hidden fields
/// carry it (`chip_*`).
fn chip_of(p: &HashMap<String, String>) -> Option<tongban_app::cases::IdentityRead> {
    Some(tongban_app::cases::IdentityRead {
        device: opt(p, "chip_device")?,
        name: opt(p, "chip_name").unwrap_or_default(),
        id_number: opt(p, "chip_id_number").unwrap_or_default(),
        photo: opt(p, "chip_photo"),
    })
}

/// A reviewer goes on duty or off (`on_duty=on` or absent).
pub async fn duty(
    State(state): State<AppState>,
    ctx: SignedPage,
    CsrfForm(p): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let on = p.get("on_duty").is_some_and(|v| v == "on");
    tongban_app::cases::arrivals::set_on_duty(&state.app(), ctx.actor(), on)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Redirect::to("/work").into_response())
}

/// The new case the wizard's form describes.
fn case_create(p: &HashMap<String, String>) -> CaseCreate {
    let get = |k: &str| p.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let applicant = if get("kind") == "company" {
        ApplicantInput::Company {
            name: get("name"),
            uscc: get("uscc"),
            registered_region: get("registered_region"),
            legal_representative: get("legal_representative"),
            phone: get("phone"),
            address: get("address"),
        }
    } else {
        ApplicantInput::Person {
            name: get("name"),
            id_number: get("id_number"),
            phone: get("phone"),
            household_region: get("household_region"),
            residence_region: opt(p, "residence_region"),
            address: get("address"),
        }
    };
    CaseCreate {
        item: get("item"),
        mode: get("mode"),
        hall: None,
        applicant,
        answers: answers_of(p),
        property_region: opt(p, "property_region"),
        agent: opt(p, "agent_name").map(|name| tongban_domain::intake::AgentInput {
            name,
            id_number: get("agent_id_number"),
            phone: get("agent_phone"),
        }),
        // 帮办代办: the form asks a helper's consent only for an online application.
        consent: opt(p, "consent_method")
            .filter(|_| get("mode") == "online")
            .map(|method| crate::api::cases::Consent {
                method,
                note: opt(p, "consent_note"),
            }),
        delivery: opt(p, "delivery_method").map(|method| crate::api::cases::DeliveryInput {
            method,
            address: opt(p, "delivery_address"),
            hall: opt(p, "delivery_hall").and_then(|h| h.parse().ok()),
        }),
        identity_read: chip_of(p).filter(|_| get("kind") != "company"),
    }
}

async fn render_case(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let actor = ctx.signed()?;
    let desk = tongban_app::cases::case_desk(&state.app(), &actor, case_no)
        .await
        .map_err(|e| ctx.fail(e))?;
    if desk.pii_view {
        crate::api::cases::record_pii_view(state, ctx, &desk.record.case_no).await;
    }
    let path = format!("/work/cases/{case_no}");
    let rate = match desk.may_rate {
        true => super::rate_form(state, &desk.record, &format!("{path}/evaluation"), "").await?,
        false => None,
    };
    let title =
        tongban_domain::text!("办件 {case_no}", case_no = case_no.to_owned()).render(ctx.lang);
    let values = context! { title, error, rate, idem => random_token(), ..Value::from(minijinja::value::Serde(&desk)) };
    let mut res = page(state, ctx, "work_case.html", &path, "work", values)?;
    *res.status_mut() = status;
    Ok(res)
}

/// A case with its timeline and the steps the caller may take.
pub async fn case_page(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(case_no): Path<String>,
) -> PageResult {
    render_case(&state, &ctx, &case_no, None, StatusCode::OK).await
}

/// Takes a step from the case page.
pub async fn case_action(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path((case_no, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    // Ticked checklist entries repeat a name; every other field is single.
    let p: HashMap<String, String> = form.iter().cloned().collect();
    let version = p.get("version").and_then(|v| v.parse().ok()).unwrap_or(-1);
    let materials = notice_of(&form);
    let body = ActionBody {
        version,
        reason: opt(&p, "reason"),
        approved: opt(&p, "approved").map(|v| v == "true"),
        materials,
        expected_days: opt(&p, "expected_days").and_then(|v| v.parse().ok()),
        method: opt(&p, "method"),
        address: opt(&p, "address"),
        hall: opt(&p, "hall").and_then(|v| v.parse().ok()),
        exception: opt(&p, "exception"),
    };
    match take_step(&state, &ctx, &case_no, &action, body, opt(&p, "idem")).await {
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{case_no}")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_case(&state, &ctx, &case_no, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The one-time notice a reviewer built on the case page: the checklist
/// entries ticked, each with its problem, and extra materials one a line
/// (名称：问题：理由). `None` when nothing was listed.
fn notice_of(form: &[(String, String)]) -> Option<Vec<MaterialProblem>> {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
    };
    let mut out: Vec<MaterialProblem> = form
        .iter()
        .filter(|(n, _)| n == "notice_key")
        .map(|(_, key)| MaterialProblem {
            key: Some(key.clone()),
            name: String::new(),
            problem: get(&format!("notice_problem_{key}")).unwrap_or_default(),
            extra_reason: None,
        })
        .collect();
    for line in get("notice_extra")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
    {
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ['：', ':']).map(str::trim);
        out.push(MaterialProblem {
            key: None,
            name: parts.next().unwrap_or_default().to_owned(),
            problem: parts.next().unwrap_or_default().to_owned(),
            extra_reason: parts.next().map(str::to_owned),
        });
    }
    (!out.is_empty()).then_some(out)
}

/// A printable document of a case as HTML: the same data as its PDF, with
/// the QR code of the public progress page drawn inline.
struct PrintDoc {
    template: &'static str,
    title: &'static str,
    subtitle: Option<&'static str>,
    /// The PDF of the same document, under `/api/v1/cases/{no}/`.
    pdf: &'static str,
    /// Whether the verification code is printed (not on the rejection).
    show_code: bool,
}

fn print_page(
    state: &AppState,
    ctx: &Ctx,
    doc: PrintDoc,
    case_no: &str,
    progress_url: &str,
    d: Value,
    extra: Value,
) -> PageResult {
    let qr = crate::documents::qr_svg(progress_url, &crate::lang::t("办理进度查询二维码"))
        .unwrap_or_default();
    let html = state.templates.render(
        doc.template,
        context! {
            doc_title => doc.title, subtitle => doc.subtitle, show_code => doc.show_code,
            pdf_href => format!("/api/v1/cases/{}/{}", percent_encode(case_no), doc.pdf),
            qr, d, kiosk => ctx.kiosk, lang => ctx.lang.as_str(),
            // At a kiosk the printed page clears itself when left alone, too.
            idle => if ctx.kiosk { state.settings.kiosk_idle_seconds } else { 0 },
            ..extra
        },
    )?;
    Ok(Html(html).into_response())
}

/// The printable 受理承诺单 (the PDF is `/api/v1/cases/{no}/slip.pdf`).
pub async fn slip(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    uri: OriginalUri,
) -> PageResult {
    slip_or_receipt(&state, &ctx, &headers, &case_no, &uri, false).await
}

/// The printable 网上申请回执 of a submitted online case (printed at home
/// or at the kiosk): what was applied for, with which materials, how the
/// result will come, and the code for the progress page.
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(case_no): Path<String>,
    uri: OriginalUri,
) -> PageResult {
    slip_or_receipt(&state, &ctx, &headers, &case_no, &uri, true).await
}

async fn slip_or_receipt(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    case_no: &str,
    uri: &OriginalUri,
    receipt: bool,
) -> PageResult {
    if let Some(r) = login_redirect(ctx, uri) {
        return Ok(r);
    }
    let d = crate::api::documents::slip_or_receipt(state, ctx, headers, case_no, receipt).await?;
    let t = d.texts(receipt);
    let doc = PrintDoc {
        template: "doc_slip.html",
        title: t.title,
        subtitle: None,
        pdf: if receipt { "receipt.pdf" } else { "slip.pdf" },
        show_code: true,
    };
    print_page(
        state,
        ctx,
        doc,
        case_no,
        &d.progress_url,
        Value::from(minijinja::value::Serde(&d)),
        context! { texts => Value::from(minijinja::value::Serde(&t)), receipt },
    )
}

/// The printable 一次性告知书 (the latest one of the case).
pub async fn notice(
    State(state): State<AppState>,
    ctx: SignedPage,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> PageResult {
    let d = crate::api::documents::notice_data(&state, &ctx, &headers, &case_no).await?;
    let t = d.texts();
    letter_page(
        &state,
        &ctx,
        &case_no,
        &d.progress_url,
        "notice.pdf",
        &t,
        Value::from(minijinja::value::Serde(&d)),
    )
}

/// A printable letter (the notice or the rejection) from its texts.
fn letter_page(
    state: &AppState,
    ctx: &Ctx,
    case_no: &str,
    progress_url: &str,
    pdf: &'static str,
    t: &crate::documents::LetterTexts,
    d: Value,
) -> PageResult {
    let doc = PrintDoc {
        template: "doc_letter.html",
        title: t.title,
        subtitle: t.subtitle,
        pdf,
        show_code: t.show_code,
    };
    let t = Value::from(minijinja::value::Serde(t));
    print_page(
        state,
        ctx,
        doc,
        case_no,
        progress_url,
        d,
        context! { texts => t },
    )
}

/// The printable 不予受理通知书.
pub async fn rejection(
    State(state): State<AppState>,
    ctx: SignedPage,
    headers: HeaderMap,
    Path(case_no): Path<String>,
) -> PageResult {
    let d = crate::api::documents::rejection_data(&state, &ctx, &headers, &case_no).await?;
    let t = d.texts();
    letter_page(
        &state,
        &ctx,
        &case_no,
        &d.progress_url,
        "rejection.pdf",
        &t,
        Value::from(minijinja::value::Serde(&d)),
    )
}

/// Records a material from the case page (multipart, with the CSRF token as a field).
pub async fn case_material(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(case_no): Path<String>,
    form: axum::extract::Multipart,
) -> PageResult {
    let form = crate::api::materials::read_form(form).await?;
    ctx.check_csrf(&HeaderMap::new(), form.text.get("csrf").map(String::as_str))?;
    match crate::api::materials::record_material(&state, &ctx, &case_no, form).await {
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{case_no}")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_case(&state, &ctx, &case_no, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Uses every e-licence ticked on the case page in one step: each ticked
/// material (`pick`) with the licence chosen for it (`lic_{material}`).
pub async fn case_licences(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(case_no): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let actor = ctx.signed()?;
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
    let version = field("version").and_then(|v| v.parse().ok());
    let picks: Vec<_> = (form.iter().filter(|(n, _)| n == "pick"))
        .map(|(_, key)| tongban_app::materials::LicencePick {
            material: key.clone(),
            license_ref: field(&format!("lic_{key}")).unwrap_or_default().to_owned(),
        })
        .collect();
    let app = state.app();
    let done = tongban_app::materials::use_licences(&app, &actor, &case_no, version, &picks);
    match done.await.map_err(|e| ctx.fail(e)) {
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{case_no}")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_case(&state, &ctx, &case_no, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Rates the case from its page (the applicant).
pub async fn rate(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(case_no): Path<String>,
    CsrfForm(p): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    match crate::api::evaluations::rate(&state, &ctx, &case_no, &super::rate_body(&p)).await {
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{case_no}")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_case(&state, &ctx, &case_no, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The rectifications of the caller's hall or department (overdue first),
/// a page at a time (`cursor`), with follow-up and closing forms; the
/// rating statistics for admins.
pub async fn rectifications(
    State(state): State<AppState>,
    ctx: SignedPage,
    p: Params,
) -> PageResult {
    render_rectifications(&state, &ctx, p.get("cursor"), None, StatusCode::OK).await
}

async fn render_rectifications(
    state: &AppState,
    ctx: &Signed,
    cursor: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let desk = tongban_app::evaluations::rectification_desk(&state.app(), ctx.actor(), cursor)
        .await
        .map_err(|e| ctx.fail(e))?;
    let values = context! { title => crate::lang::t("差评整改"), error, cursor, ..Value::from(Serde(&desk)) };
    let path = "/work/rectifications";
    let mut res = page(state, ctx, "rectifications.html", path, "work", values)?;
    *res.status_mut() = status;
    Ok(res)
}

/// A follow-up, or the closing (`close=1`), from the rectifications page,
/// which comes back to the page it was on (`cursor`).
pub async fn rectification_step(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(id): Path<i64>,
    CsrfForm(p): CsrfForm<HashMap<String, String>>,
) -> PageResult {
    let close = p.get("close").is_some_and(|v| v == "1");
    let note = p.get("note").cloned().unwrap_or_default();
    let cursor = p.get("cursor").map(|c| c.trim()).filter(|c| !c.is_empty());
    match crate::api::evaluations::step(&state, &ctx, id, &note, close).await {
        Ok(_) => Ok(Redirect::to(&match cursor {
            Some(c) => format!("/work/rectifications?cursor={}", percent_encode(c)),
            None => "/work/rectifications".to_owned(),
        })
        .into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_rectifications(&state, &ctx, cursor, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Starts a video check from the case page; the meeting link shows in the
/// case's 视频核验 section.
pub async fn case_video_start(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path(case_no): Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let actor = ctx.signed()?;
    let p: HashMap<String, String> = form.into_iter().collect();
    let cmd = tongban_app::video::StartVideoCheck {
        version: p.get("version").and_then(|v| v.parse().ok()),
        participant: opt(&p, "participant"),
    };
    let app = state.app();
    let done = tongban_app::video::start_video_check(&app, &actor, &case_no, cmd);
    match done.await.map_err(|e| ctx.fail(e)) {
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{case_no}#video")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_case(&state, &ctx, &case_no, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Records a video check's outcome (and its recording) from the case page.
pub async fn case_video_result(
    State(state): State<AppState>,
    ctx: SignedPage,
    Path((case_no, id)): Path<(String, i64)>,
    form: axum::extract::Multipart,
) -> PageResult {
    let (cmd, csrf) = crate::api::video::read_result(form).await?;
    ctx.check_csrf(&HeaderMap::new(), csrf.as_deref())?;
    match crate::api::video::record_result(&state, &ctx, &case_no, id, cmd).await {
        Ok(_) => Ok(Redirect::to(&format!("/work/cases/{case_no}#video")).into_response()),
        Err(mut e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = super::shown_in_place(&state, &mut e).await;
            render_case(&state, &ctx, &case_no, Some(msg), e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The workbench, the window's wizard and the case pages.
pub(super) fn routes() -> axum::Router<crate::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/work/cases/{case_no}/evaluation", post(rate))
        .route("/work/rectifications", get(rectifications))
        .route("/work/rectifications/{id}", post(rectification_step))
        .route("/work", get(home))
        .route("/work/new", get(new_form).post(create))
        .route("/work/bulk", post(bulk))
        .route("/work/duty", post(duty))
        .route("/work/cases/{case_no}", get(case_page))
        .route("/work/cases/{case_no}/actions/{action}", post(case_action))
        .route("/work/cases/{case_no}/slip", get(slip))
        .route("/work/cases/{case_no}/receipt", get(receipt))
        .route("/work/cases/{case_no}/notice", get(notice))
        .route("/work/cases/{case_no}/rejection", get(rejection))
        .route("/work/cases/{case_no}/materials", post(case_material))
        .route("/work/cases/{case_no}/licences", post(case_licences))
        .route("/work/cases/{case_no}/video-checks", post(case_video_start))
        .route(
            "/work/cases/{case_no}/video-checks/{id}/result",
            post(case_video_result),
        )
}
