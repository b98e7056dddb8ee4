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
    /// The case it belongs to: an application or a scheme (exactly one is set).
    pub application_id: Option<Uuid>,
    pub scheme_id: Option<Uuid>,
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
    "SELECT id, province_id, organisation_id, application_id, scheme_id, kind, document_key, version,
        filename, content_type, size_bytes, sha256, storage_key, uploaded_by, uploaded_at
   FROM workflow.documents";

/// The case a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Application(Uuid),
    Scheme(Uuid),
}

impl Case {
    fn application(self) -> Option<Uuid> {
        match self {
            Case::Application(id) => Some(id),
            Case::Scheme(_) => None,
        }
    }
    fn scheme(self) -> Option<Uuid> {
        match self {
            Case::Scheme(id) => Some(id),
            Case::Application(_) => None,
        }
    }
    /// Whether the document is this case's.
    pub fn holds(self, doc: &DocumentRow) -> bool {
        doc.application_id == self.application() && doc.scheme_id == self.scheme()
    }
    /// Where the case's files go in the document store, under its province.
    pub fn storage_prefix(self, province: Uuid) -> String {
        match self {
            Case::Application(id) => format!("{province}/{id}"),
            Case::Scheme(id) => format!("{province}/schemes/{id}"),
        }
    }
}

/// Every version of every document of a case: by kind, document, newest version first.
pub async fn of_case(tx: &Tx, case: Case) -> Result<Vec<DocumentRow>, DbErr> {
    let filter = match case {
        Case::Application(_) => "application_id = $1",
        Case::Scheme(_) => "scheme_id = $1",
    };
    let (Case::Application(id) | Case::Scheme(id)) = case;
    DocumentRow::find_by_statement(stmt(
        &format!("{SELECT} WHERE {filter} ORDER BY kind, document_key, version DESC"),
        [id.into()],
    ))
    .all(tx)
    .await
}

/// The newest version of the document `key` (its versions all belong to one case).
pub async fn latest_version(tx: &Tx, key: Uuid) -> Result<Option<i32>, DbErr> {
    let row = tx
        .query_one_raw(stmt(
            "SELECT max(version) AS version FROM workflow.documents WHERE document_key = $1",
            [key.into()],
        ))
        .await?;
    Ok(row.and_then(|r| r.try_get::<Option<i32>>("", "version").ok().flatten()))
}

/// A new upload, checked and stored.
pub struct NewDocument {
    pub id: Uuid,
    pub province_id: Uuid,
    pub organisation_id: Uuid,
    pub case: Case,
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
        "INSERT INTO workflow.documents (id, province_id, organisation_id, application_id, scheme_id,
             kind, document_key, version, filename, content_type, size_bytes, sha256, storage_key,
             uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        [
            d.id.into(),
            d.province_id.into(),
            d.organisation_id.into(),
            d.case.application().into(),
            d.case.scheme().into(),
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
