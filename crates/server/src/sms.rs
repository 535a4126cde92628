//! Messages to phones (one-time codes, notices) go through a [`Sender`], so
//! a carrier's SMS gateway can be plugged in. The demo's [`LogSender`]
//! writes them to the log with the number masked; tests use [`MemorySender`].

use std::sync::Mutex;

/// Sends a text message to a mobile number.
#[async_trait::async_trait]
pub trait Sender: Send + Sync + std::fmt::Debug {
    /// Sends `text` to `phone` (11-digit mobile).
    async fn send(&self, phone: &str, text: &str) -> std::io::Result<()>;
}

/// Writes each message to the log (the number masked).
#[derive(Debug, Default)]
pub struct LogSender;

#[async_trait::async_trait]
impl Sender for LogSender {
    async fn send(&self, phone: &str, text: &str) -> std::io::Result<()> {
        let to = tongban_domain::validate::mask_phone(phone);
        tracing::info!(%to, %text, "短信（演示：写入日志）");
        Ok(())
    }
}

/// Keeps the messages in memory (tests).
#[derive(Debug, Default)]
pub struct MemorySender {
    sent: Mutex<Vec<(String, String)>>,
}

impl MemorySender {
    /// The messages sent so far: (phone, text).
    pub fn sent(&self) -> Vec<(String, String)> {
        self.sent.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Sender for MemorySender {
    async fn send(&self, phone: &str, text: &str) -> std::io::Result<()> {
        if let Ok(mut v) = self.sent.lock() {
            v.push((phone.to_owned(), text.to_owned()));
        }
        Ok(())
    }
}
