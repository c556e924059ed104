//! The Korean VID (Virtual ID, KISA identification standard): certificates of Korean CAs
//! carry, in subjectAltName, an `otherName` of type 1.2.410.200004.10.1.1 whose value is
//!
//! ```text
//! IdentifyData ::= SEQUENCE { realName UTF8String, userInfos SEQUENCE OF SEQUENCE {
//!     type OBJECT IDENTIFIER (1.2.410.200004.10.1.1.1, npkiVID),
//!     vid  SEQUENCE { hashAlg [0] EXPLICIT AlgorithmIdentifier OPTIONAL,  -- SHA-1 if absent
//!                     virtualID OCTET STRING } } }
//! ```
//!
//! with `virtualID = H(H(HashContent))`, `HashContent ::= SEQUENCE { idn PrintableString,
//! randomNum BIT STRING }`, `idn` the BRN (ten digits) and `randomNum` the R value stored
//! with the private key (attribute 1.2.410.200004.10.1.1.3).

use openssl::hash::{MessageDigest, hash};

use crate::der::{self, Der, Tlv, tag};

/// The otherName type of KISA identification data.
pub const OID_IDENTIFY_DATA: &str = "1.2.410.200004.10.1.1";
/// The userInfo type of a VID.
pub const OID_VID: &str = "1.2.410.200004.10.1.1.1";
/// The private-key attribute holding the R value.
pub const OID_RANDOM_NUM: &str = "1.2.410.200004.10.1.1.3";
const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";

/// The VID found in a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vid {
    /// The holder's registered name.
    pub real_name: Option<String>,
    /// The hash algorithm's OID.
    pub hash_oid: String,
    /// `H(H(HashContent))`.
    pub value: Vec<u8>,
}

impl Vid {
    /// Whether this VID is the one of `brn_digits` with the key's R value.
    pub fn matches(&self, brn_digits: &str, random_num: &[u8]) -> bool {
        let Some(digest) = digest_for(&self.hash_oid) else {
            return false;
        };
        let content = hash_content(brn_digits, random_num);
        hash(digest, &content)
            .and_then(|once| hash(digest, &once))
            .is_ok_and(|twice| twice.as_ref() == self.value.as_slice())
    }
}

fn digest_for(oid: &str) -> Option<MessageDigest> {
    match oid {
        OID_SHA1 => Some(MessageDigest::sha1()),
        OID_SHA256 => Some(MessageDigest::sha256()),
        "2.16.840.1.101.3.4.2.2" => Some(MessageDigest::sha384()),
        "2.16.840.1.101.3.4.2.3" => Some(MessageDigest::sha512()),
        _ => None,
    }
}

/// DER of `HashContent`.
pub(crate) fn hash_content(idn: &str, random_num: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(random_num);
    let body = [
        der::encode(tag::PRINTABLE_STRING, idn.as_bytes()),
        der::encode(tag::BIT_STRING, &bits),
    ]
    .concat();
    der::encode(tag::SEQUENCE, &body)
}

/// DER of an `IdentifyData` value for `idn` (used to make test certificates).
pub fn identify_data(real_name: &str, idn: &str, random_num: &[u8]) -> Vec<u8> {
    let digest = MessageDigest::sha256();
    let content = hash_content(idn, random_num);
    let vid = hash(digest, &content)
        .and_then(|once| hash(digest, &once))
        .map(|v| v.to_vec())
        .unwrap_or_default();
    let algorithm = der::encode(tag::SEQUENCE, &der::encode_oid(OID_SHA256));
    let vid = der::encode(
        tag::SEQUENCE,
        &[
            der::encode(tag::CONTEXT_0, &algorithm),
            der::encode(tag::OCTET_STRING, &vid),
        ]
        .concat(),
    );
    let user_info = der::encode(tag::SEQUENCE, &[der::encode_oid(OID_VID), vid].concat());
    der::encode(
        tag::SEQUENCE,
        &[
            der::encode(tag::UTF8_STRING, real_name.as_bytes()),
            der::encode(tag::SEQUENCE, &user_info),
        ]
        .concat(),
    )
}

