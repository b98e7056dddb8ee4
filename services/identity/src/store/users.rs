//! Users: accounts of an organisation, with their role, permissions and password hash.

use super::count;
use super::organisations::patch_parts;
use chrono::{DateTime, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, stmt};
use kc_http::{ApiError, Patch};
use kc_kernel::{AccountStatus, Email, Owner, Permission, Role};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult)]
pub struct UserRow {
    pub id: Uuid,
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub organisation_id: Uuid,
    pub email: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub permissions: Vec<String>,
    pub password_hash: String,
    pub status: AccountStatus,
    /// The status of the user's organisation (a disabled organisation's users cannot sign in).
    pub org_status: AccountStatus,
    /// The session generation its tokens carry (claim `sv`).
    pub session_version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserRow {
    /// The permissions the database holds, as the kernel's type (unknown ones are dropped: the
    /// database's CHECK admits none).
    pub fn permissions(&self) -> Vec<Permission> {
        self.permissions
            .iter()
            .filter_map(|p| Permission::parse(p))
            .collect()
    }

    /// Why a user who knows the password may not sign in (or keep a session): the account's own
    /// status or its organisation's. `None` when both are active. The one place for this rule.
    pub fn sign_in_refusal(&self) -> Option<ApiError> {
        use AccountStatus::*;
        let msg = match (self.status, self.org_status) {
            (Active, Active) => return None,
            (Pending, _) | (_, Pending) => {
                "Tài khoản đang chờ Trung tâm Khuyến công xác minh (account pending verification)"
            }
            (Rejected, _) | (_, Rejected) => {
                "Đăng ký tài khoản đã bị từ chối (registration was rejected)"
            }
            (_, Disabled) => "Tổ chức của tài khoản đã bị khoá (the organisation is disabled)",
            _ => "Tài khoản đã bị khoá (account disabled)",
        };
        Some(ApiError::Forbidden(msg.into()))
    }
}

/// A user is seen by its province's staff, by the ministry, and by its own enterprise.
impl Resource for UserRow {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        by_id(tx, id, lock).await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: self.province_id,
            organisation: Some(self.organisation_id),
        }
    }
}

