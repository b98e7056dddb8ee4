//! `/`: for a visitor, what the system is and whether each service answers; for a signed-in user,
//! what is to do: the duties overdue and due soonest, and the unread notifications.

use super::duties::{Obligation, Row};
use super::{Chrome, problem};
use crate::PortalState;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use kc_http::Paged;
use serde::Deserialize;

/// One row of the status table.
pub struct ServiceStatus {
    pub name: &'static str,
    pub label: &'static str,
    pub url: String,
    pub ready: bool,
}

/// `templates/home.html`.
#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub c: Chrome,
    pub services: Vec<ServiceStatus>,
    pub todo: Option<Todo>,
}

/// A signed-in user's to-do.
pub struct Todo {
    pub open: i64,
    pub overdue: i64,
    pub unread: i64,
    /// Overdue first, then the soonest due (five at most).
    pub soonest: Vec<Row>,
}

#[derive(Deserialize)]
struct Unread {
    unread: i64,
}

/// Whether each service answers, asked of all at once (a page waits for the slowest, 2 s at most).
pub async fn statuses(state: &PortalState) -> Vec<ServiceStatus> {
    let checks = state
        .api
        .services
        .iter()
        .map(|(name, label, url)| async move {
            ServiceStatus {
                name,
                label,
                url: url.clone(),
                ready: state.api.ready(name).await,
            }
        });
    futures_util::future::join_all(checks).await
}

pub async fn home(State(state): State<PortalState>, v: Visitor) -> Response {
    let Some(token) = v.token().map(str::to_owned) else {
        let page = HomePage {
            c: Chrome::new(&v, "/"),
            services: statuses(&state).await,
            todo: None,
        };
        return v.respond(page);
    };
    let api = &state.api;
    let (overdue, open, unread) = tokio::join!(
        api.get::<Paged<Obligation>>(
            "notifications",
            "/api/v1/obligations?state=overdue&per_page=5",
            &token
        ),
        api.get::<Paged<Obligation>>(
            "notifications",
            "/api/v1/obligations?state=open&per_page=5",
            &token
        ),
        api.get::<Unread>(
            "notifications",
            "/api/v1/notifications/unread-count",
            &token
        ),
    );
    let (overdue, open, unread) = match (overdue, open, unread) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(p), ..) | (_, Err(p), _) | (.., Err(p)) => return problem(v, "/", p),
    };
    let c = Chrome::new(&v, "/");
    let soonest = overdue
        .items
        .iter()
        .chain(&open.items)
        .take(5)
        .map(|o| Row::of(o, &c))
        .collect();
    let page = HomePage {
        todo: Some(Todo {
            open: open.total,
            overdue: overdue.total,
            unread: unread.unread,
            soonest,
        }),
        services: Vec::new(),
        c,
    };
    v.respond(page)
}
