//! Login, token refresh, logout, password reset, and the public signing keys.

use crate::routes::{PreAuthDb, SERVICE};
use crate::store::sessions::{self, Revoke};
use crate::store::users;
use crate::throttle::{Attempt, Subject};
use crate::tokens::{self, TokenPair};
use crate::{AppState, passwords};
use axum::extract::State;
use axum::http::StatusCode;
use kc_auth::{Jwks, audit_anon, public};
use kc_db::{AuditEvent, PreAuth, audit};
use kc_events::PasswordResetRequested;
use kc_http::{ApiError, ClientMeta, FieldErrors, Json};
use kc_kernel::Email;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(logout_everywhere))
        .routes(routes!(request_password_reset))
        .routes(routes!(confirm_password_reset))
        .routes(routes!(jwks))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
    /// Any other length is refused as a wrong password (401).
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized("E-mail hoặc mật khẩu không đúng (invalid e-mail or password)".into())
}

/// Log in with e-mail and password.
///
/// Wrong e-mail and wrong password get the same 401 in about the same time. Repeated failures lock the
/// account or the client address for a while (429 with `Retry-After`). When more logins are waiting
/// for their password check than the service takes on (`KC_LOGIN_QUEUE`), the next is answered 429
/// with code `busy` and `Retry-After` at once.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    extensions(("x-kc-access" = json!(public()))), request_body = LoginRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = kc_http::ErrorEnvelope),
              (status = 403, body = kc_http::ErrorEnvelope), (status = 422, body = kc_http::ErrorEnvelope),
              (status = 429, body = kc_http::ErrorEnvelope)))]
