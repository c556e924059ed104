//! Partner invoices and notes as UBL, checked by the official validators: the UBL 2.1 XSD
//! (lxml) and the Peppol BIS Billing 3.0 Schematron rules, EN 16931 and Peppol (SaxonC-HE),
//! from `../shared/validators/` beside the workspace, run by `support/validate_ubl.py` in
//! the test venv (`SETTLE_TEST_PYTHON`). Key values are compared with the API's JSON of the
//! same document. Each document is kept under `$CARGO_TARGET_TMPDIR/ubl/<test>/`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use support::billing::{bill, billed_partner, charge, draft_invoice, text_of, void_and_rebill};
use support::{TestApp, python, send};

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?} is a decimal: {e}"))
}

/// The official validators: `SETTLE_VALIDATORS` (which `./scripts/test` sets), else
/// `../shared/validators/` next to the workspace root.
fn validators() -> PathBuf {
    let dir = match std::env::var_os("SETTLE_VALIDATORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/validators"),
    };
    dir.canonicalize()
        .unwrap_or_else(|e| panic!("the validators are at {}: {e}", dir.display()))
}

/// Runs the XSD and both Schematron stylesheets on `files`; fails listing every failed rule.
fn assert_valid(files: &[PathBuf]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_ubl.py");
    let output = Command::new(python())
        .arg(script)
        .arg(validators())
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} runs (./scripts/test installs saxonche and lxml into the test venv): {e}",
                python().display()
            )
        });
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "UBL validation failed:\n{report}");
    assert_eq!(
        report.lines().filter(|l| l.ends_with(": valid")).count(),
        files.len(),
        "{report}"
    );
}

/// Downloads `/v1/invoices/{key}/ubl`, checks the response's headers and keeps the file.
async fn fetch(t: &TestApp, key: &str, number: &str, test: &str) -> (String, PathBuf) {
    let response = t
        .get(&format!("/v1/invoices/{key}/ubl"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{key}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/xml");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"{number}.xml\"").as_str()
    );
    let xml = response.text().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ubl")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{number}.xml"));
    let partial = dir.join(format!(".{number}.xml.part"));
    std::fs::write(&partial, &xml).unwrap();
    std::fs::rename(&partial, &file).unwrap();
    (xml, file)
}

/// The text at `path` (local names of direct children) from the root element.
fn at<'a>(doc: &'a roxmltree::Document<'a>, path: &[&str]) -> Option<&'a str> {
    let mut node = doc.root_element();
    for name in path {
        node = node
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == *name)?;
    }
    node.text()
}

fn amount_at(doc: &roxmltree::Document<'_>, path: &[&str]) -> Decimal {
    decimal(at(doc, path).unwrap_or_else(|| panic!("{path:?} is present")))
}

/// Checks the UBL of `d` (the API's JSON of the document) against that JSON: kind, number,
/// dates, currency, amounts (absolute for notes), lines and the original invoice.
fn assert_agrees(xml: &str, d: &Value) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let invoice = d["kind"] == "invoice";
    let root = doc.root_element().tag_name().name();
    assert_eq!(root, if invoice { "Invoice" } else { "CreditNote" });
    let type_code = if invoice {
        at(&doc, &["InvoiceTypeCode"])
    } else {
        at(&doc, &["CreditNoteTypeCode"])
    };
    assert_eq!(type_code, Some(if invoice { "380" } else { "381" }));
    assert_eq!(at(&doc, &["ID"]), d["number"].as_str());
    assert_eq!(at(&doc, &["IssueDate"]), d["document_date"].as_str());
    if invoice {
        assert_eq!(at(&doc, &["DueDate"]), d["due_date"].as_str());
    }
    let currency = text_of(&d["currency"]);
    assert_eq!(at(&doc, &["DocumentCurrencyCode"]), Some(currency.as_str()));
    for node in doc.descendants().filter(|n| n.has_attribute("currencyID")) {
        assert_eq!(node.attribute("currencyID"), Some(currency.as_str()));
        if currency == "JPY" {
            assert!(!node.text().unwrap_or("").contains('.'), "{xml}");
        }
    }
    assert_eq!(
        at(
            &doc,
            &["BillingReference", "InvoiceDocumentReference", "ID"]
        ),
        d["original_invoice_number"].as_str()
    );

    let total = decimal(&text_of(&d["total"])).abs();
    let tax = decimal(&text_of(&d["tax"])).abs();
    let money = ["LegalMonetaryTotal"];
    let payable = amount_at(&doc, &[money[0], "PayableAmount"]);
    let rounding = at(&doc, &[money[0], "PayableRoundingAmount"]).map_or(Decimal::ZERO, decimal);
    let ubl_tax = amount_at(&doc, &["TaxTotal", "TaxAmount"]);
    let lines_total = amount_at(&doc, &[money[0], "LineExtensionAmount"]);
    assert_eq!(payable, total, "the amount due is the document's total");
    assert_eq!(
        ubl_tax + rounding,
        tax,
        "category tax + rounding = settle's tax"
    );
    assert_eq!(lines_total + tax, total, "lines + settle's tax = total");
    assert_eq!(
        amount_at(&doc, &[money[0], "TaxInclusiveAmount"]) + rounding,
        total
    );

    let line_tag = if invoice {
        "InvoiceLine"
    } else {
        "CreditNoteLine"
    };
    let lines: Vec<_> = doc
        .root_element()
        .children()
        .filter(|n| n.tag_name().name() == line_tag)
        .collect();
    let api_lines = d["lines"].as_array().unwrap();
    assert_eq!(lines.len(), api_lines.len());
    assert_eq!(lines.len() as i64, d["line_count"].as_i64().unwrap());
    let sign = if invoice { Decimal::ONE } else { -Decimal::ONE };
    for (line, api) in lines.iter().zip(api_lines) {
        let child = |name: &str| {
            line.children()
                .find(|n| n.tag_name().name() == name)
                .and_then(|n| n.text())
                .unwrap_or_else(|| panic!("{name} in a line"))
        };
        assert_eq!(child("ID"), api["line_no"].to_string());
        assert_eq!(
            decimal(child("LineExtensionAmount")),
            decimal(&text_of(&api["amount"])) * sign
        );
        let name = line
            .descendants()
            .find(|n| {
                n.tag_name().name() == "Name" && n.parent().unwrap().tag_name().name() == "Item"
            })
            .and_then(|n| n.text());
        assert_eq!(name, api["product_name"].as_str());
    }
}

