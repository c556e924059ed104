//! The errors of this crate, each with a stable code (`cert.*`, `xml.*`, `dsig.*`).

use settle_core::validation::FieldError;

/// A certificate or key that cannot be used for signing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The password does not open the key (including decryptions that yield garbage).
    #[error("wrong certificate password: the private key cannot be decrypted with it")]
    WrongPassword,
    /// The key file is not an (encrypted) PKCS#8 private key.
    #[error("the private key file is damaged or not a private key: {0}")]
    MalformedKey(String),
    /// The certificate file is not an X.509 certificate.
    #[error("the certificate file is damaged or not an X.509 certificate: {0}")]
    MalformedCertificate(String),
    /// The PFX file cannot be read (other than for a wrong password).
    #[error("the PFX file is damaged or not a PKCS#12 file: {0}")]
    MalformedPfx(String),
    /// The key is encrypted with an algorithm settle does not know.
    #[error("the private key is encrypted with an unsupported algorithm ({0})")]
    UnsupportedEncryption(String),
    /// Past `notAfter`.
    #[error("the certificate expired at {0}")]
    Expired(String),
    /// Before `notBefore`.
    #[error("the certificate is not valid before {0}")]
    NotYetValid(String),
    /// Not an RSA key.
    #[error("the certificate key is not RSA; NTS signatures need RSA")]
    NotRsa,
    /// RSA below 2048 bits.
    #[error("the certificate key is RSA-{0}; at least 2048 bits are required")]
    WeakKey(u32),
    /// The key and the certificate are not a pair.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    /// No path to the trust bundle.
    #[error("the certificate does not chain to the trusted CAs: {0}")]
    Untrusted(String),
    /// The trust bundle itself cannot be read.
    #[error("cannot read the trust bundle {0}")]
    TrustBundle(String),
    /// The certificate's VID belongs to another registration number.
    #[error("the certificate does not belong to business {0} (its VID does not match)")]
    BrnMismatch(String),
    /// The certificate carries a VID but the key has no R value to check it with.
    #[error("the certificate carries a VID, but the private key has no R value to check it")]
    VidUnverifiable,
    /// An OpenSSL failure that is not the input's fault.
    #[error("cryptography failed: {0}")]
    Crypto(String),
}

impl CertError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            CertError::WrongPassword => "cert.wrong_password",
            CertError::MalformedKey(_) => "cert.malformed_key",
            CertError::MalformedCertificate(_) => "cert.malformed_certificate",
            CertError::MalformedPfx(_) => "cert.malformed_pfx",
            CertError::UnsupportedEncryption(_) => "cert.unsupported_encryption",
            CertError::Expired(_) => "cert.expired",
            CertError::NotYetValid(_) => "cert.not_yet_valid",
            CertError::NotRsa => "cert.not_rsa",
            CertError::WeakKey(_) => "cert.weak_key",
            CertError::KeyMismatch => "cert.key_mismatch",
            CertError::Untrusted(_) => "cert.untrusted",
            CertError::TrustBundle(_) => "cert.trust_bundle",
            CertError::BrnMismatch(_) => "cert.brn_mismatch",
            CertError::VidUnverifiable => "cert.vid_unverifiable",
            CertError::Crypto(_) => "cert.crypto",
        }
    }
}

impl From<openssl::error::ErrorStack> for CertError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        CertError::Crypto(error.to_string())
    }
}

/// An NTS XML document that cannot be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// Not well-formed XML (or it uses a DTD).
    #[error("not well-formed XML: {0}")]
    Malformed(String),
    /// Well-formed, but not the NTS tax-invoice structure.
    #[error("not an NTS tax invoice: {0}")]
    Structure(String),
    /// The content breaks the tax-invoice rules.
    #[error("the tax invoice is invalid: {}", summary(.0))]
    Invalid(Vec<FieldError>),
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} ({})", e.message, e.code))
        .collect::<Vec<_>>()
        .join("; ")
}

impl XmlError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            XmlError::Malformed(_) => "xml.malformed",
            XmlError::Structure(_) => "xml.structure",
            XmlError::Invalid(_) => "xml.invalid_invoice",
        }
    }
}

/// A signature that cannot be made or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The document is not XML settle can sign or verify.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// No `ds:Signature` where the NTS puts it.
    #[error("the document has no NTS signature")]
    Missing,
    /// Signing a document that already has a signature.
    #[error("the document is already signed")]
    AlreadySigned,
    /// The signature is structured in a way the NTS profile does not allow.
    #[error("unsupported or malformed signature: {0}")]
    Unsupported(String),
    /// The signed content was changed.
    #[error("the digest does not match: the signed content was changed")]
    DigestMismatch,
    /// The signature value does not verify with the certificate.
    #[error("the signature value does not verify with the certificate")]
    BadSignature,
    /// The certificate in `KeyInfo` cannot be read.
    #[error("the signing certificate cannot be read: {0}")]
    BadCertificate(String),
    /// An OpenSSL failure that is not the input's fault.
    #[error("cryptography failed: {0}")]
    Crypto(String),
}

impl SignatureError {
    /// The stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Xml(error) => error.code(),
            SignatureError::Missing => "dsig.missing",
            SignatureError::AlreadySigned => "dsig.already_signed",
            SignatureError::Unsupported(_) => "dsig.unsupported",
            SignatureError::DigestMismatch => "dsig.digest_mismatch",
            SignatureError::BadSignature => "dsig.bad_signature",
            SignatureError::BadCertificate(_) => "dsig.bad_certificate",
            SignatureError::Crypto(_) => "dsig.crypto",
        }
    }
}

impl From<openssl::error::ErrorStack> for SignatureError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        SignatureError::Crypto(error.to_string())
    }
}
