//! Joint certificates (공동인증서): loading `signCert.der` + `signPri.key` or a PFX, and the
//! checks a signing certificate must pass.

mod legacy;
mod pbe;
mod throwaway;
mod trust;
pub mod vid;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use openssl::sign::Signer;
use openssl::x509::{X509, X509NameRef};
use serde::Serialize;
use settle_core::brn::Brn;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::CertError;

pub use pbe::{OID_SEED_CBC, OID_SEED_CBC_WITH_SHA1, SEED_FIXED_IV, encrypt_kisa};
pub use throwaway::{LeafSpec, ThrowawayCa, ThrowawayLeaf};
pub use trust::TrustBundle;

/// Smallest RSA modulus accepted for signing.
pub const MIN_RSA_BITS: u32 = 2048;

/// A certificate with its private key, ready to sign. Never printed or logged: `Debug`
/// shows the certificate subject only.
pub struct SigningIdentity {
    certificate: X509,
    certificate_der: Vec<u8>,
    certificate_base64: String,
    key: PKey<Private>,
    random_num: Option<Vec<u8>>,
    chain: Vec<X509>,
}

impl fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningIdentity")
            .field("subject", &name_text(self.certificate.subject_name()))
            .finish_non_exhaustive()
    }
}

/// What a certificate says about itself, for people and the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name, most specific part first.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// Start of validity (RFC 3339, UTC).
    pub not_before: String,
    /// End of validity (RFC 3339, UTC).
    pub not_after: String,
    /// Always `RSA` for certificates that pass the checks.
    pub key_algorithm: String,
    /// Modulus size.
    pub key_bits: u32,
    /// SHA-256 of the DER certificate, hex.
    pub fingerprint_sha256: String,
    /// Whether the certificate carries a Korean VID.
    pub has_vid: bool,
    /// The name registered in the VID, if any.
    pub vid_real_name: Option<String>,
    /// Whether the key file held the R value that proves the VID.
    pub has_random_num: bool,
}

/// What [`SigningIdentity::check`] should check beyond the certificate itself.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    /// The instant the certificate must be valid at.
    pub at: OffsetDateTime,
    /// CAs the certificate must chain to; no chain check without one.
    pub trust: Option<&'a TrustBundle>,
    /// The business the certificate must belong to (checked through the VID, if present).
    pub brn: Option<&'a Brn>,
}

/// The outcome of a successful check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Whether the chain to a trust bundle was verified.
    pub chain_verified: bool,
    /// Whether the VID was checked against the BRN.
    pub brn_verified: bool,
}

impl SigningIdentity {
    /// Loads `signCert.der` (DER or PEM) and `signPri.key` (encrypted PKCS#8).
    pub fn from_npki(
        certificate: &[u8],
        key_file: &[u8],
        password: &str,
    ) -> Result<Self, CertError> {
        let certificate = parse_certificate(certificate)?;
        let key_file = pem_or_der(key_file, "ENCRYPTED PRIVATE KEY")
            .or_else(|| pem_or_der(key_file, "PRIVATE KEY"))
            .unwrap_or_else(|| key_file.to_vec());
        let info = pbe::decrypt_private_key(&key_file, password)?;
        let key = PKey::private_key_from_pkcs8(&info).map_err(|_| CertError::WrongPassword)?;
        Self::assemble(certificate, key, vid::random_num(&info), Vec::new())
    }

