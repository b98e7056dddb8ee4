//! The database and the Rust enums list the same values.
//!
//! Every CHECK constraint that restricts a column to a list of text values (`col IN ('a', 'b')`, which
//! PostgreSQL keeps as `col = ANY (ARRAY['a'::text, 'b'::text])`, or `col <@ ARRAY['a', 'b']` for a
//! `text[]`) in the project's schemas must be declared in [`ENUMS`] with the kc-kernel enum the column
//! holds, and both must list the same values. A new migration with an unmapped list fails here.
//!
//! The second half binds and reads every enum through a real PostgreSQL.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use kc_kernel::{
    AcceptanceResult, AccountStatus, AdjustmentKind, AdjustmentStatus, ApplicationStatus,
    AttemptOutcome, CalendarDayKind, ClusterChange, ClusterRule, ClusterStatus, ContractKind,
    DbEnum, Deadline, DeliveryKind, DeliveryStatus, DocumentKind, DutyLevel, DutyOpening,
    EnterpriseKind, ExtensionReportStatus, Fund, InvestorKind, NoticeKind, ObligationState,
    OrgKind, PaymentKind, Permission, Region, ReportKind, ReportParty, ReportStatus, Role,
    RuleKind, SchemeKind, SchemeReportKind, SchemeStatus, UnitKind,
};
use kc_testing::TestDb;
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, Value,
};
use std::collections::BTreeSet;

/// The schemas the migrations create.
const SCHEMAS: &[&str] = &[
    "identity",
    "workflow",
    "registry",
    "notifications",
    "audit",
    "outbox",
    "tenancy",
];

