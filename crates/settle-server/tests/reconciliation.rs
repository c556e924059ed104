//! Reconciliation files through the API: the Partner Center columns in order, one line per
//! document line with credit and void notes negative, the same values in CSV, XLSX and JSON
//! Lines as the API's JSON of the documents, and clear errors for bad requests.

mod support;

use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use support::billing::{bill, billed_partner, charge, text_of, void_and_rebill};
use support::{TestApp, send};

/// The layout, spelled out here independently of the server's own list.
const COLUMNS: &str = "PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,\
InvoiceNumber,MpnId,ResellerMpnId,OrderId,OrderDate,ProductId,SkuId,AvailabilityId,SkuName,\
ProductName,ChargeType,UnitPrice,Quantity,Subtotal,TaxTotal,Total,Currency,\
PriceAdjustmentDescription,PublisherName,PublisherId,SubscriptionDescription,SubscriptionId,\
ChargeStartDate,ChargeEndDate,TermAndBillingCycle,EffectiveUnitPrice,UnitType,AlternateId,\
BillableQuantity,BillingFrequency,PricingCurrency,PCToBCExchangeRate,PCToBCExchangeRateDate,\
MeterDescription,ReservationOrderId,CreditReasonCode,SubscriptionStartDate,SubscriptionEndDate,\
ReferenceId,ProductQualifiers,PromotionId,ProductCategory";

fn columns() -> Vec<&'static str> {
    COLUMNS.split(',').collect()
}

/// A file as rows keyed by column name.
type Rows = Vec<std::collections::HashMap<String, String>>;

async fn download(t: &TestApp, path: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let response = t.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec())
}

/// Reads CSV or XLSX with settle's upload reader (csv and calamine underneath).
fn table_rows(bytes: &[u8]) -> (Vec<String>, Rows) {
    let table = settle_tabular::read_table(bytes).unwrap();
    let rows = table
        .rows
        .iter()
        .map(|r| table.headers.iter().cloned().zip(r.cells.clone()).collect())
        .collect();
    (table.headers, rows)
}

/// Two charges billed and finalized, one credited in part: the invoice and the note.
async fn invoice_with_credit(t: &TestApp) -> (Value, Value) {
    let partner = billed_partner(t, "USD", "lrd", "en").await;
    let details = json!({"customer_id": "C-1", "customer_name": "가나 주식회사, 본사",
        "customer_domain": "ganada.example", "customer_country": "KR", "subscription_id": "S-1",
        "subscription_start_date": "2026-10-01", "promotion_id": "PROMO-9"});
    let documents = bill(
        t,
        vec![
            charge(
                &partner,
                "O-1",
                json!({"details": details, "discount": "100.00"}),
            ),
            charge(
                &partner,
                "O-2",
                json!({"pricing_currency": "EUR", "unit_price": "100.00",
                    "exchange_rate": "1.0825", "exchange_rate_date": "2026-10-31"}),
            ),
        ],
    )
    .await;
    let invoice = documents[0].clone();
    let line = &invoice["lines"][0];
    let body =
        json!({"lines": [{"line_id": line["id"], "quantity": "1"}], "reason": "returned seat"});
    let number = text_of(&invoice["number"]);
    let (status, note) = send(t.post(&format!("/v1/invoices/{number}/credit-notes"), &body)).await;
    assert_eq!(status, 201, "{note}");
    let (_, note) = send(t.get(&format!("/v1/invoices/{}", text_of(&note["id"])))).await;
    (invoice, note)
}

