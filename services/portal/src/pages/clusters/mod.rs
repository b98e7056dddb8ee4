//! The industrial clusters (cụm công nghiệp), as the registry keeps them, for the province's and the
//! ministry's staff: `/ccn`, the summary by province (clusters, land, occupancy, wastewater), the
//! register (filtered by state and words, fifty to a page, exported to XLSX or CSV by the registry) over a
//! map of the clusters' points; `/ccn/{id}`, one cluster: its record, the rule checks of its last version
//! with their figures, and its history, version by version. Their periodic reports: [`reports`].

pub mod reports;

use super::{Chrome, SignedIn, moment, problem};
use crate::PortalState;
use crate::api::Problem;
use crate::map::Map;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use kc_http::Paged;
use kc_kernel::{ClusterChange, ClusterStatus, format_vn};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

const HERE: &str = "/ccn";

/// A cluster's state, as the catalogue names it.
pub fn status_key(s: ClusterStatus) -> &'static str {
    match s {
        ClusterStatus::InPlan => "ccn.status.in_plan",
        ClusterStatus::Established => "ccn.status.established",
        ClusterStatus::UnderConstruction => "ccn.status.under_construction",
        ClusterStatus::Operating => "ccn.status.operating",
        ClusterStatus::Expanded => "ccn.status.expanded",
        ClusterStatus::RemovedFromPlan => "ccn.status.removed_from_plan",
        ClusterStatus::Revoked => "ccn.status.revoked",
    }
}

/// A change of the register, as the catalogue names it.
pub fn change_key(c: ClusterChange) -> &'static str {
    match c {
        ClusterChange::Proposed => "ccn.change.proposed",
        ClusterChange::Edited => "ccn.change.edited",
        ClusterChange::Transition => "ccn.change.transition",
        ClusterChange::Imported => "ccn.change.imported",
    }
}

