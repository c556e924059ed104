//! The platform's workspace over HTTP, on SQLite and PostgreSQL: a signed-in user's pages
//! go through the same use cases as the API, show the API's error codes next to their
//! fields, and change nothing on bad input.

mod support;

use serde_json::json;
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::issuance::{PASSWORD, TENANT_BRN, certificate_files, leaf, linked_tenant};
use support::pages::{Browser, signed_in_staff};
use support::{TestApp, brn, send};

const ADMIN: &str = "admin@platform.example";

/// The partner form's fields for a valid business partner with `brn`.
fn partner_form<'a>(csrf: &'a str, brn: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("partner_type", "business"),
        ("brn", brn),
        ("name", "주식회사 가나다"),
        ("ceo_name", "홍길동"),
        ("address", "서울특별시 강남구 테헤란로 1"),
        ("biz_type", "서비스"),
        ("biz_item", "소프트웨어"),
        ("contact.name", "김정산"),
        ("contact.email", "tax@ganada.example"),
        ("contact.phone", "02-555-0100"),
        ("tags", "seller, top"),
    ]
}

async fn signed_out_visitors_go_to_the_sign_in_page(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = Browser::new(&t);
    for path in ["/app", "/app/partners", "/app/tax-invoices", "/app/setup"] {
        let (status, _, location) = browser.get(path).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/login")),
            "{path}"
        );
    }
}

async fn a_partner_is_created_by_form_and_a_bad_brn_is_shown_next_to_its_field(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let csrf = browser.csrf();
    let (status, page, _) = browser
        .post("/app/partners", &partner_form(&csrf, "220-81-62518", "0"))
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"brn-error\"") && page.contains("partner.invalid_brn"),
        "{page}"
    );
    assert!(
        page.contains("주식회사 가나다"),
        "what was typed stays: {page}"
    );
    let (_, list) = send(t.get("/v1/partners")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "nothing stored");
    let good = brn(124_810_123);
    let (status, _, location) = browser
        .post("/app/partners", &partner_form(&csrf, &good, "0"))
        .await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    let (status, page, _) = browser.get(&location).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("저장했습니다") && page.contains(&good),
        "{page}"
    );
    let (_, list) = send(t.get("/v1/partners")).await;
    assert_eq!(list["data"][0]["tags"], json!(["seller", "top"]));
}

async fn a_stale_edit_is_refused_and_changes_nothing(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let csrf = browser.csrf();
    let good = brn(124_810_123);
    let (_, _, location) = browser
        .post("/app/partners", &partner_form(&csrf, &good, "0"))
        .await;
    let path = location.unwrap().split('?').next().unwrap().to_owned();
    let id = path.rsplit('/').next().unwrap().to_owned();
    // Someone else edits through the API first.
    let (status, _) = send(t.patch(
        &format!("/v1/partners/{id}"),
        &json!({"ceo_name": "이몽룡"}),
    ))
    .await;
    assert_eq!(status, 200);
    let mut stale = partner_form(&csrf, &good, "1");
    stale.retain(|(k, _)| *k != "ceo_name");
    stale.push(("ceo_name", "성춘향"));
    let (status, page, _) = browser.post(&path, &stale).await;
    assert_eq!(status, 409);
    assert!(page.contains("partner.modified"), "{page}");
    let (_, partner) = send(t.get(&format!("/v1/partners/{id}"))).await;
    assert_eq!(partner["ceo_name"], "이몽룡");
}

