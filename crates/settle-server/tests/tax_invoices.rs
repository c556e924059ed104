//! Reverse issuance end to end over HTTP, on SQLite and PostgreSQL: the platform links
//! itself and a partner, drafts and requests; the supplier follows the emailed link
//! (read from the `.eml` file by Python's email parser), opens a session with its BRN,
//! registers its certificate and issues; xmlsec1 verifies the signed XML; the filing batch
//! sends it to the simulated NTS.

mod support;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines, xmlsec1_accepts};
use support::issuance::{certificate_form, create_partner, invoice, leaf, linked_tenant, token_of};
use support::{TestApp, brn, send};
use time::{Duration, OffsetDateTime};

async fn session(t: &TestApp, token: &str, brn: &str) -> (u16, Value) {
    send(
        t.client
            .post(t.url("/v1/supplier/sessions"))
            .json(&json!({ "token": token, "brn": brn })),
    )
    .await
}

fn supplier_post(t: &TestApp, session: &str, path: &str, body: &Value) -> reqwest::RequestBuilder {
    t.client
        .post(t.url(path))
        .header("authorization", format!("Supplier {session}"))
        .json(body)
}

async fn reverse_issuance_end_to_end(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    let supplier_brn = brn(124_810_123);
    let partner_id = create_partner(&t, &supplier_brn, "tax@supplier.example").await;

    // The platform must link itself first, then the partner.
    let mut first = invoice("INV-0001", &partner_id);
    first["request"] = json!(true);
    let (status, body) = send(t.post("/v1/tax-invoices", &first)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("tenant.profile_incomplete")),
        "{body}"
    );
    linked_tenant(&t, &ca).await;
    let (status, body) = send(t.post("/v1/tax-invoices", &first)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("partner.not_linked")),
        "{body}"
    );
    let (status, _) = send(t.get("/v1/tax-invoices/INV-0001")).await;
    assert_eq!(status, 404, "a refused request creates nothing");

    let (status, linked) =
        send(t.post(&format!("/v1/partners/{partner_id}/nts-link"), &json!({}))).await;
    assert_eq!(
        (status, linked["nts_link"]["status"].as_str()),
        (200, Some("linked")),
        "{linked}"
    );
    let (status, body) = send(t.patch(
        &format!("/v1/partners/{partner_id}"),
        &json!({"name": "새 이름"}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("partner.linked"))
    );
    let mails = t.emails(1).await;
    assert_eq!(mails[0].to, "tax@supplier.example");
    assert!(
        mails[0].subject.contains("국세청 연동 등록 완료"),
        "{}",
        mails[0].subject
    );

    // Draft, edit, request.
    let (status, draft) = send(t.post("/v1/tax-invoices", &invoice("INV-0001", &partner_id))).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["state"], "drafted");
    assert_eq!(
        (
            draft["supply_total"].as_str(),
            draft["tax_total"].as_str(),
            draft["total"].as_str()
        ),
        (Some("12999"), Some("1299"), Some("14298")),
        "9999 × 10% truncates to 999"
    );
    let (status, body) = send(t.post("/v1/tax-invoices", &invoice("INV-0001", &partner_id))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("tax_invoice.duplicate_document_key"))
    );
    let (status, edited) = send(t.patch(
        "/v1/tax-invoices/INV-0001",
        &json!({"items": [{"name": "판매 정산", "supply_amount": "20000"}]}),
    ))
    .await;
    assert_eq!(
        (status, edited["total"].as_str()),
        (200, Some("22000")),
        "{edited}"
    );
    let (status, body) = send(t.patch("/v1/tax-invoices/INV-0001", &json!({"total": "1"}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("tax_invoice.totals_mismatch")),
        "{body}"
    );
    let (status, requested) = send(t.post(
        "/v1/tax-invoices/INV-0001/request",
        &json!({"memo": "11월 정산"}),
    ))
    .await;
    assert_eq!(
        (
            status,
            requested["state"].as_str(),
            requested["popbill_state_code"].as_u64()
        ),
        (200, Some("requested"), Some(200))
    );
    let (status, body) =
        send(t.patch("/v1/tax-invoices/INV-0001", &json!({"remarks": ["x"]}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("tax_invoice.invalid_state"))
    );

    // The supplier follows the link.
    let mails = t.emails(2).await;
    let request_mail = &mails[1];
    assert_eq!(request_mail.to, "tax@supplier.example");
    assert!(
        request_mail.subject.contains("세금계산서 발행 요청"),
        "{}",
        request_mail.subject
    );
    assert!(
        request_mail.body.contains("22,000"),
        "{}",
        request_mail.body
    );
    let token = token_of(&request_mail.body, &t.base);
    // Resent to another address, with a fresh link.
    let (status, _) = send(t.post(
        "/v1/tax-invoices/INV-0001/resend",
        &json!({"email": "accounting@supplier.example"}),
    ))
    .await;
    assert_eq!(status, 200);
    let resent = t
        .email_to("accounting@supplier.example", "세금계산서 발행 요청")
        .await;
    assert_ne!(token_of(&resent.body, &t.base), token);
    let (status, body) = send(t.post(
        "/v1/tax-invoices/INV-0001/resend",
        &json!({"email": "not an address"}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("tax_invoice.invalid_email"))
    );
    let (status, body) = session(&t, &token, &brn(220_816_251)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("supplier.wrong_brn"))
    );
    let (status, opened) = session(&t, &token, &supplier_brn).await;
    assert_eq!(status, 201, "{opened}");
    let supplier_session = opened["session"].as_str().unwrap().to_owned();
    let id = requested["id"].as_str().unwrap();
    assert_eq!(opened["tax_invoice_id"], id);
    let (status, seen) = send(
        t.client
            .get(t.url(&format!("/v1/supplier/tax-invoices/{id}")))
            .header("authorization", format!("Supplier {supplier_session}")),
    )
    .await;
    assert_eq!((status, seen["total"].as_str()), (200, Some("22000")));

    // Issuing needs a certificate.
    let issue_path = format!("/v1/supplier/tax-invoices/{id}/issue");
    let (status, body) = send(supplier_post(
        &t,
        &supplier_session,
        &issue_path,
        &json!({}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("tax_invoice.certificate_required")),
        "{body}"
    );
    let supplier_leaf = leaf(&ca, &supplier_brn);
    let (status, cert) = send(
        t.client
            .post(t.url("/v1/supplier/certificates"))
            .header("authorization", format!("Supplier {supplier_session}"))
            .multipart(certificate_form(&supplier_leaf)),
    )
    .await;
    assert_eq!(status, 201, "{cert}");
    let (status, issued) = send(supplier_post(
        &t,
        &supplier_session,
        &issue_path,
        &json!({"memo": "확인"}),
    ))
    .await;
    assert_eq!(
        (status, issued["state"].as_str()),
        (200, Some("issued")),
        "{issued}"
    );
    let approval = issued["nts_approval_number"].as_str().unwrap();
    assert!(approval.len() == 24 && approval.bytes().all(|b| b.is_ascii_digit()));
    let (status, body) = send(supplier_post(
        &t,
        &supplier_session,
        &issue_path,
        &json!({}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("tax_invoice.invalid_state"))
    );

    // The signed XML passes xmlsec1.
    let xml = t.get("/v1/tax-invoices/INV-0001/xml").send().await.unwrap();
    assert_eq!(xml.status(), 200);
    assert!(
        xml.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let xml = xml.text().await.unwrap();
    assert!(xml.contains(approval));
    let dir = tempfile::tempdir().unwrap();
    assert!(xmlsec1_accepts(
        dir.path(),
        &xml,
        &supplier_leaf.certificate_pem().unwrap()
    ));

    // Filing: the batch of the next day at 15:00 files it.
    let tomorrow = OffsetDateTime::now_utc() + Duration::days(1);
    let report = settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    assert_eq!((report.filed, report.sent, report.failed), (1, 1, 0));
    let (_, sent) = send(t.get("/v1/tax-invoices/INV-0001")).await;
    assert_eq!(
        (sent["state"].as_str(), sent["nts_result_code"].as_str()),
        (Some("sent"), Some("SUC001")),
        "{sent}"
    );
    let report = settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    assert_eq!(report.filed, 0, "nothing is filed twice");
    let cancel = format!("/v1/supplier/tax-invoices/{id}/cancel-issue");
    let (status, body) = send(supplier_post(&t, &supplier_session, &cancel, &json!({}))).await;
    assert_eq!(status, 409);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("sent"),
        "{body}"
    );
    let (status, _) = send(
        t.client
            .delete(t.url("/v1/tax-invoices/INV-0001"))
            .bearer_auth(&t.key),
    )
    .await;
    assert_eq!(status, 409, "a sent invoice cannot be deleted");

    let (status, amended) = send(t.post(
        "/v1/tax-invoices/INV-0001/amend",
        &json!({"reason_code": 4, "document_key": "INV-0001-C", "write_date": sent["write_date"]}),
    ))
    .await;
    assert_eq!(status, 201, "{amended}");
    let negative = &amended["data"][0];
    assert_eq!(
        (
            negative["state"].as_str(),
            negative["total"].as_str(),
            negative["amendment"]["reason_code"].as_u64()
        ),
        (Some("drafted"), Some("-22000"), Some(4))
    );
    assert_eq!(negative["amendment"]["original_approval_number"], approval);
    let (_, listed) = send(t.get(&format!(
        "/v1/tax-invoices?state=sent&partner_id={partner_id}"
    )))
    .await;
    let keys: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["document_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["INV-0001"]);
    // A draft written 70 days ago is past its deadline; the sent one was issued in time.
    let mut old = invoice("OLD-1", &partner_id);
    let long_ago =
        OffsetDateTime::now_utc().to_offset(settle_core::KST).date() - Duration::days(70);
    old["write_date"] = json!(long_ago.to_string());
    let (status, old) = send(t.post("/v1/tax-invoices", &old)).await;
    assert_eq!((status, old["late"].as_bool()), (201, Some(true)), "{old}");
    let (_, late) = send(t.get("/v1/tax-invoices?late=true")).await;
    let keys: Vec<&str> = late["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["document_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["OLD-1"]);
    let (_, on_time) = send(t.get("/v1/tax-invoices?late=false")).await;
    assert!(
        on_time["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["document_key"] != "OLD-1")
    );
    let (status, _) = send(t.get("/v1/tax-invoices?state=nonsense")).await;
    assert_eq!(status, 422);
    let (_, history) = send(t.get("/v1/tax-invoices/INV-0001/history")).await;
    let steps: Vec<(Value, Value)> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Value::Null, json!("drafted")),
            (json!("drafted"), json!("requested")),
            (json!("requested"), json!("issued")),
            (json!("issued"), json!("sending")),
            (json!("sending"), json!("sent")),
        ]
    );
    assert_eq!(
        history["data"][2]["actor"],
        format!("supplier:{}", supplier_brn.replace('-', ""))
    );
    let result = t
        .email_to("billing@platform.example", "국세청 전송 결과")
        .await;
    assert!(result.body.contains("SUC001"), "{}", result.body);

    // Refuse, withdraw, delete: the key comes back.
    let (_, second) = send(t.post("/v1/tax-invoices", &{
        let mut b = invoice("INV-0002", &partner_id);
        b["request"] = json!(true);
        b
    }))
    .await;
    assert_eq!(second["state"], "requested", "{second}");
    let second_id = second["id"].as_str().unwrap();
    let refuse = format!("/v1/supplier/tax-invoices/{second_id}/refuse");
    let (status, body) = send(supplier_post(&t, &supplier_session, &refuse, &json!({}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("tax_invoice.memo_required"))
    );
    let (status, refused) = send(supplier_post(
        &t,
        &supplier_session,
        &refuse,
        &json!({"memo": "금액 상이"}),
    ))
    .await;
    assert_eq!(
        (
            status,
            refused["state"].as_str(),
            refused["popbill_state_code"].as_u64()
        ),
        (200, Some("refused"), Some(400))
    );
    let (status, _) = send(t.post("/v1/tax-invoices", &invoice("INV-0002", &partner_id))).await;
    assert_eq!(
        status, 409,
        "the key of a refused document is reusable only after delete"
    );
    let (status, _) = send(
        t.client
            .delete(t.url("/v1/tax-invoices/INV-0002"))
            .bearer_auth(&t.key),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send(t.post("/v1/tax-invoices", &invoice("INV-0002", &partner_id))).await;
    assert_eq!(status, 201);

    // Another supplier's session sees none of these documents.
    let other_brn = brn(110_811_234);
    let other_id = create_partner(&t, &other_brn, "other@supplier.example").await;
    send(t.post(&format!("/v1/partners/{other_id}/nts-link"), &json!({}))).await;
    let (_, other_doc) = send(t.post("/v1/tax-invoices", &{
        let mut b = invoice("OTHER-1", &other_id);
        b["request"] = json!(true);
        b
    }))
    .await;
    let other_mail = t.email_to("other@supplier.example", "발행 요청").await;
    let other_token = token_of(&other_mail.body, &t.base);
    let (status, other_session) = session(&t, &other_token, &other_brn).await;
    assert_eq!(status, 201);
    let (status, _) = send(
        t.client
            .get(t.url(&format!("/v1/supplier/tax-invoices/{id}")))
            .header(
                "authorization",
                format!("Supplier {}", other_session["session"].as_str().unwrap()),
            ),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(supplier_post(
        &t,
        &supplier_session,
        &format!(
            "/v1/supplier/tax-invoices/{}/issue",
            other_doc["id"].as_str().unwrap()
        ),
        &json!({}),
    ))
    .await;
    assert_eq!(status, 404);

    // Wrong BRNs are throttled per link.
    for _ in 0..5 {
        let (status, _) = session(&t, &other_token, &supplier_brn).await;
        assert_eq!(status, 403);
    }
    let (status, body) = session(&t, &other_token, &other_brn).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("supplier.too_many_attempts"))
    );
    let (status, _) = session(&t, "not-a-token", &other_brn).await;
    assert_eq!(status, 404);
}

fn upload(t: &TestApp, query: &str, bytes: Vec<u8>, name: &str) -> reqwest::RequestBuilder {
    t.client
        .post(t.url(&format!("/v1/tax-invoices/batch{query}")))
        .bearer_auth(&t.key)
        .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned())))
}

