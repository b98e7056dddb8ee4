//! Login throttling, one mechanism for two subjects:
//!
//! - `account:<e-mail>`: after N failures within a window the e-mail is locked for a while, whether or
//!   not an account exists for it (so a lock reveals nothing); a successful login clears it;
//! - `addr:<client address>`: after M failures within a window the address is locked, whichever
//!   e-mails it tried.
//!
//! A locked subject gets 429 with `Retry-After`. When an account's lock expires its owner can log in
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

    /// Seconds until this subject may try again, if it is locked now.
    pub async fn locked<C: ConnectionTrait>(&self, conn: &C) -> Result<Option<u64>, DbErr> {
        #[derive(FromQueryResult)]
        struct Row {
            locked_until: Option<DateTime<Utc>>,
        }
        let row = Row::find_by_statement(stmt(
            "SELECT locked_until FROM identity.login_throttle WHERE subject = $1",
            [self.key.clone().into()],
        ))
        .one(conn)
        .await?;
        Ok(row.and_then(|r| r.locked_until).and_then(remaining))
    }

    /// Count a failure; true when this failure locked the subject.
    pub async fn failed<C: ConnectionTrait>(&self, conn: &C) -> Result<bool, DbErr> {
        #[derive(FromQueryResult)]
        struct Row {
            locked: bool,
        }
        let row = Row::find_by_statement(stmt(
            "INSERT INTO identity.login_throttle AS t (subject, failures, window_start)
             VALUES ($1, 1, now())
             ON CONFLICT (subject) DO UPDATE SET
               failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
               window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END
             RETURNING failures >= $3 AS locked",
            [
                self.key.clone().into(),
                self.window.as_secs_f64().into(),
                self.max_failures.into(),
            ],
        ))
        .one(conn)
        .await?;
        let locked = row.is_some_and(|r| r.locked);
        if locked {
            conn.execute_raw(stmt(
                "UPDATE identity.login_throttle
                    SET locked_until = now() + make_interval(secs => $2), failures = 0, window_start = now()
                  WHERE subject = $1",
                [self.key.clone().into(), self.lock.as_secs_f64().into()],
            ))
            .await?;
        }
        Ok(locked)
    }

    /// Forget the failures (a successful login, a password reset).
    pub async fn clear<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        conn.execute_raw(stmt(
            "DELETE FROM identity.login_throttle WHERE subject = $1",
            [self.key.clone().into()],
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
