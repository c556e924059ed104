//! Reverse issuance end to end over HTTP, on SQLite and PostgreSQL: the platform links
//! itself and a partner, drafts and requests; the supplier follows the emailed link
//! (read from the `.eml` file by Python's email parser), opens a session with its BRN,
//! registers its certificate and issues; xmlsec1 verifies the signed XML; the filing batch
//! sends it to the simulated NTS.

mod support;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf};
use settle_testkit::{TestEngine, both_engines, xmlsec1_accepts};
use support::{TestApp, brn, partner_body, send};
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "cert-password";
const TENANT_BRN: &str = "2208162517";

fn leaf(ca: &ThrowawayCa, brn: &str) -> ThrowawayLeaf {
    let mut spec = LeafSpec::new("test");
    spec.vid_brn = Some(brn.replace('-', ""));
    ca.issue(&spec).unwrap()
}

fn certificate_form(leaf: &ThrowawayLeaf) -> Form {
    Form::new()
        .part(
            "sign_cert",
            Part::bytes(leaf.certificate_der().unwrap()).file_name("signCert.der"),
        )
        .part(
            "sign_key",
            Part::bytes(
                leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
                    .unwrap(),
            )
            .file_name("signPri.key"),
        )
        .text("password", PASSWORD)
}

/// The tenant with its party data set and linked with its certificate.
async fn linked_tenant(t: &TestApp, ca: &ThrowawayCa) {
    let (status, body) = send(t.patch(
        "/v1/tenant",
        &json!({
            "ceo_name": "박대표", "address": "서울특별시 중구 세종대로 110",
            "biz_type": "서비스", "biz_item": "플랫폼",
            "contact": {"name": "정산팀", "email": "billing@platform.example"}
        }),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        t.client
            .post(t.url("/v1/tenant/nts-link"))
            .bearer_auth(&t.key)
            .multipart(certificate_form(&leaf(ca, TENANT_BRN))),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tenant"]["nts_link"]["status"], "linked");
}

async fn create_partner(t: &TestApp, brn: &str, email: &str) -> String {
    let mut body = partner_body(brn);
    body["contact"]["email"] = json!(email);
    let (status, partner) = send(t.post("/v1/partners", &body)).await;
    assert_eq!(status, 201, "{partner}");
    partner["id"].as_str().unwrap().to_owned()
}

fn invoice(key: &str, partner_id: &str) -> Value {
    let today = OffsetDateTime::now_utc().to_offset(settle_core::KST).date();
    json!({
        "document_key": key,
        "partner_id": partner_id,
        "write_date": today.to_string(),
        "tax_type": "taxable",
        "purpose": "claim",
        "items": [
            {"name": "판매 정산", "supply_amount": "9999"},
            {"name": "광고비", "supply_amount": 3000, "tax_amount": "300"}
        ]
    })
}

fn token_of(body: &str, base: &str) -> String {
    let start = body
        .find(&format!("{base}/s/"))
        .expect("the link is in the email");
    let rest = &body[start + base.len() + 3..];
    let token: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(token.len() >= 40, "token {token:?}");
    token
}

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
        (200, Some("requested"), Some(210))
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
    let mails = t.emails(6).await;
    assert!(
        mails
            .iter()
            .any(|m| m.subject.contains("국세청 전송 결과") && m.to == "billing@platform.example")
    );

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
    let mails = t.emails(10).await;
    let other_mail = mails
        .iter()
        .find(|m| m.to == "other@supplier.example" && m.subject.contains("발행 요청"))
        .expect("request to the other supplier");
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

both_engines!(reverse_issuance_end_to_end);
