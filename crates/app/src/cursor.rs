//! Opaque page cursors: a list's sort key as `|`-separated parts, hex
//! encoded. One codec and one error for every keyset-paged list (cases,
//! rectifications, the audit log).

use crate::{AppError, AppResult};

/// The longest cursor accepted.
const MAX_LEN: usize = 200;

/// The cursor of a key given as its parts.
pub fn encode(parts: &[&str]) -> String {
    hex::encode(parts.join("|"))
}

/// The error of a cursor that is not one: the bad field `cursor`.
pub fn bad() -> AppError {
    AppError::field("cursor", "invalid", "翻页位置无效，请从第一页重新查看")
}

/// The parts of a cursor, or [`bad`].
pub fn decode(cursor: &str) -> AppResult<Vec<String>> {
    if cursor.len() > MAX_LEN {
        return Err(bad());
    }
    let text = hex::decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    Ok(text.split('|').map(str::to_owned).collect())
}

/// A number of a cursor, or [`bad`].
pub fn number(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| bad())
}

/// A day (`YYYY-MM-DD`) of a cursor, or [`bad`].
pub fn day(s: &str) -> AppResult<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad())
}

/// The cursor of the audit log's next page (the last event's time and id).
pub fn encode_audit(key: tongban_store::AuditKey) -> String {
    encode(&["a", &key.at.to_string(), &key.id.to_string()])
}

/// The event an audit cursor names, or [`bad`].
pub fn decode_audit(cursor: &str) -> AppResult<tongban_store::AuditKey> {
    match decode(cursor)?.as_slice() {
        [a, at, id] if a == "a" => {
            let (at, id) = (number(at)?, number(id)?);
            if at < 0 || id <= 0 {
                return Err(bad());
            }
            Ok(tongban_store::AuditKey { at, id })
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trips_and_names_the_field_of_a_bad_one() {
        let c = super::encode(&["d", "2026-12-01", "5", "7"]);
        assert_eq!(super::decode(&c).unwrap(), ["d", "2026-12-01", "5", "7"]);
        let key = tongban_store::AuditKey {
            at: 1_700_000_000_000,
            id: 42,
        };
        assert_eq!(super::decode_audit(&super::encode_audit(key)).unwrap(), key);
        let old_form = super::encode(&["a", "42"]);
        for bad in [
            "zz",
            "0",
            &"00".repeat(101),
            &super::encode(&["a", "1", "-1"]),
            &old_form,
        ] {
            assert!(super::decode_audit(bad).is_err(), "{bad}");
        }
        assert!(super::day("2026-13-01").is_err());
        assert!(super::number("x").is_err());
    }
}
