//! Periodic CCN reports (DOMAIN.md §6): each cluster's infrastructure investor and tenant enterprises
//! report for a half-year and a year, within data windows and by due dates that are dated rules
//! ([`period`]); the province opens a period (announcing every party's obligation as a typed event),
//! reviews each report ([`state`]: returns it for corrections or accepts it), sees who has and has not
//! reported, and consolidates its own report for the ministry ([`routes`], [`store`]).

pub mod figures;
pub mod routes;
pub mod state;
pub mod store;

use crate::rules::{ReportPeriodBody, store as rules};
use chrono::NaiveDate;
use kc_db::Tx;
use kc_http::ApiError;
use kc_kernel::{ClusterRule, ReportKind};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A report period: its data window and due date.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Period {
    pub kind: ReportKind,
    pub year: i32,
    pub window_from: NaiveDate,
    pub window_to: NaiveDate,
    pub due_date: NaiveDate,
}

/// The period of `kind` and `year` for `province` (none: the national rule), by the rule in force on
/// `today` (none: no rule).
pub async fn period(
    tx: &Tx,
    kind: ReportKind,
    year: i32,
    province: Option<Uuid>,
    today: NaiveDate,
) -> Result<Option<Period>, ApiError> {
    let key = match kind {
        ReportKind::HalfYear => ClusterRule::HalfYearReport,
        ReportKind::Annual => ClusterRule::AnnualReport,
    };
    let Some(rule) = rules::in_force(tx, key, province, today).await? else {
        return Ok(None);
    };
    let body: ReportPeriodBody = serde_json::from_value(rule.body)
        .map_err(|e| ApiError::internal(format!("report period rule {}: {e}", rule.id)))?;
    Ok(body
        .period(year)
        .map(|(window_from, window_to, due_date)| Period {
            kind,
            year,
            window_from,
            window_to,
            due_date,
        }))
}

/// Announce each party's obligation for the period as `registry.cluster_report_due`, once per party
/// and period (an announcement made before is not repeated); how many were new.
pub async fn announce(
    tx: &Tx,
    province: Uuid,
    p: &Period,
    parties: &[store::Party],
) -> Result<usize, sea_orm::DbErr> {
    let mut new = 0;
    for party in parties {
        let first = kc_events::enqueue(
            tx,
            crate::SERVICE,
            &kc_events::ClusterReportDue {
                cluster_id: party.cluster_id,
                province,
                organisation: party.organisation_id,
                party: party.party.as_str().to_owned(),
                kind: p.kind.as_str().to_owned(),
                year: p.year,
                window_from: p.window_from,
                window_to: p.window_to,
                due_date: p.due_date,
            },
        )
        .await?;
        new += usize::from(first);
    }
    Ok(new)
}

/// Announce that a party submitted (or submitted again) its report: `registry.cluster_report_submitted`,
/// in the transaction that stored it (the notifications service closes the party's obligation).
pub async fn announce_submitted(tx: &Tx, row: &store::ReportRow) -> Result<bool, sea_orm::DbErr> {
    kc_events::enqueue(
        tx,
        crate::SERVICE,
        &kc_events::ClusterReportSubmitted {
            report_id: row.id,
            cluster_id: row.cluster_id,
            province: row.province_id,
            organisation: row.organisation_id,
            kind: row.kind.as_str().to_owned(),
            year: row.year,
            version: row.version,
            late: row.late,
        },
    )
    .await
}
