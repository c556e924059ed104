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
