//! Administrative units (provinces), dated, with successor links: reference data without tenant.

use chrono::NaiveDate;
use kc_db::stmt;
use kc_kernel::{Region, UnitKind};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct UnitRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub region: Region,
    pub valid_from: NaiveDate,
    /// Exclusive; `null` while in force.
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<Uuid>,
}

const UNIT_SELECT: &str = "SELECT id, code, name, kind, region, valid_from, valid_to, successor_id FROM identity.admin_units";

/// Units in force on a day.
pub async fn as_of<C: ConnectionTrait>(c: &C, day: NaiveDate) -> Result<Vec<UnitRow>, DbErr> {
    UnitRow::find_by_statement(stmt(
        &format!(
            "{UNIT_SELECT} WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY code"
        ),
        [day.into()],
    ))
    .all(c)
    .await
}

pub async fn by_ids<C: ConnectionTrait>(c: &C, ids: Vec<Uuid>) -> Result<Vec<UnitRow>, DbErr> {
    UnitRow::find_by_statement(stmt(
        &format!("{UNIT_SELECT} WHERE id = ANY($1)"),
        [ids.into()],
    ))
    .all(c)
    .await
}

/// The unit with this code in force today.
pub async fn current_by_code<C: ConnectionTrait>(
    c: &C,
    code: &str,
) -> Result<Option<UnitRow>, DbErr> {
    UnitRow::find_by_statement(stmt(
        &format!(
            "{UNIT_SELECT} WHERE code = $1 AND valid_from <= current_date
             AND (valid_to IS NULL OR valid_to > current_date)"
        ),
        [code.into()],
    ))
    .one(c)
    .await
}
