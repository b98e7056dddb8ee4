//! The append-only audit trail (`audit.events`), written inside the request transaction. (The
//! transactional outbox has its own typed crate, `kc-events`.)

use crate::stmt;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// One audit row: who did what to which record, from where, with the state before and after.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent {
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: Option<String>,
    pub province_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Append an audit row (in the caller's transaction, so it commits or rolls back with the change).
pub async fn audit<C: ConnectionTrait>(
    conn: &C,
    service: &'static str,
    e: AuditEvent,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "INSERT INTO audit.events (service, actor_user_id, actor_email, province_id, client_addr, request_id,
                                   action, entity_type, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [
            service.into(),
            e.actor_user_id.into(),
            e.actor_email.into(),
            e.province_id.into(),
            e.client_addr.into(),
            e.request_id.into(),
            e.action.into(),
            e.entity_type.into(),
            e.entity_id.into(),
            e.before.into(),
            e.after.into(),
        ],
    ))
    .await?;
    Ok(())
}
