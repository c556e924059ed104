//! The first seed's whole path in a real headless Chromium, on both engines: the platform
//! sets itself up and links itself with the NTS, registers and links a partner, drafts an
//! invoice by form and 1,000 by upload, requests; the supplier approves from the email; the
//! filing batch runs and the platform sees the invoice sent. A sales agent sees the pages
//! but no button that changes anything. Every page is screenshotted and checked by axe-core.

mod support;

use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::browser::Browser;
use support::issuance::{PASSWORD, TENANT_BRN, leaf, token_of};
use support::{TestApp, brn, send};

const DOCUMENTS: usize = 1000;

fn engine_name(engine: TestEngine) -> &'static str {
    match engine {
        TestEngine::Sqlite => "sqlite",
        TestEngine::Postgres => "postgres",
    }
}

/// Invites `email` with `roles` and sets its password in `browser`.
async fn first_sign_in(t: &TestApp, browser: &Browser, email: &str, roles: &[&str]) {
    let body = serde_json::json!({ "email": email, "roles": roles });
    let (status, user) = send(t.post("/v1/users", &body)).await;
    assert_eq!(status, 201, "{user}");
    browser.visit(user["login_url"].as_str().unwrap()).await;
    browser.fill("new_password", "correct horse battery").await;
    browser
        .fill("confirm_password", "correct horse battery")
        .await;
    browser.click("main form button[type=submit]").await;
    assert_eq!(browser.path().await, "/account");
}

/// A CSV of `count` one-line invoices from `supplier`.
fn upload_csv(supplier: &str, count: usize) -> String {
    let mut csv = String::from(
        "document_key,partner_brn,write_date,tax_type,purpose,item_name,supply_amount\n",
    );
    for i in 0..count {
        csv.push_str(&format!(
            "BULK-{i:04},{supplier},2026-12-01,taxable,claim,판매 정산 {i},{}\n",
            10_000 + i
        ));
    }
    csv
}

async fn the_platform_walks_the_first_seed(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let test = format!("workspace-first-seed-{}", engine_name(engine));
    let mut browser = Browser::start(&t.base, &test).await;
    first_sign_in(&t, &browser, "admin@platform.example", &["admin_agent"]).await;
    // 세금계산서 연동 관리: the platform's data, then 국세청 연동 with its certificate.
    browser.visit("/app/setup").await;
    browser.check_page("setup").await;
    browser.fill("ceo_name", "박대표").await;
    browser
        .fill("address", "서울특별시 중구 세종대로 110")
        .await;
    browser.fill("contact.name", "정산팀").await;
    browser
        .fill("contact.email", "billing@platform.example")
        .await;
    browser
        .click("form[action='/app/setup'] button[type=submit]")
        .await;
    assert!(browser.text().await.contains("저장했습니다"));
    let files = tempfile::tempdir().unwrap();
    let ca = ThrowawayCa::new("test CA").unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = files.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let platform = leaf(&ca, TENANT_BRN);
    let cert = write("tenant.der", platform.certificate_der().unwrap());
    let key = write(
        "tenant.key",
        platform
            .sign_pri_kisa(PASSWORD, settle_nts::certificate::OID_SEED_CBC_WITH_SHA1)
            .unwrap(),
    );
    browser.choose_file("sign_cert", &cert).await;
    browser.choose_file("sign_key", &key).await;
    browser.fill("password", PASSWORD).await;
    browser
        .click("form[action='/app/setup/nts-link'] button[type=submit]")
        .await;
    assert!(
        browser.text().await.contains("연동됨"),
        "{}",
        browser.text().await
    );
    browser.check_page("setup-linked").await;
    // A partner by form, linked with the NTS.
    let supplier = brn(124_810_123);
    browser.visit("/app/partners/new").await;
    browser.check_page("partner-new").await;
    for (field, value) in [
        ("brn", supplier.as_str()),
        ("name", "주식회사 가나다"),
        ("ceo_name", "홍길동"),
        ("address", "서울특별시 강남구 테헤란로 1"),
        ("biz_type", "서비스"),
        ("biz_item", "소프트웨어"),
        ("contact.name", "김정산"),
        ("contact.email", "tax@supplier.example"),
    ] {
        browser.fill(field, value).await;
    }
    browser.click("form.card button[type=submit]").await;
    browser.check_page("partner-saved").await;
    browser
        .click("form[action$='/nts-link'] button[type=submit]")
        .await;
    assert!(browser.text().await.contains("연동됨"));
    browser.visit("/app/partners").await;
    browser.check_page("partners").await;
    // 세금계산서 작성: one by form, computed, then requested.
    browser.visit("/app/tax-invoices/new").await;
    let partner_option = browser
        .client
        .find(fantoccini::Locator::Css("#partner_id option:nth-child(2)"))
        .await
        .unwrap();
    partner_option.click().await.unwrap();
    browser.fill("document_key", "FORM-1").await;
    browser.fill("items[0].name", "판매 정산").await;
    browser.fill("items[0].supply_amount", "9999").await;
    browser.click("button[value=preview]").await;
    assert!(
        browser.text().await.contains("10,998"),
        "{}",
        browser.text().await
    );
    browser.check_page("tax-invoice-computed").await;
    browser.click("button[value=request]").await;
    assert!(
        browser.text().await.contains("발행 요청됨"),
        "{}",
        browser.text().await
    );
    browser.check_page("tax-invoice-requested").await;
    // 세금계산서 일괄등록: 1,000 documents from a file.
    let csv = write(
        "invoices.csv",
        upload_csv(&supplier, DOCUMENTS).into_bytes(),
    );
    browser.visit("/app/tax-invoices/upload").await;
    browser.choose_file("file", &csv).await;
    browser
        .click("form[enctype='multipart/form-data'] button[type=submit]")
        .await;
    assert!(browser.path().await.starts_with("/app/uploads/"));
    browser.check_page("tax-invoices-upload-progress").await;
    let done = format!("문서 {DOCUMENTS}건을 만들었고 0개");
    browser.wait_for_text(&done).await;
    browser.check_page("tax-invoices-uploaded").await;
    browser.visit("/app/tax-invoices?state=drafted").await;
    assert!(browser.text().await.contains("BULK-0000"));
    browser.check_page("tax-invoices-drafted").await;
    // The supplier approves from the email (part 1's pages).
    let mail = t
        .email_to("tax@supplier.example", "세금계산서 발행 요청")
        .await;
    let token = token_of(&mail.body, &t.base);
    browser.visit(&format!("/s/{token}")).await;
    browser.fill("brn", &supplier).await;
    browser.click("main form button[type=submit]").await;
    browser.click_link("공동인증서 등록").await;
    let own = leaf(&ca, &supplier);
    let cert = write("supplier.der", own.certificate_der().unwrap());
    let key = write(
        "supplier.key",
        own.sign_pri_kisa(PASSWORD, settle_nts::certificate::OID_SEED_CBC_WITH_SHA1)
            .unwrap(),
    );
    browser.choose_file("sign_cert", &cert).await;
    browser.choose_file("sign_key", &key).await;
    browser.fill("password", PASSWORD).await;
    browser.click("main form button[type=submit]").await;
    browser.click_link("돌아가기").await;
    browser.click_link("발행(승인)").await;
    browser.click("main form button[type=submit]").await;
    assert!(browser.text().await.contains("발행 완료"));
    // The next day's filing batch; the platform sees the invoice sent.
    let tomorrow = t.app.now() + time::Duration::days(1);
    let report = settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    browser.visit("/app/tax-invoices/FORM-1").await;
    let page = browser.text().await;
    assert!(
        page.contains("국세청 전송 완료") || page.contains("전송 완료"),
        "{page}"
    );
    browser.check_page("tax-invoice-sent").await;
    browser.close().await;
}

