//! `kc-notifications`: serve the notifications service.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kc_service::run::<kc_notifications::Notifications>().await
}
