use crate::helpers::{PASSWORD, TestApp, error_fields, expect_error};
use kc_identity::demo;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn form(tax: &str, email: &str, province: &str) -> Value {
    json!({
        "tax_code": tax,
        "name": "Cơ sở Gốm Bát Trang",
        "enterprise_kind": "household_business",
        "province_code": province,
        "commune": "Xã Bát Tràng",
        "woman_owned": true,
        "ethnic_minority_owned": false,
        "full_name": "Nguye\u{0302}\u{0303}n Thị Hoa",
        "email": email,
        "password": "mat-khau-rat-dai",
    })
}

/// The pending registration of a tax code (the answer does not say: the centre's list, or here the
/// database, does).
async fn org_of(app: &TestApp, tax_code: &str) -> String {
    app.query(&format!(
        "SELECT id FROM identity.organisations WHERE tax_code = '{tax_code}' AND status = 'pending'"
    ))
    .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn self_registration_waits_for_the_centre_then_logs_in() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &form("0109999982", "hoa@gom.vn", "01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["status"], "received");
    let org_id = org_of(&app, "0109999982").await;
    // The applicant is told by e-mail (through the outbox).
    let mails = app
        .query("SELECT topic, payload FROM outbox.events WHERE topic = 'identity.registration_received'")
        .await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["payload"]["to"], "hoa@gom.vn");
    assert_eq!(mails[0]["payload"]["claims_tax_code"], false);

    // Pending: the right password is refused with a clear 403.
    let r = app
        .login_with(&app.http, "hoa@gom.vn", "mat-khau-rat-dai")
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Names are stored NFC.
    let rows = app
        .query("SELECT full_name FROM identity.users WHERE email = 'hoa@gom.vn'")
        .await;
    assert_eq!(rows[0]["full_name"], "Nguyễn Thị Hoa");

    // The centre of another province neither sees nor decides it.
    let ttkc79 = app.token("ttkc.79@demo.test").await;
    let list: Value = app
        .get("/api/v1/registrations", &ttkc79)
        .await
        .json()
        .await
        .unwrap();
    // (Only its own demo registration, waiting too.)
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["users"][0]["email"], "dk.79@demo.test");
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/verify"),
            Some(&ttkc79),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // An enterprise user, or the department, cannot verify.
    let dn = app.token("dn1.01@demo.test").await;
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/verify"),
            Some(&dn),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Hà Nội's centre sees it and verifies it.
    let ttkc01 = app.token("ttkc.01@demo.test").await;
    let list: Value = app
        .get("/api/v1/registrations", &ttkc01)
        .await
        .json()
        .await
        .unwrap();
    // Hers and the demo's waiting registration.
    assert_eq!(list["total"], 2);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["users"][0]["email"] == "hoa@gom.vn")
    );
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/verify"),
            Some(&ttkc01),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/verify"),
            Some(&ttkc01),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    let r = app
        .login_with(&app.http, "hoa@gom.vn", "mat-khau-rat-dai")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'registration.verified'")
            .await,
        1
    );
    // Its user is told, once (the conflicting second decision announced nothing).
    let told = app
        .query("SELECT payload FROM outbox.events WHERE topic = 'identity.registration_decided'")
        .await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["payload"]["to"], "hoa@gom.vn");
    assert_eq!(told[0]["payload"]["verified"], true);
}

