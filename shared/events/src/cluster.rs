//! What the registry announces about industrial clusters.

use crate::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A cluster changed status (established, construction started, operating, expanded, removed from the
/// plan, establishment revoked). The notifications service opens the duties an established cluster
/// brings (its half-year and annual reports).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterTransitioned {
    pub cluster_id: Uuid,
    pub province: Uuid,
    pub code: String,
    /// Statuses in their database spelling (`kc_kernel::ClusterStatus`).
    pub from: String,
    pub to: String,
    /// The cluster's version after the change: with the id, the de-duplication key.
    pub version: i32,
    pub by: Uuid,
    /// The investor's organisation, if it has one in identity (who reports for the cluster).
    pub investor_org: Option<Uuid>,
}

impl Event for ClusterTransitioned {
    const TOPIC: &'static str = "registry.cluster_transitioned";
    const VERSION: i32 = 1;

    fn province(&self) -> Option<Uuid> {
        Some(self.province)
    }

    fn dedup_key(&self) -> String {
        format!("{}:{}", self.cluster_id, self.version)
    }
}
