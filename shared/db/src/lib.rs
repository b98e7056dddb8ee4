//! Database access shared by every service.
//!
//! Every request that touches tenant data runs in **one transaction** opened by [`begin`], which first
//! calls `set_config('app.scope', ..., true)` and `set_config('app.province', ..., true)` (transaction
//! local; `SET LOCAL` takes no parameters). Row-level security policies read those settings, so a
//! query that forgets its `WHERE province_id = ...` still cannot see another province, and a connection
//! with no tenant set sees nothing at all (the policies fail closed).

mod journal;

pub use journal::{AuditEvent, audit, enqueue};

use kc_kernel::Scope;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, Statement, TransactionTrait, Value,
};
use std::time::Duration;

pub use sea_orm;

/// Connect a pool. `url` is the service's own login role (never the owner, never a superuser).
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        // Start even when the database is down: `/ready` says 503 until it answers.
        .connect_lazy(true);
    Database::connect(opts).await
}

/// Open the request transaction and set the tenant for row-level security before any query runs.
pub async fn begin(db: &DatabaseConnection, scope: &Scope) -> Result<DatabaseTransaction, DbErr> {
    let tx = db.begin().await?;
    let province = scope.province().map(|p| p.to_string()).unwrap_or_default();
    let org = match scope {
        Scope::Enterprise { org, .. } => org.to_string(),
        _ => String::new(),
    };
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT set_config('app.scope', $1, true), set_config('app.province', $2, true), set_config('app.org', $3, true)",
        [scope.name().into(), province.into(), org.into()],
    ))
    .await?;
    Ok(tx)
}

/// Build a Postgres statement with positional parameters (`$1`, `$2`, ...).
pub fn stmt<I>(sql: &str, values: I) -> Statement
where
    I: IntoIterator<Item = Value>,
{
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Is the database reachable? Used by `GET /ready`.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_raw(Statement::from_string(DbBackend::Postgres, "SELECT 1"))
        .await
        .is_ok()
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
