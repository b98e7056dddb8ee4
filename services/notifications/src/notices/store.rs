//! All SQL of the notices.

use chrono::{DateTime, NaiveDate, Utc};
use kc_db::{Tx, stmt};
use kc_kernel::NoticeKind;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub kind: NoticeKind,
    /// About a legal deadline.
    pub legal: bool,
    pub title: String,
    pub body: String,
    pub obligation_id: Option<Uuid>,
    pub due_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of the caller's notices, newest first, with the total and the unread count.
pub async fn list(
    tx: &Tx,
    unread_only: bool,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Notice>, i64), DbErr> {
    let items = Notice::find_by_statement(stmt(
        "SELECT id, kind, legal, title, body, obligation_id, due_date, created_at, read_at
           FROM notifications.notices WHERE (NOT $1 OR read_at IS NULL)
          ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
        [
            unread_only.into(),
            (limit as i64).into(),
            (offset as i64).into(),
        ],
    ))
    .all(tx)
    .await?;
    let total = count(tx, unread_only).await?;
    Ok((items, total))
}

/// How many notices the caller has (unread only, or all).
pub async fn count(tx: &Tx, unread_only: bool) -> Result<i64, DbErr> {
    kc_db::count(
        tx,
        "SELECT count(*) AS n FROM notifications.notices WHERE (NOT $1 OR read_at IS NULL)",
        [unread_only.into()],
    )
    .await
}

/// Mark the caller's notices read: those of `ids`, or all when `ids` is none. How many changed.
pub async fn mark_read(tx: &Tx, ids: Option<&[Uuid]>) -> Result<u64, DbErr> {
    let r = tx
        .execute_raw(stmt(
            "UPDATE notifications.notices SET read_at = now()
              WHERE read_at IS NULL AND ($1::uuid[] IS NULL OR id = ANY($1))",
            [ids.map(<[Uuid]>::to_vec).into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// A notice to add (the scheduler).
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub key: String,
    pub user_id: Uuid,
    pub province_id: Option<Uuid>,
    pub obligation_id: Option<Uuid>,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub due_date: Option<NaiveDate>,
}

/// Add notices in one statement; those whose key exists already are skipped. How many were added.
pub async fn add<C: ConnectionTrait>(c: &C, notices: &[NewNotice]) -> Result<u64, DbErr> {
    if notices.is_empty() {
        return Ok(0);
    }
    let keys: Vec<String> = notices.iter().map(|n| n.key.clone()).collect();
    let users: Vec<Uuid> = notices.iter().map(|n| n.user_id).collect();
    // Optional values travel as text, '' for none (NULLIF below).
    let text = |v: Option<String>| v.unwrap_or_default();
    let provinces: Vec<String> = notices
        .iter()
        .map(|n| text(n.province_id.map(|u| u.to_string())))
        .collect();
    let obligations: Vec<String> = notices
        .iter()
        .map(|n| text(n.obligation_id.map(|u| u.to_string())))
        .collect();
    let kinds: Vec<String> = notices.iter().map(|n| n.kind.as_str().to_owned()).collect();
    let legal: Vec<bool> = notices.iter().map(|n| n.kind.is_legal_deadline()).collect();
    let titles: Vec<String> = notices.iter().map(|n| n.title.clone()).collect();
    let bodies: Vec<String> = notices.iter().map(|n| n.body.clone()).collect();
    let dues: Vec<String> = notices
        .iter()
        .map(|n| text(n.due_date.map(|d| d.to_string())))
        .collect();
    let r = c
        .execute_raw(stmt(
            "INSERT INTO notifications.notices (id, key, user_id, province_id, obligation_id, kind, legal,
                                               title, body, due_date)
             SELECT gen_random_uuid(), k, u, NULLIF(p, '')::uuid, NULLIF(o, '')::uuid, t, l, ti, b,
                    NULLIF(d, '')::date
               FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                           $7::text[], $8::text[], $9::bool[]) AS x(k, u, p, o, t, ti, b, d, l)
             ON CONFLICT (key) DO NOTHING",
            [
                keys.into(),
                users.into(),
                provinces.into(),
                obligations.into(),
                kinds.into(),
                titles.into(),
                bodies.into(),
                dues.into(),
                legal.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected())
}
