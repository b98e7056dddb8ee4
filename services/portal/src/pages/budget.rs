//! `/ngan-sach`: the money of a plan year before any scheme — the national fund's envelope and its
//! allocation to the provinces, and each province's local-fund envelope — with what approved schemes
//! have committed and what remains. The ministry's budget holders set the national envelope and
//! allocate it; a department's set its province's local envelope. Workflow keeps the envelopes and
//! refuses what would leave less than is allocated and committed; a refusal is shown beside its
//! form with what was typed.

use crate::PortalState;
use crate::api::Problem;
use crate::pages::accounts::explain;
use crate::pages::applications::form::dong;
use crate::pages::applications::money_text;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use kc_kernel::{Fund, Money, Permission, Role};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

const HERE: &str = "/ngan-sach";

#[derive(Debug, Clone, Deserialize)]
struct Envelope {
    id: Uuid,
    fund: Fund,
    province_code: Option<String>,
    province_name: Option<String>,
    amount: Money,
    allocated: Money,
    committed: Money,
    remaining: Money,
}

#[derive(Deserialize)]
struct Envelopes {
    items: Vec<Envelope>,
}

/// One envelope as a row: whose, amount, allocated, committed, remaining.
pub struct Line {
    who: String,
    amount: String,
    allocated: String,
    committed: String,
    remaining: String,
}

fn line(e: &Envelope, who: String) -> Line {
    Line {
        who,
        amount: money_text(Some(e.amount)),
        allocated: money_text(Some(e.allocated)),
        committed: money_text(Some(e.committed)),
        remaining: money_text(Some(e.remaining)),
    }
}

/// A form of the page: what it sets, its title, its inputs, the refusal above it.
pub struct BudgetForm {
    what: &'static str,
    title: &'static str,
    inputs: Vec<Input>,
    error: Option<String>,
}

/// `templates/budget.html`.
#[derive(Template, WebTemplate)]
#[template(path = "budget.html")]
struct BudgetPage {
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    national: Option<Line>,
    allocations: Vec<Line>,
    locals: Vec<Line>,
    forms: Vec<BudgetForm>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    #[serde(default)]
    nam: Option<i32>,
    #[serde(default)]
    xong: Option<String>,
}

/// Who may set what: the ministry's budget holders the national fund, a department's its local one.
fn holds(v: &Visitor) -> (bool, bool) {
    let Some(c) = v.claims() else {
        return (false, false);
    };
    let budget = c.perms.contains(&Permission::Approver) || c.perms.contains(&Permission::Admin);
    (
        budget && c.role == Role::Ministry,
        budget && c.role == Role::Province,
    )
}

/// A refused form: which, the message, the fields, what was typed.
struct Refused {
    what: String,
    /// The status to answer: the service's, or 422 for what the portal itself refused.
    status: StatusCode,
    message: String,
    fields: BTreeMap<String, String>,
    typed: BTreeMap<String, String>,
}

async fn render(
    state: &PortalState,
    v: Visitor,
    token: &str,
    year: i32,
    done: bool,
    refused: Option<Refused>,
) -> Response {
    let path = format!("/api/v1/budget/envelopes?year={year}");
    let (ministry, department) = holds(&v);
    // The provinces are read only for the form that allocates to one (the ministry's).
    let (envelopes, provinces) = tokio::join!(
        state.api.get::<Envelopes>("workflow", &path, token),
        async {
            if ministry {
                crate::pages::accounts::register::provinces(state).await
            } else {
                Vec::new()
            }
        },
    );
    let envelopes = match envelopes {
        Ok(e) => e.items,
        Err(p) => return problem(v, HERE, p),
    };
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let name = |e: &Envelope| {
        e.province_name
            .clone()
            .or_else(|| e.province_code.clone())
            .unwrap_or_default()
    };
    let national = envelopes
        .iter()
        .find(|e| e.fund == Fund::Kcqg && e.province_code.is_none());
    let mut allocations: Vec<&Envelope> = envelopes
        .iter()
        .filter(|e| e.fund == Fund::Kcqg && e.province_code.is_some())
        .collect();
    allocations.sort_by_key(|e| e.province_code.clone());
    let mut locals: Vec<&Envelope> = envelopes.iter().filter(|e| e.fund == Fund::Kcdp).collect();
    locals.sort_by_key(|e| e.province_code.clone());
    let typed = |what: &str, name: &str| {
        refused
            .as_ref()
            .filter(|r| r.what == what)
            .and_then(|r| r.typed.get(name).cloned())
            .unwrap_or_default()
    };
    let mut forms = Vec::new();
    if ministry {
        forms.push(BudgetForm {
            what: "national",
            title: t.get("budget.set_national"),
            inputs: vec![
                Input::new(
                    "national.amount",
                    t.get("budget.amount"),
                    "money",
                    &typed("national", "national.amount"),
                )
                .hint(t.get("form.hint.money")),
                Input::new(
                    "national.note",
                    t.get("exec.note"),
                    "text",
                    &typed("national", "national.note"),
                ),
            ],
            error: None,
        });
        let choose = (String::new(), t.get("form.choose").to_owned());
        forms.push(BudgetForm {
            what: "allocation",
            title: t.get("budget.allocate"),
            inputs: vec![
                Input::new(
                    "allocation.province",
                    t.get("reg.province"),
                    "select",
                    &typed("allocation", "allocation.province"),
                )
                .options(std::iter::once(choose).chain(provinces).collect()),
                Input::new(
                    "allocation.amount",
                    t.get("budget.amount"),
                    "money",
                    &typed("allocation", "allocation.amount"),
                )
                .hint(t.get("budget.hint.allocation")),
                Input::new(
                    "allocation.note",
                    t.get("exec.note"),
                    "text",
                    &typed("allocation", "allocation.note"),
                ),
            ],
            error: None,
        });
    }
    if department {
        forms.push(BudgetForm {
            what: "local",
            title: t.get("budget.set_local"),
            inputs: vec![
                Input::new(
                    "local.amount",
                    t.get("budget.amount"),
                    "money",
                    &typed("local", "local.amount"),
                )
                .hint(t.get("form.hint.money")),
                Input::new(
                    "local.note",
                    t.get("exec.note"),
                    "text",
                    &typed("local", "local.note"),
                ),
            ],
            error: None,
        });
    }
    if let Some(r) = &refused {
        for f in forms.iter_mut().filter(|f| f.what == r.what) {
            for i in &mut f.inputs {
                i.error = r.fields.get(i.name).cloned();
            }
            f.error = Some(r.message.clone());
        }
    }
    let page = BudgetPage {
        year,
        years: super::plan_years(),
        national: national.map(|e| line(e, t.get("budget.national").to_owned())),
        allocations: allocations.iter().map(|e| line(e, name(e))).collect(),
        locals: locals.iter().map(|e| line(e, name(e))).collect(),
        forms,
        done,
        c,
    };
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    v.respond((status, page))
}

