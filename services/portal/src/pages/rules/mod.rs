//! `/quy-dinh`: the dated reference rules the law may change — the extension programme's (activity
//! types, support caps, deadlines, stage time limits, priorities, appraisal rubrics, advance limits,
//! adjustment routes; kept by workflow) and the clusters' (size, new clusters, expansion,
//! infrastructure support, report periods; kept by the registry). Every version with the days it is
//! in force; `/quy-dinh/{nguon}/{id}`, one version and, for an administrator, the form that issues
//! the next version from a day not in the past (the service ends the one in force the day before and
//! decides who may: the ministry its national rules, a province its own). The figures of a version
//! are edited field by field ([`body`]). The reporting duties and their reminder days: [`duties`];
//! the holidays and make-up working days: [`calendar`].

pub mod body;
pub mod calendar;
pub mod duties;

use crate::PortalState;
use crate::api::Problem;
use crate::i18n::Texts;
use crate::pages::accounts::{Refused, explain_rights};
use crate::pages::applications::form::date;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, moment, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kc_kernel::{Fund, Permission, Role, format_date_vn, today_vn};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

const HERE: &str = "/quy-dinh";

/// Which service keeps a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Workflow: the extension programme's rules.
    Extension,
    /// The registry: the clusters' rules.
    Clusters,
}

impl Source {
    fn parse(s: &str) -> Option<Source> {
        match s {
            "khuyen-cong" => Some(Source::Extension),
            "ccn" => Some(Source::Clusters),
            _ => None,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Source::Extension => "khuyen-cong",
            Source::Clusters => "ccn",
        }
    }

    fn service(self) -> &'static str {
        match self {
            Source::Extension => "workflow",
            Source::Clusters => "registry",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Source::Extension => "/api/v1/rules",
            Source::Clusters => "/api/v1/cluster-rules",
        }
    }
}

/// A rule version, as either service answers it (a cluster rule has no kind or fund: its key says
/// what it is).
#[derive(Debug, Clone, Deserialize)]
struct Version {
    id: Uuid,
    #[serde(default)]
    kind: Option<String>,
    key: String,
    #[serde(default)]
    fund: Option<Fund>,
    province_code: Option<String>,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    body: Value,
    legal_basis: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct Versions {
    items: Vec<Version>,
}

/// What a rule is, as the catalogue names it: a workflow rule's kind, a cluster rule's key.
fn what_key(source: Source, v: &Version) -> &'static str {
    match (source, v.kind.as_deref(), v.key.as_str()) {
        (Source::Extension, Some("activity_type"), _) => "rulekind.activity_type",
        (Source::Extension, Some("support_cap"), _) => "rulekind.support_cap",
        (Source::Extension, Some("deadline"), _) => "rulekind.deadline",
        (Source::Extension, Some("stage_limit"), _) => "rulekind.stage_limit",
        (Source::Extension, Some("priority"), _) => "rulekind.priority",
        (Source::Extension, Some("rubric"), _) => "rulekind.rubric",
        (Source::Extension, Some("advance_limit"), _) => "rulekind.advance_limit",
        (Source::Extension, Some("adjustment_route"), _) => "rulekind.adjustment_route",
        (Source::Clusters, _, "cluster_size") => "rulekind.cluster_size",
        (Source::Clusters, _, "new_cluster") => "rulekind.new_cluster",
        (Source::Clusters, _, "expansion") => "rulekind.expansion",
        (Source::Clusters, _, "infrastructure_support") => "rulekind.infrastructure_support",
        (Source::Clusters, _, "half_year_report") => "rulekind.half_year_report",
        (Source::Clusters, _, "annual_report") => "rulekind.annual_report",
        _ => "rulekind.other",
    }
}

/// The days a version is in force, written out: `01/01/2019 – 31/12/2026`, or `Từ 01/01/2027`.
pub fn in_force(t: &Texts, from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(to) => format!("{} – {}", format_date_vn(from), format_date_vn(to)),
        None => format!("{} {}", t.get("rules.from"), format_date_vn(from)),
    }
}

