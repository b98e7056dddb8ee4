//! The run command's demo (`kc-notifications seed-demo`, after the other services' demos): the
//! obligations their events open, past reporting periods of the demo provinces' centres and
//! departments met on time, late, waived or still owed, and one scheduler pass for today, so that
//! every demo login has duties open, overdue and fulfilled, with their notices and e-mails. Runs as the
//! worker role, as the workers do; safe to run again (obligations and notices are keyed).

use crate::duties::store as duties;
use crate::mail::MailConfig;
use crate::obligations::store::{self as obligations, NewObligation, key};
use crate::{clock, events, scheduler};
use anyhow::Context;
use chrono::{NaiveDate, TimeZone};
use kc_db::stmt;
use kc_kernel::{ObligationState, OrgKind};
use kc_service::Mode;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use uuid::Uuid;

/// The demo provinces.
const PROVINCES: [&str; 3] = ["01", "37", "79"];

/// How a demo obligation ends: met on a day, waived, or still owed.
enum Outcome {
    MetOn(NaiveDate),
    Waived(&'static str),
    Owed,
}

/// Seed the demo.
pub async fn seed(db: &DatabaseConnection, mode: Mode, mail: &MailConfig) -> anyhow::Result<()> {
    let r = events::consumer(db.clone())
        .drain(&events::Opener::new(db.clone(), mode, mail.clone()))
        .await?;
    eprintln!(
        "notifications demo: {} events from the other services handled",
        r.done
    );
    let today = clock::today(db, mode).await?;
    let year = chrono::Datelike::year(&today);
    let day = |m, d| NaiveDate::from_ymd_opt(year, m, d).context("a demo day");
    let tx = db.begin().await?;
    for (i, code) in PROVINCES.iter().enumerate() {
        let province: Uuid = tx
            .query_one_raw(stmt(
                "SELECT id FROM identity.admin_units WHERE code = $1 AND valid_to IS NULL",
                [(*code).into()],
            ))
            .await?
            .context("a demo province")?
            .try_get("", "id")?;
        // This year's plan registration of the centre (20 May), and the department's six-month
        // extension report (mid-July): on time, late, or not yet.
        let plan = [
            Outcome::MetOn(day(5, 15)?),
            Outcome::MetOn(day(5, 27)?),
            Outcome::Owed,
        ];
        let half = [
            Outcome::MetOn(day(7, 10)?),
            Outcome::Owed,
            Outcome::Waived("Sở đã báo cáo chung trong báo cáo sơ kết của UBND tỉnh"),
        ];
        let [p, h] = [&plan[i], &half[i]];
        open(&tx, "plan_registration", OrgKind::Centre, province, year, p).await?;
        open(
            &tx,
            "extension_half_year_report",
            OrgKind::Department,
            province,
            year,
            h,
        )
        .await?;
    }
    tx.commit().await?;
    let pass = scheduler::pass(db, today, mail).await?;
    eprintln!(
        "notifications demo: scheduler pass for {today}: {} opened, {} overdue, {} stepped, {} notices, {} e-mails",
        pass.opened, pass.overdue, pass.stepped, pass.notices, pass.emails
    );
    Ok(())
}

/// Open the obligation of `code` for the province's organisation of `kind` for the period `year`,
/// and settle it as `outcome` says.
async fn open<C: ConnectionTrait>(
    c: &C,
    code: &str,
    kind: OrgKind,
    province: Uuid,
    year: i32,
    outcome: &Outcome,
) -> anyhow::Result<()> {
    let org = obligations::party_of_kind(c, province, kind)
        .await?
        .context("a demo organisation")?;
    let day = NaiveDate::from_ymd_opt(year, 1, 1).context("a day")?;
    let duty = duties::in_force(c, code, Some(province), day)
        .await?
        .context("a demo duty")?;
    let due = duty.due_in_period(year).context("its due date")?;
    let period = year.to_string();
    let k = key(code, org, None, &period);
    obligations::open(
        c,
        &NewObligation {
            duty: &duty,
            province,
            organisation: org,
            for_org: None,
            subject: None,
            period,
            base_due: due,
            dedup_key: k.clone(),
            opened_by_event: None,
        },
    )
    .await?;
    match outcome {
        Outcome::MetOn(d) => {
            let at = kc_kernel::vietnam()
                .from_local_datetime(&d.and_hms_opt(10, 0, 0).context("a time")?)
                .single()
                .context("a time in Vietnam")?
                .with_timezone(&chrono::Utc);
            obligations::close_by_key(
                c,
                &k,
                ObligationState::Fulfilled,
                "Đã nhận bản giấy (demo)",
                at,
            )
            .await?;
        }
        Outcome::Waived(reason) => {
            obligations::close_by_key(c, &k, ObligationState::Waived, reason, chrono::Utc::now())
                .await?;
        }
        Outcome::Owed => {}
    }
    Ok(())
}