async fn document(t: &TestApp, key: &str) -> Value {
    let (status, d) = send(t.get(&format!("/v1/invoices/{key}"))).await;
    assert_eq!(status, 200, "{d}");
    d
}

/// Fetches the UBL of every document, checks it against its JSON, then validates them all;
/// returns the documents' XML.
async fn check_all(t: &TestApp, documents: &[&Value], test: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut xmls = Vec::new();
    for (i, d) in documents.iter().enumerate() {
        let number = text_of(&d["number"]);
        // Alternately by id and by number.
        let key = if i % 2 == 0 {
            text_of(&d["id"])
        } else {
            number.clone()
        };
        let (xml, file) = fetch(t, &key, &number, test).await;
        assert_agrees(&xml, d);
        files.push(file);
        xmls.push(xml);
    }
    assert_valid(&files);
    xmls
}

fn by_marketplace(documents: &[Value], marketplace: bool) -> &Value {
    documents
        .iter()
        .find(|d| d["marketplace"] == marketplace)
        .expect("the document")
}

async fn g_marketplace_and_multi_currency_invoices_validate(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let mut charges = vec![
        charge(
            &partner,
            "O-1",
            json!({"discount": "100.00", "sku_name": "Annual <E3> & \"more\""}),
        ),
        charge(
            &partner,
            "O-2",
            json!({"pricing_currency": "EUR", "unit_price": "33.33", "exchange_rate": "1.0825",
                   "exchange_rate_date": "2026-10-31", "product_name": "Azure credits"}),
        ),
        charge(
            &partner,
            "O-3",
            json!({"charge_type": "cancellation", "quantity": -1, "unit_price": "99.99",
                   "product_name": "Returned seat"}),
        ),
        charge(
            &partner,
            "O-MKT-1",
            json!({"marketplace": true, "publisher_name": "Contoso Ltd",
                   "publisher_address": "1 Contoso Way, Redmond WA", "pricing_currency": "EUR",
                   "unit_price": "100.00", "exchange_rate": "1.0825",
                   "exchange_rate_date": "2026-10-31", "product_name": "Contoso Backup"}),
        ),
    ];
    // Three lines whose taxes round up one by one (0.005 → 0.01) but not together
    // (0.015 → 0.02): the rounding amount keeps the amount due at settle's total.
    for n in 0..3 {
        charges.push(charge(
            &partner,
            &format!("O-TINY-{n}"),
            json!({"quantity": 1, "unit_price": "0.05", "product_name": "Tiny add-on"}),
        ));
    }
    let documents = bill(&t, charges).await;
    assert_eq!(documents.len(), 2);
    let first_party = by_marketplace(&documents, false);
    let marketplace = by_marketplace(&documents, true);
    let test = format!("invoices-{engine:?}");
    let xmls = check_all(&t, &[first_party, marketplace], &test).await;
    let (xml, market_xml) = (&xmls[0], &xmls[1]);
    let doc = roxmltree::Document::parse(xml).unwrap();
    let rounding = at(&doc, &["LegalMonetaryTotal", "PayableRoundingAmount"]);
    assert!(
        rounding.is_some_and(|r| !decimal(r).is_zero()),
        "per-line and per-category tax differ here: {xml}"
    );
    assert!(xml.contains("Annual &lt;E3&gt; &amp; &quot;more&quot;"));
    assert!(market_xml.contains("<cbc:Value>Contoso Ltd</cbc:Value>"));
    assert!(market_xml.contains("<cbc:Value>EUR 100</cbc:Value>"));
    assert!(market_xml.contains("<cbc:Value>1.0825</cbc:Value>"));
}

