//! An approved scheme's implementation, to its settlement (DOMAIN.md §3, §5 steps 5-8):
//! - the implementation contract (the funding level with the implementing unit) and the implementing
//!   unit's contracts with the beneficiaries;
//! - advances and payments, each with its voucher: the total never passes the approved support (one
//!   conditional UPDATE, also when two race), advances stay within the dated advance rule
//!   (`advance_limit`: 70 % for training and the like, 30 % for CCN infrastructure after more than half
//!   the work, for the national fund);
//! - progress reports of the implementing unit and inspections of the centre, department or ministry;
//! - the acceptance record, whose `workflow.acceptance_recorded` event opens the settlement dossier
//!   duty in the notifications service;
//! - the settlement: the dossier, then the decision (within the approved support, by the fund's
//!   settlement deadline, a dated rule) with the contract's liquidation, or its return;
//! - termination on a written request, which releases the money not yet paid to the envelope.
//!
//! [`state`] says which act may start from which status and who takes it; [`store`] holds the SQL.

pub mod routes;
pub mod state;
pub mod store;
