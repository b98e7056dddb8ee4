//! `/xac-minh`: the registrations of the province (the ministry: all), pending first. A centre
//! officer verifies one (its accounts can sign in) or rejects it with a reason (told to the
//! applicant by e-mail); a registration that claims a tax code another organisation holds says so.

use super::{Organisation, User, enterprise_kind_key, explain};
use crate::PortalState;
use crate::pages::{Chrome, Posted, SignedIn, moment, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use kc_http::Paged;
use kc_kernel::{AccountStatus, Permission, Role};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

const HERE: &str = "/xac-minh";

#[derive(Debug, Clone, Deserialize)]
pub struct Registration {
    pub organisation: Organisation,
    pub users: Vec<User>,
    #[serde(default)]
    pub tax_code_holder: Option<Organisation>,
}

/// `templates/registrations.html`.
#[derive(Template, WebTemplate)]
#[template(path = "registrations.html")]
struct RegistrationsPage {
    c: Chrome,
    /// pending, active or rejected.
    status: &'static str,
    items: Vec<Registration>,
    total: i64,
    page: u64,
    pages: u64,
    /// Whether the visitor may decide (a centre officer).
    decides: bool,
    notice: Option<&'static str>,
    /// A refused decision: the registration, the message, the reason as typed.
    refused: Option<(Uuid, String, String)>,
}

impl RegistrationsPage {
    fn kind(&self, r: &Registration) -> &'static str {
        r.organisation
            .enterprise_kind
            .map_or("", |k| self.c.t.get(enterprise_kind_key(k)))
    }

    fn since(&self, r: &Registration) -> String {
        moment(r.organisation.created_at)
    }

    fn refusal_of(&self, r: &Registration) -> Option<&(Uuid, String, String)> {
        self.refused
            .as_ref()
            .filter(|(id, ..)| *id == r.organisation.id)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Listed {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: Option<u64>,
    /// What was just done: `verified`, `rejected`.
    #[serde(default)]
    done: Option<String>,
}

fn status_of(s: Option<&str>) -> &'static str {
    match s {
        Some("active") => "active",
        Some("rejected") => "rejected",
        _ => "pending",
    }
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    q: &Listed,
    http: StatusCode,
    refused: Option<(Uuid, String, String)>,
) -> Response {
    let status = status_of(q.status.as_deref());
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let path = format!("/api/v1/registrations?status={status}&page={page}&per_page=20");
    let got: Paged<Registration> = match state.api.get("identity", &path, token).await {
        Ok(g) => g,
        Err(p) => return problem(v, HERE, p),
    };
    let t = v.texts();
    let decides = v.claims().is_some_and(|c| {
        c.role == Role::Centre && c.perms.iter().any(|p| *p != Permission::Viewer)
    });
    let p = RegistrationsPage {
        c: Chrome::new(&v, HERE),
        status,
        pages: got.pages(),
        total: got.total,
        page,
        items: got.items,
        decides,
        notice: match q.done.as_deref() {
            Some("verified") => Some(t.get("verify.done.verified")),
            Some("rejected") => Some(t.get("verify.done.rejected")),
            _ => None,
        },
        refused,
    };
    v.respond((http, p))
}

pub async fn list(
    State(state): State<PortalState>,
    s: SignedIn,
    Query(q): Query<Listed>,
) -> Response {
    render(&state, s.v, &s.token, &q, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct Decision {
    /// `verify` or `reject`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// The page of the list the decision was taken on (a refusal is shown there). Text: a form
    /// read through `Posted` (a flattened struct) takes no numbers.
    #[serde(default)]
    page: Option<String>,
}

pub async fn decide(
    State(state): State<PortalState>,
    Path(id): Path<Uuid>,
    p: Posted<Decision>,
) -> Response {
    let Some(token) = p.v.token().map(str::to_owned) else {
        return p.v.to_login(HERE);
    };
    let (v, f) = (p.v, p.form);
    let (path, body, done) = if f.decision == "reject" {
        (
            format!("/api/v1/registrations/{id}/reject"),
            Some(json!({"reason": f.reason})),
            "rejected",
        )
    } else {
        (
            format!("/api/v1/registrations/{id}/verify"),
            None,
            "verified",
        )
    };
    let sent = state
        .api
        .send(Method::POST, "identity", &path, Some(&token), body.as_ref())
        .await;
    match sent {
        Ok(_) => v.respond(Redirect::to(&format!("{HERE}?done={done}"))),
        Err(p) => match explain(&v.texts(), p) {
            Ok(r) => {
                let message = std::iter::once(r.message)
                    .chain(r.fields.into_values())
                    .collect::<Vec<_>>()
                    .join(" · ");
                let refused = Some((id, message, f.reason));
                let q = Listed {
                    status: Some(AccountStatus::Pending.as_str().into()),
                    page: f.page.and_then(|p| p.parse().ok()),
                    ..Listed::default()
                };
                render(&state, v, &token, &q, r.status, refused).await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}