async fn count_invoices(t: &TestApp) -> usize {
    let (_, page) = send(t.get("/v1/tax-invoices?limit=1000")).await;
    page["data"].as_array().unwrap().len()
}

async fn batch_uploads_report_by_row(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let supplier_brn = brn(124_810_123);
    let partner_id = create_partner(&t, &supplier_brn, "tax@supplier.example").await;
    send(t.post(&format!("/v1/partners/{partner_id}/nts-link"), &json!({}))).await;
    let today = OffsetDateTime::now_utc().to_offset(settle_core::KST).date();
    let header = "document_key,partner_brn,write_date,tax_type,purpose,request,item_name,supply_amount,tax_amount\n";
    let mut csv = String::from(header);
    // A: two lines, fine. B: its second line has a bad amount. C: a key used twice.
    // D: an unknown partner. E: a negative amount.
    for (key, partner, item, amount) in [
        ("A", supplier_brn.as_str(), "광고", "1000"),
        ("A", supplier_brn.as_str(), "수수료", "2,000"),
        ("B", supplier_brn.as_str(), "광고", "1000"),
        ("B", supplier_brn.as_str(), "광고", "abc"),
        ("C", supplier_brn.as_str(), "광고", "1000"),
        ("X", supplier_brn.as_str(), "광고", "1000"),
        ("C", supplier_brn.as_str(), "광고", "1000"),
        ("D", "110-81-12345", "광고", "1000"),
        ("E", supplier_brn.as_str(), "광고", "-500"),
    ] {
        csv.push_str(&format!(
            "{key},{partner},{today},taxable,claim,true,{item},\"{amount}\",\n"
        ));
    }
    let (status, report) = send(upload(&t, "", csv.clone().into_bytes(), "batch.csv")).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 3, "A, C (first) and X: {report}");
    let failed: Vec<(u64, String)> = report["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["row"].as_u64().unwrap(),
                f["errors"][0]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (4, "tax_invoice.amount_too_large".to_owned()),
            (7, "tax_invoice.duplicate_document_key".to_owned()),
            (8, "tax_invoice.unknown_partner".to_owned()),
            (9, "tax_invoice.non_positive_amount".to_owned()),
        ],
        "{report}"
    );
    let (_, a) = send(t.get("/v1/tax-invoices/A")).await;
    assert_eq!(
        (
            a["state"].as_str(),
            a["supply_total"].as_str(),
            a["items"].as_array().map(Vec::len)
        ),
        (Some("requested"), Some("3000"), Some(2))
    );
    let mails = t.emails(4).await;
    assert!(
        mails
            .iter()
            .filter(|m| m.subject.contains("발행 요청"))
            .count()
            >= 3
    );

    // The same file again: every key is taken now.
    let (_, again) = send(upload(&t, "", csv.into_bytes(), "batch.csv")).await;
    assert_eq!(again["created"], 0);

    // All or nothing.
    let before = count_invoices(&t).await;
    let mut bad = String::from(header);
    bad.push_str(&format!(
        "F,{supplier_brn},{today},taxable,claim,false,광고,1000,\n"
    ));
    bad.push_str(&format!(
        "G,{supplier_brn},{today},taxable,claim,false,광고,1000,5\n"
    ));
    let (status, body) = send(upload(&t, "?atomic=true", bad.into_bytes(), "bad.csv")).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("tax_invoice.batch_rejected")),
        "{body}"
    );
    assert_eq!(body["failed"][0]["row"], 2);
    assert_eq!(count_invoices(&t).await, before);

    // CP949 text and an XLSX workbook; 100 lines on one document are refused.
    let mut korean = String::from(header);
    korean.push_str(&format!(
        "H,{supplier_brn},{today},zero_rated,receipt,false,수출 대행,50000,\n"
    ));
    let (cp949, _, _) = encoding_rs::EUC_KR.encode(&korean);
    let (status, report) = send(upload(&t, "", cp949.into_owned(), "korean.csv")).await;
    assert_eq!(
        (status, report["created"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    let (_, h) = send(t.get("/v1/tax-invoices/H")).await;
    assert_eq!(
        (h["items"][0]["name"].as_str(), h["tax_total"].as_str()),
        (Some("수출 대행"), Some("0"))
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, name) in header.trim().split(',').enumerate() {
        sheet.write_string(0, column as u16, name).unwrap();
    }
    for row in 1..=100u32 {
        let values = [
            "LONG",
            &supplier_brn,
            &today.to_string(),
            "taxable",
            "claim",
            "false",
            "품목",
        ];
        for (column, value) in values.iter().enumerate() {
            sheet.write_string(row, column as u16, *value).unwrap();
        }
        sheet.write_number(row, 7, 1000.0).unwrap();
    }
    let xlsx = workbook.save_to_buffer().unwrap();
    let (status, report) = send(upload(&t, "", xlsx, "long.xlsx")).await;
    // Nothing could be created, so the batch is refused with its report.
    assert_eq!(
        (status, report["created"].as_u64()),
        (422, Some(0)),
        "{report}"
    );
    assert_eq!(
        report["failed"][0]["errors"][0]["code"],
        "tax_invoice.too_many_items"
    );

    // JSON, with the partner by BRN.
    let (status, report) = send(t.post(
        "/v1/tax-invoices/batch",
        &json!({"invoices": [
            {"document_key": "J1", "partner_brn": supplier_brn, "write_date": today.to_string(),
             "tax_type": "taxable", "purpose": "claim", "items": [{"name": "a", "supply_amount": 10}]},
            {"document_key": "J2", "partner_id": partner_id, "write_date": today.to_string(),
             "tax_type": "exempt", "purpose": "claim", "items": [{"name": "a", "supply_amount": 10}]}
        ]}),
    ))
    .await;
    assert_eq!(
        (status, report["created"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    assert_eq!(
        (
            report["failed"][0]["row"].as_u64(),
            report["failed"][0]["errors"][0]["code"].as_str()
        ),
        (Some(2), Some("tax_invoice.tax_exempt_not_allowed"))
    );
}

both_engines!(reverse_issuance_end_to_end, batch_uploads_report_by_row);
