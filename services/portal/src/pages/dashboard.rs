//! `/tong-hop`: the money dashboard of a plan year — envelope, allocated, approved, contracted, paid,
//! settled and the execution rate — for the nation (the ministry) or the visitor's province, by
//! province, region, fund, activity, former province or implementing unit. Charts are drawn here as
//! SVG (no script, no image service); the table sorts by any column through its headings' links; the
//! table exports through workflow's export of the same report.

use super::applications::fund_key;
use super::{Chrome, SignedIn, problem};
use crate::PortalState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use kc_kernel::{Fund, Money, format_vn};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

const HERE: &str = "/tong-hop";

#[derive(Debug, Clone, Default, Deserialize)]
struct Figures {
    plan: Option<Decimal>,
    approved: Decimal,
    committed: Decimal,
    paid: Decimal,
    settled: Decimal,
    execution_rate: Option<String>,
    schemes: i64,
}

#[derive(Debug, Deserialize)]
struct Row {
    label: String,
    #[serde(flatten)]
    totals: Figures,
}

#[derive(Debug, Deserialize)]
struct FundRow {
    fund_code: Fund,
    #[serde(flatten)]
    totals: Figures,
}

#[derive(Debug, Deserialize)]
struct Report {
    funds: Vec<FundRow>,
    total: Figures,
    rows: Vec<Row>,
}

#[derive(Debug, Deserialize)]
struct Budget {
    national: Option<National>,
}

#[derive(Debug, Deserialize)]
struct National {
    allocated: Decimal,
}

/// The groupings of the report (workflow's keys) and their labels.
const GROUPINGS: [(&str, &str); 6] = [
    ("province", "dash.by.province"),
    ("region", "dash.by.region"),
    ("fund", "dash.by.fund"),
    ("activity", "dash.by.activity"),
    ("province_then", "dash.by.province_then"),
    ("implementer", "dash.by.implementer"),
];

/// The table's columns: key and heading.
const COLUMNS: [(&str, &str); 8] = [
    ("label", "dash.col.label"),
    ("plan", "dash.col.plan"),
    ("approved", "col.approved"),
    ("committed", "dash.col.committed"),
    ("paid", "col.paid"),
    ("settled", "col.settled"),
    ("execution_rate", "dash.col.rate"),
    ("schemes", "dash.col.schemes"),
];

/// A card of the summary.
pub struct Card {
    pub label: &'static str,
    pub value: String,
}

/// A bar of a chart, its geometry in the SVG's units.
pub struct Bar {
    pub label: String,
    pub y: u32,
    pub approved: u32,
    pub paid: u32,
    pub settled: u32,
    /// What the bar says, for a screen reader and a tooltip.
    pub title: String,
}

pub struct Chart {
    /// What the chart shows (its SVG title).
    pub title: String,
    pub height: u32,
    pub bars: Vec<Bar>,
}

/// One line of the table, written out.
pub struct Line {
    pub cells: Vec<String>,
}

/// `templates/dashboard.html`.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    c: Chrome,
    year: i32,
    years: Vec<i32>,
    group_by: &'static str,
    groupings: Vec<(&'static str, &'static str, bool)>,
    fund: &'static str,
    funds: Vec<(&'static str, &'static str, bool)>,
    cards: Vec<Card>,
    chart: Chart,
    fund_chart: Chart,
    /// The headings: whether it holds numbers, its label, the link that sorts by it, and
    /// `aria-sort` when it is the sort.
    headings: Vec<(bool, &'static str, String, &'static str)>,
    lines: Vec<Line>,
    total: Line,
    columns: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    group_by: Option<String>,
    #[serde(default)]
    fund: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    dir: Option<String>,
}

/// Millions with two decimals, the way reports write them: `298.300,98`.
fn trieu(d: Decimal) -> String {
    format_vn(d / Decimal::from(1_000_000), 2)
}

fn money_trieu(d: Decimal) -> String {
    Money::new(d).map_or_else(|_| trieu(d), |m| m.format_trieu())
}

