//! `/nghia-vu/tuan-thu`: reporting compliance per province for a period (a year, or its first half)
//! and one duty or all of them — obligations met on time, late, still owed past their due date, not
//! yet due, waived — as the notifications service counts them for what the visitor may see (the
//! ministry: every province), with the table's export (the service's, the columns chosen).

use super::{Chrome, SignedIn, percent_text, problem};
use crate::PortalState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;

const HERE: &str = "/nghia-vu/tuan-thu";

#[derive(Debug, Deserialize)]
struct Row {
    province_name: String,
    total: i64,
    on_time: i64,
    late: i64,
    missing: i64,
    open: i64,
    waived: i64,
}

#[derive(Debug, Deserialize)]
struct Compliance {
    provinces: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Duty {
    code: String,
    title: String,
}

#[derive(Debug, Deserialize)]
struct Duties {
    items: Vec<Duty>,
}

/// A province's line, written out.
pub struct Line {
    province: String,
    total: i64,
    on_time: i64,
    late: i64,
    missing: i64,
    open: i64,
    waived: i64,
    rate: String,
}

/// The columns of the export a visitor may choose (the service's keys), with their labels.
pub const EXPORT_COLUMNS: [(&str, &str); 8] = [
    ("province_name", "col.province"),
    ("total", "comply.total"),
    ("on_time", "comply.on_time"),
    ("late", "comply.late"),
    ("missing", "comply.missing"),
    ("open", "comply.open"),
    ("waived", "comply.waived"),
    ("on_time_percent", "comply.rate"),
];

/// `templates/compliance.html`.
#[derive(Template, WebTemplate)]
#[template(path = "compliance.html")]
struct CompliancePage {
    c: Chrome,
    period: String,
    /// The periods offered: value, label, chosen.
    periods: Vec<(String, String, bool)>,
    duty: String,
    /// The duties offered: code, title, chosen.
    duties: Vec<(String, String, bool)>,
    lines: Vec<Line>,
    total: Option<Line>,
    columns: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Asked {
    #[serde(default)]
    ky: Option<String>,
    #[serde(default)]
    nghia_vu: Option<String>,
}

fn line(province: String, r: [i64; 6]) -> Line {
    let [total, on_time, late, missing, open, waived] = r;
    Line {
        province,
        total,
        on_time,
        late,
        missing,
        open,
        waived,
        rate: percent_text(
            (total > 0)
                .then(|| {
                    (Decimal::from(on_time * 100) / Decimal::from(total))
                        .round_dp(2)
                        .to_string()
                })
                .as_deref(),
        ),
    }
}

pub async fn page(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<Asked>,
) -> Response {
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    // The periods of the plan years: each year, and its first half.
    let mut periods = Vec::new();
    for y in super::plan_years() {
        periods.push((y.to_string(), format!("{} {y}", t.get("comply.year"))));
        periods.push((format!("{y}-H1"), format!("{} {y}", t.get("comply.half"))));
    }
    let this_year = chrono::Datelike::year(&kc_kernel::today_vn()).to_string();
    let period =
        q.ky.filter(|k| periods.iter().any(|(p, _)| p == k))
            .unwrap_or(this_year);
    let duty = q
        .nghia_vu
        .filter(|d| {
            !d.is_empty()
                && d.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .unwrap_or_default();
    let mut path = format!("/api/v1/compliance?period={period}");
    if !duty.is_empty() {
        path.push_str(&format!("&duty={duty}"));
    }
    let today = format!("/api/v1/duties?as_of={}", kc_kernel::today_vn());
    let (compliance, duties) = tokio::join!(
        state.api.get::<Compliance>("notifications", &path, &token),
        state.api.get::<Duties>("notifications", &today, &token),
    );
    let compliance = match compliance {
        Ok(x) => x.provinces,
        Err(p) => return problem(v, HERE, p),
    };
    // A duty's national version and a province's own share a code: each once.
    let mut offered: Vec<(String, String, bool)> = Vec::new();
    for d in duties.map(|d| d.items).unwrap_or_default() {
        if !offered.iter().any(|(code, _, _)| *code == d.code) {
            let chosen = d.code == duty;
            offered.push((d.code, d.title, chosen));
        }
    }
    let sum = compliance.iter().fold([0i64; 6], |mut acc, r| {
        for (a, x) in acc
            .iter_mut()
            .zip([r.total, r.on_time, r.late, r.missing, r.open, r.waived])
        {
            *a += x;
        }
        acc
    });
    let page = CompliancePage {
        periods: periods
            .into_iter()
            .map(|(p, l)| {
                let chosen = p == period;
                (p, l, chosen)
            })
            .collect(),
        period,
        duty,
        duties: offered,
        total: (compliance.len() > 1).then(|| line(t.get("ccn.sum.total").to_owned(), sum)),
        lines: compliance
            .iter()
            .map(|r| {
                line(
                    r.province_name.clone(),
                    [r.total, r.on_time, r.late, r.missing, r.open, r.waived],
                )
            })
            .collect(),
        columns: EXPORT_COLUMNS
            .iter()
            .map(|(k, label)| (*k, t.get(label)))
            .collect(),
        c,
    };
    v.respond(page)
}
