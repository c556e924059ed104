//! Partner invoicing set up through the API: a partner with a complete billing profile,
//! charges, and a billed and finalized period.

use serde_json::{Value, json};

use super::{TestApp, brn, partner_body, send};

/// The text of a JSON string value.
pub fn text_of(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is text"))
        .to_owned()
}

/// A billing address.
pub fn address(name: &str, state: &str, code: &str) -> Value {
    json!({"name": name, "address": "1 Teheran-ro, Seoul", "country": "KR", "state": state, "postal_code": code})
}

/// A partner (in `language`) with a complete billing profile in `currency`; returns the
/// partner's id.
pub async fn billed_partner(t: &TestApp, currency: &str, template: &str, language: &str) -> String {
    let mut body = partner_body(&brn(124_810_001));
    body["language"] = json!(language);
    let (status, partner) = send(t.post("/v1/partners", &body)).await;
    assert_eq!(status, 201, "{partner}");
    assert_eq!(partner["language"], language);
    let partner_id = text_of(&partner["id"]);
    let (status, profile) = send(t.post(
        "/v1/billing-profiles",
        &json!({
            "partner_id": partner_id,
            "sold_to": address("Ganada Inc.", "Seoul", "04524"),
            "bill_to": address("Ganada Accounts Payable", "Seoul", "04525"),
            "ship_to": address("Ganada Warehouse", "Gyeonggi", "13487"),
            "service_to": address("Ganada Service Desk", "Busan", "48058"),
            "po_number": "PO-7781", "payment_terms_days": 45, "billing_currency": currency,
            "template": template, "country": "KR", "customer_number": "CN-5521",
            "us_fein": "91-1144442", "customer_service_url": "https://support.settle.example",
            "payment_instructions": "Pay by wire to account 123-456",
            "tax_invoice_required": true
        }),
    ))
    .await;
    assert_eq!(status, 201, "{profile}");
    partner_id
}

/// A charge in the test period; `extra` overrides fields.
pub fn charge(partner: &str, order: &str, extra: Value) -> Value {
    let mut c = json!({
        "partner_id": partner, "order_id": order, "order_date": "2026-10-01",
        "product_id": "CFQ7TTC0LF8R", "sku_id": "0001", "product_name": "Microsoft 365 E3",
        "charge_type": "new", "quantity": 3, "unit_price": "1234.50", "pricing_currency": "USD",
        "tax_rate": "0.10", "charge_start": "2026-10-01", "charge_end": "2026-10-31",
        "series": "G"
    });
    for (key, value) in extra.as_object().unwrap() {
        c[key] = value.clone();
    }
    c
}

/// Records `charges`, runs October 2026 and finalizes every draft; returns the finalized
/// documents as the API shows them, with their lines.
pub async fn bill(t: &TestApp, charges: Vec<Value>) -> Vec<Value> {
    let (status, recorded) = send(t.post("/v1/charges", &json!({ "charges": charges }))).await;
    assert_eq!(status, 201, "{recorded}");
    let (status, run) = send(t.post("/v1/billing-runs", &json!({"period": "2026-10"}))).await;
    assert_eq!(status, 201, "{run}");
    let run = text_of(&run["id"]);
    let (status, done) =
        send(t.post(&format!("/v1/billing-runs/{run}/finalize"), &json!({}))).await;
    assert_eq!(status, 200, "{done}");
    let mut documents = Vec::new();
    for d in done["data"].as_array().unwrap() {
        let (_, full) = send(t.get(&format!("/v1/invoices/{}", text_of(&d["id"])))).await;
        documents.push(full);
    }
    documents
}

/// Voids invoice `number` and rebills it with another purchase order number, a second
/// billing admin approving; the approval's answer (`void_note_id`, `new_invoice_id`).
pub async fn void_and_rebill(t: &TestApp, number: &str) -> Value {
    let body = json!({"changes": {"po_number": "PO-2"}, "reason": "wrong purchase order"});
    let (status, request) = send(t.post(&format!("/v1/invoices/{number}/rebill"), &body)).await;
    assert_eq!(status, 201, "{request}");
    let approver = t.key_with(&["billing_admin"]).await;
    let approve = format!("/v1/rebill-requests/{}/approve", text_of(&request["id"]));
    let (status, approved) = send(
        t.client
            .post(t.url(&approve))
            .bearer_auth(&approver)
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    approved
}

/// Records `charge` and runs October 2026 without finalizing; the draft's id.
pub async fn draft_invoice(t: &TestApp, charge: &Value) -> String {
    let (status, recorded) = send(t.post("/v1/charges", charge)).await;
    assert_eq!(status, 201, "{recorded}");
    let (status, run) = send(t.post("/v1/billing-runs", &json!({"period": "2026-10"}))).await;
    assert_eq!(status, 201, "{run}");
    let (_, drafts) = send(t.get(&format!(
        "/v1/invoices?billing_run_id={}",
        text_of(&run["id"])
    )))
    .await;
    text_of(&drafts["data"][0]["id"])
}
