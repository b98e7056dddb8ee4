//! Enterprise self-registration: an enterprise signs up with its tax code, e-mail and password; the
//! account waits until an officer of that province's extension centre verifies it or rejects it with a
//! reason.

use crate::routes::organisations::{EnterpriseInput, parse_enterprise, province_by_code};
use crate::routes::{PreAuthDb, SERVICE};
use crate::state::{self, By};
use crate::store::organisations::{self, OrgChange, OrgFilter, OrgView};
use crate::store::users::{self, NewUser, UserView};
use crate::throttle::Subject;
use crate::{AppState, passwords};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{CentreOfficer, Lock, ProvinceStaff, Tenant, audit_anon, audit_by, declare, public};
use kc_db::{AuditEvent, PreAuth, audit};
use kc_events::{RegistrationDecided, RegistrationEmailInUse, RegistrationReceived};
use kc_http::{
    ApiError, ClientMeta, FieldErrors, Json, Page, Paged, Patch, Path, Query, opt_text, req_text,
};
use kc_kernel::{AccountStatus, Email, EnterpriseKind, OrgKind, Permission, Role};
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationRequest {
    /// 10 digits whose 10th is the check digit of the first nine, or those, a dash and a branch
    /// number from 001 to 999.
    #[schema(
        pattern = "^[0-9]{10}(-(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2}))?$",
        example = "0101234565"
    )]
    pub tax_code: String,
    #[schema(schema_with = kc_http::text_schema::<300>)]
    pub name: String,
    /// Parsed with the other fields, so that one answer names every field at fault.
    #[schema(value_type = EnterpriseKind)]
    pub enterprise_kind: String,
    /// 2-digit code of the province in force today.
    #[schema(pattern = "^[0-9]{2}$", example = "01")]
    pub province_code: String,
    /// Commune (xã / phường / đặc khu).
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub commune: String,
    #[schema(schema_with = kc_http::opt_text_schema::<500>)]
    pub address: Option<String>,
    #[serde(default)]
    pub woman_owned: bool,
    #[serde(default)]
    pub ethnic_minority_owned: bool,
    /// The person registering (the owner or a representative).
    #[schema(schema_with = kc_http::text_schema::<200>)]
    pub full_name: String,
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    #[schema(schema_with = kc_http::opt_text_schema::<30>)]
    pub phone: Option<String>,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// The one answer to every registration, whatever became of it: it never says that the e-mail
/// address or the tax code were already known (the address's owner is told by e-mail instead).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationReceipt {
    /// Always `received`.
    pub status: &'static str,
    pub message: String,
}

fn receipt() -> (StatusCode, Json<RegistrationReceipt>) {
    (
        StatusCode::ACCEPTED,
        Json(RegistrationReceipt {
            status: "received",
            message: "Đã nhận đăng ký. Vui lòng kiểm tra hộp thư: Trung tâm Khuyến công của tỉnh sẽ xác minh tài khoản (registration received: check your mailbox; the provincial extension centre will verify the account)".into(),
        }),
    )
}

/// Register an enterprise. The account can log in once the province's centre verifies it.
///
/// Always 202 with the same body once the fields are valid. An e-mail address that already has an
/// account registers nothing: its owner gets an e-mail. A tax code already held by an organisation is
/// registered as a claim for the centre to review.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "registrations", request_body = RegistrationRequest,
    extensions(("x-kc-access" = json!(public())),
               ("x-kc-server-rules" = json!({
                   "tax_code": "the 10th digit is the check digit of the first nine",
                   "province_code": "a province in force today"}))),
    responses((status = 202, body = RegistrationReceipt),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope),
              (status = 429, body = kc_http::ErrorEnvelope)))]
