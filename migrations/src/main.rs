//! `kc-migrate`: prepare and migrate the database.
//!
//! ```text
//! kc-migrate setup <admin-url> <database>   # as a superuser: owner role + database, then migrate up
//! kc-migrate up <owner-url>                 # apply pending migrations as the owner
//! kc-migrate down <owner-url> [steps]       # roll back (all when no steps are given)
//! kc-migrate status <owner-url>
//! ```

use kc_migrations::{Migrator, MigratorTrait, OWNER_ROLE, bootstrap, with_database, with_user};
use sea_orm::Database;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("kc-migrate: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> anyhow::Result<&str> {
        args.get(i).map(String::as_str).ok_or_else(|| {
            anyhow::anyhow!("missing argument; see the usage in kc-migrate's source")
        })
    };
    match arg(0)? {
        "setup" => {
            let admin_url = arg(1)?;
            let db = arg(2)?;
            bootstrap(admin_url, db).await?;
            let owner_url = with_user(&with_database(admin_url, db), OWNER_ROLE);
            let conn = Database::connect(&owner_url).await?;
            Migrator::up(&conn, None).await?;
            println!("kc-migrate: database {db} is migrated");
        }
        "up" => {
            let conn = Database::connect(arg(1)?).await?;
            Migrator::up(&conn, None).await?;
        }
        "down" => {
            let conn = Database::connect(arg(1)?).await?;
            let steps = args.get(2).map(|s| s.parse()).transpose()?;
            Migrator::down(&conn, steps).await?;
        }
        "status" => {
            let conn = Database::connect(arg(1)?).await?;
            Migrator::status(&conn).await?;
        }
        other => anyhow::bail!("unknown command {other}: use setup, up, down or status"),
    }
    Ok(())
}
