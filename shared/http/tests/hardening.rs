//! The shared HTTP layer as a client sees it: a small router in the standard layers, served by the
//! real serving function on 127.0.0.1:0, driven by reqwest, and by a raw TCP stream for slow clients.
//!
//! No test asserts on elapsed time: the timeouts under test are made short, every other one is left
//! long, and each wait has a generous limit only so that a broken server fails the test rather than
//! hanging it.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use kc_http::{ClientMeta, Json, Timeouts, layers};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something the server should do at once or within a short timeout.
const PATIENCE: Duration = Duration::from_secs(15);

/// A timeout nobody reaches during a test.
const NEVER: Duration = Duration::from_secs(600);

const PAGE: &str = "<!doctype html><html><head><style>body{color:#1b1b1b}</style></head>\
                    <body><p>Xin chào</p></body></html>";

fn routes(started: Arc<Notify>) -> Router {
    Router::new()
        .route("/json", get(|| async { Json(json!({"ok": true})) }))
        .route("/page", get(|| async { Html(PAGE) }))
        .route(
            "/own-headers",
            get(|| async {
                (
                    [
                        (header::CACHE_CONTROL, "public, max-age=60"),
                        (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
                    ],
                    Json(json!({"ok": true})),
                )
                    .into_response()
            }),
        )
        .route(
            "/meta",
            get(|meta: ClientMeta| async move {
                Json(json!({
                    "request_id": meta.request_id,
                    "addr": meta.addr_string(),
                }))
            }),
        )
        .route("/echo", post(|Json(v): Json<Value>| async move { Json(v) }))
        .route(
            "/slow",
            get(move || {
                let started = started.clone();
                async move {
                    started.notify_one();
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Json(json!({"finished": true}))
                }
            }),
        )
        .route(
            "/forever",
            get(|| async {
                tokio::time::sleep(NEVER).await;
                Json(json!({}))
            }),
        )
}

struct Server {
    base: String,
    addr: SocketAddr,
    http: reqwest::Client,
    started: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    served: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// The test routes in the standard layers, served with production's timeouts.
    async fn start() -> Server {
        Self::start_with(Timeouts::default()).await
    }

    async fn start_with(timeouts: Timeouts) -> Server {
        let started = Arc::new(Notify::new());
        let app = layers::apply_with(
            routes(started.clone()),
            layers::DEFAULT_BODY_LIMIT,
            timeouts,
        );
        Self::serve(app, timeouts, started).await
    }

    async fn serve(app: Router, timeouts: Timeouts, started: Arc<Notify>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(kc_http::serve_with(
            "test",
            listener,
            app,
            async {
                let _ = stopped.await;
            },
            timeouts,
        ));
        Server {
            base: format!("http://{addr}"),
            addr,
            http: reqwest::Client::builder()
                .timeout(PATIENCE)
                .build()
                .unwrap(),
            started,
            stop: Some(stop),
            served,
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// A raw connection that has sent `bytes`.
    async fn raw(&self, bytes: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        stream
    }
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// The headers every response carries, whatever produced it.
fn assert_common_headers(resp: &reqwest::Response) {
    assert_eq!(header(resp, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(resp, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert_eq!(header(resp, "x-frame-options"), "DENY");
    assert!(
        header(resp, "content-security-policy").contains("frame-ancestors 'none'"),
        "{:?}",
        resp.headers()
    );
}

/// Everything the server sends until it closes the connection; `None` if it neither answers nor
/// closes within [`PATIENCE`]. A reset counts as closed.
async fn read_until_closed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    match tokio::time::timeout(PATIENCE, stream.read_to_end(&mut buf)).await {
        Ok(_) => Some(buf),
        Err(_) => None,
    }
}

/// Status, lower-cased head, and body of a raw HTTP/1.1 response.
fn parse_response(raw: &[u8]) -> (u16, String, Value) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head:?}"));
    (
        status,
        head.to_ascii_lowercase(),
        serde_json::from_str(body).unwrap_or_else(|e| panic!("body {body:?}: {e}")),
    )
}

fn assert_vietnamese_then_english(message: &str) {
    assert!(
        message.contains(" (") && message.ends_with(')'),
        "message should be Vietnamese with English in brackets: {message}"
    );
}

// ---------------------------------------------------------------------------------------------------
// Security headers

#[tokio::test]
async fn json_answers_carry_the_security_headers_and_are_not_cached() {
    let server = Server::start().await;
    let resp = server.get("/json").await;
    assert_eq!(resp.status(), 200);
    assert_common_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    assert_eq!(
        header(&resp, "content-security-policy"),
        layers::OTHER_CSP,
        "nothing may load in a JSON answer"
    );
}

#[tokio::test]
async fn error_envelopes_carry_the_security_headers() {
    let server = Server::start().await;
    let resp = server.get("/nowhere").await;
    assert_eq!(resp.status(), 404);
    assert_common_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    // An error without a body of its own (405 from routing) is enveloped, and still has them.
    let resp = server
        .http
        .delete(format!("{}/json", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_common_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn html_pages_cannot_be_framed_and_run_only_their_own_scripts() {
    let server = Server::start().await;
    let resp = server.get("/page").await;
    assert_eq!(resp.status(), 200);
    assert_common_headers(&resp);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    let csp = header(&resp, "content-security-policy");
    assert_eq!(csp, layers::HTML_CSP);
    assert!(csp.contains("script-src 'self';"), "{csp}");
    // The page's own small <style> block is allowed.
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
}

#[tokio::test]
async fn a_header_the_handler_set_is_kept() {
    let server = Server::start().await;
    let resp = server.get("/own-headers").await;
    assert_eq!(header(&resp, "cache-control"), "public, max-age=60");
    assert_eq!(header(&resp, "x-frame-options"), "SAMEORIGIN");
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
}

/// Swagger UI as every service serves it (`kc_http::finish`): what its page loads must be allowed by
/// the pages' Content-Security-Policy, and served by the service itself with the right types (which
/// `nosniff` makes browsers insist on).
#[tokio::test]
async fn swagger_ui_works_under_the_page_policy() {
    let app = kc_http::finish("test", None, utoipa_axum::router::OpenApiRouter::new());
    let server = Server::serve(app, Timeouts::default(), Arc::new(Notify::new())).await;

    let resp = server.get("/docs/").await;
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    assert_common_headers(&resp);
    let csp = header(&resp, "content-security-policy").to_owned();
    assert_eq!(csp, layers::HTML_CSP);
    let html = resp.text().await.unwrap();

    // No inline script: every <script> has a src, on the service itself.
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "{html}");
    let mut files = Vec::new();
    for tag in &scripts {
        let tag = &tag[..tag.find('>').unwrap()];
        let src = attribute(tag, "src").unwrap_or_else(|| panic!("inline script in {html}"));
        files.push((src.to_owned(), "text/javascript"));
    }
    assert!(
        !html.contains("<style"),
        "inline <style> in the page: {html}"
    );
    for tag in html.split("<link").skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        if attribute(tag, "rel") == Some("stylesheet") {
            files.push((attribute(tag, "href").unwrap().to_owned(), "text/css"));
        }
    }
    let mut bodies = String::new();
    for (file, kind) in &files {
        assert!(!file.contains("//"), "{file} is not the service's own");
        let resp = server
            .get(&format!("/docs/{}", file.trim_start_matches("./")))
            .await;
        assert_eq!(resp.status(), 200, "{file}");
        let ct = header(&resp, "content-type").to_owned();
        let expected = if *kind == "text/css" {
            ct.starts_with("text/css")
        } else {
            ct.starts_with("text/javascript") || ct.starts_with("application/javascript")
        };
        assert!(expected, "{file} is served as {ct}");
        assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
        bodies.push_str(&resp.text().await.unwrap());
    }

    // The start-up code is a file, pointing at the service's own document, validator off.
    let init = server.get("/docs/swagger-initializer.js").await;
    let init = init.text().await.unwrap();
    assert!(init.contains("/api-docs/openapi.json"), "{init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "{init}");
    // Why the policy allows what it allows: icons drawn as data: images, <style> elements rendered by
    // the bundle (the top-bar logo).
    assert!(
        bodies.contains("url(data:image/"),
        "no data: images any more?"
    );
    assert!(csp.contains("img-src 'self' data:"), "{csp}");
    assert!(
        bodies.contains("createElement(\"style\""),
        "no <style> any more?"
    );
    // The document itself: JSON, not cached.
    let doc = server.get("/api-docs/openapi.json").await;
    assert_eq!(doc.status(), 200);
    assert_eq!(header(&doc, "cache-control"), "no-store");
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

// ---------------------------------------------------------------------------------------------------
// Slow clients

#[tokio::test]
async fn a_request_head_never_finished_is_disconnected() {
    let server = Server::start_with(Timeouts {
        header_read: Duration::from_millis(200),
        ..Timeouts::default()
    })
    .await;
    // Half the headers, then silence.
    let mut half = server
        .raw(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: appli")
        .await;
    let answer = read_until_closed(&mut half)
        .await
        .expect("the server should close a connection whose headers never finish");
    assert!(
        !String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 2"),
        "{answer:?}"
    );
    // Nothing at all, then silence.
    let mut silent = server.raw(b"").await;
    read_until_closed(&mut silent)
        .await
        .expect("the server should close a connection that sends nothing");
    // The server still serves.
    assert_eq!(server.get("/json").await.status(), 200);
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_with_the_envelope() {
    let server = Server::start_with(Timeouts {
        body_idle: Duration::from_millis(200),
        ..Timeouts::default()
    })
    .await;
    let mut stream = server
        .raw(
            b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\nX-Request-Id: stall-1\r\n\r\n{\"a\":",
        )
        .await;
    let answer = read_until_closed(&mut stream)
        .await
        .expect("the server should answer and close");
    let (status, head, body) = parse_response(&answer);
    assert_eq!(status, 408, "{head}");
    assert_eq!(body["error"]["code"], "request_timeout");
    assert_vietnamese_then_english(body["error"]["message"].as_str().unwrap());
    assert!(head.contains("connection: close"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("x-request-id: stall-1"), "{head}");
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
}

#[tokio::test]
async fn a_trickling_body_is_answered_408_when_its_total_time_is_up() {
    // Never idle long enough for the idle timeout: only the total one can end it.
    let server = Server::start_with(Timeouts {
        body_idle: NEVER,
        body_total: Duration::from_millis(300),
        ..Timeouts::default()
    })
    .await;
    let mut stream = server
        .raw(
            b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n[",
        )
        .await;
    let mut answer = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    // One byte every 50 ms until the answer starts (then stop writing, or the server's side would
    // reset the connection over unread data).
    loop {
        assert!(tokio::time::Instant::now() < deadline, "no answer");
        let mut chunk = [0u8; 4096];
        tokio::select! {
            biased;
            n = stream.read(&mut chunk) => {
                let n = n.unwrap();
                answer.extend_from_slice(&chunk[..n]);
                break;
            }
            () = tokio::time::sleep(Duration::from_millis(50)) => {
                stream.write_all(b"1,").await.unwrap();
            }
        }
    }
    answer.extend(read_until_closed(&mut stream).await.expect("closed"));
    let (status, head, body) = parse_response(&answer);
    assert_eq!(status, 408, "{head}");
    assert_eq!(body["error"]["code"], "request_timeout");
}

#[tokio::test]
async fn a_body_sent_in_time_is_read() {
    let server = Server::start().await;
    let resp = server
        .http
        .post(format!("{}/echo", server.base))
        .json(&json!({"tên": "Công ty Cổ phần Cơ khí"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["tên"], "Công ty Cổ phần Cơ khí");
}

#[tokio::test]
async fn a_slow_handler_is_still_503() {
    let server = Server::start_with(Timeouts {
        request: Duration::from_millis(200),
        ..Timeouts::default()
    })
    .await;
    let resp = server.get("/forever").await;
    assert_eq!(resp.status(), 503);
    assert_common_headers(&resp);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
}

// ---------------------------------------------------------------------------------------------------
// Request id

async fn meta_with_id(server: &Server, ids: &[&[u8]]) -> (String, Value) {
    let mut req = server.http.get(format!("{}/meta", server.base));
    for id in ids {
        req = req.header("x-request-id", HeaderValue::from_bytes(id).unwrap());
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let echoed = header(&resp, "x-request-id").to_owned();
    let body: Value = resp.json().await.unwrap();
    // The response header and what the handler (and so audit rows) see agree.
    assert_eq!(body["request_id"], echoed.as_str());
    (echoed, body)
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

#[tokio::test]
async fn a_good_request_id_is_kept() {
    let server = Server::start().await;
    for id in [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "portal:req.42_A",
        &"x".repeat(64),
    ] {
        let (echoed, body) = meta_with_id(&server, &[id.as_bytes()]).await;
        assert_eq!(echoed, id);
        assert_eq!(body["addr"], "127.0.0.1", "ConnectInfo reaches ClientMeta");
    }
}

#[tokio::test]
async fn a_long_or_odd_request_id_is_replaced() {
    let server = Server::start().await;
    let long = "a".repeat(8000);
    let just_too_long = "a".repeat(65);
    let odd: [&[u8]; 6] = [
        long.as_bytes(),
        just_too_long.as_bytes(),
        b"has space",
        b"\"quoted\"",
        b"<script>alert(1)</script>",
        "mã-đơn".as_bytes(),
    ];
    for id in odd {
        let (echoed, _) = meta_with_id(&server, &[id]).await;
        assert!(is_uuid(&echoed), "{echoed} for {id:?}");
    }
    // Two ids: neither is trusted.
    let (echoed, _) = meta_with_id(&server, &[b"one", b"two"]).await;
    assert!(is_uuid(&echoed), "{echoed}");
    // None: one is made up.
    let (echoed, _) = meta_with_id(&server, &[]).await;
    assert!(is_uuid(&echoed), "{echoed}");
}

// ---------------------------------------------------------------------------------------------------
// Graceful shutdown

#[tokio::test]
async fn shutdown_lets_the_request_in_flight_finish() {
    let mut server = Server::start().await;
    let http = server.http.clone();
    let url = format!("{}/slow", server.base);
    let in_flight = tokio::spawn(async move { http.get(url).send().await });
    tokio::time::timeout(PATIENCE, server.started.notified())
        .await
        .expect("the slow handler should start");
    server.stop.take().unwrap().send(()).unwrap();
    let resp = in_flight.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["finished"], true);
    tokio::time::timeout(PATIENCE, &mut server.served)
        .await
        .expect("the server should stop once the request is done")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn a_request_on_an_open_connection_just_after_the_signal_is_still_answered() {
    let mut server = Server::start().await;
    // A kept-alive connection, then the signal, then a request on it at once: answered, since open
    // connections are served a moment longer. Then the server stops, and nothing listens.
    let url = format!("{}/echo", server.base);
    let r = server
        .http
        .post(&url)
        .json(&json!({"n": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.bytes().await.unwrap();
    server.stop.take().unwrap().send(()).unwrap();
    let r = server
        .http
        .post(&url)
        .json(&json!({"n": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["n"], 2);
    tokio::time::timeout(PATIENCE, &mut server.served)
        .await
        .expect("the server should stop after its grace")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "no longer listening"
    );
}
