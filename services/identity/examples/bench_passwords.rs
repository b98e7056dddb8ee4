//! Median Argon2id hash and verify time with the service's parameters. Run by `deploy/bench.sh`
//! (`cargo run --release --example bench_passwords`).

use kc_identity::config::Argon2Params;
use kc_identity::passwords::Passwords;
use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let p = Argon2Params::default();
    let pw = Passwords::new(p, 1)?;
    let n = 21;
    let mut hash_ms = Vec::with_capacity(n);
    let mut verify_ms = Vec::with_capacity(n);
    let mut hash = String::new();
    for _ in 0..n {
        let t = Instant::now();
        hash = pw.hash("mat-khau-thu-nghiem".into()).await?;
        hash_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let ok = pw
            .verify(
                pw.place().map_err(|_| anyhow::anyhow!("busy"))?,
                "mat-khau-thu-nghiem".into(),
                Some(hash.clone()),
            )
            .await;
        verify_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(ok, "verify failed");
    }
    hash_ms.sort_by(f64::total_cmp);
    verify_ms.sort_by(f64::total_cmp);
    println!(
        "argon2id m={} KiB t={} p={} (hash: {}...)",
        p.memory_kib,
        p.iterations,
        p.parallelism,
        &hash[..hash
            .find("$v=")
            .map(|i| i + 30)
            .unwrap_or(20)
            .min(hash.len())]
    );
    println!(
        "argon2 hash   median {:.1} ms  (min {:.1}, max {:.1}, n={n})",
        hash_ms[n / 2],
        hash_ms[0],
        hash_ms[n - 1]
    );
    println!(
        "argon2 verify median {:.1} ms  (min {:.1}, max {:.1}, n={n})",
        verify_ms[n / 2],
        verify_ms[0],
        verify_ms[n - 1]
    );
    Ok(())
}
