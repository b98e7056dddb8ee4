//! Documents: typed from their content, limited in size, versioned, downloaded as attachments by
//! those who may see the case, never by anyone else.

use crate::helpers::{TestApp, fields, open_plan_year};
use crate::schemes::{accepted_application, new_scheme, step};
use reqwest::StatusCode;
use serde_json::{Value, json};

const DN: &str = "dn1.01@demo.test";
const PDF: &[u8] =
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";

async fn upload(
    app: &TestApp,
    who: &str,
    application: &str,
    query: &str,
    bytes: &[u8],
) -> reqwest::Response {
    upload_to(
        app,
        who,
        &format!("applications/{application}"),
        query,
        bytes,
    )
    .await
}

/// Upload to a case: `applications/{id}` or `schemes/{id}`.
async fn upload_to(
    app: &TestApp,
    who: &str,
    case: &str,
    query: &str,
    bytes: &[u8],
) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/{case}/documents?{query}", app.base))
        .bearer_auth(app.token(who).await)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

async fn draft(app: &TestApp) -> Value {
    let r = app
        .post("/api/v1/applications", DN, &json!({"title": "Máy sấy"}))
        .await;
    app.expect(r, StatusCode::CREATED).await
}

#[tokio::test]
async fn a_document_is_typed_by_its_content_versioned_and_downloaded_as_an_attachment() {
    let app = TestApp::spawn().await;
    let a = draft(&app).await;
    let id = a["id"].as_str().unwrap();
    let r = upload(
        &app,
        DN,
        id,
        "kind=quote&filename=B%C3%A1o%20gi%C3%A1.pdf",
        PDF,
    )
    .await;
    let first = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(first["content_type"], "application/pdf");
    assert_eq!(first["version"], 1);
    assert_eq!(first["size_bytes"], PDF.len());
    assert_eq!(first["sha256"].as_str().unwrap().len(), 64);
    assert!(first.get("storage_key").is_none(), "internal: {first}");

    // A new upload of the same document is its next version; the first is kept.
    let replaced = first["id"].as_str().unwrap();
    let r = upload(
        &app,
        DN,
        id,
        &format!("kind=quote&filename=bao-gia-2.pdf&replaces={replaced}"),
        PDF,
    )
    .await;
    let second = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(second["version"], 2);
    assert_eq!(second["document_key"], first["document_key"]);
    let r = app
        .get(&format!("/api/v1/applications/{id}/documents"), DN)
        .await;
    assert_eq!(
        app.expect(r, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.count("SELECT 1 FROM audit.events WHERE action = 'document.uploaded'")
            .await,
        2
    );

    // The bytes come back as they went, as an attachment named as sent.
    let r = app
        .get(
            &format!("/api/v1/documents/{replaced}/content"),
            "ttkc.01@demo.test",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("UTF-8''B%C3%A1o%20gi%C3%A1.pdf"),
        "{disposition}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(&r.bytes().await.unwrap()[..], PDF);

    // Nobody outside the case sees it.
    for who in ["dn2.01@demo.test", "ttkc.79@demo.test", "dn1.79@demo.test"] {
        let r = app
            .get(&format!("/api/v1/documents/{replaced}/content"), who)
            .await;
        app.expect(r, StatusCode::NOT_FOUND).await;
        let r = upload(&app, who, id, "kind=quote&filename=x.pdf", PDF).await;
        assert!(
            matches!(r.status().as_u16(), 403 | 404),
            "{who}: {}",
            r.status()
        );
    }
    assert_eq!(app.count("SELECT 1 FROM workflow.documents").await, 2);
}

#[tokio::test]
async fn files_are_refused_by_what_they_are_not_what_they_are_called() {
    let app = TestApp::spawn().await;
    let a = draft(&app).await;
    let id = a["id"].as_str().unwrap();
    for (query, bytes, field) in [
        ("kind=quote&filename=anh.pdf", PNG, "file"),
        (
            "kind=quote&filename=script.pdf",
            b"#!/bin/sh\necho hi\n".as_slice(),
            "file",
        ),
        ("kind=quote&filename=empty.pdf", b"".as_slice(), "file"),
        (
            "kind=quote&filename=..%2F..%2Fetc%2Fpasswd.pdf",
            PDF,
            "filename",
        ),
    ] {
        let r = upload(&app, DN, id, query, bytes).await;
        let body = app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&body), [field], "{query}: {body}");
    }
    // Over the size limit: 413, before anything is stored.
    let big = [PDF, &vec![b' '; 11 * 1024 * 1024]].concat();
    let r = upload(&app, DN, id, "kind=quote&filename=big.pdf", &big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A replacement must be a document of this application, of the same kind.
    let r = upload(&app, DN, id, "kind=quote&filename=a.pdf", PDF).await;
    let doc = app.expect(r, StatusCode::CREATED).await;
    let r = upload(
        &app,
        DN,
        id,
        &format!(
            "kind=land_papers&filename=b.pdf&replaces={}",
            doc["id"].as_str().unwrap()
        ),
        PDF,
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["replaces"]
    );
    assert_eq!(app.count("SELECT 1 FROM workflow.documents").await, 1);
    // Nothing was left in the store for the refused uploads.
    let stored = walk(&app.documents);
    assert_eq!(stored, 1, "objects in the store");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn the_applicant_adds_documents_only_while_the_application_is_theirs() {
    let app = TestApp::spawn().await;
    let a = draft(&app).await;
    let id = a["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/withdraw"),
            DN,
            &json!({"version": a["version"]}),
        )
        .await;
    app.expect(r, StatusCode::OK).await;
    let r = upload(&app, DN, id, "kind=quote&filename=a.pdf", PDF).await;
    let body = app.expect(r, StatusCode::CONFLICT).await;
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert_eq!(walk(&app.documents), 0);
}

#[tokio::test]
async fn the_list_of_a_cases_documents_is_hidden_from_outside_it() {
    let app = TestApp::spawn().await;
    let a = draft(&app).await;
    let id = a["id"].as_str().unwrap();
    let r = upload(&app, DN, id, "kind=quote&filename=a.pdf", PDF).await;
    app.expect(r, StatusCode::CREATED).await;
    for who in ["dn2.01@demo.test", "ttkc.79@demo.test", "so.79@demo.test"] {
        let r = app
            .get(&format!("/api/v1/applications/{id}/documents"), who)
            .await;
        app.expect(r, StatusCode::NOT_FOUND).await;
    }
    // The department and the ministry read the case but do not add to it.
    for who in ["so.01@demo.test", "bo@demo.test"] {
        let r = app
            .get(&format!("/api/v1/applications/{id}/documents"), who)
            .await;
        assert_eq!(
            app.expect(r, StatusCode::OK).await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let r = upload(&app, who, id, "kind=quote&filename=b.pdf", PDF).await;
        app.expect(r, StatusCode::FORBIDDEN).await;
    }
}

#[tokio::test]
async fn a_scheme_takes_documents_from_whoever_holds_it_at_its_step() {
    let app = TestApp::spawn().await;
    let year = open_plan_year();
    let application = accepted_application(&app, DN, "kcdp", year).await;
    let s = new_scheme(&app, "kcdp", year, std::slice::from_ref(&application)).await;
    let id = s["id"].as_str().unwrap();
    let case = format!("schemes/{id}");
    const CENTRE: &str = "ttkc.01@demo.test";
    const OFFICER: &str = "cv.so.01@demo.test";

    // Draft: the centre writes the scheme document; the department does not hold it yet.
    let r = upload_to(
        &app,
        CENTRE,
        &case,
        "kind=scheme_document&filename=de-an.pdf",
        PDF,
    )
    .await;
    let doc = app.expect(r, StatusCode::CREATED).await;
    assert_eq!(doc["scheme_id"], s["id"]);
    assert_eq!(doc["application_id"], Value::Null);
    assert_eq!(doc["organisation_id"], s["implementing_org_id"]);
    let r = upload_to(
        &app,
        OFFICER,
        &case,
        "kind=appraisal_record&filename=bb.pdf",
        PDF,
    )
    .await;
    assert_eq!(
        app.expect(r, StatusCode::CONFLICT).await["error"]["code"],
        "invalid_transition"
    );

    // Registered: the department's officer adds the appraisal record; the centre, which took the
    // step, may still add a new version of its document; the ministry has no step here.
    let s = step(&app, &s, CENTRE).await;
    assert_eq!(s["status"], "registered");
    let r = upload_to(
        &app,
        OFFICER,
        &case,
        "kind=appraisal_record&filename=bien-ban.pdf",
        PDF,
    )
    .await;
    app.expect(r, StatusCode::CREATED).await;
    let r = upload_to(
        &app,
        CENTRE,
        &case,
        &format!(
            "kind=scheme_document&filename=de-an-2.pdf&replaces={}",
            doc["id"].as_str().unwrap()
        ),
        PDF,
    )
    .await;
    assert_eq!(app.expect(r, StatusCode::CREATED).await["version"], 2);
    let r = upload_to(
        &app,
        "bo@demo.test",
        &case,
        "kind=decision&filename=qd.pdf",
        PDF,
    )
    .await;
    app.expect(r, StatusCode::CONFLICT).await;

    // A replacement must be a document of this scheme: the application's is not.
    let r = upload_to(
        &app,
        CENTRE,
        &case,
        &format!(
            "kind=scheme_document&filename=x.pdf&replaces={}",
            uuid_of(&app).await
        ),
        PDF,
    )
    .await;
    assert_eq!(
        fields(&app.expect(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["replaces"]
    );

    // The province and the ministry read the list; another province and enterprises do not.
    for who in [CENTRE, OFFICER, "so.01@demo.test", "bo@demo.test"] {
        let r = app.get(&format!("/api/v1/{case}/documents"), who).await;
        let list = app.expect(r, StatusCode::OK).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 3, "{who}: {list}");
    }
    let r = app
        .get(&format!("/api/v1/{case}/documents"), "ttkc.79@demo.test")
        .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = app.get(&format!("/api/v1/{case}/documents"), DN).await;
    app.expect(r, StatusCode::FORBIDDEN).await;
    let r = upload_to(
        &app,
        "ttkc.79@demo.test",
        &case,
        "kind=other&filename=x.pdf",
        PDF,
    )
    .await;
    app.expect(r, StatusCode::NOT_FOUND).await;
    let r = upload_to(&app, DN, &case, "kind=other&filename=x.pdf", PDF).await;
    app.expect(r, StatusCode::FORBIDDEN).await;

    // The download is the scheme's province's: the beneficiary enterprise and another province get 404.
    let first = doc["id"].as_str().unwrap();
    let r = app
        .get(
            &format!("/api/v1/documents/{first}/content"),
            "bo@demo.test",
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..], PDF);
    for who in [DN, "ttkc.79@demo.test"] {
        let r = app
            .get(&format!("/api/v1/documents/{first}/content"), who)
            .await;
        app.expect(r, StatusCode::NOT_FOUND).await;
    }
    assert_eq!(
        app.count(&format!(
            "SELECT 1 FROM workflow.documents WHERE scheme_id = '{id}'"
        ))
        .await,
        3
    );
}

/// The id of a document of a new draft application.
async fn uuid_of(app: &TestApp) -> String {
    let r = app
        .post("/api/v1/applications", DN, &json!({"title": "Khác"}))
        .await;
    let a = app.expect(r, StatusCode::CREATED).await;
    let r = upload(
        app,
        DN,
        a["id"].as_str().unwrap(),
        "kind=scheme_document&filename=a.pdf",
        PDF,
    )
    .await;
    app.expect(r, StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
