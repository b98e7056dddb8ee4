//! Reporting duties as dated rules (`notifications.duties`): what is reported, by whom, to whom, for
//! which data window, by when, with which reminders and escalation, under which legal basis. The
//! ministry's admins add national versions; a province's admins may give their province its own
//! reminder offsets (a province version that copies everything else from the national one). Versions of
//! one duty never overlap and start no earlier than today.
//!
//! The due date is a fixed day of the period's year (20 June), possibly of the year after (22 January),
//! or a number of days after an event (15 days after acceptance); a date that does not exist in every
//! year (29 or 30 February) is refused. [`Duty::steps`] lists the days, relative to the due date, on
//! which someone is told: the party's reminders (`offsets`) and the escalation to the levels above.

pub mod routes;
pub mod store;

use chrono::{Datelike, NaiveDate};
use kc_kernel::DutyLevel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use store::Duty;

/// An escalation step: `after_days` after the due date, tell the level `to` that the duty is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    #[schema(minimum = 1, maximum = 90)]
    #[serde(deserialize_with = "kc_http::whole")]
    pub after_days: i32,
    /// `centre` or `department` (the ministry reads the daily digest of every overdue duty).
    pub to: DutyLevel,
}

/// Who is told at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The organisation that owes the duty (a reminder; after the due date: overdue).
    Party,
    /// A level above it, by escalation.
    Level(DutyLevel),
}

impl Audience {
    /// As the database's `notifications.steps` spells it.
    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "party" => Some(Audience::Party),
            other => other.parse().ok().map(Audience::Level),
        }
    }
}

/// A duty's code (or an event's name): a lowercase letter, then up to 63 lowercase letters, digits
/// and `_` (and `.` in an event's name).
pub fn is_code(s: &str, dots: bool) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 64
        && b.all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || (dots && c == b'.')
        })
}

/// A period's label: `2026`, `2026-H1`: 1 to 40 letters, digits and `-`.
pub fn is_period(s: &str) -> bool {
    (1..=40).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

/// The days (relative to the due date) of the largest offset range: 90 days either way.
pub const MAX_OFFSET: i32 = 90;

impl Duty {
    /// The rule's due date for the period of `year` (a fixed date); none for an event's duty or a day
    /// that does not exist.
    pub fn due_in_period(&self, year: i32) -> Option<NaiveDate> {
        let (m, d) = (self.due_month?, self.due_day?);
        NaiveDate::from_ymd_opt(year + self.due_year_offset, m as u32, d as u32)
    }

    /// The period whose due date is the first on or after `day`, with that date (a fixed date).
    pub fn next_period(&self, day: NaiveDate) -> Option<(i32, NaiveDate)> {
        (day.year() - 2..=day.year() + 1)
            .filter_map(|y| self.due_in_period(y).map(|due| (y, due)))
            .find(|(_, due)| *due >= day)
    }

    /// The rule's due date `after_days` after an event on `day` (an event's duty).
    pub fn due_after(&self, day: NaiveDate) -> Option<NaiveDate> {
        day.checked_add_days(chrono::Days::new(u64::try_from(self.after_days?).ok()?))
    }
}

/// Check the figures of a duty version: a due date that exists in every year (fixed) or a number of
/// days after an event, offsets within ±90 days without repeats, escalation to a level above the
/// reporter, after the due date.
pub fn check(d: &Duty) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if !is_code(&d.code, false) {
        problems.push((
            "code",
            "Mã gồm chữ thường, chữ số và dấu gạch dưới, bắt đầu bằng chữ (lowercase letters, digits and _)".into(),
        ));
    }
    if d.after_event.as_deref().is_some_and(|e| !is_code(e, true)) {
        problems.push((
            "after_event",
            "Tên sự kiện gồm chữ thường, chữ số, dấu chấm và gạch dưới (lowercase letters, digits, . and _)".into(),
        ));
    }
    match (d.due_month, d.due_day, d.after_event.as_deref(), d.after_days) {
        (Some(m), Some(day), None, None) => {
            // 2023 is not a leap year, 2024 is: a day must exist in both.
            let ok = [2023, 2024].iter().all(|y| {
                u32::try_from(m)
                    .ok()
                    .zip(u32::try_from(day).ok())
                    .and_then(|(m, day)| NaiveDate::from_ymd_opt(*y, m, day))
                    .is_some()
            });
            if !ok {
                problems.push((
                    "due_day",
                    "Ngày đến hạn không có trong mọi năm, ví dụ 30/02 hay 29/02 (a due date that does not exist every year)".into(),
                ));
            }
        }
        (None, None, Some(_), Some(n)) if (0..=366).contains(&n) => {}
        _ => problems.push((
            "due",
            "Cần một ngày cố định trong năm (due_month, due_day) hoặc số ngày sau một sự kiện (after_event, after_days), không cả hai (a fixed day, or days after an event)".into(),
        )),
    }
    if d.offsets.is_empty() || d.offsets.len() > 20 {
        problems.push(("offsets", "Từ 1 đến 20 lần nhắc (1 to 20 reminders)".into()));
    }
    if d.offsets.iter().any(|o| o.abs() > MAX_OFFSET) {
        problems.push((
            "offsets",
            "Mỗi lần nhắc cách hạn không quá 90 ngày (offsets within ±90 days)".into(),
        ));
    }
    let mut seen = d.offsets.clone();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != d.offsets.len() {
        problems.push((
            "offsets",
            "Các lần nhắc không được trùng nhau (offsets repeat)".into(),
        ));
    }
    if d.reporter == DutyLevel::Ministry {
        problems.push((
            "reporter",
            "Bộ Công Thương không báo cáo cho cấp nào trong hệ thống (the ministry reports to no one here)".into(),
        ));
    }
    if rank(d.recipient) <= rank(d.reporter) {
        problems.push((
            "recipient",
            "Nơi nhận phải là cấp trên của đơn vị báo cáo (the recipient is above the reporter)"
                .into(),
        ));
    }
    match serde_json::from_value::<Vec<Escalation>>(d.escalation.clone()) {
        Ok(steps) => {
            if steps.iter().any(|s| {
                !(1..=MAX_OFFSET).contains(&s.after_days)
                    || !matches!(s.to, DutyLevel::Centre | DutyLevel::Department)
                    || rank(s.to) <= rank(d.reporter)
            }) || steps.len() > 5
            {
                problems.push((
                    "escalation",
                    "Tối đa 5 bước, mỗi bước từ 1 đến 90 ngày sau hạn, gửi Trung tâm hoặc Sở cấp trên của đơn vị báo cáo (at most 5 steps, 1–90 days after the due date, to the centre or the department above the reporter)".into(),
                ));
            }
        }
        Err(e) => problems.push(("escalation", format!("Không đọc được (unreadable): {e}"))),
    }
    problems
}

