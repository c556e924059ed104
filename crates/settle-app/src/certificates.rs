//! Registering a party's joint certificate (once, valid for a year or until the certificate
//! expires, whichever comes first) and getting it back to sign with. The private key is
//! sealed before it reaches the database and is never logged.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use settle_core::brn::Brn;
use settle_core::ids::{PartnerId, TenantId};
use settle_nts::{CertError, CheckOptions, SigningIdentity};
use settle_store::certificates::{self as store, CertificateRecord};
use time::{Duration, OffsetDateTime};

use crate::secrets::{SecretError, SecretKey};
use crate::{App, AppError, ErrorKind, audit};

/// How long a registration lasts at most.
pub const REGISTRATION_LIFETIME: Duration = Duration::days(365);

/// Whose certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// The platform itself (for its NTS link).
    Tenant,
    /// A supplier.
    Partner(PartnerId),
}

impl Party {
    fn key(&self, tenant: &TenantId) -> (&'static str, String) {
        match self {
            Party::Tenant => ("tenant", tenant.as_str().to_owned()),
            Party::Partner(id) => ("partner", id.as_str().to_owned()),
        }
    }
}

/// The uploaded files.
#[derive(Debug, Clone)]
pub enum CertificateFiles {
    /// `signCert.der` and `signPri.key`.
    Npki {
        /// The certificate.
        certificate: Vec<u8>,
        /// The encrypted key.
        key: Vec<u8>,
    },
    /// A PKCS#12 file.
    Pfx(Vec<u8>),
}

/// A registration as reported back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// Registration id.
    pub id: String,
    /// Subject DN.
    pub subject: String,
    /// Serial, hex.
    pub serial: String,
    /// Certificate end of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// When the registration lapses.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Whether the chain to the trust bundle was verified.
    pub chain_verified: bool,
}

/// The error for an unusable certificate: 422 naming the file or password at fault.
pub fn cert_error(error: CertError) -> AppError {
    let field = match &error {
        CertError::WrongPassword => "password",
        CertError::MalformedKey(_) | CertError::UnsupportedEncryption(_) => "sign_key",
        CertError::MalformedPfx(_) => "pfx",
        CertError::Crypto(_) | CertError::TrustBundle(_) => return AppError::internal(error),
        _ => "sign_cert",
    };
    AppError::invalid(error.code(), field, error.to_string())
}

pub(crate) fn secret_key(app: &App) -> Result<&SecretKey, AppError> {
    app.secret_key.as_deref().ok_or_else(|| {
        AppError::new(
            ErrorKind::Conflict,
            "config.secret_key_required",
            "SETTLE_SECRET_KEY must be set to store certificates and bank accounts",
        )
    })
}

fn unseal_error(error: SecretError) -> AppError {
    AppError::internal(error)
}

