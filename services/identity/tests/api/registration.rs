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
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["status"], "pending");
    let org_id = receipt["organisation_id"].as_str().unwrap().to_owned();

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
    assert_eq!(list["total"], 0);
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
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["users"][0]["email"], "hoa@gom.vn");
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
}

#[tokio::test]
async fn rejection_needs_a_reason_and_keeps_the_account_out() {
    let app = TestApp::spawn().await;
    let receipt: Value = app
        .post(
            "/api/v1/registrations",
            None,
            &form("3700000120-001", "a@b37.vn", "37"),
        )
        .await
        .json()
        .await
        .unwrap();
    let org_id = receipt["organisation_id"].as_str().unwrap();
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
    assert_eq!(r.status(), StatusCode::CREATED);
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
async fn invalid_or_duplicate_registrations_write_nothing() {
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
        // The e-mail of an existing account (any province, any case): 409, and the organisation row
        // that was inserted first is rolled back with it.
        (
            "e-mail taken",
            form("0102222227", "SO.79@demo.test", "01"),
            StatusCode::CONFLICT,
            vec!["email"],
        ),
        (
            "a demo enterprise's tax code",
            form(demo::tax_code("01", 1).as_str(), "new@y.vn", "01"),
            StatusCode::CONFLICT,
            vec!["tax_code"],
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
