//! The timeline's hash chain: each event's hash covers the previous hash and
//! the event's own fields, so an edited, removed or reordered event breaks
//! the chain.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before a case's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that the chain covers.
#[derive(Debug, Clone, Serialize)]
pub struct ChainedFields<'a> {
    /// Case number.
    pub case_no: &'a str,
    /// Position in the timeline, from 1.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// Acting user id (0 for the system).
    pub actor: i64,
    /// The actor's role.
    pub role: &'a str,
    /// The action.
    pub action: &'a str,
    /// Status after the event.
    pub status: &'a str,
    /// The action's details, as stored JSON text.
    pub payload: &'a str,
}

/// `sha256(prev || "\n" || canonical JSON of the fields)`, hex: the link of
/// every hash chain here.
fn chain_hash(prev: &str, fields: &impl Serialize) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(fields).expect("plain fields serialise"));
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash of a case event chained to `prev`.
pub fn event_hash(prev: &str, f: &ChainedFields<'_>) -> String {
    chain_hash(prev, f)
}

/// Where a chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first event (by position) whose hash or order does not check.
    pub seq: i64,
    /// What is wrong.
    pub reason: &'static str,
}

/// A stored event, for verification.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// Fields covered by the hash (owned).
    pub seq: i64,
    /// Unix ms.
    pub at: i64,
    /// Actor.
    pub actor: i64,
    /// Role.
    pub role: String,
    /// Action.
    pub action: String,
    /// Status after.
    pub status: String,
    /// Payload JSON.
    pub payload: String,
    /// Stored previous hash.
    pub prev_hash: String,
    /// Stored hash.
    pub hash: String,
}

/// Checks a case's events, in stored position order.
pub fn verify(case_no: &str, events: &[StoredEvent]) -> Result<(), Break> {
    let mut prev = GENESIS.to_owned();
    for (i, e) in events.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if e.seq != expected_seq {
            return Err(Break {
                seq: expected_seq,
                reason: "event missing or out of order",
            });
        }
        if e.prev_hash != prev {
            return Err(Break {
                seq: e.seq,
                reason: "previous hash does not match",
            });
        }
        let f = ChainedFields {
            case_no,
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            role: &e.role,
            action: &e.action,
            status: &e.status,
            payload: &e.payload,
        };
        if event_hash(&prev, &f) != e.hash {
            return Err(Break {
                seq: e.seq,
                reason: "event content does not match its hash",
            });
        }
        prev = e.hash.clone();
    }
    Ok(())
}

/// The fields of a security audit event that the audit chain covers.
#[derive(Debug, Clone, Serialize)]
pub struct AuditFields<'a> {
    /// Position in the log, from 1.
    pub seq: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// What happened (`login`, `login_failed`, `denied`, `grant_created`, …).
    pub kind: &'a str,
    /// The acting account, if known.
    pub actor: Option<i64>,
    /// The user name given (also for failed sign-ins of unknown names).
    pub username: Option<&'a str>,
    /// The client address.
    pub addr: &'a str,
    /// What it concerns: a case number, a grant id, an account.
    pub subject: &'a str,
    /// Details, as stored JSON text (never a full personal number).
    pub detail: &'a str,
}

/// `sha256(prev || "\n" || canonical JSON of the fields)`, hex — the same
/// construction as the case timelines.
pub fn audit_hash(prev: &str, f: &AuditFields<'_>) -> String {
    chain_hash(prev, f)
}

/// The kinds of audit event that record a refusal: a denied action, a
/// failed or throttled sign-in, an account or a case code under guessing.
pub const DENIED_AUDIT_KINDS: &[&str] = &[
    "denied",
    "login_failed",
    "login_throttled",
    "login_attack",
    "code_guessing",
];

/// The outcome an audit event of `kind` records: `denied` for the kinds of
/// [`DENIED_AUDIT_KINDS`], else `allowed` (stored with the event, so the log
/// is filtered by it on an index).
pub fn audit_outcome(kind: &str) -> &'static str {
    if DENIED_AUDIT_KINDS.contains(&kind) {
        "denied"
    } else {
        "allowed"
    }
}

