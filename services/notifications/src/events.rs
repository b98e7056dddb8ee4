//! Obligations from other services' events (kc-outbox, under the worker role): an event opens the
//! obligation its duty says, or fulfils one; one delivered twice changes nothing (obligations are
//! keyed by duty, party, subject and period; a fulfilment touches only an obligation still owed).
//!
//! | event | obligation |
//! |---|---|
//! | `registry.cluster_report_due` | opens the party's half-year or annual CCN report, due as the registry's period says |
//! | `registry.cluster_report_submitted` | fulfils it |
//! | `registry.cluster_transitioned` to `established` | opens the investor's next half-year and annual reports |
//! | `workflow.application_transitioned` | closes the application's last stage (fulfilled; waived when withdrawn); opens the new stage's time limit for its holder: the centre's is owed to the applicant, who sees it; the applicant's is its own (a returned application) |
//! | `workflow.scheme_transitioned` to `approved` (national fund) | opens the centre's national settlement, by 22 January after the plan year |
//! | `workflow.scheme_transitioned` to `registered` | fulfils the centre's plan registration for the plan year |
//! | `workflow.scheme_transitioned` to `sent_to_ministry` | fulfils the department's registration with the ministry |
//! | `workflow.acceptance_recorded` | opens the implementing unit's settlement dossier, due the duty's days after the acceptance |
//! | `workflow.scheme_transitioned` to `settlement_submitted` | fulfils the settlement dossier |
//! | `workflow.scheme_transitioned` to `settled` | fulfils what is still owed about the scheme (the national settlement) |
//! | `workflow.scheme_transitioned` to `terminated` | waives what is still owed about the scheme |
//! | `workflow.extension_report_submitted` | fulfils the department's six-month or annual extension report of that year |
//!
//! It also records and queues the account e-mails identity asks for (registration received, verified
//! or rejected, address already in use, password reset: [`crate::mail::account`]).
//!
//! An event for an obligation that does not exist (a fulfilment before any opening) is logged and
//! done; an event that does not decode is dead at once, for an administrator to see.

use crate::clock;
use crate::duties::store as duties;
use crate::mail::{self, MailConfig};
use crate::obligations::store::{self as obligations, NewObligation, key};
use chrono::{DateTime, NaiveDate, Utc};
use kc_events::{
    AcceptanceRecorded, AnyEvent, ApplicationTransitioned, ClusterReportDue,
    ClusterReportSubmitted, ClusterTransitioned, Event, ExtensionReportSubmitted,
    PasswordResetRequested, RegistrationDecided, RegistrationEmailInUse, RegistrationReceived,
    SchemeTransitioned,
};
use kc_kernel::{ApplicationStatus, DutyLevel, ObligationState, OrgKind, ReportKind, SchemeStatus};
use kc_outbox::{Consumer, ConsumerConfig, Failure, Handler, Item};
use kc_service::Mode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};

/// The topics this consumer handles (and no other consumer does).
pub const TOPICS: [&str; 11] = [
    AcceptanceRecorded::TOPIC,
    ExtensionReportSubmitted::TOPIC,
    ApplicationTransitioned::TOPIC,
    ClusterReportDue::TOPIC,
    ClusterReportSubmitted::TOPIC,
    ClusterTransitioned::TOPIC,
    SchemeTransitioned::TOPIC,
    PasswordResetRequested::TOPIC,
    RegistrationReceived::TOPIC,
    RegistrationEmailInUse::TOPIC,
    RegistrationDecided::TOPIC,
];

/// The consumer of those topics, on the worker role's connection.
pub fn consumer(db: DatabaseConnection) -> Consumer {
    // Looks four times a second when idle: an event is an obligation in the API within a moment.
    Consumer::new(
        db,
        ConsumerConfig {
            poll_interval: std::time::Duration::from_millis(250),
            ..ConsumerConfig::new("events", TOPICS)
        },
    )
}

/// The handler: one event, one transaction.
pub struct Opener {
    db: DatabaseConnection,
    mode: Mode,
    mail: MailConfig,
}

impl Opener {
    pub fn new(db: DatabaseConnection, mode: Mode, mail: MailConfig) -> Opener {
        Opener { db, mode, mail }
    }
}

