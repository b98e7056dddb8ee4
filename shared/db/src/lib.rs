//! Database access shared by every service.
//!
//! - [`Db`]: a service's connection pool (its own login role, never the owner). A handler never holds
//!   it: it reaches the database only through a request transaction taken from the verified caller
//!   (`kc_auth::Tenant`), so a route without a tenant cannot touch the data.
//! - [`Tx`]: one transaction that first sets the tenant for row-level security (`app.scope`,
//!   `app.province`, `app.org`, `app.user`, in the same statement that opens it). Policies read those
//!   settings, so a query that forgets its `WHERE province_id = ...` still cannot see another
//!   province, and a transaction with no tenant set sees nothing at all (the policies fail closed).
//! - [`PreAuth`]: the narrow entry point of identity's pre-authentication flows (login, refresh,
//!   registration, reset), which must find a user before any tenant is known. The database honours
//!   their all-seeing `system` scope only for the identity service's own role.
//! - [`Db::begin_reference`]: a transaction with no tenant, for public reference data (provinces).
//! - [`audit`]: the audit trail, written inside the same transaction as the change (events for the
//!   outbox are typed: `kc_events::enqueue`).
//! - [`count`], [`contains_pattern`], [`prefix_pattern`]: helpers every store uses.
//! - Error classification ([`is_unavailable`], [`is_unique_violation`], [`is_data_exception`]).

mod journal;
mod query;
mod tx;

pub use journal::{AuditEvent, audit};
pub use query::{contains_pattern, count, lock_row, prefix_pattern};
pub use tx::{PreAuth, Tx};

use kc_kernel::Scope;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    Value,
};
use std::time::Duration;
use uuid::Uuid;

pub use sea_orm;

/// A service's connection pool, connected as the service's own login role.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
}

impl Db {
    /// Connect a pool lazily: the service starts even when the database is down, and `/ready` says 503
    /// until it answers. `url` is the service's own login role (never the owner, never a superuser).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbErr> {
        Ok(Db {
            conn: pool(url, max_connections).await?,
        })
    }

    /// Is the database reachable? Used by `GET /ready`.
    pub async fn ping(&self) -> bool {
        self.conn
            .execute_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
            .await
            .is_ok()
    }

    /// The request transaction of a verified caller (user `user`, whose token was issued in the
    /// account's session generation `session`). Handlers do not call this: they take their
    /// transaction from `kc_auth::Tenant`, which calls it with the verified claims. Fails with SQLSTATE
    /// 28000 ([`is_caller_revoked`]) when the caller's account or organisation is no longer active or
    /// the token predates a revocation (a password change, "log out everywhere", a disabling).
    #[doc(hidden)]
    pub async fn begin_for_caller(
        &self,
        scope: &Scope,
        user: Uuid,
        session: i32,
    ) -> Result<Tx, DbErr> {
        let org = match scope {
            Scope::Enterprise { org, .. } => Some(*org),
            _ => None,
        };
        Tx::open_for_caller(
            &self.conn,
            scope.name(),
            scope.province(),
            org,
            user,
            session,
        )
        .await
    }

    /// A transaction for one of identity's pre-authentication flows (no caller yet): the `system`
    /// scope, which the database honours only for the identity service's role.
    pub async fn begin_preauth(&self, flow: PreAuth) -> Result<Tx, DbErr> {
        tracing::trace!(?flow, "pre-authentication transaction");
        Tx::open(&self.conn, "system", None, None, None).await
    }

    /// A transaction with no tenant: it reads reference data (administrative units, dated rules) and
    /// sees no tenant row at all.
    pub async fn begin_reference(&self) -> Result<Tx, DbErr> {
        Tx::open(&self.conn, "", None, None, None).await
    }

    /// A transaction with no tenant that names a secret by its hash (`app.secret`): it sees the rows
    /// a policy shows for that hash, and no other tenant row.
    pub async fn begin_for_secret(&self, hash: &[u8]) -> Result<Tx, DbErr> {
        Tx::open_for_secret(&self.conn, hash).await
    }

    /// Close the pool (graceful shutdown).
    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}

/// A lazy pool of one login role: it opens connections on first use, so a process starts while the
/// database is down. The pool of a service ([`Db`]) and of a worker (`kc_outbox::connect`).
pub async fn pool(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .connect_lazy(true);
    Database::connect(opts).await
}

/// Build a Postgres statement with positional parameters (`$1`, `$2`, ...).
pub fn stmt<I>(sql: &str, values: I) -> Statement
where
    I: IntoIterator<Item = Value>,
{
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Is this error the database being unreachable, or a transaction that lost a deadlock or a
/// serialization conflict (SQLSTATE class 40), so that trying again later can work (answer 503) rather
/// than a bug (answer 500)?
pub fn is_unavailable(err: &DbErr) -> bool {
    matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
        || sqlstate(err).is_some_and(|c| c.starts_with("40"))
}

/// Is this error a unique-constraint violation?
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The SQLSTATE of a database error, if the database sent one.
pub fn sqlstate(err: &DbErr) -> Option<String> {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Did the database refuse the data itself (SQLSTATE class 22: invalid text, out of range, ...)?
/// The caller's input slipped past validation: a 422, not a 500.
pub fn is_data_exception(err: &DbErr) -> bool {
    sqlstate(err).is_some_and(|c| c.starts_with("22"))
}

/// The caller's account or organisation is no longer active, or its token was revoked (SQLSTATE
/// 28000 from `tenancy.enter`): a 401.
pub fn is_caller_revoked(err: &DbErr) -> bool {
    sqlstate(err).is_some_and(|c| c == "28000")
}

/// A check or foreign-key constraint refused the data (SQLSTATE 23514, 23503): also the caller's input.
pub fn is_constraint_violation(err: &DbErr) -> bool {
    sqlstate(err).is_some_and(|c| c == "23514" || c == "23503")
}
