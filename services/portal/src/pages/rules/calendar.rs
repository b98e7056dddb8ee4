//! `/quy-dinh/ngay-nghi`: the public holidays and make-up working days of a year, by which due dates
//! move to a working day. The ministry's administrators add, rename or remove a day; the
//! notifications service moves the due dates of the obligations still open that it touches, and says
//! how many.

use crate::PortalState;
use crate::api::Problem;
use crate::pages::accounts::{Refused, explain};
use crate::pages::applications::form::date;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::{Datelike, NaiveDate};
use kc_kernel::{Permission, Role, format_date_vn};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

const HERE: &str = "/quy-dinh/ngay-nghi";

#[derive(Debug, Deserialize)]
struct Day {
    day: NaiveDate,
    kind: String,
    name: String,
}

#[derive(Debug, Deserialize)]
struct Year {
    items: Vec<Day>,
}

/// A weekday's name in the catalogue.
fn weekday_key(d: NaiveDate) -> &'static str {
    match d.weekday().number_from_monday() {
        1 => "weekday.1",
        2 => "weekday.2",
        3 => "weekday.3",
        4 => "weekday.4",
        5 => "weekday.5",
        6 => "weekday.6",
        _ => "weekday.7",
    }
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "working_day" => "calendar.kind.working_day",
        _ => "calendar.kind.holiday",
    }
}

/// `templates/rule_calendar.html`.
#[derive(Template, WebTemplate)]
#[template(path = "rule_calendar.html")]
struct CalendarPage {
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    /// Each day: its ISO form, written out, its weekday, its kind (class, label), its name.
    days: Vec<(String, String, &'static str, String, &'static str, String)>,
    inputs: Vec<Input>,
    may_edit: bool,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    nam: Option<i32>,
    #[serde(default)]
    xong: Option<u64>,
}

/// Whether the visitor keeps the calendar (a ministry administrator).
fn keeps(v: &Visitor) -> bool {
    v.claims()
        .is_some_and(|c| c.role == Role::Ministry && c.perms.contains(&Permission::Admin))
}

pub async fn page(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<Shown>,
) -> Response {
    let year = crate::pages::plan_year(q.nam);
    render(&state, v, &token, year, q.xong, None).await
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    year: i32,
    moved: Option<u64>,
    refused: Option<(Refused, BTreeMap<String, String>)>,
) -> Response {
    let path = format!("/api/v1/calendar-days?year={year}");
    let days = match state.api.get::<Year>("notifications", &path, token).await {
        Ok(y) => y.items,
        Err(p) => return problem(v, HERE, p),
    };
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let typed = |k: &str| {
        refused
            .as_ref()
            .and_then(|(_, f)| f.get(k).cloned())
            .unwrap_or_default()
    };
    let mut inputs = vec![
        Input::new("day", t.get("calendar.day"), "date", &typed("day")),
        Input::new("kind", t.get("calendar.kind"), "select", &typed("kind")).options(
            ["holiday", "working_day"]
                .iter()
                .map(|k| ((*k).to_owned(), t.get(kind_key(k)).to_owned()))
                .collect(),
        ),
        Input::new("name", t.get("calendar.name"), "text", &typed("name"))
            .hint(t.get("calendar.hint.name")),
    ];
    let error = refused.as_ref().map(|(r, _)| {
        let others = r.mark(&mut inputs);
        std::iter::once(r.message.clone())
            .chain(others)
            .collect::<Vec<_>>()
            .join(" · ")
    });
    let status = refused.as_ref().map_or(StatusCode::OK, |(r, _)| r.status);
    let page = CalendarPage {
        year,
        years: crate::pages::plan_years(),
        days: days
            .iter()
            .map(|d| {
                (
                    d.day.to_string(),
                    format_date_vn(d.day),
                    t.get(weekday_key(d.day)),
                    d.kind.clone(),
                    t.get(kind_key(&d.kind)),
                    d.name.clone(),
                )
            })
            .collect(),
        inputs,
        may_edit: keeps(&v),
        error,
        notice: moved.map(|n| format!("{} {n}", t.get("calendar.done"))),
        c,
    };
    v.respond((status, page))
}

/// `POST /quy-dinh/ngay-nghi`: add a day (or rename one, or change its kind); with `remove`, take
/// the day out of the calendar.
pub async fn change(
    State(state): State<PortalState>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let SignedIn { v, token } = match SignedIn::of(v, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let get = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let Some(day) = date(&get("day")) else {
        let year = crate::pages::plan_year(form.get("year").and_then(|y| y.parse().ok()));
        let r = Refused::form(
            &t,
            [("day".to_owned(), t.get("form.bad_date").to_owned())].into(),
        );
        return render(&state, v, &token, year, None, Some((r, form.clone()))).await;
    };
    // The year of the day, shown again (one the calendar keeps).
    let year = crate::pages::plan_year(Some(day.year()));
    let answer = if form.contains_key("remove") {
        let path = format!("/api/v1/calendar-days?day={day}");
        state
            .api
            .send(Method::DELETE, "notifications", &path, Some(&token), None)
            .await
    } else {
        let body = json!({"day": day, "kind": get("kind"), "name": get("name")});
        state
            .api
            .send(
                Method::POST,
                "notifications",
                "/api/v1/calendar-days",
                Some(&token),
                Some(&body),
            )
            .await
    };
    match answer {
        Ok(a) => {
            let moved = a["obligations_redated"].as_u64().unwrap_or(0);
            v.respond(Redirect::to(&format!("{HERE}?nam={year}&xong={moved}")))
        }
        Err(p) => match explain(&t, p) {
            Ok(r) => render(&state, v, &token, year, None, Some((r, form.clone()))).await,
            Err(Problem::NotFound) => {
                let r = Refused {
                    status: StatusCode::NOT_FOUND,
                    message: t.get("calendar.not_there").to_owned(),
                    fields: BTreeMap::new(),
                };
                render(&state, v, &token, year, None, Some((r, form.clone()))).await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}
