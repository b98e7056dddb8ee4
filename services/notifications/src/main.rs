//! `kc-notifications`: serve the notifications service (with its workers), or run one of its jobs
//! once, as the worker role:
//! - `seed-demo`: the run command's demo obligations, notices and e-mails;
//! - `pass [YYYY-MM-DD]`: one scheduler pass (for the clock's today, or the day given; the day only in
//!   development mode), printing what it did, its time and the process's peak memory;
//! - `send [N]`: send the e-mails due (all, or about `N`), printing how many and how fast.

use kc_notifications::{Notifications, clock, demo, mail, scheduler};
use kc_service::Mode;
use std::process::ExitCode;
use std::time::Instant;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    if matches!(command, None | Some("serve")) {
        return kc_service::run::<Notifications>().await;
    }
    kc_http::telemetry::init();
    let done = async {
        let kit = kc_service::prepare::<Notifications>().await?;
        let db = kc_outbox::connect(&kit.config.worker_database_url, 4).await?;
        let config = kit.config.mail.clone();
        match command {
            Some("seed-demo") => demo::seed(&db, kit.mode, &config).await,
            Some("pass") => {
                let day = match args.get(1) {
                    Some(d) if kit.mode == Mode::Dev => d.parse()?,
                    Some(_) => anyhow::bail!("a day other than today is for development mode only"),
                    None => clock::today(&db, kit.mode).await?,
                };
                let t = Instant::now();
                let r = scheduler::pass(&db, day, &config).await?;
                println!(
                    "pass for {day}: {:.2} s; opened {}, overdue {}, stepped {}, notices {}, e-mails {}; peak RSS {}",
                    t.elapsed().as_secs_f64(),
                    r.opened,
                    r.overdue,
                    r.stepped,
                    r.notices,
                    r.emails,
                    peak_rss()
                );
                Ok(())
            }
            Some("send") => {
                let most: usize = match args.get(1) {
                    Some(n) => n.parse()?,
                    None => usize::MAX,
                };
                let mailer = mail::send::Mailer::new(db.clone(), config)?;
                let t = Instant::now();
                // As the service does: several mailers at once, each claiming its own e-mails.
                let runs = (0..kit.config.mailers).map(|_| {
                    let consumer = mail::send::consumer(db.clone());
                    let mailer = &mailer;
                    async move {
                        let mut r = kc_outbox::Report::default();
                        while (r.done + r.dead) * kit.config.mailers < most {
                            let batch = consumer.run_once(mailer).await?;
                            r += batch;
                            if batch.claimed == 0 && batch.dead == 0 {
                                break;
                            }
                        }
                        Ok::<_, sea_orm::DbErr>(r)
                    }
                });
                let mut r = kc_outbox::Report::default();
                for one in futures_util::future::join_all(runs).await {
                    r += one?;
                }
                let s = t.elapsed().as_secs_f64();
                println!(
                    "sent {} e-mails in {s:.2} s ({:.0}/s, {} mailers at once); {} to retry, {} dead",
                    r.done,
                    r.done as f64 / s.max(1e-9),
                    kit.config.mailers,
                    r.retried,
                    r.dead
                );
                Ok(())
            }
            Some(other) => anyhow::bail!(
                "unknown command {other}: use serve (default), seed-demo, pass or send"
            ),
            None => Ok(()),
        }
    };
    match done.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kc-notifications: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The process's peak resident memory (VmHWM), as Linux reports it.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}
