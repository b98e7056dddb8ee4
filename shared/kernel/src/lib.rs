//! Domain kernel shared by every service: the small value types that carry the rules of the domain.
//!
//! - [`ProvinceCode`]: a 2-digit province code (a string with its leading zero; *not* an identity,
//!   because codes were reused in the 2025 merger: the identity of a province is its UUID).
//! - [`Money`]: an amount in whole đồng on `rust_decimal`, with Vietnamese formatting
//!   (`298.300,98 triệu đồng`).
//! - [`Role`], [`Permission`] and [`Scope`]: who a caller is and which tenant they may see.
//! - Every role, status and kind the database stores is an enum declared once with `db_enum!`
//!   (`enums.rs`): [`Role`], [`Permission`], [`OrgKind`], [`EnterpriseKind`], [`AccountStatus`],
//!   [`UnitKind`], [`Region`]. Each has `ALL`, `as_str`, `parse`, `label_vi` (Vietnamese label),
//!   `Display`/`FromStr`, serde and OpenAPI with the database spelling, the [`DbEnum`] trait, and is
//!   mapped to sea-orm once, as text: bind `E`, `Option<E>` or `Vec<E>` (a `text[]`) as a parameter,
//!   read them from a row with `try_get`; an unknown value read is a `DbErr::Type`, not a panic.
//!   `migrations/tests/enums.rs` checks each against the CHECK constraint of its column.
//! - [`today_vn`], [`format_date_vn`]: the calendar day in Asia/Ho_Chi_Minh and `dd/mm/yyyy`.
//! - [`TaxCode`] (with its check digit), [`Email`], [`nfc`]: parse-don't-validate input types;
//!   [`check_text`] and [`refused_char`]: what free text may not hold (control and invisible
//!   characters, nothing visible).

mod calendar;
mod db_enum;
mod enums;
pub mod ids;
mod money;
mod scope;
mod text;

pub use calendar::{day_in_vietnam, format_date_vn, today_vn, vietnam};
pub use db_enum::{DbEnum, UnknownValue};
pub use enums::{
    AcceptanceResult, AccountStatus, AdjustmentKind, AdjustmentStatus, ApplicationStatus,
    AttemptOutcome, CalendarDayKind, ClusterChange, ClusterRule, ClusterStatus, ContractKind,
    Deadline, DeliveryKind, DeliveryStatus, DocumentKind, DutyLevel, DutyOpening, EnterpriseKind,
    ExtensionReportStatus, Fund, InvestorKind, NoticeKind, ObligationState, OrgKind, PaymentKind,
    Permission, Region, ReportKind, ReportParty, ReportStatus, Role, RuleKind, SchemeKind,
    SchemeReportKind, SchemeStatus, UnitKind,
};
pub use money::{Money, MoneyError, format_vn};
pub use scope::{Owner, Scope};
pub use text::{
    Email, ProvinceCode, TaxCode, TextError, check_text, nfc, nfc_trimmed, refused_char,
    text_pattern,
};
