//! Reverse issuance set-up shared by the API and page tests: certificates, a linked
//! tenant, partners, invoice bodies and the link token of a request email.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf};
use time::OffsetDateTime;

use super::{TestApp, brn, partner_body, send};

pub const PASSWORD: &str = "cert-password";
pub const TENANT_BRN: &str = "2208162517";

pub fn leaf(ca: &ThrowawayCa, brn: &str) -> ThrowawayLeaf {
    let mut spec = LeafSpec::new("test");
    spec.vid_brn = Some(brn.replace('-', ""));
    ca.issue(&spec).unwrap()
}

/// The NPKI pair of `leaf` (`sign_cert`, `sign_key` sealed with [`PASSWORD`]).
pub fn certificate_files(leaf: &ThrowawayLeaf) -> Form {
    Form::new()
        .part(
            "sign_cert",
            Part::bytes(leaf.certificate_der().unwrap()).file_name("signCert.der"),
        )
        .part(
            "sign_key",
            Part::bytes(
                leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
                    .unwrap(),
            )
            .file_name("signPri.key"),
        )
}

/// The pair and its password, as the certificate endpoints take them.
pub fn certificate_form(leaf: &ThrowawayLeaf) -> Form {
    certificate_files(leaf).text("password", PASSWORD)
}

/// The tenant with its party data set and linked with its certificate; that certificate.
pub async fn linked_tenant(t: &TestApp, ca: &ThrowawayCa) -> ThrowawayLeaf {
    let (status, body) = send(t.patch(
        "/v1/tenant",
        &json!({
            "ceo_name": "박대표", "address": "서울특별시 중구 세종대로 110",
            "biz_type": "서비스", "biz_item": "플랫폼",
            "contact": {"name": "정산팀", "email": "billing@platform.example"}
        }),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let tenant_leaf = leaf(ca, TENANT_BRN);
    let (status, body) = send(
        t.client
            .post(t.url("/v1/tenant/nts-link"))
            .bearer_auth(&t.key)
            .multipart(certificate_form(&tenant_leaf)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tenant"]["nts_link"]["status"], "linked");
    tenant_leaf
}

pub async fn create_partner(t: &TestApp, brn: &str, email: &str) -> String {
    let mut body = partner_body(brn);
    body["contact"]["email"] = json!(email);
    let (status, partner) = send(t.post("/v1/partners", &body)).await;
    assert_eq!(status, 201, "{partner}");
    partner["id"].as_str().unwrap().to_owned()
}

pub fn invoice(key: &str, partner_id: &str) -> Value {
    let today = OffsetDateTime::now_utc().to_offset(settle_core::KST).date();
    json!({
        "document_key": key,
        "partner_id": partner_id,
        "write_date": today.to_string(),
        "tax_type": "taxable",
        "purpose": "claim",
        "items": [
            {"name": "판매 정산", "supply_amount": "9999"},
            {"name": "광고비", "supply_amount": 3000, "tax_amount": "300"}
        ]
    })
}

pub fn token_of(body: &str, base: &str) -> String {
    let start = body
        .find(&format!("{base}/s/"))
        .expect("the link is in the email");
    let rest = &body[start + base.len() + 3..];
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(token.len() >= 40, "token {token:?}");
    token
}

/// A linked tenant and supplier, and an invoice `key` requested from it.
pub struct Requested {
    /// The CA that issued the tenant's certificate (and can issue the supplier's).
    pub ca: ThrowawayCa,
    /// The supplier's BRN.
    pub supplier_brn: String,
    /// The link token of the request email.
    pub token: String,
}

/// Requests invoice `key` from a new linked supplier whose contact is `email`; the link
/// comes from the request email in the outbox, as Python's email package reads it.
pub async fn requested_invoice(t: &TestApp, key: &str, email: &str) -> Requested {
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(t, &ca).await;
    let supplier_brn = brn(124_810_123);
    let partner_id = create_partner(t, &supplier_brn, email).await;
    let (status, body) =
        send(t.post(&format!("/v1/partners/{partner_id}/nts-link"), &json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let mut body = invoice(key, &partner_id);
    body["request"] = json!(true);
    let (status, created) = send(t.post("/v1/tax-invoices", &body)).await;
    assert_eq!(status, 201, "{created}");
    let mail = t.email_to(email, "세금계산서 발행 요청").await;
    Requested {
        ca,
        supplier_brn,
        token: token_of(&mail.body, &t.base),
    }
}
