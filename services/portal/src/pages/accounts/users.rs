//! `/nguoi-dung`: for an administrator (the ministry's: everyone; a department's: its province),
//! the organisations of the scope, searchable, and for the one chosen its users: add one, change
//! their permissions, lock or unlock an account or the whole organisation. Identity decides what
//! is allowed (another province's organisation is not found).

use super::{Organisation, User, account_status_key, explain, org_kind_key, permission_key};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use kc_http::Paged;
use kc_kernel::{AccountStatus, OrgKind, Permission};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

const HERE: &str = "/nguoi-dung";

/// `templates/users.html`.
#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    q: String,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    orgs: Vec<Organisation>,
    total: i64,
    page: u64,
    pages: u64,
    /// The organisation chosen, and its users.
    org: Option<Organisation>,
    users: Vec<User>,
    perms: Vec<(Permission, &'static str)>,
    /// The form that adds a user, with what was typed.
    new_user: Vec<Input>,
    new_perms: Vec<Permission>,
    notice: Option<&'static str>,
    /// A refusal: what it was about (`new`, a user's id, `org`), and the message.
    refused: Option<(String, String)>,
}

impl UsersPage {
    fn kind_label(&self, o: &Organisation) -> &'static str {
        self.c.t.get(org_kind_key(o.kind))
    }

    fn status_label(&self, s: &AccountStatus) -> &'static str {
        self.c.t.get(account_status_key(*s))
    }

    fn active(&self, s: &AccountStatus) -> bool {
        *s == AccountStatus::Active
    }

    fn refusal(&self, about: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|(a, _)| a == about)
            .map(|(_, m)| m.as_str())
    }

    fn user_key(&self, u: &User) -> String {
        u.id.to_string()
    }
}

fn back_to(q: &str, kind: &str, org: Option<Uuid>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        s.append_pair("q", q);
    }
    if !kind.is_empty() {
        s.append_pair("kind", kind);
    }
    if let Some(o) = org {
        s.append_pair("org", &o.to_string());
    }
    format!("{HERE}?{}", s.finish())
}

#[derive(Debug, Default, Deserialize)]
pub struct Listed {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    org: Option<Uuid>,
    #[serde(default)]
    page: Option<u64>,
    /// What was just done: `added`, `saved`.
    #[serde(default)]
    done: Option<String>,
}

/// The permissions as posted: one box each.
#[derive(Debug, Default, Deserialize)]
pub struct Perms {
    #[serde(default)]
    perm_officer: Option<String>,
    #[serde(default)]
    perm_approver: Option<String>,
    #[serde(default)]
    perm_viewer: Option<String>,
    #[serde(default)]
    perm_admin: Option<String>,
}

impl Perms {
    fn list(&self) -> Vec<Permission> {
        [
            (&self.perm_officer, Permission::Officer),
            (&self.perm_approver, Permission::Approver),
            (&self.perm_viewer, Permission::Viewer),
            (&self.perm_admin, Permission::Admin),
        ]
        .into_iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, p)| p)
        .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewUser {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    organisation_id: Option<Uuid>,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    perms: Perms,
}

fn new_user_inputs(v: &Visitor, f: &NewUser, fields: &BTreeMap<String, String>) -> Vec<Input> {
    let t = v.texts();
    [
        Input::new("full_name", t.get("reg.full_name"), "text", &f.full_name),
        Input::new("email", t.get("reg.email"), "email", &f.email),
        Input::new("phone", t.get("reg.phone"), "tel", &f.phone),
        Input::new("password", t.get("users.first_password"), "password", "")
            .hint(t.get("users.hint.password")),
    ]
    .into_iter()
    .map(|i| i.error_from(fields))
    .collect()
}