async fn login(
    State(s): State<AppState>,
    pre: PreAuthDb,
    meta: ClientMeta,
    Json(req): Json<LoginRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let email = Email::parse(&req.email).map_err(|e| ApiError::field("email", e.to_string()))?;
    if req.password.is_empty() || req.password.chars().count() > passwords::MAX_LENGTH {
        return Err(invalid_credentials());
    }
    // 0. A place among the password checks, or 429 at once: logins beyond Argon2's capacity are
    //    shed before they cost anything.
    let place = s.passwords.place().map_err(|_| ApiError::Busy {
        retry_after_secs: 1,
    })?;
    let addr = meta.addr_string().unwrap_or_else(|| "unknown".into());
    let lockout = s.config.lockout;
    let addr_subject = Subject::addr(&addr, &lockout);
    let account = Subject::account(email.as_str(), &lockout);

    // 1. Reserve the attempt for the client address, then the e-mail, before checking anything.
    let tx = pre.begin(PreAuth::Login).await?;
    let user = users::by_email(&tx, email.as_str()).await?;
    let base = AuditEvent {
        actor_user_id: user.as_ref().map(|u| u.id),
        actor_email: Some(email.as_str().to_owned()),
        province_id: user.as_ref().and_then(|u| u.province_id),
        entity_type: "user",
        entity_id: user.as_ref().map(|u| u.id.to_string()),
        ..audit_anon(&meta)
    };
    let mut verdict = addr_subject.attempt(&tx).await?;
    if verdict == Attempt::Allowed {
        verdict = account.attempt(&tx).await?;
        if verdict != Attempt::Allowed {
            addr_subject.release(&tx).await?;
        }
    }
    tx.commit().await?;
    if let Some(retry_after_secs) = verdict.retry_after() {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }

    // 2. Verify (against a dummy hash when the e-mail is unknown), outside any transaction.
    let ok = s
        .passwords
        .verify(
            place,
            req.password,
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await;

    // 3. Settle the reservations (address first, then e-mail: one lock order, no deadlock).
    let tx = pre.begin(PreAuth::Login).await?;
    let Some(user) = user.filter(|_| ok) else {
        let event = AuditEvent {
            action: "login.failed",
            ..base.clone()
        };
        audit(&tx, SERVICE, event).await?;
        if addr_subject.failed(&tx).await? {
            let event = AuditEvent {
                action: "lockout.address",
                entity_type: "client_address",
                entity_id: Some(addr.clone()),
                ..base.clone()
            };
            audit(&tx, SERVICE, event).await?;
        }
        if account.failed(&tx).await? {
            let event = AuditEvent {
                action: "lockout.account",
                ..base
            };
            audit(&tx, SERVICE, event).await?;
        }
        tx.commit().await?;
        return Err(invalid_credentials());
    };
    addr_subject.release(&tx).await?;
    account.succeeded(&tx).await?;
    if let Some(refusal) = user.sign_in_refusal() {
        let event = AuditEvent {
            action: "login.refused_inactive",
            after: Some(json!({"status": user.status, "organisation_status": user.org_status})),
            ..base
        };
        audit(&tx, SERVICE, event).await?;
        tx.commit().await?;
        return Err(refusal);
    }
    let pair = tokens::issue(&tx, &s, &user, Uuid::new_v4()).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "login",
            ..base
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(pair))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn invalid_refresh() -> ApiError {
    ApiError::Unauthorized(
        "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại (refresh token invalid or expired)"
            .into(),
    )
}

/// Exchange a refresh token for a new pair. The old refresh token stops working; presenting it again
/// revokes every token of that login (the legitimate holder must log in again).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    extensions(("x-kc-access" = json!(public()))), request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn refresh(
    State(s): State<AppState>,
    pre: PreAuthDb,
    meta: ClientMeta,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    if req.refresh_token.is_empty() || req.refresh_token.len() > 200 {
        return Err(invalid_refresh());
    }
    let tx = pre.begin(PreAuth::Refresh).await?;
    let Some(row) =
        sessions::refresh_for_update(&tx, tokens::hash_secret(&req.refresh_token)).await?
    else {
        tx.commit().await?;
        return Err(invalid_refresh());
    };
    let base = AuditEvent {
        actor_user_id: Some(row.user_id),
        province_id: row.province_id,
        entity_type: "refresh_token_family",
        entity_id: Some(row.family_id.to_string()),
        ..audit_anon(&meta)
    };
    if row.revoked_at.is_some() {
        audit(
            &tx,
            SERVICE,
            AuditEvent {
                action: "token.refresh_revoked",
                ..base
            },
        )
        .await?;
        tx.commit().await?;
        return Err(invalid_refresh());
    }
    if row.rotated_at.is_some() {
        let n = sessions::revoke(&tx, Revoke::Family(row.family_id), "reuse").await?;
        audit(
            &tx,
            SERVICE,
            AuditEvent {
                action: "token.reuse",
                after: Some(json!({"revoked": n})),
                ..base
            },
        )
        .await?;
        tx.commit().await?;
        return Err(invalid_refresh());
    }
    if row.expires_at <= chrono::Utc::now() {
        tx.commit().await?;
        return Err(invalid_refresh());
    }
    let user = users::by_id(&tx, row.user_id, kc_auth::Lock::None).await?;
    let Some(user) = user.filter(|u| u.sign_in_refusal().is_none()) else {
        sessions::revoke(&tx, Revoke::Family(row.family_id), "user inactive").await?;
        tx.commit().await?;
        return Err(invalid_refresh());
    };
    sessions::mark_rotated(&tx, row.id).await?;
    let pair = tokens::issue(&tx, &s, &user, row.family_id).await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "token.refresh",
            actor_email: Some(user.email.clone()),
            ..base
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(pair))
}

/// Log out: revoke the refresh token's whole family. Always 204, so a token cannot be probed.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    extensions(("x-kc-access" = json!(public()))), request_body = RefreshRequest,
    responses((status = 204)))]