async fn a_sales_agent_sees_no_button_that_changes_anything(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let test = format!("workspace-sales-agent-{}", engine_name(engine));
    let mut browser = Browser::start(&t.base, &test).await;
    first_sign_in(&t, &browser, "sales@platform.example", &["sales_agent"]).await;
    for (path, name) in [
        ("/app", "home"),
        ("/app/partners", "partners"),
        ("/app/tax-invoices", "tax-invoices"),
        ("/app/setup", "setup"),
        ("/app/invoices", "invoices"),
        ("/app/charges", "charges"),
        ("/app/payments", "payments"),
        ("/app/rebill-requests", "rebill-requests"),
        ("/app/reconciliation?period=2026-10", "reconciliation"),
        ("/app/settlements", "settlements"),
    ] {
        browser.visit(path).await;
        let buttons = browser
            .client
            .find_all(fantoccini::Locator::Css(
                "main form[method=post] button, a.button",
            ))
            .await
            .unwrap();
        // The sign-out button is the one form every page has.
        assert!(
            buttons.len() <= 1,
            "{path} offers {} buttons",
            buttons.len()
        );
        browser.check_page(name).await;
    }
    browser.close().await;
}

/// A partner billed in USD with two October charges; returns the partner id.
async fn billed_partner(t: &TestApp) -> String {
    let (status, partner) =
        send(t.post("/v1/partners", &support::partner_body(&brn(124_810_001)))).await;
    assert_eq!(status, 201, "{partner}");
    let id = partner["id"].as_str().unwrap().to_owned();
    let address = serde_json::json!({"name": "Ganada Inc.", "address": "1 Teheran-ro, Seoul", "country": "KR"});
    let profile = serde_json::json!({
        "partner_id": id, "sold_to": address, "bill_to": address, "po_number": "PO-1",
        "payment_terms_days": 30, "billing_currency": "USD", "template": "lrd", "country": "KR"
    });
    let (status, body) = send(t.post("/v1/billing-profiles", &profile)).await;
    assert_eq!(status, 201, "{body}");
    let charge = |order: &str, price: &str, quantity: i64| {
        serde_json::json!({
            "partner_id": id, "order_id": order, "order_date": "2026-10-01",
            "product_id": "CFQ7TTC0LF8R", "sku_id": "0001", "product_name": "Microsoft 365 E3",
            "charge_type": "new", "quantity": quantity, "unit_price": price, "pricing_currency": "USD",
            "tax_rate": "0.10", "charge_start": "2026-10-01", "charge_end": "2026-10-31", "series": "G"
        })
    };
    let mut marketplace = charge("O-3", "5.00", 4);
    marketplace["marketplace"] = serde_json::json!(true);
    marketplace["publisher_name"] = serde_json::json!("Contoso Ltd");
    marketplace["publisher_address"] = serde_json::json!("1 Contoso Way, Redmond WA");
    let charges = serde_json::json!({"charges": [charge("O-1", "36.00", 10), charge("O-2", "12.50", 2), marketplace]});
    let (status, body) = send(t.post("/v1/charges", &charges)).await;
    assert_eq!(status, 201, "{body}");
    id
}

