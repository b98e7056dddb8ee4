//! The application form, in three steps, each saved as a draft: `/ho-so/moi` starts one (its first
//! step), `/ho-so/{id}/sua/{step}` edits a draft or a returned application. What was typed is kept
//! when the service refuses it, with the service's message next to each field at fault; a draft
//! someone else saved meanwhile is not overwritten (the page says so).
//!
//! Amounts are typed in whole đồng, with or without `.` between thousands; dates as dd/mm/yyyy.

use super::{Application, Refusal, activity_types, date_text, fund_key, money_field};
use crate::PortalState;
use crate::api::Problem;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, SignedIn, problem};
use crate::session::Visitor;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use chrono::NaiveDate;
use kc_kernel::Fund;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The steps of the form: the fields each holds (as workflow names them), and its title.
pub const STEPS: [(&str, &[&str]); 3] = [
    (
        "form.step1",
        &[
            "title",
            "fund",
            "activity_code",
            "plan_year",
            "commune",
            "difficult_area",
        ],
    ),
    (
        "form.step2",
        &[
            "total_cost",
            "support_requested",
            "counterpart",
            "start_date",
            "end_date",
        ],
    ),
    ("form.step3", &["expected_results"]),
];

/// The step (1-based) that holds a field; none for a field of no step (the version, the case).
pub fn step_of(field: &str) -> Option<usize> {
    STEPS
        .iter()
        .position(|(_, fields)| fields.contains(&field))
        .map(|i| i + 1)
}

/// The form's fields as text, as the page shows them and as they were typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Fields {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub fund: Option<String>,
    #[serde(default)]
    pub activity_code: Option<String>,
    #[serde(default)]
    pub plan_year: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
    #[serde(default)]
    pub difficult_area: Option<String>,
    #[serde(default)]
    pub total_cost: Option<String>,
    #[serde(default)]
    pub support_requested: Option<String>,
    #[serde(default)]
    pub counterpart: Option<String>,
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
    #[serde(default)]
    pub expected_results: Option<String>,
}

impl Fields {
    /// The fields of a saved application, written for the form.
    pub fn of(a: &Application) -> Fields {
        Fields {
            title: a.title.clone(),
            fund: a.fund.map(|f| f.as_str().to_owned()),
            activity_code: a.activity_code.clone(),
            plan_year: a.plan_year.map(|y| y.to_string()),
            commune: a.commune.clone(),
            difficult_area: a.difficult_area.then(|| "1".to_owned()),
            total_cost: Some(money_field(a.total_cost)),
            support_requested: Some(money_field(a.support_requested)),
            counterpart: Some(money_field(a.counterpart)),
            start_date: Some(date_text(a.start_date)),
            end_date: Some(date_text(a.end_date)),
            expected_results: a.expected_results.clone(),
        }
    }

    /// Take what step `step` posted over the saved fields (an unticked box is not posted: on its
    /// step, absent means no).
    fn merge(&mut self, step: usize, posted: Fields) {
        macro_rules! take {
            ($($f:ident),*) => {$( if posted.$f.is_some() { self.$f = posted.$f.clone(); } )*};
        }
        take!(
            title,
            fund,
            activity_code,
            plan_year,
            commune,
            total_cost,
            support_requested,
            counterpart,
            start_date,
            end_date,
            expected_results
        );
        if step == 1 {
            self.difficult_area = posted.difficult_area;
        }
    }

    pub fn text(&self, name: &str) -> &str {
        let v = match name {
            "title" => &self.title,
            "fund" => &self.fund,
            "activity_code" => &self.activity_code,
            "plan_year" => &self.plan_year,
            "commune" => &self.commune,
            "total_cost" => &self.total_cost,
            "support_requested" => &self.support_requested,
            "counterpart" => &self.counterpart,
            "start_date" => &self.start_date,
            "end_date" => &self.end_date,
            "expected_results" => &self.expected_results,
            _ => &None,
        };
        v.as_deref().unwrap_or("")
    }

    pub fn ticked(&self) -> bool {
        self.difficult_area.is_some()
    }

