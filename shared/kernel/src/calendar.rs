//! The calendar users and the law count in: Asia/Ho_Chi_Minh (UTC+7, no daylight saving), dates
//! shown dd/mm/yyyy.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Vietnam's offset from UTC: +7 hours all year.
pub fn vietnam() -> FixedOffset {
    match FixedOffset::east_opt(7 * 3600) {
        Some(offset) => offset,
        None => unreachable!("+07:00 is within a day"),
    }
}

/// The calendar day in Vietnam at `at`.
pub fn day_in_vietnam(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// Today in Vietnam.
pub fn today_vn() -> NaiveDate {
    day_in_vietnam(Utc::now())
}

/// `dd/mm/yyyy`, as Vietnamese documents write a date.
pub fn format_date_vn(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_day_turns_at_midnight_in_vietnam() {
        let late_utc = Utc
            .with_ymd_and_hms(2025, 6, 19, 17, 0, 0)
            .single()
            .unwrap();
        assert_eq!(
            day_in_vietnam(late_utc),
            NaiveDate::from_ymd_opt(2025, 6, 20).unwrap()
        );
        let before = Utc
            .with_ymd_and_hms(2025, 6, 19, 16, 59, 59)
            .single()
            .unwrap();
        assert_eq!(
            day_in_vietnam(before),
            NaiveDate::from_ymd_opt(2025, 6, 19).unwrap()
        );
        assert_eq!(
            format_date_vn(NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
            "01/07/2025"
        );
    }
}
