//! `kc-identity`: serve the identity service, or `kc-identity seed-demo` to load demo accounts.

use kc_identity::{AppState, Identity, demo};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => kc_service::run::<Identity>().await,
        Some("seed-demo") => {
            kc_http::telemetry::init();
            let seeded = async {
                let kit = kc_service::prepare::<Identity>().await?;
                let state = AppState::new(kit.db()?, kit.config)?;
                demo::seed(&state).await
            };
            match seeded.await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kc-identity: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(other) => {
            eprintln!("kc-identity: unknown command {other}: use serve (default) or seed-demo");
            ExitCode::FAILURE
        }
    }
}
