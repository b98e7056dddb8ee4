//! Every middleware of every service, in one visible place, outermost first:
//!
//! 1. request id: `x-request-id` is taken from the caller or made up (UUID), and sent back;
//! 2. one structured log line per request: method, route, status, latency, request id, user, province,
//!    and for a 5xx its cause (each failure is logged once, here);
//! 3. panic → 500 envelope (a panic never kills the connection without an answer);
//! 4. error answers without a body (405, a timeout) get the JSON envelope too;
//! 5. a timeout (30 s) → 503;
//! 6. a body limit (64 KiB unless the service asks for more) → 413 envelope.

use crate::ApiError;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Default maximum request body.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Who made the request, filled in by the auth extractor and written on the request's log line.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Option<(String, String)>>>);

impl RequestLog {
    pub fn set_caller(&self, user: String, province: String) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((user, province));
        }
    }
    fn caller(&self) -> (String, String) {
        self.0
            .lock()
            .ok()
            .and_then(|slot| slot.clone())
            .unwrap_or_else(|| ("-".into(), "-".into()))
    }
}

/// Wrap a service's router in the standard layers.
pub fn apply(router: Router, body_limit: usize) -> Router {
    router.fallback(|| async { ApiError::NotFound }).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(middleware::from_fn(log_request))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(middleware::from_fn(envelope_bare_errors))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_secs(30),
            ))
            .layer(DefaultBodyLimit::max(body_limit)),
    )
}

fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    ApiError::Internal(format!("panic: {detail}")).into_response()
}

async fn log_request(mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let log = RequestLog::default();
    req.extensions_mut().insert(log.clone());
    let resp = next.run(req).await;
    let status = resp.status().as_u16();
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let (user, province) = log.caller();
    if route == "/health" || route == "/ready" {
        tracing::debug!(target: "request", %method, %route, status, latency_ms, %request_id, "request");
    } else if status >= 500 {
        // The one line of a failed request, with the cause when the service gave one.
        let error = resp
            .extensions()
            .get::<crate::error::InternalDetail>()
            .map(|d| d.0.as_str())
            .unwrap_or("-");
        tracing::error!(target: "request", %method, %route, status, latency_ms, %request_id, %user, %province, %error, "request");
    } else {
        tracing::info!(target: "request", %method, %route, status, latency_ms, %request_id, %user, %province, "request");
    }
    resp
}

/// Give every error answer that has no body of its own (405 from routing, 503 from the timeout) the
/// JSON envelope, so that clients see one error shape everywhere.
async fn envelope_bare_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if status.as_u16() < 400
        || resp
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE)
    {
        return resp;
    }
    let (code, message) = match status {
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => (
            "unavailable",
            "Hệ thống tạm thời không sẵn sàng, vui lòng thử lại (service temporarily unavailable)",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Phương thức không được hỗ trợ cho đường dẫn này (method not allowed)",
        ),
        _ => ("error", "Yêu cầu không thực hiện được (request failed)"),
    };
    let error = ApiError::Invalid {
        status,
        code,
        message: message.into(),
        fields: Default::default(),
    };
    let (mut parts, _) = resp.into_parts();
    let fresh = error.into_response();
    parts.headers.extend(fresh.headers().clone());
    Response::from_parts(parts, fresh.into_body())
}
