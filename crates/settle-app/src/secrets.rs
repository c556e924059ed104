//! Sealing private keys at rest: AES-256-GCM under a key derived from `SETTLE_SECRET_KEY`
//! (or, for the embedded database, a key file generated in the data directory). Each sealed
//! value is bound to the row it belongs to, so it cannot be moved to another registration.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use openssl::hash::{MessageDigest, hash};
use openssl::rand::rand_bytes;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};

/// Shortest `SETTLE_SECRET_KEY` accepted.
pub const MIN_SECRET_CHARS: usize = 16;
const VERSION: u8 = 1;
const NONCE: usize = 12;
const TAG: usize = 16;

/// The key that seals stored private keys. `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// A secret key that cannot be used, or a sealed value that cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The configured secret is too short to be a key.
    #[error("SETTLE_SECRET_KEY must be at least {MIN_SECRET_CHARS} characters")]
    TooShort,
    /// The key file cannot be read or written.
    #[error("secret key file {0}")]
    File(String),
    /// Sealed with another key, or changed.
    #[error(
        "a stored key cannot be unsealed: SETTLE_SECRET_KEY differs from the one it was sealed with, or the data was changed"
    )]
    Unseal,
    /// OpenSSL failed.
    #[error("sealing failed: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

impl SecretKey {
    /// The key for a configured secret (any text of at least 16 characters; its SHA-256).
    pub fn from_secret(secret: &str) -> Result<Self, SecretError> {
        if secret.trim().chars().count() < MIN_SECRET_CHARS {
            return Err(SecretError::TooShort);
        }
        let digest = hash(MessageDigest::sha256(), secret.trim().as_bytes())?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&digest);
        Ok(SecretKey(key))
    }

    /// Reads the key file at `path`, creating it (mode 0600) with a random key if absent.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let describe = |e: std::io::Error| SecretError::File(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_secret(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut random = [0u8; 32];
                rand_bytes(&mut random)?;
                let text = BASE64.encode(random);
                write_private(path, &text).map_err(describe)?;
                Self::from_secret(&text)
            }
            Err(error) => Err(describe(error)),
        }
    }

    /// Seals `plain` for the row `context`; the result is base64 text.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE];
        rand_bytes(&mut nonce)?;
        let mut tag = [0u8; TAG];
        let sealed = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(&nonce),
            context.as_bytes(),
            plain,
            &mut tag,
        )?;
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len() + TAG);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out.extend_from_slice(&tag);
        Ok(BASE64.encode(out))
    }

    /// Opens what [`SecretKey::seal`] sealed for the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SecretError> {
        let bytes = BASE64.decode(sealed).map_err(|_| SecretError::Unseal)?;
        if bytes.len() < 1 + NONCE + TAG || bytes[0] != VERSION {
            return Err(SecretError::Unseal);
        }
        let (nonce, rest) = bytes[1..].split_at(NONCE);
        let (data, tag) = rest.split_at(rest.len() - TAG);
        decrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(nonce),
            context.as_bytes(),
            data,
            tag,
        )
        .map_err(|_| SecretError::Unseal)
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_with_the_same_key_and_context() {
        let key = SecretKey::from_secret("a long enough secret").unwrap();
        let sealed = key.seal(b"private key", "row-1").unwrap();
        assert!(!sealed.contains("private"));
        assert_eq!(key.open(&sealed, "row-1").unwrap(), b"private key");
        assert!(key.open(&sealed, "row-2").is_err());
        let other = SecretKey::from_secret("another long secret").unwrap();
        assert!(other.open(&sealed, "row-1").is_err());
        assert!(SecretKey::from_secret("short").is_err());
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let first = SecretKey::load_or_create(&path).unwrap();
        let sealed = first.seal(b"x", "c").unwrap();
        let again = SecretKey::load_or_create(&path).unwrap();
        assert_eq!(again.open(&sealed, "c").unwrap(), b"x");
    }
}
