//! What a party reports: its workers and figures of the window; the investor also the cluster's leased
//! land, its secondary projects and whether the wastewater plant operates; a tenant its revenue.

use kc_http::{FieldErrors, opt_text};
use kc_kernel::{Money, ReportParty};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FiguresInput {
    /// Workers at the end of the window.
    #[serde(deserialize_with = "kc_http::whole")]
    #[schema(minimum = 0, maximum = 10000000)]
    pub workers: i32,
    /// Capital realised by the end of the window, whole đồng (the investor: in the infrastructure; a
    /// tenant: in its project).
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub capital_realised: Option<Money>,
    /// A tenant: its revenue in the window, whole đồng (required).
    #[serde(default, deserialize_with = "kc_http::opt_money")]
    #[schema(value_type = Option<String>, pattern = "^[0-9]{1,15}$")]
    pub revenue: Option<Money>,
    /// The investor: leased industrial land at the end of the window, hectares (required).
    #[schema(pattern = "^[0-9]{1,2}(\\.[0-9]{1,4})?$")]
    #[serde(default)]
    pub leased_area_ha: Option<String>,
    /// The investor: secondary projects in the cluster (required).
    #[serde(default, deserialize_with = "kc_http::opt_whole")]
    #[schema(minimum = 0, maximum = 100000)]
    pub secondary_projects: Option<i32>,
    /// The investor: whether the central wastewater plant operates.
    #[serde(default)]
    pub wastewater_operating: Option<bool>,
    #[schema(schema_with = kc_http::opt_text_schema::<2000>)]
    #[serde(default)]
    pub note: Option<String>,
}

/// The figures as stored (`registry.cluster_reports.figures`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Figures {
    pub workers: i32,
    #[schema(value_type = Option<String>)]
    pub capital_realised: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub revenue: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub leased_area_ha: Option<Decimal>,
    pub secondary_projects: Option<i32>,
    pub wastewater_operating: Option<bool>,
    pub note: Option<String>,
}

impl FiguresInput {
    /// Check the figures of `party`; `industrial_ha` bounds the investor's leased land.
    pub fn check(
        &self,
        party: ReportParty,
        industrial_ha: Decimal,
        fields: &mut FieldErrors,
    ) -> Figures {
        if !(0..=10_000_000).contains(&self.workers) {
            fields.insert(
                "workers".into(),
                "Từ 0 đến 10.000.000 (0 to 10,000,000)".into(),
            );
        }
        let note = opt_text(fields, "note", self.note.as_deref(), 2000);
        let mut leased = None;
        match party {
            ReportParty::Investor => {
                leased = self
                    .leased_area_ha
                    .as_deref()
                    .and_then(crate::clusters::data::hectares)
                    .filter(|d| *d <= industrial_ha);
                if leased.is_none() {
                    fields.insert(
                        "leased_area_ha".into(),
                        format!("Chủ đầu tư báo cáo đất đã cho thuê (ha), không vượt đất công nghiệp {industrial_ha} ha (the investor reports the leased land, within the industrial land)"),
                    );
                }
                if !self
                    .secondary_projects
                    .is_some_and(|p| (0..=100_000).contains(&p))
                {
                    fields.insert(
                        "secondary_projects".into(),
                        "Chủ đầu tư báo cáo số dự án thứ cấp (0 đến 100.000) (the investor reports its secondary projects)".into(),
                    );
                }
            }
            ReportParty::Tenant => {
                if self.revenue.is_none() {
                    fields.insert(
                        "revenue".into(),
                        "Doanh nghiệp trong cụm báo cáo doanh thu trong kỳ (a tenant reports its revenue)".into(),
                    );
                }
                if self.leased_area_ha.is_some() || self.secondary_projects.is_some() {
                    fields.insert(
                        "leased_area_ha".into(),
                        "Chỉ chủ đầu tư hạ tầng báo cáo diện tích và dự án thứ cấp (only the investor reports these)".into(),
                    );
                }
            }
        }
        Figures {
            workers: self.workers,
            capital_realised: self.capital_realised,
            revenue: self.revenue,
            leased_area_ha: leased,
            secondary_projects: self.secondary_projects,
            wastewater_operating: self.wastewater_operating,
            note,
        }
    }
}
