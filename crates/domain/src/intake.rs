//! Intake: who applies (a person or a company, validated field by field),
//! and jurisdiction — which implementation decides (DESIGN §3). Where the
//! case is received is recorded separately and never changes who decides.

use crate::catalogue::{ItemContent, Jurisdiction};
use crate::city::{Region, RegionLevel};
use crate::ids::{DepartmentId, RegionCode};
use crate::validate::{
    FieldError, ValidationErrors, is_province_code, mask_id_number, mask_phone, required_text,
    validate_id_number, validate_mobile, validate_uscc,
};
use serde::{Deserialize, Serialize};
use time::Date;

/// The applicant as submitted.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ApplicantInput {
    /// A natural person.
    Person {
        /// Name.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
        name: String,
        /// 18-digit resident ID number.
        #[cfg_attr(feature = "openapi", schema(pattern = r"^[1-9][0-9]{16}[0-9Xx]$"))]
        id_number: String,
        /// Mobile number.
        #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
        phone: String,
        /// Household registration region code (户籍地).
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
        )]
        household_region: String,
        /// Residence region code, when different (居住地).
        #[serde(default)]
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
        )]
        residence_region: Option<String>,
        /// Address.
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(max_length = 200))]
        address: String,
    },
    /// A company or other organisation.
    Company {
        /// Name.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
        name: String,
        /// Unified social credit code.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
        )]
        uscc: String,
        /// Registration region code.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
        )]
        registered_region: String,
        /// Legal representative.
        #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
        legal_representative: String,
        /// Contact mobile number.
        #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
        phone: String,
        /// Address.
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(max_length = 200))]
        address: String,
    },
}

impl std::fmt::Debug for ApplicantInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Person { name, .. } => f
                .debug_struct("Person")
                .field("name", name)
                .finish_non_exhaustive(),
            Self::Company { name, .. } => f
                .debug_struct("Company")
                .field("name", name)
                .finish_non_exhaustive(),
        }
    }
}

/// A validated applicant, as stored on the case.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Applicant {
    /// A natural person.
    Person {
        /// Name.
        name: String,
        /// ID number (full; mask for lists and logs).
        id_number: String,
        /// Mobile (full; mask for lists and logs).
        phone: String,
        /// 户籍地.
        household_region: RegionCode,
        /// 居住地.
        residence_region: Option<RegionCode>,
        /// Address.
        address: String,
    },
    /// A company.
    Company {
        /// Name.
        name: String,
        /// Unified social credit code.
        uscc: String,
        /// Registration region.
        registered_region: RegionCode,
        /// Legal representative.
        legal_representative: String,
        /// Contact mobile.
        phone: String,
        /// Address.
        address: String,
    },
}

impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Applicant({})",
            serde_json::to_string(&self.masked()).unwrap_or_default()
        )
    }
}

impl Applicant {
    /// The name.
    pub fn name(&self) -> &str {
        match self {
            Self::Person { name, .. } | Self::Company { name, .. } => name,
        }
    }

    /// The same applicant with ID and phone numbers masked, for lists and logs.
    pub fn masked(&self) -> Applicant {
        match self.clone() {
            Self::Person {
                name,
                id_number,
                phone,
                household_region,
                residence_region,
                address,
            } => Self::Person {
                name,
                id_number: mask_id_number(&id_number),
                phone: mask_phone(&phone),
                household_region,
                residence_region,
                address,
            },
            Self::Company {
                name,
                uscc,
                registered_region,
                legal_representative,
                phone,
                address,
            } => Self::Company {
                name,
                uscc,
                registered_region,
                legal_representative,
                phone: mask_phone(&phone),
                address,
            },
        }
    }
}

