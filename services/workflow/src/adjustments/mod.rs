//! Adjustments (điều chỉnh) of an approved scheme, records of their own with their own approval
//! (DOMAIN.md §5 step 7): more or less support, another content, location, beneficiary or end within
//! the year. Who approves each kind is the dated `adjustment_route` rule (raising support or changing
//! content: the funding level's approver; the others: its officer). An approved adjustment changes the
//! scheme and its budget commitment in one transaction; a rejected one changes nothing.

pub mod routes;
pub mod store;
