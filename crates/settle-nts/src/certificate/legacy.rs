//! OpenSSL 3 keeps SEED, RC2 and other old ciphers in its "legacy" provider. Korean key
//! files use SEED and older PFX files RC2/3DES, so the provider is loaded once, beside the
//! default one.

use std::sync::OnceLock;

use openssl::provider::Provider;
use openssl::symm::Cipher;

use crate::error::CertError;

static LEGACY: OnceLock<Result<(), String>> = OnceLock::new();

/// Loads the legacy provider (once per process; later calls are free).
pub(crate) fn load() -> Result<(), CertError> {
    LEGACY
        .get_or_init(|| {
            Provider::try_load(None, "legacy", true)
                .map(|provider| {
                    // Providers stay loaded for the life of the process.
                    std::mem::forget(provider);
                })
                .map_err(|error| error.to_string())
        })
        .clone()
        .map_err(|error| CertError::Crypto(format!("OpenSSL legacy provider: {error}")))
}

/// SEED-CBC, after making sure the provider that implements it is loaded.
pub(crate) fn seed_cbc() -> Result<Cipher, CertError> {
    load()?;
    Ok(Cipher::seed_cbc())
}
