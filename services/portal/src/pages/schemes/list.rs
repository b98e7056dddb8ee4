//! `/de-an`: the schemes a province's staff (the ministry: the nation's) see, filtered by state, plan
//! year and words, fifty to a page, with the list's export (workflow's, with the columns chosen).

use super::status_key;
use crate::PortalState;
use crate::api::Problem;
use crate::pages::applications::fund_key;
use crate::pages::{Chrome, SignedIn, moment, problem};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use kc_http::Paged;
use kc_kernel::{Fund, Money, SchemeStatus};
use serde::Deserialize;
use uuid::Uuid;

const HERE: &str = "/de-an";

/// A scheme as the list shows it.
#[derive(Debug, Deserialize)]
pub struct SchemeItem {
    pub id: Uuid,
    pub province_code: String,
    pub implementing_org_name: String,
    pub status: SchemeStatus,
    pub fund: Fund,
    pub plan_year: i32,
    pub title: String,
    pub support_requested: Money,
    pub support_approved: Option<Money>,
    pub stage_since: DateTime<Utc>,
    pub overdue: bool,
}

pub struct Line {
    pub id: Uuid,
    pub title: String,
    pub unit: String,
    pub province: String,
    pub fund: &'static str,
    pub year: i32,
    pub status: &'static str,
    pub status_label: &'static str,
    pub requested: String,
    pub approved: String,
    pub since: String,
    pub overdue: bool,
}

/// The columns of the export a visitor may choose (workflow's keys), with their labels.
pub const EXPORT_COLUMNS: [(&str, &str); 10] = [
    ("province_code", "col.province"),
    ("title", "col.scheme"),
    ("fund", "field.fund"),
    ("plan_year", "field.plan_year"),
    ("status", "col.state"),
    ("implementing_org_name", "col.implementer"),
    ("support_requested", "col.requested"),
    ("support_approved", "col.approved"),
    ("paid", "col.paid"),
    ("settled", "col.settled"),
];

/// `templates/schemes.html`.
#[derive(Template, WebTemplate)]
#[template(path = "schemes.html")]
struct ListPage {
    c: Chrome,
    lines: Vec<Line>,
    status: &'static str,
    year: String,
    q: String,
    statuses: Vec<(&'static str, &'static str, bool)>,
    total: i64,
    page: u64,
    pages: u64,
    /// The filters as a query (the pager and the export add to it).
    query: String,
    columns: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    plan_year: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

pub async fn list(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse::<SchemeStatus>().ok());
    let year = q
        .plan_year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2099).contains(y));
    let words = q.q.as_deref().unwrap_or("").trim().to_owned();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let query = {
        let mut filters = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = status {
            filters.append_pair("status", s.as_str());
        }
        if let Some(y) = year {
            filters.append_pair("plan_year", &y.to_string());
        }
        if !words.is_empty() {
            filters.append_pair("q", &words);
        }
        filters.finish()
    };
    let path = format!("/api/v1/schemes?per_page=50&page={page}&{query}");
    let list: Paged<SchemeItem> = match state.api.get("workflow", &path, &token).await {
        Ok(l) => l,
        Err(Problem::Rejected { .. }) => Paged {
            items: Vec::new(),
            total: 0,
            page: 1,
            per_page: 50,
        },
        Err(p) => return problem(v, HERE, p),
    };
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let page = ListPage {
        lines: list
            .items
            .iter()
            .map(|s| Line {
                id: s.id,
                title: s.title.clone(),
                unit: s.implementing_org_name.clone(),
                province: s.province_code.clone(),
                fund: t.get(fund_key(s.fund)),
                year: s.plan_year,
                status: s.status.as_str(),
                status_label: t.get(status_key(s.status)),
                requested: s.support_requested.format_dong(),
                approved: s
                    .support_approved
                    .map(|m| m.format_dong())
                    .unwrap_or_default(),
                since: moment(s.stage_since),
                overdue: s.overdue,
            })
            .collect(),
        status: status.map_or("", |s| s.as_str()),
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        q: words,
        statuses: SchemeStatus::ALL
            .iter()
            .map(|s| (s.as_str(), t.get(status_key(*s)), Some(*s) == status))
            .collect(),
        total: list.total,
        page: list.page,
        pages: list.pages(),
        query,
        columns: EXPORT_COLUMNS
            .iter()
            .map(|(k, label)| (*k, t.get(label)))
            .collect(),
        c,
    };
    v.respond(page)
}