/// What a column holds: the name of the Rust enum and its values.
type Values = (&'static str, &'static [&'static str]);

/// The enum `E`, as an entry of [`ENUMS`].
const fn enum_of<E: DbEnum>() -> Values {
    (E::NAME, E::VALUES)
}

/// Which values each `schema.table` column with a CHECK value list holds: (table, column, (Rust enum,
/// its values)). For a domain, the table is `schema.domain` and the column is `VALUE`.
const ENUMS: &[(&str, &str, Values)] = &[
    ("identity.admin_units", "kind", enum_of::<UnitKind>()),
    ("identity.admin_units", "region", enum_of::<Region>()),
    ("identity.organisations", "kind", enum_of::<OrgKind>()),
    (
        "identity.organisations",
        "enterprise_kind",
        enum_of::<EnterpriseKind>(),
    ),
    (
        "identity.organisations",
        "status",
        enum_of::<AccountStatus>(),
    ),
    ("identity.users", "role", enum_of::<Role>()),
    ("identity.users", "permissions", enum_of::<Permission>()),
    ("identity.users", "status", enum_of::<AccountStatus>()),
    ("workflow.rules", "kind", enum_of::<RuleKind>()),
    ("workflow.documents", "kind", enum_of::<DocumentKind>()),
    ("workflow.approval_steps", "fund", enum_of::<Fund>()),
    (
        "workflow.approval_steps",
        "from_status",
        enum_of::<SchemeStatus>(),
    ),
    (
        "workflow.approval_steps",
        "to_status",
        enum_of::<SchemeStatus>(),
    ),
    ("workflow.approval_steps", "actor_role", enum_of::<Role>()),
    (
        "workflow.approval_steps",
        "actor_permission",
        enum_of::<Permission>(),
    ),
    (
        "workflow.approval_steps",
        "deadline_key",
        enum_of::<Deadline>(),
    ),
    ("workflow.schemes", "status", enum_of::<SchemeStatus>()),
    ("registry.rules", "key", enum_of::<ClusterRule>()),
    (
        "registry.cluster_versions",
        "status",
        enum_of::<ClusterStatus>(),
    ),
    (
        "registry.cluster_versions",
        "investor_kind",
        enum_of::<InvestorKind>(),
    ),
    (
        "registry.cluster_versions",
        "action",
        enum_of::<ClusterChange>(),
    ),
    (
        "registry.cluster_reports",
        "party",
        enum_of::<ReportParty>(),
    ),
    ("registry.cluster_reports", "kind", enum_of::<ReportKind>()),
    (
        "registry.cluster_reports",
        "status",
        enum_of::<ReportStatus>(),
    ),
    ("registry.province_reports", "kind", enum_of::<ReportKind>()),
    ("workflow.schemes", "kind", enum_of::<SchemeKind>()),
    ("workflow.contracts", "kind", enum_of::<ContractKind>()),
    ("workflow.payments", "kind", enum_of::<PaymentKind>()),
    (
        "workflow.scheme_reports",
        "kind",
        enum_of::<SchemeReportKind>(),
    ),
    (
        "workflow.acceptances",
        "result",
        enum_of::<AcceptanceResult>(),
    ),
    ("workflow.adjustments", "kind", enum_of::<AdjustmentKind>()),
    (
        "workflow.extension_reports",
        "kind",
        enum_of::<ReportKind>(),
    ),
    (
        "workflow.extension_reports",
        "status",
        enum_of::<ExtensionReportStatus>(),
    ),
    (
        "workflow.adjustments",
        "status",
        enum_of::<AdjustmentStatus>(),
    ),
    ("workflow.adjustments", "route_role", enum_of::<Role>()),
    (
        "workflow.adjustments",
        "route_permission",
        enum_of::<Permission>(),
    ),
    ("workflow.schemes", "fund", enum_of::<Fund>()),
    ("workflow.rules", "fund", enum_of::<Fund>()),
    ("workflow.envelopes", "fund", enum_of::<Fund>()),
    ("workflow.applications", "fund", enum_of::<Fund>()),
    (
        "workflow.applications",
        "status",
        enum_of::<ApplicationStatus>(),
    ),
    (
        "workflow.application_steps",
        "from_status",
        enum_of::<ApplicationStatus>(),
    ),
    (
        "workflow.application_steps",
        "to_status",
        enum_of::<ApplicationStatus>(),
    ),
    ("workflow.application_steps", "by_role", enum_of::<Role>()),
    ("notifications.duties", "reporter", enum_of::<DutyLevel>()),
    ("notifications.duties", "recipient", enum_of::<DutyLevel>()),
    (
        "notifications.duties",
        "opened_by",
        enum_of::<DutyOpening>(),
    ),
    (
        "notifications.obligations",
        "state",
        enum_of::<ObligationState>(),
    ),
    ("notifications.notices", "kind", enum_of::<NoticeKind>()),
    (
        "notifications.calendar_days",
        "kind",
        enum_of::<CalendarDayKind>(),
    ),
    (
        "notifications.deliveries",
        "kind",
        enum_of::<DeliveryKind>(),
    ),
    (
        "notifications.deliveries",
        "status",
        enum_of::<DeliveryStatus>(),
    ),
    (
        "notifications.delivery_attempts",
        "outcome",
        enum_of::<AttemptOutcome>(),
    ),
    ("notifications.mutes", "kind", enum_of::<NoticeKind>()),
    ("notifications.feeds", "role", enum_of::<Role>()),
    // No kernel enum yet: the outbox's statuses belong to the outbox work in progress. When an
    // `OutboxStatus` is declared in kc-kernel, replace this plain list with enum_of::<OutboxStatus>().
    (
        "outbox.events",
        "status",
        ("a plain list in this test", &["pending", "done", "dead"]),
    ),
];

/// One `column = ANY (ARRAY[...])` or `column <@ ARRAY[...]` of text values found in a CHECK.
#[derive(Debug, PartialEq, Eq)]
struct ValueList {
    /// The operand the list restricts, when it is a plain column (possibly cast, as `(kind)::text`).
    column: Option<String>,
    values: Vec<String>,
}

/// Every list of text values a column is restricted to in a CHECK definition as
/// `pg_get_constraintdef` prints it. Lists of other literals (numbers) and other operators (`<> ALL`
/// = NOT IN, `@>`, `&&`) are not enums and are skipped.
fn value_lists(def: &str) -> Vec<ValueList> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = def[from..].find("ARRAY[").map(|i| from + i) {
        from = at + "ARRAY[".len();
        let before = def[..at].trim_end_matches(|c: char| c == '(' || c.is_whitespace());
        let operand = if let Some(op) = before.strip_suffix("= ANY") {
            op
        } else if let Some(op) = before.strip_suffix("<@") {
            op
        } else {
            continue;
        };
        if let Some(values) = text_literals(&def[from..]) {
            found.push(ValueList {
                column: column_of(operand),
                values,
            });
        }
    }
    found
}

/// The quoted literals of an array body up to its closing `]` (`'a'::text, 'it''s'::text]`), or `None`
/// if an element is not a quoted literal.
fn text_literals(body: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        match chars.next()? {
            ' ' | ',' => {}
            ']' => return Some(values),
            '\'' => {
                let mut v = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            v.push('\'');
                        }
                        '\'' => break,
                        c => v.push(c),
                    }
                }
                values.push(v);
                // skip the cast (`::text`, `::character varying`) up to the next element or the end
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == ']' {
                        break;
                    }
                    chars.next();
                }
            }
            _ => return None,
        }
    }
}

