//! The reminder scheduler: one pass for a day (the [`crate::clock`]'s today), safe with any number of
//! replicas running at once, under the worker role.
//!
//! A pass
//! 1. opens the obligations of the duties opened by the calendar (plan registration, the province's
//!    registration, the extension reports) for every active centre or department, once the period's
//!    due date is near (its first reminder, or 30 days ahead);
//! 2. marks overdue the obligations still owed after their due date;
//! 3. claims, in batches, the obligations whose next step has come (`next_step_on <= today`,
//!    `FOR UPDATE SKIP LOCKED`: a replica skips what another holds), and in the same transaction adds
//!    the in-app notices their steps call for and moves each to its next step (`last_step_on`,
//!    `notifications.next_step`). A notice's key names the obligation, the step and the user, so even
//!    a repeated pass adds nothing twice;
//! 4. gives each ministry user, once a day, a digest of the overdue obligations per province;
//! 5. adds what it did to its day's record (`notifications.scheduler_passes`, shown with the clock).
//!
//! Every notice is also an e-mail (recorded and queued in the same transaction, sent by the mailer),
//! with the deadline, a link and the deadline as an iCalendar attachment, from the province's sender;
//! unless the user muted that kind of notice and it is not a legal deadline.
//!
//! When passes were missed (the service was down), a claim finds several steps due at once: the party
//! gets one notice, the latest, and each level above its latest escalation ([`to_send`]).

use crate::clock;
use crate::duties::{Audience, store as duties};
use crate::mail::MailConfig;
use crate::mail::compose::{Letter, deadline_calendar, deadline_event, render};
use crate::mail::store::{self as mail, NewDelivery};
use crate::notices::store::{self as notices, NewNotice};
use crate::obligations::store::{self as obligations, NewObligation, key};
use chrono::NaiveDate;
use kc_db::stmt;
use kc_kernel::{DutyLevel, NoticeKind, format_date_vn};
use kc_outbox::CancellationToken;
use kc_service::Mode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use uuid::Uuid;

/// Obligations claimed per transaction.
pub const BATCH: u64 = 500;

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Obligations opened from the calendar's duties.
    pub opened: u64,
    /// Marked overdue.
    pub overdue: u64,
    /// Obligations whose steps were dealt with.
    pub stepped: u64,
    /// Notices added (reminders, overdue, escalations, digests).
    pub notices: u64,
    /// E-mails recorded and queued.
    pub emails: u64,
}

/// Run a pass every `interval` until `stop`.
pub async fn run(
    db: DatabaseConnection,
    mode: Mode,
    mail: MailConfig,
    interval: Duration,
    stop: CancellationToken,
) {
    tracing::info!(?interval, "scheduler started");
    while !stop.is_cancelled() {
        match clock::today(&db, mode).await {
            Ok(today) => match pass(&db, today, &mail).await {
                Ok(r) if r == PassReport::default() => {}
                Ok(r) => tracing::info!(%today, ?r, "scheduler pass"),
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed"),
            },
            Err(e) => tracing::warn!(error = %e, "scheduler: no clock"),
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(interval) => {}
        }
    }
    tracing::info!("scheduler stopped");
}

/// One pass for `today`.
pub async fn pass(
    db: &DatabaseConnection,
    today: NaiveDate,
    mail: &MailConfig,
) -> Result<PassReport, DbErr> {
    let mut r = PassReport {
        opened: open_from_calendar(db, today).await?,
        overdue: mark_overdue(db, today).await?,
        ..PassReport::default()
    };
    loop {
        let (stepped, added, emails) = step_batch(db, today, BATCH, mail).await?;
        r.stepped += stepped;
        r.notices += added;
        r.emails += emails;
        if stepped < BATCH {
            break;
        }
    }
    let (added, emails) = digest(db, today, mail).await?;
    r.notices += added;
    r.emails += emails;
    record(db, today, &r).await?;
    Ok(r)
}

