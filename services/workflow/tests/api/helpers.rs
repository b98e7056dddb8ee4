use kc_service::{Kit, Mode};
use kc_testing::TestDb;
use kc_testing::client::ApiClient;
pub use kc_testing::client::fields;
use serde_json::Value;

/// The identity service (with the demo accounts) and the workflow service on one test database.
pub struct TestApp {
    pub api: ApiClient,
    pub db: TestDb,
    /// The test's document store (a folder, removed with the test).
    pub documents: std::path::PathBuf,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;
    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.documents);
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let db = TestDb::new().await;
        let config = kc_identity::Config::for_tests().expect("identity config");
        let pool = kc_db::Db::connect(&db.url_as("kc_identity"), 5)
            .await
            .expect("identity pool");
        let state = kc_identity::AppState::new(pool, config).expect("identity state");
        kc_identity::demo::seed(&state).await.expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let identity = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(kc_http::serve_on(
            "identity",
            listener,
            kc_identity::app(state),
        ));

        let documents = std::env::temp_dir().join(format!("kc-documents-{}", uuid::Uuid::new_v4()));
        let kit = Kit {
            info: kc_service::services::info("workflow"),
            mode: Mode::Dev,
            config: kc_workflow::Config::for_tests(&documents),
            db: Some(
                kc_db::Db::connect(&db.url_as("kc_workflow"), 5)
                    .await
                    .expect("workflow pool"),
            ),
            identity_url: Some(identity.clone()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(kc_service::serve_with::<kc_workflow::Workflow>(
            kit,
            listener,
            std::future::pending(),
        ));
        TestApp {
            api: ApiClient::new(identity, base, kc_identity::demo::DEMO_PASSWORD),
            db,
            documents,
        }
    }

    /// Rows of a query run as the superuser (inspection only).
    pub async fn query(&self, sql: &str) -> Vec<Value> {
        self.db.query(sql).await
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.db.count(sql).await
    }

    /// Run a statement as the superuser (to move a record's clock, say).
    pub async fn execute(&self, sql: &str) {
        self.db.execute(sql).await
    }
}

/// Today in Vietnam, and a day relative to it, as `YYYY-MM-DD`.
pub fn day(offset: i64) -> String {
    (kc_kernel::today_vn() + chrono::Duration::days(offset)).to_string()
}

/// Next year (a plan year applications may use).
pub fn next_year() -> i32 {
    chrono::Datelike::year(&kc_kernel::today_vn()) + 1
}

/// The first plan year whose registration (20 May of the year before) is still open.
pub fn open_plan_year() -> i32 {
    let today = kc_kernel::today_vn();
    let y = chrono::Datelike::year(&today);
    if (
        chrono::Datelike::month(&today),
        chrono::Datelike::day(&today),
    ) <= (5, 20)
    {
        y + 1
    } else {
        y + 2
    }
}
