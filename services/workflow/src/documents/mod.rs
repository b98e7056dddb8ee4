//! Documents of a case, an application or a scheme: request letters, scheme documents, quotes, land
//! papers, business registration, appraisal records, decisions.
//!
//! Who adds to a case: an application's applicant while it is theirs to edit and its centre while
//! it is with the centre; a scheme's holder at its step in the fund's approval chain (the role that
//! takes the next step, or took the last one and files its record or decision).
//!
//! The bytes go to the document store ([`storage::Storage`], the `object_store` crate: a local folder
//! under the data folder by default, S3-compatible storage when `KC_DOCUMENTS_URL` names a bucket);
//! `workflow.documents` records each upload ([`store`]). What a file is comes from its content, not
//! its name ([`content`]): an allowed type whose extension matches, within the size limit; the
//! SHA-256 of the bytes is recorded. A document is never overwritten: uploading it again is its next
//! version. Downloads are attachments, for whoever may see the case
//! (a scheme's documents are its implementing unit's, as the scheme is).

pub mod content;
pub mod routes;
pub mod storage;
pub mod store;
