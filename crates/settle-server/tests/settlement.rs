//! Settlement over HTTP: contracts and transfers (JSON and a CSV upload), a month closed
//! and explained line by line, its reverse tax invoice stating the settlement exactly and
//! verifying with xmlsec1 once the partner issues it, the forward fee invoice issued and
//! signed by the platform, and the payout file. Dates are last month's, by today's clock.

mod support;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines, xmlsec1_accepts};
use support::billing::text_of;
use support::issuance::{certificate_form, create_partner, leaf, linked_tenant, token_of};
use support::receiver::Receiver;
use support::{TestApp, brn, send};
use time::{Date, OffsetDateTime};

/// The first and last day of last month, in Korea.
fn last_month() -> (Date, Date) {
    let today = OffsetDateTime::now_utc().to_offset(settle_core::KST).date();
    let end = today.replace_day(1).unwrap().previous_day().unwrap();
    (end.replace_day(1).unwrap(), end)
}

fn day(n: u8) -> String {
    last_month().0.replace_day(n).unwrap().to_string()
}

/// A linked platform (its certificate PEM) and a linked partner with a contract taxed as
/// `taxation`, and three of last month's transfers: two by JSON, one by a CSV upload.
async fn settled_partner(
    t: &TestApp,
    taxation: &str,
    email: &str,
) -> (Vec<u8>, String, ThrowawayCa, String) {
    let ca = ThrowawayCa::new("test CA").unwrap();
    let tenant_leaf = linked_tenant(t, &ca).await;
    let partner_brn = brn(124_810_777);
    let partner = create_partner(t, &partner_brn, email).await;
    let (status, body) =
        send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let (status, contract) = send(t.post(
        "/v1/settlement-contracts",
        &json!({"partner_id": partner, "effective_from": "2026-01-01", "currency": "KRW",
                "fee_rate": "0.108", "fixed_fee_per_order": "300", "partner_discount_share": "0.5",
                "cycle": "monthly", "payout_day": 10, "taxation": taxation}),
    ))
    .await;
    assert_eq!(status, 201, "{contract}");
    assert_eq!(contract["fee_rate"], "0.108");
    let (status, report) = send(t.post(
        "/v1/transfers",
        &json!({"transfers": [
            {"external_id": "T-1", "partner_id": partner, "kind": "order", "occurred_on": day(3),
             "order_id": "O-1", "amount": "123457", "discount": "3000"},
            {"external_id": "T-2", "partner_id": partner, "kind": "shipping_fee", "occurred_on": day(3),
             "order_id": "O-1", "amount": "3000"}
        ]}),
    ))
    .await;
    assert_eq!(
        (status, report["recorded"].as_u64()),
        (201, Some(2)),
        "{report}"
    );
    let csv = format!(
        "external_id,partner_id,kind,occurred_on,order_id,amount,discount\n\
         T-3,{partner},order,{},O-2,\"55,555\",0\n",
        day(20)
    );
    let form = Form::new().part(
        "file",
        Part::bytes(csv.into_bytes()).file_name("transfers.csv"),
    );
    let (status, report) = send(
        t.client
            .post(t.url("/v1/transfers/import"))
            .bearer_auth(&t.key)
            .multipart(form),
    )
    .await;
    assert_eq!(
        (status, report["recorded"].as_u64()),
        (201, Some(1)),
        "{report}"
    );
    (
        tenant_leaf.certificate_pem().unwrap(),
        partner,
        ca,
        partner_brn,
    )
}

async fn close_last_month(t: &TestApp, partner: &str) -> Value {
    let (status, closed) = send(t.post(
        "/v1/settlements/close",
        &json!({"through": last_month().1.to_string(), "partner_id": partner}),
    ))
    .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["closed"].as_array().unwrap().len(), 1, "{closed}");
    closed["closed"][0].clone()
}

async fn signed_xml(t: &TestApp, key: &str) -> String {
    let xml = t
        .get(&format!("/v1/tax-invoices/{key}/xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status(), 200);
    xml.text().await.unwrap()
}

async fn a_closed_month_is_explained_line_by_line(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, partner, _, _) = settled_partner(&t, "reverse_tax_invoice", "tax@seller.example").await;
    let (status, open) = send(t.get(&format!(
        "/v1/partners/{partner}/settlements/open?through={}",
        last_month().1
    )))
    .await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open["data"][0]["state"], "open");
    let settlement = close_last_month(&t, &partner).await;
    // T-1: fee 13,333 + 300, half the discount 1,500 → 108,324; T-2: 3,000; T-3: fee
    // 6,000 + 300 → 49,255.
    assert_eq!(settlement["totals"]["owed"], "160579");
    assert_eq!(
        settlement["totals"], open["data"][0]["totals"],
        "closed as previewed"
    );
    let id = text_of(&settlement["id"]);
    let (status, detail) = send(t.get(&format!("/v1/settlements/{id}"))).await;
    assert_eq!(status, 200, "{detail}");
    let owed: Vec<&str> = detail["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["owed"].as_str().unwrap())
        .collect();
    assert_eq!(owed, ["108324", "3000", "49255"]);
    let statement = t.email_to("tax@seller.example", "정산 명세").await;
    assert!(statement.body.contains("160,579"), "{}", statement.body);
    let (status, listed) =
        send(t.get(&format!("/v1/settlements?partner_id={partner}&paid=false"))).await;
    assert_eq!((status, listed["data"].as_array().unwrap().len()), (200, 1));
    let (status, again) = send(t.post(
        "/v1/settlements/close",
        &json!({"through": last_month().1.to_string(), "partner_id": partner}),
    ))
    .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("settlement.nothing_to_close"))
    );
}

