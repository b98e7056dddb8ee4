//! Budget: envelopes per plan year and fund, the national fund's allocations to provinces, and the
//! commitments schemes make when approved (DOMAIN.md §3).
//!
//! An envelope row keeps `allocated` (the sum of its children, for the national KCQG envelope) and
//! `committed` (the sum of approved schemes' support). Both change only by an `UPDATE ... SET x = x +
//! delta` in the transaction of the change, which takes the row's lock, and a CHECK keeps `allocated +
//! committed <= amount`: two approvals racing for the last money queue on the lock and the second
//! fails the CHECK ([`store::commit`] answers [`store::Commit::Insufficient`]).
//!
//! [`store::summary`] is the one query of envelope, committed and remaining per province and in total:
//! the API's summary, and every screen and export, read it.

pub mod routes;
pub mod store;
