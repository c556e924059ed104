//! The supplier's pages over HTTP, on SQLite and PostgreSQL: the link from the request
//! email (parsed by Python's email package) opens the BRN gate; wrong BRNs, forged forms,
//! the lock, the language switch and other suppliers' documents each get their page.

mod support;

use reqwest::multipart::Part;
use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use serde_json::json;
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use std::sync::Arc;
use support::issuance::{
    PASSWORD, certificate_files, create_partner, invoice, leaf, requested_invoice,
};

use support::{ShiftedClock, TestApp, brn, send};

/// A requested invoice and the link the supplier received for it.
struct Link {
    t: TestApp,
    token: String,
    supplier_brn: String,
    /// A browser: no redirects followed, cookies kept by hand.
    browser: Client,
    ca: ThrowawayCa,
}

async fn requested(engine: TestEngine) -> Link {
    requested_on(TestApp::start(engine).await).await
}

async fn requested_on(t: TestApp) -> Link {
    let requested = requested_invoice(&t, "PAGE-1", "tax@supplier.example").await;
    let browser = Client::builder().redirect(Policy::none()).build().unwrap();
    Link {
        t,
        token: requested.token,
        supplier_brn: requested.supplier_brn,
        browser,
        ca: requested.ca,
    }
}

/// The `name=value` part of each `Set-Cookie` of `response`.
fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_pair(cookies: &[String], name: &str) -> Option<String> {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

impl Link {
    fn gate_url(&self) -> String {
        self.t.url(&format!("/s/{}", self.token))
    }

    /// Opens the gate; returns the CSRF cookie pair and its token.
    async fn open_gate(&self) -> (String, String) {
        let response = self.browser.get(self.gate_url()).send().await.unwrap();
        let pair = cookie_pair(&set_cookies(&response), "settle_csrf").expect("a CSRF cookie");
        let token = pair.split_once('=').unwrap().1.to_owned();
        (pair, token)
    }

    async fn submit_brn(&self, cookie: &str, csrf: &str, brn: &str) -> Response {
        self.browser
            .post(self.gate_url())
            .header("cookie", cookie)
            .form(&[("csrf", csrf), ("brn", brn)])
            .send()
            .await
            .unwrap()
    }
}

async fn the_gate_asks_for_the_brn_in_korean(engine: TestEngine) {
    let link = requested(engine).await;
    let response = link.browser.get(link.gate_url()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'none'") && !policy.contains("unsafe-inline"));
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let csrf = cookie_pair(&set_cookies(&response), "settle_csrf");
    let html = response.text().await.unwrap();
    assert!(html.contains("사업자등록번호"), "{html}");
    assert!(
        html.contains("테스트 플랫폼"),
        "the sender is named: {html}"
    );
    assert!(html.contains(&format!(
        "value=\"{}\"",
        csrf.unwrap().split_once('=').unwrap().1
    )));
}

async fn a_wrong_brn_is_shown_next_to_the_field(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookie, csrf) = link.open_gate().await;
    let response = link.submit_brn(&cookie, &csrf, &brn(220_816_251)).await;
    assert_eq!(response.status(), 403);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"brn-error\""), "{html}");
    assert!(html.contains("일치하지 않습니다"), "{html}");
}

