//! Row-level security is the backstop: with no tenant set, the service roles read nothing; they cannot
//! switch it off; the audit trail is append-only.

use crate::helpers::TestApp;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};

/// Schemas PostgreSQL owns; every other schema is the project's, whatever migrations add.
const SYSTEM_SCHEMAS: &str = "('pg_catalog', 'information_schema', 'pg_toast')";

/// Tables that hold no tenant's data, with why. Every other table must have row-level security
/// enabled and forced, with a policy.
const NOT_TENANT: &[(&str, &str)] = &[
    (
        "identity.admin_units",
        "reference data: the provinces, the same for everyone",
    ),
    (
        "identity.login_throttle",
        "counters per e-mail and client address, before any tenant is known",
    ),
    ("public.seaql_migrations", "the migrator's bookkeeping"),
];

/// Every table of the project's schemas that has a province_id column (the tenant tables).
async fn tenant_tables(app: &TestApp) -> Vec<String> {
    tenant_relations(app, "BASE TABLE").await
}

/// Every view with a province_id column: it reads tenant tables and must leak nothing either.
async fn tenant_views(app: &TestApp) -> Vec<String> {
    tenant_relations(app, "VIEW").await
}

async fn tenant_relations(app: &TestApp, kind: &str) -> Vec<String> {
    app.query(&format!(
        "SELECT c.table_schema || '.' || c.table_name AS tbl FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.column_name = 'province_id' AND c.table_schema NOT IN {SYSTEM_SCHEMAS}
            AND t.table_type = '{kind}'
          ORDER BY 1"
    ))
    .await
    .iter()
    .map(|r| r["tbl"].as_str().unwrap().to_owned())
    .collect()
}

#[tokio::test]
async fn every_table_is_a_tenant_table_with_forced_rls_or_is_declared_otherwise() {
    let app = TestApp::spawn().await;
    let tables = app
        .query(&format!(
            "SELECT n.nspname || '.' || c.relname AS tbl, c.relrowsecurity AS enabled,
                    c.relforcerowsecurity AS forced,
                    (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN {SYSTEM_SCHEMAS}
                AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
              ORDER BY 1"
        ))
        .await;
    assert!(tables.len() >= 8, "{tables:?}");
    for t in &tables {
        let name = t["tbl"].as_str().unwrap();
        if let Some((_, why)) = NOT_TENANT.iter().find(|(n, _)| *n == name) {
            assert!(!why.is_empty());
            continue;
        }
        assert!(
            t["enabled"] == true && t["forced"] == true && t["policies"].as_i64() > Some(0),
            "{name}: a table of tenant data needs RLS enabled, forced and a policy (or a line in \
             NOT_TENANT saying why it holds no tenant's data): {t}"
        );
    }
    for (name, _) in NOT_TENANT {
        assert!(
            tables.iter().any(|t| t["tbl"] == *name),
            "{name} is declared but no longer exists"
        );
    }
}

#[tokio::test]
async fn every_tenant_table_has_forced_rls_and_reads_nothing_without_a_tenant() {
    let app = TestApp::spawn().await;
    // Put rows in every tenant table: logins (refresh tokens, audit), a reset (outbox, resets).
    app.login("so.01@demo.test").await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        &serde_json::json!({"email": "dn1.01@demo.test"}),
    )
    .await;
    app.wait_for("SELECT 1 FROM outbox.events", 1).await;

    let tables = tenant_tables(&app).await;
    for t in [
        "identity.organisations",
        "identity.users",
        "identity.refresh_tokens",
        "identity.password_resets",
        "audit.events",
        "outbox.events",
    ] {
        assert!(
            tables.contains(&t.to_owned()),
            "{t} should be a tenant table"
        );
        assert!(
            app.count(&format!("SELECT 1 FROM {t}")).await > 0,
            "{t} has rows to hide"
        );
    }
    for t in &tables {
        let (schema, name) = t.split_once('.').unwrap();
        let flags = app
            .query(&format!(
                "SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = '{schema}' AND c.relname = '{name}'"
            ))
            .await;
        assert_eq!(flags[0]["enabled"], true, "{t}: RLS not enabled");
        assert_eq!(flags[0]["forced"], true, "{t}: RLS not forced");
    }

    // Every role the migrations create, and the owner, reading the tables and the views over them.
    let views = tenant_views(&app).await;
    assert!(
        views.contains(&"workflow.cluster_schemes".to_owned()),
        "{views:?}"
    );
    let relations: Vec<&String> = tables.iter().chain(views.iter()).collect();
    let roles = kc_migrations::SERVICE_ROLES
        .iter()
        .chain(kc_migrations::WORKER_ROLES.iter())
        .chain(std::iter::once(&kc_migrations::OWNER_ROLE));
    for role in roles {
        let db = Database::connect(app.db.url_as(role)).await.unwrap();
        for t in relations.iter().copied() {
            // The notifications worker serves every province by design (its own policies): the
            // outbox, its service's tables, and the recipients it reads in identity.
            if kc_migrations::WORKER_ROLES.contains(role) && worker_reads_all(t) {
                continue;
            }
            // No tenant set at all; then set and reset to '' as a finished transaction leaves it.
            for prelude in [
                "",
                "SELECT set_config('app.province', '', false), set_config('app.scope', '', false)",
            ] {
                let tx = db.begin().await.unwrap();
                if !prelude.is_empty() {
                    tx.execute_unprepared(prelude).await.unwrap();
                }
                let r = tx
                    .query_one_raw(Statement::from_string(
                        DbBackend::Postgres,
                        format!("SELECT count(*) AS n FROM {t}"),
                    ))
                    .await;
                match r {
                    Ok(row) => {
                        let n: i64 = row.unwrap().try_get("", "n").unwrap();
                        assert_eq!(n, 0, "{role} reads {n} rows of {t} with no tenant");
                    }
                    // No grant at all is even better than zero rows.
                    Err(e) => assert!(
                        e.to_string().contains("permission denied"),
                        "{role} {t}: {e}"
                    ),
                }
                tx.rollback().await.unwrap();
            }
        }
    }
}

