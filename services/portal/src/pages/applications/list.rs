//! `/ho-so`: the applications the visitor sees — an enterprise its own, a centre or a department the
//! province's queue, the ministry every province's — filtered by state, overdue or words, oldest
//! stage first, fifty to a page. A centre officer takes a step on many at once (`/ho-so/lo`).

use super::{Act, Application, activity_name, activity_types, status_key};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::{Chrome, SignedIn, bad_csrf, moment, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use kc_http::Paged;
use kc_kernel::{ApplicationStatus, Role, day_in_vietnam, format_date_vn};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

const HERE: &str = "/ho-so";

/// One line of the list.
pub struct Line {
    pub id: String,
    /// `id:version`, what a batch step sends back.
    pub pick: String,
    pub title: String,
    pub applicant: String,
    pub province: String,
    pub activity: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub since: String,
    pub due: String,
    pub due_iso: String,
    pub overdue: bool,
    pub submissions: i32,
}

/// What a batch step did: how many were done, and each refusal (the case and why).
pub struct BatchDone {
    pub done: u64,
    pub failed: Vec<(String, String)>,
}

/// `templates/applications.html`.
#[derive(Template, WebTemplate)]
#[template(path = "applications.html")]
struct ListPage {
    c: Chrome,
    lines: Vec<Line>,
    /// The filters chosen.
    status: &'static str,
    overdue: bool,
    q: String,
    /// Why the service refused the filter (the list then shows every case).
    refused: Option<String>,
    statuses: Vec<(&'static str, &'static str, bool)>,
    total: i64,
    page: u64,
    pages: u64,
    /// The query of this list without its page (the pager adds it).
    query: String,
    /// Whether the visitor applies (an enterprise) or takes steps on many at once (a centre).
    applies: bool,
    batch: bool,
    batch_acts: Vec<(&'static str, &'static str)>,
    done: Option<BatchDone>,
    /// The export's columns: workflow's key, the label.
    columns: Vec<(&'static str, &'static str)>,
}

/// The columns of the list's export a visitor may choose (workflow's keys), with their labels.
pub const EXPORT_COLUMNS: [(&str, &str); 9] = [
    ("province_code", "col.province"),
    ("organisation_name", "col.applicant"),
    ("title", "col.case"),
    ("fund", "field.fund"),
    ("plan_year", "field.plan_year"),
    ("status", "col.state"),
    ("support_requested", "col.requested"),
    ("stage_since", "col.since"),
    ("due_on", "col.due"),
];

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    overdue: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

pub async fn list(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    render(&state, SignedIn { v, token }, q, None, None).await
}

async fn render(
    state: &PortalState,
    SignedIn { v, token }: SignedIn,
    q: ListQuery,
    done: Option<BatchDone>,
    // A filter the service refused: its message, and the words as typed (kept in the search box).
    refused: Option<(String, String)>,
) -> Response {
    let status = q
        .status
        .as_deref()
        .and_then(|s| s.parse::<ApplicationStatus>().ok());
    // The page's filters are the service's own: one query for both, and for the pager.
    let overdue = q.overdue.as_deref() == Some("true");
    let words = q.q.as_deref().unwrap_or("").trim().to_owned();
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let query = {
        let mut f = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = status {
            f.append_pair("status", s.as_str());
        }
        if overdue {
            f.append_pair("overdue", "true");
        }
        if !words.is_empty() {
            f.append_pair("q", &words);
        }
        f.finish()
    };
    let path = format!("/api/v1/applications?per_page=50&page={page}&{query}");
    let c = Chrome::new(&v, HERE);
    let (list, types) = tokio::join!(
        state
            .api
            .get::<Paged<Application>>("workflow", &path, &token),
        activity_types(state, &token, &c)
    );
    let list = match list {
        Ok(l) => l,
        // A filter the service refuses lists everything instead of failing the page, and says so.
        Err(Problem::Rejected {
            message, fields, ..
        }) if !query.is_empty() => {
            let why = std::iter::once(message)
                .chain(fields.into_values())
                .collect::<Vec<_>>()
                .join(" · ");
            return Box::pin(render(
                state,
                SignedIn { v, token },
                ListQuery::default(),
                done,
                Some((why, words)),
            ))
            .await;
        }
        Err(p) => return problem(v, HERE, p),
    };
    let types = types.unwrap_or_default();
    let role = v.claims().map(|c| c.role);
    let lines = list
        .items
        .iter()
        .map(|a| Line {
            id: a.id.to_string(),
            pick: format!("{}:{}", a.id, a.version),
            title: a
                .title
                .clone()
                .unwrap_or_else(|| c.t.get("app.untitled").to_owned()),
            applicant: a.organisation_name.clone(),
            province: a.province_code.clone(),
            activity: a
                .activity_code
                .as_deref()
                .map(|code| activity_name(&types, code))
                .unwrap_or_default(),
            status: a.status.as_str(),
            status_label: c.t.get(status_key(a.status)),
            since: moment(a.stage_since),
            due: a
                .due_at
                .map(|d| format_date_vn(day_in_vietnam(d)))
                .unwrap_or_default(),
            due_iso: a
                .due_at
                .map(|d| day_in_vietnam(d).to_string())
                .unwrap_or_default(),
            overdue: a.overdue,
            submissions: a.submissions,
        })
        .collect();
    let page = ListPage {
        lines,
        status: status.map_or("", |s| s.as_str()),
        overdue,
        q: refused.as_ref().map_or(words, |(_, typed)| typed.clone()),
        refused: refused.map(|(why, _)| why),
        statuses: ApplicationStatus::ALL
            .iter()
            .map(|s| (s.as_str(), c.t.get(status_key(*s)), Some(*s) == status))
            .collect(),
        total: list.total,
        page: list.page,
        pages: list.pages(),
        query,
        columns: EXPORT_COLUMNS
            .iter()
            .map(|(k, label)| (*k, c.t.get(label)))
            .collect(),
        applies: role == Some(Role::Enterprise),
        batch: c.centre(),
        batch_acts: Act::ALL
            .into_iter()
            .filter(|a| a.in_batch())
            .map(|a| (a.as_str(), c.t.get(a.key())))
            .collect(),
        done,
        c,
    };
    v.respond(page)
}

/// A step on many cases at once, as the queue's form posts it: the step, a reason, and each case
/// ticked as `id:version` (the key `item` once per box, which is why the form is read as pairs).
#[derive(Debug, Default)]
pub struct BatchForm {
    csrf: String,
    act: String,
    reason: String,
    item: Vec<String>,
}

impl BatchForm {
    fn parse(body: &[u8]) -> BatchForm {
        let mut f = BatchForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "_csrf" => f.csrf = v.into_owned(),
                "act" => f.act = v.into_owned(),
                "reason" => f.reason = v.into_owned(),
                "item" => f.item.push(v.into_owned()),
                _ => {}
            }
        }
        f
    }
}

