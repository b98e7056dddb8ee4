//! One input of a form as the templates draw it (`templates/fields.html`): its label, its hint, the
//! service's or the portal's message when it was refused, and what was typed.

/// One input of a form.
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `email`, `tel`, `password` (a new one), `current-password`, `money`, `date`, `year`,
    /// `select`, `textarea`, `checkbox` or `hidden` (sent, not shown).
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

/// A whole number as typed: `1250`, or with `.` (or a space) between thousands, `1.250`; not
/// `1.5`, which is no whole number. None for anything else.
pub fn whole_vn(s: &str) -> Option<i64> {
    let s = s.trim();
    let groups: Vec<&str> = s.split(['.', ' ', '\u{a0}']).collect();
    let well_grouped = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits = groups.concat();
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => (-1, rest.to_owned()),
        None => (1, digits),
    };
    (well_grouped
        && !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit()))
    .then(|| digits.parse::<i64>().ok().map(|n| sign * n))
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::whole_vn;

    #[test]
    fn whole_numbers_are_read_with_thousands_marks_but_a_decimal_is_refused() {
        assert_eq!(whole_vn("1.250"), Some(1250));
        assert_eq!(whole_vn("1 250 000"), Some(1_250_000));
        assert_eq!(whole_vn(" 42 "), Some(42));
        assert_eq!(whole_vn("-7"), Some(-7));
        assert_eq!(whole_vn("1.5"), None);
        assert_eq!(whole_vn("7.50"), None);
        assert_eq!(whole_vn("1250.000"), None);
        assert_eq!(whole_vn("bốn mươi"), None);
        assert_eq!(whole_vn(""), None);
    }
}