#[tokio::test]
async fn a_province_scope_reads_only_its_province_and_cannot_write_another() {
    let app = TestApp::spawn().await;
    let p01 = app.me("so.01@demo.test").await["province"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p79 = app.me("so.79@demo.test").await["province"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let db = Database::connect(app.db.url_as("kc_identity"))
        .await
        .unwrap();
    let tx = db.begin().await.unwrap();
    tx.execute_unprepared(&format!(
        "SELECT set_config('app.scope', 'province', true), set_config('app.province', '{p01}', true)"
    ))
    .await
    .unwrap();
    let rows = tx
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT DISTINCT province_id::text AS p FROM identity.users",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].try_get::<String>("", "p").unwrap(), p01);
    // Updating another province's rows touches nothing; inserting one is refused.
    let r = tx
        .execute_unprepared(&format!(
            "UPDATE identity.users SET full_name = 'x' WHERE province_id = '{p79}'"
        ))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 0);
    let err = tx
        .execute_unprepared(&format!(
            "INSERT INTO identity.organisations (id, province_id, kind, name, tax_code, enterprise_kind)
             VALUES (gen_random_uuid(), '{p79}', 'enterprise', 'x', '7909999991', 'company')"
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn service_roles_cannot_turn_rls_off_or_rewrite_the_audit() {
    let app = TestApp::spawn().await;
    app.login("so.01@demo.test").await;
    let db = Database::connect(app.db.url_as("kc_identity"))
        .await
        .unwrap();
    // row_security = off makes a query fail rather than bypass the policies.
    let tx = db.begin().await.unwrap();
    tx.execute_unprepared("SET LOCAL row_security = off")
        .await
        .unwrap();
    let err = tx
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM identity.users",
        ))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // The audit trail: no UPDATE or DELETE for the service role, not even in national scope...
    for sql in [
        "UPDATE audit.events SET action = 'x'",
        "DELETE FROM audit.events",
        "TRUNCATE audit.events",
    ] {
        let tx = db.begin().await.unwrap();
        tx.execute_unprepared("SELECT set_config('app.scope', 'national', true)")
            .await
            .unwrap();
        let err = tx.execute_unprepared(sql).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
        tx.rollback().await.unwrap();
    }
    // ...and the owner: no policy lets it update or delete a row (RLS is forced on it too), and the
    // trigger refuses TRUNCATE, which RLS does not cover.
    let owner = Database::connect(app.db.owner_url()).await.unwrap();
    let tx = owner.begin().await.unwrap();
    tx.execute_unprepared("SELECT set_config('app.scope', 'national', true)")
        .await
        .unwrap();
    let r = tx
        .execute_unprepared("DELETE FROM audit.events")
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 0);
    let r = tx
        .execute_unprepared("UPDATE audit.events SET action = 'x'")
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 0);
    let err = tx
        .execute_unprepared("TRUNCATE audit.events")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    tx.rollback().await.unwrap();
    // Even a superuser (who bypasses RLS) is stopped by the trigger.
    let su = Database::connect(app.db.superuser_url()).await.unwrap();
    let err = su
        .execute_unprepared("DELETE FROM audit.events")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(app.count("SELECT 1 FROM audit.events").await > 0);
}

