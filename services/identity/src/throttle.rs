//! Login throttling, one mechanism for every subject:
//!
//! - `account:<e-mail>`: after N wrong passwords within a window the e-mail is locked for a while,
//!   whether or not an account exists for it (so a lock reveals nothing); a correct login clears it;
//! - `addr:<client address>`: after M wrong passwords within a window the address is locked, whichever
//!   e-mails it tried;
//! - `register:<address>`, `reset:<address>`: actions that cost a password hash or an e-mail, counted
//!   and capped per address.
//!
//! A login attempt is reserved *before* the password is checked (`pending`), under a row lock, and may
//! proceed only while failures + attempts in flight stay below the limit: parallel guesses cannot slip
//! past it. Too many in flight is a short 429 (slow down); only real failures lock (429 with
//! `Retry-After` until the lock expires). When an account's lock expires its owner can log in again from
//! any address that is not itself locked. Counters live in the database, so every replica sees them.
//! Within a transaction, rows are always touched in the order address, then e-mail.

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

/// The outcome of a reservation or a counted action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Too many attempts in flight at once: try again in a second (no lock).
    Busy,
    /// Locked until the lock expires.
    Locked {
        retry_after_secs: u64,
    },
}

impl Attempt {
    /// The 429 for a refused attempt.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Attempt::Allowed => None,
            Attempt::Busy => Some(1),
            Attempt::Locked { retry_after_secs } => Some(*retry_after_secs),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct Row {
    failures: i32,
    pending: i32,
    expired: bool,
    locked_until: Option<DateTime<Utc>>,
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

    /// Other unauthenticated actions that cost a password hash or an e-mail, per client address:
    /// `what` names the action.
    pub fn action(what: &str, addr: &str, p: &LockoutPolicy) -> Subject {
        Subject {
            key: format!("{what}:{addr}"),
            max_failures: p.addr_failures,
            window: p.addr_window,
            lock: p.addr_lock,
        }
    }

    /// The subject's row, created if missing and locked until the transaction ends; `expired` says
    /// whether its window is over (its counts no longer matter).
    async fn lock_row<C: ConnectionTrait>(&self, conn: &C) -> Result<Row, DbErr> {
        conn.execute_raw(stmt(
            "INSERT INTO identity.login_throttle (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING",
            [self.key.clone().into()],
        ))
        .await?;
        let row = Row::find_by_statement(stmt(
            "SELECT failures, pending, locked_until,
                    window_start < now() - make_interval(secs => $2) AS expired
               FROM identity.login_throttle WHERE subject = $1 FOR UPDATE",
            [self.key.clone().into(), self.window.as_secs_f64().into()],
        ))
        .one(conn)
        .await?;
        row.ok_or_else(|| DbErr::RecordNotFound(self.key.clone()))
    }

    /// Reserve a login attempt before the password is checked. Follow with [`Subject::failed`] or
    /// [`Subject::succeeded`].
    pub async fn attempt<C: ConnectionTrait>(&self, conn: &C) -> Result<Attempt, DbErr> {
        let row = self.lock_row(conn).await?;
        if let Some(wait) = row.locked_until.and_then(remaining) {
            return Ok(Attempt::Locked {
                retry_after_secs: wait,
            });
        }
        let (failures, pending) = if row.expired {
            (0, 0)
        } else {
            (row.failures, row.pending)
        };
        if failures + pending >= self.max_failures {
            return Ok(Attempt::Busy);
        }
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle SET failures = $2, pending = $3 + 1,
                    window_start = CASE WHEN $4 THEN now() ELSE window_start END
              WHERE subject = $1",
            [
                self.key.clone().into(),
                failures.into(),
                pending.into(),
                row.expired.into(),
            ],
        ))
        .await?;
        Ok(Attempt::Allowed)
    }

    /// The reserved attempt failed; true when this failure locked the subject.
    pub async fn failed<C: ConnectionTrait>(&self, conn: &C) -> Result<bool, DbErr> {
        #[derive(FromQueryResult)]
        struct Count {
            failures: i32,
        }
        let row = Count::find_by_statement(stmt(
            "UPDATE identity.login_throttle
                SET pending = greatest(pending - 1, 0), failures = failures + 1
              WHERE subject = $1 RETURNING failures",
            [self.key.clone().into()],
        ))
        .one(conn)
        .await?;
        if row.is_some_and(|r| r.failures >= self.max_failures) {
            self.set_lock(conn).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Give a reserved attempt back without counting it (the other subject refused it, or the
    /// password was right: an address keeps its other failures).
    pub async fn release<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle SET pending = greatest(pending - 1, 0) WHERE subject = $1",
            [self.key.clone().into()],
        ))
        .await?;
        Ok(())
    }

    /// The reserved attempt was the right password for this e-mail: its failures are forgotten.
    pub async fn succeeded<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle SET pending = greatest(pending - 1, 0), failures = 0
              WHERE subject = $1",
            [self.key.clone().into()],
        ))
        .await?;
        Ok(())
    }

    /// Count one action (registration, reset request); refused once the window's quota is used.
    pub async fn hit<C: ConnectionTrait>(&self, conn: &C) -> Result<Attempt, DbErr> {
        let row = self.lock_row(conn).await?;
        if let Some(wait) = row.locked_until.and_then(remaining) {
            return Ok(Attempt::Locked {
                retry_after_secs: wait,
            });
        }
        let count = if row.expired { 1 } else { row.failures + 1 };
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle SET failures = $2,
                    window_start = CASE WHEN $3 THEN now() ELSE window_start END
              WHERE subject = $1",
            [self.key.clone().into(), count.into(), row.expired.into()],
        ))
        .await?;
        if count > self.max_failures {
            self.set_lock(conn).await?;
            return Ok(Attempt::Locked {
                retry_after_secs: self.lock.as_secs().max(1),
            });
        }
        Ok(Attempt::Allowed)
    }

    /// Forget everything about the subject (a password reset clears its e-mail's lock).
    pub async fn clear<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "DELETE FROM identity.login_throttle WHERE subject = $1",
            [self.key.clone().into()],
        ))
        .await?;
        Ok(())
    }

    async fn set_lock<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle
                SET locked_until = now() + make_interval(secs => $2), failures = 0, window_start = now()
              WHERE subject = $1",
            [self.key.clone().into(), self.lock.as_secs_f64().into()],
        ))
        .await?;
        Ok(())
    }
}

/// Seconds left until `until`, if it is in the future.
pub fn remaining(until: DateTime<Utc>) -> Option<u64> {
    let left = (until - Utc::now()).num_milliseconds();
    (left > 0).then(|| (left as u64).div_ceil(1000))
}
