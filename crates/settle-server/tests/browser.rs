//! The pages in a real headless Chromium: the supplier's whole flow from the link in the
//! request email (wrong BRN, right BRN, certificate registration with OpenSSL-made files,
//! approval, the approval number) and a refusal, on both engines; a staff user's first
//! password, sign-in and sign-out, and the lock after wrong passwords. Every page looked at
//! is screenshotted, checked by axe-core and checked for console errors.

mod support;

use serde_json::json;
use settle_nts::certificate::OID_SEED_CBC_WITH_SHA1;
use settle_testkit::{TestEngine, both_engines};
use support::browser::Browser;
use support::issuance::{PASSWORD, leaf, requested_invoice};
use support::{TestApp, brn, send};

const KEY: &str = "BROWSER-1";
const SUPPLIER_EMAIL: &str = "tax@supplier.example";

fn engine_name(engine: TestEngine) -> &'static str {
    match engine {
        TestEngine::Sqlite => "sqlite",
        TestEngine::Postgres => "postgres",
    }
}

/// Opens the emailed link and passes the gate with the supplier's BRN.
async fn through_the_gate(browser: &mut Browser, t: &TestApp, token: &str, supplier_brn: &str) {
    browser.visit(&format!("{}/s/{token}", t.base)).await;
    assert!(browser.text().await.contains("사업자등록번호"));
    browser.check_page("gate").await;
    browser.fill("brn", supplier_brn).await;
    browser.click("form button[type=submit]").await;
    assert!(
        browser.path().await.contains("/tax-invoices/"),
        "{}",
        browser.text().await
    );
}

