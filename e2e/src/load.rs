//! Closed-loop load for the tests that stop a process under it: clients, each on its own kept-alive
//! connection, each sending its next request as soon as the last is answered, until stopped. Every
//! outcome is kept with the count of answers before it was sent, so that a test can tell what was sent
//! after a given moment.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A request's outcome: the status and nginx's `X-Upstream` (empty without nginx), or what failed.
pub type Outcome = Result<(u16, String), String>;

pub struct Load {
    stop: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    clients: Vec<JoinHandle<Vec<(usize, Outcome)>>>,
    what: String,
}

impl Load {
    /// `clients` clients sending `GET url` with `token`.
    pub fn start(url: &str, token: &str, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let clients = (0..clients)
            .map(|_| {
                let (url, token, stop, answered) = (
                    url.to_owned(),
                    token.to_owned(),
                    stop.clone(),
                    answered.clone(),
                );
                tokio::spawn(async move {
                    let client = reqwest::Client::builder()
                        .pool_max_idle_per_host(1)
                        .build()
                        .unwrap();
                    let mut outcomes = Vec::new();
                    while !stop.load(Ordering::SeqCst) {
                        let before = answered.load(Ordering::SeqCst);
                        let outcome = match client.get(&url).bearer_auth(&token).send().await {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                let from = r
                                    .headers()
                                    .get("x-upstream")
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_owned();
                                match r.bytes().await {
                                    Ok(_) => Ok((status, from)),
                                    Err(e) => Err(format!("body: {e}")),
                                }
                            }
                            Err(e) => Err(format!("{e:?}")),
                        };
                        answered.fetch_add(1, Ordering::SeqCst);
                        outcomes.push((before, outcome));
                    }
                    outcomes
                })
            })
            .collect();
        Load {
            stop,
            answered,
            clients,
            what: url.to_owned(),
        }
    }

    /// How many requests have been answered (or failed) so far.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Wait until `n` requests have been answered.
    pub async fn reach(&self, n: usize) {
        let answered = self.answered.clone();
        kc_testing::wait_for(
            &format!("{n} requests to {}", self.what),
            Duration::from_secs(60),
            move || {
                let done = answered.load(Ordering::SeqCst);
                async move { (done >= n).then_some(()) }
            },
        )
        .await;
    }

    /// Tell the clients to stop; nothing new is sent after this.
    pub fn stop_sending(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stop, and every request's outcome with the count of answers before it was sent.
    pub async fn outcomes(self) -> Vec<(usize, Outcome)> {
        self.stop_sending();
        let mut all = Vec::new();
        for c in self.clients {
            all.extend(c.await.unwrap());
        }
        all
    }
}
