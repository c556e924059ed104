//! XML-DSig as the NTS requires it: an enveloped `ds:Signature` placed before
//! `TaxInvoiceDocument`, RSA-SHA256 over C14N 1.0, one Reference `URI=""` with a SHA-256
//! digest after the NTS XPath filter, and the signer's X.509 certificate in `KeyInfo`.

mod sign;
mod verify;

pub use sign::sign;
pub use verify::{VerifiedSignature, verify, verify_with_certificate};

/// Canonical XML 1.0 without comments.
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// RSA with SHA-256 (PKCS#1 v1.5).
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// RSA with SHA-1, accepted when verifying older documents.
pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
/// SHA-256 digests.
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// SHA-1 digests, accepted when verifying older documents.
pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
/// The XPath transform.
pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
/// The enveloped-signature transform, accepted when verifying.
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// The NTS filter: everything but the root element's tag, `ExchangedDocument` and the
/// signature itself.
pub const NTS_XPATH: &str = "not(self::*[name()='TaxInvoice'] | \
     ancestor-or-self::*[name()='ExchangedDocument'] | ancestor-or-self::ds:Signature)";
