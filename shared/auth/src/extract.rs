use crate::{Claims, Verifier};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kc_http::{ApiError, RequestLog};
use kc_kernel::{Permission, Role, Scope};
use std::marker::PhantomData;
use std::sync::Arc;

/// A caller with a valid access token. Rejects with 401 otherwise.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    pub scope: Scope,
}

impl Caller {
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

/// A rule about who may call a route: a role and/or a permission.
pub trait Policy {
    fn allows(claims: &Claims) -> bool;
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
            return Err(ApiError::Forbidden(
                "Bạn không có quyền thực hiện thao tác này (you do not have permission for this action)"
                    .into(),
            )
            .into_response());
        }
        Ok(Authorized {
            caller,
            _policy: PhantomData,
        })
    }
}

/// Any signed-in user.
pub struct AnyUser;
impl Policy for AnyUser {
    fn allows(_: &Claims) -> bool {
        true
    }
}

/// A ministry admin (everything) or a province department admin (its own province).
pub struct MinistryOrProvinceAdmin;
impl Policy for MinistryOrProvinceAdmin {
    fn allows(c: &Claims) -> bool {
        matches!(c.role, Role::Ministry | Role::Province) && c.has(Permission::Admin)
    }
}

/// Staff of a province's department or centre (any permission), or the ministry.
pub struct ProvinceStaff;
impl Policy for ProvinceStaff {
    fn allows(c: &Claims) -> bool {
        matches!(c.role, Role::Ministry | Role::Province | Role::Centre)
    }
}
