//! Authorisation trust (授权信任): granting a department's rights to a hall
//! or to every hall of a level in a region, revoking (the record stays),
//! and the views of grants and of the rights a hall holds.

use crate::views::Named;
use crate::{Actor, App, AppError, AppResult, Lookups, RefData};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::Date;
use tongban_domain::authz::{Action, Trust};
use tongban_domain::city::RegionLevel;
use tongban_domain::grant::{Grant, Grantee, Right, own_hall};
use tongban_domain::i18n::Text;
use tongban_domain::text;
use tongban_domain::{DepartmentId, FieldError, HallId, ItemCode, RegionCode, ValidationErrors};
use tongban_store::{NewGrant, StoreError};
use utoipa::ToSchema;

/// Grants that end within this many days are highlighted.
pub const EXPIRING_DAYS: i64 = 30;

/// Who receives a grant, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GranteeView {
    /// One hall, or…
    pub hall: Option<Named>,
    /// …every hall of this level (`city`, `county`, `town`, `community`)…
    pub level: Option<RegionLevel>,
    /// …in this region or below it.
    pub region: Option<RegionView>,
    /// Description, e.g. “荔城区 全部社区（村）级服务中心”.
    pub label: Text,
}

/// A region, by code and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A revocation, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevocationView {
    /// Who revoked it.
    pub by: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Why.
    pub reason: String,
}

/// A grant, as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    /// Id.
    pub id: i64,
    /// The granting department.
    pub grantor: Named,
    /// Who receives the rights.
    pub grantee: GranteeView,
    /// The items; `null` for every item of the grantor.
    pub items: Option<Vec<String>>,
    /// The rights.
    pub rights: Vec<Right>,
    /// First day (`YYYY-MM-DD`).
    pub valid_from: String,
    /// Last day, inclusive.
    pub valid_to: String,
    /// Who granted it.
    pub granted_by: i64,
    /// When (RFC 3339).
    pub granted_at: String,
    /// Why.
    pub reason: String,
    /// Set once revoked.
    pub revoked: Option<RevocationView>,
    /// `active`, `expired`, `not_yet_valid` or `revoked` (today).
    pub state: String,
    /// In force and ending within 30 days.
    pub expiring: bool,
}

fn region_name(data: &RefData, code: &RegionCode) -> String {
    data.regions
        .iter()
        .find(|r| &r.code == code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| code.0.clone())
}

/// The view of a grant on `today`.
pub fn view(data: &RefData, g: &Grant, today: Date) -> GrantView {
    let grantor = Named {
        id: g.grantor.0,
        name: data
            .departments
            .iter()
            .find(|d| d.id == g.grantor)
            .map(|d| d.name.clone())
            .unwrap_or_default(),
    };
    let grantee = match &g.grantee {
        Grantee::Hall(h) => {
            let name = data
                .halls
                .iter()
                .find(|x| x.id == *h)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            GranteeView {
                hall: Some(Named {
                    id: h.0,
                    name: name.clone(),
                }),
                level: None,
                region: None,
                label: Text::raw(name),
            }
        }
        Grantee::Level { level, region } => {
            let name = region_name(data, region);
            GranteeView {
                hall: None,
                level: Some(*level),
                region: Some(RegionView {
                    code: region.0.clone(),
                    name: name.clone(),
                }),
                label: text!(
                    "{region} 全部{level}级服务中心",
                    region = name,
                    level = level.label()
                ),
            }
        }
    };
    let state = if g.revoked.is_some() {
        "revoked"
    } else if today > g.valid_to {
        "expired"
    } else if today < g.valid_from {
        "not_yet_valid"
    } else {
        "active"
    };
    GrantView {
        id: g.id,
        grantor,
        grantee,
        items: g
            .items
            .as_ref()
            .map(|l| l.iter().map(|i| i.0.clone()).collect()),
        rights: g.rights.clone(),
        valid_from: g.valid_from.to_string(),
        valid_to: g.valid_to.to_string(),
        granted_by: g.granted_by.0,
        granted_at: tongban_store::rfc3339(g.granted_at),
        reason: g.reason.clone(),
        revoked: g.revoked.as_ref().map(|r| RevocationView {
            by: r.by.0,
            at: tongban_store::rfc3339(r.at),
            reason: r.reason.clone(),
        }),
        state: state.into(),
        expiring: state == "active" && (g.valid_to - today).whole_days() <= EXPIRING_DAYS,
    }
}

/// Who receives a new grant: `{"hall": id}` or `{"level": "community", "region": "350304"}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GranteeInput {
    /// One hall.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub hall: Option<i64>,
    /// Or every hall of this level…
    #[serde(default)]
    #[schema(pattern = r"^(city|county|town|community)$")]
    pub level: Option<String>,
    /// …in this region or below.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
    pub region: Option<String>,
}

