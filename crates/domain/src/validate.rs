//! Field validation: ID numbers (GB 11643), unified social credit codes
//! (GB 32100), mobile numbers. Every error names the field and says in zh-CN
//! what is wrong, with a machine code beside it.

use serde::Serialize;
use std::fmt;
use time::{Date, Month};

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field, as the caller named it (e.g. `applicant.id_number`).
    pub field: String,
    /// A stable machine code, e.g. `id_number.check_digit`.
    pub code: &'static str,
    /// What is wrong: zh-CN, shown in the caller's language.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message: crate::i18n::Text,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<crate::i18n::Text>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same error under another field name (e.g. prefixed by its parent object).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in one input, so the caller can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Adds an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    /// Adds the error of `r`, if any.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
    /// Adds every error of `r`, if any.
    pub fn take<T>(&mut self, r: Result<T, ValidationErrors>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.extend(e.0);
                None
            }
        }
    }
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Ok(v)` when empty, else `Err(self)`.
    pub fn into_result<T>(self, v: T) -> Result<T, ValidationErrors> {
        if self.is_empty() { Ok(v) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        ValidationErrors(vec![e])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("；")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// A valid 18-digit resident ID number (公民身份号码).
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

impl IdNumber {
    /// The full number. Use [`mask_id_number`] for anything shown in a list or log.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The six-digit address code (the household region at first issue).
    pub fn region_prefix(&self) -> &str {
        &self.0[..6]
    }
    /// The birth date encoded in the number.
    pub fn birth_date(&self) -> Date {
        parse_birth(&self.0[6..14]).expect("validated at construction")
    }
    /// Whether the number is a man's (the 17th digit is odd).
    pub fn is_male(&self) -> bool {
        self.0.as_bytes()[16] % 2 == 1
    }
    /// The sex, in words (男/女).
    pub fn sex_label(&self) -> &'static str {
        if self.is_male() { "男" } else { "女" }
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", mask_id_number(&self.0))
    }
}

fn parse_birth(s: &str) -> Option<Date> {
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u8 = s.get(4..6)?.parse().ok()?;
    let d: u8 = s.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// The GB 11643 check character for the first 17 digits.
pub fn id_check_char(first17: &[u8]) -> char {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = first17
        .iter()
        .zip(W)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    C[(sum % 11) as usize]
}

/// Validates an 18-digit ID number: digits, GB 11643 check character, a real
/// birth date not in the future (relative to `today`), and a province prefix
/// that exists (`known_province` decides; the city's region table knows more).
pub fn validate_id_number(
    field: &str,
    raw: &str,
    today: Date,
    known_province: impl Fn(&str) -> bool,
) -> Result<IdNumber, FieldError> {
    let s = raw.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "请填写公民身份号码"));
    }
    if s.chars().count() != 18 {
        return Err(FieldError::new(
            field,
            "id_number.length",
            crate::text!(
                "公民身份号码应为18位，当前为{len}位",
                len = s.chars().count()
            ),
        ));
    }
    let b = s.as_bytes();
    if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(FieldError::new(
            field,
            "id_number.format",
            "公民身份号码前17位应为数字，最后一位为数字或X",
        ));
    }
    if !known_province(&s[..2]) {
        return Err(FieldError::new(
            field,
            "id_number.region",
            crate::text!(
                "公民身份号码的地址码“{code}”不是有效的行政区划代码",
                code = s[..6].to_string()
            ),
        ));
    }
    let Some(birth) = parse_birth(&s[6..14]) else {
        return Err(FieldError::new(
            field,
            "id_number.birth_date",
            crate::text!(
                "公民身份号码中的出生日期“{date}”不是有效日期",
                date = s[6..14].to_string()
            ),
        ));
    };
    if birth > today || birth.year() < 1900 {
        return Err(FieldError::new(
            field,
            "id_number.birth_date",
            crate::text!(
                "公民身份号码中的出生日期“{date}”不在合理范围内",
                date = s[6..14].to_string()
            ),
        ));
    }
    let expected = id_check_char(&b[..17]);
    if char::from(b[17]) != expected {
        return Err(FieldError::new(
            field,
            "id_number.check_digit",
            "公民身份号码校验位不正确，请核对是否录入有误",
        ));
    }
    Ok(IdNumber(s))
}

/// The province-level codes of GB/T 2260 (first two digits of an ID number).
pub fn is_province_code(p: &str) -> bool {
    matches!(
        p,
        "11" | "12"
            | "13"
            | "14"
            | "15"
            | "21"
            | "22"
            | "23"
            | "31"
            | "32"
            | "33"
            | "34"
            | "35"
            | "36"
            | "37"
            | "41"
            | "42"
            | "43"
            | "44"
            | "45"
            | "46"
            | "50"
            | "51"
            | "52"
            | "53"
            | "54"
            | "61"
            | "62"
            | "63"
            | "64"
            | "65"
            | "71"
            | "81"
            | "82"
    )
}

/// Masks an ID number for lists and logs: `350322********123X` style (first 6, last 4).
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..6].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 10));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// Masks a mobile number: `138****5678`.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// The GB 32100 character set (no I, O, Z, S, V).
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The GB 32100 check character for the first 17 characters, if they are all valid.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let mut sum = 0u32;
    for (c, w) in first17.bytes().zip(W) {
        let v = USCC_CHARS.iter().position(|&x| x == c)? as u32;
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(USCC_CHARS[check as usize]))
}

/// A valid unified social credit code (统一社会信用代码).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uscc(String);

impl Uscc {
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Validates a unified social credit code: 18 characters of the GB 32100 set
/// and the right check character.
pub fn validate_uscc(field: &str, raw: &str) -> Result<Uscc, FieldError> {
    let s = raw.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "请填写统一社会信用代码"));
    }
    if s.chars().count() != 18 {
        return Err(FieldError::new(
            field,
            "uscc.length",
            crate::text!(
                "统一社会信用代码应为18位，当前为{len}位",
                len = s.chars().count()
            ),
        ));
    }
    let Some(expected) = uscc_check_char(&s[..17]) else {
        return Err(FieldError::new(
            field,
            "uscc.format",
            "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）",
        ));
    };
    if !s[6..8].bytes().all(|b| b.is_ascii_digit()) || !s[2..8].bytes().all(|b| b.is_ascii_digit())
    {
        return Err(FieldError::new(
            field,
            "uscc.format",
            "统一社会信用代码第3至8位应为登记管理机关行政区划码",
        ));
    }
    if s.as_bytes()[17] != expected as u8 {
        return Err(FieldError::new(
            field,
            "uscc.check_digit",
            "统一社会信用代码校验位不正确，请核对是否录入有误",
        ));
    }
    Ok(Uscc(s))
}

/// The ISO 7064 MOD 37,36 check character (hybrid system over `0-9A-Z`)
/// for `s`, or `None` if `s` holds another character.
pub fn mod37_36_check_char(s: &str) -> Option<char> {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut p = 36u32;
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&x| x == c)? as u32;
        let mut t = (p + v) % 36;
        if t == 0 {
            t = 36;
        }
        p = (2 * t) % 37;
    }
    Some(char::from(ALPHABET[((37 - p) % 36) as usize]))
}

/// The OID prefix of an e-licence identifier (GB/T 36904).
pub const LICENCE_ID_PREFIX: &str = "1.2.156.3005.2.";

/// Validates an e-licence identifier (电子证照标识, GB/T 36904):
/// `1.2.156.3005.2.<type code, 21>.<issuer's credit code, 18>.<serial>.
/// <version, 3 digits>.<check character>`. The check character is ISO 7064
/// MOD 37,36 over the identifier's characters before it, dots left out.
pub fn validate_licence_identifier(field: &str, raw: &str) -> Result<String, FieldError> {
    let s = raw.trim().to_ascii_uppercase();
    let bad = |msg: &str| Err(FieldError::new(field, "licence.format", msg.to_owned()));
    if s.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "请选择或填写电子证照标识",
        ));
    }
    let Some(rest) = s.strip_prefix(LICENCE_ID_PREFIX) else {
        return bad("电子证照标识应以 1.2.156.3005.2. 开头");
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let [kind, issuer, serial, version, check] = parts[..] else {
        return bad("电子证照标识应由证照类型代码、颁发机构代码、顺序号、版本号和校验位组成");
    };
    let alnum = |x: &str| {
        x.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    };
    if kind.len() != 21 || !alnum(kind) {
        return bad("电子证照类型代码应为21位字母或数字");
    }
    if validate_uscc(field, issuer).is_err() {
        return bad("颁发机构代码应为有效的统一社会信用代码");
    }
    if serial.is_empty() || serial.len() > 64 || !alnum(serial) {
        return bad("电子证照顺序号应为1至64位字母或数字");
    }
    if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return bad("电子证照版本号应为3位数字");
    }
    let body: String = s[..s.len() - check.len() - 1]
        .chars()
        .filter(|c| *c != '.')
        .collect();
    if check.len() != 1 || mod37_36_check_char(&body).map(String::from).as_deref() != Some(check) {
        return Err(FieldError::new(
            field,
            "licence.check_digit",
            "电子证照标识校验位不正确，请核对是否录入有误",
        ));
    }
    Ok(s)
}

