//! The printed documents, read back by independent tools: poppler's `pdftotext -layout`
//! finds every field value (taken from the API's JSON of the same document), `pdffonts`
//! shows every font embedded, `qpdf --check` passes, and `pdftoppm` renders each page to
//! PNG, kept under `$CARGO_TARGET_TMPDIR/pdfs/<test>/` for a look.

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use settle_testkit::{TestEngine, both_engines};
use support::billing::{bill, billed_partner, charge, draft_invoice, text_of, void_and_rebill};
use support::issuance::{certificate_form, leaf, requested_invoice};
use support::{TestApp, send};
use time::{Duration, OffsetDateTime};

/// `1234567.50` → `1,234,567.50`: how the documents print amounts.
fn grouped(amount: &str) -> String {
    let (sign, digits) = amount
        .strip_prefix('-')
        .map_or(("", amount), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut out = String::from(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (poppler-utils and qpdf are installed): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Downloads the PDF at `path`, checks it with qpdf and pdffonts, renders it to PNG, and
/// returns its text as `pdftotext -layout` reads it.
async fn pdf_text(t: &TestApp, path: &str, test: &str, name: &str) -> String {
    let response = t.get(path).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "{path} is a PDF");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("pdfs")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    // Written whole under a temporary name, then renamed: a reader never sees half a file.
    let file = dir.join(format!("{name}.pdf"));
    let partial = dir.join(format!(".{name}.pdf.part"));
    std::fs::write(&partial, &bytes).unwrap();
    std::fs::rename(&partial, &file).unwrap();
    let file = file.to_str().unwrap();
    run("qpdf", &["--check", file]);
    let fonts = run("pdffonts", &[file]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{name} has fonts");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let embedded = columns[columns.len() - 5];
        assert_eq!(embedded, "yes", "{name}: a font is not embedded: {row}");
    }
    let prefix = dir.join(name);
    run(
        "pdftoppm",
        &["-png", "-r", "60", file, prefix.to_str().unwrap()],
    );
    run("pdftotext", &["-layout", file, "-"])
}

/// Fails naming every value the text lacks.
fn assert_shows(text: &str, values: &[String]) {
    let missing: Vec<&String> = values
        .iter()
        .filter(|v| !text.contains(v.as_str()))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?} in:\n{text}");
}

/// Every value of a finalized document that its PDF must print, from its JSON.
fn document_values(d: &Value) -> Vec<String> {
    let currency = text_of(&d["currency"]);
    let mut values = vec![
        text_of(&d["number"]),
        text_of(&d["document_date"]),
        text_of(&d["billing_profile_id"]),
        format!(
            "{} – {}",
            text_of(&d["billing_period_start"]),
            text_of(&d["billing_period_end"])
        ),
        format!("{currency} {}", grouped(&text_of(&d["total"]))),
        format!("{currency} {}", grouped(&text_of(&d["tax"]))),
        format!("{currency} {}", grouped(&text_of(&d["subtotal"]))),
        format!("{currency} {}", grouped(&text_of(&d["credits"]))),
        "Ganada Inc.".into(),
        "Ganada Accounts Payable".into(),
    ];
    for line in d["lines"].as_array().unwrap() {
        values.push(text_of(&line["product_name"]));
        values.push(text_of(&line["order_id"]));
        values.push(text_of(&line["pricing_currency"]));
        values.push(grouped(&text_of(&line["amount"])));
        values.push(grouped(&text_of(&line["tax"])));
        values.push(format!(
            "{} – {}",
            text_of(&line["charge_start"]),
            text_of(&line["charge_end"])
        ));
    }
    values
}

/// An invoice's own fields besides the common ones (G invoices add their charges total;
/// D invoices break it down instead).
fn invoice_values(d: &Value) -> Vec<String> {
    let mut values = document_values(d);
    if d["series"] == "G" {
        values.push(format!(
            "{} {}",
            text_of(&d["currency"]),
            grouped(&text_of(&d["charges"]))
        ));
    }
    values.extend([
        text_of(&d["due_date"]),
        "Net 45 days".into(),
        "PO-7781".into(),
        "Gyeonggi".into(),
        "13487".into(),
        "Ganada Warehouse".into(),
        text_of(&d["tax_invoice_number"]),
        format!(
            "Cite invoice number {} with your payment.",
            text_of(&d["number"])
        ),
        "Pay by wire to account 123-456".into(),
    ]);
    values
}

fn marketplace(partner: &str) -> Value {
    charge(
        partner,
        "O-MKT-1",
        json!({
            "marketplace": true, "publisher_name": "Contoso Ltd",
            "publisher_address": "1 Contoso Way, Redmond WA", "pricing_currency": "EUR",
            "unit_price": "100.00", "exchange_rate": "1.0825", "exchange_rate_date": "2026-10-31",
            "product_name": "Contoso Backup"
        }),
    )
}

async fn g_invoice_prints_every_field_in_the_lrd_template(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let documents = bill(&t, vec![marketplace(&partner)]).await;
    let invoice = &documents[0];
    let number = text_of(&invoice["number"]);
    let dir = format!("g-lrd-{engine:?}");
    let text = pdf_text(&t, &format!("/v1/invoices/{number}/pdf"), &dir, &number).await;
    let mut values = invoice_values(invoice);
    values.extend([
        "Billing summary".into(),
        "Commercial invoice".into(),
        "Credit memos".into(),
        "Billing number".into(),
        "Contoso Ltd".into(),
        "1 Contoso Way, Redmond WA".into(),
        "EUR".into(),
        "1.0825 (2026-10-31)".into(),
    ]);
    assert_shows(&text, &values);
}

both_engines!(g_invoice_prints_every_field_in_the_lrd_template);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g_invoice_in_the_non_lrd_template_details_charges_by_type() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "non_lrd", "en").await;
    let documents = bill(
        &t,
        vec![
            charge(&partner, "O-1", json!({})),
            charge(
                &partner,
                "O-2",
                json!({"charge_type": "renewal", "unit_price": "99.99"}),
            ),
        ],
    )
    .await;
    let invoice = &documents[0];
    let number = text_of(&invoice["number"]);
    let text = pdf_text(
        &t,
        &format!("/v1/invoices/{number}/pdf"),
        "g-non-lrd",
        &number,
    )
    .await;
    let mut values = invoice_values(invoice);
    values.extend([
        "Invoice summary".into(),
        "Detailed charges".into(),
        "Invoice number".into(),
        "New purchases".into(),
        "Renewals".into(),
    ]);
    assert_shows(&text, &values);
    assert!(!text.contains("Billing number"), "{text}");
    // The other template on request.
    let lrd = pdf_text(
        &t,
        &format!("/v1/invoices/{number}/pdf?template=lrd"),
        "g-non-lrd",
        "as-lrd",
    )
    .await;
    assert_shows(&lrd, &["Billing summary".into(), "Billing number".into()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_invoice_prints_the_legacy_fields() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let legacy = |order: &str, category: &str, price: &str| {
        charge(
            &partner,
            order,
            json!({"series": "D", "category": category, "unit_price": price, "discount": "10.00"}),
        )
    };
    let documents = bill(
        &t,
        vec![
            legacy("O-L", "license", "500.00"),
            legacy("O-U", "usage", "42.42"),
            legacy("O-O", "other", "7.00"),
        ],
    )
    .await;
    let invoice = &documents[0];
    assert_eq!(invoice["series"], "D");
    let number = text_of(&invoice["number"]);
    let text = pdf_text(&t, &format!("/v1/invoices/{number}/pdf"), "d", &number).await;
    let mut values = invoice_values(invoice);
    let money = |field: &str| format!("USD {}", grouped(&text_of(&invoice[field])));
    values.extend([
        "US FEIN".into(),
        "91-1144442".into(),
        "CN-5521".into(),
        "Ganada Service Desk".into(),
        "https://support.settle.example".into(),
        money("license_based"),
        money("usage_based"),
        money("other_charges"),
        money("discount"),
        money("other_credits"),
        "Current total".into(),
    ]);
    assert_shows(&text, &values);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_note_prints_its_number_and_the_original_and_the_invoice_lists_it() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let documents = bill(&t, vec![charge(&partner, "O-1", json!({}))]).await;
    let invoice = &documents[0];
    let number = text_of(&invoice["number"]);
    let line = &invoice["lines"][0];
    let body =
        json!({"lines": [{"line_id": line["id"], "quantity": "1"}], "reason": "returned seat"});
    let (status, note) = send(t.post(&format!("/v1/invoices/{number}/credit-notes"), &body)).await;
    assert_eq!(status, 201, "{note}");
    let (_, note) = send(t.get(&format!("/v1/invoices/{}", text_of(&note["id"])))).await;
    let note_number = text_of(&note["number"]);
    let text = pdf_text(
        &t,
        &format!("/v1/invoices/{note_number}/pdf"),
        "credit",
        &note_number,
    )
    .await;
    let mut values = document_values(&note);
    values.extend([
        "Credit memo".into(),
        "Credit memo number".into(),
        "Credit memo date".into(),
        "Original invoice number".into(),
        number.clone(),
        "returned seat".into(),
    ]);
    assert_shows(&text, &values);
    assert!(text_of(&note["total"]).starts_with('-'), "{note}");

    let original = pdf_text(&t, &format!("/v1/invoices/{number}/pdf"), "credit", &number).await;
    assert_shows(
        &original,
        &[
            note_number,
            grouped(&text_of(&note["total"])),
            "Credit memos".into(),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_void_note_prints_the_original_number() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "non_lrd", "en").await;
    let documents = bill(&t, vec![charge(&partner, "O-1", json!({}))]).await;
    let number = text_of(&documents[0]["number"]);
    let approved = void_and_rebill(&t, &number).await;
    let (_, void) = send(t.get(&format!(
        "/v1/invoices/{}",
        text_of(&approved["void_note_id"])
    )))
    .await;
    let void_number = text_of(&void["number"]);
    let text = pdf_text(
        &t,
        &format!("/v1/invoices/{void_number}/pdf"),
        "void",
        &void_number,
    )
    .await;
    let mut values = document_values(&void);
    values.extend([
        "Void note".into(),
        "Void note number".into(),
        "Original invoice number".into(),
        number,
        "wrong purchase order".into(),
    ]);
    assert_shows(&text, &values);
    assert!(text_of(&void["total"]).starts_with('-'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jpy_invoice_prints_amounts_without_decimals() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "JPY", "lrd", "en").await;
    let documents = bill(
        &t,
        vec![charge(
            &partner,
            "O-1",
            json!({"pricing_currency": "USD", "unit_price": "1234.56", "exchange_rate": "151.37", "exchange_rate_date": "2026-10-30"}),
        )],
    )
    .await;
    let invoice = &documents[0];
    assert!(!text_of(&invoice["total"]).contains('.'), "{invoice}");
    let number = text_of(&invoice["number"]);
    let text = pdf_text(&t, &format!("/v1/invoices/{number}/pdf"), "jpy", &number).await;
    let mut values = invoice_values(invoice);
    values.push("151.37 (2026-10-30)".into());
    assert_shows(&text, &values);
    let total = grouped(&text_of(&invoice["total"]));
    assert!(
        !text.contains(&format!("JPY {total}.")),
        "no decimals after a yen total"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_partner_gets_korean_text_that_extracts() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "KRW", "lrd", "ko").await;
    let documents = bill(
        &t,
        vec![charge(
            &partner,
            "O-1",
            json!({"pricing_currency": "KRW", "unit_price": "15000", "product_name": "클라우드 저장소"}),
        )],
    )
    .await;
    let invoice = &documents[0];
    let number = text_of(&invoice["number"]);
    let text = pdf_text(&t, &format!("/v1/invoices/{number}/pdf"), "korean", &number).await;
    assert_shows(
        &text,
        &[
            "청구 요약".into(),
            "상업 청구서".into(),
            "청구 번호".into(),
            "지불 조건".into(),
            "클라우드 저장소".into(),
            format!("결제 시 청구서 번호 {number}을(를) 기재해 주십시오."),
            format!("KRW {}", grouped(&text_of(&invoice["total"]))),
        ],
    );
    let english = pdf_text(
        &t,
        &format!("/v1/invoices/{number}/pdf?lang=en"),
        "korean",
        "en",
    )
    .await;
    assert!(english.contains("Billing summary") && !english.contains("청구 요약"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn print_requests_that_cannot_be_served_get_clear_errors() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let draft = draft_invoice(&t, &charge(&partner, "O-1", json!({}))).await;
    let code = |body: &Value| body["error"]["code"].as_str().map(str::to_owned);
    let (status, body) = send(t.get(&format!("/v1/invoices/{draft}/pdf"))).await;
    assert_eq!(
        (status, code(&body).as_deref()),
        (409, Some("invoice.not_finalized"))
    );
    let (status, body) = send(t.get("/v1/invoices/G999999999/pdf")).await;
    assert_eq!(
        (status, code(&body).as_deref()),
        (404, Some("invoice.not_found"))
    );
    let (_, done) = send(t.post(&format!("/v1/invoices/{draft}/finalize"), &json!({}))).await;
    let number = text_of(&done["number"]);
    let (status, body) = send(t.get(&format!("/v1/invoices/{number}/pdf?template=fancy"))).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("template"))
    );
    let (status, body) = send(t.get(&format!("/v1/invoices/{number}/pdf?lang=fr"))).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("lang"))
    );
    let (status, body) = send(t.get(&format!("/v1/partners/{partner}/statement?format=xml"))).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("format"))
    );
    let (status, body) = send(t.get("/v1/tax-invoices/NOPE/pdf")).await;
    assert_eq!(
        (status, code(&body).as_deref()),
        (404, Some("tax_invoice.not_found"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statement_prints_as_pdf_and_csv() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let partner = billed_partner(&t, "USD", "lrd", "en").await;
    let documents = bill(&t, vec![charge(&partner, "O-1", json!({}))]).await;
    let number = text_of(&documents[0]["number"]);
    let payment = json!({
        "partner_id": partner, "amount": "1000.00", "currency": "USD",
        "paid_on": "2026-11-20", "reference": format!("Wire for {number}")
    });
    let (status, paid) = send(t.post("/v1/payments", &payment)).await;
    assert_eq!(status, 201, "{paid}");
    let path = format!("/v1/partners/{partner}/statement");
    let (_, statement) = send(t.get(&path)).await;
    let text = pdf_text(&t, &format!("{path}?format=pdf"), "statement", "statement").await;
    let document = &statement["documents"][0];
    assert_shows(
        &text,
        &[
            "Account statement".into(),
            text_of(&statement["as_of"]),
            number.clone(),
            grouped(&text_of(&document["total"])),
            grouped(&text_of(&document["outstanding"])),
            format!("Wire for {number}"),
            "2026-11-20".into(),
            "1,000.00".into(),
            format!("USD {}", grouped(&text_of(&statement["balance"]))),
        ],
    );

    let response = t.get(&format!("{path}?format=csv")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = response.bytes().await.unwrap();
    let csv = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0][0], "entry");
    let invoice_row = rows
        .iter()
        .find(|r| r[1] == number)
        .expect("the invoice row");
    assert_eq!(invoice_row[6], text_of(&document["total"]));
    assert_eq!(invoice_row[7], text_of(&document["outstanding"]));
    let balance = rows
        .iter()
        .find(|r| r[0] == "balance")
        .expect("the balance row");
    assert_eq!(balance[6], text_of(&statement["balance"]));
    assert!(rows.iter().any(|r| r[0] == "payment" && r[6] == "1000.00"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_korean_tax_invoice_prints_in_the_form_layout_and_its_amendment_negative() {
    let t = TestApp::start(TestEngine::Sqlite).await;
    let requested = requested_invoice(&t, "INV-PDF-1", "tax@supplier.example").await;
    let (status, opened) = send(
        t.client
            .post(t.url("/v1/supplier/sessions"))
            .json(&json!({"token": requested.token, "brn": requested.supplier_brn})),
    )
    .await;
    assert_eq!(status, 201, "{opened}");
    let session = format!("Supplier {}", text_of(&opened["session"]));
    let supplier_leaf = leaf(&requested.ca, &requested.supplier_brn);
    let (status, _) = send(
        t.client
            .post(t.url("/v1/supplier/certificates"))
            .header("authorization", &session)
            .multipart(certificate_form(&supplier_leaf)),
    )
    .await;
    assert_eq!(status, 201);
    let id = text_of(&opened["tax_invoice_id"]);
    let (status, issued) = send(
        t.client
            .post(t.url(&format!("/v1/supplier/tax-invoices/{id}/issue")))
            .header("authorization", &session)
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{issued}");
    let (_, issued) = send(t.get("/v1/tax-invoices/INV-PDF-1")).await;
    // The supplier prints it too, with its session and with nothing else.
    let supplier_pdf = t.url(&format!("/v1/supplier/tax-invoices/{id}/pdf"));
    let response = t
        .client
        .get(&supplier_pdf)
        .header("authorization", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    let response = t.client.get(&supplier_pdf).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let approval = text_of(&issued["nts_approval_number"]);
    let text = pdf_text(
        &t,
        "/v1/tax-invoices/INV-PDF-1/pdf",
        "tax-invoice",
        "issued",
    )
    .await;
    let party = |p: &Value| -> Vec<String> {
        ["brn", "name", "ceo_name", "address", "biz_type", "biz_item"]
            .iter()
            .filter_map(|field| p[*field].as_str().map(str::to_owned))
            .map(|value| match value.len() {
                10 if value.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("{}-{}-{}", &value[..3], &value[3..5], &value[5..])
                }
                _ => value,
            })
            .collect()
    };
    let mut values = vec![
        "전자세금계산서".into(),
        "승인번호".into(),
        approval.clone(),
        "공급가액".into(),
        "합계금액".into(),
        "외상미수금".into(),
        "이 금액을 청구 함".into(),
        text_of(&issued["write_date"]),
        grouped(&text_of(&issued["supply_total"])),
        grouped(&text_of(&issued["tax_total"])),
        grouped(&text_of(&issued["total"])),
    ];
    values.extend(party(&issued["supplier"]));
    values.extend(party(&issued["buyer"]));
    for item in issued["items"].as_array().unwrap() {
        values.push(text_of(&item["name"]));
        values.push(grouped(&text_of(&item["supply_amount"])));
    }
    assert_shows(&text, &values);

    let tomorrow = OffsetDateTime::now_utc() + Duration::days(1);
    settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    let (status, amended) = send(t.post(
        "/v1/tax-invoices/INV-PDF-1/amend",
        &json!({"reason_code": 4, "document_key": "INV-PDF-1-C", "write_date": issued["write_date"]}),
    ))
    .await;
    assert_eq!(status, 201, "{amended}");
    let negative = &amended["data"][0];
    let text = pdf_text(
        &t,
        "/v1/tax-invoices/INV-PDF-1-C/pdf",
        "tax-invoice",
        "amended",
    )
    .await;
    assert_shows(
        &text,
        &[
            "수정전자세금계산서".into(),
            "4 계약의 해제".into(),
            "당초 승인번호".into(),
            approval,
            grouped(&text_of(&negative["total"])),
            grouped(&text_of(&negative["supply_total"])),
        ],
    );
    assert!(text_of(&negative["total"]).starts_with('-'));
}
