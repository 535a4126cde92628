//! Identifier newtypes, so a hall id can never be passed where a department id is meant.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

macro_rules! str_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl $name {
            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

int_id!(
    /// A service hall (行政服务中心 / 便民服务中心 / 邻里中心).
    HallId
);
int_id!(
    /// A counter in a hall.
    WindowId
);
int_id!(
    /// A deciding department (审批部门).
    DepartmentId
);
int_id!(
    /// A user account.
    UserId
);
int_id!(
    /// A case's internal id (never shown: people see its [`CaseNo`]).
    CaseId
);
str_id!(
    /// A region code (GB/T 2260 for city/county, NBS 9/12 digits below, or a documented local code).
    RegionCode
);
str_id!(
    /// The code of a catalogue item (政务服务事项编码).
    ItemCode
);

/// A case number (办件编号): `TB`, the day it was opened (`YYYYMMDD`) and an
/// eight-digit serial. Only a well-formed number is ever looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CaseNo(String);

impl CaseNo {
    /// The number, if `s` is one: `TB` and 16 digits.
    pub fn parse(s: &str) -> Option<Self> {
        let digits = s.strip_prefix("TB")?;
        (digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(s.to_owned()))
    }

    /// The number as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::CaseNo;

    #[test]
    fn only_a_well_formed_case_number_parses() {
        assert_eq!(
            CaseNo::parse("TB2026120100000001").unwrap().as_str(),
            "TB2026120100000001"
        );
        for bad in [
            "",
            "TB",
            "TB202612010000000",
            "TB20261201000000012",
            "XX2026120100000001",
            "TB20261201000000a1",
            "TB２０２６１２０１００００００01",
        ] {
            assert!(CaseNo::parse(bad).is_none(), "{bad}");
        }
    }
}
