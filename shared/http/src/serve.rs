use crate::layers::Timeouts;
use anyhow::Context;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tower::ServiceExt;

/// Where a service listens, from the environment: `KC_BIND_HOST` (default 127.0.0.1) and the
/// service's own port variable (e.g. `KC_IDENTITY_PORT`), with the service's default port.
pub fn bind_addr(port_var: &str, default_port: u16) -> anyhow::Result<SocketAddr> {
    let host: IpAddr = match std::env::var("KC_BIND_HOST") {
        Ok(h) => h
            .parse()
            .with_context(|| format!("KC_BIND_HOST is not an IP address: {h}"))?,
        Err(_) => IpAddr::from([127, 0, 0, 1]),
    };
    let port = match std::env::var(port_var) {
        Ok(p) => p
            .parse()
            .with_context(|| format!("{port_var} is not a port number: {p}"))?,
        Err(_) => default_port,
    };
    Ok(SocketAddr::new(host, port))
}

/// Serve until SIGTERM or SIGINT, then finish the requests in flight and return.
pub async fn serve(name: &'static str, addr: SocketAddr, router: Router) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("{name}: cannot listen on {addr} (is another copy running?)"))?;
    serve_on(name, listener, router).await
}

/// Serve on an already-bound listener (tests bind port 0) until SIGTERM or SIGINT.
pub async fn serve_on(
    name: &'static str,
    listener: tokio::net::TcpListener,
    router: Router,
) -> anyhow::Result<()> {
    serve_until(name, listener, router, shutdown_signal()).await
}

/// Serve until `shutdown` completes, then finish the requests in flight and return.
pub async fn serve_until(
    name: &'static str,
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(name, listener, router, shutdown, Timeouts::default()).await
}

/// Serve HTTP/1.1 until `shutdown` completes, then stop: refuse new connections (those the kernel had
/// already completed are taken and served), keep serving the open ones for `timeouts.shutdown_grace`
/// (a request already on its way is answered), then close the idle ones, let the requests in flight
/// finish and return.
///
/// Each connection is served by hyper with a timer, so that a client that does not send a whole
/// request head within `timeouts.header_read` is disconnected (this also closes keep-alive
/// connections left idle that long). Every request carries the client's address as
/// `ConnectInfo<SocketAddr>` (read by [`ClientMeta`](crate::ClientMeta)). The other timeouts are the
/// router's business ([`layers::apply_with`](crate::layers::apply_with)).
pub async fn serve_with(
    name: &'static str,
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(service = name, %addr, "listening on http://{addr}");
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    let graceful = GracefulShutdown::new();
    let serve = |stream: tokio::net::TcpStream, peer: SocketAddr| {
        // Small answers go out at once rather than waiting for more to send.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(req)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that went away, a malformed request or a head not sent in time: the connection
            // ends; nothing for the operator to act on.
            if let Err(e) = connection.await {
                tracing::debug!(service = name, %peer, error = %e, "connection closed with an error");
            }
        });
    };
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(name, e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        serve(stream, peer);
    }
    // The connections the kernel completed before the signal wait in the backlog: taken and served,
    // not reset by the close.
    let listener = listener.into_std()?;
    while let Ok((stream, peer)) = listener.accept() {
        if stream.set_nonblocking(true).is_ok()
            && let Ok(stream) = tokio::net::TcpStream::from_std(stream)
        {
            serve(stream, peer);
        }
    }
    drop(listener);
    tracing::info!(
        service = name,
        "refusing new connections, finishing the open ones"
    );
    tokio::time::sleep(timeouts.shutdown_grace).await;
    graceful.shutdown().await;
    tracing::info!(service = name, "stopped");
    Ok(())
}

/// An `accept` that failed: a connection that went away before it was accepted is nothing; anything
/// else (out of file descriptors) is logged, and we wait a moment rather than spin.
async fn accept_failed(name: &'static str, e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(service = name, error = %e, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        _ = term => tracing::info!("SIGTERM received, shutting down"),
    }
}
