//! `/xuat/{what}`: a list or a table as XLSX or CSV, made by the service that owns it (the portal
//! builds no spreadsheet of its own): the applications (`ho-so`), the scheme list (`de-an`), the
//! execution report (`tong-hop`), the cluster register (`ccn`), the duties (`nghia-vu`) and
//! reporting compliance (`tuan-thu`). The page's filters go through as they are; the columns ticked (one `columns` key
//! each) become the service's comma-separated `columns`.

use super::{SignedIn, problem};
use crate::PortalState;
use crate::api::Problem;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

/// The exports the portal offers: its name in the address, the service, and the service's route.
const EXPORTS: [(&str, &str, &str); 6] = [
    ("tuan-thu", "notifications", "/api/v1/compliance/export"),
    ("nghia-vu", "notifications", "/api/v1/obligations/export"),
    ("ho-so", "workflow", "/api/v1/applications/export"),
    ("de-an", "workflow", "/api/v1/schemes/export"),
    ("tong-hop", "workflow", "/api/v1/reports/execution/export"),
    ("ccn", "registry", "/api/v1/clusters/export.{format}"),
];

/// The service's query: every pair as it came, the columns joined with commas.
pub fn service_query(raw: &str) -> String {
    let mut columns = Vec::new();
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        if k == "columns" {
            columns.push(v.into_owned());
        } else if !v.is_empty() {
            out.append_pair(&k, &v);
        }
    }
    if !columns.is_empty() {
        out.append_pair("columns", &columns.join(","));
    }
    out.finish()
}

pub async fn export(
    State(state): State<PortalState>,
    SignedIn { v, token }: SignedIn,
    Path(what): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let here = format!("/xuat/{what}");
    let Some((_, service, route)) = EXPORTS.iter().find(|(name, ..)| *name == what) else {
        return problem(v, &here, Problem::NotFound);
    };
    let raw = raw.as_deref().unwrap_or("");
    // A service that names the file's format in its route (the registry's `.xlsx`, `.csv`).
    let (route, raw) = if route.contains("{format}") {
        let csv = form_urlencoded::parse(raw.as_bytes()).any(|(k, v)| k == "format" && v == "csv");
        let rest: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form_urlencoded::parse(raw.as_bytes()).filter(|(k, _)| k != "format"))
            .finish();
        (
            route.replace("{format}", if csv { "csv" } else { "xlsx" }),
            rest,
        )
    } else {
        ((*route).to_owned(), raw.to_owned())
    };
    let query = service_query(&raw);
    match state
        .api
        .download(service, &format!("{route}?{query}"), &token)
        .await
    {
        Ok(f) => crate::pages::file(v, f),
        Err(p) => problem(v, &here, p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticked_columns_become_one_list_and_empty_filters_are_dropped() {
        assert_eq!(
            service_query("status=&plan_year=2027&columns=title&columns=paid&format=csv"),
            "plan_year=2027&format=csv&columns=title%2Cpaid"
        );
        assert_eq!(service_query(""), "");
    }
}
