//! `/de-an/moi`: a centre builds a scheme from accepted applications of its province not yet in a
//! scheme: kind, fund, plan year, activity, title, commune, the money, and the applications whose
//! establishments benefit. From an accepted case (`?ho-so={id}`) the form starts with that case's
//! content and the case ticked. Workflow checks the rest (an activity in force, a support within
//! the cost, a point scheme naming its beneficiaries); a refusal is shown beside its field with
//! what was typed.

use super::super::accounts::{FormPage, Refused, explain};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::applications::form::dong;
use crate::pages::applications::{Application, activity_types, fund_key, money_field};
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, problem};
use crate::session::Visitor;
use axum::extract::{Query, State};
use axum::response::{Redirect, Response};
use kc_http::Paged;
use kc_kernel::{Fund, SchemeKind};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

const HERE: &str = "/de-an/moi";

/// The form as typed (the applications ticked are posted as `app.{id}`).
#[derive(Debug, Default, Clone)]
struct Fields {
    text: BTreeMap<String, String>,
    picked: Vec<Uuid>,
}

impl Fields {
    fn get(&self, k: &str) -> &str {
        self.text.get(k).map_or("", String::as_str)
    }

    /// From the posted pairs.
    fn posted(form: BTreeMap<String, String>) -> Fields {
        let picked = form
            .keys()
            .filter_map(|k| k.strip_prefix("app."))
            .filter_map(|id| id.parse().ok())
            .collect();
        Fields { text: form, picked }
    }

