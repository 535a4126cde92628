//! Opening a case: at a window (受审分离 / 收受分离) or online (全程网办,
//! also 帮办代办). The 通办 list says which modes at which hall levels; the
//! item's guide map and jurisdiction say the situation, checklist and the
//! deciding department; a window needs the remote-acceptance right.

use super::{CaseCreate, Consent, DeliveryInput, Idem, Outcome, keyed};
use crate::{Actor, App, AppError, AppResult, Lookups};
use tongban_domain::authz::{Action, CaseScope, Trust};
use tongban_domain::case::{Action as Step, Delivery, DeliveryMethod};
use tongban_domain::catalogue::ItemVersion as Item;
use tongban_domain::guide::{GuideError, Resolution};
use tongban_domain::intake::{Agent, Applicant, resolve_jurisdiction};
use tongban_domain::text;
use tongban_domain::tongban::Mode;
use tongban_domain::user::Role;
use tongban_domain::{DepartmentId, FieldError, HallId, ItemCode, RegionCode, ValidationErrors};
use tongban_store::{CaseRecord, IdemWrite, NewCase, NewEvent, StoreError};

/// How a case comes in, as the command and the actor's role say.
struct Channel {
    mode: Mode,
    online: bool,
    /// A guide or agent applying online for the applicant (帮办代办).
    assisted: bool,
    /// The receiving hall (window cases).
    hall: Option<HallId>,
}

/// What the applicant's input says, checked together so every bad field is
/// named at once.
struct Input {
    applicant: Applicant,
    resolution: Resolution,
    property_region: Option<RegionCode>,
    agent: Option<Agent>,
}

/// Opens a case (the API, the workbench and the kiosk share it): checks the
/// channel, the 通办 list, the input and the jurisdiction, and writes the
/// case and its first event in one transaction. Send an [`Idem`] to retry
/// safely.
pub async fn open_case(
    app: &App,
    actor: &Actor,
    cmd: CaseCreate,
    idem: Option<Idem>,
) -> AppResult<Outcome> {
    keyed(
        app,
        idem.as_ref(),
        open_once(app, actor, cmd, idem.as_ref()),
    )
    .await
}

async fn open_once(
    app: &App,
    actor: &Actor,
    cmd: CaseCreate,
    idem: Option<&Idem>,
) -> AppResult<Outcome> {
    actor.authorize(Action::ListCases, &Trust::NONE)?;
    let ch = channel(actor, &cmd)?;
    // Who may start such a case at all comes first: a refusal says nothing about the input.
    actor.authorize(
        Action::CreateCase {
            online: ch.online,
            hall: ch.hall,
            assisted: ch.assisted,
        },
        &Trust::NONE,
    )?;
    let consent = consent_record(actor, cmd.consent.as_ref(), ch.assisted)?;
    if ch.online && ch.hall.is_some() {
        return Err(AppError::field(
            "hall",
            "case.online_hall",
            "全程网办不经窗口受理，不能指定服务中心",
        ));
    }
    let lookups = Lookups::load_at(app, actor.revision).await?;
    let item = listed_item(app, &lookups, &cmd.item, &ch).await?;
    let mut input = check_input(&lookups, &item, &cmd)?;
    if ch.online && !ch.assisted {
        // Online, an account applies as itself, its company, or as the recorded agent.
        let (id_number, _) = app.store.user_identity(actor.user.id).await?;
        tongban_domain::intake::check_applies_as_self(
            tongban_domain::intake::RealName {
                name: &actor.user.display_name,
                id_number: id_number.as_deref(),
            },
            &input.applicant,
            input.agent.as_ref(),
        )?;
    }
    let department = deciding_department(app, &lookups, &item, &input).await?;
    still_serving(&lookups, ch.hall, department)?;
    let delivery = cmd
        .delivery
        .as_ref()
        .map(|d| check_delivery(d, &lookups, department, &item.content.code))
        .transpose()?;
    if !ch.online {
        window_may_receive(actor, &lookups, &ch, department, &item.content.code)?;
    }
    if input.agent.is_some() {
        let extra = tongban_domain::intake::agent_materials(&input.resolution.materials);
        input.resolution.materials.extend(extra);
    }
    let mut payload = create_payload(&ch, department, &input, consent);
    if let Some(read) = &cmd.identity_read {
        payload["identity"] = identity_record(app, &ch, &input.applicant, read).await?;
    }
    let new = NewCase {
        verification_code: crate::codes::new_verification_code(),
        item_code: item.content.code.clone(),
        item_version: item.version,
        item_name: item.content.name.clone(),
        mode: ch.mode,
        department,
        hall: ch.hall,
        applicant_user: (ch.online && !ch.assisted).then_some(actor.user.id),
        assisted_by: ch.assisted.then_some(actor.user.id),
        delivery,
        created_by: Some(actor.user.id),
        applicant: input.applicant,
        agent: input.agent,
        answers: cmd.answers,
        situation: input.resolution.situation_name,
        materials: input.resolution.materials,
        promised_days: item.content.promised_days,
        instant: item.content.instant,
        tallies: tongban_domain::case::tally::on_open(
            tongban_domain::case::Status::Draft,
            lookups.today(),
        ),
    };
    let event = super::event(app, actor, "create", payload);
    write(app, &lookups, &new, &event, idem).await
}

