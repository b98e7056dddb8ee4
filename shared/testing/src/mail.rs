//! A real SMTP server the project did not write: aiosmtpd from PyPI (the test command installs it and
//! names its Python in `KC_SMTP_SINK_PYTHON`), keeping what it receives in a Maildir. Its handler,
//! `smtp_sink.py` beside this crate, answers some recipients as a real server would (refusals,
//! temporary failures, slowness), chosen by the address's local part.

use mailparse::{MailHeaderMap, ParsedMail, parse_mail};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The running mail server.
pub struct Sink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

/// A message as a reader sees it: its recipients, subject and the decoded text of every part.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The `Message-ID` header: a delivery sent twice arrives twice with the same one.
    pub message_id: String,
    /// Every text part (plain, HTML, calendar), decoded, one after the other.
    pub text: String,
}

fn texts(m: &ParsedMail, out: &mut String) {
    if m.subparts.is_empty() {
        if m.ctype.mimetype.starts_with("text/") {
            out.push_str(&m.get_body().unwrap_or_default());
            out.push('\n');
        }
    } else {
        for p in &m.subparts {
            texts(p, out);
        }
    }
}

impl Mail {
    /// Whether `address` is one of the recipients (exactly, whatever its case).
    pub fn is_to(&self, address: &str) -> bool {
        self.to.split(',').any(|one| {
            let one = one.trim();
            let bare = match (one.rfind('<'), one.rfind('>')) {
                (Some(a), Some(b)) if a < b => &one[a + 1..b],
                _ => one,
            };
            bare.trim().eq_ignore_ascii_case(address)
        })
    }

    /// A raw message, parsed (`None` if it does not parse).
    pub fn parse(raw: &[u8]) -> Option<Mail> {
        let m = parse_mail(raw).ok()?;
        let mut text = String::new();
        texts(&m, &mut text);
        Some(Mail {
            to: m.headers.get_first_value("To").unwrap_or_default(),
            subject: m.headers.get_first_value("Subject").unwrap_or_default(),
            message_id: m.headers.get_first_value("Message-ID").unwrap_or_default(),
            text,
        })
    }
}

impl Sink {
    pub async fn start() -> Sink {
        Self::start_on(crate::free_port()).await
    }

    pub async fn start_on(port: u16) -> Sink {
        let python = std::env::var_os("KC_SMTP_SINK_PYTHON").expect(
            "KC_SMTP_SINK_PYTHON is not set: run the tests with ./deploy/test.sh, which installs aiosmtpd",
        );
        let dir = std::env::temp_dir().join(format!("kc-mail-{}", uuid::Uuid::new_v4().simple()));
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "smtp_sink.Sink",
            ])
            .arg(&dir)
            .env("PYTHONPATH", env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .spawn()
            .expect("aiosmtpd");
        // Owned at once: dropped (killed, waited for) however this ends.
        let sink = Sink { port, dir, child };
        crate::wait_listening(
            &format!("aiosmtpd listening on {port}"),
            port,
            Duration::from_secs(10),
        )
        .await;
        sink
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) {
                for e in entries.flatten() {
                    if let Ok(bytes) = std::fs::read(e.path()) {
                        out.push(bytes);
                    }
                }
            }
        }
        out
    }

    /// Every message received so far, parsed.
    pub fn mails(&self) -> Vec<Mail> {
        self.messages()
            .iter()
            .filter_map(|m| Mail::parse(m))
            .collect()
    }

    /// The messages to `address` whose subject or text holds `needle`.
    pub fn to(&self, address: &str, needle: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.is_to(address))
            .filter(|m| m.subject.contains(needle) || m.text.contains(needle))
            .collect()
    }

    /// Wait (up to `timeout`) for a message to `address` holding `needle`; the first found.
    pub async fn wait_for(&self, address: &str, needle: &str, timeout: Duration) -> Mail {
        crate::wait_for(
            &format!("an e-mail to {address} about {needle:?}"),
            timeout,
            || async { self.to(address, needle).into_iter().next() },
        )
        .await
    }

    /// Stop it (the port stops answering).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
