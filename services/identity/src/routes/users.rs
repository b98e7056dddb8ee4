//! Users within the caller's scope: ministry admins manage everyone; a province department admin
//! manages the users of its own province's department, centre and enterprises.

use crate::routes::SERVICE;
use crate::state::{self, By};
use crate::store::organisations::{self, OrgView};
use crate::store::sessions::{self, Revoke};
use crate::store::users::{self, NewUser, UserChange, UserRow, UserView};
use crate::{AppState, passwords};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{Lock, MinistryOrProvinceAdmin, Tenant, audit_by, declare};
use kc_db::{AuditEvent, audit};
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Patch, Path, Query, opt_text, patch,
    patch_text, req_text,
};
use kc_kernel::{AccountStatus, Email, Permission, Role};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
}

pub const EMAIL_TAKEN: &str = "E-mail này đã có tài khoản (e-mail already in use)";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    pub organisation_id: Option<Uuid>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Users of the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>()))),
    responses((status = 200, body = Paged<UserView>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_users(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    Query(q): Query<UserQuery>,
) -> Result<Json<Paged<UserView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let tx = tenant.begin().await?;
    let (rows, total) = users::list(&tx, q.organisation_id, page.limit, page.offset).await?;
    tx.commit().await?;
    let items = rows.iter().map(UserView::from).collect();
    Ok(Json(Paged::new(items, total, page)))
}

/// One user of the caller's scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>().on("user")))),
    responses((status = 200, body = UserView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_user(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    Path(id): Path<Uuid>,
) -> Result<Json<UserView>, ApiError> {
    let (tx, user) = tenant.load::<UserRow>(id).await?;
    tx.commit().await?;
    Ok(Json(UserView::from(&user)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub organisation_id: Uuid,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub full_name: String,
    #[schema(schema_with = kc_http::opt_text_schema::<30>)]
    pub phone: Option<String>,
    pub permissions: Vec<Permission>,
    /// The initial password; the user can reset it by e-mail.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// Create a user in an organisation of the caller's scope; the role follows the organisation's kind.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest, security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>())),
               ("x-kc-server-rules" = json!({
                   "organisation_id": "an active organisation in the caller's scope"}))),
    responses((status = 201, body = UserView), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_user(
    State(s): State<AppState>,
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<NewUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let mut fields = FieldErrors::new();
    let email = Email::parse(&req.email)
        .map_err(|e| fields.insert("email".into(), e.to_string()))
        .ok();
    let full_name = req_text(&mut fields, "full_name", &req.full_name, 200);
    let phone = opt_text(&mut fields, "phone", req.phone.as_deref(), 30);
    if let Some(msg) = passwords::check_new(&req.password) {
        fields.insert("password".into(), msg);
    }
    let (Some(email), true) = (email, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let hash = s.passwords.hash(req.password).await?;
    let tx = tenant.begin().await?;
    let not_found = || {
        ApiError::field(
            "organisation_id",
            "Không tìm thấy tổ chức trong phạm vi quản lý (organisation not found)",
        )
    };
    let org = organisations::by_id(&tx, req.organisation_id, Lock::None)
        .await?
        .filter(|o: &OrgView| tenant.scope().can_see(kc_auth::Resource::owner(o)))
        .ok_or_else(not_found)?;
    if org.status != AccountStatus::Active {
        return Err(ApiError::field(
            "organisation_id",
            "Tổ chức chưa được xác minh hoặc đã bị khoá (organisation is not active)",
        ));
    }
    let id = users::insert(
        &tx,
        NewUser {
            province_id: org.province_id,
            organisation_id: org.id,
            role: Role::for_org_kind(org.kind),
            email: &email,
            full_name: &full_name,
            phone,
            permissions: req.permissions,
            password_hash: hash,
            status: AccountStatus::Active,
        },
    )
    .await
    .map_err(|e| ApiError::unique_or(e, "email", EMAIL_TAKEN))?;
    let user = users::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let view = UserView::from(&user);
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "user.created",
            entity_type: "user",
            entity_id: Some(id.to_string()),
            province_id: user.province_id,
            after: serde_json::to_value(&view).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(schema_with = kc_http::nullable_text_schema::<200>)]
    pub full_name: Option<String>,
    /// A new phone number; `null` or blank clears it.
    #[serde(default, deserialize_with = "patch")]
    #[schema(schema_with = kc_http::opt_text_schema::<30>)]
    pub phone: Patch<String>,
    pub permissions: Option<Vec<Permission>>,
    /// active or disabled; disabling ends every session of the user.
    #[schema(schema_with = super::admin_status_schema)]
    pub status: Option<AccountStatus>,
}

/// Edit a user of the caller's scope.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<MinistryOrProvinceAdmin>().on("user")))),
    responses((status = 200, body = UserView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_user(
    tenant: Tenant<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    let mut fields = FieldErrors::new();
    let change = UserChange {
        full_name: req
            .full_name
            .as_deref()
            .map(|n| req_text(&mut fields, "full_name", n, 200)),
        phone: patch_text(&mut fields, "phone", &req.phone, 30),
        permissions: req.permissions,
        status: req.status,
    };
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let (tx, before) = tenant.load_for_update::<UserRow>(id).await?;
    if let Some(to) = change.status {
        state::check(before.status, to, By::Admin)?;
    }
    users::update(&tx, id, &change).await?;
    if change.status == Some(AccountStatus::Disabled) {
        sessions::revoke(&tx, Revoke::User(id), "user disabled").await?;
    }
    let after = users::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    let (before, after) = (UserView::from(&before), UserView::from(&after));
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "user.updated",
            entity_type: "user",
            entity_id: Some(id.to_string()),
            province_id: after.province_id,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
            ..audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}
