//! The web portal: server-rendered pages, Vietnamese first (English by a switch), that work without
//! JavaScript and talk to the services over HTTP with the visitor's own token.
//!
//! - [`session`]: the visitor: language, CSRF token, and the tokens identity issued, in HttpOnly
//!   cookies; an expired access token is renewed with the refresh token;
//! - [`api`]: the services' APIs, the portal's only source of data (it has no database role and no
//!   key of its own), and the problems a page explains (a service down, a record not the visitor's);
//! - [`i18n`]: the message catalogues (`messages/vi.json`, `messages/en.json`);
//! - [`pages`]: one module per screen, each an askama template in `templates/` (`base.html` is the
//!   frame every page extends; the engine HTML-escapes every value it prints).
//!
//! The pages are not an API: they are not in the OpenAPI document (but the home page, which says
//! whether each service answers). What they show comes from the services' routes, whose access the
//! authorization matrix checks; the browser tests in `e2e/tests/browser.rs` check the pages.

pub mod api;
pub mod i18n;
pub mod map;
pub mod pages;
pub mod session;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use kc_auth::Verifier;
use kc_service::{Built, Env, Kit, Mode, Service};
use pages::{accounts, applications};
use std::sync::Arc;
use tower_http::compression::CompressionLayer;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The portal on the skeleton: no database; it talks to the other services over HTTP.
pub struct Portal;

impl Service for Portal {
    const NAME: &'static str = "portal";
    type Config = api::Api;

    fn config(env: &mut Env) -> api::Api {
        upstreams(env)
    }

    async fn build(kit: Kit<api::Api>) -> anyhow::Result<Built> {
        let verifier = kit.remote_verifier()?;
        let state = PortalState {
            api: kit.config.clone(),
            verifier: verifier.clone(),
            secure_cookies: kit.mode != Mode::Dev,
        };
        Ok(Built {
            verifier,
            routes: routes(state),
            workers: Vec::new(),
        })
    }
}

/// The services the portal talks to, from the one list of services, each at `KC_<NAME>_URL`
/// (default: its local port).
pub fn upstreams(env: &Env) -> api::Api {
    api::Api::new(
        kc_service::services::all()
            .iter()
            .filter(|s| s.name != "portal")
            .map(|s| {
                let url = env
                    .get(&s.url_var())
                    .unwrap_or_else(|| format!("http://127.0.0.1:{}", s.port));
                (s.name, s.label, url)
            })
            .collect(),
    )
}

/// What every page handler has: the services, the verifier of access tokens, and whether cookies
/// are Secure (everywhere but development mode).
#[derive(Clone)]
pub struct PortalState {
    pub api: api::Api,
    pub verifier: Arc<Verifier>,
    pub secure_cookies: bool,
}

/// The stylesheet every page links (served here, never from a CDN).
const CSS: &str = include_str!("../static/portal.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        CSS,
    )
}

/// The script every page links: an improvement only (confirmation before what cannot be undone).
const JS: &str = include_str!("../static/portal.js");

async fn script() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        JS,
    )
}

/// The home page, in the OpenAPI document (a public route).
#[utoipa::path(get, path = "/", tag = "pages",
    extensions(("x-kc-access" = json!(kc_auth::public()))),
    responses((status = 200, content_type = "text/html")))]
async fn home(
    state: axum::extract::State<PortalState>,
    v: session::Visitor,
) -> axum::response::Response {
    pages::home::home(state, v).await
}

