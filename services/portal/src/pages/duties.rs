//! `/nghia-vu`: the duties and time limits the visitor sees (their organisation's, or their
//! province's, or the nation's), with a filter by state; `/nghia-vu/{id}`: one of them, the page every
//! reminder e-mail links to.

use super::{Chrome, SignedIn, level_key, moment, problem, state_key};
use crate::PortalState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use kc_http::Paged;
use kc_kernel::{DutyLevel, ObligationState, format_date_vn};
use serde::Deserialize;
use uuid::Uuid;

/// An obligation, as the notifications service answers it (the fields the pages show).
#[derive(Debug, Clone, Deserialize)]
pub struct Obligation {
    pub id: Uuid,
    #[serde(default)]
    pub duty_code: String,
    #[serde(default)]
    pub subject_kind: Option<String>,
    #[serde(default)]
    pub subject_id: Option<Uuid>,
    pub duty_title: String,
    pub reporter: DutyLevel,
    pub recipient: DutyLevel,
    pub legal_basis: String,
    pub data_window: String,
    pub province_code: String,
    pub organisation_name: Option<String>,
    pub subject_label: Option<String>,
    pub period: String,
    pub base_due: NaiveDate,
    pub due_date: NaiveDate,
    pub state: ObligationState,
    pub late: bool,
    pub fulfilled_at: Option<DateTime<Utc>>,
    pub fulfilment_note: Option<String>,
    pub waived_reason: Option<String>,
    pub next_step_on: Option<NaiveDate>,
}

/// One line of a list, written out for the page.
pub struct Row {
    pub id: Uuid,
    pub duty: String,
    pub subject: String,
    pub party: String,
    pub province: String,
    pub due: String,
    pub due_iso: String,
    /// The state as the stylesheet's class names it.
    pub state: &'static str,
    pub state_label: &'static str,
    pub late: bool,
}

impl Row {
    pub fn of(o: &Obligation, c: &Chrome) -> Row {
        Row {
            id: o.id,
            duty: o.duty_title.clone(),
            subject: o.subject_label.clone().unwrap_or_default(),
            // An applicant may not see the centre's name: the level it stands at, then.
            party: o
                .organisation_name
                .clone()
                .unwrap_or_else(|| c.t.get(level_key(o.reporter)).to_owned()),
            province: o.province_code.clone(),
            due: format_date_vn(o.due_date),
            due_iso: o.due_date.to_string(),
            state: o.state.as_str(),
            state_label: c.t.get(state_key(o.state)),
            late: o.late,
        }
    }
}

/// The columns of the duties' export a visitor may choose (the service's keys), with their labels.
pub const EXPORT_COLUMNS: [(&str, &str); 7] = [
    ("duty", "col.duty"),
    ("party", "col.party"),
    ("subject", "col.subject"),
    ("period", "duty.period"),
    ("due_date", "col.due"),
    ("state", "col.state"),
    ("late", "duties.late"),
];

/// `templates/duties.html`.
#[derive(Template, WebTemplate)]
#[template(path = "duties.html")]
struct DutiesPage {
    c: Chrome,
    /// The export's columns: the service's key, the label.
    columns: Vec<(&'static str, &'static str)>,
    rows: Vec<Row>,
    /// The filter chosen ("" for all).
    state: &'static str,
    /// Each state: its code, its label, and whether it is the filter chosen.
    states: Vec<(&'static str, &'static str, bool)>,
    total: i64,
    page: u64,
    pages: u64,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

pub async fn list(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    let here = "/nghia-vu";
    // An unknown state lists them all.
    let filter = q
        .state
        .as_deref()
        .and_then(|s| s.parse::<ObligationState>().ok());
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut path = format!("/api/v1/obligations?per_page=50&page={page}");
    if let Some(f) = filter {
        path.push_str(&format!("&state={}", f.as_str()));
    }
    let list: Paged<Obligation> = match state.api.get("notifications", &path, &token).await {
        Ok(l) => l,
        Err(p) => return problem(v, here, p),
    };
    let c = Chrome::new(&v, here);
    let page = DutiesPage {
        columns: EXPORT_COLUMNS
            .iter()
            .map(|(k, label)| (*k, c.t.get(label)))
            .collect(),
        rows: list.items.iter().map(|o| Row::of(o, &c)).collect(),
        state: filter.map_or("", |f| f.as_str()),
        states: ObligationState::ALL
            .iter()
            .map(|s| (s.as_str(), c.t.get(state_key(*s)), Some(*s) == filter))
            .collect(),
        total: list.total,
        page: list.page,
        pages: list.pages(),
        c,
    };
    v.respond(page)
}

/// `templates/duty.html`.
#[derive(Template, WebTemplate)]
#[template(path = "duty.html")]
struct DutyPage {
    c: Chrome,
    row: Row,
    recipient: String,
    period: String,
    window: String,
    base_due: String,
    legal_basis: String,
    fulfilled_at: Option<String>,
    note: Option<String>,
    waived: Option<String>,
    next_step: Option<String>,
    /// Where the duty is done or its subject is seen: the address and its link's text.
    act: Option<(String, &'static str)>,
}

/// Where an obligation is met or its subject seen: a CCN report's form (its period), a case, a
/// scheme (staff); none for a duty with no page of its own.
fn act_of(o: &Obligation, staff: bool) -> Option<(String, &'static str)> {
    let id = o.subject_id?;
    match o.subject_kind.as_deref()? {
        "cluster" => {
            let kind = match o.duty_code.as_str() {
                "ccn_half_year_report" => "half_year",
                "ccn_annual_report" => "annual",
                _ => return None,
            };
            let year = o.period.get(..4)?;
            // Staff see the cluster's reports in its province's list.
            let province = if staff {
                format!("&tinh={}", o.province_code)
            } else {
                String::new()
            };
            Some((
                format!("/ccn/bao-cao?ky={kind}&nam={year}&cum={id}{province}"),
                "duty.act.cluster_report",
            ))
        }
        "application" => Some((format!("/ho-so/{id}"), "duty.act.application")),
        "scheme" if staff => Some((format!("/de-an/{id}"), "duty.act.scheme")),
        _ => None,
    }
}

pub async fn one(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let here = format!("/nghia-vu/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, crate::api::Problem::NotFound);
    };
    let o: Obligation = match state
        .api
        .get(
            "notifications",
            &format!("/api/v1/obligations/{id}"),
            &token,
        )
        .await
    {
        Ok(o) => o,
        Err(p) => return problem(v, &here, p),
    };
    let c = Chrome::new(&v, &here);
    let recipient = c.t.get(level_key(o.recipient));
    let page = DutyPage {
        row: Row::of(&o, &c),
        recipient: recipient.to_owned(),
        period: o.period.clone(),
        window: o.data_window.clone(),
        base_due: format_date_vn(o.base_due),
        legal_basis: o.legal_basis.clone(),
        fulfilled_at: o.fulfilled_at.map(moment),
        note: o.fulfilment_note.clone(),
        waived: o.waived_reason.clone(),
        next_step: o.next_step_on.map(format_date_vn),
        act: act_of(&o, c.staff()),
        c,
    };
    v.respond(page)
}
