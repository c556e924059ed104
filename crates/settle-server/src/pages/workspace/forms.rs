//! Form fields as the workspace's templates draw them: each input is named like the API
//! field it fills (`contact.email`), so a use case's field errors land next to their input.

use serde::Deserialize;
use settle_app::AppError;

use crate::pages::replies::Posted;

/// One input with its label, value and error.
pub struct Input {
    pub name: String,
    pub label: &'static str,
    pub value: String,
    /// `text`, `email`, `date`, `number`…
    pub kind: &'static str,
    pub required: bool,
    pub error: Option<String>,
}

impl Input {
    /// A text input.
    pub fn text(name: impl Into<String>, label: &'static str, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            label,
            value: value.into(),
            kind: "text",
            required: false,
            error: None,
        }
    }

    /// The same input, of another kind.
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// The same input, required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// A refusal's messages per field: every field error of a validation, or the error's one
/// field. What names no input of the form is `general`.
pub struct FieldErrors {
    by_field: Vec<(String, String)>,
    /// Errors that belong to no input shown.
    pub general: Vec<String>,
}

impl FieldErrors {
    /// No errors.
    pub fn none() -> Self {
        Self {
            by_field: Vec::new(),
            general: Vec::new(),
        }
    }

    /// The errors of `error`, spread over `inputs` (by name).
    pub fn of(error: &AppError) -> Self {
        let mut errors = Self::none();
        if error.errors.is_empty() {
            let field = error.field.clone().unwrap_or_default();
            errors
                .by_field
                .push((field, said(&error.code, &error.message)));
        } else {
            for e in &error.errors {
                errors
                    .by_field
                    .push((e.field.clone(), said(&e.code, &e.message)));
            }
        }
        errors
    }

    /// Puts each error on its input; the rest become [`FieldErrors::general`].
    pub fn place(mut self, inputs: &mut [Input]) -> Self {
        for (field, text) in std::mem::take(&mut self.by_field) {
            match inputs.iter_mut().find(|input| input.name == field) {
                Some(input) => input.error = Some(text),
                None => self.general.push(text),
            }
        }
        self
    }
}

/// A message with its stable code, as the API gives both.
fn said(code: &str, message: &str) -> String {
    format!("{message} ({code})")
}

/// A text field as the use cases take it: trimmed, and blank is absent.
pub fn filled(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// `a=b&c=d`, each value percent-encoded.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let value: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// One path segment (a document key may hold any character).
pub fn path_segment(text: &str) -> String {
    encode(&[("", text)]).trim_start_matches('=').to_owned()
}

/// A form with nothing but its CSRF token (a button that posts).
#[derive(Deserialize)]
pub struct ButtonForm {
    #[serde(default)]
    csrf: String,
}

impl Posted for ButtonForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}
