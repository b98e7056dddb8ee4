//! Documents of a case: `POST /ho-so/{id}/tai-lieu` (a form with a file, `multipart/form-data`)
//! passes the file to workflow, which checks its type from its content and whether the case takes
//! documents now; `/tai-lieu/{id}` gives a document back to whoever may see its case.

use super::Refusal;
use super::case::{Said, render};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::{PostedFile, SignedIn, problem};
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The largest file the portal passes on (workflow has its own limit, 10 MiB by default).
pub const MAX_UPLOAD: usize = 12 * 1024 * 1024;

pub async fn upload(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    form: PostedFile,
) -> Response {
    let here = format!("/ho-so/{id}");
    let SignedIn { v, token } = match SignedIn::of(form.v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(uuid) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let t = v.texts();
    let missing = form.bytes.is_empty() || form.filename.is_empty();
    if form.too_large || missing {
        let why = t.get(if form.too_large {
            "case.too_large"
        } else {
            "case.no_file"
        });
        let said = Said {
            refusal: Some(Refusal {
                message: why.to_owned(),
                fields: BTreeMap::from([("file".to_owned(), why.to_owned())]),
            }),
            status: form
                .too_large
                .then_some(axum::http::StatusCode::PAYLOAD_TOO_LARGE),
            kind: form.fields.get("kind").cloned(),
            ..Said::default()
        };
        return render(&state, v, &token, &id, said).await;
    }
    let kind = form.fields.get("kind").cloned().unwrap_or_default();
    let name: String = form_urlencoded::byte_serialize(form.filename.as_bytes()).collect();
    let kind: String = form_urlencoded::byte_serialize(kind.as_bytes()).collect();
    match state
        .api
        .upload(
            "workflow",
            &format!("/api/v1/applications/{uuid}/documents?kind={kind}&filename={name}"),
            &token,
            form.bytes,
        )
        .await
    {
        Ok(_) => v.respond(Redirect::to(&format!("{here}?tai-len=1#docs"))),
        Err(Problem::Rejected {
            message, fields, ..
        }) => {
            let said = Said {
                refusal: Some(Refusal { message, fields }),
                kind: form.fields.get("kind").cloned(),
                ..Said::default()
            };
            render(&state, v, &token, &id, said).await
        }
        Err(p) => problem(v, &here, p),
    }
}

/// `GET /tai-lieu/{id}`: the file, as workflow keeps it, to whoever may see its case.
pub async fn download(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let here = format!("/tai-lieu/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    match state
        .api
        .download(
            "workflow",
            &format!("/api/v1/documents/{id}/content"),
            &token,
        )
        .await
    {
        Ok(f) => crate::pages::file(v, f),
        Err(p) => problem(v, &here, p),
    }
}
