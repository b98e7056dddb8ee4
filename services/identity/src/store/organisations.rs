//! Organisations: the ministry's agency, each province's department and centre, enterprises.

use super::{contains_pattern, count, prefix_pattern};
use chrono::{DateTime, Utc};
use kc_auth::{Lock, Resource};
use kc_db::{Tx, stmt};
use kc_http::Patch;
use kc_kernel::{AccountStatus, EnterpriseKind, OrgKind, Owner};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct OrgView {
    pub id: Uuid,
    pub province_id: Option<Uuid>,
    pub province_code: Option<String>,
    pub province_name: Option<String>,
    pub kind: OrgKind,
    pub name: String,
    pub tax_code: Option<String>,
    pub enterprise_kind: Option<EnterpriseKind>,
    pub commune: Option<String>,
    pub address: Option<String>,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
    pub status: AccountStatus,
    pub status_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An organisation is seen by its province's staff, by the ministry, and (an enterprise) by itself.
impl Resource for OrgView {
    async fn load(tx: &Tx, id: Uuid, lock: Lock) -> Result<Option<Self>, DbErr> {
        by_id(tx, id, lock).await
    }
    fn owner(&self) -> Owner {
        Owner {
            province: self.province_id,
            organisation: Some(self.id),
        }
    }
}

const ORG_SELECT: &str =
    "SELECT o.id, o.province_id, a.code AS province_code, a.name AS province_name,
        o.kind, o.name, o.tax_code, o.enterprise_kind, o.commune, o.address, o.woman_owned,
        o.ethnic_minority_owned, o.status, o.status_reason, o.created_at, o.updated_at
   FROM identity.organisations o LEFT JOIN identity.admin_units a ON a.id = o.province_id";

pub async fn by_id<C: ConnectionTrait>(
    c: &C,
    id: Uuid,
    lock: Lock,
) -> Result<Option<OrgView>, DbErr> {
    let lock = match lock {
        Lock::None => "",
        Lock::ForUpdate => " FOR UPDATE OF o",
    };
    OrgView::find_by_statement(stmt(
        &format!("{ORG_SELECT} WHERE o.id = $1{lock}"),
        [id.into()],
    ))
    .one(c)
    .await
}

/// Filters for listing organisations.
#[derive(Debug, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub status: Option<AccountStatus>,
    pub province_id: Option<Uuid>,
    /// Matched literally in the name, or as the start of the tax code.
    pub q: Option<String>,
}

pub async fn list<C: ConnectionTrait>(
    c: &C,
    f: &OrgFilter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<OrgView>, i64), DbErr> {
    let cond = "($1::text IS NULL OR o.kind = $1) AND ($2::text IS NULL OR o.status = $2)
        AND ($3::uuid IS NULL OR o.province_id = $3)
        AND ($4::text IS NULL OR o.name ILIKE $4 OR o.tax_code LIKE $5)";
    let vals = || -> Vec<sea_orm::Value> {
        vec![
            f.kind.map(|k| k.as_str()).into(),
            f.status.map(|s| s.as_str()).into(),
            f.province_id.into(),
            f.q.as_deref().map(contains_pattern).into(),
            f.q.as_deref().map(prefix_pattern).into(),
        ]
    };
    let mut v = vals();
    v.push((limit as i64).into());
    v.push((offset as i64).into());
    let rows = OrgView::find_by_statement(stmt(
        &format!(
            "{ORG_SELECT} WHERE {cond} ORDER BY a.code NULLS FIRST, o.kind, o.name LIMIT $6 OFFSET $7"
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

/// The fields of a new enterprise, validated.
pub struct NewEnterprise {
    pub tax_code: String,
    pub name: String,
    pub enterprise_kind: EnterpriseKind,
    pub commune: String,
    pub address: Option<String>,
    pub woman_owned: bool,
    pub ethnic_minority_owned: bool,
}

/// Insert an enterprise; the error of a duplicate tax code is a unique violation.
pub async fn insert_enterprise<C: ConnectionTrait>(
    c: &C,
    province_id: Uuid,
    e: &NewEnterprise,
    status: AccountStatus,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    c.execute_raw(stmt(
        "INSERT INTO identity.organisations (id, province_id, kind, name, tax_code, enterprise_kind,
             commune, address, woman_owned, ethnic_minority_owned, status)
         VALUES ($1, $2, 'enterprise', $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            id.into(),
            province_id.into(),
            e.name.clone().into(),
            e.tax_code.clone().into(),
            e.enterprise_kind.as_str().into(),
            e.commune.clone().into(),
            e.address.clone().into(),
            e.woman_owned.into(),
            e.ethnic_minority_owned.into(),
            status.as_str().into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// A change to an organisation; `Keep` leaves a field alone, `Clear` empties an optional one.
#[derive(Debug, Default)]
pub struct OrgChange {
    pub name: Option<String>,
    pub commune: Option<String>,
    pub address: Patch<String>,
    pub woman_owned: Option<bool>,
    pub ethnic_minority_owned: Option<bool>,
    pub status: Option<AccountStatus>,
    pub status_reason: Patch<String>,
}

pub async fn update<C: ConnectionTrait>(c: &C, id: Uuid, ch: &OrgChange) -> Result<(), DbErr> {
    let (set_address, address) = patch_parts(&ch.address);
    let (set_reason, reason) = patch_parts(&ch.status_reason);
    c.execute_raw(stmt(
        "UPDATE identity.organisations SET
            name = coalesce($2, name), commune = coalesce($3, commune),
            address = CASE WHEN $4 THEN $5 ELSE address END,
            woman_owned = coalesce($6, woman_owned), ethnic_minority_owned = coalesce($7, ethnic_minority_owned),
            status = coalesce($8, status),
            status_reason = CASE WHEN $9 THEN $10 ELSE status_reason END,
            updated_at = now()
          WHERE id = $1",
        [
            id.into(),
            ch.name.clone().into(),
            ch.commune.clone().into(),
            set_address.into(),
            address.into(),
            ch.woman_owned.into(),
            ch.ethnic_minority_owned.into(),
            ch.status.map(|s| s.as_str()).into(),
            set_reason.into(),
            reason.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// `(whether to write, the value)` of a PATCH field, for `CASE WHEN $n THEN $m ELSE column END`.
pub fn patch_parts(p: &Patch<String>) -> (bool, Option<String>) {
    match p {
        Patch::Keep => (false, None),
        Patch::Clear => (true, None),
        Patch::Set(v) => (true, Some(v.clone())),
    }
}

/// The organisations in use (active or disabled) that hold these tax codes, visible in the current
/// scope: what a pending registration of the same code claims.
pub async fn holders_of<C: ConnectionTrait>(
    c: &C,
    tax_codes: Vec<String>,
) -> Result<Vec<OrgView>, DbErr> {
    OrgView::find_by_statement(stmt(
        &format!("{ORG_SELECT} WHERE o.tax_code = ANY($1) AND o.status IN ('active', 'disabled')"),
        [tax_codes.into()],
    ))
    .all(c)
    .await
}