/// The mode, and whether the actor applies online, for someone, or at which hall.
fn channel(actor: &Actor, cmd: &CaseCreate) -> AppResult<Channel> {
    let mode = match Mode::parse(&cmd.mode) {
        Some(m @ (Mode::Online | Mode::AcceptRemote | Mode::CollectRemote)) => m,
        Some(Mode::Bundle) => {
            return Err(AppError::field(
                "mode",
                "case.mode",
                "多地协同联办（一件事）请通过一件事入口申请",
            ));
        }
        None => {
            return Err(AppError::field(
                "mode",
                "case.mode",
                "通办模式应为 online、accept_remote 或 collect_remote",
            ));
        }
    };
    let online = mode == Mode::Online;
    let hall = cmd.hall.map(HallId);
    Ok(Channel {
        mode,
        online,
        assisted: online && matches!(actor.user.role, Role::Guide | Role::Agent),
        hall: if online {
            hall
        } else {
            hall.or(actor.user.scope.hall())
        },
    })
}

/// 帮办代办 records how the applicant consented; no one else records a consent.
fn consent_record(
    actor: &Actor,
    consent: Option<&Consent>,
    assisted: bool,
) -> AppResult<Option<serde_json::Value>> {
    match (consent, assisted) {
        (Some(c), true) => match c.label() {
            Some(l) => Ok(Some(serde_json::json!({
                "by": actor.user.display_name, "role": actor.user.role.as_str(),
                "consent": c.method, "consent_label": l,
                "note": c.note.as_deref().map(str::trim).unwrap_or(""),
            }))),
            None => Err(AppError::field(
                "consent.method",
                "consent.method",
                "同意方式应为 signature（签字）、in_person（当面）或 phone（电话）",
            )),
        },
        (None, true) => Err(AppError::field(
            "consent",
            "consent.required",
            "帮办代办须记录申请人的同意（方式与说明）",
        )),
        (Some(_), false) => Err(AppError::field(
            "consent",
            "consent.not_assisted",
            "只有帮办员、代办员代为网上申请时才记录申请人同意",
        )),
        (None, false) => Ok(None),
    }
}