/// Loads, checks (password, dates, RSA ≥ 2048, key pair, chain, VID against `brn`) and
/// stores the certificate as the party's current one.
pub async fn register(
    app: &App,
    tenant: &TenantId,
    party: &Party,
    brn: &Brn,
    files: CertificateFiles,
    password: &str,
) -> Result<Registration, AppError> {
    let key = secret_key(app)?;
    let identity = match files {
        CertificateFiles::Npki { certificate, key } => {
            SigningIdentity::from_npki(&certificate, &key, password)
        }
        CertificateFiles::Pfx(pfx) => SigningIdentity::from_pfx(&pfx, password),
    }
    .map_err(cert_error)?;
    let now = app.now();
    let report = identity
        .check(&CheckOptions {
            at: now,
            trust: app.cert_trust.as_deref(),
            brn: Some(brn),
        })
        .map_err(cert_error)?;
    let info = identity.info();
    let not_after = identity.not_after().map_err(cert_error)?;
    let id = format!("crt_{}", ulid::Ulid::new().to_string().to_lowercase());
    let private_key = identity.private_key_pkcs8().map_err(cert_error)?;
    let record = CertificateRecord {
        id: id.clone(),
        tenant_id: tenant.as_str().to_owned(),
        party_kind: party.key(tenant).0.to_owned(),
        party_id: party.key(tenant).1,
        subject: info.subject.clone(),
        serial: info.serial.clone(),
        fingerprint: info.fingerprint_sha256.clone(),
        not_after,
        registered_at: now,
        expires_at: not_after.min(now + REGISTRATION_LIFETIME),
        chain_verified: report.chain_verified,
        certificate_der: BASE64.encode(identity.certificate_der()),
        sealed_key: key.seal(&private_key, &id).map_err(unseal_error)?,
        sealed_random: identity
            .random_num()
            .map(|r| key.seal(r, &format!("{id}/r")))
            .transpose()
            .map_err(unseal_error)?,
    };
    let mut tx = app.store.write().await?;
    store::replace(&mut tx, &record).await?;
    let event = audit(
        tenant,
        "system",
        "certificate.registered",
        ("certificate", &id),
        serde_json::json!({
            "party": record.party_kind, "party_id": record.party_id,
            "subject": record.subject, "serial": record.serial,
            "chain_verified": record.chain_verified,
        }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(Registration {
        id,
        subject: record.subject,
        serial: record.serial,
        not_after,
        expires_at: record.expires_at,
        chain_verified: record.chain_verified,
    })
}

/// How long before a registration lapses its owner is warned.
pub const EXPIRY_WARNING: Duration = Duration::days(30);

impl Registration {
    /// Whether it lapses within [`EXPIRY_WARNING`] of `now` (or has lapsed).
    pub fn lapses_soon(&self, now: OffsetDateTime) -> bool {
        self.expires_at - now <= EXPIRY_WARNING
    }
}

/// The party's current registration, lapsed or not; `None` when it never registered.
pub async fn registered(
    app: &App,
    tenant: &TenantId,
    party: &Party,
) -> Result<Option<Registration>, AppError> {
    let (kind, id) = party.key(tenant);
    let mut conn = app.store.read().await?;
    let record = store::current(&mut conn, tenant.as_str(), kind, &id).await?;
    Ok(record.map(|record| Registration {
        id: record.id,
        subject: record.subject,
        serial: record.serial,
        not_after: record.not_after,
        expires_at: record.expires_at,
        chain_verified: record.chain_verified,
    }))
}

/// Unsealed identities by registration id. Loading an RSA key costs far more than a
/// signature (OpenSSL sets up its Montgomery and blinding values on first use), so a
/// supplier issuing many invoices pays for it once. A new registration has a new id, so a
/// replaced certificate is never used again.
#[derive(Default)]
pub struct IdentityCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Arc<SigningIdentity>>>,
}

/// Identities kept at most; the cache starts over when full.
const CACHE_CAPACITY: usize = 1024;

impl IdentityCache {
    fn get(&self, id: &str) -> Option<Arc<SigningIdentity>> {
        self.entries.lock().ok()?.get(id).cloned()
    }

    fn put(&self, id: &str, identity: Arc<SigningIdentity>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
            entries.insert(id.to_owned(), identity);
        }
    }
}

impl std::fmt::Debug for IdentityCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentityCache")
    }
}

/// The party's registered certificate, unsealed and ready to sign; `cert.not_registered`
/// when there is none and `cert.registration_expired` when it has lapsed.
pub async fn signing_identity(
    app: &App,
    tenant: &TenantId,
    party: &Party,
) -> Result<Arc<SigningIdentity>, AppError> {
    let key = secret_key(app)?;
    let (kind, id) = party.key(tenant);
    let mut conn = app.store.read().await?;
    let record = store::current(&mut conn, tenant.as_str(), kind, &id)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorKind::Conflict,
                "cert.not_registered",
                "no certificate is registered; register one first",
            )
        })?;
    drop(conn);
    if app.now() >= record.expires_at {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "cert.registration_expired",
            "the registered certificate has expired; register it again",
        ));
    }
    if let Some(identity) = app.identities.get(&record.id) {
        return Ok(identity);
    }
    let certificate = BASE64
        .decode(&record.certificate_der)
        .map_err(AppError::internal)?;
    let private_key = key
        .open(&record.sealed_key, &record.id)
        .map_err(unseal_error)?;
    let random = record
        .sealed_random
        .as_deref()
        .map(|sealed| key.open(sealed, &format!("{}/r", record.id)))
        .transpose()
        .map_err(unseal_error)?;
    let identity = Arc::new(
        SigningIdentity::from_parts(&certificate, &private_key, random).map_err(cert_error)?,
    );
    app.identities.put(&record.id, identity.clone());
    Ok(identity)
}
