//! Access tokens (EdDSA JWT, short-lived) and refresh tokens (opaque, stored as SHA-256, rotated on every
//! use; presenting a rotated token revokes its whole family).

use crate::AppState;
use crate::store::UserRow;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use kc_auth::{AUDIENCE, Claims, ISSUER, ProvinceClaim};
use kc_db::stmt;
use kc_kernel::{Permission, Role};
use rand::RngCore;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// A new random secret (256 bits, base64url).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

pub fn claims_for(state: &AppState, user: &UserRow) -> anyhow::Result<Claims> {
    let now = Utc::now().timestamp();
    let role = Role::parse(&user.role).ok_or_else(|| anyhow::anyhow!("bad role {}", user.role))?;
    let province = match (user.province_id, &user.province_code) {
        (Some(id), Some(code)) => Some(ProvinceClaim {
            id,
            code: code.clone(),
        }),
        _ => None,
    };
    Ok(Claims {
        sub: user.id,
        org: user.organisation_id,
        role,
        perms: user
            .permissions
            .iter()
            .filter_map(|p| Permission::parse(p))
            .collect(),
        province,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        nbf: now,
        exp: now + state.config.access_ttl.as_secs() as i64,
        jti: Uuid::new_v4(),
    })
}

/// Issue an access token and a refresh token of `family` (a new family for a login).
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    user: &UserRow,
    family: Uuid,
) -> anyhow::Result<TokenPair> {
    let claims = claims_for(state, user)?;
    let access_token = state.signer.sign(&claims)?;
    let refresh_token = random_secret();
    let expires_at = Utc::now() + state.config.refresh_ttl;
    conn.execute_raw(stmt(
        "INSERT INTO identity.refresh_tokens (id, family_id, user_id, province_id, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        [
            Uuid::new_v4().into(),
            family.into(),
            user.id.into(),
            user.province_id.into(),
            hash_secret(&refresh_token).into(),
            expires_at.into(),
        ],
    ))
    .await?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.config.access_ttl.as_secs(),
    })
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

pub async fn find_refresh_for_update<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<RefreshRow>, DbErr> {
    RefreshRow::find_by_statement(stmt(
        "SELECT id, family_id, user_id, province_id, expires_at, rotated_at, revoked_at
           FROM identity.refresh_tokens WHERE token_hash = $1 FOR UPDATE",
        [hash_secret(token).into()],
    ))
    .one(conn)
    .await
}

pub async fn mark_rotated<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
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

/// Revoke the live refresh tokens chosen; returns how many were revoked.
pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    which: Revoke,
    reason: &str,
) -> Result<u64, DbErr> {
    let (condition, id) = match which {
        Revoke::Family(id) => ("family_id = $1", id),
        Revoke::User(id) => ("user_id = $1", id),
        Revoke::Organisation(id) => (
            "user_id IN (SELECT id FROM identity.users WHERE organisation_id = $1)",
            id,
        ),
    };
    let r = conn
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
