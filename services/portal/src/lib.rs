//! The web portal: server-rendered pages, Vietnamese first, that talk to the services over HTTP.
//!
//! Today: the home page, which shows whether each service is up (each service's `/ready`) and links to
//! their API documentation. Sign-in and the working screens arrive with their issues.
//!
//! Pages are askama templates in `templates/` (`base.html` is the layout every page extends); the engine
//! HTML-escapes every value it prints, so no page builds markup by hand.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use kc_service::{Built, Env, Kit, Service};
use std::time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The portal on the skeleton: no database; it talks to the other services over HTTP.
pub struct Portal;

impl Service for Portal {
    const NAME: &'static str = "portal";
    type Config = Upstreams;

    fn config(env: &mut Env) -> Upstreams {
        Upstreams::from_env(env)
    }

    async fn build(kit: Kit<Upstreams>) -> anyhow::Result<Built> {
        Ok(Built {
            verifier: kit.remote_verifier()?,
            routes: routes(kit.config),
            workers: Vec::new(),
        })
    }
}

/// The services the portal talks to, from the one list of services, each at `KC_<NAME>_URL`
/// (default: its local port).
#[derive(Clone)]
pub struct Upstreams {
    pub services: Vec<(&'static str, &'static str, String)>,
    http: reqwest::Client,
}

impl Upstreams {
    pub fn from_env(env: &Env) -> Upstreams {
        Upstreams {
            services: kc_service::services::all()
                .iter()
                .filter(|s| s.name != "portal")
                .map(|s| {
                    let url = env
                        .get(&s.url_var())
                        .unwrap_or_else(|| format!("http://127.0.0.1:{}", s.port));
                    (s.name, s.label, url)
                })
                .collect(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap_or_default(),
        }
    }
}

pub fn routes(upstreams: Upstreams) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(home))
        .with_state(upstreams)
}

/// One row of the status table.
struct ServiceStatus {
    name: &'static str,
    label: &'static str,
    url: String,
    ready: bool,
}

/// `templates/home.html` (extends `base.html`); the engine escapes every value it prints.
#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    services: Vec<ServiceStatus>,
}

/// The home page: what the system is, and whether each service is up.
#[utoipa::path(get, path = "/", tag = "pages",
    extensions(("x-kc-access" = json!(kc_auth::public()))),
    responses((status = 200, content_type = "text/html")))]
async fn home(State(up): State<Upstreams>) -> HomePage {
    // Every service at once: a page waits for the slowest answer (2 s at most), not for their sum.
    let checks: Vec<_> = up
        .services
        .iter()
        .map(|(_, _, url)| {
            let request = up.http.get(format!("{url}/ready"));
            tokio::spawn(async move { request.send().await.is_ok_and(|r| r.status().is_success()) })
        })
        .collect();
    let mut services = Vec::with_capacity(checks.len());
    for ((name, label, url), check) in up.services.iter().zip(checks) {
        services.push(ServiceStatus {
            name,
            label,
            url: url.clone(),
            ready: check.await.unwrap_or(false),
        });
    }
    HomePage { services }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::body::to_bytes;
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;

    async fn page(up: Upstreams) -> (StatusCode, String, String) {
        let response = home(State(up)).await.into_response();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    /// A port on 127.0.0.1 that answers `/ready` with 200, and one where nothing listens.
    async fn one_up_one_down() -> (String, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let up = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/ready", axum::routing::get(|| async { "ok" }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let down = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        (up, down)
    }

    fn upstreams(services: Vec<(&'static str, &'static str, String)>) -> Upstreams {
        Upstreams {
            services,
            ..Upstreams::from_env(&Env::from_process().unwrap())
        }
    }

    #[tokio::test]
    async fn home_shows_each_service_and_whether_it_answers() {
        let (up, down) = one_up_one_down().await;
        let (status, content_type, body) = page(upstreams(vec![
            ("identity", "Định danh và phân quyền", up.clone()),
            ("registry", "Cơ sở dữ liệu cụm công nghiệp", down.clone()),
        ]))
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(
            body.starts_with("<!doctype html>\n<html lang=\"vi\">"),
            "{body}"
        );
        assert!(body.contains(r#"<meta charset="utf-8">"#), "{body}");
        assert!(body.contains(r#"<meta name="viewport""#), "{body}");
        assert!(
            body.contains("<title>Hệ thống Khuyến công và Cụm công nghiệp</title>"),
            "{body}"
        );
        assert!(body.contains(".ok{color:#1a7f37}"), "{body}");
        assert!(body.contains("<h2>Trạng thái dịch vụ</h2>"), "{body}");
        let row = |label: &str| {
            body.lines()
                .find(|l| l.contains(label))
                .unwrap_or_else(|| panic!("no row for {label}: {body}"))
                .to_owned()
        };
        let identity = row("Định danh và phân quyền");
        assert!(identity.contains("<code>identity</code>"), "{identity}");
        assert!(
            identity.contains(r#"<td class="ok">Đang hoạt động</td>"#),
            "{identity}"
        );
        assert!(
            identity.contains(&format!(r#"<a href="{up}/docs">Tài liệu API</a>"#)),
            "{identity}"
        );
        let registry = row("Cơ sở dữ liệu cụm công nghiệp");
        assert!(
            registry.contains(r#"<td class="down">Không phản hồi</td>"#),
            "{registry}"
        );
        assert!(
            registry.contains(&format!(r#"href="{down}/docs""#)),
            "{registry}"
        );
    }

    #[tokio::test]
    async fn every_value_is_escaped() {
        let (_, down) = one_up_one_down().await;
        let (_, _, body) = page(upstreams(vec![(
            "x\"><b>",
            r#"<script>alert("x")</script> & "quoted""#,
            format!(r#"{down}/"onmouseover="alert(1)"#),
        )]))
        .await;
        assert!(!body.contains("<script>"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
        assert!(!body.contains(r#""onmouseover"#), "{body}");
        assert!(
            body.contains(
                "<td>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#34;quoted&#34;</td>"
            ),
            "{body}"
        );
        assert!(
            body.contains("<code>x&#34;&#62;&#60;b&#62;</code>"),
            "{body}"
        );
        assert!(
            body.contains(&format!(
                r#"href="{down}/&#34;onmouseover=&#34;alert(1)/docs""#
            )),
            "{body}"
        );
    }
}
