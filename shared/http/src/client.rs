use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use crate::layers::REQUEST_ID;

/// Where a request came from: the client address (from the socket, or from `X-Forwarded-For` when
/// `KC_TRUST_FORWARDED_FOR=1` says a trusted proxy sets it) and the request id (the caller's only if
/// the layers found it acceptable, else the UUID they made up: the same as on the response and the log
/// line). Used by audit rows and login throttling.
#[derive(Debug, Clone)]
pub struct ClientMeta {
    pub addr: Option<IpAddr>,
    pub request_id: Option<String>,
}

impl ClientMeta {
    pub fn addr_string(&self) -> Option<String> {
        self.addr.map(|a| a.to_string())
    }
}

fn trust_forwarded_for() -> bool {
    static TRUST: OnceLock<bool> = OnceLock::new();
    *TRUST.get_or_init(|| {
        std::env::var("KC_TRUST_FORWARDED_FOR").is_ok_and(|v| v == "1" || v == "true")
    })
}

impl<S: Send + Sync> FromRequestParts<S> for ClientMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let socket = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = trust_forwarded_for()
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    // The rightmost entry is the one the trusted proxy added; the ones to its left
                    // come from the client and can say anything.
                    .and_then(|v| v.rsplit(',').next())
                    .and_then(|v| v.trim().parse::<IpAddr>().ok())
            })
            .flatten();
        let request_id = parts
            .headers
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(ClientMeta {
            addr: forwarded.or(socket),
            request_id,
        })
    }
}

/// The scheme and host a request was sent to (`http://127.0.0.1:8080`), for an address the caller is
/// given to use later: behind a trusted proxy (`KC_TRUST_FORWARDED_FOR=1`, as for the client
/// address), its `X-Forwarded-Proto` and `X-Forwarded-Host`; else the `Host` header.
pub fn request_origin(headers: &axum::http::HeaderMap) -> String {
    let trusted = trust_forwarded_for();
    let get = |name: &str| {
        if name.starts_with("x-forwarded-") && !trusted {
            return None;
        }
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let proto = get("x-forwarded-proto").unwrap_or("http");
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or("127.0.0.1");
    format!("{proto}://{host}")
}