/// The column name at the end of an operand: `((kind`, `((kind)::text`, `(VALUE`, `"Kind"`.
fn column_of(operand: &str) -> Option<String> {
    let mut s = operand.trim_end();
    // a cast of the column, as `(kind)::text` or `(kind)::character varying`
    if let Some(i) = s.rfind("::")
        && s[i + 2..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_')
    {
        s = s[..i].trim_end();
    }
    // `(kind)` around it; anything else in the parentheses (a function call) is not a plain column
    while let Some(inner) = s.strip_suffix(')') {
        let open = inner.rfind('(')?;
        let name = &inner[open + 1..];
        let before = &inner[..open];
        if before.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        s = name.trim();
    }
    if let Some(quoted) = s.strip_suffix('"') {
        let open = quoted.rfind('"')?;
        return Some(quoted[open + 1..].replace("\"\"", "\""));
    }
    let start = s
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &s[start..];
    (!name.is_empty()).then(|| name.to_owned())
}

/// A CHECK constraint of a table (or a domain) in one of [`SCHEMAS`].
struct Check {
    /// `schema.table` (or `schema.domain`).
    table: String,
    name: String,
    def: String,
    /// The columns it involves (`VALUE` for a domain).
    columns: Vec<String>,
}

async fn checks(db: &DatabaseConnection) -> Vec<Check> {
    let schemas: Vec<String> = SCHEMAS.iter().map(|s| (*s).to_owned()).collect();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT n.nspname || '.' || c.relname AS tbl, con.conname::text AS name,
                    pg_get_constraintdef(con.oid) AS def,
                    coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                               WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)),
                             '{}') AS columns
               FROM pg_constraint con
               JOIN pg_class c ON c.oid = con.conrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE con.contype = 'c' AND n.nspname = ANY ($1)
             UNION ALL
             SELECT n.nspname || '.' || t.typname, con.conname::text, pg_get_constraintdef(con.oid),
                    ARRAY['VALUE']
               FROM pg_constraint con
               JOIN pg_type t ON t.oid = con.contypid
               JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE con.contype = 'c' AND n.nspname = ANY ($1)
              ORDER BY 1, 2",
            [schemas.into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| Check {
            table: r.try_get("", "tbl").unwrap(),
            name: r.try_get("", "name").unwrap(),
            def: r.try_get("", "def").unwrap(),
            columns: r.try_get("", "columns").unwrap(),
        })
        .collect()
}

fn sorted<S: AsRef<str>>(values: &[S]) -> BTreeSet<&str> {
    values.iter().map(AsRef::as_ref).collect()
}

