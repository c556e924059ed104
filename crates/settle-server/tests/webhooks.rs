//! Webhooks end to end, on SQLite and PostgreSQL, with a real HTTP receiver on loopback:
//! events of every kind arrive signed, Python's `hmac` verifies the signatures, failures
//! are retried with the attempts logged, secrets rotate with an overlap, deliveries can be
//! repeated, an endpoint failing for three days is disabled and its admins told, and two
//! workers on one database deliver each event once.

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::sync::Arc;

use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::issuance::{certificate_form, create_partner, invoice, leaf, linked_tenant};
use support::receiver::{Received, Receiver};
use support::{ShiftedClock, TestApp, brn, send};
use time::Duration;

/// Registers an endpoint for `events`; returns its id and secret.
async fn endpoint(t: &TestApp, url: &str, events: Value) -> (String, String) {
    let (status, body) = send(t.post(
        "/v1/webhook-endpoints",
        &json!({"url": url, "events": events}),
    ))
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"]
        .as_str()
        .expect("the secret, once")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    (body["id"].as_str().unwrap().to_owned(), secret)
}

/// Whether Python's own `hmac` accepts `received`'s signature under `secret` (any `v1`).
fn python_verifies(received: &Received, secret: &str) -> bool {
    let script = r#"
import hmac, hashlib, sys
header, secret, body = sys.argv[1], sys.argv[2].encode(), sys.stdin.buffer.read()
parts = [p.split("=", 1) for p in header.split(",")]
t = [v for k, v in parts if k == "t"][0]
expected = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
sys.exit(0 if any(hmac.compare_digest(v, expected) for k, v in parts if k == "v1") else 1)
"#;
    let mut child = Command::new(settle_testkit::python())
        .args(["-c", script, &received.signature, secret])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(received.body.as_bytes())
        .unwrap();
    child.wait().unwrap().success()
}

fn types(received: &[Received]) -> HashSet<String> {
    received.iter().map(|r| r.event_type.clone()).collect()
}

