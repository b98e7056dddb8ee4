//! `/tai-khoan`: the visitor's own account: who they are, for which organisation, their name and
//! phone (which they may change), and their password (changed by giving the current one; every
//! session ends, and the portal signs this one in again with the new password).

use super::{
    Organisation, User, account_status_key, enterprise_kind_key, explain, org_kind_key,
    permission_key,
};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, moment, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

const HERE: &str = "/tai-khoan";

#[derive(Debug, Deserialize)]
struct Me {
    user: User,
    organisation: Organisation,
}

/// `templates/profile.html`.
#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    c: Chrome,
    user: User,
    org: Organisation,
    /// The organisation's facts: label, value.
    facts: Vec<(&'static str, String)>,
    permissions: Vec<&'static str>,
    notice: Option<&'static str>,
    details: Vec<Input>,
    details_error: Option<String>,
    password: Vec<Input>,
    password_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    /// What was just done: `da-luu` (saved), `mat-khau` (password changed).
    #[serde(default)]
    done: Option<String>,
}

async fn me(state: &PortalState, token: &str) -> Result<Me, Problem> {
    state.api.get("identity", "/api/v1/me", token).await
}

fn page(v: &Visitor, me: Me, done: Option<&str>) -> ProfilePage {
    let t = v.texts();
    let org = me.organisation;
    let mut facts = vec![(
        t.get("acct.org_kind"),
        t.get(org_kind_key(org.kind)).to_owned(),
    )];
    if let Some(p) = &org.province_name {
        facts.push((t.get("reg.province"), p.clone()));
    }
    if let Some(code) = &org.tax_code {
        facts.push((t.get("reg.tax_code"), code.clone()));
    }
    if let Some(k) = org.enterprise_kind {
        facts.push((t.get("reg.kind"), t.get(enterprise_kind_key(k)).to_owned()));
    }
    for (label, value) in [
        (t.get("reg.commune"), &org.commune),
        (t.get("reg.address"), &org.address),
    ] {
        if let Some(value) = value {
            facts.push((label, value.clone()));
        }
    }
    facts.push((
        t.get("acct.status"),
        t.get(account_status_key(org.status)).to_owned(),
    ));
    facts.push((t.get("acct.since"), moment(org.created_at)));
    ProfilePage {
        c: Chrome::new(v, HERE),
        permissions: me
            .user
            .permissions
            .iter()
            .map(|p| t.get(permission_key(*p)))
            .collect(),
        details: vec![
            Input::new(
                "full_name",
                t.get("reg.full_name"),
                "text",
                &me.user.full_name,
            ),
            Input::new(
                "phone",
                t.get("reg.phone"),
                "tel",
                me.user.phone.as_deref().unwrap_or(""),
            ),
        ],
        details_error: None,
        password: vec![
            Input::new(
                "current_password",
                t.get("pw.current"),
                "current-password",
                "",
            ),
            Input::new("new_password", t.get("pw.new"), "password", "")
                .hint(t.get("reg.hint.password")),
            Input::new(
                "new_password_again",
                t.get("reg.password_again"),
                "password",
                "",
            ),
        ],
        password_error: None,
        notice: match done {
            Some("da-luu") => Some(t.get("acct.saved")),
            Some("mat-khau") => Some(t.get("acct.password_changed")),
            _ => None,
        },
        user: me.user,
        org,
        facts,
    }
}

pub async fn show(
    State(state): State<PortalState>,
    s: SignedIn,
    Query(q): Query<Shown>,
) -> Response {
    match me(&state, &s.token).await {
        Ok(me) => {
            let p = page(&s.v, me, q.done.as_deref());
            s.v.respond(p)
        }
        Err(p) => problem(s.v, HERE, p),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Details {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    phone: String,
}

/// The page again, with what was typed and why it was refused.
async fn again(
    state: &PortalState,
    v: Visitor,
    token: &str,
    status: StatusCode,
    fill: impl FnOnce(&mut ProfilePage),
) -> Response {
    match me(state, token).await {
        Ok(me) => {
            let mut p = page(&v, me, None);
            fill(&mut p);
            v.respond((status, p))
        }
        Err(p) => problem(v, HERE, p),
    }
}

/// Mark each input with its refusal.
fn mark(inputs: &mut [Input], fields: &BTreeMap<String, String>) {
    for i in inputs {
        i.error = fields.get(i.name).cloned();
    }
}

pub async fn save(State(state): State<PortalState>, p: Posted<Details>) -> Response {
    let Some(token) = p.v.token().map(str::to_owned) else {
        return p.v.to_login(HERE);
    };
    let (v, f) = (p.v, p.form);
    let phone = f.phone.trim();
    let body = json!({"full_name": f.full_name, "phone": (!phone.is_empty()).then_some(phone)});
    let sent = state
        .api
        .send(
            Method::PATCH,
            "identity",
            "/api/v1/me",
            Some(&token),
            Some(&body),
        )
        .await;
    match sent {
        Ok(_) => v.respond(Redirect::to("/tai-khoan?done=da-luu")),
        Err(problem_) => match explain(&v.texts(), problem_) {
            Ok(r) => {
                again(&state, v, &token, r.status, |p| {
                    p.details[0].value = f.full_name.clone();
                    p.details[1].value = f.phone.clone();
                    mark(&mut p.details, &r.fields);
                    p.details_error = Some(r.message.clone());
                })
                .await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

pub async fn change_password(
    State(state): State<PortalState>,
    p: Posted<PasswordChange>,
) -> Response {
    let Some(token) = p.v.token().map(str::to_owned) else {
        return p.v.to_login(HERE);
    };
    let (mut v, f) = (p.v, p.form);
    let t = v.texts();
    if f.new_password != f.new_password_again {
        let fields = BTreeMap::from([(
            "new_password_again".to_owned(),
            t.get("reg.mismatch").to_owned(),
        )]);
        return again(&state, v, &token, StatusCode::UNPROCESSABLE_ENTITY, |p| {
            mark(&mut p.password, &fields);
            p.password_error = Some(t.get("form.fix").into());
        })
        .await;
    }
    // The address to sign in with again, read before the change ends this session.
    let email = match me(&state, &token).await {
        Ok(me) => me.user.email,
        Err(p) => return problem(v, HERE, p),
    };
    let body = json!({"current_password": f.current_password, "new_password": f.new_password});
    let sent = state
        .api
        .send(
            Method::POST,
            "identity",
            "/api/v1/me/password",
            Some(&token),
            Some(&body),
        )
        .await;
    match sent {
        Ok(_) => match state.api.login(&email, &f.new_password).await {
            Ok(pair) => {
                v.keep_tokens(&pair);
                v.respond(Redirect::to("/tai-khoan?done=mat-khau"))
            }
            // Changed, but not signed in again: sign in with the new password.
            Err(_) => {
                v.forget_tokens();
                v.to_login(HERE)
            }
        },
        Err(problem_) => match explain(&t, problem_) {
            Ok(r) => {
                again(&state, v, &token, r.status, |p| {
                    mark(&mut p.password, &r.fields);
                    p.password_error = Some(r.message.clone());
                })
                .await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}