async fn credit_and_void_notes_validate_and_cite_their_invoice(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t, "USD", "non_lrd", "en").await;
    let documents = bill(
        &t,
        vec![
            charge(&partner, "O-1", json!({})),
            charge(
                &partner,
                "O-2",
                json!({"unit_price": "99.99", "product_name": "Teams"}),
            ),
            charge(
                &partner,
                "O-MKT",
                json!({"marketplace": true, "publisher_name": "Contoso Ltd", "publisher_address": "1 Contoso Way"}),
            ),
        ],
    )
    .await;
    let invoice = by_marketplace(&documents, false);
    let number = text_of(&invoice["number"]);
    let lines = invoice["lines"].as_array().unwrap();
    let body = json!({
        "lines": [{"line_id": lines[0]["id"], "quantity": "1"},
                  {"line_id": lines[1]["id"], "amount": "50.00"}],
        "reason": "returned seat & <partial> refund"
    });
    let (status, note) = send(t.post(&format!("/v1/invoices/{number}/credit-notes"), &body)).await;
    assert_eq!(status, 201, "{note}");
    let credit = document(&t, &text_of(&note["id"])).await;
    assert_eq!(credit["kind"], "credit_note");

    let voided = by_marketplace(&documents, true);
    let voided_number = text_of(&voided["number"]);
    let approved = void_and_rebill(&t, &voided_number).await;
    let void = document(&t, &text_of(&approved["void_note_id"])).await;
    assert_eq!(void["kind"], "void_note");
    assert_eq!(void["original_invoice_number"], voided_number.as_str());
    let rebilled = document(&t, &text_of(&approved["new_invoice_id"])).await;

    let test = format!("notes-{engine:?}");
    check_all(&t, &[&credit, &void, &rebilled], &test).await;
}

both_engines!(
    g_marketplace_and_multi_currency_invoices_validate,
    credit_and_void_notes_validate_and_cite_their_invoice
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jpy_invoice_validates_without_decimals() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "JPY", "lrd", "ko").await;
    let documents = bill(
        &t,
        vec![
            charge(
                &partner,
                "O-JPY",
                json!({"unit_price": "1234.56", "exchange_rate": "151.37",
                       "exchange_rate_date": "2026-10-30"}),
            ),
            charge(
                &partner,
                "O-JPY-2",
                json!({"pricing_currency": "JPY", "unit_price": "1999", "quantity": 7,
                       "product_name": "クラウド ストレージ"}),
            ),
        ],
    )
    .await;
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["currency"], "JPY");
    check_all(&t, &[&documents[0]], "jpy").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_d_series_invoice_validates_with_its_tax_exclusive_credit() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let legacy = |order: &str, extra: Value| {
        let mut c = charge(&partner, order, json!({"series": "D"}));
        for (key, value) in extra.as_object().unwrap() {
            c[key] = value.clone();
        }
        c
    };
    let documents = bill(
        &t,
        vec![
            legacy(
                "O-L",
                json!({"category": "license", "unit_price": "500.00", "discount": "10.00"}),
            ),
            legacy("O-U", json!({"category": "usage", "unit_price": "42.42"})),
            legacy(
                "O-O",
                json!({"category": "other", "unit_price": "7.00", "tax_rate": "0.05"}),
            ),
            legacy(
                "O-C",
                json!({"charge_type": "adjustment", "quantity": -1, "unit_price": "25.00",
                       "tax_rate": "0", "product_name": "Tax-exclusive credit"}),
            ),
        ],
    )
    .await;
    assert_eq!(documents.len(), 1);
    let d_series = &documents[0];
    assert_eq!(d_series["series"], "D");
    assert_ne!(d_series["other_credits"], "0.00", "{d_series}");
    check_all(&t, &[d_series], "d-series").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_and_unknown_documents_are_refused() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let draft = draft_invoice(&t, &charge(&partner, "O-1", json!({}))).await;
    let code = |body: &Value| body["error"]["code"].as_str().map(str::to_owned);
    let (status, body) = send(t.get(&format!("/v1/invoices/{draft}/ubl"))).await;
    assert_eq!(
        (status, code(&body).as_deref()),
        (409, Some("invoice.not_finalized"))
    );
    let (status, body) = send(t.get("/v1/invoices/G999999999/ubl")).await;
    assert_eq!(
        (status, code(&body).as_deref()),
        (404, Some("invoice.not_found"))
    );
    let (status, _) = send(t.client.get(t.url(&format!("/v1/invoices/{draft}/ubl")))).await;
    assert_eq!(status, 401, "an API key is needed");
}
