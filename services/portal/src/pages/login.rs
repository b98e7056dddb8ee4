//! Signing in and out (through identity), and the language switch.

use super::{Chrome, bad_csrf, problem};
use crate::PortalState;
use crate::api::Problem;
use crate::i18n::Lang;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use serde::Deserialize;

/// `templates/login.html`.
#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    email: String,
    next: String,
    /// Why the last attempt failed.
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

/// Where to go after signing in: a path of this portal only (never another site).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub async fn form(v: Visitor, Query(q): Query<Next>) -> Response {
    let page = LoginPage {
        c: Chrome::new(&v, "/dang-nhap"),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
    };
    v.respond(page)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
}

pub async fn submit(
    State(state): State<PortalState>,
    mut v: Visitor,
    Form(f): Form<LoginForm>,
) -> Response {
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, "/dang-nhap");
    }
    let next = safe_next(f.next.as_deref());
    let error = match state.api.login(f.email.trim(), &f.password).await {
        Ok(pair) => {
            v.keep_tokens(&pair);
            return v.respond(Redirect::to(&next));
        }
        Err(Problem::SignedOut) => v.texts().get("login.failed").to_owned(),
        Err(Problem::Rejected { message, .. }) if !message.is_empty() => message,
        Err(Problem::Rejected { .. }) => v.texts().get("login.failed").to_owned(),
        Err(p) => return problem(v, "/dang-nhap", p),
    };
    // What was typed stays (but the password).
    let page = LoginPage {
        c: Chrome::new(&v, "/dang-nhap"),
        email: f.email,
        next,
        error: Some(error),
    };
    v.respond((StatusCode::UNPROCESSABLE_ENTITY, page))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
    #[serde(default)]
    back: Option<String>,
}

/// Sign out: identity revokes the login, the cookies go.
pub async fn logout(
    State(state): State<PortalState>,
    mut v: Visitor,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, "/");
    }
    if let Some(r) = v.refresh_token() {
        state.api.logout(r).await;
    }
    v.forget_tokens();
    v.respond(Redirect::to("/"))
}

/// Switch to the other language and come back.
pub async fn switch_lang(mut v: Visitor, Form(f): Form<CsrfForm>) -> Response {
    let back = safe_next(f.back.as_deref());
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, &back);
    }
    let other: Lang = v.lang.other();
    v.set_lang(other);
    v.respond(Redirect::to(&back))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_signing_in_only_a_path_of_the_portal() {
        assert_eq!(
            safe_next(Some("/nghia-vu?state=open")),
            "/nghia-vu?state=open"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