/// The order of the levels, from the enterprise up.
fn rank(l: DutyLevel) -> u8 {
    match l {
        DutyLevel::Enterprise => 0,
        DutyLevel::Centre => 1,
        DutyLevel::Department => 2,
        DutyLevel::Ministry => 3,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use kc_kernel::DutyOpening;
    use serde_json::json;

    fn duty() -> Duty {
        Duty {
            id: uuid::Uuid::nil(),
            code: "ccn_half_year_report".into(),
            province_id: None,
            province_code: None,
            valid_from: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
            valid_to: None,
            title: "Báo cáo".into(),
            reporter: DutyLevel::Enterprise,
            recipient: DutyLevel::Department,
            opened_by: DutyOpening::Event,
            data_window: "01/01 – 15/6".into(),
            due_month: Some(6),
            due_day: Some(20),
            due_year_offset: 0,
            after_event: None,
            after_days: None,
            to_working_day: true,
            offsets: vec![-14, -7, -1, 0, 1, 7],
            escalation: json!([{"after_days": 1, "to": "centre"}]),
            legal_basis: "NĐ 32/2024".into(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn impossible_days_and_offsets_are_refused() {
        assert!(check(&duty()).is_empty());
        let d = Duty {
            due_month: Some(2),
            due_day: Some(30),
            ..duty()
        };
        assert_eq!(check(&d)[0].0, "due_day");
        let d = Duty {
            due_month: Some(2),
            due_day: Some(29),
            ..duty()
        };
        assert_eq!(check(&d)[0].0, "due_day");
        let d = Duty {
            offsets: vec![-91],
            ..duty()
        };
        assert_eq!(check(&d)[0].0, "offsets");
        let d = Duty {
            offsets: vec![1, 1],
            ..duty()
        };
        assert_eq!(check(&d)[0].0, "offsets");
        let d = Duty {
            escalation: json!([{"after_days": 0, "to": "centre"}]),
            ..duty()
        };
        assert_eq!(check(&d)[0].0, "escalation");
        let d = Duty {
            after_event: Some("acceptance_recorded".into()),
            ..duty()
        };
        assert_eq!(check(&d)[0].0, "due");
    }

    #[test]
    fn codes_and_periods() {
        assert!(is_code("ccn_half_year_report", false));
        assert!(!is_code("Ccn", false));
        assert!(!is_code("a.b", false));
        assert!(is_code("registry.cluster_report_due", true));
        assert!(!is_code("", false));
        assert!(!is_code(&"a".repeat(65), false));
        assert!(is_period("2026-H1"));
        assert!(!is_period("2026\0"));
        assert!(!is_period(""));
    }

    #[test]
    fn periods_and_due_dates() {
        let d = duty();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            d.next_period(day(2026, 6, 20)),
            Some((2026, day(2026, 6, 20)))
        );
        assert_eq!(
            d.next_period(day(2026, 6, 21)),
            Some((2027, day(2027, 6, 20)))
        );
        let settlement = Duty {
            due_month: Some(1),
            due_day: Some(22),
            due_year_offset: 1,
            ..duty()
        };
        // The plan year 2026 is settled by 22 January 2027.
        assert_eq!(settlement.due_in_period(2026), Some(day(2027, 1, 22)));
        assert_eq!(
            settlement.next_period(day(2026, 11, 27)),
            Some((2026, day(2027, 1, 22)))
        );
        let dossier = Duty {
            due_month: None,
            due_day: None,
            after_event: Some("acceptance_recorded".into()),
            after_days: Some(15),
            ..duty()
        };
        assert_eq!(dossier.due_after(day(2026, 12, 20)), Some(day(2027, 1, 4)));
    }
}