/// Each line of `document` has its row in `rows`, with the API's values.
fn assert_lines_match(rows: &Rows, document: &Value) {
    let number = text_of(&document["number"]);
    let lines = document["lines"].as_array().unwrap();
    let mine: Vec<_> = rows
        .iter()
        .filter(|r| r["InvoiceNumber"] == number)
        .collect();
    assert_eq!(mine.len(), lines.len(), "{number}: {rows:?}");
    for (row, line) in mine.iter().zip(lines) {
        assert_eq!(row["AlternateId"], text_of(&line["id"]));
        assert_eq!(row["OrderId"], text_of(&line["order_id"]));
        assert_eq!(row["ProductName"], text_of(&line["product_name"]));
        assert_eq!(row["Currency"], text_of(&document["currency"]));
        assert_eq!(row["PricingCurrency"], text_of(&line["pricing_currency"]));
        for (column, field) in [
            ("Subtotal", "amount"),
            ("TaxTotal", "tax"),
            ("Total", "total"),
        ] {
            let want: rust_decimal::Decimal = text_of(&line[field]).parse().unwrap();
            let got: rust_decimal::Decimal = row[column].parse().unwrap();
            assert_eq!(got, want, "{number} {column}");
        }
        assert_eq!(row["PartnerId"], text_of(&document["partner_id"]));
    }
}

async fn the_invoice_file_lists_its_lines_and_its_credit_note_negative(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (invoice, note) = invoice_with_credit(&t).await;
    let number = text_of(&invoice["number"]);
    let (headers, bytes) = download(&t, &format!("/v1/invoices/{number}/reconciliation")).await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("reconciliation-{number}.csv"))
    );
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark"
    );
    let first_line = String::from_utf8(bytes.clone()).unwrap();
    let header = first_line
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(header, COLUMNS);
    let (_, rows) = table_rows(&bytes);
    assert_eq!(rows.len(), 3, "two invoice lines and one credit line");
    assert_lines_match(&rows, &invoice);
    assert_lines_match(&rows, &note);
    let credit = rows
        .iter()
        .find(|r| r["InvoiceNumber"] == text_of(&note["number"]))
        .unwrap();
    assert!(credit["Total"].starts_with('-') && credit["Quantity"].starts_with('-'));
    assert_eq!(credit["CreditReasonCode"], "returned seat");
    let first = &rows[0];
    assert_eq!(first["CustomerName"], "가나 주식회사, 본사");
    assert_eq!(first["SubscriptionStartDate"], "2026-10-01");
    assert_eq!(first["PromotionId"], "PROMO-9");
    assert_eq!(first["OrderDate"], "2026-10-01");
    assert_eq!(first["UnitPrice"], "1234.50");
    assert_eq!(
        first["EffectiveUnitPrice"], "1201.166667",
        "1234.50 - 100/3, half up"
    );
    assert_eq!(first["PCToBCExchangeRate"], "1");
    let eur = rows.iter().find(|r| r["OrderId"] == "O-2").unwrap();
    assert_eq!(eur["PCToBCExchangeRate"], "1.0825");
    assert_eq!(eur["PCToBCExchangeRateDate"], "2026-10-31");
}

async fn the_period_file_is_the_same_in_every_format(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (invoice, note) = invoice_with_credit(&t).await;
    let note_period = &text_of(&note["billing_period_start"])[..7];
    let mut csv_rows = Rows::new();
    for period in ["2026-10", note_period] {
        let (_, bytes) = download(&t, &format!("/v1/reconciliation?period={period}")).await;
        csv_rows.extend(table_rows(&bytes).1);
    }
    assert_eq!(csv_rows.len(), 3);
    assert_lines_match(&csv_rows, &invoice);
    assert_lines_match(&csv_rows, &note);

    let (headers, xlsx) = download(&t, "/v1/reconciliation?period=2026-10&format=xlsx").await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let (xlsx_headers, xlsx_rows) = table_rows(&xlsx);
    assert_eq!(xlsx_headers, columns());
    assert_lines_match(&xlsx_rows, &invoice);
    assert_eq!(xlsx_rows[0]["OrderDate"], "2026-10-01", "a date cell");

    let (_, jsonl) = download(&t, "/v1/reconciliation?period=2026-10&format=jsonl").await;
    let text = String::from_utf8(jsonl).unwrap();
    let objects: Vec<serde_json::Map<String, Value>> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);
    let keys: Vec<&str> = objects[0].keys().map(String::as_str).collect();
    let mut sorted_columns = columns();
    sorted_columns.sort_unstable();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort_unstable();
    assert_eq!(sorted_keys, sorted_columns);
    let as_rows: Rows = objects
        .iter()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .collect();
    assert_lines_match(&as_rows, &invoice);
    assert_eq!(objects[0]["MeterDescription"], Value::Null);
}