#[tokio::test]
async fn every_check_value_list_is_a_kernel_enum_with_the_same_values() {
    let tdb = TestDb::new().await;
    let db = Database::connect(tdb.superuser_url()).await.unwrap();
    let checks = checks(&db).await;
    assert!(
        checks.iter().any(|c| c.table == "identity.users"),
        "the catalog query found no CHECK of identity.users"
    );

    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for check in &checks {
        for list in value_lists(&check.def) {
            // The column the list restricts: the operand when it is one of the constraint's columns,
            // else the constraint's only column.
            let column = match list.column.filter(|c| check.columns.contains(c)) {
                Some(c) => c,
                None if check.columns.len() == 1 => check.columns[0].clone(),
                None => {
                    problems.push(format!(
                        "{}: cannot tell which column CHECK {} restricts to {:?} (columns {:?}): {}",
                        check.table, check.name, list.values, check.columns, check.def
                    ));
                    continue;
                }
            };
            let Some((_, _, (rust, values))) = ENUMS
                .iter()
                .find(|(t, c, _)| *t == check.table && *c == column)
            else {
                problems.push(format!(
                    "{table}.{column}: CHECK {name} restricts it to {values:?}, but no Rust enum is \
                     declared for it. To map it, declare the enum in shared/kernel/src/enums.rs \
                     (db_enum! {{ pub enum MyKind {{ First = \"{first}\" => \"<Vietnamese label>\", ... }} }}) \
                     and export it from shared/kernel/src/lib.rs (or reuse the kc-kernel enum that \
                     already lists these values), then add (\"{table}\", \"{column}\", \
                     enum_of::<MyKind>()) to ENUMS in migrations/tests/enums.rs.",
                    table = check.table,
                    name = check.name,
                    values = list.values,
                    first = list.values.first().map_or("", String::as_str),
                ));
                continue;
            };
            seen.insert((check.table.as_str(), column.clone()));
            let (db_values, rust_values) = (sorted(&list.values), sorted(values));
            if db_values != rust_values {
                problems.push(format!(
                    "{}.{column}: CHECK {} lists {:?} but {rust} lists {:?} (only in the database: \
                     {:?}; only in Rust: {:?}). Make the enum and the migration agree.",
                    check.table,
                    check.name,
                    list.values,
                    values,
                    db_values.difference(&rust_values).collect::<Vec<_>>(),
                    rust_values.difference(&db_values).collect::<Vec<_>>(),
                ));
            }
        }
    }
    for (table, column, (rust, _)) in ENUMS {
        if !seen.contains(&(*table, (*column).to_owned())) {
            problems.push(format!(
                "{table}.{column} is mapped to {rust} in ENUMS (migrations/tests/enums.rs), but no \
                 CHECK of the database restricts it to a list of values: remove the entry or restore \
                 the CHECK."
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "CHECK value lists and Rust enums disagree:\n- {}",
        problems.join("\n- ")
    );
}

#[test]
fn value_lists_are_read_from_every_form_postgres_prints() {
    let list = |column: &str, values: &[&str]| ValueList {
        column: Some(column.to_owned()),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    };
    assert_eq!(
        value_lists("CHECK ((kind = ANY (ARRAY['province'::text, 'city'::text])))"),
        [list("kind", &["province", "city"])]
    );
    assert_eq!(
        value_lists(
            "CHECK ((permissions <@ ARRAY['officer'::text, 'approver'::text, 'viewer'::text, 'admin'::text]))"
        ),
        [list(
            "permissions",
            &["officer", "approver", "viewer", "admin"]
        )]
    );
    // a varchar column
    assert_eq!(
        value_lists(
            "CHECK (((kind)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])))"
        ),
        [list("kind", &["a", "b"])]
    );
    // a domain, a quoted identifier, a quote inside a value
    assert_eq!(
        value_lists("CHECK ((VALUE = ANY (ARRAY['it''s'::text, 'x'::text])))"),
        [list("VALUE", &["it's", "x"])]
    );
    assert_eq!(
        value_lists("CHECK ((\"Kind\" = ANY (ARRAY['a'::text])))"),
        [list("Kind", &["a"])]
    );
    // two lists in one constraint
    assert_eq!(
        value_lists(
            "CHECK (((kind = ANY (ARRAY['a'::text, 'b'::text])) OR (status = ANY (ARRAY['c'::text]))))"
        ),
        [list("kind", &["a", "b"]), list("status", &["c"])]
    );
    // a function of a column is not a plain column
    assert_eq!(
        value_lists("CHECK ((lower(kind) = ANY (ARRAY['a'::text])))")[0].column,
        None
    );
    // not enums: numbers, NOT IN, other checks
    assert!(value_lists("CHECK ((priority = ANY (ARRAY[1, 2, 3])))").is_empty());
    assert!(value_lists("CHECK ((kind <> ALL (ARRAY['a'::text, 'b'::text])))").is_empty());
    assert!(value_lists("CHECK ((code ~ '^[0-9]{2}$'::text))").is_empty());
    assert!(value_lists("CHECK (((kind = 'ministry'::text) = (province_id IS NULL)))").is_empty());
}

// ---- binding and reading the enums through PostgreSQL ----

async fn row(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> QueryResult {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
    .await
    .unwrap()
    .unwrap()
}

/// Binds every variant of `E` as a parameter and reads it back, as `E` and `Option<E>`.
async fn round_trip<E: DbEnum>(db: &DatabaseConnection) {
    for v in E::VARIANTS {
        let r = row(
            db,
            "SELECT $1 AS v, $2 AS n, $1 = $3 AS same",
            vec![(*v).into(), Option::<E>::None.into(), v.as_str().into()],
        )
        .await;
        assert_eq!(r.try_get::<E>("", "v").unwrap(), *v);
        assert_eq!(r.try_get::<Option<E>>("", "v").unwrap(), Some(*v));
        assert_eq!(r.try_get::<Option<E>>("", "n").unwrap(), None);
        assert!(r.try_get::<bool>("", "same").unwrap(), "bound as its text");
    }
    // An unknown value is an error naming the enum and the value, also as an Option, never a panic.
    let r = row(db, "SELECT 'boss'::text AS v, NULL::text AS n", vec![]).await;
    for err in [
        r.try_get::<E>("", "v").unwrap_err(),
        r.try_get::<Option<E>>("", "v").unwrap_err(),
    ] {
        match err {
            DbErr::Type(m) => assert!(m.contains("boss") && m.contains(E::NAME), "{m}"),
            other => panic!("{}: expected a type error, got {other:?}", E::NAME),
        }
    }
    assert!(
        r.try_get::<E>("", "n").is_err(),
        "NULL is not a {}",
        E::NAME
    );
}

#[tokio::test]
async fn every_enum_binds_and_reads_as_text() {
    let tdb = TestDb::new().await;
    let db = Database::connect(tdb.superuser_url()).await.unwrap();
    round_trip::<Role>(&db).await;
    round_trip::<Permission>(&db).await;
    round_trip::<OrgKind>(&db).await;
    round_trip::<EnterpriseKind>(&db).await;
    round_trip::<AccountStatus>(&db).await;
    round_trip::<UnitKind>(&db).await;
    round_trip::<Region>(&db).await;

    // The reference data reads as enums.
    let units = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT kind, region FROM identity.admin_units",
        ))
        .await
        .unwrap();
    assert_eq!(units.len(), 97);
    for u in &units {
        u.try_get::<UnitKind>("", "kind").unwrap();
        u.try_get::<Region>("", "region").unwrap();
    }
    let hanoi = row(
        &db,
        "SELECT kind, region FROM identity.admin_units WHERE code = '01' AND valid_to IS NULL",
        vec![],
    )
    .await;
    assert_eq!(
        hanoi.try_get::<UnitKind>("", "kind").unwrap(),
        UnitKind::City
    );
    assert_eq!(
        hanoi.try_get::<Region>("", "region").unwrap(),
        Region::North
    );
    let in_kind = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT code FROM identity.admin_units WHERE region = $1 AND kind = $2",
            [Region::South.into(), UnitKind::City.into()],
        ))
        .await
        .unwrap();
    assert!(!in_kind.is_empty(), "an enum binds in a WHERE clause");
}