impl ApplicantInput {
    /// Validates every field (names prefixed by `applicant.`), given which
    /// region codes exist.
    pub fn validate(
        &self,
        today: Date,
        region_exists: impl Fn(&str) -> bool,
    ) -> Result<Applicant, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let region = |e: &mut ValidationErrors, field: &str, code: &str| -> Option<RegionCode> {
            let c = code.trim();
            if c.is_empty() {
                e.push(FieldError::new(field, "required", "请选择行政区划"));
                None
            } else if !region_exists(c) {
                e.push(FieldError::new(
                    field,
                    "region.unknown",
                    crate::text!("行政区划代码“{code}”不存在", code = c.to_string()),
                ));
                None
            } else {
                Some(RegionCode(c.to_owned()))
            }
        };
        match self {
            Self::Person {
                name,
                id_number,
                phone,
                household_region,
                residence_region,
                address,
            } => {
                let name = e.check(required_text("applicant.name", "申请人姓名", name, 50));
                let id = e.check(validate_id_number(
                    "applicant.id_number",
                    id_number,
                    today,
                    is_province_code,
                ));
                let phone = e.check(validate_mobile("applicant.phone", phone));
                // Left empty, the household region is the one the ID number
                // names, when the city knows it.
                let hh = match (household_region.trim(), &id) {
                    ("", Some(id)) if region_exists(id.region_prefix()) => {
                        Some(RegionCode(id.region_prefix().to_owned()))
                    }
                    ("", Some(id)) => {
                        e.push(FieldError::new(
                            "applicant.household_region",
                            "required",
                            crate::text!(
                                "身份证号码所示地区（{code}）不在本市行政区划中，请选择申请人户籍地",
                                code = id.region_prefix().to_string()
                            ),
                        ));
                        None
                    }
                    _ => region(&mut e, "applicant.household_region", household_region),
                };
                let res = match residence_region.as_deref().map(str::trim) {
                    None | Some("") => Some(None),
                    Some(r) => region(&mut e, "applicant.residence_region", r).map(Some),
                };
                if address.chars().count() > 200 {
                    e.push(FieldError::new(
                        "applicant.address",
                        "too_long",
                        "地址不能超过200个字",
                    ));
                }
                match (name, id, phone, hh, res) {
                    (
                        Some(name),
                        Some(id),
                        Some(phone),
                        Some(household_region),
                        Some(residence_region),
                    ) if e.is_empty() => Ok(Applicant::Person {
                        name,
                        id_number: id.as_str().to_owned(),
                        phone,
                        household_region,
                        residence_region,
                        address: address.trim().to_owned(),
                    }),
                    _ => Err(e),
                }
            }
            Self::Company {
                name,
                uscc,
                registered_region,
                legal_representative,
                phone,
                address,
            } => {
                let name = e.check(required_text("applicant.name", "企业名称", name, 100));
                let uscc = e.check(validate_uscc("applicant.uscc", uscc));
                let reg = region(&mut e, "applicant.registered_region", registered_region);
                let rep = e.check(required_text(
                    "applicant.legal_representative",
                    "法定代表人",
                    legal_representative,
                    50,
                ));
                let phone = e.check(validate_mobile("applicant.phone", phone));
                match (name, uscc, reg, rep, phone) {
                    (
                        Some(name),
                        Some(uscc),
                        Some(registered_region),
                        Some(legal_representative),
                        Some(phone),
                    ) if e.is_empty() => Ok(Applicant::Company {
                        name,
                        uscc: uscc.as_str().to_owned(),
                        registered_region,
                        legal_representative,
                        phone,
                        address: address.trim().to_owned(),
                    }),
                    _ => Err(e),
                }
            }
        }
    }
}

/// An agent acting for the applicant (委托代理人), as submitted.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentInput {
    /// Name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub name: String,
    /// 18-digit resident ID number.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[1-9][0-9]{16}[0-9Xx]$"))]
    pub id_number: String,
    /// Mobile number.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^1[3-9][0-9]{9}$"))]
    pub phone: String,
}

impl std::fmt::Debug for AgentInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentInput")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A validated agent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    /// Name.
    pub name: String,
    /// ID number (full; mask for lists and logs).
    pub id_number: String,
    /// Mobile.
    pub phone: String,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Agent({}, {})",
            self.name,
            mask_id_number(&self.id_number)
        )
    }
}

