//! Accounts: an enterprise registers (`/dang-ky`), anyone who forgot a password asks for a link and
//! sets a new one (`/quen-mat-khau`, `/dat-lai-mat-khau`), each user keeps their own details and
//! password (`/tai-khoan`), the centre verifies new enterprises (`/xac-minh`), and administrators
//! manage the organisations and users of their scope (`/nguoi-dung`). Identity holds every account;
//! these pages only call it.

pub mod password;
pub mod profile;
pub mod register;
pub mod users;
pub mod verify;

use crate::api::Problem;
use crate::i18n::Texts;
use crate::pages::Chrome;
use crate::pages::fields::Input;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use kc_kernel::{AccountStatus, EnterpriseKind, OrgKind, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A box to tick: its name, its label, whether it is ticked.
pub type Pick = (String, String, bool);

/// `templates/account_form.html`: a page with one form (or, once it is done, only its notice).
#[derive(Template, WebTemplate)]
#[template(path = "account_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub title: &'static str,
    pub intro: Option<&'static str>,
    /// What was done (a status message).
    pub notice: Option<String>,
    /// Why the form was refused, and the refusals of fields the form does not show.
    pub error: Option<String>,
    pub others: Vec<String>,
    pub action: String,
    /// Hidden fields (besides the CSRF token).
    pub hidden: Vec<(&'static str, String)>,
    pub inputs: Vec<Input>,
    /// Boxes to tick after the inputs: their legend, and each box's name, label, whether ticked.
    pub picks: Option<(&'static str, Vec<Pick>)>,
    pub submit: &'static str,
    /// Links under the form: address, text.
    pub links: Vec<(String, &'static str)>,
}

impl FormPage {
    pub fn new(c: Chrome, title: &'static str, action: &str, submit: &'static str) -> FormPage {
        FormPage {
            c,
            title,
            intro: None,
            notice: None,
            error: None,
            others: Vec::new(),
            action: action.to_owned(),
            hidden: Vec::new(),
            inputs: Vec::new(),
            picks: None,
            submit,
            links: Vec::new(),
        }
    }

    /// The form refused: the message above it, each field's beside it (those the form does not
    /// show, under the message).
    pub fn refused(self, r: &Refused) -> FormPage {
        self.refused_with(r.message.clone(), &r.fields)
    }

    /// The form refused by the portal itself (before any service saw it).
    pub fn refused_with(mut self, message: String, fields: &BTreeMap<String, String>) -> FormPage {
        self.error = Some(message);
        for i in &mut self.inputs {
            i.error = fields.get(i.name).cloned();
        }
        self.others = fields
            .iter()
            .filter(|(k, _)| !self.inputs.iter().any(|i| i.name == k.as_str()))
            .map(|(_, m)| m.clone())
            .collect();
        self
    }
}

/// A service's refusal as a form shows it: the status to answer, the message, the fields at fault.
pub struct Refused {
    pub status: StatusCode,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Refused {
    /// What the portal itself refuses before any service sees the form: 422, "fix these", and the
    /// fields at fault.
    pub fn form(t: &Texts, fields: BTreeMap<String, String>) -> Refused {
        Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: t.get("form.fix").to_owned(),
            fields,
        }
    }

    /// Put each field's refusal beside its input; the refusals of fields no input shows.
    pub fn mark(&self, inputs: &mut [Input]) -> Vec<String> {
        for i in inputs.iter_mut() {
            i.error = self.fields.get(i.name).cloned();
        }
        self.fields
            .iter()
            .filter(|(k, _)| !inputs.iter().any(|i| i.name == k.as_str()))
            .map(|(_, m)| m.clone())
            .collect()
    }
}

/// What a form shows for a service's refusal: its message and the fields at fault; a service that
/// is down is said above the form, which keeps what was typed. Anything else is a page of its own.
pub fn explain(t: &Texts, p: Problem) -> Result<Refused, Problem> {
    match p {
        Problem::Rejected {
            status,
            message,
            fields,
        } => Ok(Refused {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message,
            fields,
        }),
        Problem::Down => Ok(Refused {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: t.get("err.down.body").to_owned(),
            fields: BTreeMap::new(),
        }),
        other => Err(other),
    }
}

/// As [`explain`], and a refusal of the visitor's right (403) beside the form too, keeping what was
/// typed: for forms offered to people the service may still refuse (an administrator whose scope a
/// rule lies outside).
pub fn explain_rights(t: &Texts, p: Problem) -> Result<Refused, Problem> {
    match p {
        Problem::Forbidden => Ok(Refused {
            status: StatusCode::FORBIDDEN,
            message: t.get("err.forbidden.body").to_owned(),
            fields: BTreeMap::new(),
        }),
        other => explain(t, other),
    }
}

/// An organisation as identity shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct Organisation {
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
    #[serde(default)]
    pub province_name: Option<String>,
    #[serde(default)]
    pub tax_code: Option<String>,
    #[serde(default)]
    pub enterprise_kind: Option<EnterpriseKind>,
    #[serde(default)]
    pub commune: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub woman_owned: bool,
    #[serde(default)]
    pub ethnic_minority_owned: bool,
    pub status: AccountStatus,
    #[serde(default)]
    pub status_reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A user as identity shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub full_name: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub organisation_id: Uuid,
    pub permissions: Vec<Permission>,
    pub status: AccountStatus,
}

impl User {
    pub fn has(&self, p: &Permission) -> bool {
        self.permissions.contains(p)
    }
}

pub fn enterprise_kind_key(k: EnterpriseKind) -> &'static str {
    match k {
        EnterpriseKind::Company => "ekind.company",
        EnterpriseKind::Cooperative => "ekind.cooperative",
        EnterpriseKind::HouseholdBusiness => "ekind.household_business",
        EnterpriseKind::CooperativeGroup => "ekind.cooperative_group",
    }
}

pub fn account_status_key(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Pending => "account.pending",
        AccountStatus::Active => "account.active",
        AccountStatus::Rejected => "account.rejected",
        AccountStatus::Disabled => "account.disabled",
    }
}

pub fn org_kind_key(k: OrgKind) -> &'static str {
    match k {
        OrgKind::Ministry => "orgkind.ministry",
        OrgKind::Department => "orgkind.department",
        OrgKind::Centre => "orgkind.centre",
        OrgKind::Enterprise => "orgkind.enterprise",
    }
}

pub fn permission_key(p: Permission) -> &'static str {
    match p {
        Permission::Officer => "perm.officer",
        Permission::Approver => "perm.approver",
        Permission::Viewer => "perm.viewer",
        Permission::Admin => "perm.admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Texts};

    #[test]
    fn every_kind_status_and_permission_has_its_text() {
        for lang in [Lang::Vi, Lang::En] {
            let t = Texts::new(lang);
            for k in EnterpriseKind::ALL {
                assert_ne!(t.get(enterprise_kind_key(k)), enterprise_kind_key(k));
            }
            for s in AccountStatus::ALL {
                assert_ne!(t.get(account_status_key(s)), account_status_key(s));
            }
            for k in OrgKind::ALL {
                assert_ne!(t.get(org_kind_key(k)), org_kind_key(k));
            }
            for p in Permission::ALL {
                assert_ne!(t.get(permission_key(p)), permission_key(p));
            }
        }
    }
}