    /// From an accepted application: its content, and the case ticked.
    fn of(a: &Application) -> Fields {
        let mut text = BTreeMap::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                text.insert(k.to_owned(), v);
            }
        };
        put("kind", Some("point".into()));
        put("fund", a.fund.map(|f| f.as_str().to_owned()));
        put("plan_year", a.plan_year.map(|y| y.to_string()));
        put("activity_code", a.activity_code.clone());
        put("title", a.title.clone());
        put("commune", a.commune.clone());
        put("total_cost", Some(money_field(a.total_cost)));
        put("support_requested", Some(money_field(a.support_requested)));
        put("counterpart", Some(money_field(a.counterpart)));
        Fields {
            text,
            picked: vec![a.id],
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct From {
    #[serde(default, rename = "ho-so")]
    case: Option<Uuid>,
}

/// The accepted applications of the province not yet in a scheme (200 at most).
async fn open_cases(state: &PortalState, token: &str) -> Result<Vec<Application>, Problem> {
    let path = "/api/v1/applications?status=accepted&per_page=200";
    let cases = state
        .api
        .get::<Paged<Application>>("workflow", path, token)
        .await?;
    Ok(cases
        .items
        .into_iter()
        .filter(|a| a.scheme_id.is_none())
        .collect())
}

async fn page(
    state: &PortalState,
    v: &Visitor,
    token: &str,
    f: &Fields,
) -> Result<FormPage, Problem> {
    let c = Chrome::new(v, HERE);
    let t = c.t;
    let (types, cases) = tokio::join!(activity_types(state, token, &c), open_cases(state, token));
    let (types, cases) = (types?, cases?);
    let choose = (String::new(), t.get("form.choose").to_owned());
    let year = crate::pages::plan_year(None).to_string();
    let inputs = vec![
        Input::new("kind", t.get("scheme.kind"), "select", f.get("kind")).options(
            SchemeKind::ALL
                .iter()
                .map(|k| {
                    let key = match k {
                        SchemeKind::Point => "newscheme.kind.point",
                        SchemeKind::Grouped => "newscheme.kind.grouped",
                    };
                    (k.as_str().to_owned(), t.get(key).to_owned())
                })
                .collect(),
        ),
        Input::new("fund", t.get("field.fund"), "select", f.get("fund")).options(
            std::iter::once(choose.clone())
                .chain(
                    Fund::ALL
                        .iter()
                        .map(|x| (x.as_str().to_owned(), t.get(fund_key(*x)).to_owned())),
                )
                .collect(),
        ),
        Input::new(
            "plan_year",
            t.get("field.plan_year"),
            "year",
            if f.get("plan_year").is_empty() {
                &year
            } else {
                f.get("plan_year")
            },
        ),
        Input::new(
            "activity_code",
            t.get("field.activity_code"),
            "select",
            f.get("activity_code"),
        )
        .options(std::iter::once(choose).chain(types).collect()),
        Input::new("title", t.get("field.title"), "text", f.get("title")),
        Input::new("commune", t.get("field.commune"), "text", f.get("commune")),
        Input::new(
            "total_cost",
            t.get("field.total_cost"),
            "money",
            f.get("total_cost"),
        )
        .hint(t.get("form.hint.money")),
        Input::new(
            "support_requested",
            t.get("field.support_requested"),
            "money",
            f.get("support_requested"),
        ),
        Input::new(
            "counterpart",
            t.get("field.counterpart"),
            "money",
            f.get("counterpart"),
        ),
    ];
    let picks = cases
        .iter()
        .map(|a| {
            let label = format!(
                "{} — {} ({})",
                a.organisation_name,
                a.title.clone().unwrap_or_default(),
                crate::pages::applications::money_text(a.support_requested)
            );
            (format!("app.{}", a.id), label, f.picked.contains(&a.id))
        })
        .collect();
    let mut p = FormPage::new(c, t.get("newscheme.title"), HERE, t.get("newscheme.submit"));
    p.intro = Some(if cases.is_empty() {
        t.get("newscheme.no_cases")
    } else {
        t.get("newscheme.intro")
    });
    p.inputs = inputs;
    p.picks = Some((t.get("newscheme.beneficiaries"), picks));
    p.links = vec![("/de-an".into(), t.get("newscheme.back"))];
    Ok(p)
}

pub async fn form(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<From>,
) -> Response {
    let mut f = Fields::default();
    if let Some(id) = q.case {
        match state
            .api
            .get::<Application>("workflow", &format!("/api/v1/applications/{id}"), &token)
            .await
        {
            Ok(a) => f = Fields::of(&a),
            Err(p) => return problem(v, HERE, p),
        }
    }
    match page(&state, &v, &token, &f).await {
        Ok(p) => v.respond(p),
        Err(p) => problem(v, HERE, p),
    }
}

pub async fn create(
    State(state): State<PortalState>,
    Posted { v, form }: Posted<BTreeMap<String, String>>,
) -> Response {
    let SignedIn { v, token } = match SignedIn::of(v, HERE) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let t = v.texts();
    let f = Fields::posted(form);
    let mut bad = BTreeMap::new();
    let mut money = |name: &str| match dong(f.get(name)) {
        Some(d) => json!(d),
        None => {
            bad.insert(name.to_owned(), t.get("form.bad_money").to_owned());
            json!("0")
        }
    };
    let (total, support, counterpart) = (
        money("total_cost"),
        money("support_requested"),
        money("counterpart"),
    );
    let year = f
        .get("plan_year")
        .trim()
        .parse::<i32>()
        .unwrap_or_else(|_| {
            bad.insert("plan_year".into(), t.get("form.bad_year").into());
            0
        });
    let body = json!({
        "kind": f.get("kind"),
        "fund": f.get("fund"),
        "plan_year": year,
        "activity_code": f.get("activity_code"),
        "title": f.get("title"),
        "commune": f.get("commune"),
        "total_cost": total,
        "support_requested": support,
        "counterpart": counterpart,
        "application_ids": f.picked,
    });
    let refused = if bad.is_empty() {
        let sent = state
            .api
            .send(
                Method::POST,
                "workflow",
                "/api/v1/schemes",
                Some(&token),
                Some(&body),
            )
            .await;
        match sent {
            Ok(created) => {
                let id = created["id"].as_str().unwrap_or_default().to_owned();
                return v.respond(Redirect::to(&format!("/de-an/{id}?xong=moi")));
            }
            Err(p) => match explain(&t, p) {
                Ok(r) => r,
                Err(p) => return problem(v, HERE, p),
            },
        }
    } else {
        Refused {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            message: t.get("form.fix").to_owned(),
            fields: bad,
        }
    };
    match page(&state, &v, &token, &f).await {
        Ok(p) => {
            let p = p.refused(&refused);
            v.respond((refused.status, p))
        }
        Err(p) => problem(v, HERE, p),
    }
}
