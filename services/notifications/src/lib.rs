//! The notifications service: reporting duties, obligations, reminders and escalation (DOMAIN.md §7).
//!
//! One folder per resource, each with `routes` (HTTP only) and `store` (all its SQL):
//! - [`duties`]: who reports what to whom and by when, with reminder offsets and escalation steps, as
//!   dated rules the ministry edits (a province may set its own reminder offsets);
//! - [`calendar`]: public holidays and make-up working days; a due date falling on a day off moves to
//!   the next working day (Civil Code 2015, Art. 148);
//! - [`obligations`]: a duty owed by one organisation for one period, with its life cycle
//!   ([`obligations::state`]), and the compliance view per province;
//! - [`notices`]: each user's in-app notifications, unread count and mark-as-read;
//! - [`feeds`]: each user's private calendar address (`.ics`) listing their duties;
//! - [`mail`]: e-mail, recorded under a key before it is sent, sent over SMTP by the mailer with
//!   retries, dead letters for administrators, each province's sender, users' mutes.
//!
//! Three background workers run under the worker role (`kc_notifications_worker`, every province, no
//! tenant settings): [`events`] opens and closes obligations from other services' typed events and
//! records identity's account e-mails (kc-outbox), [`scheduler`] adds the reminders and escalations
//! that are due, claiming obligations with `FOR UPDATE SKIP LOCKED` so that replicas never send one
//! twice, and the mailer ([`mail::send`]) sends every recorded e-mail. [`clock`] is the day
//! both take as today: Vietnam's, or in development mode a day a test has set.

pub mod calendar;
pub mod clock;
pub mod demo;
pub mod duties;
pub mod events;
pub mod feeds;
pub mod mail;
pub mod notices;
pub mod obligations;
pub mod scheduler;

use axum::extract::FromRef;
use kc_auth::Verifier;
use kc_db::Db;
use kc_service::{Built, Env, Kit, Mode, Service, Worker};
use std::sync::Arc;
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;

/// The name this service writes in audit rows.
pub const SERVICE: &str = "notifications";

/// The worker role's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The worker role's database URL (`kc_notifications_worker`).
    pub worker_database_url: String,
    /// How often the scheduler looks for due reminders.
    pub scheduler_interval: Duration,
    pub mail: mail::MailConfig,
    /// How many mailers send at once.
    pub mailers: usize,
}

/// The routes' state: the pool, the verifier, the mode (the clock moves only in development), and the
/// mail settings (the portal's address for links).
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub verifier: Arc<Verifier>,
    pub mode: Mode,
    pub mail: Arc<mail::MailConfig>,
}

impl FromRef<AppState> for Db {
    fn from_ref(s: &AppState) -> Db {
        s.db.clone()
    }
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(s: &AppState) -> Arc<Verifier> {
        s.verifier.clone()
    }
}

impl FromRef<AppState> for Mode {
    fn from_ref(s: &AppState) -> Mode {
        s.mode
    }
}

/// The notifications service on the skeleton.
pub struct Notifications;

impl Service for Notifications {
    const NAME: &'static str = "notifications";
    type Config = Config;

