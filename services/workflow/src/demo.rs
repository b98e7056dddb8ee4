//! Demo data for the run command (never in production): budget envelopes, a local rule, and in each
//! demo province (01, 37, 79) applications in every state of their life cycle, one of them returned
//! and resubmitted (two versions to compare), and schemes in every state of both funds, from a draft
//! through implementation (contracts, advances, payments, reports, acceptance) to settlement or
//! termination.
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
    ) -> anyhow::Result<String> {
        let id = case["id"].as_str().context("id")?;
        let doc: Value = self
            .http
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
            .with_context(|| format!("upload {filename}"))?
            .json()
            .await?;
        doc["id"].as_str().map(str::to_owned).context("document id")
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
    let plans: [(&str, &str, &str, u64, u64, &str); 13] = [
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
        (
            "Mô hình sản xuất gạch không nung",
            "kcqg",
            "demonstration_model",
            2_400_000_000,
            720_000_000,
            "implementing",
        ),
        (
            "Máy sấy cà phê",
            "kcdp",
            "machinery",
            400_000_000,
            200_000_000,
            "accepted",
        ),
        (
            "Đào tạo nghề mây tre đan xuất khẩu",
            "kcqg",
            "training",
            350_000_000,
            300_000_000,
            "settlement_submitted",
        ),
        (
            "Dây chuyền chế biến nước mắm",
            "kcdp",
            "technology_line",
            800_000_000,
            350_000_000,
            "settled",
        ),
        (
            "Máy cắt khắc laser đồ gỗ mỹ nghệ",
            "kcdp",
            "machinery",
            400_000_000,
            180_000_000,
            "terminated",
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
        } else {
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
        if until != "approved" {
            // The national fund's money is the ministry's to contract, pay and stop; a local
            // fund's the department's (its officer pays, its director stops).
            let (funder, stopper) = if fund == "kcqg" {
                (&ministry, &ministry)
            } else {
                (&officer, &department)
            };
            implement(api, s, until, funder, stopper, &centre).await?;
        }
    }
    Ok(())
}

/// Take an approved demo scheme through its implementation `until` a status: the contract, a
/// progress report, an advance and an inspection, a payment, the acceptance, the settlement dossier,
/// the settlement with its last payment; or stop it on a written request.
async fn implement(
    api: &Api,
    s: Value,
    until: &str,
    funder: &str,
    stopper: &str,
    centre: &str,
) -> anyhow::Result<()> {
    let id = s["id"].as_str().context("id")?.to_owned();
    let support: u64 = s["support_approved"]
        .as_str()
        .context("support approved")?
        .parse()?;
    let today = kc_kernel::today_vn();
    let ago = |days: i64| (today - chrono::Duration::days(days)).to_string();
    let path = |act: &str| format!("/api/v1/schemes/{id}/{act}");
    if until == "terminated" {
        let request = api
            .attach(
                "schemes",
                &s,
                stopper,
                "termination_request",
                "de-nghi-ngung.pdf",
            )
            .await?;
        api.post(
            &path("terminate"),
            stopper,
            json!({
                "version": s["version"], "requested_on": ago(3), "document_id": request,
                "reason": "Cơ sở thụ hưởng chuyển địa điểm sản xuất, không tiếp tục thực hiện được"
            }),
        )
        .await?;
        return Ok(());
    }
    let contract = api
        .attach("schemes", &s, funder, "contract", "hop-dong.pdf")
        .await?;
    let e = api
        .post(
            &path("contract"),
            funder,
            json!({
                "version": s["version"], "number": format!("{}/HĐ-KC", 100 + support % 97),
                "signed_on": ago(60), "ends_on": ago(-120), "amount": support.to_string(),
                "document_id": contract
            }),
        )
        .await?;
    let progress = api
        .attach(
            "schemes",
            &e["scheme"],
            centre,
            "progress_report",
            "bao-cao-tien-do.pdf",
        )
        .await?;
    api.post(
        &path("reports"),
        centre,
        json!({
            "kind": "progress", "reported_on": ago(30), "percent_done": 55, "document_id": progress,
            "body": "Đã mua sắm, lắp đặt thiết bị; đang vận hành thử và hướng dẫn kỹ thuật"
        }),
    )
    .await?;
    let voucher = api
        .attach(
            "schemes",
            &e["scheme"],
            funder,
            "payment_voucher",
            "chung-tu.pdf",
        )
        .await?;
    let pay = |kind: &str, amount: u64, days: i64| {
        json!({"kind": kind, "amount": amount.to_string(), "paid_on": ago(days),
               "document_id": voucher.clone()})
    };
    api.post(&path("payments"), funder, pay("advance", support / 2, 45))
        .await?;
    api.post(&path("reports"), funder, json!({
        "kind": "inspection", "reported_on": ago(20),
        "body": "Kiểm tra tại cơ sở: đúng nội dung, đúng tiến độ; đề nghị hoàn thiện hồ sơ nghiệm thu"
    }))
    .await?;
    if until == "implementing" {
        return Ok(());
    }
    let e = api
        .post(
            &path("payments"),
            funder,
            pay("payment", support * 2 / 5, 10),
        )
        .await?;
    let record = api
        .attach(
            "schemes",
            &e["scheme"],
            centre,
            "acceptance_record",
            "bien-ban-nghiem-thu.pdf",
        )
        .await?;
    let e = api.post(&path("acceptance"), centre, json!({
        "version": e["scheme"]["version"], "accepted_on": ago(7), "result": "passed",
        "findings": "Mô hình vận hành ổn định, đạt các chỉ tiêu kỹ thuật của đề án",
        "members": [{"name": "Nguyễn Văn Hùng", "position": "Giám đốc Trung tâm Khuyến công"},
                    {"name": "Lê Thị Mai", "position": "Chuyên viên Sở Công Thương"},
                    {"name": "Phạm Văn Tâm", "position": "Đại diện cơ sở thụ hưởng"}],
        "document_id": record
    }))
    .await?;
    if until == "accepted" {
        return Ok(());
    }
    let claimed = support / 100 * 95;
    let dossier = api
        .attach(
            "schemes",
            &e["scheme"],
            centre,
            "settlement_dossier",
            "ho-so-quyet-toan.pdf",
        )
        .await?;
    let e = api.post(&path("settlement"), centre, json!({
        "version": e["scheme"]["version"], "claimed": claimed.to_string(), "document_id": dossier
    }))
    .await?;
    if until == "settlement_submitted" {
        return Ok(());
    }
    let liquidation = api
        .attach(
            "schemes",
            &e["scheme"],
            funder,
            "liquidation_record",
            "bien-ban-thanh-ly.pdf",
        )
        .await?;
    let e = api.post(&path("settlement/decision"), funder, json!({
        "version": e["scheme"]["version"], "verdict": "settle", "settled": claimed.to_string(),
        "settled_on": ago(1), "liquidated_on": ago(1), "document_id": liquidation
    }))
    .await?;
    let paid: u64 = e["figures"]["paid"].as_str().context("paid")?.parse()?;
    api.post(&path("payments"), funder, pay("payment", claimed - paid, 0))
        .await?;
    Ok(())
}
