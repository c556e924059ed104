//! Field-level validation errors, collected rather than stopping at the first, so that a
//! form or an import row reports everything wrong with it at once.

use serde::Serialize;

/// One problem with one input field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Stable dotted code, e.g. `partner.invalid_brn`.
    pub code: String,
    /// The field path as the JSON API spells it (`contact.email`).
    pub field: String,
    /// A sentence for people.
    pub message: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(
        code: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors for one object whose codes share a prefix (`partner`, `tenant`).
#[derive(Debug)]
pub struct Checker {
    prefix: &'static str,
    errors: Vec<FieldError>,
}

impl Checker {
    /// A checker whose codes start with `prefix.`.
    pub fn new(prefix: &'static str) -> Self {
        Self {
            prefix,
            errors: Vec::new(),
        }
    }

    /// Records an error `prefix.kind` on `field`.
    pub fn fail(&mut self, kind: &str, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(
            format!("{}.{kind}", self.prefix),
            field,
            message,
        ));
    }

    /// Normalizes an optional text field: checks its length (in characters) and that it holds
    /// no control characters, as sent, then trims it and treats blank as absent. (Checking
    /// before trimming keeps the rule one a schema can state: at most `max_chars`
    /// characters, none of them a control character.)
    pub fn text(&mut self, field: &str, value: Option<String>, max_chars: usize) -> Option<String> {
        let value = value?;
        if value.chars().count() > max_chars {
            self.fail(
                "too_long",
                field,
                format!("{field} is longer than {max_chars} characters"),
            );
            return None;
        }
        if value.chars().any(char::is_control) {
            self.fail(
                "invalid_text",
                field,
                format!("{field} contains control characters"),
            );
            return None;
        }
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// Like [`Checker::text`], but the field must be present.
    pub fn required(&mut self, field: &str, value: Option<String>, max_chars: usize) -> String {
        let before = self.errors.len();
        match self.text(field, value, max_chars) {
            Some(text) => text,
            None => {
                if self.errors.len() == before {
                    self.fail("missing_field", field, format!("{field} is required"));
                }
                String::new()
            }
        }
    }

    /// Parses an optional `YYYY-MM-DD` date field.
    pub fn date(&mut self, field: &str, value: Option<String>) -> Option<time::Date> {
        let text = self.text(field, value, 10)?;
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(&text, format) {
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(
                    "invalid_date",
                    field,
                    format!("{field} must be a date YYYY-MM-DD"),
                );
                None
            }
        }
    }

    /// Whether an error was recorded on `field` already.
    pub fn has_error_on(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// Finishes: the value when nothing failed, every error otherwise.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

/// Whether `text` looks like a deliverable email address (one `@`, a dotted domain, no
/// spaces). Deliverability itself is the mail server's to judge.
pub fn is_plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && !local.contains('@')
        && domain.contains('.')
        && labels_ok
}

/// Whether `text` looks like a phone number: digits with `+ - ( )` and spaces, 2–20 chars.
pub fn is_plausible_phone(text: &str) -> bool {
    text.chars().filter(char::is_ascii_digit).count() >= 2
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-() ".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_trims_and_limits() {
        let mut checker = Checker::new("partner");
        assert_eq!(
            checker.text("name", Some(" a ".into()), 3),
            Some("a".into())
        );
        assert_eq!(checker.text("name", Some("   ".into()), 3), None);
        assert_eq!(checker.text("name", Some("abcd".into()), 3), None);
        assert_eq!(checker.text("name", Some("a\u{7}b".into()), 3), None);
        let errors = checker.finish(()).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["partner.too_long", "partner.invalid_text"]);
    }

    #[test]
    fn text_limits_apply_to_the_value_as_sent() {
        let mut checker = Checker::new("partner");
        assert_eq!(checker.text("name", Some(" ab ".into()), 3), None);
        assert_eq!(checker.text("name", Some("ab\n".into()), 3), None);
        let errors = checker.finish(()).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["partner.too_long", "partner.invalid_text"]);
    }

    #[test]
    fn required_reports_missing_once() {
        let mut checker = Checker::new("partner");
        checker.required("name", None, 10);
        checker.required("ceo_name", Some("x".repeat(11)), 10);
        let errors = checker.finish(()).unwrap_err();
        assert_eq!(errors[0].code, "partner.missing_field");
        assert_eq!(errors[1].code, "partner.too_long");
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn emails_and_phones() {
        assert!(is_plausible_email("kim@example.co.kr"));
        assert!(is_plausible_email("세금@회사.한국"));
        for bad in [
            "kim",
            "kim@",
            "@x.kr",
            "kim@localhost",
            "k m@x.kr",
            "a@b@c.kr",
            "a@x..kr",
        ] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
        assert!(is_plausible_phone("02-1234-5678"));
        assert!(is_plausible_phone("+82 (10) 1234 5678"));
        assert!(!is_plausible_phone("call me"));
        assert!(!is_plausible_phone("1"));
    }
}