#[tokio::test]
async fn rejection_needs_a_reason_and_keeps_the_account_out() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &form("3700000120-001", "a@b37.vn", "37"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let org_id = &org_of(&app, "3700000120-001").await;
    // Only the centre of the registration's province may reject it.
    for (who, status) in [
        ("ttkc.79@demo.test", StatusCode::NOT_FOUND),
        ("so.37@demo.test", StatusCode::FORBIDDEN),
        ("dn1.37@demo.test", StatusCode::FORBIDDEN),
        ("bo@demo.test", StatusCode::FORBIDDEN),
    ] {
        let t = app.token(who).await;
        let r = app
            .post(
                &format!("/api/v1/registrations/{org_id}/reject"),
                Some(&t),
                &json!({"reason": "Không phải việc của tôi"}),
            )
            .await;
        assert_eq!(r.status(), status, "{who}");
    }
    let ttkc = app.token("ttkc.37@demo.test").await;
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/reject"),
            Some(&ttkc),
            &json!({"reason": "  "}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["reason"]).await;
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/reject"),
            Some(&ttkc),
            &json!({"reason": "Mã số thuế không khớp giấy đăng ký kinh doanh"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let org: Value = r.json().await.unwrap();
    assert_eq!(org["status"], "rejected");
    assert_eq!(
        org["status_reason"],
        "Mã số thuế không khớp giấy đăng ký kinh doanh"
    );
    let told = app
        .query("SELECT payload FROM outbox.events WHERE topic = 'identity.registration_decided'")
        .await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["payload"]["verified"], false);
    assert_eq!(
        told[0]["payload"]["reason"],
        "Mã số thuế không khớp giấy đăng ký kinh doanh"
    );
    // Decided once: a second decision is a conflict.
    let r = app
        .post(
            &format!("/api/v1/registrations/{org_id}/reject"),
            Some(&ttkc),
            &json!({"reason": "Lần nữa"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .login_with(&app.http, "a@b37.vn", "mat-khau-rat-dai")
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The rejected registration does not hold the tax code or the e-mail: the real enterprise (or the
    // same one, corrected) can register again, and an admin cannot revive the rejected one.
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &form("3700000120-001", "a@b37.vn", "37"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(
        app.count("SELECT 1 FROM identity.organisations WHERE tax_code = '3700000120-001'")
            .await,
        2,
        "the rejected registration and the new one"
    );
    let so37 = app.token("so.37@demo.test").await;
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org_id}"),
            &so37,
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // And an admin cannot add users to an organisation that is not active.
    let r = app
        .post(
            "/api/v1/users",
            Some(&so37),
            &json!({"organisation_id": org_id, "email": "late@b37.vn", "full_name": "B",
                    "permissions": ["officer"], "password": "mat-khau-dai-du"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["organisation_id"]).await;
}

#[tokio::test]
async fn invalid_registrations_write_nothing() {
    let app = TestApp::spawn().await;
    let orgs_before = app.count("SELECT 1 FROM identity.organisations").await;
    let users_before = app.count("SELECT 1 FROM identity.users").await;

    let with = |mut body: Value, changes: &[(&str, Value)]| {
        for (k, v) in changes {
            body[*k] = v.clone();
        }
        body
    };
    let cases: Vec<(&str, Value, StatusCode, Vec<&str>)> = vec![
        (
            "short tax code",
            form("12345", "x@y.vn", "01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["tax_code"],
        ),
        (
            "a wrong check digit",
            form("0100109105", "x@y.vn", "01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["tax_code"],
        ),
        (
            "no check digit can make it valid",
            form("0000000000", "x@y.vn", "01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["tax_code"],
        ),
        (
            "branch 000",
            form("0100109106-000", "x@y.vn", "01"),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["tax_code"],
        ),
        (
            "unknown province",
            form("0101111115", "x@y.vn", "99"),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["province_code"],
        ),
        (
            "several fields at once",
            with(
                form("0101111115", "not-email", "01"),
                &[
                    ("password", json!("short")),
                    ("enterprise_kind", json!("corporation")),
                ],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["email", "enterprise_kind", "password"],
        ),
        (
            "a wrong type",
            with(
                form("0101111115", "t@y.vn", "01"),
                &[("woman_owned", json!("có"))],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["woman_owned"],
        ),
    ];
    for (case, body, status, fields) in cases {
        let r = app.post("/api/v1/registrations", None, &body).await;
        assert_eq!(r.status(), status, "{case}");
        assert_eq!(error_fields(r).await, fields, "{case}");
    }

    assert_eq!(
        app.count("SELECT 1 FROM identity.organisations").await,
        orgs_before
    );
    assert_eq!(
        app.count("SELECT 1 FROM identity.users").await,
        users_before
    );
    // Demo logins still work after all that.
    let r = app.login_with(&app.http, "so.79@demo.test", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// Registration tells no one that an e-mail address or a tax code is known: the same answer as for a
/// new registration; the address's owner gets an e-mail, and a held tax code becomes a claim the
/// province's centre reviews.
#[tokio::test]
async fn known_addresses_and_tax_codes_are_not_revealed() {
    let app = TestApp::spawn().await;
    let fresh = app
        .post(
            "/api/v1/registrations",
            None,
            &form("0102222227", "moi@y.vn", "01"),
        )
        .await;
    assert_eq!(fresh.status(), StatusCode::ACCEPTED);
    let fresh: Value = fresh.json().await.unwrap();
    let orgs = app.count("SELECT 1 FROM identity.organisations").await;
    let users = app.count("SELECT 1 FROM identity.users").await;

    // The e-mail of an existing account (another province, another case): the same answer, nothing
    // registered, and the account's owner is told.
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &form("0103333339", "SO.79@demo.test", "01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.json::<Value>().await.unwrap(), fresh);
    assert_eq!(
        app.count("SELECT 1 FROM identity.organisations").await,
        orgs
    );
    assert_eq!(app.count("SELECT 1 FROM identity.users").await, users);
    let told = app
        .query(
            "SELECT payload FROM outbox.events WHERE topic = 'identity.registration_email_in_use'",
        )
        .await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["payload"]["to"], "so.79@demo.test");

    // A demo enterprise's tax code: the same answer; a pending claim for Hà Nội's centre.
    let held = demo::tax_code("01", 1);
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &form(held.as_str(), "claim@y.vn", "01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.json::<Value>().await.unwrap(), fresh);
    let claim = org_of(&app, held.as_str()).await;
    let ttkc = app.token("ttkc.01@demo.test").await;
    let list: Value = app
        .get("/api/v1/registrations", &ttkc)
        .await
        .json()
        .await
        .unwrap();
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["organisation"]["id"] == claim.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["tax_code_holder"]["tax_code"], held.as_str());
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |i| i["organisation"]["tax_code"] == "0102222227" && i["tax_code_holder"].is_null()
            )
    );
    // Verifying the claim while the code is held is a conflict naming the tax code; rejecting works.
    let r = app
        .post(
            &format!("/api/v1/registrations/{claim}/verify"),
            Some(&ttkc),
            &json!({}),
        )
        .await;
    expect_error(r, StatusCode::CONFLICT, &["tax_code"]).await;
    let r = app
        .post(
            &format!("/api/v1/registrations/{claim}/reject"),
            Some(&ttkc),
            &json!({"reason": "Mã số thuế đã thuộc về cơ sở đang hoạt động"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
