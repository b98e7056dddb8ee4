//! The one list of the system's services (`deploy/services.txt`), read at compile time: the run
//! command starts them from the same file, and the portal's status page shows them.

use std::sync::LazyLock;

/// One service of the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInfo {
    /// `identity`, `workflow`, ...: the binary is `kc-<name>`, its database role `kc_<name>`.
    pub name: &'static str,
    /// The default port (overridden by `KC_<NAME>_PORT`).
    pub port: u16,
    /// Whether it connects to the database.
    pub database: bool,
    /// What it does, in Vietnamese.
    pub label: &'static str,
}

impl ServiceInfo {
    /// The variable that overrides the port, e.g. `KC_WORKFLOW_PORT`.
    pub fn port_var(&self) -> String {
        format!("KC_{}_PORT", self.name.to_ascii_uppercase())
    }
    /// The variable that tells other services where this one is, e.g. `KC_IDENTITY_URL`.
    pub fn url_var(&self) -> String {
        format!("KC_{}_URL", self.name.to_ascii_uppercase())
    }
}

const LIST: &str = include_str!("../../../deploy/services.txt");

fn parse(text: &'static str) -> Vec<ServiceInfo> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            // Three words, then the label (which has spaces of its own).
            let mut rest = line;
            let mut word = || {
                let w = rest.split_whitespace().next().unwrap_or_default();
                rest = rest.trim_start()[w.len()..].trim_start();
                w
            };
            let name = word();
            let port = word().parse().unwrap_or(0);
            let database = word() == "yes";
            ServiceInfo {
                name,
                port,
                database,
                label: rest,
            }
        })
        .collect()
}

/// Every service, in the order the run command starts them.
pub fn all() -> &'static [ServiceInfo] {
    static ALL: LazyLock<Vec<ServiceInfo>> = LazyLock::new(|| parse(LIST));
    &ALL
}

/// The service of this name. Panics at start-up on a name missing from the list (a build mistake,
/// caught by this crate's tests).
pub fn info(name: &str) -> &'static ServiceInfo {
    all()
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("service {name} is not in deploy/services.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_names_five_services_with_distinct_ports() {
        let names: Vec<_> = all().iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "identity",
                "workflow",
                "registry",
                "notifications",
                "portal"
            ]
        );
        let mut ports: Vec<_> = all().iter().map(|s| s.port).collect();
        assert!(ports.iter().all(|p| *p >= 1024));
        ports.sort();
        ports.dedup();
        assert_eq!(ports.len(), 5);
        assert!(!info("portal").database);
        assert!(info("identity").database);
        assert_eq!(info("registry").label, "Cơ sở dữ liệu cụm công nghiệp");
        assert_eq!(info("workflow").port_var(), "KC_WORKFLOW_PORT");
    }
}
