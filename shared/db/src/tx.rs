//! The request transaction: opened and given its tenant in one statement.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait,
};
use uuid::Uuid;

/// Why a pre-authentication transaction is opened: identity's flows that must find a user before any
/// tenant is known. Named, so that every use is visible in the code and in traces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreAuth {
    Login,
    Refresh,
    Logout,
    Registration,
    PasswordReset,
    /// The run command's demo data (never in production mode).
    DemoSeed,
}

/// One transaction with its tenant set. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub struct Tx(DatabaseTransaction);

impl Tx {
    pub(crate) async fn open(
        conn: &DatabaseConnection,
        scope: &str,
        province: Option<Uuid>,
        org: Option<Uuid>,
        user: Option<Uuid>,
    ) -> Result<Tx, DbErr> {
        let tx = conn.begin().await?;
        let s = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
        tx.execute_raw(crate::stmt(
            "SELECT set_config('app.scope', $1, true), set_config('app.province', $2, true),
                    set_config('app.org', $3, true), set_config('app.user', $4, true)",
            [
                scope.into(),
                s(province).into(),
                s(org).into(),
                s(user).into(),
            ],
        ))
        .await?;
        Ok(Tx(tx))
    }

    /// A transaction with no tenant that holds the hash of a secret someone presented
    /// (`app.secret`, hex): a policy may show the one row that hash names (a calendar feed's).
    pub(crate) async fn open_for_secret(
        conn: &DatabaseConnection,
        hash: &[u8],
    ) -> Result<Tx, DbErr> {
        let tx = Tx::open(conn, "", None, None, None).await?;
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        tx.0.execute_raw(crate::stmt(
            "SELECT set_config('app.secret', $1, true)",
            [hex.into()],
        ))
        .await?;
        Ok(tx)
    }

    /// A verified caller's transaction: `tenancy.enter` sets the tenant and, in the same statement,
    /// refuses (SQLSTATE 28000) a caller whose account or organisation is no longer active or whose
    /// token belongs to an earlier session generation of the account.
    pub(crate) async fn open_for_caller(
        conn: &DatabaseConnection,
        scope: &str,
        province: Option<Uuid>,
        org: Option<Uuid>,
        user: Uuid,
        session: i32,
    ) -> Result<Tx, DbErr> {
        let tx = conn.begin().await?;
        tx.execute_raw(crate::stmt(
            "SELECT tenancy.enter($1, $2, $3, $4, $5)",
            [
                scope.into(),
                province.into(),
                org.into(),
                user.into(),
                session.into(),
            ],
        ))
        .await?;
        Ok(Tx(tx))
    }

    pub async fn commit(self) -> Result<(), DbErr> {
        self.0.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.0.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.0.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.0.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.0.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.0.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.0.query_all_raw(stmt).await
    }
}