async fn the_supplier_approves_from_the_emailed_link(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let requested = requested_invoice(&t, KEY, SUPPLIER_EMAIL).await;
    let test = format!("supplier-approves-{}", engine_name(engine));
    let mut browser = Browser::start(&t.base, &test).await;
    // A wrong BRN first: the message stands next to the field.
    browser
        .visit(&format!("{}/s/{}", t.base, requested.token))
        .await;
    browser.fill("brn", &brn(220_816_251)).await;
    browser.click("form button[type=submit]").await;
    assert!(browser.text().await.contains("일치하지 않습니다"));
    browser.check_page("gate-wrong-brn").await;
    through_the_gate(&mut browser, &t, &requested.token, &requested.supplier_brn).await;
    let page = browser.text().await;
    assert!(
        page.contains("전자세금계산서") && page.contains("발행 요청됨"),
        "{page}"
    );
    browser.check_page("invoice-requested").await;
    // The certificate, made by OpenSSL, as the two NPKI files.
    let files = tempfile::tempdir().unwrap();
    let leaf = leaf(&requested.ca, &requested.supplier_brn);
    let (cert, key) = (
        files.path().join("signCert.der"),
        files.path().join("signPri.key"),
    );
    std::fs::write(&cert, leaf.certificate_der().unwrap()).unwrap();
    std::fs::write(
        &key,
        leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
            .unwrap(),
    )
    .unwrap();
    browser.click_link("공동인증서 등록").await;
    browser.check_page("certificate-form").await;
    // A 20 MB file by mistake: a page says so, and nothing is registered.
    let huge = files.path().join("huge.pfx");
    std::fs::write(&huge, vec![0u8; 20 * 1024 * 1024]).unwrap();
    browser.choose_file("pfx", &huge).await;
    browser.fill("password", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    assert!(browser.text().await.contains("파일이 너무 큽니다"));
    browser.check_page("certificate-too-large").await;
    browser
        .visit(&format!("/s/{}/certificate", requested.token))
        .await;
    browser.choose_file("sign_cert", &cert).await;
    browser.choose_file("sign_key", &key).await;
    browser.fill("password", PASSWORD).await;
    browser.click("form button[type=submit]").await;
    assert!(browser.text().await.contains("공동인증서가 등록되었습니다"));
    browser.check_page("certificate-registered").await;
    browser.click_link("돌아가기").await;
    browser.click_link("발행(승인)").await;
    assert!(browser.text().await.contains("서명하여 발행"));
    browser.check_page("issue-confirm").await;
    browser.click("form button[type=submit]").await;
    let (status, api) = send(t.get(&format!("/v1/tax-invoices/{KEY}"))).await;
    assert_eq!(
        (status, api["state"].as_str()),
        (200, Some("issued")),
        "{api}"
    );
    let approval = api["nts_approval_number"].as_str().unwrap();
    let page = browser.text().await;
    assert!(page.contains(approval), "the page shows {approval}: {page}");
    browser.check_page("invoice-issued").await;
    browser.close().await;
}

async fn the_supplier_refuses_with_a_reason(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let requested = requested_invoice(&t, KEY, SUPPLIER_EMAIL).await;
    let test = format!("supplier-refuses-{}", engine_name(engine));
    let mut browser = Browser::start(&t.base, &test).await;
    through_the_gate(&mut browser, &t, &requested.token, &requested.supplier_brn).await;
    browser.click_link("발행 거부").await;
    browser.check_page("refuse-confirm").await;
    // The memo is required: the browser's own check is bypassed to see the server's.
    browser
        .client
        .execute("document.querySelector('form').noValidate = true", vec![])
        .await
        .unwrap();
    browser.click("form button[type=submit]").await;
    assert!(browser.text().await.contains("거부 사유를 입력해 주세요"));
    browser.check_page("refuse-without-memo").await;
    browser.fill("memo", "공급가액이 주문과 다릅니다").await;
    browser.click("form button[type=submit]").await;
    let page = browser.text().await;
    assert!(page.contains("공급가액이 주문과 다릅니다"), "{page}");
    browser.check_page("invoice-refused").await;
    let (_, api) = send(t.get(&format!("/v1/tax-invoices/{KEY}"))).await;
    assert_eq!(api["state"], "refused");
    browser.close().await;
}

/// Invites a user; returns its one-time link.
async fn invite(t: &TestApp, email: &str) -> String {
    let (status, body) = send(t.post(
        "/v1/users",
        &json!({"email": email, "roles": ["billing_admin"]}),
    ))
    .await;
    assert_eq!(status, 201, "{body}");
    body["login_url"].as_str().unwrap().to_owned()
}

async fn a_staff_user_sets_a_password_signs_in_and_out(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let email = "lee@platform.example";
    let link = invite(&t, email).await;
    let test = format!("staff-sign-in-{}", engine_name(engine));
    let mut browser = Browser::start(&t.base, &test).await;
    browser.visit(&link).await;
    browser.check_page("set-password").await;
    browser.fill("new_password", "correct horse battery").await;
    browser
        .fill("confirm_password", "correct horse battery")
        .await;
    browser.click("form button[type=submit]").await;
    assert_eq!(browser.path().await, "/account");
    assert!(browser.text().await.contains(email));
    browser.check_page("account").await;
    browser.click("form.inline button[type=submit]").await;
    assert_eq!(browser.path().await, "/login");
    browser.check_page("login").await;
    browser.visit("/account").await;
    assert_eq!(browser.path().await, "/login", "signed out");
    browser.fill("email", email).await;
    browser.fill("password", "correct horse battery").await;
    browser.click("form button[type=submit]").await;
    assert_eq!(browser.path().await, "/account");
    // English, remembered across pages.
    browser.visit("/account?lang=en").await;
    browser.visit("/account").await;
    assert!(browser.text().await.contains("My account"));
    browser.check_page("account-english").await;
    browser.close().await;
}

async fn wrong_passwords_lock_the_staff_account(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let email = "park@platform.example";
    let link = invite(&t, email).await;
    let test = format!("staff-lock-{}", engine_name(engine));
    let mut browser = Browser::start(&t.base, &test).await;
    browser.visit(&link).await;
    browser.fill("new_password", "correct horse battery").await;
    browser
        .fill("confirm_password", "correct horse battery")
        .await;
    browser.click("form button[type=submit]").await;
    browser.click("form.inline button[type=submit]").await;
    for attempt in 1..=5 {
        browser.fill("email", email).await;
        browser.fill("password", "not the password").await;
        browser.click("form button[type=submit]").await;
        if attempt == 1 {
            assert!(browser.text().await.contains("올바르지 않습니다"));
            browser.check_page("login-wrong-password").await;
        }
    }
    assert!(browser.text().await.contains("15분 동안 잠겼습니다"));
    browser.check_page("login-locked").await;
    browser.fill("email", email).await;
    browser.fill("password", "correct horse battery").await;
    browser.click("form button[type=submit]").await;
    assert!(
        browser.text().await.contains("15분 동안 잠겼습니다"),
        "locked even with the right password"
    );
    browser.close().await;
}

both_engines!(
    the_supplier_approves_from_the_emailed_link,
    the_supplier_refuses_with_a_reason,
    a_staff_user_sets_a_password_signs_in_and_out,
    wrong_passwords_lock_the_staff_account
);
