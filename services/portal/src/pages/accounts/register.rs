//! `/dang-ky`: an enterprise registers itself (identity's registration). The centre of its province
//! verifies it before it can sign in; the answer is the same whatever identity knew of the address or
//! the tax code (identity tells the address's owner by e-mail).

use super::{FormPage, enterprise_kind_key, explain};
use crate::PortalState;
use crate::i18n::Texts;
use crate::pages::fields::Input;
use crate::pages::{Chrome, Posted, problem};
use crate::session::Visitor;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kc_kernel::EnterpriseKind;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

const HERE: &str = "/dang-ky";

/// What the form posts, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct Fields {
    #[serde(default)]
    tax_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    enterprise_kind: String,
    #[serde(default)]
    province_code: String,
    #[serde(default)]
    commune: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    woman_owned: Option<String>,
    #[serde(default)]
    ethnic_minority_owned: Option<String>,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

#[derive(Deserialize)]
struct Provinces {
    items: Vec<ProvinceItem>,
}

#[derive(Deserialize)]
struct ProvinceItem {
    code: String,
    name: String,
}

/// The provinces in force today (code, name), from identity; none when it does not answer.
pub async fn provinces(state: &PortalState) -> Vec<(String, String)> {
    let got = state
        .api
        .send(Method::GET, "identity", "/api/v1/provinces", None, None)
        .await
        .ok()
        .and_then(|v| serde_json::from_value::<Provinces>(v).ok());
    got.map(|p| p.items.into_iter().map(|i| (i.code, i.name)).collect())
        .unwrap_or_default()
}

fn inputs(t: Texts, f: &Fields, provinces: Vec<(String, String)>) -> Vec<Input> {
    let choose = |label: &str| vec![(String::new(), label.to_owned())];
    let kinds = EnterpriseKind::ALL.iter().map(|k| {
        (
            k.as_str().to_owned(),
            t.get(enterprise_kind_key(*k)).to_owned(),
        )
    });
    let tick = |v: &Option<String>| if v.is_some() { "1" } else { "" };
    vec![
        Input::new("tax_code", t.get("reg.tax_code"), "text", &f.tax_code)
            .hint(t.get("reg.hint.tax_code")),
        Input::new("name", t.get("reg.name"), "text", &f.name),
        Input::new(
            "enterprise_kind",
            t.get("reg.kind"),
            "select",
            &f.enterprise_kind,
        )
        .options(
            choose(t.get("form.choose"))
                .into_iter()
                .chain(kinds)
                .collect(),
        ),
        Input::new(
            "province_code",
            t.get("reg.province"),
            "select",
            &f.province_code,
        )
        .options(
            choose(t.get("form.choose"))
                .into_iter()
                .chain(provinces)
                .collect(),
        ),
        Input::new("commune", t.get("reg.commune"), "text", &f.commune)
            .hint(t.get("reg.hint.commune")),
        Input::new("address", t.get("reg.address"), "text", &f.address),
        Input::new(
            "woman_owned",
            t.get("reg.woman_owned"),
            "checkbox",
            tick(&f.woman_owned),
        ),
        Input::new(
            "ethnic_minority_owned",
            t.get("reg.ethnic_minority_owned"),
            "checkbox",
            tick(&f.ethnic_minority_owned),
        ),
        Input::new("full_name", t.get("reg.full_name"), "text", &f.full_name),
        Input::new("email", t.get("reg.email"), "email", &f.email).hint(t.get("reg.hint.email")),
        Input::new("phone", t.get("reg.phone"), "tel", &f.phone),
        Input::new("password", t.get("reg.password"), "password", "")
            .hint(t.get("reg.hint.password")),
        Input::new(
            "password_again",
            t.get("reg.password_again"),
            "password",
            "",
        ),
    ]
}

fn page(v: &Visitor, f: &Fields, provinces: Vec<(String, String)>) -> FormPage {
    let t = v.texts();
    let mut p = FormPage::new(
        Chrome::new(v, HERE),
        t.get("reg.title"),
        HERE,
        t.get("reg.submit"),
    );
    p.intro = Some(t.get("reg.intro"));
    p.inputs = inputs(t, f, provinces);
    p.links = vec![("/dang-nhap".into(), t.get("reg.have_account"))];
    p
}

pub async fn form(State(state): State<PortalState>, v: Visitor) -> Response {
    let p = page(&v, &Fields::default(), provinces(&state).await);
    v.respond(p)
}

pub async fn submit(State(state): State<PortalState>, p: Posted<Fields>) -> Response {
    let (v, f) = (p.v, p.form);
    let t = v.texts();
    if f.password != f.password_again {
        let fields = BTreeMap::from([(
            "password_again".to_owned(),
            t.get("reg.mismatch").to_owned(),
        )]);
        let page =
            page(&v, &f, provinces(&state).await).refused_with(t.get("form.fix").into(), &fields);
        return v.respond((StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    let opt = |s: &str| {
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_owned())
    };
    let body = json!({
        "tax_code": f.tax_code.trim(),
        "name": f.name,
        "enterprise_kind": f.enterprise_kind,
        "province_code": f.province_code,
        "commune": f.commune,
        "address": opt(&f.address),
        "woman_owned": f.woman_owned.is_some(),
        "ethnic_minority_owned": f.ethnic_minority_owned.is_some(),
        "full_name": f.full_name,
        "email": f.email.trim(),
        "phone": opt(&f.phone),
        "password": f.password,
    });
    let sent = state
        .api
        .send(
            Method::POST,
            "identity",
            "/api/v1/registrations",
            None,
            Some(&body),
        )
        .await;
    match sent {
        Ok(_) => {
            let mut page = FormPage::new(Chrome::new(&v, HERE), t.get("reg.done.title"), HERE, "");
            page.notice = Some(t.get("reg.done").to_owned());
            page.links = vec![("/dang-nhap".into(), t.get("reg.to_login"))];
            v.respond((StatusCode::ACCEPTED, page))
        }
        Err(p) => match explain(&t, p) {
            Ok(r) => {
                let page = page(&v, &f, provinces(&state).await).refused(&r);
                v.respond((r.status, page))
            }
            Err(p) => problem(v, HERE, p),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn what_was_typed_is_kept_but_the_password() {
        let f = Fields {
            tax_code: "0101234565".into(),
            name: "Cơ sở mây tre".into(),
            enterprise_kind: "cooperative".into(),
            woman_owned: Some("1".into()),
            password: "secret-secret".into(),
            ..Fields::default()
        };
        let inputs = inputs(
            Texts::new(Lang::Vi),
            &f,
            vec![("01".into(), "Hà Nội".into())],
        );
        let value = |n: &str| inputs.iter().find(|i| i.name == n).unwrap().value.clone();
        assert_eq!(value("tax_code"), "0101234565");
        assert_eq!(value("woman_owned"), "1");
        assert_eq!(value("ethnic_minority_owned"), "");
        assert_eq!(value("password"), "");
        let kind = inputs.iter().find(|i| i.name == "enterprise_kind").unwrap();
        assert!(
            kind.options
                .iter()
                .any(|(v, _, chosen)| v == "cooperative" && *chosen)
        );
    }
}
