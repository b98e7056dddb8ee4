//! Another province's data is invisible, in both directions, on every route; an enterprise sees only
//! itself; lesser roles cannot administer.

use crate::helpers::{PASSWORD, TestApp, expect_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(list: &Value, key: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn a_province_cannot_read_or_change_another_province() {
    let app = TestApp::spawn().await;
    let bo = app.me("bo@demo.test").await;
    for (a, b) in [("01", "79"), ("79", "01")] {
        let t = app.token(&format!("so.{a}@demo.test")).await;
        let other_dept = app.me(&format!("so.{b}@demo.test")).await;
        let other_ent = app.me(&format!("dn1.{b}@demo.test")).await;
        let foreign_orgs = [
            other_dept["organisation"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
            other_ent["organisation"]["id"].as_str().unwrap().to_owned(),
            bo["organisation"]["id"].as_str().unwrap().to_owned(),
        ];
        let foreign_users = [
            other_dept["user"]["id"].as_str().unwrap().to_owned(),
            other_ent["user"]["id"].as_str().unwrap().to_owned(),
            bo["user"]["id"].as_str().unwrap().to_owned(),
        ];

        // Lists hold only the caller's province.
        let orgs: Value = app
            .get("/api/v1/organisations?per_page=200", &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            orgs["total"], 5,
            "department, centre, two enterprises and a registration of {a}"
        );
        assert!(ids(&orgs, "province_code").iter().all(|c| c == a));
        let filtered: Value = app
            .get(&format!("/api/v1/organisations?province_code={b}"), &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(filtered["total"], 0);
        let users: Value = app
            .get("/api/v1/users?per_page=200", &t)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(users["total"], 6);
        assert!(ids(&users, "province_code").iter().all(|c| c == a));
        let regs: Value = app
            .get("/api/v1/registrations?status=active", &t)
            .await
            .json()
            .await
            .unwrap();
        assert!(
            regs["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["organisation"]["province_code"] == a)
        );

        // Single records of the other province (and the ministry's) do not exist for the caller.
        for id in &foreign_orgs {
            let r = app.get(&format!("/api/v1/organisations/{id}"), &t).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            let r = app
                .patch(
                    &format!("/api/v1/organisations/{id}"),
                    &t,
                    &json!({"name": "Đã bị sửa"}),
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
        }
        for id in &foreign_users {
            let r = app.get(&format!("/api/v1/users/{id}"), &t).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            let r = app
                .patch(
                    &format!("/api/v1/users/{id}"),
                    &t,
                    &json!({"status": "disabled"}),
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
        }
        // Creating in the other province is refused.
        let r = app
            .post(
                "/api/v1/organisations",
                Some(&t),
                &json!({"tax_code": "0301234562", "name": "Lấn sân", "enterprise_kind": "company",
                        "province_code": b, "commune": "Phường X"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = app
            .post(
                "/api/v1/users",
                Some(&t),
                &json!({"organisation_id": foreign_orgs[1], "email": "lan.san@demo.test",
                        "full_name": "Lấn Sân", "permissions": ["officer"], "password": "mat-khau-dai-du"}),
            )
            .await;
        expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["organisation_id"]).await;
    }
    // Nothing of the other provinces changed.
    assert_eq!(
        app.count("SELECT 1 FROM identity.organisations WHERE name = 'Đã bị sửa' OR tax_code = '0301234562'").await,
        0
    );
    assert_eq!(
        app.count("SELECT 1 FROM identity.users WHERE status = 'disabled'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT 1 FROM identity.users WHERE email = 'lan.san@demo.test'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_enterprise_sees_only_itself() {
    let app = TestApp::spawn().await;
    let me1 = app.me("dn1.01@demo.test").await;
    let me2 = app.me("dn2.01@demo.test").await;
    let dept = app.me("so.01@demo.test").await;
    let t1 = app.token("dn1.01@demo.test").await;
    let own = me1["organisation"]["id"].as_str().unwrap();
    let r = app.get(&format!("/api/v1/organisations/{own}"), &t1).await;
    assert_eq!(r.status(), StatusCode::OK);
    for other in [&me2, &dept] {
        let id = other["organisation"]["id"].as_str().unwrap();
        let r = app.get(&format!("/api/v1/organisations/{id}"), &t1).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    // And the other way round.
    let t2 = app.token("dn2.01@demo.test").await;
    let r = app.get(&format!("/api/v1/organisations/{own}"), &t2).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Lists and administration are not for enterprises.
    for path in [
        "/api/v1/organisations",
        "/api/v1/users",
        "/api/v1/registrations",
    ] {
        assert_eq!(
            app.get(path, &t1).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let uid = me2["user"]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/users/{uid}"), &t1).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .patch(
            &format!("/api/v1/organisations/{own}"),
            &t1,
            &json!({"name": "Tự sửa"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_centre_officer_cannot_administer() {
    let app = TestApp::spawn().await;
    let t = app.token("ttkc.01@demo.test").await;
    let orgs: Value = app
        .get("/api/v1/organisations", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(orgs["total"], 5);
    assert_eq!(
        app.get("/api/v1/users", &t).await.status(),
        StatusCode::FORBIDDEN
    );
    let own = app.me("ttkc.01@demo.test").await;
    let org = own["organisation"]["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &t,
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/api/v1/users",
            Some(&t),
            &json!({"organisation_id": org, "email": "new@demo.test", "full_name": "A",
                    "permissions": ["admin"], "password": "mat-khau-dai-du"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_department_admin_manages_its_own_province() {
    let app = TestApp::spawn().await;
    let t = app.token("so.37@demo.test").await;
    let r = app
        .post(
            "/api/v1/organisations",
            Some(&t),
            &json!({"tax_code": "3701234562", "name": "HTX Cói Kim Sơn", "enterprise_kind": "cooperative",
                    "commune": "Xã Kim Sơn", "ethnic_minority_owned": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let org: Value = r.json().await.unwrap();
    assert_eq!(org["province_code"], "37");
    assert_eq!(org["status"], "active");
    let r = app
        .post(
            "/api/v1/users",
            Some(&t),
            &json!({"organisation_id": org["id"], "email": "coi@kimson.vn", "full_name": "Đinh Thị Cói",
                    "permissions": ["officer", "officer", "admin"], "password": "mat-khau-dai-du"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["role"], "enterprise");
    assert_eq!(user["permissions"], json!(["officer", "admin"]));
    let r = app
        .login_with(&app.http, "coi@kimson.vn", "mat-khau-dai-du")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let session: Value = r.json().await.unwrap();

    // Disable the user: no more login, sessions revoked; audited with before and after.
    let r = app
        .patch(
            &format!("/api/v1/users/{}", user["id"].as_str().unwrap()),
            &t,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .login_with(&app.http, "coi@kimson.vn", "mat-khau-dai-du")
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.refresh(&json!(session["refresh_token"])).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let audit = app
        .query("SELECT before, after, client_addr FROM audit.events WHERE action = 'user.updated'")
        .await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["before"]["status"], "active");
    assert_eq!(audit[0]["after"]["status"], "disabled");
    assert_eq!(audit[0]["client_addr"], "127.0.0.1");
    assert_eq!(
        app.count(
            "SELECT 1 FROM audit.events WHERE action IN ('organisation.created', 'user.created')"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn the_ministry_sees_and_manages_every_province() {
    let app = TestApp::spawn().await;
    let t = app.token("bo@demo.test").await;
    let orgs: Value = app
        .get("/api/v1/organisations?per_page=200", &t)
        .await
        .json()
        .await
        .unwrap();
    // The agency, 34 departments, 34 centres, 6 demo enterprises, 3 demo registrations.
    assert_eq!(orgs["total"], 78);
    let only79: Value = app
        .get("/api/v1/organisations?province_code=79&kind=enterprise", &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only79["total"], 3);
    let r = app
        .post(
            "/api/v1/organisations",
            Some(&t),
            &json!({"tax_code": "7901234567", "name": "Công ty Cơ khí Sài Gòn", "enterprise_kind": "company",
                    "province_code": "79", "commune": "Phường Bến Thành"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let dn = app.me("dn1.01@demo.test").await;
    let r = app
        .patch(
            &format!(
                "/api/v1/organisations/{}",
                dn["organisation"]["id"].as_str().unwrap()
            ),
            &t,
            &json!({"woman_owned": false, "name": "Cơ sở Mây tre đan Phú Vinh"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let org: Value = r.json().await.unwrap();
    assert_eq!(org["name"], "Cơ sở Mây tre đan Phú Vinh");
    // Ministry creation without a province is refused with the field named.
    let r = app
        .post(
            "/api/v1/organisations",
            Some(&t),
            &json!({"tax_code": "7901234574", "name": "X", "enterprise_kind": "company", "commune": "Y"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["province_code"]).await;
    let _ = PASSWORD;
}

#[tokio::test]
async fn disabling_an_organisation_ends_its_users_sessions() {
    let app = TestApp::spawn().await;
    let session = app.login("dn2.79@demo.test").await;
    let org = app.me("dn2.79@demo.test").await["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let so79 = app.token("so.79@demo.test").await;
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &so79,
            &json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .login_with(&app.http, "dn2.79@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An access token issued before the organisation was disabled no longer opens /me either: the
    // session is over (401), not a missing permission.
    let r = app
        .get("/api/v1/me", session["access_token"].as_str().unwrap())
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app.refresh(&json!(session["refresh_token"])).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Re-enabled: the users sign in again.
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &so79,
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .login_with(&app.http, "dn2.79@demo.test", PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