/// The item, if the 通办 list has it in this mode, at this hall's level.
async fn listed_item(app: &App, lookups: &Lookups, code: &str, ch: &Channel) -> AppResult<Item> {
    let item_code = ItemCode(code.trim().to_owned());
    let item = match app.store.item(&item_code).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            return Err(AppError::field(
                "item",
                "item.unknown",
                text!("事项“{code}”不存在", code = code.to_owned()),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let name = &item.content.name;
    // The list in force on the day the case is received.
    let entry = lookups.listing(&item_code);
    let Some(entry) = entry.filter(|e| e.modes.contains(&ch.mode)) else {
        return Err(AppError::field(
            "mode",
            "tongban.mode_not_listed",
            text!(
                "“{name}”未列入{mode}的全域通办清单",
                name = name,
                mode = ch.mode.label()
            ),
        ));
    };
    if let Some(h) = ch.hall {
        let Some(h) = lookups.data().halls.iter().find(|x| x.id == h) else {
            return Err(AppError::field("hall", "hall.unknown", "服务中心不存在"));
        };
        if !entry.at_hall(h.id, h.level) {
            return Err(AppError::field(
                "hall",
                "tongban.level_not_listed",
                text!(
                    "“{name}”的全域通办层级不含{level}（{hall}）",
                    name = name,
                    level = h.level.label(),
                    hall = &h.name
                ),
            ));
        }
    }
    Ok(item)
}

/// The applicant, the guide map's answers, the property's region and the
/// agent, each checked; every bad field is named at once.
fn check_input(lookups: &Lookups, item: &Item, cmd: &CaseCreate) -> AppResult<Input> {
    let today = lookups.today();
    let regions = &lookups.data().regions;
    let known = |code: &str| regions.iter().any(|r| r.code.as_str() == code);
    let c = &item.content;
    let mut errs = ValidationErrors::default();
    let applicant = errs.take(cmd.applicant.validate(today, known));
    let resolution = match c.guide.evaluate(&cmd.answers, &c.materials) {
        Ok(r) => Some(r),
        Err(GuideError::Invalid(e)) => {
            errs.0.extend(e.0);
            None
        }
        Err(GuideError::Unanswered(q)) => {
            let text = c.guide.questions.iter().find(|x| x.key == q);
            errs.push(FieldError::new(
                format!("answers.{q}"),
                "guide.unanswered",
                text!(
                    "请回答：{question}",
                    question = text.map(|x| x.text.clone()).unwrap_or_default()
                ),
            ));
            None
        }
        Err(GuideError::NoSituation) => {
            return Err(AppError::Internal(format!(
                "guide map of {} has a dead end",
                item.content.code
            )));
        }
    };
    let property_region = match cmd.property_region.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(r) if known(r) => Some(RegionCode(r.to_owned())),
        Some(r) => {
            errs.push(FieldError::new(
                "property_region",
                "region.unknown",
                text!("行政区划代码“{code}”不存在", code = r.to_owned()),
            ));
            None
        }
    };
    let agent = cmd
        .agent
        .as_ref()
        .and_then(|a| errs.take(a.validate(today)));
    match (applicant, resolution) {
        (Some(applicant), Some(resolution)) if errs.0.is_empty() => Ok(Input {
            applicant,
            resolution,
            property_region,
            agent,
        }),
        _ => Err(errs.into()),
    }
}

/// The department that decides: the item's jurisdiction over its
/// implementations.
async fn deciding_department(
    app: &App,
    lookups: &Lookups,
    item: &Item,
    input: &Input,
) -> AppResult<DepartmentId> {
    let impls: Vec<_> = app
        .store
        .implementations(&item.content.code)
        .await?
        .into_iter()
        .map(|i| (i.department, i.region))
        .collect();
    Ok(resolve_jurisdiction(
        &item.content,
        &input.applicant,
        input.property_region.as_ref(),
        &lookups.data().regions,
        &impls,
    )?)
}

/// A window takes a case in for another department only with the
/// remote-acceptance right: its first step (submit) is checked now.
fn window_may_receive(
    actor: &Actor,
    lookups: &Lookups,
    ch: &Channel,
    department: DepartmentId,
    item: &ItemCode,
) -> AppResult<()> {
    let subject = format!("new:{item}");
    let probe = CaseScope {
        case_no: &subject,
        hall: ch.hall,
        department,
        applicant: None,
        assisted_by: None,
        pickup_hall: None,
        item,
        mode: ch.mode,
    };
    actor.authorize(
        Action::CaseStep {
            case: probe,
            step: Step::Submit,
            window: true,
            department: false,
            applicant: false,
        },
        &lookups.trust(),
    )
}

/// A retired hall takes no new case, and a retired department decides
/// none (their old cases stay theirs).
fn still_serving(
    lookups: &Lookups,
    hall: Option<HallId>,
    department: DepartmentId,
) -> AppResult<()> {
    let data = lookups.data();
    if let Some(h) = hall.and_then(|h| data.halls.iter().find(|x| x.id == h && x.retired)) {
        return Err(AppError::field(
            "hall",
            "hall.retired",
            text!("{hall}已撤销，不再受理新办件", hall = &h.name),
        ));
    }
    match data
        .departments
        .iter()
        .find(|d| d.id == department && d.retired)
    {
        Some(d) => Err(AppError::field(
            "item",
            "department.retired",
            text!(
                "审批部门{department}已撤销，请联系城市管理员调整事项的实施部门",
                department = &d.name
            ),
        )),
        None => Ok(()),
    }
}

/// The first event's details: the mode, where and who decides, and for
/// 帮办代办 both names — the helper's and the applicant's.
fn create_payload(
    ch: &Channel,
    department: DepartmentId,
    input: &Input,
    consent: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut p = serde_json::json!({
        "mode": ch.mode, "hall": ch.hall, "department": department,
        "situation": input.resolution.situation,
    });
    if let Some(mut c) = consent {
        c["applicant"] = input.applicant.name().into();
        p["assisted"] = c;
    }
    p
}

/// The largest chip photo kept (a card's photo is a few kilobytes).
pub const CHIP_PHOTO_MAX: usize = 64 * 1024;

/// What the case records of an identity read from the card's chip by the
/// window's reader: the reader and the chip's photo (stored first, without
/// metadata). Only a window reads cards, and only the applicant's.
async fn identity_record(
    app: &App,
    ch: &Channel,
    applicant: &Applicant,
    read: &super::IdentityRead,
) -> AppResult<serde_json::Value> {
    if ch.online {
        return Err(AppError::field(
            "identity_read",
            "identity.window_only",
            "身份证读卡核验只在窗口办件时记录",
        ));
    }
    let chip = tongban_domain::intake::ChipRead {
        device: read.device.clone(),
        name: read.name.clone(),
        id_number: read.id_number.clone(),
    };
    tongban_domain::intake::check_chip_read(applicant, &chip)?;
    let photo = match read.photo.as_deref().map(chip_photo).transpose()? {
        Some(bytes) => Some(
            app.blobs
                .put(&crate::blobs::strip_metadata(&bytes))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?,
        ),
        None => None,
    };
    Ok(serde_json::json!({"source": "chip", "device": chip.device.trim(), "photo": photo}))
}

/// The chip's photo from its base64 (or `data:` URL) form: a JPEG or PNG
/// no larger than [`CHIP_PHOTO_MAX`].
fn chip_photo(text: &str) -> AppResult<Vec<u8>> {
    use base64::Engine;
    let bad = |m: &str| AppError::field("identity_read.photo", "identity.photo", m.to_owned());
    let b64 = text.trim();
    let b64 = b64.split_once(";base64,").map_or(b64, |(_, b)| b);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad("证件照片应为 base64 编码的 JPEG 或 PNG 图片"))?;
    if bytes.len() > CHIP_PHOTO_MAX {
        return Err(bad("证件照片不超过64KB"));
    }
    match crate::blobs::sniff(&bytes) {
        Some("image/jpeg" | "image/png") => Ok(bytes),
        _ => Err(bad("证件照片应为 JPEG 或 PNG 图片")),
    }
}

