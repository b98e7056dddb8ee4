//! `/lich`: the visitor's private calendar address: make one (shown once), replace it, revoke it.

use super::notices::CsrfOnly;
use super::{Chrome, bad_csrf, moment, must_sign_in, problem};
use crate::PortalState;
use crate::api::Problem;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
struct FeedInfo {
    created_at: DateTime<Utc>,
    last_read_at: Option<DateTime<Utc>>,
}

/// `templates/calendar.html`.
#[derive(Template, WebTemplate)]
#[template(path = "calendar.html")]
struct CalendarPage {
    c: Chrome,
    /// When the visitor has an address: when it was made, when a calendar last read it.
    feed: Option<(String, Option<String>)>,
    /// The address just made (shown this once).
    url: Option<String>,
}

const HERE: &str = "/lich";

pub async fn page(State(state): State<PortalState>, v: Visitor) -> Response {
    if let Some(r) = must_sign_in(v.clone(), HERE) {
        return r;
    }
    let token = v.token().unwrap_or_default().to_owned();
    let feed = match state
        .api
        .get::<FeedInfo>("notifications", "/api/v1/calendar-feed", &token)
        .await
    {
        Ok(f) => Some((moment(f.created_at), f.last_read_at.map(moment))),
        Err(Problem::NotFound) => None,
        Err(p) => return problem(v, HERE, p),
    };
    let page = CalendarPage {
        c: Chrome::new(&v, HERE),
        feed,
        url: None,
    };
    v.respond(page)
}

/// Make (or replace) the address, and show it once: the portal's own `/lich/<secret>.ics`, which it
/// passes to the notifications service's feed, so a calendar application needs the portal only.
pub async fn make(
    State(state): State<PortalState>,
    v: Visitor,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Some(r) = must_sign_in(v.clone(), HERE) {
        return r;
    }
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, HERE);
    }
    let token = v.token().unwrap_or_default().to_owned();
    let made = match state
        .api
        .send(
            Method::POST,
            "notifications",
            "/api/v1/calendar-feed",
            Some(&token),
            Some(&json!({})),
        )
        .await
    {
        Ok(m) => m,
        Err(p) => return problem(v, HERE, p),
    };
    let file = made["path"]
        .as_str()
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or_default();
    let url = format!("{}{HERE}/{file}", kc_http::request_origin(&headers));
    let page = CalendarPage {
        c: Chrome::new(&v, HERE),
        feed: made["created_at"]
            .as_str()
            .and_then(|s| s.parse::<DateTime<Utc>>().ok())
            .map(|at| (moment(at), None)),
        url: Some(url),
    };
    v.respond(page)
}

pub async fn revoke(
    State(state): State<PortalState>,
    v: Visitor,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Some(r) = must_sign_in(v.clone(), HERE) {
        return r;
    }
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, HERE);
    }
    let token = v.token().unwrap_or_default().to_owned();
    match state
        .api
        .send(
            Method::DELETE,
            "notifications",
            "/api/v1/calendar-feed",
            Some(&token),
            None,
        )
        .await
    {
        Ok(_) | Err(Problem::NotFound) => v.respond(Redirect::to(HERE)),
        Err(p) => problem(v, HERE, p),
    }
}

/// A calendar application reading the address: the notifications service's feed, passed through
/// (no token: the secret in the address is the key). 404 for an unknown or revoked one.
pub async fn feed(State(state): State<PortalState>, Path(file): Path<String>) -> Response {
    let ok = file.len() <= 64
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state
        .api
        .get_text("notifications", &format!("/api/v1/calendar-feed/{file}"))
        .await
    {
        Ok(body) => {
            let mut r = body.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=900"),
            );
            r
        }
        Err(Problem::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
