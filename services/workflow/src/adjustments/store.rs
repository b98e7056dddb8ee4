//! All SQL of adjustments, and the changes an approved one makes to its scheme.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::{AdjustmentKind, AdjustmentStatus, Money, Permission, Role};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// An adjustment of a scheme.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct AdjustmentRow {
    pub id: Uuid,
    pub scheme_id: Uuid,
    /// The scheme's adjustments are numbered from 1.
    pub number: i32,
    pub kind: AdjustmentKind,
    pub status: AdjustmentStatus,
    /// What it changes: `{"before": {…}, "after": {…}}`, with the kind's fields.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub reason: String,
    pub document_id: Uuid,
    /// Who decides it: the funding level's role, with this permission.
    pub route_role: Role,
    pub route_permission: Permission,
    pub requested_by: Uuid,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

const SELECT: &str = "SELECT id, scheme_id, number, kind, status, changes, reason, document_id,
        route_role, route_permission, requested_by, requested_at, decided_by, decided_at, decision_reason
   FROM workflow.adjustments";

pub async fn of_scheme(tx: &Tx, scheme: Uuid) -> Result<Vec<AdjustmentRow>, DbErr> {
    AdjustmentRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE scheme_id = $1 ORDER BY number"),
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// One adjustment of a scheme by its number, locked.
pub async fn by_number(tx: &Tx, scheme: Uuid, number: i32) -> Result<Option<AdjustmentRow>, DbErr> {
    AdjustmentRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE scheme_id = $1 AND number = $2 FOR UPDATE"),
        [scheme.into(), number.into()],
    ))
    .one(tx)
    .await
}

/// The scheme's pending adjustment, locked.
pub async fn pending(tx: &Tx, scheme: Uuid) -> Result<Option<AdjustmentRow>, DbErr> {
    AdjustmentRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE scheme_id = $1 AND status = 'pending' FOR UPDATE"),
        [scheme.into()],
    ))
    .one(tx)
    .await
}

/// An adjustment asked for, checked.
pub struct NewAdjustment {
    pub province_id: Uuid,
    pub scheme_id: Uuid,
    pub kind: AdjustmentKind,
    pub changes: serde_json::Value,
    pub reason: String,
    pub document_id: Uuid,
    pub route: (Role, Permission),
    pub requested_by: Uuid,
}

/// Record it with the scheme's next number; a second pending one is a unique violation.
pub async fn insert(tx: &Tx, a: &NewAdjustment) -> Result<i32, DbErr> {
    let row = tx
        .query_one_raw(stmt(
            "INSERT INTO workflow.adjustments (id, province_id, scheme_id, number, kind, changes, reason,
                 document_id, route_role, route_permission, requested_by)
             SELECT $1, $2, $3, coalesce(max(number), 0) + 1, $4, $5, $6, $7, $8, $9, $10
               FROM workflow.adjustments WHERE scheme_id = $3
             RETURNING number",
            [
                Uuid::new_v4().into(),
                a.province_id.into(),
                a.scheme_id.into(),
                a.kind.into(),
                a.changes.clone().into(),
                a.reason.clone().into(),
                a.document_id.into(),
                a.route.0.into(),
                a.route.1.into(),
                a.requested_by.into(),
            ],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    row.try_get("", "number")
}

/// Close a pending adjustment with the decision.
pub async fn decide(
    tx: &Tx,
    id: Uuid,
    to: AdjustmentStatus,
    by: Uuid,
    reason: Option<&str>,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE workflow.adjustments SET status = $2, decided_by = $3, decided_at = now(),
             decision_reason = $4 WHERE id = $1 AND status = 'pending'",
        [id.into(), to.into(), by.into(), reason.into()],
    ))
    .await?;
    Ok(())
}

/// What an approved adjustment changes on its scheme.
pub enum Change {
    Support(Money),
    Title(String),
    Commune(String),
    EndsOn(NaiveDate),
    Beneficiary {
        remove: Uuid,
        add_org: Uuid,
        add_application: Uuid,
    },
}

/// Apply the change to a locked scheme and count a new version of it. The support's envelope is the
/// caller's to commit or release in the same transaction.
pub async fn apply(tx: &Tx, province: Uuid, scheme: Uuid, change: &Change) -> Result<(), DbErr> {
    match change {
        Change::Support(m) => {
            tx.execute_raw(stmt(
                "UPDATE workflow.schemes SET support_approved = $2 WHERE id = $1",
                [scheme.into(), m.amount().into()],
            ))
            .await?;
        }
        Change::Title(t) => {
            tx.execute_raw(stmt(
                "UPDATE workflow.schemes SET title = $2 WHERE id = $1",
                [scheme.into(), t.clone().into()],
            ))
            .await?;
        }
        Change::Commune(c) => {
            tx.execute_raw(stmt(
                "UPDATE workflow.schemes SET commune = $2 WHERE id = $1",
                [scheme.into(), c.clone().into()],
            ))
            .await?;
        }
        Change::EndsOn(d) => {
            tx.execute_raw(stmt(
                "UPDATE workflow.contracts SET ends_on = $2
                  WHERE scheme_id = $1 AND kind = 'implementation'",
                [scheme.into(), (*d).into()],
            ))
            .await?;
        }
        Change::Beneficiary {
            remove,
            add_org,
            add_application,
        } => {
            tx.execute_raw(stmt(
                "DELETE FROM workflow.scheme_beneficiaries WHERE scheme_id = $1 AND organisation_id = $2",
                [scheme.into(), (*remove).into()],
            ))
            .await?;
            crate::schemes::store::add_beneficiary(
                tx,
                province,
                scheme,
                *add_org,
                *add_application,
            )
            .await?;
        }
    }
    tx.execute_raw(stmt(
        "UPDATE workflow.schemes SET version = version + 1, updated_at = now() WHERE id = $1",
        [scheme.into()],
    ))
    .await?;
    Ok(())
}
