//! `/ccn/bao-cao`: the periodic CCN reports (DOMAIN.md §6) of a period — the half-year or the annual
//! report of a year.
//! - An enterprise sees each cluster it invests in or operates in, its report for the period and,
//!   while the report is owed or was returned for corrections, the form to submit it.
//! - A department sees who has and has not reported, opens the period (every party is told of its
//!   duty), reviews each report (`/ccn/bao-cao/{id}`: accept it, or return it saying why) and
//!   consolidates the province's report for the ministry from the accepted ones.
//! - The ministry sees every province's compliance and consolidated report, and one province's
//!   reports and missing parties when it picks that province.
//!
//! The registry keeps the reports and decides every step; these pages only call it.

use crate::PortalState;
use crate::api::Problem;
use crate::i18n::Texts;
use crate::pages::accounts::{Refused, explain};
use crate::pages::applications::form::dong;
use crate::pages::applications::money_text;
use crate::pages::fields::{Input, whole_vn};
use crate::pages::{Chrome, Posted, SignedIn, moment, percent_text, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kc_http::Paged;
use kc_kernel::{
    Money, Permission, ReportKind, ReportParty, ReportStatus, Role, day_in_vietnam, format_date_vn,
    format_vn, today_vn,
};
use reqwest::Method;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const HERE: &str = "/ccn/bao-cao";

pub fn kind_key(k: ReportKind) -> &'static str {
    match k {
        ReportKind::HalfYear => "ccnrep.kind.half_year",
        ReportKind::Annual => "ccnrep.kind.annual",
    }
}

pub fn status_key(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Submitted => "ccnrep.status.submitted",
        ReportStatus::Returned => "ccnrep.status.returned",
        ReportStatus::Accepted => "ccnrep.status.accepted",
    }
}

