//! A rule version's body (its figures) as a form: one input per field the portal knows, each read
//! back in the JSON type the services give that field (a whole number a number, a decimal or an
//! amount a string); a field the portal does not know is carried into the new version unchanged, so
//! a rule shape added to a service never loses a field here.

use crate::i18n::Texts;
use crate::pages::applications::form::dong;
use crate::pages::fields::{Input, whole_vn};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// How a field is typed and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Text,
    /// A whole number (JSON number).
    Whole,
    /// A decimal (percent, hectares): `12,5` or `12.5`, sent as a string.
    Decimal,
    /// Whole đồng, thousands marked or not; empty: none.
    Money,
    Bool,
    /// One of these values.
    Choice(&'static [&'static str]),
    /// A rubric's criteria: one a line, `code | name | most points`.
    Criteria,
}

/// Every field of the rule bodies the portal edits: its key in the body, the input's name (workflow
/// names a refused field the same way; the registry refuses the body as a whole), its label in the
/// catalogue, its shape.
const FIELDS: &[(&str, &str, &str, Shape)] = &[
    ("name_vi", "body.name_vi", "rulefield.name_vi", Shape::Text),
    ("name_en", "body.name_en", "rulefield.name_en", Shape::Text),
    (
        "max_share_percent",
        "body.max_share_percent",
        "rulefield.max_share_percent",
        Shape::Decimal,
    ),
    (
        "max_amount",
        "body.max_amount",
        "rulefield.max_amount",
        Shape::Money,
    ),
    (
        "per",
        "body.per",
        "rulefield.per",
        Shape::Choice(&["model", "establishment", "line", "project"]),
    ),
    ("month", "body.month", "rulefield.month", Shape::Whole),
    ("day", "body.day", "rulefield.day", Shape::Whole),
    ("days", "body.days", "rulefield.days", Shape::Whole),
    ("points", "body.points", "rulefield.points", Shape::Whole),
    (
        "criteria",
        "body.criteria",
        "rulefield.criteria",
        Shape::Criteria,
    ),
    (
        "pass_total",
        "body.pass_total",
        "rulefield.pass_total",
        Shape::Whole,
    ),
    (
        "max_percent",
        "body.max_percent",
        "rulefield.max_percent",
        Shape::Decimal,
    ),
    (
        "min_progress_percent",
        "body.min_progress_percent",
        "rulefield.min_progress_percent",
        Shape::Whole,
    ),
    (
        "permission",
        "body.permission",
        "rulefield.permission",
        Shape::Choice(&["officer", "approver"]),
    ),
    ("min_ha", "body.min_ha", "rulefield.min_ha", Shape::Decimal),
    ("max_ha", "body.max_ha", "rulefield.max_ha", Shape::Decimal),
    (
        "min_average_occupancy_percent",
        "body.min_average_occupancy_percent",
        "rulefield.min_average_occupancy_percent",
        Shape::Decimal,
    ),
    (
        "min_occupancy_percent",
        "body.min_occupancy_percent",
        "rulefield.min_occupancy_percent",
        Shape::Decimal,
    ),
    (
        "max_total_ha",
        "body.max_total_ha",
        "rulefield.max_total_ha",
        Shape::Decimal,
    ),
    (
        "needs_wastewater",
        "body.needs_wastewater",
        "rulefield.needs_wastewater",
        Shape::Bool,
    ),
    (
        "from_month",
        "body.from_month",
        "rulefield.from_month",
        Shape::Whole,
    ),
    (
        "from_day",
        "body.from_day",
        "rulefield.from_day",
        Shape::Whole,
    ),
    (
        "from_previous_year",
        "body.from_previous_year",
        "rulefield.from_previous_year",
        Shape::Bool,
    ),
    (
        "to_month",
        "body.to_month",
        "rulefield.to_month",
        Shape::Whole,
    ),
    ("to_day", "body.to_day", "rulefield.to_day", Shape::Whole),
    (
        "due_month",
        "body.due_month",
        "rulefield.due_month",
        Shape::Whole,
    ),
    ("due_day", "body.due_day", "rulefield.due_day", Shape::Whole),
];

fn field(key: &str) -> Option<(&'static str, &'static str, Shape)> {
    FIELDS
        .iter()
        .find(|(k, _, _, _)| *k == key)
        .map(|(_, name, label, shape)| (*name, *label, *shape))
}

