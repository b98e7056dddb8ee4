//! Configuration, read once at start-up from the environment through one helper, [`Env`]: every
//! missing or malformed variable is named in one error, and secrets have no default in production.

use anyhow::bail;
use std::str::FromStr;
use std::time::Duration;

/// `KC_MODE`: `production` (the default) or `dev` (the run command and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Production,
}

/// The environment, read variable by variable; problems are collected and reported together by
/// [`Env::finish`].
pub struct Env {
    mode: Mode,
    problems: Vec<String>,
}

impl Env {
    pub fn from_process() -> anyhow::Result<Env> {
        let mode = match var("KC_MODE").as_deref() {
            Some("dev") | Some("development") => Mode::Dev,
            Some("production") | None => Mode::Production,
            Some(other) => bail!("KC_MODE must be 'dev' or 'production', got {other}"),
        };
        Ok(Env {
            mode,
            problems: Vec::new(),
        })
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A variable's value, if set and not blank.
    pub fn get(&self, name: &str) -> Option<String> {
        var(name)
    }

    /// A variable that must be set; `what` says what it is and gives an example.
    pub fn required(&mut self, name: &str, what: &str) -> String {
        var(name).unwrap_or_else(|| {
            self.problems.push(format!("{name} is required: {what}"));
            String::new()
        })
    }

    /// A secret: required in production; in development mode `dev_default` makes one.
    pub fn secret(
        &mut self,
        name: &str,
        what: &str,
        dev_default: impl FnOnce() -> anyhow::Result<String>,
    ) -> String {
        match (var(name), self.mode) {
            (Some(v), _) => v,
            (None, Mode::Production) => {
                self.problems
                    .push(format!("{name} is required in production mode: {what}"));
                String::new()
            }
            (None, Mode::Dev) => dev_default().unwrap_or_else(|e| {
                self.problems.push(format!("{name}: {e:#}"));
                String::new()
            }),
        }
    }

    /// Record a problem found while reading a variable (an unreadable file it names, say).
    pub fn problem(&mut self, message: String) {
        self.problems.push(message);
    }

    /// A parsed variable with a default.
    pub fn or<T: FromStr>(&mut self, name: &str, default: T) -> T {
        match var(name) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                self.problems.push(format!("{name} is not valid: {v:?}"));
                default
            }),
        }
    }

    /// A number of seconds with a default.
    pub fn seconds(&mut self, name: &str, default: Duration) -> Duration {
        Duration::from_secs(self.or(name, default.as_secs()))
    }

    /// Every problem found, in one error; `Ok` when there is none.
    pub fn finish(self) -> anyhow::Result<()> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            bail!("{}", self.problems.join("; "))
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
