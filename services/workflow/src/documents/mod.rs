//! Documents of a case: request letters, scheme documents, quotes, land papers, business registration.
//!
//! The bytes go to the document store ([`storage::Storage`], the `object_store` crate: a local folder
//! under the data folder by default, S3-compatible storage when `KC_DOCUMENTS_URL` names a bucket);
//! `workflow.documents` records each upload ([`store`]). What a file is comes from its content, not
//! its name ([`content`]): an allowed type whose extension matches, within the size limit; the
//! SHA-256 of the bytes is recorded. A document is never overwritten: uploading it again is its next
//! version. Downloads are attachments, for whoever may see the case.

pub mod content;
pub mod routes;
pub mod storage;
pub mod store;
