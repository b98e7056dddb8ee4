use kc_identity::{AppState, Config, app, demo};
use kc_testing::TestDb;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::net::IpAddr;

pub const PASSWORD: &str = demo::DEMO_PASSWORD;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub db: TestDb,
    pub http: Client,
    pub key_pem: String,
}

impl TestApp {
    /// The identity service on its own database, with the demo accounts.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new().await;
        let mut config = Config::for_tests().expect("config");
        tweak(&mut config);
        let key_pem = config.signing_key_pem.clone();
        let pool = kc_db::Db::connect(&db.url_as("kc_identity"), 5)
            .await
            .expect("pool");
        let state = AppState::new(pool, config).expect("state");
        demo::seed(&state).await.expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(kc_http::serve_on("identity", listener, app(state.clone())));
        TestApp {
            base,
            state,
            db,
            http: Client::new(),
            key_pem,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client whose connections come from another loopback address (127.0.0.x).
    pub fn client_from(&self, last_octet: u8) -> Client {
        Client::builder()
            .local_address(IpAddr::from([127, 0, 0, last_octet]))
            .build()
            .expect("client")
    }

    pub async fn login_with(&self, client: &Client, email: &str, password: &str) -> Response {
        client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, email: &str) -> Value {
        let r = self.login_with(&self.http, email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::OK, "login {email}");
        r.json().await.expect("json")
    }

    pub async fn token(&self, email: &str) -> String {
        self.login(email).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut r = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.http
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Exchange a refresh token (as returned by login, a JSON string).
    pub async fn refresh(&self, refresh_token: &Value) -> Response {
        self.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// GET a public route and read its JSON.
    pub async fn public_json(&self, path: &str) -> Value {
        let r = self.http.get(self.url(path)).send().await.expect("request");
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("json")
    }

    /// The `/me` of a demo user.
    pub async fn me(&self, email: &str) -> Value {
        let t = self.token(email).await;
        let r = self.get("/api/v1/me", &t).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.expect("json")
    }

    /// Rows of a query run as the superuser (inspection only).
    pub async fn query(&self, sql: &str) -> Vec<Value> {
        self.db.query(sql).await
    }

    /// Run a statement as the superuser (to move the clock of a record, say).
    pub async fn execute(&self, sql: &str) {
        self.db.execute(sql).await
    }

    /// Wait (up to 10 s) until `sql` returns at least `n` rows: for work a route does after it has
    /// answered (a password reset request).
    pub async fn wait_for(&self, sql: &str, n: i64) {
        for _ in 0..200 {
            if self.count(sql).await >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("still fewer than {n} rows: {sql}");
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.db.count(sql).await
    }
}

/// The error envelope's field names.
pub async fn error_fields(r: Response) -> Vec<String> {
    let body: Value = r.json().await.expect("json envelope");
    assert!(body["error"]["code"].is_string(), "envelope: {body}");
    assert!(body["error"]["message"].is_string(), "envelope: {body}");
    body["error"]["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Assert an error answer: its status, and the envelope naming exactly these fields.
pub async fn expect_error(r: Response, status: StatusCode, fields: &[&str]) {
    assert_eq!(r.status(), status);
    assert_eq!(error_fields(r).await, fields);
}