    /// Loads a PKCS#12 / PFX file (AES or legacy 3DES/RC2 encryption).
    pub fn from_pfx(pfx: &[u8], password: &str) -> Result<Self, CertError> {
        legacy::load()?;
        let parsed =
            Pkcs12::from_der(pfx).map_err(|e| CertError::MalformedPfx(first_reason(&e)))?;
        // A wrong password fails the MAC check; that is the usual and only sign of it.
        let parsed = parsed
            .parse2(password)
            .map_err(|_| CertError::WrongPassword)?;
        let certificate = parsed
            .cert
            .ok_or_else(|| CertError::MalformedPfx("no certificate inside".into()))?;
        let key = parsed
            .pkey
            .ok_or_else(|| CertError::MalformedPfx("no private key inside".into()))?;
        let random_num = key
            .private_key_to_pkcs8()
            .ok()
            .and_then(|info| vid::random_num(&info));
        let chain = parsed
            .ca
            .map(|stack| stack.into_iter().collect())
            .unwrap_or_default();
        Self::assemble(certificate, key, random_num, chain)
    }

    fn assemble(
        certificate: X509,
        key: PKey<Private>,
        random_num: Option<Vec<u8>>,
        chain: Vec<X509>,
    ) -> Result<Self, CertError> {
        let certificate_der = certificate.to_der()?;
        let certificate_base64 = BASE64.encode(&certificate_der);
        Ok(SigningIdentity {
            certificate,
            certificate_der,
            certificate_base64,
            key,
            random_num,
            chain,
        })
    }

    /// The certificate's description.
    pub fn info(&self) -> CertificateInfo {
        describe(&self.certificate, self.random_num.is_some())
    }

    /// The certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate_der
    }

    /// The certificate, base64 of the DER (as `ds:X509Certificate` holds it).
    pub fn certificate_base64(&self) -> &str {
        &self.certificate_base64
    }

    /// The private key as an unencrypted PKCS#8 `PrivateKeyInfo` (for encrypted storage).
    pub fn private_key_pkcs8(&self) -> Result<Vec<u8>, CertError> {
        Ok(self.key.private_key_to_pkcs8()?)
    }

    /// The R value kept with the key, if the key file had one.
    pub fn random_num(&self) -> Option<&[u8]> {
        self.random_num.as_deref()
    }

    /// Rebuilds an identity from its stored parts (see [`Self::private_key_pkcs8`]).
    pub fn from_parts(
        certificate_der: &[u8],
        private_key_pkcs8: &[u8],
        random_num: Option<Vec<u8>>,
    ) -> Result<Self, CertError> {
        let certificate = parse_certificate(certificate_der)?;
        let key = PKey::private_key_from_pkcs8(private_key_pkcs8)
            .map_err(|e| CertError::MalformedKey(first_reason(&e)))?;
        Self::assemble(certificate, key, random_num, Vec::new())
    }

    /// Checks that the identity can sign for the NTS: RSA ≥ 2048 bits, key and certificate
    /// belong together, valid at `options.at`, chains to the trust bundle when one is given,
    /// and, when the certificate carries a VID and a BRN is given, belongs to that BRN.
    pub fn check(&self, options: &CheckOptions) -> Result<CheckReport, CertError> {
        let public = self.certificate.public_key()?;
        if public.id() != Id::RSA {
            return Err(CertError::NotRsa);
        }
        if public.bits() < MIN_RSA_BITS {
            return Err(CertError::WeakKey(public.bits()));
        }
        if !public.public_eq(&self.key) {
            return Err(CertError::KeyMismatch);
        }
        let not_before = to_offset(self.certificate.not_before())?;
        let not_after = to_offset(self.certificate.not_after())?;
        if options.at < not_before {
            return Err(CertError::NotYetValid(rfc3339(not_before)));
        }
        if options.at > not_after {
            return Err(CertError::Expired(rfc3339(not_after)));
        }
        let chain_verified = match options.trust {
            Some(trust) => {
                trust.verify(&self.certificate, &self.chain)?;
                true
            }
            None => false,
        };
        let brn_verified = match (options.brn, vid::find(&self.certificate_der)) {
            (Some(brn), Some(vid)) => {
                let random = self
                    .random_num
                    .as_deref()
                    .ok_or(CertError::VidUnverifiable)?;
                if !vid.matches(brn.digits(), random) {
                    return Err(CertError::BrnMismatch(brn.formatted()));
                }
                true
            }
            _ => false,
        };
        Ok(CheckReport {
            chain_verified,
            brn_verified,
        })
    }

    /// The certificate's end of validity.
    pub fn not_after(&self) -> Result<OffsetDateTime, CertError> {
        to_offset(self.certificate.not_after())
    }

    /// RSA-SHA256 (PKCS#1 v1.5) signature of `data`.
    pub fn sign_sha256(&self, data: &[u8]) -> Result<Vec<u8>, CertError> {
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key)?;
        signer.update(data)?;
        Ok(signer.sign_to_vec()?)
    }
}

