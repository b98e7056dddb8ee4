//! All database migrations, roles and grants, and reference data.
//!
//! One Postgres schema per service (`identity`, `workflow`, `registry`, `notifications`), plus `audit`
//! (the append-only audit trail), `outbox` (the transactional outbox) and `tenancy` (the functions that
//! row-level security policies call). Migrations run as the **owner** role; each service connects as
//! its own login role (`kc_identity`, ...), and each background worker as its own ([`WORKER_ROLES`]);
//! none is superuser, BYPASSRLS or the owner, and each holds only the grants written here.
//!
//! Every migration is plain SQL in `src/sql/` with its `down`; reference data (administrative units and
//! the state organisations) is generated from the CSV files in `data/`.

mod reference;

pub use reference::{AdminUnit, admin_units};
pub use sea_orm_migration::MigratorTrait;

use sea_orm::{ConnectionTrait, Database, DbErr, Statement};
use sea_orm_migration::prelude::*;

/// The migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        all()
            .into_iter()
            .map(|m| Box::new(m) as Box<dyn MigrationTrait>)
            .collect()
    }
}

/// A fingerprint of exactly what the migrator runs: every migration's name, up and down SQL
/// (reference data included). The test harness names its template database after it, so a changed
/// migration or CSV file never reuses a stale template.
pub fn fingerprint() -> String {
    fingerprint_of(&all())
}

fn fingerprint_of(migrations: &[SqlMigration]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    for m in migrations {
        m.name.hash(&mut h);
        m.up.hash(&mut h);
        m.down.hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

fn all() -> Vec<SqlMigration> {
    vec![
        sql(
            "m0001_schemas_roles_tenancy",
            include_str!("sql/m0001_up.sql").to_owned(),
            include_str!("sql/m0001_down.sql"),
        ),
        sql(
            "m0002_admin_units",
            format!(
                "{}\n{}",
                include_str!("sql/m0002_up.sql"),
                reference::admin_units_sql()
            ),
            include_str!("sql/m0002_down.sql"),
        ),
        sql(
            "m0003_identity",
            include_str!("sql/m0003_up.sql").to_owned(),
            include_str!("sql/m0003_down.sql"),
        ),
        sql(
            "m0004_audit_outbox",
            include_str!("sql/m0004_up.sql").to_owned(),
            include_str!("sql/m0004_down.sql"),
        ),
        sql(
            "m0005_state_organisations",
            reference::state_organisations_sql(),
            reference::STATE_ORGANISATIONS_DOWN,
        ),
        sql(
            "m0006_outbox",
            include_str!("sql/m0006_up.sql").to_owned(),
            include_str!("sql/m0006_down.sql"),
        ),
        sql(
            "m0007_system_scope_for_identity_only",
            include_str!("sql/m0007_up.sql").to_owned(),
            include_str!("sql/m0007_down.sql"),
        ),
        sql(
            "m0008_caller_still_active",
            include_str!("sql/m0008_up.sql").to_owned(),
            include_str!("sql/m0008_down.sql"),
        ),
        sql(
            "m0009_tax_code_claims",
            include_str!("sql/m0009_up.sql").to_owned(),
            include_str!("sql/m0009_down.sql"),
        ),
        sql(
            "m0010_workflow_rules_budget_applications",
            include_str!("sql/m0010_up.sql").to_owned(),
            include_str!("sql/m0010_down.sql"),
        ),
        sql(
            "m0011_workflow_documents",
            include_str!("sql/m0011_up.sql").to_owned(),
            include_str!("sql/m0011_down.sql"),
        ),
        sql(
            "m0012_workflow_schemes",
            include_str!("sql/m0012_up.sql").to_owned(),
            include_str!("sql/m0012_down.sql"),
        ),
        sql(
            "m0013_scheme_documents",
            include_str!("sql/m0013_up.sql").to_owned(),
            include_str!("sql/m0013_down.sql"),
        ),
        sql(
            "m0014_registry",
            include_str!("sql/m0014_up.sql").to_owned(),
            include_str!("sql/m0014_down.sql"),
        ),
        sql(
            "m0015_cluster_reports",
            include_str!("sql/m0015_up.sql").to_owned(),
            include_str!("sql/m0015_down.sql"),
        ),
        sql(
            "m0016_scheme_clusters",
            include_str!("sql/m0016_up.sql").to_owned(),
            include_str!("sql/m0016_down.sql"),
        ),
        sql(
            "m0017_notifications",
            include_str!("sql/m0017_up.sql").to_owned(),
            include_str!("sql/m0017_down.sql"),
        ),
        sql(
            "m0018_stage_limits_and_feeds",
            include_str!("sql/m0018_up.sql").to_owned(),
            include_str!("sql/m0018_down.sql"),
        ),
        sql(
            "m0019_execution",
            include_str!("sql/m0019_up.sql").to_owned(),
            include_str!("sql/m0019_down.sql"),
        ),
        sql(
            "m0020_adjustments",
            include_str!("sql/m0020_up.sql").to_owned(),
            include_str!("sql/m0020_down.sql"),
        ),
        sql(
            "m0021_extension_reports",
            include_str!("sql/m0021_up.sql").to_owned(),
            include_str!("sql/m0021_down.sql"),
        ),
        sql(
            "m0022_beneficiary_reports",
            include_str!("sql/m0022_up.sql").to_owned(),
            include_str!("sql/m0022_down.sql"),
        ),
        sql(
            "m0023_application_steps",
            include_str!("sql/m0023_up.sql").to_owned(),
            include_str!("sql/m0023_down.sql"),
        ),
        sql(
            "m0024_scheduler_passes",
            include_str!("sql/m0024_up.sql").to_owned(),
            include_str!("sql/m0024_down.sql"),
        ),
    ]
}

struct SqlMigration {
    name: &'static str,
    up: String,
    down: &'static str,
}

fn sql(name: &'static str, up: String, down: &'static str) -> SqlMigration {
    SqlMigration { name, up, down }
}

impl MigrationName for SqlMigration {
    fn name(&self) -> &str {
        self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for SqlMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&self.up)
            .await?;
        Ok(())
    }
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(self.down)
            .await?;
        Ok(())
    }
}