#[derive(Debug, Deserialize)]
struct Cluster {
    id: Uuid,
    code: String,
    province_name: String,
    province_at_name: String,
    version: i32,
    status: ClusterStatus,
    name: String,
    communes: Vec<String>,
    latitude: Decimal,
    longitude: Decimal,
    planned_area_ha: Decimal,
    industrial_area_ha: Decimal,
    leased_area_ha: Decimal,
    occupancy_percent: Option<String>,
    investor_name: Option<String>,
    wastewater_working: bool,
    workers: i32,
    recorded_at: DateTime<Utc>,
    action: ClusterChange,
    reason: String,
    verdict: Option<Verdict>,
    justification: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Verdict {
    passed: bool,
    checks: Vec<Check>,
}

#[derive(Debug, Deserialize)]
struct Check {
    label_vi: String,
    passed: bool,
    message: String,
    legal_basis: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Geo {
    features: Vec<Feature>,
}

#[derive(Debug, Deserialize)]
struct Feature {
    geometry: Value,
    properties: Value,
}

fn hectares(d: Decimal) -> String {
    format!("{} ha", format_vn(d, 2))
}

/// A line of the register.
pub struct Line {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub communes: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub area: String,
    pub occupancy: String,
    pub wastewater: bool,
}

/// A line of the registry's summary (a province, or the total), as it answers it.
#[derive(Debug, Deserialize)]
struct SummaryLine {
    name: String,
    clusters: i64,
    active: i64,
    operating: i64,
    expanded: i64,
    planned_area_ha: Decimal,
    industrial_area_ha: Decimal,
    leased_area_ha: Decimal,
    occupancy_percent: Option<String>,
    without_wastewater: i64,
}

#[derive(Debug, Deserialize)]
struct Summary {
    lines: Vec<SummaryLine>,
    total: SummaryLine,
}

/// A line of the summary, written out: name, clusters, active, operating, planned, industrial and
/// leased land, occupancy, without wastewater treatment.
pub struct SummaryRow {
    name: String,
    clusters: i64,
    active: i64,
    operating: i64,
    planned: String,
    industrial: String,
    leased: String,
    occupancy: String,
    without_wastewater: i64,
}

fn summary_row(l: &SummaryLine) -> SummaryRow {
    SummaryRow {
        name: l.name.clone(),
        clusters: l.clusters,
        active: l.active,
        operating: l.operating + l.expanded,
        planned: hectares(l.planned_area_ha),
        industrial: hectares(l.industrial_area_ha),
        leased: hectares(l.leased_area_ha),
        occupancy: super::percent_text(l.occupancy_percent.as_deref()),
        without_wastewater: l.without_wastewater,
    }
}

/// The columns of the register's export a visitor may choose (the registry's keys), with their
/// labels.
pub const EXPORT_COLUMNS: [(&str, &str); 10] = [
    ("code", "ccn.code"),
    ("name", "ccn.name"),
    ("province", "col.province"),
    ("communes", "field.commune"),
    ("status", "col.state"),
    ("planned_area_ha", "ccn.planned_area"),
    ("leased_area_ha", "ccn.leased_area"),
    ("occupancy_percent", "ccn.occupancy"),
    ("investor", "ccn.investor"),
    ("workers", "ccn.workers"),
];

/// `templates/clusters.html`.
#[derive(Template, WebTemplate)]
#[template(path = "clusters.html")]
struct ListPage {
    c: Chrome,
    map: Map,
    /// The summary by province (the ministry: every province; a province: its own), and the total.
    summary: Vec<SummaryRow>,
    nation: Option<SummaryRow>,
    /// The export's columns: the registry's key, the label.
    columns: Vec<(&'static str, &'static str)>,
    lines: Vec<Line>,
    status: &'static str,
    statuses: Vec<(&'static str, &'static str, bool)>,
    q: String,
    total: i64,
    page: u64,
    pages: u64,
    query: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

/// The map's class for a cluster's state.
fn point_class(status: &str) -> &'static str {
    match status {
        "operating" | "expanded" => "pt-operating",
        "established" | "under_construction" => "pt-building",
        "in_plan" => "pt-plan",
        _ => "pt-out",
    }
}

pub async fn list(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse::<ClusterStatus>().ok());
    let words = q.q.as_deref().unwrap_or("").trim().to_owned();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let query = {
        let mut f = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = status {
            f.append_pair("status", s.as_str());
        }
        if !words.is_empty() {
            f.append_pair("q", &words);
        }
        f.finish()
    };
    let paths = [
        format!("/api/v1/clusters?per_page=50&page={page}&{query}"),
        format!("/api/v1/clusters/export.geojson?{query}"),
    ];
    let (list, geo, summary) = tokio::join!(
        state
            .api
            .get::<Paged<Cluster>>("registry", &paths[0], &token),
        state.api.get::<Geo>("registry", &paths[1], &token),
        state
            .api
            .get::<Summary>("registry", "/api/v1/clusters/summary", &token),
    );
    // The summary is the staff's (an enterprise reads none, and the register without it).
    let (summary, nation) = match summary {
        Ok(s) => (
            s.lines.iter().map(summary_row).collect(),
            Some(summary_row(&s.total)),
        ),
        Err(Problem::Forbidden) => (Vec::new(), None),
        Err(p) => return problem(v, HERE, p),
    };
    let list = match list {
        Ok(l) => l,
        Err(p) => return problem(v, HERE, p),
    };
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let points = geo
        .map(|g| g.features)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| {
            let xy = f.geometry["coordinates"].as_array()?;
            let (lon, lat) = (xy.first()?.as_f64()?, xy.get(1)?.as_f64()?);
            let p = &f.properties;
            let status = p["status"].as_str().unwrap_or_default();
            let title = format!(
                "{} ({}) · {}",
                p["name"].as_str().unwrap_or_default(),
                p["code"].as_str().unwrap_or_default(),
                p["status_vi"].as_str().unwrap_or_default()
            );
            Some((lon, lat, title, point_class(status)))
        });
    let page = ListPage {
        map: Map::of(points),
        summary,
        nation,
        columns: EXPORT_COLUMNS
            .iter()
            .map(|(k, label)| (*k, t.get(label)))
            .collect(),
        lines: list
            .items
            .iter()
            .map(|k| Line {
                id: k.id,
                code: k.code.clone(),
                name: k.name.clone(),
                communes: k.communes.join(", "),
                status: k.status.as_str(),
                status_label: t.get(status_key(k.status)),
                area: hectares(k.planned_area_ha),
                occupancy: super::percent_text(k.occupancy_percent.as_deref()),
                wastewater: k.wastewater_working,
            })
            .collect(),
        status: status.map_or("", |s| s.as_str()),
        statuses: ClusterStatus::ALL
            .iter()
            .map(|s| (s.as_str(), t.get(status_key(*s)), Some(*s) == status))
            .collect(),
        q: words,
        total: list.total,
        page: list.page,
        pages: list.pages(),
        query,
        c,
    };
    v.respond(page)
}

