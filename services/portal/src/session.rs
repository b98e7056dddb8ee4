//! Who is visiting: the language, the CSRF token, and when signed in, the access and refresh tokens
//! identity issued, kept in cookies the page's scripts cannot read (HttpOnly, SameSite=Lax; Secure
//! outside development mode). The portal holds no data and no power of its own: every page calls the
//! services with the visitor's token.
//!
//! An expired access token is renewed with the refresh token when a page is asked for (identity
//! rotates the refresh token); a visitor whose refresh fails is signed out. Every form carries the
//! CSRF token that is also in its cookie, and a POST whose two do not match is refused.

use crate::PortalState;
use crate::api::Problem;
use crate::i18n::{Lang, Texts};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use kc_auth::Claims;
use serde::Deserialize;

pub const ACCESS: &str = "kc_at";
pub const REFRESH: &str = "kc_rt";
pub const CSRF: &str = "kc_csrf";
pub const LANG: &str = "kc_lang";

/// How long the refresh cookie lives (identity decides whether the token is still good).
const REFRESH_DAYS: i64 = 30;

/// The tokens identity answers a login or a refresh with.
#[derive(Debug, Deserialize)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

/// A visitor, signed in or not.
#[derive(Debug)]
pub struct Visitor {
    pub lang: Lang,
    pub csrf: String,
    /// The verified access token and its claims, when signed in.
    pub signed_in: Option<(String, Claims)>,
    refresh: Option<String>,
    /// Cookies to set with the response (a new CSRF token, renewed tokens, a sign-out).
    set: Vec<String>,
    secure: bool,
}

impl Visitor {
    pub fn texts(&self) -> Texts {
        Texts::new(self.lang)
    }

    pub fn token(&self) -> Option<&str> {
        self.signed_in.as_ref().map(|(t, _)| t.as_str())
    }

    pub fn claims(&self) -> Option<&Claims> {
        self.signed_in.as_ref().map(|(_, c)| c)
    }

    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh.as_deref()
    }

    /// Whether a form's CSRF token is this visitor's (compared in constant time).
    pub fn csrf_ok(&self, sent: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), sent.as_bytes());
        a.len() == b.len()
            && !a.is_empty()
            && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
    }

    fn cookie(&self, name: &str, value: &str, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
    }

    /// Keep a new pair of tokens (after a login or a refresh).
    pub fn keep_tokens(&mut self, pair: &TokenPair) {
        self.set
            .push(self.cookie(ACCESS, &pair.access_token, pair.expires_in.max(1)));
        self.set
            .push(self.cookie(REFRESH, &pair.refresh_token, REFRESH_DAYS * 24 * 3600));
        self.refresh = Some(pair.refresh_token.clone());
    }

    /// Forget the tokens (sign out).
    pub fn forget_tokens(&mut self) {
        self.set.push(self.cookie(ACCESS, "", 0));
        self.set.push(self.cookie(REFRESH, "", 0));
        self.signed_in = None;
        self.refresh = None;
    }

    /// Choose the language.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
        self.set
            .push(self.cookie(LANG, lang.code(), 365 * 24 * 3600));
    }

    /// A response with the cookies this visit changed.
    pub fn respond(self, page: impl IntoResponse) -> Response {
        let mut response = page.into_response();
        for c in &self.set {
            if let Ok(v) = HeaderValue::from_str(c) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        response
    }

    /// Send a visitor who is not signed in to the login page, back here afterwards.
    pub fn to_login(self, back_to: &str) -> Response {
        let next: String = form_urlencoded::byte_serialize(back_to.as_bytes()).collect();
        self.respond(Redirect::to(&format!("/dang-nhap?next={next}")))
    }
}

/// The value of cookie `name` in a request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<PortalState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let mut v = Visitor {
            lang: Lang::from_cookie(cookie(parts, LANG)),
            csrf: String::new(),
            signed_in: None,
            refresh: cookie(parts, REFRESH).map(str::to_owned),
            set: Vec::new(),
            secure: state.secure_cookies,
        };
        match cookie(parts, CSRF) {
            Some(c) => v.csrf = c.to_owned(),
            None => {
                v.csrf = kc_auth::random_secret();
                v.set.push(v.cookie(CSRF, &v.csrf.clone(), 7 * 24 * 3600));
            }
        }
        if let Some(token) = cookie(parts, ACCESS)
            && let Ok(claims) = state.verifier.verify(token).await
        {
            v.signed_in = Some((token.to_owned(), claims));
            return Ok(v);
        }
        // No access token, or an expired one: renew it with the refresh token, once. The visitor is
        // signed out only when identity says the refresh token is no longer good; a pair identity
        // issued is kept (the old token is spent) even if this request cannot use it.
        if let Some(refresh) = v.refresh.clone() {
            match state.api.refresh(&refresh).await {
                Ok(pair) => {
                    v.keep_tokens(&pair);
                    if let Ok(claims) = state.verifier.verify(&pair.access_token).await {
                        v.signed_in = Some((pair.access_token, claims));
                    }
                }
                Err(Problem::SignedOut | Problem::Rejected { .. }) => v.forget_tokens(),
                Err(_) => {}
            }
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visitor(csrf: &str) -> Visitor {
        Visitor {
            lang: Lang::Vi,
            csrf: csrf.into(),
            signed_in: None,
            refresh: None,
            set: Vec::new(),
            secure: true,
        }
    }

    #[test]
    fn a_form_must_carry_the_visitors_own_csrf_token() {
        let v = visitor("abc123");
        assert!(v.csrf_ok("abc123"));
        assert!(!v.csrf_ok("abc124"));
        assert!(!v.csrf_ok("abc12"));
        assert!(!visitor("").csrf_ok(""));
    }

    #[test]
    fn cookies_are_http_only_same_site_and_secure_outside_development() {
        let mut v = visitor("x");
        v.keep_tokens(&TokenPair {
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_in: 900,
        });
        assert_eq!(
            v.set[0],
            "kc_at=a; Path=/; HttpOnly; SameSite=Lax; Max-Age=900; Secure"
        );
        assert!(v.set[1].starts_with("kc_rt=r; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"));
        v.forget_tokens();
        assert!(v.set[2].starts_with("kc_at=; ") && v.set[2].contains("Max-Age=0"));
    }
}
