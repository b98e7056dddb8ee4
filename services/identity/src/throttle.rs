//! Login throttling, one mechanism for two subjects:
//!
//! - `account:<e-mail>`: after N failures within a window the e-mail is locked for a while, whether or
//!   not an account exists for it (so a lock reveals nothing); a successful login clears it;
//! - `addr:<client address>`: after M failures within a window the address is locked, whichever
//!   e-mails it tried.
//!
//! Every attempt is counted *before* the password is checked (so parallel guesses cannot slip past the
//! limit); a successful login gives its attempt back. A locked subject gets 429 with `Retry-After`. When an account's lock expires its owner can log in
//! again from any address that is not itself locked. Counters live in the database, so every replica of
//! the service sees the same ones.

use crate::config::LockoutPolicy;
use chrono::{DateTime, Utc};
use kc_db::stmt;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use std::time::Duration;

/// One throttled subject and its limits.
pub struct Subject {
    key: String,
    max_failures: i32,
    window: Duration,
    lock: Duration,
}

impl Subject {
    pub fn account(email: &str, p: &LockoutPolicy) -> Subject {
        Subject {
            key: format!("account:{email}"),
            max_failures: p.account_failures,
            window: p.account_window,
            lock: p.account_lock,
        }
    }

    pub fn addr(addr: &str, p: &LockoutPolicy) -> Subject {
        Subject {
            key: format!("addr:{addr}"),
            max_failures: p.addr_failures,
            window: p.addr_window,
            lock: p.addr_lock,
        }
    }

    /// Other unauthenticated actions that cost a password hash or an e-mail (registration, password
    /// reset requests), per client address: `what` names the action.
    pub fn action(what: &str, addr: &str, p: &LockoutPolicy) -> Subject {
        Subject {
            key: format!("{what}:{addr}"),
            max_failures: p.addr_failures,
            window: p.addr_window,
            lock: p.addr_lock,
        }
    }

    /// Count an attempt before the password is checked, atomically (the row stays locked until the
    /// transaction commits), so that parallel attempts cannot slip past the limit. A successful login
    /// gives its attempt back with [`Subject::succeeded`].
    pub async fn attempt<C: ConnectionTrait>(&self, conn: &C) -> Result<Attempt, DbErr> {
        #[derive(FromQueryResult)]
        struct Row {
            failures: i32,
            locked_until: Option<DateTime<Utc>>,
        }
        let row = Row::find_by_statement(stmt(
            "INSERT INTO identity.login_throttle AS t (subject, failures, window_start)
             VALUES ($1, 1, now())
             ON CONFLICT (subject) DO UPDATE SET
               failures = CASE WHEN t.locked_until > now() THEN t.failures
                               WHEN t.window_start < now() - make_interval(secs => $2) THEN 1
                               ELSE t.failures + 1 END,
               window_start = CASE WHEN t.locked_until > now() THEN t.window_start
                                   WHEN t.window_start < now() - make_interval(secs => $2) THEN now()
                                   ELSE t.window_start END
             RETURNING failures, locked_until",
            [self.key.clone().into(), self.window.as_secs_f64().into()],
        ))
        .one(conn)
        .await?;
        let Some(row) = row else {
            return Ok(Attempt::Allowed);
        };
        if let Some(wait) = row.locked_until.and_then(remaining) {
            return Ok(Attempt::Locked {
                retry_after_secs: wait,
                just_locked: false,
            });
        }
        if row.failures > self.max_failures {
            conn.execute_raw(stmt(
                "UPDATE identity.login_throttle
                    SET locked_until = now() + make_interval(secs => $2), failures = 0, window_start = now()
                  WHERE subject = $1",
                [self.key.clone().into(), self.lock.as_secs_f64().into()],
            ))
            .await?;
            return Ok(Attempt::Locked {
                retry_after_secs: self.lock.as_secs().max(1),
                just_locked: true,
            });
        }
        Ok(Attempt::Allowed)
    }

    /// The attempt succeeded: it does not count as a failure.
    pub async fn succeeded<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle SET failures = greatest(failures - 1, 0)
              WHERE subject = $1 AND (locked_until IS NULL OR locked_until <= now())",
            [self.key.clone().into()],
        ))
        .await?;
        Ok(())
    }

    /// Forget every failure (a successful login on an account, a password reset).
    pub async fn clear<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "DELETE FROM identity.login_throttle WHERE subject = $1",
            [self.key.clone().into()],
        ))
        .await?;
        Ok(())
    }
}

/// The outcome of [`Subject::attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    Locked {
        retry_after_secs: u64,
        /// This attempt set the lock (audit it once).
        just_locked: bool,
    },
}

/// Seconds left until `until`, if it is in the future.
pub fn remaining(until: DateTime<Utc>) -> Option<u64> {
    let left = (until - Utc::now()).num_milliseconds();
    (left > 0).then(|| (left as u64).div_ceil(1000))
}