/// Describes any certificate (also one taken from a signature's `KeyInfo`).
pub fn describe(certificate: &X509, has_random_num: bool) -> CertificateInfo {
    let der = certificate.to_der().unwrap_or_default();
    let vid = vid::find(&der);
    let (key_algorithm, key_bits) = match certificate.public_key() {
        Ok(key) if key.id() == Id::RSA => ("RSA".to_owned(), key.bits()),
        Ok(key) => (format!("{:?}", key.id()), key.bits()),
        Err(_) => ("unknown".to_owned(), 0),
    };
    let time_text = |t: &Asn1TimeRef| to_offset(t).map(rfc3339).unwrap_or_else(|_| t.to_string());
    CertificateInfo {
        subject: name_text(certificate.subject_name()),
        issuer: name_text(certificate.issuer_name()),
        serial: certificate
            .serial_number()
            .to_bn()
            .and_then(|bn| bn.to_hex_str().map(|s| s.to_string()))
            .unwrap_or_default(),
        not_before: time_text(certificate.not_before()),
        not_after: time_text(certificate.not_after()),
        key_algorithm,
        key_bits,
        fingerprint_sha256: certificate
            .digest(MessageDigest::sha256())
            .map(|d| hex(&d))
            .unwrap_or_default(),
        has_vid: vid.is_some(),
        vid_real_name: vid.and_then(|v| v.real_name),
        has_random_num,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `CN=…,OU=…,O=…,C=KR`: the usual reversed order of a distinguished name.
fn name_text(name: &X509NameRef) -> String {
    let parts: Vec<String> =
        name.entries()
            .map(|entry| {
                let key = entry.object().nid().short_name().unwrap_or("?").to_owned();
                let value = entry.data().to_string().unwrap_or_else(|_| {
                    String::from_utf8_lossy(entry.data().as_slice()).into_owned()
                });
                format!("{key}={value}")
            })
            .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join(",")
}

fn parse_certificate(bytes: &[u8]) -> Result<X509, CertError> {
    let der = pem_or_der(bytes, "CERTIFICATE").unwrap_or_else(|| bytes.to_vec());
    // OpenSSL accepts some trailing garbage; a certificate file must be exactly one.
    crate::der::single(&der).map_err(|e| CertError::MalformedCertificate(e.to_string()))?;
    X509::from_der(&der).map_err(|e| CertError::MalformedCertificate(first_reason(&e)))
}

/// The DER inside a PEM block with `label`, if `bytes` is such PEM.
fn pem_or_der(bytes: &[u8], label: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let body: String = text[start..stop].split_whitespace().collect();
    BASE64.decode(body).ok()
}

fn first_reason(error: &openssl::error::ErrorStack) -> String {
    error
        .errors()
        .first()
        .and_then(|e| e.reason().map(str::to_owned))
        .unwrap_or_else(|| "unreadable".to_owned())
}

fn to_offset(time: &Asn1TimeRef) -> Result<OffsetDateTime, CertError> {
    let epoch = Asn1Time::from_unix(0)?;
    let diff = epoch.diff(time)?;
    let seconds = i64::from(diff.days) * 86_400 + i64::from(diff.secs);
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|_| CertError::MalformedCertificate("validity out of range".into()))
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
