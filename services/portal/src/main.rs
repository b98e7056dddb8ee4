//! `kc-portal`: serve the web portal.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kc_service::run::<kc_portal::Portal>().await
}
