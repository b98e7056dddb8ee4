//! Migrations against a real PostgreSQL: up, down to zero, up again; and the roles they create.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_migrations::{Migrator, MigratorTrait};
use kc_testing::TestDb;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

async fn count_tables(url: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_tables WHERE schemaname IN ('identity','workflow','registry','notifications','audit','outbox')",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn up_down_to_zero_and_up_again() {
    let tdb = TestDb::empty().await;
    let owner = Database::connect(tdb.owner_url()).await.unwrap();
    Migrator::up(&owner, None).await.unwrap();
    let n = Migrator::migrations().len();
    assert_eq!(
        Migrator::get_applied_migrations(&owner)
            .await
            .unwrap()
            .len(),
        n
    );
    let tables = count_tables(&tdb.owner_url()).await;
    assert!(
        tables >= 7,
        "expected the identity, audit and outbox tables, got {tables}"
    );

    Migrator::down(&owner, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&owner)
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(count_tables(&tdb.owner_url()).await, 0);
    let schemas = owner
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_namespace WHERE nspname IN ('identity','workflow','registry','notifications','audit','outbox','tenancy')",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(schemas, 0, "down must remove every schema");

    Migrator::up(&owner, None).await.unwrap();
    assert_eq!(count_tables(&tdb.owner_url()).await, tables);
    let units = owner
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM identity.admin_units",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(units, 97);
}

#[tokio::test]
async fn service_roles_are_neither_superuser_nor_bypassrls_nor_owner() {
    let tdb = TestDb::new().await;
    let su = Database::connect(tdb.superuser_url()).await.unwrap();
    for role in kc_migrations::SERVICE_ROLES {
        let row = su
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
                        (SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1) AS owned,
                        (SELECT count(*) FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = $1) AS owned_schemas
                 FROM pg_roles WHERE rolname = $1",
                [role.into()],
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("role {role} missing"));
        assert!(
            !row.try_get::<bool>("", "rolsuper").unwrap(),
            "{role} is superuser"
        );
        assert!(
            !row.try_get::<bool>("", "rolbypassrls").unwrap(),
            "{role} bypasses RLS"
        );
        assert!(
            !row.try_get::<bool>("", "rolcreaterole").unwrap(),
            "{role} creates roles"
        );
        assert!(
            !row.try_get::<bool>("", "rolcreatedb").unwrap(),
            "{role} creates databases"
        );
        assert_eq!(
            row.try_get::<i64>("", "owned").unwrap(),
            0,
            "{role} owns tables"
        );
        assert_eq!(
            row.try_get::<i64>("", "owned_schemas").unwrap(),
            0,
            "{role} owns schemas"
        );
    }
}
