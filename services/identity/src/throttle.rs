//! Login throttling. Two independent counters:
//!
//! - per account (`identity.users.failed_logins` / `locked_until`): after N failures in a row the account
//!   is locked for a while; any correct login resets the counter;
//! - per client address (`identity.login_throttle`): after M failures within a window the address is
//!   locked, whichever accounts it tried.
//!
//! A locked account or address gets 429 with `Retry-After`. When an account's lock expires, its owner
//! can log in again from any address that is not itself locked. Counters live in the database, so every
//! replica of the service sees the same ones.

use crate::config::LockoutPolicy;
use chrono::{DateTime, Utc};
use kc_db::stmt;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

/// Seconds until this address may try again, if it is locked now.
pub async fn addr_locked<C: ConnectionTrait>(conn: &C, addr: &str) -> Result<Option<u64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        locked_until: Option<DateTime<Utc>>,
    }
    let row = Row::find_by_statement(stmt(
        "SELECT locked_until FROM identity.login_throttle WHERE client_addr = $1",
        [addr.into()],
    ))
    .one(conn)
    .await?;
    Ok(row.and_then(|r| r.locked_until).and_then(remaining))
}

/// Seconds left until `until`, if it is in the future.
pub fn remaining(until: DateTime<Utc>) -> Option<u64> {
    let left = (until - Utc::now()).num_milliseconds();
    (left > 0).then(|| (left as u64).div_ceil(1000))
}

/// Count a failure from an address; true when this failure locked it.
pub async fn addr_failed<C: ConnectionTrait>(
    conn: &C,
    addr: &str,
    policy: &LockoutPolicy,
) -> Result<bool, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        locked: bool,
    }
    let row = Row::find_by_statement(stmt(
        "INSERT INTO identity.login_throttle AS t (client_addr, failures, window_start)
         VALUES ($1, 1, now())
         ON CONFLICT (client_addr) DO UPDATE SET
           failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
           window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END
         RETURNING failures >= $3 AS locked",
        [
            addr.into(),
            (policy.addr_window.as_secs() as f64).into(),
            policy.addr_failures.into(),
        ],
    ))
    .one(conn)
    .await?;
    let locked = row.is_some_and(|r| r.locked);
    if locked {
        conn.execute_raw(stmt(
            "UPDATE identity.login_throttle
                SET locked_until = now() + make_interval(secs => $2), failures = 0, window_start = now()
              WHERE client_addr = $1",
            [addr.into(), (policy.addr_lock.as_secs() as f64).into()],
        ))
        .await?;
    }
    Ok(locked)
}

/// Count a failure on an account; true when this failure locked it.
pub async fn account_failed<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    policy: &LockoutPolicy,
) -> Result<bool, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        locked: bool,
    }
    let row = Row::find_by_statement(stmt(
        "UPDATE identity.users SET
           failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
           locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
         WHERE id = $1
         RETURNING locked_until IS NOT NULL AND locked_until > now() AS locked",
        [
            user.into(),
            policy.account_failures.into(),
            (policy.account_lock.as_secs_f64()).into(),
        ],
    ))
    .one(conn)
    .await?;
    Ok(row.is_some_and(|r| r.locked))
}

pub async fn account_succeeded<C: ConnectionTrait>(conn: &C, user: Uuid) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "UPDATE identity.users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        [user.into()],
    ))
    .await?;
    Ok(())
}
