//! Throwaway certificate authorities and signing certificates, for tests, demos and
//! benchmarks: a CA, leaf certificates with or without a Korean VID, and their keys in
//! every file format settle reads.

use openssl::asn1::{Asn1Integer, Asn1Object, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rand::rand_bytes;
use openssl::rsa::Rsa;
use openssl::symm::Cipher;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509, X509Builder, X509NameBuilder};
use time::OffsetDateTime;

use super::vid::{self, OID_IDENTIFY_DATA, OID_RANDOM_NUM};
use super::{legacy, pbe};
use crate::der::{self, tag};
use crate::error::CertError;

/// A certificate authority that lives only in memory.
pub struct ThrowawayCa {
    key: PKey<Private>,
    certificate: X509,
}

/// What a leaf certificate should look like.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// Subject common name.
    pub common_name: String,
    /// RSA modulus size.
    pub bits: u32,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Put a VID for this BRN (ten digits) in subjectAltName.
    pub vid_brn: Option<String>,
}

impl LeafSpec {
    /// A 2048-bit certificate valid from a day ago for a year, without VID.
    pub fn new(common_name: &str) -> Self {
        let now = OffsetDateTime::now_utc();
        LeafSpec {
            common_name: common_name.to_owned(),
            bits: 2048,
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(365),
            vid_brn: None,
        }
    }
}

/// A leaf certificate with its key and R value.
pub struct ThrowawayLeaf {
    /// The private key.
    pub key: PKey<Private>,
    /// The certificate.
    pub certificate: X509,
    /// The R value (20 random bytes) kept with the key.
    pub random_num: Vec<u8>,
    /// The issuing CA's certificate.
    pub ca_certificate: X509,
}

fn name(common_name: &str) -> Result<openssl::x509::X509Name, CertError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("C", "KR")?;
    name.append_entry_by_text("O", "settle test")?;
    name.append_entry_by_text("CN", common_name)?;
    Ok(name.build())
}

fn serial() -> Result<Asn1Integer, CertError> {
    let mut bytes = [0u8; 12];
    rand_bytes(&mut bytes)?;
    bytes[0] &= 0x7F;
    Ok(BigNum::from_slice(&bytes)?.to_asn1_integer()?)
}

fn asn1_time(at: OffsetDateTime) -> Result<Asn1Time, CertError> {
    Ok(Asn1Time::from_unix(at.unix_timestamp())?)
}

impl ThrowawayCa {
    /// A new self-signed RSA-2048 CA valid for ten years.
    pub fn new(common_name: &str) -> Result<Self, CertError> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let now = OffsetDateTime::now_utc();
        let mut builder = X509Builder::new()?;
        builder.set_version(2)?;
        let serial = serial()?;
        builder.set_serial_number(&serial)?;
        let subject = name(common_name)?;
        builder.set_subject_name(&subject)?;
        builder.set_issuer_name(&subject)?;
        builder.set_pubkey(&key)?;
        let not_before = asn1_time(now - time::Duration::days(1))?;
        builder.set_not_before(&not_before)?;
        let not_after = asn1_time(now + time::Duration::days(3650))?;
        builder.set_not_after(&not_after)?;
        builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        builder.sign(&key, MessageDigest::sha256())?;
        Ok(ThrowawayCa {
            key,
            certificate: builder.build(),
        })
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &X509 {
        &self.certificate
    }

    /// The CA certificate as PEM (a trust bundle).
    pub fn pem(&self) -> Result<Vec<u8>, CertError> {
        Ok(self.certificate.to_pem()?)
    }

    /// Issues a leaf certificate with a fresh key.
    pub fn issue(&self, spec: &LeafSpec) -> Result<ThrowawayLeaf, CertError> {
        let key = PKey::from_rsa(Rsa::generate(spec.bits)?)?;
        self.issue_for_key(spec, key)
    }

