//! Messages to phones (one-time codes, notices) go through a [`Sender`], so
//! a carrier's SMS gateway can be plugged in. The demo's [`LogSender`]
//! writes them to the log with the number masked; tests use [`MemorySender`].
//! Every message carries an id the gateway treats as an idempotency key, so
//! the outbox worker may retry after a crash without sending twice.

use std::collections::HashSet;
use std::sync::Mutex;

/// Sends a text message to a mobile number.
#[async_trait::async_trait]
pub trait Sender: Send + Sync + std::fmt::Debug {
    /// Sends `text` to `phone` (11-digit mobile) as message `id`; a message
    /// id the gateway has taken before is acknowledged, not sent again.
    async fn send(&self, id: &str, phone: &str, text: &str) -> std::io::Result<()>;
}

/// Writes each message to the log (the number masked).
#[derive(Debug, Default)]
pub struct LogSender;

#[async_trait::async_trait]
impl Sender for LogSender {
    async fn send(&self, id: &str, phone: &str, text: &str) -> std::io::Result<()> {
        let to = tongban_domain::validate::mask_phone(phone);
        tracing::info!(%id, %to, %text, "短信（演示：写入日志）");
        Ok(())
    }
}

/// Keeps the messages in memory (tests), acknowledging a repeated message
/// id without keeping it twice, as an idempotent gateway does.
#[derive(Debug, Default)]
pub struct MemorySender {
    sent: Mutex<Delivered>,
}

/// What a [`MemorySender`] took: (phone, text) in order, and the ids seen.
#[derive(Debug, Default)]
struct Delivered(Vec<(String, String)>, HashSet<String>);

impl MemorySender {
    /// The messages sent so far: (phone, text).
    pub fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().map(|v| v.0.clone()).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Sender for MemorySender {
    async fn send(&self, id: &str, phone: &str, text: &str) -> std::io::Result<()> {
        if let Ok(mut v) = self.sent.lock()
            && v.1.insert(id.to_owned())
        {
            v.0.push((phone.to_owned(), text.to_owned()));
        }
        Ok(())
    }
}