/// What the page holds besides the search: a refusal to show, the add form as typed.
#[derive(Default)]
struct Again {
    status: Option<StatusCode>,
    refused: Option<(String, String)>,
    new_user: Option<NewUser>,
    fields: BTreeMap<String, String>,
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    q: &Listed,
    again: Again,
) -> Response {
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let path = {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("page", &page.to_string());
        s.append_pair("per_page", "20");
        if !q.q.trim().is_empty() {
            s.append_pair("q", q.q.trim());
        }
        if let Ok(k) = q.kind.parse::<OrgKind>() {
            s.append_pair("kind", k.as_str());
        }
        format!("/api/v1/organisations?{}", s.finish())
    };
    let api = &state.api;
    let orgs = api.get::<Paged<Organisation>>("identity", &path, token);
    let chosen = async {
        match q.org {
            Some(id) => {
                let (org_path, users_path) = (
                    format!("/api/v1/organisations/{id}"),
                    format!("/api/v1/users?organisation_id={id}&per_page=200"),
                );
                let (org, users) = tokio::join!(
                    api.get::<Organisation>("identity", &org_path, token),
                    api.get::<Paged<User>>("identity", &users_path, token)
                );
                Ok::<_, Problem>(Some((org?, users?.items)))
            }
            None => Ok(None),
        }
    };
    let (orgs, chosen) = tokio::join!(orgs, chosen);
    let (orgs, chosen) = match (orgs, chosen) {
        (Ok(o), Ok(c)) => (o, c),
        (Err(p), _) | (_, Err(p)) => return problem(v, HERE, p),
    };
    let t = v.texts();
    let (org, users) = chosen.map_or((None, Vec::new()), |(o, u)| (Some(o), u));
    let typed = again.new_user.unwrap_or_default();
    let p = UsersPage {
        q: q.q.clone(),
        kind: q
            .kind
            .parse::<OrgKind>()
            .map_or(String::new(), |k| k.as_str().to_owned()),
        kinds: OrgKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.get(org_kind_key(*k))))
            .collect(),
        pages: orgs.pages(),
        total: orgs.total,
        page,
        orgs: orgs.items,
        perms: Permission::ALL
            .iter()
            .map(|p| (*p, t.get(permission_key(*p))))
            .collect(),
        new_user: new_user_inputs(&v, &typed, &again.fields),
        new_perms: if again.refused.is_some() {
            typed.perms.list()
        } else {
            vec![Permission::Officer]
        },
        org,
        users,
        notice: match q.done.as_deref() {
            Some("added") => Some(t.get("users.added")),
            Some("saved") => Some(t.get("users.saved")),
            _ => None,
        },
        refused: again.refused,
        c: Chrome::new(&v, HERE),
    };
    v.respond((again.status.unwrap_or(StatusCode::OK), p))
}

pub async fn list(
    State(state): State<PortalState>,
    s: SignedIn,
    Query(q): Query<Listed>,
) -> Response {
    // The page is an administrator's (identity lets any staff read the organisations, and refuses
    // every change but an administrator's).
    if !Chrome::new(&s.v, HERE).admin() {
        return problem(s.v, HERE, Problem::Forbidden);
    }
    render(&state, s.v, &s.token, &q, Again::default()).await
}

/// After a refusal: the page again, the refusal beside what it was about.
async fn refused(
    state: &PortalState,
    v: Visitor,
    token: &str,
    q: Listed,
    about: String,
    p: Problem,
    new_user: Option<NewUser>,
) -> Response {
    match explain(&v.texts(), p) {
        Ok(r) => {
            let again = Again {
                status: Some(r.status),
                refused: Some((about, r.message)),
                new_user,
                fields: r.fields,
            };
            render(state, v, token, &q, again).await
        }
        Err(p) => problem(v, HERE, p),
    }
}

