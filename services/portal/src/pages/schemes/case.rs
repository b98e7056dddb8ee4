//! `/de-an/{id}`: one scheme — its content and money, where it stands in its fund's approval chain
//! and who takes the next step (by which date), its beneficiaries, the appraisal (each member's
//! declaration, scores and recommendation; the conclusion), its documents and history — with the
//! forms the visitor may use: the appraisal (`POST /de-an/{id}/tham-dinh`: declare no conflict of
//! interest, score each criterion of the rubric in force, recommend an amount) and the next step or
//! a rejection (`POST /de-an/{id}/buoc`). Workflow decides; a refusal is shown beside the form.

use super::status_key;
use crate::PortalState;
use crate::api::Problem;
use crate::pages::applications::form::dong;
use crate::pages::applications::{Refusal, activity_name, activity_types, fund_key, money_text};
use crate::pages::{Chrome, Posted, SignedIn, moment, problem, role_key};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::{DateTime, Utc};
use kc_kernel::{
    DocumentKind, Fund, Money, Role, SchemeKind, SchemeStatus, format_date_vn, today_vn,
};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Deserialize)]
struct Scheme {
    id: Uuid,
    province_code: String,
    implementing_org_name: String,
    status: SchemeStatus,
    version: i32,
    kind: SchemeKind,
    fund: Fund,
    plan_year: i32,
    activity_code: String,
    title: String,
    commune: String,
    total_cost: Money,
    support_requested: Money,
    counterpart: Money,
    support_recommended: Option<Money>,
    support_approved: Option<Money>,
    paid: Money,
    settled: Option<Money>,
    progress_percent: i32,
    status_reason: Option<String>,
    stage_since: DateTime<Utc>,
    due_at: Option<DateTime<Utc>>,
    overdue: bool,
    beneficiaries: Vec<Beneficiary>,
    steps: Vec<StepRow>,
    appraisal: Vec<Score>,
    conclusion: Option<Conclusion>,
    next: Option<NextStep>,
    caller_acts: bool,
}

#[derive(Debug, Deserialize)]
struct Beneficiary {
    organisation_name: String,
    woman_owned: bool,
    ethnic_minority_owned: bool,
}

