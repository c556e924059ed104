//! The workspace's settlement pages over HTTP, on SQLite and PostgreSQL: closed settlements
//! listed and explained line by line, cycles closed by form, the payout file, a partner's
//! contracts and bank account, transfers uploaded from a file, and a sales agent kept to
//! its own partners. Data is set up through the API, dated last month by today's clock.

mod support;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::issuance::{create_partner, linked_tenant};
use support::pages::{Browser, signed_in_staff};
use support::{TestApp, brn, send};
use time::{Date, OffsetDateTime};

const ADMIN: &str = "admin@platform.example";
const BILLING: [&str; 2] = ["billing_admin", "admin_agent"];

fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(settle_core::KST).date()
}

/// The first and last day of the month `back` months before this one, in Korea.
fn month_before(back: u32) -> (Date, Date) {
    let mut end = today();
    for _ in 0..back {
        end = end.replace_day(1).unwrap().previous_day().unwrap();
    }
    (end.replace_day(1).unwrap(), end)
}

fn last_month() -> (Date, Date) {
    month_before(1)
}

fn day(n: u8) -> String {
    last_month().0.replace_day(n).unwrap().to_string()
}

/// A partner with a monthly contract (10.8 % and 300 a order, half the discounts) from
/// two months ago.
async fn partner_with_contract(t: &TestApp, prefix: u32, email: &str) -> String {
    let partner = create_partner(t, &brn(prefix), email).await;
    let (status, contract) = send(t.post(
        "/v1/settlement-contracts",
        &json!({"partner_id": partner, "effective_from": month_before(2).0.to_string(),
                "currency": "KRW", "fee_rate": "0.108", "fixed_fee_per_order": "300",
                "partner_discount_share": "0.5", "cycle": "monthly", "payout_day": 10,
                "taxation": "reverse_tax_invoice"}),
    ))
    .await;
    assert_eq!(status, 201, "{contract}");
    partner
}

async fn record(t: &TestApp, transfers: Value) {
    let (status, report) = send(t.post("/v1/transfers", &json!({ "transfers": transfers }))).await;
    assert_eq!(status, 201, "{report}");
}

/// A partner with three of last month's transfers, owed 108,324 + 3,000 + 49,255.
async fn settled_partner(t: &TestApp, prefix: u32, email: &str) -> String {
    let partner = partner_with_contract(t, prefix, email).await;
    record(
        t,
        json!([
            {"external_id": format!("{prefix}-1"), "partner_id": partner, "kind": "order",
             "occurred_on": day(3), "order_id": "O-1", "amount": "123457", "discount": "3000"},
            {"external_id": format!("{prefix}-2"), "partner_id": partner, "kind": "shipping_fee",
             "occurred_on": day(3), "order_id": "O-1", "amount": "3000"},
            {"external_id": format!("{prefix}-3"), "partner_id": partner, "kind": "order",
             "occurred_on": day(20), "order_id": "O-2", "amount": "55555"}
        ]),
    )
    .await;
    partner
}

/// Closes `partner`'s cycles through `through` by the API; returns the settlements.
async fn close(t: &TestApp, partner: &str, through: Date) -> Vec<Value> {
    let (status, closed) = send(t.post(
        "/v1/settlements/close",
        &json!({"through": through.to_string(), "partner_id": partner}),
    ))
    .await;
    assert_eq!(status, 200, "{closed}");
    closed["closed"].as_array().unwrap().clone()
}

/// A partner's closed settlement of last month; returns (partner, settlement).
async fn closed_settlement(t: &TestApp) -> (String, Value) {
    let partner = settled_partner(t, 124_810_777, "tax@seller.example").await;
    let closed = close(t, &partner, last_month().1).await;
    assert_eq!(closed.len(), 1);
    (partner, closed[0].clone())
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

/// Posts a multipart form with the browser's cookies and CSRF token.
async fn post_file(browser: &mut Browser, path: &str, file: Vec<u8>) -> (u16, String) {
    let form = Form::new()
        .text("csrf", browser.csrf())
        .part("file", Part::bytes(file).file_name("transfers.csv"));
    let response = browser
        .client
        .post(format!("{}{path}", browser.base))
        .header("cookie", browser.cookie_header())
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, page, _) = browser.finish(response).await;
    (status, page)
}

