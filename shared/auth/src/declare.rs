//! Who may call each route, declared in the route's OpenAPI operation (`x-kc-access`), so that the
//! authorization matrix test reads every service's document and calls every route as every kind of
//! caller. A route without a declaration fails that test.
//!
//! ```ignore
//! #[utoipa::path(get, path = "/api/v1/users/{id}", extensions(("x-kc-access" = json!(
//!     kc_auth::declare::<MinistryOrProvinceAdmin>().on("user")))), ...)]
//! ```

use crate::Policy;
use serde::Serialize;

/// The name of the OpenAPI extension that carries a route's declaration.
pub const EXTENSION: &str = "x-kc-access";

/// A route's declaration: who may call it and, when its path names a record, which kind of record
/// (the caller must be able to see it: same province, or for an enterprise its own organisation).
#[derive(Debug, Clone, Serialize)]
pub struct Declaration {
    /// No token needed.
    pub public: bool,
    /// Roles allowed (empty when public).
    pub roles: Vec<&'static str>,
    /// Any of these permissions is needed; empty: any permission.
    pub permissions: Vec<&'static str>,
    /// The kind of record the path's `{id}` names, checked against the caller's scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<&'static str>,
    /// The route ends the caller's sessions ("log out everywhere"): the matrix calls it last.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ends_sessions: bool,
    /// Among the callers allowed here, which one may act on a given record is decided by data (a
    /// scheme's approval chain says which role and permission takes its next step): an allowed caller
    /// may still get 403 for a record whose next step is another's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub decided_by_data: bool,
}

impl Declaration {
    /// The path's `{id}` names a record of this kind.
    pub fn on(mut self, resource: &'static str) -> Declaration {
        self.resource = Some(resource);
        self
    }

    /// Which allowed caller may act on a record is decided by data (see the field).
    pub fn decided_by_data(mut self) -> Declaration {
        self.decided_by_data = true;
        self
    }

    /// The route ends the caller's own sessions.
    pub fn ending_sessions(mut self) -> Declaration {
        self.ends_sessions = true;
        self
    }
}

/// A route that needs a token satisfying `P`.
pub fn declare<P: Policy>() -> Declaration {
    Declaration {
        public: false,
        roles: P::ACCESS.roles.iter().map(|r| r.as_str()).collect(),
        permissions: P::ACCESS.permissions.iter().map(|p| p.as_str()).collect(),
        resource: None,
        ends_sessions: false,
        decided_by_data: false,
    }
}

/// A route anyone may call (login, registration, reference data, health).
pub fn public() -> Declaration {
    Declaration {
        public: true,
        roles: Vec::new(),
        permissions: Vec::new(),
        resource: None,
        ends_sessions: false,
        decided_by_data: false,
    }
}
