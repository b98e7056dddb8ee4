//! Communes (xã, phường) a cluster may lie in: reference data per province, dated, added by the
//! province's admins (or the ministry's).

pub mod routes;
pub mod store;