fn validity(t: &Texts, v: &Version) -> String {
    in_force(t, v.valid_from, v.valid_to)
}

/// Whose a version is: the nation's, or a province's own (`Tỉnh 01`).
pub fn scope_text(t: &Texts, province_code: Option<&str>) -> String {
    province_code.map_or_else(
        || t.get("rules.national").to_owned(),
        |p| format!("{} {p}", t.get("col.province")),
    )
}

/// Whether a version is in force today, ahead, or over.
fn when(v: &Version) -> &'static str {
    let today = today_vn();
    if v.valid_from > today {
        "ahead"
    } else if v.valid_to.is_some_and(|to| to < today) {
        "over"
    } else {
        "now"
    }
}

fn when_key(w: &str) -> &'static str {
    match w {
        "ahead" => "rules.when.ahead",
        "over" => "rules.when.over",
        _ => "rules.when.now",
    }
}

/// The activity types' names by code, in the page's language (a support cap, a rubric or an advance
/// limit is keyed by the activity it is for).
fn activity_names(t: &Texts, versions: &[Version]) -> BTreeMap<String, String> {
    let field = if t.lang.code() == "en" {
        "name_en"
    } else {
        "name_vi"
    };
    versions
        .iter()
        .filter(|v| v.kind.as_deref() == Some("activity_type"))
        .filter_map(|v| Some((v.key.clone(), v.body[field].as_str()?.to_owned())))
        .collect()
}

/// What a rule version is about: its kind (or key), and the key within its kind (an activity's
/// name where it is one) with a fund and a province where it has them.
fn subject(
    t: &Texts,
    source: Source,
    v: &Version,
    names: &BTreeMap<String, String>,
) -> (String, String) {
    let mut about = Vec::new();
    if source == Source::Extension {
        about.push(names.get(&v.key).cloned().unwrap_or_else(|| v.key.clone()));
    }
    if let Some(f) = v.fund {
        about.push(f.as_str().to_uppercase());
    }
    about.push(scope_text(t, v.province_code.as_deref()));
    (t.get(what_key(source, v)).to_owned(), about.join(" · "))
}

/// A line of the list.
pub struct Line {
    href: String,
    what: String,
    about: String,
    figures: String,
    valid: String,
    when: &'static str,
    when_label: &'static str,
}

/// `templates/rules.html`.
#[derive(Template, WebTemplate)]
#[template(path = "rules.html")]
struct ListPage {
    c: Chrome,
    all: bool,
    /// Each source: its heading's id and text, and its lines.
    groups: Vec<(&'static str, &'static str, Vec<Line>)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tat_ca: Option<String>,
}