/// Writes the case and its first event, and the answer a retry with the
/// same key will get, in one transaction.
async fn write(
    app: &App,
    lookups: &Lookups,
    new: &NewCase,
    event: &NewEvent,
    idem: Option<&Idem>,
) -> AppResult<Outcome> {
    let prefix = format!("TB{}", lookups.today().to_string().replace('-', ""));
    let render =
        |r: &CaseRecord| serde_json::to_string(&lookups.view(r, false, vec![])).unwrap_or_default();
    let idem = idem.map(|i| IdemWrite {
        scope: i.scope.clone(),
        key: i.key.clone(),
        status: 201,
        render: &render,
    });
    match app.store.create_case(new, &prefix, event, idem).await {
        Ok((record, recorded)) => {
            tracing::info!(case = %record.case_no, item = %new.item_code, mode = ?new.mode, "case created");
            let events = app.store.case_events(record.id).await?;
            // A keyed write answers exactly what a retry will be answered.
            Ok(Outcome::Done(
                Box::new(lookups.view(&record, false, events)),
                recorded,
            ))
        }
        // An earlier request with the same key: its answer, now durable.
        Err(StoreError::Replayed(s, b)) => Ok(Outcome::Replayed(s, b)),
        Err(e) => Err(e.into()),
    }
}

