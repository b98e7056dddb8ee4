//! Upload, list and download the documents of a case: an application or a scheme.

use super::content::{classify, sha256};
use super::store::{self, Case, DocumentRow, NewDocument};
use crate::applications::store::ApplicationView;
use crate::schemes::{chain, store::SchemeView};
use crate::{AppState, SERVICE};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kc_auth::{AnyUser, CaseWorker, Lock, ProvinceStaff, SchemeWorker, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Path, Query, req_text};
use kc_kernel::{ApplicationStatus, DocumentKind, Role, today_vn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// The routes; uploads may be up to `max_bytes` (the rest of the API keeps the small body limit).
pub fn router(max_bytes: usize) -> OpenApiRouter<AppState> {
    let (schemas, paths, upload) = routes!(upload_document, list_documents);
    let (scheme_schemas, scheme_paths, scheme_upload) =
        routes!(upload_scheme_document, list_scheme_documents);
    OpenApiRouter::new()
        .routes((
            schemas,
            paths,
            upload.layer(DefaultBodyLimit::max(max_bytes)),
        ))
        .routes((
            scheme_schemas,
            scheme_paths,
            scheme_upload.layer(DefaultBodyLimit::max(max_bytes)),
        ))
        .routes(routes!(download_document))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    pub kind: DocumentKind,
    /// The file's name; its extension must match its content.
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "^[^/\\\\]*\\.[A-Za-z0-9]{1,5}$",
        example = "bao-gia.pdf"
    )]
    pub filename: String,
    /// A document of this case that this upload is the next version of.
    pub replaces: Option<Uuid>,
}

/// Whether the caller may add documents to the application in its current state: the applicant while
/// it is theirs to edit, the centre while it is with the centre or back with the applicant.
fn may_upload(role: Role, status: ApplicationStatus) -> bool {
    use ApplicationStatus::*;
    match role {
        Role::Enterprise => matches!(status, Draft | Returned),
        Role::Centre => matches!(status, Submitted | UnderReview | Returned),
        Role::Ministry | Role::Province => false,
    }
}

const FILE_RULES: &str = "PDF, JPEG, PNG, DOCX, XLSX, DOC or XLS, found from the content, matching the file name's extension";

/// A case as an upload sees it: whose it is, where it stands, and whether the caller may add to it now.
struct Opened {
    province_id: Uuid,
    organisation_id: Uuid,
    status: (&'static str, &'static str),
    open: bool,
    closed: &'static str,
}

/// Open the request transaction on the case (404 outside the caller's scope) and say whether the
/// caller may add documents to it now: an application by [`may_upload`]; a scheme while it is with the
/// caller's role in its fund's approval chain ([`chain::is_with`]), or, after approval, while the
/// caller may take an act of its implementation (the contract, a voucher, a record, a dossier).
async fn open_case<P>(
    tenant: &Tenant<P>,
    case: Case,
    lock: Lock,
) -> Result<(Tx, Opened), ApiError> {
    match case {
        Case::Application(id) => {
            let (tx, a) = tenant.load_with::<ApplicationView>(id, lock).await?;
            let opened = Opened {
                province_id: a.province_id,
                organisation_id: a.organisation_id,
                status: (a.status.as_str(), a.status.label_vi()),
                open: may_upload(tenant.role(), a.status),
                closed: "Không thể thêm tài liệu ở trạng thái hiện tại của hồ sơ (documents cannot be added now)",
            };
            Ok((tx, opened))
        }
        Case::Scheme(id) => {
            let (tx, s) = tenant.load_with::<SchemeView>(id, lock).await?;
            let steps = chain::all(&tx, Some(s.fund), today_vn()).await?;
            let opened = Opened {
                province_id: s.province_id,
                organisation_id: s.implementing_org_id,
                status: (s.status.as_str(), s.status.label_vi()),
                open: chain::is_with(&steps, s.status, tenant.role())
                    || !crate::execution::state::open_acts(
                        tenant.claims(),
                        s.fund,
                        s.status,
                        s.implementing_org_id,
                    )
                    .is_empty(),
                closed: "Đề án không ở bước của đơn vị anh/chị nên không thể thêm tài liệu (the scheme is not with your unit at this step)",
            };
            Ok((tx, opened))
        }
    }
}