async fn register(
    State(s): State<AppState>,
    pre: PreAuthDb,
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
    let email = kc_kernel::Email::parse(&req.email)
        .map_err(|e| fields.insert("email".into(), e.to_string()))
        .ok();
    if let Some(msg) = passwords::check_new(&req.password) {
        fields.insert("password".into(), msg);
    }
    // One short transaction: the province, and this address's registration quota (each registration
    // costs a password hash).
    let addr = meta.addr_string().unwrap_or_else(|| "unknown".into());
    let pre_tx = pre.begin(PreAuth::Registration).await?;
    let province_id = province_by_code(&pre_tx, &req.province_code, &mut fields).await?;
    let (Some(email), Some(province_id), true) = (email, province_id, fields.is_empty()) else {
        return Err(ApiError::validation(fields));
    };
    let verdict = Subject::action("register", &addr, &s.config.lockout)
        .hit(&pre_tx)
        .await?;
    pre_tx.commit().await?;
    if let Some(retry_after_secs) = verdict.retry_after() {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    // Hashed whatever comes next, so that a known address takes as long as a new one.
    let hash = s.passwords.hash(req.password).await?;

    let tx = pre.begin(PreAuth::Registration).await?;
    if users::by_email(&tx, email.as_str())
        .await?
        .is_some_and(|u| u.status != AccountStatus::Rejected)
    {
        tx.rollback().await?;
        return email_in_use(&pre, &email, &meta).await.map(|()| receipt());
    }
    let holders = organisations::holders_of(&tx, vec![parsed.tax_code.clone()]).await?;
    let org_id =
        organisations::insert_enterprise(&tx, province_id, &parsed, AccountStatus::Pending).await?;
    let user_id = match users::insert(
        &tx,
        NewUser {
            province_id: Some(province_id),
            organisation_id: org_id,
            role: Role::Enterprise,
            email: &email,
            full_name: &full_name,
            phone,
            permissions: vec![Permission::Admin, Permission::Officer],
            password_hash: hash,
            status: AccountStatus::Pending,
        },
    )
    .await
    {
        Ok(id) => id,
        // Registered at the same instant by another request.
        Err(e) if kc_db::is_unique_violation(&e) => {
            drop(tx);
            return email_in_use(&pre, &email, &meta).await.map(|()| receipt());
        }
        Err(e) => return Err(e.into()),
    };
    kc_events::enqueue(
        &tx,
        SERVICE,
        &RegistrationReceived {
            organisation_id: org_id,
            user_id,
            province: province_id,
            to: email.as_str().to_owned(),
            full_name: full_name.clone(),
            organisation_name: parsed.name.clone(),
            claims_tax_code: !holders.is_empty(),
        },
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
            after: Some(json!({
                "tax_code": parsed.tax_code, "name": parsed.name, "email": email.as_str(),
                "claims_tax_code_of": holders.iter().map(|h| h.id).collect::<Vec<_>>(),
            })),
            ..audit_anon(&meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(receipt())
}

/// The address already has an account: nothing is registered; its owner is told by e-mail.
async fn email_in_use(pre: &PreAuthDb, email: &Email, meta: &ClientMeta) -> Result<(), ApiError> {
    let tx = pre.begin(PreAuth::Registration).await?;
    let Some(owner) = users::by_email(&tx, email.as_str()).await? else {
        return Ok(());
    };
    kc_events::enqueue(
        &tx,
        SERVICE,
        &RegistrationEmailInUse {
            attempt_id: Uuid::new_v4(),
            user_id: owner.id,
            province: owner.province_id,
            to: owner.email.clone(),
            full_name: owner.full_name.clone(),
        },
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "registration.email_in_use",
            entity_type: "user",
            entity_id: Some(owner.id.to_string()),
            province_id: owner.province_id,
            actor_email: Some(email.as_str().into()),
            ..audit_anon(meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRegistration {
    pub organisation: OrgView,
    pub users: Vec<UserView>,
    /// The organisation in use that already holds this tax code (visible in the caller's scope): the
    /// registration is a claim to review; verifying it fails while the code is held.
    pub tax_code_holder: Option<OrgView>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RegistrationQuery {
    /// pending (default), active or rejected
    #[param(schema_with = registration_status_schema)]
    pub status: Option<AccountStatus>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 100000)]
    pub page: Option<u64>,
    /// Items per page, 1 to 200 (50 by default).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// The statuses a registration can be listed by (a disabled organisation is no registration).
fn registration_status_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(["pending", "active", "rejected"]))
        .build()
}

/// Registrations of the caller's province (the ministry: all), pending by default.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "registrations", params(RegistrationQuery),
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<ProvinceStaff>()))),
    responses((status = 200, body = Paged<PendingRegistration>), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn list_registrations(
    tenant: Tenant<ProvinceStaff>,
    Query(q): Query<RegistrationQuery>,
) -> Result<Json<Paged<PendingRegistration>>, ApiError> {
    let page = Page::parse(q.page, q.per_page)?;
    let status = q.status.unwrap_or(AccountStatus::Pending);
    if status == AccountStatus::Disabled {
        return Err(ApiError::field(
            "status",
            "Trạng thái đăng ký là pending, active hoặc rejected (registration status is pending, active or rejected)",
        ));
    }
    let tx = tenant.begin().await?;
    let filter = OrgFilter {
        kind: Some(OrgKind::Enterprise),
        status: Some(status),
        ..Default::default()
    };
    let (orgs, total) = organisations::list(&tx, &filter, page.limit, page.offset).await?;
    let mut users = users::of_orgs(&tx, orgs.iter().map(|o| o.id).collect()).await?;
    let codes = orgs
        .iter()
        .filter(|o| o.status == AccountStatus::Pending)
        .filter_map(|o| o.tax_code.clone())
        .collect();
    let holders = organisations::holders_of(&tx, codes).await?;
    tx.commit().await?;
    let items = orgs
        .into_iter()
        .map(|org| PendingRegistration {
            tax_code_holder: holders
                .iter()
                .find(|h| {
                    h.tax_code == org.tax_code
                        && h.id != org.id
                        && org.status == AccountStatus::Pending
                })
                .cloned(),
            users: users
                .remove(&org.id)
                .unwrap_or_default()
                .iter()
                .map(UserView::from)
                .collect(),
            organisation: org,
        })
        .collect();
    Ok(Json(Paged::new(items, total, page)))
}

async fn decide(
    tenant: &Tenant<CentreOfficer>,
    meta: &ClientMeta,
    id: Uuid,
    to: AccountStatus,
    reason: Option<String>,
) -> Result<OrgView, ApiError> {
    let (tx, before) = tenant.load_for_update::<OrgView>(id).await?;
    if before.kind != OrgKind::Enterprise {
        return Err(ApiError::NotFound);
    }
    state::check(before.status, to, By::Centre)?;
    let change = OrgChange {
        status: Some(to),
        status_reason: match &reason {
            Some(r) => Patch::Set(r.clone()),
            None => Patch::Keep,
        },
        ..Default::default()
    };
    organisations::update(&tx, id, &change)
        .await
        .map_err(|e| {
            ApiError::unique_or(
                e,
                "tax_code",
                "Mã số thuế này đang thuộc về một tổ chức khác: hãy xử lý tổ chức đó trước, hoặc từ chối đăng ký (the tax code is held by another organisation: settle that one first, or reject this registration)",
            )
        })?;
    users::decide_pending(&tx, id, to).await?;
    let after = organisations::by_id(&tx, id, Lock::None)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Each of its users is told by e-mail (the notifications service sends it).
    if let Some(province) = after.province_id {
        let told: Vec<RegistrationDecided> = users::of_orgs(&tx, vec![id])
            .await?
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|u| RegistrationDecided {
                organisation_id: id,
                user_id: u.id,
                province,
                to: u.email,
                full_name: u.full_name,
                organisation_name: after.name.clone(),
                verified: to == AccountStatus::Active,
                reason: reason.clone(),
            })
            .collect();
        kc_events::enqueue_many(&tx, SERVICE, &told).await?;
    }
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: if to == AccountStatus::Active {
                "registration.verified"
            } else {
                "registration.rejected"
            },
            entity_type: "organisation",
            entity_id: Some(id.to_string()),
            province_id: before.province_id,
            before: Some(json!({"status": before.status})),
            after: Some(json!({"status": to, "reason": reason})),
            ..audit_by(tenant, meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Verify a pending registration of the centre's province: the enterprise's accounts become active.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/verify", tag = "registrations",
    security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("registration")))),
    responses((status = 200, body = OrgView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope)))]
