//! Import of a province's existing registry: one row per cluster, as XLSX or CSV (UTF-8), with the
//! documented columns of [`columns::COLUMNS`] (the template is downloadable). Every row is checked as
//! the API checks a record; errors name the row and the column. Nothing is written unless every row is
//! valid, or, when asked, only the valid rows are and the rejected ones come back as a CSV file.
//!
//! Memory stays bounded: the upload is at most [`MAX_BYTES`]; an XLSX file's declared uncompressed
//! size is checked before it is opened (a zip bomb is refused unread), formulas are refused, and at
//! most [`MAX_ROWS`] rows are read.

pub mod columns;
pub mod read;
pub mod routes;

/// The largest file taken.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most rows one import takes (the nation has about 1 300 clusters).
pub const MAX_ROWS: usize = 10_000;
/// The most an XLSX file may unpack to.
pub const MAX_UNPACKED: u64 = 64 * 1024 * 1024;
