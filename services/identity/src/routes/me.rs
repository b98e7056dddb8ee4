//! `GET /api/v1/me`: who am I, for which organisation, in which province.

use crate::AppState;
use crate::store::{self, OrgView, UserView};
use axum::extract::State;
use kc_auth::Caller;
use kc_db::begin;
use kc_http::{ApiError, Json};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub user: UserView,
    pub organisation: OrgView,
    /// ministry, province, centre or enterprise
    pub role: String,
    /// Vietnamese label of the role.
    pub role_label: String,
    pub permissions: Vec<String>,
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
    responses((status = 200, body = Me), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn me(State(s): State<AppState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    let tx = begin(&s.db, &caller.scope).await?;
    let user = store::user_by_id(&tx, caller.user_id()).await?;
    let org = store::org_by_id(&tx, caller.org_id()).await?;
    tx.commit().await?;
    let (Some(user), Some(org)) = (user, org) else {
        return Err(ApiError::Unauthorized(
            "Tài khoản không còn tồn tại (account no longer exists)".into(),
        ));
    };
    if let Some(refusal) = user.sign_in_refusal() {
        return Err(refusal);
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
        role: caller.role().as_str().into(),
        role_label: caller.role().label_vi().into(),
        permissions: user.permissions.clone(),
        user: UserView::from(&user),
        organisation: org,
        province,
    }))
}
