//! `kc-seed <superuser database URL> [--scale F]`: fill a migrated database with national-scale data
//! (see the library's documentation).

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .context("usage: kc-seed <superuser database URL> [--scale F]")?
        .clone();
    let scale: f64 = match args.iter().position(|a| a == "--scale") {
        Some(i) => args.get(i + 1).context("--scale needs a number")?.parse()?,
        None => 1.0,
    };
    let made = kc_seed::run(&url, scale).await?;
    eprintln!(
        "national data: {} enterprises, {} users, {} applications, {} clusters, {} obligations in {:.1} s",
        made.enterprises,
        made.users,
        made.applications,
        made.clusters,
        made.obligations,
        made.seconds
    );
    Ok(())
}
