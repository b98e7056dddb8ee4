//! The kit's rule, checked on the source: a handler reaches the database only through a transaction
//! taken from the verified caller (`kc_auth::Tenant`), a public route only through
//! `kc_auth::Anyone` (reference data, no tenant), and only identity's pre-authentication flows use
//! the `system` scope (`kc_db::PreAuth`, through identity's `PreAuthDb` and its demo seeding). A
//! command acting as a signed-in user (the registry's demo loader) takes its `Tenant` from a verified
//! token too (`Tenant::for_token`). The notifications service's workers (outbox consumer, reminder
//! scheduler) connect as their own role, which serves every province by its own policies.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (what may not appear, where it may, why)
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "begin_for_caller",
        &[],
        "a handler takes its transaction from kc_auth::Tenant, never from the pool",
    ),
    (
        "begin_preauth",
        &["identity/src/routes/mod.rs", "identity/src/demo.rs"],
        "the system scope is for identity's pre-authentication flows only (routes::PreAuthDb)",
    ),
    (
        "begin_reference",
        &[],
        "a public route reads reference data through kc_auth::Anyone",
    ),
    (
        "DatabaseConnection",
        &[
            "notifications/src/events.rs",
            "notifications/src/scheduler.rs",
            "notifications/src/mail/send.rs",
            "notifications/src/demo.rs",
        ],
        "services hold kc_db::Db, whose pool only the kit opens transactions on (the notifications \
         workers alone hold their own role's connection, kc_outbox::connect, for every province)",
    ),
    (
        "set_config(",
        &[],
        "the tenant settings are set by kc_db when a transaction opens, nowhere else",
    ),
];

#[test]
fn services_reach_the_database_only_through_the_callers_transaction() {
    let services = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&services).expect("services folder") {
        let src = entry.expect("entry").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read");
        let rel = file
            .strip_prefix(&services)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        for (needle, allowed, why) in RULES {
            if text.contains(needle) && !allowed.contains(&rel.as_str()) {
                broken.push(format!("services/{rel} uses {needle}: {why}"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
