//! All SQL of the calendar feeds.

use crate::obligations::store::{ObligationView, owed_by_or_to};
use chrono::{DateTime, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::Role;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// The caller's feed, as its owner sees it (never its secret, which is shown once).
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct FeedInfo {
    pub created_at: DateTime<Utc>,
    /// When a calendar last read it.
    pub last_read_at: Option<DateTime<Utc>>,
}

/// Who made a feed, and the tenant they had.
#[derive(Debug, Clone, FromQueryResult)]
pub struct FeedOwner {
    pub user_id: Uuid,
    pub role: Role,
    pub province_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub session_version: i32,
}

/// What a new feed records.
pub struct NewFeed<'a> {
    pub token_hash: &'a [u8],
    pub owner: FeedOwner,
}

/// Make the caller's feed, replacing any earlier one (whose address stops working).
pub async fn put(tx: &Tx, f: &NewFeed<'_>) -> Result<FeedInfo, DbErr> {
    let o = &f.owner;
    FeedInfo::find_by_statement(stmt(
        "INSERT INTO notifications.feeds (user_id, token_hash, role, province_id, organisation_id,
                session_version)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, role = EXCLUDED.role,
                province_id = EXCLUDED.province_id, organisation_id = EXCLUDED.organisation_id,
                session_version = EXCLUDED.session_version, created_at = now(), last_read_at = NULL
         RETURNING created_at, last_read_at",
        [
            o.user_id.into(),
            f.token_hash.to_vec().into(),
            o.role.into(),
            o.province_id.into(),
            o.organisation_id.into(),
            o.session_version.into(),
        ],
    ))
    .one(tx)
    .await?
    .ok_or_else(|| DbErr::RecordNotInserted)
}

/// The caller's feed, if they have one.
pub async fn mine(tx: &Tx) -> Result<Option<FeedInfo>, DbErr> {
    FeedInfo::find_by_statement(stmt(
        "SELECT created_at, last_read_at FROM notifications.feeds",
        [],
    ))
    .one(tx)
    .await
}

/// Revoke the caller's feed; whether there was one.
pub async fn delete(tx: &Tx) -> Result<bool, DbErr> {
    let r = tx
        .execute_raw(stmt("DELETE FROM notifications.feeds", []))
        .await?;
    Ok(r.rows_affected() > 0)
}

/// The owner of the feed whose secret hashes to `hash`, in the transaction that holds the hash
/// (`kc_auth::Anyone::begin_for_secret`): row-level security shows it that one feed.
pub async fn owner_of(tx: &Tx, hash: &[u8]) -> Result<Option<FeedOwner>, DbErr> {
    FeedOwner::find_by_statement(stmt(
        "SELECT user_id, role, province_id, organisation_id, session_version
           FROM notifications.feeds WHERE token_hash = $1",
        [hash.to_vec().into()],
    ))
    .one(tx)
    .await
}

/// What the owner's feed lists (in the owner's tenant), and the note that a calendar read it.
pub async fn read(tx: &Tx, owner: &FeedOwner) -> Result<Vec<ObligationView>, DbErr> {
    tx.execute_raw(stmt(
        "UPDATE notifications.feeds SET last_read_at = now() WHERE user_id = $1",
        [owner.user_id.into()],
    ))
    .await?;
    owed_by_or_to(tx, owner.organisation_id, owner.province_id, FEED_LIMIT).await
}

/// The most events a feed lists (the soonest due).
pub const FEED_LIMIT: u64 = 2000;