/// Checks a delivery choice: the address for post, and for pickup a hall
/// that holds the result-delivery right for the department and item.
fn check_delivery(
    d: &DeliveryInput,
    lookups: &Lookups,
    department: DepartmentId,
    item: &ItemCode,
) -> AppResult<Delivery> {
    let Some(method) = DeliveryMethod::parse(d.method.trim()) else {
        return Err(FieldError::new(
            "delivery.method",
            "delivery.method",
            "领取方式应为 electronic（电子送达）、post（邮寄送达）或 pickup（窗口领取）",
        )
        .into());
    };
    let address = d
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    match method {
        DeliveryMethod::Electronic => Ok(Delivery {
            method,
            address: None,
            hall: None,
        }),
        DeliveryMethod::Post => match address {
            None => Err(
                FieldError::new("delivery.address", "required", "邮寄送达须填写收件地址").into(),
            ),
            Some(a) if a.chars().count() > 200 => {
                Err(
                    FieldError::new("delivery.address", "too_long", "收件地址不能超过200个字")
                        .into(),
                )
            }
            Some(a) => Ok(Delivery {
                method,
                address: Some(a.to_owned()),
                hall: None,
            }),
        },
        DeliveryMethod::Pickup => pickup_at(d, lookups, department, item),
    }
}

/// A pickup hall must hold the result-delivery right for the department and item.
fn pickup_at(
    d: &DeliveryInput,
    lookups: &Lookups,
    department: DepartmentId,
    item: &ItemCode,
) -> AppResult<Delivery> {
    let method = DeliveryMethod::Pickup;
    let Some(h) = d.hall.map(HallId) else {
        return Err(FieldError::new(
            "delivery.hall",
            "required",
            "窗口领取须选择领取结果的服务中心",
        )
        .into());
    };
    let Some(hall) = lookups.data().halls.iter().find(|x| x.id == h) else {
        return Err(FieldError::new("delivery.hall", "hall.unknown", "服务中心不存在").into());
    };
    let Some(dept) = lookups
        .data()
        .departments
        .iter()
        .find(|x| x.id == department)
    else {
        return Err(AppError::Internal(format!(
            "department {department} missing"
        )));
    };
    if lookups
        .trust()
        .hall_holds(
            h,
            department,
            item,
            tongban_domain::grant::Right::ResultDelivery,
        )
        .is_err()
    {
        return Err(FieldError::new(
            "delivery.hall",
            "delivery.hall_no_right",
            text!(
                "{hall}未获{department}授予审批结果送达权，不能在此领取，请另选服务中心",
                hall = &hall.name,
                department = &dept.name
            ),
        )
        .into());
    }
    Ok(Delivery {
        method,
        address: None,
        hall: Some(h),
    })
}