/// A stored audit event, for verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAudit {
    /// Position.
    pub seq: i64,
    /// Unix ms.
    pub at: i64,
    /// Kind.
    pub kind: String,
    /// Acting account.
    pub actor: Option<i64>,
    /// User name.
    pub username: Option<String>,
    /// Client address.
    pub addr: String,
    /// Subject.
    pub subject: String,
    /// Details (JSON text).
    pub detail: String,
    /// Stored previous hash.
    pub prev_hash: String,
    /// Stored hash.
    pub hash: String,
}

impl StoredAudit {
    /// The chained fields.
    pub fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at: self.at,
            kind: &self.kind,
            actor: self.actor,
            username: self.username.as_deref(),
            addr: &self.addr,
            subject: &self.subject,
            detail: &self.detail,
        }
    }
}

/// Checks a run of the audit chain in position order, starting after the
/// event at `start_seq` whose hash is `start_hash` (`0` and [`GENESIS`] for
/// the whole log), so the log can be checked page by page.
pub fn verify_audit(start_seq: i64, start_hash: &str, events: &[StoredAudit]) -> Result<(), Break> {
    let mut prev = start_hash.to_owned();
    for (i, e) in events.iter().enumerate() {
        let expected_seq = start_seq + i as i64 + 1;
        if e.seq != expected_seq {
            return Err(Break {
                seq: expected_seq,
                reason: "event missing or out of order",
            });
        }
        if e.prev_hash != prev {
            return Err(Break {
                seq: e.seq,
                reason: "previous hash does not match",
            });
        }
        if audit_hash(&prev, &e.fields()) != e.hash {
            return Err(Break {
                seq: e.seq,
                reason: "event content does not match its hash",
            });
        }
        prev = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let payload = format!("{{\"n\":{seq}}}");
                let f = ChainedFields {
                    case_no: "C1",
                    seq,
                    at: seq * 10,
                    actor: 7,
                    role: "clerk",
                    action: "submit",
                    status: "submitted",
                    payload: &payload,
                };
                let hash = event_hash(&prev, &f);
                let e = StoredEvent {
                    seq,
                    at: seq * 10,
                    actor: 7,
                    role: "clerk".into(),
                    action: "submit".into(),
                    status: "submitted".into(),
                    payload,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn detects_edits_removals_and_reordering() {
        let c = chain(4);
        assert_eq!(verify("C1", &c), Ok(()));
        let mut edited = c.clone();
        edited[2].payload = "{\"n\":99}".into();
        assert_eq!(verify("C1", &edited).unwrap_err().seq, 3);
        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify("C1", &removed).unwrap_err().seq, 2);
        let mut swapped = c.clone();
        swapped.swap(1, 2);
        assert_eq!(verify("C1", &swapped).unwrap_err().seq, 2);
        let mut last_removed = c.clone();
        last_removed.pop();
        assert_eq!(
            verify("C1", &last_removed),
            Ok(()),
            "a dropped tail is caught by the case's stored version, not the chain"
        );
        assert!(verify("C2", &c).is_err(), "events belong to their case");
    }

    fn audit_chain(n: i64) -> Vec<StoredAudit> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = StoredAudit {
                    seq,
                    at: seq,
                    kind: "denied".into(),
                    actor: Some(3),
                    username: Some("clerk-city".into()),
                    addr: "10.0.0.1".into(),
                    subject: format!("TB{seq}"),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = audit_hash(&prev, &e.fields());
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn the_audit_chain_catches_edits_gaps_and_reorders() {
        let good = audit_chain(5);
        assert_eq!(verify_audit(0, GENESIS, &good), Ok(()));
        // Page by page.
        assert_eq!(verify_audit(2, &good[1].hash, &good[2..]), Ok(()));
        let mut edited = good.clone();
        edited[2].kind = "login".into();
        assert_eq!(verify_audit(0, GENESIS, &edited).unwrap_err().seq, 3);
        let mut gap = good.clone();
        gap.remove(1);
        assert_eq!(verify_audit(0, GENESIS, &gap).unwrap_err().seq, 2);
        let mut swapped = good.clone();
        swapped.swap(3, 4);
        assert_eq!(verify_audit(0, GENESIS, &swapped).unwrap_err().seq, 4);
    }
}
