//! Authentication and authorization shared by every service.
//!
//! - identity signs short-lived access tokens with Ed25519 ([`Signer`]) and publishes the public key as
//!   JWKS; every other service verifies with the public key only ([`Verifier`]), pinned to `EdDSA`, and
//!   checks `iss`, `aud`, `exp` and `nbf`. Anything else (`alg: none`, HS256 with the public key as the
//!   secret, an unknown key id, a bad signature, tampered claims) is rejected.
//! - Authorization lives in handler signatures: [`Caller`] demands a valid token and yields the
//!   caller's tenant [`Scope`](kc_kernel::Scope); [`Authorized<P>`] additionally demands the [`Policy`]
//!   `P` (a role and/or permission), so a route without its check does not compile.

mod claims;
mod extract;
mod keys;
mod verify;

pub use claims::{Claims, ProvinceClaim};
pub use extract::{AnyUser, Authorized, Caller, MinistryOrProvinceAdmin, Policy, ProvinceStaff};
pub use keys::{Jwk, Jwks, Signer};
pub use verify::{AuthError, Verifier};

/// The audience every access token is issued for.
pub const AUDIENCE: &str = "khuyencong";
/// The issuer of every access token.
pub const ISSUER: &str = "kc-identity";
