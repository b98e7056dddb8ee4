//! All SQL of the budget.

use chrono::{DateTime, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::{Fund, Money, Region};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// An envelope as the API shows it. Amounts are whole đồng.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct EnvelopeRow {
    pub id: Uuid,
    pub year: i32,
    pub fund: Fund,
    /// None: the national KCQG envelope.
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    /// The national envelope an allocation draws on.
    pub parent_id: Option<Uuid>,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Allocated to provinces (the national envelope only).
    #[schema(value_type = String)]
    pub allocated: Decimal,
    /// Committed by approved schemes.
    #[schema(value_type = String)]
    pub committed: Decimal,
    /// amount − allocated − committed.
    #[schema(value_type = String)]
    pub remaining: Decimal,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT e.id, e.year, e.fund, e.province_id, a.code AS province_code,
        a.name AS province_name, e.parent_id, e.amount, e.allocated, e.committed,
        e.amount - e.allocated - e.committed AS remaining, e.note, e.created_at, e.updated_at
   FROM workflow.envelopes e LEFT JOIN identity.admin_units a ON a.id = e.province_id";

pub async fn by_id(tx: &Tx, id: Uuid, for_update: bool) -> Result<Option<EnvelopeRow>, DbErr> {
    let lock = if for_update { " FOR UPDATE OF e" } else { "" };
    EnvelopeRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE e.id = $1{lock}"),
        [id.into()],
    ))
    .one(tx)
    .await
}

/// The envelope of a year, fund and province (`None`: the national one).
pub async fn find(
    tx: &Tx,
    year: i32,
    fund: Fund,
    province: Option<Uuid>,
) -> Result<Option<EnvelopeRow>, DbErr> {
    EnvelopeRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE e.year = $1 AND e.fund = $2 AND e.province_id IS NOT DISTINCT FROM $3"
        ),
        [year.into(), fund.into(), province.into()],
    ))
    .one(tx)
    .await
}

pub async fn list(
    tx: &Tx,
    year: Option<i32>,
    fund: Option<Fund>,
) -> Result<Vec<EnvelopeRow>, DbErr> {
    EnvelopeRow::find_by_statement(stmt(
        &format!(
            "{SELECT} WHERE ($1::int IS NULL OR e.year = $1) AND ($2::text IS NULL OR e.fund = $2)
             ORDER BY e.year DESC, e.fund, a.code NULLS FIRST LIMIT 1000"
        ),
        [year.into(), fund.into()],
    ))
    .all(tx)
    .await
}

/// A new envelope; for an allocation, the parent's `allocated` grows in the same transaction.
pub struct NewEnvelope {
    pub year: i32,
    pub fund: Fund,
    pub province_id: Option<Uuid>,
    pub parent_id: Option<Uuid>,
    pub amount: Money,
    pub note: Option<String>,
}

/// What a change of money against an envelope came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Commit {
    Done,
    /// The envelope (or the national envelope above it) has too little left; nothing changed.
    Insufficient,
}

fn insufficient_or(e: DbErr) -> Result<Commit, DbErr> {
    if kc_db::sqlstate(&e).as_deref() == Some("23514") {
        Ok(Commit::Insufficient)
    } else {
        Err(e)
    }
}

