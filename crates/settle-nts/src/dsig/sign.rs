//! Signing: the signature template is inserted before `TaxInvoiceDocument`, the filtered
//! document is digested, then `SignedInfo` is canonicalized and signed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use openssl::hash::{MessageDigest, hash};
use roxmltree::Node;

use super::{C14N, NTS_XPATH, RSA_SHA256, SHA256, XPATH};
use crate::c14n::{self, DSIG_NAMESPACE, NtsFilter};
use crate::certificate::SigningIdentity;
use crate::error::{CertError, SignatureError, XmlError};
use crate::xml::{NTS_NAMESPACE, parse_document};

const EMPTY_DIGEST: &str = "<ds:DigestValue></ds:DigestValue>";

/// Signs an unsigned NTS tax-invoice XML document.
pub fn sign(xml: &str, identity: &SigningIdentity) -> Result<String, SignatureError> {
    let document = parse_document(xml)?;
    let root = document.root_element();
    if !root.has_tag_name((NTS_NAMESPACE, "TaxInvoice")) {
        return Err(XmlError::Structure("the root element must be TaxInvoice".into()).into());
    }
    if root
        .descendants()
        .any(|n| n.has_tag_name((DSIG_NAMESPACE, "Signature")))
    {
        return Err(SignatureError::AlreadySigned);
    }
    let anchor = root
        .children()
        .find(|n| n.has_tag_name((NTS_NAMESPACE, "TaxInvoiceDocument")))
        .ok_or_else(|| XmlError::Structure("TaxInvoice has no TaxInvoiceDocument".into()))?;
    let position = anchor.range().start;
    let indent = indentation_before(anchor);
    let certificate = identity.certificate_base64();

    let with_template = assemble(xml, position, indent, "", "", certificate);
    let templated = parse_document(&with_template)?;
    let canonical = c14n::document(templated.root(), &NtsFilter);
    let digest = BASE64.encode(hash(MessageDigest::sha256(), canonical.as_bytes())?);

    let signed_info = templated
        .descendants()
        .find(|n| n.has_tag_name((DSIG_NAMESPACE, "SignedInfo")))
        .ok_or_else(|| SignatureError::Unsupported("template without SignedInfo".into()))?;
    let signed_info = c14n::subtree(signed_info).replacen(
        EMPTY_DIGEST,
        &format!("<ds:DigestValue>{digest}</ds:DigestValue>"),
        1,
    );
    let signature = identity
        .sign_sha256(signed_info.as_bytes())
        .map_err(|e: CertError| SignatureError::Crypto(e.to_string()))?;
    let signature = BASE64.encode(signature);
    Ok(assemble(
        xml,
        position,
        indent,
        &digest,
        &signature,
        certificate,
    ))
}

/// The whitespace that precedes `node` on its line, to lay the signature out alike.
fn indentation_before<'a>(node: Node<'a, '_>) -> &'a str {
    node.prev_sibling()
        .filter(Node::is_text)
        .and_then(|text| text.text())
        .filter(|text| text.chars().all(char::is_whitespace))
        .unwrap_or("")
}

fn assemble(
    xml: &str,
    position: usize,
    indent: &str,
    digest: &str,
    signature: &str,
    certificate: &str,
) -> String {
    let inner = indent.rsplit('\n').next().unwrap_or("");
    let nl = |depth: usize| {
        let mut line = String::from(if indent.contains('\n') { "\n" } else { "" });
        line.push_str(inner);
        for _ in 0..depth {
            line.push_str("  ");
        }
        line
    };
    let mut out = String::with_capacity(xml.len() + 2048 + certificate.len());
    out.push_str(&xml[..position]);
    out.push_str(&format!("<ds:Signature xmlns:ds=\"{DSIG_NAMESPACE}\">"));
    out.push_str(&format!("{}<ds:SignedInfo>", nl(1)));
    out.push_str(&format!(
        "{}<ds:CanonicalizationMethod Algorithm=\"{C14N}\"/>",
        nl(2)
    ));
    out.push_str(&format!(
        "{}<ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>",
        nl(2)
    ));
    out.push_str(&format!("{}<ds:Reference URI=\"\">", nl(2)));
    out.push_str(&format!("{}<ds:Transforms>", nl(3)));
    out.push_str(&format!("{}<ds:Transform Algorithm=\"{XPATH}\">", nl(4)));
    out.push_str(&format!("{}<ds:XPath>{NTS_XPATH}</ds:XPath>", nl(5)));
    out.push_str(&format!("{}</ds:Transform>", nl(4)));
    out.push_str(&format!("{}<ds:Transform Algorithm=\"{C14N}\"/>", nl(4)));
    out.push_str(&format!("{}</ds:Transforms>", nl(3)));
    out.push_str(&format!(
        "{}<ds:DigestMethod Algorithm=\"{SHA256}\"/>",
        nl(3)
    ));
    out.push_str(&format!(
        "{}<ds:DigestValue>{digest}</ds:DigestValue>",
        nl(3)
    ));
    out.push_str(&format!("{}</ds:Reference>", nl(2)));
    out.push_str(&format!("{}</ds:SignedInfo>", nl(1)));
    out.push_str(&format!(
        "{}<ds:SignatureValue>{signature}</ds:SignatureValue>",
        nl(1)
    ));
    out.push_str(&format!("{}<ds:KeyInfo>", nl(1)));
    out.push_str(&format!("{}<ds:X509Data>", nl(2)));
    out.push_str(&format!(
        "{}<ds:X509Certificate>{certificate}</ds:X509Certificate>",
        nl(3)
    ));
    out.push_str(&format!("{}</ds:X509Data>", nl(2)));
    out.push_str(&format!("{}</ds:KeyInfo>", nl(1)));
    out.push_str(&format!("{}</ds:Signature>", nl(0)));
    out.push_str(indent);
    out.push_str(&xml[position..]);
    out
}
