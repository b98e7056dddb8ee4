//! Every middleware of every service, in one visible place, outermost first:
//!
//! 1. request id: a caller's `x-request-id` is kept only if it is 1 to 64 characters of
//!    `[A-Za-z0-9._:-]`, otherwise (or when there is none) it is replaced by a fresh UUID; the one id is
//!    then on the request (so [`ClientMeta`](crate::ClientMeta) and the log line see it) and on the
//!    response;
//! 2. security headers on every response (see [`security_headers`]): `X-Content-Type-Options`,
//!    `Referrer-Policy`, framing protection (`X-Frame-Options`, CSP `frame-ancestors`), a
//!    Content-Security-Policy (one for HTML pages, a deny-all one for everything else) and
//!    `Cache-Control: no-store` on JSON and HTML; a header the handler set itself is kept;
//! 3. one structured log line per request: method, route, status, latency, request id, user, province,
//!    and for a 5xx its cause (each failure is logged once, here);
//! 4. panic → 500 envelope (a panic never kills the connection without an answer);
//! 5. error answers without a body (405, a timeout) get the JSON envelope too;
//! 6. the whole-request timeout ([`REQUEST_TIMEOUT`], 30 s) → 503;
//! 7. the body-read timeouts: a request body that makes no progress for [`BODY_IDLE_TIMEOUT`] (10 s) or is
//!    not complete [`BODY_TOTAL_TIMEOUT`] (20 s) after the request arrived → 408 envelope
//!    (`request_timeout`) and the connection is closed;
//! 8. a body limit (64 KiB unless the service asks for more) → 413 envelope;
//! 9. the handler runs to completion in a task of its own ([`run_to_completion`]): a client that
//!    disconnects, or the timeout above, never cancels it half-way through its transaction, so every
//!    request transaction ends with its own COMMIT or ROLLBACK.
//!
//! A client that never finishes its request head is not the router's business: the server
//! ([`serve_with`](crate::serve_with)) closes its connection after [`HEADER_READ_TIMEOUT`] (10 s).
//!
//! The timeouts are the constants below in production ([`Timeouts::default`]); tests shorten them with
//! [`apply_with`] and [`serve_with`](crate::serve_with).

use crate::{ApiError, FieldErrors};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use std::any::Any;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Default maximum request body.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// Longest time a client may take to send a request's head (request line and headers), counted from
/// when the server starts waiting for it; then the connection is closed without an answer. This also
/// bounds how long an idle keep-alive connection is held. Stops clients that open connections and
/// trickle headers (slowloris) from tying up the server.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest wait for the next piece of a request body once the handler is reading it: a body that makes
/// no progress this long is answered 408. Our bodies are small (64 KiB by default), so an honest
/// client on a poor mobile connection still sends its next packet well within this.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest time for a whole request body, from when the request's head arrived: a client trickling a
/// byte now and then (never idle long enough for [`BODY_IDLE_TIMEOUT`]) is answered 408 too. Shorter
/// than [`REQUEST_TIMEOUT`], so that a slow body is the client's 408, not the server's 503.
pub const BODY_TOTAL_TIMEOUT: Duration = Duration::from_secs(20);

/// Longest time for a whole request, handler included → 503 (the service is too slow, not the client).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// After a stop signal: how long connections already open keep being served, so that a request on
/// its way when the signal came (written by the client, not yet read) is read and answered, before
/// idle connections are closed and the requests in flight finish. New connections are refused from
/// the signal on.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Longest request id accepted from a caller.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// The timeouts of the HTTP layer. [`Timeouts::default`] is production's (the constants of this
/// module); tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// See [`HEADER_READ_TIMEOUT`] (used by [`serve_with`](crate::serve_with)).
    pub header_read: Duration,
    /// See [`BODY_IDLE_TIMEOUT`] (used by [`apply_with`]).
    pub body_idle: Duration,
    /// See [`BODY_TOTAL_TIMEOUT`] (used by [`apply_with`]).
    pub body_total: Duration,
    /// See [`REQUEST_TIMEOUT`] (used by [`apply_with`]).
    pub request: Duration,
    /// See [`SHUTDOWN_GRACE`] (used by [`serve_with`](crate::serve_with)).
    pub shutdown_grace: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: HEADER_READ_TIMEOUT,
            body_idle: BODY_IDLE_TIMEOUT,
            body_total: BODY_TOTAL_TIMEOUT,
            request: REQUEST_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
        }
    }
}

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

