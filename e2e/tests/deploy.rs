//! The container image and the Kubernetes manifests (`deploy/Dockerfile`, `deploy/k8s/`), checked
//! offline: every manifest is valid against Kubernetes' own schemas (kubernetes-validate from PyPI,
//! strict: an unknown field is an error), which `deploy/test.sh` installs and names in
//! `KC_K8S_VALIDATE`; every service of the one list (`deploy/services.txt`) has its Deployment and
//! Service on its port, probed on `/ready` and `/health`, run as a non-root user, with its own
//! database role's URL from the Secret when it uses the database; every path of every service's
//! OpenAPI document reaches that service through the Ingress; the image's last stage is a small base
//! run as a non-root user.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use kc_e2e::System;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn deploy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn validator() -> PathBuf {
    let Some(cli) = std::env::var_os("KC_K8S_VALIDATE") else {
        panic!(
            "KC_K8S_VALIDATE is not set: this test runs the kubernetes-validate command it names. Run \
             the tests with ./deploy/test.sh, which installs it and sets it."
        );
    };
    PathBuf::from(cli)
}

fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(deploy_dir().join("k8s"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every document of every manifest, as JSON (read in one run of the validator's own Python and
/// PyYAML, so that the test reads the files as Kubernetes tools do).
fn documents() -> Vec<Value> {
    let python = validator().parent().unwrap().join("python");
    let out = Command::new(&python)
        .args([
            "-c",
            "import json, sys, yaml\n\
             print(json.dumps([d for f in sys.argv[1:] for d in yaml.safe_load_all(open(f)) if d]))",
        ])
        .args(manifests())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The services of the one list: name, port, whether it uses the database.
fn services() -> Vec<(String, u16, bool)> {
    std::fs::read_to_string(deploy_dir().join("services.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<_> = l.split_whitespace().collect();
            (f[0].to_owned(), f[1].parse().unwrap(), f[2] == "yes")
        })
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} named {name} in deploy/k8s"))
}

#[test]
fn every_manifest_is_valid_kubernetes() {
    let files = manifests();
    assert!(files.len() >= 8, "{files:?}");
    let out = Command::new(validator())
        .args(["--strict", "--kubernetes-version", "1.33"])
        .args(&files)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // Each resource was checked, not skipped.
    let passed = said.matches(" passed for resource ").count();
    assert_eq!(passed, documents().len(), "{said}");

    // The validator refuses what is wrong: a replica count in words.
    let bad = std::env::temp_dir().join(format!("kc-bad-{}.yaml", uuid::Uuid::new_v4().simple()));
    let text = std::fs::read_to_string(deploy_dir().join("k8s/registry.yaml")).unwrap();
    std::fs::write(&bad, text.replace("replicas: 2", "replicas: two")).unwrap();
    let refused = Command::new(validator())
        .args(["--strict", "--kubernetes-version", "1.33"])
        .arg(&bad)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bad);
    assert!(!refused.status.success());
}

#[test]
fn every_service_has_its_deployment_probes_and_secrets() {
    let docs = documents();
    for (name, port, uses_db) in services() {
        let d = find(&docs, "Deployment", &name);
        let spec = &d["spec"]["template"]["spec"];
        assert_eq!(spec["securityContext"]["runAsNonRoot"], true, "{name}");
        assert_ne!(spec["securityContext"]["runAsUser"], 0, "{name}");
        let c = &spec["containers"][0];
        assert_eq!(c["image"], format!("khuyencong/{name}:latest"), "{name}");
        assert_eq!(c["ports"][0]["containerPort"], port, "{name}");
        assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/ready", "{name}");
        assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/health", "{name}");
        assert_eq!(
            c["securityContext"]["allowPrivilegeEscalation"], false,
            "{name}"
        );
        assert!(
            d["spec"]["replicas"].as_u64().unwrap() >= 2,
            "{name}: replicas"
        );
        let env = c["env"].as_array().cloned().unwrap_or_default();
        let db = env.iter().find(|e| e["name"] == "KC_DATABASE_URL");
        if uses_db {
            let from = &db.unwrap_or_else(|| panic!("{name}: KC_DATABASE_URL"))["valueFrom"];
            assert_eq!(from["secretKeyRef"]["name"], "kc-secrets", "{name}");
            let key = from["secretKeyRef"]["key"].as_str().unwrap();
            assert_eq!(key, format!("{name}-database-url"));
            let url = find(&docs, "Secret", "kc-secrets")["stringData"][key]
                .as_str()
                .unwrap();
            assert!(
                url.starts_with(&format!("postgres://kc_{name}:")),
                "{name} connects as its own role: {url}"
            );
        } else {
            assert!(db.is_none(), "{name} uses no database");
        }
        let s = find(&docs, "Service", &name);
        assert_eq!(s["spec"]["ports"][0]["port"], port, "{name}");
        assert_eq!(
            s["spec"]["selector"]["app.kubernetes.io/name"], name,
            "{name}"
        );
    }
    // The notifications workers connect as their own role.
    let c =
        &find(&docs, "Deployment", "notifications")["spec"]["template"]["spec"]["containers"][0];
    let worker = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "KC_WORKER_DATABASE_URL")
        .expect("KC_WORKER_DATABASE_URL");
    let key = worker["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap();
    let url = find(&docs, "Secret", "kc-secrets")["stringData"][key]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with("postgres://kc_notifications_worker:"),
        "{url}"
    );
    let job = find(&docs, "Job", "kc-migrate");
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["command"][0], "/usr/local/bin/kc-migrate");
    assert_eq!(c["command"][1], "up");
    // Identity signs with the key from its Secret, mounted as a file.
    let identity = &find(&docs, "Deployment", "identity")["spec"]["template"]["spec"];
    assert_eq!(
        identity["volumes"][1]["secret"]["secretName"],
        "kc-signing-key"
    );
    // Readable by the non-root user: through its group.
    assert_eq!(identity["securityContext"]["fsGroup"], 65532);
    assert_eq!(identity["volumes"][1]["secret"]["defaultMode"], 0o440);
}

