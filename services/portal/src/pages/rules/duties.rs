//! `/quy-dinh/nghia-vu`: the reporting duties (DOMAIN.md §7) as the notifications service keeps them —
//! who reports to whom, the due date, the days reminders go out and the escalation when a duty is
//! overdue — national versions and a province's own reminder days. `/quy-dinh/nghia-vu/{id}`: one
//! version and, for an administrator, the next version from a day not in the past: the ministry
//! changes the due date, the reminder days and the escalation; a province's administrator sets its
//! own reminder days. Obligations already open keep the version they were opened under.

use crate::PortalState;
use crate::api::Problem;
use crate::i18n::Texts;
use crate::pages::accounts::{Refused, explain_rights};
use crate::pages::applications::form::date;
use crate::pages::fields::{Input, whole_vn};
use crate::pages::{Chrome, Posted, SignedIn, level_key, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::NaiveDate;
use kc_kernel::{DutyLevel, Role, format_date_vn, today_vn};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const HERE: &str = "/quy-dinh/nghia-vu";

#[derive(Debug, Clone, Deserialize)]
struct Escalation {
    after_days: i32,
    to: DutyLevel,
}

#[derive(Debug, Clone, Deserialize)]
struct Duty {
    id: Uuid,
    code: String,
    province_code: Option<String>,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    title: String,
    reporter: DutyLevel,
    recipient: DutyLevel,
    data_window: String,
    due_month: Option<i32>,
    due_day: Option<i32>,
    due_year_offset: i32,
    after_event: Option<String>,
    after_days: Option<i32>,
    offsets: Vec<i32>,
    escalation: Vec<Escalation>,
    legal_basis: String,
}

#[derive(Debug, Deserialize)]
struct Duties {
    items: Vec<Duty>,
}

/// The due date's rule, written out.
fn due_text(t: &Texts, d: &Duty) -> String {
    match (d.due_month, d.due_day, d.after_days) {
        (Some(m), Some(day), _) => {
            let next = if d.due_year_offset > 0 {
                format!(" {}", t.get("duties.rule.next_year"))
            } else {
                String::new()
            };
            format!("{day:02}/{m:02}{next}")
        }
        (_, _, Some(n)) => format!(
            "{n} {} {}",
            t.get("duties.rule.days_after"),
            event_text(t, d.after_event.as_deref().unwrap_or_default())
        ),
        _ => "—".to_owned(),
    }
}

/// The event a due date counts from, in words (its name where the catalogue has none).
fn event_text(t: &Texts, event: &str) -> String {
    match event.rsplit('.').next().unwrap_or(event) {
        "application_transitioned" => t.get("duties.rule.event.application").to_owned(),
        "acceptance_recorded" => t.get("duties.rule.event.acceptance").to_owned(),
        "scheme_approved" => t.get("duties.rule.event.approval").to_owned(),
        _ => event.to_owned(),
    }
}

/// Reminder days, the Vietnamese way: `-14, -7, -1, 0, +1, +7`.
fn offsets_text(offsets: &[i32]) -> String {
    offsets
        .iter()
        .map(|o| {
            if *o > 0 {
                format!("+{o}")
            } else {
                o.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn escalation_text(t: &Texts, e: &[Escalation]) -> String {
    if e.is_empty() {
        return "—".to_owned();
    }
    e.iter()
        .map(|x| {
            format!(
                "{} {} → {}",
                x.after_days,
                t.get("duties.rule.days_late"),
                t.get(level_key(x.to))
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A duty version as a line.
pub struct Line {
    id: Uuid,
    title: String,
    chain: String,
    province: String,
    due: String,
    offsets: String,
    escalation: String,
    valid: String,
}

fn line(t: &Texts, d: &Duty) -> Line {
    Line {
        id: d.id,
        title: d.title.clone(),
        chain: format!(
            "{} → {}",
            t.get(level_key(d.reporter)),
            t.get(level_key(d.recipient))
        ),
        province: super::scope_text(t, d.province_code.as_deref()),
        due: due_text(t, d),
        offsets: offsets_text(&d.offsets),
        escalation: escalation_text(t, &d.escalation),
        valid: super::in_force(t, d.valid_from, d.valid_to),
    }
}

/// `templates/rule_duties.html`.
#[derive(Template, WebTemplate)]
#[template(path = "rule_duties.html")]
struct ListPage {
    c: Chrome,
    all: bool,
    lines: Vec<Line>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tat_ca: Option<String>,
}

async fn duties(state: &PortalState, token: &str, all: bool) -> Result<Vec<Duty>, Problem> {
    let path = if all {
        "/api/v1/duties".to_owned()
    } else {
        format!("/api/v1/duties?as_of={}", today_vn())
    };
    Ok(state
        .api
        .get::<Duties>("notifications", &path, token)
        .await?
        .items)
}

pub async fn list(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    let all = q.tat_ca.is_some();
    let mut items = match duties(&state, &token, all).await {
        Ok(d) => d,
        Err(p) => return problem(v, HERE, p),
    };
    items.sort_by(|a, b| {
        (&a.code, &a.province_code, b.valid_from).cmp(&(&b.code, &b.province_code, a.valid_from))
    });
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let page = ListPage {
        all,
        lines: items.iter().map(|d| line(&t, d)).collect(),
        c,
    };
    v.respond(page)
}

/// `templates/rule_duty.html`.
#[derive(Template, WebTemplate)]
#[template(path = "rule_duty.html")]
struct VersionPage {
    c: Chrome,
    line: Line,
    data_window: String,
    legal_basis: String,
    inputs: Vec<Input>,
    may_edit: bool,
    error: Option<String>,
    others: Vec<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionQuery {
    #[serde(default)]
    xong: Option<String>,
}

pub async fn one(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Response {
    show(&state, v, &token, &id, q.xong.is_some(), None).await
}

async fn find(state: &PortalState, token: &str, id: Uuid) -> Result<Duty, Problem> {
    duties(state, token, true)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(Problem::NotFound)
}

/// The escalation steps of the form (as many as the service takes): the inputs' names, and their
/// labels, which number the step.
const STEPS: [(&str, &str, &str, &str); 5] = [
    (
        "esc1.after_days",
        "esc1.to",
        "duties.rule.esc1.days",
        "duties.rule.esc1.to",
    ),
    (
        "esc2.after_days",
        "esc2.to",
        "duties.rule.esc2.days",
        "duties.rule.esc2.to",
    ),
    (
        "esc3.after_days",
        "esc3.to",
        "duties.rule.esc3.days",
        "duties.rule.esc3.to",
    ),
    (
        "esc4.after_days",
        "esc4.to",
        "duties.rule.esc4.days",
        "duties.rule.esc4.to",
    ),
    (
        "esc5.after_days",
        "esc5.to",
        "duties.rule.esc5.days",
        "duties.rule.esc5.to",
    ),
];

async fn show(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: &str,
    done: bool,
    refused: Option<(Refused, BTreeMap<String, String>)>,
) -> Response {
    let here = format!("{HERE}/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let d = match find(state, token, id).await {
        Ok(d) => d,
        Err(p) => return problem(v, &here, p),
    };
    let c = Chrome::new(&v, &here);
    let t = c.t;
    // The ministry's version of a national duty also moves the due date and the escalation.
    let ministry = c.role == Some(Role::Ministry) && d.province_code.is_none();
    let typed = refused.as_ref().map(|(_, f)| f);
    let kept =
        |k: &str, default: String| typed.map_or(default, |f| f.get(k).cloned().unwrap_or_default());
    let tomorrow = today_vn().succ_opt().unwrap_or_else(today_vn);
    let mut inputs = vec![
        Input::new(
            "valid_from",
            t.get("rules.valid_from"),
            "date",
            &kept("valid_from", format_date_vn(tomorrow)),
        )
        .hint(t.get("rules.hint.valid_from")),
        Input::new(
            "offsets",
            t.get("duties.rule.offsets"),
            "text",
            &kept("offsets", offsets_text(&d.offsets)),
        )
        .hint(t.get("duties.rule.hint.offsets")),
    ];
    if ministry {
        if d.due_month.is_some() {
            inputs.push(Input::new(
                "due_month",
                t.get("rulefield.due_month"),
                "text",
                &kept("due_month", d.due_month.unwrap_or_default().to_string()),
            ));
            inputs.push(Input::new(
                "due_day",
                t.get("rulefield.due_day"),
                "text",
                &kept("due_day", d.due_day.unwrap_or_default().to_string()),
            ));
        } else {
            inputs.push(Input::new(
                "after_days",
                t.get("duties.rule.after_days"),
                "text",
                &kept("after_days", d.after_days.unwrap_or_default().to_string()),
            ));
        }
        let levels: Vec<(String, String)> = std::iter::once((String::new(), "—".to_owned()))
            .chain(
                [DutyLevel::Centre, DutyLevel::Department]
                    .iter()
                    .map(|l| (l.as_str().to_owned(), t.get(level_key(*l)).to_owned())),
            )
            .collect();
        for (n, (days, to, days_label, to_label)) in STEPS.iter().enumerate() {
            let step = d.escalation.get(n);
            inputs.push(Input::new(
                days,
                t.get(days_label),
                "text",
                &kept(
                    days,
                    step.map(|s| s.after_days.to_string()).unwrap_or_default(),
                ),
            ));
            inputs.push(
                Input::new(
                    to,
                    t.get(to_label),
                    "select",
                    &kept(
                        to,
                        step.map(|s| s.to.as_str().to_owned()).unwrap_or_default(),
                    ),
                )
                .options(levels.clone()),
            );
        }
        inputs.push(
            Input::new(
                "legal_basis",
                t.get("rules.legal_basis"),
                "text",
                &kept("legal_basis", String::new()),
            )
            .hint(t.get("rules.hint.legal_basis")),
        );
    }
    let (error, others) = match &refused {
        Some((r, _)) => (Some(r.message.clone()), r.mark(&mut inputs)),
        None => (None, Vec::new()),
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |(r, _)| r.status);
    let page = VersionPage {
        line: line(&t, &d),
        data_window: d.data_window.clone(),
        legal_basis: d.legal_basis.clone(),
        inputs,
        // The ministry's administrators issue national versions; a province's, its own reminder days.
        may_edit: c.admin() && !(c.role == Some(Role::Ministry) && d.province_code.is_some()),
        error,
        others,
        done,
        c,
    };
    v.respond((status, page))
}

/// The reminder days typed (`-14, -7, -1, 0, +1, +7`), or none when one is not a whole number.
fn read_offsets(s: &str) -> Option<Vec<i32>> {
    s.split([',', ';', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| x.trim_start_matches('+').parse::<i32>().ok())
        .collect()
}

/// `POST /quy-dinh/nghia-vu/{id}`: the next version of the duty.
pub async fn issue(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let here = format!("{HERE}/{id}");
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let Ok(duty) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let d = match find(&state, &token, duty).await {
        Ok(d) => d,
        Err(p) => return problem(v, &here, p),
    };
    let ministry =
        v.claims().is_some_and(|c| c.role == Role::Ministry) && d.province_code.is_none();
    let get = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut fields = BTreeMap::new();
    let valid_from = date(&get("valid_from"));
    if valid_from.is_none() {
        fields.insert("valid_from".to_owned(), t.get("form.bad_date").to_owned());
    }
    let offsets = read_offsets(&get("offsets")).filter(|o| !o.is_empty());
    if offsets.is_none() {
        fields.insert(
            "offsets".to_owned(),
            t.get("duties.rule.bad_offsets").to_owned(),
        );
    }
    let mut request = json!({"code": d.code, "valid_from": valid_from, "offsets": offsets});
    if ministry {
        let whole = |k: &str, fields: &mut BTreeMap<String, String>| -> Option<i64> {
            let n = whole_vn(&get(k));
            if n.is_none() {
                fields.insert(k.to_owned(), t.get("rulefield.bad_whole").to_owned());
            }
            n
        };
        if d.due_month.is_some() {
            request["due_month"] = json!(whole("due_month", &mut fields));
            request["due_day"] = json!(whole("due_day", &mut fields));
            request["due_year_offset"] = json!(d.due_year_offset);
        } else {
            request["after_event"] = json!(d.after_event);
            request["after_days"] = json!(whole("after_days", &mut fields));
        }
        let mut steps = Vec::new();
        for (days, to, _, _) in STEPS {
            let (n, level) = (get(days), get(to));
            if n.is_empty() && level.is_empty() {
                continue;
            }
            match (whole_vn(&n).ok_or(()), level.is_empty()) {
                (Ok(n), false) => steps.push(json!({"after_days": n, "to": level})),
                (Err(_), _) => {
                    fields.insert(days.to_owned(), t.get("rulefield.bad_whole").to_owned());
                }
                (Ok(_), true) => {
                    fields.insert(to.to_owned(), t.get("form.bad_choice").to_owned());
                }
            }
        }
        request["escalation"] = Value::Array(steps);
        let basis = get("legal_basis");
        if !basis.is_empty() {
            request["legal_basis"] = json!(basis);
        }
    } else {
        // A province's own reminder days: the version's province, or the visitor's.
        let own = v
            .claims()
            .and_then(|c| c.province.as_ref())
            .map(|p| p.code.clone());
        request["province_code"] = json!(d.province_code.clone().or(own));
    }
    if !fields.is_empty() {
        let r = Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: t.get("form.fix").to_owned(),
            fields,
        };
        return show(&state, v, &token, &id, false, Some((r, form.clone()))).await;
    }
    match state
        .api
        .send(
            Method::POST,
            "notifications",
            "/api/v1/duties",
            Some(&token),
            Some(&request),
        )
        .await
    {
        Ok(created) => {
            let new_id = created["id"].as_str().unwrap_or(&id).to_owned();
            v.respond(Redirect::to(&format!("{HERE}/{new_id}?xong=1")))
        }
        Err(p) => match explain_rights(&t, p) {
            Ok(r) => show(&state, v, &token, &id, false, Some((r, form.clone()))).await,
            Err(p) => problem(v, &here, p),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_days_are_read_with_or_without_their_sign() {
        assert_eq!(
            read_offsets("-14, -7, -1, 0, +1, +7"),
            Some(vec![-14, -7, -1, 0, 1, 7])
        );
        assert_eq!(read_offsets("-7 -1 0"), Some(vec![-7, -1, 0]));
        assert_eq!(read_offsets("-7, một tuần"), None);
        assert_eq!(offsets_text(&[-14, 0, 7]), "-14, 0, +7");
        assert_eq!(
            read_offsets(&offsets_text(&[-14, 0, 7])),
            Some(vec![-14, 0, 7])
        );
    }
}
