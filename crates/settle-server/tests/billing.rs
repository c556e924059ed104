//! Partner invoicing end to end over HTTP, on SQLite and PostgreSQL: a billing profile,
//! charges, a billing run, finalization, a credit note, a payment, the statement, and a
//! void and rebill approved by a second billing admin.

mod support;

use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use support::{TestApp, brn, partner_body, send};
use time::{Date, Duration, Month, OffsetDateTime};

const PERIOD: &str = "2026-10";

fn date(text: &str) -> Date {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).expect("a YYYY-MM-DD date")
}

fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(settle_core::KST).date()
}

/// The month after the current one in Korea, `YYYY-MM`.
fn next_month() -> String {
    let today = today();
    match today.month() {
        Month::December => format!("{:04}-01", today.year() + 1),
        month => format!("{:04}-{:02}", today.year(), u8::from(month) + 1),
    }
}

fn is_number(text: &Value, prefix: &str) -> bool {
    let text = text.as_str().unwrap_or_default();
    text.strip_prefix(prefix)
        .is_some_and(|digits| digits.len() == 9 && digits.bytes().all(|b| b.is_ascii_digit()))
}

fn error(body: &Value) -> (Option<&str>, Option<&str>) {
    (
        body["error"]["code"].as_str(),
        body["error"]["field"].as_str(),
    )
}

/// A charge of `partner` in the test period at `price` USD.
fn charge(partner: &str, order: &str, price: &str) -> Value {
    json!({
        "partner_id": partner, "order_id": order, "order_date": "2026-10-01",
        "product_id": "CFQ7TTC0LF8R", "sku_id": "0001", "product_name": "Microsoft 365 E3",
        "charge_type": "new", "quantity": 1, "unit_price": price, "pricing_currency": "USD",
        "tax_rate": "0.10", "charge_start": "2026-10-01", "charge_end": "2026-10-31",
        "series": "G"
    })
}

fn marketplace_charge(partner: &str) -> Value {
    let mut c = charge(partner, "O-3", "5.00");
    c["marketplace"] = json!(true);
    c["publisher_name"] = json!("Contoso Ltd");
    c["publisher_address"] = json!("1 Contoso Way, Redmond WA");
    c
}

/// A partner with a USD billing profile (lrd, 30 days); returns the partner id.
async fn billed_partner(t: &TestApp) -> String {
    let (status, partner) = send(t.post("/v1/partners", &partner_body(&brn(124_810_001)))).await;
    assert_eq!(status, 201, "{partner}");
    let partner_id = partner["id"].as_str().unwrap().to_owned();
    let address = json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let (status, profile) = send(t.post(
        "/v1/billing-profiles",
        &json!({
            "partner_id": partner_id, "sold_to": address, "bill_to": address,
            "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd",
            "country": "KR", "payment_instructions": "Pay by wire to account 123-456."
        }),
    ))
    .await;
    assert_eq!(status, 201, "{profile}");
    assert_eq!(profile["billing_currency"], "USD");
    assert_eq!(profile["sold_to"]["name"], "Ganada Inc.");
    let id = profile["id"].as_str().unwrap();
    let (status, patched) = send(t.patch(
        &format!("/v1/billing-profiles/{id}"),
        &json!({"po_number": "PO-1"}),
    ))
    .await;
    assert_eq!(
        (status, patched["version"].as_i64()),
        (200, Some(2)),
        "{patched}"
    );
    let (_, listed) = send(t.get(&format!("/v1/billing-profiles?partner_id={partner_id}"))).await;
    assert_eq!(listed["data"][0]["po_number"], "PO-1");
    partner_id
}

