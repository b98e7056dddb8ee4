//! `kc-seed <superuser database URL> [--scale F]`: fill a migrated database with national-scale data
//! (see the library's documentation). `kc-seed <URL> --archive-2018`: write only the 2018 plan as
//! published (`kc_seed::history`).

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .context("usage: kc-seed <superuser database URL> [--scale F | --archive-2018]")?
        .clone();
    if args.iter().any(|a| a == "--archive-2018") {
        let n = kc_seed::history::seed_2018(&url).await?;
        eprintln!("the 2018 archive: {n} schemes written (0: already there)");
        return Ok(());
    }
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
