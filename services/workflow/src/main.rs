//! `kc-workflow`: serve the workflow service.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    kc_service::run::<kc_workflow::Workflow>().await
}