const USER_SELECT: &str =
    "SELECT u.id, u.province_id, a.code AS province_code, u.organisation_id, u.email,
        u.full_name, u.phone, u.role, u.permissions, u.password_hash, u.status,
        o.status AS org_status, u.session_version, u.created_at, u.updated_at
   FROM identity.users u LEFT JOIN identity.admin_units a ON a.id = u.province_id
   JOIN identity.organisations o ON o.id = u.organisation_id";

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    pub phone: Option<String>,
    pub organisation_id: Uuid,
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub status: AccountStatus,
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> UserView {
        UserView {
            id: u.id,
            email: u.email.clone(),
            full_name: u.full_name.clone(),
            phone: u.phone.clone(),
            organisation_id: u.organisation_id,
            role: u.role,
            permissions: u.permissions(),
            status: u.status,
            province_id: u.province_id,
            province_code: u.province_code.clone(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

pub async fn by_email<C: ConnectionTrait>(c: &C, email: &str) -> Result<Option<UserRow>, DbErr> {
    UserRow::find_by_statement(stmt(
        // At most one account per e-mail is not rejected; it comes first.
        &format!(
            "{USER_SELECT} WHERE lower(u.email) = lower($1) ORDER BY u.status = 'rejected', u.created_at DESC LIMIT 1"
        ),
        [email.into()],
    ))
    .one(c)
    .await
}

pub async fn by_id<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    lock: Lock,
) -> Result<Option<UserRow>, DbErr> {
    let lock = match lock {
        Lock::None => "",
        Lock::ForUpdate => " FOR UPDATE OF u",
    };
    UserRow::find_by_statement(stmt(
        &format!("{USER_SELECT} WHERE u.id = $1{lock}"),
        [id.into()],
    ))
    .one(c)
    .await
}

/// The users of several organisations in one query, by organisation.
pub async fn of_orgs<C: ConnectionTrait>(
    c: &C,
    orgs: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<UserRow>>, DbErr> {
    let rows = UserRow::find_by_statement(stmt(
        &format!("{USER_SELECT} WHERE u.organisation_id = ANY($1) ORDER BY u.email"),
        [orgs.into()],
    ))
    .all(c)
    .await?;
    let mut by_org: HashMap<Uuid, Vec<UserRow>> = HashMap::new();
    for u in rows {
        by_org.entry(u.organisation_id).or_default().push(u);
    }
    Ok(by_org)
}

/// Users visible in the current scope, optionally of one organisation, a page at a time.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    org: Option<Uuid>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<UserRow>, i64), DbErr> {
    let rows = UserRow::find_by_statement(stmt(
        &format!(
            "{USER_SELECT} WHERE ($1::uuid IS NULL OR u.organisation_id = $1)
             ORDER BY a.code NULLS FIRST, u.email LIMIT $2 OFFSET $3"
        ),
        [org.into(), (limit as i64).into(), (offset as i64).into()],
    ))
    .all(c)
    .await?;
    let total = count(
        c,
        "SELECT count(*) AS n FROM identity.users u WHERE ($1::uuid IS NULL OR u.organisation_id = $1)",
        [org.into()],
    )
    .await?;
    Ok((rows, total))
}

/// A new user; its province and role follow its organisation (a trigger checks them too).
pub struct NewUser<'a> {
    pub province_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub role: Role,
    pub email: &'a Email,
    pub full_name: &'a str,
    pub phone: Option<String>,
    pub permissions: Vec<Permission>,
    pub password_hash: String,
    pub status: AccountStatus,
}

fn perms_text(perms: &[Permission]) -> Vec<String> {
    let mut perms = perms.to_vec();
    perms.sort();
    perms.dedup();
    perms.iter().map(|p| p.as_str().to_owned()).collect()
}

/// Insert a user; a duplicate e-mail is a unique violation.
pub async fn insert<C: ConnectionTrait>(c: &C, u: NewUser<'_>) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    c.execute_raw(stmt(
        "INSERT INTO identity.users (id, province_id, organisation_id, email, full_name, phone, role,
             permissions, password_hash, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            id.into(),
            u.province_id.into(),
            u.organisation_id.into(),
            u.email.as_str().into(),
            u.full_name.into(),
            u.phone.into(),
            u.role.as_str().into(),
            perms_text(&u.permissions).into(),
            u.password_hash.into(),
            u.status.as_str().into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// A change to a user; `Keep` leaves a field alone, `Clear` empties an optional one.
#[derive(Debug, Default)]
pub struct UserChange {
    pub full_name: Option<String>,
    pub phone: Patch<String>,
    pub permissions: Option<Vec<Permission>>,
    pub status: Option<AccountStatus>,
}

pub async fn update<C: ConnectionTrait>(c: &C, id: Uuid, ch: &UserChange) -> Result<(), DbErr> {
    let (set_phone, phone) = patch_parts(&ch.phone);
    c.execute_raw(stmt(
        "UPDATE identity.users SET full_name = coalesce($2, full_name),
            phone = CASE WHEN $3 THEN $4 ELSE phone END,
            permissions = coalesce($5, permissions), status = coalesce($6, status), updated_at = now()
          WHERE id = $1",
        [
            id.into(),
            ch.full_name.clone().into(),
            set_phone.into(),
            phone.into(),
            ch.permissions.as_deref().map(perms_text).into(),
            ch.status.map(|s| s.as_str()).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The pending users of an organisation follow its registration's decision.
pub async fn decide_pending<C: ConnectionTrait>(
    c: &C,
    org: Uuid,
    status: AccountStatus,
) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "UPDATE identity.users SET status = $2, updated_at = now() WHERE organisation_id = $1 AND status = 'pending'",
        [org.into(), status.as_str().into()],
    ))
    .await?;
    Ok(())
}

pub async fn set_password<C: ConnectionTrait>(c: &C, id: Uuid, hash: String) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "UPDATE identity.users SET password_hash = $2, updated_at = now() WHERE id = $1",
        [id.into(), hash.into()],
    ))
    .await?;
    Ok(())
}
