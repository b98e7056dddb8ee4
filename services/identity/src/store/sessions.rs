//! Refresh tokens (stored as SHA-256, rotated on every use, revoked by family) and single-use password
//! reset tokens (hash only).

use chrono::{DateTime, Utc};
use kc_db::stmt;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

pub async fn insert_refresh<C: ConnectionTrait>(
    c: &C,
    family: Uuid,
    user: Uuid,
    province: Option<Uuid>,
    token_hash: Vec<u8>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "INSERT INTO identity.refresh_tokens (id, family_id, user_id, province_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        [
            Uuid::new_v4().into(),
            family.into(),
            user.into(),
            province.into(),
            token_hash.into(),
            expires_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
pub struct RefreshRow {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub province_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn refresh_for_update<C: ConnectionTrait>(
    c: &C,
    token_hash: Vec<u8>,
) -> Result<Option<RefreshRow>, DbErr> {
    RefreshRow::find_by_statement(stmt(
        "SELECT id, family_id, user_id, province_id, expires_at, rotated_at, revoked_at
           FROM identity.refresh_tokens WHERE token_hash = $1 FOR UPDATE",
        [token_hash.into()],
    ))
    .one(c)
    .await
}

pub async fn mark_rotated<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "UPDATE identity.refresh_tokens SET rotated_at = now() WHERE id = $1",
        [id.into()],
    ))
    .await?;
    Ok(())
}

/// Which refresh tokens to revoke.
pub enum Revoke {
    /// One login's tokens (reuse detected, logout).
    Family(Uuid),
    /// Every login of a user (password reset, account disabled).
    User(Uuid),
    /// Every login of every user of an organisation (organisation disabled).
    Organisation(Uuid),
}

/// Revoke the live refresh tokens chosen; returns how many were revoked. For a user or an
/// organisation, every access token issued so far stops working too: the accounts start a new session
/// generation (`session_version`, checked by `tenancy.enter` when a request opens its transaction).
pub async fn revoke<C: ConnectionTrait>(c: &C, which: Revoke, reason: &str) -> Result<u64, DbErr> {
    let users = match which {
        Revoke::Family(_) => None,
        Revoke::User(id) => Some(("id = $1", id)),
        Revoke::Organisation(id) => Some(("organisation_id = $1", id)),
    };
    if let Some((condition, id)) = users {
        c.execute_raw(stmt(
            &format!(
                "UPDATE identity.users SET session_version = session_version + 1 WHERE {condition}"
            ),
            [id.into()],
        ))
        .await?;
    }
    let (condition, id) = match which {
        Revoke::Family(id) => ("family_id = $1", id),
        Revoke::User(id) => ("user_id = $1", id),
        Revoke::Organisation(id) => (
            "user_id IN (SELECT id FROM identity.users WHERE organisation_id = $1)",
            id,
        ),
    };
    let r = c
        .execute_raw(stmt(
            &format!(
                "UPDATE identity.refresh_tokens SET revoked_at = now(), revoke_reason = $2
                  WHERE {condition} AND revoked_at IS NULL"
            ),
            [id.into(), reason.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Record a reset request; returns its id.
pub async fn insert_reset<C: ConnectionTrait>(
    c: &C,
    user: Uuid,
    province: Option<Uuid>,
    token_hash: Vec<u8>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    c.execute_raw(stmt(
        "INSERT INTO identity.password_resets (id, user_id, province_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        [
            id.into(),
            user.into(),
            province.into(),
            token_hash.into(),
            expires_at.into(),
        ],
    ))
    .await?;
    Ok(id)
}

#[derive(Debug, FromQueryResult)]
pub struct ResetRow {
    pub user_id: Uuid,
    pub province_id: Option<Uuid>,
}

/// An open (unused, unexpired) reset token, locked when `for_update`.
pub async fn open_reset<C: ConnectionTrait>(
    c: &C,
    token_hash: Vec<u8>,
    for_update: bool,
) -> Result<Option<ResetRow>, DbErr> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    ResetRow::find_by_statement(stmt(
        &format!(
            "SELECT user_id, province_id FROM identity.password_resets
              WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now(){lock}"
        ),
        [token_hash.into()],
    ))
    .one(c)
    .await
}

/// Every open reset link of the user dies (one was used).
pub async fn consume_resets<C: ConnectionTrait>(c: &C, user: Uuid) -> Result<(), DbErr> {
    c.execute_raw(stmt(
        "UPDATE identity.password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
        [user.into()],
    ))
    .await?;
    Ok(())
}
