//! Just enough DER to read and write the PKCS#8, PBES2 and KISA structures that OpenSSL
//! does not expose: definite lengths, single-byte tags.

use std::fmt::Write as _;

/// Universal tags used here.
pub(crate) mod tag {
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0C;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const SEQUENCE: u8 = 0x30;
    /// `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
    pub const CONTEXT_0: u8 = 0xA0;
    /// `[3]` constructed.
    pub const CONTEXT_3: u8 = 0xA3;
}

/// A DER structure that is not what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DerError(pub &'static str);

/// One tag-length-value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over the content, for constructed values.
    pub fn reader(&self) -> Der<'a> {
        Der::new(self.content)
    }
}

/// A cursor over consecutive DER values.
#[derive(Debug, Clone)]
pub(crate) struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Der { rest: data }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next value.
    pub fn read(&mut self) -> Result<Tlv<'a>, DerError> {
        let (&tag, after_tag) = self.rest.split_first().ok_or(DerError("truncated"))?;
        if tag & 0x1F == 0x1F {
            return Err(DerError("multi-byte tag"));
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or(DerError("truncated"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7F);
            if count == 0 || count > 4 || after_len.len() < count {
                return Err(DerError("bad length"));
            }
            let (len_bytes, rest) = after_len.split_at(count);
            after_len = rest;
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        if after_len.len() < len {
            return Err(DerError("truncated"));
        }
        let (content, rest) = after_len.split_at(len);
        self.rest = rest;
        Ok(Tlv { tag, content })
    }

    /// Reads the next value, which must have `tag`, and returns its content.
    pub fn expect(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        let tlv = self.read()?;
        if tlv.tag == tag {
            Ok(tlv.content)
        } else {
            Err(DerError("unexpected tag"))
        }
    }

    /// Reads a value with `tag` when it comes next.
    pub fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Reads a non-negative INTEGER that fits in a u32.
    pub fn small_uint(&mut self) -> Result<u32, DerError> {
        let content = self.expect(tag::INTEGER)?;
        if content.is_empty() || content[0] & 0x80 != 0 {
            return Err(DerError("negative or empty integer"));
        }
        let digits = content.iter().skip_while(|&&b| b == 0).collect::<Vec<_>>();
        if digits.len() > 4 {
            return Err(DerError("integer too large"));
        }
        Ok(digits
            .iter()
            .fold(0u32, |acc, &&b| (acc << 8) | u32::from(b)))
    }

    /// Reads an OBJECT IDENTIFIER in dotted form.
    pub fn oid(&mut self) -> Result<String, DerError> {
        oid_to_string(self.expect(tag::OID)?)
    }
}

/// Reads exactly one value from `data`; trailing bytes are an error.
pub(crate) fn single(data: &[u8]) -> Result<Tlv<'_>, DerError> {
    let mut der = Der::new(data);
    let tlv = der.read()?;
    if der.is_empty() {
        Ok(tlv)
    } else {
        Err(DerError("trailing data"))
    }
}

/// Dotted form of an OID's content octets.
pub(crate) fn oid_to_string(content: &[u8]) -> Result<String, DerError> {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for (i, &byte) in content.iter().enumerate() {
        if value == 0 && byte == 0x80 {
            return Err(DerError("non-minimal OID"));
        }
        value = value
            .checked_mul(128)
            .ok_or(DerError("OID arc too large"))?
            | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        } else if i + 1 == content.len() {
            return Err(DerError("truncated OID"));
        }
    }
    let (&first, rest) = arcs.split_first().ok_or(DerError("empty OID"))?;
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in rest {
        let _ = write!(out, ".{arc}");
    }
    Ok(out)
}

/// Content octets of a dotted OID; `None` if it is not one.
pub(crate) fn oid_from_string(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if arcs.len() < 2 || arcs[0] > 2 {
        return None;
    }
    let mut out = Vec::new();
    let first = arcs[0].checked_mul(40)?.checked_add(arcs[1])?;
    for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
        let mut chunk = vec![(arc & 0x7F) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(((rest & 0x7F) as u8) | 0x80);
            rest >>= 7;
        }
        out.extend(chunk.iter().rev());
    }
    Some(out)
}

/// Encodes one value.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Encodes an OID from its dotted form (the callers pass constants).
pub(crate) fn encode_oid(dotted: &str) -> Vec<u8> {
    encode(tag::OID, &oid_from_string(dotted).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_round_trip() {
        for oid in ["1.2.410.200004.1.15", "2.5.29.17", "1.2.840.113549.1.5.13"] {
            let bytes = oid_from_string(oid).unwrap();
            assert_eq!(oid_to_string(&bytes).unwrap(), oid);
        }
        assert_eq!(
            oid_from_string("1.2.410.200004.10.1.1.3").unwrap(),
            [0x2A, 0x83, 0x1A, 0x8C, 0x9A, 0x44, 0x0A, 0x01, 0x01, 0x03]
        );
    }

    #[test]
    fn reads_long_lengths_and_refuses_truncation() {
        let value = encode(tag::OCTET_STRING, &[7u8; 300]);
        assert_eq!(single(&value).unwrap().content.len(), 300);
        assert!(single(&value[..value.len() - 1]).is_err());
        assert!(single(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(single(&[]).is_err());
    }
}