/// The backend the Ingress sends `path` to: the longest matching prefix, by whole path segments.
fn routed<'a>(rules: &'a [(String, String)], path: &str) -> Option<&'a str> {
    rules
        .iter()
        .filter(|(prefix, _)| {
            prefix == "/"
                || path == prefix
                || path.starts_with(&format!("{}/", prefix.trim_end_matches('/')))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, service)| service.as_str())
}

#[tokio::test]
async fn the_ingress_sends_every_documented_path_to_its_service() {
    let docs = documents();
    let ingress = find(&docs, "Ingress", "khuyencong");
    let mut rules = Vec::new();
    for path in ingress["spec"]["rules"][0]["http"]["paths"]
        .as_array()
        .unwrap()
    {
        assert_eq!(path["pathType"], "Prefix");
        rules.push((
            path["path"].as_str().unwrap().to_owned(),
            path["backend"]["service"]["name"]
                .as_str()
                .unwrap()
                .to_owned(),
        ));
    }
    // Every backend is a service of the list, on its port.
    for (name, port, _) in services() {
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["backend"]["service"]["name"] == name.as_str())
        {
            assert_eq!(p["backend"]["service"]["port"]["number"], port, "{name}");
        }
    }
    assert_eq!(routed(&rules, "/ho-so/1"), Some("portal"));

    let system = System::start().await;
    let http = reqwest::Client::new();
    let mut checked = 0;
    for svc in &system.services {
        let doc = kc_e2e::openapi(&http, &svc.url("")).await;
        for path in doc["paths"].as_object().unwrap().keys() {
            // Every service answers these itself; the Ingress does not expose them by service.
            if ["/health", "/ready", "/api/v1/whoami"].contains(&path.as_str()) {
                continue;
            }
            assert_eq!(
                routed(&rules, path),
                Some(svc.name),
                "{} {path}: the Ingress sends it elsewhere",
                svc.name
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} paths");
}

/// The Dockerfile's stages: (base image, instructions).
fn stages(text: &str) -> Vec<(String, Vec<String>)> {
    let mut stages: Vec<(String, Vec<String>)> = Vec::new();
    let mut line = String::new();
    for raw in text.lines() {
        let t = raw.trim();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        line.push_str(t.trim_end_matches('\\'));
        line.push(' ');
        if t.ends_with('\\') {
            continue;
        }
        let instruction = std::mem::take(&mut line);
        let instruction = instruction.trim();
        if let Some(from) = instruction.strip_prefix("FROM ") {
            stages.push((
                from.split_whitespace().next().unwrap().to_owned(),
                Vec::new(),
            ));
        } else if let Some(s) = stages.last_mut() {
            s.1.push(instruction.to_owned());
        }
    }
    stages
}

#[test]
fn the_image_runs_as_a_non_root_user_on_a_small_base() {
    let text = std::fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap();
    let stages = stages(&text);
    assert!(stages.len() >= 2, "a multi-stage build: {stages:?}");
    let (base, last) = stages.last().unwrap();
    assert!(base.starts_with("gcr.io/distroless/"), "{base}");
    let user = last
        .iter()
        .rev()
        .find_map(|i| i.strip_prefix("USER "))
        .expect("the last stage names its user");
    let uid = user.split(':').next().unwrap();
    assert!(uid != "0" && uid != "root", "{user}");
    assert!(last.iter().any(|i| i.starts_with("ENTRYPOINT")), "{last:?}");
    // It builds the one service it is given, and kc-migrate for the migrations Job.
    let build = &stages[0].1.join("\n");
    assert!(
        build.contains("--bin \"kc-$SERVICE\" --bin kc-migrate"),
        "{build}"
    );
    // The build context leaves out the build's own output and local data.
    let ignore =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.dockerignore"))
            .unwrap();
    for entry in ["target", ".data"] {
        assert!(ignore.lines().any(|l| l == entry), "{entry}");
    }
}
