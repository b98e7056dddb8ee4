//! `kc-registry`: serve the registry service, or `kc-registry seed-demo` to load the demo clusters
//! (through its own database role, as each demo province's officer logged in through identity).

use kc_registry::{Registry, demo};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => kc_service::run::<Registry>().await,
        Some("seed-demo") => {
            kc_http::telemetry::init();
            let seeded = async {
                let kit = kc_service::prepare::<Registry>().await?;
                let identity = kit
                    .identity_url
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("KC_IDENTITY_URL is not set"))?;
                let production = matches!(kit.mode, kc_service::Mode::Production);
                demo::seed(&kit.db()?, &identity, production).await
            };
            match seeded.await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kc-registry: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(other) => {
            eprintln!("kc-registry: unknown command {other}: use serve (default) or seed-demo");
            ExitCode::FAILURE
        }
    }
}