impl Opened {
    fn check(&self) -> Result<(), ApiError> {
        if self.open {
            Ok(())
        } else {
            Err(ApiError::wrong_state(
                self.status.0,
                self.status.1,
                self.closed,
            ))
        }
    }
}

/// Add a document (or a new version of one) to an application. The body is the file's bytes.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CaseWorker>().on("application"))),
               ("x-kc-server-rules" = json!({"file": FILE_RULES,
                                             "filename": "a name whose extension matches the content",
                                             "replaces": "a document of this application, of the same kind"}))),
    responses((status = 201, body = DocumentRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 413, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn upload_document(
    tenant: Tenant<CaseWorker>,
    meta: ClientMeta,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, Json<DocumentRow>), ApiError> {
    receive(&tenant, &meta, &state, Case::Application(id), query, body).await
}

/// Add a document (or a new version of one) to a scheme: the scheme document, an appraisal record, a
/// decision. Whoever the scheme is with at its step adds them (its fund's approval chain says who).
#[utoipa::path(post, path = "/api/v1/schemes/{id}/documents", tag = "documents",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<SchemeWorker>().on("scheme"))),
               ("x-kc-server-rules" = json!({"file": FILE_RULES,
                                             "filename": "a name whose extension matches the content",
                                             "replaces": "a document of this scheme, of the same kind"}))),
    responses((status = 201, body = DocumentRow), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 413, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn upload_scheme_document(
    tenant: Tenant<SchemeWorker>,
    meta: ClientMeta,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, Json<DocumentRow>), ApiError> {
    receive(&tenant, &meta, &state, Case::Scheme(id), query, body).await
}

/// One upload to a case: who may see the case comes first (404), then what was sent, then whether the
/// case takes documents now, before any byte is stored.
async fn receive<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    state: &AppState,
    case: Case,
    query: Option<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<DocumentRow>), ApiError> {
    let (tx, opened) = open_case(tenant, case, Lock::None).await?;
    tx.commit().await?;
    let Query(q) = Query::<UploadQuery>::parse(query.as_deref().unwrap_or_default())?;
    let mut fields = FieldErrors::new();
    let filename = req_text(&mut fields, "filename", &q.filename, 200);
    if filename.contains(['/', '\\']) {
        fields.insert(
            "filename".into(),
            "Tên tệp không chứa dấu / hoặc \\ (no path in the file name)".into(),
        );
    }
    if body.len() > state.max_document_bytes {
        return Err(ApiError::PayloadTooLarge);
    }
    let kind = match classify(&body, &filename) {
        Ok(k) => Some(k),
        Err(refusal) => {
            fields.insert("file".into(), refusal.message());
            None
        }
    };
    let (Some(kind), true) = (kind, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    opened.check()?;
    // The bytes first, outside any transaction (the store may be across the network); the record
    // after, removing the bytes again if it cannot be written.
    let doc_id = Uuid::new_v4();
    let storage_key = format!("{}/{doc_id}", case.storage_prefix(opened.province_id));
    let digest = sha256(&body);
    let size = body.len() as i64;
    state
        .documents
        .put_new(&storage_key, body.to_vec())
        .await
        .map_err(|e| ApiError::internal(format!("document store: {e}")))?;
    let recorded = record(
        tenant,
        meta,
        q.replaces,
        NewDocument {
            id: doc_id,
            province_id: opened.province_id,
            organisation_id: opened.organisation_id,
            case,
            kind: q.kind,
            document_key: doc_id,
            version: 1,
            filename,
            content_type: kind.mime,
            size_bytes: size,
            sha256: digest,
            storage_key: storage_key.clone(),
            uploaded_by: tenant.user_id(),
        },
    )
    .await;
    if recorded.is_err() {
        state.documents.remove(&storage_key).await;
    }
    recorded.map(|d| (StatusCode::CREATED, Json(d)))
}

/// Write the record of an upload: the case is locked and checked again, a replacement becomes the
/// next version of its document.
async fn record<P>(
    tenant: &Tenant<P>,
    meta: &ClientMeta,
    replaces: Option<Uuid>,
    mut new: NewDocument,
) -> Result<DocumentRow, ApiError> {
    let (tx, opened) = open_case(tenant, new.case, Lock::ForUpdate).await?;
    opened.check()?;
    if let Some(previous) = replaces {
        let prev = <DocumentRow as kc_auth::Resource>::load(&tx, previous, Lock::None)
            .await?
            .filter(|d| new.case.holds(d))
            .ok_or_else(|| {
                ApiError::field(
                    "replaces",
                    "Không có tài liệu này trong hồ sơ (no such document in this case)",
                )
            })?;
        if prev.kind != new.kind {
            return Err(ApiError::field(
                "replaces",
                "Phiên bản mới phải cùng loại tài liệu (a new version keeps the document's kind)",
            ));
        }
        let latest = store::latest_version(&tx, prev.document_key)
            .await?
            .unwrap_or(prev.version);
        new.document_key = prev.document_key;
        new.version = latest + 1;
    }
    store::insert(&tx, &new).await?;
    let row = <DocumentRow as kc_auth::Resource>::load(&tx, new.id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "document.uploaded",
            entity_type: "document",
            entity_id: Some(new.id.to_string()),
            province_id: Some(new.province_id),
            after: serde_json::to_value(&row).ok(),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    /// By kind and document, the newest version first.
    pub items: Vec<DocumentRow>,
}

/// Every version of every document of an application.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", tag = "documents",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("application")))),
    responses((status = 200, body = DocumentList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn list_documents(
    tenant: Tenant<AnyUser>,
    Path(id): Path<Uuid>,
) -> Result<Json<DocumentList>, ApiError> {
    list(&tenant, Case::Application(id)).await
}

/// Every version of every document of a scheme.
#[utoipa::path(get, path = "/api/v1/schemes/{id}/documents", tag = "documents",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>().on("scheme")))),
    responses((status = 200, body = DocumentList), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn list_scheme_documents(
    tenant: Tenant<ProvinceStaff>,
    Path(id): Path<Uuid>,
) -> Result<Json<DocumentList>, ApiError> {
    list(&tenant, Case::Scheme(id)).await
}

async fn list<P>(tenant: &Tenant<P>, case: Case) -> Result<Json<DocumentList>, ApiError> {
    let tx = match case {
        Case::Application(id) => tenant.load::<ApplicationView>(id).await?.0,
        Case::Scheme(id) => tenant.load::<SchemeView>(id).await?.0,
    };
    let items = store::of_case(&tx, case).await?;
    tx.commit().await?;
    Ok(Json(DocumentList { items }))
}

/// `attachment; filename="..."; filename*=UTF-8''...`: the name as sent, and an ASCII fallback.
fn disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || b"._-~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The bytes of one document version, as an attachment, for whoever may see its case.
#[utoipa::path(get, path = "/api/v1/documents/{id}/content", tag = "documents",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().on("document")))),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>,
               headers(("content-disposition" = String, description = "attachment, with the file name"))),
              (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn download_document(
    tenant: Tenant<AnyUser>,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let (tx, doc) = tenant.load::<DocumentRow>(id).await?;
    tx.commit().await?;
    let bytes = state
        .documents
        .get(&doc.storage_key)
        .await
        .map_err(|e| ApiError::internal(format!("document store: {e}")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&doc.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(header::CONTENT_DISPOSITION, disposition(&doc.filename));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_survives_in_the_disposition() {
        let d = disposition("Báo giá máy sấy.pdf");
        let s = d.to_str().unwrap_or_default();
        assert!(
            s.starts_with("attachment; filename=\"B_o_gi__m_y_s_y.pdf\""),
            "{s}"
        );
        assert!(
            s.ends_with("filename*=UTF-8''B%C3%A1o%20gi%C3%A1%20m%C3%A1y%20s%E1%BA%A5y.pdf"),
            "{s}"
        );
    }

    #[test]
    fn the_upload_documents_its_required_parameters() {
        let (_, api) = router(1).split_for_parts();
        let doc = serde_json::to_value(&api).unwrap_or_default();
        let params = &doc["paths"]["/api/v1/applications/{id}/documents"]["post"]["parameters"];
        let required: Vec<_> = params
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["required"] == true)
            .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(required, ["id", "kind", "filename"], "{params}");
    }

    #[test]
    fn each_party_uploads_only_while_the_case_is_with_it() {
        use ApplicationStatus::*;
        assert!(may_upload(Role::Enterprise, Draft) && may_upload(Role::Enterprise, Returned));
        assert!(!may_upload(Role::Enterprise, Submitted));
        assert!(may_upload(Role::Centre, UnderReview) && !may_upload(Role::Centre, Draft));
        assert!(!may_upload(Role::Centre, Accepted) && !may_upload(Role::Ministry, Draft));
    }
}
