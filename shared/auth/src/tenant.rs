//! The request transaction, taken from the verified caller: the only way a handler reaches the
//! database.
//!
//! A handler names `Tenant<P>` in its signature (`P` the [`Policy`] of the route). The extractor
//! verifies the token and the policy, and holds the service's pool without showing it; the handler
//! then opens its transaction with [`Tenant::begin`], already set to the caller's tenant for
//! row-level security, or loads the record its path names with [`Tenant::load`], which answers 404
//! for a record outside the caller's scope (the one application-layer tenant check; RLS enforces the
//! same in the database). The transaction is opened lazily, after the body has been read and
//! parsed, so a slow client never holds a database connection.

use crate::extract::forbidden;
use crate::{AnyUser, Caller, Policy, Verifier};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::Response;
use kc_db::{Db, Tx};
use kc_http::ApiError;
use kc_kernel::Owner;
use sea_orm::DbErr;
use std::marker::PhantomData;
use std::sync::Arc;
use uuid::Uuid;

/// A verified caller allowed by `P`, and the way to its request transaction.
pub struct Tenant<P = AnyUser> {
    caller: Caller,
    db: Db,
    _policy: PhantomData<P>,
}

impl<P> std::ops::Deref for Tenant<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

/// Whether [`Tenant::load`] locks the record for the rest of the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    ForUpdate,
}

/// A record a path can name, loaded inside the tenant transaction and checked against the caller's
/// scope by its [`Owner`].
pub trait Resource: Sized + Send {
    /// Load the record by id (`None` when it does not exist or row-level security hides it).
    fn load(
        tx: &Tx,
        id: Uuid,
        lock: Lock,
    ) -> impl Future<Output = Result<Option<Self>, DbErr>> + Send;
    /// The province and organisation the record belongs to.
    fn owner(&self) -> Owner;
}

impl<P: Policy> Tenant<P> {
    /// The tenant of a token verified outside a request (a command acting as a signed-in user, as the
    /// demo loaders do): verified as the extractor verifies it, refused when `P` does not allow it.
    pub async fn for_token(
        db: Db,
        verifier: &Verifier,
        token: &str,
    ) -> Result<Tenant<P>, ApiError> {
        let claims = verifier
            .verify(token)
            .await
            .map_err(|e| ApiError::Unauthorized(format!("{e:?}")))?;
        let scope = claims
            .scope()
            .ok_or_else(|| ApiError::Unauthorized("no scope".into()))?;
        if !P::allows(&claims) {
            return Err(ApiError::Forbidden("not allowed".into()));
        }
        Ok(Tenant {
            caller: Caller { claims, scope },
            db,
            _policy: PhantomData,
        })
    }
}

impl<P> Tenant<P> {
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Open the request transaction, set to the caller's tenant.
    pub async fn begin(&self) -> Result<Tx, ApiError> {
        Ok(self
            .db
            .begin_for_caller(
                &self.caller.scope(),
                self.caller.user_id(),
                self.caller.claims().sv,
            )
            .await?)
    }

    /// Open the request transaction and load the record `id`; 404 when it does not exist or lies
    /// outside the caller's scope.
    pub async fn load<R: Resource>(&self, id: Uuid) -> Result<(Tx, R), ApiError> {
        self.load_with(id, Lock::None).await
    }

    /// As [`Tenant::load`], locking the record until the transaction ends (for a change).
    pub async fn load_for_update<R: Resource>(&self, id: Uuid) -> Result<(Tx, R), ApiError> {
        self.load_with(id, Lock::ForUpdate).await
    }

    /// As [`Tenant::load`], with the lock chosen by the caller.
    pub async fn load_with<R: Resource>(&self, id: Uuid, lock: Lock) -> Result<(Tx, R), ApiError> {
        let tx = self.begin().await?;
        let record = R::load(&tx, id, lock)
            .await?
            .filter(|r| self.caller.scope().can_see(r.owner()))
            .ok_or(ApiError::NotFound)?;
        Ok((tx, record))
    }
}

impl<S, P> FromRequestParts<S> for Tenant<P>
where
    Arc<Verifier>: FromRef<S>,
    Db: FromRef<S>,
    S: Send + Sync,
    P: Policy + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if !P::allows(caller.claims()) {
            return Err(forbidden());
        }
        Ok(Tenant {
            caller,
            db: Db::from_ref(state),
            _policy: PhantomData,
        })
    }
}

/// Any caller, signed in or not, of a public route: its only way to the database is a transaction
/// with no tenant, which reads reference data (administrative units, dated rules) and no tenant row.
pub struct Anyone {
    db: Db,
}

impl Anyone {
    /// A transaction with no tenant (reference data only).
    pub async fn begin(&self) -> Result<Tx, ApiError> {
        Ok(self.db.begin_reference().await?)
    }

    /// A transaction with no tenant holding the hash of a secret the caller presented (a calendar
    /// feed's address): row-level security shows it the row of that hash (`app.secret`), if any.
    pub async fn begin_for_secret(&self, hash: &[u8]) -> Result<Tx, ApiError> {
        Ok(self.db.begin_for_secret(hash).await?)
    }

    /// The transaction of a user named by a secret rather than a token (a calendar feed's private
    /// address, which a calendar client fetches with no token): set to the user's tenant, as a
    /// signed-in request of theirs would be. Only for a secret the service has matched first, by its
    /// hash, to a record that only that user could have made, holding the tenant the user had then.
    /// Refused (401) once the account or its organisation is no longer active, or a new session
    /// generation has begun since (log out everywhere, a password reset): the database checks this
    /// when the transaction enters the tenant, as for every token.
    pub async fn begin_as_secret_holder(&self, holder: &SecretHolder) -> Result<Tx, ApiError> {
        Ok(self
            .db
            .begin_for_caller(&holder.scope, holder.user, holder.session)
            .await?)
    }
}

/// Who a matched secret speaks for: the user, the tenant they had when it was made, and their
/// session generation then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretHolder {
    pub scope: kc_kernel::Scope,
    pub user: Uuid,
    pub session: i32,
}

impl<S> FromRequestParts<S> for Anyone
where
    Db: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Anyone {
            db: Db::from_ref(state),
        })
    }
}

/// An audit row for an action by a signed-in caller.
pub fn audit_by(caller: &Caller, meta: &kc_http::ClientMeta) -> kc_db::AuditEvent {
    kc_db::AuditEvent {
        actor_user_id: Some(caller.user_id()),
        province_id: caller.scope().province(),
        client_addr: meta.addr_string(),
        request_id: meta.request_id.clone(),
        ..Default::default()
    }
}

/// An audit row for an anonymous or pre-authentication action.
pub fn audit_anon(meta: &kc_http::ClientMeta) -> kc_db::AuditEvent {
    kc_db::AuditEvent {
        client_addr: meta.addr_string(),
        request_id: meta.request_id.clone(),
        ..Default::default()
    }
}