    fn config(env: &mut Env) -> Config {
        let worker_database_url = env.secret(
            "KC_WORKER_DATABASE_URL",
            "the notifications worker's login role, e.g. postgres://kc_notifications_worker@127.0.0.1:5432/kc",
            || {
                let url = std::env::var("KC_DATABASE_URL")
                    .map_err(|_| anyhow::anyhow!("set KC_DATABASE_URL or KC_WORKER_DATABASE_URL"))?;
                Ok(kc_migrations::with_user(&url, WORKER_ROLE))
            },
        );
        let dev = env.mode() == Mode::Dev;
        let smtp_host = if dev {
            env.get("KC_SMTP_HOST")
                .unwrap_or_else(|| "127.0.0.1".into())
        } else {
            env.required(
                "KC_SMTP_HOST",
                "the SMTP server e-mail goes through, e.g. smtp.example.gov.vn",
            )
        };
        let tls = match env.get("KC_SMTP_TLS").as_deref() {
            None if dev => mail::Tls::None,
            None | Some("starttls") => mail::Tls::StartTls,
            Some("tls") => mail::Tls::Wrapper,
            Some("none") => mail::Tls::None,
            Some(other) => {
                env.problem(format!(
                    "KC_SMTP_TLS must be none, starttls or tls, got {other}"
                ));
                mail::Tls::None
            }
        };
        let credentials = env.get("KC_SMTP_USER").map(|user| {
            let password = env.required("KC_SMTP_PASSWORD", "the SMTP user's password");
            (user, password)
        });
        let mail = mail::MailConfig {
            smtp_host,
            smtp_port: env.or("KC_SMTP_PORT", if dev { 2525 } else { 587 }),
            tls,
            credentials,
            from_address: if dev {
                env.get("KC_MAIL_FROM")
                    .unwrap_or_else(|| "khuyencong@localhost.localdomain".into())
            } else {
                env.required(
                    "KC_MAIL_FROM",
                    "the address e-mail comes from, e.g. khuyencong@moit.gov.vn",
                )
            },
            default_from_name: env
                .get("KC_MAIL_FROM_NAME")
                .unwrap_or_else(|| "Hệ thống thông tin Khuyến công".into()),
            portal_url: if dev {
                env.get("KC_PORTAL_URL")
                    .unwrap_or_else(|| "http://127.0.0.1:8080".into())
            } else {
                env.required(
                    "KC_PORTAL_URL",
                    "the portal's public address, for the links in e-mails",
                )
            },
            timeout: env.seconds("KC_SMTP_TIMEOUT_SECS", Duration::from_secs(30)),
        };
        Config {
            worker_database_url,
            scheduler_interval: env.seconds("KC_SCHEDULER_INTERVAL_SECS", Duration::from_secs(60)),
            mail,
            mailers: env.or("KC_MAILERS", 4usize).clamp(1, 32),
        }
    }

    async fn build(kit: Kit<Config>) -> anyhow::Result<Built> {
        let state = AppState {
            db: kit.db()?,
            verifier: kit.remote_verifier()?,
            mode: kit.mode,
            mail: Arc::new(kit.config.mail.clone()),
        };
        let worker_db = kc_outbox::connect(&kit.config.worker_database_url, 4).await?;
        let config = kit.config;
        let consumer = events::consumer(worker_db.clone());
        let opener = events::Opener::new(worker_db.clone(), kit.mode, config.mail.clone());
        // Several mailers at once (`KC_MAILERS`), sharing one pool of SMTP connections: an exchange
        // mostly waits.
        let mailer = Arc::new(mail::send::Mailer::new(
            worker_db.clone(),
            config.mail.clone(),
        )?);
        let mode = kit.mode;
        let mut workers: Vec<Worker> = (0..config.mailers)
            .map(|_| {
                let consumer = mail::send::consumer(worker_db.clone());
                let mailer = mailer.clone();
                Worker::new("mailer", move |stop| async move {
                    consumer.run(mailer.as_ref(), stop).await;
                    Ok(())
                })
            })
            .collect();
        workers.extend([
            Worker::new("events", move |stop| async move {
                consumer.run(&opener, stop).await;
                Ok(())
            }),
            Worker::new("scheduler", move |stop| async move {
                scheduler::run(
                    worker_db,
                    mode,
                    config.mail,
                    config.scheduler_interval,
                    stop,
                )
                .await;
                Ok(())
            }),
        ]);
        Ok(Built {
            verifier: state.verifier.clone(),
            routes: routes().with_state(state),
            workers,
        })
    }
}

/// The worker's login role.
pub const WORKER_ROLE: &str = "kc_notifications_worker";

/// The service's own routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(clock::router())
        .merge(duties::routes::router())
        .merge(calendar::routes::router())
        .merge(obligations::routes::router())
        .merge(obligations::export::router())
        .merge(notices::routes::router())
        .merge(feeds::routes::router())
        .merge(mail::routes::router())
}
