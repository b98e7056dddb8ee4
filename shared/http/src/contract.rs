//! What every operation can answer beyond its handler, written into the OpenAPI document once.
//!
//! Each `#[utoipa::path]` lists what its handler and its policy answer (401, 403, 404, 409, 422,
//! 429...). The shared layers ([`crate::layers`]) and extractors ([`crate::Json`], [`crate::Path`],
//! [`crate::Query`]) answer more, the same way on every route; [`SharedResponses`] adds those to every
//! operation of the merged document (keeping any the route wrote itself):
//!
//! - every operation: 503 (the whole-request timeout; the database unavailable);
//! - an operation with a JSON request body: 400 (malformed JSON), 408 (body not received in time),
//!   413 (body over the limit), 415 (not `application/json`), 422 (a missing field, a wrong type, an
//!   unknown field);
//! - an operation with a path parameter: 400 (a malformed one, e.g. not a UUID);
//! - an operation with query parameters: 422 (a malformed one);
//! - an operation that needs a bearer token: 401 (none, or not valid).
//!
//! It also declares the headers of error answers: `WWW-Authenticate` on every 401, `Retry-After` on
//! every 429. A method a path does not have is answered 405 with the envelope (and `Allow`): that is
//! not an operation, so the document's description says it.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Adds the shared answers to every operation (a [`utoipa::Modify`], applied by [`crate::finish`] to
/// the merged document).
pub struct SharedResponses;

impl utoipa::Modify for SharedResponses {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let path_params = item.parameters.clone().unwrap_or_default();
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
                &mut item.query,
            ];
            for op in ops.into_iter().flatten() {
                shared_responses(op, &path_params);
            }
            for op in item.additional_operations.values_mut() {
                shared_responses(op, &path_params);
            }
        }
        let note = "Every path answers 405 with the error envelope and an `Allow` header to a method it does not have.";
        let description = doc.info.description.get_or_insert_with(String::new);
        if !description.contains(note) {
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(note);
        }
    }
}

fn shared_responses(op: &mut Operation, item_params: &[RefOr<utoipa::openapi::path::Parameter>]) {
    let params: Vec<_> = op
        .parameters
        .iter()
        .flatten()
        .chain(item_params)
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p.parameter_in.clone()),
            RefOr::Ref(_) => None,
        })
        .collect();
    let body = op.request_body.is_some();
    let path = params.contains(&ParameterIn::Path);
    let query = params.contains(&ParameterIn::Query);
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());

    if body || path {
        add(
            op,
            "400",
            "Malformed JSON body or path parameter (`malformed_json`, `invalid_path`)",
        );
    }
    if secured {
        add(
            op,
            "401",
            "No access token, or one that is not valid (`unauthorized`)",
        );
    }
    if body {
        add(
            op,
            "408",
            "The request body was not received in time (`request_timeout`)",
        );
        add(
            op,
            "413",
            "The request body is over the limit (`payload_too_large`)",
        );
        add(
            op,
            "415",
            "The body is not `application/json` (`unsupported_media_type`)",
        );
    }
    if body || query {
        add(
            op,
            "422",
            "A field or parameter is missing, of the wrong type or refused (`validation_failed`)",
        );
    }
    add(
        op,
        "503",
        "The service is temporarily unavailable: the request took too long or the database does not answer (`unavailable`)",
    );

    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let (name, description) = match status.as_str() {
            "401" => ("WWW-Authenticate", "`Bearer`"),
            "429" => ("Retry-After", "Seconds to wait before trying again"),
            _ => continue,
        };
        response.headers.entry(name.to_owned()).or_insert_with(|| {
            RefOr::T(
                HeaderBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(if status == "429" {
                                Type::Integer
                            } else {
                                Type::String
                            })
                            .build(),
                    ))
                    .description(Some(description))
                    .build(),
            )
        });
    }
}

/// The error envelope as the answer `status`, unless the operation documents that status already.
fn add(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                            .build(),
                    )
                    .build(),
            )
        });
}
