//! The machinery behind every enum the database stores as text: the `db_enum!` macro, the
//! [`DbEnum`] trait it implements, and the sea-orm mapping it generates.
//!
//! The database keeps these values in `text` columns restricted by `CHECK (col IN ('a', 'b'))` (or
//! `text[]` columns restricted by `CHECK (col <@ ARRAY['a', 'b'])`). The macro is the single list of
//! an enum's values on the Rust side: the variants, their database spelling and their Vietnamese
//! label are written once and everything else (`ALL`, `as_str`, `parse`, serde, OpenAPI, `Display`,
//! `FromStr`, binding and reading with sea-orm) is derived from that list. The test
//! `migrations/tests/enums.rs` compares each list with the CHECK constraint of its column.

use sea_orm::sea_query::ValueTypeErr;
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable};

/// What every enum declared with `db_enum!` offers, for code that is generic over them (the inherent
/// methods of the same names are what callers normally use). The supertraits include the sea-orm
/// mapping, so a generic `E: DbEnum` can be bound (`E`, `Option<E>`) and read (`try_get::<E>`).
pub trait DbEnum:
    Copy
    + Eq
    + Ord
    + std::hash::Hash
    + std::fmt::Debug
    + std::fmt::Display
    + Send
    + Sync
    + 'static
    + Into<sea_orm::Value>
    + sea_orm::TryGetable
    + sea_orm::sea_query::ValueType
    + sea_orm::sea_query::Nullable
{
    /// The Rust name of the enum, for messages.
    const NAME: &'static str;
    /// Every variant, in declaration order.
    const VARIANTS: &'static [Self];
    /// The database spelling of every variant, in the same order.
    const VALUES: &'static [&'static str];

    /// The database (and JSON) spelling.
    fn as_str(&self) -> &'static str;
    /// The Vietnamese label shown to users.
    fn label_vi(&self) -> &'static str;
    /// The variant spelled `s` in the database, if any.
    fn parse(s: &str) -> Option<Self>;
}

/// A text that is not the spelling of any variant of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind} (expected one of {expected:?})")]
pub struct UnknownValue {
    /// The Rust name of the enum.
    pub kind: &'static str,
    /// The text that was given.
    pub value: String,
    /// The spellings that would have been accepted.
    pub expected: &'static [&'static str],
}

impl UnknownValue {
    pub fn new<E: DbEnum>(value: &str) -> Self {
        UnknownValue {
            kind: E::NAME,
            value: value.to_owned(),
            expected: E::VALUES,
        }
    }
}

/// `s` parsed as `E`, or the error naming what was expected.
pub fn parse_or_err<E: DbEnum>(s: &str) -> Result<E, UnknownValue> {
    E::parse(s).ok_or_else(|| UnknownValue::new::<E>(s))
}

fn unknown_in_column<I: ColIdx>(e: UnknownValue, idx: I) -> TryGetError {
    TryGetError::DbErr(DbErr::Type(format!("column {idx:?}: {e}")))
}

/// Reads a text column as `E`; an unknown value is a [`DbErr::Type`], NULL is [`TryGetError::Null`]
/// (so `Option<E>` reads it as `None`). Used by the code `db_enum!` generates.
pub fn try_get_by<E: DbEnum, I: ColIdx>(res: &QueryResult, idx: I) -> Result<E, TryGetError> {
    let s = <String as TryGetable>::try_get_by(res, idx)?;
    parse_or_err::<E>(&s).map_err(|e| unknown_in_column(e, idx))
}

/// Reads a `text[]` column as `Vec<E>`; one unknown element makes the whole read an error.
pub fn try_get_vec_by<E: DbEnum, I: ColIdx>(
    res: &QueryResult,
    idx: I,
) -> Result<Vec<E>, TryGetError> {
    <Vec<String> as TryGetable>::try_get_by(res, idx)?
        .iter()
        .map(|s| parse_or_err::<E>(s).map_err(|e| unknown_in_column(e, idx)))
        .collect()
}

/// Converts a sea-query value (a text) to `E`: anything else, or an unknown text, is an error.
pub fn try_from_value<E: DbEnum>(v: sea_orm::Value) -> Result<E, ValueTypeErr> {
    let s = <String as sea_orm::sea_query::ValueType>::try_from(v)?;
    E::parse(&s).ok_or(ValueTypeErr)
}