pub fn routes(state: PortalState) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(home))
        .route("/static/portal.css", get(stylesheet))
        .route("/static/portal.js", get(script))
        .route(
            "/dang-nhap",
            get(pages::login::form).post(pages::login::submit),
        )
        .route("/dang-xuat", post(pages::login::logout))
        .route(
            "/dang-ky",
            get(accounts::register::form).post(accounts::register::submit),
        )
        .route(
            "/quen-mat-khau",
            get(accounts::password::forgot_form).post(accounts::password::forgot),
        )
        .route(
            "/dat-lai-mat-khau",
            get(accounts::password::reset_form).post(accounts::password::reset),
        )
        .route(
            "/tai-khoan",
            get(accounts::profile::show).post(accounts::profile::save),
        )
        .route(
            "/tai-khoan/mat-khau",
            post(accounts::profile::change_password),
        )
        .route("/xac-minh", get(accounts::verify::list))
        .route("/xac-minh/{id}", post(accounts::verify::decide))
        .route("/nguoi-dung", get(accounts::users::list))
        .route("/nguoi-dung/them", post(accounts::users::add))
        .route("/nguoi-dung/{id}", post(accounts::users::change))
        .route(
            "/nguoi-dung/to-chuc/{id}",
            post(accounts::users::org_status),
        )
        .route("/ngon-ngu", post(pages::login::switch_lang))
        .route("/ho-so", get(applications::list::list))
        .route("/ho-so/lo", post(applications::list::batch))
        .route(
            "/ho-so/moi",
            get(applications::form::new_form).post(applications::form::create),
        )
        .route("/ho-so/{id}", get(applications::case::show))
        .route("/ho-so/{id}/buoc", post(applications::case::act))
        .route(
            "/ho-so/{id}/tien-do",
            get(applications::progress::page).post(applications::progress::report),
        )
        .route(
            "/ho-so/{id}/sua/{step}",
            get(applications::form::edit).post(applications::form::save),
        )
        .route("/ho-so/{id}/so-sanh/{a}/{b}", get(applications::case::diff))
        .route(
            "/ho-so/{id}/tai-lieu",
            post(applications::documents::upload)
                .layer(DefaultBodyLimit::max(applications::documents::MAX_UPLOAD)),
        )
        .route("/tai-lieu/{id}", get(applications::documents::download))
        .route("/de-an", get(pages::schemes::list::list))
        .route(
            "/de-an/moi",
            get(pages::schemes::new::form).post(pages::schemes::new::create),
        )
        .route("/de-an/{id}", get(pages::schemes::case::show))
        .route(
            "/de-an/{id}/thuc-hien",
            get(pages::schemes::execution::show)
                .merge(post(pages::schemes::execution::act))
                .layer(DefaultBodyLimit::max(applications::documents::MAX_UPLOAD)),
        )
        .route("/de-an/{id}/tham-dinh", post(pages::schemes::case::score))
        .route("/de-an/{id}/buoc", post(pages::schemes::case::step))
        .route("/tong-hop", get(pages::dashboard::page))
        .route(
            "/ngan-sach",
            get(pages::budget::page).post(pages::budget::set),
        )
        .route("/ccn", get(pages::clusters::list))
        .route("/ccn/bao-cao", get(pages::clusters::reports::page))
        .route("/ccn/bao-cao/nop", post(pages::clusters::reports::submit))
        .route(
            "/ccn/bao-cao/mo-ky",
            post(pages::clusters::reports::open_period),
        )
        .route(
            "/ccn/bao-cao/tong-hop",
            post(pages::clusters::reports::consolidate),
        )
        .route(
            "/ccn/bao-cao/{id}",
            get(pages::clusters::reports::one).post(pages::clusters::reports::review),
        )
        .route("/ccn/{id}", get(pages::clusters::one))
        .route("/quan-tri", get(pages::admin::page))
        .route("/quy-dinh", get(pages::rules::list))
        .route("/quy-dinh/nghia-vu", get(pages::rules::duties::list))
        .route(
            "/quy-dinh/nghia-vu/{id}",
            get(pages::rules::duties::one).post(pages::rules::duties::issue),
        )
        .route(
            "/quy-dinh/ngay-nghi",
            get(pages::rules::calendar::page).post(pages::rules::calendar::change),
        )
        .route(
            "/quy-dinh/{source}/{id}",
            get(pages::rules::one).post(pages::rules::issue),
        )
        .route("/xuat/{what}", get(pages::exports::export))
        .route("/nghia-vu", get(pages::duties::list))
        .route("/nghia-vu/tuan-thu", get(pages::compliance::page))
        .route("/nghia-vu/{id}", get(pages::duties::one))
        .route("/thong-bao", get(pages::notices::list))
        .route("/thong-bao/da-doc", post(pages::notices::mark_all_read))
        .route(
            "/lich",
            get(pages::calendar::page).post(pages::calendar::make),
        )
        .route("/lich/thu-hoi", post(pages::calendar::revoke))
        .route("/lich/{file}", get(pages::calendar::feed))
        // Any other address is the "not found" page (a route, so that the service kit's JSON
        // fallback, meant for APIs, never answers a visitor).
        .route("/{*rest}", get(pages::not_found))
        .fallback(pages::not_found)
        // Pages are text: gzip makes a list of fifty cases a seventh of its size on a slow line.
        .layer(CompressionLayer::new())
        .with_state(state)
}