/// Drives reverse issuance and partner invoicing through their state changes.
async fn lots_of_changes(t: &TestApp) {
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(t, &ca).await;
    let supplier = brn(124_810_123);
    let partner = create_partner(t, &supplier, "tax@supplier.example").await;
    let link = format!("/v1/partners/{partner}/nts-link");
    assert_eq!(send(t.post(&link, &json!({}))).await.0, 200);
    // Drafted then deleted; requested then cancelled; requested and refused; issued.
    assert_eq!(
        send(t.post("/v1/tax-invoices", &invoice("T-DEL", &partner)))
            .await
            .0,
        201
    );
    let deleted = t
        .client
        .delete(t.url("/v1/tax-invoices/T-DEL"))
        .bearer_auth(&t.key);
    assert_eq!(send(deleted).await.0, 204);
    for key in ["T-CANCEL", "T-REFUSE", "T-ISSUE", "T-UNISSUE", "T-FAIL"] {
        let mut body = invoice(key, &partner);
        body["request"] = json!(true);
        assert_eq!(send(t.post("/v1/tax-invoices", &body)).await.0, 201);
    }
    let cancel = t.post("/v1/tax-invoices/T-CANCEL/cancel-request", &json!({}));
    assert_eq!(send(cancel).await.0, 200);
    let mail = t
        .email_to("tax@supplier.example", "세금계산서 발행 요청")
        .await;
    let token = support::issuance::token_of(&mail.body, &t.base);
    let opened = settle_app::supplier::open_session(&t.app, &token, &supplier)
        .await
        .unwrap();
    let session = format!("Supplier {}", opened.session);
    let own = leaf(&ca, &supplier);
    let certificate = t
        .client
        .post(t.url("/v1/supplier/certificates"))
        .header("authorization", &session)
        .multipart(certificate_form(&own));
    assert_eq!(send(certificate).await.0, 201);
    let supplier_does = |key: &'static str, action: &'static str, body: Value| {
        let session = session.clone();
        async move {
            let (_, record) = send(t.get(&format!("/v1/tax-invoices/{key}"))).await;
            let path = format!(
                "/v1/supplier/tax-invoices/{}/{action}",
                record["id"].as_str().unwrap()
            );
            let request = t
                .client
                .post(t.url(&path))
                .header("authorization", &session)
                .json(&body);
            assert_eq!(send(request).await.0, 200, "{key} {action}");
        }
    };
    supplier_does("T-REFUSE", "refuse", json!({"memo": "금액이 다릅니다"})).await;
    supplier_does("T-ISSUE", "issue", json!({})).await;
    supplier_does("T-UNISSUE", "issue", json!({})).await;
    supplier_does("T-UNISSUE", "cancel-issue", json!({})).await;
    let tomorrow = time::OffsetDateTime::now_utc() + Duration::days(1);
    settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    // The NTS forgets the supplier: the next filing is refused (ERR001).
    supplier_does("T-FAIL", "issue", json!({})).await;
    let mut conn = t.app.store.write().await.unwrap();
    sqlx::query("DELETE FROM nts_simulator_members")
        .execute(&mut *conn)
        .await
        .unwrap();
    conn.commit().await.unwrap();
    settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();

    // Partner invoicing.
    let address = json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let profile = json!({"partner_id": partner, "sold_to": address, "bill_to": address,
        "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"});
    assert_eq!(send(t.post("/v1/billing-profiles", &profile)).await.0, 201);
    let charge = json!({"partner_id": partner, "order_id": "O-1", "order_date": "2026-10-01",
        "product_id": "P", "sku_id": "S", "product_name": "Cloud", "charge_type": "new",
        "quantity": 2, "unit_price": "10.00", "pricing_currency": "USD", "tax_rate": "0.10",
        "charge_start": "2026-10-01", "charge_end": "2026-10-31", "series": "G"});
    assert_eq!(send(t.post("/v1/charges", &charge)).await.0, 201);
    let (_, run) = send(t.post("/v1/billing-runs", &json!({"period": "2026-10"}))).await;
    let run = run["id"].as_str().unwrap();
    let (_, done) = send(t.post(&format!("/v1/billing-runs/{run}/finalize"), &json!({}))).await;
    let number = done["data"][0]["number"].as_str().unwrap().to_owned();
    let rebill = json!({"changes": {"po_number": "PO-2"}, "reason": "wrong PO"});
    let second = t.key_with(&["billing_admin"]).await;
    let mut rebilled = String::new();
    for decision in ["reject", "approve"] {
        let path = format!("/v1/invoices/{number}/rebill");
        let (status, request) = send(t.post(&path, &rebill)).await;
        assert_eq!(status, 201, "{request}");
        let id = request["id"].as_str().unwrap();
        let decide = format!("/v1/rebill-requests/{id}/{decision}");
        let decide = t
            .client
            .post(t.url(&decide))
            .bearer_auth(&second)
            .json(&json!({}));
        let (status, decided) = send(decide).await;
        assert_eq!(status, 200, "{decided}");
        rebilled = decided["new_invoice_number"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    let (_, full) = send(t.get(&format!("/v1/invoices/{rebilled}"))).await;
    let line = full["lines"][0]["id"].clone();
    let credit = json!({"lines": [{"line_id": line, "quantity": "1"}], "reason": "return"});
    let credit = t.post(&format!("/v1/invoices/{rebilled}/credit-notes"), &credit);
    assert_eq!(send(credit).await.0, 201);
    let payment = json!({"partner_id": partner, "amount": "5.00", "currency": "USD",
        "paid_on": "2026-11-20", "reference": "wire"});
    assert_eq!(send(t.post("/v1/payments", &payment)).await.0, 201);
    let unlink = t
        .client
        .delete(t.url(&format!("/v1/partners/{partner}/nts-link")))
        .bearer_auth(&t.key);
    assert_eq!(send(unlink).await.0, 200);
}

async fn every_event_type_arrives_signed(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = endpoint(&t, &receiver.url, json!(["*"])).await;
    lots_of_changes(&t).await;
    let expected: HashSet<String> = [
        "tax_invoice.drafted",
        "tax_invoice.deleted",
        "tax_invoice.requested",
        "tax_invoice.request_cancelled",
        "tax_invoice.refused",
        "tax_invoice.issued",
        "tax_invoice.sending",
        "tax_invoice.sent",
        "tax_invoice.send_failed",
        "tax_invoice.issue_cancelled",
        "partner.nts_linked",
        "partner.nts_unlinked",
        "invoices.finalized",
        "credit_note.created",
        "rebill.requested",
        "rebill.rejected",
        "rebill.approved",
        "payment.recorded",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let got = receiver.until(|got| expected.is_subset(&types(got))).await;
    let ids: HashSet<&str> = got.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "each event once, with its own id");
    for received in &got {
        assert!(python_verifies(received, &secret), "{received:?}");
        assert!(
            !python_verifies(received, "whsec_wrong"),
            "a wrong secret fails"
        );
        let body: Value = serde_json::from_str(&received.body).unwrap();
        assert_eq!(body["id"], received.event_id.as_str());
        assert_eq!(body["type"], received.event_type.as_str());
    }
    let issued: HashSet<String> = got
        .iter()
        .filter(|r| r.event_type == "tax_invoice.issued")
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            body["data"]["details"]["document_key"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let keys: HashSet<String> = ["T-ISSUE", "T-UNISSUE", "T-FAIL"].map(String::from).into();
    assert_eq!(issued, keys, "each issued event names its document");
}

async fn a_receiver_failing_five_times_gets_the_event_on_the_sixth(engine: TestEngine) {
    let clock = Arc::new(ShiftedClock::default());
    let t = TestApp::start_with_clock(engine, clock.clone()).await;
    let receiver = Receiver::start(5).await;
    let (endpoint_id, secret) = endpoint(&t, &receiver.url, json!(["partner.nts_linked"])).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let partner = create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    let link = format!("/v1/partners/{partner}/nts-link");
    assert_eq!(send(t.post(&link, &json!({}))).await.0, 200);
    for _ in 0..200 {
        if !receiver.received().await.is_empty() {
            break;
        }
        // Each retry waits longer; move the clock past it.
        clock.advance(Duration::minutes(10));
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
    }
    let got = receiver.until(|got| !got.is_empty()).await;
    assert_eq!(got.len(), 1, "delivered once");
    assert_eq!(receiver.requests(), 6);
    assert!(python_verifies(&got[0], &secret));
    // The worker records the delivery once the receiver's answer is back, a moment after
    // the receiver has the event.
    let mut page = Value::Null;
    for _ in 0..200 {
        page = send(t.get(&format!("/v1/webhook-endpoints/{endpoint_id}/deliveries")))
            .await
            .1;
        if page["data"][0]["state"] == "delivered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let delivery = &page["data"][0];
    assert_eq!(delivery["state"], "delivered", "{page}");
    let (_, one) = send(t.get(&format!(
        "/v1/webhook-deliveries/{}",
        delivery["id"].as_str().unwrap()
    )))
    .await;
    let log = one["attempt_log"].as_array().unwrap();
    assert_eq!(log.len(), 6, "{one}");
    assert!(log[..5].iter().all(|a| a["status"] == 500));
    assert_eq!(log[5]["status"], 200);

    // Asked again, it arrives again with the same event id.
    let redeliver = format!(
        "/v1/webhook-deliveries/{}/redeliver",
        delivery["id"].as_str().unwrap()
    );
    let (status, again) = send(t.post(&redeliver, &json!({}))).await;
    assert_eq!((status, again["state"].as_str()), (202, Some("pending")));
    let got = receiver.until(|got| got.len() == 2).await;
    assert_eq!(got[0].event_id, got[1].event_id);
}

async fn a_rotated_secret_overlaps_the_new_one(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let receiver = Receiver::start(0).await;
    let (id, old) = endpoint(
        &t,
        &receiver.url,
        json!(["partner.nts_linked", "partner.nts_unlinked"]),
    )
    .await;
    let (status, rotated) = send(t.post(
        &format!("/v1/webhook-endpoints/{id}/rotate-secret"),
        &json!({}),
    ))
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let (_, shown) = send(t.get(&format!("/v1/webhook-endpoints/{id}"))).await;
    assert!(shown.get("secret").is_none(), "shown only once: {shown}");
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let partner = create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    assert_eq!(
        send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({})))
            .await
            .0,
        200
    );
    let got = receiver.until(|got| !got.is_empty()).await;
    assert_eq!(got[0].signature.matches("v1=").count(), 2);
    assert!(python_verifies(&got[0], &new) && python_verifies(&got[0], &old));
}

async fn endpoints_refuse_bad_input_and_change_nothing(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let code = |body: &Value| body["error"]["code"].as_str().map(str::to_owned);
    for (body, expected) in [
        (
            json!({"url": "ftp://x.example/", "events": ["*"]}),
            "webhook.invalid_url",
        ),
        (
            json!({"url": "not a url", "events": ["*"]}),
            "webhook.invalid_url",
        ),
        (
            json!({"url": "https://x.example/", "events": []}),
            "webhook.invalid_events",
        ),
        (
            json!({"url": "https://x.example/", "events": ["nope.happened"]}),
            "webhook.invalid_events",
        ),
        (json!({"events": ["*"]}), "webhook.missing_field"),
    ] {
        let (status, answer) = send(t.post("/v1/webhook-endpoints", &body)).await;
        assert_eq!(
            (status, code(&answer).as_deref()),
            (422, Some(expected)),
            "{body}"
        );
    }
    let (_, listed) = send(t.get("/v1/webhook-endpoints")).await;
    assert_eq!(listed["data"], json!([]));
    let (id, _) = endpoint(
        &t,
        "https://hooks.platform.example/settle",
        json!(["payment.recorded"]),
    )
    .await;
    let (status, disabled) =
        send(t.post(&format!("/v1/webhook-endpoints/{id}/disable"), &json!({}))).await;
    assert_eq!((status, disabled["enabled"].as_bool()), (200, Some(false)));
    let (status, enabled) = send(t.patch(
        &format!("/v1/webhook-endpoints/{id}"),
        &json!({"enabled": true, "events": ["*"]}),
    ))
    .await;
    assert_eq!(
        (status, enabled["events"].clone()),
        (200, json!(["*"])),
        "{enabled}"
    );
    let delete = t
        .client
        .delete(t.url(&format!("/v1/webhook-endpoints/{id}")))
        .bearer_auth(&t.key);
    assert_eq!(send(delete).await.0, 204);
    let (status, body) = send(t.get(&format!("/v1/webhook-endpoints/{id}"))).await;
    assert_eq!(
        (status, code(&body).as_deref()),
        (404, Some("webhook_endpoint.not_found"))
    );
    let sales = t.key_with(&["sales_agent"]).await;
    let (status, _) = send(
        t.client
            .get(t.url("/v1/webhook-endpoints"))
            .bearer_auth(&sales),
    )
    .await;
    assert_eq!(status, 403);
}

async fn an_endpoint_failing_for_three_days_is_disabled_and_admins_told(engine: TestEngine) {
    let clock = Arc::new(ShiftedClock::default());
    let t = TestApp::start_with_clock(engine, clock.clone()).await;
    let (status, _) = send(t.post(
        "/v1/users",
        &json!({"email": "admin@platform.example", "roles": ["user_admin"]}),
    ))
    .await;
    assert_eq!(status, 201);
    let receiver = Receiver::start(usize::MAX).await;
    let (id, _) = endpoint(&t, &receiver.url, json!(["*"])).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let partner = create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    assert_eq!(
        send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({})))
            .await
            .0,
        200
    );
    let mut disabled = Value::Null;
    for _ in 0..400 {
        clock.advance(Duration::hours(1));
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        let (_, shown) = send(t.get(&format!("/v1/webhook-endpoints/{id}"))).await;
        if shown["enabled"] == false {
            disabled = shown;
            break;
        }
    }
    assert_eq!(disabled["disabled_reason"], "failing", "{disabled}");
    let mail = t
        .email_to("admin@platform.example", "Webhook endpoint disabled")
        .await;
    assert!(mail.body.contains(&receiver.url), "{}", mail.body);
    let (_, page) = send(t.get(&format!("/v1/webhook-endpoints/{id}/deliveries"))).await;
    assert_eq!(page["data"][0]["state"], "failed", "{page}");
}

