//! All SQL of the e-mails: recording them (with their outbox event, in the caller's transaction),
//! the mailer's reads and bookkeeping, the administrators' list and re-queue, senders and mutes.

use chrono::{DateTime, Utc};
use kc_db::{Tx, stmt};
use kc_events::EmailQueued;
use kc_kernel::{AttemptOutcome, DeliveryKind, DeliveryStatus, NoticeKind};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// The producer name of the e-mail events.
pub const PRODUCER: &str = "notifications";

/// An e-mail to record.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub key: String,
    pub province_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub obligation_id: Option<Uuid>,
    pub kind: DeliveryKind,
    pub to_address: String,
    pub to_name: Option<String>,
    pub from_name: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub calendar: Option<String>,
}

/// Record e-mails (those whose key exists already are skipped) and queue each new one for the mailer,
/// in `c`'s transaction: one statement for the rows, one for their events. `secret` is what the bodies'
/// `{{secret}}` stands for (the same for all of them; in practice one e-mail). Returns how many were
/// new.
pub async fn record<C: ConnectionTrait>(
    c: &C,
    mails: &[NewDelivery],
    secret: Option<&str>,
) -> Result<u64, DbErr> {
    if mails.is_empty() {
        return Ok(0);
    }
    let text = |v: Option<String>| v.unwrap_or_default();
    let col = |f: &dyn Fn(&NewDelivery) -> String| -> Vec<String> { mails.iter().map(f).collect() };
    let rows = c
        .query_all_raw(stmt(
            "INSERT INTO notifications.deliveries (id, key, province_id, user_id, obligation_id, kind,
                to_address, to_name, from_name, reply_to, subject, text_body, html_body, calendar)
             SELECT gen_random_uuid(), k, NULLIF(p, '')::uuid, NULLIF(u, '')::uuid, NULLIF(o, '')::uuid, kd,
                    ta, NULLIF(tn, ''), fn, NULLIF(rt, ''), su, tb, hb, NULLIF(ca, '')
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                           $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                           $13::text[]) AS x(k, p, u, o, kd, ta, tn, fn, rt, su, tb, hb, ca)
             ON CONFLICT (key) DO NOTHING
             RETURNING id, province_id",
            [
                col(&|m| m.key.clone()).into(),
                col(&|m| text(m.province_id.map(|v| v.to_string()))).into(),
                col(&|m| text(m.user_id.map(|v| v.to_string()))).into(),
                col(&|m| text(m.obligation_id.map(|v| v.to_string()))).into(),
                col(&|m| m.kind.as_str().to_owned()).into(),
                col(&|m| m.to_address.clone()).into(),
                col(&|m| text(m.to_name.clone())).into(),
                col(&|m| m.from_name.clone()).into(),
                col(&|m| text(m.reply_to.clone())).into(),
                col(&|m| m.subject.clone()).into(),
                col(&|m| m.text_body.clone()).into(),
                col(&|m| m.html_body.clone()).into(),
                col(&|m| text(m.calendar.clone())).into(),
            ],
        ))
        .await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        events.push(EmailQueued {
            delivery_id: r.try_get("", "id")?,
            province: r.try_get("", "province_id")?,
            round: 0,
            secret: secret.map(str::to_owned),
        });
    }
    kc_events::enqueue_many(c, PRODUCER, &events).await?;
    Ok(events.len() as u64)
}

/// An e-mail as the mailer reads it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Mail {
    pub id: Uuid,
    pub province_id: Option<Uuid>,
    pub status: DeliveryStatus,
    pub to_address: String,
    pub to_name: Option<String>,
    pub from_name: String,
    pub reply_to: Option<String>,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub calendar: Option<String>,
}

pub async fn mail<C: ConnectionTrait>(c: &C, id: Uuid) -> Result<Option<Mail>, DbErr> {
    Mail::find_by_statement(stmt(
        "SELECT id, province_id, status, to_address, to_name, from_name, reply_to, subject, text_body,
                html_body, calendar
           FROM notifications.deliveries WHERE id = $1",
        [id.into()],
    ))
    .one(c)
    .await
}

