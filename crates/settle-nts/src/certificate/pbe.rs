//! Decryption of PKCS#8 `EncryptedPrivateKeyInfo` as Korean key files use it: KISA's
//! SEED-CBC with PBKDF1-SHA1 (OIDs 1.2.410.200004.1.15 and 1.2.410.200004.1.4) and PBES2
//! (PBKDF2 with HMAC-SHA1/SHA-2, SEED/AES/3DES-CBC). Anything else OpenSSL knows (PKCS#12
//! PBE schemes) is handed to OpenSSL.

use openssl::hash::{MessageDigest, hash};
use openssl::pkey::PKey;
use openssl::symm::{Cipher, decrypt};

use super::legacy;
use crate::der::{self, Der, DerError, tag};
use crate::error::CertError;

/// KISA seedCBCWithSHA1: PBKDF1-SHA1, IV = SHA1(dk[16..20])[..16].
pub const OID_SEED_CBC_WITH_SHA1: &str = "1.2.410.200004.1.15";
/// KISA seedCBC used as a PBE scheme: PBKDF1-SHA1 with the fixed IV below.
pub const OID_SEED_CBC: &str = "1.2.410.200004.1.4";
/// The fixed IV of [`OID_SEED_CBC`] keys.
pub const SEED_FIXED_IV: &[u8; 16] = b"0123456789012345";
const OID_PBES2: &str = "1.2.840.113549.1.5.13";
const OID_PBKDF2: &str = "1.2.840.113549.1.5.12";
/// Largest iteration count accepted: far above real files, low enough to bound the work.
const MAX_ITERATIONS: u32 = 10_000_000;

fn malformed(error: DerError) -> CertError {
    CertError::MalformedKey(error.to_string())
}