/// A body's fields in the order of [`FIELDS`] (the month before the day), those unknown here last.
fn ordered(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut fields: Vec<(&String, &Value)> = map.iter().collect();
    fields.sort_by_key(|(k, _)| {
        FIELDS
            .iter()
            .position(|(f, _, _, _)| f == k)
            .unwrap_or(FIELDS.len())
    });
    fields
}

/// A choice's label (`rulefield.per.model`, `perm.officer`).
fn choice_key(name: &str, value: &str) -> &'static str {
    match (name, value) {
        ("body.per", "model") => "rulefield.per.model",
        ("body.per", "establishment") => "rulefield.per.establishment",
        ("body.per", "line") => "rulefield.per.line",
        ("body.per", "project") => "rulefield.per.project",
        ("body.permission", "officer") => "perm.officer",
        ("body.permission", "approver") => "perm.approver",
        _ => "rulefield.unknown",
    }
}

/// A body value as a form holds it.
fn shown(shape: Shape, v: &Value) -> String {
    match (shape, v) {
        (_, Value::Null) => String::new(),
        (Shape::Bool, Value::Bool(b)) => if *b { "1" } else { "" }.to_owned(),
        (Shape::Decimal, Value::String(s)) => s.replace('.', ","),
        (Shape::Money, Value::String(s)) => s
            .parse::<rust_decimal::Decimal>()
            .ok()
            .map(|d| kc_kernel::format_vn(d, 0))
            .unwrap_or_else(|| s.clone()),
        (Shape::Criteria, Value::Array(items)) => items
            .iter()
            .map(|c| {
                format!(
                    "{} | {} | {}",
                    c["code"].as_str().unwrap_or_default(),
                    c["name_vi"].as_str().unwrap_or_default(),
                    c["max"]
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// A body's fields as a reader sees them: label, value.
pub fn facts(t: &Texts, body: &Value) -> Vec<(String, String)> {
    let Some(map) = body.as_object() else {
        return Vec::new();
    };
    ordered(map)
        .into_iter()
        .map(|(k, v)| match field(k) {
            Some((name, label, shape)) => {
                let label = t.get(label).to_owned();
                let value = match (shape, v) {
                    (Shape::Bool, Value::Bool(b)) => {
                        t.get(if *b { "yes" } else { "no" }).to_owned()
                    }
                    (Shape::Choice(_), Value::String(s)) => t.get(choice_key(name, s)).to_owned(),
                    (Shape::Money, Value::String(_)) => format!("{} đồng", shown(shape, v)),
                    (Shape::Money, Value::Null) => t.get("rulefield.no_ceiling").to_owned(),
                    (Shape::Criteria, _) => shown(shape, v).replace('\n', "; "),
                    _ => shown(shape, v),
                };
                (label, value)
            }
            None => (k.clone(), shown(Shape::Text, v)),
        })
        .collect()
}

/// The inputs of a new version's body, holding `typed` (what was sent) or else the version's own
/// figures; fields the portal does not know get none (they are carried over).
pub fn inputs(t: &Texts, body: &Value, typed: Option<&BTreeMap<String, String>>) -> Vec<Input> {
    let Some(map) = body.as_object() else {
        return Vec::new();
    };
    ordered(map)
        .into_iter()
        .filter_map(|(k, v)| {
            let (name, label, shape) = field(k)?;
            let label = t.get(label);
            let value = match typed {
                Some(f) => f.get(name).cloned().unwrap_or_default(),
                None => shown(shape, v),
            };
            let input = match shape {
                Shape::Bool => Input::new(name, label, "checkbox", &value),
                Shape::Criteria => Input::new(name, label, "textarea", &value)
                    .hint(t.get("rulefield.hint.criteria")),
                Shape::Choice(values) => Input::new(name, label, "select", &value).options(
                    values
                        .iter()
                        .map(|x| ((*x).to_owned(), t.get(choice_key(name, x)).to_owned()))
                        .collect(),
                ),
                Shape::Money => {
                    Input::new(name, label, "money", &value).hint(t.get("rulefield.hint.money"))
                }
                Shape::Decimal => {
                    Input::new(name, label, "text", &value).hint(t.get("rulefield.hint.decimal"))
                }
                Shape::Whole | Shape::Text => Input::new(name, label, "text", &value),
            };
            Some(input)
        })
        .collect()
}

/// The new version's body from the form: each field the portal knows read in its shape, the others
/// as they were. Or the fields at fault.
pub fn read(
    t: &Texts,
    body: &Value,
    form: &BTreeMap<String, String>,
) -> Result<Value, BTreeMap<String, String>> {
    let mut out = Map::new();
    let mut faults = BTreeMap::new();
    let Some(map) = body.as_object() else {
        return Ok(body.clone());
    };
    for (k, old) in map {
        let Some((name, _, shape)) = field(k) else {
            out.insert(k.clone(), old.clone());
            continue;
        };
        let typed = form.get(name).map(|s| s.trim()).unwrap_or_default();
        let value = match shape {
            Shape::Text => Some(json!(typed)),
            Shape::Bool => Some(json!(!typed.is_empty())),
            Shape::Choice(values) => values.contains(&typed).then(|| json!(typed)),
            Shape::Whole => whole_vn(typed).map(|n| json!(n)),
            Shape::Decimal => {
                let s = typed.replace(',', ".");
                s.parse::<rust_decimal::Decimal>().ok().map(|_| json!(s))
            }
            Shape::Money if typed.is_empty() => Some(Value::Null),
            Shape::Money => dong(typed).map(|d| json!(d)),
            Shape::Criteria => criteria(typed),
        };
        match value {
            Some(v) => {
                out.insert(k.clone(), v);
            }
            None => {
                let fault = match shape {
                    Shape::Whole => "rulefield.bad_whole",
                    Shape::Decimal => "rulefield.bad_decimal",
                    Shape::Money => "form.bad_money",
                    Shape::Criteria => "rulefield.bad_criteria",
                    _ => "form.bad_choice",
                };
                faults.insert(name.to_owned(), t.get(fault).to_owned());
            }
        }
    }
    if faults.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(faults)
    }
}

/// Criteria written one a line, `code | name | most points`.
fn criteria(typed: &str) -> Option<Value> {
    let mut items = Vec::new();
    for line in typed.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let [code, name, max] = parts[..] else {
            return None;
        };
        let max = max.parse::<i64>().ok()?;
        items.push(json!({"code": code, "name_vi": name, "max": max}));
    }
    (!items.is_empty()).then_some(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_version_read_back_unchanged_is_the_same_body() {
        let t = Texts::new(Lang::Vi);
        for body in [
            json!({"max_share_percent": "50.5", "max_amount": "1500000000", "per": "model"}),
            json!({"max_share_percent": "30", "max_amount": null, "per": "project"}),
            json!({"criteria": [{"code": "tinh_moi", "name_vi": "Tính mới, tiên tiến", "max": 30},
                                {"code": "hieu_qua", "name_vi": "Hiệu quả", "max": 70}],
                   "pass_total": 50}),
            json!({"from_month": 12, "from_day": 15, "from_previous_year": true, "to_month": 6,
                   "to_day": 14, "due_month": 6, "due_day": 20}),
            json!({"min_occupancy_percent": "60", "max_total_ha": "75", "needs_wastewater": false}),
            json!({"permission": "approver"}),
        ] {
            let form: BTreeMap<String, String> = inputs(&t, &body, None)
                .into_iter()
                .map(|i| (i.name.to_owned(), i.value))
                .collect();
            assert_eq!(read(&t, &body, &form).unwrap(), body, "{form:?}");
        }
    }

    #[test]
    fn figures_are_read_the_vietnamese_way_and_a_field_unknown_here_is_carried_over() {
        let t = Texts::new(Lang::Vi);
        let body =
            json!({"max_share_percent": "50", "max_amount": null, "per": "model", "extra": [1, 2]});
        let form: BTreeMap<String, String> = [
            ("body.max_share_percent", "40,5"),
            ("body.max_amount", "2.000.000.000"),
            ("body.per", "line"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            read(&t, &body, &form).unwrap(),
            json!({"max_share_percent": "40.5", "max_amount": "2000000000", "per": "line", "extra": [1, 2]})
        );
        assert_eq!(
            inputs(&t, &body, None).len(),
            3,
            "no input for a field unknown here"
        );
    }

    #[test]
    fn words_where_figures_belong_are_refused_beside_their_field() {
        let t = Texts::new(Lang::Vi);
        let body = json!({"days": 10, "max_percent": "70", "criteria": [], "per": "model"});
        let form: BTreeMap<String, String> = [
            ("body.days", "mười"),
            ("body.max_percent", "bảy mươi"),
            ("body.criteria", "chỉ một cột"),
            ("body.per", "cái"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let faults = read(&t, &body, &form).unwrap_err();
        assert_eq!(
            faults.keys().collect::<Vec<_>>(),
            ["body.criteria", "body.days", "body.max_percent", "body.per"]
        );
    }
}
