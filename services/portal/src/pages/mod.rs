//! The pages, one module per screen: each handler asks the services for what it shows (with the
//! visitor's token) and renders an askama template from `templates/`. [`Chrome`] is what every page's
//! frame needs (`base.html`: the language, the navigation, the sign-out form).

pub mod accounts;
pub mod admin;
pub mod applications;
pub mod budget;
pub mod calendar;
pub mod clusters;
pub mod compliance;
pub mod dashboard;
pub mod duties;
pub mod exports;
pub mod fields;
pub mod home;
pub mod login;
pub mod notices;
pub mod rules;
pub mod schemes;

use crate::PortalState;
use crate::api::Problem;
use crate::i18n::Texts;
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kc_kernel::{
    DutyLevel, ObligationState, Permission, Role, day_in_vietnam, format_date_vn, vietnam,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// What the frame of every page shows.
pub struct Chrome {
    pub t: Texts,
    pub csrf: String,
    /// The visitor's role, when signed in (the menu depends on it).
    pub role: Option<Role>,
    /// The page's own address (the language switch comes back to it).
    pub here: String,
    admin: bool,
}

impl Chrome {
    pub fn new(v: &Visitor, here: &str) -> Chrome {
        Chrome {
            t: v.texts(),
            csrf: v.csrf.clone(),
            role: v.claims().map(|c| c.role),
            here: here.to_owned(),
            admin: v.claims().is_some_and(|c| {
                matches!(c.role, Role::Ministry | Role::Province)
                    && c.perms.contains(&Permission::Admin)
            }),
        }
    }

    /// Whether the visitor works at a provincial extension centre (it builds and implements schemes).
    pub fn centre(&self) -> bool {
        self.role == Some(Role::Centre)
    }

    /// Whether the visitor administers organisations and users (a ministry or department admin).
    pub fn admin(&self) -> bool {
        self.admin
    }

    /// Whether the visitor sees the registrations waiting for verification (a centre or department,
    /// the ministry).
    pub fn verifies(&self) -> bool {
        self.staff()
    }

    pub fn signed_in(&self) -> bool {
        self.role.is_some()
    }

    /// Whether the visitor is staff (a centre, a department, the ministry): they see schemes and
    /// the money dashboard.
    pub fn staff(&self) -> bool {
        self.role.is_some_and(|r| r != Role::Enterprise)
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

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Ministry => "role.ministry",
        Role::Province => "role.province",
        Role::Centre => "role.centre",
        Role::Enterprise => "role.enterprise",
    }
}

/// A level of the reporting chain as the catalogue names it: the role of its organisations.
pub fn level_key(level: DutyLevel) -> &'static str {
    match level {
        DutyLevel::Enterprise => "role.enterprise",
        DutyLevel::Centre => "role.centre",
        DutyLevel::Department => "role.province",
        DutyLevel::Ministry => "role.ministry",
    }
}

/// An obligation's state as the catalogue names it.
pub fn state_key(state: ObligationState) -> &'static str {
    match state {
        ObligationState::Open => "state.open",
        ObligationState::Overdue => "state.overdue",
        ObligationState::Fulfilled => "state.fulfilled",
        ObligationState::Waived => "state.waived",
    }
}

/// The plan year a page shows: the one asked for (2000 to 2099), else this year.
pub fn plan_year(asked: Option<i32>) -> i32 {
    asked
        .filter(|y| (2000..=2099).contains(y))
        .unwrap_or_else(|| chrono::Datelike::year(&kc_kernel::today_vn()))
}

/// The plan years a page offers: two ahead and eight back, the latest first.
pub fn plan_years() -> Vec<i32> {
    let this_year = chrono::Datelike::year(&kc_kernel::today_vn());
    (this_year - 8..=this_year + 2).rev().collect()
}

/// A percentage as a service writes it (`98.82`), the Vietnamese way (`98,82 %`), or `—`.
pub fn percent_text(p: Option<&str>) -> String {
    p.and_then(|p| p.parse::<rust_decimal::Decimal>().ok())
        .map_or_else(
            || "—".into(),
            |d| format!("{} %", kc_kernel::format_vn(d, 2)),
        )
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

/// A file a service made (a document, a spreadsheet), passed to the visitor with its type and name,
/// never cached.
pub fn file(
    v: Visitor,
    (content_type, disposition, bytes): (String, Option<String>, Vec<u8>),
) -> Response {
    use axum::http::{HeaderValue, header};
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Some(d) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    v.respond(r)
}

/// The page for an address that names nothing.
pub async fn not_found(v: Visitor) -> Response {
    problem(v, "/", Problem::NotFound)
}

/// A signed-in visitor and their access token: a page for users only. Anyone else is sent to the
/// login page, and back to the address they asked for (with its query) afterwards.
pub struct SignedIn {
    pub v: Visitor,
    pub token: String,
}

impl SignedIn {
    /// The visitor, if signed in; else the way to the login page and back to `here`. (The error is
    /// the response a handler returns at once, as axum's rejections are: not worth a box.)
    #[allow(clippy::result_large_err)]
    pub fn of(v: Visitor, here: &str) -> Result<SignedIn, Response> {
        match v.token().map(str::to_owned) {
            Some(token) => Ok(SignedIn { v, token }),
            None => Err(v.to_login(here)),
        }
    }
}

impl FromRequestParts<PortalState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &PortalState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(v) = Visitor::from_request_parts(parts, state).await;
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        SignedIn::of(v, &here)
    }
}