mod files {
    use super::*;
    both_engines!(
        the_invoice_file_lists_its_lines_and_its_credit_note_negative,
        the_period_file_is_the_same_in_every_format
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_note_negates_every_line_of_the_original() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "JPY", "non_lrd", "en").await;
    let documents = bill(
        &t,
        vec![charge(
            &partner,
            "O-1",
            json!({"pricing_currency": "JPY", "unit_price": "1500"}),
        )],
    )
    .await;
    let number = text_of(&documents[0]["number"]);
    void_and_rebill(&t, &number).await;
    let (_, bytes) = download(&t, &format!("/v1/invoices/{number}/reconciliation")).await;
    let (_, rows) = table_rows(&bytes);
    let original: Vec<_> = rows
        .iter()
        .filter(|r| r["InvoiceNumber"] == number)
        .collect();
    let void: Vec<_> = rows
        .iter()
        .filter(|r| r["InvoiceNumber"].starts_with("GV"))
        .collect();
    assert_eq!((original.len(), void.len()), (1, 1), "{rows:?}");
    assert_eq!(
        rows.len(),
        2,
        "the rebilled invoice is not among the original's: {rows:?}"
    );
    assert_eq!(void[0]["Total"], format!("-{}", original[0]["Total"]));
    assert!(!original[0]["Total"].contains('.'), "yen have no decimals");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let (status, body) = send(t.get("/v1/reconciliation?period=2026-13")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("reconciliation.invalid_period"))
    );
    let (status, body) = send(t.get("/v1/reconciliation?period=2026-10&format=xls")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("reconciliation.invalid_format"))
    );
    let (status, _) = send(t.get("/v1/invoices/G999999999/reconciliation")).await;
    assert_eq!(status, 404);
    let (status, _) = send(t.get("/v1/reconciliation?format=csv")).await;
    assert_eq!(status, 422, "the period is required");

    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let (status, _) = send(t.post(
        "/v1/charges",
        &json!({"charges": [charge(&partner, "O-1", json!({}))]}),
    ))
    .await;
    assert_eq!(status, 201);
    let (status, run) = send(t.post("/v1/billing-runs", &json!({"period": "2026-10"}))).await;
    assert_eq!(status, 201);
    let (_, drafts) = send(t.get(&format!(
        "/v1/invoices?billing_run_id={}",
        text_of(&run["id"])
    )))
    .await;
    let draft = text_of(&drafts["data"][0]["id"]);
    let (status, body) = send(t.get(&format!("/v1/invoices/{draft}/reconciliation"))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("invoice.not_finalized"))
    );

    let (_, bytes) = download(&t, "/v1/reconciliation?period=2031-01").await;
    let (headers, rows) = table_rows(&bytes);
    assert_eq!(
        (headers.len(), rows.len()),
        (47, 0),
        "an empty period has the header only"
    );
}

/// Rewrites a JSON column of one row with `change`, as someone editing the database would.
async fn edit_json(t: &TestApp, table: &str, column: &str, id: &str, change: impl Fn(&mut Value)) {
    let mut tx = t.app.store.write().await.unwrap();
    let select = format!("SELECT CAST({column} AS TEXT) FROM {table} WHERE id = $1");
    let text: String = sqlx::query_scalar(&select)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    change(&mut value);
    let update = format!("UPDATE {table} SET {column} = $1::jsonb WHERE id = $2");
    let update = settle_store::columns::for_engine(&tx, &update).into_owned();
    sqlx::query(&update)
        .bind(value.to_string())
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Adds `delta` to a decimal held as a JSON string.
fn add(value: &mut Value, delta: &str) {
    let sum = text_of(value).parse::<rust_decimal::Decimal>().unwrap()
        + delta.parse::<rust_decimal::Decimal>().unwrap();
    *value = json!(sum.to_string());
}

async fn checks_of(t: &TestApp, period: &str) -> Value {
    let (status, report) = send(t.get(&format!("/v1/reconciliation/checks?period={period}"))).await;
    assert_eq!(status, 200, "{report}");
    report
}

fn codes(report: &Value) -> Vec<(String, Vec<String>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let documents = f["documents"]
                .as_array()
                .unwrap()
                .iter()
                .map(text_of)
                .collect();
            (text_of(&f["code"]), documents)
        })
        .collect()
}