impl Agent {
    /// The same agent with numbers masked.
    pub fn masked(&self) -> Agent {
        Agent {
            name: self.name.clone(),
            id_number: mask_id_number(&self.id_number),
            phone: mask_phone(&self.phone),
        }
    }
}

impl AgentInput {
    /// Validates every field (names prefixed by `agent.`).
    pub fn validate(&self, today: Date) -> Result<Agent, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.check(required_text("agent.name", "代理人姓名", &self.name, 50));
        let id = e.check(validate_id_number(
            "agent.id_number",
            &self.id_number,
            today,
            is_province_code,
        ));
        let phone = e.check(validate_mobile("agent.phone", &self.phone));
        match (name, id, phone) {
            (Some(name), Some(id), Some(phone)) if e.is_empty() => Ok(Agent {
                name,
                id_number: id.as_str().to_owned(),
                phone,
            }),
            _ => Err(e),
        }
    }
}

/// The real-name identity of the account applying online.
#[derive(Clone, Copy)]
pub struct RealName<'a> {
    /// The registered real name.
    pub name: &'a str,
    /// The verified ID number; `None` for an account without one.
    pub id_number: Option<&'a str>,
}

impl std::fmt::Debug for RealName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RealName({})", self.name)
    }
}

/// Whom an account may apply for online, by itself: itself; a company it
/// represents (its legal representative is the account holder); or anyone,
/// as the recorded agent (委托代理人) — then the checklist asks for the power
/// of attorney. Never someone else silently: window staff and 帮办员 act for
/// others with consent, on another path.
pub fn check_applies_as_self(
    who: RealName<'_>,
    applicant: &Applicant,
    agent: Option<&Agent>,
) -> Result<(), FieldError> {
    let Some(own) = who.id_number else {
        return Err(FieldError::new(
            "applicant.id_number",
            "account.not_real_name",
            "网上申请须使用实名认证的账号，请先完成实名认证",
        ));
    };
    let same = |n: &str| n.trim().eq_ignore_ascii_case(own);
    if let Some(a) = agent {
        return if same(&a.id_number) && a.name.trim() == who.name.trim() {
            Ok(())
        } else {
            Err(FieldError::new(
                "agent.id_number",
                "applicant.not_self",
                "委托代理人须为当前登录的实名账号本人",
            ))
        };
    }
    match applicant {
        Applicant::Person {
            name, id_number, ..
        } => {
            if !same(id_number) {
                Err(FieldError::new(
                    "applicant.id_number",
                    "applicant.not_self",
                    "网上申请只能以本人实名身份办理；为他人办理请以委托代理人身份申请并提交授权委托书",
                ))
            } else if name.trim() != who.name.trim() {
                Err(FieldError::new(
                    "applicant.name",
                    "applicant.not_self",
                    "申请人姓名与实名账号不一致",
                ))
            } else {
                Ok(())
            }
        }
        Applicant::Company {
            legal_representative,
            ..
        } if legal_representative.trim() == who.name.trim() => Ok(()),
        Applicant::Company { .. } => Err(FieldError::new(
            "applicant.legal_representative",
            "applicant.not_representative",
            "以企业名义网上申请须由法定代表人本人办理；其他人请以委托代理人身份申请并提交授权委托书",
        )),
    }
}

/// 收受分离: the department pre-reviews and decides from the electronic
/// file, so a case goes to pre-review, and passes it, only when every
/// material of its checklist (what its situation requires) is there as a
/// scan or an e-licence; `received` are the (material key, receipt method)
/// pairs recorded on the case, and these are the materials none of them
/// covers electronically. Whoever goes on without them records a named
/// exception with a reason.
pub fn unscanned<'a, 'r>(
    checklist: &'a [crate::catalogue::MaterialSpec],
    received: impl IntoIterator<Item = (&'r str, &'r str)>,
) -> Vec<&'a crate::catalogue::MaterialSpec> {
    use crate::catalogue::ReceiptMethod;
    let electronic: std::collections::HashSet<&str> = received
        .into_iter()
        .filter(|(_, how)| ReceiptMethod::parse(how).is_some_and(ReceiptMethod::is_electronic))
        .map(|(key, _)| key)
        .collect();
    checklist
        .iter()
        .filter(|m| !electronic.contains(m.key.as_str()))
        .collect()
}