/// A form as it was posted, with the CSRF token every form carries (`_csrf`).
#[derive(Debug, Deserialize)]
struct WithCsrf<F> {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(flatten)]
    form: F,
}

/// A posted form whose CSRF token is the visitor's, and the visitor. Any other is refused with 403,
/// saying the session expired, before the handler runs: no handler reads a form unchecked.
pub struct Posted<F> {
    pub v: Visitor,
    pub form: F,
}

impl<F: DeserializeOwned + Send> FromRequest<PortalState> for Posted<F> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &PortalState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(v) = Visitor::from_request_parts(&mut parts, state).await;
        let here = parts.uri.path().to_owned();
        let req = Request::from_parts(parts, body);
        match Form::<WithCsrf<F>>::from_request(req, state).await {
            Ok(Form(f)) if v.csrf_ok(&f.csrf) => Ok(Posted { v, form: f.form }),
            _ => Err(bad_csrf(v, &here)),
        }
    }
}

/// A posted `multipart/form-data` form with at most one file (its field `file`), whose CSRF token is
/// the visitor's: any other, or a body that is no such form, is refused with 403 before the handler
/// runs. A file larger than the route takes is not an expired session: `too_large` says so, with
/// the fields read before it (the file comes last in the portal's forms).
pub struct PostedFile {
    pub v: Visitor,
    pub fields: std::collections::BTreeMap<String, String>,
    pub filename: String,
    pub bytes: Vec<u8>,
    pub too_large: bool,
}

impl FromRequest<PortalState> for PostedFile {
    type Rejection = Response;

    async fn from_request(req: Request, state: &PortalState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Ok(v) = Visitor::from_request_parts(&mut parts, state).await;
        let here = parts.uri.path().to_owned();
        let req = Request::from_parts(parts, body);
        let mut csrf = String::new();
        let mut form = PostedFile {
            v,
            fields: Default::default(),
            filename: String::new(),
            bytes: Vec::new(),
            too_large: false,
        };
        let Ok(mut m) = axum::extract::Multipart::from_request(req, state).await else {
            return Err(bad_csrf(form.v, &here));
        };
        let too_large = |e: &axum::extract::multipart::MultipartError| {
            e.status() == StatusCode::PAYLOAD_TOO_LARGE
        };
        loop {
            let field = match m.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if too_large(&e) => {
                    form.too_large = true;
                    break;
                }
                Err(_) => return Err(bad_csrf(form.v, &here)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                form.filename = field.file_name().unwrap_or_default().to_owned();
                match field.bytes().await {
                    Ok(b) => form.bytes = b.to_vec(),
                    Err(e) if too_large(&e) => {
                        form.too_large = true;
                        break;
                    }
                    Err(_) => return Err(bad_csrf(form.v, &here)),
                }
            } else {
                match field.text().await {
                    Ok(text) if name == "_csrf" => csrf = text,
                    Ok(text) => {
                        form.fields.insert(name, text);
                    }
                    Err(e) if too_large(&e) => {
                        form.too_large = true;
                        break;
                    }
                    Err(_) => return Err(bad_csrf(form.v, &here)),
                }
            }
        }
        if form.v.csrf_ok(&csrf) {
            Ok(form)
        } else {
            Err(bad_csrf(form.v, &here))
        }
    }
}

/// A form with no field of its own (its CSRF token only).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// A form whose CSRF token is not the visitor's (or that does not parse): 403, saying the session
/// expired.
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
    fn moments_are_written_the_vietnamese_way() {
        let at = Utc.with_ymd_and_hms(2027, 6, 1, 17, 30, 0).unwrap();
        assert_eq!(moment(at), "00:30 02/06/2027");
    }

    #[test]
    fn every_state_and_role_has_its_text() {
        for lang in [Lang::Vi, Lang::En] {
            let t = Texts::new(lang);
            for s in ObligationState::ALL {
                assert_ne!(t.get(state_key(s)), state_key(s));
            }
            for l in DutyLevel::ALL {
                assert_ne!(t.get(level_key(l)), level_key(l));
            }
            for r in Role::ALL {
                assert_ne!(t.get(role_key(r)), role_key(r));
            }
            for k in kc_kernel::DocumentKind::ALL {
                let key = applications::document_key(k);
                assert_ne!(t.get(key), key);
            }
            for k in kc_kernel::ReportKind::ALL {
                let key = clusters::reports::kind_key(k);
                assert_ne!(t.get(key), key);
            }
            for k in kc_kernel::AdjustmentKind::ALL {
                let key = schemes::execution::adjustment_key(k);
                assert_ne!(t.get(key), key);
            }
        }
    }
}
