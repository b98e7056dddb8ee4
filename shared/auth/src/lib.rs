//! Authentication and authorization shared by every service.
//!
//! - identity signs short-lived access tokens with Ed25519 ([`Signer`]) and publishes the public key as
//!   JWKS; every other service verifies with the public key only ([`Verifier`]), pinned to `EdDSA`, and
//!   checks `iss`, `aud`, `exp` and `nbf`. Anything else (`alg: none`, HS256 with the public key as the
//!   secret, an unknown key id, a bad signature, tampered claims) is rejected.
//! - Authorization lives in handler signatures: [`Caller`] demands a valid token and yields the
//!   caller's tenant [`Scope`](kc_kernel::Scope); [`Authorized<P>`] additionally demands the [`Policy`]
//!   `P` (roles and permissions, declared once as [`Access`]); [`Tenant<P>`] is the same plus the way
//!   to the database: the request transaction set to the caller's tenant, and [`Resource`] loading
//!   that answers 404 outside the caller's scope. A handler has no other way to the database.
//! - [`Anyone`]: a public route's way to the database (reference data only), and
//!   [`Anyone::begin_as_secret_holder`] for a user named by a secret of theirs ([`random_secret`],
//!   stored as [`hash_secret`]) rather than a token: a calendar feed's private address.
//! - [`declare`]: each route's declaration in its OpenAPI operation, read by the authorization matrix
//!   test.

mod claims;
mod declare;
mod extract;
mod keys;
mod provinces;
mod secret;
mod tenant;
mod verify;

pub use claims::{Claims, ProvinceClaim};
pub use declare::{Declaration, EXTENSION, declare, public};
pub use extract::{
    Access, AnyUser, Authorized, Caller, CaseWorker, CentreOfficer, EnterpriseMember,
    MinistryAdmin, MinistryBudget, MinistryOfficer, MinistryOrProvinceAdmin, Policy,
    ProvinceBudget, ProvinceOfficer, ProvinceStaff, SchemeWorker,
};
pub use keys::{Jwk, Jwks, Signer};
pub use provinces::{list_province, province_by_code, target_province};
pub use secret::{hash_secret, random_secret};
pub use tenant::{Anyone, Lock, Resource, SecretHolder, Tenant, audit_anon, audit_by};
pub use verify::{AuthError, Verifier};

/// The audience every access token is issued for.
pub const AUDIENCE: &str = "khuyencong";
/// The issuer of every access token.
pub const ISSUER: &str = "kc-identity";