/// Two servers on one PostgreSQL: every event arrives once, whichever worker takes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_deliver_each_event_once() {
    let t = TestApp::start(TestEngine::Postgres).await;
    let _second = t.second_worker("second-worker").await;
    let receiver = Receiver::start(0).await;
    endpoint(&t, &receiver.url, json!(["payment.recorded"])).await;
    let partner = create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    let address = json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let profile = json!({"partner_id": partner, "sold_to": address, "bill_to": address,
        "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"});
    assert_eq!(send(t.post("/v1/billing-profiles", &profile)).await.0, 201);
    let payments = 200;
    for n in 0..payments {
        let payment = json!({"partner_id": partner, "amount": "1.00", "currency": "USD",
            "paid_on": "2026-11-20", "reference": format!("wire {n}")});
        assert_eq!(send(t.post("/v1/payments", &payment)).await.0, 201);
    }
    let got = receiver.until(|got| got.len() >= payments).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got_after = receiver.received().await;
    assert_eq!(got_after.len(), got.len(), "nothing arrives twice later");
    let ids: HashSet<&str> = got_after.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!((ids.len(), got_after.len()), (payments, payments));
}

both_engines!(
    every_event_type_arrives_signed,
    a_receiver_failing_five_times_gets_the_event_on_the_sixth,
    a_rotated_secret_overlaps_the_new_one,
    endpoints_refuse_bad_input_and_change_nothing,
    an_endpoint_failing_for_three_days_is_disabled_and_admins_told,
);