/// The materials an agent adds to a checklist: the power of attorney and the
/// agent's own ID, unless the situation already asks for them.
pub fn agent_materials(
    existing: &[crate::catalogue::MaterialSpec],
) -> Vec<crate::catalogue::MaterialSpec> {
    use crate::catalogue::{MaterialForm, MaterialSpec};
    let mut out = Vec::new();
    if !existing.iter().any(|m| m.name.contains("委托书")) {
        out.push(MaterialSpec {
            key: "power_of_attorney".into(),
            name: "授权委托书".into(),
            form: MaterialForm::Original,
            copies: 1,
            required: true,
            license: None,
            review_points: vec!["委托事项、权限和期限明确".into(), "委托人签名或盖章".into()],
        });
    }
    if !existing
        .iter()
        .any(|m| m.name.contains("受托人") || m.name.contains("代理人"))
    {
        out.push(MaterialSpec {
            key: "agent_id".into(),
            name: "受托人居民身份证".into(),
            form: MaterialForm::OriginalAndCopy,
            copies: 1,
            required: true,
            license: Some("居民身份证".into()),
            review_points: vec!["与到场代理人本人一致".into()],
        });
    }
    out
}

/// Picks the deciding department for an item and applicant: the region that
/// the item's jurisdiction basis names is walked up to the implementing
/// level, and the implementation there decides. `implementations` are
/// (department, the department's region) pairs.
pub fn resolve_jurisdiction(
    item: &ItemContent,
    applicant: &Applicant,
    property_region: Option<&RegionCode>,
    regions: &[Region],
    implementations: &[(DepartmentId, RegionCode)],
) -> Result<DepartmentId, FieldError> {
    let no_impl = || {
        FieldError::new(
            "item",
            "jurisdiction.no_implementation",
            crate::text!(
                "“{item}”在申请人所属地没有实施部门，无法确定审批部门",
                item = &item.name
            ),
        )
    };
    if item.jurisdiction == Jurisdiction::CityWide || item.level == RegionLevel::City {
        return implementations.first().map(|i| i.0).ok_or_else(no_impl);
    }
    let (field, start) = match (item.jurisdiction, applicant) {
        (
            Jurisdiction::Household,
            Applicant::Person {
                household_region, ..
            },
        ) => ("applicant.household_region", household_region.clone()),
        (
            Jurisdiction::Residence,
            Applicant::Person {
                residence_region,
                household_region,
                ..
            },
        ) => (
            "applicant.residence_region",
            residence_region
                .clone()
                .unwrap_or_else(|| household_region.clone()),
        ),
        (
            Jurisdiction::CompanyRegistration,
            Applicant::Company {
                registered_region, ..
            },
        ) => ("applicant.registered_region", registered_region.clone()),
        (Jurisdiction::PropertyLocation, _) => match property_region {
            Some(r) => ("property_region", r.clone()),
            None => {
                return Err(FieldError::new(
                    "property_region",
                    "required",
                    "请填写不动产所在地的行政区划",
                ));
            }
        },
        (Jurisdiction::CompanyRegistration, Applicant::Person { .. }) => {
            return Err(FieldError::new(
                "applicant.kind",
                "jurisdiction.needs_company",
                "该事项须由企业（单位）申请",
            ));
        }
        (Jurisdiction::Household | Jurisdiction::Residence, Applicant::Company { .. }) => {
            return Err(FieldError::new(
                "applicant.kind",
                "jurisdiction.needs_person",
                "该事项须由个人申请",
            ));
        }
        (Jurisdiction::CityWide, _) => unreachable!("handled above"),
    };
    // Walk up from the region until a level the item is implemented at.
    let mut code = Some(start);
    let mut steps = 0;
    while let Some(c) = code {
        if let Some((d, _)) = implementations.iter().find(|(_, r)| *r == c) {
            return Ok(*d);
        }
        let region = regions.iter().find(|r| r.code == c);
        if region.is_none() {
            return Err(FieldError::new(
                field,
                "region.unknown",
                crate::text!("行政区划代码“{code}”不存在", code = c.to_string()),
            ));
        }
        code = region.and_then(|r| r.parent.clone());
        steps += 1;
        if steps > 8 {
            break;
        }
    }
    Err(no_impl())
}

