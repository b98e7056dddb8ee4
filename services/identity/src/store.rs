//! Rows of the identity schema and the queries on them. Every query runs inside a tenant transaction
//! (`kc_db::begin`), so row-level security applies on top of the `WHERE` clauses written here.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::stmt;
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
    pub role: String,
    pub permissions: Vec<String>,
    pub password_hash: String,
    pub status: String,
    /// The status of the user's organisation (a disabled organisation's users cannot sign in).
    pub org_status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserRow {
    /// Why a user who knows the password may not sign in (or keep a session): the account's own
    /// status or its organisation's. `None` when both are active. The one place for this rule.
    pub fn sign_in_refusal(&self) -> Option<kc_http::ApiError> {
        let msg = match (self.status.as_str(), self.org_status.as_str()) {
            ("active", "active") => return None,
            ("pending", _) | (_, "pending") => {
                "Tài khoản đang chờ Trung tâm Khuyến công xác minh (account pending verification)"
            }
            ("rejected", _) | (_, "rejected") => {
                "Đăng ký tài khoản đã bị từ chối (registration was rejected)"
            }
            (_, "disabled") => "Tổ chức của tài khoản đã bị khoá (the organisation is disabled)",
            _ => "Tài khoản đã bị khoá (account disabled)",
        };
        Some(kc_http::ApiError::Forbidden(msg.into()))
    }
}

const USER_SELECT: &str =
    "SELECT u.id, u.province_id, a.code AS province_code, u.organisation_id, u.email,
        u.full_name, u.phone, u.role, u.permissions, u.password_hash, u.status,
        o.status AS org_status, u.created_at, u.updated_at
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
    /// ministry, province, centre or enterprise
    pub role: String,
    pub permissions: Vec<String>,
    /// pending, active, rejected or disabled
    pub status: String,
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
            role: u.role.clone(),
            permissions: u.permissions.clone(),
            status: u.status.clone(),
            province_id: u.province_id,
            province_code: u.province_code.clone(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

pub async fn user_by_email<C: ConnectionTrait>(
    c: &C,
    email: &str,
) -> Result<Option<UserRow>, DbErr> {
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

pub async fn user_by_id<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<UserRow>, DbErr> {
    UserRow::find_by_statement(stmt(&format!("{USER_SELECT} WHERE u.id = $1"), [id.into()]))
        .one(c)
        .await
}

pub async fn user_by_id_for_update<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
) -> Result<Option<UserRow>, DbErr> {
    UserRow::find_by_statement(stmt(
        &format!("{USER_SELECT} WHERE u.id = $1 FOR UPDATE OF u"),
        [id.into()],
    ))
    .one(c)
    .await
}

/// The users of several organisations in one query, by organisation.
pub async fn users_of_orgs<C: ConnectionTrait>(
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
pub async fn list_users<C: ConnectionTrait>(
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

pub async fn count<C, I>(c: &C, sql: &str, values: I) -> Result<i64, DbErr>
where
    C: ConnectionTrait,
    I: IntoIterator<Item = sea_orm::Value>,
{
    let row = c.query_one_raw(stmt(sql, values)).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: Uuid,
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    /// ministry, department, centre or enterprise
    pub kind: String,
    pub name: String,
    pub tax_code: Option<String>,
    /// company, cooperative, household_business or cooperative_group
    pub enterprise_kind: Option<String>,
    pub commune: Option<String>,
    pub address: Option<String>,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
    /// pending, active, rejected or disabled
    pub status: String,
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const ORG_SELECT: &str =
    "SELECT o.id, o.province_id, a.code AS province_code, a.name AS province_name,
        o.kind, o.name, o.tax_code, o.enterprise_kind, o.commune, o.address, o.woman_owned,
        o.ethnic_minority_owned, o.status, o.status_reason, o.created_at, o.updated_at
   FROM identity.organisations o LEFT JOIN identity.admin_units a ON a.id = o.province_id";

pub async fn org_by_id<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<OrgView>, DbErr> {
    OrgView::find_by_statement(stmt(&format!("{ORG_SELECT} WHERE o.id = $1"), [id.into()]))
        .one(c)
        .await
}

pub async fn org_by_id_for_update<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
) -> Result<Option<OrgView>, DbErr> {
    OrgView::find_by_statement(stmt(
        &format!("{ORG_SELECT} WHERE o.id = $1 FOR UPDATE OF o"),
        [id.into()],
    ))
    .one(c)
    .await
}

/// Filters for listing organisations.
#[derive(Debug, Default)]
pub struct OrgFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub province_id: Option<Uuid>,
    pub q: Option<String>,
}

pub async fn list_orgs<C: ConnectionTrait>(
    c: &C,
    f: &OrgFilter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<OrgView>, i64), DbErr> {
    let cond = "($1::text IS NULL OR o.kind = $1) AND ($2::text IS NULL OR o.status = $2)
        AND ($3::uuid IS NULL OR o.province_id = $3)
        AND ($4::text IS NULL OR o.name ILIKE '%' || $4 || '%' OR o.tax_code LIKE $4 || '%')";
    let vals = || -> Vec<sea_orm::Value> {
        vec![
            f.kind.clone().into(),
            f.status.clone().into(),
            f.province_id.into(),
            f.q.clone().into(),
        ]
    };
    let mut v = vals();
    v.push((limit as i64).into());
    v.push((offset as i64).into());
    let rows = OrgView::find_by_statement(stmt(
        &format!(
            "{ORG_SELECT} WHERE {cond} ORDER BY a.code NULLS FIRST, o.kind, o.name LIMIT $5 OFFSET $6"
        ),
        v,
    ))
    .all(c)
    .await?;
    let total = count(
        c,
        &format!("SELECT count(*) AS n FROM identity.organisations o WHERE {cond}"),
        vals(),
    )
    .await?;
    Ok((rows, total))
}

#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct UnitRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    /// province or city
    pub kind: String,
    /// north, central or south
    pub region: String,
    pub valid_from: NaiveDate,
    /// Exclusive; `null` while in force.
    pub valid_to: Option<NaiveDate>,
    pub successor_id: Option<Uuid>,
}

const UNIT_SELECT: &str = "SELECT id, code, name, kind, region, valid_from, valid_to, successor_id FROM identity.admin_units";

/// Units in force on a day.
pub async fn units_as_of<C: ConnectionTrait>(c: &C, day: NaiveDate) -> Result<Vec<UnitRow>, DbErr> {
    UnitRow::find_by_statement(stmt(
        &format!(
            "{UNIT_SELECT} WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY code"
        ),
        [day.into()],
    ))
    .all(c)
    .await
}

pub async fn units_by_ids<C: ConnectionTrait>(
    c: &C,
    ids: Vec<Uuid>,
) -> Result<Vec<UnitRow>, DbErr> {
    UnitRow::find_by_statement(stmt(
        &format!("{UNIT_SELECT} WHERE id = ANY($1)"),
        [ids.into()],
    ))
    .all(c)
    .await
}

/// The unit with this code in force today.
pub async fn current_unit_by_code<C: ConnectionTrait>(
    c: &C,
    code: &str,
) -> Result<Option<UnitRow>, DbErr> {
    UnitRow::find_by_statement(stmt(
        &format!(
            "{UNIT_SELECT} WHERE code = $1 AND valid_from <= current_date
             AND (valid_to IS NULL OR valid_to > current_date)"
        ),
        [code.into()],
    ))
    .one(c)
    .await
}
