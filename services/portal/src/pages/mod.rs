//! The pages, one module per screen: each handler asks the services for what it shows (with the
//! visitor's token) and renders an askama template from `templates/`. [`Chrome`] is what every page's
//! frame needs (`base.html`: the language, the navigation, the sign-out form).

pub mod calendar;
pub mod duties;
pub mod home;
pub mod login;
pub mod notices;

use crate::api::Problem;
use crate::i18n::Texts;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kc_kernel::{Role, day_in_vietnam, format_date_vn, vietnam};

/// What the frame of every page shows.
pub struct Chrome {
    pub t: Texts,
    pub csrf: String,
    /// The visitor's role, when signed in (the menu depends on it).
    pub role: Option<Role>,
    /// The page's own address (the language switch comes back to it).
    pub here: String,
}

impl Chrome {
    pub fn new(v: &Visitor, here: &str) -> Chrome {
        Chrome {
            t: v.texts(),
            csrf: v.csrf.clone(),
            role: v.claims().map(|c| c.role),
            here: here.to_owned(),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.role.is_some()
    }

    /// The visitor's role, in the page's language.
    pub fn role_label(&self) -> &'static str {
        match self.role {
            Some(r) => self.t.get(role_key(r)),
            None => "",
        }
    }

    pub fn lang(&self) -> &'static str {
        self.t.lang.code()
    }

    pub fn other_lang(&self) -> &'static str {
        self.t.lang.other().code()
    }
}

fn role_key(r: Role) -> &'static str {
    match r {
        Role::Ministry => "role.ministry",
        Role::Province => "role.province",
        Role::Centre => "role.centre",
        Role::Enterprise => "role.enterprise",
    }
}

/// An obligation's state as the catalogue names it.
pub fn state_key(state: &str) -> &'static str {
    match state {
        "open" => "state.open",
        "overdue" => "state.overdue",
        "fulfilled" => "state.fulfilled",
        _ => "state.waived",
    }
}

/// A day as Vietnamese write it: 21/06/2027.
pub fn day(d: NaiveDate) -> String {
    format_date_vn(d)
}

/// A moment, in Vietnam: 14:05 21/06/2027.
pub fn moment(at: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        at.with_timezone(&vietnam()).format("%H:%M"),
        format_date_vn(day_in_vietnam(at))
    )
}

/// `templates/problem.html`: a page that explains why the page wanted is not there.
#[derive(Template, WebTemplate)]
#[template(path = "problem.html")]
struct ProblemPage {
    c: Chrome,
    title: &'static str,
    body: String,
}

/// The page for a problem: not found (also for what is another's), not allowed, a service down (503),
/// a refusal with the service's message; a visitor whose token is no longer good signs in again.
pub fn problem(v: Visitor, here: &str, p: Problem) -> Response {
    let t = v.texts();
    let (status, title, body) = match p {
        Problem::SignedOut => return v.to_login(here),
        Problem::NotFound => (
            StatusCode::NOT_FOUND,
            t.get("err.not_found.title"),
            t.get("err.not_found.body").to_owned(),
        ),
        Problem::Forbidden => (
            StatusCode::FORBIDDEN,
            t.get("err.forbidden.title"),
            t.get("err.forbidden.body").to_owned(),
        ),
        Problem::Down => (
            StatusCode::SERVICE_UNAVAILABLE,
            t.get("err.down.title"),
            t.get("err.down.body").to_owned(),
        ),
        Problem::Rejected {
            status,
            message,
            fields,
        } => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            t.get("err.rejected"),
            std::iter::once(message)
                .chain(fields.into_iter().map(|(k, m)| format!("{k}: {m}")))
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    };
    let page = ProblemPage {
        c: Chrome::new(&v, here),
        title,
        body,
    };
    v.respond((status, page))
}

/// The page for an address that names nothing.
pub async fn not_found(v: Visitor) -> Response {
    problem(v, "/", Problem::NotFound)
}

/// The same page for a visitor who must sign in first.
pub fn must_sign_in(v: Visitor, here: &str) -> Option<Response> {
    if v.signed_in.is_some() {
        None
    } else {
        Some(v.to_login(here))
    }
}

/// A form whose CSRF token is not the visitor's: 403, saying the session expired.
pub fn bad_csrf(v: Visitor, here: &str) -> Response {
    let t = v.texts();
    let page = ProblemPage {
        c: Chrome::new(&v, here),
        title: t.get("err.forbidden.title"),
        body: t.get("err.csrf").to_owned(),
    };
    v.respond((StatusCode::FORBIDDEN, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use chrono::TimeZone;

    #[test]
    fn days_and_moments_are_written_the_vietnamese_way() {
        assert_eq!(
            day(NaiveDate::from_ymd_opt(2027, 6, 1).unwrap()),
            "01/06/2027"
        );
        let at = Utc.with_ymd_and_hms(2027, 6, 1, 17, 30, 0).unwrap();
        assert_eq!(moment(at), "00:30 02/06/2027");
    }

    #[test]
    fn every_state_and_role_has_its_text() {
        for lang in [Lang::Vi, Lang::En] {
            let t = Texts::new(lang);
            for s in ["open", "overdue", "fulfilled", "waived"] {
                assert_ne!(t.get(state_key(s)), state_key(s));
            }
            for r in Role::ALL {
                assert_ne!(t.get(role_key(r)), role_key(r));
            }
        }
    }
}
