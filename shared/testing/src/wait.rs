//! Waiting in tests for something another process or task does: a condition polled until a deadline,
//! never a fixed sleep (a test must not pass or fail on timing).

use std::future::Future;
use std::time::{Duration, Instant};

/// Poll `check` until it gives a value, at most `within`; panic naming `what` after that.
pub async fn wait_for<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Wait (at most `within`) until something listens on loopback `port`; panic naming `what` after that.
pub async fn wait_listening(what: &str, port: u16, within: Duration) {
    wait_for(what, within, || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(|_| ())
    })
    .await
}

/// A loopback port nobody listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
