use crate::{Claims, Verifier};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kc_http::{ApiError, RequestLog};
use kc_kernel::{Permission, Role, Scope};
use std::marker::PhantomData;
use std::sync::Arc;

/// A caller with a valid access token. Rejects with 401 otherwise. Made only from a verified token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub(crate) claims: Claims,
    pub(crate) scope: Scope,
}

impl Caller {
    pub fn claims(&self) -> &Claims {
        &self.claims
    }
    pub fn scope(&self) -> Scope {
        self.scope
    }
    pub fn has(&self, perm: Permission) -> bool {
        self.claims.has(perm)
    }
    pub fn role(&self) -> Role {
        self.claims.role
    }
    pub fn user_id(&self) -> uuid::Uuid {
        self.claims.sub
    }
    pub fn org_id(&self) -> uuid::Uuid {
        self.claims.org
    }
}

fn unauthorized() -> Response {
    let mut resp = ApiError::Unauthorized(
        "Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ (missing or invalid access token)".into(),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

impl<S> FromRequestParts<S> for Caller
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .ok_or_else(unauthorized)?;
        let claims = verifier.verify(token).await.map_err(|e| {
            tracing::info!(reason = %e, "access token refused");
            unauthorized()
        })?;
        let scope = claims.scope().ok_or_else(unauthorized)?;
        if let Some(log) = parts.extensions.get::<RequestLog>() {
            let province = claims
                .province
                .as_ref()
                .map(|p| p.code.clone())
                .unwrap_or_else(|| "national".into());
            log.set_caller(claims.sub.to_string(), province);
        }
        Ok(Caller { claims, scope })
    }
}

/// Who may call a route: any of `roles`, holding any of `permissions` (none listed: any permission).
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub roles: &'static [Role],
    pub permissions: &'static [Permission],
}

impl Access {
    pub fn allows(&self, claims: &Claims) -> bool {
        self.roles.contains(&claims.role)
            && (self.permissions.is_empty() || self.permissions.iter().any(|p| claims.has(*p)))
    }
}

/// A rule about who may call a route: a role and/or a permission, declared once as [`Access`].
pub trait Policy {
    const ACCESS: Access;
    fn allows(claims: &Claims) -> bool {
        Self::ACCESS.allows(claims)
    }
}

/// A caller that satisfies the policy `P`; 401 without a valid token, 403 when `P` says no.
#[derive(Debug, Clone)]
pub struct Authorized<P> {
    pub caller: Caller,
    _policy: PhantomData<P>,
}

impl<P> std::ops::Deref for Authorized<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

pub(crate) fn forbidden() -> Response {
    ApiError::Forbidden(
        "Bạn không có quyền thực hiện thao tác này (you do not have permission for this action)"
            .into(),
    )
    .into_response()
}

impl<S, P> FromRequestParts<S> for Authorized<P>
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
    P: Policy + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !P::allows(&caller.claims) {
            return Err(forbidden());
        }
        Ok(Authorized {
            caller,
            _policy: PhantomData,
        })
    }
}

const ALL_ROLES: &[Role] = &[
    Role::Ministry,
    Role::Province,
    Role::Centre,
    Role::Enterprise,
];
const STAFF: &[Role] = &[Role::Ministry, Role::Province, Role::Centre];

/// Any signed-in user.
pub struct AnyUser;
impl Policy for AnyUser {
    const ACCESS: Access = Access {
        roles: ALL_ROLES,
        permissions: &[],
    };
}

/// A ministry admin (everything) or a province department admin (its own province).
pub struct MinistryOrProvinceAdmin;
impl Policy for MinistryOrProvinceAdmin {
    const ACCESS: Access = Access {
        roles: &[Role::Ministry, Role::Province],
        permissions: &[Permission::Admin],
    };
}

/// A ministry admin: national reference data (the official calendar, national duties).
pub struct MinistryAdmin;
impl Policy for MinistryAdmin {
    const ACCESS: Access = Access {
        roles: &[Role::Ministry],
        permissions: &[Permission::Admin],
    };
}

/// Staff of a province's department or centre (any permission), or the ministry.
pub struct ProvinceStaff;
impl Policy for ProvinceStaff {
    const ACCESS: Access = Access {
        roles: STAFF,
        permissions: &[],
    };
}

