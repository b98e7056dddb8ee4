//! All SQL of the reference rules.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::{Fund, RuleKind};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// A rule version as the API shows it.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct RuleRow {
    pub id: Uuid,
    pub kind: RuleKind,
    pub key: String,
    pub fund: Option<Fund>,
    /// The province of a local rule; none for a national rule.
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub valid_from: NaiveDate,
    /// The last day in force; none: until further notice.
    pub valid_to: Option<NaiveDate>,
    #[schema(value_type = super::RuleBody)]
    pub body: serde_json::Value,
    pub legal_basis: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT r.id, r.kind, r.key, r.fund, r.province_id, a.code AS province_code,
        r.valid_from, r.valid_to, r.body, r.legal_basis, r.created_at, r.updated_at
   FROM workflow.rules r LEFT JOIN identity.admin_units a ON a.id = r.province_id";

pub async fn by_id(tx: &Tx, id: Uuid, for_update: bool) -> Result<Option<RuleRow>, DbErr> {
    let lock = if for_update { " FOR UPDATE OF r" } else { "" };
    RuleRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE r.id = $1{lock}"),
        [id.into()],
    ))
    .one(tx)
    .await
}

/// Filters of the rules list.
#[derive(Debug, Default)]
pub struct RuleFilter {
    pub kind: Option<RuleKind>,
    pub key: Option<String>,
    pub fund: Option<Fund>,
    pub province_id: Option<Uuid>,
    /// Only the versions in force on this day.
    pub as_of: Option<NaiveDate>,
}

pub async fn list(tx: &Tx, f: &RuleFilter) -> Result<Vec<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE ($1::text IS NULL OR r.kind = $1) AND ($2::text IS NULL OR r.key = $2)
               AND ($3::text IS NULL OR r.fund = $3)
               AND ($4::uuid IS NULL OR r.province_id IS NULL OR r.province_id = $4)
               AND ($5::date IS NULL OR ($5 >= r.valid_from AND (r.valid_to IS NULL OR $5 <= r.valid_to)))
             ORDER BY r.kind, r.key, r.fund NULLS FIRST, a.code NULLS FIRST, r.valid_from
             LIMIT 2000"
        ),
        [
            f.kind.into(),
            f.key.clone().into(),
            f.fund.into(),
            f.province_id.into(),
            f.as_of.into(),
        ],
    ))
    .all(tx)
    .await
}

/// The version of a rule in force on `day` for `province`: the province's own when it has one, the
/// national one otherwise. `fund`: a rule of that fund, or one that names no fund.
pub async fn in_force<C: ConnectionTrait>(
    c: &C,
    kind: RuleKind,
    key: &str,
    fund: Option<Fund>,
    province: Option<Uuid>,
    day: NaiveDate,
) -> Result<Option<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE r.kind = $1 AND r.key = $2 AND (r.fund IS NULL OR r.fund = $3)
               AND (r.province_id IS NULL OR r.province_id = $4)
               AND $5 >= r.valid_from AND (r.valid_to IS NULL OR $5 <= r.valid_to)
             ORDER BY r.province_id NULLS LAST, r.fund NULLS LAST LIMIT 1"
        ),
        [
            kind.into(),
            key.into(),
            fund.into(),
            province.into(),
            day.into(),
        ],
    ))
    .one(c)
    .await
}

/// The rule the new version follows: the same (kind, key, fund, province), in force on `day` or
/// starting after it, latest first. Locked, so two edits of one rule queue.
pub async fn versions_from(
    tx: &Tx,
    kind: RuleKind,
    key: &str,
    fund: Option<Fund>,
    province: Option<Uuid>,
    day: NaiveDate,
) -> Result<Vec<RuleRow>, DbErr> {
    RuleRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE r.kind = $1 AND r.key = $2 AND r.fund IS NOT DISTINCT FROM $3
               AND r.province_id IS NOT DISTINCT FROM $4
               AND (r.valid_to IS NULL OR r.valid_to >= $5)
             ORDER BY r.valid_from DESC FOR UPDATE OF r"
        ),
        [
            kind.into(),
            key.into(),
            fund.into(),
            province.into(),
            day.into(),
        ],
    ))
    .all(tx)
    .await
}

/// A new version, validated.
pub struct NewRule {
    pub kind: RuleKind,
    pub key: String,
    pub fund: Option<Fund>,
    pub province_id: Option<Uuid>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub body: serde_json::Value,
    pub legal_basis: String,
}

pub async fn insert(tx: &Tx, r: &NewRule, by: Uuid) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO workflow.rules (id, kind, key, fund, province_id, valid_from, valid_to, body,
                                     legal_basis, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        [
            id.into(),
            r.kind.into(),
            r.key.clone().into(),
            r.fund.into(),
            r.province_id.into(),
            r.valid_from.into(),
            r.valid_to.into(),
            r.body.clone().into(),
            r.legal_basis.clone().into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// End a version on `last_day` (inclusive).
pub async fn end(tx: &Tx, id: Uuid, last_day: NaiveDate, by: Uuid) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE workflow.rules SET valid_to = $2, updated_by = $3, updated_at = now() WHERE id = $1",
        [id.into(), last_day.into(), by.into()],
    ))
    .await?;
    Ok(())
}

/// Change a version: its last day, and (not yet in force) its body and legal basis.
pub async fn update(
    tx: &Tx,
    id: Uuid,
    body: &serde_json::Value,
    legal_basis: &str,
    valid_to: Option<NaiveDate>,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE workflow.rules SET body = $2, legal_basis = $3, valid_to = $4, updated_by = $5,
                updated_at = now() WHERE id = $1",
        [
            id.into(),
            body.clone().into(),
            legal_basis.into(),
            valid_to.into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(())
}