/// An invoice credited in part, and a second invoice voided and rebilled.
async fn checked_periods(t: &TestApp) -> (Value, Value, Value, Value, String) {
    let (invoice, note) = invoice_with_credit(t).await;
    let partner = text_of(&invoice["partner_id"]);
    let second = bill(t, vec![charge(&partner, "O-9", json!({}))]).await;
    let number = text_of(&second[0]["number"]);
    let approved = void_and_rebill(t, &number).await;
    let (_, void) = send(t.get(&format!(
        "/v1/invoices/{}",
        text_of(&approved["void_note_id"])
    )))
    .await;
    let note_period = text_of(&note["billing_period_start"])[..7].to_owned();
    (invoice, note, second[0].clone(), void, note_period)
}

async fn a_clean_period_says_so(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, _, _, _, note_period) = checked_periods(&t).await;
    for period in ["2026-10", note_period.as_str()] {
        let report = checks_of(&t, period).await;
        assert_eq!(report["clean"], true, "{report}");
        assert!(
            report["documents_checked"].as_u64().unwrap() >= 1,
            "{report}"
        );
        assert!(report["lines_checked"].as_u64().unwrap() >= 1, "{report}");
    }
}

async fn the_checks_find_each_planted_mismatch(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (invoice, note, _, void, note_period) = checked_periods(&t).await;
    let (invoice_number, note_number) = (text_of(&invoice["number"]), text_of(&note["number"]));

    edit_json(&t, "invoices", "totals", &text_of(&note["id"]), |totals| {
        add(&mut totals["total"], "0.01");
    })
    .await;
    edit_json(
        &t,
        "invoice_lines",
        "priced",
        &text_of(&invoice["lines"][1]["id"]),
        |p| {
            for field in ["gross", "amount", "total"] {
                add(&mut p[field], "5.00");
            }
        },
    )
    .await;
    edit_json(
        &t,
        "invoice_lines",
        "priced",
        &text_of(&void["lines"][0]["id"]),
        |p| {
            for field in ["gross", "amount", "total"] {
                add(&mut p[field], "1.00");
            }
        },
    )
    .await;

    let october = checks_of(&t, "2026-10").await;
    assert_eq!(october["clean"], false);
    assert!(
        codes(&october).contains(&("totals_mismatch".into(), vec![invoice_number.clone()])),
        "{october}"
    );
    let totals = october["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "totals_mismatch")
        .unwrap();
    assert_eq!(
        text_of(&totals["found"]),
        text_of(&invoice["total"]),
        "{totals}"
    );

    let later = checks_of(&t, &note_period).await;
    assert!(
        codes(&later).contains(&(
            "credit_note_mismatch".into(),
            vec![note_number, invoice_number]
        )),
        "{later}"
    );
    // The void note belongs to the period of the invoice it voids.
    let void_period = text_of(&void["billing_period_start"])[..7].to_owned();
    let voids = checks_of(&t, &void_period).await;
    assert!(
        codes(&voids)
            .iter()
            .any(|(code, docs)| code == "void_note_not_negation"
                && docs[0] == text_of(&void["number"])),
        "{voids}"
    );
    let credit = later["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "credit_note_mismatch")
        .unwrap();
    let (expected, stored): (rust_decimal::Decimal, rust_decimal::Decimal) = (
        text_of(&credit["expected"]).parse().unwrap(),
        text_of(&credit["found"]).parse().unwrap(),
    );
    assert_eq!(stored - expected, "0.01".parse().unwrap(), "{credit}");
}

mod checks {
    use super::*;
    both_engines!(
        a_clean_period_says_so,
        the_checks_find_each_planted_mismatch
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_page_shows_the_findings_and_offers_the_files() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let (invoice, _) = invoice_with_credit(&t).await;
    let mut browser =
        support::pages::signed_in_staff(&t, "billing@platform.example", &["billing_admin"]).await;
    let (status, page, _) = browser.get("/app").await;
    assert_eq!(status, 200);
    assert!(page.contains("href=\"/app/reconciliation\""), "{page}");

    let (status, clean, _) = browser.get("/app/reconciliation?period=2026-10").await;
    assert_eq!(status, 200);
    assert!(!clean.contains("totals_mismatch"), "{clean}");
    let csv_link = "/app/reconciliation/file?period=2026-10&#38;format=csv";
    assert!(clean.contains(csv_link), "{clean}");
    let response = t
        .client
        .get(t.url(&csv_link.replace("&#38;", "&")))
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, rows) = table_rows(&response.bytes().await.unwrap());
    assert_eq!(rows.len(), 2);

    edit_json(
        &t,
        "invoice_lines",
        "priced",
        &text_of(&invoice["lines"][0]["id"]),
        |p| {
            for field in ["gross", "amount", "total"] {
                add(&mut p[field], "0.01");
            }
        },
    )
    .await;
    let (status, found, _) = browser.get("/app/reconciliation?period=2026-10").await;
    assert_eq!(status, 200);
    let number = text_of(&invoice["number"]);
    assert!(
        found.contains("totals_mismatch") && found.contains(&format!("/app/invoices/{number}")),
        "{found}"
    );
    let (status, bad, _) = browser.get("/app/reconciliation?period=2026-13").await;
    assert_eq!(status, 422);
    assert!(bad.contains("YYYY-MM"), "{bad}");
}

async fn a_sales_agent_reconciles_only_its_assigned_partners(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mine = billed_partner(&t, "USD", "lrd", "en").await;
    let mut theirs_body = support::partner_body(&support::brn(105_810_111));
    theirs_body["name"] = json!("Theirs Inc.");
    let (_, theirs) = send(t.post("/v1/partners", &theirs_body)).await;
    let theirs = text_of(&theirs["id"]);
    let address = json!({"name": "Theirs", "address": "2 Teheran-ro", "country": "KR"});
    let (status, _) = send(t.post(
        "/v1/billing-profiles",
        &json!({"partner_id": theirs, "sold_to": address, "bill_to": address,
            "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"}),
    ))
    .await;
    assert_eq!(status, 201);
    bill(
        &t,
        vec![
            charge(&mine, "O-MINE", json!({})),
            charge(&theirs, "O-THEIRS", json!({})),
        ],
    )
    .await;
    let mut agent =
        support::pages::signed_in_staff(&t, "sales@platform.example", &["sales_agent"]).await;
    let (_, users) = send(t.get("/v1/users")).await;
    let user = text_of(&users["data"][0]["id"]);
    let (status, _) = send(t.post(
        &format!("/v1/users/{user}/partners"),
        &json!({"partner_id": mine}),
    ))
    .await;
    assert_eq!(status, 200);

    let response = t
        .client
        .get(t.url("/app/reconciliation/file?period=2026-10&format=csv"))
        .header("cookie", agent.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, rows) = table_rows(&response.bytes().await.unwrap());
    let orders: Vec<&str> = rows.iter().map(|r| r["OrderId"].as_str()).collect();
    assert_eq!(orders, ["O-MINE"]);
    let (status, page, _) = agent.get("/app/reconciliation?period=2026-10").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("문서 1건") || page.contains("1 documents"),
        "only its partner's invoice is checked: {page}"
    );
    // The owner sees both.
    let (_, all) = download(&t, "/v1/reconciliation?period=2026-10").await;
    assert_eq!(table_rows(&all).1.len(), 2);
    let (_, report) = send(t.get("/v1/reconciliation/checks?period=2026-10")).await;
    assert_eq!(report["documents_checked"], 2, "{report}");
}

mod scope {
    use super::*;
    both_engines!(a_sales_agent_reconciles_only_its_assigned_partners);
}