    /// The draft workflow takes, or the fields whose text is not an amount, a year or a date.
    fn body(&self, t: crate::i18n::Texts) -> Result<Map<String, Value>, Refusal> {
        let mut refusal = Refusal::default();
        let mut body = Map::new();
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        for (name, v) in [
            ("title", &self.title),
            ("commune", &self.commune),
            ("expected_results", &self.expected_results),
            ("activity_code", &self.activity_code),
        ] {
            if let Some(s) = text(v) {
                body.insert(name.into(), json!(s));
            }
        }
        if let Some(f) = text(&self.fund) {
            match f.parse::<Fund>() {
                Ok(f) => {
                    body.insert("fund".into(), json!(f.as_str()));
                }
                Err(_) => {
                    refusal
                        .fields
                        .insert("fund".into(), t.get("form.bad_choice").into());
                }
            }
        }
        if let Some(y) = text(&self.plan_year) {
            match y.parse::<i32>() {
                Ok(y) => {
                    body.insert("plan_year".into(), json!(y));
                }
                Err(_) => {
                    refusal
                        .fields
                        .insert("plan_year".into(), t.get("form.bad_year").into());
                }
            }
        }
        for (name, v) in [
            ("total_cost", &self.total_cost),
            ("support_requested", &self.support_requested),
            ("counterpart", &self.counterpart),
        ] {
            if let Some(s) = text(v) {
                match dong(&s) {
                    Some(d) => {
                        body.insert(name.into(), json!(d));
                    }
                    None => {
                        refusal
                            .fields
                            .insert(name.into(), t.get("form.bad_money").into());
                    }
                }
            }
        }
        for (name, v) in [
            ("start_date", &self.start_date),
            ("end_date", &self.end_date),
        ] {
            if let Some(s) = text(v) {
                match date(&s) {
                    Some(d) => {
                        body.insert(name.into(), json!(d));
                    }
                    None => {
                        refusal
                            .fields
                            .insert(name.into(), t.get("form.bad_date").into());
                    }
                }
            }
        }
        body.insert("difficult_area".into(), json!(self.ticked()));
        if refusal.fields.is_empty() {
            Ok(body)
        } else {
            refusal.message = t.get("form.fix").into();
            Err(refusal)
        }
    }
}

/// Whole đồng as typed (`1.000.000`, `1 000 000`, `1000000`): the digits, or none when it is not an
/// amount.
pub fn dong(s: &str) -> Option<String> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
        .collect();
    let digits = digits
        .strip_suffix("đồng")
        .unwrap_or(&digits)
        .trim()
        .to_owned();
    (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// A date as typed: dd/mm/yyyy (the Vietnamese way) or yyyy-mm-dd.
pub fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

/// `templates/application_form.html`.
#[derive(Template, WebTemplate)]
#[template(path = "application_form.html")]
struct FormPage {
    c: Chrome,
    /// Where the form posts, and the version it was read at.
    action: String,
    version: i32,
    /// The case's own page (none for a new one).
    case: Option<String>,
    step: usize,
    last: bool,
    /// Each step: its number, its title, whether it is this one.
    steps: Vec<(usize, &'static str, bool)>,
    inputs: Vec<Input>,
    /// The service's message, and what it said of fields of no input here.
    message: Option<String>,
    others: Vec<String>,
    stale: bool,
    saved: bool,
}

/// The inputs of step `step`, with what was typed and what is wrong.
fn inputs(
    c: &Chrome,
    step: usize,
    fields: &Fields,
    activities: Vec<(String, String)>,
    refusal: Option<&Refusal>,
) -> Vec<Input> {
    let t = c.t;
    let options = |choices: Vec<(String, String)>, chosen: &str| {
        std::iter::once((
            String::new(),
            t.get("form.choose").to_owned(),
            chosen.is_empty(),
        ))
        .chain(choices.into_iter().map(|(v, l)| {
            let on = v == chosen;
            (v, l, on)
        }))
        .collect::<Vec<_>>()
    };
    let field = |name: &'static str, kind: &'static str, hint: Option<&'static str>| Input {
        name,
        label: t.get(label_key(name)),
        kind,
        value: fields.text(name).to_owned(),
        hint: hint.map(|h| t.get(h)),
        error: refusal.and_then(|r| r.field(name)).map(str::to_owned),
        options: Vec::new(),
    };
    let mut inputs = Vec::new();
    for name in STEPS[step - 1].1 {
        let input = match *name {
            "fund" => Input {
                options: options(
                    Fund::ALL
                        .iter()
                        .map(|f| (f.as_str().to_owned(), t.get(fund_key(*f)).to_owned()))
                        .collect(),
                    fields.text("fund"),
                ),
                ..field("fund", "select", None)
            },
            "activity_code" => Input {
                options: options(activities.clone(), fields.text("activity_code")),
                ..field("activity_code", "select", None)
            },
            "plan_year" => field("plan_year", "year", None),
            "difficult_area" => Input {
                value: if fields.ticked() {
                    "1".into()
                } else {
                    String::new()
                },
                ..field(
                    "difficult_area",
                    "checkbox",
                    Some("form.hint.difficult_area"),
                )
            },
            "total_cost" | "support_requested" | "counterpart" => {
                field(name, "money", Some("form.hint.money"))
            }
            "start_date" | "end_date" => field(name, "date", Some("form.hint.date")),
            "expected_results" => field(name, "textarea", None),
            _ => field(name, "text", None),
        };
        inputs.push(input);
    }
    inputs
}

/// A field's label, as the catalogue names it.
pub fn label_key(name: &str) -> &'static str {
    match name {
        "title" => "field.title",
        "fund" => "field.fund",
        "activity_code" => "field.activity_code",
        "plan_year" => "field.plan_year",
        "commune" => "field.commune",
        "difficult_area" => "field.difficult_area",
        "total_cost" => "field.total_cost",
        "support_requested" => "field.support_requested",
        "counterpart" => "field.counterpart",
        "start_date" => "field.start_date",
        "end_date" => "field.end_date",
        "expected_results" => "field.expected_results",
        "reason" => "case.reason",
        _ => "field.other",
    }
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &PortalState,
    v: Visitor,
    token: &str,
    id: Option<Uuid>,
    version: i32,
    step: usize,
    fields: Fields,
    refusal: Option<Refusal>,
    stale: bool,
    saved: bool,
) -> Response {
    let here = match id {
        Some(id) => format!("/ho-so/{id}/sua/{step}"),
        None => "/ho-so/moi".into(),
    };
    let c = Chrome::new(&v, &here);
    let activities = match activity_types(state, token, &c).await {
        Ok(a) => a,
        Err(p) => return problem(v, &here, p),
    };
    let status = if refusal.is_some() || stale {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let own = STEPS[step - 1].1;
    let others = refusal
        .as_ref()
        .map(|r| {
            r.fields
                .iter()
                .filter(|(k, _)| !own.contains(&k.as_str()))
                .map(|(k, m)| format!("{}: {m}", c.t.get(label_key(k))))
                .collect()
        })
        .unwrap_or_default();
    let page = FormPage {
        action: here.clone(),
        version,
        case: id.map(|id| format!("/ho-so/{id}")),
        step,
        last: step == STEPS.len(),
        steps: STEPS
            .iter()
            .enumerate()
            .map(|(i, (key, _))| (i + 1, c.t.get(key), i + 1 == step))
            .collect(),
        inputs: inputs(&c, step, &fields, activities, refusal.as_ref()),
        message: refusal.map(|r| r.message),
        others,
        stale,
        saved,
        c,
    };
    v.respond((status, page))
}

/// `GET /ho-so/moi`: the first step of a new application.
pub async fn new_form(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
) -> Response {
    page(
        &state,
        v,
        &token,
        None,
        0,
        1,
        Fields::default(),
        None,
        false,
        false,
    )
    .await
}

/// What a step of the form posts: its fields, the version it was read at, and which button.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    version: Option<String>,
    /// `next` (save and go on) or anything else (save and stay).
    #[serde(default)]
    go: Option<String>,
    #[serde(flatten)]
    fields: Fields,
}

