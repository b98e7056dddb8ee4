//! The services' APIs, called with the visitor's token: the portal's only source of data. Each answer
//! is either what the page shows or a [`Problem`] the page explains (a service that is down, a record
//! that is not the visitor's, a refusal with the service's message and the fields at fault).

use crate::session::TokenPair;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// Where each service answers, and one HTTP client for all.
#[derive(Clone)]
pub struct Api {
    /// Each service's name, label and base URL, from the one list of services.
    pub services: Vec<(&'static str, &'static str, String)>,
    http: reqwest::Client,
}

/// Why a call did not give what the page wanted.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The service did not answer (or answered 5xx).
    Down,
    /// 404: the record does not exist or is not the visitor's to see.
    NotFound,
    /// 403.
    Forbidden,
    /// 401: the token is no longer good.
    SignedOut,
    /// Another 4xx: the service's message and the fields at fault.
    Rejected {
        status: u16,
        message: String,
        fields: BTreeMap<String, String>,
    },
}

impl Api {
    pub fn new(services: Vec<(&'static str, &'static str, String)>) -> Api {
        Api {
            services,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    /// A service's base URL.
    pub fn url(&self, service: &str) -> String {
        self.services
            .iter()
            .find(|(name, ..)| *name == service)
            .map(|(.., url)| url.clone())
            .unwrap_or_default()
    }

    /// Whether a service says it is ready (within 2 s).
    pub async fn ready(&self, service: &str) -> bool {
        self.http
            .get(format!("{}/ready", self.url(service)))
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// GET a JSON document.
    pub async fn get<T: DeserializeOwned>(
        &self,
        service: &str,
        path: &str,
        token: &str,
    ) -> Result<T, Problem> {
        let v = self
            .send(Method::GET, service, path, Some(token), None)
            .await?;
        serde_json::from_value(v).map_err(|e| {
            tracing::warn!(%service, %path, error = %e, "unexpected answer");
            Problem::Down
        })
    }

    /// Call a route; its JSON answer (`null` for an empty one).
    pub async fn send(
        &self,
        method: Method,
        service: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, Problem> {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.url(service)));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(b) = body {
            r = r.json(b);
        }
        answer(service, path, r).await
    }

    /// POST a file's bytes (an upload); the service's JSON answer.
    pub async fn upload(
        &self,
        service: &str,
        path: &str,
        token: &str,
        bytes: Vec<u8>,
    ) -> Result<Value, Problem> {
        let r = self
            .http
            .post(format!("{}{path}", self.url(service)))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .timeout(Duration::from_secs(60))
            .body(bytes);
        answer(service, path, r).await
    }

    /// GET a file with the visitor's token: its type, its `Content-Disposition`, its bytes.
    pub async fn download(
        &self,
        service: &str,
        path: &str,
        token: &str,
    ) -> Result<(String, Option<String>, Vec<u8>), Problem> {
        let r = self
            .http
            .get(format!("{}{path}", self.url(service)))
            .bearer_auth(token)
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|_| Problem::Down)?;
        let status = r.status();
        if !status.is_success() {
            let body = r.json::<Value>().await.unwrap_or(Value::Null);
            return Err(outcome(status, &body).err().unwrap_or(Problem::Down));
        }
        let header = |name: reqwest::header::HeaderName| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE)
            .unwrap_or_else(|| "application/octet-stream".into());
        let disposition = header(reqwest::header::CONTENT_DISPOSITION);
        let bytes = r.bytes().await.map_err(|_| Problem::Down)?;
        Ok((content_type, disposition, bytes.to_vec()))
    }

    /// GET a text document with no token (a calendar feed, whose address is its key).
    pub async fn get_text(&self, service: &str, path: &str) -> Result<String, Problem> {
        let r = self
            .http
            .get(format!("{}{path}", self.url(service)))
            .send()
            .await
            .map_err(|_| Problem::Down)?;
        outcome(r.status(), &Value::Null)?;
        r.text().await.map_err(|_| Problem::Down)
    }

    /// Sign in with identity. A refusal of an account that may not sign in (waiting for
    /// verification, rejected, locked: 403) keeps identity's reason, which the login page shows.
    pub async fn login(&self, email: &str, password: &str) -> Result<TokenPair, Problem> {
        let r = self
            .http
            .post(format!("{}/api/v1/auth/login", self.url("identity")))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .map_err(|_| Problem::Down)?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if status == StatusCode::FORBIDDEN {
            return Err(rejected(status, &body));
        }
        outcome(status, &body)?;
        serde_json::from_value(body).map_err(|_| Problem::Down)
    }

    /// A new pair of tokens for a refresh token (identity rotates it): [`Problem::SignedOut`] or
    /// [`Problem::Rejected`] when the token is no longer good, [`Problem::Down`] when identity could
    /// not say.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, Problem> {
        let v = self
            .send(
                Method::POST,
                "identity",
                "/api/v1/auth/refresh",
                None,
                Some(&json!({"refresh_token": refresh_token})),
            )
            .await?;
        serde_json::from_value(v).map_err(|_| Problem::Down)
    }

    /// Revoke a login (its refresh token's family).
    pub async fn logout(&self, refresh_token: &str) {
        let _ = self
            .send(
                Method::POST,
                "identity",
                "/api/v1/auth/logout",
                None,
                Some(&json!({"refresh_token": refresh_token})),
            )
            .await;
    }
}

/// Send a request; its JSON answer (`null` for an empty one) or the problem its status says.
async fn answer(service: &str, path: &str, r: reqwest::RequestBuilder) -> Result<Value, Problem> {
    let response = r.send().await.map_err(|e| {
        tracing::warn!(%service, %path, error = %e, "service unreachable");
        Problem::Down
    })?;
    let status = response.status();
    let text = response.text().await.map_err(|_| Problem::Down)?;
    let value: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };
    outcome(status, &value).map(|()| value)
}

/// What a service's status says: fine, or the problem (with the error envelope's message and fields).
fn outcome(status: StatusCode, body: &Value) -> Result<(), Problem> {
    match status {
        s if s.is_success() => Ok(()),
        StatusCode::NOT_FOUND => Err(Problem::NotFound),
        StatusCode::FORBIDDEN => Err(Problem::Forbidden),
        StatusCode::UNAUTHORIZED => Err(Problem::SignedOut),
        s if s.is_client_error() => Err(rejected(s, body)),
        _ => Err(Problem::Down),
    }
}

/// The service's error envelope: its message and the fields at fault.
fn rejected(status: StatusCode, v: &Value) -> Problem {
    let e = &v["error"];
    let fields = e["fields"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Problem::Rejected {
        status: status.as_u16(),
        message: e["message"].as_str().unwrap_or_default().to_owned(),
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_the_services_message_and_fields() {
        let p = rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"error": {"code": "validation", "message": "Dữ liệu chưa hợp lệ",
                              "fields": {"email": "Địa chỉ e-mail không hợp lệ"}}}),
        );
        let Problem::Rejected {
            status,
            message,
            fields,
        } = p
        else {
            panic!("{p:?}")
        };
        assert_eq!(status, 422);
        assert_eq!(message, "Dữ liệu chưa hợp lệ");
        assert_eq!(fields["email"], "Địa chỉ e-mail không hợp lệ");
    }
}
