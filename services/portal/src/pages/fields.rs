//! One input of a form as the templates draw it (`templates/fields.html`): its label, its hint, the
//! service's or the portal's message when it was refused, and what was typed.

/// One input of a form.
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `email`, `tel`, `password` (a new one), `current-password`, `money`, `date`, `year`,
    /// `select`, `textarea` or `checkbox`.
    pub kind: &'static str,
    pub value: String,
    pub hint: Option<&'static str>,
    pub error: Option<String>,
    /// A select's options: value, label, chosen.
    pub options: Vec<(String, String, bool)>,
}

impl Input {
    /// An input of `kind` holding `value`, with no hint, no error, no options.
    pub fn new(name: &'static str, label: &'static str, kind: &'static str, value: &str) -> Input {
        Input {
            name,
            label,
            kind,
            value: value.to_owned(),
            hint: None,
            error: None,
            options: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: &'static str) -> Input {
        self.hint = Some(hint);
        self
    }

    /// A select among `options` (value, label); the one equal to the value is chosen.
    pub fn options(mut self, options: Vec<(String, String)>) -> Input {
        self.options = options
            .into_iter()
            .map(|(v, l)| {
                let chosen = v == self.value;
                (v, l, chosen)
            })
            .collect();
        self
    }

    /// The refusal's message for this input, if any.
    pub fn error_from(mut self, fields: &std::collections::BTreeMap<String, String>) -> Input {
        self.error = fields.get(self.name).cloned();
        self
    }

    /// The ids of the hint and the error that describe the input (`aria-describedby`).
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }

    /// The `type` attribute of an `<input>`.
    pub fn html_type(&self) -> &'static str {
        match self.kind {
            "email" => "email",
            "tel" => "tel",
            "password" | "current-password" => "password",
            _ => "text",
        }
    }

    /// Its `autocomplete` attribute (a password manager offers the right one).
    pub fn autocomplete(&self) -> &'static str {
        match self.kind {
            "email" => "email",
            "tel" => "tel",
            "password" => "new-password",
            "current-password" => "current-password",
            "money" => "off",
            _ => "on",
        }
    }
}
