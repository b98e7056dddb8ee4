//! `/ho-so/{id}`: one case, as its applicant and the province's staff see it — where it stands and
//! who holds it until when, the reason of a return, its content, documents, submitted versions and
//! history — and the steps the visitor may take now (`POST /ho-so/{id}/buoc`). A submission workflow
//! refuses lists each field at fault with a link to the step of the form that holds it.
//! `/ho-so/{id}/so-sanh/{a}/{b}`: what changed between two submitted versions. The page prints as
//! the dossier.

use super::form::{label_key, step_of};
use super::{
    APPLICATION_DOCUMENTS, Act, Application, Holder, Refusal, activity_name, activity_types,
    date_text, document_key, fund_key, holder_key, money_text, progress, status_key,
};
use crate::PortalState;
use crate::api::Problem;
use crate::i18n::Texts;
use crate::pages::{Chrome, Posted, SignedIn, moment, problem, role_key};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kc_kernel::{
    ApplicationStatus, DocumentKind, Fund, Money, Role, day_in_vietnam, format_date_vn,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct Document {
    id: Uuid,
    kind: DocumentKind,
    version: i32,
    filename: String,
    size_bytes: i64,
    uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct Step {
    at: DateTime<Utc>,
    from_status: ApplicationStatus,
    to_status: ApplicationStatus,
    by_role: Role,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Version {
    number: i32,
    submitted_at: DateTime<Utc>,
}

/// A line of the case's history.
pub struct HistoryLine {
    pub at: String,
    pub from: &'static str,
    pub to: &'static str,
    pub by: &'static str,
    pub reason: String,
}

/// A document, written out.
pub struct DocLine {
    pub id: Uuid,
    pub kind: &'static str,
    pub filename: String,
    pub version: i32,
    pub size: String,
    pub at: String,
}

/// A step the visitor may take, as a form.
pub struct ActForm {
    pub act: &'static str,
    pub label: &'static str,
    pub takes_reason: bool,
    pub needs_reason: bool,
    pub danger: bool,
}

/// A field workflow refused, with the step of the form that holds it.
pub struct Fault {
    pub label: &'static str,
    pub message: String,
    pub step: Option<usize>,
}

/// `templates/application.html`.
#[derive(Template, WebTemplate)]
#[template(path = "application.html")]
struct CasePage {
    c: Chrome,
    id: Uuid,
    version: i32,
    title: String,
    status: &'static str,
    status_label: &'static str,
    progress: Vec<(&'static str, bool, bool)>,
    holder: Option<&'static str>,
    /// The applicant holds it (their move).
    theirs: bool,
    due: Option<String>,
    overdue: bool,
    since: String,
    reason: Option<(&'static str, String)>,
    facts: Vec<(&'static str, String)>,
    expected_results: String,
    editable: bool,
    steps: Vec<(usize, &'static str)>,
    documents: Vec<DocLine>,
    may_upload: bool,
    /// A centre may build a scheme from this case (accepted, in no scheme yet).
    builds_scheme: bool,
    /// The scheme the case is in: the enterprise's progress page, or the scheme's page for staff.
    scheme_link: Option<(String, &'static str)>,
    /// The kinds of document: code, label, whether chosen (after a refused upload).
    kinds: Vec<(&'static str, &'static str, bool)>,
    versions: Vec<(i32, String)>,
    history: Vec<HistoryLine>,
    acts: Vec<ActForm>,
    /// What the last step did, or why it was refused.
    done: Option<&'static str>,
    refusal: Option<String>,
    faults: Vec<Fault>,
    stale: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    /// The step just taken (the page says it was).
    #[serde(default)]
    buoc: Option<String>,
    /// An upload just made.
    #[serde(default, rename = "tai-len")]
    uploaded: Option<String>,
}

/// What the page says beside the case: the step just taken, or a refusal.
#[derive(Default)]
pub struct Said {
    pub done: Option<&'static str>,
    pub refusal: Option<Refusal>,
    pub stale: bool,
    /// The status of a refusal when it is not 422 (a file too large: 413).
    pub status: Option<StatusCode>,
    /// The document kind chosen in a refused upload.
    pub kind: Option<String>,
}

pub async fn show(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Response {
    let done = if q.uploaded.is_some() {
        Some("case.uploaded")
    } else {
        q.buoc.as_deref().and_then(Act::parse).map(done_key)
    };
    render(
        &state,
        v,
        &token,
        &id,
        Said {
            done,
            ..Said::default()
        },
    )
    .await
}

fn done_key(a: Act) -> &'static str {
    match a {
        Act::Submit => "done.submit",
        Act::Review => "done.review",
        Act::Return => "done.return",
        Act::Accept => "done.accept",
        Act::Reject => "done.reject",
        Act::Withdraw => "done.withdraw",
    }
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!(
            "{} MB",
            kc_kernel::format_vn(rust_decimal::Decimal::new(bytes * 10 / (1024 * 1024), 1), 1)
        )
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// Draw the case page, with what was just said about it.
pub async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: &str,
    said: Said,
) -> Response {
    let here = format!("/ho-so/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let c = Chrome::new(&v, &here);
    let api = &state.api;
    let paths = [
        format!("/api/v1/applications/{id}"),
        format!("/api/v1/applications/{id}/documents"),
        format!("/api/v1/applications/{id}/history"),
        format!("/api/v1/applications/{id}/versions"),
    ];
    let (a, docs, history, versions, types) = tokio::join!(
        api.get::<Application>("workflow", &paths[0], token),
        api.get::<Items<Document>>("workflow", &paths[1], token),
        api.get::<Items<Step>>("workflow", &paths[2], token),
        api.get::<Items<Version>>("workflow", &paths[3], token),
        activity_types(state, token, &c),
    );
    let (a, docs, history, versions) = match (a, docs, history, versions) {
        (Ok(a), Ok(d), Ok(h), Ok(vs)) => (a, d.items, h.items, vs.items),
        (Err(p), ..) | (_, Err(p), ..) | (_, _, Err(p), _) | (.., Err(p)) => {
            return problem(v, &here, p);
        }
    };
    let types = types.unwrap_or_default();
    let t = c.t;
    let yes_no = |b: bool| t.get(if b { "yes" } else { "no" }).to_owned();
    let facts = vec![
        ("col.applicant", a.organisation_name.clone()),
        (
            "field.fund",
            a.fund
                .map(|f| t.get(fund_key(f)).to_owned())
                .unwrap_or_default(),
        ),
        (
            "field.activity_code",
            a.activity_code
                .as_deref()
                .map(|code| activity_name(&types, code))
                .unwrap_or_default(),
        ),
        (
            "field.plan_year",
            a.plan_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        ("field.commune", a.commune.clone().unwrap_or_default()),
        ("field.total_cost", money_text(a.total_cost)),
        ("field.support_requested", money_text(a.support_requested)),
        ("field.counterpart", money_text(a.counterpart)),
        ("field.start_date", date_text(a.start_date)),
        ("field.end_date", date_text(a.end_date)),
        ("field.difficult_area", yes_no(a.difficult_area)),
        ("field.woman_owned", yes_no(a.woman_owned)),
        (
            "field.ethnic_minority_owned",
            yes_no(a.ethnic_minority_owned),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (t.get(k), v))
    .collect();
    let editable = a.actions.contains(&Act::Submit);
    let reason = a.status_reason.clone().filter(|r| !r.is_empty()).map(|r| {
        let key = match a.status {
            ApplicationStatus::Returned => "case.reason.returned",
            ApplicationStatus::Rejected => "case.reason.rejected",
            _ => "case.reason",
        };
        (t.get(key), r)
    });
    let faults = said
        .refusal
        .as_ref()
        .map(|r| {
            r.fields
                .iter()
                .map(|(k, m)| Fault {
                    label: t.get(label_key(k)),
                    message: m.clone(),
                    step: step_of(k).filter(|_| editable),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = CasePage {
        id,
        version: a.version,
        title: a
            .title
            .clone()
            .unwrap_or_else(|| t.get("app.untitled").to_owned()),
        status: a.status.as_str(),
        status_label: t.get(status_key(a.status)),
        progress: progress(a.status)
            .into_iter()
            .map(|(k, done, now)| (t.get(k), done, now))
            .collect(),
        holder: a.holder.map(|h| t.get(holder_key(h))),
        theirs: a.holder == Some(Holder::Applicant),
        due: a.due_at.map(|d| format_date_vn(day_in_vietnam(d))),
        overdue: a.overdue,
        since: moment(a.stage_since),
        reason,
        facts,
        expected_results: a.expected_results.clone().unwrap_or_default(),
        editable,
        steps: super::form::STEPS
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (i + 1, t.get(k)))
            .collect(),
        documents: docs
            .iter()
            .map(|d| DocLine {
                id: d.id,
                kind: t.get(document_key(d.kind)),
                filename: d.filename.clone(),
                version: d.version,
                size: size(d.size_bytes),
                at: moment(d.uploaded_at),
            })
            .collect(),
        // Workflow is the judge; the form is offered while the case is the visitor's to work on.
        may_upload: a.actions.iter().any(|x| *x != Act::Withdraw),
        scheme_link: a.scheme_id.map(|s| {
            if c.staff() {
                (format!("/de-an/{s}"), "case.scheme")
            } else {
                (format!("/ho-so/{}/tien-do", a.id), "case.progress")
            }
        }),
        builds_scheme: a.status == ApplicationStatus::Accepted
            && a.scheme_id.is_none()
            && c.centre(),
        kinds: APPLICATION_DOCUMENTS
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    t.get(document_key(*k)),
                    said.kind.as_deref() == Some(k.as_str()),
                )
            })
            .collect(),
        versions: versions
            .iter()
            .map(|x| (x.number, moment(x.submitted_at)))
            .collect(),
        history: history
            .iter()
            .map(|s| HistoryLine {
                at: moment(s.at),
                from: t.get(status_key(s.from_status)),
                to: t.get(status_key(s.to_status)),
                by: t.get(role_key(s.by_role)),
                reason: s.reason.clone().unwrap_or_default(),
            })
            .collect(),
        acts: a
            .actions
            .iter()
            .map(|x| ActForm {
                act: x.as_str(),
                label: t.get(x.key()),
                takes_reason: x.takes_reason(),
                needs_reason: x.needs_reason(),
                danger: matches!(x, Act::Reject | Act::Withdraw),
            })
            .collect(),
        done: said.done.map(|k| t.get(k)),
        refusal: said.refusal.map(|r| r.message),
        faults,
        stale: said.stale,
        c,
    };
    let status = match (said.status, page.refusal.is_some() || page.stale) {
        (Some(s), true) => s,
        (None, true) => StatusCode::UNPROCESSABLE_ENTITY,
        (_, false) => StatusCode::OK,
    };
    v.respond((status, page))
}

/// A step, as the case page posts it.
#[derive(Debug, Deserialize)]
pub struct ActInput {
    #[serde(default)]
    act: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    reason: String,
}

/// `POST /ho-so/{id}/buoc`: take a step at the version the page showed.
pub async fn act(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    p: Posted<ActInput>,
) -> Response {
    let here = format!("/ho-so/{id}");
    let SignedIn { v, token } = match SignedIn::of(p.v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (Ok(uuid), Some(act)) = (id.parse::<Uuid>(), Act::parse(&p.form.act)) else {
        return problem(v, &here, Problem::NotFound);
    };
    let mut body = json!({"version": p.form.version.trim().parse::<i64>().unwrap_or(0)});
    if !p.form.reason.trim().is_empty() {
        body["reason"] = json!(p.form.reason.trim());
    }
    let said = match state
        .api
        .send(
            Method::POST,
            "workflow",
            &format!("/api/v1/applications/{uuid}/{}", act.as_str()),
            Some(&token),
            Some(&body),
        )
        .await
    {
        Ok(_) => {
            return v.respond(Redirect::to(&format!("{here}?buoc={}", act.as_str())));
        }
        Err(Problem::Rejected { status: 412, .. }) => Said {
            stale: true,
            ..Said::default()
        },
        Err(Problem::Rejected {
            message, fields, ..
        }) => Said {
            refusal: Some(Refusal { message, fields }),
            ..Said::default()
        },
        Err(p) => return problem(v, &here, p),
    };
    render(&state, v, &token, &id, said).await
}

#[derive(Debug, Deserialize)]
struct Diff {
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
struct Change {
    field: String,
    old: Value,
    new: Value,
}

/// `templates/application_diff.html`.
#[derive(Template, WebTemplate)]
#[template(path = "application_diff.html")]
struct DiffPage {
    c: Chrome,
    id: Uuid,
    from: i32,
    to: i32,
    changes: Vec<(&'static str, String, String)>,
}

/// A value of a submitted version, written for people.
fn shown(t: Texts, field: &str, v: &Value, types: &[(String, String)]) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => t.get(if *b { "yes" } else { "no" }).into(),
        Value::String(s) => match field {
            "total_cost" | "support_requested" | "counterpart" => s
                .parse::<rust_decimal::Decimal>()
                .ok()
                .and_then(|d| Money::new(d).ok())
                .map_or_else(|| s.clone(), |m| m.format_dong()),
            "start_date" | "end_date" => s
                .parse::<NaiveDate>()
                .map_or_else(|_| s.clone(), format_date_vn),
            "fund" => s
                .parse::<Fund>()
                .map_or_else(|_| s.clone(), |f| t.get(fund_key(f)).to_owned()),
            "activity_code" => activity_name(types, s),
            _ => s.clone(),
        },
        other => other.to_string(),
    }
}

pub async fn diff(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path((id, a, b)): Path<(String, String, String)>,
) -> Response {
    let here = format!("/ho-so/{id}/so-sanh/{a}/{b}");
    let (Ok(id), Ok(a), Ok(b)) = (id.parse::<Uuid>(), a.parse::<i32>(), b.parse::<i32>()) else {
        return problem(v, &here, Problem::NotFound);
    };
    let c = Chrome::new(&v, &here);
    let path = format!("/api/v1/applications/{id}/versions/{a}/diff/{b}");
    let (d, types) = tokio::join!(
        state.api.get::<Diff>("workflow", &path, &token),
        activity_types(&state, &token, &c)
    );
    let d = match d {
        Ok(d) => d,
        Err(Problem::Rejected { .. }) => return problem(v, &here, Problem::NotFound),
        Err(p) => return problem(v, &here, p),
    };
    let types = types.unwrap_or_default();
    let t = c.t;
    let page = DiffPage {
        id,
        from: a,
        to: b,
        changes: d
            .changes
            .iter()
            .map(|ch| {
                (
                    t.get(label_key(&ch.field)),
                    shown(t, &ch.field, &ch.old, &types),
                    shown(t, &ch.field, &ch.new, &types),
                )
            })
            .collect(),
        c,
    };
    v.respond(page)
}
