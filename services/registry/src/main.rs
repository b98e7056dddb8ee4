//! `kc-registry`: serve the registry service.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kc_service::run::<kc_registry::Registry>().await
}
