//! Demo data for the run command (never in production): budget envelopes, a local rule, and in each
//! demo province (01, 37, 79) applications in every state of their life cycle, one of them returned
//! and resubmitted (two versions to compare).
//!
//! It goes through the services' own HTTP APIs as the demo users would (identity's login, then
//! workflow's routes), so every record passes the same checks, audit and events as a real one. It is
//! idempotent: a province whose first demo enterprise already has applications is left as it is.

use anyhow::{Context, bail};
use chrono::Datelike;
use serde_json::{Value, json};

const PROVINCES: [&str; 3] = ["01", "37", "79"];

/// A one-page PDF ("Đơn đề nghị hỗ trợ (bản demo)"), attached to the demo applications and schemes.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n4 0 obj<</Length 62>>stream\nBT /F1 18 Tf 72 770 Td (Don de nghi ho tro - ban demo) Tj ET\nendstream\nendobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
const PASSWORD: &str = "KhuyenCong@2025";

struct Api {
    http: reqwest::Client,
    identity: String,
    workflow: String,
}

impl Api {
    async fn token(&self, email: &str) -> anyhow::Result<String> {
        let r: Value = self
            .http
            .post(format!("{}/api/v1/auth/login", self.identity))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("login {email} (run kc-identity seed-demo first)"))?
            .json()
            .await?;
        r["access_token"]
            .as_str()
            .map(str::to_owned)
            .context("no access token")
    }

    /// A call whose answer must be 2xx, or one of `tolerated` (then `None`).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        tolerated: &[u16],
    ) -> anyhow::Result<Option<Value>> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.workflow))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await?;
        let status = r.status();
        let answer: Value = r.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(Some(answer))
        } else if tolerated.contains(&status.as_u16()) {
            Ok(None)
        } else {
            bail!("{path}: {status} {answer}")
        }
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        self.call(reqwest::Method::POST, path, token, Some(body), &[])
            .await?
            .context("no answer")
    }

    /// Attach a small PDF to a case: `cases` is `applications` or `schemes`.
    async fn attach(
        &self,
        cases: &str,
        case: &Value,
        token: &str,
        kind: &str,
        filename: &str,
    ) -> anyhow::Result<()> {
        let id = case["id"].as_str().context("id")?;
        self.http
            .post(format!(
                "{}/api/v1/{cases}/{id}/documents?kind={kind}&filename={filename}",
                self.workflow
            ))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(DEMO_PDF)
            .send()
            .await?
            .error_for_status()
            .with_context(|| format!("upload {filename}"))?;
        Ok(())
    }

    /// Take `app` one step.
    async fn step(
        &self,
        app: &Value,
        action: &str,
        token: &str,
        reason: Option<&str>,
    ) -> anyhow::Result<Value> {
        let id = app["id"].as_str().context("id")?;
        self.post(
            &format!("/api/v1/applications/{id}/{action}"),
            token,
            json!({"version": app["version"], "reason": reason}),
        )
        .await
    }
}

/// One demo application's content.
fn content(
    year: i32,
    activity: &str,
    title: &str,
    commune: &str,
    cost: u64,
    support: u64,
) -> Value {
    json!({
        "fund": if support >= 200_000_000 { "kcqg" } else { "kcdp" },
        "activity_code": activity, "plan_year": year, "title": title, "commune": commune,
        "total_cost": cost.to_string(), "support_requested": support.to_string(),
        "counterpart": (cost - support).to_string(),
        "expected_results": "Nâng cao năng suất, tạo việc làm cho lao động nông thôn",
        "start_date": format!("{year}-03-01"), "end_date": format!("{year}-11-30"),
    })
}

