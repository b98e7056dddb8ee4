//! The workflow service: the path from an enterprise's online application to an approved, funded
//! scheme, and on to its settlement (DOMAIN.md §3–§5).
//!
//! One folder per resource, each with `routes` (HTTP only), `store` (all its SQL) and, where it has a
//! life cycle, `state` (its statuses, transitions and who may make them):
//! - [`rules`]: dated reference rules (activity types, support caps, deadlines, stage time limits,
//!   priorities), national or one province's, edited from a date and never retroactively;
//! - [`budget`]: budget envelopes per year and fund, the national fund's allocations to provinces, and
//!   the one summary every screen and export reads;
//! - [`applications`]: enterprises' applications, drafts to decision, every submitted version kept and
//!   comparable, the cap rules checked at submission;
//! - [`schemes`]: schemes built from accepted applications, taken through their fund's approval
//!   chain (data), appraised by the province's appraisers, approved against the budget;
//! - [`execution`]: an approved scheme's implementation: contracts, advances and payments (never past
//!   the approved support), progress reports and inspections, acceptance, settlement, termination;
//! - [`adjustments`]: adjustments of an approved scheme, routed to their approver by a dated rule;
//!   an approved one changes the scheme and its commitment at once;
//! - [`figures`]: the money figures (plan, approved, committed, advanced, paid, settled, execution
//!   rate) by fund, province as it is or as it was, region, activity and implementing unit: the one
//!   query every report, screen and export reads;
//! - [`extension_reports`]: the provinces' six-month and annual extension reports to the ministry,
//!   filled from the figures, sent, returned for correction;
//! - [`documents`]: the files of a case (application or scheme), in the document store (a local
//!   folder or S3), typed from their content, versioned, never overwritten.
//!
//! Every handler reaches the database through `kc_auth::Tenant` (the caller's tenant transaction);
//! every change writes its audit row and, for a transition, its typed outbox event in that transaction.

pub mod adjustments;
pub mod applications;
pub mod batch;
pub mod budget;
pub mod demo;
pub mod documents;
pub mod execution;
pub mod extension_reports;
pub mod figures;
pub mod rules;
pub mod schemes;

use axum::extract::FromRef;
use documents::storage::Storage;
use kc_auth::Verifier;
use kc_db::Db;
use kc_service::{Built, Env, Kit, Service, ServiceState};
use std::path::PathBuf;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;

/// The name this service writes in audit rows and as the outbox producer.
pub const SERVICE: &str = "workflow";

/// The workflow service's own settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// `KC_DOCUMENTS_URL`: empty for a local folder, or `s3://bucket[/prefix]`.
    pub documents_url: Option<String>,
    /// The local folder of documents: `$KC_DATA_DIR/documents` (`.data/documents` by default).
    pub documents_dir: PathBuf,
    /// `KC_DOCUMENT_MAX_BYTES`: the largest upload (10 MiB by default).
    pub max_document_bytes: usize,
}

impl Config {
    /// Settings for tests: documents in `dir`.
    pub fn for_tests(dir: &std::path::Path) -> Config {
        Config {
            documents_url: None,
            documents_dir: dir.to_path_buf(),
            max_document_bytes: 10 * 1024 * 1024,
        }
    }
}

/// What the handlers share: the pool and verifier, and the document store.
#[derive(Clone)]
pub struct AppState {
    pub service: ServiceState,
    pub documents: Storage,
    pub max_document_bytes: usize,
}

impl FromRef<AppState> for Arc<Verifier> {
    fn from_ref(s: &AppState) -> Arc<Verifier> {
        s.service.verifier.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(s: &AppState) -> Db {
        s.service.db.clone()
    }
}

/// The workflow service on the skeleton.
pub struct Workflow;

impl Service for Workflow {
    const NAME: &'static str = "workflow";
    type Config = Config;

    fn config(env: &mut Env) -> Config {
        let data = env.get("KC_DATA_DIR").unwrap_or_else(|| ".data".into());
        Config {
            documents_url: env.get("KC_DOCUMENTS_URL").filter(|u| !u.is_empty()),
            documents_dir: PathBuf::from(data).join("documents"),
            max_document_bytes: env.or("KC_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024),
        }
    }

    async fn build(kit: Kit<Config>) -> anyhow::Result<Built> {
        let service = ServiceState::from_kit(&kit)?;
        let documents = Storage::open(
            kit.config.documents_url.as_deref(),
            &kit.config.documents_dir,
        )?;
        tracing::info!(location = %documents.location, "document store");
        let state = AppState {
            service,
            documents,
            max_document_bytes: kit.config.max_document_bytes,
        };
        Ok(Built {
            verifier: state.service.verifier.clone(),
            routes: routes(state.max_document_bytes).with_state(state),
            workers: Vec::new(),
        })
    }
}

/// The service's own routes.
pub fn routes(max_document_bytes: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(rules::routes::router())
        .merge(budget::routes::router())
        .merge(applications::routes::router())
        .merge(applications::export::router())
        .merge(documents::routes::router(max_document_bytes))
        .merge(schemes::routes::router())
        .merge(execution::routes::router())
        .merge(adjustments::routes::router())
        .merge(extension_reports::routes::router())
        .merge(figures::routes::router())
}
