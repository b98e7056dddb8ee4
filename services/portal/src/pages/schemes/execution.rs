//! `/de-an/{id}/thuc-hien`: a scheme's implementation after its approval — its money (approved,
//! contracted, advanced, paid, settled, still payable, the advance ceiling), its contract, payments,
//! progress reports and inspections, acceptance, settlement, termination and adjustments — with a
//! form for each act workflow says the visitor may take now (`acts`), and the decision on a pending
//! adjustment for whoever its route names. Each form posts `multipart/form-data` to the
//! same address: the act's fields, and its document, either one the scheme already holds or a new
//! file (uploaded first, then named by the act). A refused act is shown beside its form with what was
//! typed; a file uploaded before the refusal stays the scheme's and is chosen in the form again.

use crate::PortalState;
use crate::api::Problem;
use crate::pages::applications::form::{date, dong};
use crate::pages::applications::money_text;
use crate::pages::fields::Input;
use crate::pages::{Chrome, PostedFile, SignedIn, moment, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::NaiveDate;
use kc_kernel::{
    AdjustmentKind, AdjustmentStatus, DocumentKind, Money, Permission, Role, SchemeStatus,
    format_date_vn,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
struct Execution {
    scheme: Head,
    figures: Figures,
    contracts: Vec<Contract>,
    payments: Vec<Payment>,
    reports: Vec<Report>,
    acceptances: Vec<Acceptance>,
    settlement: Option<Settlement>,
    termination: Option<Termination>,
    acts: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Head {
    title: String,
    status: SchemeStatus,
    version: i32,
    implementing_org_name: String,
}

#[derive(Debug, Deserialize)]
struct Figures {
    approved: Money,
    committed: Money,
    advanced: Money,
    paid: Money,
    settled: Option<Money>,
    payable: Money,
    advance_limit: Option<Money>,
    progress_percent: i32,
}

#[derive(Debug, Deserialize)]
struct Contract {
    number: String,
    signed_on: NaiveDate,
    ends_on: NaiveDate,
    amount: Money,
    party_name: String,
    document_id: Uuid,
}

#[derive(Debug, Deserialize)]
struct Payment {
    kind: kc_kernel::PaymentKind,
    amount: Money,
    paid_on: NaiveDate,
    document_id: Uuid,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Report {
    kind: kc_kernel::SchemeReportKind,
    reported_on: NaiveDate,
    percent_done: Option<i32>,
    body: String,
    document_id: Option<Uuid>,
    by_org_name: String,
}

#[derive(Debug, Deserialize)]
struct Acceptance {
    accepted_on: NaiveDate,
    members: Vec<Member>,
    result: kc_kernel::AcceptanceResult,
    findings: Option<String>,
    document_id: Uuid,
}

#[derive(Debug, Deserialize)]
struct Member {
    name: String,
    position: String,
}

#[derive(Debug, Deserialize)]
struct Settlement {
    claimed: Money,
    submitted_on: NaiveDate,
    dossier_document_id: Uuid,
    settled: Option<Money>,
    settled_on: Option<NaiveDate>,
    liquidated_on: Option<NaiveDate>,
    returned_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Termination {
    requested_on: NaiveDate,
    reason: String,
    released: Money,
}

#[derive(Debug, Deserialize)]
struct Document {
    id: Uuid,
    kind: DocumentKind,
    filename: String,
}

#[derive(Debug, Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

/// An act the page has a form for: its name in workflow's `acts`, its title, its inputs (each named
/// `act.field`), the kind of document it takes and whether it must have one.
struct ActSpec {
    act: &'static str,
    /// Workflow's route for it, under `/api/v1/schemes/{id}/`.
    route: &'static str,
    title: &'static str,
    fields: &'static [(&'static str, &'static str, &'static str)],
    document: Option<(DocumentKind, bool)>,
}

/// The acts, in the order of a scheme's life. Fields: name, label key, kind of input.
const ACTS: [ActSpec; 12] = [
    ActSpec {
        act: "sign_contract",
        route: "contract",
        title: "exec.act.sign_contract",
        fields: &[
            ("sign_contract.number", "exec.number", "text"),
            ("sign_contract.signed_on", "exec.signed_on", "date"),
            ("sign_contract.ends_on", "exec.ends_on", "date"),
            ("sign_contract.amount", "exec.amount", "money"),
        ],
        document: Some((DocumentKind::Contract, true)),
    },
    ActSpec {
        act: "contract_beneficiary",
        route: "beneficiary-contracts",
        title: "exec.act.contract_beneficiary",
        fields: &[
            (
                "contract_beneficiary.organisation_id",
                "exec.beneficiary",
                "select",
            ),
            ("contract_beneficiary.number", "exec.number", "text"),
            ("contract_beneficiary.signed_on", "exec.signed_on", "date"),
            ("contract_beneficiary.ends_on", "exec.ends_on", "date"),
            ("contract_beneficiary.amount", "exec.amount", "money"),
        ],
        document: Some((DocumentKind::Contract, true)),
    },
    ActSpec {
        act: "advance",
        route: "payments",
        title: "exec.act.advance",
        fields: &[
            ("advance.amount", "exec.amount", "money"),
            ("advance.paid_on", "exec.paid_on", "date"),
            ("advance.note", "exec.note", "text"),
        ],
        document: Some((DocumentKind::PaymentVoucher, true)),
    },
    ActSpec {
        act: "pay",
        route: "payments",
        title: "exec.act.pay",
        fields: &[
            ("pay.amount", "exec.amount", "money"),
            ("pay.paid_on", "exec.paid_on", "date"),
            ("pay.note", "exec.note", "text"),
        ],
        document: Some((DocumentKind::PaymentVoucher, true)),
    },
    ActSpec {
        act: "report_progress",
        route: "reports",
        title: "exec.act.report_progress",
        fields: &[
            ("report_progress.reported_on", "exec.reported_on", "date"),
            ("report_progress.percent_done", "exec.percent_done", "year"),
            ("report_progress.body", "exec.body", "textarea"),
        ],
        document: Some((DocumentKind::ProgressReport, false)),
    },
    ActSpec {
        act: "inspect",
        route: "reports",
        title: "exec.act.inspect",
        fields: &[
            ("inspect.reported_on", "exec.reported_on", "date"),
            ("inspect.body", "exec.findings", "textarea"),
        ],
        document: Some((DocumentKind::ProgressReport, false)),
    },
    ActSpec {
        act: "accept",
        route: "acceptance",
        title: "exec.act.accept",
        fields: &[
            ("accept.accepted_on", "exec.accepted_on", "date"),
            ("accept.members", "exec.members", "textarea"),
            ("accept.result", "exec.result", "select"),
            ("accept.findings", "exec.findings", "textarea"),
        ],
        document: Some((DocumentKind::AcceptanceRecord, true)),
    },
    ActSpec {
        act: "submit_settlement",
        route: "settlement",
        title: "exec.act.submit_settlement",
        fields: &[("submit_settlement.claimed", "exec.claimed", "money")],
        document: Some((DocumentKind::SettlementDossier, true)),
    },
    ActSpec {
        act: "decide_settlement",
        route: "settlement/decision",
        title: "exec.act.decide_settlement",
        fields: &[
            ("decide_settlement.verdict", "exec.verdict", "select"),
            ("decide_settlement.settled", "exec.settled", "money"),
            ("decide_settlement.settled_on", "exec.settled_on", "date"),
            (
                "decide_settlement.liquidated_on",
                "exec.liquidated_on",
                "date",
            ),
            ("decide_settlement.reason", "exec.return_reason", "textarea"),
        ],
        document: Some((DocumentKind::LiquidationRecord, false)),
    },
    ActSpec {
        act: "request_adjustment",
        route: "adjustments",
        title: "exec.act.request_adjustment",
        fields: &[
            ("request_adjustment.kind", "adj.kind", "select"),
            (
                "request_adjustment.support_approved",
                "adj.support_approved",
                "money",
            ),
            ("request_adjustment.title", "adj.title_field", "text"),
            ("request_adjustment.commune", "adj.commune", "text"),
            ("request_adjustment.ends_on", "adj.ends_on", "date"),
            (
                "request_adjustment.remove_organisation_id",
                "adj.remove",
                "select",
            ),
            ("request_adjustment.add_application_id", "adj.add", "select"),
            (
                "request_adjustment.reason",
                "exec.return_reason",
                "textarea",
            ),
        ],
        document: Some((DocumentKind::AdjustmentRequest, true)),
    },
    ActSpec {
        act: "decide_adjustment",
        route: "adjustments/decision",
        title: "exec.act.decide_adjustment",
        fields: &[
            ("decide_adjustment.number", "adj.number", "hidden"),
            ("decide_adjustment.verdict", "exec.verdict", "select"),
            ("decide_adjustment.reason", "exec.return_reason", "textarea"),
        ],
        document: None,
    },
    ActSpec {
        act: "terminate",
        route: "terminate",
        title: "exec.act.terminate",
        fields: &[
            ("terminate.requested_on", "exec.requested_on", "date"),
            ("terminate.reason", "exec.return_reason", "textarea"),
        ],
        document: Some((DocumentKind::TerminationRequest, true)),
    },
];

/// The kinds of adjustment, in the order the form offers them.
const ADJUSTMENTS: [AdjustmentKind; 6] = [
    AdjustmentKind::ChangeTiming,
    AdjustmentKind::ChangeContent,
    AdjustmentKind::ChangeLocation,
    AdjustmentKind::LowerSupport,
    AdjustmentKind::RaiseSupport,
    AdjustmentKind::ChangeBeneficiary,
];

pub fn adjustment_key(k: AdjustmentKind) -> &'static str {
    match k {
        AdjustmentKind::RaiseSupport => "adj.kind.raise_support",
        AdjustmentKind::LowerSupport => "adj.kind.lower_support",
        AdjustmentKind::ChangeContent => "adj.kind.change_content",
        AdjustmentKind::ChangeLocation => "adj.kind.change_location",
        AdjustmentKind::ChangeTiming => "adj.kind.change_timing",
        AdjustmentKind::ChangeBeneficiary => "adj.kind.change_beneficiary",
    }
}

fn adjustment_status_key(s: AdjustmentStatus) -> &'static str {
    match s {
        AdjustmentStatus::Pending => "adj.status.pending",
        AdjustmentStatus::Approved => "adj.status.approved",
        AdjustmentStatus::Rejected => "adj.status.rejected",
    }
}

/// An adjustment of the scheme, as workflow answers it.
#[derive(Debug, Deserialize)]
struct Adjustment {
    number: i32,
    kind: AdjustmentKind,
    status: AdjustmentStatus,
    changes: Value,
    reason: String,
    document_id: Uuid,
    route_role: Role,
    route_permission: Permission,
    requested_at: chrono::DateTime<chrono::Utc>,
    decision_reason: Option<String>,
}

/// What an adjustment changes, written out: `before → after` for each field it changes (a
/// beneficiary by its name where the page knows it).
fn change_text(a: &Adjustment, names: &BTreeMap<String, String>) -> String {
    let value = |k: &str, v: &Value| -> String {
        match (k, v) {
            ("support_approved", v) => v
                .as_str()
                .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
                .and_then(|d| Money::try_from(d).ok())
                .map(|m| money_text(Some(m)))
                .unwrap_or_default(),
            ("ends_on", v) => v
                .as_str()
                .and_then(|s| s.parse::<NaiveDate>().ok())
                .map(format_date_vn)
                .unwrap_or_default(),
            ("organisation_id", Value::String(id)) => {
                names.get(id).cloned().unwrap_or_else(|| id.clone())
            }
            (_, Value::String(s)) => s.clone(),
            (_, Value::Null) => "—".to_owned(),
            (_, other) => other.to_string(),
        }
    };
    let (before, after) = (&a.changes["before"], &a.changes["after"]);
    after
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.as_str() != "application_id")
                .map(|(k, v)| format!("{} → {}", value(k, &before[k.as_str()]), value(k, v)))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// A scheme's beneficiary (for the beneficiary contract and the change of beneficiary).
#[derive(Debug, Deserialize)]
struct Beneficiary {
    organisation_id: Uuid,
    organisation_name: String,
}

#[derive(Debug, Deserialize)]
struct SchemeDetail {
    beneficiaries: Vec<Beneficiary>,
}

/// An accepted application of the province (in no scheme: one that may come in by a change of
/// beneficiary).
#[derive(Debug, Deserialize)]
struct Candidate {
    id: Uuid,
    organisation_id: Uuid,
    organisation_name: String,
    title: Option<String>,
    scheme_id: Option<Uuid>,
}

/// The province's accepted applications, every page of them (a thousand at most).
async fn accepted_cases(state: &PortalState, token: &str) -> Vec<Candidate> {
    let mut all = Vec::new();
    for page in 1..=5 {
        let path = format!("/api/v1/applications?status=accepted&per_page=200&page={page}");
        let Ok(p) = state
            .api
            .get::<kc_http::Paged<Candidate>>("workflow", &path, token)
            .await
        else {
            break;
        };
        let last = page >= p.pages();
        all.extend(p.items);
        if last {
            break;
        }
    }
    all
}

/// One act's form as the template draws it.
pub struct ActForm {
    act: &'static str,
    title: &'static str,
    inputs: Vec<Input>,
    /// The document: label, whether required, the scheme's documents of the kind (id, name,
    /// chosen), the error beside it.
    document: Option<DocChoice>,
    error: Option<String>,
}

pub struct DocChoice {
    required: bool,
    existing: Vec<(String, String, bool)>,
    error: Option<String>,
}

/// An adjustment as the page lists it.
pub struct AdjustmentLine {
    number: i32,
    kind: &'static str,
    status: &'static str,
    status_label: &'static str,
    change: String,
    reason: String,
    asked: String,
    decision: String,
    document: Uuid,
}

/// A progress report or an inspection, as the page lists it.
struct ReportLine {
    kind: &'static str,
    on: String,
    by: String,
    percent: String,
    body: String,
    document: Option<Uuid>,
}

/// `templates/scheme_execution.html`.
#[derive(Template, WebTemplate)]
#[template(path = "scheme_execution.html")]
struct ExecutionPage {
    c: Chrome,
    id: Uuid,
    version: i32,
    title: String,
    implementer: String,
    status_label: &'static str,
    figures: Vec<(&'static str, String)>,
    progress: i32,
    contracts: Vec<(String, String, String, String, String, Uuid)>,
    payments: Vec<(&'static str, String, String, String, Uuid)>,
    reports: Vec<ReportLine>,
    acceptances: Vec<(String, &'static str, String, String, Uuid)>,
    settlement: Vec<(&'static str, String)>,
    settlement_dossier: Option<Uuid>,
    termination: Vec<(&'static str, String)>,
    /// Each adjustment: number, kind, status (class, label), what it changes, why, when asked,
    /// the decision's reason, its document.
    adjustments: Vec<AdjustmentLine>,
    forms: Vec<ActForm>,
    done: Option<&'static str>,
}

/// What a refused act leaves for the page: which act, its message, each field's, what was typed,
/// the document to choose again.
#[derive(Default)]
struct Refused {
    act: String,
    /// The status to answer: the service's, or 422 for what the portal itself refused.
    status: StatusCode,
    message: String,
    fields: BTreeMap<String, String>,
    typed: BTreeMap<String, String>,
    document: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    xong: Option<String>,
}

pub async fn show(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Shown>,
) -> Response {
    let done = q.xong.is_some().then_some("exec.done");
    render(&state, v, &token, &id, done, None).await
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: &str,
    done: Option<&'static str>,
    refused: Option<Refused>,
) -> Response {
    let here = format!("/de-an/{id}/thuc-hien");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let paths = [
        format!("/api/v1/schemes/{id}/execution"),
        format!("/api/v1/schemes/{id}/documents"),
    ];
    let (x, docs) = tokio::join!(
        state.api.get::<Execution>("workflow", &paths[0], token),
        state
            .api
            .get::<Items<Document>>("workflow", &paths[1], token),
    );
    let (x, docs) = match (x, docs) {
        (Ok(x), Ok(d)) => (x, d.items),
        (Err(p), _) | (_, Err(p)) => return problem(v, &here, p),
    };
    let may = |act: &str| x.acts.iter().any(|a| a == act);
    let adjustments_path = format!("/api/v1/schemes/{id}/adjustments");
    let adjustments = state
        .api
        .get::<Items<Adjustment>>("workflow", &adjustments_path, token)
        .await
        .map(|a| a.items)
        .unwrap_or_default();
    let pending_any = adjustments
        .iter()
        .any(|a| a.status == AdjustmentStatus::Pending);
    // One adjustment at a time: none is asked for while another waits for its decision.
    let may = |act: &str| may(act) && !(act == "request_adjustment" && pending_any);
    let beneficiary_change = adjustments
        .iter()
        .any(|a| a.kind == AdjustmentKind::ChangeBeneficiary);
    // The adjustments (none shown to a reader workflow does not let see them), the beneficiaries
    // (for a beneficiary's contract or a change of beneficiary) and the accepted cases that may come
    // in, each read only when the page needs it.
    let adjusts = may("request_adjustment") || may("contract_beneficiary") || beneficiary_change;
    let (detail, candidates) = tokio::join!(
        async {
            if adjusts {
                state
                    .api
                    .get::<SchemeDetail>("workflow", &format!("/api/v1/schemes/{id}"), token)
                    .await
                    .map(|d| d.beneficiaries)
                    .unwrap_or_default()
            } else {
                Vec::new()
            }
        },
        async {
            if may("request_adjustment") || beneficiary_change {
                accepted_cases(state, token).await
            } else {
                Vec::new()
            }
        },
    );
    let c = Chrome::new(&v, &here);
    let t = c.t;
    // The beneficiaries' names, and those of the enterprises a change would bring in.
    let names: BTreeMap<String, String> = detail
        .iter()
        .map(|b| (b.organisation_id.to_string(), b.organisation_name.clone()))
        .chain(
            candidates
                .iter()
                .map(|a| (a.organisation_id.to_string(), a.organisation_name.clone())),
        )
        .collect();
    // The pending adjustment, when the visitor is the one its route names.
    let pending = adjustments.iter().find(|a| {
        a.status == AdjustmentStatus::Pending
            && v.claims()
                .is_some_and(|cl| cl.role == a.route_role && cl.perms.contains(&a.route_permission))
    });
    let choose = (String::new(), t.get("form.choose").to_owned());
    let beneficiaries: Vec<(String, String)> = std::iter::once(choose.clone())
        .chain(
            detail
                .iter()
                .map(|b| (b.organisation_id.to_string(), b.organisation_name.clone())),
        )
        .collect();
    let choices: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::from([
        (
            "contract_beneficiary.organisation_id",
            beneficiaries.clone(),
        ),
        ("request_adjustment.remove_organisation_id", beneficiaries),
        (
            "request_adjustment.add_application_id",
            std::iter::once(choose.clone())
                .chain(
                    candidates
                        .iter()
                        .filter(|a| a.scheme_id.is_none())
                        .map(|a| {
                            (
                                a.id.to_string(),
                                format!(
                                    "{} · {}",
                                    a.organisation_name,
                                    a.title.clone().unwrap_or_default()
                                ),
                            )
                        }),
                )
                .collect(),
        ),
        (
            "request_adjustment.kind",
            std::iter::once(choose)
                .chain(
                    ADJUSTMENTS
                        .iter()
                        .map(|k| (k.as_str().to_owned(), t.get(adjustment_key(*k)).to_owned())),
                )
                .collect(),
        ),
        (
            "decide_adjustment.verdict",
            vec![
                (String::new(), t.get("form.choose").into()),
                ("approve".into(), t.get("adj.approve").into()),
                ("reject".into(), t.get("adj.reject").into()),
            ],
        ),
    ]);
    let f = &x.figures;
    let day = |d: NaiveDate| format_date_vn(d);
    let figures = vec![
        (t.get("exec.approved"), money_text(Some(f.approved))),
        (t.get("exec.committed"), money_text(Some(f.committed))),
        (t.get("exec.advanced"), money_text(Some(f.advanced))),
        (t.get("exec.advance_limit"), money_text(f.advance_limit)),
        (t.get("exec.paid"), money_text(Some(f.paid))),
        (t.get("exec.payable"), money_text(Some(f.payable))),
        (t.get("exec.settled"), money_text(f.settled)),
    ];
    let forms = ACTS
        .iter()
        .filter(|a| may(a.act) || (a.act == "decide_adjustment" && pending.is_some()))
        .map(|a| {
            let mut f = act_form(&c, a, &docs, refused.as_ref(), &choices);
            if let Some(p) = pending.filter(|_| a.act == "decide_adjustment") {
                for i in &mut f.inputs {
                    if i.name == "decide_adjustment.number" {
                        i.value = p.number.to_string();
                    }
                }
            }
            f
        })
        .collect();
    let mut settlement = Vec::new();
    let mut settlement_dossier = None;
    if let Some(s) = &x.settlement {
        settlement.push((t.get("exec.claimed"), money_text(Some(s.claimed))));
        settlement.push((t.get("exec.submitted_on"), day(s.submitted_on)));
        settlement_dossier = Some(s.dossier_document_id);
        if let Some(m) = s.settled {
            settlement.push((t.get("exec.settled"), money_text(Some(m))));
        }
        if let Some(d) = s.settled_on {
            settlement.push((t.get("exec.settled_on"), day(d)));
        }
        if let Some(d) = s.liquidated_on {
            settlement.push((t.get("exec.liquidated_on"), day(d)));
        }
        if let Some(r) = &s.returned_reason {
            settlement.push((t.get("exec.return_reason"), r.clone()));
        }
    }
    let termination = x
        .termination
        .as_ref()
        .map(|tm| {
            vec![
                (t.get("exec.requested_on"), day(tm.requested_on)),
                (t.get("exec.return_reason"), tm.reason.clone()),
                (t.get("exec.released"), money_text(Some(tm.released))),
            ]
        })
        .unwrap_or_default();
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let page = ExecutionPage {
        id,
        version: x.scheme.version,
        title: x.scheme.title.clone(),
        implementer: x.scheme.implementing_org_name.clone(),
        status_label: t.get(super::status_key(x.scheme.status)),
        figures,
        progress: f.progress_percent.clamp(0, 100),
        contracts: x
            .contracts
            .iter()
            .map(|k| {
                (
                    k.number.clone(),
                    k.party_name.clone(),
                    day(k.signed_on),
                    day(k.ends_on),
                    money_text(Some(k.amount)),
                    k.document_id,
                )
            })
            .collect(),
        payments: x
            .payments
            .iter()
            .map(|p| {
                (
                    t.get(match p.kind {
                        kc_kernel::PaymentKind::Advance => "exec.kind.advance",
                        kc_kernel::PaymentKind::Payment => "exec.kind.payment",
                    }),
                    day(p.paid_on),
                    money_text(Some(p.amount)),
                    p.note.clone().unwrap_or_default(),
                    p.document_id,
                )
            })
            .collect(),
        reports: x
            .reports
            .iter()
            .map(|r| ReportLine {
                kind: t.get(match r.kind {
                    kc_kernel::SchemeReportKind::Progress => "exec.kind.progress",
                    kc_kernel::SchemeReportKind::Inspection => "exec.kind.inspection",
                }),
                on: day(r.reported_on),
                by: r.by_org_name.clone(),
                percent: r.percent_done.map(|p| format!("{p} %")).unwrap_or_default(),
                body: r.body.clone(),
                document: r.document_id,
            })
            .collect(),
        acceptances: x
            .acceptances
            .iter()
            .map(|a| {
                (
                    day(a.accepted_on),
                    t.get(match a.result {
                        kc_kernel::AcceptanceResult::Passed => "exec.passed",
                        kc_kernel::AcceptanceResult::Failed => "exec.failed",
                    }),
                    a.members
                        .iter()
                        .map(|m| format!("{} ({})", m.name, m.position))
                        .collect::<Vec<_>>()
                        .join("; "),
                    a.findings.clone().unwrap_or_default(),
                    a.document_id,
                )
            })
            .collect(),
        settlement,
        settlement_dossier,
        termination,
        adjustments: adjustments
            .iter()
            .map(|a| AdjustmentLine {
                number: a.number,
                kind: t.get(adjustment_key(a.kind)),
                status: a.status.as_str(),
                status_label: t.get(adjustment_status_key(a.status)),
                change: change_text(a, &names),
                reason: a.reason.clone(),
                asked: moment(a.requested_at),
                decision: a.decision_reason.clone().unwrap_or_default(),
                document: a.document_id,
            })
            .collect(),
        forms,
        done: done.map(|k| t.get(k)),
        c,
    };
    v.respond((status, page))
}

/// The form of one act: its inputs with what was typed and the refusals, its document choice.
fn act_form(
    c: &Chrome,
    a: &ActSpec,
    docs: &[Document],
    refused: Option<&Refused>,
    choices: &BTreeMap<&str, Vec<(String, String)>>,
) -> ActForm {
    let t = c.t;
    let mine = refused.filter(|r| r.act == a.act);
    let typed = |name: &str| {
        mine.and_then(|r| r.typed.get(name))
            .cloned()
            .unwrap_or_default()
    };
    let inputs = a
        .fields
        .iter()
        .map(|(name, label, kind)| {
            let value = typed(name);
            let mut i = Input::new(name, t.get(label), kind, &value);
            if let Some(options) = choices.get(name) {
                i = i.options(options.clone());
            }
            i = match *name {
                "request_adjustment.kind" => i.hint(t.get("adj.hint.kind")),
                "accept.result" => i.options(vec![
                    ("passed".into(), t.get("exec.passed").into()),
                    ("failed".into(), t.get("exec.failed").into()),
                ]),
                "decide_settlement.verdict" => i.options(vec![
                    ("settle".into(), t.get("exec.verdict.settle").into()),
                    ("return".into(), t.get("exec.verdict.return").into()),
                ]),
                "accept.members" => i.hint(t.get("exec.hint.members")),
                "decide_settlement.reason" => i.hint(t.get("exec.hint.return_reason")),
                _ => i,
            };
            if let Some(r) = mine {
                i = i.error_from(&r.fields);
            }
            i
        })
        .collect();
    let document = a.document.map(|(kind, required)| {
        let chosen = mine.and_then(|r| r.document);
        DocChoice {
            required,
            existing: docs
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| (d.id.to_string(), d.filename.clone(), Some(d.id) == chosen))
                .collect(),
            error: mine.and_then(|r| r.fields.get(&format!("{}.document", a.act)).cloned()),
        }
    });
    ActForm {
        act: a.act,
        title: t.get(a.title),
        inputs,
        document,
        // The message, and the refusals of fields the form does not show.
        error: mine.map(|r| {
            let doc = format!("{}.document", a.act);
            std::iter::once(r.message.clone())
                .chain(
                    r.fields
                        .iter()
                        .filter(|(k, _)| {
                            **k != doc
                                && !a
                                    .fields
                                    .iter()
                                    .any(|f| f.0 == k.as_str() && f.2 != "hidden")
                        })
                        .map(|(_, m)| m.clone()),
                )
                .collect::<Vec<_>>()
                .join(" · ")
        }),
    }
}

/// The act's body for workflow (without its document), or the fields the portal cannot read.
fn body(
    act: &str,
    typed: &BTreeMap<String, String>,
    version: i32,
    t: crate::i18n::Texts,
) -> Result<Map<String, Value>, BTreeMap<String, String>> {
    let mut b = Map::new();
    let mut bad = BTreeMap::new();
    let get = |f: &str| {
        typed
            .get(&format!("{act}.{f}"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let text = |b: &mut Map<String, Value>, f: &str, required: bool| {
        let v = get(f);
        if !v.is_empty() {
            b.insert(f.into(), json!(v));
        } else if required {
            b.insert(f.into(), json!(""));
        }
    };
    let money = |b: &mut Map<String, Value>, bad: &mut BTreeMap<String, String>, f: &str| {
        let v = get(f);
        if v.is_empty() {
            return;
        }
        match dong(&v) {
            Some(d) => {
                b.insert(f.into(), json!(d));
            }
            None => {
                bad.insert(format!("{act}.{f}"), t.get("form.bad_money").into());
            }
        }
    };
    let day = |b: &mut Map<String, Value>, bad: &mut BTreeMap<String, String>, f: &str| {
        let v = get(f);
        if v.is_empty() {
            return;
        }
        match date(&v) {
            Some(d) => {
                b.insert(f.into(), json!(d));
            }
            None => {
                bad.insert(format!("{act}.{f}"), t.get("form.bad_date").into());
            }
        }
    };
    match act {
        "sign_contract" => {
            b.insert("version".into(), json!(version));
            text(&mut b, "number", true);
            day(&mut b, &mut bad, "signed_on");
            day(&mut b, &mut bad, "ends_on");
            money(&mut b, &mut bad, "amount");
        }
        "advance" | "pay" => {
            b.insert(
                "kind".into(),
                json!(if act == "advance" {
                    "advance"
                } else {
                    "payment"
                }),
            );
            money(&mut b, &mut bad, "amount");
            day(&mut b, &mut bad, "paid_on");
            text(&mut b, "note", false);
        }
        "report_progress" | "inspect" => {
            b.insert(
                "kind".into(),
                json!(if act == "inspect" {
                    "inspection"
                } else {
                    "progress"
                }),
            );
            day(&mut b, &mut bad, "reported_on");
            text(&mut b, "body", true);
            let p = get("percent_done");
            if act == "report_progress" {
                match p.trim_end_matches('%').trim().parse::<i32>() {
                    Ok(n) => {
                        b.insert("percent_done".into(), json!(n));
                    }
                    Err(_) => {
                        bad.insert(
                            format!("{act}.percent_done"),
                            t.get("exec.bad_percent").into(),
                        );
                    }
                }
            }
        }
        "accept" => {
            b.insert("version".into(), json!(version));
            day(&mut b, &mut bad, "accepted_on");
            text(&mut b, "result", true);
            text(&mut b, "findings", false);
            match members(&get("members")) {
                Some(m) => {
                    b.insert("members".into(), json!(m));
                }
                None => {
                    bad.insert(format!("{act}.members"), t.get("exec.hint.members").into());
                }
            }
        }
        "submit_settlement" => {
            b.insert("version".into(), json!(version));
            money(&mut b, &mut bad, "claimed");
        }
        "decide_settlement" => {
            b.insert("version".into(), json!(version));
            text(&mut b, "verdict", true);
            money(&mut b, &mut bad, "settled");
            day(&mut b, &mut bad, "settled_on");
            day(&mut b, &mut bad, "liquidated_on");
            text(&mut b, "reason", false);
        }
        "contract_beneficiary" => {
            if get("organisation_id").is_empty() {
                bad.insert(
                    format!("{act}.organisation_id"),
                    t.get("form.bad_choice").into(),
                );
            }
            text(&mut b, "organisation_id", false);
            text(&mut b, "number", true);
            day(&mut b, &mut bad, "signed_on");
            day(&mut b, &mut bad, "ends_on");
            money(&mut b, &mut bad, "amount");
        }
        "terminate" => {
            b.insert("version".into(), json!(version));
            day(&mut b, &mut bad, "requested_on");
            text(&mut b, "reason", true);
        }
        "request_adjustment" => {
            // Only the field the kind changes goes to workflow (it refuses the others).
            let kind = get("kind");
            b.insert("kind".into(), json!(kind));
            text(&mut b, "reason", true);
            match kind.as_str() {
                "raise_support" | "lower_support" => {
                    money(&mut b, &mut bad, "support_approved");
                }
                "change_content" => text(&mut b, "title", true),
                "change_location" => text(&mut b, "commune", true),
                "change_timing" => day(&mut b, &mut bad, "ends_on"),
                "change_beneficiary" => {
                    text(&mut b, "remove_organisation_id", false);
                    text(&mut b, "add_application_id", false);
                }
                _ => {
                    bad.insert(format!("{act}.kind"), t.get("form.bad_choice").into());
                }
            }
        }
        "decide_adjustment" => {
            b.insert(
                "number".into(),
                json!(get("number").parse::<i64>().unwrap_or(0)),
            );
            text(&mut b, "verdict", true);
            text(&mut b, "reason", false);
        }
        _ => {}
    }
    if bad.is_empty() { Ok(b) } else { Err(bad) }
}

/// The acceptance board as typed, one member a line: `name, position` (or `name — position`).
fn members(s: &str) -> Option<Vec<Value>> {
    let list: Vec<Value> = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, position) = l
                .split_once('—')
                .or_else(|| l.split_once(" - "))
                .or_else(|| l.split_once(','))?;
            let (name, position) = (name.trim(), position.trim());
            (!name.is_empty() && !position.is_empty())
                .then(|| json!({"name": name, "position": position}))
        })
        .collect::<Option<_>>()?;
    (!list.is_empty()).then_some(list)
}

/// `POST /de-an/{id}/thuc-hien`: take an act.
pub async fn act(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    form: PostedFile,
) -> Response {
    let here = format!("/de-an/{id}/thuc-hien");
    let SignedIn { v, token } = match SignedIn::of(form.v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Ok(uuid), Some(act)) = (id.parse::<Uuid>(), form.fields.get("act").cloned()) else {
        return problem(v, &here, Problem::NotFound);
    };
    let Some(spec) = ACTS.iter().find(|a| a.act == act) else {
        return problem(v, &here, Problem::NotFound);
    };
    let path = spec.route;
    let t = v.texts();
    let version = form
        .fields
        .get("version")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chosen = form
        .fields
        .get("document")
        .and_then(|s| s.parse::<Uuid>().ok());
    let mut refused = Refused {
        act: act.clone(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        typed: form.fields.clone(),
        document: chosen,
        ..Refused::default()
    };
    if form.too_large {
        refused.status = StatusCode::PAYLOAD_TOO_LARGE;
        refused.message = t.get("case.too_large").into();
        refused.fields = BTreeMap::from([(
            format!("{act}.document"),
            t.get("case.too_large").to_owned(),
        )]);
        return render(&state, v, &token, &id, None, Some(refused)).await;
    }
    let mut b = match body(&act, &form.fields, version, t) {
        Ok(b) => b,
        Err(fields) => {
            refused.message = t.get("form.fix").into();
            refused.fields = fields;
            return render(&state, v, &token, &id, None, Some(refused)).await;
        }
    };
    // The document: a new file first (it stays the scheme's whatever becomes of the act), else
    // the one chosen.
    let mut document = chosen;
    if let Some((kind, required)) = spec.document {
        if !form.bytes.is_empty() && !form.filename.is_empty() {
            let name: String = form_urlencoded::byte_serialize(form.filename.as_bytes()).collect();
            let upload = state
                .api
                .upload(
                    "workflow",
                    &format!(
                        "/api/v1/schemes/{uuid}/documents?kind={}&filename={name}",
                        kind.as_str()
                    ),
                    &token,
                    form.bytes,
                )
                .await;
            match upload {
                Ok(v) => {
                    document = v["id"].as_str().and_then(|s| s.parse().ok());
                    refused.document = document;
                }
                Err(Problem::Rejected {
                    status,
                    message,
                    fields,
                }) => {
                    refused.status = http_status(status);
                    refused.message = message;
                    refused.fields = fields
                        .into_values()
                        .map(|m| (format!("{act}.document"), m))
                        .collect();
                    return render(&state, v, &token, &id, None, Some(refused)).await;
                }
                Err(p) => return problem(v, &here, p),
            }
        }
        match document {
            Some(d) => {
                b.insert("document_id".into(), json!(d));
            }
            None if required => {
                refused.message = t.get("form.fix").into();
                refused.fields = BTreeMap::from([(
                    format!("{act}.document"),
                    t.get("exec.need_document").to_owned(),
                )]);
                return render(&state, v, &token, &id, None, Some(refused)).await;
            }
            None => {}
        }
    }
    let sent = state
        .api
        .send(
            Method::POST,
            "workflow",
            &format!("/api/v1/schemes/{uuid}/{path}"),
            Some(&token),
            Some(&Value::Object(b)),
        )
        .await;
    match sent {
        Ok(_) => v.respond(Redirect::to(&format!("{here}?xong={act}"))),
        Err(Problem::Rejected {
            status,
            message,
            fields,
        }) => {
            refused.status = http_status(status);
            refused.message = message;
            refused.fields = fields
                .into_iter()
                .map(|(k, m)| {
                    let k = if k == "document_id" {
                        "document".to_owned()
                    } else {
                        k
                    };
                    (format!("{act}.{k}"), m)
                })
                .collect();
            render(&state, v, &token, &id, None, Some(refused)).await
        }
        Err(p) => problem(v, &here, p),
    }
}

/// A service's refusal status, as this page answers it.
fn http_status(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Texts};

    #[test]
    fn the_board_is_one_member_a_line() {
        let m = members("Nguyễn Văn A, Giám đốc\nTrần Thị B — Kế toán\n\n").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[1]["position"], "Kế toán");
        assert!(members("Nguyễn Văn A").is_none());
        assert!(members("  ").is_none());
    }

    #[test]
    fn amounts_and_days_are_read_as_typed_or_named() {
        let typed = BTreeMap::from([
            ("pay.amount".to_owned(), "150.000.000".to_owned()),
            ("pay.paid_on".to_owned(), "05/03/2027".to_owned()),
        ]);
        let b = body("pay", &typed, 3, Texts::new(Lang::Vi)).unwrap();
        assert_eq!(b["amount"], "150000000");
        assert_eq!(b["paid_on"], "2027-03-05");
        assert_eq!(b["kind"], "payment");
        let typed = BTreeMap::from([("pay.amount".to_owned(), "một trăm".to_owned())]);
        let bad = body("pay", &typed, 3, Texts::new(Lang::Vi)).unwrap_err();
        assert!(bad.contains_key("pay.amount"));
    }

    #[test]
    fn every_act_has_its_texts() {
        for a in &ACTS {
            for lang in [Lang::Vi, Lang::En] {
                let t = Texts::new(lang);
                assert_ne!(t.get(a.title), a.title);
                for (_, label, _) in a.fields {
                    assert_ne!(t.get(label), *label);
                }
            }
        }
    }
}
