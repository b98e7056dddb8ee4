//! `/quan-tri`: the tools that keep the system rather than its cases, on one page instead of the
//! menu — the rules the law may change, the reporting duties and reminders, the holidays, the
//! registrations waiting for verification, and (for administrators) organisations and users. Each
//! link says what it is for; the pages behind them decide who may change what.

use super::{Chrome, SignedIn};
use askama::Template;
use askama_web::WebTemplate;
use axum::response::Response;

/// One tool: its address, its name, what it is for.
pub struct Tool {
    href: &'static str,
    name: &'static str,
    about: &'static str,
}

/// `templates/admin.html`.
#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    c: Chrome,
    tools: Vec<Tool>,
}

pub async fn page(SignedIn { v, .. }: SignedIn) -> Response {
    let c = Chrome::new(&v, "/quan-tri");
    let t = c.t;
    let mut tools = Vec::new();
    let mut add = |href, name, about| {
        tools.push(Tool {
            href,
            name: t.get(name),
            about: t.get(about),
        });
    };
    if c.admin() {
        add("/nguoi-dung", "nav.users", "admin.users");
    }
    if c.verifies() {
        add("/xac-minh", "nav.verify", "admin.verify");
    }
    if c.staff() {
        add("/quy-dinh", "rules.title", "admin.rules");
        add("/quy-dinh/nghia-vu", "duties.rule.title", "admin.duties");
        add("/quy-dinh/ngay-nghi", "calendar.title", "admin.calendar");
    }
    add("/lich", "nav.calendar", "admin.feed");
    let page = AdminPage { tools, c };
    v.respond(page)
}
