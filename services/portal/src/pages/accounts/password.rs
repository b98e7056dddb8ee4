//! A forgotten password: `/quen-mat-khau` asks identity to e-mail a link (the answer is the same for
//! every address); the link leads to `/dat-lai-mat-khau?token=…`, where the new password is set.
//! Every session of the account ends with it.

use super::{FormPage, explain};
use crate::PortalState;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, problem};
use crate::session::Visitor;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

const FORGOT: &str = "/quen-mat-khau";
const RESET: &str = "/dat-lai-mat-khau";

#[derive(Debug, Default, Deserialize)]
pub struct Forgot {
    #[serde(default)]
    email: String,
}

fn forgot_page(v: &Visitor, email: &str) -> FormPage {
    let t = v.texts();
    let mut p = FormPage::new(
        Chrome::new(v, FORGOT),
        t.get("pw.forgot.title"),
        FORGOT,
        t.get("pw.forgot.submit"),
    );
    p.intro = Some(t.get("pw.forgot.intro"));
    p.inputs = vec![Input::new("email", t.get("login.email"), "email", email)];
    p.links = vec![("/dang-nhap".into(), t.get("reg.to_login"))];
    p
}

pub async fn forgot_form(v: Visitor) -> Response {
    let p = forgot_page(&v, "");
    v.respond(p)
}

pub async fn forgot(State(state): State<PortalState>, p: Posted<Forgot>) -> Response {
    let (v, f) = (p.v, p.form);
    let t = v.texts();
    let body = json!({"email": f.email.trim()});
    let sent = state
        .api
        .send(
            Method::POST,
            "identity",
            "/api/v1/auth/password-reset",
            None,
            Some(&body),
        )
        .await;
    match sent {
        Ok(_) => {
            let mut page = forgot_page(&v, "");
            page.inputs.clear();
            page.notice = Some(t.get("pw.forgot.sent").to_owned());
            v.respond((StatusCode::ACCEPTED, page))
        }
        Err(p) => match explain(&t, p) {
            Ok(r) => {
                let page = forgot_page(&v, &f.email).refused(&r);
                v.respond((r.status, page))
            }
            Err(p) => problem(v, FORGOT, p),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Link {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

fn reset_page(v: &Visitor, token: &str) -> FormPage {
    let t = v.texts();
    let mut p = FormPage::new(
        Chrome::new(v, RESET),
        t.get("pw.reset.title"),
        RESET,
        t.get("pw.reset.submit"),
    );
    p.hidden = vec![("token", token.to_owned())];
    p.inputs = vec![
        Input::new("new_password", t.get("pw.new"), "password", "")
            .hint(t.get("reg.hint.password")),
        Input::new(
            "new_password_again",
            t.get("reg.password_again"),
            "password",
            "",
        ),
    ];
    p.links = vec![(FORGOT.into(), t.get("pw.ask_again"))];
    p
}

pub async fn reset_form(v: Visitor, Query(q): Query<Link>) -> Response {
    let p = reset_page(&v, &q.token);
    v.respond(p)
}

pub async fn reset(State(state): State<PortalState>, p: Posted<NewPassword>) -> Response {
    let (v, f) = (p.v, p.form);
    let t = v.texts();
    if f.new_password != f.new_password_again {
        let fields = BTreeMap::from([(
            "new_password_again".to_owned(),
            t.get("reg.mismatch").to_owned(),
        )]);
        let page = reset_page(&v, &f.token).refused_with(t.get("form.fix").into(), &fields);
        return v.respond((StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    let body = json!({"token": f.token, "new_password": f.new_password});
    let sent = state
        .api
        .send(
            Method::POST,
            "identity",
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(&body),
        )
        .await;
    match sent {
        Ok(_) => {
            let mut page = reset_page(&v, "");
            page.inputs.clear();
            page.notice = Some(t.get("pw.reset.done").to_owned());
            page.links = vec![("/dang-nhap".into(), t.get("reg.to_login"))];
            v.respond(page)
        }
        Err(p) => match explain(&t, p) {
            Ok(r) => {
                let page = reset_page(&v, &f.token).refused(&r);
                v.respond((r.status, page))
            }
            Err(p) => problem(v, RESET, p),
        },
    }
}