/// Log an attempt and set the e-mail's status after it: sent, still pending (a retry), or dead.
pub async fn settle<C: ConnectionTrait>(
    c: &C,
    m: &Mail,
    outcome: AttemptOutcome,
    detail: &str,
) -> Result<(), DbErr> {
    let detail: String = detail.chars().take(2000).collect();
    c.execute_raw(stmt(
        "WITH attempt AS (
           INSERT INTO notifications.delivery_attempts (delivery_id, province_id, outcome, detail)
           VALUES ($1, $2, $3, NULLIF($4, '')))
         UPDATE notifications.deliveries SET
           attempts = attempts + 1,
           status = CASE $3 WHEN 'sent' THEN 'sent' WHEN 'dead' THEN 'dead' ELSE status END,
           sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END,
           last_error = CASE WHEN $3 = 'sent' THEN last_error ELSE NULLIF($4, '') END
         WHERE id = $1",
        [
            m.id.into(),
            m.province_id.into(),
            outcome.into(),
            detail.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// An e-mail as administrators list it.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub kind: DeliveryKind,
    pub province_code: Option<String>,
    pub obligation_id: Option<Uuid>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub from_name: String,
    pub subject: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub requeued: i32,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// A page of the e-mails the caller sees (newest first), with the total.
pub async fn list(
    tx: &Tx,
    status: Option<DeliveryStatus>,
    limit: u64,
    offset: u64,
) -> Result<(Vec<DeliveryView>, i64), DbErr> {
    let items = DeliveryView::find_by_statement(stmt(
        "SELECT d.id, d.kind, a.code AS province_code, d.obligation_id, d.to_address, d.to_name,
                d.from_name, d.subject, d.status, d.attempts, d.last_error, d.requeued, d.created_at,
                d.sent_at
           FROM notifications.deliveries d LEFT JOIN identity.admin_units a ON a.id = d.province_id
          WHERE ($1::text IS NULL OR d.status = $1)
          ORDER BY d.created_at DESC, d.id LIMIT $2 OFFSET $3",
        [status.into(), (limit as i64).into(), (offset as i64).into()],
    ))
    .all(tx)
    .await?;
    let total = kc_db::count(
        tx,
        "SELECT count(*) AS n FROM notifications.deliveries WHERE ($1::text IS NULL OR status = $1)",
        [status.into()],
    )
    .await?;
    Ok((items, total))
}

/// Give the dead e-mails among `ids` that the caller sees a new series of attempts, each with a new
/// outbox event (its secret, if it had one, is gone). Returns the ids re-queued.
pub async fn requeue(tx: &Tx, ids: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
    let rows = tx
        .query_all_raw(stmt(
            "UPDATE notifications.deliveries SET status = 'pending', requeued = requeued + 1
              WHERE id = ANY($1) AND status = 'dead'
              RETURNING id, province_id, requeued",
            [ids.to_vec().into()],
        ))
        .await?;
    let mut events = Vec::new();
    for r in &rows {
        events.push(EmailQueued {
            delivery_id: r.try_get("", "id")?,
            province: r.try_get("", "province_id")?,
            round: r.try_get("", "requeued")?,
            secret: None,
        });
    }
    kc_events::enqueue_many(tx, PRODUCER, &events).await?;
    Ok(events.iter().map(|e| e.delivery_id).collect())
}

/// A province's sender.
#[derive(Debug, Clone, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Sender {
    pub province_id: Uuid,
    pub province_code: String,
    pub from_name: String,
    pub reply_to: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn senders<C: ConnectionTrait>(c: &C) -> Result<Vec<Sender>, DbErr> {
    Sender::find_by_statement(stmt(
        "SELECT s.province_id, a.code AS province_code, s.from_name, s.reply_to, s.updated_at
           FROM notifications.senders s JOIN identity.admin_units a ON a.id = s.province_id
          ORDER BY a.code",
        [],
    ))
    .all(c)
    .await
}

pub async fn set_sender(
    tx: &Tx,
    province: Uuid,
    from_name: &str,
    reply_to: Option<&str>,
    by: Uuid,
) -> Result<(), DbErr> {
    tx.execute_raw(stmt(
        "INSERT INTO notifications.senders (province_id, from_name, reply_to, updated_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (province_id) DO UPDATE SET from_name = $2, reply_to = $3, updated_by = $4,
                                                 updated_at = now()",
        [
            province.into(),
            from_name.into(),
            reply_to.into(),
            by.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The caller's muted kinds.
pub async fn mutes(tx: &Tx) -> Result<Vec<NoticeKind>, DbErr> {
    tx.query_all_raw(stmt(
        "SELECT kind FROM notifications.mutes ORDER BY kind",
        [],
    ))
    .await?
    .iter()
    .map(|r| r.try_get::<NoticeKind>("", "kind"))
    .collect()
}

/// Replace the caller's muted kinds.
pub async fn set_mutes(tx: &Tx, user: Uuid, kinds: &[NoticeKind]) -> Result<(), DbErr> {
    tx.execute_raw(stmt("DELETE FROM notifications.mutes", []))
        .await?;
    let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
    tx.execute_raw(stmt(
        "INSERT INTO notifications.mutes (user_id, kind) SELECT $1, k FROM unnest($2::text[]) k
         ON CONFLICT DO NOTHING",
        [user.into(), kinds.into()],
    ))
    .await?;
    Ok(())
}
