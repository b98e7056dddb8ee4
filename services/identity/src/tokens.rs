//! Access tokens (EdDSA JWT, short-lived) and refresh tokens (opaque, stored as SHA-256, rotated on every
//! use; presenting a rotated token revokes its whole family).

use crate::AppState;
use crate::store::sessions;
use crate::store::users::UserRow;
use chrono::Utc;
use kc_auth::{AUDIENCE, Claims, ISSUER, ProvinceClaim};
use sea_orm::ConnectionTrait;
use serde::Serialize;
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

pub use kc_auth::{hash_secret, random_secret};

pub fn claims_for(state: &AppState, user: &UserRow) -> anyhow::Result<Claims> {
    let now = Utc::now().timestamp();
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
        role: user.role,
        perms: user.permissions(),
        province,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        nbf: now,
        exp: now + state.config.access_ttl.as_secs() as i64,
        jti: Uuid::new_v4(),
        sv: user.session_version,
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
    sessions::insert_refresh(
        conn,
        family,
        user.id,
        user.province_id,
        hash_secret(&refresh_token),
        expires_at,
    )
    .await?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.config.access_ttl.as_secs(),
    })
}
