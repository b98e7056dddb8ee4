//! `/nghia-vu`: the duties and time limits the visitor sees (their organisation's, or their
//! province's, or the nation's), with a filter by state; `/nghia-vu/{id}`: one of them, the page every
//! reminder e-mail links to.

use super::{Chrome, day, moment, must_sign_in, problem, state_key};
use crate::PortalState;
use crate::api::Paged;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

/// An obligation, as the notifications service answers it (the fields the pages show).
#[derive(Debug, Clone, Deserialize)]
pub struct Obligation {
    pub id: Uuid,
    pub duty_title: String,
    pub recipient: String,
    pub legal_basis: String,
    pub data_window: String,
    pub province_code: String,
    pub organisation_name: Option<String>,
    pub subject_label: Option<String>,
    pub period: String,
    pub base_due: NaiveDate,
    pub due_date: NaiveDate,
    pub state: String,
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
    pub state: String,
    pub state_label: &'static str,
    pub late: bool,
}

impl Row {
    pub fn of(o: &Obligation, c: &Chrome) -> Row {
        Row {
            id: o.id,
            duty: o.duty_title.clone(),
            subject: o.subject_label.clone().unwrap_or_default(),
            party: o.organisation_name.clone().unwrap_or_default(),
            province: o.province_code.clone(),
            due: day(o.due_date),
            due_iso: o.due_date.to_string(),
            state: o.state.clone(),
            state_label: c.t.get(state_key(&o.state)),
            late: o.late,
        }
    }
}

/// `templates/duties.html`.
#[derive(Template, WebTemplate)]
#[template(path = "duties.html")]
struct DutiesPage {
    c: Chrome,
    rows: Vec<Row>,
    /// The filter chosen ("" for all).
    state: String,
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

const STATES: [&str; 4] = ["open", "overdue", "fulfilled", "waived"];

pub async fn list(
    State(state): State<PortalState>,
    v: Visitor,
    Query(q): Query<ListQuery>,
) -> Response {
    let here = "/nghia-vu";
    if let Some(r) = must_sign_in(v.clone(), here) {
        return r;
    }
    let filter = q
        .state
        .as_deref()
        .filter(|s| STATES.contains(s))
        .unwrap_or("");
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut path = format!("/api/v1/obligations?per_page=50&page={page}");
    if !filter.is_empty() {
        path.push_str(&format!("&state={filter}"));
    }
    let token = v.token().unwrap_or_default().to_owned();
    let list: Paged<Obligation> = match state.api.get("notifications", &path, &token).await {
        Ok(l) => l,
        Err(p) => return problem(v, here, p),
    };
    let c = Chrome::new(&v, here);
    let page = DutiesPage {
        rows: list.items.iter().map(|o| Row::of(o, &c)).collect(),
        state: filter.to_owned(),
        states: STATES
            .iter()
            .map(|s| (*s, c.t.get(state_key(s)), *s == filter))
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
}

pub async fn one(State(state): State<PortalState>, v: Visitor, Path(id): Path<String>) -> Response {
    let here = format!("/nghia-vu/{id}");
    if let Some(r) = must_sign_in(v.clone(), &here) {
        return r;
    }
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, crate::api::Problem::NotFound);
    };
    let token = v.token().unwrap_or_default().to_owned();
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
    let recipient = match o.recipient.as_str() {
        "enterprise" => c.t.get("role.enterprise"),
        "centre" => c.t.get("role.centre"),
        "department" => c.t.get("role.province"),
        _ => c.t.get("role.ministry"),
    };
    let page = DutyPage {
        row: Row::of(&o, &c),
        recipient: recipient.to_owned(),
        period: o.period.clone(),
        window: o.data_window.clone(),
        base_due: day(o.base_due),
        legal_basis: o.legal_basis.clone(),
        fulfilled_at: o.fulfilled_at.map(moment),
        note: o.fulfilment_note.clone(),
        waived: o.waived_reason.clone(),
        next_step: o.next_step_on.map(day),
        c,
    };
    v.respond(page)
}