/// Add a finished pass to its day's record (shown with the clock).
async fn record(db: &DatabaseConnection, today: NaiveDate, r: &PassReport) -> Result<(), DbErr> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    db.execute_raw(stmt(
        "INSERT INTO notifications.scheduler_passes
                (day, passes, finished_at, opened, overdue, stepped, notices, emails)
         VALUES ($1, 1, clock_timestamp(), $2, $3, $4, $5, $6)
         ON CONFLICT (day) DO UPDATE SET passes = scheduler_passes.passes + 1,
                finished_at = EXCLUDED.finished_at,
                opened = scheduler_passes.opened + EXCLUDED.opened,
                overdue = scheduler_passes.overdue + EXCLUDED.overdue,
                stepped = scheduler_passes.stepped + EXCLUDED.stepped,
                notices = scheduler_passes.notices + EXCLUDED.notices,
                emails = scheduler_passes.emails + EXCLUDED.emails",
        [
            today.into(),
            n(r.opened).into(),
            n(r.overdue).into(),
            n(r.stepped).into(),
            n(r.notices).into(),
            n(r.emails).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// How many days before a calendar duty's due date its obligations open: its first reminder's, and
/// at least 30.
fn lead_days(offsets: &[i32]) -> i64 {
    i64::from(
        offsets
            .iter()
            .copied()
            .min()
            .unwrap_or(0)
            .min(0)
            .unsigned_abs(),
    )
    .max(30)
}

async fn open_from_calendar(db: &DatabaseConnection, today: NaiveDate) -> Result<u64, DbErr> {
    let tx = db.begin().await?;
    let mut opened = 0;
    for national in duties::calendar_duties(&tx, today).await? {
        let Some((year, due)) = national.next_period(today) else {
            continue;
        };
        if (due - today).num_days() > lead_days(&national.offsets) {
            continue;
        }
        // Enterprises' duties open on events (their reports, their cases), never for all.
        let kind = match national.reporter {
            DutyLevel::Centre | DutyLevel::Department => national.reporter.org_kind().as_str(),
            DutyLevel::Enterprise | DutyLevel::Ministry => continue,
        };
        let parties = tx
            .query_all_raw(stmt(
                "SELECT id, province_id FROM identity.organisations
                  WHERE kind = $1 AND status = 'active' AND province_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM notifications.obligations o
                                     WHERE o.duty_code = $2 AND o.period = $3
                                       AND o.organisation_id = identity.organisations.id)",
                [
                    kind.into(),
                    national.code.clone().into(),
                    year.to_string().into(),
                ],
            ))
            .await?;
        // The provinces' own versions (their offsets), where they have one.
        let local = duties::province_versions(&tx, &national.code, today).await?;
        for p in parties {
            let org: Uuid = p.try_get("", "id")?;
            let province: Uuid = p.try_get("", "province_id")?;
            let duty = local.get(&province).unwrap_or(&national);
            let period = year.to_string();
            if obligations::open(
                &tx,
                &NewObligation {
                    duty,
                    province,
                    organisation: org,
                    for_org: None,
                    subject: None,
                    period: period.clone(),
                    base_due: due,
                    dedup_key: key(&duty.code, org, None, &period),
                    opened_by_event: None,
                },
            )
            .await?
            {
                opened += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(opened)
}

async fn mark_overdue(db: &DatabaseConnection, today: NaiveDate) -> Result<u64, DbErr> {
    let r = db
        .execute_raw(stmt(
            "UPDATE notifications.obligations SET state = 'overdue', updated_at = now()
              WHERE state = 'open' AND due_date < $1",
            [today.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// A step of a claimed obligation that has come.
#[derive(Debug, Clone, FromQueryResult)]
struct DueStep {
    id: Uuid,
    province_id: Uuid,
    organisation_id: Uuid,
    organisation_name: Option<String>,
    title: String,
    period: String,
    subject_label: Option<String>,
    legal_basis: String,
    recipient: DutyLevel,
    due_date: NaiveDate,
    days: i32,
    audience: String,
}

/// Of the steps that have come for one obligation (since its last pass), those to act on: the
/// party's latest, and each level's latest.
pub fn to_send(steps: &[(i32, Audience)]) -> Vec<(i32, Audience)> {
    let mut latest: Vec<(i32, Audience)> = Vec::new();
    for &(days, who) in steps {
        match latest.iter_mut().find(|(_, w)| *w == who) {
            Some(slot) if slot.0 < days => slot.0 = days,
            Some(_) => {}
            None => latest.push((days, who)),
        }
    }
    latest.sort_by_key(|(d, _)| *d);
    latest
}

/// A recipient's address and name.
struct Recipient {
    email: String,
    name: String,
}

/// The kinds of notice each user muted.
struct Mutes(HashSet<(Uuid, NoticeKind)>);

impl Mutes {
    /// Whether `user` wants `kind` by e-mail: always for a legal deadline, else unless muted.
    fn wants(&self, user: Uuid, kind: NoticeKind) -> bool {
        kind.is_legal_deadline() || !self.0.contains(&(user, kind))
    }
}

/// The users of `users` rows (id, email, full_name), and the kinds each muted.
async fn recipients<C: sea_orm::ConnectionTrait>(
    c: &C,
    rows: &[sea_orm::QueryResult],
) -> Result<(HashMap<Uuid, Recipient>, Mutes), DbErr> {
    let mut people = HashMap::new();
    for u in rows {
        let id: Uuid = u.try_get("", "id")?;
        people.insert(
            id,
            Recipient {
                email: u.try_get("", "email")?,
                name: u.try_get("", "full_name")?,
            },
        );
    }
    let ids: Vec<Uuid> = people.keys().copied().collect();
    let mut muted = HashSet::new();
    for m in c
        .query_all_raw(stmt(
            "SELECT user_id, kind FROM notifications.mutes WHERE user_id = ANY($1)",
            [ids.into()],
        ))
        .await?
    {
        muted.insert((m.try_get("", "user_id")?, m.try_get("", "kind")?));
    }
    Ok((people, Mutes(muted)))
}

/// The e-mail of a notice to one recipient.
#[allow(clippy::too_many_arguments)]
fn email(
    n: &NewNotice,
    who: &Recipient,
    sender: Option<&(String, Option<String>)>,
    link: String,
    extra: Option<&str>,
    calendar: Option<String>,
    config: &MailConfig,
) -> Result<NewDelivery, DbErr> {
    let from_name = sender.map_or_else(|| config.default_from_name.clone(), |s| s.0.clone());
    let reply_to = sender.and_then(|s| s.1.clone());
    let mut paragraphs: Vec<String> = n.body.lines().map(str::to_owned).collect();
    paragraphs.extend(extra.map(str::to_owned));
    let r = render(&Letter {
        to_name: who.name.clone(),
        title: n.title.clone(),
        paragraphs,
        due: n.due_date.filter(|_| n.kind != NoticeKind::Digest),
        link: Some(link),
        from_name: from_name.clone(),
        reply_to: reply_to.is_some(),
    })
    .map_err(|e| DbErr::Custom(format!("template: {e}")))?;
    Ok(NewDelivery {
        key: n.key.clone(),
        province_id: n.province_id,
        user_id: Some(n.user_id),
        obligation_id: n.obligation_id,
        kind: n.kind.into(),
        to_address: who.email.clone(),
        to_name: Some(who.name.clone()),
        from_name,
        reply_to,
        subject: r.subject,
        text_body: r.text,
        html_body: r.html,
        calendar,
    })
}

/// Each province's sender (name, reply-to) among `provinces`.
async fn senders<C: sea_orm::ConnectionTrait>(
    c: &C,
    provinces: &[Uuid],
) -> Result<HashMap<Uuid, (String, Option<String>)>, DbErr> {
    let mut out = HashMap::new();
    for r in c
        .query_all_raw(stmt(
            "SELECT province_id, from_name, reply_to FROM notifications.senders WHERE province_id = ANY($1)",
            [provinces.to_vec().into()],
        ))
        .await?
    {
        out.insert(
            r.try_get("", "province_id")?,
            (r.try_get("", "from_name")?, r.try_get("", "reply_to")?),
        );
    }
    Ok(out)
}

/// Claim up to `limit` obligations whose next step has come, add their notices and e-mails and move
/// them on, in one transaction. Returns (obligations claimed, notices added, e-mails queued).
async fn step_batch(
    db: &DatabaseConnection,
    today: NaiveDate,
    limit: u64,
    config: &MailConfig,
) -> Result<(u64, u64, u64), DbErr> {
    let tx = db.begin().await?;
    let claimed: Vec<Uuid> = tx
        .query_all_raw(stmt(
            "SELECT id FROM notifications.obligations
              WHERE next_step_on <= $1 AND state IN ('open', 'overdue')
              ORDER BY next_step_on, id LIMIT $2 FOR UPDATE SKIP LOCKED",
            [today.into(), (limit as i64).into()],
        ))
        .await?
        .iter()
        .map(|r| r.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    if claimed.is_empty() {
        tx.commit().await?;
        return Ok((0, 0, 0));
    }
    let steps = DueStep::find_by_statement(stmt(
        "SELECT o.id, o.province_id, o.organisation_id, g.name AS organisation_name, d.title, o.period,
                o.subject_label, d.legal_basis, d.recipient, o.due_date, s.days, s.audience
           FROM notifications.obligations o
           JOIN notifications.duties d ON d.id = o.duty_id
           LEFT JOIN identity.organisations g ON g.id = o.organisation_id
           CROSS JOIN LATERAL notifications.steps(d.offsets, d.escalation) s
          WHERE o.id = ANY($1) AND o.due_date + s.days <= $2
            AND o.due_date + s.days > coalesce(o.last_step_on, '-infinity'::date)",
        [claimed.clone().into(), today.into()],
    ))
    .all(&tx)
    .await?;

    // Who is told: the party's active users, and the active users of the centre or department of
    // the obligation's province.
    let orgs: Vec<Uuid> = steps.iter().map(|s| s.organisation_id).collect();
    let provinces: Vec<Uuid> = steps.iter().map(|s| s.province_id).collect();
    let users = tx
        .query_all_raw(stmt(
            "SELECT u.id, u.email, u.full_name, u.organisation_id, g.kind, g.province_id
               FROM identity.users u JOIN identity.organisations g ON g.id = u.organisation_id
              WHERE u.status = 'active' AND g.status = 'active'
                AND (g.id = ANY($1) OR (g.kind IN ('centre', 'department') AND g.province_id = ANY($2)))",
            [orgs.into(), provinces.clone().into()],
        ))
        .await?;
    let mut by_org: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut by_level: HashMap<(Uuid, String), Vec<Uuid>> = HashMap::new();
    for u in &users {
        let id: Uuid = u.try_get("", "id")?;
        let org: Uuid = u.try_get("", "organisation_id")?;
        let kind: String = u.try_get("", "kind")?;
        let province: Option<Uuid> = u.try_get("", "province_id")?;
        by_org.entry(org).or_default().push(id);
        if let Some(p) = province {
            by_level.entry((p, kind)).or_default().push(id);
        }
    }

    let (people, muted) = recipients(&tx, &users).await?;
    let senders = senders(&tx, &provinces).await?;
    let mut mails = Vec::new();
    let mut per_obligation: HashMap<Uuid, Vec<&DueStep>> = HashMap::new();
    for s in &steps {
        per_obligation.entry(s.id).or_default().push(s);
    }
    let mut new = Vec::new();
    for (id, steps) in &per_obligation {
        let Some(first) = steps.first() else { continue };
        let pairs: Vec<(i32, Audience)> = steps
            .iter()
            .filter_map(|s| Audience::parse(&s.audience).map(|a| (s.days, a)))
            .collect();
        for (days, who) in to_send(&pairs) {
            let recipients = match who {
                Audience::Party => by_org.get(&first.organisation_id),
                Audience::Level(l) => by_level.get(&(first.province_id, l.as_str().to_owned())),
            };
            let (kind, title, body) = message(first, who, today);
            let link = config.obligation_link(*id);
            let basis = format!("Căn cứ: {}.", first.legal_basis);
            let calendar = deadline_calendar(deadline_event(
                &config.obligation_uid(*id),
                &format!("Hạn: {}", first.title),
                &body,
                first.due_date,
                &link,
            ));
            for user in recipients.into_iter().flatten() {
                let notice = NewNotice {
                    key: format!("{id}:{days}:{}:{user}", audience_key(who)),
                    user_id: *user,
                    province_id: Some(first.province_id),
                    obligation_id: Some(*id),
                    kind,
                    title: title.clone(),
                    body: body.clone(),
                    due_date: Some(first.due_date),
                };
                if let (Some(person), true) = (people.get(user), muted.wants(*user, kind)) {
                    mails.push(email(
                        &notice,
                        person,
                        senders.get(&first.province_id),
                        link.clone(),
                        Some(&basis),
                        Some(calendar.clone()),
                        config,
                    )?);
                }
                new.push(notice);
            }
        }
    }
    let added = notices::add(&tx, &new).await?;
    let emails = mail::record(&tx, &mails, None).await?;
    tx.execute_raw(stmt(
        "UPDATE notifications.obligations SET
           last_step_on = $2,
           next_step_on = notifications.next_step(duty_id, due_date, $2),
           state = CASE WHEN state = 'open' AND due_date < $2 THEN 'overdue' ELSE state END,
           updated_at = now()
         WHERE id = ANY($1)",
        [claimed.clone().into(), today.into()],
    ))
    .await?;
    tx.commit().await?;
    Ok((claimed.len() as u64, added, emails))
}

fn audience_key(a: Audience) -> &'static str {
    match a {
        Audience::Party => "party",
        Audience::Level(l) => l.as_str(),
    }
}

/// The notice's kind, title and text, in Vietnamese, with the due date and the days left or past.
fn message(s: &DueStep, who: Audience, today: NaiveDate) -> (NoticeKind, String, String) {
    let due = format_date_vn(s.due_date);
    let what = match &s.subject_label {
        Some(l) if !l.is_empty() => format!("{} ({}, kỳ {})", s.title, l, s.period),
        _ => format!("{} (kỳ {})", s.title, s.period),
    };
    let left = (s.due_date - today).num_days();
    let to = s.recipient.label_vi();
    match who {
        Audience::Party if left > 0 => (
            NoticeKind::Reminder,
            format!("Còn {left} ngày: {}", s.title),
            format!("{what} đến hạn ngày {due}, còn {left} ngày. Nơi nhận: {to}."),
        ),
        Audience::Party if left == 0 => (
            NoticeKind::Reminder,
            format!("Hôm nay đến hạn: {}", s.title),
            format!("{what} đến hạn hôm nay, ngày {due}. Nơi nhận: {to}."),
        ),
        Audience::Party => (
            NoticeKind::Overdue,
            format!("Quá hạn {} ngày: {}", -left, s.title),
            format!(
                "{what} đã quá hạn {} ngày (hạn ngày {due}). Đề nghị thực hiện ngay và gửi {to}.",
                -left
            ),
        ),
        Audience::Level(_) => {
            let party = s.organisation_name.as_deref().unwrap_or("Một đơn vị");
            (
                NoticeKind::Escalation,
                format!("{party} chưa thực hiện: {}", s.title),
                format!(
                    "{party} chưa thực hiện {what}, đã quá hạn {} ngày (hạn ngày {due}).",
                    (-left).max(0)
                ),
            )
        }
    }
}

/// Once a day: every active ministry user gets the overdue obligations per province (nothing when
/// none is overdue), in the portal and by e-mail. Returns (notices added, e-mails queued).
async fn digest(
    db: &DatabaseConnection,
    today: NaiveDate,
    config: &MailConfig,
) -> Result<(u64, u64), DbErr> {
    let done = db
        .query_one_raw(stmt(
            "SELECT EXISTS (SELECT 1 FROM notifications.notices WHERE kind = 'digest' AND due_date = $1) AS done",
            [today.into()],
        ))
        .await?
        .map(|r| r.try_get::<bool>("", "done"))
        .transpose()?
        .unwrap_or(false);
    if done {
        return Ok((0, 0));
    }
    let rows = db
        .query_all_raw(stmt(
            "SELECT p.code, p.name, count(*) AS n FROM notifications.obligations o
               JOIN identity.admin_units p ON p.id = o.province_id
              WHERE o.state = 'overdue' GROUP BY p.code, p.name ORDER BY p.code",
            [],
        ))
        .await?;
    if rows.is_empty() {
        return Ok((0, 0));
    }
    let mut total = 0i64;
    let mut lines = Vec::new();
    for r in &rows {
        let (code, name, n): (String, String, i64) = (
            r.try_get("", "code")?,
            r.try_get("", "name")?,
            r.try_get("", "n")?,
        );
        total += n;
        lines.push(format!("{code} {name}: {n}"));
    }
    let title = format!(
        "Tổng hợp ngày {}: {total} nghĩa vụ báo cáo quá hạn tại {} tỉnh, thành phố",
        format_date_vn(today),
        rows.len()
    );
    let body = lines.join("\n");
    let users = db
        .query_all_raw(stmt(
            "SELECT u.id, u.email, u.full_name FROM identity.users u
               JOIN identity.organisations g ON g.id = u.organisation_id
              WHERE u.role = 'ministry' AND u.status = 'active' AND g.status = 'active'",
            [],
        ))
        .await?;
    let tx = db.begin().await?;
    let (people, muted) = recipients(&tx, &users).await?;
    let link = format!(
        "{}/tong-hop-qua-han",
        config.portal_url.trim_end_matches('/')
    );
    let mut new = Vec::new();
    let mut mails = Vec::new();
    for u in &users {
        let user: Uuid = u.try_get("", "id")?;
        let notice = NewNotice {
            key: format!("digest:{today}:{user}"),
            user_id: user,
            province_id: None,
            obligation_id: None,
            kind: NoticeKind::Digest,
            title: title.clone(),
            body: body.clone(),
            due_date: Some(today),
        };
        if let (Some(person), true) = (people.get(&user), muted.wants(user, NoticeKind::Digest)) {
            mails.push(email(
                &notice,
                person,
                None,
                link.clone(),
                None,
                None,
                config,
            )?);
        }
        new.push(notice);
    }
    let added = notices::add(&tx, &new).await?;
    let emails = mail::record(&tx, &mails, None).await?;
    tx.commit().await?;
    Ok((added, emails))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_pass_sends_the_latest_step_of_each_audience() {
        let c = Audience::Level(DutyLevel::Centre);
        let got = to_send(&[
            (-14, Audience::Party),
            (-7, Audience::Party),
            (1, Audience::Party),
            (1, c),
        ]);
        assert_eq!(got, vec![(1, Audience::Party), (1, c)]);
        assert_eq!(to_send(&[(0, Audience::Party)]), vec![(0, Audience::Party)]);
        assert!(to_send(&[]).is_empty());
    }

    #[test]
    fn calendar_duties_open_a_month_ahead_or_at_their_first_reminder() {
        assert_eq!(lead_days(&[-14, -7, 0]), 30);
        assert_eq!(lead_days(&[-45, 0]), 45);
        assert_eq!(lead_days(&[1, 7]), 30);
    }
}
