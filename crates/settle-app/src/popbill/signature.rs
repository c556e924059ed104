//! Linkhub's request signature, exactly as the official SDKs compute it: HMAC-SHA256, keyed
//! with the base64-decoded secret, over the method, the base64 SHA-256 of the raw body, the
//! `x-lh-date`, the `x-lh-forwarded` value when sent, the `x-lh-version` and the path.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Which Popbill environment a token is for (the path's first segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceId {
    /// `POPBILL` (the SDK's `IsTest = False`).
    Popbill,
    /// `POPBILL_TEST` (`IsTest = True`).
    PopbillTest,
}

impl ServiceId {
    /// The name as the path spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceId::Popbill => "POPBILL",
            ServiceId::PopbillTest => "POPBILL_TEST",
        }
    }

    /// The service named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "POPBILL" => Some(ServiceId::Popbill),
            "POPBILL_TEST" => Some(ServiceId::PopbillTest),
            _ => None,
        }
    }
}

/// base64(SHA-256(body)) of the bytes as received (never re-serialized: Python and Java
/// space their JSON differently).
pub fn body_digest(body: &[u8]) -> String {
    BASE64.encode(Sha256::digest(body))
}

/// The text the client signed.
pub fn string_to_sign(
    body_digest: &str,
    date: &str,
    forwarded: Option<&str>,
    version: &str,
    path: &str,
) -> String {
    let mut text = format!("POST\n{body_digest}\n{date}\n");
    if let Some(forwarded) = forwarded {
        text.push_str(forwarded);
        text.push('\n');
    }
    text.push_str(version);
    text.push('\n');
    text.push_str(path);
    text
}

/// base64(HMAC-SHA256(base64decode(secret), text)); `None` when the secret is not base64.
pub fn sign(secret_b64: &str, text: &str) -> Option<String> {
    let key = BASE64.decode(secret_b64.trim()).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(text.as_bytes());
    Some(BASE64.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Popbill's published test key.
    const SECRET: &str = "SwWxqU+0TErBXy/9TVjIPEnI0VTUMMSQZtJf3Ed8q3I=";
    const PYTHON_BODY: &str = r#"{"access_id": "1234567890", "scope": ["member", "110"]}"#;

    #[test]
    fn the_python_sdks_request_signs_as_captured() {
        let digest = body_digest(PYTHON_BODY.as_bytes());
        assert_eq!(digest, "vPaOQG37RzbEbu5QwcrrKSjzLYVtAqSoZypwjP/GVh8=");
        let text = string_to_sign(
            &digest,
            "2026-12-03T19:02:34Z",
            None,
            "2.0",
            "/POPBILL_TEST/Token",
        );
        assert_eq!(
            sign(SECRET, &text).unwrap(),
            "xvQlwv2qvhdALcvXZFIZPmYEdVjIvokA0HKU70EXiu4="
        );
    }

    #[test]
    fn a_forwarded_header_is_signed_before_the_version() {
        let digest = body_digest(PYTHON_BODY.as_bytes());
        let text = string_to_sign(
            &digest,
            "2026-12-03T19:06:42Z",
            Some("*"),
            "2.0",
            "/POPBILL/Token",
        );
        assert_eq!(
            sign(SECRET, &text).unwrap(),
            "gRkvJpM8hyiWlujW35VJ6Bxync14esGaXTiKpPeiqrA="
        );
    }

    #[test]
    fn the_java_sdks_compact_json_signs_over_its_own_bytes() {
        let body = r#"{"access_id":"1234567890","scope":["member","110"]}"#;
        let digest = body_digest(body.as_bytes());
        assert_eq!(digest, "178M06xgBOhXk3qZ3Cs8u4TnlG7ifjU93t28TMidIPU=");
        let text = string_to_sign(
            &digest,
            "2026-12-03T19:02:34Z",
            None,
            "2.0",
            "/POPBILL_TEST/Token",
        );
        assert_eq!(
            sign(SECRET, &text).unwrap(),
            "R5NnnxtRU874iiHFrkyW8k9eRBY5AmtF+KGEFeA1jUg="
        );
    }

    #[test]
    fn a_secret_that_is_not_base64_signs_nothing() {
        assert_eq!(sign("not base64!", "text"), None);
    }
}
