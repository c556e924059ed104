//! The one error type of the use-case layer. Every error carries a stable dotted code; the
//! server maps [`ErrorKind`] to an HTTP status in exactly one place.

use std::borrow::Cow;

use settle_core::validation::FieldError;
use settle_store::StoreError;

/// The class of an error, which decides its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed (400).
    BadRequest,
    /// No or invalid credentials (401).
    Unauthorized,
    /// Valid credentials without the right (403).
    Forbidden,
    /// No such thing (404).
    NotFound,
    /// The current state forbids it, or it duplicates something (409).
    Conflict,
    /// Too large (413).
    TooLarge,
    /// A body in a format the endpoint does not take (415).
    UnsupportedMediaType,
    /// Input is well-formed but invalid (422).
    Invalid,
    /// Too many attempts (429).
    RateLimited,
    /// Our fault (500); details are logged, never returned.
    Internal,
}

/// A use-case failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppError {
    /// Its class.
    pub kind: ErrorKind,
    /// Stable dotted code, e.g. `partner.invalid_brn`.
    pub code: Cow<'static, str>,
    /// A sentence for people.
    pub message: String,
    /// The input field at fault, if one is.
    pub field: Option<String>,
    /// Every field problem, when validation found several.
    pub errors: Vec<FieldError>,
}

impl AppError {
    /// An error of `kind` with `code` and `message`.
    pub fn new(
        kind: ErrorKind,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            code: code.into(),
            message: message.into(),
            field: None,
            errors: Vec::new(),
        }
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// A 404 for a missing `what` (`partner`, `tenant`…).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!("{what}.not_found"),
            format!("no such {what}"),
        )
    }

    /// A 409.
    pub fn conflict(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    /// A 422 for one field.
    pub fn invalid(
        code: impl Into<Cow<'static, str>>,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::Invalid, code, message).with_field(field)
    }

    /// A 422 carrying every field problem; the first one heads the error.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        // Input that only names things that do not exist is about missing resources: 404.
        let missing = !errors.is_empty() && errors.iter().all(|e| is_missing_reference(&e.code));
        let (code, message, field) = match errors.first() {
            Some(first) => (
                first.code.clone(),
                first.message.clone(),
                Some(first.field.clone()),
            ),
            None => (
                "validation.failed".to_owned(),
                "invalid input".to_owned(),
                None,
            ),
        };
        Self {
            kind: if missing {
                ErrorKind::NotFound
            } else {
                ErrorKind::Invalid
            },
            code: code.into(),
            message,
            field,
            errors,
        }
    }

    /// The body names a resource (`field`) that does not exist: 404 with `code`.
    pub fn missing_reference(
        code: impl Into<Cow<'static, str>>,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::NotFound, code, message).with_field(field)
    }

    /// A 500 whose cause is logged here and not shown to the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorKind::Internal,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::internal(error)
    }
}
/// Whether an error code says a referenced resource does not exist (`*.unknown_partner`).
fn is_missing_reference(code: &str) -> bool {
    code.ends_with(".unknown_partner")
}