/// One change sent to identity: back to the page, saying it was done, or the page again with the
/// refusal beside what it was about (`about`) and what was typed.
#[allow(clippy::too_many_arguments)]
async fn apply(
    state: &PortalState,
    v: Visitor,
    token: &str,
    (method, path, body): (Method, String, serde_json::Value),
    back: Listed,
    about: String,
    done: &str,
    typed: Option<NewUser>,
) -> Response {
    match state
        .api
        .send(method, "identity", &path, Some(token), Some(&body))
        .await
    {
        Ok(_) => {
            let to = format!("{}&done={done}", back_to(&back.q, &back.kind, back.org));
            v.respond(Redirect::to(&to))
        }
        Err(p) => refused(state, v, token, back, about, p, typed).await,
    }
}

/// The page to come back to after a change.
fn back(q: &str, kind: &str, org: Option<Uuid>) -> Listed {
    Listed {
        q: q.to_owned(),
        kind: kind.to_owned(),
        org,
        ..Listed::default()
    }
}

pub async fn add(State(state): State<PortalState>, p: Posted<NewUser>) -> Response {
    let Some(token) = p.v.token().map(str::to_owned) else {
        return p.v.to_login(HERE);
    };
    let (v, f) = (p.v, p.form);
    let Some(org) = f.organisation_id else {
        return problem(v, HERE, Problem::NotFound);
    };
    let phone = f.phone.trim();
    let body = json!({
        "organisation_id": org,
        "email": f.email.trim(),
        "full_name": f.full_name,
        "phone": (!phone.is_empty()).then_some(phone),
        "permissions": f.perms.list(),
        "password": f.password,
    });
    let call = (Method::POST, "/api/v1/users".to_owned(), body);
    let to = back(&f.q, &f.kind, Some(org));
    apply(&state, v, &token, call, to, "new".into(), "added", Some(f)).await
}

#[derive(Debug, Default, Deserialize)]
pub struct Change {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    organisation_id: Option<Uuid>,
    /// `active` or `disabled`.
    #[serde(default)]
    status: String,
    #[serde(flatten)]
    perms: Perms,
}

/// Save a user's permissions and status.
pub async fn change(
    State(state): State<PortalState>,
    Path(id): Path<Uuid>,
    p: Posted<Change>,
) -> Response {
    let Some(token) = p.v.token().map(str::to_owned) else {
        return p.v.to_login(HERE);
    };
    let (v, f) = (p.v, p.form);
    let body = json!({"permissions": f.perms.list(), "status": f.status});
    let call = (Method::PATCH, format!("/api/v1/users/{id}"), body);
    let to = back(&f.q, &f.kind, f.organisation_id);
    apply(&state, v, &token, call, to, id.to_string(), "saved", None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct OrgStatus {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    /// `active` or `disabled`.
    #[serde(default)]
    status: String,
}

/// Lock or unlock an organisation (locking ends its users' sessions).
pub async fn org_status(
    State(state): State<PortalState>,
    Path(id): Path<Uuid>,
    p: Posted<OrgStatus>,
) -> Response {
    let Some(token) = p.v.token().map(str::to_owned) else {
        return p.v.to_login(HERE);
    };
    let (v, f) = (p.v, p.form);
    let body = json!({"status": f.status});
    let call = (Method::PATCH, format!("/api/v1/organisations/{id}"), body);
    let to = back(&f.q, &f.kind, Some(id));
    apply(&state, v, &token, call, to, "org".into(), "saved", None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boxes_ticked_are_the_permissions() {
        let p = Perms {
            perm_officer: Some("1".into()),
            perm_admin: Some("1".into()),
            ..Perms::default()
        };
        assert_eq!(p.list(), vec![Permission::Officer, Permission::Admin]);
        assert!(Perms::default().list().is_empty());
    }

    #[test]
    fn the_way_back_keeps_the_search() {
        let id = Uuid::nil();
        assert_eq!(
            back_to("mây tre", "centre", Some(id)),
            format!("/nguoi-dung?q=m%C3%A2y+tre&kind=centre&org={id}")
        );
        assert_eq!(back_to("", "", None), "/nguoi-dung?");
    }
}