    /// Issues a leaf certificate for an existing key.
    pub fn issue_for_key(
        &self,
        spec: &LeafSpec,
        key: PKey<Private>,
    ) -> Result<ThrowawayLeaf, CertError> {
        let mut random_num = vec![0u8; 20];
        rand_bytes(&mut random_num)?;
        let mut builder = X509Builder::new()?;
        builder.set_version(2)?;
        let serial = serial()?;
        builder.set_serial_number(&serial)?;
        let subject = name(&spec.common_name)?;
        builder.set_subject_name(&subject)?;
        builder.set_issuer_name(self.certificate.subject_name())?;
        builder.set_pubkey(&key)?;
        let not_before = asn1_time(spec.not_before)?;
        builder.set_not_before(&not_before)?;
        let not_after = asn1_time(spec.not_after)?;
        builder.set_not_after(&not_after)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .build()?,
        )?;
        if let Some(brn) = &spec.vid_brn {
            let value = vid::identify_data(&spec.common_name, brn, &random_num);
            let extension = SubjectAlternativeName::new()
                .other_name2(Asn1Object::from_str(OID_IDENTIFY_DATA)?, &value)
                .build(&builder.x509v3_context(Some(&self.certificate), None))?;
            builder.append_extension(extension)?;
        }
        builder.sign(&self.key, MessageDigest::sha256())?;
        Ok(ThrowawayLeaf {
            key,
            certificate: builder.build(),
            random_num,
            ca_certificate: self.certificate.clone(),
        })
    }
}

impl ThrowawayLeaf {
    /// `signCert.der`.
    pub fn certificate_der(&self) -> Result<Vec<u8>, CertError> {
        Ok(self.certificate.to_der()?)
    }

    /// The certificate as PEM.
    pub fn certificate_pem(&self) -> Result<Vec<u8>, CertError> {
        Ok(self.certificate.to_pem()?)
    }

    /// The unencrypted `PrivateKeyInfo`, with the R value attribute as Korean CAs write it.
    pub fn private_key_info(&self) -> Result<Vec<u8>, CertError> {
        let plain = self.key.private_key_to_pkcs8()?;
        let outer = der::single(&plain).map_err(|e| CertError::Crypto(e.to_string()))?;
        let mut bits = vec![0u8];
        bits.extend_from_slice(&self.random_num);
        let attribute = der::encode(
            tag::SEQUENCE,
            &[
                der::encode_oid(OID_RANDOM_NUM),
                der::encode(0x31, &der::encode(tag::BIT_STRING, &bits)),
            ]
            .concat(),
        );
        let body = [outer.content, &der::encode(tag::CONTEXT_0, &attribute)].concat();
        Ok(der::encode(tag::SEQUENCE, &body))
    }

    /// `signPri.key` encrypted the KISA way (`oid`: 1.2.410.200004.1.15 or .4).
    pub fn sign_pri_kisa(&self, password: &str, oid: &str) -> Result<Vec<u8>, CertError> {
        let mut salt = [0u8; 8];
        rand_bytes(&mut salt)?;
        pbe::encrypt_kisa(&self.private_key_info()?, password, oid, &salt, 2048)
    }

    /// `signPri.key` encrypted with PBES2 (PBKDF2-HMAC-SHA256) and `cipher`.
    pub fn sign_pri_pbes2(&self, password: &str, cipher: Cipher) -> Result<Vec<u8>, CertError> {
        legacy::load()?;
        Ok(self
            .key
            .private_key_to_pkcs8_passphrase(cipher, password.as_bytes())?)
    }

    /// A PFX with the key, the certificate and the CA, in OpenSSL's current default
    /// encryption (AES-256-CBC, PBKDF2).
    pub fn pfx(&self, password: &str) -> Result<Vec<u8>, CertError> {
        let mut chain = openssl::stack::Stack::new()?;
        chain.push(self.ca_certificate.clone())?;
        let pfx = Pkcs12::builder()
            .name("signCert")
            .pkey(&self.key)
            .cert(&self.certificate)
            .ca(chain)
            .build2(password)?;
        Ok(pfx.to_der()?)
    }
}
