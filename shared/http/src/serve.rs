use anyhow::Context;
use axum::Router;
use std::net::{IpAddr, SocketAddr};

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
    let addr = listener.local_addr()?;
    tracing::info!(service = name, %addr, "listening on http://{addr}");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .with_context(|| format!("{name}: server error"))?;
    tracing::info!(service = name, "stopped");
    Ok(())
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
