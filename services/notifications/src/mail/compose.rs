//! A message's subject, text and HTML parts (askama templates `mail.txt` and `mail.html`), and the
//! iCalendar file of a deadline.

use askama::Template;
use chrono::NaiveDate;
use kc_kernel::format_date_vn;

/// What a message says.
#[derive(Debug, Clone)]
pub struct Letter {
    pub to_name: String,
    /// The subject, and the message's heading.
    pub title: String,
    pub paragraphs: Vec<String>,
    pub due: Option<NaiveDate>,
    pub link: Option<String>,
    pub from_name: String,
    /// Replies reach the sending office (it set a reply-to address).
    pub reply_to: bool,
}

/// The parts of a message.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Template)]
#[template(path = "mail.txt", escape = "none")]
struct TextPart<'a> {
    to_name: &'a str,
    title: &'a str,
    paragraphs: &'a [String],
    due: Option<String>,
    link: Option<&'a str>,
    from_name: &'a str,
    reply_to: bool,
}

#[derive(Template)]
#[template(path = "mail.html")]
struct HtmlPart<'a> {
    to_name: &'a str,
    title: &'a str,
    paragraphs: &'a [String],
    due: Option<String>,
    link: Option<&'a str>,
    from_name: &'a str,
    reply_to: bool,
}

/// Render a letter (dates as dd/mm/yyyy).
pub fn render(l: &Letter) -> Result<Rendered, askama::Error> {
    let due = l.due.map(format_date_vn);
    let text = TextPart {
        to_name: &l.to_name,
        title: &l.title,
        paragraphs: &l.paragraphs,
        due: due.clone(),
        link: l.link.as_deref(),
        from_name: &l.from_name,
        reply_to: l.reply_to,
    }
    .render()?;
    let html = HtmlPart {
        to_name: &l.to_name,
        title: &l.title,
        paragraphs: &l.paragraphs,
        due,
        link: l.link.as_deref(),
        from_name: &l.from_name,
        reply_to: l.reply_to,
    }
    .render()?;
    Ok(Rendered {
        subject: l.title.clone(),
        text,
        html,
    })
}

/// A deadline as an all-day event (RFC 5545: the end is the next day, not included), with a link to
/// the obligation; `uid` stays the same for every message and feed about one obligation.
pub fn deadline_event(
    uid: &str,
    summary: &str,
    description: &str,
    due: NaiveDate,
    link: &str,
) -> icalendar::Event {
    use icalendar::{Component, Event, EventLike};
    Event::new()
        .uid(uid)
        .summary(summary)
        .description(description)
        .starts(due)
        .ends(due.succ_opt().unwrap_or(due))
        .add_property("URL", link)
        .done()
}

/// An iCalendar file (RFC 5545) with one deadline, so that the recipient's calendar shows it.
pub fn deadline_calendar(event: icalendar::Event) -> String {
    let mut cal = icalendar::Calendar::new();
    cal.append_property(("METHOD", "PUBLISH"));
    cal.push(event);
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_letter_says_its_deadline_and_link_in_both_parts_and_escapes_html() {
        let r = render(&Letter {
            to_name: "Nguyễn Văn A".into(),
            title: "Còn 7 ngày: Báo cáo <6 tháng>".into(),
            paragraphs: vec!["Dòng một".into(), "Dòng <hai>".into()],
            due: NaiveDate::from_ymd_opt(2027, 6, 21),
            link: Some("http://portal.test/nghia-vu/1".into()),
            from_name: "Sở Công Thương Hà Nội".into(),
            reply_to: true,
        })
        .unwrap();
        assert!(r.text.contains("Hạn: 21/06/2027"), "{}", r.text);
        assert!(r.text.contains("Dòng <hai>"));
        assert!(r.text.contains("http://portal.test/nghia-vu/1"));
        assert!(r.html.contains("21/06/2027"));
        assert!(
            r.html.contains("Dòng &#60;hai&#62;") || r.html.contains("Dòng &lt;hai&gt;"),
            "{}",
            r.html
        );
        assert!(r.html.contains("href=\"http://portal.test/nghia-vu/1\""));
        assert_eq!(r.subject, "Còn 7 ngày: Báo cáo <6 tháng>");
    }

    #[test]
    fn the_calendar_holds_the_deadline_as_an_all_day_event() {
        let ics = deadline_calendar(deadline_event(
            "o-1@khuyencong",
            "Hạn báo cáo",
            "Báo cáo 6 tháng",
            NaiveDate::from_ymd_opt(2027, 6, 21).unwrap(),
            "http://portal.test/x",
        ));
        assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
        assert!(ics.contains("DTSTART;VALUE=DATE:20270621"), "{ics}");
        assert!(
            ics.contains("DTEND;VALUE=DATE:20270622"),
            "the end is the next day: {ics}"
        );
        assert!(ics.contains("UID:o-1@khuyencong"));
        assert!(ics.contains("METHOD:PUBLISH"));
        assert!(ics.contains("\r\n"), "lines end in CRLF");
    }
}
