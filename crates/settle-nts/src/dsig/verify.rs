//! Verification: the Reference digest over the transformed document, then the signature
//! over the canonical `SignedInfo` with the certificate's public key.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use openssl::hash::{MessageDigest, hash};
use openssl::sign::Verifier;
use openssl::x509::X509;
use roxmltree::Node;

use super::{C14N, ENVELOPED, NTS_XPATH, RSA_SHA1, RSA_SHA256, SHA1, SHA256, XPATH};
use crate::c14n::{self, DSIG_NAMESPACE, Enveloped, NtsFilter, Subtree};
use crate::certificate::{CertificateInfo, describe};
use crate::error::SignatureError;

use crate::xml::parse_document;

/// A signature that verified.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// The certificate that verified it.
    pub certificate: X509,
}

impl VerifiedSignature {
    /// The certificate's description (worked out on demand: a filer verifying thousands
    /// of documents needs only the verdict).
    pub fn info(&self) -> CertificateInfo {
        describe(&self.certificate, false)
    }
}

/// Verifies the signature with the certificate in its `KeyInfo`.
pub fn verify(xml: &str) -> Result<VerifiedSignature, SignatureError> {
    verify_inner(xml, None)
}

/// Verifies the signature with a given certificate (ignoring `KeyInfo`).
pub fn verify_with_certificate(
    xml: &str,
    certificate: &X509,
) -> Result<VerifiedSignature, SignatureError> {
    verify_inner(xml, Some(certificate))
}

fn unsupported(what: impl Into<String>) -> SignatureError {
    SignatureError::Unsupported(what.into())
}

/// Which node-set the Reference's transforms select.
enum Selection<'a, 'input> {
    Whole,
    Nts,
    Enveloped(Node<'a, 'input>),
}

fn verify_inner(xml: &str, given: Option<&X509>) -> Result<VerifiedSignature, SignatureError> {
    let document = parse_document(xml)?;
    let mut signatures = document
        .descendants()
        .filter(|n| n.has_tag_name((DSIG_NAMESPACE, "Signature")));
    let signature = signatures.next().ok_or(SignatureError::Missing)?;
    if signatures.next().is_some() {
        return Err(unsupported("more than one signature"));
    }
    let signed_info = ds_child(signature, "SignedInfo")?;
    let canonicalization = algorithm(ds_child(signed_info, "CanonicalizationMethod")?)?;
    if canonicalization != C14N {
        return Err(unsupported(format!("canonicalization {canonicalization}")));
    }
    let signature_digest = match algorithm(ds_child(signed_info, "SignatureMethod")?)? {
        RSA_SHA256 => MessageDigest::sha256(),
        RSA_SHA1 => MessageDigest::sha1(),
        other => return Err(unsupported(format!("signature method {other}"))),
    };
    let mut references = ds_children(signed_info, "Reference");
    let reference = references
        .next()
        .ok_or_else(|| unsupported("no Reference"))?;
    if references.next().is_some() {
        return Err(unsupported("more than one Reference"));
    }
    if reference.attribute("URI") != Some("") {
        return Err(unsupported("the Reference must have URI=\"\""));
    }
    let selection = selection(reference, signature)?;
    let reference_digest = match algorithm(ds_child(reference, "DigestMethod")?)? {
        SHA256 => MessageDigest::sha256(),
        SHA1 => MessageDigest::sha1(),
        other => return Err(unsupported(format!("digest method {other}"))),
    };
    let expected = decode_base64(ds_child(reference, "DigestValue")?)?;

    let canonical = match selection {
        Selection::Whole => c14n::document(document.root(), &Subtree),
        Selection::Nts => c14n::document(document.root(), &NtsFilter),
        Selection::Enveloped(node) => c14n::document(document.root(), &Enveloped(node)),
    };
    if hash(reference_digest, canonical.as_bytes())?.as_ref() != expected.as_slice() {
        return Err(SignatureError::DigestMismatch);
    }

    let certificate = match given {
        Some(certificate) => certificate.clone(),
        None => key_info_certificate(signature)?,
    };
    let public_key = certificate
        .public_key()
        .map_err(|e| SignatureError::BadCertificate(e.to_string()))?;
    let value = decode_base64(ds_child(signature, "SignatureValue")?)?;
    let mut verifier = Verifier::new(signature_digest, &public_key)?;
    verifier.update(c14n::subtree(signed_info).as_bytes())?;
    if !verifier.verify(&value).unwrap_or(false) {
        return Err(SignatureError::BadSignature);
    }
    Ok(VerifiedSignature { certificate })
}

