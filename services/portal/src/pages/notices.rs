//! `/thong-bao`: the visitor's own notifications, newest first, and "mark all as read".

use super::{Chrome, NoFields, Posted, SignedIn, moment, problem};
use crate::PortalState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kc_http::Paged;
use kc_kernel::format_date_vn;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
struct Notice {
    obligation_id: Option<Uuid>,
    title: String,
    body: String,
    due_date: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

pub struct NoticeRow {
    pub title: String,
    pub body: String,
    pub due: Option<String>,
    pub at: String,
    pub unread: bool,
    pub link: Option<String>,
}

/// `templates/notices.html`.
#[derive(Template, WebTemplate)]
#[template(path = "notices.html")]
struct NoticesPage {
    c: Chrome,
    rows: Vec<NoticeRow>,
    unread: usize,
}

const HERE: &str = "/thong-bao";

pub async fn list(State(state): State<PortalState>, SignedIn { v, token }: SignedIn) -> Response {
    let list: Paged<Notice> = match state
        .api
        .get(
            "notifications",
            "/api/v1/notifications?per_page=100",
            &token,
        )
        .await
    {
        Ok(l) => l,
        Err(p) => return problem(v, HERE, p),
    };
    let rows: Vec<NoticeRow> = list
        .items
        .into_iter()
        .map(|n| NoticeRow {
            title: n.title,
            body: n.body,
            due: n.due_date.map(format_date_vn),
            at: moment(n.created_at),
            unread: n.read_at.is_none(),
            link: n.obligation_id.map(|id| format!("/nghia-vu/{id}")),
        })
        .collect();
    let page = NoticesPage {
        c: Chrome::new(&v, HERE),
        unread: rows.iter().filter(|r| r.unread).count(),
        rows,
    };
    v.respond(page)
}

pub async fn mark_all_read(
    State(state): State<PortalState>,
    p: Posted<NoFields>,
) -> Result<Response, Response> {
    let SignedIn { v, token } = SignedIn::of(p.v, HERE)?;
    match state
        .api
        .send(
            Method::POST,
            "notifications",
            "/api/v1/notifications/read",
            Some(&token),
            Some(&json!({})),
        )
        .await
    {
        Ok(_) => Ok(v.respond(Redirect::to(HERE))),
        Err(p) => Err(problem(v, HERE, p)),
    }
}