/// The PBKDF1-SHA1 derivation of KISA key files: `T1 = SHA1(password ‖ salt)`,
/// `Ti = SHA1(Ti−1)`, result `T(iterations)` (20 bytes).
pub(crate) fn kisa_pbkdf1(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<[u8; 20], CertError> {
    let mut block = hash(MessageDigest::sha1(), &[password, salt].concat())?;
    for _ in 1..iterations {
        block = hash(MessageDigest::sha1(), &block)?;
    }
    let mut out = [0u8; 20];
    out.copy_from_slice(&block);
    Ok(out)
}

/// SEED key and IV of a KISA-encrypted key file.
pub(crate) fn kisa_key_iv(
    oid: &str,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<([u8; 16], [u8; 16]), CertError> {
    let dk = kisa_pbkdf1(password, salt, iterations)?;
    let mut key = [0u8; 16];
    key.copy_from_slice(&dk[..16]);
    let mut iv = [0u8; 16];
    if oid == OID_SEED_CBC_WITH_SHA1 {
        iv.copy_from_slice(&hash(MessageDigest::sha1(), &dk[16..20])?[..16]);
    } else {
        iv.copy_from_slice(SEED_FIXED_IV);
    }
    Ok((key, iv))
}

/// Decrypts an encrypted PKCS#8 key file and returns the `PrivateKeyInfo` DER. A plain
/// `PrivateKeyInfo` is returned as it is.
pub(crate) fn decrypt_private_key(file: &[u8], password: &str) -> Result<Vec<u8>, CertError> {
    let outer = der::single(file).map_err(malformed)?;
    if outer.tag != tag::SEQUENCE {
        return Err(CertError::MalformedKey("not a DER sequence".into()));
    }
    let mut fields = outer.reader();
    if fields.peek_tag() == Some(tag::INTEGER) {
        return Ok(file.to_vec());
    }
    let algorithm = fields.expect(tag::SEQUENCE).map_err(malformed)?;
    let encrypted = fields.expect(tag::OCTET_STRING).map_err(malformed)?;
    let mut algorithm = Der::new(algorithm);
    let oid = algorithm.oid().map_err(malformed)?;
    let params = algorithm.read().map_err(malformed)?;
    let plain = match oid.as_str() {
        OID_SEED_CBC_WITH_SHA1 | OID_SEED_CBC => {
            let mut params = params.reader();
            let salt = params.expect(tag::OCTET_STRING).map_err(malformed)?;
            let iterations = iterations(params.small_uint().map_err(malformed)?)?;
            let (key, iv) = kisa_key_iv(&oid, password.as_bytes(), salt, iterations)?;
            decrypt_with(legacy::seed_cbc()?, &key, &iv, encrypted)?
        }
        OID_PBES2 => pbes2(params.content, password.as_bytes(), encrypted)?,
        _ => return openssl_fallback(file, password, &oid),
    };
    // Well-padded garbage from a wrong password is not a key: check before trusting it.
    if PKey::private_key_from_pkcs8(&plain).is_err() {
        return Err(CertError::WrongPassword);
    }
    Ok(plain)
}

fn iterations(count: u32) -> Result<u32, CertError> {
    if (1..=MAX_ITERATIONS).contains(&count) {
        Ok(count)
    } else {
        Err(CertError::MalformedKey(format!(
            "iteration count {count} out of range"
        )))
    }
}

fn decrypt_with(cipher: Cipher, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CertError> {
    if iv.len() != cipher.iv_len().unwrap_or(0) || data.is_empty() {
        return Err(CertError::MalformedKey("bad IV or empty ciphertext".into()));
    }
    decrypt(cipher, key, Some(iv), data).map_err(|_| CertError::WrongPassword)
}

fn pbes2(params: &[u8], password: &[u8], encrypted: &[u8]) -> Result<Vec<u8>, CertError> {
    let mut params = Der::new(params);
    let mut kdf = Der::new(params.expect(tag::SEQUENCE).map_err(malformed)?);
    let mut scheme = Der::new(params.expect(tag::SEQUENCE).map_err(malformed)?);
    let kdf_oid = kdf.oid().map_err(malformed)?;
    if kdf_oid != OID_PBKDF2 {
        return Err(CertError::UnsupportedEncryption(format!(
            "key derivation {kdf_oid}"
        )));
    }
    let mut kdf_params = Der::new(kdf.expect(tag::SEQUENCE).map_err(malformed)?);
    let salt = kdf_params.expect(tag::OCTET_STRING).map_err(malformed)?;
    let iterations = iterations(kdf_params.small_uint().map_err(malformed)?)?;
    let key_length = if kdf_params.peek_tag() == Some(tag::INTEGER) {
        Some(kdf_params.small_uint().map_err(malformed)?)
    } else {
        None
    };
    let prf = match kdf_params.optional(tag::SEQUENCE).map_err(malformed)? {
        None => MessageDigest::sha1(),
        Some(prf) => {
            let prf_oid = Der::new(prf).oid().map_err(malformed)?;
            prf_digest(&prf_oid)
                .ok_or_else(|| CertError::UnsupportedEncryption(format!("PRF {prf_oid}")))?
        }
    };
    let cipher_oid = scheme.oid().map_err(malformed)?;
    let iv = scheme.expect(tag::OCTET_STRING).map_err(malformed)?;
    let cipher = cipher_for(&cipher_oid)?;
    if key_length.is_some_and(|len| len as usize != cipher.key_len()) {
        return Err(CertError::MalformedKey(
            "key length does not fit the cipher".into(),
        ));
    }
    let mut key = vec![0u8; cipher.key_len()];
    openssl::pkcs5::pbkdf2_hmac(password, salt, iterations as usize, prf, &mut key)?;
    decrypt_with(cipher, &key, iv, encrypted)
}

fn prf_digest(oid: &str) -> Option<MessageDigest> {
    Some(match oid {
        "1.2.840.113549.2.7" => MessageDigest::sha1(),
        "1.2.840.113549.2.8" => MessageDigest::sha224(),
        "1.2.840.113549.2.9" => MessageDigest::sha256(),
        "1.2.840.113549.2.10" => MessageDigest::sha384(),
        "1.2.840.113549.2.11" => MessageDigest::sha512(),
        _ => return None,
    })
}

fn cipher_for(oid: &str) -> Result<Cipher, CertError> {
    Ok(match oid {
        OID_SEED_CBC => legacy::seed_cbc()?,
        "2.16.840.1.101.3.4.1.2" => Cipher::aes_128_cbc(),
        "2.16.840.1.101.3.4.1.22" => Cipher::aes_192_cbc(),
        "2.16.840.1.101.3.4.1.42" => Cipher::aes_256_cbc(),
        "1.2.840.113549.3.7" => Cipher::des_ede3_cbc(),
        _ => return Err(CertError::UnsupportedEncryption(format!("cipher {oid}"))),
    })
}

/// Other PBE schemes (PKCS#12 PBE, PBES1): OpenSSL decides; its failure is taken as a
/// wrong password only when it knows the algorithm.
fn openssl_fallback(file: &[u8], password: &str, oid: &str) -> Result<Vec<u8>, CertError> {
    legacy::load()?;
    let known = openssl::asn1::Asn1Object::from_str(oid)
        .map(|object| object.nid() != openssl::nid::Nid::UNDEF)
        .unwrap_or(false);
    if !known {
        return Err(CertError::UnsupportedEncryption(oid.to_owned()));
    }
    let key = PKey::private_key_from_pkcs8_passphrase(file, password.as_bytes())
        .map_err(|_| CertError::WrongPassword)?;
    Ok(key.private_key_to_pkcs8()?)
}

/// Encrypts a `PrivateKeyInfo` the KISA way (`oid` is [`OID_SEED_CBC_WITH_SHA1`] or
/// [`OID_SEED_CBC`]), producing a `signPri.key` file. Used to export keys in the format
/// Korean software reads, and by tests.
pub fn encrypt_kisa(
    private_key_info: &[u8],
    password: &str,
    oid: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<Vec<u8>, CertError> {
    if oid != OID_SEED_CBC_WITH_SHA1 && oid != OID_SEED_CBC {
        return Err(CertError::UnsupportedEncryption(oid.to_owned()));
    }
    let (key, iv) = kisa_key_iv(oid, password.as_bytes(), salt, iterations)?;
    let encrypted = openssl::symm::encrypt(legacy::seed_cbc()?, &key, Some(&iv), private_key_info)?;
    let params = der::encode(
        tag::SEQUENCE,
        &[
            der::encode(tag::OCTET_STRING, salt),
            der::encode(tag::INTEGER, &integer_bytes(iterations)),
        ]
        .concat(),
    );
    let algorithm = der::encode(tag::SEQUENCE, &[der::encode_oid(oid), params].concat());
    Ok(der::encode(
        tag::SEQUENCE,
        &[algorithm, der::encode(tag::OCTET_STRING, &encrypted)].concat(),
    ))
}

/// Minimal two's-complement big-endian bytes of a non-negative integer.
fn integer_bytes(value: u32) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(3);
    let mut out = bytes[skip..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf1_iterates_sha1() {
        let once = kisa_pbkdf1(b"pw", b"salt", 1).unwrap();
        assert_eq!(
            once.as_slice(),
            hash(MessageDigest::sha1(), b"pwsalt").unwrap().as_ref()
        );
        let twice = kisa_pbkdf1(b"pw", b"salt", 2).unwrap();
        assert_eq!(
            twice.as_slice(),
            hash(MessageDigest::sha1(), &once).unwrap().as_ref()
        );
    }

    #[test]
    fn iv_depends_on_the_scheme() {
        let (key15, iv15) = kisa_key_iv(OID_SEED_CBC_WITH_SHA1, b"pw", b"salt", 3).unwrap();
        let (key4, iv4) = kisa_key_iv(OID_SEED_CBC, b"pw", b"salt", 3).unwrap();
        assert_eq!(key15, key4);
        assert_eq!(&iv4, SEED_FIXED_IV);
        let dk = kisa_pbkdf1(b"pw", b"salt", 3).unwrap();
        assert_eq!(
            iv15.as_slice(),
            &hash(MessageDigest::sha1(), &dk[16..20]).unwrap()[..16]
        );
    }

    #[test]
    fn garbage_is_a_malformed_key() {
        for bad in [&b""[..], b"\x30\x03\x02\x01", b"not a key at all"] {
            assert!(matches!(
                decrypt_private_key(bad, "pw"),
                Err(CertError::MalformedKey(_))
            ));
        }
    }
}
