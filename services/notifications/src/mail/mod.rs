//! E-mail: every message is recorded in `notifications.deliveries` under its key before it is sent
//! ([`store`]), and sent by the mailer ([`send`]), an outbox consumer of `notifications.email_queued`,
//! outside any transaction: temporary failures (server down, slow, 4xx) retry with the outbox's
//! backoff, permanent ones (5xx, a bad address) and the last attempt make the e-mail dead, for an
//! administrator to see and re-queue ([`routes`]); every attempt is logged with its outcome.
//!
//! [`compose`] renders a message in Vietnamese (text and HTML, askama templates in `templates/`),
//! with its deadline and a link, and for a deadline an iCalendar attachment. Each province sets its
//! sender name and reply-to address; users may mute the notices that are not legal deadlines.
//!
//! A message is sent at least once: if the process dies between the server's acceptance and the
//! record of it, it is sent again with the same `Message-ID` (mail clients show it once).

pub mod account;
pub mod compose;
pub mod routes;
pub mod send;
pub mod store;

use std::time::Duration;

/// How the mailer reaches its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// Plain SMTP (a local relay, the development sink).
    None,
    /// STARTTLS on the submission port.
    StartTls,
    /// TLS from the first byte (port 465).
    Wrapper,
}

/// The mail settings.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub tls: Tls,
    pub credentials: Option<(String, String)>,
    /// The address every message comes from (the envelope sender, and `From` with the province's name).
    pub from_address: String,
    /// The sender name where a province has not set its own.
    pub default_from_name: String,
    /// The portal's address, for the links in every message.
    pub portal_url: String,
    /// The longest an SMTP exchange may take.
    pub timeout: Duration,
}

impl MailConfig {
    /// The domain of the sender's address: the right-hand part of every Message-ID and calendar uid.
    pub fn domain(&self) -> &str {
        self.from_address
            .rsplit_once('@')
            .map_or("khuyencong", |(_, d)| d)
    }

    /// The portal's page of an obligation (every reminder and calendar event links to it).
    pub fn obligation_link(&self, id: uuid::Uuid) -> String {
        format!("{}/nghia-vu/{id}", self.portal_url.trim_end_matches('/'))
    }

    /// The calendar uid of an obligation's deadline: the same in every e-mail and in the feeds.
    pub fn obligation_uid(&self, id: uuid::Uuid) -> String {
        format!("{id}@{}", self.domain())
    }

    /// For tests: plain SMTP to `127.0.0.1:port`.
    pub fn local(port: u16) -> MailConfig {
        MailConfig {
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            tls: Tls::None,
            credentials: None,
            from_address: "khuyencong@localhost.localdomain".into(),
            default_from_name: "Hệ thống thông tin Khuyến công".into(),
            portal_url: "http://127.0.0.1:8080".into(),
            timeout: Duration::from_secs(5),
        }
    }
}