async fn the_list_filters_by_nts_link_and_links_a_partner(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let csrf = browser.csrf();
    let (_, _, location) = browser
        .post(
            "/app/partners",
            &partner_form(&csrf, &brn(124_810_123), "0"),
        )
        .await;
    let path = location.unwrap().split('?').next().unwrap().to_owned();
    let (_, page, _) = browser.get("/app/partners?nts_link=linked").await;
    assert!(!page.contains("주식회사 가나다"), "{page}");
    let (status, _, _) = browser
        .post(&format!("{path}/nts-link"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let (_, page, _) = browser.get("/app/partners?nts_link=linked").await;
    assert!(
        page.contains("주식회사 가나다") && page.contains("연동됨"),
        "{page}"
    );
    let (_, page, _) = browser.get("/app/partners?q=%EA%B0%80%EB%82%98").await;
    assert!(page.contains("주식회사 가나다"), "{page}");
}

async fn a_sales_agent_reads_but_changes_nothing(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, "sales@platform.example", &["sales_agent"]).await;
    let (status, page, _) = browser.get("/app/partners").await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("/app/partners/new"),
        "no create button: {page}"
    );
    let csrf = browser.csrf();
    let (status, page, _) = browser
        .post(
            "/app/partners",
            &partner_form(&csrf, &brn(124_810_123), "0"),
        )
        .await;
    assert_eq!(status, 403);
    assert!(page.contains("권한이 없습니다"), "{page}");
    let (_, list) = send(t.get("/v1/partners")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
    let (status, _, _) = browser.get("/app/tax-invoices/new").await;
    assert_eq!(status, 403);
}

async fn the_platform_links_itself_on_the_setup_page(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let csrf = browser.csrf();
    let party = [
        ("csrf", csrf.as_str()),
        ("ceo_name", "박대표"),
        ("address", "서울특별시 중구 세종대로 110"),
        ("biz_type", "서비스"),
        ("biz_item", "플랫폼"),
        ("contact.name", "정산팀"),
        ("contact.email", "not an email"),
    ];
    let (status, page, _) = browser.post("/app/setup", &party).await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"contact.email-error\""), "{page}");
    let mut party = party.to_vec();
    party.pop();
    party.push(("contact.email", "billing@platform.example"));
    let (status, _, _) = browser.post("/app/setup", &party).await;
    assert_eq!(status, 303);
    let ca = ThrowawayCa::new("test CA").unwrap();
    let form = certificate_files(&leaf(&ca, TENANT_BRN))
        .text("csrf", csrf.clone())
        .text("password", PASSWORD);
    let response = browser
        .client
        .post(t.url("/app/setup/nts-link"))
        .header("cookie", browser.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (_, page, _) = browser.get("/app/setup").await;
    assert!(
        page.contains("연동됨") && page.contains("CN=test"),
        "{page}"
    );
    let (_, tenant) = send(t.get("/v1/tenant")).await;
    assert_eq!(tenant["nts_link"]["status"], "linked");
}

/// A tenant and a linked supplier; returns the supplier's id.
async fn ready_to_draft(t: &TestApp) -> String {
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(t, &ca).await;
    let partner =
        support::issuance::create_partner(t, &brn(124_810_123), "tax@supplier.example").await;
    let (status, _) = send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({}))).await;
    assert_eq!(status, 200);
    partner
}

fn draft_form<'a>(csrf: &'a str, partner: &'a str, op: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("op", op),
        ("partner_id", partner),
        ("document_key", "FORM-1"),
        ("write_date", "2026-12-01"),
        ("purpose", "claim"),
        ("items[0].name", "판매 정산"),
        ("items[0].supply_amount", "9999"),
        ("items[1].name", "광고비"),
        ("items[1].quantity", "3"),
        ("items[1].unit_price", "1000"),
        ("items[1].supply_amount", "3000"),
    ]
}

