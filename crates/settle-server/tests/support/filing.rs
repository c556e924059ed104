//! Filing set-up shared by the filing tests: suppliers with registered certificates and
//! issued documents.

use serde_json::{Value, json};
use settle_app::certificates::CertificateFiles;
use settle_app::supplier::SupplierPrincipal;
use settle_core::brn::Brn;
use settle_core::ids::{PartnerId, TenantId};
use settle_nts::certificate::{OID_SEED_CBC_WITH_SHA1, ThrowawayCa};

use super::issuance::{PASSWORD, create_partner, invoice, leaf};
use super::{TestApp, brn, send};

/// A linked partner with its certificate registered; the supplier acting for it.
pub async fn supplier(t: &TestApp, ca: &ThrowawayCa, number: u32) -> SupplierPrincipal {
    let digits = brn(number);
    let partner = create_partner(t, &digits, &format!("tax{number}@supplier.example")).await;
    let link = format!("/v1/partners/{partner}/nts-link");
    let (status, body) = send(t.post(&link, &json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let brn = Brn::parse(&digits).unwrap();
    let by = SupplierPrincipal {
        tenant_id: TenantId::from_trusted(t.tenant_id.clone()),
        partner_id: PartnerId::from_trusted(partner),
        actor: format!("supplier:{}", brn.digits()),
        brn,
    };
    let own = leaf(ca, by.brn.digits());
    let files = CertificateFiles::Npki {
        certificate: own.certificate_der().unwrap(),
        key: own.sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1).unwrap(),
    };
    settle_app::supplier::register_certificate(&t.app, &by, files, PASSWORD)
        .await
        .unwrap();
    by
}

/// Requests and issues `count` documents of `by`, keyed `{prefix}-n`.
pub async fn issue(t: &TestApp, by: &SupplierPrincipal, prefix: &str, count: usize) {
    for n in 0..count {
        let mut body = invoice(&format!("{prefix}-{n}"), by.partner_id.as_str());
        body["request"] = json!(true);
        let (status, record) = send(t.post("/v1/tax-invoices", &body)).await;
        assert_eq!(status, 201, "{record}");
        let id = record["id"].as_str().unwrap();
        settle_app::supplier::issue(&t.app, by, id, None)
            .await
            .unwrap();
    }
}

/// A document as `/v1` shows it.
pub async fn state_of(t: &TestApp, key: &str) -> Value {
    let (status, record) = send(t.get(&format!("/v1/tax-invoices/{key}"))).await;
    assert_eq!(status, 200, "{record}");
    record
}