/// What a window's ID-card reader (身份证读卡器) read from a card's chip,
/// as the window's local device service reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipRead {
    /// The reader's serial number, as its device service reports it.
    pub device: String,
    /// The name on the chip.
    pub name: String,
    /// The ID number on the chip.
    pub id_number: String,
}

/// The largest reader serial kept.
pub const DEVICE_SERIAL_MAX: usize = 64;

/// Whether a chip read may stand for the applicant's identity: only a
/// person's, and only when the name and number entered are the chip's — a
/// read the clerk then edited records nothing it did not read.
pub fn check_chip_read(applicant: &Applicant, read: &ChipRead) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    let device = read.device.trim();
    if device.is_empty()
        || device.len() > DEVICE_SERIAL_MAX
        || !device
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        e.push(FieldError::new(
            "identity_read.device",
            "identity.device",
            "读卡器编号无效（1至64位字母、数字、点、横线或下划线）",
        ));
    }
    match applicant {
        Applicant::Person {
            name, id_number, ..
        } => {
            if name.trim() != read.name.trim() {
                e.push(FieldError::new(
                    "applicant.name",
                    "identity.mismatch",
                    "姓名与身份证读卡结果不一致：请重新读卡，或清除读卡结果后手工录入",
                ));
            }
            if !id_number.trim().eq_ignore_ascii_case(read.id_number.trim()) {
                e.push(FieldError::new(
                    "applicant.id_number",
                    "identity.mismatch",
                    "身份证号码与读卡结果不一致：请重新读卡，或清除读卡结果后手工录入",
                ));
            }
        }
        Applicant::Company { .. } => e.push(FieldError::new(
            "identity_read",
            "identity.not_person",
            "读卡核验只适用于个人申请人",
        )),
    }
    e.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_household_region_defaults_to_the_one_the_id_number_names() {
        let today = time::macros::date!(2026 - 12 - 05);
        let input = |id: &str, hh: &str| ApplicantInput::Person {
            name: "林秀英".into(),
            id_number: id.into(),
            phone: "13805940001".into(),
            household_region: hh.into(),
            residence_region: None,
            address: String::new(),
        };
        let known = |c: &str| ["350304", "350322"].contains(&c);
        // Left empty: 荔城区, from 350304…
        match input("350304195103120027", "").validate(today, known) {
            Ok(Applicant::Person {
                household_region, ..
            }) => assert_eq!(household_region.as_str(), "350304"),
            other => panic!("{other:?}"),
        }
        // … but a region chosen wins.
        match input("350304195103120027", "350322").validate(today, known) {
            Ok(Applicant::Person {
                household_region, ..
            }) => assert_eq!(household_region.as_str(), "350322"),
            other => panic!("{other:?}"),
        }
        // A number from outside the city asks for the region, saying why.
        let e = input("110101199003070038", "")
            .validate(today, known)
            .unwrap_err();
        assert_eq!(e.0[0].field, "applicant.household_region");
        assert!(e.0[0].message.contains("110101"), "{}", e.0[0].message);
        // Without a valid number, the region is simply required.
        let e = input("", "").validate(today, known).unwrap_err();
        assert!(
            e.0.iter()
                .any(|f| f.field == "applicant.household_region" && f.message == "请选择行政区划")
        );
    }

    #[test]
    fn an_account_applies_online_only_as_itself_its_company_or_as_agent() {
        let own = "350322198507150034";
        let who = RealName {
            name: "蔡文彬",
            id_number: Some(own),
        };
        let person = |name: &str, id: &str| Applicant::Person {
            name: name.into(),
            id_number: id.into(),
            phone: "13805940002".into(),
            household_region: RegionCode("350322".into()),
            residence_region: None,
            address: String::new(),
        };
        let company = |rep: &str| Applicant::Company {
            name: "莆田某某有限公司".into(),
            uscc: "91350300MA2Y0X0X0X".into(),
            registered_region: RegionCode("350302".into()),
            legal_representative: rep.into(),
            phone: "13805940002".into(),
            address: String::new(),
        };
        let agent = |name: &str, id: &str| Agent {
            name: name.into(),
            id_number: id.into(),
            phone: "13805940002".into(),
        };
        let code = |r: Result<(), FieldError>| r.err().map(|e| (e.field, e.code));
        assert_eq!(
            code(check_applies_as_self(who, &person("蔡文彬", own), None)),
            None
        );
        let lin = "350304195103120027";
        assert_eq!(
            code(check_applies_as_self(who, &person("林秀英", lin), None)),
            Some(("applicant.id_number".into(), "applicant.not_self"))
        );
        assert_eq!(
            code(check_applies_as_self(who, &person("林秀英", own), None)),
            Some(("applicant.name".into(), "applicant.not_self"))
        );
        // As the recorded agent, for another person or a company.
        let me = agent("蔡文彬", own);
        assert_eq!(
            code(check_applies_as_self(
                who,
                &person("林秀英", lin),
                Some(&me)
            )),
            None
        );
        assert_eq!(
            code(check_applies_as_self(who, &company("张三"), Some(&me))),
            None
        );
        assert_eq!(
            code(check_applies_as_self(
                who,
                &person("林秀英", lin),
                Some(&agent("林秀英", lin))
            )),
            Some(("agent.id_number".into(), "applicant.not_self"))
        );
        assert_eq!(
            code(check_applies_as_self(who, &company("蔡文彬"), None)),
            None
        );
        assert_eq!(
            code(check_applies_as_self(who, &company("张三"), None)),
            Some((
                "applicant.legal_representative".into(),
                "applicant.not_representative"
            ))
        );
        let anonymous = RealName {
            name: "蔡文彬",
            id_number: None,
        };
        assert_eq!(
            code(check_applies_as_self(
                anonymous,
                &person("蔡文彬", own),
                None
            )),
            Some(("applicant.id_number".into(), "account.not_real_name"))
        );
    }
    use crate::validate::id_check_char;
    use time::macros::date;

    fn id(first17: &str) -> String {
        format!("{first17}{}", id_check_char(first17.as_bytes()))
    }

    fn person(hh: &str) -> ApplicantInput {
        ApplicantInput::Person {
            name: "林秀英".into(),
            id_number: id("35032219800101123"),
            phone: "13805941234".into(),
            household_region: hh.into(),
            residence_region: None,
            address: "仙游县鲤城街道".into(),
        }
    }

    #[test]
    fn applicants_validate_every_field() {
        let exists = |c: &str| ["350300", "350322", "350302001"].contains(&c);
        let ok = person("350322")
            .validate(date!(2026 - 11 - 28), exists)
            .unwrap();
        assert_eq!(ok.name(), "林秀英");
        let m = ok.masked();
        let Applicant::Person {
            id_number, phone, ..
        } = &m
        else {
            panic!()
        };
        assert_eq!(
            id_number,
            "350322********1234"
                .replace("1234", &id("35032219800101123")[14..])
                .as_str()
        );
        assert_eq!(phone, "138****1234");
        assert!(!format!("{ok:?}").contains("19800101"));
        let bad = ApplicantInput::Person {
            name: " ".into(),
            id_number: "123".into(),
            phone: "12".into(),
            household_region: "999999".into(),
            residence_region: Some("888888".into()),
            address: String::new(),
        };
        let e = bad.validate(date!(2026 - 11 - 28), exists).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "applicant.name",
            "applicant.id_number",
            "applicant.phone",
            "applicant.household_region",
            "applicant.residence_region",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        let company = ApplicantInput::Company {
            name: "莆田市某某鞋业有限公司".into(),
            uscc: "91350100M000100Y43".into(),
            registered_region: "350302001".into(),
            legal_representative: "陈志明".into(),
            phone: "13905940000".into(),
            address: String::new(),
        };
        assert!(company.validate(date!(2026 - 11 - 28), exists).is_ok());
    }

    #[test]
    fn only_a_scan_or_an_e_licence_puts_a_material_on_the_electronic_file() {
        let checklist = agent_materials(&[]);
        let keys: Vec<&str> = checklist.iter().map(|m| m.key.as_str()).collect();
        let (a, b) = (keys[0], keys[1]);
        let missing = |r: &[(&str, &str)]| -> Vec<String> {
            unscanned(&checklist, r.iter().copied())
                .iter()
                .map(|m| m.key.clone())
                .collect()
        };
        assert_eq!(missing(&[]), vec![a, b]);
        assert_eq!(
            missing(&[(a, "paper")]),
            vec![a, b],
            "paper is not electronic"
        );
        assert_eq!(missing(&[(a, "scan")]), vec![b]);
        assert_eq!(missing(&[(a, "paper"), (b, "license")]), vec![a]);
        assert!(missing(&[(a, "scan"), (b, "scan"), (b, "paper")]).is_empty());
    }

    #[test]
    fn a_chip_read_stands_only_for_the_person_it_names() {
        let person = |name: &str, id: &str| Applicant::Person {
            name: name.into(),
            id_number: id.into(),
            phone: "13805940001".into(),
            household_region: RegionCode("350304".into()),
            residence_region: None,
            address: String::new(),
        };
        let read = |device: &str| ChipRead {
            device: device.into(),
            name: "林秀英".into(),
            id_number: "35030419510312002x".into(),
        };
        let fields = |r: Result<(), ValidationErrors>| -> Vec<(String, &'static str)> {
            r.err()
                .map(|e| e.0.into_iter().map(|f| (f.field, f.code)).collect())
                .unwrap_or_default()
        };
        let lin = person("林秀英", "35030419510312002X");
        // The same person (the check letter in either case) is read.
        assert!(check_chip_read(&lin, &read("SIM-IDR-0001")).is_ok());
        // The number or the name edited after reading is named.
        assert_eq!(
            fields(check_chip_read(
                &person("林秀英", "350322198507150034"),
                &read("SIM-IDR-0001")
            )),
            [("applicant.id_number".to_owned(), "identity.mismatch")]
        );
        assert_eq!(
            fields(check_chip_read(
                &person("林秀", "35030419510312002X"),
                &read("SIM-IDR-0001")
            )),
            [("applicant.name".to_owned(), "identity.mismatch")]
        );
        // A reader serial that is no serial.
        for bad in ["", "读卡器", "a b", &"x".repeat(65)] {
            assert_eq!(
                fields(check_chip_read(&lin, &read(bad))),
                [("identity_read.device".to_owned(), "identity.device")],
                "{bad}"
            );
        }
        // A company has no ID card to read.
        let company = Applicant::Company {
            name: "莆田某某有限公司".into(),
            uscc: "91350300MA2XXXXX0X".into(),
            registered_region: RegionCode("350304".into()),
            legal_representative: "林秀英".into(),
            phone: "13805940001".into(),
            address: String::new(),
        };
        assert_eq!(
            fields(check_chip_read(&company, &read("SIM-IDR-0001"))),
            [("identity_read".to_owned(), "identity.not_person")]
        );
    }
}