async fn a_tax_invoice_is_drafted_by_form_with_the_servers_totals(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = ready_to_draft(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let csrf = browser.csrf();
    let (status, page, _) = browser
        .post("/app/tax-invoices", &draft_form(&csrf, &partner, "preview"))
        .await;
    assert_eq!(status, 200);
    // 9,999 + 3,000; taxes truncated per line: 999 + 300.
    assert!(
        page.contains("12,999") && page.contains("1,299") && page.contains("14,298"),
        "{page}"
    );
    let (_, list) = send(t.get("/v1/tax-invoices")).await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        0,
        "a preview stores nothing"
    );
    let mut wrong = draft_form(&csrf, &partner, "draft");
    wrong.push(("items[1].tax_amount", "301"));
    wrong.retain(|(k, v)| !(*k == "items[1].supply_amount" && *v == "3000"));
    wrong.push(("items[1].supply_amount", "2000"));
    let (status, page, _) = browser.post("/app/tax-invoices", &wrong).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("items[1].supply_amount-error") || page.contains("items[1]"),
        "{page}"
    );
    let (status, _, location) = browser
        .post("/app/tax-invoices", &draft_form(&csrf, &partner, "request"))
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/app/tax-invoices/FORM-1"))
    );
    let (_, api) = send(t.get("/v1/tax-invoices/FORM-1")).await;
    assert_eq!(api["state"], "requested");
    assert_eq!(api["total"], "14298");
    let (status, page, _) = browser.get("/app/tax-invoices/FORM-1").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("발행 요청 취소") && page.contains("14,298"),
        "{page}"
    );
    let (status, _, _) = browser
        .post(
            "/app/tax-invoices/FORM-1/cancel-request",
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, api) = send(t.get("/v1/tax-invoices/FORM-1")).await;
    assert_eq!(api["state"], "request_cancelled");
    let (_, page, _) = browser
        .get("/app/tax-invoices?state=request_cancelled")
        .await;
    assert!(page.contains("FORM-1"), "{page}");
    let (_, page, _) = browser.get("/app/tax-invoices?state=drafted").await;
    assert!(!page.contains("FORM-1"), "{page}");
}

async fn an_upload_that_is_not_a_spreadsheet_is_refused_with_its_code(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    ready_to_draft(&t).await;
    let browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", browser.csrf())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy".to_vec())
                .file_name("invoices.xls"),
        );
    let response = browser
        .client
        .post(t.url("/app/tax-invoices/upload"))
        .header("cookie", browser.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("class=\"error\""), "{page}");
    let (_, list) = send(t.get("/v1/tax-invoices")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);
}