/// Insert an envelope. A duplicate (year, fund, province) is a unique violation.
pub async fn insert(tx: &Tx, e: &NewEnvelope, by: Uuid) -> Result<Result<Uuid, Commit>, DbErr> {
    if let Some(parent) = e.parent_id
        && add_allocated(tx, parent, e.amount.amount()).await? == Commit::Insufficient
    {
        return Ok(Err(Commit::Insufficient));
    }
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO workflow.envelopes (id, year, fund, province_id, parent_id, amount, note, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            id.into(),
            e.year.into(),
            e.fund.into(),
            e.province_id.into(),
            e.parent_id.into(),
            e.amount.amount().into(),
            e.note.clone().into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(Ok(id))
}

async fn add_allocated(tx: &Tx, id: Uuid, delta: Decimal) -> Result<Commit, DbErr> {
    let r = tx
        .execute_raw(stmt(
            "UPDATE workflow.envelopes SET allocated = allocated + $2, updated_at = now() WHERE id = $1",
            [id.into(), delta.into()],
        ))
        .await;
    match r {
        Ok(_) => Ok(Commit::Done),
        Err(e) => insufficient_or(e),
    }
}

/// Change an envelope's amount (and, for an allocation, its parent's `allocated` by the difference).
/// `Insufficient` when the new amount is below what is allocated and committed from it, or the
/// national envelope has too little left.
pub async fn set_amount(
    tx: &Tx,
    env: &EnvelopeRow,
    amount: Money,
    note: Option<String>,
) -> Result<Commit, DbErr> {
    let delta = amount.amount() - env.amount;
    if let Some(parent) = env.parent_id
        && !delta.is_zero()
        && add_allocated(tx, parent, delta).await? == Commit::Insufficient
    {
        return Ok(Commit::Insufficient);
    }
    let r = tx
        .execute_raw(stmt(
            "UPDATE workflow.envelopes SET amount = $2, note = $3, updated_at = now() WHERE id = $1",
            [env.id.into(), amount.amount().into(), note.into()],
        ))
        .await;
    match r {
        Ok(_) => Ok(Commit::Done),
        Err(e) => insufficient_or(e),
    }
}

/// Commit `amount` of an envelope to an approved scheme: `Insufficient` (and nothing changed) when
/// the envelope has less left. The UPDATE takes the row's lock, so concurrent commitments queue and
/// each sees the one before.
pub async fn commit(tx: &Tx, envelope: Uuid, amount: Money) -> Result<Commit, DbErr> {
    let r = tx
        .execute_raw(stmt(
            "UPDATE workflow.envelopes SET committed = committed + $2, updated_at = now() WHERE id = $1",
            [envelope.into(), amount.amount().into()],
        ))
        .await;
    match r {
        Ok(done) if done.rows_affected() == 1 => Ok(Commit::Done),
        Ok(_) => Err(DbErr::RecordNotFound(format!("envelope {envelope}"))),
        Err(e) => insufficient_or(e),
    }
}

/// Give back money committed (a terminated scheme, a lowered amount).
pub async fn release(tx: &Tx, envelope: Uuid, amount: Money) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "UPDATE workflow.envelopes SET committed = committed - $2, updated_at = now() WHERE id = $1",
        [envelope.into(), amount.amount().into()],
    ))
    .await?;
    Ok(())
}

/// One province's line of the summary (one fund).
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct SummaryLine {
    pub province_id: Uuid,
    pub province_code: String,
    pub province_name: String,
    pub region: Region,
    pub fund: Fund,
    /// The province's envelope: its KCQG allocation, or its KCĐP envelope.
    #[schema(value_type = String)]
    pub envelope: Decimal,
    #[schema(value_type = String)]
    pub committed: Decimal,
    #[schema(value_type = String)]
    pub remaining: Decimal,
}

/// Filters of the summary.
#[derive(Debug, Clone, Copy)]
pub struct SummaryFilter {
    pub year: i32,
    pub fund: Option<Fund>,
    pub province_id: Option<Uuid>,
    pub region: Option<Region>,
}

/// Envelope, committed and remaining per province and fund: the one query every screen and export
/// of the budget reads.
pub async fn summary<C: ConnectionTrait>(
    c: &C,
    f: SummaryFilter,
) -> Result<Vec<SummaryLine>, DbErr> {
    SummaryLine::find_by_statement(stmt(
        "SELECT a.id AS province_id, a.code AS province_code, a.name AS province_name, a.region,
                e.fund, e.amount AS envelope, e.committed, e.amount - e.allocated - e.committed AS remaining
           FROM workflow.envelopes e JOIN identity.admin_units a ON a.id = e.province_id
          WHERE e.year = $1 AND ($2::text IS NULL OR e.fund = $2)
            AND ($3::uuid IS NULL OR e.province_id = $3) AND ($4::text IS NULL OR a.region = $4)
          ORDER BY a.code, e.fund",
        [f.year.into(), f.fund.into(), f.province_id.into(), f.region.into()],
    ))
    .all(c)
    .await
}