impl Handler for Opener {
    async fn handle(&self, item: Item) -> Result<(), Failure> {
        let event = item.event().map_err(Failure::permanent)?;
        let tx = self.db.begin().await?;
        let today = clock::today(&tx, self.mode).await?;
        let what = match &event {
            AnyEvent::PasswordResetRequested(_)
            | AnyEvent::RegistrationReceived(_)
            | AnyEvent::RegistrationEmailInUse(_)
            | AnyEvent::RegistrationDecided(_) => {
                mail::account::record(&tx, &event, &self.mail).await?
            }
            _ => apply(&tx, &event, today, item.created_at).await?,
        };
        tx.commit().await?;
        tracing::info!(id = item.id, topic = %item.topic, %what, "obligations: event handled");
        Ok(())
    }
}

/// The code of the CCN report duty of a report kind.
fn ccn_code(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::HalfYear => "ccn_half_year_report",
        ReportKind::Annual => "ccn_annual_report",
    }
}

/// The label of a CCN report's period: `2026-H1`, `2026`.
fn ccn_period(kind: ReportKind, year: i32) -> String {
    match kind {
        ReportKind::HalfYear => format!("{year}-H1"),
        ReportKind::Annual => year.to_string(),
    }
}

/// Both, for a report kind as an event spells it.
fn ccn_report(kind: &str, year: i32) -> Option<(&'static str, String)> {
    let kind = kind.parse::<ReportKind>().ok()?;
    Some((ccn_code(kind), ccn_period(kind, year)))
}

