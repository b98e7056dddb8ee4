//! The system with several replicas of every service behind nginx (Debian's package), as the run
//! command's replica mode runs it (`KC_REPLICAS=2 ./deploy/run.sh`): one PostgreSQL, one mail server,
//! every replica a real process on a port of its own, and nginx with one address per service, the
//! configuration written by `deploy/nginx-conf.sh`. Every caller, the services themselves included,
//! goes through nginx; nginx names the replica that answered in `X-Upstream`.

use crate::{Proc, Sink, seed_accounts, seed_demo, service_env};
use kc_testing::TestDb;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// nginx: `KC_NGINX`, or Debian's `/usr/sbin/nginx`, or `nginx` on the PATH.
fn nginx() -> PathBuf {
    if let Some(p) = std::env::var_os("KC_NGINX") {
        return PathBuf::from(p);
    }
    let debian = PathBuf::from("/usr/sbin/nginx");
    if debian.exists() {
        return debian;
    }
    PathBuf::from("nginx")
}

pub struct Replicated {
    /// Each service's replicas, in the order of the one list (identity first).
    pub replicas: Vec<Vec<Proc>>,
    /// The port nginx listens on for each service.
    pub fronts: Vec<(&'static str, u16)>,
    pub data: PathBuf,
    pub db: TestDb,
    pub mail: Sink,
    nginx: Child,
    nginx_dir: PathBuf,
}

impl Replicated {
    /// Every service as `n` replicas behind nginx, with the demo accounts.
    pub async fn start(n: usize) -> Replicated {
        let db = TestDb::new().await;
        let mail = Sink::start().await;
        let data = std::env::temp_dir().join(format!("kc-e2e-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data).unwrap();
        seed_accounts(&db, &data);

        // Every port first: nginx knows every replica before any starts.
        let services = kc_service::services::all();
        let fronts: Vec<(&'static str, u16)> = services
            .iter()
            .map(|s| (s.name, kc_testing::free_port()))
            .collect();
        let ports: Vec<Vec<u16>> = services
            .iter()
            .map(|_| (0..n).map(|_| kc_testing::free_port()).collect())
            .collect();
        let nginx_dir = data.join("nginx");
        std::fs::create_dir_all(&nginx_dir).unwrap();
        let specs: Vec<String> = fronts
            .iter()
            .zip(&ports)
            .map(|((name, front), ports)| {
                let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
                format!("{name}:{front}:{}", ports.join(","))
            })
            .collect();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx-conf.sh");
        let conf = Command::new("bash")
            .arg(&script)
            .arg(&nginx_dir)
            .args(&specs)
            .output()
            .unwrap();
        assert!(
            conf.status.success(),
            "{}",
            String::from_utf8_lossy(&conf.stderr)
        );
        let conf_path = nginx_dir.join("nginx.conf");
        std::fs::write(&conf_path, &conf.stdout).unwrap();
        let nginx = Command::new(nginx())
            .arg("-p")
            .arg(&nginx_dir)
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "nginx ({:?}) cannot start: {e}. The test command installs Debian's nginx; \
                     KC_NGINX names another.",
                    nginx()
                )
            });

        let urls: Vec<(String, String)> = fronts
            .iter()
            .map(|(name, port)| {
                (
                    kc_service::services::info(name).url_var(),
                    format!("http://127.0.0.1:{port}"),
                )
            })
            .collect();
        let mut replicas = Vec::new();
        for (info, ports) in services.iter().zip(&ports) {
            let mut envs = service_env(info, &db, &data, &mail);
            // nginx says who the client is.
            envs.push(("KC_TRUST_FORWARDED_FOR", "1".to_owned()));
            let mut envs: Vec<(&str, String)> = envs;
            envs.extend(urls.iter().map(|(k, v)| (k.as_str(), v.clone())));
            let mut started = Vec::new();
            for port in ports {
                let p = Proc::start_on(info.name, *port, &envs);
                p.wait_healthy().await;
                started.push(p);
            }
            replicas.push(started);
        }
        let system = Replicated {
            replicas,
            fronts,
            data,
            db,
            mail,
            nginx,
            nginx_dir,
        };
        // nginx answers for every service.
        let http = reqwest::Client::new();
        for (name, _) in &system.fronts {
            let url = system.url(name, "/health");
            kc_testing::wait_for(
                &format!("nginx in front of {name}"),
                Duration::from_secs(10),
                || async {
                    let r = http.get(&url).send().await.ok()?;
                    r.status().is_success().then_some(())
                },
            )
            .await;
        }
        system
    }

    /// `path` at the address nginx gives service `name`.
    pub fn url(&self, name: &str, path: &str) -> String {
        let (_, port) = self
            .fronts
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no service {name}"));
        format!("http://127.0.0.1:{port}{path}")
    }

    /// The replicas of service `name`.
    pub fn replicas_of(&mut self, name: &str) -> &mut Vec<Proc> {
        let i = self
            .fronts
            .iter()
            .position(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no service {name}"));
        &mut self.replicas[i]
    }

    /// Load the demo data of `name` as the run command does, through nginx, its e-mails (if any) to
    /// the mail server.
    pub fn seed(&self, name: &str) -> std::process::Output {
        let urls = self.fronts.iter().map(|(n, _)| (*n, self.url(n, "")));
        seed_demo(name, &self.db, urls, self.mail.port)
    }
}

impl Drop for Replicated {
    fn drop(&mut self) {
        // SIGTERM: nginx's master stops its workers (killed outright, they would outlive it).
        if crate::terminate(&mut self.nginx, Duration::from_secs(5)).is_none() {
            let _ = self.nginx.kill();
            let _ = self.nginx.wait();
        }
        let _ = std::fs::remove_dir_all(&self.nginx_dir);
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
