//! The mailer: an outbox consumer of `notifications.email_queued` that sends each recorded e-mail over
//! SMTP with lettre, outside any transaction, and logs the attempt.

use super::store::{self, Mail};
use super::{MailConfig, Tls};
use kc_events::{AnyEvent, EmailQueued, Event};
use kc_kernel::{AttemptOutcome, DeliveryStatus};
use kc_outbox::{Consumer, ConsumerConfig, Failure, Handler, Item};
use lettre::message::header::{ContentType, MessageId};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;

/// What stands in a body for the event's secret.
pub const SECRET: &str = "{{secret}}";

/// A mailer's consumer, on the worker role's connection. Several may run at once (each claims its own
/// rows): a message's SMTP exchange waits more than it works, so a service runs a few of them.
pub fn consumer(db: DatabaseConnection) -> Consumer {
    Consumer::new(
        db,
        ConsumerConfig {
            poll_interval: std::time::Duration::from_millis(250),
            ..ConsumerConfig::new("mailer", [EmailQueued::TOPIC])
        },
    )
}

/// The handler.
pub struct Mailer {
    db: DatabaseConnection,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    config: MailConfig,
}

impl Mailer {
    pub fn new(db: DatabaseConnection, config: MailConfig) -> anyhow::Result<Mailer> {
        let builder = match config.tls {
            Tls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.smtp_host),
            Tls::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.smtp_host)?
            }
            Tls::Wrapper => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.smtp_host)?,
        };
        let mut builder = builder.port(config.smtp_port).timeout(Some(config.timeout));
        if let Some((user, password)) = &config.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer {
            db,
            transport: builder.build(),
            config,
        })
    }
}

/// The message of a recorded e-mail; an error says why it can never be sent (a bad address).
pub fn message(m: &Mail, secret: Option<&str>, config: &MailConfig) -> Result<Message, String> {
    let fill = |body: &str| {
        body.replace(
            SECRET,
            secret.unwrap_or("(liên kết không còn gửi được; vui lòng yêu cầu lại — the link could not be sent, please ask again)"),
        )
    };
    let from: Mailbox = Mailbox::new(
        Some(m.from_name.clone()),
        config
            .from_address
            .parse()
            .map_err(|e| format!("sender address {}: {e}", config.from_address))?,
    );
    let to = Mailbox::new(
        m.to_name.clone(),
        m.to_address.parse().map_err(|e| {
            format!(
                "địa chỉ người nhận không hợp lệ (invalid recipient) {}: {e}",
                m.to_address
            )
        })?,
    );
    let domain = config.domain();
    let mut b = Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .header(MessageId::from(format!("<{}@{domain}>", m.id)));
    if let Some(r) = &m.reply_to {
        b = b.reply_to(r.parse().map_err(|e| format!("reply-to {r}: {e}"))?);
    }
    let parts = MultiPart::alternative_plain_html(fill(&m.text_body), fill(&m.html_body));
    let body = match &m.calendar {
        Some(ics) => MultiPart::mixed().multipart(parts).singlepart(
            Attachment::new("han-bao-cao.ics".into()).body(
                ics.clone(),
                ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                    .map_err(|e| e.to_string())?,
            ),
        ),
        None => parts,
    };
    b.multipart(body).map_err(|e| e.to_string())
}

impl Handler for Mailer {
    async fn handle(&self, item: Item) -> Result<(), Failure> {
        let AnyEvent::EmailQueued(e) = item.event().map_err(Failure::permanent)? else {
            return Err(Failure::permanent(format!("not an e-mail: {}", item.topic)));
        };
        let Some(m) = store::mail(&self.db, e.delivery_id).await? else {
            return Err(Failure::permanent(format!("no e-mail {}", e.delivery_id)));
        };
        if m.status != DeliveryStatus::Pending {
            // Sent already (this is a repeated delivery of the event), or dead and not re-queued.
            return Ok(());
        }
        let msg = match message(&m, e.secret.as_deref(), &self.config) {
            Ok(msg) => msg,
            Err(why) => {
                store::settle(&self.db, &m, AttemptOutcome::Dead, &why).await?;
                return Err(Failure::permanent(why));
            }
        };
        match self.transport.send(msg).await {
            Ok(_) => {
                store::settle(&self.db, &m, AttemptOutcome::Sent, "").await?;
                tracing::info!(delivery = %m.id, "e-mail sent");
                Ok(())
            }
            Err(err) => {
                let why = err.to_string();
                let dead = err.is_permanent() || item.is_last_attempt();
                let outcome = if dead {
                    AttemptOutcome::Dead
                } else {
                    AttemptOutcome::Retry
                };
                store::settle(&self.db, &m, outcome, &why).await?;
                tracing::warn!(delivery = %m.id, permanent = err.is_permanent(), error = %why, "e-mail not sent");
                if err.is_permanent() {
                    Err(Failure::permanent(why))
                } else {
                    Err(Failure::retry(why))
                }
            }
        }
    }
}
