//! `kc-workflow`: serve the workflow service, or `kc-workflow seed-demo` to load demo data through the
//! running identity and workflow services (`KC_IDENTITY_URL`, `KC_WORKFLOW_URL`).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("serve") => kc_service::run::<kc_workflow::Workflow>().await,
        Some("seed-demo") => {
            kc_http::telemetry::init();
            let var = |name: &str| std::env::var(name).unwrap_or_default();
            let (identity, workflow) = (var("KC_IDENTITY_URL"), var("KC_WORKFLOW_URL"));
            if identity.is_empty() || workflow.is_empty() {
                eprintln!("kc-workflow: seed-demo needs KC_IDENTITY_URL and KC_WORKFLOW_URL");
                return ExitCode::FAILURE;
            }
            let production = var("KC_MODE") == "production";
            match kc_workflow::demo::seed(&identity, &workflow, production).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("kc-workflow: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(other) => {
            eprintln!("kc-workflow: unknown command {other}: use serve (default) or seed-demo");
            ExitCode::FAILURE
        }
    }
}
