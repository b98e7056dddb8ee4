//! The authorization matrix: every route of every service declares who may call it (`x-kc-access` in
//! its OpenAPI operation), and every route is called as every kind of caller, in both directions
//! between two provinces. A caller the declaration does not allow gets 401, 403 or 404, never a 2xx;
//! an allowed caller never gets 401 or 403, nor 404 for a record it may see. A route without a declaration fails the test, so new
//! routes join the matrix by being declared.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use kc_kernel::TaxCode;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One kind of caller.
struct Caller {
    kind: String,
    token: Option<String>,
    /// From the caller's `/me`: role, permissions, province id, organisation id.
    role: Option<String>,
    perms: Vec<String>,
    province: Option<String>,
    org: Option<String>,
}

/// The owner of a fixture record.
#[derive(Clone)]
struct Fixture {
    id: String,
    province: String,
    /// The organisation that owns it; `None`: a record of the province every enterprise of the
    /// province may see (a local rule).
    org: Option<String>,
}

/// Send a JSON request that must succeed, and read its answer.
async fn must(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Value,
) -> Value {
    let r = http
        .request(method, url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {answer}");
    answer
}

async fn login(http: &reqwest::Client, identity: &str, email: &str) -> (String, Value) {
    kc_e2e::login(http, identity, email, kc_e2e::DEMO_PASSWORD).await
}

fn caller(kind: &str, token: String, me: &Value) -> Caller {
    Caller {
        kind: kind.to_owned(),
        token: Some(token),
        role: me["role"].as_str().map(str::to_owned),
        perms: me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect(),
        province: me["province"]["id"].as_str().map(str::to_owned),
        org: me["organisation"]["id"].as_str().map(str::to_owned),
    }
}

/// A request body with every required field, from the operation's schema.
fn body_for(doc: &Value, schema: &Value, fixture_id: &str) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return body_for(doc, &doc["components"]["schemas"][name], fixture_id);
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut merged = serde_json::Map::new();
        for s in all {
            if let Value::Object(m) = body_for(doc, s, fixture_id) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = schema["oneOf"].as_array().and_then(|a| a.first()) {
        return body_for(doc, first, fixture_id);
    }
    if let Some(e) = schema["enum"].as_array().and_then(|a| a.first()) {
        return e.clone();
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .and_then(Value::as_str)
            .unwrap_or("string"),
        t => t.as_str().unwrap_or("object"),
    };
    match ty {
        "object" => {
            let mut out = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                out.insert(
                    name.to_owned(),
                    body_for(doc, &schema["properties"][name], fixture_id),
                );
            }
            Value::Object(out)
        }
        "integer" | "number" => json!(1),
        "boolean" => json!(false),
        "array" => json!([]),
        _ if schema["pattern"] == "^[0-9]{1,15}$" => json!("1"),
        _ => match schema["format"].as_str() {
            Some("uuid") => json!(fixture_id),
            Some("email") => json!("matrix@example.com"),
            Some("date") => json!("2025-07-01"),
            _ => json!("matrix"),
        },
    }
}

