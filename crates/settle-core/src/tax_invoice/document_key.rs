//! The platform's own key for a tax invoice (Popbill's `MgtKey`): unique per tenant, at
//! most 24 letters, digits, `-` and `_`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest document key.
pub const MAX_DOCUMENT_KEY: usize = 24;

/// A valid document key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocumentKey(String);

impl DocumentKey {
    /// Checks `text`; the error is a sentence for people.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("document_key is required".to_owned());
        }
        if text.len() > MAX_DOCUMENT_KEY {
            return Err(format!(
                "document_key has at most {MAX_DOCUMENT_KEY} characters"
            ));
        }
        if !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err("document_key may hold only letters, digits, - and _".to_owned());
        }
        Ok(Self(text.to_owned()))
    }

    /// A key already checked (read back from storage).
    pub fn from_trusted(text: String) -> Self {
        Self(text)
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_and_url_safe() {
        assert!(DocumentKey::parse("2026-11_A0001").is_ok());
        assert!(DocumentKey::parse(&"k".repeat(24)).is_ok());
        assert!(DocumentKey::parse(&"k".repeat(25)).is_err());
        assert!(DocumentKey::parse("").is_err());
        assert!(DocumentKey::parse("a/b").is_err());
        assert!(DocumentKey::parse("키").is_err());
    }
}
