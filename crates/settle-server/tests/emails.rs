//! The emails partners and platforms receive, read back by Python's email parser from the
//! outbox: an HTML and a plain-text part each, in the recipient's language, the invoice's
//! PDF attached to "invoice ready", the overdue reminder sent once however often the
//! scheduler runs, and the notice of a certificate about to end.

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{ParsedEmail, TestEngine, both_engines};
use support::issuance::linked_tenant;
use support::{ShiftedClock, TestApp, brn, partner_body, send};
use time::Duration;

/// A partner reading `language` at `email`, with a USD billing profile (`terms` days).
async fn billed_partner(t: &TestApp, language: &str, email: &str, terms: u32) -> String {
    let mut body = partner_body(&brn(124_810_001));
    body["language"] = json!(language);
    body["contact"]["email"] = json!(email);
    let (status, partner) = send(t.post("/v1/partners", &body)).await;
    assert_eq!(status, 201, "{partner}");
    let partner = partner["id"].as_str().unwrap().to_owned();
    let address = json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let profile = json!({"partner_id": partner, "sold_to": address, "bill_to": address,
        "payment_terms_days": terms, "billing_currency": "USD", "template": "lrd", "country": "KR"});
    assert_eq!(send(t.post("/v1/billing-profiles", &profile)).await.0, 201);
    partner
}

/// Bills one charge and finalizes it; returns the invoice as the API shows it.
async fn finalized_invoice(t: &TestApp, partner: &str) -> Value {
    let charge = json!({"partner_id": partner, "order_id": "O-1", "order_date": "2026-10-01",
        "product_id": "P", "sku_id": "S", "product_name": "Cloud plan", "charge_type": "new",
        "quantity": 3, "unit_price": "12.50", "pricing_currency": "USD", "tax_rate": "0.10",
        "charge_start": "2026-10-01", "charge_end": "2026-10-31", "series": "G"});
    assert_eq!(send(t.post("/v1/charges", &charge)).await.0, 201);
    let (_, run) = send(t.post("/v1/billing-runs", &json!({"period": "2026-10"}))).await;
    let run = run["id"].as_str().unwrap();
    let (_, done) = send(t.post(&format!("/v1/billing-runs/{run}/finalize"), &json!({}))).await;
    done["data"][0].clone()
}

fn assert_both_parts(mail: &ParsedEmail, text: &str) {
    assert!(mail.body.contains(text), "plain: {}", mail.body);
    assert!(
        mail.html.contains("<html>"),
        "an HTML part: {:?}",
        mail.html
    );
    assert!(mail.html.contains(text), "html: {}", mail.html);
}

async fn invoice_ready_carries_the_pdf_in_the_partners_language(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t, "en", "billing@ganada.example", 30).await;
    let invoice = finalized_invoice(&t, &partner).await;
    let number = invoice["number"].as_str().unwrap();
    let mail = t.email_to("billing@ganada.example", "is ready").await;
    assert!(mail.subject.contains(number), "{}", mail.subject);
    assert_both_parts(&mail, &format!("Please cite invoice number {number}"));
    assert_eq!(mail.attachments.len(), 1);
    let (name, kind, bytes) = &mail.attachments[0];
    assert_eq!(
        (name.as_str(), kind.as_str()),
        (format!("{number}.pdf").as_str(), "application/pdf")
    );
    assert!(bytes.starts_with(b"%PDF-"));

    let ko = TestApp::start(engine).await;
    let partner = billed_partner(&ko, "ko", "billing@ganada.example", 30).await;
    let invoice = finalized_invoice(&ko, &partner).await;
    let number = invoice["number"].as_str().unwrap();
    let mail = ko.email_to("billing@ganada.example", "청구서").await;
    assert!(mail.subject.contains("발행"), "{}", mail.subject);
    assert_both_parts(&mail, &format!("결제 시 청구서 번호 {number}"));
    assert!(mail.attachments[0].2.starts_with(b"%PDF-"));
}

async fn a_payment_is_acknowledged_in_the_partners_language(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t, "ko", "billing@ganada.example", 30).await;
    let payment = json!({"partner_id": partner, "amount": "1234.50", "currency": "USD",
        "paid_on": "2026-11-20", "reference": "송금 11월"});
    assert_eq!(send(t.post("/v1/payments", &payment)).await.0, 201);
    let mail = t.email_to("billing@ganada.example", "결제 확인").await;
    assert!(mail.subject.contains("USD 1,234.50"), "{}", mail.subject);
    assert_both_parts(&mail, "송금 11월");
}

async fn the_overdue_reminder_is_sent_once(engine: TestEngine) {
    let clock = Arc::new(ShiftedClock::default());
    let t = TestApp::start_with_clock(engine, clock.clone()).await;
    let (status, tenant) = send(t.patch("/v1/tenant", &json!({"overdue_reminder_days": 3}))).await;
    assert_eq!(
        (status, tenant["overdue_reminder_days"].as_u64()),
        (200, Some(3))
    );
    let (status, body) = send(t.patch("/v1/tenant", &json!({"overdue_reminder_days": 400}))).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("overdue_reminder_days"))
    );
    let partner = billed_partner(&t, "en", "billing@ganada.example", 0).await;
    let invoice = finalized_invoice(&t, &partner).await;
    let number = invoice["number"].as_str().unwrap().to_owned();
    // Two days after the due date: not yet.
    clock.advance(Duration::days(2));
    assert_eq!(
        settle_app::reminders::send_due_reminders(&t.app)
            .await
            .unwrap(),
        0
    );
    clock.advance(Duration::days(2));
    let first = settle_app::reminders::send_due_reminders(&t.app)
        .await
        .unwrap();
    let again = settle_app::reminders::send_due_reminders(&t.app)
        .await
        .unwrap();
    assert_eq!((first, again), (1, 0), "queued once however often it runs");
    let mail = t.email_to("billing@ganada.example", "is overdue").await;
    assert!(mail.subject.contains(&number));
    assert_both_parts(&mail, &format!("invoice {number} was due on"));
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let reminders = t
        .emails(0)
        .await
        .into_iter()
        .filter(|m| m.subject.contains("is overdue"))
        .count();
    assert_eq!(reminders, 1, "the worker's own scheduler adds none");
}

async fn a_certificate_ending_within_30_days_is_announced_once(engine: TestEngine) {
    let clock = Arc::new(ShiftedClock::default());
    let t = TestApp::start_with_clock(engine, clock.clone()).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let mut conn = t.app.store.read().await.unwrap();
    let certificate =
        settle_store::certificates::current(&mut conn, &t.tenant_id, "tenant", &t.tenant_id)
            .await
            .unwrap()
            .expect("the tenant's certificate");
    drop(conn);
    assert_eq!(
        settle_app::reminders::send_due_reminders(&t.app)
            .await
            .unwrap(),
        0
    );
    let ends = certificate.not_after;
    let until = ends - time::OffsetDateTime::now_utc() - Duration::days(20);
    clock.advance(until);
    assert_eq!(
        settle_app::reminders::send_due_reminders(&t.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        settle_app::reminders::send_due_reminders(&t.app)
            .await
            .unwrap(),
        0
    );
    let mail = t
        .email_to("billing@platform.example", "공동인증서 만료 예정")
        .await;
    assert_both_parts(&mail, "만료됩니다");
}

both_engines!(
    invoice_ready_carries_the_pdf_in_the_partners_language,
    a_payment_is_acknowledged_in_the_partners_language,
    the_overdue_reminder_is_sent_once,
    a_certificate_ending_within_30_days_is_announced_once,
);