async fn the_list_shows_a_closed_settlement(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (partner, settlement) = closed_settlement(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (status, page, _) = browser.get("/app/settlements").await;
    assert_eq!(status, 200, "{page}");
    let (start, end) = last_month();
    assert!(
        page.contains(&format!("href=\"/app/settlements/{}\"", id_of(&settlement))),
        "{page}"
    );
    assert!(
        page.contains(&format!("{start} ~ {end}"))
            && page.contains("주식회사 가나다")
            && page.contains(&format!("/app/partners/{partner}/settlement"))
            && page.contains("160,579")
            && page.contains("미지급"),
        "{page}"
    );
    assert!(
        page.contains("href=\"/app/settlements\""),
        "the nav links it"
    );
    let (_, paid, _) = browser.get("/app/settlements?paid=true").await;
    assert!(!paid.contains("160,579"), "{paid}");
}

async fn a_bad_list_filter_is_refused_with_the_apis_code(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (status, page, _) = browser.get("/app/settlements?paid=maybe").await;
    assert_eq!(status, 422);
    assert!(page.contains("request.invalid_query"), "{page}");
}

async fn the_detail_page_shows_each_lines_owed_amount(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, settlement) = closed_settlement(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (status, page, _) = browser
        .get(&format!("/app/settlements/{}", id_of(&settlement)))
        .await;
    assert_eq!(status, 200, "{page}");
    for owed in ["108,324", "3,000", "49,255", "160,579 KRW"] {
        assert!(page.contains(owed), "{owed}: {page}");
    }
    assert!(
        page.contains("124810777-1") && page.contains("배송비") && page.contains("0.108"),
        "{page}"
    );
}

async fn a_late_transfer_links_the_settlement_it_corrects(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = partner_with_contract(&t, 124_810_777, "tax@seller.example").await;
    let (earlier_start, earlier_end) = month_before(2);
    record(
        &t,
        json!([{"external_id": "E-1", "partner_id": partner, "kind": "order",
                "occurred_on": earlier_start.to_string(), "order_id": "O-0", "amount": "10000"}]),
    )
    .await;
    let earlier = close(&t, &partner, earlier_end).await;
    // Arrives after its month closed: it lands in last month's settlement.
    record(
        &t,
        json!([{"external_id": "LATE-1", "partner_id": partner, "kind": "adjustment",
                "occurred_on": earlier_end.to_string(), "amount": "-777"}]),
    )
    .await;
    let later = close(&t, &partner, last_month().1).await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (status, page, _) = browser
        .get(&format!("/app/settlements/{}", id_of(&later[0])))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("LATE-1")
            && page.contains("-777")
            && page.contains(&format!("href=\"/app/settlements/{}\"", id_of(&earlier[0]))),
        "{page}"
    );
}

