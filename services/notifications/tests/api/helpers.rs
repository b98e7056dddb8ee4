use chrono::NaiveDate;
use kc_events::Event;
use kc_notifications::mail::MailConfig;
use kc_notifications::{AppState, events, mail, scheduler};
use kc_service::Mode;
use kc_testing::TestDb;
use kc_testing::client::ApiClient;
pub use kc_testing::client::fields;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use serde_json::Value;
use uuid::Uuid;

/// Identity (with the demo accounts) and the notifications routes on one test database; the
/// workers are not started: tests drive them with [`TestApp::deliver`] and [`TestApp::pass`].
pub struct TestApp {
    pub api: ApiClient,
    pub db: TestDb,
    /// The worker role's connection.
    pub worker: DatabaseConnection,
    /// Where the workers send e-mail (a [`Sink`], or a port nobody listens on).
    pub mail: MailConfig,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;
    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

pub const MINISTRY: &str = "bo@demo.test";
pub const DEPARTMENT: &str = "so.01@demo.test";
pub const OFFICER: &str = "cv.so.01@demo.test";
pub const CENTRE: &str = "ttkc.01@demo.test";
pub const ENTERPRISE: &str = "dn1.01@demo.test";

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_in(Mode::Dev, free_port()).await
    }

    /// With e-mail going to the SMTP server on `port`.
    pub async fn spawn_mail(port: u16) -> TestApp {
        Self::spawn_in(Mode::Dev, port).await
    }

    pub async fn spawn_in(mode: Mode, smtp_port: u16) -> TestApp {
        let db = TestDb::new().await;
        let config = kc_identity::Config::for_tests().expect("identity config");
        let pool = kc_db::Db::connect(&db.url_as("kc_identity"), 5)
            .await
            .expect("identity pool");
        let state = kc_identity::AppState::new(pool, config).expect("identity state");
        kc_identity::demo::seed(&state).await.expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let identity = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(kc_http::serve_on(
            "identity",
            listener,
            kc_identity::app(state),
        ));

        let pool = kc_db::Db::connect(&db.url_as("kc_notifications"), 5)
            .await
            .unwrap();
        let verifier = std::sync::Arc::new(kc_auth::Verifier::from_identity_url(&identity));
        let mut mail = MailConfig::local(smtp_port);
        mail.timeout = std::time::Duration::from_secs(2);
        let state = AppState {
            db: pool.clone(),
            verifier: verifier.clone(),
            mode,
            mail: std::sync::Arc::new(mail.clone()),
        };
        let app = kc_service::app(
            kc_service::services::info("notifications"),
            Some(pool),
            verifier,
            kc_notifications::routes().with_state(state),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(kc_http::serve_on("notifications", listener, app));
        let worker = db.connect_as(kc_notifications::WORKER_ROLE).await;
        TestApp {
            api: ApiClient::new(identity, base, kc_identity::demo::DEMO_PASSWORD),
            db,
            worker,
            mail,
        }
    }

    /// End the duties opened by the calendar (for tests of event duties in months when they would
    /// also fall due).
    pub async fn without_calendar_duties(&self) {
        self.db
            .execute("UPDATE notifications.duties SET valid_to = '2020-01-01' WHERE opened_by = 'calendar'")
            .await;
    }

    /// How many rows `sql` returns.
    pub async fn count(&self, sql: &str) -> i64 {
        self.db.count(sql).await
    }

    pub async fn query(&self, sql: &str) -> Vec<Value> {
        self.db.query(sql).await
    }

    /// Write `event` to the outbox as `producer` would (national scope), and let the obligations
    /// consumer deliver everything due; how many rows it handled.
    pub async fn deliver<E: Event>(&self, producer: &'static str, event: &E) -> usize {
        let owner = sea_orm::Database::connect(self.db.owner_url())
            .await
            .unwrap();
        let tx = owner.begin().await.unwrap();
        tx.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT set_config('app.scope', 'national', true)",
        ))
        .await
        .unwrap();
        kc_events::enqueue(&tx, producer, event).await.unwrap();
        tx.commit().await.unwrap();
        owner.close().await.unwrap();
        self.drain().await
    }

    /// Let the obligations consumer deliver everything due; how many rows were done.
    pub async fn drain(&self) -> usize {
        let consumer = events::consumer(self.worker.clone());
        let r = consumer
            .drain(&events::Opener::new(
                self.worker.clone(),
                Mode::Dev,
                self.mail.clone(),
            ))
            .await
            .unwrap();
        assert_eq!(r.dead, 0, "{r:?}");
        r.done
    }

    /// One scheduler pass for `today`.
    pub async fn pass(&self, today: NaiveDate) -> scheduler::PassReport {
        scheduler::pass(&self.worker, today, &self.mail)
            .await
            .unwrap()
    }

    /// Let the mailer send everything due; what it did.
    pub async fn send(&self) -> kc_outbox::Report {
        let mailer = mail::send::Mailer::new(self.worker.clone(), self.mail.clone()).unwrap();
        mail::send::consumer(self.worker.clone())
            .drain(&mailer)
            .await
            .unwrap()
    }

    /// Make every e-mail waiting for a retry due now (as if its backoff had passed).
    pub async fn retry_now(&self) {
        self.db
            .execute("UPDATE outbox.events SET available_at = now() WHERE status = 'pending'")
            .await;
    }

    /// The organisation and province of a demo user.
    pub async fn org_of(&self, email: &str) -> (Uuid, Uuid) {
        let r = &self
            .query(&format!(
                "SELECT organisation_id::text AS o, province_id::text AS p FROM identity.users WHERE email = '{email}'"
            ))
            .await[0];
        (
            r["o"].as_str().unwrap().parse().unwrap(),
            r["p"].as_str().unwrap().parse().unwrap(),
        )
    }

    /// The titles of a user's notices, newest first.
    pub async fn notices(&self, email: &str) -> Vec<String> {
        let r = self.get("/api/v1/notifications?per_page=200", email).await;
        self.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The obligations a user sees.
    pub async fn obligations(&self, email: &str, query: &str) -> Vec<Value> {
        let r = self
            .get(&format!("/api/v1/obligations?{query}"), email)
            .await;
        self.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

/// A CCN report falling due for `org` of `province` (a cluster of its own).
pub fn report_due(
    province: Uuid,
    org: Uuid,
    kind: &str,
    year: i32,
    due: NaiveDate,
) -> kc_events::ClusterReportDue {
    kc_events::ClusterReportDue {
        cluster_id: Uuid::new_v4(),
        province,
        organisation: org,
        party: "investor".into(),
        kind: kind.into(),
        year,
        window_from: day(year, 1, 1),
        window_to: day(year, 6, 15),
        due_date: due,
    }
}

pub use kc_testing::free_port;

/// The real SMTP server the tests deliver to (aiosmtpd).
pub use kc_testing::mail::Sink;