/// The VID of a DER certificate, if it carries one.
pub fn find(certificate_der: &[u8]) -> Option<Vid> {
    let certificate = der::single(certificate_der).ok()?;
    let tbs = certificate.reader().expect(tag::SEQUENCE).ok()?;
    let mut tbs = Der::new(tbs);
    let extensions = loop {
        let item = tbs.read().ok()?;
        if item.tag == tag::CONTEXT_3 {
            break item.reader().expect(tag::SEQUENCE).ok()?;
        }
    };
    let mut extensions = Der::new(extensions);
    while !extensions.is_empty() {
        let mut extension = extensions.read().ok()?.reader();
        if extension.oid().ok()? != OID_SUBJECT_ALT_NAME {
            continue;
        }
        let _critical = extension.optional(0x01).ok()?;
        let names = der::single(extension.expect(tag::OCTET_STRING).ok()?).ok()?;
        let mut names = names.reader();
        while !names.is_empty() {
            let name = names.read().ok()?;
            if name.tag != tag::CONTEXT_0 {
                continue;
            }
            let mut other = name.reader();
            if other.oid().ok()? == OID_IDENTIFY_DATA {
                let value = der::single(other.expect(tag::CONTEXT_0).ok()?).ok()?;
                return parse_identify_data(value);
            }
        }
    }
    None
}

/// Reads the name, the hash algorithm and the VID, tolerating the nesting variants seen
/// in the field (with or without the `[0]` around the algorithm).
fn parse_identify_data(value: Tlv) -> Option<Vid> {
    let mut found = Found::default();
    walk(value, &mut found, 0);
    Some(Vid {
        real_name: found.real_name,
        hash_oid: found.hash_oid.unwrap_or_else(|| OID_SHA1.to_owned()),
        value: found.vid?,
    })
}

#[derive(Default)]
struct Found {
    real_name: Option<String>,
    hash_oid: Option<String>,
    vid: Option<Vec<u8>>,
}

fn walk(tlv: Tlv, found: &mut Found, depth: u8) {
    match tlv.tag {
        tag::UTF8_STRING if found.real_name.is_none() => {
            found.real_name = std::str::from_utf8(tlv.content).ok().map(str::to_owned);
        }
        tag::OID => {
            if let Ok(oid) = der::oid_to_string(tlv.content)
                && digest_for(&oid).is_some()
                && found.hash_oid.is_none()
            {
                found.hash_oid = Some(oid);
            }
        }
        tag::OCTET_STRING if found.vid.is_none() => found.vid = Some(tlv.content.to_vec()),
        t if t & 0x20 != 0 && depth < 8 => {
            let mut inner = tlv.reader();
            while let Ok(child) = inner.read() {
                walk(child, found, depth + 1);
            }
        }
        _ => {}
    }
}

/// The R value among a `PrivateKeyInfo`'s attributes, if any.
pub fn random_num(private_key_info: &[u8]) -> Option<Vec<u8>> {
    let info = der::single(private_key_info).ok()?;
    let mut fields = info.reader();
    while let Ok(field) = fields.read() {
        if field.tag != tag::CONTEXT_0 {
            continue;
        }
        let mut attributes = field.reader();
        while let Ok(attribute) = attributes.read() {
            let mut attribute = attribute.reader();
            if attribute.oid().ok()? != OID_RANDOM_NUM {
                continue;
            }
            let mut values = attribute.read().ok()?.reader();
            let bits = values.expect(tag::BIT_STRING).ok()?;
            return bits.split_first().map(|(_, r)| r.to_vec());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identify_data_round_trips_through_the_reader() {
        let data = identify_data("테스트", "2208162517", &[7; 20]);
        let vid = parse_identify_data(der::single(&data).unwrap()).unwrap();
        assert_eq!(vid.real_name.as_deref(), Some("테스트"));
        assert_eq!(vid.hash_oid, OID_SHA256);
        assert!(vid.matches("2208162517", &[7; 20]));
        assert!(!vid.matches("2208162518", &[7; 20]));
        assert!(!vid.matches("2208162517", &[8; 20]));
    }
}