#[tokio::test]
async fn a_user_row_is_written_and_read_with_enums() {
    let tdb = TestDb::new().await;
    let db = Database::connect(tdb.superuser_url()).await.unwrap();
    let perms = vec![Permission::Officer, Permission::Admin];
    let user = row(
        &db,
        "INSERT INTO identity.users
           (id, province_id, organisation_id, email, full_name, role, permissions, password_hash, status)
         SELECT gen_random_uuid(), NULL, id, 'enums@example.vn', 'Enums', $2, $3, 'x', $4
           FROM identity.organisations WHERE kind = $1
         RETURNING role, permissions, status",
        vec![
            OrgKind::Ministry.into(),
            Role::Ministry.into(),
            perms.clone().into(),
            AccountStatus::Pending.into(),
        ],
    )
    .await;
    assert_eq!(user.try_get::<Role>("", "role").unwrap(), Role::Ministry);
    assert_eq!(
        user.try_get::<Vec<Permission>>("", "permissions").unwrap(),
        perms
    );
    assert_eq!(
        user.try_get::<AccountStatus>("", "status").unwrap(),
        AccountStatus::Pending
    );
    let org = row(
        &db,
        "SELECT kind, status, enterprise_kind FROM identity.organisations WHERE kind = $1",
        vec![OrgKind::Ministry.into()],
    )
    .await;
    assert_eq!(
        org.try_get::<OrgKind>("", "kind").unwrap(),
        OrgKind::Ministry
    );
    assert_eq!(
        org.try_get::<AccountStatus>("", "status").unwrap(),
        AccountStatus::Active
    );
    assert_eq!(
        org.try_get::<Option<EnterpriseKind>>("", "enterprise_kind")
            .unwrap(),
        None
    );

    // text[]: empty, and one unknown element makes the read an error.
    let r = row(
        &db,
        "SELECT '{}'::text[] AS none, ARRAY['officer', 'boss'] AS bad, $1 <@ ARRAY['officer', 'approver', 'viewer', 'admin'] AS fits",
        vec![Vec::<Permission>::new().into()],
    )
    .await;
    assert_eq!(
        r.try_get::<Vec<Permission>>("", "none").unwrap(),
        Vec::new()
    );
    match r.try_get::<Vec<Permission>>("", "bad").unwrap_err() {
        DbErr::Type(m) => assert!(m.contains("boss"), "{m}"),
        other => panic!("expected a type error, got {other:?}"),
    }
    assert!(r.try_get::<bool>("", "fits").unwrap());
}