async fn the_reverse_tax_invoice_states_the_settlement_and_verifies_after_issue(
    engine: TestEngine,
) {
    let t = TestApp::start(engine).await;
    let email = "tax@seller.example";
    let (_, partner, ca, partner_brn) = settled_partner(&t, "reverse_tax_invoice", email).await;
    let settlement = close_last_month(&t, &partner).await;
    let id = text_of(&settlement["id"]);
    let (status, documented) =
        send(t.post(&format!("/v1/settlements/{id}/tax-invoice"), &json!({}))).await;
    assert_eq!(status, 201, "{documented}");
    assert_eq!(documented["tax_invoice_state"], "requested");
    assert_eq!(documented["total"], settlement["totals"]["owed"]);
    let (status, twice) =
        send(t.post(&format!("/v1/settlements/{id}/tax-invoice"), &json!({}))).await;
    assert_eq!(
        (status, twice["error"]["code"].as_str()),
        (409, Some("settlement.documented"))
    );

    // The partner follows the emailed link, registers its certificate and issues.
    let mail = t.email_to(email, "세금계산서 발행 요청").await;
    let token = token_of(&mail.body, &t.base);
    let (status, opened) = send(
        t.client
            .post(t.url("/v1/supplier/sessions"))
            .json(&json!({"token": token, "brn": partner_brn})),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let session = text_of(&opened["session"]);
    let supplier_leaf = leaf(&ca, &partner_brn);
    let (status, cert) = send(
        t.client
            .post(t.url("/v1/supplier/certificates"))
            .header("authorization", format!("Supplier {session}"))
            .multipart(certificate_form(&supplier_leaf)),
    )
    .await;
    assert_eq!(status, 201, "{cert}");
    let tin = text_of(&opened["tax_invoice_id"]);
    let (status, issued) = send(
        t.client
            .post(t.url(&format!("/v1/supplier/tax-invoices/{tin}/issue")))
            .header("authorization", format!("Supplier {session}"))
            .json(&json!({})),
    )
    .await;
    assert_eq!(
        (status, issued["state"].as_str()),
        (200, Some("issued")),
        "{issued}"
    );
    let key = text_of(&documented["document_key"]);
    let (_, record) = send(t.get(&format!("/v1/tax-invoices/{key}"))).await;
    assert_eq!(record["total"], settlement["totals"]["owed"]);
    assert_eq!(record["write_date"], last_month().1.to_string());
    let xml = signed_xml(&t, &key).await;
    let dir = tempfile::tempdir().unwrap();
    let pem = supplier_leaf.certificate_pem().unwrap();
    assert!(
        xmlsec1_accepts(dir.path(), &xml, &pem),
        "the partner's signature verifies"
    );
}

async fn the_forward_fee_invoice_is_issued_and_signed_by_the_platform(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (platform_pem, partner, _, _) =
        settled_partner(&t, "forward_fee_invoice", "fees@seller.example").await;
    let settlement = close_last_month(&t, &partner).await;
    let id = text_of(&settlement["id"]);
    let (status, documented) =
        send(t.post(&format!("/v1/settlements/{id}/tax-invoice"), &json!({}))).await;
    assert_eq!(status, 201, "{documented}");
    assert_eq!(documented["tax_invoice_state"], "issued");
    assert_eq!(documented["total"], settlement["totals"]["fees"]);
    let key = text_of(&documented["document_key"]);
    let (_, record) = send(t.get(&format!("/v1/tax-invoices/{key}"))).await;
    assert_eq!(record["direction"], "forward");
    let xml = signed_xml(&t, &key).await;
    let dir = tempfile::tempdir().unwrap();
    assert!(
        xmlsec1_accepts(dir.path(), &xml, &platform_pem),
        "the platform's signature verifies"
    );
}

async fn the_payout_file_lists_what_is_due_with_the_account(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, partner, _, _) = settled_partner(&t, "reverse_tax_invoice", "pay@seller.example").await;
    let settlement = close_last_month(&t, &partner).await;
    let payout_date = text_of(&settlement["payout_date"]);
    let file = format!("/v1/payouts/file?payout_date={payout_date}");
    let (status, body) = send(t.get(&file)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("payout.bank_account_missing"))
    );
    let account = t
        .client
        .put(t.url(&format!("/v1/partners/{partner}/bank-account")))
        .bearer_auth(&t.key)
        .json(&json!({"bank_code": "088", "account": "110-987-654321", "holder": "가나상사"}));
    let (status, shown) = send(account).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["account_last4"], "4321");
    assert!(
        !shown.to_string().contains("987654321"),
        "the number is never shown"
    );
    let response = t.get(&file).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(
        (&row[0], &row[1], &row[3], &row[5]),
        (
            "088",
            "110987654321",
            text_of(&settlement["totals"]["payout"]).as_str(),
            text_of(&settlement["id"]).as_str()
        )
    );
    let id = text_of(&settlement["id"]);
    let (status, paid) = send(t.post(
        &format!("/v1/settlements/{id}/paid"),
        &json!({"paid_on": payout_date, "reference": "BULK-7"}),
    ))
    .await;
    assert_eq!(
        (status, paid["state"].as_str()),
        (200, Some("paid")),
        "{paid}"
    );
}