#[derive(Debug, Deserialize)]
struct StepRow {
    from_status: SchemeStatus,
    to_status: SchemeStatus,
    at: DateTime<Utc>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Score {
    scores: BTreeMap<String, Value>,
    total: i32,
    recommended_amount: Money,
    passes: bool,
    note: Option<String>,
    scored_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct Conclusion {
    appraisers: usize,
    passes: bool,
    recommended: Money,
}

#[derive(Debug, Deserialize)]
struct NextStep {
    actor_role: Role,
    needs_appraisal: bool,
    commits_budget: bool,
    label_vi: String,
}

#[derive(Debug, Deserialize)]
struct Document {
    id: Uuid,
    kind: DocumentKind,
    filename: String,
    uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub name_vi: String,
    pub max: u32,
}

#[derive(Debug, Deserialize)]
struct Rubric {
    criteria: Vec<Criterion>,
    pass_total: u32,
}

#[derive(Debug, Deserialize)]
struct RuleRow {
    key: String,
    province_id: Option<Uuid>,
    fund: Option<Fund>,
    body: Value,
}

/// One appraiser's line: the points per criterion in the rubric's order.
pub struct ScoreLine {
    pub n: usize,
    pub points: Vec<String>,
    pub total: i32,
    pub recommended: String,
    pub passes: bool,
    pub note: String,
    pub at: String,
}

/// `templates/scheme.html`.
#[derive(Template, WebTemplate)]
#[template(path = "scheme.html")]
struct SchemePage {
    c: Chrome,
    id: Uuid,
    version: i32,
    /// Approved or later: its implementation has a page.
    executes: bool,
    title: String,
    status: &'static str,
    status_label: &'static str,
    reason: Option<String>,
    since: String,
    due: Option<String>,
    overdue: bool,
    facts: Vec<(&'static str, String)>,
    beneficiaries: Vec<(String, bool, bool)>,
    next_label: Option<String>,
    next_by: Option<&'static str>,
    caller_acts: bool,
    commits_budget: bool,
    needs_appraisal: bool,
    approve_default: String,
    criteria: Vec<Criterion>,
    pass_total: u32,
    scores: Vec<ScoreLine>,
    conclusion: Option<(usize, bool, String)>,
    may_score: bool,
    documents: Vec<(Uuid, &'static str, String, String)>,
    history: Vec<(String, &'static str, &'static str, String)>,
    done: Option<&'static str>,
    refusal: Option<Refusal>,
    /// What was typed in the appraisal form, kept when it is refused.
    typed: BTreeMap<String, String>,
}

impl SchemePage {
    fn typed(&self, key: &str) -> &str {
        self.typed.get(key).map_or("", String::as_str)
    }

    fn err(&self, key: &str) -> Option<&str> {
        self.refusal.as_ref().and_then(|r| r.field(key))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CaseQuery {
    #[serde(default)]
    xong: Option<String>,
}

pub async fn show(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Response {
    let done = match q.xong.as_deref() {
        Some("tham-dinh") => Some("scheme.done.scored"),
        Some("buoc") => Some("scheme.done.step"),
        Some("tu-choi") => Some("scheme.done.rejected"),
        Some("moi") => Some("scheme.done.created"),
        _ => None,
    };
    render(&state, v, &token, &id, done, None, BTreeMap::new()).await
}

/// The national rubrics in force today (workflow's dated rules; none when they cannot be read).
async fn rubrics(state: &PortalState, token: &str) -> Vec<RuleRow> {
    state
        .api
        .get::<Items<RuleRow>>(
            "workflow",
            &format!("/api/v1/rules?kind=rubric&as_of={}", today_vn()),
            token,
        )
        .await
        .map(|r| r.items)
        .unwrap_or_default()
}

/// The rubric for an activity type: its own, or the `default` one (as workflow scores).
fn rubric_of(rules: &[RuleRow], activity: &str) -> Option<Rubric> {
    [activity, "default"].into_iter().find_map(|key| {
        rules
            .iter()
            .find(|r| r.key == key && r.province_id.is_none() && r.fund.is_none())
            .and_then(|r| serde_json::from_value(r.body.clone()).ok())
    })
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: &str,
    done: Option<&'static str>,
    refusal: Option<Refusal>,
    typed: BTreeMap<String, String>,
) -> Response {
    let here = format!("/de-an/{id}");
    let Ok(id) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let c = Chrome::new(&v, &here);
    let paths = [
        format!("/api/v1/schemes/{id}"),
        format!("/api/v1/schemes/{id}/documents"),
    ];
    let (s, docs, types, rubrics) = tokio::join!(
        state.api.get::<Scheme>("workflow", &paths[0], token),
        state
            .api
            .get::<Items<Document>>("workflow", &paths[1], token),
        activity_types(state, token, &c),
        rubrics(state, token),
    );
    let (s, docs) = match (s, docs) {
        (Ok(s), Ok(d)) => (s, d.items),
        (Err(p), _) | (_, Err(p)) => return problem(v, &here, p),
    };
    let rubric = rubric_of(&rubrics, &s.activity_code);
    let types = types.unwrap_or_default();
    let t = c.t;
    let criteria = rubric
        .as_ref()
        .map(|r| r.criteria.clone())
        .unwrap_or_default();
    let role = v.claims().map(|c| c.role);
    let facts = vec![
        ("col.implementer", s.implementing_org_name.clone()),
        ("col.province", s.province_code.clone()),
        ("field.fund", t.get(fund_key(s.fund)).to_owned()),
        (
            "scheme.kind",
            t.get(match s.kind {
                kc_kernel::SchemeKind::Point => "scheme.kind.point",
                kc_kernel::SchemeKind::Grouped => "scheme.kind.grouped",
            })
            .to_owned(),
        ),
        ("field.plan_year", s.plan_year.to_string()),
        (
            "field.activity_code",
            activity_name(&types, &s.activity_code),
        ),
        ("field.commune", s.commune.clone()),
        ("field.total_cost", money_text(Some(s.total_cost))),
        ("col.requested", money_text(Some(s.support_requested))),
        ("field.counterpart", money_text(Some(s.counterpart))),
        ("scheme.recommended", money_text(s.support_recommended)),
        ("col.approved", money_text(s.support_approved)),
        ("col.paid", money_text(Some(s.paid))),
        ("col.settled", money_text(s.settled)),
        ("scheme.progress", format!("{} %", s.progress_percent)),
    ]
    .into_iter()
    .map(|(k, v)| (t.get(k), v))
    .collect();
    let status = if refusal.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SchemePage {
        id: s.id,
        version: s.version,
        executes: matches!(
            s.status,
            SchemeStatus::Approved
                | SchemeStatus::Implementing
                | SchemeStatus::Accepted
                | SchemeStatus::SettlementSubmitted
                | SchemeStatus::Settled
                | SchemeStatus::Terminated
        ),
        title: s.title.clone(),
        status: s.status.as_str(),
        status_label: t.get(status_key(s.status)),
        reason: s.status_reason.clone().filter(|r| !r.is_empty()),
        since: moment(s.stage_since),
        due: s
            .due_at
            .map(|d| format_date_vn(kc_kernel::day_in_vietnam(d))),
        overdue: s.overdue,
        facts,
        beneficiaries: s
            .beneficiaries
            .iter()
            .map(|b| {
                (
                    b.organisation_name.clone(),
                    b.woman_owned,
                    b.ethnic_minority_owned,
                )
            })
            .collect(),
        next_label: s.next.as_ref().map(|n| n.label_vi.clone()),
        next_by: s.next.as_ref().map(|n| t.get(role_key(n.actor_role))),
        caller_acts: s.caller_acts,
        commits_budget: s.next.as_ref().is_some_and(|n| n.commits_budget),
        needs_appraisal: s.next.as_ref().is_some_and(|n| n.needs_appraisal),
        approve_default: crate::pages::applications::money_field(
            s.conclusion
                .as_ref()
                .map(|c| c.recommended)
                .or(s.support_recommended)
                .or(Some(s.support_requested)),
        ),
        pass_total: rubric.as_ref().map_or(0, |r| r.pass_total),
        scores: s
            .appraisal
            .iter()
            .enumerate()
            .map(|(i, a)| ScoreLine {
                n: i + 1,
                points: criteria
                    .iter()
                    .map(|c| {
                        a.scores
                            .get(&c.code)
                            .map(Value::to_string)
                            .unwrap_or_default()
                    })
                    .collect(),
                total: a.total,
                recommended: a.recommended_amount.format_dong(),
                passes: a.passes,
                note: a.note.clone().unwrap_or_default(),
                at: moment(a.scored_at),
            })
            .collect(),
        criteria,
        conclusion: s
            .conclusion
            .as_ref()
            .map(|c| (c.appraisers, c.passes, c.recommended.format_dong())),
        may_score: s.status == SchemeStatus::Registered && role == Some(Role::Province),
        documents: docs
            .iter()
            .map(|d| {
                (
                    d.id,
                    t.get(crate::pages::applications::document_key(d.kind)),
                    d.filename.clone(),
                    moment(d.uploaded_at),
                )
            })
            .collect(),
        history: s
            .steps
            .iter()
            .map(|h| {
                (
                    moment(h.at),
                    t.get(status_key(h.from_status)),
                    t.get(status_key(h.to_status)),
                    h.reason.clone().unwrap_or_default(),
                )
            })
            .collect(),
        done: done.map(|k| t.get(k)),
        refusal,
        typed,
        c,
    };
    v.respond((status, page))
}

/// `POST /de-an/{id}/tham-dinh`: an appraiser's declaration, scores and recommendation.
pub async fn score(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let here = format!("/de-an/{id}");
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(uuid) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let t = v.texts();
    let mut scores = Map::new();
    for (k, val) in &form {
        if let Some(code) = k.strip_prefix("score.") {
            let val = val.trim();
            scores.insert(
                code.to_owned(),
                val.parse::<u64>().map_or_else(|_| json!(val), |n| json!(n)),
            );
        }
    }
    let amount = form.get("recommended_amount").map_or("", |s| s.trim());
    let Some(amount) = dong(amount) else {
        let r = Refusal {
            message: t.get("form.fix").to_owned(),
            fields: BTreeMap::from([(
                "recommended_amount".to_owned(),
                t.get("form.bad_money").to_owned(),
            )]),
        };
        return render(&state, v, &token, &id, None, Some(r), form).await;
    };
    let mut body = json!({
        "no_conflict": form.get("no_conflict").is_some_and(|x| x == "1"),
        "scores": scores,
        "recommended_amount": amount,
    });
    if let Some(note) = form.get("note").map(|n| n.trim()).filter(|n| !n.is_empty()) {
        body["note"] = json!(note);
    }
    match state
        .api
        .send(
            Method::POST,
            "workflow",
            &format!("/api/v1/schemes/{uuid}/appraisal"),
            Some(&token),
            Some(&body),
        )
        .await
    {
        Ok(_) => v.respond(Redirect::to(&format!("{here}?xong=tham-dinh"))),
        Err(Problem::Rejected {
            message, fields, ..
        }) => {
            let r = Refusal { message, fields };
            render(&state, v, &token, &id, None, Some(r), form).await
        }
        Err(p) => problem(v, &here, p),
    }
}

/// `POST /de-an/{id}/buoc`: the next step of the chain (`act=advance`, with the support approved
/// when the step commits the budget) or a rejection (`act=reject`, with its reason).
pub async fn step(
    State(state): State<PortalState>,
    Path(id): Path<String>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let here = format!("/de-an/{id}");
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(uuid) = id.parse::<Uuid>() else {
        return problem(v, &here, Problem::NotFound);
    };
    let t = v.texts();
    let version = form
        .get("version")
        .and_then(|x| x.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let reason = form.get("reason").map_or("", |r| r.trim());
    let (route, done, mut body) = match form.get("act").map(String::as_str) {
        Some("reject") => (
            "reject",
            "tu-choi",
            json!({"version": version, "reason": reason}),
        ),
        Some("advance") => ("advance", "buoc", json!({"version": version})),
        _ => return problem(v, &here, Problem::NotFound),
    };
    if route == "advance" {
        if !reason.is_empty() {
            body["reason"] = json!(reason);
        }
        if let Some(a) = form
            .get("support_approved")
            .map(|a| a.trim())
            .filter(|a| !a.is_empty())
        {
            match dong(a) {
                Some(d) => body["support_approved"] = json!(d),
                None => {
                    let r = Refusal {
                        message: t.get("form.fix").to_owned(),
                        fields: BTreeMap::from([(
                            "support_approved".to_owned(),
                            t.get("form.bad_money").to_owned(),
                        )]),
                    };
                    return render(&state, v, &token, &id, None, Some(r), form).await;
                }
            }
        }
    }
    match state
        .api
        .send(
            Method::POST,
            "workflow",
            &format!("/api/v1/schemes/{uuid}/{route}"),
            Some(&token),
            Some(&body),
        )
        .await
    {
        Ok(_) => v.respond(Redirect::to(&format!("{here}?xong={done}"))),
        Err(Problem::Rejected { status: 412, .. }) => {
            let r = Refusal {
                message: t.get("case.stale").to_owned(),
                fields: BTreeMap::new(),
            };
            render(&state, v, &token, &id, None, Some(r), BTreeMap::new()).await
        }
        Err(Problem::Rejected {
            message, fields, ..
        }) => {
            let r = Refusal { message, fields };
            render(&state, v, &token, &id, None, Some(r), form).await
        }
        Err(p) => problem(v, &here, p),
    }
}