/// The value a column sorts by.
fn sort_key(f: &Figures, column: &str) -> Decimal {
    match column {
        "plan" => f.plan.unwrap_or_default(),
        "approved" => f.approved,
        "committed" => f.committed,
        "paid" => f.paid,
        "settled" => f.settled,
        "execution_rate" => f
            .execution_rate
            .as_deref()
            .and_then(|r| r.parse().ok())
            .unwrap_or_default(),
        "schemes" => Decimal::from(f.schemes),
        _ => Decimal::ZERO,
    }
}

/// Bars for rows (label, figures), scaled to the largest approved amount; 600 units wide.
fn chart<'a>(
    title: String,
    rows: impl Iterator<Item = (String, &'a Figures)>,
    t: crate::i18n::Texts,
) -> Chart {
    let rows: Vec<(String, &Figures)> = rows.collect();
    let max = rows
        .iter()
        .map(|(_, f)| f.approved.max(f.paid))
        .max()
        .unwrap_or_default();
    let scale = |d: Decimal| -> u32 {
        if max.is_zero() {
            return 0;
        }
        (d * Decimal::from(400) / max)
            .round()
            .to_u32()
            .unwrap_or(0)
            .min(400)
    };
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (label, f))| Bar {
            label: label.chars().take(28).collect(),
            y: u32::try_from(i).unwrap_or(0) * 24,
            approved: scale(f.approved),
            paid: scale(f.paid),
            settled: scale(f.settled),
            title: format!(
                "{label}: {} {}, {} {}, {} {}",
                t.get("col.approved"),
                money_trieu(f.approved),
                t.get("col.paid"),
                money_trieu(f.paid),
                t.get("col.settled"),
                money_trieu(f.settled)
            ),
        })
        .collect::<Vec<_>>();
    Chart {
        title,
        height: u32::try_from(bars.len()).unwrap_or(0) * 24 + 8,
        bars,
    }
}

fn cells(label: &str, f: &Figures) -> Line {
    Line {
        cells: vec![
            label.to_owned(),
            f.plan.map(trieu).unwrap_or_else(|| "—".into()),
            trieu(f.approved),
            trieu(f.committed),
            trieu(f.paid),
            trieu(f.settled),
            super::percent_text(f.execution_rate.as_deref()),
            f.schemes.to_string(),
        ],
    }
}

