//! The portal's texts: one message catalogue per language (`messages/vi.json`, `messages/en.json`,
//! flat maps from a key to its text), Vietnamese by default; a visitor switches to English with the
//! `kc_lang` cookie. Templates print `t.get("key")`; no text is written into a template.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    /// From the `kc_lang` cookie's value: English only when it says so.
    pub fn from_cookie(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// The `lang` attribute, and the cookie's value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The other language (the switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

type Catalogue = HashMap<String, String>;

fn parse(json: &str) -> Catalogue {
    serde_json::from_str(json).unwrap_or_default()
}

static VI: LazyLock<Catalogue> = LazyLock::new(|| parse(include_str!("../messages/vi.json")));
static EN: LazyLock<Catalogue> = LazyLock::new(|| parse(include_str!("../messages/en.json")));

/// The texts of one language, for a page.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    pub lang: Lang,
}

impl Texts {
    pub fn new(lang: Lang) -> Texts {
        Texts { lang }
    }

    /// The text of `key`; the key itself when the catalogue lacks it (a test keeps that from happening).
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        let catalogue: &'static Catalogue = match self.lang {
            Lang::Vi => &VI,
            Lang::En => &EN,
        };
        catalogue.get(key).map_or(key, String::as_str)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        let vi: Catalogue = serde_json::from_str(include_str!("../messages/vi.json")).unwrap();
        let en: Catalogue = serde_json::from_str(include_str!("../messages/en.json")).unwrap();
        let mut a: Vec<_> = vi.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        assert!(vi.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn every_key_a_template_or_the_code_asks_for_is_in_the_catalogue() {
        let re = regex_lite(r#"t.get(""#);
        let mut missing = Vec::new();
        let mut seen = 0;
        for path in sources() {
            // This module's own examples are not keys.
            if path.ends_with("i18n.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for key in re(&text) {
                seen += 1;
                if !VI.contains_key(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(seen > 20, "only {seen} keys found");
        assert!(missing.is_empty(), "{missing:#?}");
    }

    #[test]
    fn every_key_of_the_catalogue_is_used_somewhere() {
        let mut text = String::new();
        for path in sources() {
            if !path.ends_with("i18n.rs") {
                text.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
        let unused: Vec<_> = VI
            .keys()
            .filter(|k| !text.contains(&format!("\"{k}\"")))
            .collect();
        assert!(unused.is_empty(), "keys no page uses: {unused:?}");
    }

    /// Every template and source file of the portal (its folders, walked down).
    fn sources() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("templates"), root.join("src")];
        let mut files = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files
    }

    /// The literal keys after `prefix` (up to the closing quote).
    fn regex_lite(prefix: &'static str) -> impl Fn(&str) -> Vec<String> {
        move |text: &str| {
            text.match_indices(prefix)
                .filter_map(|(i, _)| {
                    let rest = &text[i + prefix.len()..];
                    rest.find('"').map(|end| rest[..end].to_owned())
                })
                .filter(|k| !k.contains('{') && !k.is_empty())
                .collect()
        }
    }

    #[test]
    fn vietnamese_unless_the_cookie_says_english() {
        assert_eq!(Lang::from_cookie(None), Lang::Vi);
        assert_eq!(Lang::from_cookie(Some("fr")), Lang::Vi);
        assert_eq!(Lang::from_cookie(Some("en")), Lang::En);
        assert_eq!(Texts::new(Lang::Vi).get("nav.login"), "Đăng nhập");
        assert_eq!(Texts::new(Lang::En).get("nav.login"), "Sign in");
        assert_eq!(Texts::new(Lang::En).get("no.such.key"), "no.such.key");
    }
}
