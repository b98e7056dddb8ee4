//! A failed request is logged once: on its request line, with its cause; the cause never reaches the
//! client.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::Router;
use axum::routing::get;
use kc_http::ApiError;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn a_500_is_logged_once_with_its_cause_and_not_sent() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = kc_http::layers::apply(
        Router::new()
            .route(
                "/broken",
                get(|| async { Err::<(), _>(ApiError::internal("the disk is on fire")) }),
            )
            .route(
                "/panics",
                get(|| async {
                    if true {
                        panic!("a bug in a handler");
                    }
                }),
            ),
        kc_http::layers::DEFAULT_BODY_LIMIT,
    );
    for (path, cause) in [
        ("/broken", "the disk is on fire"),
        ("/panics", "a bug in a handler"),
    ] {
        logs.0.lock().unwrap().clear();
        let response = tower::ServiceExt::oneshot(
            app.clone(),
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 500);
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("\"internal\""), "{body}");
        assert!(
            !body.contains(cause),
            "the cause leaked to the client: {body}"
        );
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
        assert_eq!(
            errors.len(),
            1,
            "{path}: logged {} times:\n{text}",
            errors.len()
        );
        assert!(errors[0].contains(cause), "{path}: {}", errors[0]);
        assert!(errors[0].contains("status=500"), "{path}: {}", errors[0]);
    }
}