#[derive(Debug, Deserialize)]
struct History {
    items: Vec<Cluster>,
}

/// `templates/cluster.html`.
#[derive(Template, WebTemplate)]
#[template(path = "cluster.html")]
struct ClusterPage {
    c: Chrome,
    map: Map,
    name: String,
    code: String,
    status: &'static str,
    status_label: &'static str,
    facts: Vec<(&'static str, String)>,
    passed: Option<bool>,
    checks: Vec<(String, bool, String, String)>,
    justification: Option<String>,
    history: Vec<(i32, String, &'static str, &'static str, String)>,
}

pub async fn one(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let here = format!("/ccn/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let paths = [
        format!("/api/v1/clusters/{id}"),
        format!("/api/v1/clusters/{id}/history"),
    ];
    let (k, history) = tokio::join!(
        state.api.get::<Cluster>("registry", &paths[0], &token),
        state.api.get::<History>("registry", &paths[1], &token),
    );
    let (k, history) = match (k, history) {
        (Ok(k), Ok(h)) => (k, h.items),
        (Err(p), _) | (_, Err(p)) => return problem(v, &here, p),
    };
    let c = Chrome::new(&v, &here);
    let t = c.t;
    let yes_no = |b: bool| t.get(if b { "yes" } else { "no" }).to_owned();
    let facts = vec![
        ("col.province", k.province_name.clone()),
        ("ccn.province_at", k.province_at_name.clone()),
        ("field.commune", k.communes.join(", ")),
        ("ccn.planned_area", hectares(k.planned_area_ha)),
        ("ccn.industrial_area", hectares(k.industrial_area_ha)),
        ("ccn.leased_area", hectares(k.leased_area_ha)),
        (
            "ccn.occupancy",
            super::percent_text(k.occupancy_percent.as_deref()),
        ),
        ("ccn.investor", k.investor_name.clone().unwrap_or_default()),
        ("ccn.wastewater", yes_no(k.wastewater_working)),
        ("ccn.workers", k.workers.to_string()),
        (
            "ccn.position",
            format!("{}, {}", k.latitude.normalize(), k.longitude.normalize()),
        ),
    ]
    .into_iter()
    .map(|(key, v)| (t.get(key), v))
    .collect();
    let lon = k.longitude.to_string().parse().unwrap_or_default();
    let lat = k.latitude.to_string().parse().unwrap_or_default();
    let page = ClusterPage {
        map: Map::of([(lon, lat, k.name.clone(), point_class(k.status.as_str()))]),
        name: k.name.clone(),
        code: k.code.clone(),
        status: k.status.as_str(),
        status_label: t.get(status_key(k.status)),
        facts,
        passed: k.verdict.as_ref().map(|v| v.passed),
        checks: k
            .verdict
            .as_ref()
            .map(|v| {
                v.checks
                    .iter()
                    .map(|ch| {
                        (
                            ch.label_vi.clone(),
                            ch.passed,
                            ch.message.clone(),
                            ch.legal_basis.clone().unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        justification: k.justification.clone(),
        history: history
            .iter()
            .map(|h| {
                (
                    h.version,
                    moment(h.recorded_at),
                    t.get(status_key(h.status)),
                    t.get(change_key(h.action)),
                    h.reason.clone(),
                )
            })
            .collect(),
        c,
    };
    v.respond(page)
}