/// Load the demo data through the running services (`identity_url`, `workflow_url`).
pub async fn seed(identity_url: &str, workflow_url: &str, production: bool) -> anyhow::Result<()> {
    if production {
        bail!("demo data is never loaded in production mode (KC_MODE=production)");
    }
    let api = Api {
        http: reqwest::Client::new(),
        identity: identity_url.trim_end_matches('/').to_owned(),
        workflow: workflow_url.trim_end_matches('/').to_owned(),
    };
    let today = kc_kernel::today_vn();
    let this_year = today.year();
    let year = this_year + 1;
    // The first plan year whose registration (20 May of the year before) is still open: schemes.
    let plan = if (today.month(), today.day()) <= (5, 20) {
        this_year + 1
    } else {
        this_year + 2
    };

    // Budget: the national envelope of this year and next, allocated to the demo provinces; each
    // province's local envelope. An envelope that exists already is left (409).
    let bo = api.token("bo@demo.test").await?;
    for y in [this_year, year, plan] {
        api.call(reqwest::Method::POST, "/api/v1/budget/national-envelopes", &bo,
            Some(json!({"year": y, "amount": "140000000000", "note": "Kế hoạch khuyến công quốc gia"})), &[409]).await?;
        for (code, amount) in [
            ("01", "6500000000"),
            ("37", "4200000000"),
            ("79", "5800000000"),
        ] {
            api.call(
                reqwest::Method::POST,
                "/api/v1/budget/national-envelopes",
                &bo,
                Some(json!({"year": y, "province_code": code, "amount": amount})),
                &[409],
            )
            .await?;
        }
    }
    for (code, amount) in [
        ("01", "12000000000"),
        ("37", "5500000000"),
        ("79", "10500000000"),
    ] {
        let so = api.token(&format!("so.{code}@demo.test")).await?;
        for y in [this_year, year, plan] {
            api.call(
                reqwest::Method::POST,
                "/api/v1/budget/local-envelopes",
                &so,
                Some(json!({"year": y, "amount": amount, "note": "Nghị quyết HĐND tỉnh"})),
                &[409],
            )
            .await?;
        }
    }

    // Province 01 lowers the demonstration-model ceiling of its local fund (once).
    let so01 = api.token("so.01@demo.test").await?;
    let local = api
        .call(
            reqwest::Method::GET,
            "/api/v1/rules?kind=support_cap&key=demonstration_model&fund=kcdp",
            &so01,
            None,
            &[],
        )
        .await?
        .unwrap_or(Value::Null);
    let has_local = local["items"]
        .as_array()
        .is_some_and(|items| items.iter().any(|r| r["province_code"] == "01"));
    if !has_local {
        api.post("/api/v1/rules", &so01, json!({
            "kind": "support_cap", "key": "demonstration_model", "fund": "kcdp",
            "valid_from": kc_kernel::today_vn(), "legal_basis": "Quyết định của UBND tỉnh (demo)",
            "body": {"max_share_percent": "30", "max_amount": "800000000", "per": "model"}
        })).await?;
    }

    for code in PROVINCES {
        let dn1 = api.token(&format!("dn1.{code}@demo.test")).await?;
        let existing = api
            .call(
                reqwest::Method::GET,
                "/api/v1/applications",
                &dn1,
                None,
                &[],
            )
            .await?
            .unwrap_or(Value::Null);
        if existing["total"].as_i64().unwrap_or(0) > 0 {
            continue;
        }
        let dn2 = api.token(&format!("dn2.{code}@demo.test")).await?;
        let centre = api.token(&format!("ttkc.{code}@demo.test")).await?;
        let commune = match code {
            "01" => "Xã Bát Tràng",
            "37" => "Xã Hoa Lư",
            _ => "Phường Thủ Đức",
        };
        let new = |token: &str, body: Value| {
            let token = token.to_owned();
            let api = &api;
            async move { api.post("/api/v1/applications", &token, body).await }
        };
        // A draft, still being written, with its request letter.
        let d = new(&dn1, json!({"title": "Đào tạo nghề mây tre đan xuất khẩu", "activity_code": "training", "commune": commune})).await?;
        api.attach(
            "applications",
            &d,
            &dn1,
            "request_letter",
            "don-de-nghi.pdf",
        )
        .await?;
        // Submitted, waiting for the centre.
        let a = new(
            &dn1,
            content(
                year,
                "machinery",
                "Máy sấy nông sản công suất 2 tấn/mẻ",
                commune,
                520_000_000,
                250_000_000,
            ),
        )
        .await?;
        api.step(&a, "submit", &dn1, None).await?;
        // Under review.
        let a = new(
            &dn2,
            content(
                year,
                "demonstration_model",
                "Mô hình trình diễn lò nung gốm tiết kiệm năng lượng",
                commune,
                2_400_000_000,
                700_000_000,
            ),
        )
        .await?;
        let a = api.step(&a, "submit", &dn2, None).await?;
        api.step(&a, "review", &centre, None).await?;
        // Returned for more information.
        let a = new(
            &dn1,
            content(
                year,
                "product_development",
                "Tham gia hội chợ hàng công nghiệp nông thôn tiêu biểu",
                commune,
                180_000_000,
                90_000_000,
            ),
        )
        .await?;
        let a = api.step(&a, "submit", &dn1, None).await?;
        api.step(
            &a,
            "return",
            &centre,
            Some("Bổ sung kế hoạch tham gia hội chợ và dự toán chi tiết"),
        )
        .await?;
        // Returned, corrected and resubmitted: two versions to compare.
        let a = new(
            &dn2,
            content(
                year,
                "technology_line",
                "Dây chuyền chế biến chè xanh",
                commune,
                1_200_000_000,
                400_000_000,
            ),
        )
        .await?;
        let a = api.step(&a, "submit", &dn2, None).await?;
        let a = api
            .step(
                &a,
                "return",
                &centre,
                Some("Bổ sung báo giá của ba nhà cung cấp"),
            )
            .await?;
        let mut fixed = content(
            year,
            "technology_line",
            "Dây chuyền chế biến chè xanh",
            commune,
            1_150_000_000,
            420_000_000,
        );
        fixed["version"] = a["version"].clone();
        let id = a["id"].as_str().context("id")?;
        let a = api
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/applications/{id}"),
                &dn2,
                Some(fixed),
                &[],
            )
            .await?
            .context("saved")?;
        api.step(&a, "submit", &dn2, None).await?;
        // Accepted, to be built into a scheme.
        let a = new(
            &dn1,
            content(
                year,
                "cleaner_production",
                "Hệ thống xử lý nước thải làng nghề",
                commune,
                900_000_000,
                270_000_000,
            ),
        )
        .await?;
        let a = api.step(&a, "submit", &dn1, None).await?;
        api.step(&a, "accept", &centre, None).await?;
        // Rejected, and withdrawn.
        let a = new(
            &dn2,
            content(
                year,
                "consulting",
                "Tư vấn xây dựng thương hiệu",
                commune,
                60_000_000,
                50_000_000,
            ),
        )
        .await?;
        let a = api.step(&a, "submit", &dn2, None).await?;
        api.step(
            &a,
            "reject",
            &centre,
            Some("Vốn đối ứng không đủ theo quy định"),
        )
        .await?;
        let a = new(
            &dn1,
            content(
                year,
                "digital_transformation",
                "Phần mềm quản lý sản xuất",
                commune,
                150_000_000,
                60_000_000,
            ),
        )
        .await?;
        let a = api.step(&a, "submit", &dn1, None).await?;
        api.step(
            &a,
            "withdraw",
            &dn1,
            Some("Doanh nghiệp tự triển khai bằng vốn riêng"),
        )
        .await?;
        schemes(&api, code, plan, commune).await?;
        tracing::info!(province = code, "workflow demo data ready");
    }
    Ok(())
}