pub async fn page(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Query(q): Query<DashQuery>,
) -> Response {
    let year = super::plan_year(q.year.as_deref().and_then(|y| y.parse::<i32>().ok()));
    let group_by = GROUPINGS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| q.group_by.as_deref() == Some(*k))
        .unwrap_or("province");
    let fund = q.fund.as_deref().and_then(|f| f.parse::<Fund>().ok());
    let sort = COLUMNS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| q.sort.as_deref() == Some(*k));
    let descending = q.dir.as_deref() != Some("asc");
    let mut filter = format!("year={year}&group_by={group_by}");
    if let Some(f) = fund {
        filter.push_str(&format!("&fund={}", f.as_str()));
    }
    let report_path = format!("/api/v1/reports/execution?{filter}");
    let mut budget_path = format!("/api/v1/budget/summary?year={year}");
    if let Some(f) = fund {
        budget_path.push_str(&format!("&fund={}", f.as_str()));
    }
    let (report, budget) = tokio::join!(
        state.api.get::<Report>("workflow", &report_path, &token),
        state.api.get::<Budget>("workflow", &budget_path, &token),
    );
    let mut report = match report {
        Ok(r) => r,
        Err(p) => return problem(v, HERE, p),
    };
    let allocated = budget.ok().and_then(|b| b.national).map(|n| n.allocated);
    if let Some(column) = sort {
        report.rows.sort_by(|a, b| {
            let o = if column == "label" {
                a.label.cmp(&b.label)
            } else {
                sort_key(&a.totals, column).cmp(&sort_key(&b.totals, column))
            };
            if descending { o.reverse() } else { o }
        });
    }
    let c = Chrome::new(&v, HERE);
    let t = c.t;
    let total = &report.total;
    let mut cards = vec![Card {
        label: t.get("dash.col.plan"),
        value: total.plan.map(money_trieu).unwrap_or_else(|| "—".into()),
    }];
    if let Some(a) = allocated {
        cards.push(Card {
            label: t.get("dash.allocated"),
            value: money_trieu(a),
        });
    }
    for (label, value) in [
        ("col.approved", total.approved),
        ("dash.col.committed", total.committed),
        ("col.paid", total.paid),
        ("col.settled", total.settled),
    ] {
        cards.push(Card {
            label: t.get(label),
            value: money_trieu(value),
        });
    }
    cards.push(Card {
        label: t.get("dash.col.rate"),
        value: super::percent_text(total.execution_rate.as_deref()),
    });
    let link = |key: &str| {
        let dir = if sort == Some(key) && descending {
            "asc"
        } else {
            "desc"
        };
        format!("{HERE}?{filter}&sort={key}&dir={dir}")
    };
    let page = DashboardPage {
        year,
        years: super::plan_years(),
        group_by,
        groupings: GROUPINGS
            .iter()
            .map(|(k, label)| (*k, t.get(label), *k == group_by))
            .collect(),
        fund: fund.map_or("", |f| f.as_str()),
        funds: Fund::ALL
            .iter()
            .map(|f| (f.as_str(), t.get(fund_key(*f)), Some(*f) == fund))
            .collect(),
        cards,
        chart: chart(
            format!(
                "{} · {}",
                t.get("dash.chart"),
                t.get(
                    GROUPINGS
                        .iter()
                        .find(|(k, _)| *k == group_by)
                        .map_or("dash.by.province", |(_, l)| l)
                )
            ),
            report.rows.iter().map(|r| (r.label.clone(), &r.totals)),
            t,
        ),
        fund_chart: chart(
            format!("{} · {}", t.get("dash.chart"), t.get("dash.by.fund")),
            report
                .funds
                .iter()
                .map(|f| (t.get(fund_key(f.fund_code)).to_owned(), &f.totals)),
            t,
        ),
        headings: COLUMNS
            .iter()
            .map(|(k, label)| {
                let aria = match (sort == Some(*k), descending) {
                    (true, true) => "descending",
                    (true, false) => "ascending",
                    _ => "",
                };
                (*k != "label", t.get(label), link(k), aria)
            })
            .collect(),
        lines: report
            .rows
            .iter()
            .map(|r| cells(&r.label, &r.totals))
            .collect(),
        total: cells(t.get("dash.total"), total),
        columns: vec![
            ("label", t.get("dash.col.label")),
            ("plan", t.get("dash.col.plan")),
            ("approved", t.get("col.approved")),
            ("committed", t.get("dash.col.committed")),
            ("advanced", t.get("dash.col.advanced")),
            ("paid", t.get("col.paid")),
            ("settled", t.get("col.settled")),
            ("execution_rate", t.get("dash.col.rate")),
            ("schemes", t.get("dash.col.schemes")),
        ],
        c,
    };
    v.respond(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millions_are_written_with_two_decimals_the_vietnamese_way() {
        assert_eq!(trieu(Decimal::from(298_300_980_000_i64)), "298.300,98");
        assert_eq!(super::super::percent_text(Some("98.82")), "98,82 %");
        assert_eq!(super::super::percent_text(None), "—");
    }

    #[test]
    fn bars_are_scaled_to_the_largest_amount() {
        let big = Figures {
            approved: Decimal::from(1000),
            paid: Decimal::from(500),
            settled: Decimal::from(250),
            ..Figures::default()
        };
        let small = Figures {
            approved: Decimal::from(100),
            ..Figures::default()
        };
        let c = chart(
            String::new(),
            [("A".to_owned(), &big), ("B".to_owned(), &small)].into_iter(),
            crate::i18n::Texts::new(crate::i18n::Lang::Vi),
        );
        assert_eq!(
            (c.bars[0].approved, c.bars[0].paid, c.bars[0].settled),
            (400, 200, 100)
        );
        assert_eq!(c.bars[1].approved, 40);
        assert_eq!(c.bars[1].y, 24);
        assert_eq!(c.height, 56);
    }
}
