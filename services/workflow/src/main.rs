//! `kc-workflow`: serve the workflow service.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kc_service::run(kc_workflow::SPEC, kc_workflow::routes).await
}