/// Wrap a service's router in the standard layers, with production's timeouts.
pub fn apply(router: Router, body_limit: usize) -> Router {
    apply_with(router, body_limit, Timeouts::default())
}

/// Wrap a service's router in the standard layers, with the given timeouts (tests shorten them).
pub fn apply_with(router: Router, body_limit: usize, timeouts: Timeouts) -> Router {
    router.fallback(|| async { ApiError::NotFound }).layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(request_id))
            .layer(middleware::map_response(security_headers))
            .layer(middleware::from_fn(log_request))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(middleware::from_fn(envelope_bare_errors))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                timeouts.request,
            ))
            .layer(middleware::from_fn_with_state(timeouts, body_timeouts))
            .layer(DefaultBodyLimit::max(body_limit))
            .layer(middleware::from_fn(run_to_completion)),
    )
}

/// Run the rest of the request (extractors, handler, its transaction) in a task of its own and wait
/// for it. When the client goes away, or the request timeout answers first, the caller's future is
/// dropped but the task goes on to its end: database work never stops between two statements of a
/// transaction. (Without it the driver still rolls a dropped transaction back when its connection
/// returns to the pool, but a COMMIT cut off after it was sent is followed by a needless ROLLBACK,
/// which PostgreSQL logs as "there is no transaction in progress".)
async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(e) if e.is_panic() => panic_response(e.into_panic()),
        Err(_) => ApiError::Unavailable.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------------
// 1. Request id

/// Whether a caller's request id may be kept: 1 to 64 characters of `[A-Za-z0-9._:-]` (a UUID, a
/// ULID, a trace id and `service:123` all pass; spaces, quotes, control characters and novels do not).
pub fn is_acceptable_request_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'))
}

/// The one place the request id is set: the caller's if acceptable (and sent once), a fresh UUID
/// otherwise; written on the request for everything inside and on the response.
async fn request_id(mut req: Request, next: Next) -> Response {
    let mut given = req.headers().get_all(&REQUEST_ID).iter();
    let id = match (given.next(), given.next()) {
        (Some(v), None) if is_acceptable_request_id(v.as_bytes()) => v.clone(),
        _ => fresh_request_id(),
    };
    req.headers_mut().insert(REQUEST_ID, id.clone());
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(REQUEST_ID, id);
    resp
}

fn fresh_request_id() -> HeaderValue {
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

// ---------------------------------------------------------------------------------------------------
// 2. Security headers

/// Content-Security-Policy of HTML pages: Swagger UI at `/docs` and the portal's pages.
///
/// - scripts only from the service itself: Swagger UI is bundled and served by the service, and its
///   start-up code is a file (`swagger-initializer.js`), not an inline script; the portal has no
///   scripts. No `'unsafe-inline'`, no `'unsafe-eval'` (Swagger UI's one `new Function` is a fallback
///   inside a `try`, after `globalThis`);
/// - styles from the service and inline: the portal's pages carry a small `<style>` block and Swagger
///   UI renders `<style>` elements (its top-bar logo) and style attributes; inline CSS cannot run code;
/// - images from the service, `data:` (Swagger UI's CSS draws its icons as `data:` images) and `blob:`
///   (Swagger UI shows image responses from blobs);
/// - `fetch` only to the service itself (Swagger UI loads `/api-docs/openapi.json` and "Try it out"
///   calls the same service);
/// - no plugins, no `<base>`, forms post only to the service, and no one may frame the page.
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Content-Security-Policy of everything that is not a page (JSON, Swagger UI's files): nothing may be
/// loaded or run should a browser ever render it as a document, and it may not be framed.
pub const OTHER_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// `strict-origin-when-cross-origin` rather than `no-referrer`: other sites are told at most our origin,
/// never a path or a query (where a reset token or a tax code could be), and nothing at all over a
/// downgrade to plain HTTP; but same-origin requests keep their `Origin` header. With `no-referrer`
/// a browser sends `Origin: null` on a same-origin form POST (Fetch standard), which would defeat the
/// Origin check the portal's sign-in form will rely on against cross-site request forgery.
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// Add the security headers to a response, keeping any the handler set itself:
///
/// - every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy` ([`REFERRER_POLICY`]),
///   `X-Frame-Options: DENY`, and a `Content-Security-Policy` ([`HTML_CSP`] for `text/html`,
///   [`OTHER_CSP`] otherwise), whose `frame-ancestors 'none'` is the modern form of the frame ban;
/// - JSON and HTML: `Cache-Control: no-store`, since they may carry tokens and personal data
///   (RFC 6749 §5.1 for tokens); Swagger UI's static files stay cacheable.
pub async fn security_headers(mut resp: Response) -> Response {
    let kind = content_kind(resp.headers());
    let headers = resp.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, REFERRER_POLICY);
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        header::CONTENT_SECURITY_POLICY,
        if kind == ContentKind::Html {
            HTML_CSP
        } else {
            OTHER_CSP
        },
    );
    if matches!(kind, ContentKind::Json | ContentKind::Html) {
        set(header::CACHE_CONTROL, "no-store");
    }
    resp
}