/// A new grant.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantCreate {
    /// The granting department's id.
    #[schema(minimum = 1)]
    pub grantor: i64,
    /// Who receives the rights.
    pub grantee: GranteeInput,
    /// Any of `remote_acceptance`, `one_time_notice`, `original_verification`, `result_delivery`.
    #[schema(min_items = 1, max_items = 4, value_type = Vec<tongban_domain::grant::Right>)]
    pub rights: Vec<String>,
    /// Item codes of the grantor's items; `null` for all of them.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub items: Option<Vec<String>>,
    /// First day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub valid_from: String,
    /// Last day (inclusive), `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub valid_to: String,
    /// Why (shown in the history).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

fn parse_day(field: &str, s: &str) -> Result<Date, FieldError> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &f)
        .map_err(|_| FieldError::new(field, "date.invalid", "日期格式应为 YYYY-MM-DD"))
}

/// Who receives a grant: one hall, or every hall of a level in a region.
fn grantee_of(data: &RefData, g: &GranteeInput, errs: &mut ValidationErrors) -> Option<Grantee> {
    match (g.hall, g.level.as_deref(), g.region.as_deref()) {
        (Some(h), None, None) => {
            if data.halls.iter().any(|x| x.id.0 == h) {
                Some(Grantee::Hall(HallId(h)))
            } else {
                errs.push(FieldError::new(
                    "grantee.hall",
                    "hall.unknown",
                    "服务中心不存在",
                ));
                None
            }
        }
        (None, Some(l), Some(r)) => {
            let level = RegionLevel::parse(l);
            if level.is_none() {
                errs.push(FieldError::new(
                    "grantee.level",
                    "region.level",
                    "层级应为 city、county、town 或 community",
                ));
            }
            let known = data.regions.iter().any(|x| x.code.as_str() == r);
            if !known {
                errs.push(FieldError::new(
                    "grantee.region",
                    "region.unknown",
                    text!("行政区划代码“{code}”不存在", code = r.to_owned()),
                ));
            }
            level.filter(|_| known).map(|level| Grantee::Level {
                level,
                region: RegionCode(r.to_owned()),
            })
        }
        _ => {
            errs.push(FieldError::new(
                "grantee",
                "grant.grantee",
                "被授权方应为 {\"hall\": 服务中心id} 或 {\"level\": 层级, \"region\": 行政区划代码}",
            ));
            None
        }
    }
}

