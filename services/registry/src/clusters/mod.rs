//! Industrial clusters (CCN): the record ([`data`]), its life cycle ([`state`]), the rule checks of a
//! proposal or an expansion ([`checks`]), every version kept and readable as of any day ([`store`]),
//! and the routes ([`routes`]).

pub mod checks;
pub mod data;
pub mod routes;
pub mod state;
pub mod store;

/// Announce a change of status, `registry.cluster_transitioned`, in the transaction that wrote it (the
/// notifications service opens the reports an established cluster's investor owes).
pub async fn announce_transition(
    tx: &kc_db::Tx,
    before: &store::ClusterView,
    after: &store::ClusterView,
    by: uuid::Uuid,
) -> Result<bool, sea_orm::DbErr> {
    kc_events::enqueue(
        tx,
        crate::SERVICE,
        &kc_events::ClusterTransitioned {
            cluster_id: after.id,
            province: after.province_id,
            code: after.code.clone(),
            from: before.status.as_str().to_owned(),
            to: after.status.as_str().to_owned(),
            version: after.version,
            by,
            investor_org: after.investor_org_id,
        },
    )
    .await
}