/// Builds an e-licence identifier with its check character.
pub fn licence_identifier(kind: &str, issuer: &str, serial: &str, version: u16) -> String {
    let head = format!("{LICENCE_ID_PREFIX}{kind}.{issuer}.{serial}.{version:03}");
    let body: String = head.chars().filter(|c| *c != '.').collect();
    let check = mod37_36_check_char(&body).unwrap_or('0');
    format!("{head}.{check}")
}

/// Validates a mainland mobile number: 11 digits starting with 1[3-9].
pub fn validate_mobile(field: &str, raw: &str) -> Result<String, FieldError> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "请填写手机号码"));
    }
    let b = s.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' || b[1] < b'3' {
        return Err(FieldError::new(
            field,
            "mobile.format",
            "手机号码应为以13至19开头的11位数字",
        ));
    }
    Ok(s)
}

/// Checks that a required text field is present and not longer than `max` characters.
pub fn required_text(
    field: &str,
    label: &'static str,
    raw: &str,
    max: usize,
) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            crate::text!("请填写{label}", label = label),
        ));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            crate::text!("{label}不能超过{max}个字", label = label, max = max),
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 28);

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", id_check_char(first17.as_bytes()))
    }

    #[test]
    fn id_number_accepts_valid_and_names_each_fault() {
        let ok = with_check("35032219800101123");
        let id = validate_id_number("id", &ok, TODAY, is_province_code).unwrap();
        assert_eq!(id.region_prefix(), "350322");
        assert_eq!(id.birth_date(), date!(1980 - 01 - 01));
        // GB 11643 worked example.
        assert_eq!(id_check_char(b"11010519491231002"), 'X');
        let e = |s: &str| {
            validate_id_number("applicant.id_number", s, TODAY, is_province_code).unwrap_err()
        };
        assert_eq!(e("").code, "required");
        assert_eq!(e("3503221980").code, "id_number.length");
        assert_eq!(e("35032219800101123A").code, "id_number.format");
        assert_eq!(e(&with_check("99032219800101123")).code, "id_number.region");
        assert_eq!(
            e(&with_check("35032219800230123")).code,
            "id_number.birth_date"
        );
        assert_eq!(
            e(&with_check("35032230000101123")).code,
            "id_number.birth_date"
        );
        let mut bad = ok.clone().into_bytes();
        bad[17] = if bad[17] == b'1' { b'2' } else { b'1' };
        let err = e(std::str::from_utf8(&bad).unwrap());
        assert_eq!(err.code, "id_number.check_digit");
        assert_eq!(err.field, "applicant.id_number");
        assert!(err.message.contains("校验位"));
    }

    #[test]
    fn lowercase_x_is_accepted() {
        let id = "11010519491231002x";
        assert!(validate_id_number("id", id, TODAY, is_province_code).is_ok());
    }

    #[test]
    fn uscc_check_character() {
        // A published example code.
        assert!(validate_uscc("c", "91350100M000100Y43").is_ok());
        assert_eq!(
            validate_uscc("c", "91350100M000100Y44").unwrap_err().code,
            "uscc.check_digit"
        );
        assert_eq!(
            validate_uscc("c", "91350100M000100I43").unwrap_err().code,
            "uscc.format"
        );
        assert_eq!(validate_uscc("c", "9135").unwrap_err().code, "uscc.length");
    }

    #[test]
    fn mobile_numbers() {
        assert_eq!(
            validate_mobile("m", "138 0594 1234").unwrap(),
            "13805941234"
        );
        assert_eq!(
            validate_mobile("m", "12805941234").unwrap_err().code,
            "mobile.format"
        );
        assert_eq!(
            validate_mobile("m", "0594-1234567").unwrap_err().code,
            "mobile.format"
        );
    }

    #[test]
    fn masking() {
        assert_eq!(mask_id_number("350322198001011234"), "350322********1234");
        assert_eq!(mask_phone("13805941234"), "138****1234");
        let id = validate_id_number(
            "id",
            &with_check("35032219800101123"),
            TODAY,
            is_province_code,
        )
        .unwrap();
        assert!(!format!("{id:?}").contains("19800101"));
    }

    #[test]
    fn mod37_36_check_characters() {
        // ISO 7064 hybrid check: a string with its check character checks to 1.
        for body in ["0", "A", "ZZZZ", "12315600030052", "ABCDEF1234567890"] {
            let c = mod37_36_check_char(body).unwrap();
            let mut p = 36u32;
            let mut t = 0;
            for ch in format!("{body}{c}").bytes() {
                let v = if ch.is_ascii_digit() {
                    ch - b'0'
                } else {
                    ch - b'A' + 10
                };
                t = (p + u32::from(v)) % 36;
                if t == 0 {
                    t = 36;
                }
                p = (2 * t) % 37;
            }
            assert_eq!(t, 1, "{body}{c}");
        }
        assert_eq!(mod37_36_check_char("a"), None);
    }

    #[test]
    fn licence_identifiers() {
        let issuer = format!("11350300MB014302{}", "8");
        let issuer = format!(
            "{}{}",
            &issuer[..17],
            uscc_check_char(&issuer[..17]).unwrap()
        );
        let id = licence_identifier("11100000000013338W011", &issuer, "0A1B2C3D", 1);
        assert_eq!(validate_licence_identifier("f", &id).unwrap(), id);
        assert_eq!(
            validate_licence_identifier("f", &id.to_ascii_lowercase()).unwrap(),
            id
        );
        // Every single-character slip is caught.
        let last = id.len() - 1;
        for (i, c) in id.char_indices().filter(|(_, c)| c.is_ascii_alphanumeric()) {
            if i < LICENCE_ID_PREFIX.len() {
                continue;
            }
            let other = if c == '0' { '1' } else { '0' };
            let typo = format!("{}{other}{}", &id[..i], &id[i + 1..]);
            let e = validate_licence_identifier("f", &typo).unwrap_err();
            assert!(
                e.code == "licence.check_digit" || e.code == "licence.format",
                "{typo} at {i} (check at {last}): {e:?}"
            );
        }
        for bad in [
            "",
            "HKB-350304-0001",
            "1.2.156.3005.2.SHORT.X.1.001.0",
            &id.replace(".001.", ".1."),
        ] {
            assert!(validate_licence_identifier("f", bad).is_err(), "{bad}");
        }
    }
}