#[derive(Debug, PartialEq, Eq)]
enum ContentKind {
    Json,
    Html,
    Other,
}

fn content_kind(headers: &HeaderMap) -> ContentKind {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return ContentKind::Other;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        ContentKind::Json
    } else if essence == "text/html" {
        ContentKind::Html
    } else {
        ContentKind::Other
    }
}

// ---------------------------------------------------------------------------------------------------
// 3.-6. Log line, panics, bare errors

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
    if status.as_u16() < 400 || resp.headers().contains_key(header::CONTENT_TYPE) {
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

// ---------------------------------------------------------------------------------------------------
// 7. Body-read timeouts

/// Wrap the request body so that reading it fails once it stalls ([`Timeouts::body_idle`]) or takes
/// too long in all ([`Timeouts::body_total`]); whatever the handler (or its extractor) then answered,
/// the client gets 408 with the envelope, and the connection is closed since the rest of the body will
/// not be read.
async fn body_timeouts(State(timeouts): State<Timeouts>, req: Request, next: Next) -> Response {
    let timed_out = Arc::new(AtomicBool::new(false));
    let started = tokio::time::Instant::now();
    let flag = timed_out.clone();
    let req = req.map(|body| {
        Body::new(TimedBody {
            inner: body,
            idle: timeouts.body_idle,
            deadline: started + timeouts.body_total,
            idle_sleep: None,
            total_sleep: None,
            timed_out: flag,
        })
    });
    let resp = next.run(req).await;
    if !timed_out.load(Ordering::Acquire) {
        return resp;
    }
    let mut resp = ApiError::Invalid {
        status: StatusCode::REQUEST_TIMEOUT,
        code: "request_timeout",
        message: "Gửi dữ liệu quá chậm hoặc bị gián đoạn, vui lòng thử lại (request body not received in time)".into(),
        fields: FieldErrors::new(),
    }
    .into_response();
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// The request body could not be read in time.
#[derive(Debug)]
struct BodyTimedOut;

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body not received in time")
    }
}

impl std::error::Error for BodyTimedOut {}

/// A request body with an idle and a total deadline. The timers run only while the body is waited
/// for: data that has already arrived is always delivered, however late the handler reads it.
struct TimedBody {
    inner: Body,
    idle: Duration,
    deadline: tokio::time::Instant,
    idle_sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    total_sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.timed_out.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(BodyTimedOut.into())));
        }
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            // Progress (or the end): the idle wait starts afresh.
            this.idle_sleep = None;
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let total = this
            .total_sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        let idle_for = this.idle;
        let idle = this
            .idle_sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle_for)));
        if total.as_mut().poll(cx).is_ready() || idle.as_mut().poll(cx).is_ready() {
            this.timed_out.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(BodyTimedOut.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        for good in [
            "a",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
            "svc:portal.42_x",
            &"x".repeat(64),
        ] {
            assert!(is_acceptable_request_id(good.as_bytes()), "{good}");
        }
        for bad in [
            "",
            &"x".repeat(65),
            "a b",
            "a\"b",
            "<script>",
            "đ",
            "a/b",
            "a\tb",
        ] {
            assert!(!is_acceptable_request_id(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn content_kinds() {
        let kind = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            content_kind(&h)
        };
        assert_eq!(kind("application/json"), ContentKind::Json);
        assert_eq!(
            kind("Application/Problem+JSON; charset=utf-8"),
            ContentKind::Json
        );
        assert_eq!(kind("text/html; charset=utf-8"), ContentKind::Html);
        assert_eq!(kind("text/javascript"), ContentKind::Other);
        assert_eq!(content_kind(&HeaderMap::new()), ContentKind::Other);
    }
}
