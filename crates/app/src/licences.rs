//! The e-licence library (电子证照库): which licences a holder has, so an
//! applicant or a window picks a real licence instead of handing in the
//! paper (免提交). A province's library is plugged in behind
//! [`LicenceLibrary`]; the demo's [`DemoLibrary`] answers from fixed rules.

use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// One licence in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Licence {
    /// Licence type, as the catalogue names it (e.g. 居民身份证).
    pub kind: String,
    /// The library's identifier of this licence (电子证照标识).
    pub reference: String,
    /// Who issued it.
    pub issuer: String,
}

impl Licence {
    /// As a person reads it: the type, the issuer and the identifier's end.
    pub fn label(&self) -> tongban_domain::i18n::Text {
        let tail: String = self
            .reference
            .chars()
            .rev()
            .take(12)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        tongban_domain::text!(
            "电子{kind}（{issuer}，证照标识…{tail}）",
            kind = &self.kind,
            issuer = &self.issuer,
            tail = tail
        )
    }
}

/// Looks licences up by their holder's ID number or credit code.
#[async_trait::async_trait]
pub trait LicenceLibrary: Send + Sync + std::fmt::Debug {
    /// The holder's licences (none for an unknown holder).
    async fn licences(&self, holder: &str) -> std::io::Result<Vec<Licence>>;
}

/// The demo's library: every citizen ID number holds an e-ID card and a
/// social security card; a Putian household (ID prefix 3503) also holds the
/// e-household register; a credit code holds the e-business licence. Other
/// licences are not in the demo library, so those materials are scanned.
/// Identifiers follow GB/T 36904 (`1.2.156.3005.2.<type>.<issuer's credit
/// code>.<serial>.<version>.<check>`), the serial a hash of the holder (no
/// personal number in it).
#[derive(Debug, Default)]
pub struct DemoLibrary;

/// (licence type, its 21-character type code, issuer, the issuer's credit
/// code without its check character). Illustrative codes, not official.
type Kind = (&'static str, &'static str, &'static str, &'static str);

const PERSON: &[Kind] = &[
    (
        "居民身份证",
        "11100000000013338W011",
        "莆田市公安局",
        "11350300MB0143028",
    ),
    (
        "社会保障卡",
        "11100000000013127D001",
        "莆田市人力资源和社会保障局",
        "11350300MB0143116",
    ),
];
const PUTIAN_HOUSEHOLD: Kind = (
    "户口簿",
    "11100000000013338W012",
    "莆田市公安局",
    "11350300MB0143028",
);
const COMPANY: Kind = (
    "营业执照",
    "11100000MB0143028R001",
    "莆田市市场监督管理局",
    "11350300MB0143204",
);

fn licence(holder: &str, (kind, kind_code, issuer, issuer_code): Kind) -> Licence {
    let h = Sha256::digest(format!("{kind_code}:{holder}").as_bytes());
    let serial: String = h.iter().take(8).map(|b| format!("{b:02X}")).collect();
    let uscc = format!(
        "{issuer_code}{}",
        tongban_domain::validate::uscc_check_char(issuer_code).unwrap_or('0')
    );
    Licence {
        kind: kind.into(),
        reference: tongban_domain::validate::licence_identifier(kind_code, &uscc, &serial, 1),
        issuer: issuer.into(),
    }
}

#[async_trait::async_trait]
impl LicenceLibrary for DemoLibrary {
    async fn licences(&self, holder: &str) -> std::io::Result<Vec<Licence>> {
        let holder = holder.trim().to_ascii_uppercase();
        let person = holder.len() == 18
            && holder[..17].bytes().all(|b| b.is_ascii_digit())
            && tongban_domain::validate::id_check_char(&holder.as_bytes()[..17])
                == char::from(holder.as_bytes()[17]);
        if person {
            let mut out: Vec<Licence> = PERSON.iter().map(|k| licence(&holder, *k)).collect();
            if holder.starts_with("3503") {
                out.push(licence(&holder, PUTIAN_HOUSEHOLD));
            }
            return Ok(out);
        }
        if tongban_domain::validate::validate_uscc("uscc", &holder).is_ok() {
            return Ok(vec![licence(&holder, COMPANY)]);
        }
        Ok(vec![])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_library_answers_by_holder() {
        let lib = DemoLibrary;
        let putian = lib.licences("350304195103120027").await.unwrap();
        let kinds: Vec<&str> = putian.iter().map(|l| l.kind.as_str()).collect();
        assert_eq!(kinds, ["居民身份证", "社会保障卡", "户口簿"]);
        assert!(putian.iter().all(|l| !l.reference.contains("350304")));
        assert_eq!(putian, lib.licences("350304195103120027").await.unwrap());
        let elsewhere = lib.licences("110101199003070011").await.unwrap();
        assert_eq!(elsewhere.len(), 2, "no Putian household register");
        assert!(lib.licences("350304195103120028").await.unwrap().is_empty());
        assert!(lib.licences("nonsense").await.unwrap().is_empty());
        assert!(
            putian[0]
                .label()
                .starts_with("电子居民身份证（莆田市公安局")
        );
    }
}