fn allowed(access: &Value, c: &Caller, fixture: Option<&Fixture>) -> bool {
    if access["public"] == true {
        return true;
    }
    let (Some(_), Some(role)) = (&c.token, &c.role) else {
        return false;
    };
    if c.kind == "expired token" {
        return false;
    }
    let roles: Vec<&str> = access["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let perms: Vec<&str> = access["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    if !roles.contains(&role.as_str()) {
        return false;
    }
    if !perms.is_empty() && !perms.iter().any(|p| c.perms.iter().any(|q| q == p)) {
        return false;
    }
    match fixture {
        None => true,
        Some(f) => match role.as_str() {
            "ministry" => true,
            "enterprise" => match &f.org {
                Some(org) => c.org.as_deref() == Some(org),
                None => c.province.as_deref() == Some(&f.province),
            },
            _ => c.province.as_deref() == Some(&f.province),
        },
    }
}

#[tokio::test]
async fn every_route_of_every_service_admits_exactly_its_declared_callers() {
    let system = System::start().await;
    let http = reqwest::Client::new();
    let identity = system.service("identity").url("");
    let key = system.signing_key();

    let mut checked = 0;
    let mut failures = Vec::new();
    for (home, other) in [("01", "79"), ("79", "01")] {
        let (bo_t, bo) = login(&http, &identity, "bo@demo.test").await;
        let (so_t, so) = login(&http, &identity, &format!("so.{home}@demo.test")).await;
        let (tt_t, tt) = login(&http, &identity, &format!("ttkc.{home}@demo.test")).await;
        let (dn_t, dn) = login(&http, &identity, &format!("dn1.{home}@demo.test")).await;
        let (ot_t, ot) = login(&http, &identity, &format!("so.{other}@demo.test")).await;
        let (d2_t, d2) = login(&http, &identity, &format!("dn2.{home}@demo.test")).await;
        // The ministry's own claims, signed with the real key, expired an hour ago.
        let mut claims: kc_auth::Claims = kc_auth::Verifier::from_jwks(
            &http
                .get(format!("{identity}/.well-known/jwks.json"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap(),
        )
        .unwrap()
        .verify(&bo_t)
        .await
        .unwrap();
        let now = chrono::Utc::now().timestamp();
        claims.iat = now - 7200;
        claims.nbf = now - 7200;
        claims.exp = now - 3600;
        let expired = kc_testing::jwt::sign(&key, &claims);
        let callers = vec![
            caller("ministry", bo_t, &bo),
            caller("province department staff", so_t, &so),
            caller("centre staff", tt_t, &tt),
            caller("enterprise", dn_t, &dn),
            caller("another province's staff", ot_t, &ot),
            caller("another enterprise", d2_t, &d2),
            Caller {
                kind: "no token".into(),
                token: None,
                role: None,
                perms: vec![],
                province: None,
                org: None,
            },
            Caller {
                kind: "expired token".into(),
                ..caller("expired", expired, &bo)
            },
        ];

        // Records of the home province: the enterprise's organisation and user, and a pending
        // registration.
        let province = dn["province"]["id"].as_str().unwrap().to_owned();
        let ent_org = dn["organisation"]["id"].as_str().unwrap().to_owned();
        let reg: Value = http
            .post(format!("{identity}/api/v1/registrations"))
            .json(&json!({
                "tax_code": TaxCode::with_check_digit(&format!("{home}9999999")).unwrap().as_str(), "name": "Cơ sở Ma trận", "enterprise_kind": "company",
                "province_code": home, "commune": "Xã Ma trận", "full_name": "Người Đăng Ký",
                "email": format!("matrix.{home}@example.com"), "password": "MatKhau@2025"
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(reg["status"], "received", "registration: {reg}");
        // The answer names no record: the centre's list does.
        let pending = kc_e2e::get_json(
            &http,
            &format!("{identity}/api/v1/registrations"),
            callers[2].token.as_deref(),
        )
        .await;
        let reg_org = pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["organisation"]["name"] == "Cơ sở Ma trận")
            .unwrap_or_else(|| panic!("registration not listed: {pending}"))["organisation"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Workflow records of the home province: a local rule of its department, the national fund's
        // allocation to it and its local envelope, and a submitted application of its enterprise
        // (version 1 exists, so the version routes have something to show).
        let workflow = system.service("workflow").url("");
        let today = kc_kernel::today_vn();
        let local_rule = must(&http, Method::POST, &format!("{workflow}/api/v1/rules"), callers[1].token.as_deref().unwrap(), json!({
            "kind": "support_cap", "key": "demonstration_model", "fund": "kcdp", "valid_from": today,
            "legal_basis": "Ma trận", "body": {"max_share_percent": "30", "max_amount": "800000000", "per": "model"}
        })).await["id"].as_str().unwrap().to_owned();
        let year = if home == "01" { 2031 } else { 2032 };
        let bo_token = callers[0].token.as_deref().unwrap();
        must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/budget/national-envelopes"),
            bo_token,
            json!({"year": year, "amount": "1000000000"}),
        )
        .await;
        let allocation = must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/budget/national-envelopes"),
            bo_token,
            json!({"year": year, "province_code": home, "amount": "500000000"}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let local_envelope = must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/budget/local-envelopes"),
            callers[1].token.as_deref().unwrap(),
            json!({"year": year, "amount": "700000000"}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let plan_year = chrono::Datelike::year(&today) + 1;
        let dn_token = callers[3].token.as_deref().unwrap();
        let draft = must(&http, Method::POST, &format!("{workflow}/api/v1/applications"), dn_token, json!({
            "fund": "kcqg", "activity_code": "machinery", "plan_year": plan_year, "title": "Ma trận",
            "commune": "Xã Ma trận", "total_cost": "100000000", "support_requested": "50000000",
            "counterpart": "50000000", "expected_results": "Ma trận",
            "start_date": format!("{plan_year}-02-01"), "end_date": format!("{plan_year}-11-30")
        })).await;
        let application = draft["id"].as_str().unwrap().to_owned();
        let document: Value = http
            .post(format!(
                "{workflow}/api/v1/applications/{application}/documents?kind=request_letter&filename=don.pdf"
            ))
            .bearer_auth(dn_token)
            .header("content-type", "application/octet-stream")
            .body(&b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"[..])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let document = document["id"]
            .as_str()
            .unwrap_or_else(|| panic!("upload: {document}"))
            .to_owned();
        must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/applications/{application}/submit"),
            dn_token,
            json!({"version": draft["version"]}),
        )
        .await;
        // A draft scheme of the centre, from a second application it accepted.
        let content = json!({
            "fund": "kcdp", "activity_code": "machinery", "plan_year": plan_year, "title": "Ma trận 2",
            "commune": "Xã Ma trận", "total_cost": "100000000", "support_requested": "50000000",
            "counterpart": "50000000", "expected_results": "Ma trận",
            "start_date": format!("{plan_year}-02-01"), "end_date": format!("{plan_year}-11-30")
        });
        let tt_token = callers[2].token.as_deref().unwrap();
        let second = must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/applications"),
            dn_token,
            content,
        )
        .await;
        let second_id = second["id"].as_str().unwrap().to_owned();
        let second = must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/applications/{second_id}/submit"),
            dn_token,
            json!({"version": second["version"]}),
        )
        .await;
        must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/applications/{second_id}/accept"),
            tt_token,
            json!({"version": second["version"]}),
        )
        .await;
        let scheme = must(&http, Method::POST, &format!("{workflow}/api/v1/schemes"), tt_token, json!({
            "kind": "point", "fund": "kcdp", "plan_year": plan_year, "activity_code": "machinery",
            "title": "Đề án ma trận", "commune": "Xã Ma trận", "total_cost": "100000000",
            "support_requested": "50000000", "counterpart": "50000000", "application_ids": [second_id]
        })).await["id"].as_str().unwrap().to_owned();
        // A cluster of the home province, its enterprise the investor (another enterprise does not
        // see it).
        let registry = system.service("registry").url("");
        let so_token = callers[1].token.as_deref().unwrap();
        let commune = must(
            &http,
            Method::POST,
            &format!("{registry}/api/v1/communes"),
            so_token,
            json!({"name": format!("Xã Ma trận {home}")}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let cluster = must(
            &http,
            Method::POST,
            &format!("{registry}/api/v1/clusters"),
            so_token,
            json!({
                "code": "CCN-MT", "record": {
                    "name": "Cụm công nghiệp Ma trận", "commune_ids": [commune], "latitude": "21",
                    "longitude": "105.8", "planned_area_ha": "50", "industrial_area_ha": "30",
                    "leased_area_ha": "0", "investor_org_id": ent_org,
                    "investor_name": "Cơ sở Ma trận", "investor_kind": "enterprise"}
            }),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // The department's annual extension report of last year (a draft).
        let extension_report = must(
            &http,
            Method::POST,
            &format!("{workflow}/api/v1/extension-reports"),
            so_token,
            json!({"kind": "annual", "year": chrono::Datelike::year(&today) - 1}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Its investor's report for last year's first half.
        let report = must(
            &http,
            Method::POST,
            &format!("{registry}/api/v1/clusters/{cluster}/reports"),
            dn_token,
            json!({"kind": "half_year", "year": chrono::Datelike::year(&today) - 1,
                   "figures": {"workers": 10, "leased_area_ha": "0", "secondary_projects": 0}}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // An obligation of the home province: its centre's plan registration, which the notifications
        // scheduler opens once its clock is a month before 20 May.
        let notifications = system.service("notifications").url("");
        must(
            &http,
            Method::PUT,
            &format!("{notifications}/api/v1/clock"),
            bo_token,
            json!({"today": "2027-05-01"}),
        )
        .await;
        let obligation = kc_testing::wait_for(
            "the scheduler opens the centre's plan registration",
            std::time::Duration::from_secs(30),
            || async {
                let list = kc_e2e::get_json(
                    &http,
                    &format!("{notifications}/api/v1/obligations?duty=plan_registration"),
                    Some(so_token),
                )
                .await;
                list["items"][0]["id"].as_str().map(str::to_owned)
            },
        )
        .await;
        // A calendar address (the ministry user's): its secret, as the public route names it.
        let feed = must(
            &http,
            Method::POST,
            &format!("{notifications}/api/v1/calendar-feed"),
            bo_token,
            json!({}),
        )
        .await;
        let feed = feed["path"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let centre_org = tt["organisation"]["id"].as_str().unwrap().to_owned();
        let fixtures: BTreeMap<&str, Fixture> = [
            (
                "organisation",
                Fixture {
                    id: ent_org.clone(),
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
            (
                "user",
                Fixture {
                    id: dn["user"]["id"].as_str().unwrap().to_owned(),
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
            (
                "registration",
                Fixture {
                    id: reg_org.clone(),
                    province: province.clone(),
                    org: Some(reg_org),
                },
            ),
            (
                "rule",
                Fixture {
                    id: local_rule,
                    province: province.clone(),
                    org: None,
                },
            ),
            (
                "national_envelope",
                Fixture {
                    id: allocation,
                    province: province.clone(),
                    org: None,
                },
            ),
            (
                "local_envelope",
                Fixture {
                    id: local_envelope,
                    province: province.clone(),
                    org: None,
                },
            ),
            (
                "cluster_report",
                Fixture {
                    id: report,
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
            (
                "calendar_feed",
                Fixture {
                    id: feed,
                    province: province.clone(),
                    org: None,
                },
            ),
            (
                "obligation",
                Fixture {
                    id: obligation,
                    province: province.clone(),
                    org: Some(centre_org),
                },
            ),
            (
                "cluster",
                Fixture {
                    id: cluster,
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
            (
                "extension_report",
                Fixture {
                    id: extension_report,
                    province: province.clone(),
                    org: None,
                },
            ),
            (
                "scheme_as_beneficiary",
                Fixture {
                    id: scheme.clone(),
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
            (
                "scheme",
                Fixture {
                    id: scheme,
                    province: province.clone(),
                    org: None,
                },
            ),
            (
                "document",
                Fixture {
                    id: document,
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
            (
                "application",
                Fixture {
                    id: application,
                    province: province.clone(),
                    org: Some(ent_org.clone()),
                },
            ),
        ]
        .into();

        // Every operation of every service; those that end the caller's sessions come last (the next
        // direction logs in again).
        let mut docs = Vec::new();
        for svc in &system.services {
            let doc = kc_e2e::openapi(&http, &svc.url("")).await;
            docs.push((svc, doc));
        }
        let mut operations: Vec<(&kc_e2e::Proc, &Value, &String, &String, &Value)> = docs
            .iter()
            .flat_map(|(svc, doc)| {
                doc["paths"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .flat_map(move |(path, item)| {
                        item.as_object()
                            .unwrap()
                            .iter()
                            .map(move |(method, op)| (*svc, doc, path, method, op))
                    })
            })
            .collect();
        operations.sort_by_key(|(.., op)| op[kc_auth::EXTENSION]["ends_sessions"] == true);
        for (svc, doc, path, method, op) in operations {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let route = format!("{} {method} {path}", svc.name);
            let Some(access) = op.get(kc_auth::EXTENSION) else {
                failures.push(format!("{route}: no x-kc-access declaration"));
                continue;
            };
            let fixture = match access["resource"].as_str() {
                Some(kind) => Some(fixtures.get(kind).cloned().unwrap_or_else(|| {
                    panic!("{route}: the matrix has no fixture for resource {kind}")
                })),
                None if path.contains('{') => {
                    failures.push(format!(
                                "{route}: its path names a record but the declaration does not say which kind (.on(..))"
                            ));
                    continue;
                }
                None => None,
            };
            // Other path parameters name a version of the record: its first.
            let numbered = path
                .replace("{number}", "1")
                .replace("{a}", "1")
                .replace("{b}", "1");
            let url = match &fixture {
                Some(f) => svc.url(&numbered.replace("{id}", &f.id).replace("{secret}", &f.id)),
                None => svc.url(&numbered),
            };
            let body = op["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|s| {
                    body_for(
                        doc,
                        &Value::Object(s.clone()),
                        fixture.as_ref().map_or("", |f| f.id.as_str()),
                    )
                });
            for c in &callers {
                let mut req = http.request(method.clone(), &url);
                if let Some(t) = &c.token {
                    req = req.bearer_auth(t);
                }
                if let Some(b) = &body {
                    req = req.json(b);
                }
                let status = req.send().await.unwrap().status();
                checked += 1;
                let ok = if access["public"] == true {
                    !status.is_server_error()
                } else if allowed(access, c, fixture.as_ref()) {
                    // The record exists and is the caller's to see: not hidden either. (Where data
                    // decides which allowed caller acts on a record, another's step is a 403.)
                    status != StatusCode::UNAUTHORIZED
                        && (status != StatusCode::FORBIDDEN || access["decided_by_data"] == true)
                        && !(fixture.is_some() && status == StatusCode::NOT_FOUND)
                        && !status.is_server_error()
                } else {
                    matches!(status.as_u16(), 401 | 403 | 404)
                };
                if !ok {
                    failures.push(format!("{route} as {} ({home} home): {status}", c.kind));
                }
            }
        }
    }
    eprintln!("authorization matrix: {checked} calls checked");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every service answered: at least its health, readiness and whoami for every caller.
    assert!(checked >= 2 * 8 * (3 * 5), "only {checked} calls");
}
