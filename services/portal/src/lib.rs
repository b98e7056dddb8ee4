//! The web portal: server-rendered pages, Vietnamese first, that talk to the services over HTTP.
//!
//! Today: the home page, which shows whether each service is up (each service's `/ready`) and links to
//! their API documentation. Sign-in and the working screens arrive with their issues.

use axum::extract::State;
use axum::response::Html;
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

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The home page: what the system is, and whether each service is up.
#[utoipa::path(get, path = "/", tag = "pages",
    extensions(("x-kc-access" = json!(kc_auth::public()))),
    responses((status = 200, content_type = "text/html")))]
async fn home(State(up): State<Upstreams>) -> Html<String> {
    // Every service at once: a page waits for the slowest answer (2 s at most), not for their sum.
    let checks: Vec<_> = up
        .services
        .iter()
        .map(|(_, _, url)| {
            let request = up.http.get(format!("{url}/ready"));
            tokio::spawn(async move { request.send().await.is_ok_and(|r| r.status().is_success()) })
        })
        .collect();
    let mut rows = String::new();
    for ((name, label, url), check) in up.services.iter().zip(checks) {
        let ready = check.await.unwrap_or(false);
        let (class, status) = if ready {
            ("ok", "Đang hoạt động")
        } else {
            ("down", "Không phản hồi")
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"{class}\">{status}</td><td><a href=\"{}/docs\">Tài liệu API</a></td></tr>",
            escape(label),
            escape(name),
            escape(url)
        ));
    }
    Html(format!(
        r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hệ thống Khuyến công và Cụm công nghiệp</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}}
h1{{font-size:1.5rem;color:#a4161a}} table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:.5rem;text-align:left}} .ok{{color:#1a7f37}} .down{{color:#a4161a;font-weight:bold}}
</style></head><body>
<h1>Hệ thống thông tin Khuyến công và Cụm công nghiệp</h1>
<p>Doanh nghiệp nông thôn nộp hồ sơ đề nghị hỗ trợ trực tuyến; Trung tâm Khuyến công và Sở Công Thương tiếp nhận,
thẩm định, phê duyệt; Bộ Công Thương phân bổ kinh phí và theo dõi toàn quốc.</p>
<h2>Trạng thái dịch vụ</h2>
<table><thead><tr><th>Dịch vụ</th><th>Tên</th><th>Trạng thái</th><th></th></tr></thead><tbody>{rows}</tbody></table>
</body></html>"#
    ))
}
