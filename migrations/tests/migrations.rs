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
    for role in kc_migrations::SERVICE_ROLES
        .into_iter()
        .chain(kc_migrations::WORKER_ROLES)
    {
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

async fn scalar_bool(db: &sea_orm::DatabaseConnection, sql: &str) -> bool {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

/// m0006 alone: down gives back m0004's outbox and takes every grant from the worker role (which stays,
/// roles being cluster-wide); up again restores them.
#[tokio::test]
async fn the_outbox_migration_goes_down_and_up_alone() {
    let tdb = TestDb::new().await;
    let owner = Database::connect(tdb.owner_url()).await.unwrap();
    let worker_can = "SELECT has_schema_privilege('kc_notifications_worker', 'outbox', 'USAGE')
                          OR has_schema_privilege('kc_notifications_worker', 'tenancy', 'USAGE')
                          OR has_table_privilege('kc_notifications_worker', 'outbox.events', 'SELECT')
                          OR has_any_column_privilege('kc_notifications_worker', 'outbox.events', 'UPDATE')
                          OR EXISTS (SELECT 1 FROM pg_policies WHERE 'kc_notifications_worker' = ANY (roles))";
    let new_columns = "SELECT count(*) = 7 FROM information_schema.columns
                        WHERE table_schema = 'outbox' AND table_name = 'events'
                          AND column_name IN ('version', 'dedup_key', 'max_attempts', 'leased_by',
                                              'leased_until', 'delivered_at', 'secret')";
    assert!(scalar_bool(&owner, worker_can).await);
    assert!(scalar_bool(&owner, new_columns).await);

    // Down to just before m0006 (it and whatever came after it).
    let applied = Migrator::get_applied_migrations(&owner).await.unwrap();
    let m0006 = applied
        .iter()
        .position(|m| m.name() == "m0006_outbox")
        .unwrap();
    Migrator::down(&owner, Some((applied.len() - m0006) as u32))
        .await
        .unwrap();
    assert!(
        !scalar_bool(&owner, worker_can).await,
        "grants left to the worker"
    );
    assert!(
        scalar_bool(
            &owner,
            "SELECT count(*) = 11 AND bool_or(column_name = 'locked_until') FROM information_schema.columns
              WHERE table_schema = 'outbox' AND table_name = 'events'"
        )
        .await,
        "the outbox is not m0004's again"
    );
    assert!(
        scalar_bool(
            &owner,
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kc_notifications_worker')"
        )
        .await
    );
    // The producers' insert (kc_db::enqueue's) works on the table the down left.
    owner
        .execute_unprepared(
            "BEGIN; SELECT set_config('app.scope', 'system', true);
             INSERT INTO outbox.events (producer, topic, province_id, payload) VALUES ('t', 't.t', NULL, '{}');
             COMMIT;",
        )
        .await
        .unwrap();

    Migrator::up(&owner, None).await.unwrap();
    assert!(scalar_bool(&owner, worker_can).await);
    assert!(scalar_bool(&owner, new_columns).await);
}

/// The all-seeing `system` scope is honoured only for identity's role: another service that sets it
/// by hand sees nothing, while `national` (a verified ministry token) sees every province.
#[tokio::test]
async fn the_system_scope_is_identitys_alone() {
    let db = TestDb::new().await;
    let count = |scope: &'static str| {
        format!(
            "SELECT (SELECT count(*) FROM (SELECT set_config('app.scope', '{scope}', false)) s,
                     identity.organisations) > 0"
        )
    };
    let identity = db.connect_as("kc_identity").await;
    assert!(scalar_bool(&identity, &count("system")).await);
    for role in ["kc_workflow", "kc_registry", "kc_notifications"] {
        let conn = db.connect_as(role).await;
        assert!(
            !scalar_bool(&conn, &count("system")).await,
            "{role} reached the system scope"
        );
        assert!(scalar_bool(&conn, &count("national")).await, "{role}");
    }
}
