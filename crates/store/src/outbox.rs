//! The outbox: messages written with the change that causes them, and what
//! the worker that sends them asks of the store.

use strum::{EnumString, IntoStaticStr, VariantArray};

/// What kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum MessageKind {
    /// A text message to a mobile number.
    Sms,
}

impl MessageKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A message to send once the change that causes it is durable.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Kind.
    pub kind: MessageKind,
    /// Where to (a mobile number for SMS).
    pub recipient: String,
    /// The text.
    pub body: String,
}

impl std::fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMessage")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, EnumString, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting to be sent (again).
    Pending,
    /// The gateway took it.
    Sent,
    /// Given up after every retry; an admin may resend it.
    Failed,
}

impl MessageStatus {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// A message in the outbox.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Id: the message's idempotency key at the gateway.
    pub id: i64,
    /// Kind (`sms`).
    pub kind: String,
    /// Where to.
    pub recipient: String,
    /// The text.
    pub body: String,
    /// The case it tells of.
    pub case_id: Option<i64>,
    /// Written, unix ms.
    pub created_at: i64,
    /// Where it stands.
    pub status: MessageStatus,
    /// Sending attempts so far.
    pub attempts: i32,
    /// Not before, unix ms.
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Sent, unix ms.
    pub sent_at: Option<i64>,
}

impl std::fmt::Debug for OutboxMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxMessage")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// The outcome of one sending attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The gateway took it.
    Sent,
    /// Try again at this instant.
    RetryAt(i64, String),
    /// Give up.
    GiveUp(String),
}

/// What the outbox asks of a database (one aggregate of the store).
#[async_trait::async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` pending messages due at `now`, leasing them until
    /// `lease_until`: no other worker gets them before then, and a worker
    /// that dies holding them only delays them.
    async fn claim_outbox(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> crate::Result<Vec<OutboxMessage>>;
    /// Records the outcomes of a pass's attempts, in one transaction.
    async fn record_attempts(&self, at: i64, outcomes: &[(i64, Attempt)]) -> crate::Result<()>;
    /// Messages with `status`, newest first, older than the message `before`
    /// (keyset paging on `(status, id)`).
    async fn outbox_messages(
        &self,
        status: MessageStatus,
        before: Option<i64>,
        limit: i64,
    ) -> crate::Result<Vec<OutboxMessage>>;
    /// Puts a failed message back in the queue (an admin's resend), with its
    /// audit event, in one transaction. `Conflict` unless it had failed.
    async fn resend_message(
        &self,
        id: i64,
        now: i64,
        audit: &crate::AuditEntry,
    ) -> crate::Result<OutboxMessage>;
}

/// An `outbox` row, as [`OUTBOX_COLUMNS`] reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: i64,
    kind: String,
    recipient: String,
    body: String,
    case_id: Option<i64>,
    created_at: i64,
    status: String,
    attempts: i32,
    next_attempt_at: i64,
    last_error: Option<String>,
    sent_at: Option<i64>,
}

impl TryFrom<MessageRow> for OutboxMessage {
    type Error = crate::StoreError;
    fn try_from(r: MessageRow) -> crate::Result<Self> {
        Ok(OutboxMessage {
            id: r.id,
            kind: r.kind,
            recipient: r.recipient,
            body: r.body,
            case_id: r.case_id,
            created_at: r.created_at,
            status: MessageStatus::parse(&r.status)
                .ok_or_else(|| crate::codec::corrupt("outbox status", &r.status))?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            sent_at: r.sent_at,
        })
    }
}

/// The columns of an outbox row.
pub(crate) const OUTBOX_COLUMNS: &str = "id, kind, recipient, body, case_id, created_at, status, attempts, next_attempt_at, last_error, sent_at";

