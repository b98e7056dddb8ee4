//! `/thong-bao`: the visitor's own notifications, newest first, and "mark all as read".

use super::{Chrome, bad_csrf, day, moment, must_sign_in, problem};
use crate::PortalState;
use crate::api::Paged;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
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

pub async fn list(State(state): State<PortalState>, v: Visitor) -> Response {
    let here = "/thong-bao";
    if let Some(r) = must_sign_in(v.clone(), here) {
        return r;
    }
    let token = v.token().unwrap_or_default().to_owned();
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
        Err(p) => return problem(v, here, p),
    };
    let rows: Vec<NoticeRow> = list
        .items
        .into_iter()
        .map(|n| NoticeRow {
            title: n.title,
            body: n.body,
            due: n.due_date.map(day),
            at: moment(n.created_at),
            unread: n.read_at.is_none(),
            link: n.obligation_id.map(|id| format!("/nghia-vu/{id}")),
        })
        .collect();
    let page = NoticesPage {
        c: Chrome::new(&v, here),
        unread: rows.iter().filter(|r| r.unread).count(),
        rows,
    };
    v.respond(page)
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

pub async fn mark_all_read(
    State(state): State<PortalState>,
    v: Visitor,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let here = "/thong-bao";
    if let Some(r) = must_sign_in(v.clone(), here) {
        return r;
    }
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, here);
    }
    let token = v.token().unwrap_or_default().to_owned();
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
        Ok(_) => v.respond(Redirect::to(here)),
        Err(p) => problem(v, here, p),
    }
}