/// An application of `enterprise` with `body`, submitted and accepted by the centre; its id.
async fn accepted(
    api: &Api,
    enterprise: &str,
    centre: &str,
    body: Value,
) -> anyhow::Result<String> {
    let a = api.post("/api/v1/applications", enterprise, body).await?;
    let a = api.step(&a, "submit", enterprise, None).await?;
    let a = api.step(&a, "accept", centre, None).await?;
    a["id"].as_str().map(str::to_owned).context("id")
}

/// Schemes of plan year `plan` in every status of both funds' chains.
async fn schemes(api: &Api, code: &str, plan: i32, commune: &str) -> anyhow::Result<()> {
    let dn = [
        api.token(&format!("dn1.{code}@demo.test")).await?,
        api.token(&format!("dn2.{code}@demo.test")).await?,
    ];
    let centre = api.token(&format!("ttkc.{code}@demo.test")).await?;
    let officer = api.token(&format!("cv.so.{code}@demo.test")).await?;
    let department = api.token(&format!("so.{code}@demo.test")).await?;
    let ministry = api.token("bo@demo.test").await?;
    let scores = json!({"necessity": 17, "feasibility": 21, "effectiveness": 19, "counterpart": 12, "priority": 11});
    // (title, fund, activity, cost, support, how far it goes)
    let plans: [(&str, &str, &str, u64, u64, &str); 8] = [
        (
            "Mô hình trình diễn máy ép viên nén mùn cưa",
            "kcqg",
            "demonstration_model",
            2_000_000_000,
            600_000_000,
            "draft",
        ),
        (
            "Dây chuyền sản xuất bún khô",
            "kcqg",
            "technology_line",
            900_000_000,
            400_000_000,
            "registered",
        ),
        (
            "Máy dệt thổ cẩm tự động",
            "kcqg",
            "machinery",
            560_000_000,
            280_000_000,
            "appraised",
        ),
        (
            "Mô hình xử lý khí thải lò gạch",
            "kcqg",
            "demonstration_model",
            1_500_000_000,
            450_000_000,
            "sent_to_ministry",
        ),
        (
            "Máy chế biến gỗ mỹ nghệ",
            "kcqg",
            "machinery",
            500_000_000,
            250_000_000,
            "selected",
        ),
        (
            "Mô hình sấy nông sản bằng năng lượng mặt trời",
            "kcqg",
            "demonstration_model",
            1_800_000_000,
            540_000_000,
            "approved",
        ),
        (
            "Máy đóng gói chè",
            "kcdp",
            "machinery",
            300_000_000,
            150_000_000,
            "approved",
        ),
        (
            "Máy xay xát gạo",
            "kcdp",
            "machinery",
            200_000_000,
            100_000_000,
            "rejected",
        ),
    ];
    for (i, (title, fund, activity, cost, support, until)) in plans.into_iter().enumerate() {
        let enterprise = &dn[i % 2];
        let mut body = content(plan, activity, title, commune, cost, support);
        body["fund"] = json!(fund);
        let application = accepted(api, enterprise, &centre, body).await?;
        let mut s = api.post("/api/v1/schemes", &centre, json!({
            "kind": "point", "fund": fund, "plan_year": plan, "activity_code": activity, "title": title,
            "commune": commune, "total_cost": cost.to_string(), "support_requested": support.to_string(),
            "counterpart": (cost - support).to_string(), "application_ids": [application]
        })).await?;
        let id = s["id"].as_str().context("id")?.to_owned();
        api.attach("schemes", &s, &centre, "scheme_document", "de-an.pdf")
            .await?;
        let advance = |s: &Value, who: &str| {
            let (who, version) = (who.to_owned(), s["version"].clone());
            let id = id.clone();
            async move {
                api.post(
                    &format!("/api/v1/schemes/{id}/advance"),
                    &who,
                    json!({"version": version}),
                )
                .await
            }
        };
        if until == "draft" {
            continue;
        }
        s = advance(&s, &centre).await?;
        if until == "rejected" {
            api.post(&format!("/api/v1/schemes/{id}/reject"), &officer, json!({
                "version": s["version"], "reason": "Cơ sở đã được hỗ trợ nội dung tương tự năm trước"
            })).await?;
            continue;
        }
        if until == "registered" {
            continue;
        }
        s = api
            .post(
                &format!("/api/v1/schemes/{id}/appraisal"),
                &officer,
                json!({
                    "no_conflict": true, "scores": scores, "recommended_amount": support.to_string()
                }),
            )
            .await?;
        api.attach(
            "schemes",
            &s,
            &officer,
            "appraisal_record",
            "bien-ban-tham-dinh.pdf",
        )
        .await?;
        s = advance(&s, &officer).await?;
        if until == "appraised" {
            continue;
        }
        s = advance(&s, &department).await?;
        if fund == "kcdp" {
            // The department approved it (the local fund's last step) and files its decision.
            api.attach("schemes", &s, &department, "decision", "quyet-dinh.pdf")
                .await?;
            continue;
        }
        if until == "sent_to_ministry" {
            continue;
        }
        s = advance(&s, &ministry).await?;
        if until == "selected" {
            continue;
        }
        s = advance(&s, &ministry).await?;
        api.attach("schemes", &s, &ministry, "decision", "quyet-dinh.pdf")
            .await?;
    }
    Ok(())
}