async fn bad_settlement_requests_get_clear_errors(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, partner, _, _) = settled_partner(&t, "reverse_tax_invoice", "bad@seller.example").await;
    let today = OffsetDateTime::now_utc().to_offset(settle_core::KST).date();
    let cases = [
        (
            json!({"through": today.to_string(), "partner_id": partner}),
            422,
            "settlement.not_ended",
        ),
        (
            json!({"through": "2026-13-01"}),
            422,
            "settlement.invalid_date",
        ),
        (
            json!({"through": "2026-11-30", "partner_id": "par_01m90kvag3qf546tqjaes4r1ss"}),
            404,
            "partner.not_found",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = send(t.post("/v1/settlements/close", &body)).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    let (status, answer) = send(t.post(
        "/v1/transfers",
        &json!({"transfers": [{"external_id": "X", "partner_id": partner, "kind": "order",
                               "occurred_on": day(2), "amount": "10.5"}]}),
    ))
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["errors"][0]["field"], "transfers[0].amount");
    let (status, _) = send(t.get("/v1/settlements/stl_01m90kvag3qf546tqjaes4r1ss")).await;
    assert_eq!(status, 404);
}

async fn settlement_events_reach_a_subscribed_endpoint(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let receiver = Receiver::start(0).await;
    let events = json!([
        "settlement.closed",
        "settlement.documented",
        "settlement.paid"
    ]);
    let (status, endpoint) = send(t.post(
        "/v1/webhook-endpoints",
        &json!({"url": receiver.url, "events": events}),
    ))
    .await;
    assert_eq!(status, 201, "{endpoint}");
    let (_, partner, _, _) =
        settled_partner(&t, "forward_fee_invoice", "hooks@seller.example").await;
    let settlement = close_last_month(&t, &partner).await;
    let id = text_of(&settlement["id"]);
    let (status, documented) =
        send(t.post(&format!("/v1/settlements/{id}/tax-invoice"), &json!({}))).await;
    assert_eq!(status, 201, "{documented}");
    let paid_on = text_of(&settlement["payout_date"]);
    let paid = t.post(
        &format!("/v1/settlements/{id}/paid"),
        &json!({"paid_on": paid_on, "reference": "BULK-1"}),
    );
    assert_eq!(send(paid).await.0, 200);
    let got = receiver.until(|got| got.len() >= 3).await;
    let bodies: Vec<Value> = got
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let of = |kind: &str| {
        bodies
            .iter()
            .find(|b| b["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {bodies:?}"))
            .clone()
    };
    let closed = of("settlement.closed");
    assert_eq!(closed["data"]["id"], id.as_str());
    assert_eq!(closed["data"]["details"]["partner_id"], partner.as_str());
    assert_eq!(
        closed["data"]["details"]["owed"],
        settlement["totals"]["owed"]
    );
    let documented_event = of("settlement.documented");
    assert_eq!(documented_event["data"]["id"], id.as_str());
    assert_eq!(
        documented_event["data"]["details"]["document_key"],
        documented["document_key"]
    );
    let paid = of("settlement.paid");
    assert_eq!(paid["data"]["details"]["paid_on"], paid_on.as_str());
    assert_eq!(paid["data"]["details"]["reference"], "BULK-1");
}

both_engines!(
    a_closed_month_is_explained_line_by_line,
    the_reverse_tax_invoice_states_the_settlement_and_verifies_after_issue,
    the_forward_fee_invoice_is_issued_and_signed_by_the_platform,
    the_payout_file_lists_what_is_due_with_the_account,
    bad_settlement_requests_get_clear_errors,
    settlement_events_reach_a_subscribed_endpoint,
);
