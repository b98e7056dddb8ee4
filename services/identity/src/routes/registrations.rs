//! Enterprise self-registration: an enterprise signs up with its tax code, e-mail and password; the
//! account waits until an officer of that province's extension centre verifies it or rejects it with a
//! reason.

use crate::routes::organisations::{
    EnterpriseInput, insert_enterprise, parse_enterprise, province_by_code,
};
use crate::routes::users::insert_user;
use crate::routes::{Page, Paged, SERVICE, audit_anon, audit_by, opt_text, req_text};
use crate::store::{self, OrgFilter, OrgView, UserView};
use crate::throttle::Subject;
use crate::{AppState, passwords};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{Authorized, Claims, Policy, ProvinceStaff};
use kc_db::{AuditEvent, audit, begin, stmt};
use kc_http::{ApiError, ClientMeta, FieldErrors, Json};
use kc_http::{Path, Query};
use kc_kernel::{Email, Permission, Role, Scope};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register, list_registrations))
        .routes(routes!(verify_registration))
        .routes(routes!(reject_registration))
}

/// An officer (or approver, or admin) of a provincial extension centre.
pub struct CentreOfficer;
impl Policy for CentreOfficer {
    fn allows(c: &Claims) -> bool {
        c.role == Role::Centre
            && (c.has(Permission::Officer)
                || c.has(Permission::Approver)
                || c.has(Permission::Admin))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationRequest {
    /// 10 digits, or 10 digits, a dash and 3 digits.
    pub tax_code: String,
    pub name: String,
    /// company, cooperative, household_business or cooperative_group
    pub enterprise_kind: String,
    /// 2-digit code of the province in force today.
    pub province_code: String,
    /// Commune (xã / phường / đặc khu).
    pub commune: String,
    pub address: Option<String>,
    #[serde(default)]
    pub woman_owned: bool,
    #[serde(default)]
    pub ethnic_minority_owned: bool,
    /// The person registering (the owner or a representative).
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationReceipt {
    pub organisation_id: Uuid,
    pub user_id: Uuid,
    /// Always `pending` at first.
    pub status: &'static str,
    pub message: String,
}

/// Register an enterprise. The account can log in once the province's centre verifies it.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "registrations", request_body = RegistrationRequest,
    responses((status = 201, body = RegistrationReceipt), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope)))]