/// The upload page at `path` once the worker has finished (it refreshes itself until then;
/// this reads it again until the report is there, for up to 20 s).
async fn finished_upload(browser: &mut Browser, path: &str) -> String {
    for _ in 0..400 {
        let (status, page, _) = browser.get(path).await;
        assert_eq!(status, 200, "{page}");
        if !page.contains("id=\"refresh\"") {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the upload at {path} did not finish");
}

async fn a_bulk_upload_reports_its_rows(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    ready_to_draft(&t).await;
    let browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let supplier = brn(124_810_123);
    let csv = format!(
        "document_key,partner_brn,write_date,tax_type,purpose,item_name,supply_amount\n\
         UP-1,{supplier},2026-12-01,taxable,claim,판매 정산,10000\n\
         UP-2,{supplier},2026-12-01,taxable,claim,판매 정산,-x\n"
    );
    let form = reqwest::multipart::Form::new()
        .text("csrf", browser.csrf())
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("invoices.csv"),
        );
    let response = browser
        .client
        .post(t.url("/app/tax-invoices/upload"))
        .header("cookie", browser.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let progress = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(progress.starts_with("/app/uploads/upl_"), "{progress}");
    let mut browser = browser;
    let page = finished_upload(&mut browser, &progress).await;
    assert!(page.contains("문서 1건을 만들었고 1개 행에"), "{page}");
    assert!(
        page.contains("UP-2") && page.contains("supply_amount"),
        "{page}"
    );
    let (_, list) = send(t.get("/v1/tax-invoices")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

async fn a_user_admin_invites_users_and_makes_keys_on_pages(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["user_admin"]).await;
    let csrf = browser.csrf();
    let (status, page, _) = browser
        .post(
            "/app/users",
            &[
                ("csrf", &csrf),
                ("email", "new@platform.example"),
                ("role_sales_agent", "on"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("/login/link/") && page.contains("new@platform.example"),
        "{page}"
    );
    let (_, users) = send(t.get("/v1/users")).await;
    let new = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "new@platform.example")
        .unwrap();
    assert_eq!(new["roles"], json!(["sales_agent"]));
    let id = new["id"].as_str().unwrap();
    let (status, page, _) = browser
        .post(
            &format!("/app/users/{id}/roles"),
            &[
                ("csrf", &csrf),
                ("role_admin_agent", "on"),
                ("role_sales_agent", "on"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let (_, user) = send(t.get(&format!("/v1/users/{id}"))).await;
    assert_eq!(user["roles"], json!(["admin_agent", "sales_agent"]));
    // No role at all is refused with the API's code, and changes nothing.
    let (status, page, _) = browser
        .post(&format!("/app/users/{id}/roles"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("user.missing_role"), "{page}");
    let (status, page, _) = browser
        .post(
            "/app/api-keys",
            &[("csrf", &csrf), ("name", "erp"), ("role_sales_agent", "on")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let start = page.find("sk_").expect("the key is shown once");
    let key: String = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let (status, _) = send(t.client.get(t.url("/v1/partners")).bearer_auth(&key)).await;
    assert_eq!(status, 200, "the shown key works");
}

async fn others_see_no_user_or_key_forms(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["billing_admin"]).await;
    let (status, page, _) = browser.get("/app/users").await;
    assert_eq!(status, 403, "{page}");
    let csrf = browser.csrf();
    let (status, _, _) = browser
        .post(
            "/app/api-keys",
            &[("csrf", &csrf), ("role_user_admin", "on")],
        )
        .await;
    assert_eq!(status, 403);
    let (_, keys) = send(t.get("/v1/api-keys")).await;
    assert_eq!(
        keys["data"].as_array().unwrap().len(),
        1,
        "only the test's own key"
    );
}

/// A requested invoice, issued by its supplier and filed: returns its key.
async fn sent_invoice(t: &TestApp) -> &'static str {
    let requested = support::issuance::requested_invoice(t, "SENT-1", "tax@supplier.example").await;
    let opened =
        settle_app::supplier::open_session(&t.app, &requested.token, &requested.supplier_brn)
            .await
            .unwrap();
    let session = settle_app::supplier::authenticate(&t.app, &opened.session)
        .await
        .unwrap();
    let own = leaf(&requested.ca, &requested.supplier_brn);
    let files = settle_app::certificates::CertificateFiles::Npki {
        certificate: own.certificate_der().unwrap(),
        key: own
            .sign_pri_kisa(PASSWORD, settle_nts::certificate::OID_SEED_CBC_WITH_SHA1)
            .unwrap(),
    };
    settle_app::supplier::register_certificate(&t.app, &session, files, PASSWORD)
        .await
        .unwrap();
    settle_app::supplier::issue(&t.app, &session, &opened.tax_invoice_id, None)
        .await
        .unwrap();
    let (status, body) = send(t.post("/v1/tax-invoices/SENT-1/send-to-nts", &json!({}))).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("sent")),
        "{body}"
    );
    "SENT-1"
}

async fn a_filed_invoice_is_amended_on_its_page(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let key = sent_invoice(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let (_, page, _) = browser.get(&format!("/app/tax-invoices/{key}")).await;
    assert!(
        page.contains(&format!("/app/tax-invoices/{key}/amend")),
        "{page}"
    );
    let csrf = browser.csrf();
    let amend = format!("/app/tax-invoices/{key}/amend");
    let (status, page, _) = browser
        .post(
            &amend,
            &[
                ("csrf", &csrf),
                ("reason_code", "9"),
                ("document_key", "SENT-1-A"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("tax_invoice.invalid_reason_code"), "{page}");
    let (status, _, location) = browser
        .post(
            &amend,
            &[
                ("csrf", &csrf),
                ("reason_code", "4"),
                ("document_key", "SENT-1-A"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/app/tax-invoices/SENT-1-A"))
    );
    let (_, amendment) = send(t.get("/v1/tax-invoices/SENT-1-A")).await;
    assert_eq!(amendment["state"], "drafted");
    assert!(
        amendment["total"].as_str().unwrap().starts_with('-'),
        "{amendment}"
    );
}

async fn a_billing_profile_is_added_on_the_partners_page(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner =
        support::issuance::create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &["billing_admin"]).await;
    let csrf = browser.csrf();
    let path = format!("/app/partners/{partner}/billing-profiles");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("billing_currency", "XYZ"),
        ("template", "lrd"),
        ("country", "KR"),
        ("payment_terms_days", "30"),
        ("po_number", "PO-7"),
        ("sold_to.name", "Ganada Inc."),
        ("sold_to.address", "1 Teheran-ro, Seoul"),
        ("bill_to.name", "Ganada Inc."),
        ("bill_to.address", "1 Teheran-ro, Seoul"),
    ];
    let (status, page, _) = browser.post(&path, &form).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"billing_currency-error\""), "{page}");
    form[1] = ("billing_currency", "usd");
    let (status, _, location) = browser.post(&path, &form).await;
    assert_eq!((status, location.as_deref()), (303, Some(path.as_str())));
    let (_, page, _) = browser.get(&path).await;
    assert!(page.contains("USD") && page.contains("PO-7"), "{page}");
    let (_, profiles) = send(t.get(&format!("/v1/billing-profiles?partner_id={partner}"))).await;
    assert_eq!(profiles["data"][0]["billing_currency"], "USD");
    let (status, page, _) = browser.get("/app/charges?period=2026-13").await;
    assert_eq!(status, 422);
    assert!(page.contains("request.invalid_query"), "{page}");
}

async fn a_draft_is_edited_on_its_page_then_requested(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = ready_to_draft(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["admin_agent"]).await;
    let csrf = browser.csrf();
    let (status, _, _) = browser
        .post("/app/tax-invoices", &draft_form(&csrf, &partner, "draft"))
        .await;
    assert_eq!(status, 303);
    let (status, page, _) = browser.get("/app/tax-invoices/FORM-1/edit").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("value=\"9999\"") && page.contains("/app/tax-invoices/FORM-1/edit"),
        "{page}"
    );
    let mut edited = draft_form(&csrf, &partner, "draft");
    edited.retain(|(k, _)| *k != "items[0].supply_amount");
    edited.push(("items[0].supply_amount", "20000"));
    let (status, _, location) = browser.post("/app/tax-invoices/FORM-1/edit", &edited).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/app/tax-invoices/FORM-1"))
    );
    let (_, api) = send(t.get("/v1/tax-invoices/FORM-1")).await;
    assert_eq!(
        (api["state"].as_str(), api["supply_total"].as_str()),
        (Some("drafted"), Some("23000"))
    );
    let mut request = edited.clone();
    request.retain(|(k, _)| *k != "op");
    request.push(("op", "request"));
    let (status, _, _) = browser
        .post("/app/tax-invoices/FORM-1/edit", &request)
        .await;
    assert_eq!(status, 303);
    let (_, api) = send(t.get("/v1/tax-invoices/FORM-1")).await;
    assert_eq!(api["state"], "requested");
    // A requested invoice is no longer edited: the use case's refusal, nothing changed.
    let (status, page, _) = browser.post("/app/tax-invoices/FORM-1/edit", &edited).await;
    assert_eq!(status, 409, "{page}");
    assert!(
        page.contains("tax_invoice.invalid_state") || page.contains("이미 처리되었습니다"),
        "{page}"
    );
}

async fn a_sales_agent_sees_only_its_assigned_partners(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let mine =
        support::issuance::create_partner(&t, &brn(124_810_123), "mine@supplier.example").await;
    let theirs =
        support::issuance::create_partner(&t, &brn(105_810_111), "theirs@supplier.example").await;
    for (partner, key) in [(&mine, "MINE-1"), (&theirs, "THEIRS-1")] {
        let (status, _) =
            send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({}))).await;
        assert_eq!(status, 200);
        let (status, body) = send(t.post(
            "/v1/tax-invoices",
            &support::issuance::invoice(key, partner),
        ))
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let mut agent = signed_in_staff(&t, "sales@platform.example", &["sales_agent"]).await;
    let (_, users) = send(t.get("/v1/users")).await;
    let user = users["data"][0]["id"].as_str().unwrap().to_owned();
    // Nothing assigned yet: nothing seen.
    let (_, page, _) = agent.get("/app/partners").await;
    assert!(!page.contains(&mine) && !page.contains(&theirs), "{page}");
    let path = format!("/v1/users/{user}/partners");
    let (status, body) = send(t.post(
        &path,
        &json!({"partner_id": "par_01jz0000000000000000000000"}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("partner.not_found"))
    );
    let (status, body) = send(t.post(&path, &json!({"partner_id": mine}))).await;
    assert_eq!((status, body["data"].clone()), (200, json!([mine])));
    // The next request reads the assignment.
    let (_, page, _) = agent.get("/app/partners").await;
    assert!(page.contains(&mine) && !page.contains(&theirs), "{page}");
    let (_, page, _) = agent.get("/app/tax-invoices").await;
    assert!(
        page.contains("MINE-1") && !page.contains("THEIRS-1"),
        "{page}"
    );
    let (status, _, _) = agent.get("/app/tax-invoices/THEIRS-1").await;
    assert_eq!(
        status, 404,
        "another partner's document does not exist for it"
    );
    let (status, _, _) = agent.get(&format!("/app/partners/{theirs}")).await;
    assert_eq!(status, 404);
    let (status, _, _) = agent.get(&format!("/app/partners/{mine}")).await;
    assert_eq!(status, 200);
    // Other roles see everything; taking the partner away hides it again.
    let mut admin = signed_in_staff(&t, ADMIN, &["admin_agent", "sales_agent"]).await;
    let (_, page, _) = admin.get("/app/tax-invoices").await;
    assert!(
        page.contains("MINE-1") && page.contains("THEIRS-1"),
        "{page}"
    );
    let (_, page, _) = admin
        .get(&format!("/app/tax-invoices?partner_id={theirs}"))
        .await;
    assert!(
        page.contains("THEIRS-1") && !page.contains("MINE-1"),
        "the partner filter: {page}"
    );
    let (status, body) = send(
        t.client
            .delete(t.url(&format!("{path}/{mine}")))
            .bearer_auth(&t.key),
    )
    .await;
    assert_eq!((status, body["data"].clone()), (200, json!([])));
    let (status, _, _) = agent.get("/app/tax-invoices/MINE-1").await;
    assert_eq!(status, 404);
}

async fn a_user_admin_assigns_partners_on_the_partner_page(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner =
        support::issuance::create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    signed_in_staff(&t, "sales@platform.example", &["sales_agent"]).await;
    let mut admin = signed_in_staff(&t, ADMIN, &["user_admin", "admin_agent"]).await;
    let (_, page, _) = admin.get(&format!("/app/partners/{partner}")).await;
    assert!(
        page.contains("sales@platform.example") && page.contains("/assign\""),
        "{page}"
    );
    let (_, users) = send(t.get("/v1/users")).await;
    let agent = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sales@platform.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let csrf = admin.csrf();
    let (status, _, _) = admin
        .post(
            &format!("/app/partners/{partner}/agents/{agent}/assign"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, assigned) = send(t.get(&format!("/v1/users/{agent}/partners"))).await;
    assert_eq!(assigned["data"], json!([partner]));
}

async fn profiles_are_edited_and_charges_recorded_on_pages(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner =
        support::issuance::create_partner(&t, &brn(124_810_123), "tax@supplier.example").await;
    let address = json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let profile = json!({
        "partner_id": partner, "sold_to": address, "bill_to": address, "po_number": "PO-1",
        "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"
    });
    let (status, created) = send(t.post("/v1/billing-profiles", &profile)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let mut browser = signed_in_staff(&t, ADMIN, &["billing_admin"]).await;
    let (_, page, _) = browser.get(&format!("/app/partners/{partner}")).await;
    assert!(
        page.contains("위탁받은 개인정보") && page.contains("tax@supplier.example"),
        "{page}"
    );
    let csrf = browser.csrf();
    let path = format!("/app/billing-profiles/{id}");
    let edit = |days: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("po_number", "PO-9".to_owned()),
            ("payment_terms_days", days.to_owned()),
            ("bill_to.name", "Ganada Inc.".to_owned()),
            ("bill_to.address", "2 Teheran-ro, Seoul".to_owned()),
        ]
    };
    let form = edit("-3");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page, _) = browser.post(&path, &pairs).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("payment_terms_days-error"), "{page}");
    let form = edit("45");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = browser.post(&path, &pairs).await;
    assert_eq!(status, 303);
    let (_, stored) = send(t.get(&format!("/v1/billing-profiles/{id}"))).await;
    assert_eq!(
        (
            stored["po_number"].as_str(),
            stored["payment_terms_days"].as_i64()
        ),
        (Some("PO-9"), Some(45))
    );
    let charge = |quantity: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("partner_id", partner.clone()),
            ("order_id", "O-1".to_owned()),
            ("order_date", "2026-10-01".to_owned()),
            ("product_id", "P-1".to_owned()),
            ("sku_id", "S-1".to_owned()),
            ("product_name", "Cloud plan".to_owned()),
            ("charge_type", "new".to_owned()),
            ("quantity", quantity.to_owned()),
            ("unit_price", "12.50".to_owned()),
            ("pricing_currency", "usd".to_owned()),
            ("tax_rate", "0.10".to_owned()),
            ("charge_start", "2026-10-01".to_owned()),
            ("charge_end", "2026-10-31".to_owned()),
            ("series", "G".to_owned()),
        ]
    };
    let form = charge("two");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page, _) = browser.post("/app/charges/new", &pairs).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"quantity-error\""), "{page}");
    let form = charge("2");
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, page, _) = browser.post("/app/charges/new", &pairs).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("2026-10"), "{page}");
    let (_, charges) = send(t.get("/v1/charges")).await;
    assert_eq!(charges["data"].as_array().unwrap().len(), 1, "{charges}");
}