pub async fn list(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<ListQuery>,
) -> Response {
    let all = q.tat_ca.is_some();
    let as_of = if all {
        String::new()
    } else {
        format!("?as_of={}", today_vn())
    };
    let paths = [
        format!("{}{as_of}", Source::Extension.path()),
        format!("{}{as_of}", Source::Clusters.path()),
    ];
    let (extension, clusters) = tokio::join!(
        state.api.get::<Versions>("workflow", &paths[0], &token),
        state.api.get::<Versions>("registry", &paths[1], &token),
    );
    let (extension, clusters) = match (extension, clusters) {
        (Ok(e), Ok(k)) => (e.items, k.items),
        (Err(p), _) | (_, Err(p)) => return problem(v, HERE, p),
    };
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let names = activity_names(&t, &extension);
    let lines = |source: Source, items: &[Version]| -> Vec<Line> {
        let mut items: Vec<&Version> = items.iter().collect();
        items.sort_by(|a, b| {
            (what_key(source, a), &a.key, &a.province_code, b.valid_from).cmp(&(
                what_key(source, b),
                &b.key,
                &b.province_code,
                a.valid_from,
            ))
        });
        items
            .into_iter()
            .map(|x| {
                let (what, about) = subject(&t, source, x, &names);
                let w = when(x);
                Line {
                    href: format!("{HERE}/{}/{}", source.slug(), x.id),
                    what,
                    about,
                    figures: body::facts(&t, &x.body)
                        .into_iter()
                        .map(|(l, v)| format!("{l}: {v}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                    valid: validity(&t, x),
                    when: w,
                    when_label: t.get(when_key(w)),
                }
            })
            .collect()
    };
    let page = ListPage {
        all,
        groups: vec![
            (
                "extension",
                t.get("rules.extension"),
                lines(Source::Extension, &extension),
            ),
            (
                "clusters",
                t.get("rules.clusters"),
                lines(Source::Clusters, &clusters),
            ),
        ],
        c,
    };
    v.respond(page)
}

/// Whether the visitor may issue the next version of `x`, as the services decide it: the ministry's
/// administrators every national rule; a province's, the local fund's support caps and deadlines
/// (the province's own version) and the clusters' rules (likewise).
fn may_edit(v: &Visitor, source: Source, x: &Version) -> bool {
    let Some(c) = v.claims() else {
        return false;
    };
    if !c.perms.contains(&Permission::Admin) {
        return false;
    }
    let own = c.province.as_ref().map(|p| p.code.as_str());
    match (c.role, source) {
        (Role::Ministry, _) => x.province_code.is_none(),
        (Role::Province, Source::Clusters) => {
            x.province_code.as_deref().is_none_or(|p| Some(p) == own)
        }
        (Role::Province, Source::Extension) => {
            x.fund == Some(Fund::Kcdp)
                && matches!(x.kind.as_deref(), Some("support_cap" | "deadline"))
                && x.province_code.as_deref().is_none_or(|p| Some(p) == own)
        }
        _ => false,
    }
}

/// `templates/rule.html`.
#[derive(Template, WebTemplate)]
#[template(path = "rule.html")]
struct VersionPage {
    c: Chrome,
    action: String,
    what: String,
    about: String,
    when: &'static str,
    when_label: &'static str,
    facts: Vec<(String, String)>,
    figures: Vec<(String, String)>,
    /// The next version's form (administrators): its inputs.
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

/// The version `id` of `source` (the registry lists its rules; workflow reads one by id).
async fn version(
    state: &PortalState,
    token: &str,
    source: Source,
    id: Uuid,
) -> Result<Version, Problem> {
    match source {
        Source::Extension => {
            state
                .api
                .get("workflow", &format!("/api/v1/rules/{id}"), token)
                .await
        }
        Source::Clusters => state
            .api
            .get::<Versions>("registry", Source::Clusters.path(), token)
            .await?
            .items
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(Problem::NotFound),
    }
}

pub async fn one(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path((source, id)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Response {
    show(&state, v, &token, &source, &id, q.xong.is_some(), None).await
}

async fn show(
    state: &PortalState,
    v: Visitor,
    token: &str,
    source: &str,
    id: &str,
    done: bool,
    refused: Option<(Refused, BTreeMap<String, String>)>,
) -> Response {
    let here = format!("{HERE}/{source}/{id}");
    let (Some(source), Ok(id)) = (Source::parse(source), id.parse::<Uuid>()) else {
        return problem(v, &here, Problem::NotFound);
    };
    let x = match version(state, token, source, id).await {
        Ok(x) => x,
        Err(p) => return problem(v, &here, p),
    };
    let c = Chrome::new(&v, &here);
    let t = c.t;
    // The activity's name, where the rule is keyed by one.
    let names = match source {
        Source::Extension => state
            .api
            .get::<Versions>(
                "workflow",
                &format!("/api/v1/rules?kind=activity_type&key={}", x.key),
                token,
            )
            .await
            .map(|a| activity_names(&t, &a.items))
            .unwrap_or_default(),
        Source::Clusters => BTreeMap::new(),
    };
    let (what, about) = subject(&t, source, &x, &names);
    let w = when(&x);
    let typed = refused.as_ref().map(|(_, f)| f);
    let tomorrow = today_vn().succ_opt().unwrap_or_else(today_vn);
    let kept =
        |k: &str, default: String| typed.map_or(default, |f| f.get(k).cloned().unwrap_or_default());
    let mut inputs = vec![
        Input::new(
            "valid_from",
            t.get("rules.valid_from"),
            "date",
            &kept(
                "valid_from",
                format_date_vn(tomorrow.max(x.valid_from.succ_opt().unwrap_or(tomorrow))),
            ),
        )
        .hint(t.get("rules.hint.valid_from")),
    ];
    inputs.extend(body::inputs(&t, &x.body, typed));
    inputs.push(
        Input::new(
            "legal_basis",
            t.get("rules.legal_basis"),
            "text",
            &kept("legal_basis", x.legal_basis.clone()),
        )
        .hint(t.get("rules.hint.legal_basis")),
    );
    let (error, others) = match &refused {
        Some((r, _)) => (Some(r.message.clone()), r.mark(&mut inputs)),
        None => (None, Vec::new()),
    };
    let facts = vec![
        (t.get("rules.what").to_owned(), what.clone()),
        (t.get("rules.about").to_owned(), about.clone()),
        (t.get("rules.valid").to_owned(), validity(&t, &x)),
        (t.get("rules.legal_basis").to_owned(), x.legal_basis.clone()),
        (t.get("rules.recorded").to_owned(), moment(x.created_at)),
    ];
    let status = refused.as_ref().map_or(StatusCode::OK, |(r, _)| r.status);
    let page = VersionPage {
        action: format!("{HERE}/{}/{}", source.slug(), x.id),
        what,
        about,
        when: w,
        when_label: t.get(when_key(w)),
        facts,
        figures: body::facts(&t, &x.body),
        inputs,
        may_edit: may_edit(&v, source, &x),
        error,
        others,
        done,
        c,
    };
    v.respond((status, page))
}

/// `POST /quy-dinh/{nguon}/{id}`: issue the next version of this rule from a day not in the past,
/// with the figures and legal basis of the form.
pub async fn issue(
    State(state): State<PortalState>,
    Path((source_slug, id)): Path<(String, String)>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let here = format!("{HERE}/{source_slug}/{id}");
    let SignedIn { v, token } = match SignedIn::of(v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let (Some(source), Ok(rule)) = (Source::parse(&source_slug), id.parse::<Uuid>()) else {
        return problem(v, &here, Problem::NotFound);
    };
    let x = match version(&state, &token, source, rule).await {
        Ok(x) => x,
        Err(p) => return problem(v, &here, p),
    };
    let get = |k: &str| form.get(k).map(|s| s.trim().to_owned()).unwrap_or_default();
    let valid_from = date(&get("valid_from"));
    let new_body = body::read(&t, &x.body, &form);
    let (Some(valid_from), Ok(new_body)) = (valid_from, &new_body) else {
        let mut fields = new_body.err().unwrap_or_default();
        if valid_from.is_none() {
            fields.insert("valid_from".into(), t.get("form.bad_date").into());
        }
        let r = Some((Refused::form(&t, fields), form.clone()));
        return show(&state, v, &token, &source_slug, &id, false, r).await;
    };
    let mut request = json!({
        "key": x.key,
        "province_code": x.province_code,
        "valid_from": valid_from,
        "legal_basis": get("legal_basis"),
        "body": new_body,
    });
    if source == Source::Extension {
        request["kind"] = json!(x.kind);
        request["fund"] = json!(x.fund);
    }
    match state
        .api
        .send(
            Method::POST,
            source.service(),
            source.path(),
            Some(&token),
            Some(&request),
        )
        .await
    {
        Ok(created) => {
            let new_id = created["id"].as_str().unwrap_or(&id).to_owned();
            v.respond(Redirect::to(&format!(
                "{HERE}/{source_slug}/{new_id}?xong=1"
            )))
        }
        Err(p) => match explain_rights(&t, p) {
            Ok(r) => {
                let r = Some((r, form.clone()));
                show(&state, v, &token, &source_slug, &id, false, r).await
            }
            Err(p) => problem(v, &here, p),
        },
    }
}
