//! `/ho-so/{id}/tien-do`: the enterprise's own progress on the scheme its case was built into —
//! the scheme's state, the progress reports the enterprise made, and, while the scheme is being
//! implemented, the form to report again (the day, the share of the work done, what was done).
//! Workflow keeps the reports; the centre and the department read them with the scheme's others.

use super::form::date;
use super::{Application, date_text};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::accounts::{Refused, explain};
use crate::pages::fields::Input;
use crate::pages::schemes::status_key;
use crate::pages::{Chrome, Posted, SignedIn, moment, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kc_kernel::{SchemeStatus, format_date_vn, today_vn};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
struct Report {
    reported_on: NaiveDate,
    percent_done: Option<i32>,
    body: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct Own {
    status: SchemeStatus,
    may_report: bool,
    reports: Vec<Report>,
}

/// `templates/application_progress.html`.
#[derive(Template, WebTemplate)]
#[template(path = "application_progress.html")]
struct ProgressPage {
    c: Chrome,
    id: Uuid,
    title: String,
    status: &'static str,
    status_label: &'static str,
    /// The last share reported, for the bar.
    percent: Option<i32>,
    /// Each report: its day, its share, what was done, when it was sent.
    reports: Vec<(String, String, String, String)>,
    inputs: Vec<Input>,
    may_report: bool,
    error: Option<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    xong: Option<String>,
}

pub async fn page(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Shown>,
) -> Response {
    render(&state, v, &token, &id, q.xong.is_some(), None).await
}

/// The case and the scheme it is in (not found while it is in none).
async fn load(state: &PortalState, token: &str, id: Uuid) -> Result<(Application, Uuid), Problem> {
    let a: Application = state
        .api
        .get("workflow", &format!("/api/v1/applications/{id}"), token)
        .await?;
    let scheme = a.scheme_id.ok_or(Problem::NotFound)?;
    Ok((a, scheme))
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: &str,
    done: bool,
    refused: Option<(Refused, BTreeMap<String, String>)>,
) -> Response {
    let here = format!("/ho-so/{id}/tien-do");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let own = match load(state, token, id).await {
        Ok((a, scheme)) => state
            .api
            .get::<Own>(
                "workflow",
                &format!("/api/v1/schemes/{scheme}/beneficiary-reports"),
                token,
            )
            .await
            .map(|o| (a, o)),
        Err(p) => Err(p),
    };
    let (a, own) = match own {
        Ok(x) => x,
        Err(p) => return problem(v, &here, p),
    };
    let c = Chrome::new(&v, &here);
    let t = c.t;
    let typed = |k: &str| {
        refused
            .as_ref()
            .and_then(|(_, f)| f.get(k).cloned())
            .unwrap_or_default()
    };
    // Today, until the visitor has typed something else.
    let reported_on = if refused.is_some() {
        typed("reported_on")
    } else {
        format_date_vn(today_vn())
    };
    let mut inputs = vec![
        Input::new(
            "reported_on",
            t.get("exec.reported_on"),
            "date",
            &reported_on,
        ),
        Input::new(
            "percent_done",
            t.get("exec.percent_done"),
            "text",
            &typed("percent_done"),
        ),
        Input::new("body", t.get("exec.body"), "textarea", &typed("body")),
    ];
    let mut error = None;
    if let Some((r, _)) = &refused {
        let others = r.mark(&mut inputs);
        error = Some(
            std::iter::once(r.message.clone())
                .chain(others)
                .collect::<Vec<_>>()
                .join(" · "),
        );
    }
    let status = refused.as_ref().map_or(StatusCode::OK, |(r, _)| r.status);
    let page = ProgressPage {
        id: a.id,
        title: a.title.clone().unwrap_or_default(),
        status: own.status.as_str(),
        status_label: t.get(status_key(own.status)),
        percent: own.reports.iter().rev().find_map(|r| r.percent_done),
        reports: own
            .reports
            .iter()
            .map(|r| {
                (
                    date_text(Some(r.reported_on)),
                    r.percent_done.map(|p| format!("{p} %")).unwrap_or_default(),
                    r.body.clone(),
                    moment(r.created_at),
                )
            })
            .collect(),
        inputs,
        may_report: own.may_report,
        error,
        done,
        c,
    };
    v.respond((status, page))
}

/// `POST /ho-so/{id}/tien-do`: the enterprise reports its progress on the scheme.
pub async fn report(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let here = format!("/ho-so/{id}/tien-do");
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let Ok(case) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let get = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut fields = BTreeMap::new();
    let day = date(&get("reported_on"));
    if day.is_none() {
        fields.insert("reported_on".to_owned(), t.get("form.bad_date").to_owned());
    }
    let percent = get("percent_done")
        .trim_end_matches('%')
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|p| (0..=100).contains(p));
    if percent.is_none() {
        fields.insert(
            "percent_done".to_owned(),
            t.get("exec.bad_percent").to_owned(),
        );
    }
    let refuse = |refused: Refused| Some((refused, form.clone()));
    let (Some(day), Some(percent)) = (day, percent) else {
        return render(
            &state,
            v,
            &token,
            &id,
            false,
            refuse(Refused::form(&t, fields)),
        )
        .await;
    };
    let scheme = match load(&state, &token, case).await {
        Ok((_, s)) => s,
        Err(p) => return problem(v, &here, p),
    };
    let body = json!({"reported_on": day, "percent_done": percent, "body": get("body")});
    let path = format!("/api/v1/schemes/{scheme}/beneficiary-reports");
    match state
        .api
        .send(Method::POST, "workflow", &path, Some(&token), Some(&body))
        .await
    {
        Ok(_) => v.respond(Redirect::to(&format!("{here}?xong=1"))),
        Err(p) => match explain(&t, p) {
            Ok(r) => render(&state, v, &token, &id, false, refuse(r)).await,
            Err(p) => problem(v, &here, p),
        },
    }
}