/// Records the three charges, runs the period; returns the run id.
async fn charge_and_run(t: &TestApp, partner: &str) -> String {
    let list = json!({"charges": [
        charge(partner, "O-1", "9.75"), charge(partner, "O-2", "10.25"), marketplace_charge(partner)
    ]});
    let (status, recorded) = send(t.post("/v1/charges", &list)).await;
    assert_eq!(status, 201, "{recorded}");
    let data = recorded["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(
        (data[0]["billed"].as_bool(), data[0]["period"].as_str()),
        (Some(false), Some(PERIOD))
    );
    let (status, one) =
        send(t.get(&format!("/v1/charges/{}", data[2]["id"].as_str().unwrap()))).await;
    assert_eq!(
        (status, &one["publisher_name"]),
        (200, &json!("Contoso Ltd"))
    );

    let (status, body) = send(t.post("/v1/billing-runs", &json!({"period": next_month()}))).await;
    assert_eq!(
        (status, error(&body).0),
        (422, Some("billing_run.future_period"))
    );
    let (status, run) = send(t.post("/v1/billing-runs", &json!({"period": PERIOD}))).await;
    assert_eq!(status, 201, "{run}");
    assert_eq!(
        (
            run["charges_billed"].as_i64(),
            run["invoices_created"].as_i64()
        ),
        (Some(3), Some(2))
    );
    let run_id = run["id"].as_str().unwrap().to_owned();
    let (status, again) = send(t.get(&format!("/v1/billing-runs/{run_id}"))).await;
    assert_eq!((status, &again), (200, &run));
    let (status, body) = send(t.get("/v1/charges?billed=maybe")).await;
    assert_eq!(
        (status, error(&body)),
        (422, (Some("request.invalid_query"), Some("billed")))
    );
    let (_, billed) = send(t.get("/v1/charges?billed=true")).await;
    assert_eq!(billed["data"].as_array().unwrap().len(), 3);
    assert_eq!(billed["data"][0]["billing_run_id"], json!(run_id));
    run_id
}