async fn logout(
    pre: PreAuthDb,
    meta: ClientMeta,
    Json(req): Json<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let tx = pre.begin(PreAuth::Logout).await?;
    if let Some(row) =
        sessions::refresh_for_update(&tx, tokens::hash_secret(&req.refresh_token)).await?
    {
        let n = sessions::revoke(&tx, Revoke::Family(row.family_id), "logout").await?;
        audit(
            &tx,
            SERVICE,
            AuditEvent {
                action: "logout",
                actor_user_id: Some(row.user_id),
                province_id: row.province_id,
                entity_type: "refresh_token_family",
                entity_id: Some(row.family_id.to_string()),
                after: Some(json!({"revoked": n})),
                ..audit_anon(&meta)
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Log out everywhere: every session of the caller ends, its refresh tokens and the access tokens
/// issued so far (this one included) are refused from the next request on, in every service.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    extensions(("x-kc-access" = json!(kc_auth::declare::<kc_auth::AnyUser>().ending_sessions()))),
    responses((status = 204), (status = 401, body = kc_http::ErrorEnvelope)))]
async fn logout_everywhere(
    tenant: kc_auth::Tenant<kc_auth::AnyUser>,
    meta: ClientMeta,
) -> Result<StatusCode, ApiError> {
    let tx = tenant.begin().await?;
    let n = sessions::revoke(&tx, Revoke::User(tenant.user_id()), "logout everywhere").await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "logout.everywhere",
            entity_type: "user",
            entity_id: Some(tenant.user_id().to_string()),
            after: Some(json!({"revoked": n})),
            ..kc_auth::audit_by(&tenant, &meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequest {
    #[schema(format = Email, max_length = 254)]
    pub email: String,
}

/// Ask for a password reset e-mail. Always 202, whether or not the address is known, and answered
/// before the address is even looked up: the answer takes the same time either way.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    extensions(("x-kc-access" = json!(public()))), request_body = ResetRequest,
    responses((status = 202), (status = 415, body = kc_http::ErrorEnvelope),
              (status = 422, body = kc_http::ErrorEnvelope), (status = 429, body = kc_http::ErrorEnvelope)))]
async fn request_password_reset(
    State(s): State<AppState>,
    pre: PreAuthDb,
    meta: ClientMeta,
    Json(req): Json<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    let email = Email::parse(&req.email).map_err(|e| ApiError::field("email", e.to_string()))?;
    let addr = meta.addr_string().unwrap_or_else(|| "unknown".into());
    // Each request may send an e-mail: limit them per client address (the same work for any address).
    let tx = pre.begin(PreAuth::PasswordReset).await?;
    let verdict = Subject::action("reset", &addr, &s.config.lockout)
        .hit(&tx)
        .await?;
    tx.commit().await?;
    if let Some(retry_after_secs) = verdict.retry_after() {
        return Err(ApiError::TooManyRequests { retry_after_secs });
    }
    // The rest depends on whether the address has an account: done after the answer.
    tokio::spawn(async move {
        if let Err(e) = send_reset(&s, &pre, &email, &meta).await {
            tracing::error!(error = %e, "password reset request not recorded");
        }
    });
    Ok(StatusCode::ACCEPTED)
}

/// A reset link for an account that may sign in (the one sign-in rule: none for an account or an
/// organisation that may not), written to the outbox; an audit row either way.
async fn send_reset(
    s: &AppState,
    pre: &PreAuthDb,
    email: &Email,
    meta: &ClientMeta,
) -> Result<(), ApiError> {
    let tx = pre.begin(PreAuth::PasswordReset).await?;
    let user = users::by_email(&tx, email.as_str()).await?;
    let Some(user) = user.filter(|u| u.sign_in_refusal().is_none()) else {
        audit(
            &tx,
            SERVICE,
            AuditEvent {
                action: "password_reset.not_sent",
                actor_email: Some(email.as_str().to_owned()),
                entity_type: "user",
                ..audit_anon(meta)
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    };
    let secret = tokens::random_secret();
    let expires_at = chrono::Utc::now() + s.config.reset_ttl;
    let reset_id = sessions::insert_reset(
        &tx,
        user.id,
        user.province_id,
        tokens::hash_secret(&secret),
        expires_at,
    )
    .await?;
    let link = format!(
        "{}/dat-lai-mat-khau?token={secret}",
        s.config.portal_url.trim_end_matches('/')
    );
    // The link is the event's secret: kept apart from the payload and erased once delivered.
    kc_events::enqueue(
        &tx,
        SERVICE,
        &PasswordResetRequested {
            reset_id,
            user_id: user.id,
            province: user.province_id,
            to: user.email.clone(),
            full_name: user.full_name.clone(),
            expires_at,
            reset_link: Some(link),
        },
    )
    .await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "password_reset.requested",
            actor_user_id: Some(user.id),
            actor_email: Some(user.email.clone()),
            province_id: user.province_id,
            entity_type: "user",
            entity_id: Some(user.id.to_string()),
            ..audit_anon(meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirm {
    /// The token of the e-mailed link; one that is unknown, used or expired is a 422 naming `token`.
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Set a new password with the e-mailed single-use token. Every session of the user is revoked.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    extensions(("x-kc-access" = json!(public())),
               ("x-kc-server-rules" = json!({"token": "a live reset token, unused and not expired"}))),
    request_body = ResetConfirm,
    responses((status = 204), (status = 422, body = kc_http::ErrorEnvelope)))]
async fn confirm_password_reset(
    State(s): State<AppState>,
    pre: PreAuthDb,
    meta: ClientMeta,
    Json(req): Json<ResetConfirm>,
) -> Result<StatusCode, ApiError> {
    if let Some(msg) = passwords::check_new(&req.new_password) {
        return Err(ApiError::field("new_password", msg));
    }
    let bad_token = || {
        let mut f = FieldErrors::new();
        f.insert(
            "token".into(),
            "Liên kết đặt lại mật khẩu không hợp lệ hoặc đã hết hạn (reset token invalid or expired)".into(),
        );
        ApiError::validation(f)
    };
    if req.token.is_empty() || req.token.len() > 200 {
        return Err(bad_token());
    }
    let token_hash = tokens::hash_secret(&req.token);
    // Check the token before spending a hash on it (and hold no transaction while hashing).
    let probe = pre.begin(PreAuth::PasswordReset).await?;
    let known = sessions::open_reset(&probe, token_hash.clone(), false)
        .await?
        .is_some();
    probe.commit().await?;
    if !known {
        return Err(bad_token());
    }
    let hash = s.passwords.hash(req.new_password).await?;
    let tx = pre.begin(PreAuth::PasswordReset).await?;
    let Some(row) = sessions::open_reset(&tx, token_hash, true).await? else {
        return Err(bad_token());
    };
    // Every open reset link of the user dies with this one.
    sessions::consume_resets(&tx, row.user_id).await?;
    users::set_password(&tx, row.user_id, hash).await?;
    if let Some(user) = users::by_id(&tx, row.user_id, kc_auth::Lock::None).await? {
        Subject::account(&user.email, &s.config.lockout)
            .clear(&tx)
            .await?;
    }
    let revoked = sessions::revoke(&tx, Revoke::User(row.user_id), "password reset").await?;
    audit(
        &tx,
        SERVICE,
        AuditEvent {
            action: "password_reset.completed",
            actor_user_id: Some(row.user_id),
            province_id: row.province_id,
            entity_type: "user",
            entity_id: Some(row.user_id.to_string()),
            after: Some(json!({"sessions_revoked": revoked})),
            ..audit_anon(&meta)
        },
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The public keys that verify access tokens (JWKS, Ed25519).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    extensions(("x-kc-access" = json!(public()))),
    responses((status = 200, body = Jwks)))]
async fn jwks(State(s): State<AppState>) -> axum::Json<Jwks> {
    axum::Json(s.signer.jwks())
}
