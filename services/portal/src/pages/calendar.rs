//! `/lich`: the visitor's private calendar address: make one (shown once), replace it, revoke it.

use super::{Chrome, NoFields, Posted, SignedIn, moment, problem};
use crate::PortalState;
use crate::api::Problem;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::{Redirect, Response};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

/// A new feed, as the notifications service answers it.
#[derive(Debug, Deserialize)]
struct NewFeed {
    path: String,
    created_at: DateTime<Utc>,
}

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

pub async fn page(State(state): State<PortalState>, SignedIn { v, token }: SignedIn) -> Response {
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
    headers: HeaderMap,
    p: Posted<NoFields>,
) -> Result<Response, Response> {
    let SignedIn { v, token } = SignedIn::of(p.v, HERE)?;
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
        .and_then(|m| serde_json::from_value::<NewFeed>(m).map_err(|_| Problem::Down))
    {
        Ok(m) => m,
        Err(p) => return Err(problem(v, HERE, p)),
    };
    let file = made.path.rsplit('/').next().unwrap_or_default();
    let url = format!("{}{HERE}/{file}", kc_http::request_origin(&headers));
    let page = CalendarPage {
        c: Chrome::new(&v, HERE),
        feed: Some((moment(made.created_at), None)),
        url: Some(url),
    };
    Ok(v.respond(page))
}

pub async fn revoke(
    State(state): State<PortalState>,
    p: Posted<NoFields>,
) -> Result<Response, Response> {
    let SignedIn { v, token } = SignedIn::of(p.v, HERE)?;
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
        Ok(_) | Err(Problem::NotFound) => Ok(v.respond(Redirect::to(HERE))),
        Err(p) => Err(problem(v, HERE, p)),
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
