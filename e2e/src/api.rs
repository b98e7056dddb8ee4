//! The system's HTTP APIs as a journey's actors use them: one [`ApiClient`] per service, each logging
//! the demo users (and any account made with the demo password) in through identity.

use crate::{DEMO_PASSWORD, System};
use kc_testing::client::ApiClient;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// A small PDF (the services type a document by its content).
pub const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";

/// A client per service.
pub struct Apis {
    pub identity: ApiClient,
    pub workflow: ApiClient,
    pub registry: ApiClient,
    pub notifications: ApiClient,
}

impl Apis {
    pub fn of(system: &System) -> Apis {
        Apis::at(|name| system.service(name).url(""))
    }

    /// The clients of the services whose base URLs `base` gives (by service name).
    pub fn at(base: impl Fn(&str) -> String) -> Apis {
        let identity = base("identity");
        let client = |name: &str| ApiClient::new(identity.clone(), base(name), DEMO_PASSWORD);
        Apis {
            identity: client("identity"),
            workflow: client("workflow"),
            registry: client("registry"),
            notifications: client("notifications"),
        }
    }

    /// Upload a PDF as `who` to a workflow case (`applications/{id}` or `schemes/{id}`); its id.
    pub async fn upload(&self, who: &str, case: &str, kind: &str) -> String {
        let wf = &self.workflow;
        let r = wf
            .http
            .post(format!(
                "{}/api/v1/{case}/documents?kind={kind}&filename={kind}.pdf",
                wf.base
            ))
            .bearer_auth(wf.token(who).await)
            .header("content-type", "application/octet-stream")
            .body(PDF.to_vec())
            .send()
            .await
            .unwrap();
        wf.expect(r, StatusCode::CREATED).await["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// `who`'s obligations of one duty in the notifications service.
    pub async fn obligations(&self, who: &str, duty: &str) -> Vec<Value> {
        let nt = &self.notifications;
        let r = nt
            .get(&format!("/api/v1/obligations?duty={duty}"), who)
            .await;
        nt.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Wait (at most `within`) until `who` lists an obligation of `duty` that `matches`; that one.
    pub async fn wait_obligation(
        &self,
        who: &str,
        duty: &str,
        within: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        kc_testing::wait_for(&format!("{who}'s {duty}"), within, || async {
            self.obligations(who, duty)
                .await
                .into_iter()
                .find(|o| matches(o))
        })
        .await
    }

    /// Move the notifications service's clock to `day` (the ministry, in development mode) and wait
    /// until its scheduler has finished a pass for that day (up to `within`).
    pub async fn move_clock(&self, day: chrono::NaiveDate, within: Duration) -> Value {
        let nt = &self.notifications;
        let ministry = "bo@demo.test";
        let r = nt
            .put("/api/v1/clock", ministry, &json!({"today": day}))
            .await;
        nt.expect(r, StatusCode::OK).await;
        let day = day.to_string();
        kc_testing::wait_for(&format!("a scheduler pass for {day}"), within, || async {
            let r = nt.get("/api/v1/clock", ministry).await;
            let c: Value = r.json().await.ok()?;
            (c["last_pass"]["day"] == day.as_str()).then_some(c["last_pass"].clone())
        })
        .await
    }

    /// The organisation of `who` (from identity's `/me`).
    pub async fn org_of(&self, who: &str) -> String {
        let id = &self.identity;
        let r = id.get("/api/v1/me", who).await;
        id.expect(r, StatusCode::OK).await["organisation"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A step of an application (`submit`, `review`, `return`, `accept`...), which must succeed.
    pub async fn application_step(&self, id: &str, act: &str, who: &str, body: Value) -> Value {
        let wf = &self.workflow;
        let r = wf
            .post(&format!("/api/v1/applications/{id}/{act}"), who, &body)
            .await;
        wf.expect(r, StatusCode::OK).await
    }

    /// A scheme's next step in its approval chain, taken by `who`; the scheme after it.
    pub async fn advance(&self, s: &Value, who: &str) -> Value {
        self.act(
            who,
            s,
            "advance",
            json!({"version": s["version"]}),
            StatusCode::OK,
        )
        .await
    }

    /// An act on a scheme (`contract`, `payments`, `acceptance`...), answering `status`; its JSON.
    pub async fn act(
        &self,
        who: &str,
        s: &Value,
        path: &str,
        body: Value,
        status: StatusCode,
    ) -> Value {
        let wf = &self.workflow;
        let id = s["id"].as_str().unwrap();
        let r = wf
            .post(&format!("/api/v1/schemes/{id}/{path}"), who, &body)
            .await;
        wf.expect(r, status).await
    }
}
