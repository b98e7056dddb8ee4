use crate::helpers::{TestApp, error_fields, expect_error};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn bad_input_gets_a_4xx_envelope_naming_the_field() {
    let app = TestApp::spawn().await;
    let login = app.url("/api/v1/auth/login");

    // Malformed JSON.
    let r = app
        .http
        .post(&login)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");

    // Missing field.
    let r = app
        .post("/api/v1/auth/login", None, &json!({"email": "a@b.vn"}))
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["password"]).await;

    // Wrong type.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": 12, "password": "x"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["email"]).await;

    // Invalid e-mail.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "not-an-email", "password": "x"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["email"]).await;

    // Not JSON at all.
    let r = app.http.post(&login).body("email=a").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    error_fields(r).await;

    // Oversize body (limit 64 KiB).
    let big = "x".repeat(100 * 1024);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a@b.vn", "password": big}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    error_fields(r).await;

    // Unknown route: 404 envelope.
    let r = app
        .http
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    error_fields(r).await;

    // A path id that is not a UUID, a query parameter of the wrong type, a wrong method.
    let t = app.token("so.01@demo.test").await;
    let r = app.get("/api/v1/organisations/not-a-uuid", &t).await;
    expect_error(r, StatusCode::BAD_REQUEST, &["id"]).await;
    let r = app.get("/api/v1/organisations?page=abc", &t).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["page"]).await;
    let r = app.http.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    error_fields(r).await;

    // Control characters (a NUL byte) in text: a 4xx naming the field, never a 500.
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &json!({"tax_code": "0101234565", "name": "Cơ sở\u{0000}X", "enterprise_kind": "company",
                    "province_code": "01", "commune": "Xã A", "full_name": "A", "email": "nul@x.vn",
                    "password": "mat-khau-dai-du"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["name"]).await;
    let r = app.get("/api/v1/organisations?q=%00", &t).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["q"]).await;

    // Invisible characters: a name that is only a zero-width space, a right-to-left override, a
    // byte order mark and a soft hyphen are each refused naming their field; a wrong check digit
    // in the tax code is named as such.
    let r = app
        .post(
            "/api/v1/registrations",
            None,
            &json!({"tax_code": "0101234567", "name": "\u{200B}", "enterprise_kind": "company",
                    "province_code": "01", "commune": "Xã\u{00AD}A", "address": "\u{FEFF}Số 1",
                    "full_name": "Nguyễn \u{202E}Hoa", "email": "zw@x.vn",
                    "password": "mat-khau-dai-du"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    let fields = &body["error"]["fields"];
    assert_eq!(
        fields.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["address", "commune", "full_name", "name", "tax_code"]
    );
    assert!(
        fields["name"].as_str().unwrap().contains("U+200B"),
        "{body}"
    );
    assert!(
        fields["full_name"].as_str().unwrap().contains("U+202E"),
        "{body}"
    );
    assert!(
        fields["tax_code"]
            .as_str()
            .unwrap()
            .starts_with("Mã số thuế sai chữ số kiểm tra"),
        "{body}"
    );
    let r = app.get("/api/v1/organisations?q=%E2%80%8B", &t).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["q"]).await;
    // The same name in NFD composes to NFC and passes; a zero-width joiner does not.
    let org = app.me("so.01@demo.test").await["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &t,
            &json!({"name": "Sở Co\u{0302}ng Thương Hà Nội"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["name"], "Sở Công Thương Hà Nội");
    let r = app
        .patch(
            &format!("/api/v1/organisations/{org}"),
            &t,
            &json!({"name": "Sở\u{200D}Công Thương"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["name"]).await;

    // Bad paging.
    let r = app.get("/api/v1/organisations?per_page=100000", &t).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["per_page"]).await;

    // Unknown province code filter.
    let r = app.get("/api/v1/organisations?province_code=99", &t).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["province_code"]).await;

    // Unknown field in a patch.
    let org = app.me("so.01@demo.test").await["organisation"]["id"].clone();
    let r = app
        .patch(
            &format!("/api/v1/organisations/{}", org.as_str().unwrap()),
            &t,
            &json!({"nmae": "x"}),
        )
        .await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["nmae"]).await;
}

#[tokio::test]
async fn a_patch_sets_clears_or_keeps_each_optional_field() {
    let app = TestApp::spawn().await;
    let so = app.token("so.01@demo.test").await;
    let me = app.me("dn1.01@demo.test").await;
    let user = me["user"]["id"].as_str().unwrap().to_owned();
    let org = me["organisation"]["id"].as_str().unwrap().to_owned();
    let patch = |path: String, body: serde_json::Value| {
        let app = &app;
        let so = so.clone();
        async move {
            let r = app.patch(&path, &so, &body).await;
            assert_eq!(r.status(), StatusCode::OK, "{path} {body}");
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let users = format!("/api/v1/users/{user}");
    assert_eq!(
        patch(users.clone(), json!({"phone": "0912 345 678"})).await["phone"],
        "0912 345 678"
    );
    // Absent: kept.
    let kept = patch(users.clone(), json!({"full_name": "Phạm Thị Mai"})).await;
    assert_eq!(kept["phone"], "0912 345 678");
    // null: cleared.
    assert!(patch(users.clone(), json!({"phone": null})).await["phone"].is_null());

    let orgs = format!("/api/v1/organisations/{org}");
    assert_eq!(
        patch(orgs.clone(), json!({"address": "Thôn 3"})).await["address"],
        "Thôn 3"
    );
    assert_eq!(
        patch(orgs.clone(), json!({"woman_owned": true})).await["address"],
        "Thôn 3"
    );
    assert!(patch(orgs.clone(), json!({"address": null})).await["address"].is_null());
    // A required field cannot be cleared.
    let r = app.patch(&orgs, &so, &json!({"name": null})).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "null for a required field keeps it"
    );
    let r = app.patch(&orgs, &so, &json!({"name": "  "})).await;
    expect_error(r, StatusCode::UNPROCESSABLE_ENTITY, &["name"]).await;
}

/// A value the database itself refuses (a data exception or a CHECK) is the caller's mistake: 422
/// `invalid_data`, as the error policy says, never a 400 or a 500.
#[tokio::test]
async fn a_value_the_database_refuses_is_a_422() {
    use sea_orm::{ConnectionTrait, Database};
    let app = TestApp::spawn().await;
    let db = Database::connect(app.db.url_as("kc_identity"))
        .await
        .unwrap();
    for sql in [
        "SELECT 'not a uuid'::uuid",
        "SELECT '2025-13-45'::date",
        "INSERT INTO identity.login_throttle (subject) VALUES (repeat('x', 400))",
    ] {
        let err = db.execute_unprepared(sql).await.unwrap_err();
        assert!(!kc_db::is_unique_violation(&err), "{sql}");
        assert!(!kc_db::is_unavailable(&err), "{sql}");
        let api = kc_http::ApiError::from(err);
        assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY, "{sql}");
        let body = axum::response::IntoResponse::into_response(api);
        assert_eq!(body.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Each kind of refusal is told apart: a data exception is not a constraint, a CHECK is not a
    // unique key, a taken key is a unique violation (409 where a route names the field).
    let data = db.execute_unprepared("SELECT 'x'::uuid").await.unwrap_err();
    assert!(kc_db::is_data_exception(&data) && !kc_db::is_constraint_violation(&data));
    let check = db
        .execute_unprepared(
            "INSERT INTO identity.users (id, organisation_id, email, full_name, role, password_hash)
             VALUES (gen_random_uuid(), gen_random_uuid(), 'UPPER@x.vn', 'X', 'ministry', 'h')",
        )
        .await
        .unwrap_err();
    assert!(!kc_db::is_unique_violation(&check), "{check}");
    let taken = db
        .execute_unprepared(
            "INSERT INTO identity.login_throttle (subject) VALUES ('k'); INSERT INTO identity.login_throttle (subject) VALUES ('k')",
        )
        .await
        .unwrap_err();
    assert!(kc_db::is_unique_violation(&taken), "{taken}");
    assert!(!kc_db::is_constraint_violation(&taken), "{taken}");
    assert_eq!(
        kc_http::ApiError::unique_or(taken, "subject", "taken").status(),
        StatusCode::CONFLICT
    );
}

/// `%` and `_` in a search are the characters themselves, not wildcards.
#[tokio::test]
async fn search_text_is_taken_literally() {
    let app = TestApp::spawn().await;
    let t = app.token("bo@demo.test").await;
    let total = |v: serde_json::Value| v["total"].as_i64().unwrap();
    let all = total(
        app.get("/api/v1/organisations", &t)
            .await
            .json()
            .await
            .unwrap(),
    );
    assert!(all > 5);
    for q in ["%25", "_", "%25%25", "__", "%5C"] {
        let r = app.get(&format!("/api/v1/organisations?q={q}"), &t).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            total(r.json().await.unwrap()),
            0,
            "q={q} matched as a wildcard"
        );
    }
    // A plain word still finds what holds it.
    let r = app.get("/api/v1/organisations?q=M%C3%A2y%20tre", &t).await;
    assert!(total(r.json().await.unwrap()) >= 1);
}
