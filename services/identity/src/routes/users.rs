//! Users within the caller's scope: ministry admins manage everyone; a province department admin
//! manages the users of its own province's department, centre and enterprises.

use crate::routes::organisations::conflict_field;
use crate::routes::{
    Page, Paged, SERVICE, audit_by, check_admin_status, check_status_change, opt_text, req_text,
};
use crate::store::{self, UserView};
use crate::{AppState, passwords, tokens};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{Authorized, MinistryOrProvinceAdmin};
use kc_db::{AuditEvent, audit, begin, stmt};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json};
use kc_http::{Path, Query};
use kc_kernel::{Email, OrgKind, Permission, Role};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    pub organisation_id: Option<Uuid>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Users of the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), security(("bearer" = [])),
    responses((status = 200, body = Paged<UserView>), (status = 403, body = kc_http::ErrorEnvelope)))]
async fn list_users(
    State(s): State<AppState>,
    caller: Authorized<MinistryOrProvinceAdmin>,
    Query(q): Query<UserQuery>,
) -> Result<Json<Paged<UserView>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let tx = begin(&s.db, &caller.scope).await?;
    let (rows, total) = store::list_users(&tx, q.organisation_id, page.limit, page.offset).await?;
    tx.commit().await?;
    let items = rows
        .iter()
        .filter(|u| caller.scope.can_see_province(u.province_id))
        .map(UserView::from)
        .collect();
    Ok(Json(Paged::new(items, total, page)))
}

/// One user of the caller's scope.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = kc_http::ErrorEnvelope)))]
async fn get_user(
    State(s): State<AppState>,
    caller: Authorized<MinistryOrProvinceAdmin>,
    Path(id): Path<Uuid>,
) -> Result<Json<UserView>, ApiError> {
    let tx = begin(&s.db, &caller.scope).await?;
    let user = store::user_by_id(&tx, id).await?;
    tx.commit().await?;
    let user = user
        .filter(|u| caller.scope.can_see_province(u.province_id))
        .ok_or(ApiError::NotFound)?;
    Ok(Json(UserView::from(&user)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    pub organisation_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub phone: Option<String>,
    /// Any of officer, approver, viewer, admin.
    pub permissions: Vec<String>,
    /// The initial password (at least 8 characters); the user can reset it by e-mail.
    pub password: String,
}

pub fn parse_permissions(raw: &[String], fields: &mut FieldErrors) -> Vec<String> {
    let mut perms: Vec<Permission> = Vec::new();
    for p in raw {
        match Permission::parse(p) {
            Some(p) if !perms.contains(&p) => perms.push(p),
            Some(_) => {}
            None => {
                fields.insert(
                    "permissions".into(),
                    format!("Quyền không hợp lệ: {p} (allowed: officer, approver, viewer, admin)"),
                );
            }
        }
    }
    perms.sort();
    perms.iter().map(|p| p.as_str().to_owned()).collect()
}

/// Insert a user; a duplicate e-mail is a 409 naming `email`.
#[allow(clippy::too_many_arguments)]
pub async fn insert_user(
    tx: &DatabaseTransaction,
    province_id: Option<Uuid>,
    organisation_id: Uuid,
    role: Role,
    email: &Email,
    full_name: &str,
    phone: Option<String>,
    permissions: Vec<String>,
    password_hash: String,
    status: &str,
) -> Result<Uuid, ApiError> {
    let id = Uuid::new_v4();
    let r = tx
        .execute_raw(stmt(
            "INSERT INTO identity.users (id, province_id, organisation_id, email, full_name, phone, role,
                 permissions, password_hash, status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                id.into(),
                province_id.into(),
                organisation_id.into(),
                email.as_str().into(),
                full_name.into(),
                phone.into(),
                role.as_str().into(),
                permissions.into(),
                password_hash.into(),
                status.into(),
            ],
        ))
        .await;
    match r {
        Ok(_) => Ok(id),
        Err(e) if kc_db::is_unique_violation(&e) => Err(conflict_field(
            "email",
            "E-mail này đã có tài khoản (e-mail already in use)",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Create a user in an organisation of the caller's scope; the role follows the organisation's kind.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn create_user(
    State(s): State<AppState>,
    caller: Authorized<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Json(req): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let mut fields = FieldErrors::new();
    let email = Email::parse(&req.email)
        .map_err(|e| fields.insert("email".into(), e.to_string()))
        .ok();
    let full_name = req_text(&mut fields, "full_name", &req.full_name, 200);
    let phone = opt_text(&mut fields, "phone", req.phone.as_deref(), 30);
    let permissions = parse_permissions(&req.permissions, &mut fields);
    if let Some(msg) = passwords::check_new(&req.password) {
        fields.insert("password".into(), msg);
    }
    let (Some(email), true) = (email, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let hash = s.passwords.hash(req.password).await?;
    let tx = begin(&s.db, &caller.scope).await?;
    let org = store::org_by_id(&tx, req.organisation_id)
        .await?
        .filter(|o| caller.scope.can_see_province(o.province_id))
        .ok_or_else(|| {
            ApiError::field(
                "organisation_id",
                "Không tìm thấy tổ chức trong phạm vi quản lý (organisation not found)",
            )
        })?;
    if org.status != "active" {
        return Err(ApiError::field(
            "organisation_id",
            "Tổ chức chưa được xác minh hoặc đã bị khoá (organisation is not active)",
        ));
    }
    let kind = OrgKind::parse(&org.kind).ok_or_else(|| ApiError::internal("bad org kind"))?;
    let id = insert_user(
        &tx,
        org.province_id,
        org.id,
        Role::for_org_kind(kind),
        &email,
        &full_name,
        phone,
        permissions,
        hash,
        "active",
    )
    .await?;
    let user = store::user_by_id(&tx, id)
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
            ..audit_by(&caller, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub permissions: Option<Vec<String>>,
    /// active or disabled; disabling ends every session of the user.
    pub status: Option<String>,
}

/// Edit a user of the caller's scope.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UserPatch,
    security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn update_user(
    State(s): State<AppState>,
    caller: Authorized<MinistryOrProvinceAdmin>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    let mut fields = FieldErrors::new();
    let full_name = req
        .full_name
        .as_deref()
        .map(|n| req_text(&mut fields, "full_name", n, 200));
    let phone = opt_text(&mut fields, "phone", req.phone.as_deref(), 30);
    let permissions = req
        .permissions
        .as_ref()
        .map(|p| parse_permissions(p, &mut fields));
    check_admin_status(&mut fields, req.status.as_deref());
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    let tx = begin(&s.db, &caller.scope).await?;
    let before = store::user_by_id_for_update(&tx, id)
        .await?
        .filter(|u| caller.scope.can_see_province(u.province_id))
        .ok_or(ApiError::NotFound)?;
    check_status_change(&before.status, req.status.as_deref())?;
    tx.execute_raw(stmt(
        "UPDATE identity.users SET full_name = coalesce($2, full_name), phone = coalesce($3, phone),
            permissions = coalesce($4, permissions), status = coalesce($5, status), updated_at = now()
          WHERE id = $1",
        [
            id.into(),
            full_name.into(),
            phone.into(),
            permissions.into(),
            req.status.clone().into(),
        ],
    ))
    .await?;
    if req.status.as_deref() == Some("disabled") {
        tokens::revoke(&tx, tokens::Revoke::User(id), "user disabled").await?;
    }
    let after = store::user_by_id(&tx, id)
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
            ..audit_by(&caller, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(after))
}
