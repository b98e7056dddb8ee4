//! All SQL of documents.

use chrono::{DateTime, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, stmt};
use kc_kernel::{DocumentKind, Owner};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// One uploaded version of a document.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: Uuid,
    pub province_id: Uuid,
    pub organisation_id: Uuid,
    pub application_id: Uuid,
    pub kind: DocumentKind,
    /// The versions of one document share it.
    pub document_key: Uuid,
    pub version: i32,
    pub filename: String,
    /// The type found in the content.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub uploaded_by: Uuid,
    pub uploaded_at: DateTime<Utc>,
}

impl Resource for DocumentRow {
    async fn load(tx: &Tx, id: Uuid, _lock: Lock) -> Result<Option<Self>, DbErr> {
        DocumentRow::find_by_statement(stmt(&format!("{SELECT} WHERE id = $1"), [id.into()]))
            .one(tx)
            .await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: Some(self.province_id),
            organisation: Some(self.organisation_id),
        }
    }
}

const SELECT: &str =
    "SELECT id, province_id, organisation_id, application_id, kind, document_key, version,
        filename, content_type, size_bytes, sha256, storage_key, uploaded_by, uploaded_at
   FROM workflow.documents";

/// Every version of every document of an application: by kind, document, newest version first.
pub async fn of_application(tx: &Tx, application: Uuid) -> Result<Vec<DocumentRow>, DbErr> {
    DocumentRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE application_id = $1 ORDER BY kind, document_key, version DESC"),
        [application.into()],
    ))
    .all(tx)
    .await
}

/// The newest version of the document `key` within the application, if any.
pub async fn latest_version(
    tx: &Tx,
    application: Uuid,
    key: Uuid,
) -> Result<Option<(i32, DocumentKind)>, DbErr> {
    let row = tx
        .query_one_raw(stmt(
            "SELECT version, kind FROM workflow.documents WHERE application_id = $1 AND document_key = $2
              ORDER BY version DESC LIMIT 1",
            [application.into(), key.into()],
        ))
        .await?;
    row.map(|r| Ok((r.try_get("", "version")?, r.try_get("", "kind")?)))
        .transpose()
}

/// A new upload, checked and stored.
pub struct NewDocument {
    pub id: Uuid,
    pub province_id: Uuid,
    pub organisation_id: Uuid,
    pub application_id: Uuid,
    pub kind: DocumentKind,
    pub document_key: Uuid,
    pub version: i32,
    pub filename: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Uuid,
}

pub async fn insert(tx: &Tx, d: &NewDocument) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO workflow.documents (id, province_id, organisation_id, application_id, kind,
             document_key, version, filename, content_type, size_bytes, sha256, storage_key, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        [
            d.id.into(),
            d.province_id.into(),
            d.organisation_id.into(),
            d.application_id.into(),
            d.kind.into(),
            d.document_key.into(),
            d.version.into(),
            d.filename.clone().into(),
            d.content_type.into(),
            d.size_bytes.into(),
            d.sha256.clone().into(),
            d.storage_key.clone().into(),
            d.uploaded_by.into(),
        ],
    ))
    .await?;
    Ok(())
}
