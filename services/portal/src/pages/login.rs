//! Signing in and out (through identity), and the language switch.

use super::{Chrome, NoFields, Posted, problem};
use crate::PortalState;
use crate::api::Problem;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
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

/// Where to go after signing in: a path of this portal only (never another site): it starts with one
/// `/`, and holds no backslash, space or control character (browsers drop tabs and newlines, which
/// would turn `/\t/evil.example` into `//evil.example`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_owned()
        }
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
}

pub async fn submit(State(state): State<PortalState>, p: Posted<LoginForm>) -> Response {
    let (mut v, f) = (p.v, p.form);
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

/// Sign out: identity revokes the login, the cookies go.
pub async fn logout(State(state): State<PortalState>, p: Posted<NoFields>) -> Response {
    let mut v = p.v;
    if let Some(r) = v.refresh_token() {
        state.api.logout(r).await;
    }
    v.forget_tokens();
    v.respond(Redirect::to("/"))
}

#[derive(Debug, Deserialize)]
pub struct Back {
    #[serde(default)]
    back: Option<String>,
}

/// Switch to the other language and come back.
pub async fn switch_lang(p: Posted<Back>) -> Response {
    let mut v = p.v;
    let other = v.lang.other();
    v.set_lang(other);
    v.respond(Redirect::to(&safe_next(p.form.back.as_deref())))
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
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
