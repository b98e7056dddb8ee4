//! Each user's private calendar feed: an address (`/api/v1/calendar-feed/{secret}.ics`) that Outlook,
//! Thunderbird and Google Calendar subscribe to, listing as all-day events the duties the user's
//! organisation owes or is owed (an administration's time limit on its application) and has not met.
//!
//! A calendar client sends no token, so the address carries a secret (256 bits; only its SHA-256 is
//! kept). Making a new address replaces the old one; deleting it revokes it. Reading it enters the
//! tenant the user had when making it, as the user ([`kc_auth::Anyone::begin_as_secret_holder`]),
//! which the database refuses once the account or its organisation is disabled or the user has
//! logged out everywhere or reset the password: the address then answers 404, as an unknown one does.

pub mod routes;
pub mod store;

use crate::mail::MailConfig;
use crate::mail::compose::deadline_event;
use crate::obligations::store::ObligationView;
use icalendar::Calendar;

/// The calendar of the owed obligations `items`, each an all-day event on its due date with a link to
/// it in the portal, under the same uid as the e-mails' attachments about it.
pub fn calendar(name: &str, items: &[ObligationView], mail: &MailConfig) -> String {
    let mut cal = Calendar::new();
    cal.name(name)
        .append_property(("METHOD", "PUBLISH"))
        .append_property(("X-PUBLISHED-TTL", "PT1H"))
        .append_property(
            icalendar::Property::new("REFRESH-INTERVAL", "PT1H")
                .add_parameter("VALUE", "DURATION")
                .done(),
        );
    for o in items {
        let mut summary = format!("Hạn: {}", o.duty_title);
        if let Some(label) = o.subject_label.as_deref().filter(|l| !l.is_empty()) {
            summary.push_str(&format!(" ({label})"));
        }
        let overdue = if o.state == kc_kernel::ObligationState::Overdue {
            "ĐÃ QUÁ HẠN. "
        } else {
            ""
        };
        let description = format!(
            "{}. Đơn vị thực hiện: {}. Kỳ: {}. {overdue}Căn cứ: {}.",
            o.duty_title,
            o.party_name(),
            o.period,
            o.legal_basis
        );
        cal.push(deadline_event(
            &mail.obligation_uid(o.id),
            &summary,
            &description,
            o.due_date,
            &mail.obligation_link(o.id),
        ));
    }
    cal.done().to_string()
}