async fn bad_list_filters_are_refused_with_the_apis_code(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &["billing_admin"]).await;
    for path in [
        "/app/invoices?period=garbage",
        "/app/tax-invoices?partner_id=nope",
        "/app/tax-invoices?from=yesterday",
        "/app/tax-invoices?cursor=%27%20OR%201%3D1",
    ] {
        let (status, page, _) = browser.get(path).await;
        assert_eq!(status, 422, "{path}");
        assert!(
            page.contains("request.invalid_query") || page.contains("pagination.invalid_cursor"),
            "{path}: {page}"
        );
    }
}

/// Downloads `path` with the browser's session; returns the content type and the bytes.
async fn download(t: &TestApp, browser: &Browser, path: &str) -> (String, Vec<u8>) {
    let response = t
        .client
        .get(t.url(path))
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (kind, response.bytes().await.unwrap().to_vec())
}

async fn documents_on_pages_link_their_pdfs(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let key = sent_invoice(&t).await;
    let partner =
        support::issuance::create_partner(&t, &brn(124_810_777), "billing@partner.example").await;
    let address = json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let profile = json!({
        "partner_id": partner, "sold_to": address, "bill_to": address,
        "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"
    });
    let (status, _) = send(t.post("/v1/billing-profiles", &profile)).await;
    assert_eq!(status, 201);
    let charge = json!({
        "partner_id": partner, "order_id": "O-1", "order_date": "2026-10-01",
        "product_id": "P-1", "sku_id": "S-1", "product_name": "Cloud plan", "charge_type": "new",
        "quantity": 1, "unit_price": "12.50", "pricing_currency": "USD", "tax_rate": "0.10",
        "charge_start": "2026-10-01", "charge_end": "2026-10-31", "series": "G"
    });
    let (status, _) = send(t.post("/v1/charges", &charge)).await;
    assert_eq!(status, 201);
    let (_, run) = send(t.post("/v1/billing-runs", &json!({"period": "2026-10"}))).await;
    let run = run["id"].as_str().unwrap();
    let (_, done) = send(t.post(&format!("/v1/billing-runs/{run}/finalize"), &json!({}))).await;
    let invoice = done["data"][0]["id"].as_str().unwrap();
    let mut browser = signed_in_staff(&t, ADMIN, &["billing_admin", "admin_agent"]).await;

    let (_, page, _) = browser.get(&format!("/app/invoices/{invoice}")).await;
    let link = format!("/app/invoices/{invoice}/pdf");
    assert!(page.contains(&link), "{page}");
    let (kind, bytes) = download(&t, &browser, &link).await;
    assert_eq!(kind, "application/pdf");
    assert!(bytes.starts_with(b"%PDF-"));
    let ubl = format!("/app/invoices/{invoice}/ubl");
    let reconciliation = format!("/app/invoices/{invoice}/reconciliation");
    assert!(
        page.contains(&ubl) && page.contains(&reconciliation),
        "{page}"
    );
    let (kind, bytes) = download(&t, &browser, &ubl).await;
    assert_eq!(kind, "application/xml");
    assert!(String::from_utf8(bytes).unwrap().contains("<Invoice"));
    let (kind, bytes) = download(&t, &browser, &reconciliation).await;
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(String::from_utf8(bytes).unwrap().contains("Cloud plan"));

    let (_, page, _) = browser.get(&format!("/app/tax-invoices/{key}")).await;
    let link = format!("/app/tax-invoices/{key}/pdf");
    assert!(page.contains(&link), "{page}");
    let (kind, bytes) = download(&t, &browser, &link).await;
    assert_eq!(kind, "application/pdf");
    assert!(bytes.starts_with(b"%PDF-"));

    let (_, page, _) = browser
        .get(&format!("/app/partners/{partner}/statement"))
        .await;
    let csv = format!("/app/partners/{partner}/statement/csv");
    assert!(
        page.contains(&csv) && page.contains("/statement/pdf"),
        "{page}"
    );
    let start = page.find(&csv).unwrap();
    let href = &page[start..start + page[start..].find('"').unwrap()];
    let (kind, bytes) = download(&t, &browser, &href.replace("&amp;", "&")).await;
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(String::from_utf8(bytes).unwrap().contains("balance"));
    let (status, _, _) = browser
        .get(&format!("/app/partners/{partner}/statement/xls"))
        .await;
    assert_eq!(status, 404);
}

both_engines!(
    documents_on_pages_link_their_pdfs,
    bad_list_filters_are_refused_with_the_apis_code,
    profiles_are_edited_and_charges_recorded_on_pages,
    a_sales_agent_sees_only_its_assigned_partners,
    a_user_admin_assigns_partners_on_the_partner_page,
    a_draft_is_edited_on_its_page_then_requested,
    a_billing_profile_is_added_on_the_partners_page,
    a_filed_invoice_is_amended_on_its_page,
    a_user_admin_invites_users_and_makes_keys_on_pages,
    others_see_no_user_or_key_forms,
    signed_out_visitors_go_to_the_sign_in_page,
    a_partner_is_created_by_form_and_a_bad_brn_is_shown_next_to_its_field,
    a_stale_edit_is_refused_and_changes_nothing,
    the_list_filters_by_nts_link_and_links_a_partner,
    a_sales_agent_reads_but_changes_nothing,
    the_platform_links_itself_on_the_setup_page,
    a_tax_invoice_is_drafted_by_form_with_the_servers_totals,
    an_upload_that_is_not_a_spreadsheet_is_refused_with_its_code,
    a_bulk_upload_reports_its_rows
);