/// The grantor's items a grant lists, each checked to be one it implements.
async fn items_of(
    app: &App,
    grantor: DepartmentId,
    list: &[String],
    errs: &mut ValidationErrors,
) -> AppResult<Vec<ItemCode>> {
    if list.is_empty() {
        errs.push(FieldError::new(
            "items",
            "required",
            "请列出事项编码，或传 null 表示该部门的全部事项",
        ));
    }
    let mut codes = Vec::new();
    for (i, code) in list.iter().enumerate() {
        let code = ItemCode(code.trim().to_owned());
        let implemented = match app.store.implementations(&code).await {
            Ok(l) => l.iter().any(|x| x.department == grantor),
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !implemented {
            errs.push(FieldError::new(
                format!("items[{i}]"),
                "grant.item",
                text!(
                    "事项“{code}”不存在或不由授权部门实施",
                    code = code.0.clone()
                ),
            ));
        } else if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Checks a new grant against the city and the catalogue.
async fn validate(
    app: &App,
    data: &RefData,
    b: &GrantCreate,
    actor: &Actor,
    now: i64,
) -> AppResult<NewGrant> {
    let mut errs = ValidationErrors::default();
    let grantor = DepartmentId(b.grantor);
    if !data.departments.iter().any(|d| d.id == grantor) {
        errs.push(FieldError::new(
            "grantor",
            "department.unknown",
            "授权部门不存在",
        ));
    }
    let grantee = grantee_of(data, &b.grantee, &mut errs);
    let mut rights = Vec::new();
    for r in &b.rights {
        match Right::parse(r.trim()) {
            Some(x) if !rights.contains(&x) => rights.push(x),
            Some(_) => {}
            None => errs.push(FieldError::new(
                "rights",
                "grant.right",
                text!(
                    "“{right}”不是可授予的权限（remote_acceptance、one_time_notice、original_verification、result_delivery）",
                    right = r
                ),
            )),
        }
    }
    if b.rights.is_empty() {
        errs.push(FieldError::new("rights", "required", "请至少选择一项权限"));
    }
    rights.sort();
    let items = match &b.items {
        Some(list) => Some(items_of(app, grantor, list, &mut errs).await?),
        None => None,
    };
    let from = errs.check(parse_day("valid_from", &b.valid_from));
    let to = errs.check(parse_day("valid_to", &b.valid_to));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errs.push(FieldError::new(
            "valid_to",
            "grant.period",
            "截止日期不能早于起始日期",
        ));
    }
    let reason = b.reason.trim();
    if reason.is_empty() {
        errs.push(FieldError::new(
            "reason",
            "required",
            "请填写授权依据或理由",
        ));
    } else if reason.chars().count() > 500 {
        errs.push(FieldError::new("reason", "too_long", "理由不能超过500个字"));
    }
    errs.into_result(())?;
    Ok(NewGrant {
        grantor,
        grantee: grantee.expect("validated"),
        items,
        rights,
        valid_from: from.expect("validated"),
        valid_to: to.expect("validated"),
        granted_by: actor.user.id,
        granted_at: now,
        reason: reason.to_owned(),
    })
}

/// Records a grant (the API and the admin page share it).
pub async fn grant(app: &App, actor: &Actor, body: &GrantCreate) -> AppResult<GrantView> {
    let grantor = DepartmentId(body.grantor);
    actor.authorize(Action::ManageGrants { grantor }, &Trust::NONE)?;
    let lookups = Lookups::load(app).await?;
    let now = app.now.ms();
    let new = validate(app, lookups.data(), body, actor, now).await?;
    let audit = actor.audit_entry(
        now,
        "grant_created",
        "",
        json!({
            "grantor": new.grantor, "grantee": new.grantee, "rights": new.rights,
            "items": new.items, "valid_from": new.valid_from.to_string(),
            "valid_to": new.valid_to.to_string(), "reason": new.reason,
        }),
    );
    let g = app.store.create_grant(&new, &audit).await?;
    tracing::info!(grant = g.id, grantor = %g.grantor, "grant created");
    let lookups = Lookups::load(app).await?;
    Ok(view(lookups.data(), &g, app.now.today()))
}

/// Revokes a grant (the API and the admin page share it).
pub async fn revoke_grant(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<GrantView> {
    let lookups = Lookups::load(app).await?;
    let Some(g) = lookups.data().grants.iter().find(|g| g.id == id) else {
        actor.authorize(Action::ReadGrants, &Trust::NONE)?;
        return Err(AppError::Store(StoreError::NotFound));
    };
    actor.authorize(Action::ManageGrants { grantor: g.grantor }, &Trust::NONE)?;
    let mut reason = reason.trim().to_owned();
    if reason.is_empty() {
        reason = "未说明".into();
    }
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "too_long", "理由不能超过500个字"));
    }
    let now = app.now.ms();
    let audit = actor.audit_entry(
        now,
        "grant_revoked",
        &format!("grant:{id}"),
        json!({ "reason": reason }),
    );
    let g = match app
        .store
        .revoke_grant(id, actor.user.id, now, &reason, &audit)
        .await
    {
        Ok(g) => g,
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict {
                code: "grant.revoked",
                message: "该授权已撤销".into(),
                current_version: None,
            });
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(grant = g.id, "grant revoked");
    let lookups = Lookups::load(app).await?;
    Ok(view(lookups.data(), &g, app.now.today()))
}

/// A right the caller's hall holds for a department.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EffectiveRight {
    /// The department.
    pub department: Named,
    /// The rights.
    pub rights: Vec<Right>,
    /// The items; `null` for all of the department's.
    pub items: Option<Vec<String>>,
    /// Last day, or `null` for a department's own hall.
    pub valid_to: Option<String>,
    /// `own` (the department's own hall) or `grant`.
    pub source: String,
    /// The grant, when `source` is `grant`.
    pub grant: Option<i64>,
}

/// The rights held today at the hall `hall`: every right of each department
/// whose own hall it is, then the grants in force that cover it.
pub fn effective_rights(data: &RefData, hall: HallId, today: Date) -> Vec<EffectiveRight> {
    let Some(place) = data.places.iter().find(|p| p.hall == hall) else {
        return vec![];
    };
    let named = |id: DepartmentId| Named {
        id: id.0,
        name: data
            .departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
            .unwrap_or_default(),
    };
    let mut out: Vec<EffectiveRight> = data
        .departments
        .iter()
        .filter(|d| own_hall(d, place))
        .map(|d| EffectiveRight {
            department: named(d.id),
            rights: Right::ALL.to_vec(),
            items: None,
            valid_to: None,
            source: "own".into(),
            grant: None,
        })
        .collect();
    out.extend(
        data.grants
            .iter()
            .filter(|g| g.in_force(today) && g.grantee.covers(place))
            .map(|g| EffectiveRight {
                department: named(g.grantor),
                rights: g.rights.clone(),
                items: g
                    .items
                    .as_ref()
                    .map(|l| l.iter().map(|i| i.0.clone()).collect()),
                valid_to: Some(g.valid_to.to_string()),
                source: "grant".into(),
                grant: Some(g.id),
            }),
    );
    out
}
