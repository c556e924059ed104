//! Signed NTS XML checked by an independent verifier (xmlsec1) and by settle's own.

mod common;

use common::*;
use settle_nts::dsig;
use settle_nts::error::SignatureError;

#[test]
fn xmlsec1_accepts_signed_documents_and_rejects_changed_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let (_ca, leaf) = leaf();
    let identity = identity(&leaf);
    for lines in [1, 99] {
        let xml = settle_nts::xml::write(&document(invoice_json(lines)));
        let signed = dsig::sign(&xml, &identity).unwrap();
        assert!(xmlsec1_accepts(dir.path(), &signed, &leaf), "{lines} lines");
        assert_eq!(
            settle_nts::xml::read(&signed).unwrap(),
            document(invoice_json(lines))
        );
        assert!(dsig::verify(&signed).is_ok());

        let changed = signed.replacen("<InvoiceAmount>10001<", "<InvoiceAmount>10002<", 1);
        assert_ne!(changed, signed);
        assert!(!xmlsec1_accepts(dir.path(), &changed, &leaf));
        assert_eq!(
            dsig::verify(&changed).unwrap_err(),
            SignatureError::DigestMismatch
        );

        let exchanged = signed.replacen(
            "<IssueDateTime>20261120103000<",
            "<IssueDateTime>20261121090000<",
            1,
        );
        assert_ne!(exchanged, signed);
        assert!(xmlsec1_accepts(dir.path(), &exchanged, &leaf));
        assert!(dsig::verify(&exchanged).is_ok());
    }
}

#[test]
fn xmlsec1_accepts_zero_rated_amended_and_escaped_documents() {
    let dir = tempfile::tempdir().unwrap();
    let (_ca, leaf) = leaf();
    let identity = identity(&leaf);
    let mut zero = invoice_json(2);
    zero["tax_type"] = serde_json::json!("zero_rated");
    let mut amended = invoice_json(1);
    amended["items"][0]["supply_amount"] = serde_json::json!("-10001");
    amended["amendment"] = serde_json::json!({"reason_code": 1, "original_approval_number": "202610204100000100000007"});
    let mut escaped = invoice_json(1);
    escaped["supplier"]["name"] = serde_json::json!("A&B <상사> \"따옴표\" 'quote'");
    escaped["remarks"] = serde_json::json!(["]]> & <>", " 탭\u{3000}"]);
    for value in [zero, amended, escaped] {
        let signed = dsig::sign(&settle_nts::xml::write(&document(value)), &identity).unwrap();
        assert!(xmlsec1_accepts(dir.path(), &signed, &leaf));
        assert!(dsig::verify(&signed).is_ok());
        assert_eq!(
            dsig::sign(&signed, &identity).unwrap_err(),
            SignatureError::AlreadySigned
        );
    }
}

#[test]
fn verification_refuses_other_profiles_and_forged_signatures() {
    let (_ca, leaf) = leaf();
    let identity = identity(&leaf);
    let signed = dsig::sign(
        &settle_nts::xml::write(&document(invoice_json(1))),
        &identity,
    )
    .unwrap();
    let forged_value = {
        let start = signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let mut bytes = signed.clone().into_bytes();
        bytes[start + 10] = if bytes[start + 10] == b'A' {
            b'B'
        } else {
            b'A'
        };
        String::from_utf8(bytes).unwrap()
    };
    assert_eq!(
        dsig::verify(&forged_value).unwrap_err(),
        SignatureError::BadSignature
    );
    let other_filter = signed.replacen(
        "name()='ExchangedDocument'",
        "name()='TaxInvoiceDocument'",
        1,
    );
    assert_eq!(
        dsig::verify(&other_filter).unwrap_err().code(),
        "dsig.unsupported"
    );
    let sha1 = signed.replacen("xmlenc#sha256", "xmldsig#md5", 1);
    assert_eq!(dsig::verify(&sha1).unwrap_err().code(), "dsig.unsupported");
    // Another certificate in KeyInfo does not verify the signature.
    let (_, stranger) = common::leaf();
    let swapped = signed.replacen(
        identity.certificate_base64(),
        &{
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(stranger.certificate_der().unwrap())
        },
        1,
    );
    assert_eq!(
        dsig::verify(&swapped).unwrap_err(),
        SignatureError::BadSignature
    );
    assert_eq!(dsig::verify("<a/>").unwrap_err(), SignatureError::Missing);
}