pub async fn page(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<Shown>,
) -> Response {
    render(
        &state,
        v,
        &token,
        super::plan_year(q.nam),
        q.xong.is_some(),
        None,
    )
    .await
}

/// `POST /ngan-sach`: set the national envelope, allocate it to a province, or set a local one.
pub async fn set(
    State(state): State<PortalState>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let SignedIn { v, token } = match SignedIn::of(v, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let year = super::plan_year(form.get("year").and_then(|y| y.parse().ok()));
    let what = form.get("what").cloned().unwrap_or_default();
    let get = |k: &str| {
        form.get(&format!("{what}.{k}"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut refused = Refused {
        what: what.clone(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: t.get("form.fix").into(),
        fields: BTreeMap::new(),
        typed: form.clone(),
    };
    let Some(amount) = dong(&get("amount")) else {
        refused
            .fields
            .insert(format!("{what}.amount"), t.get("form.bad_money").into());
        return render(&state, v, &token, year, false, Some(refused)).await;
    };
    let note = Some(get("note")).filter(|n| !n.is_empty());
    let province = get("province");
    let (fund, code) = match what.as_str() {
        "national" => (Fund::Kcqg, None),
        "allocation" => (Fund::Kcqg, Some(province.clone())),
        "local" => (
            Fund::Kcdp,
            v.claims()
                .and_then(|c| c.province.as_ref())
                .map(|p| p.code.clone()),
        ),
        _ => return problem(v, HERE, Problem::NotFound),
    };
    if what == "allocation" && province.is_empty() {
        refused.fields.insert(
            "allocation.province".into(),
            t.get("form.bad_choice").into(),
        );
        return render(&state, v, &token, year, false, Some(refused)).await;
    }
    // The envelope this form sets, if the year has it already (then its amount changes).
    let path = format!("/api/v1/budget/envelopes?year={year}");
    let existing = match state.api.get::<Envelopes>("workflow", &path, &token).await {
        Ok(e) => e.items,
        Err(p) => return problem(v, HERE, p),
    };
    let found = existing
        .iter()
        .find(|e| e.fund == fund && e.province_code == code);
    let kind = if fund == Fund::Kcqg {
        "national"
    } else {
        "local"
    };
    let (method, api_path, body) = match found {
        Some(e) => (
            Method::PATCH,
            format!("/api/v1/budget/{kind}-envelopes/{}", e.id),
            json!({"amount": amount, "note": note}),
        ),
        None if what == "local" => (
            Method::POST,
            "/api/v1/budget/local-envelopes".to_owned(),
            json!({"year": year, "amount": amount, "note": note}),
        ),
        None => (
            Method::POST,
            "/api/v1/budget/national-envelopes".to_owned(),
            json!({"year": year, "province_code": code, "amount": amount, "note": note}),
        ),
    };
    match state
        .api
        .send(method, "workflow", &api_path, Some(&token), Some(&body))
        .await
    {
        Ok(_) => v.respond(Redirect::to(&format!("{HERE}?nam={year}&xong=1"))),
        Err(p) => match explain(&t, p) {
            Ok(r) => {
                refused.status = r.status;
                refused.message = r.message;
                refused.fields = r
                    .fields
                    .into_iter()
                    .map(|(k, m)| {
                        let k = if k == "province_code" {
                            "province".to_owned()
                        } else {
                            k
                        };
                        (format!("{what}.{k}"), m)
                    })
                    .collect();
                render(&state, v, &token, year, false, Some(refused)).await
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}
