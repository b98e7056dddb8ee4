//! All SQL of a scheme's implementation: contracts, payments, progress reports and inspections,
//! acceptances, the settlement and a termination, and the money columns of the scheme they move.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::{AcceptanceResult, ContractKind, Money, PaymentKind, SchemeReportKind};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A contract of a scheme.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ContractRow {
    pub id: Uuid,
    pub kind: ContractKind,
    pub number: String,
    pub signed_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The implementing unit (implementation contract) or the beneficiary.
    pub party_org_id: Uuid,
    pub party_name: String,
    pub document_id: Uuid,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn contracts(tx: &Tx, scheme: Uuid) -> Result<Vec<ContractRow>, DbErr> {
    ContractRow::find_by_statement(stmt(
        "SELECT c.id, c.kind, c.number, c.signed_on, c.ends_on, c.amount, c.party_org_id,
                o.name AS party_name, c.document_id, c.recorded_by, c.created_at
           FROM workflow.contracts c JOIN identity.organisations o ON o.id = c.party_org_id
          WHERE c.scheme_id = $1 ORDER BY c.kind DESC, c.signed_on, c.id",
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// A contract to record, checked.
pub struct NewContract {
    pub province_id: Uuid,
    pub scheme_id: Uuid,
    pub kind: ContractKind,
    pub number: String,
    pub signed_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub amount: Money,
    pub party_org_id: Uuid,
    pub document_id: Uuid,
    pub recorded_by: Uuid,
}

/// Record a contract; a second implementation contract, or a second with one beneficiary, is a
/// unique violation.
pub async fn insert_contract(tx: &Tx, c: &NewContract) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO workflow.contracts (id, province_id, scheme_id, kind, number, signed_on, ends_on,
             amount, party_org_id, document_id, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [
            id.into(),
            c.province_id.into(),
            c.scheme_id.into(),
            c.kind.into(),
            c.number.clone().into(),
            c.signed_on.into(),
            c.ends_on.into(),
            c.amount.amount().into(),
            c.party_org_id.into(),
            c.document_id.into(),
            c.recorded_by.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// An advance or a payment.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct PaymentRow {
    pub id: Uuid,
    pub contract_id: Uuid,
    pub kind: PaymentKind,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    pub document_id: Uuid,
    pub note: Option<String>,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn payments(tx: &Tx, scheme: Uuid) -> Result<Vec<PaymentRow>, DbErr> {
    PaymentRow::find_by_statement(stmt(
        "SELECT id, contract_id, kind, amount, paid_on, document_id, note, recorded_by, created_at
           FROM workflow.payments WHERE scheme_id = $1 ORDER BY paid_on, created_at",
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// A payment to record, checked; `advance_percent`: the share of the approved support the scheme's
/// advances may reach (advances only; none: no advance rule).
pub struct NewPayment {
    pub province_id: Uuid,
    pub scheme_id: Uuid,
    pub contract_id: Uuid,
    pub kind: PaymentKind,
    pub amount: Money,
    pub paid_on: NaiveDate,
    pub document_id: Uuid,
    pub note: Option<String>,
    pub recorded_by: Uuid,
    pub advance_percent: Option<Decimal>,
}

/// What a payment did: recorded (with the scheme's totals after it), or refused because the scheme's
/// limits leave less than asked (nothing written).
#[derive(Debug, PartialEq, Eq)]
pub enum Paid {
    Done { paid: Decimal, advanced: Decimal },
    OverLimit,
}

/// Record a payment: one UPDATE of the scheme's totals with every limit in its WHERE (the approved
/// support less what was released, the settled amount once settled, the advance limit for an
/// advance), so two payments racing queue on the row's lock and the second sees the first; then the
/// payment's row. `OverLimit` writes nothing.
pub async fn pay(tx: &Tx, p: &NewPayment) -> Result<Paid, DbErr> {
    let advance = p.kind == PaymentKind::Advance;
    let row = tx
        .query_one_raw(stmt(
            "UPDATE workflow.schemes
                SET paid = paid + $2, advanced = advanced + CASE WHEN $3 THEN $2 ELSE 0 END,
                    updated_at = now()
              WHERE id = $1
                AND paid + released + $2 <= support_approved
                AND (settled IS NULL OR paid + $2 <= settled)
                AND (NOT $3 OR $4::numeric IS NULL
                     OR advanced + $2 <= floor((support_approved - released) * $4 / 100))
              RETURNING paid, advanced",
            [
                p.scheme_id.into(),
                p.amount.amount().into(),
                advance.into(),
                p.advance_percent.into(),
            ],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(Paid::OverLimit);
    };
    tx.execute_raw(stmt(
        "INSERT INTO workflow.payments (id, province_id, scheme_id, contract_id, kind, amount, paid_on,
             document_id, note, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            Uuid::new_v4().into(),
            p.province_id.into(),
            p.scheme_id.into(),
            p.contract_id.into(),
            p.kind.into(),
            p.amount.amount().into(),
            p.paid_on.into(),
            p.document_id.into(),
            p.note.clone().into(),
            p.recorded_by.into(),
        ],
    ))
    .await?;
    Ok(Paid::Done {
        paid: row.try_get("", "paid")?,
        advanced: row.try_get("", "advanced")?,
    })
}

/// A progress report or an inspection.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct ReportRow {
    pub id: i64,
    pub kind: SchemeReportKind,
    pub reported_on: NaiveDate,
    /// The share of the work done (progress reports).
    pub percent_done: Option<i32>,
    pub body: String,
    pub document_id: Option<Uuid>,
    pub by_user: Uuid,
    pub by_org: Uuid,
    /// The reporting organisation's name (empty where the caller may not read it: the ministry's, for
    /// a province's staff).
    pub by_org_name: String,
    pub created_at: DateTime<Utc>,
}

const REPORTS: &str = "SELECT r.id, r.kind, r.reported_on, r.percent_done, r.body, r.document_id,
        r.by_user, r.by_org, coalesce(o.name, '') AS by_org_name, r.created_at
   FROM workflow.scheme_reports r LEFT JOIN identity.organisations o ON o.id = r.by_org";

pub async fn reports(tx: &Tx, scheme: Uuid) -> Result<Vec<ReportRow>, DbErr> {
    ReportRow::find_by_statement(stmt(
        &format!("{REPORTS} WHERE r.scheme_id = $1 ORDER BY r.reported_on, r.id"),
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// The reports `org` made on a scheme (a beneficiary's own; row-level security allows it no other,
/// and this says so again).
pub async fn reports_by(tx: &Tx, scheme: Uuid, org: Uuid) -> Result<Vec<ReportRow>, DbErr> {
    ReportRow::find_by_statement(stmt(
        &format!("{REPORTS} WHERE r.scheme_id = $1 AND r.by_org = $2 ORDER BY r.reported_on, r.id"),
        [scheme.into(), org.into()],
    ))
    .all(tx)
    .await
}

/// A report to record, checked.
pub struct NewReport {
    pub province_id: Uuid,
    pub scheme_id: Uuid,
    pub kind: SchemeReportKind,
    pub reported_on: NaiveDate,
    pub percent_done: Option<i32>,
    pub body: String,
    pub document_id: Option<Uuid>,
    pub by_user: Uuid,
    pub by_org: Uuid,
}

/// Record a report; a progress report moves the scheme's progress to its figure.
pub async fn insert_report(tx: &Tx, r: &NewReport) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.scheme_reports (province_id, scheme_id, kind, reported_on, percent_done,
             body, document_id, by_user, by_org)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            r.province_id.into(),
            r.scheme_id.into(),
            r.kind.into(),
            r.reported_on.into(),
            r.percent_done.into(),
            r.body.clone().into(),
            r.document_id.into(),
            r.by_user.into(),
            r.by_org.into(),
        ],
    ))
    .await?;
    if let Some(p) = r.percent_done {
        tx.execute_raw(stmt(
            "UPDATE workflow.schemes SET progress_percent = $2, updated_at = now() WHERE id = $1",
            [r.scheme_id.into(), p.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Record a beneficiary's progress report (the scheme's own progress is not moved by it).
#[allow(clippy::too_many_arguments)]
pub async fn insert_beneficiary_report(
    tx: &Tx,
    province: Uuid,
    scheme: Uuid,
    reported_on: NaiveDate,
    percent_done: i32,
    body: &str,
    by_user: Uuid,
    by_org: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.scheme_reports (province_id, scheme_id, kind, reported_on, percent_done,
             body, by_user, by_org)
         VALUES ($1, $2, 'progress', $3, $4, $5, $6, $7)",
        [
            province.into(),
            scheme.into(),
            reported_on.into(),
            percent_done.into(),
            body.into(),
            by_user.into(),
            by_org.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// An acceptance at the facility.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct AcceptanceRow {
    pub id: Uuid,
    pub accepted_on: NaiveDate,
    /// The members of the acceptance board: `[{"name": …, "position": …}]`.
    #[schema(value_type = Vec<Object>)]
    pub members: serde_json::Value,
    pub result: AcceptanceResult,
    pub findings: Option<String>,
    pub document_id: Uuid,
    pub recorded_by: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn acceptances(tx: &Tx, scheme: Uuid) -> Result<Vec<AcceptanceRow>, DbErr> {
    AcceptanceRow::find_by_statement(stmt(
        "SELECT id, accepted_on, members, result, findings, document_id, recorded_by, created_at
           FROM workflow.acceptances WHERE scheme_id = $1 ORDER BY accepted_on, created_at",
        [scheme.into()],
    ))
    .all(tx)
    .await
}

/// An acceptance to record, checked.
pub struct NewAcceptance {
    pub province_id: Uuid,
    pub scheme_id: Uuid,
    pub accepted_on: NaiveDate,
    pub members: serde_json::Value,
    pub result: AcceptanceResult,
    pub findings: Option<String>,
    pub document_id: Uuid,
    pub recorded_by: Uuid,
}

pub async fn insert_acceptance(tx: &Tx, a: &NewAcceptance) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    tx.execute_raw(stmt(
        "INSERT INTO workflow.acceptances (id, province_id, scheme_id, accepted_on, members, result,
             findings, document_id, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            id.into(),
            a.province_id.into(),
            a.scheme_id.into(),
            a.accepted_on.into(),
            a.members.clone().into(),
            a.result.into(),
            a.findings.clone().into(),
            a.document_id.into(),
            a.recorded_by.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// The settlement of a scheme: the dossier, and the decision on it.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct SettlementRow {
    /// What the implementing unit's dossier claims.
    #[schema(value_type = String)]
    pub claimed: Decimal,
    pub submitted_on: NaiveDate,
    pub dossier_document_id: Uuid,
    pub submitted_by: Uuid,
    #[schema(value_type = Option<String>)]
    pub settled: Option<Decimal>,
    pub settled_on: Option<NaiveDate>,
    pub liquidated_on: Option<NaiveDate>,
    pub decision_document_id: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    /// Why the dossier was last sent back, if it was.
    pub returned_reason: Option<String>,
}

pub async fn settlement(tx: &Tx, scheme: Uuid) -> Result<Option<SettlementRow>, DbErr> {
    SettlementRow::find_by_statement(stmt(
        "SELECT claimed, submitted_on, dossier_document_id, submitted_by, settled, settled_on,
                liquidated_on, decision_document_id, decided_by, returned_reason
           FROM workflow.settlements WHERE scheme_id = $1",
        [scheme.into()],
    ))
    .one(tx)
    .await
}

/// Submit (or submit again, after a return) the settlement dossier.
pub async fn submit_settlement(
    tx: &Tx,
    province: Uuid,
    scheme: Uuid,
    claimed: Money,
    submitted_on: NaiveDate,
    document: Uuid,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.settlements (scheme_id, province_id, claimed, submitted_on,
             dossier_document_id, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (scheme_id) DO UPDATE SET claimed = EXCLUDED.claimed,
             submitted_on = EXCLUDED.submitted_on, dossier_document_id = EXCLUDED.dossier_document_id,
             submitted_by = EXCLUDED.submitted_by",
        [
            scheme.into(),
            province.into(),
            claimed.amount().into(),
            submitted_on.into(),
            document.into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The funding level's decision on a settlement dossier.
pub enum Decision {
    Settle {
        amount: Money,
        settled_on: NaiveDate,
        liquidated_on: NaiveDate,
        document: Uuid,
    },
    Return {
        reason: String,
    },
}

/// Record the decision: a settlement writes the settled amount on the scheme too (its CHECK keeps it
/// within the approved support and at least what was paid).
pub async fn decide_settlement(tx: &Tx, scheme: Uuid, d: &Decision, by: Uuid) -> Result<(), DbErr> {
    match d {
        Decision::Settle {
            amount,
            settled_on,
            liquidated_on,
            document,
        } => {
            tx.execute_raw(stmt(
                "UPDATE workflow.settlements SET settled = $2, settled_on = $3, liquidated_on = $4,
                     decision_document_id = $5, decided_by = $6 WHERE scheme_id = $1",
                [
                    scheme.into(),
                    amount.amount().into(),
                    (*settled_on).into(),
                    (*liquidated_on).into(),
                    (*document).into(),
                    by.into(),
                ],
            ))
            .await?;
            tx.execute_raw(stmt(
                "UPDATE workflow.schemes SET settled = $2 WHERE id = $1",
                [scheme.into(), amount.amount().into()],
            ))
            .await?;
        }
        Decision::Return { reason } => {
            tx.execute_raw(stmt(
                "UPDATE workflow.settlements SET returned_reason = $2, decided_by = $3
                  WHERE scheme_id = $1",
                [scheme.into(), reason.clone().into(), by.into()],
            ))
            .await?;
        }
    }
    Ok(())
}

/// A termination.
#[derive(Debug, Clone, FromQueryResult, Serialize, ToSchema)]
pub struct TerminationRow {
    pub requested_on: NaiveDate,
    pub reason: String,
    pub document_id: Uuid,
    /// What went back to the envelope: the support not yet paid.
    #[schema(value_type = String)]
    pub released: Decimal,
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
}

pub async fn termination(tx: &Tx, scheme: Uuid) -> Result<Option<TerminationRow>, DbErr> {
    TerminationRow::find_by_statement(stmt(
        "SELECT requested_on, reason, document_id, released, decided_by, decided_at
           FROM workflow.terminations WHERE scheme_id = $1",
        [scheme.into()],
    ))
    .one(tx)
    .await
}

/// Stop a locked scheme: what is not paid is released (its amount returned), and recorded.
pub async fn terminate(
    tx: &Tx,
    province: Uuid,
    scheme: Uuid,
    requested_on: NaiveDate,
    reason: &str,
    document: Uuid,
    by: Uuid,
) -> Result<Money, DbErr> {
    let row = tx
        .query_one_raw(stmt(
            "UPDATE workflow.schemes SET released = support_approved - paid, updated_at = now()
              WHERE id = $1 RETURNING released",
            [scheme.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("scheme {scheme}")))?;
    let released: Decimal = row.try_get("", "released")?;
    tx.execute_raw(stmt(
        "INSERT INTO workflow.terminations (scheme_id, province_id, requested_on, reason, document_id,
             released, decided_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            scheme.into(),
            province.into(),
            requested_on.into(),
            reason.into(),
            document.into(),
            released.into(),
            by.into(),
        ],
    ))
    .await?;
    Money::new(released).map_err(|e| DbErr::Custom(format!("released {released}: {e}")))
}

/// Whether `document` is a document of the scheme, of `kind`.
pub async fn is_scheme_document(
    tx: &Tx,
    scheme: Uuid,
    document: Uuid,
    kind: kc_kernel::DocumentKind,
) -> Result<bool, DbErr> {
    Ok(tx
        .query_one_raw(stmt(
            "SELECT 1 FROM workflow.documents WHERE id = $1 AND scheme_id = $2 AND kind = $3",
            [document.into(), scheme.into(), kind.into()],
        ))
        .await?
        .is_some())
}

/// The day of the last passed acceptance of the scheme.
pub async fn accepted_on(tx: &Tx, scheme: Uuid) -> Result<Option<NaiveDate>, DbErr> {
    let row = tx
        .query_one_raw(stmt(
            "SELECT max(accepted_on) AS day FROM workflow.acceptances
              WHERE scheme_id = $1 AND result = 'passed'",
            [scheme.into()],
        ))
        .await?;
    match row {
        Some(r) => r.try_get("", "day"),
        None => Ok(None),
    }
}

/// A scheme's province and status, as the caller may see them (a beneficiary sees the schemes it
/// benefits from, not their implementing unit's name).
#[derive(Debug, Clone, FromQueryResult)]
pub struct SchemeState {
    pub id: Uuid,
    pub province_id: Uuid,
    pub status: kc_kernel::SchemeStatus,
}

pub async fn scheme_state(tx: &Tx, id: Uuid) -> Result<Option<SchemeState>, DbErr> {
    SchemeState::find_by_statement(stmt(
        "SELECT id, province_id, status FROM workflow.schemes WHERE id = $1",
        [id.into()],
    ))
    .one(tx)
    .await
}

/// Whether the organisation is a named beneficiary of the scheme.
pub async fn is_beneficiary(tx: &Tx, scheme: Uuid, org: Uuid) -> Result<bool, DbErr> {
    Ok(tx
        .query_one_raw(stmt(
            "SELECT 1 FROM workflow.scheme_beneficiaries WHERE scheme_id = $1 AND organisation_id = $2",
            [scheme.into(), org.into()],
        ))
        .await?
        .is_some())
}
