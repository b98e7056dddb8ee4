//! Industrial clusters (CCN): the record ([`data`]), its life cycle ([`state`]), the rule checks of a
//! proposal or an expansion ([`checks`]), every version kept and readable as of any day ([`store`]),
//! and the routes ([`routes`]).

pub mod checks;
pub mod data;
pub mod routes;
pub mod state;
pub mod store;