/// An officer, approver or admin of a provincial extension centre.
pub struct CentreOfficer;
impl Policy for CentreOfficer {
    const ACCESS: Access = Access {
        roles: &[Role::Centre],
        permissions: &[Permission::Officer, Permission::Approver, Permission::Admin],
    };
}

/// A user of an enterprise who may act for it (officer or admin; a viewer only reads).
pub struct EnterpriseMember;
impl Policy for EnterpriseMember {
    const ACCESS: Access = Access {
        roles: &[Role::Enterprise],
        permissions: &[Permission::Officer, Permission::Admin],
    };
}

/// The ministry's budget holders (approver or admin): the national fund's envelopes and allocations.
pub struct MinistryBudget;
impl Policy for MinistryBudget {
    const ACCESS: Access = Access {
        roles: &[Role::Ministry],
        permissions: &[Permission::Approver, Permission::Admin],
    };
}

/// A province department's budget holders (approver or admin): its local fund's envelopes.
pub struct ProvinceBudget;
impl Policy for ProvinceBudget {
    const ACCESS: Access = Access {
        roles: &[Role::Province],
        permissions: &[Permission::Approver, Permission::Admin],
    };
}

/// Those who work on an enterprise's case: the enterprise (officer or admin) and its province's
/// extension centre (officer, approver or admin).
pub struct CaseWorker;
impl Policy for CaseWorker {
    const ACCESS: Access = Access {
        roles: &[Role::Enterprise, Role::Centre],
        permissions: &[Permission::Officer, Permission::Approver, Permission::Admin],
    };
}

/// A province department's officers, approvers and admins: the appraisers of schemes, the keepers of
/// the province's cluster registry.
pub struct ProvinceOfficer;
impl Policy for ProvinceOfficer {
    const ACCESS: Access = Access {
        roles: &[Role::Province],
        permissions: &[Permission::Officer, Permission::Approver, Permission::Admin],
    };
}

/// The ministry's officers, approvers and admins: who read and return the provinces' reports.
pub struct MinistryOfficer;
impl Policy for MinistryOfficer {
    const ACCESS: Access = Access {
        roles: &[Role::Ministry],
        permissions: &[Permission::Officer, Permission::Approver, Permission::Admin],
    };
}

/// Staff who act on a scheme (officer, approver or admin of the ministry, a department or a centre;
/// a viewer only reads). Which of them may act at a given moment is the approval chain's data.
pub struct SchemeWorker;
impl Policy for SchemeWorker {
    const ACCESS: Access = Access {
        roles: STAFF,
        permissions: &[Permission::Officer, Permission::Approver, Permission::Admin],
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProvinceClaim;

    fn claims(role: Role, perms: &[Permission]) -> Claims {
        Claims {
            sub: uuid::Uuid::nil(),
            org: uuid::Uuid::nil(),
            role,
            perms: perms.to_vec(),
            province: (role != Role::Ministry).then(|| ProvinceClaim {
                id: uuid::Uuid::nil(),
                code: "01".into(),
            }),
            iss: String::new(),
            aud: String::new(),
            iat: 0,
            nbf: 0,
            exp: 0,
            jti: uuid::Uuid::nil(),
            sv: 0,
        }
    }

    #[test]
    fn policies_hold_their_role_and_permission() {
        use Permission::*;
        use Role::*;
        let admin = MinistryOrProvinceAdmin::allows;
        assert!(admin(&claims(Ministry, &[Admin])));
        assert!(admin(&claims(Province, &[Admin, Approver])));
        assert!(!admin(&claims(Province, &[Approver])));
        assert!(
            !admin(&claims(Centre, &[Admin])),
            "a centre admin is not a province admin"
        );
        assert!(!admin(&claims(Enterprise, &[Admin])));
        let officer = CentreOfficer::allows;
        assert!(officer(&claims(Centre, &[Officer])));
        assert!(officer(&claims(Centre, &[Approver])));
        assert!(!officer(&claims(Centre, &[Viewer])));
        assert!(
            !officer(&claims(Province, &[Officer])),
            "a province officer is not a centre officer"
        );
        assert!(!officer(&claims(Ministry, &[Officer])));
        assert!(ProvinceStaff::allows(&claims(Centre, &[Viewer])));
        assert!(!ProvinceStaff::allows(&claims(Enterprise, &[Admin])));
    }
}