macro_rules! impl_outbox {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::outbox::OutboxStore for $ty {
            async fn claim_outbox(&self, now: i64, lease_until: i64, limit: i64) -> $crate::Result<Vec<$crate::outbox::OutboxMessage>> {
                let mut tx = self.begin_write().await?;
                // The outer lease condition makes a concurrent claimer that
                // waited for the row lock skip what the first one took.
                let rows = sqlx::query_as::<_, $crate::outbox::MessageRow>(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET lease_until = $2
                     WHERE id IN (SELECT id FROM outbox
                                  WHERE status = 'pending' AND next_attempt_at <= $1
                                    AND (lease_until IS NULL OR lease_until <= $1)
                                  ORDER BY next_attempt_at, id LIMIT $3)
                       AND (lease_until IS NULL OR lease_until <= $1)
                     RETURNING {}",
                    $crate::outbox::OUTBOX_COLUMNS
                )))
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut out = rows
                    .into_iter()
                    .map($crate::outbox::OutboxMessage::try_from)
                    .collect::<$crate::Result<Vec<_>>>()?;
                out.sort_by_key(|m| (m.next_attempt_at, m.id));
                Ok(out)
            }

            async fn record_attempts(&self, at: i64, outcomes: &[(i64, $crate::outbox::Attempt)]) -> $crate::Result<()> {
                use $crate::outbox::Attempt;
                let mut tx = self.begin_write().await?;
                for (id, outcome) in outcomes {
                    let (status, next, error, sent) = match outcome {
                        Attempt::Sent => ("sent", None, None, Some(at)),
                        Attempt::RetryAt(t, e) => ("pending", Some(*t), Some(e.as_str()), None),
                        Attempt::GiveUp(e) => ("failed", None, Some(e.as_str()), None),
                    };
                    sqlx::query(
                        "UPDATE outbox SET status = $1, attempts = attempts + 1,
                           next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3,
                           sent_at = $4, lease_until = NULL
                         WHERE id = $5",
                    )
                    .bind(status)
                    .bind(next)
                    .bind(error)
                    .bind(sent)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn outbox_messages(
                &self,
                status: $crate::outbox::MessageStatus,
                before: Option<i64>,
                limit: i64,
            ) -> $crate::Result<Vec<$crate::outbox::OutboxMessage>> {
                sqlx::query_as::<_, $crate::outbox::MessageRow>(sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM outbox WHERE status = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                    $crate::outbox::OUTBOX_COLUMNS
                )))
                .bind(status.as_str())
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::outbox::OutboxMessage::try_from)
                .collect()
            }

            async fn resend_message(&self, id: i64, now: i64, audit: &$crate::AuditEntry) -> $crate::Result<$crate::outbox::OutboxMessage> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query_as::<_, $crate::outbox::MessageRow>(sqlx::AssertSqlSafe(format!(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, lease_until = NULL
                     WHERE id = $1 AND status = 'failed' RETURNING {}",
                    $crate::outbox::OUTBOX_COLUMNS
                )))
                .bind(id)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    let exists = sqlx::query("SELECT 1 AS one FROM outbox WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                    return Err(match exists {
                        Some(_) => $crate::StoreError::Conflict("outbox message not failed".into()),
                        None => $crate::StoreError::NotFound,
                    });
                };
                Self::append_audit_tx(&mut tx, audit).await?;
                tx.commit().await?;
                row.try_into()
            }
        }
    };
}
pub(crate) use impl_outbox;

#[cfg(test)]
mod tests {
    use super::{MessageKind, MessageStatus};
    use strum::VariantArray;

    // The stored forms (the outbox migration's CHECK) must never change.

    #[test]
    fn message_kind_strings() {
        assert_eq!(MessageKind::VARIANTS, [MessageKind::Sms]);
        assert_eq!(MessageKind::Sms.as_str(), "sms");
    }

    #[test]
    fn message_status_strings() {
        let table = [
            (MessageStatus::Pending, "pending"),
            (MessageStatus::Sent, "sent"),
            (MessageStatus::Failed, "failed"),
        ];
        assert_eq!(MessageStatus::VARIANTS, table.map(|(v, _)| v));
        for (v, s) in table {
            assert_eq!(v.as_str(), s);
            assert_eq!(MessageStatus::parse(s), Some(v));
            assert_eq!(MessageStatus::parse(&s.to_uppercase()), None);
        }
        assert_eq!(MessageStatus::parse(""), None);
        assert_eq!(MessageStatus::parse("sms"), None);
    }
}
