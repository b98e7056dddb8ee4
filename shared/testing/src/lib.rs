//! Test harness: every test gets its own database, cloned from a migrated template, on the private
//! PostgreSQL cluster that the test command (`deploy/test.sh`) starts for the run.
//!
//! The cluster's superuser URL arrives in `KC_TEST_ADMIN_URL`. The first test to ask builds the template
//! (owner role, database, every migration, reference data) under an advisory lock; every test then runs
//! `CREATE DATABASE ... TEMPLATE ...`, which takes a few tens of milliseconds. The cluster, and with it
//! every test database, is thrown away when the run ends.
//!
//! Beside it: an API client that logs the demo users in ([`client`]), forged tokens ([`jwt`]), a real
//! mail server to deliver to ([`mail`]), and waiting for what another process does ([`wait_for`]).

pub mod client;
pub mod jwt;
pub mod mail;
mod wait;

pub use wait::{free_port, wait_for, wait_listening};

use kc_migrations::{Migrator, MigratorTrait, OWNER_ROLE, bootstrap, with_database, with_user};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use std::time::Duration;

/// A fresh database of its own for one test.
#[derive(Debug, Clone)]
pub struct TestDb {
    pub name: String,
    admin_url: String,
}

fn admin_url() -> String {
    std::env::var("KC_TEST_ADMIN_URL").unwrap_or_else(|_| {
        panic!(
            "KC_TEST_ADMIN_URL is not set: run the tests with the README's test command (deploy/test.sh), \
             which starts a private PostgreSQL for them"
        )
    })
}

/// The template database is named after what the migrator runs (every migration's SQL and the
/// reference data), so a change to any of them builds a new template.
fn template_name() -> String {
    format!("kc_template_{}", kc_migrations::fingerprint())
}

impl TestDb {
    /// A new database, migrated, with reference data, owned by the owner role.
    pub async fn new() -> TestDb {
        Self::create(true).await
    }

    /// A new empty database (no migrations), owned by the owner role: for migration tests.
    pub async fn empty() -> TestDb {
        Self::create(false).await
    }

    async fn create(migrated: bool) -> TestDb {
        let admin_url = admin_url();
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to the test cluster as superuser");
        let template = if migrated {
            ensure_template(&admin, &admin_url).await
        } else {
            bootstrap(&admin_url, "postgres")
                .await
                .expect("create the owner role");
            "template0".to_owned()
        };
        let name = format!("kc_test_{}", uuid::Uuid::new_v4().simple());
        let sql = format!("CREATE DATABASE {name} TEMPLATE {template} OWNER {OWNER_ROLE}");
        let mut attempt = 0;
        loop {
            match admin.execute_unprepared(&sql).await {
                Ok(_) => break,
                // Another test may be cloning the same template at this instant.
                Err(e)
                    if attempt < 50 && e.to_string().contains("being accessed by other users") =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        let _ = admin.close().await;
        TestDb { name, admin_url }
    }

    /// URL of this database for a given role (the cluster trusts loopback connections).
    pub fn url_as(&self, role: &str) -> String {
        with_user(&with_database(&self.admin_url, &self.name), role)
    }

    /// The owner's URL (runs migrations).
    pub fn owner_url(&self) -> String {
        self.url_as(OWNER_ROLE)
    }

    /// The superuser's URL (for inspection only; services never connect like this).
    pub fn superuser_url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    /// Rows of a query run as the superuser, each as JSON (inspection only).
    pub async fn query(&self, sql: &str) -> Vec<serde_json::Value> {
        let db = Database::connect(self.superuser_url())
            .await
            .expect("connect");
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT to_jsonb(t) AS j FROM ({sql}) t"),
            ))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.iter()
            .map(|r| r.try_get::<serde_json::Value>("", "j").expect("json"))
            .collect()
    }

    /// How many rows a query returns.
    pub async fn count(&self, sql: &str) -> i64 {
        self.query(&format!("SELECT count(*) AS n FROM ({sql}) c"))
            .await[0]["n"]
            .as_i64()
            .expect("count")
    }

    /// Run statements as the superuser (to move a record's clock, say).
    pub async fn execute(&self, sql: &str) {
        let db = Database::connect(self.superuser_url())
            .await
            .expect("connect");
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Connect as a role.
    pub async fn connect_as(&self, role: &str) -> DatabaseConnection {
        Database::connect(self.url_as(role))
            .await
            .unwrap_or_else(|e| panic!("connect as {role}: {e}"))
    }
}

async fn ensure_template(admin: &DatabaseConnection, admin_url: &str) -> String {
    let template = template_name();
    admin
        .execute_unprepared("SELECT pg_advisory_lock(7243001)")
        .await
        .expect("lock");
    let ready = admin
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate",
            [template.clone().into()],
        ))
        .await
        .expect("look up template")
        .is_some();
    if !ready {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {template}"))
            .await;
        bootstrap(admin_url, &template)
            .await
            .expect("create template database");
        let owner = Database::connect(with_user(&with_database(admin_url, &template), OWNER_ROLE))
            .await
            .expect("connect to template as owner");
        Migrator::up(&owner, None)
            .await
            .expect("migrate template database");
        owner.close().await.expect("close template connection");
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE {template} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            ))
            .await
            .expect("mark template");
    }
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(7243001)")
        .await
        .expect("unlock");
    template
}
