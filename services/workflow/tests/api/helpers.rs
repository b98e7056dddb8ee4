use kc_service::{Kit, Mode};
use kc_testing::TestDb;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

/// The identity service (with the demo accounts) and the workflow service on one test database.
pub struct TestApp {
    pub identity: String,
    pub base: String,
    pub db: TestDb,
    pub http: Client,
    /// The test's document store (a folder, removed with the test).
    pub documents: std::path::PathBuf,
    tokens: Mutex<HashMap<String, String>>,
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
            identity,
            base,
            db,
            http: Client::new(),
            documents,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// A demo user's access token (logged in once per test).
    pub async fn token(&self, email: &str) -> String {
        if let Some(t) = self.tokens.lock().unwrap().get(email) {
            return t.clone();
        }
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.identity))
            .json(&json!({"email": email, "password": kc_identity::demo::DEMO_PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::OK, "login {email}");
        let body: Value = r.json().await.expect("json");
        let t = body["access_token"].as_str().expect("token").to_owned();
        self.tokens
            .lock()
            .unwrap()
            .insert(email.to_owned(), t.clone());
        t
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        who: &str,
        body: Option<&Value>,
    ) -> Response {
        let token = self.token(who).await;
        let mut r = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(token);
        if let Some(b) = body {
            r = r.json(b);
        }
        r.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, who: &str) -> Response {
        self.call(Method::GET, path, who, None).await
    }

    pub async fn post(&self, path: &str, who: &str, body: &Value) -> Response {
        self.call(Method::POST, path, who, Some(body)).await
    }

    pub async fn put(&self, path: &str, who: &str, body: &Value) -> Response {
        self.call(Method::PUT, path, who, Some(body)).await
    }

    pub async fn patch(&self, path: &str, who: &str, body: &Value) -> Response {
        self.call(Method::PATCH, path, who, Some(body)).await
    }

    /// The JSON of a call that must answer `status`.
    pub async fn expect(&self, r: Response, status: StatusCode) -> Value {
        let got = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(got, status, "answer: {body}");
        body
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

/// The field names of an error envelope.
pub fn fields(body: &Value) -> Vec<String> {
    assert!(body["error"]["code"].is_string(), "envelope: {body}");
    body["error"]["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
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