#[derive(Deserialize)]
struct Outcome {
    done: u64,
    results: Vec<ItemResult>,
}

#[derive(Deserialize)]
struct ItemResult {
    id: String,
    status: u16,
    error: Option<serde_json::Value>,
}

/// `POST /ho-so/lo`: workflow answers each case on its own; the queue shows what was done and why
/// any case was not.
pub async fn batch(State(state): State<PortalState>, v: Visitor, body: Bytes) -> Response {
    let f = BatchForm::parse(&body);
    if !v.csrf_ok(&f.csrf) {
        return bad_csrf(v, HERE);
    }
    let signed = match SignedIn::of(v, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = signed.v.texts();
    let items: Vec<serde_json::Value> = f
        .item
        .iter()
        .filter_map(|i| i.split_once(':'))
        .filter_map(|(id, version)| {
            Some(json!({"id": id.parse::<uuid::Uuid>().ok()?, "version": version.parse::<i32>().ok()?}))
        })
        .collect();
    let act = Act::parse(&f.act).filter(|a| a.in_batch());
    let done = match act {
        None => BatchDone {
            done: 0,
            failed: vec![(String::new(), t.get("batch.no_act").to_owned())],
        },
        Some(_) if items.is_empty() => BatchDone {
            done: 0,
            failed: vec![(String::new(), t.get("batch.none_picked").to_owned())],
        },
        Some(act) => {
            let mut body = json!({"action": act.as_str(), "items": items});
            if !f.reason.trim().is_empty() {
                body["reason"] = json!(f.reason.trim());
            }
            match state
                .api
                .send(
                    Method::POST,
                    "workflow",
                    "/api/v1/applications/batch",
                    Some(&signed.token),
                    Some(&body),
                )
                .await
                .map(serde_json::from_value::<Outcome>)
            {
                Ok(Ok(o)) => BatchDone {
                    done: o.done,
                    failed: o
                        .results
                        .into_iter()
                        .filter(|r| r.status != 200)
                        .map(|r| {
                            let why = r
                                .error
                                .as_ref()
                                .and_then(|e| e["message"].as_str())
                                .unwrap_or_default()
                                .to_owned();
                            (r.id, why)
                        })
                        .collect(),
                },
                Ok(Err(_)) => return problem(signed.v, HERE, Problem::Down),
                Err(Problem::Rejected {
                    message, fields, ..
                }) => BatchDone {
                    done: 0,
                    failed: std::iter::once((String::new(), message))
                        .chain(fields.into_values().map(|m| (String::new(), m)))
                        .collect(),
                },
                Err(p) => return problem(signed.v, HERE, p),
            }
        }
    };
    render(&state, signed, ListQuery::default(), Some(done), None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_form_keeps_every_case_ticked() {
        let f = BatchForm::parse(b"_csrf=t&act=accept&item=a%3A1&item=b%3A2&reason=");
        assert_eq!(f.csrf, "t");
        assert_eq!(f.act, "accept");
        assert_eq!(f.item, ["a:1", "b:2"]);
        assert_eq!(f.reason, "");
    }
}