/// `POST /ho-so/moi`: the draft is made from the first step.
pub async fn create(State(state): State<PortalState>, p: Posted<StepForm>) -> Response {
    let SignedIn { v, token } = match SignedIn::of(p.v, "/ho-so/moi") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut fields = Fields::default();
    fields.merge(1, p.form.fields);
    let body = match fields.body(v.texts()) {
        Ok(b) => b,
        Err(r) => {
            return page(&state, v, &token, None, 0, 1, fields, Some(r), false, false).await;
        }
    };
    match state
        .api
        .send(
            Method::POST,
            "workflow",
            "/api/v1/applications",
            Some(&token),
            Some(&Value::Object(body)),
        )
        .await
        .map(serde_json::from_value::<Application>)
    {
        Ok(Ok(a)) => {
            let to = if p.form.go.as_deref() == Some("next") {
                format!("/ho-so/{}/sua/2", a.id)
            } else {
                format!("/ho-so/{}/sua/1?da-luu=1", a.id)
            };
            v.respond(Redirect::to(&to))
        }
        Ok(Err(_)) => problem(v, "/ho-so/moi", Problem::Down),
        Err(Problem::Rejected {
            message, fields: f, ..
        }) => {
            let r = Refusal { message, fields: f };
            page(&state, v, &token, None, 0, 1, fields, Some(r), false, false).await
        }
        Err(p) => problem(v, "/ho-so/moi", p),
    }
}

/// The case and the step named in an address (any other is not found).
fn parse(id: &str, step: &str) -> Option<(Uuid, usize)> {
    let id = id.parse().ok()?;
    let step = step
        .parse()
        .ok()
        .filter(|s| (1..=STEPS.len()).contains(s))?;
    Some((id, step))
}

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default, rename = "da-luu")]
    saved: Option<String>,
}

