//! `kc-portal`: serve the web portal.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kc_service::run(kc_portal::SPEC, kc_portal::routes).await
}