/// The owner role that runs migrations and owns every object.
pub const OWNER_ROLE: &str = "kc_owner";

/// The login role of each service.
pub const SERVICE_ROLES: [&str; 5] = [
    "kc_identity",
    "kc_workflow",
    "kc_registry",
    "kc_notifications",
    "kc_portal",
];

/// The login role of each background worker. `kc_notifications_worker` runs the notifications
/// service's workers for every province: it consumes the outbox (reads every row, updates the queue
/// columns, and inserts the e-mail events it queues), works on the notifications schema, and reads the
/// recipients' names and addresses in identity (never their credentials).
pub const WORKER_ROLES: [&str; 1] = ["kc_notifications_worker"];

/// As a superuser: make sure the owner role and the database exist (the database owned by the owner).
/// Safe to run again.
pub async fn bootstrap(admin_url: &str, db_name: &str) -> Result<(), DbErr> {
    if !db_name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(DbErr::Custom(format!("unsafe database name {db_name}")));
    }
    let admin = Database::connect(admin_url).await?;
    admin
        .execute_unprepared(&format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
                 BEGIN
                   CREATE ROLE {OWNER_ROLE} LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS;
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                 END;
               END IF;
             END $$;"
        ))
        .await?;
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [db_name.into()],
        ))
        .await?
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!(
                "CREATE DATABASE {db_name} OWNER {OWNER_ROLE} ENCODING 'UTF8' TEMPLATE template0"
            ))
            .await?;
    }
    admin.close().await?;
    Ok(())
}

/// Replace the database name in a `postgres://` URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Replace the user in a `postgres://user@host` URL (local clusters use trust or peer auth).
pub fn with_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &url[scheme_end..];
    let host_part = match rest.find('@') {
        Some(i) if rest[..i].find('/').is_none() => &rest[i + 1..],
        _ => rest,
    };
    format!("{}{user}@{host_part}", &url[..scheme_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_covers_every_migration_and_the_reference_data() {
        let base = all();
        assert!(
            base.iter().any(|m| m.up.contains("Tuyên Quang")),
            "the administrative units (CSV) are part of what is fingerprinted"
        );
        let reference = fingerprint_of(&base);
        for i in 0..base.len() {
            let mut changed = all();
            changed[i].up.push_str("\n-- changed");
            assert_ne!(fingerprint_of(&changed), reference, "{}", base[i].name);
        }
        assert_eq!(fingerprint(), reference, "stable within a build");
    }

    #[test]
    fn urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "kc"),
            "postgres://postgres@127.0.0.1:5432/kc"
        );
        assert_eq!(
            with_database("postgres://a@h:1/x?sslmode=disable", "kc"),
            "postgres://a@h:1/kc?sslmode=disable"
        );
        assert_eq!(
            with_user("postgres://postgres@127.0.0.1:5432/kc", "kc_identity"),
            "postgres://kc_identity@127.0.0.1:5432/kc"
        );
        assert_eq!(
            with_user("postgres://127.0.0.1:5432/kc", "kc_owner"),
            "postgres://kc_owner@127.0.0.1:5432/kc"
        );
    }
}