pub fn party_key(p: ReportParty) -> &'static str {
    match p {
        ReportParty::Investor => "ccnrep.party.investor",
        ReportParty::Tenant => "ccnrep.party.tenant",
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Period {
    kind: ReportKind,
    window_from: NaiveDate,
    window_to: NaiveDate,
    due_date: NaiveDate,
}

#[derive(Debug, Deserialize)]
struct Periods {
    items: Vec<Period>,
}

/// What a party reported, as the registry keeps it.
#[derive(Debug, Clone, Default, Deserialize)]
struct Figures {
    workers: i64,
    capital_realised: Option<Money>,
    revenue: Option<Money>,
    leased_area_ha: Option<Decimal>,
    secondary_projects: Option<i64>,
    wastewater_operating: Option<bool>,
    note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Report {
    id: Uuid,
    province_code: String,
    cluster_id: Uuid,
    cluster_code: String,
    organisation_name: String,
    party: ReportParty,
    kind: ReportKind,
    year: i32,
    window_from: NaiveDate,
    window_to: NaiveDate,
    due_date: NaiveDate,
    status: ReportStatus,
    version: i32,
    figures: Figures,
    submitted_at: DateTime<Utc>,
    first_submitted_at: DateTime<Utc>,
    late: bool,
    reviewed_at: Option<DateTime<Utc>>,
    review_note: Option<String>,
}

/// A cluster as the enterprise reads it (its own).
#[derive(Debug, Deserialize)]
struct Cluster {
    id: Uuid,
    code: String,
    name: String,
    investor_org_id: Option<Uuid>,
}

#[derive(Debug, Deserialize)]
struct ComplianceLine {
    province_code: String,
    province_name: String,
    expected: i64,
    reported: i64,
    accepted: i64,
    returned: i64,
    late: i64,
    missing: i64,
}

#[derive(Debug, Deserialize)]
struct Missing {
    cluster_id: Uuid,
    cluster_code: String,
    organisation_name: String,
    party: ReportParty,
}

#[derive(Debug, Deserialize)]
struct Compliance {
    lines: Vec<ComplianceLine>,
    missing: Vec<Missing>,
}

#[derive(Debug, Deserialize)]
struct Totals {
    expected: i64,
    reported: i64,
    accepted: i64,
    workers: i64,
    revenue: Decimal,
    capital_realised: Decimal,
    leased_area_ha: Decimal,
    secondary_projects: i64,
}

#[derive(Debug, Deserialize)]
struct ProvinceReport {
    province_code: String,
    version: i32,
    totals: Totals,
    submitted_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct ProvinceReports {
    items: Vec<ProvinceReport>,
}

/// What the page was asked for: `ky` (half_year, annual), `nam`, and for staff `tinh` (a province,
/// the ministry's pick), `cum` (a cluster: the enterprise's form, staff's filter), `trang`, `xong`
/// (what was just done) and `n` (how many parties were told).
#[derive(Debug, Default, Deserialize)]
pub struct Asked {
    #[serde(default)]
    ky: Option<String>,
    #[serde(default)]
    nam: Option<i32>,
    #[serde(default)]
    tinh: Option<String>,
    #[serde(default)]
    cum: Option<String>,
    #[serde(default)]
    trang: Option<u64>,
    #[serde(default)]
    xong: Option<String>,
    #[serde(default)]
    n: Option<u64>,
}

/// The period shown: its kind and year.
#[derive(Debug, Clone, Copy)]
struct Chosen {
    kind: Option<ReportKind>,
    year: i32,
}

impl Chosen {
    /// The year asked for, within the years reports are kept for (2000 to next year), else this
    /// year.
    fn of(ky: Option<&str>, nam: Option<i32>) -> Chosen {
        let this_year = chrono::Datelike::year(&today_vn());
        Chosen {
            kind: ky.and_then(|k| k.parse().ok()),
            year: nam
                .filter(|y| (2000..=this_year + 1).contains(y))
                .unwrap_or(this_year),
        }
    }

    /// The kind asked for, else the period of the year whose due date comes next (or the last).
    fn settle(&mut self, periods: &[Period]) -> ReportKind {
        if let Some(k) = self.kind {
            return k;
        }
        let today = today_vn();
        let k = periods
            .iter()
            .filter(|p| p.due_date >= today)
            .min_by_key(|p| p.due_date)
            .or_else(|| periods.iter().max_by_key(|p| p.due_date))
            .map_or(ReportKind::HalfYear, |p| p.kind);
        self.kind = Some(k);
        k
    }
}

/// Whether the visitor keeps the province's reports (a department's officer, approver or admin).
fn reviews(v: &Visitor) -> bool {
    v.claims().is_some_and(|c| {
        c.role == Role::Province
            && [Permission::Officer, Permission::Approver, Permission::Admin]
                .iter()
                .any(|p| c.perms.contains(p))
    })
}

/// A report's line in a list.
pub struct Line {
    id: Uuid,
    cluster: String,
    organisation: String,
    party: &'static str,
    status: &'static str,
    status_label: &'static str,
    submitted: String,
    late: bool,
}

fn line(r: &Report, t: &Texts) -> Line {
    Line {
        id: r.id,
        cluster: r.cluster_code.clone(),
        organisation: r.organisation_name.clone(),
        party: t.get(party_key(r.party)),
        status: r.status.as_str(),
        status_label: t.get(status_key(r.status)),
        submitted: moment(r.first_submitted_at),
        late: r.late,
    }
}

/// A province's line of compliance, with its consolidated report.
pub struct ComplianceRow {
    code: String,
    name: String,
    expected: i64,
    reported: i64,
    accepted: i64,
    returned: i64,
    late: i64,
    missing: i64,
    rate: String,
    /// Its consolidated report: version and when it was sent.
    consolidated: Option<(i32, String)>,
}

/// A party that has not reported.
pub struct MissingRow {
    cluster_id: Uuid,
    cluster: String,
    organisation: String,
    party: &'static str,
}

/// The enterprise's report on one cluster.
pub struct OwnCard {
    cluster_id: Uuid,
    cluster: String,
    party: &'static str,
    report: Option<Line>,
    note: Option<String>,
    /// Whether a report is owed: none yet, or returned.
    owed: bool,
    /// Whether this card's form is open.
    open: bool,
}

/// `templates/cluster_reports.html`.
#[derive(Template, WebTemplate)]
#[template(path = "cluster_reports.html")]
struct ReportsPage {
    c: Chrome,
    kind: &'static str,
    year: i32,
    kinds: Vec<(&'static str, &'static str, bool)>,
    years: Vec<i32>,
    /// The period's data window and due date, written out.
    period: Option<(String, String)>,
    /// The day the period's window opens, while it has not.
    not_begun: Option<String>,
    notice: Option<String>,
    error: Option<String>,
    enterprise: bool,
    ministry: bool,
    cards: Vec<OwnCard>,
    /// The open card's form: its inputs (with what was typed and the refusal).
    inputs: Vec<Input>,
    /// Whether the open form is the cluster's investor's.
    investor: bool,
    form_error: Option<String>,
    compliance: Vec<ComplianceRow>,
    /// The province whose parties and reports are listed (staff), its name.
    province: Option<(String, String)>,
    missing: Vec<MissingRow>,
    /// The consolidated figures: a province's report, or for the ministry the sum of every
    /// province's (with how many provinces sent one).
    consolidated: Option<(String, Vec<(&'static str, String)>)>,
    lines: Vec<Line>,
    total: i64,
    page: u64,
    pages: u64,
    /// The query of the page (for the pager), without the page.
    query: String,
    reviews: bool,
}

/// A refused form of the page: which (`submit`, `open`, `consolidate`), the refusal, what was typed.
struct Refusal {
    what: &'static str,
    refused: Refused,
    typed: BTreeMap<String, String>,
}

pub async fn page(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<Asked>,
) -> Response {
    render(&state, v, &token, &q, None).await
}

/// The figures' inputs for a party, holding `typed` (or the report being corrected).
fn figure_inputs(t: &Texts, party: ReportParty, typed: &BTreeMap<String, String>) -> Vec<Input> {
    let val = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let mut inputs = vec![
        Input::new("workers", t.get("ccnrep.workers"), "text", &val("workers"))
            .hint(t.get("ccnrep.hint.workers")),
        Input::new(
            "capital_realised",
            t.get("ccnrep.capital"),
            "money",
            &val("capital_realised"),
        )
        .hint(t.get("form.hint.money")),
    ];
    match party {
        ReportParty::Investor => {
            inputs.push(
                Input::new(
                    "leased_area_ha",
                    t.get("ccnrep.leased"),
                    "text",
                    &val("leased_area_ha"),
                )
                .hint(t.get("ccnrep.hint.hectares")),
            );
            inputs.push(Input::new(
                "secondary_projects",
                t.get("ccnrep.secondary"),
                "text",
                &val("secondary_projects"),
            ));
            inputs.push(Input::new(
                "wastewater_operating",
                t.get("ccnrep.wastewater"),
                "checkbox",
                &val("wastewater_operating"),
            ));
        }
        ReportParty::Tenant => inputs.push(
            Input::new("revenue", t.get("ccnrep.revenue"), "money", &val("revenue"))
                .hint(t.get("form.hint.money")),
        ),
    }
    inputs.push(Input::new(
        "note",
        t.get("exec.note"),
        "textarea",
        &val("note"),
    ));
    inputs
}

/// A report's figures as its form holds them (to correct a returned report).
fn typed_of(f: &Figures) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("workers".into(), f.workers.to_string());
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    };
    put(
        "capital_realised",
        f.capital_realised
            .map(|x| x.format_dong().trim_end_matches(" đồng").to_owned()),
    );
    put(
        "revenue",
        f.revenue
            .map(|x| x.format_dong().trim_end_matches(" đồng").to_owned()),
    );
    put(
        "leased_area_ha",
        f.leased_area_ha
            .map(|d| format_vn(d.normalize(), d.normalize().scale())),
    );
    put(
        "secondary_projects",
        f.secondary_projects.map(|n| n.to_string()),
    );
    put(
        "wastewater_operating",
        f.wastewater_operating.filter(|w| *w).map(|_| "1".into()),
    );
    put("note", f.note.clone());
    m
}

/// The address of the page for a period (and a province, a cluster).
fn address(kind: ReportKind, year: i32, extra: &[(&str, &str)]) -> String {
    let mut f = form_urlencoded::Serializer::new(String::new());
    f.append_pair("ky", kind.as_str());
    f.append_pair("nam", &year.to_string());
    for (k, v) in extra {
        if !v.is_empty() {
            f.append_pair(k, v);
        }
    }
    format!("{HERE}?{}", f.finish())
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    q: &Asked,
    refusal: Option<Refusal>,
) -> Response {
    let mut chosen = Chosen::of(q.ky.as_deref(), q.nam);
    let year = chosen.year;
    let periods = match state
        .api
        .get::<Periods>(
            "registry",
            &format!("/api/v1/cluster-report-periods?year={year}"),
            token,
        )
        .await
    {
        Ok(p) => p.items,
        Err(p) => return problem(v, HERE, p),
    };
    let kind = chosen.settle(&periods);
    let period = periods.iter().find(|p| p.kind == kind).copied();
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let enterprise = c.role == Some(Role::Enterprise);
    let ministry = c.role == Some(Role::Ministry);
    let cluster = q.cum.as_deref().and_then(|s| s.parse::<Uuid>().ok());
    let mut page = ReportsPage {
        kind: kind.as_str(),
        year,
        kinds: ReportKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.get(kind_key(*k)), *k == kind))
            .collect(),
        // Reports are kept up to next year's.
        years: crate::pages::plan_years()
            .into_iter()
            .filter(|y| *y <= chrono::Datelike::year(&today_vn()) + 1)
            .collect(),
        period: period.map(|p| {
            (
                format!(
                    "{} – {}",
                    format_date_vn(p.window_from),
                    format_date_vn(p.window_to)
                ),
                format_date_vn(p.due_date),
            )
        }),
        not_begun: period
            .filter(|p| today_vn() < p.window_from)
            .map(|p| format_date_vn(p.window_from)),
        notice: match q.xong.as_deref() {
            Some("nop") => Some(t.get("ccnrep.done.submit").to_owned()),
            Some("mo-ky") => Some(format!(
                "{} {}",
                t.get("ccnrep.done.open"),
                q.n.unwrap_or(0)
            )),
            Some("tong-hop") => Some(t.get("ccnrep.done.consolidate").to_owned()),
            _ => None,
        },
        error: None,
        enterprise,
        ministry,
        cards: Vec::new(),
        inputs: Vec::new(),
        investor: false,
        form_error: None,
        compliance: Vec::new(),
        province: None,
        missing: Vec::new(),
        consolidated: None,
        lines: Vec::new(),
        total: 0,
        page: 1,
        pages: 1,
        query: String::new(),
        reviews: reviews(&v),
        c,
    };
    let status = refusal
        .as_ref()
        .map_or(StatusCode::OK, |r| r.refused.status);
    if let Some(r) = refusal.as_ref().filter(|r| r.what != "submit") {
        let fields: Vec<&str> = r.refused.fields.values().map(String::as_str).collect();
        page.error = Some(
            std::iter::once(r.refused.message.as_str())
                .chain(fields)
                .collect::<Vec<_>>()
                .join(" · "),
        );
    }
    let loaded = if enterprise {
        let org = v.claims().map(|c| c.org);
        own(state, token, &mut page, kind, cluster, org, refusal).await
    } else {
        staff(state, token, &mut page, kind, ministry, q, cluster).await
    };
    match loaded {
        Ok(()) => v.respond((status, page)),
        Err(p) => problem(v, HERE, p),
    }
}

/// The enterprise's clusters, its report on each for the period, and the form of the one it opens.
async fn own(
    state: &PortalState,
    token: &str,
    page: &mut ReportsPage,
    kind: ReportKind,
    cluster: Option<Uuid>,
    org: Option<Uuid>,
    refusal: Option<Refusal>,
) -> Result<(), Problem> {
    let t = page.c.t;
    let year = page.year;
    let reports_path = format!(
        "/api/v1/cluster-reports?kind={}&year={year}&per_page=200",
        kind.as_str()
    );
    let (clusters, reports) = tokio::join!(
        state
            .api
            .get::<Paged<Cluster>>("registry", "/api/v1/clusters?per_page=200", token),
        state
            .api
            .get::<Paged<Report>>("registry", &reports_path, token),
    );
    let (clusters, reports) = (clusters?.items, reports?.items);
    let refused_cluster = refusal
        .as_ref()
        .filter(|r| r.what == "submit")
        .and_then(|r| r.typed.get("cluster_id"))
        .and_then(|s| s.parse::<Uuid>().ok());
    // The form open: the one refused, the one asked for, else the first report owed.
    let owed = |k: &Cluster| {
        reports
            .iter()
            .find(|r| r.cluster_id == k.id)
            .is_none_or(|r| r.status == ReportStatus::Returned)
    };
    let open = refused_cluster
        .or(cluster.filter(|id| clusters.iter().any(|k| k.id == *id && owed(k))))
        .or_else(|| clusters.iter().find(|k| owed(k)).map(|k| k.id))
        .filter(|_| page.period.is_some() && page.not_begun.is_none());
    for k in &clusters {
        let party = if org.is_some() && k.investor_org_id == org {
            ReportParty::Investor
        } else {
            ReportParty::Tenant
        };
        let report = reports.iter().find(|r| r.cluster_id == k.id);
        let is_open = open == Some(k.id);
        if is_open {
            page.investor = party == ReportParty::Investor;
            let typed = match (&refusal, report) {
                (Some(r), _) if r.what == "submit" => r.typed.clone(),
                (_, Some(r)) => typed_of(&r.figures),
                _ => BTreeMap::new(),
            };
            page.inputs = figure_inputs(&t, party, &typed);
            if let Some(r) = refusal.as_ref().filter(|r| r.what == "submit") {
                let others = r.refused.mark(&mut page.inputs);
                page.form_error = Some(
                    std::iter::once(r.refused.message.clone())
                        .chain(others)
                        .collect::<Vec<_>>()
                        .join(" · "),
                );
            }
        }
        page.cards.push(OwnCard {
            cluster_id: k.id,
            cluster: format!("{} ({})", k.name, k.code),
            party: t.get(party_key(party)),
            report: report.map(|r| line(r, &t)),
            note: report.and_then(|r| r.review_note.clone()),
            owed: owed(k),
            open: is_open,
        });
    }
    Ok(())
}

/// For staff: compliance (every province's for the ministry), the consolidated reports, and one
/// province's missing parties and reports.
async fn staff(
    state: &PortalState,
    token: &str,
    page: &mut ReportsPage,
    kind: ReportKind,
    ministry: bool,
    q: &Asked,
    cluster: Option<Uuid>,
) -> Result<(), Problem> {
    let t = page.c.t;
    let year = page.year;
    let k = kind.as_str();
    // The ministry picks a province (two digits); a province's staff see their own.
    let picked = q
        .tinh
        .as_deref()
        .filter(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()));
    let province_q = picked
        .map(|p| format!("&province_code={p}"))
        .unwrap_or_default();
    let compliance_path =
        format!("/api/v1/cluster-reports/compliance?kind={k}&year={year}{province_q}");
    let consolidated_path = format!("/api/v1/province-reports?kind={k}&year={year}{province_q}");
    let (compliance, consolidated) = tokio::join!(
        state
            .api
            .get::<Compliance>("registry", &compliance_path, token),
        state
            .api
            .get::<ProvinceReports>("registry", &consolidated_path, token),
    );
    let (compliance, consolidated) = (compliance?, consolidated?.items);
    page.compliance = compliance
        .lines
        .iter()
        .map(|l| ComplianceRow {
            code: l.province_code.clone(),
            name: l.province_name.clone(),
            expected: l.expected,
            reported: l.reported,
            accepted: l.accepted,
            returned: l.returned,
            late: l.late,
            missing: l.missing,
            rate: percent_text(
                (l.expected > 0)
                    .then(|| {
                        (Decimal::from(l.reported * 100) / Decimal::from(l.expected))
                            .round_dp(2)
                            .to_string()
                    })
                    .as_deref(),
            ),
            consolidated: consolidated
                .iter()
                .find(|r| r.province_code == l.province_code)
                .map(|r| (r.version, format_date_vn(day_in_vietnam(r.submitted_at)))),
        })
        .collect();
    page.consolidated = consolidated_figures(&t, &consolidated, ministry && picked.is_none());
    // The ministry lists parties and reports once it picks a province.
    if ministry && picked.is_none() {
        return Ok(());
    }
    page.province = compliance
        .lines
        .first()
        .map(|l| (l.province_code.clone(), l.province_name.clone()));
    page.missing = compliance
        .missing
        .iter()
        .filter(|m| cluster.is_none_or(|c| c == m.cluster_id))
        .map(|m| MissingRow {
            cluster_id: m.cluster_id,
            cluster: m.cluster_code.clone(),
            organisation: m.organisation_name.clone(),
            party: t.get(party_key(m.party)),
        })
        .collect();
    let n = q.trang.unwrap_or(1).clamp(1, 100_000);
    let mut list =
        format!("/api/v1/cluster-reports?kind={k}&year={year}{province_q}&per_page=50&page={n}");
    if let Some(c) = cluster {
        list.push_str(&format!("&cluster_id={c}"));
    }
    let reports = state
        .api
        .get::<Paged<Report>>("registry", &list, token)
        .await?;
    page.lines = reports.items.iter().map(|r| line(r, &t)).collect();
    page.total = reports.total;
    page.page = reports.page;
    page.pages = reports.pages();
    let cluster_text = cluster.map(|c| c.to_string()).unwrap_or_default();
    page.query = address(
        kind,
        year,
        &[("tinh", picked.unwrap_or_default()), ("cum", &cluster_text)],
    );
    Ok(())
}

