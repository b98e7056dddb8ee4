//! All SQL of the registry's rules.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::ClusterRule;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// A version of a rule.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct RuleRow {
    pub id: Uuid,
    pub key: ClusterRule,
    /// The province of a province's own rule; none for a national rule.
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub valid_from: NaiveDate,
    /// The last day in force; none: until further notice.
    pub valid_to: Option<NaiveDate>,
    #[schema(value_type = super::RuleBody)]
    pub body: serde_json::Value,
    pub legal_basis: String,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT r.id, r.key, r.province_id, a.code AS province_code, r.valid_from,
        r.valid_to, r.body, r.legal_basis, r.created_at
   FROM registry.rules r LEFT JOIN identity.admin_units a ON a.id = r.province_id";

/// Every version, or those of one key, or those in force on a day.
pub async fn list(
    tx: &Tx,
    key: Option<ClusterRule>,
    as_of: Option<NaiveDate>,
) -> Result<Vec<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE ($1::text IS NULL OR r.key = $1)
               AND ($2::date IS NULL OR ($2 >= r.valid_from AND (r.valid_to IS NULL OR $2 <= r.valid_to)))
             ORDER BY r.key, a.code NULLS FIRST, r.valid_from LIMIT 1000"
        ),
        [key.into(), as_of.into()],
    ))
    .all(tx)
    .await
}

/// The version of `key` in force on `day` for `province`: the province's own when it has one, the
/// national one otherwise (and for no province: the national one).
pub async fn in_force<C: ConnectionTrait>(
    c: &C,
    key: ClusterRule,
    province: Option<Uuid>,
    day: NaiveDate,
) -> Result<Option<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE r.key = $1 AND (r.province_id IS NULL OR r.province_id = $2)
               AND $3 >= r.valid_from AND (r.valid_to IS NULL OR $3 <= r.valid_to)
             ORDER BY r.province_id NULLS LAST LIMIT 1"
        ),
        [key.into(), province.into(), day.into()],
    ))
    .one(c)
    .await
}

/// Open versions of the same rule (key, province) that a new version from `from` would overlap,
/// locked: the one in force ends the day before, a later one makes the new version a conflict.
pub async fn open_versions(
    tx: &Tx,
    key: ClusterRule,
    province: Option<Uuid>,
    from: NaiveDate,
) -> Result<Vec<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE r.key = $1 AND r.province_id IS NOT DISTINCT FROM $2
               AND (r.valid_to IS NULL OR r.valid_to >= $3) ORDER BY r.valid_from FOR UPDATE OF r"
        ),
        [key.into(), province.into(), from.into()],
    ))
    .all(tx)
    .await
}

pub async fn end(tx: &Tx, id: Uuid, last_day: NaiveDate) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE registry.rules SET valid_to = $2, updated_at = now() WHERE id = $1",
        [id.into(), last_day.into()],
    ))
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &Tx,
    key: ClusterRule,
    province: Option<Uuid>,
    from: NaiveDate,
    body: &serde_json::Value,
    legal_basis: &str,
    by: Uuid,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO registry.rules (id, key, province_id, valid_from, body, legal_basis, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            id.into(),
            key.into(),
            province.into(),
            from.into(),
            body.clone().into(),
            legal_basis.into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(id)
}

pub async fn by_id(tx: &Tx, id: Uuid) -> Result<Option<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(&format!("{SELECT} WHERE r.id = $1"), [id.into()]))
        .one(tx)
        .await
}
