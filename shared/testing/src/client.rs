//! An HTTP client for a service's black-box tests: logs the demo users in through identity (once per
//! test and user) and calls the service with their tokens.

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct ApiClient {
    /// Identity's base URL (logins).
    pub identity: String,
    /// The service under test's base URL.
    pub base: String,
    pub http: Client,
    password: String,
    tokens: Mutex<HashMap<String, String>>,
}

impl ApiClient {
    pub fn new(identity: String, base: String, password: &str) -> ApiClient {
        ApiClient {
            identity,
            base,
            http: Client::new(),
            password: password.to_owned(),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// A demo user's access token (logged in once per test).
    pub async fn token(&self, email: &str) -> String {
        if let Some(t) = self.tokens.lock().expect("tokens").get(email) {
            return t.clone();
        }
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.identity))
            .json(&json!({"email": email, "password": self.password}))
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), StatusCode::OK, "login {email}");
        let body: Value = r.json().await.expect("json");
        let t = body["access_token"].as_str().expect("token").to_owned();
        self.tokens
            .lock()
            .expect("tokens")
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
}

/// The field names of an error envelope.
pub fn fields(body: &Value) -> Vec<String> {
    assert!(body["error"]["code"].is_string(), "envelope: {body}");
    body["error"]["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}