/// What an event does to the obligations (said in a few words, for the log).
pub async fn apply<C: ConnectionTrait>(
    c: &C,
    event: &AnyEvent,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<String, DbErr> {
    match event {
        AnyEvent::ClusterReportDue(e) => {
            let Some((code, period)) = ccn_report(&e.kind, e.year) else {
                return Ok(format!("unknown report kind {}", e.kind));
            };
            let Some(duty) = duties::in_force(c, code, Some(e.province), today).await? else {
                return Ok(format!("no duty {code} in force"));
            };
            let opened = obligations::open(
                c,
                &NewObligation {
                    duty: &duty,
                    province: e.province,
                    organisation: e.organisation,
                    for_org: None,
                    subject: Some(("cluster", e.cluster_id, String::new())),
                    period: period.clone(),
                    base_due: e.due_date,
                    dedup_key: key(code, e.organisation, Some(e.cluster_id), &period),
                    opened_by_event: Some(e.reference()),
                },
            )
            .await?;
            Ok(format!("{code} {period}: opened {opened}"))
        }
        AnyEvent::ClusterReportSubmitted(e) => {
            let Some((code, period)) = ccn_report(&e.kind, e.year) else {
                return Ok(format!("unknown report kind {}", e.kind));
            };
            let k = key(code, e.organisation, Some(e.cluster_id), &period);
            let n = obligations::close_by_key(
                c,
                &k,
                ObligationState::Fulfilled,
                "Đã nộp báo cáo trên hệ thống (submitted in the registry)",
                at,
            )
            .await?;
            Ok(format!("{code} {period}: fulfilled {n}"))
        }
        AnyEvent::ClusterTransitioned(e) if e.to == "established" => {
            let Some(investor) = e.investor_org else {
                return Ok("established, no investor organisation".into());
            };
            let mut said = Vec::new();
            for kind in ReportKind::ALL {
                let code = ccn_code(kind);
                let Some(duty) = duties::in_force(c, code, Some(e.province), today).await? else {
                    continue;
                };
                let Some((year, due)) = duty.next_period(today) else {
                    continue;
                };
                let period = ccn_period(kind, year);
                let opened = obligations::open(
                    c,
                    &NewObligation {
                        duty: &duty,
                        province: e.province,
                        organisation: investor,
                        for_org: None,
                        subject: Some(("cluster", e.cluster_id, e.code.clone())),
                        period: period.clone(),
                        base_due: due,
                        dedup_key: key(code, investor, Some(e.cluster_id), &period),
                        opened_by_event: Some(e.reference()),
                    },
                )
                .await?;
                said.push(format!("{code} {period}: opened {opened}"));
            }
            Ok(said.join("; "))
        }
        AnyEvent::SchemeTransitioned(e) => scheme(c, e, today, at).await,
        AnyEvent::ApplicationTransitioned(e) => application(c, e, today, at).await,
        AnyEvent::AcceptanceRecorded(e) => acceptance(c, e, today).await,
        AnyEvent::ExtensionReportSubmitted(e) => {
            let code = match e.kind.parse::<ReportKind>() {
                Ok(ReportKind::HalfYear) => "extension_half_year_report",
                Ok(ReportKind::Annual) => "extension_annual_report",
                Err(_) => return Ok(format!("unknown report kind {}", e.kind)),
            };
            let period = e.year.to_string();
            let n = obligations::close_by_key(
                c,
                &key(code, e.organisation, None, &period),
                ObligationState::Fulfilled,
                "Đã gửi báo cáo trên hệ thống (submitted in the workflow)",
                at,
            )
            .await?;
            Ok(format!("{code} {period}: fulfilled {n}"))
        }
        AnyEvent::ClusterTransitioned(_)
        | AnyEvent::PasswordResetRequested(_)
        | AnyEvent::RegistrationReceived(_)
        | AnyEvent::RegistrationEmailInUse(_)
        | AnyEvent::RegistrationDecided(_)
        | AnyEvent::EmailQueued(_) => Ok("nothing to do".into()),
    }
}

async fn scheme<C: ConnectionTrait>(
    c: &C,
    e: &SchemeTransitioned,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<String, DbErr> {
    let Ok(to) = e.to.parse::<SchemeStatus>() else {
        return Ok(format!("unknown status {}", e.to));
    };
    match to {
        SchemeStatus::Approved if e.fund == "kcqg" => {
            let code = "national_settlement";
            let Some(centre) = obligations::party_of_kind(c, e.province, OrgKind::Centre).await?
            else {
                return Ok("no active centre in the province".into());
            };
            let Some(duty) = duties::in_force(c, code, Some(e.province), today).await? else {
                return Ok(format!("no duty {code} in force"));
            };
            let Some(due) = duty.due_in_period(e.plan_year) else {
                return Ok(format!("{code}: no due date for {}", e.plan_year));
            };
            let period = e.plan_year.to_string();
            let opened = obligations::open(
                c,
                &NewObligation {
                    duty: &duty,
                    province: e.province,
                    organisation: centre,
                    for_org: None,
                    subject: Some(("scheme", e.scheme_id, e.title.clone().unwrap_or_default())),
                    period: period.clone(),
                    base_due: due,
                    dedup_key: key(code, centre, Some(e.scheme_id), &period),
                    opened_by_event: Some(e.reference()),
                },
            )
            .await?;
            Ok(format!("{code} {period}: opened {opened}"))
        }
        SchemeStatus::Registered | SchemeStatus::SentToMinistry => {
            let (code, kind) = if to == SchemeStatus::Registered {
                ("plan_registration", OrgKind::Centre)
            } else {
                ("province_registration", OrgKind::Department)
            };
            let Some(org) = obligations::party_of_kind(c, e.province, kind).await? else {
                return Ok(format!("no active {kind} in the province"));
            };
            // Registration for plan year Y is the duty of the year before.
            let period = (e.plan_year - 1).to_string();
            let n = obligations::close_by_key(
                c,
                &key(code, org, None, &period),
                ObligationState::Fulfilled,
                "Đã đăng ký trên hệ thống (registered in the workflow)",
                at,
            )
            .await?;
            Ok(format!("{code} {period}: fulfilled {n}"))
        }
        SchemeStatus::SettlementSubmitted => {
            let n = obligations::close_duty_of_subject(
                c,
                "settlement_dossier",
                ("scheme", e.scheme_id),
                ObligationState::Fulfilled,
                "Đã nộp hồ sơ quyết toán trên hệ thống (dossier submitted in the workflow)",
                at,
            )
            .await?;
            Ok(format!("settlement_dossier: fulfilled {n}"))
        }
        SchemeStatus::Settled | SchemeStatus::Terminated => {
            let (state, text) = if to == SchemeStatus::Settled {
                (
                    ObligationState::Fulfilled,
                    "Đề án đã quyết toán, thanh lý hợp đồng (settled)",
                )
            } else {
                (
                    ObligationState::Waived,
                    "Đề án đã ngừng thực hiện (terminated)",
                )
            };
            let n =
                obligations::close_subject(c, ("scheme", e.scheme_id), "", state, text, at).await?;
            Ok(format!("{}: closed {n}", e.to))
        }
        _ => Ok("nothing to do".into()),
    }
}

/// A scheme accepted at the facility: its implementing unit owes the settlement dossier, due the
/// duty's number of days after the acceptance.
async fn acceptance<C: ConnectionTrait>(
    c: &C,
    e: &AcceptanceRecorded,
    today: NaiveDate,
) -> Result<String, DbErr> {
    let code = "settlement_dossier";
    let Some(duty) = duties::in_force(c, code, Some(e.province), today).await? else {
        return Ok(format!("no duty {code} in force"));
    };
    let Some(due) = duty.due_after(e.accepted_on) else {
        return Ok(format!("{code}: not a duty after an event"));
    };
    let period = e.accepted_on.to_string();
    let opened = obligations::open(
        c,
        &NewObligation {
            duty: &duty,
            province: e.province,
            organisation: e.implementing_org,
            for_org: None,
            subject: Some(("scheme", e.scheme_id, e.title.clone().unwrap_or_default())),
            period: period.clone(),
            base_due: due,
            dedup_key: key(code, e.implementing_org, Some(e.scheme_id), &period),
            opened_by_event: Some(e.reference()),
        },
    )
    .await?;
    Ok(format!("{code} {period}: opened {opened}"))
}

/// An application's stage time limit: the last stage's obligation closes, the new stage's opens for
/// whoever holds the application now, due on the day workflow's rule gives.
async fn application<C: ConnectionTrait>(
    c: &C,
    e: &ApplicationTransitioned,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> Result<String, DbErr> {
    let Ok(to) = e.to.parse::<ApplicationStatus>() else {
        return Ok(format!("unknown status {}", e.to));
    };
    let holder = e
        .holder
        .as_deref()
        .and_then(|h| h.parse::<DutyLevel>().ok());
    // The party, the duty and the enterprise it is owed to, for the new stage.
    let party = match holder {
        Some(DutyLevel::Centre) => obligations::party_of_kind(c, e.province, OrgKind::Centre)
            .await?
            .map(|org| (org, "application_handling", Some(e.organisation_id))),
        Some(DutyLevel::Enterprise) => Some((e.organisation_id, "application_resubmission", None)),
        _ => None,
    };
    // Each stage (each version of the application) is an obligation of its own.
    let keep = party.map(|(org, code, _)| {
        key(
            code,
            org,
            Some(e.application_id),
            &format!("v{}", e.version),
        )
    });
    let (closing, text) = if to == ApplicationStatus::Withdrawn {
        (
            ObligationState::Waived,
            "Doanh nghiệp đã rút hồ sơ (withdrawn)".to_owned(),
        )
    } else {
        (
            ObligationState::Fulfilled,
            format!(
                "Hồ sơ đã chuyển sang bước: {} ({})",
                to.label_vi(),
                to.as_str()
            ),
        )
    };
    let closed = obligations::close_subject(
        c,
        ("application", e.application_id),
        keep.as_deref().unwrap_or(""),
        closing,
        &text,
        at,
    )
    .await?;
    let (Some((org, code, for_org)), Some(due), Some(dedup_key)) = (party, e.due_on, keep) else {
        return Ok(format!("{} → {}: closed {closed}", e.from, e.to));
    };
    let Some(duty) = duties::in_force(c, code, Some(e.province), today).await? else {
        return Ok(format!("closed {closed}; no duty {code} in force"));
    };
    let opened = obligations::open(
        c,
        &NewObligation {
            duty: &duty,
            province: e.province,
            organisation: org,
            for_org,
            subject: Some((
                "application",
                e.application_id,
                e.title.clone().unwrap_or_default(),
            )),
            period: due.format("%Y").to_string(),
            base_due: due,
            dedup_key,
            opened_by_event: Some(e.reference()),
        },
    )
    .await?;
    Ok(format!(
        "{} → {}: closed {closed}; {code} opened {opened}",
        e.from, e.to
    ))
}
