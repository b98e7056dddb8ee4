//! Documents of a case: `POST /ho-so/{id}/tai-lieu` (a form with a file, `multipart/form-data`)
//! passes the file to workflow, which checks its type from its content and whether the case takes
//! documents now; `/tai-lieu/{id}` gives a document back to whoever may see its case.

use super::Refusal;
use super::case::{Said, render};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::{SignedIn, problem};
use crate::session::Visitor;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request, State};
use axum::response::{Redirect, Response};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The largest file the portal passes on (workflow has its own limit, 10 MiB by default).
pub const MAX_UPLOAD: usize = 12 * 1024 * 1024;

/// What the upload form sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    kind: String,
    filename: String,
    bytes: Vec<u8>,
}

async fn read(mut m: Multipart) -> Option<Upload> {
    let mut u = Upload::default();
    while let Ok(Some(field)) = m.next_field().await {
        match field.name() {
            Some("_csrf") => u.csrf = field.text().await.ok()?,
            Some("kind") => u.kind = field.text().await.ok()?,
            Some("file") => {
                u.filename = field.file_name().unwrap_or_default().to_owned();
                u.bytes = field.bytes().await.ok()?.to_vec();
            }
            _ => {}
        }
    }
    Some(u)
}

pub async fn upload(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let here = format!("/ho-so/{id}");
    let (mut parts, body) = req.into_parts();
    let Ok(v) = Visitor::from_request_parts(&mut parts, &state).await;
    let req = Request::from_parts(parts, body);
    let form = match Multipart::from_request(req, &state).await {
        Ok(m) => read(m).await,
        Err(_) => None,
    };
    let Some(form) = form.filter(|f| v.csrf_ok(&f.csrf)) else {
        return crate::pages::bad_csrf(v, &here);
    };
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(uuid) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let t = v.texts();
    if form.bytes.is_empty() || form.filename.is_empty() {
        let said = Said {
            refusal: Some(Refusal {
                message: t.get("case.no_file").to_owned(),
                fields: BTreeMap::from([("file".to_owned(), t.get("case.no_file").to_owned())]),
            }),
            ..Said::default()
        };
        return render(&state, v, &token, &id, said).await;
    }
    let name: String = form_urlencoded::byte_serialize(form.filename.as_bytes()).collect();
    let kind: String = form_urlencoded::byte_serialize(form.kind.as_bytes()).collect();
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
