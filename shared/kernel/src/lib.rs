//! Domain kernel shared by every service: the small value types that carry the rules of the domain.
//!
//! - [`ProvinceCode`]: a 2-digit province code (a string with its leading zero; *not* an identity,
//!   because codes were reused in the 2025 merger: the identity of a province is its UUID).
//! - [`Money`]: an amount in whole đồng on `rust_decimal`, with Vietnamese formatting
//!   (`298.300,98 triệu đồng`).
//! - [`Role`], [`Permission`] and [`Scope`]: who a caller is and which tenant they may see.
//! - [`TaxCode`], [`Email`], [`nfc`]: parse-don't-validate input types.

pub mod ids;
mod money;
mod roles;
mod text;

pub use money::{Money, MoneyError};
pub use roles::{EnterpriseKind, OrgKind, Permission, Role, Scope};
pub use text::{Email, ProvinceCode, TaxCode, TextError, nfc, nfc_trimmed};
