//! Korean tax invoices for partner invoices (정발행): a finalized Korean won invoice whose
//! profile asks for one gets a tax invoice the platform issues and signs (xmlsec1 verifies
//! it with the platform's certificate), credit and void notes get amended negative ones,
//! the filing batch files them all, and the reconciliation checks find one missing.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines, xmlsec1_accepts};
use support::billing::{address, bill, charge, text_of, void_and_rebill};
use support::issuance::{TENANT_BRN, create_partner, linked_tenant};
use support::{TestApp, brn, send};

/// A linked platform and a partner billed in won under a Korean profile that asks for a
/// tax invoice; the platform's certificate PEM and the partner's id and BRN.
async fn korean_partner(t: &TestApp) -> (Vec<u8>, String, String) {
    let ca = ThrowawayCa::new("test CA").unwrap();
    let tenant_leaf = linked_tenant(t, &ca).await;
    let partner_brn = brn(124_810_555);
    let partner = create_partner(t, &partner_brn, "tax@partner.example").await;
    let (status, profile) = send(t.post(
        "/v1/billing-profiles",
        &json!({
            "partner_id": partner, "sold_to": address("가나상사", "서울", "04524"),
            "bill_to": address("가나상사 정산팀", "서울", "04524"), "payment_terms_days": 30,
            "billing_currency": "KRW", "template": "lrd", "country": "KR",
            "tax_invoice_required": true
        }),
    ))
    .await;
    assert_eq!(status, 201, "{profile}");
    (tenant_leaf.certificate_pem().unwrap(), partner, partner_brn)
}

fn won_charge(partner: &str, order: &str, quantity: u32, price: &str) -> Value {
    charge(
        partner,
        order,
        json!({"quantity": quantity, "unit_price": price, "pricing_currency": "KRW",
            "product_name": format!("판매 수수료 {order}")}),
    )
}

