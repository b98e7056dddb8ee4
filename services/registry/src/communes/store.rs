//! All SQL of communes.

use chrono::NaiveDate;
use kc_db::{Tx, count, stmt};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CommuneRow {
    pub id: Uuid,
    pub province_id: Uuid,
    pub province_code: String,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

const SELECT: &str =
    "SELECT m.id, m.province_id, p.code AS province_code, m.name, m.valid_from, m.valid_to
   FROM registry.communes m JOIN identity.admin_units p ON p.id = m.province_id";

/// The communes of a province (or of every province) in force on `day`, by name.
pub async fn in_force(
    tx: &Tx,
    province: Option<Uuid>,
    day: NaiveDate,
) -> Result<Vec<CommuneRow>, DbErr> {
    CommuneRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE ($1::uuid IS NULL OR m.province_id = $1) AND m.valid_from <= $2
               AND (m.valid_to IS NULL OR m.valid_to >= $2) ORDER BY p.code, m.name LIMIT 5000"
        ),
        [province.into(), day.into()],
    ))
    .all(tx)
    .await
}

/// How many of `ids` are communes of `province` in force on `day`.
pub async fn count_of(tx: &Tx, ids: &[Uuid], province: Uuid, day: NaiveDate) -> Result<i64, DbErr> {
    count(
        tx,
        "SELECT count(*) AS n FROM registry.communes WHERE id = ANY($1) AND province_id = $2
            AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $3)",
        [ids.to_vec().into(), province.into(), day.into()],
    )
    .await
}

pub async fn insert(
    tx: &Tx,
    province: Uuid,
    name: &str,
    from: NaiveDate,
    by: Uuid,
) -> Result<CommuneRow, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO registry.communes (id, province_id, name, valid_from, created_by)
         VALUES ($1, $2, $3, $4, $5)",
        [
            id.into(),
            province.into(),
            name.into(),
            from.into(),
            by.into(),
        ],
    ))
    .await?;
    CommuneRow::find_by_statement(stmt(&format!("{SELECT} WHERE m.id = $1"), [id.into()]))
        .one(tx)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("commune".into()))
}
