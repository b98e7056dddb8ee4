use kc_service::{Kit, Mode};
use kc_testing::TestDb;
use kc_testing::client::ApiClient;
pub use kc_testing::client::fields;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The identity service (with the demo accounts) and the registry service on one test database.
pub struct TestApp {
    pub api: ApiClient,
    pub db: TestDb,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;
    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

pub const OFFICER: &str = "cv.so.01@demo.test";
pub const MINISTRY: &str = "bo@demo.test";

impl TestApp {
    pub async fn spawn() -> TestApp {
        let db = TestDb::new().await;
        let config = kc_identity::Config::for_tests().expect("identity config");
        let pool = kc_db::Db::connect(&db.url_as("kc_identity"), 5)
            .await
            .expect("identity pool");
        let state = kc_identity::AppState::new(pool, config).expect("identity state");
        kc_identity::demo::seed(&state).await.expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let identity = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(kc_http::serve_on(
            "identity",
            listener,
            kc_identity::app(state),
        ));
        let kit = Kit {
            info: kc_service::services::info("registry"),
            mode: Mode::Dev,
            config: (),
            db: Some(
                kc_db::Db::connect(&db.url_as("kc_registry"), 5)
                    .await
                    .expect("registry pool"),
            ),
            identity_url: Some(identity.clone()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(kc_service::serve_with::<kc_registry::Registry>(
            kit,
            listener,
            std::future::pending(),
        ));
        TestApp {
            api: ApiClient::new(identity, base, kc_identity::demo::DEMO_PASSWORD),
            db,
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.db.count(sql).await
    }

    pub async fn execute(&self, sql: &str) {
        self.db.execute(sql).await
    }

    pub async fn query(&self, sql: &str) -> Vec<Value> {
        self.db.query(sql).await
    }

    /// A commune of province `code` (added by its admin); its id.
    pub async fn commune(&self, code: &str, name: &str) -> String {
        let r = self
            .post(
                "/api/v1/communes",
                &format!("so.{code}@demo.test"),
                &json!({"name": name}),
            )
            .await;
        self.expect(r, StatusCode::CREATED).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The organisation id of a demo user's organisation.
    pub async fn org_of(&self, email: &str) -> String {
        self.query(&format!(
            "SELECT organisation_id::text AS id FROM identity.users WHERE email = '{email}'"
        ))
        .await[0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Propose a cluster in province 01 (by its officer) with these areas; the answer.
    pub async fn propose(
        &self,
        commune: &str,
        code: &str,
        areas: (&str, &str, &str),
    ) -> reqwest::Response {
        self.post(
            "/api/v1/clusters",
            OFFICER,
            &json!({"code": code, "record": record(commune, areas)}),
        )
        .await
    }

    /// A cluster proposed in province 01; its JSON.
    pub async fn proposed(&self, commune: &str, code: &str, areas: (&str, &str, &str)) -> Value {
        let r = self.propose(commune, code, areas).await;
        self.expect(r, StatusCode::CREATED).await
    }

    /// Take a cluster to `to` (with a decision when the step needs one).
    pub async fn step(&self, cluster: &Value, to: &str, extra: Value) -> reqwest::Response {
        let id = cluster["id"].as_str().unwrap();
        let mut body = json!({"version": cluster["version"], "to": to, "reason": "Theo quyết định của UBND tỉnh"});
        let kind = match to {
            "established" => Some("establishment"),
            "expanded" => Some("expansion"),
            "revoked" => Some("revocation"),
            _ => None,
        };
        if let Some(kind) = kind {
            body["decision"] = json!({"kind": kind, "number": "123/QĐ-UBND", "date": "2025-03-01", "issuer": "UBND thành phố Hà Nội"});
        }
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.post(&format!("/api/v1/clusters/{id}/transition"), OFFICER, &body)
            .await
    }

    /// `step`, which must succeed; the cluster after it.
    pub async fn stepped(&self, cluster: &Value, to: &str, extra: Value) -> Value {
        let r = self.step(cluster, to, extra).await;
        self.expect(r, StatusCode::OK).await
    }

    /// A cluster of province 01 taken to operating, with this leased land.
    pub async fn operating(&self, commune: &str, code: &str, areas: (&str, &str, &str)) -> Value {
        let c = self.proposed(commune, code, areas).await;
        let c = self.stepped(&c, "established", json!({})).await;
        let c = self.stepped(&c, "under_construction", json!({})).await;
        self.stepped(&c, "operating", json!({})).await
    }
}

/// A cluster record in a commune, with (planned, industrial, leased) hectares.
pub fn record(commune: &str, (planned, industrial, leased): (&str, &str, &str)) -> Value {
    json!({
        "name": "Cụm công nghiệp Phú Nghĩa", "commune_ids": [commune],
        "latitude": "20.93", "longitude": "105.65",
        "planned_area_ha": planned, "industrial_area_ha": industrial, "leased_area_ha": leased,
        "investor_name": "Công ty CP Đầu tư hạ tầng Phú Nghĩa", "investor_kind": "enterprise",
        "registered_capital": "350000000000", "sectors": ["Cơ khí", "Dệt may"]
    })
}