/// The forward-issued tax invoice of the document `id`, once the worker has issued it.
async fn tax_invoice_of(t: &TestApp, id: &str) -> Value {
    for _ in 0..200 {
        let (_, document) = send(t.get(&format!("/v1/invoices/{id}"))).await;
        if let Some(key) = document["korean_tax_invoice"]["document_key"].as_str() {
            let (status, record) = send(t.get(&format!("/v1/tax-invoices/{key}"))).await;
            assert_eq!(status, 200, "{record}");
            return record;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no tax invoice was issued for {id}");
}

fn totals(record: &Value) -> (String, String, String) {
    (
        text_of(&record["supply_total"]),
        text_of(&record["tax_total"]),
        text_of(&record["total"]),
    )
}

async fn verifies(t: &TestApp, record: &Value, certificate: &[u8]) {
    let key = text_of(&record["document_key"]);
    let xml = t
        .get(&format!("/v1/tax-invoices/{key}/xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status(), 200);
    let xml = xml.text().await.unwrap();
    assert!(xml.contains(record["nts_approval_number"].as_str().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    assert!(
        xmlsec1_accepts(dir.path(), &xml, certificate),
        "{key} verifies"
    );
}

async fn an_invoice_its_credit_and_its_void_each_get_a_tax_invoice(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (certificate, partner, partner_brn) = korean_partner(&t).await;
    let documents = bill(
        &t,
        vec![
            won_charge(&partner, "O-1", 3, "10005"),
            won_charge(&partner, "O-2", 1, "99999"),
        ],
    )
    .await;
    let invoice = &documents[0];
    let issued = tax_invoice_of(&t, &text_of(&invoice["id"])).await;
    assert_eq!(issued["direction"], "forward");
    assert_eq!(issued["state"], "issued");
    assert_eq!(issued["supplier"]["brn"], TENANT_BRN);
    assert_eq!(issued["buyer"]["brn"], partner_brn.replace('-', ""));
    assert_eq!(
        totals(&issued),
        (
            text_of(&invoice["subtotal"]),
            text_of(&invoice["tax"]),
            text_of(&invoice["total"])
        )
    );
    assert_eq!(issued["items"].as_array().unwrap().len(), 2);
    let approval = text_of(&issued["nts_approval_number"]);
    assert_eq!(approval.len(), 24);
    verifies(&t, &issued, &certificate).await;
    let mail = t
        .email_to("tax@partner.example", "세금계산서가 발행되었습니다")
        .await;
    assert!(mail.body.contains(&approval), "{}", mail.body);
    let (_, shown) = send(t.get(&format!("/v1/invoices/{}", text_of(&invoice["id"])))).await;
    assert_eq!(
        shown["korean_tax_invoice"]["nts_approval_number"],
        approval.as_str()
    );
    assert_eq!(
        shown["korean_tax_invoice"]["write_date"],
        invoice["document_date"]
    );

    // A credit note: an amended tax invoice for the difference, negative.
    let number = text_of(&invoice["number"]);
    let body = json!({"lines": [{"line_id": invoice["lines"][0]["id"], "quantity": "1"}],
        "reason": "returned"});
    let (status, note) = send(t.post(&format!("/v1/invoices/{number}/credit-notes"), &body)).await;
    assert_eq!(status, 201, "{note}");
    let (_, note) = send(t.get(&format!("/v1/invoices/{}", text_of(&note["id"])))).await;
    let amended = tax_invoice_of(&t, &text_of(&note["id"])).await;
    assert_eq!(
        totals(&amended),
        (
            text_of(&note["subtotal"]),
            text_of(&note["tax"]),
            text_of(&note["total"])
        )
    );
    assert!(text_of(&amended["total"]).starts_with('-'));
    assert_eq!(amended["amendment"]["reason_code"], 2);
    assert_eq!(
        amended["amendment"]["original_approval_number"],
        approval.as_str()
    );
    verifies(&t, &amended, &certificate).await;

    // Void and rebill (of a second invoice): the void note's tax invoice negates the
    // invoice's whole; the rebilled invoice gets its own.
    let second = bill(&t, vec![won_charge(&partner, "O-3", 7, "1234")]).await;
    let second_issued = tax_invoice_of(&t, &text_of(&second[0]["id"])).await;
    let number = text_of(&second[0]["number"]);
    let approved = void_and_rebill(&t, &number).await;
    let (_, void) = send(t.get(&format!(
        "/v1/invoices/{}",
        text_of(&approved["void_note_id"])
    )))
    .await;
    let voided = tax_invoice_of(&t, &text_of(&void["id"])).await;
    assert_eq!(
        totals(&voided),
        (
            text_of(&void["subtotal"]),
            text_of(&void["tax"]),
            text_of(&void["total"])
        )
    );
    assert_eq!(voided["amendment"]["reason_code"], 1);
    assert_eq!(
        voided["amendment"]["original_approval_number"],
        second_issued["nts_approval_number"]
    );
    assert_eq!(
        text_of(&voided["total"]),
        format!("-{}", text_of(&second_issued["total"]))
    );
    assert_eq!(voided["write_date"], second_issued["write_date"]);
    // The rebilled invoice's is the corrected one: the same reason, original and date.
    let rebilled = tax_invoice_of(&t, &text_of(&approved["new_invoice_id"])).await;
    assert_eq!(rebilled["amendment"]["reason_code"], 1);
    assert_eq!(
        rebilled["amendment"]["original_approval_number"],
        second_issued["nts_approval_number"]
    );
    assert_eq!(rebilled["write_date"], second_issued["write_date"]);
    assert!(!text_of(&rebilled["total"]).starts_with('-'));

    // The next day's batch files all five, once.
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let report = settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    assert_eq!((report.filed, report.sent, report.failed), (5, 5, 0));
    let report = settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    assert_eq!(report.filed, 0);
    let (_, sent) = send(t.get(&format!(
        "/v1/tax-invoices/{}",
        text_of(&issued["document_key"])
    )))
    .await;
    assert_eq!(sent["state"], "sent");
    let (_, listed) = send(t.get("/v1/tax-invoices?direction=forward")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 5, "{listed}");
    let (_, reverse) = send(t.get("/v1/tax-invoices?direction=reverse")).await;
    assert_eq!(reverse["data"].as_array().unwrap().len(), 0);
}

async fn a_forward_issued_invoice_takes_no_reverse_action(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, partner, _) = korean_partner(&t).await;
    let documents = bill(&t, vec![won_charge(&partner, "O-1", 1, "50000")]).await;
    let issued = tax_invoice_of(&t, &text_of(&documents[0]["id"])).await;
    let key = text_of(&issued["document_key"]);
    let (status, body) = send(t.post(
        &format!("/v1/tax-invoices/{key}/amend"),
        &json!({"reason_code": 4, "document_key": "X-1"}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("tax_invoice.forward_issued")),
        "{body}"
    );
    let (status, _) = send(
        t.client
            .delete(t.url(&format!("/v1/tax-invoices/{key}")))
            .bearer_auth(&t.key),
    )
    .await;
    assert_eq!(status, 409);
}

async fn the_checks_find_a_missing_amended_tax_invoice(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, partner, _) = korean_partner(&t).await;
    let documents = bill(&t, vec![won_charge(&partner, "O-1", 2, "33333")]).await;
    let invoice = &documents[0];
    tax_invoice_of(&t, &text_of(&invoice["id"])).await;
    let number = text_of(&invoice["number"]);
    let body = json!({"lines": [{"line_id": invoice["lines"][0]["id"], "quantity": "1"}],
        "reason": "returned"});
    let (_, note) = send(t.post(&format!("/v1/invoices/{number}/credit-notes"), &body)).await;
    let note_id = text_of(&note["id"]);
    let amended = tax_invoice_of(&t, &note_id).await;
    let (_, note) = send(t.get(&format!("/v1/invoices/{note_id}"))).await;
    let period = &text_of(&note["billing_period_start"])[..7];
    let (_, clean) = send(t.get(&format!("/v1/reconciliation/checks?period={period}"))).await;
    assert_eq!(clean["clean"], true, "{clean}");
    let (_, october) = send(t.get("/v1/reconciliation/checks?period=2026-10")).await;
    assert_eq!(october["clean"], true, "{october}");

    // The amended tax invoice disappears (as if never issued).
    let mut tx = t.app.store.write().await.unwrap();
    let id = text_of(&amended["id"]);
    for sql in [
        "DELETE FROM tax_invoice_history WHERE tax_invoice_id = $1",
        "DELETE FROM tax_invoices WHERE id = $1",
    ] {
        sqlx::query(sql).bind(&id).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (_, report) = send(t.get(&format!("/v1/reconciliation/checks?period={period}"))).await;
    assert_eq!(report["clean"], false);
    let finding = &report["findings"][0];
    assert_eq!(finding["code"], "tax_invoice_missing", "{report}");
    assert_eq!(finding["documents"][0], note["number"]);
    assert_eq!(finding["documents"][1], invoice["number"]);
}

both_engines!(
    an_invoice_its_credit_and_its_void_each_get_a_tax_invoice,
    a_forward_issued_invoice_takes_no_reverse_action,
    the_checks_find_a_missing_amended_tax_invoice
);
