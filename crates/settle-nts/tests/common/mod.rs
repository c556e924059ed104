//! Shared fixtures: sample invoices, throwaway certificates, the xmlsec1 checker.

#![allow(dead_code)]

use std::path::Path;

use serde_json::{Value, json};
use settle_core::tax_invoice::{TaxInvoiceInput, TaxPolicy};
use settle_nts::certificate::{LeafSpec, ThrowawayCa, ThrowawayLeaf};
use settle_nts::{NtsDocument, SigningIdentity};
use time::macros::datetime;

/// A valid invoice input with `lines` lines.
pub fn invoice_json(lines: usize) -> Value {
    let items: Vec<Value> = (0..lines)
        .map(|i| {
            json!({
                "date": "2026-11-20",
                "name": format!("품목 {}", i + 1),
                "spec": "EA",
                "quantity": "2",
                "unit_price": "5000.5",
                "supply_amount": "10001",
            })
        })
        .collect();
    json!({
        "write_date": "2026-11-20",
        "tax_type": "taxable",
        "purpose": "claim",
        "supplier": {
            "brn": "220-81-62517", "name": "공급자 주식회사", "ceo_name": "김공급",
            "address": "서울특별시 강남구 테헤란로 1", "biz_type": "서비스", "biz_item": "광고",
            "contact": {"name": "이담당", "email": "tax@supplier.example"}
        },
        "buyer": {
            "brn": "124-81-01231", "name": "플랫폼(주)", "ceo_name": "박대표",
            "address": "서울특별시 중구 세종대로 110", "biz_type": "정보통신", "biz_item": "플랫폼",
            "contact": {"name": "정산팀", "email": "billing@platform.example"}
        },
        "items": items,
        "remarks": ["11월분 수수료"]
    })
}

/// The document for an input JSON.
pub fn document(value: Value) -> NtsDocument {
    let input: TaxInvoiceInput = serde_json::from_value(value).unwrap();
    NtsDocument {
        approval_number: "202611204100000100000001".parse().unwrap(),
        issued_at: datetime!(2026-11-20 10:30:00),
        invoice: input.validate(&TaxPolicy::default()).unwrap(),
    }
}

/// A CA and a leaf with a VID for the sample supplier.
pub fn leaf() -> (ThrowawayCa, ThrowawayLeaf) {
    let ca = ThrowawayCa::new("settle test CA").unwrap();
    let mut spec = LeafSpec::new("공급자 주식회사");
    spec.vid_brn = Some("2208162517".into());
    let leaf = ca.issue(&spec).unwrap();
    (ca, leaf)
}

/// The leaf as a signing identity (from a KISA .15 key file).
pub fn identity(leaf: &ThrowawayLeaf) -> SigningIdentity {
    let key = leaf
        .sign_pri_kisa(
            "test-password",
            settle_nts::certificate::OID_SEED_CBC_WITH_SHA1,
        )
        .unwrap();
    SigningIdentity::from_npki(&leaf.certificate_der().unwrap(), &key, "test-password").unwrap()
}

/// Runs `xmlsec1 --verify` on `xml` with the certificate; true when it accepts.
pub fn xmlsec1_accepts(dir: &Path, xml: &str, leaf: &ThrowawayLeaf) -> bool {
    settle_testkit::xmlsec1_accepts(dir, xml, &leaf.certificate_pem().unwrap())
}
