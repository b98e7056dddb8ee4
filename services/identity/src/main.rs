//! `kc-identity`: serve the identity service, or `kc-identity seed-demo` to load demo accounts.

use kc_identity::{AppState, Config, app, demo};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    kc_http::telemetry::init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("kc-identity: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let command = std::env::args().nth(1);
    let config = Config::from_env()?;
    match command.as_deref() {
        None | Some("serve") => {
            let addr = kc_http::bind_addr("KC_IDENTITY_PORT", 8081)?;
            let state = AppState::new(config).await?;
            kc_http::serve("identity", addr, app(state)).await
        }
        Some("seed-demo") => {
            let state = AppState::new(config).await?;
            demo::seed(&state).await
        }
        Some(other) => anyhow::bail!("unknown command {other}: use serve (default) or seed-demo"),
    }
}