/// Declares an enum stored in the database as text, from one list of its variants:
///
/// ```ignore
/// db_enum! {
///     /// Doc comment of the enum (also its OpenAPI description).
///     pub enum Region {
///         /// Optional doc comment of a variant.
///         North = "north" => "Miền Bắc",
///         Central = "central" => "Miền Trung",
///     }
/// }
/// ```
///
/// Each variant is `Name = "database spelling" => "Vietnamese label"`. The macro generates:
/// - the enum, deriving `Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord` (in declaration
///   order), serde `Serialize`/`Deserialize` with the database spelling and `utoipa::ToSchema` (a
///   string schema whose `enum` lists the spellings);
/// - `ALL: [Self; N]`, `as_str`, `parse(&str) -> Option<Self>`, `label_vi`, `Display` (the spelling),
///   `FromStr` (error [`UnknownValue`]) and [`DbEnum`];
/// - the sea-orm mapping, as text: `Into<sea_orm::Value>` (bind it, or `Option<E>`, or `Vec<E>` for a
///   `text[]` column), `TryGetable` (read `E`, `Option<E>` or `Vec<E>` from a row; an unknown value is a
///   `DbErr::Type`, never a panic), `ValueType` and `Nullable`.
///
/// One caveat is sea-query's, not ours: its blanket `ValueType for Vec<T>` (converting a
/// `sea_orm::Value` to `Vec<E>`, as entity models do; reading a row does not go through it) unwraps
/// each element and would panic on an unknown one. Read arrays with `try_get::<Vec<E>>`.
///
/// The macro is for this crate only (its derives need serde, utoipa and sea-orm in scope): a new enum
/// the database stores is declared here, in `enums.rs`, and mapped to its CHECK constraint in
/// `migrations/tests/enums.rs`.
macro_rules! db_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $db:tt => $label:literal
            ),+ $(,)?
        }
    ) => {
        // `$db` is a `tt`, not a `literal`: utoipa does not read a `literal` fragment in
        // `#[serde(rename = ...)]` (serde does), and would list the Rust names in the OpenAPI enum.
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            utoipa::ToSchema,
        )]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[serde(rename = $db)]
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The database (and JSON) spelling.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $db,)+
                }
            }

            /// The variant spelled `s` in the database, if any.
            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($db => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The Vietnamese label shown to users.
            pub fn label_vi(&self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }

        impl $crate::DbEnum for $name {
            const NAME: &'static str = stringify!($name);
            const VARIANTS: &'static [$name] = &$name::ALL;
            const VALUES: &'static [&'static str] = &[$($db),+];

            fn as_str(&self) -> &'static str {
                $name::as_str(self)
            }
            fn label_vi(&self) -> &'static str {
                $name::label_vi(self)
            }
            fn parse(s: &str) -> Option<$name> {
                $name::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<$name, $crate::UnknownValue> {
                $crate::db_enum::parse_or_err(s)
            }
        }

        impl From<$name> for sea_orm::Value {
            fn from(v: $name) -> sea_orm::Value {
                v.as_str().into()
            }
        }

        impl sea_orm::sea_query::Nullable for $name {
            fn null() -> sea_orm::Value {
                <String as sea_orm::sea_query::Nullable>::null()
            }
        }

        impl sea_orm::sea_query::ValueType for $name {
            fn try_from(v: sea_orm::Value) -> Result<$name, sea_orm::sea_query::ValueTypeErr> {
                $crate::db_enum::try_from_value(v)
            }
            fn type_name() -> String {
                stringify!($name).to_owned()
            }
            fn array_type() -> sea_orm::sea_query::ArrayType {
                sea_orm::sea_query::ArrayType::String
            }
            fn column_type() -> sea_orm::sea_query::ColumnType {
                sea_orm::sea_query::ColumnType::Text
            }
        }

        // Lets sea-query bind `Vec<$name>` as a `text[]` (its blanket `From<Vec<T>> for Value`).
        impl sea_orm::sea_query::value::postgres_array::NotU8 for $name {}

        impl sea_orm::TryGetable for $name {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<$name, sea_orm::TryGetError> {
                $crate::db_enum::try_get_by(res, idx)
            }
        }

        impl sea_orm::TryGetableArray for $name {
            fn try_get_by<I: sea_orm::ColIdx>(
                res: &sea_orm::QueryResult,
                idx: I,
            ) -> Result<Vec<$name>, sea_orm::TryGetError> {
                $crate::db_enum::try_get_vec_by(res, idx)
            }
        }
    };
}

pub(crate) use db_enum;