async fn billing_admins_walk_the_second_seed(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = billed_partner(&t).await;
    let test = format!("workspace-second-seed-{}", engine_name(engine));
    let mut alice = Browser::start(&t.base, &format!("{test}-alice")).await;
    first_sign_in(&t, &alice, "alice@platform.example", &["billing_admin"]).await;
    // Run the period and finalize its drafts.
    alice.visit("/app/billing-runs").await;
    alice.check_page("billing-run-form").await;
    alice.fill("period", "2026-10").await;
    alice
        .click("form[action='/app/billing-runs'] button[type=submit]")
        .await;
    assert!(
        alice.text().await.contains("2026-10"),
        "{}",
        alice.text().await
    );
    alice.check_page("billing-run").await;
    alice
        .click("form[action$='/finalize'] button[type=submit]")
        .await;
    assert!(
        alice.text().await.contains("G000000001"),
        "{}",
        alice.text().await
    );
    alice.click_link("G000000001").await;
    alice.check_page("invoice").await;
    // Credit one seat of the first line.
    alice.click_link("대변표 발행").await;
    alice.check_page("credit-note-form").await;
    alice.fill("lines[0].quantity", "1").await;
    alice.fill("reason", "One seat returned").await;
    alice.click("form.card button[type=submit]").await;
    assert!(
        alice.text().await.contains("GC000000001"),
        "{}",
        alice.text().await
    );
    alice.check_page("credit-note").await;
    // Ask for a rebill of the other invoice (the marketplace one) with a new PO number.
    alice.visit("/app/invoices/G000000002").await;
    alice.click_link("무효 후 재청구 요청").await;
    alice.fill("changes.po_number", "PO-2").await;
    alice.fill("reason", "Wrong PO number").await;
    alice.click("form.card button[type=submit]").await;
    assert_eq!(alice.path().await, "/app/rebill-requests");
    alice.check_page("rebill-queue").await;
    // Alice cannot approve her own request.
    alice
        .click("form[action$='/approve'] button[type=submit]")
        .await;
    assert!(
        alice.text().await.contains("권한이 없습니다"),
        "{}",
        alice.text().await
    );
    alice.check_page("rebill-own-refused").await;
    // Bob, another billing admin, approves.
    let mut bob = Browser::start(&t.base, &format!("{test}-bob")).await;
    first_sign_in(&t, &bob, "bob@platform.example", &["billing_admin"]).await;
    bob.visit("/app/rebill-requests").await;
    bob.click("form[action$='/approve'] button[type=submit]")
        .await;
    let page = bob.text().await;
    assert!(
        page.contains("G000000003") && page.contains("PO-2"),
        "{page}"
    );
    let (_, voided) = send(t.get("/v1/invoices/G000000002")).await;
    assert_eq!(voided["status"], "void", "{voided}");
    assert_eq!(voided["void_note"]["number"], "GV000000001", "{voided}");
    bob.check_page("rebilled").await;
    bob.close().await;
    // A payment citing the new invoice, then the statement.
    let (_, rebilled) = send(t.get("/v1/invoices/G000000003")).await;
    let total = rebilled["total"].as_str().unwrap().to_owned();
    alice.visit("/app/payments").await;
    alice.fill("partner_id", &partner).await;
    alice.fill("amount", &total).await;
    alice.fill("currency", "USD").await;
    alice.fill("reference", "Wire G000000003").await;
    alice
        .click("form[action='/app/payments'] button[type=submit]")
        .await;
    assert!(
        alice.text().await.contains("G000000003"),
        "{}",
        alice.text().await
    );
    alice.check_page("payments").await;
    alice
        .visit(&format!("/app/partners/{partner}/statement"))
        .await;
    let page = alice.text().await;
    assert!(
        page.contains("G000000003") && page.contains("결제 완료"),
        "{page}"
    );
    alice.check_page("statement").await;
    let (_, paid) = send(t.get("/v1/invoices/G000000003")).await;
    assert_eq!(paid["status"], "paid", "{paid}");
    alice.close().await;
}

both_engines!(
    the_platform_walks_the_first_seed,
    billing_admins_walk_the_second_seed,
    a_sales_agent_sees_no_button_that_changes_anything
);