/// Reads the Reference's transforms: a node-set selection (nothing, the NTS XPath filter
/// or enveloped-signature), optionally followed by C14N 1.0.
fn selection<'a, 'input>(
    reference: Node<'a, 'input>,
    signature: Node<'a, 'input>,
) -> Result<Selection<'a, 'input>, SignatureError> {
    let Some(transforms) = ds_children(reference, "Transforms").next() else {
        return Ok(Selection::Whole);
    };
    let mut selection = Selection::Whole;
    let mut canonicalized = false;
    for (index, transform) in ds_children(transforms, "Transform").enumerate() {
        if canonicalized {
            return Err(unsupported("a transform after canonicalization"));
        }
        match algorithm(transform)? {
            XPATH if index == 0 => {
                let xpath = ds_child(transform, "XPath")?;
                let expression: String = xpath
                    .text()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect();
                let nts: String = NTS_XPATH.split_whitespace().collect();
                if expression != nts {
                    return Err(unsupported("an XPath filter other than the NTS one"));
                }
                if xpath.lookup_namespace_uri(Some("ds")) != Some(DSIG_NAMESPACE) {
                    return Err(unsupported(
                        "the XPath prefix ds is not the XML-DSig namespace",
                    ));
                }
                selection = Selection::Nts;
            }
            ENVELOPED if index == 0 => selection = Selection::Enveloped(signature),
            C14N => canonicalized = true,
            other => return Err(unsupported(format!("transform {other}"))),
        }
    }
    Ok(selection)
}

fn key_info_certificate(signature: Node) -> Result<X509, SignatureError> {
    let certificate = ds_children(signature, "KeyInfo")
        .flat_map(|info| ds_children(info, "X509Data"))
        .flat_map(|data| ds_children(data, "X509Certificate"))
        .next()
        .ok_or_else(|| SignatureError::BadCertificate("no X509Certificate in KeyInfo".into()))?;
    let der = decode_base64(certificate)?;
    parsed_certificate(&der)
}

/// Certificates already parsed, by DER. Decoding a certificate costs OpenSSL 3 several
/// times what checking the signature does, and a batch carries the same few suppliers'
/// certificates over and over.
fn parsed_certificate(der: &[u8]) -> Result<X509, SignatureError> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<u8>, X509>>> = OnceLock::new();
    const CAPACITY: usize = 1024;
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(der).cloned()) {
        return Ok(found);
    }
    let certificate =
        X509::from_der(der).map_err(|e| SignatureError::BadCertificate(e.to_string()))?;
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= CAPACITY {
            cache.clear();
        }
        cache.insert(der.to_vec(), certificate.clone());
    }
    Ok(certificate)
}

fn ds_children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |n| n.has_tag_name((DSIG_NAMESPACE, name)))
}

fn ds_child<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> Result<Node<'a, 'input>, SignatureError> {
    ds_children(node, name)
        .next()
        .ok_or_else(|| unsupported(format!("{} has no ds:{name}", node.tag_name().name())))
}

fn algorithm<'a>(node: Node<'a, '_>) -> Result<&'a str, SignatureError> {
    node.attribute("Algorithm")
        .ok_or_else(|| unsupported(format!("ds:{} without Algorithm", node.tag_name().name())))
}

fn decode_base64(node: Node) -> Result<Vec<u8>, SignatureError> {
    let text: String = node.text().unwrap_or_default().split_whitespace().collect();
    BASE64
        .decode(text)
        .map_err(|_| unsupported(format!("ds:{} is not base64", node.tag_name().name())))
}