async fn register(
    State(s): State<AppState>,
    meta: ClientMeta,
    Json(req): Json<RegistrationRequest>,
) -> Result<(StatusCode, Json<RegistrationReceipt>), ApiError> {
    let mut fields = FieldErrors::new();
    let enterprise = EnterpriseInput {
        tax_code: req.tax_code.clone(),
        name: req.name.clone(),
        enterprise_kind: req.enterprise_kind.clone(),
        province_code: Some(req.province_code.clone()),
        commune: req.commune.clone(),
        address: req.address.clone(),
        woman_owned: req.woman_owned,
        ethnic_minority_owned: req.ethnic_minority_owned,
    };
    let parsed = parse_enterprise(&enterprise, &mut fields);
    let full_name = req_text(&mut fields, "full_name", &req.full_name, 200);
    let phone = opt_text(&mut fields, "phone", req.phone.as_deref(), 30);
    let email = Email::parse(&req.email)
        .map_err(|e| fields.insert("email".into(), e.to_string()))
        .ok();
    if let Some(msg) = passwords::check_new(&req.password) {
        fields.insert("password".into(), msg);
    }
    // One short transaction: the province, and this address's registration quota (each registration
    // costs a password hash).
    let addr = meta.addr_string().unwrap_or_else(|| "unknown".into());
    let pre = begin(&s.db, &Scope::System).await?;
    let province_id = province_by_code(&pre, &req.province_code, &mut fields).await?;
    let (Some(email), Some(province_id), true) = (email, province_id, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let verdict = Subject::action("register", &addr, &s.config.lockout)
        .hit(&pre)
        .await?;
    pre.commit().await?;
    if let Some(retry_after_secs) = verdict.retry_after() {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    let hash = s.passwords.hash(req.password).await?;

    let tx = begin(&s.db, &Scope::Province(province_id)).await?;
    let org_id = insert_enterprise(&tx, province_id, &parsed, "pending").await?;
    let user_id = insert_user(
        &tx,
        Some(province_id),
        org_id,
        Role::Enterprise,
        &email,
        &full_name,
        phone,
        vec!["admin".into(), "officer".into()],
        hash,
        "pending",
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "registration.submitted",
            entity_type: "organisation",
            entity_id: Some(org_id.to_string()),
            province_id: Some(province_id),
            actor_user_id: Some(user_id),
            actor_email: Some(email.as_str().into()),
            after: Some(
                json!({"tax_code": parsed.tax_code, "name": parsed.name, "email": email.as_str()}),
            ),
            ..audit_anon(&meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationReceipt {
            organisation_id: org_id,
            user_id,
            status: "pending",
            message: "Đã nhận đăng ký. Trung tâm Khuyến công của tỉnh sẽ xác minh tài khoản (registration received; the provincial extension centre will verify it)".into(),
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRegistration {
    pub organisation: OrgView,
    pub users: Vec<UserView>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegistrationQuery {
    /// pending (default), active or rejected
    pub status: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Registrations of the caller's province (the ministry: all), pending by default.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "registrations", params(RegistrationQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Paged<PendingRegistration>), (status = 403, body = kc_http::ErrorEnvelope)))]
async fn list_registrations(
    State(s): State<AppState>,
    caller: Authorized<ProvinceStaff>,
    Query(q): Query<RegistrationQuery>,
) -> Result<Json<Paged<PendingRegistration>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let status = q.status.clone().unwrap_or_else(|| "pending".into());
    if !["pending", "active", "rejected"].contains(&status.as_str()) {
        return Err(ApiError::field(
            "status",
            "Trạng thái không hợp lệ (unknown status)",
        ));
    }
    let tx = begin(&s.db, &caller.scope).await?;
    let filter = OrgFilter {
        kind: Some("enterprise".into()),
        status: Some(status),
        ..Default::default()
    };
    let (orgs, total) = store::list_orgs(&tx, &filter, page.limit, page.offset).await?;
    let mut users = store::users_of_orgs(&tx, orgs.iter().map(|o| o.id).collect()).await?;
    let items = orgs
        .into_iter()
        .map(|org| PendingRegistration {
            users: users
                .remove(&org.id)
                .unwrap_or_default()
                .iter()
                .map(UserView::from)
                .collect(),
            organisation: org,
        })
        .collect();
    tx.commit().await?;
    Ok(Json(Paged::new(items, total, page)))
}

async fn decide(
    s: &AppState,
    caller: &Authorized<CentreOfficer>,
    meta: &ClientMeta,
    id: Uuid,
    approve: bool,
    reason: Option<String>,
) -> Result<OrgView, ApiError> {
    let tx = begin(&s.db, &caller.scope).await?;
    let before = store::org_by_id_for_update(&tx, id)
        .await?
        .filter(|o| o.kind == "enterprise" && caller.scope.can_see_province(o.province_id))
        .ok_or(ApiError::NotFound)?;
    if before.status != "pending" {
        return Err(ApiError::Conflict(format!(
            "Đăng ký này đã được xử lý (registration already decided: {})",
            before.status
        )));
    }
    let status = if approve { "active" } else { "rejected" };
    tx.execute_raw(stmt(
        "UPDATE identity.organisations SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1",
        [id.into(), status.into(), reason.clone().into()],
    ))
    .await?;
    tx.execute_raw(stmt(
        "UPDATE identity.users SET status = $2, updated_at = now() WHERE organisation_id = $1 AND status = 'pending'",
        [id.into(), status.into()],
    ))
    .await?;
    let after = store::org_by_id(&tx, id).await?.ok_or(ApiError::NotFound)?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: if approve {
                "registration.verified"
            } else {
                "registration.rejected"
            },
            entity_type: "organisation",
            entity_id: Some(id.to_string()),
            province_id: before.province_id,
            before: Some(json!({"status": before.status})),
            after: Some(json!({"status": status, "reason": reason})),
            ..audit_by(caller, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Verify a pending registration of the centre's province: the enterprise's accounts become active.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/verify", tag = "registrations",
    security(("bearer" = [])),
    responses((status = 200, body = OrgView), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope)))]
async fn verify_registration(
    State(s): State<AppState>,
    caller: Authorized<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
) -> Result<Json<OrgView>, ApiError> {
    decide(&s, &caller, &meta, id, true, None).await.map(Json)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// Why the registration is rejected (shown to the applicant).
    pub reason: String,
}

/// Reject a pending registration, with a reason.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "registrations",
    request_body = RejectRequest, security(("bearer" = [])),
    responses((status = 200, body = OrgView), (status = 404, body = kc_http::ErrorEnvelope),
              (status = 409, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn reject_registration(
    State(s): State<AppState>,
    caller: Authorized<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<RejectRequest>,
) -> Result<Json<OrgView>, ApiError> {
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 1000);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    decide(&s, &caller, &meta, id, false, Some(reason))
        .await
        .map(Json)
}