/// `GET /ho-so/{id}/sua/{step}`.
pub async fn edit(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path((id, step)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let here = format!("/ho-so/{id}/sua/{step}");
    let Some((id, step)) = parse(&id, &step) else {
        return problem(v, &here, Problem::NotFound);
    };
    let a: Application = match state
        .api
        .get("workflow", &format!("/api/v1/applications/{id}"), &token)
        .await
    {
        Ok(a) => a,
        Err(p) => return problem(v, &here, p),
    };
    let fields = Fields::of(&a);
    page(
        &state,
        v,
        &token,
        Some(id),
        a.version,
        step,
        fields,
        None,
        false,
        q.saved.is_some(),
    )
    .await
}

/// `POST /ho-so/{id}/sua/{step}`: this step's fields over the saved ones, saved as a whole at the
/// version the form was read at.
pub async fn save(
    State(state): State<PortalState>,
    Path((id, step)): Path<(String, String)>,
    p: Posted<StepForm>,
) -> Response {
    let here = format!("/ho-so/{id}/sua/{step}");
    let SignedIn { v, token } = match SignedIn::of(p.v, &here) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some((id, step)) = parse(&id, &step) else {
        return problem(v, &here, Problem::NotFound);
    };
    let a: Application = match state
        .api
        .get("workflow", &format!("/api/v1/applications/{id}"), &token)
        .await
    {
        Ok(a) => a,
        Err(p) => return problem(v, &here, p),
    };
    let seen: i32 = p
        .form
        .version
        .as_deref()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut fields = Fields::of(&a);
    fields.merge(step, p.form.fields);
    // Someone saved the case since this form was read: keep what was typed, overwrite nothing.
    if seen != a.version {
        return page(
            &state,
            v,
            &token,
            Some(id),
            seen,
            step,
            fields,
            None,
            true,
            false,
        )
        .await;
    }
    let mut body = match fields.body(v.texts()) {
        Ok(b) => b,
        Err(r) => {
            return page(
                &state,
                v,
                &token,
                Some(id),
                seen,
                step,
                fields,
                Some(r),
                false,
                false,
            )
            .await;
        }
    };
    body.insert("version".into(), json!(seen));
    match state
        .api
        .send(
            Method::PUT,
            "workflow",
            &format!("/api/v1/applications/{id}"),
            Some(&token),
            Some(&Value::Object(body)),
        )
        .await
    {
        Ok(_) => {
            let to = if p.form.go.as_deref() == Some("next") {
                if step < STEPS.len() {
                    format!("/ho-so/{id}/sua/{}", step + 1)
                } else {
                    format!("/ho-so/{id}#nop")
                }
            } else {
                format!("/ho-so/{id}/sua/{step}?da-luu=1")
            };
            v.respond(Redirect::to(&to))
        }
        Err(Problem::Rejected { status: 412, .. }) => {
            page(
                &state,
                v,
                &token,
                Some(id),
                seen,
                step,
                fields,
                None,
                true,
                false,
            )
            .await
        }
        Err(Problem::Rejected {
            message, fields: f, ..
        }) => {
            let r = Refusal { message, fields: f };
            page(
                &state,
                v,
                &token,
                Some(id),
                seen,
                step,
                fields,
                Some(r),
                false,
                false,
            )
            .await
        }
        Err(p) => problem(v, &here, p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_with_or_without_thousands_marks() {
        assert_eq!(dong("1.000.000.000").as_deref(), Some("1000000000"));
        assert_eq!(dong("1 000 000").as_deref(), Some("1000000"));
        assert_eq!(dong("250000000 đồng").as_deref(), Some("250000000"));
        assert_eq!(dong("1,5"), None);
        assert_eq!(dong("-5"), None);
        assert_eq!(dong("một triệu"), None);
        assert_eq!(dong(""), None);
        assert_eq!(dong("1234567890123456"), None);
    }

    #[test]
    fn dates_are_read_the_vietnamese_way_or_as_iso() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 31);
        assert_eq!(date("31/03/2027"), d);
        assert_eq!(date("2027-03-31"), d);
        assert_eq!(date("31/3/2027"), d);
        assert_eq!(date("03/31/2027"), None);
        assert_eq!(date("hôm nay"), None);
    }

    #[test]
    fn every_field_is_on_one_step() {
        for f in [
            "title",
            "fund",
            "total_cost",
            "end_date",
            "expected_results",
        ] {
            assert!(step_of(f).is_some(), "{f}");
        }
        assert_eq!(step_of("total_cost"), Some(2));
        assert_eq!(step_of("version"), None);
    }

    #[test]
    fn an_unticked_box_is_no_on_its_own_step_and_kept_on_the_others() {
        let mut f = Fields {
            difficult_area: Some("1".into()),
            title: Some("Máy sấy".into()),
            ..Fields::default()
        };
        f.merge(2, Fields::default());
        assert!(f.ticked());
        assert_eq!(f.text("title"), "Máy sấy");
        f.merge(1, Fields::default());
        assert!(!f.ticked());
    }
}