async fn verify_registration(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
) -> Result<Json<OrgView>, ApiError> {
    decide(&tenant, &meta, id, AccountStatus::Active, None)
        .await
        .map(Json)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// Why the registration is rejected (shown to the applicant).
    #[schema(schema_with = kc_http::text_schema::<1000>)]
    pub reason: String,
}

/// Reject a pending registration, with a reason.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/reject", tag = "registrations",
    request_body = RejectRequest, security(("bearer" = [])),
    extensions(("x-kc-access" = json!(declare::<CentreOfficer>().on("registration")))),
    responses((status = 200, body = OrgView), (status = 400, body = kc_http::ErrorEnvelope),
              (status = 401, body = kc_http::ErrorEnvelope), (status = 403, body = kc_http::ErrorEnvelope),
              (status = 404, body = kc_http::ErrorEnvelope), (status = 409, body = kc_http::ErrorEnvelope),
              (status = 415, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn reject_registration(
    tenant: Tenant<CentreOfficer>,
    meta: ClientMeta,
    Path(id): Path<Uuid>,
    Json(req): Json<RejectRequest>,
) -> Result<Json<OrgView>, ApiError> {
    let mut fields = FieldErrors::new();
    let reason = req_text(&mut fields, "reason", &req.reason, 1000);
    if !fields.is_empty() {
        return Err(ApiError::validation(fields));
    }
    decide(&tenant, &meta, id, AccountStatus::Rejected, Some(reason))
        .await
        .map(Json)
}