/// Finalizes the first-party draft; returns it.
async fn finalize_first_party(t: &TestApp, run: &str) -> Value {
    let (status, body) = send(t.get("/v1/invoices?kind=bill")).await;
    assert_eq!(
        (status, error(&body)),
        (422, (Some("request.invalid_query"), Some("kind")))
    );
    let (status, drafts) =
        send(t.get(&format!("/v1/invoices?billing_run_id={run}&status=draft"))).await;
    assert_eq!(status, 200, "{drafts}");
    let drafts = drafts["data"].as_array().unwrap();
    assert_eq!(drafts.len(), 2);
    assert!(
        drafts.iter().all(|d| d.get("lines").is_none()),
        "lists carry no lines"
    );
    let draft = drafts.iter().find(|d| d["marketplace"] == false).unwrap();
    assert_eq!(
        (draft["tax"].as_str(), draft["total"].as_str()),
        (Some("2.01"), Some("22.01"))
    );
    assert_eq!(
        (&draft["number"], &draft["billing_profile"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(draft["billing_period_start"], "2026-10-01");
    let id = draft["id"].as_str().unwrap();

    let (status, invoice) = send(t.post(&format!("/v1/invoices/{id}/finalize"), &json!({}))).await;
    assert_eq!(status, 200, "{invoice}");
    assert!(is_number(&invoice["number"], "G"), "{}", invoice["number"]);
    assert_eq!(invoice["status"], "open");
    assert_eq!(invoice["payment_status"], "due");
    let document_date = date(invoice["document_date"].as_str().unwrap());
    assert_eq!(
        date(invoice["due_date"].as_str().unwrap()),
        document_date + Duration::days(30)
    );
    assert_eq!(invoice["billing_profile"]["po_number"], "PO-1");
    let number = invoice["number"].as_str().unwrap();
    assert!(
        invoice["payment_instructions"]
            .as_str()
            .unwrap()
            .contains(number)
    );
    assert_eq!(invoice["lines"].as_array().unwrap().len(), 2);

    let (status, body) = send(t.post(&format!("/v1/invoices/{number}/finalize"), &json!({}))).await;
    assert_eq!(
        (status, error(&body).0),
        (409, Some("invoice.already_finalized"))
    );
    invoice
}

/// Credits the first line in full, then pays the rest citing the number.
async fn credit_and_pay(t: &TestApp, partner: &str, invoice: &Value) {
    let number = invoice["number"].as_str().unwrap();
    let line = &invoice["lines"][0];
    let body = json!({"lines": [{"line_id": line["id"], "quantity": "1"}], "reason": "returned"});
    let path = format!("/v1/invoices/{number}/credit-notes");
    let (status, note) = send(t.post(&path, &body)).await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["kind"], "credit_note");
    assert!(is_number(&note["number"], "GC"), "{}", note["number"]);
    assert_eq!(note["original_invoice_number"], number);
    let line_total = line["total"].as_str().unwrap();
    assert_eq!(note["total"].as_str().unwrap(), format!("-{line_total}"));
    let (status, body) = send(t.post(&path, &body)).await;
    assert_eq!(
        (status, error(&body).0),
        (422, Some("credit_note.exceeds_remaining"))
    );

    let (_, credited) = send(t.get(&format!("/v1/invoices/{number}"))).await;
    assert_eq!(credited["credit_notes"][0]["number"], note["number"]);
    assert_eq!(credited["lines"][0]["credited_amount"], line["amount"]);
    let due = credited["amount_due"].as_str().unwrap().to_owned();
    let payment = json!({
        "partner_id": partner, "amount": due, "currency": "USD",
        "paid_on": today().to_string(), "reference": format!("Wire for {number}")
    });
    let (status, paid) = send(t.post("/v1/payments", &payment)).await;
    assert_eq!(status, 201, "{paid}");
    assert_eq!(paid["allocations"][0]["invoice_number"], number);
    assert_eq!(paid["unallocated"], "0.00");
    let (_, read) = send(t.get(&format!("/v1/payments/{}", paid["id"].as_str().unwrap()))).await;
    assert_eq!(read, paid);
    let (_, listed) = send(t.get(&format!("/v1/payments?partner_id={partner}"))).await;
    assert_eq!(listed["data"], json!([paid]));
    let (_, invoice) = send(t.get(&format!("/v1/invoices/{number}"))).await;
    assert_eq!(
        (invoice["status"].as_str(), invoice["amount_due"].as_str()),
        (Some("paid"), Some("0.00"))
    );
    assert_eq!(invoice["payment_status"], "paid");
}

/// Finalizes the rest of the run and reads the statement; returns the marketplace invoice.
async fn statement(t: &TestApp, partner: &str, run: &str) -> Value {
    let (status, done) =
        send(t.post(&format!("/v1/billing-runs/{run}/finalize"), &json!({}))).await;
    assert_eq!(
        (status, done["finalized"].as_i64()),
        (200, Some(1)),
        "{done}"
    );
    let marketplace = done["data"][0].clone();
    assert_eq!(
        (
            marketplace["marketplace"].as_bool(),
            marketplace["total"].as_str()
        ),
        (Some(true), Some("5.50"))
    );
    let path = format!("/v1/partners/{partner}/statement");
    let (status, statement) = send(t.get(&path)).await;
    assert_eq!(status, 200, "{statement}");
    assert_eq!(statement["currency"], "USD");
    assert_eq!(
        statement["documents"].as_array().unwrap().len(),
        3,
        "{statement}"
    );
    assert_eq!(statement["payments"].as_array().unwrap().len(), 1);
    assert_eq!(
        (statement["balance"].as_str(), statement["overdue"].as_str()),
        (Some("5.50"), Some("0.00"))
    );
    let (status, body) = send(t.get(&format!("{path}?format=xml"))).await;
    assert_eq!(
        (status, error(&body)),
        (422, (Some("request.invalid_query"), Some("format")))
    );
    marketplace
}

/// Void and rebill: refused to its requester, approved by a second billing admin.
async fn void_and_rebill(t: &TestApp, original: &Value) {
    let number = original["number"].as_str().unwrap();
    let body = json!({"changes": {"po_number": "PO-2"}, "reason": "wrong purchase order"});
    let (status, request) = send(t.post(&format!("/v1/invoices/{number}/rebill"), &body)).await;
    assert_eq!(
        (status, request["status"].as_str()),
        (201, Some("pending")),
        "{request}"
    );
    let path = format!("/v1/rebill-requests/{}", request["id"].as_str().unwrap());
    let approve = format!("{path}/approve");
    let (status, body) = send(t.post(&approve, &json!({}))).await;
    assert_eq!(
        (status, error(&body).0),
        (403, Some("rebill.self_approval"))
    );
    let second = t.key_with(&["billing_admin"]).await;
    let (status, approved) = send(
        t.client
            .post(t.url(&approve))
            .bearer_auth(&second)
            .json(&json!({})),
    )
    .await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("approved")),
        "{approved}"
    );
    assert!(is_number(&approved["void_note_number"], "GV"), "{approved}");
    assert!(
        is_number(&approved["new_invoice_number"], "G"),
        "{approved}"
    );
    assert_ne!(approved["new_invoice_number"], original["number"]);
    let (status, read) = send(t.get(&path)).await;
    assert_eq!((status, &read), (200, &approved));
    let (status, body) = send(t.post(&format!("{path}/reject"), &json!({}))).await;
    assert_eq!((status, error(&body).0), (409, Some("rebill.not_pending")));

    let (_, void) = send(t.get(&format!(
        "/v1/invoices/{}",
        approved["void_note_id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(
        (void["kind"].as_str(), void["total"].as_str()),
        (Some("void_note"), Some("-5.50"))
    );
    let (_, rebilled) = send(t.get(&format!(
        "/v1/invoices/{}",
        approved["new_invoice_number"].as_str().unwrap()
    )))
    .await;
    assert_eq!(
        (
            &rebilled["billing_period"],
            &rebilled["original_invoice_number"]
        ),
        (&original["billing_period"], &original["number"])
    );
    assert_eq!(rebilled["billing_profile"]["po_number"], "PO-2");
    let (_, voided) = send(t.get(&format!("/v1/invoices/{number}"))).await;
    assert_eq!(voided["status"], "void");
    assert_eq!(voided["void_note"]["number"], approved["void_note_number"]);
    assert_eq!(
        voided["rebilled_as"]["number"],
        approved["new_invoice_number"]
    );
    let (status, body) = send(t.post(
        &format!("/v1/invoices/{number}/rebill"),
        &json!({"changes": {"po_number": "PO-3"}, "reason": "again"}),
    ))
    .await;
    assert_eq!((status, error(&body).0), (409, Some("invoice.void")));
}

async fn bad_inputs_are_refused(t: &TestApp, partner: &str) {
    let mut eur = charge(partner, "O-9", "9.00");
    eur["pricing_currency"] = json!("EUR");
    let (status, body) = send(t.post("/v1/charges", &eur)).await;
    assert_eq!(
        (status, error(&body)),
        (
            422,
            (Some("charge.exchange_rate_required"), Some("exchange_rate"))
        )
    );
    eur["pricing_currency"] = json!("ABC");
    let (status, body) = send(t.post("/v1/charges", &eur)).await;
    assert_eq!(
        (status, error(&body).1),
        (422, Some("pricing_currency")),
        "{body}"
    );
    let mut cancel = charge(partner, "O-9", "9.00");
    cancel["charge_type"] = json!("cancellation");
    let (status, body) = send(t.post("/v1/charges", &json!({"charges": [cancel]}))).await;
    assert_eq!(
        (status, error(&body).1),
        (422, Some("charges[0].quantity")),
        "{body}"
    );
    let payment = json!({"partner_id": partner, "amount": "1.00", "currency": "EUR", "paid_on": "2026-11-01"});
    let (status, body) = send(t.post("/v1/payments", &payment)).await;
    assert_eq!(
        (status, error(&body).0),
        (422, Some("payment.currency_mismatch"))
    );
}

async fn partner_invoicing_end_to_end(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t).await;
    let run = charge_and_run(&t, &partner).await;
    let invoice = finalize_first_party(&t, &run).await;
    credit_and_pay(&t, &partner, &invoice).await;
    let marketplace = statement(&t, &partner, &run).await;
    void_and_rebill(&t, &marketplace).await;
    bad_inputs_are_refused(&t, &partner).await;
}

both_engines!(partner_invoicing_end_to_end);