#[tokio::test]
async fn an_enterprise_scope_sees_only_its_own_organisation() {
    let app = TestApp::spawn().await;
    let me = app.me("dn1.37@demo.test").await;
    let p = me["province"]["id"].as_str().unwrap().to_owned();
    let org = me["organisation"]["id"].as_str().unwrap().to_owned();
    let db = Database::connect(app.db.url_as("kc_identity"))
        .await
        .unwrap();
    let tx = db.begin().await.unwrap();
    tx.execute_unprepared(&format!(
        "SELECT set_config('app.scope', 'enterprise', true), set_config('app.province', '{p}', true),
                set_config('app.org', '{org}', true)"
    ))
    .await
    .unwrap();
    for (sql, col) in [
        (
            "SELECT DISTINCT id::text AS v FROM identity.organisations",
            "organisations",
        ),
        (
            "SELECT DISTINCT organisation_id::text AS v FROM identity.users",
            "users",
        ),
    ] {
        let rows = tx
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{col}");
        assert_eq!(rows[0].try_get::<String>("", "v").unwrap(), org, "{col}");
    }
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn a_user_always_matches_its_organisation() {
    let app = TestApp::spawn().await;
    let dn = app.me("dn1.01@demo.test").await;
    let bo = app.me("bo@demo.test").await;
    let db = Database::connect(app.db.url_as("kc_identity"))
        .await
        .unwrap();
    let tries = [
        // A "ministry" user attached to an enterprise.
        format!(
            "INSERT INTO identity.users (id, province_id, organisation_id, email, full_name, role, password_hash)
             VALUES (gen_random_uuid(), NULL, '{}', 'x1@demo.test', 'X', 'ministry', 'h')",
            dn["organisation"]["id"].as_str().unwrap()
        ),
        // An enterprise user of province 01 attached to the ministry.
        format!(
            "INSERT INTO identity.users (id, province_id, organisation_id, email, full_name, role, password_hash)
             VALUES (gen_random_uuid(), '{}', '{}', 'x2@demo.test', 'X', 'enterprise', 'h')",
            dn["province"]["id"].as_str().unwrap(),
            bo["organisation"]["id"].as_str().unwrap()
        ),
        // Promoting an enterprise user to a centre role.
        format!(
            "UPDATE identity.users SET role = 'centre' WHERE id = '{}'",
            dn["user"]["id"].as_str().unwrap()
        ),
    ];
    for sql in tries {
        let tx = db.begin().await.unwrap();
        tx.execute_unprepared("SELECT set_config('app.scope', 'national', true)")
            .await
            .unwrap();
        let err = tx.execute_unprepared(&sql).await.unwrap_err();
        assert!(err.to_string().contains("does not match"), "{sql}: {err}");
        tx.rollback().await.unwrap();
    }
}

/// What the worker role reads for every province, with no tenant: the outbox it consumes, the
/// notifications schema, and the organisations and users it sends to (not their credentials: the
/// outbox test checks that).
fn worker_reads_all(relation: &str) -> bool {
    relation == "outbox.events"
        || relation.starts_with("notifications.")
        || relation == "identity.organisations"
        || relation == "identity.users"
}
