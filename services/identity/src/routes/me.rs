//! `GET /api/v1/me`: who am I, for which organisation, in which province.

use crate::store::organisations::{self, OrgView};
use crate::store::users::{self, UserView};
use kc_auth::{AnyUser, Lock, Tenant, declare};
use kc_http::{ApiError, Json};
use kc_kernel::Permission;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<crate::AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: UserView,
    pub organisation: OrgView,
    pub role: kc_kernel::Role,
    /// Vietnamese label of the role.
    pub role_label: String,
    pub permissions: Vec<Permission>,
    /// The caller's province; `null` for the ministry.
    pub province: Option<MeProvince>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeProvince {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// The caller's user, organisation, role, permissions and province.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = Me), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn me(tenant: Tenant<AnyUser>) -> Result<Json<Me>, ApiError> {
    let tx = tenant.begin().await?;
    let user = users::by_id(&tx, tenant.user_id(), Lock::None).await?;
    let org = organisations::by_id(&tx, tenant.org_id(), Lock::None).await?;
    tx.commit().await?;
    let gone = || {
        ApiError::Unauthorized(
            "Tài khoản không còn hiệu lực, vui lòng đăng nhập lại (account no longer active)"
                .into(),
        )
    };
    let (Some(user), Some(org)) = (user, org) else {
        return Err(gone());
    };
    if user.sign_in_refusal().is_some() {
        return Err(gone());
    }
    let province = match (org.province_id, &org.province_code, &org.province_name) {
        (Some(id), Some(code), Some(name)) => Some(MeProvince {
            id,
            code: code.clone(),
            name: name.clone(),
        }),
        _ => None,
    };
    Ok(Json(Me {
        role: tenant.role(),
        role_label: tenant.role().label_vi().into(),
        permissions: user.permissions(),
        user: UserView::from(&user),
        organisation: org,
        province,
    }))
}
