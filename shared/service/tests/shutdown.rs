//! One signal stops the server and the workers: requests in flight finish, each worker finishes its
//! current item, then `serve_with` returns.

use axum::routing::get;
use kc_service::{Built, CancellationToken, Env, Kit, Mode, Service, Worker};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;

#[derive(Default)]
struct Log {
    requests_started: AtomicUsize,
    items_started: AtomicUsize,
    items_finished: AtomicUsize,
    stopped: AtomicUsize,
    /// Woken whenever a request or a worker item starts.
    started: tokio::sync::Notify,
}

struct Probe;

impl Service for Probe {
    // A service of the list that uses no database.
    const NAME: &'static str = "portal";
    type Config = Arc<Log>;

    fn config(_: &mut Env) -> Arc<Log> {
        Arc::default()
    }

    async fn build(kit: Kit<Arc<Log>>) -> anyhow::Result<Built> {
        let log = kit.config.clone();
        let seen = log.clone();
        let routes = OpenApiRouter::new().route(
            "/slow",
            get(move || async move {
                seen.requests_started.fetch_add(1, Ordering::SeqCst);
                seen.started.notify_waiters();
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let worker = Worker::new("probe", move |stop: CancellationToken| async move {
            loop {
                // Take an item, work on it to the end even if the signal comes meanwhile.
                log.items_started.fetch_add(1, Ordering::SeqCst);
                log.started.notify_waiters();
                tokio::time::sleep(Duration::from_millis(50)).await;
                log.items_finished.fetch_add(1, Ordering::SeqCst);
                if stop.is_cancelled() {
                    break;
                }
            }
            log.stopped.fetch_add(1, Ordering::SeqCst);
            Ok(())
        });
        Ok(Built {
            routes,
            verifier: Arc::new(kc_auth::Verifier::from_jwks(&kc_auth::Jwks {
                keys: vec![],
            })?),
            workers: vec![worker],
        })
    }
}

#[tokio::test]
async fn a_signal_lets_requests_and_worker_items_finish_then_stops_both() {
    let log = Arc::new(Log::default());
    let kit = Kit {
        info: kc_service::services::info("portal"),
        mode: Mode::Dev,
        config: log.clone(),
        db: None,
        identity_url: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kc_service::serve_with::<Probe>(kit, listener, async {
        let _ = rx.await;
    }));
    let request = tokio::spawn(async move { reqwest::get(url).await?.text().await });
    // Signal once the request is inside its handler and the worker has taken an item: woken by the
    // service itself as each starts (with a deadline), not after a guessed delay.
    let both_started = async {
        loop {
            let woken = log.started.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if log.requests_started.load(Ordering::SeqCst) >= 1
                && log.items_started.load(Ordering::SeqCst) >= 1
            {
                break;
            }
            woken.await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), both_started)
        .await
        .expect("the request or the worker never started");
    tx.send(()).unwrap();

    assert_eq!(
        request.await.unwrap().unwrap(),
        "done",
        "the request in flight finished"
    );
    server.await.unwrap().unwrap();
    assert_eq!(log.stopped.load(Ordering::SeqCst), 1, "the worker stopped");
    assert_eq!(
        log.items_started.load(Ordering::SeqCst),
        log.items_finished.load(Ordering::SeqCst),
        "no item was left half done"
    );
}