/// The consolidated figures shown: one province's report (its version and when it was sent), or
/// the sum of every province's report for the nation.
fn consolidated_figures(
    t: &Texts,
    reports: &[ProvinceReport],
    nation: bool,
) -> Option<(String, Vec<(&'static str, String)>)> {
    let heading = if nation {
        format!("{} {}", t.get("ccnrep.national_sum"), reports.len())
    } else {
        let r = reports.first()?;
        format!(
            "{} {} · {}",
            t.get("ccn.version"),
            r.version,
            moment(r.submitted_at)
        )
    };
    if reports.is_empty() {
        return None;
    }
    let sum = |f: fn(&Totals) -> Decimal| reports.iter().map(|r| f(&r.totals)).sum::<Decimal>();
    let whole = |d: Decimal| format_vn(d, 0);
    let money = |d: Decimal| {
        Money::try_from(d)
            .ok()
            .map(|m| money_text(Some(m)))
            .unwrap_or_default()
    };
    let figures = vec![
        (t.get("ccnrep.expected"), whole(sum(|x| x.expected.into()))),
        (t.get("ccnrep.reported"), whole(sum(|x| x.reported.into()))),
        (
            t.get("ccnrep.status.accepted"),
            whole(sum(|x| x.accepted.into())),
        ),
        (t.get("ccnrep.workers"), whole(sum(|x| x.workers.into()))),
        (t.get("ccnrep.revenue"), money(sum(|x| x.revenue))),
        (t.get("ccnrep.capital"), money(sum(|x| x.capital_realised))),
        (
            t.get("ccnrep.leased"),
            format!("{} ha", format_vn(sum(|x| x.leased_area_ha), 2)),
        ),
        (
            t.get("ccnrep.secondary"),
            whole(sum(|x| x.secondary_projects.into())),
        ),
    ];
    Some((heading, figures))
}

/// The figures of the form, checked as far as the portal can (numbers that are numbers); the body
/// for the registry, or the fields at fault.
fn figures_body(
    t: &Texts,
    form: &BTreeMap<String, String>,
) -> Result<Value, BTreeMap<String, String>> {
    let get = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut fields = BTreeMap::new();
    let whole = |k: &str, fields: &mut BTreeMap<String, String>, required: bool| -> Option<i64> {
        let s = get(k);
        if s.is_empty() && !required {
            return None;
        }
        let n = whole_vn(&s).filter(|n| *n >= 0);
        if n.is_none() {
            fields.insert(k.to_owned(), t.get("ccnrep.bad_whole").to_owned());
        }
        n
    };
    let workers = whole("workers", &mut fields, true);
    let secondary = whole("secondary_projects", &mut fields, false);
    let mut money = |k: &str| -> Option<String> {
        let s = get(k);
        if s.is_empty() {
            return None;
        }
        let d = dong(&s);
        if d.is_none() {
            fields.insert(k.to_owned(), t.get("form.bad_money").to_owned());
        }
        d
    };
    let capital = money("capital_realised");
    let revenue = money("revenue");
    // Hectares the Vietnamese way (12,5) or the other (12.5).
    let leased = Some(get("leased_area_ha").replace(',', ".")).filter(|s| !s.is_empty());
    if !fields.is_empty() {
        return Err(fields);
    }
    let note = Some(get("note")).filter(|n| !n.is_empty());
    let mut body = json!({"workers": workers, "capital_realised": capital, "note": note});
    if form.contains_key("party_investor") {
        body["leased_area_ha"] = json!(leased);
        body["secondary_projects"] = json!(secondary);
        body["wastewater_operating"] = json!(form.contains_key("wastewater_operating"));
    } else {
        body["revenue"] = json!(revenue);
    }
    Ok(body)
}

/// The query of the page a form came from (its hidden `ky`, `nam`, `tinh`, `cum`).
fn asked_of(form: &BTreeMap<String, String>) -> Asked {
    Asked {
        ky: form.get("kind").cloned(),
        nam: form.get("year").and_then(|y| y.parse().ok()),
        tinh: form.get("tinh").cloned(),
        cum: form.get("cluster_id").cloned(),
        ..Asked::default()
    }
}

/// A service's field names as the page's inputs name them.
fn field_names(fields: BTreeMap<String, String>) -> BTreeMap<String, String> {
    fields
        .into_iter()
        .map(|(k, m)| {
            (
                k.strip_prefix("figures.").map(str::to_owned).unwrap_or(k),
                m,
            )
        })
        .collect()
}

/// `POST /ccn/bao-cao/nop`: an enterprise submits (or submits again) its report on a cluster.
pub async fn submit(
    State(state): State<PortalState>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let SignedIn { v, token } = match SignedIn::of(v, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let asked = asked_of(&form);
    let chosen = Chosen::of(asked.ky.as_deref(), asked.nam);
    let (Some(kind), Some(cluster)) = (
        chosen.kind,
        asked.cum.as_deref().and_then(|c| c.parse::<Uuid>().ok()),
    ) else {
        return problem(v, HERE, Problem::NotFound);
    };
    let figures = match figures_body(&t, &form) {
        Ok(f) => f,
        Err(fields) => {
            let r = Refusal {
                what: "submit",
                refused: Refused::form(&t, fields),
                typed: form.clone(),
            };
            return render(&state, v, &token, &asked, Some(r)).await;
        }
    };
    let body = json!({"kind": kind.as_str(), "year": chosen.year, "figures": figures});
    let path = format!("/api/v1/clusters/{cluster}/reports");
    match state
        .api
        .send(Method::POST, "registry", &path, Some(&token), Some(&body))
        .await
    {
        Ok(_) => v.respond(Redirect::to(&address(
            kind,
            chosen.year,
            &[("xong", "nop")],
        ))),
        Err(p) => match explain(&t, p) {
            Ok(mut refused) => {
                refused.fields = field_names(refused.fields);
                let r = Refusal {
                    what: "submit",
                    refused,
                    typed: form.clone(),
                };
                render(&state, v, &token, &asked, Some(r)).await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}

/// `POST /ccn/bao-cao/mo-ky` (open the period: every party is told of its duty) and
/// `POST /ccn/bao-cao/tong-hop` (consolidate the province's report for the ministry).
async fn period_act(
    state: PortalState,
    v: Visitor,
    form: BTreeMap<String, String>,
    what: &'static str,
) -> Response {
    let SignedIn { v, token } = match SignedIn::of(v, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let asked = asked_of(&form);
    let chosen = Chosen::of(asked.ky.as_deref(), asked.nam);
    let Some(kind) = chosen.kind else {
        return problem(v, HERE, Problem::NotFound);
    };
    let (path, done) = match what {
        "open" => ("/api/v1/cluster-report-periods", "mo-ky"),
        _ => ("/api/v1/province-reports", "tong-hop"),
    };
    let body = json!({"kind": kind.as_str(), "year": chosen.year});
    match state
        .api
        .send(Method::POST, "registry", path, Some(&token), Some(&body))
        .await
    {
        Ok(answer) => {
            let told = answer["announced"].as_u64().unwrap_or(0).to_string();
            let extra = [
                ("xong", done),
                ("n", if what == "open" { told.as_str() } else { "" }),
            ];
            v.respond(Redirect::to(&address(kind, chosen.year, &extra)))
        }
        Err(p) => match explain(&t, p) {
            Ok(refused) => {
                let r = Refusal {
                    what,
                    refused,
                    typed: BTreeMap::new(),
                };
                render(&state, v, &token, &asked, Some(r)).await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}

pub async fn open_period(
    State(state): State<PortalState>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    period_act(state, v, form, "open").await
}

pub async fn consolidate(
    State(state): State<PortalState>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    period_act(state, v, form, "consolidate").await
}

/// `templates/cluster_report.html`: one report.
#[derive(Template, WebTemplate)]
#[template(path = "cluster_report.html")]
struct OnePage {
    c: Chrome,
    id: Uuid,
    title: String,
    status: &'static str,
    status_label: &'static str,
    late: bool,
    facts: Vec<(&'static str, String)>,
    figures: Vec<(&'static str, String)>,
    version: i32,
    /// The cluster's page (staff only).
    cluster_link: Option<String>,
    /// The list of the report's period.
    back: String,
    /// The enterprise corrects a returned report here.
    correct: Option<String>,
    /// Whether the visitor may accept or return it now.
    review: bool,
    note: String,
    error: Option<String>,
    note_error: Option<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct OneAsked {
    #[serde(default)]
    xong: Option<String>,
}

pub async fn one(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<OneAsked>,
) -> Response {
    show(
        &state,
        v,
        &token,
        &id,
        q.xong.is_some(),
        None,
        String::new(),
    )
    .await
}

async fn show(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: &str,
    done: bool,
    refused: Option<Refused>,
    note: String,
) -> Response {
    let here = format!("{HERE}/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let r = match state
        .api
        .get::<Report>("registry", &format!("/api/v1/cluster-reports/{id}"), token)
        .await
    {
        Ok(r) => r,
        Err(p) => return problem(v, &here, p),
    };
    let c = Chrome::new(&v, &here);
    let t = c.t;
    let enterprise = c.role == Some(Role::Enterprise);
    let f = &r.figures;
    let mut figures = vec![("ccnrep.workers", format_vn(Decimal::from(f.workers), 0))];
    let mut put = |k: &'static str, s: Option<String>| {
        if let Some(s) = s {
            figures.push((k, s));
        }
    };
    put(
        "ccnrep.capital",
        f.capital_realised.map(|m| money_text(Some(m))),
    );
    put("ccnrep.revenue", f.revenue.map(|m| money_text(Some(m))));
    put(
        "ccnrep.leased",
        f.leased_area_ha.map(|d| format!("{} ha", format_vn(d, 2))),
    );
    put(
        "ccnrep.secondary",
        f.secondary_projects.map(|n| n.to_string()),
    );
    put(
        "ccnrep.wastewater",
        f.wastewater_operating
            .map(|w| t.get(if w { "yes" } else { "no" }).to_owned()),
    );
    put("exec.note", f.note.clone());
    let mut facts = vec![
        ("ccnrep.cluster", r.cluster_code.clone()),
        ("ccnrep.organisation", r.organisation_name.clone()),
        ("ccnrep.party", t.get(party_key(r.party)).to_owned()),
        ("col.province", r.province_code.clone()),
        (
            "duty.window",
            format!(
                "{} – {}",
                format_date_vn(r.window_from),
                format_date_vn(r.window_to)
            ),
        ),
        ("duty.base_due", format_date_vn(r.due_date)),
        ("ccnrep.first_submitted", moment(r.first_submitted_at)),
        ("ccnrep.submitted", moment(r.submitted_at)),
        ("ccn.version", r.version.to_string()),
    ];
    if let Some(at) = r.reviewed_at {
        facts.push(("ccnrep.reviewed", moment(at)));
    }
    if let Some(n) = &r.review_note {
        facts.push(("ccnrep.review_note", n.clone()));
    }
    let facts = facts.into_iter().map(|(k, s)| (t.get(k), s)).collect();
    let figures = figures.into_iter().map(|(k, s)| (t.get(k), s)).collect();
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let page = OnePage {
        id: r.id,
        title: format!(
            "{} {} · {}",
            t.get(kind_key(r.kind)),
            r.year,
            r.organisation_name
        ),
        status: r.status.as_str(),
        status_label: t.get(status_key(r.status)),
        late: r.late,
        facts,
        figures,
        version: r.version,
        cluster_link: (!enterprise).then(|| format!("/ccn/{}", r.cluster_id)),
        back: address(r.kind, r.year, &[]),
        correct: (enterprise && r.status == ReportStatus::Returned)
            .then(|| address(r.kind, r.year, &[("cum", &r.cluster_id.to_string())])),
        review: reviews(&v) && r.status == ReportStatus::Submitted,
        note,
        note_error: refused.as_ref().and_then(|x| x.fields.get("note").cloned()),
        error: refused.map(|x| x.message),
        done,
        c,
    };
    v.respond((status, page))
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    act: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    note: String,
}

/// `POST /ccn/bao-cao/{id}`: the department accepts a submitted report, or returns it saying why.
pub async fn review(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    Posted { v, form }: Posted<ReviewForm>,
) -> Response {
    let here = format!("{HERE}/{id}");
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let (Ok(report), Some(step)) = (
        id.parse::<Uuid>(),
        match form.act.as_str() {
            "accept" => Some("accept"),
            "return" => Some("return"),
            _ => None,
        },
    ) else {
        return problem(v, &here, Problem::NotFound);
    };
    let note = form.note.trim().to_owned();
    let body = json!({
        "version": form.version.trim().parse::<i64>().unwrap_or(0),
        "note": Some(&note).filter(|n| !n.is_empty()),
    });
    let path = format!("/api/v1/cluster-reports/{report}/{step}");
    match state
        .api
        .send(Method::POST, "registry", &path, Some(&token), Some(&body))
        .await
    {
        Ok(_) => v.respond(Redirect::to(&format!("{here}?xong=1"))),
        Err(p) => match explain(&t, p) {
            Ok(r) => show(&state, v, &token, &id, false, Some(r), note).await,
            Err(p) => problem(v, &here, p),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_investors_figures_are_read_the_vietnamese_way() {
        let t = Texts::new(Lang::Vi);
        let body = figures_body(
            &t,
            &form(&[
                ("party_investor", "1"),
                ("workers", "1.250"),
                ("capital_realised", "12.000.000.000"),
                ("leased_area_ha", "20,25"),
                ("secondary_projects", "7"),
                ("wastewater_operating", "1"),
                ("note", "  "),
            ]),
        )
        .unwrap();
        assert_eq!(
            body,
            json!({"workers": 1250, "capital_realised": "12000000000", "note": null,
                   "leased_area_ha": "20.25", "secondary_projects": 7, "wastewater_operating": true})
        );
    }

    #[test]
    fn a_tenants_figures_carry_its_revenue_and_words_are_refused_beside_their_field() {
        let t = Texts::new(Lang::Vi);
        let body = figures_body(
            &t,
            &form(&[("workers", "40"), ("revenue", "3.500.000.000")]),
        )
        .unwrap();
        assert_eq!(body["revenue"], "3500000000");
        assert!(body.get("leased_area_ha").is_none());
        let refused =
            figures_body(&t, &form(&[("workers", "bốn mươi"), ("revenue", "ba tỷ")])).unwrap_err();
        assert_eq!(refused.keys().collect::<Vec<_>>(), ["revenue", "workers"]);
        let refused = figures_body(&t, &form(&[("workers", "")])).unwrap_err();
        assert!(refused.contains_key("workers"), "workers are required");
    }

    #[test]
    fn a_returned_reports_figures_fill_its_form_again() {
        let f = Figures {
            workers: 45,
            capital_realised: Some(Money::from_dong(1_500_000)),
            leased_area_ha: Some(Decimal::new(2025, 2)),
            secondary_projects: Some(3),
            wastewater_operating: Some(true),
            ..Figures::default()
        };
        let typed = typed_of(&f);
        assert_eq!(typed["capital_realised"], "1.500.000");
        assert_eq!(typed["leased_area_ha"], "20,25");
        assert_eq!(typed["wastewater_operating"], "1");
        let t = Texts::new(Lang::Vi);
        let mut back = typed.clone();
        back.insert("party_investor".into(), "1".into());
        let body = figures_body(&t, &back).unwrap();
        assert_eq!(body["capital_realised"], "1500000");
        assert_eq!(body["leased_area_ha"], "20.25");
    }
}
