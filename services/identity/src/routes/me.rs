//! `/api/v1/me`: who am I, for which organisation, in which province; my own name and phone; my
//! own password (the current one first, counted like a login).

use crate::routes::SERVICE;
use crate::store::organisations::{self, OrgView};
use crate::store::sessions::{self, Revoke};
use crate::store::users::{self, UserChange, UserRow, UserView};
use crate::throttle::Subject;
use crate::{AppState, passwords};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{AnyUser, Lock, Tenant, audit_by, declare};
use kc_db::{AuditEvent, Tx, audit};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json, Patch, patch, patch_text, req_text};
use kc_kernel::Permission;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
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
    let me = read(&tenant, &tx).await?;
    tx.commit().await?;
    Ok(Json(me))
}

/// The 401 for a caller whose account is gone or no longer signs in.
fn gone() -> ApiError {
    ApiError::Unauthorized(
        "Tài khoản không còn hiệu lực, vui lòng đăng nhập lại (account no longer active)".into(),
    )
}

/// The caller as [`Me`] says it, read in `tx`; 401 when the account no longer signs in.
async fn read(tenant: &Tenant<AnyUser>, tx: &Tx) -> Result<Me, ApiError> {
    let user = users::by_id(tx, tenant.user_id(), Lock::None).await?;
    let org = organisations::by_id(tx, tenant.org_id(), Lock::None).await?;
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
    Ok(Me {
        role: tenant.role(),
        role_label: tenant.role().label_vi().into(),
        permissions: user.permissions(),
        user: UserView::from(&user),
        organisation: org,
        province,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    #[schema(schema_with = kc_http::nullable_text_schema::<200>)]
    pub full_name: Option<String>,
    /// A new phone number; `null` or blank clears it.
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = kc_http::opt_text_schema::<30>)]
    pub phone: Patch<String>,
}

/// Change one's own name or phone number (the rest of an account is its administrator's).
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = MePatch, security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>()))),
    responses((status = 200, body = Me), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_me(
    tenant: Tenant<AnyUser>,
    meta: ClientMeta,
    Json(req): Json<MePatch>,
) -> Result<Json<Me>, ApiError> {
    let mut fields = FieldErrors::new();
    let change = UserChange {
        full_name: req
            .full_name
            .as_deref()
            .map(|n| req_text(&mut fields, "full_name", n, 200)),
        phone: patch_text(&mut fields, "phone", &req.phone, 30),
        permissions: None,
        status: None,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let id = tenant.user_id();
    let tx = tenant.begin().await?;
    // Nothing to change (`{}`): the caller as it is, nothing written.
    if change.full_name.is_none() && matches!(change.phone, Patch::Keep) {
        let me = read(&tenant, &tx).await?;
        tx.commit().await?;
        return Ok(Json(me));
    }
    let before = users::by_id(&tx, id, Lock::ForUpdate)
        .await?
        .ok_or_else(gone)?;
    users::update(&tx, id, &change).await?;
    let me = read(&tenant, &tx).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "user.updated_own",
            entity_type: "user",
            entity_id: Some(id.to_string()),
            province_id: before.province_id,
            before: serde_json::to_value(UserView::from(&before)).ok(),
            after: serde_json::to_value(&me.user).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(me))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(max_length = 128)]
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Change one's own password, giving the current one. Wrong current passwords count towards the
/// account's lockout as failed logins do. Every session of the account ends (sign in again with the
/// new password).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChange,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<AnyUser>().ending_sessions())),
               ("x-kc-server-rules" = json!({"current_password": "the account's password"}))),
    responses((status = 204), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope), (status = 429, body = kc_http::ErrorEnvelope)))]
async fn change_password(
    State(s): State<AppState>,
    tenant: Tenant<AnyUser>,
    meta: ClientMeta,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    if let Some(msg) = passwords::check_new(&req.new_password) {
        return Err(ApiError::field("new_password", msg));
    }
    let wrong = || {
        ApiError::field(
            "current_password",
            "Mật khẩu hiện tại không đúng (the current password is wrong)",
        )
    };
    // As at login: no hash is spent on what cannot be a password.
    let n = req.current_password.chars().count();
    if n == 0 || n > passwords::MAX_LENGTH {
        return Err(wrong());
    }
    // A place among the password checks, or 429 at once (as at login).
    let place = s.passwords.place().map_err(|_| ApiError::Busy {
        retry_after_secs: 1,
    })?;
    let id = tenant.user_id();
    // 1. Reserve the attempt on the account's login counter.
    let tx = tenant.begin().await?;
    let user: UserRow = users::by_id(&tx, id, Lock::None).await?.ok_or_else(gone)?;
    let account = Subject::account(&user.email, &s.config.lockout);
    let verdict = account.attempt(&tx).await?;
    tx.commit().await?;
    if let Some(retry_after_secs) = verdict.retry_after() {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    // 2. Check the current password outside any transaction, and hash the new one.
    let ok = s
        .passwords
        .verify(
            place,
            req.current_password,
            Some(user.password_hash.clone()),
        )
        .await;
    let hash = if ok {
        Some(s.passwords.hash(req.new_password).await?)
    } else {
        None
    };
    // 3. Settle: a failure counts; a success sets the password and ends every session.
    let tx = tenant.begin().await?;
    let base = AuditEvent {
        entity_type: "user",
        entity_id: Some(id.to_string()),
        province_id: user.province_id,
        ..audit_by(&tenant, &meta)
    };
    let Some(hash) = hash else {
        let failed = AuditEvent {
            action: "password_change.failed",
            ..base.clone()
        };
        audit(&tx, SERVICE, failed).await?;
        if account.failed(&tx).await? {
            let locked = AuditEvent {
                action: "lockout.account",
                ..base
            };
            audit(&tx, SERVICE, locked).await?;
        }
        tx.commit().await?;
        return Err(wrong());
    };
    account.succeeded(&tx).await?;
    users::set_password(&tx, id, hash).await?;
    sessions::consume_resets(&tx, id).await?;
    let revoked = sessions::revoke(&tx, Revoke::User(id), "password changed").await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "password.changed",
            after: Some(json!({"sessions_revoked": revoked})),
            ..base
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