async fn closing_through_the_form_closes(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    settled_partner(&t, 124_810_777, "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (_, page, _) = browser.get("/app/settlements").await;
    assert!(page.contains("action=\"/app/settlements/close\""), "{page}");
    let csrf = browser.csrf();
    let through = last_month().1.to_string();
    let (status, page, _) = browser
        .post(
            "/app/settlements/close",
            &[("csrf", &csrf), ("through", &through), ("partner_id", "")],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("정산 1건을 마감했습니다") && page.contains("160,579"),
        "{page}"
    );
    let (_, listed) = send(t.get("/v1/settlements")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{listed}");
}

async fn a_close_through_today_is_refused_next_to_its_field(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    settled_partner(&t, 124_810_777, "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    browser.get("/app/settlements").await;
    let csrf = browser.csrf();
    let today = today().to_string();
    let (status, page, _) = browser
        .post(
            "/app/settlements/close",
            &[("csrf", &csrf), ("through", &today), ("partner_id", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"close-through-error\"") && page.contains("settlement.not_ended"),
        "{page}"
    );
    let (_, listed) = send(t.get("/v1/settlements")).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        0,
        "nothing closed"
    );
}

async fn a_close_without_the_forms_token_is_refused(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    settled_partner(&t, 124_810_777, "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let through = last_month().1.to_string();
    let (status, _, _) = browser
        .post(
            "/app/settlements/close",
            &[("csrf", "forged"), ("through", &through)],
        )
        .await;
    assert_eq!(status, 403);
    let (_, listed) = send(t.get("/v1/settlements")).await;
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        0,
        "nothing closed"
    );
}

async fn the_payout_file_downloads_as_csv(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (partner, settlement) = closed_settlement(&t).await;
    let account = t
        .client
        .put(t.url(&format!("/v1/partners/{partner}/bank-account")))
        .bearer_auth(&t.key)
        .json(&json!({"bank_code": "088", "account": "110-987-654321", "holder": "가나상사"}));
    let (status, body) = send(account).await;
    assert_eq!(status, 200, "{body}");
    let browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let payout_date = settlement["payout_date"].as_str().unwrap();
    let response = t
        .client
        .get(t.url(&format!(
            "/app/settlements/payouts?payout_date={payout_date}"
        )))
        .header("cookie", browser.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert!(header("content-type").starts_with("text/csv"));
    assert_eq!(
        header("content-disposition"),
        format!("attachment; filename=\"payouts-{payout_date}.csv\"")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("110987654321") && text.contains(&id_of(&settlement)),
        "{text}"
    );
}

async fn a_payout_file_with_a_partner_without_an_account_is_refused(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, settlement) = closed_settlement(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let payout_date = settlement["payout_date"].as_str().unwrap();
    let (status, page, _) = browser
        .get(&format!(
            "/app/settlements/payouts?payout_date={payout_date}"
        ))
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("payout.bank_account_missing"), "{page}");
}

async fn the_tax_invoice_button_makes_it_and_links_it(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let (partner, settlement) = closed_settlement(&t).await;
    let (status, body) =
        send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let path = format!("/app/settlements/{}", id_of(&settlement));
    let (_, page, _) = browser.get(&path).await;
    let button = format!("action=\"{path}/tax-invoice\"");
    assert!(page.contains(&button), "{page}");
    let csrf = browser.csrf();
    let (status, _, location) = browser
        .post(&format!("{path}/tax-invoice"), &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    let (_, page, _) = browser.get(&location.unwrap()).await;
    let (_, listed) = send(t.get(&format!("/v1/tax-invoices?partner_id={partner}"))).await;
    let key = listed["data"][0]["document_key"].as_str().unwrap();
    assert!(
        page.contains(&format!("href=\"/app/tax-invoices/{key}\"")) && !page.contains(&button),
        "{page}"
    );
}

async fn marking_paid_records_the_payout(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, settlement) = closed_settlement(&t).await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let path = format!("/app/settlements/{}", id_of(&settlement));
    browser.get(&path).await;
    let csrf = browser.csrf();
    let paid_on = settlement["payout_date"].as_str().unwrap();
    let (status, _, _) = browser
        .post(
            &format!("{path}/paid"),
            &[("csrf", &csrf), ("paid_on", "not a day"), ("reference", "")],
        )
        .await;
    assert_eq!(status, 422);
    let (status, _, location) = browser
        .post(
            &format!("{path}/paid"),
            &[
                ("csrf", &csrf),
                ("paid_on", paid_on),
                ("reference", "BULK-7"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page, _) = browser.get(&location.unwrap()).await;
    assert!(
        page.contains("BULK-7") && !page.contains(&format!("action=\"{path}/paid\"")),
        "{page}"
    );
    let (_, api) = send(t.get(&format!("/v1/settlements/{}", id_of(&settlement)))).await;
    assert_eq!(api["state"], "paid");
}

async fn the_contract_form_adds_a_contract_and_the_page_lists_it(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = create_partner(&t, &brn(124_810_777), "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let path = format!("/app/partners/{partner}/settlement");
    let (status, page, _) = browser.get(&path).await;
    assert_eq!(status, 200, "{page}");
    let csrf = browser.csrf();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("effective_from", "2026-02-01"),
        ("currency", "krw"),
        ("fee_rate", "1.5"),
        ("fixed_fee_per_order", "250"),
        ("partner_discount_share", "0"),
        ("cycle", "weekly"),
        ("payout_day", "5"),
        ("taxation", "forward_fee_invoice"),
        ("income_tax_rate", ""),
    ];
    let (status, page, _) = browser.post(&format!("{path}/contracts"), &form).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"contract-fee_rate-error\"")
            && page.contains("settlement_contract.invalid_rate"),
        "{page}"
    );
    form[3] = ("fee_rate", "0.125");
    let (status, _, location) = browser.post(&format!("{path}/contracts"), &form).await;
    assert_eq!(status, 303);
    let (_, page, _) = browser.get(&location.unwrap()).await;
    assert!(
        page.contains("<td>2026-02-01</td>")
            && page.contains("<td>0.125</td>")
            && page.contains("<td>매주</td>")
            && page.contains("<td>수수료 세금계산서 (정발행)</td>"),
        "{page}"
    );
    let (_, contracts) = send(t.get(&format!("/v1/partners/{partner}/settlement-contracts"))).await;
    assert_eq!(contracts["data"][0]["fee_rate"], "0.125", "{contracts}");
}

async fn the_bank_account_form_shows_only_the_last_digits(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = create_partner(&t, &brn(124_810_777), "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let path = format!("/app/partners/{partner}/settlement");
    browser.get(&path).await;
    let csrf = browser.csrf();
    let (status, _, location) = browser
        .post(
            &format!("{path}/bank-account"),
            &[
                ("csrf", &csrf),
                ("bank_code", "088"),
                ("account", "110-987-654321"),
                ("holder", "가나상사"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page, _) = browser.get(&location.unwrap()).await;
    assert!(
        page.contains("····4321") && page.contains("가나상사"),
        "{page}"
    );
    assert!(!page.contains("987654321"), "the number is never shown");
}

async fn the_partner_page_shows_its_open_cycles_line_by_line(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = settled_partner(&t, 124_810_777, "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (status, page, _) = browser
        .get(&format!("/app/partners/{partner}/settlement"))
        .await;
    assert_eq!(status, 200, "{page}");
    let (start, end) = last_month();
    assert!(
        page.contains(&format!("{start} ~ {end}"))
            && page.contains("108,324")
            && page.contains("160,579 KRW"),
        "{page}"
    );
}

async fn the_transfer_upload_records_a_file(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = partner_with_contract(&t, 124_810_777, "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    let (status, page, _) = browser.get("/app/transfers/upload").await;
    assert_eq!(status, 200);
    assert!(page.contains("multipart/form-data"), "{page}");
    let csv = format!(
        "external_id,partner_id,kind,occurred_on,order_id,amount,discount\n\
         U-1,{partner},order,{},O-1,\"55,555\",0\n\
         U-2,{partner},order,{},O-2,10000,0\n",
        day(20),
        day(21)
    );
    let (status, page) = post_file(&mut browser, "/app/transfers/upload", csv.into_bytes()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("거래 2건을 기록했습니다"), "{page}");
    let (_, open) = send(t.get(&format!(
        "/v1/partners/{partner}/settlements/open?through={}",
        last_month().1
    )))
    .await;
    assert_eq!(open["data"][0]["totals"]["transfers"], 2, "{open}");
}

async fn the_transfer_upload_reports_a_bad_row_by_number(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let partner = partner_with_contract(&t, 124_810_777, "tax@seller.example").await;
    let mut browser = signed_in_staff(&t, ADMIN, &BILLING).await;
    browser.get("/app/transfers/upload").await;
    let csv = format!(
        "external_id,partner_id,kind,occurred_on,amount\n\
         U-1,{partner},order,{},10000\n\
         U-2,{partner},order,{},ten\n",
        day(20),
        day(21)
    );
    let (status, page) = post_file(&mut browser, "/app/transfers/upload", csv.into_bytes()).await;
    assert_eq!(status, 422, "{page}");
    assert!(
        page.contains("<td>2</td><td>amount</td>") && page.contains("transfer.invalid_amount"),
        "{page}"
    );
    let (_, open) = send(t.get(&format!(
        "/v1/partners/{partner}/settlements/open?through={}",
        last_month().1
    )))
    .await;
    assert_eq!(open["data"], json!([]), "nothing recorded: {open}");
}

async fn a_sales_agent_does_not_see_another_partners_settlement(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (theirs, settlement) = closed_settlement(&t).await;
    let mine = create_partner(&t, &brn(105_810_111), "mine@seller.example").await;
    let mut agent = signed_in_staff(&t, "sales@platform.example", &["sales_agent"]).await;
    let (_, users) = send(t.get("/v1/users")).await;
    let user = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "sales@platform.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = send(t.post(
        &format!("/v1/users/{user}/partners"),
        &json!({"partner_id": mine}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let id = id_of(&settlement);
    let (status, _, _) = agent.get(&format!("/app/settlements/{id}")).await;
    assert_eq!(status, 404);
    let (status, _, _) = agent
        .get(&format!("/app/partners/{theirs}/settlement"))
        .await;
    assert_eq!(status, 404);
    let (status, page, _) = agent.get("/app/settlements").await;
    assert_eq!(status, 200);
    assert!(!page.contains(&id) && !page.contains("160,579"), "{page}");
}

async fn a_sales_agent_sees_no_write_forms(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (partner, settlement) = closed_settlement(&t).await;
    let mut agent = signed_in_staff(&t, "sales@platform.example", &["sales_agent"]).await;
    let (_, users) = send(t.get("/v1/users")).await;
    let user = users["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = send(t.post(
        &format!("/v1/users/{user}/partners"),
        &json!({"partner_id": partner}),
    ))
    .await;
    assert_eq!(status, 200);
    let id = id_of(&settlement);
    for path in [
        "/app/settlements".to_owned(),
        format!("/app/settlements/{id}"),
        format!("/app/partners/{partner}/settlement"),
        "/app/transfers/upload".to_owned(),
    ] {
        let (status, page, _) = agent.get(&path).await;
        assert_eq!(status, 200, "{path}: {page}");
        // The sign-out form is the one form that posts.
        assert_eq!(page.matches("method=\"post\"").count(), 1, "{path}: {page}");
    }
    let (_, page, _) = agent.get(&format!("/app/settlements/{id}")).await;
    assert!(page.contains("108,324"), "it reads the settlement: {page}");
    let csrf = agent.csrf();
    let through = last_month().1.to_string();
    let (status, _, _) = agent
        .post(
            "/app/settlements/close",
            &[("csrf", &csrf), ("through", &through)],
        )
        .await;
    assert_eq!(status, 403);
}

both_engines!(
    the_list_shows_a_closed_settlement,
    a_bad_list_filter_is_refused_with_the_apis_code,
    the_detail_page_shows_each_lines_owed_amount,
    a_late_transfer_links_the_settlement_it_corrects,
    closing_through_the_form_closes,
    a_close_through_today_is_refused_next_to_its_field,
    a_close_without_the_forms_token_is_refused,
    the_payout_file_downloads_as_csv,
    a_payout_file_with_a_partner_without_an_account_is_refused,
    the_tax_invoice_button_makes_it_and_links_it,
    marking_paid_records_the_payout,
    the_contract_form_adds_a_contract_and_the_page_lists_it,
    the_bank_account_form_shows_only_the_last_digits,
    the_partner_page_shows_its_open_cycles_line_by_line,
    the_transfer_upload_records_a_file,
    the_transfer_upload_reports_a_bad_row_by_number,
    a_sales_agent_does_not_see_another_partners_settlement,
    a_sales_agent_sees_no_write_forms,
);