async fn a_forged_csrf_token_opens_nothing(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookie, _) = link.open_gate().await;
    let right = link.supplier_brn.clone();
    let response = link.submit_brn(&cookie, "forged", &right).await;
    assert_eq!(response.status(), 403);
    assert!(cookie_pair(&set_cookies(&response), "settle_supplier").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("양식이 만료되었습니다"), "{html}");
    // Without the cookie the form's token proves nothing either.
    let response = link
        .browser
        .post(link.gate_url())
        .form(&[("csrf", "x".repeat(43).as_str()), ("brn", right.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

async fn five_wrong_brns_lock_the_link_with_a_page(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookie, csrf) = link.open_gate().await;
    for _ in 0..5 {
        let response = link.submit_brn(&cookie, &csrf, &brn(220_816_251)).await;
        assert_eq!(response.status(), 403);
    }
    let response = link.submit_brn(&cookie, &csrf, &link.supplier_brn).await;
    assert_eq!(response.status(), 429);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("15분"), "{html}");
    let response = link.browser.get(link.gate_url()).send().await.unwrap();
    assert_eq!(response.status(), 429, "the gate itself shows the lock");
}

async fn the_right_brn_shows_the_invoice_in_the_standard_form(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookie, csrf) = link.open_gate().await;
    let response = link.submit_brn(&cookie, &csrf, &link.supplier_brn).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/s/{}/tax-invoices/", link.token)),
        "{location}"
    );
    let cookies = set_cookies(&response);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("settle_supplier="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert!(
        session.contains(&format!("Path=/s/{}", link.token)),
        "{session}"
    );
    let session = session.split(';').next().unwrap();
    let page = link
        .browser
        .get(link.t.url(&location))
        .header("cookie", format!("{cookie}; {session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for label in [
        "등록번호",
        "상호",
        "성명",
        "사업장",
        "업태",
        "종목",
        "작성일자",
        "공급가액",
        "세액",
        "품목",
        "합계금액",
    ] {
        assert!(html.contains(label), "{label} in {html}");
    }
    assert!(html.contains("이 금액을 청구 함"), "{html}");
    assert!(
        html.contains("판매 정산") && html.contains("광고비"),
        "{html}"
    );
    assert!(html.contains("14,298"), "the total, grouped: {html}");
    let pdf_link = format!("{location}/pdf");
    assert!(html.contains(&pdf_link), "the PDF is linked: {html}");
    let pdf = link
        .browser
        .get(link.t.url(&pdf_link))
        .header("cookie", format!("{cookie}; {session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    assert!(
        html.contains("발행 요청됨"),
        "the state and its history: {html}"
    );
    // The gate now goes straight to the invoice.
    let again = link
        .browser
        .get(link.gate_url())
        .header("cookie", format!("{cookie}; {session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            again.status().as_u16(),
            again.headers()["location"].to_str().unwrap()
        ),
        (303, location.as_str())
    );
}

async fn another_suppliers_document_is_not_found(engine: TestEngine) {
    let link = requested(engine).await;
    let other_id = create_partner(&link.t, &brn(105_810_111), "other@supplier.example").await;
    send(
        link.t
            .post(&format!("/v1/partners/{other_id}/nts-link"), &json!({})),
    )
    .await;
    let mut body = invoice("PAGE-OTHER", &other_id);
    body["request"] = json!(true);
    let (status, other) = send(link.t.post("/v1/tax-invoices", &body)).await;
    assert_eq!(status, 201, "{other}");
    let (cookie, csrf) = link.open_gate().await;
    let response = link.submit_brn(&cookie, &csrf, &link.supplier_brn).await;
    let session = cookie_pair(&set_cookies(&response), "settle_supplier").unwrap();
    let url = link.t.url(&format!(
        "/s/{}/tax-invoices/{}",
        link.token,
        other["id"].as_str().unwrap()
    ));
    let page = link
        .browser
        .get(&url)
        .header("cookie", format!("{cookie}; {session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("찾을 수 없습니다"));
    let pdf = link
        .browser
        .get(format!("{url}/pdf"))
        .header("cookie", format!("{cookie}; {session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 404, "nor its PDF");
}

async fn english_is_chosen_and_remembered(engine: TestEngine) {
    let link = requested(engine).await;
    let response = link
        .browser
        .get(format!("{}?lang=en", link.gate_url()))
        .send()
        .await
        .unwrap();
    let lang = cookie_pair(&set_cookies(&response), "settle_lang").expect("the choice is kept");
    assert_eq!(lang, "settle_lang=en");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Business registration number")
    );
    let response = link
        .browser
        .get(link.gate_url())
        .header("cookie", lang)
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Business registration number"));
}

async fn an_unknown_link_or_a_lapsed_session_gets_a_page(engine: TestEngine) {
    let link = requested(engine).await;
    let response = link
        .browser
        .get(link.t.url("/s/not-a-link"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("찾을 수 없습니다"));
    let url = link
        .t
        .url(&format!("/s/{}/tax-invoices/whatever", link.token));
    let response = link
        .browser
        .get(url)
        .header("cookie", "settle_supplier=stale")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303, "back to the gate");
    assert_eq!(
        response.headers()["location"],
        format!("/s/{}", link.token).as_str()
    );
}

impl Link {
    /// Opens a session; returns the cookies to send (CSRF and session), the CSRF token and
    /// the invoice page's path.
    async fn signed_in(&self) -> (String, String, String) {
        let (cookie, csrf) = self.open_gate().await;
        let response = self.submit_brn(&cookie, &csrf, &self.supplier_brn).await;
        assert_eq!(response.status(), 303);
        let session = cookie_pair(&set_cookies(&response), "settle_supplier").unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        (format!("{cookie}; {session}"), csrf, location)
    }

    async fn get(&self, cookies: &str, path: &str) -> (u16, String) {
        let response = self
            .browser
            .get(self.t.url(path))
            .header("cookie", cookies)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn post_form(&self, cookies: &str, path: &str, form: &[(&str, &str)]) -> Response {
        self.browser
            .post(self.t.url(path))
            .header("cookie", cookies)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form; returns the status and the page.
    async fn post_text(&self, cookies: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let response = self.post_form(cookies, path, form).await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    async fn upload_certificate(&self, cookies: &str, csrf: &str, password: &str) -> (u16, String) {
        let leaf = leaf(&self.ca, &self.supplier_brn);
        let form = certificate_files(&leaf)
            .text("csrf", csrf.to_owned())
            .part("pfx", Part::bytes(Vec::new()).file_name(""))
            .text("password", password.to_owned());
        let path = format!("/s/{}/certificate", self.token);
        let response = self
            .browser
            .post(self.t.url(&path))
            .header("cookie", cookies)
            .multipart(form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

async fn the_supplier_registers_its_certificate_and_issues(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookies, csrf, invoice_path) = link.signed_in().await;
    let (_, page) = link.get(&cookies, &invoice_path).await;
    let issue = format!("{invoice_path}/issue");
    assert!(page.contains(&issue), "{page}");
    // Issuing first asks for the certificate.
    let (status, confirm) = link.get(&cookies, &issue).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("서명하여 발행"), "{confirm}");
    let (status, page) = link
        .post_text(&cookies, &issue, &[("csrf", &csrf), ("memo", "")])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("공동인증서를 등록해 주세요"), "{page}");
    // A wrong password is shown next to its field; the right one registers.
    let (status, form) = link
        .upload_certificate(&cookies, &csrf, "wrong password")
        .await;
    assert_eq!(status, 422, "{form}");
    assert!(form.contains("id=\"password-error\""), "{form}");
    let (status, done) = link.upload_certificate(&cookies, &csrf, PASSWORD).await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("공동인증서가 등록되었습니다"), "{done}");
    let response = link
        .post_form(&cookies, &issue, &[("csrf", &csrf), ("memo", "")])
        .await;
    assert_eq!(response.status(), 303);
    let (_, issued) = link.get(&cookies, &invoice_path).await;
    assert!(issued.contains("발행 완료"), "{issued}");
    let (_, api) = send(link.t.get("/v1/tax-invoices/PAGE-1")).await;
    let approval = api["nts_approval_number"].as_str().expect("issued");
    assert!(
        issued.contains(approval),
        "the page shows the approval number {approval}"
    );
    // The same form again changes nothing.
    let (status, page) = link
        .post_text(&cookies, &issue, &[("csrf", &csrf), ("memo", "")])
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("이미 처리되었습니다"), "{page}");
}

async fn refusing_needs_a_reason(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookies, csrf, invoice_path) = link.signed_in().await;
    let refuse = format!("{invoice_path}/refuse");
    let (status, page) = link
        .post_text(&cookies, &refuse, &[("csrf", &csrf), ("memo", "  ")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("거부 사유를 입력해 주세요"), "{page}");
    let response = link
        .post_form(
            &cookies,
            &refuse,
            &[("csrf", "forged"), ("memo", "금액 오류")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let (_, api) = send(link.t.get("/v1/tax-invoices/PAGE-1")).await;
    assert_eq!(api["state"], "requested", "a forged form changes nothing");
    let response = link
        .post_form(&cookies, &refuse, &[("csrf", &csrf), ("memo", "금액 오류")])
        .await;
    assert_eq!(response.status(), 303);
    let (_, api) = send(link.t.get("/v1/tax-invoices/PAGE-1")).await;
    assert_eq!(api["state"], "refused");
    let (_, page) = link.get(&cookies, &invoice_path).await;
    assert!(
        page.contains("금액 오류") && page.contains("발행 거부됨"),
        "{page}"
    );
}

async fn an_expired_link_says_so_and_who_to_ask(engine: TestEngine) {
    let clock = Arc::new(ShiftedClock::default());
    let link = requested_on(TestApp::start_with_clock(engine, clock.clone()).await).await;
    let (status, page) = link.get("", &format!("/s/{}", link.token)).await;
    assert_eq!(status, 200, "{page}");
    clock.advance(time::Duration::days(31));
    let (status, page) = link.get("", &format!("/s/{}", link.token)).await;
    assert_eq!(status, 403);
    assert!(page.contains("만료된 링크"), "{page}");
    assert!(
        page.contains("mailto:billing@platform.example"),
        "the page names who sent it: {page}"
    );
    let (cookie, csrf) = link.open_gate().await;
    let response = link.submit_brn(&cookie, &csrf, &link.supplier_brn).await;
    assert_eq!(response.status(), 403, "an expired link opens no session");
}

async fn an_upload_over_the_limit_is_a_page_and_changes_nothing(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookies, csrf, _) = link.signed_in().await;
    let big = vec![b'x'; 20 * 1024 * 1024];
    let form = certificate_files(&leaf(&link.ca, &link.supplier_brn))
        .text("csrf", csrf)
        .text("password", PASSWORD)
        .part("pfx", Part::bytes(big).file_name("huge.pfx"));
    let path = format!("/s/{}/certificate", link.token);
    let response = link
        .browser
        .post(link.t.url(&path))
        .header("cookie", &cookies)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("파일이 너무 큽니다"), "{page}");
    let (_, form) = link.get(&cookies, &path).await;
    assert!(
        !form.contains("공동인증서가 등록되었습니다"),
        "nothing registered"
    );
}

async fn a_file_that_is_not_a_certificate_is_shown_next_to_the_field(engine: TestEngine) {
    let link = requested(engine).await;
    let (cookies, csrf, _) = link.signed_in().await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .part(
            "sign_cert",
            Part::bytes(b"%PDF-1.7 not a certificate".to_vec()).file_name("signCert.der"),
        )
        .part(
            "sign_key",
            Part::bytes(vec![0u8; 64]).file_name("signPri.key"),
        )
        .text("password", PASSWORD);
    let path = format!("/s/{}/certificate", link.token);
    let response = link
        .browser
        .post(link.t.url(&path))
        .header("cookie", &cookies)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("aria-invalid=\"true\""), "{page}");
    assert!(!page.contains("공동인증서가 등록되었습니다"), "{page}");
}

both_engines!(
    the_gate_asks_for_the_brn_in_korean,
    a_wrong_brn_is_shown_next_to_the_field,
    a_forged_csrf_token_opens_nothing,
    five_wrong_brns_lock_the_link_with_a_page,
    the_right_brn_shows_the_invoice_in_the_standard_form,
    another_suppliers_document_is_not_found,
    english_is_chosen_and_remembered,
    an_unknown_link_or_a_lapsed_session_gets_a_page,
    the_supplier_registers_its_certificate_and_issues,
    refusing_needs_a_reason,
    an_expired_link_says_so_and_who_to_ask,
    an_upload_over_the_limit_is_a_page_and_changes_nothing,
    a_file_that_is_not_a_certificate_is_shown_next_to_the_field
);
