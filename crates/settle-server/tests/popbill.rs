//! The Popbill-compatible API driven by the official Python SDK (popbill 1.64.2 with
//! linkhub 1.6.0) exactly as an integrator points it at settle (auth URL and host only):
//! membership, the Linkhub token handshake for the platform and a linked partner, the
//! certificate calls on the tax-invoice host, and the refusals the SDK raises as
//! exceptions with Popbill's negative codes.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::issuance::{PASSWORD, TENANT_BRN, create_partner, leaf, linked_tenant};
use support::{TestApp, brn, python, send};

/// Runs the SDK script against the server; what each call answered.
fn sdk(t: &TestApp, link_id: &str, secret: &str, partner_brn: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/popbill_sdk.py");
    let hostport = t.base.trim_start_matches("http://");
    let output = std::process::Command::new(python())
        .arg(script)
        .args([
            hostport,
            link_id,
            secret,
            TENANT_BRN,
            partner_brn,
            &brn(211_870_001),
            &brn(211_870_002),
        ])
        .output()
        .expect("run the SDK script");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

async fn the_official_sdk_gets_tokens_and_reads_certificates(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let partner_brn = brn(124_810_555);
    let partner = create_partner(&t, &partner_brn, "tax@partner.example").await;
    let (status, _) = send(t.post(&format!("/v1/partners/{partner}/nts-link"), &json!({}))).await;
    assert_eq!(status, 200);
    // The partner registers its certificate (as it does on its supplier page).
    let partner_leaf = leaf(&ca, &partner_brn);
    settle_app::certificates::register(
        &t.app,
        &settle_core::ids::TenantId::parse(&t.tenant_id).unwrap(),
        &settle_app::certificates::Party::Partner(
            settle_core::ids::PartnerId::parse(&partner).unwrap(),
        ),
        &settle_core::brn::Brn::parse(&partner_brn).unwrap(),
        settle_app::certificates::CertificateFiles::Npki {
            certificate: partner_leaf.certificate_der().unwrap(),
            key: partner_leaf
                .sign_pri_kisa(PASSWORD, settle_nts::certificate::OID_SEED_CBC_WITH_SHA1)
                .unwrap(),
        },
        PASSWORD,
    )
    .await
    .unwrap();
    let (status, key) = send(t.post("/v1/popbill-keys", &json!({}))).await;
    assert_eq!(status, 201, "{key}");
    let (link_id, secret) = (
        key["link_id"].as_str().unwrap(),
        key["secret_key"].as_str().unwrap(),
    );

    let out = sdk(&t, link_id, secret, &partner_brn);
    assert_eq!(
        (
            &out["platform_member"],
            &out["partner_member"],
            &out["stranger_member"]
        ),
        (&json!(1), &json!(1), &json!(0)),
        "{out}"
    );
    assert_eq!(out["balance"], 0.0, "the platform's token works: {out}");
    assert_eq!(out["partner_balance"], 0.0, "so does the partner's: {out}");
    let tenant = settle_core::ids::TenantId::parse(&t.tenant_id).unwrap();
    let registered = settle_app::certificates::registered(
        &t.app,
        &tenant,
        &settle_app::certificates::Party::Tenant,
    )
    .await
    .unwrap()
    .unwrap();
    let not_after = registered.not_after.to_offset(settle_core::KST);
    let expected = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        not_after.year(),
        u8::from(not_after.month()),
        not_after.day(),
        not_after.hour(),
        not_after.minute(),
        not_after.second()
    );
    assert_eq!(out["certificate_expiration"], expected.as_str(), "{out}");
    assert_eq!(out["certificate_check"], 1, "{out}");
    assert_eq!(
        out["partner_certificate"], "ok",
        "the partner reads its own certificate: {out}"
    );
    assert_eq!(out["stranger_token"], -10000012, "{out}");
    assert_eq!(out["wrong_secret"], -10000032, "{out}");
    assert_eq!(out["unknown_link"], -10000032, "{out}");

    let reverse = &out["reverse"];
    assert_eq!(reverse["regist_request"], 1, "{reverse}");
    assert_eq!(reverse["requested_state"], 200, "(역)발행대기: {reverse}");
    assert_eq!(reverse["partner_sees"], 200, "{reverse}");
    assert_eq!(reverse["in_use"], true);
    assert_eq!(reverse["cancel_request"], 1);
    assert_eq!(reverse["cancelled_state"], 500, "(역)발행취소: {reverse}");
    assert_eq!(
        reverse["cancel_again"], -11000001,
        "an illegal transition: {reverse}"
    );
    assert_eq!(reverse["delete"], 1);
    assert_eq!(
        reverse["in_use_after_delete"], false,
        "deleting frees the key"
    );
    assert_eq!(reverse["unknown_key"], -11000005);
    assert_eq!(reverse["regist_again"], 1, "the freed key is used again");
    assert_eq!(
        reverse["partner_cannot_request"], -11000008,
        "only the buyer requests: {reverse}"
    );
    let (status, record) = send(t.get("/v1/tax-invoices/PB-1")).await;
    assert_eq!(
        (status, record["state"].as_str()),
        (200, Some("sent")),
        "the same document through /v1"
    );
    assert_eq!(record["total"], "110000");

    let seller = &out["seller"];
    let confirm = seller["issued"].as_str().unwrap();
    assert!(
        confirm.len() == 24 && confirm.bytes().all(|b| b.is_ascii_digit()),
        "{seller}"
    );
    assert_eq!(seller["issued_state"], 300, "{seller}");
    assert_eq!(seller["issue_again"], -11000001, "{seller}");
    assert_eq!(seller["platform_cannot_issue"], -11000008, "{seller}");
    assert_eq!(seller["refused_state"], 400, "{seller}");
    assert_eq!(seller["send_to_nts"], 1, "{seller}");
    assert_eq!(seller["filed_state"], 304, "{seller}");
    let logs: Vec<i64> = seller["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_i64().unwrap())
        .collect();
    assert_eq!(
        &logs[..3],
        &[100, 220, 230],
        "drafted, requested, issued: {seller}"
    );
    assert_eq!(logs.last(), Some(&254), "then filed: {seller}");
    assert_eq!(
        seller["detail"],
        json!({"ntsconfirmNum": confirm, "totalAmount": "110000",
               "items": [["판매 정산", "100000", "10000"]]}),
        "{seller}"
    );
    assert_eq!(
        seller["infos"],
        json!([["PB-1", 304], ["PB-3", 400]]),
        "unknown keys are left out"
    );
    assert_eq!(
        seller["search"],
        json!([2, ["PB-1", "PB-3"]]),
        "issued and refused ones: {seller}"
    );
    assert_eq!(
        seller["partner_search"], 0,
        "none of the partner's waits: {seller}"
    );
    let xml = seller["xml"].as_str().unwrap();
    assert!(xml.contains(confirm), "the XML carries the approval number");
    let dir = tempfile::tempdir().unwrap();
    let pem = partner_leaf.certificate_pem().unwrap();
    assert!(
        settle_testkit::xmlsec1_accepts(dir.path(), xml, &pem),
        "xmlsec1 verifies the seller's signature"
    );

    let drafts = &out["drafts"];
    assert_eq!(
        (&drafts["register"], &drafts["registered_state"]),
        (&json!(1), &json!(100)),
        "register keeps a draft (임시저장): {drafts}"
    );
    assert_eq!(drafts["update"], 1, "{drafts}");
    assert_eq!(drafts["updated_total"], "220000", "{drafts}");
    assert_eq!(
        (&drafts["request"], &drafts["requested_state"]),
        (&json!(1), &json!(200)),
        "{drafts}"
    );
    assert_eq!(
        drafts["update_requested"], -11000001,
        "a requested invoice is not edited: {drafts}"
    );
    let page = format!("{}/app/tax-invoices/PB-D", t.base);
    assert_eq!(drafts["view_url"], page.as_str(), "{drafts}");
    assert_eq!(
        drafts["pdf_url"],
        format!("{page}/pdf").as_str(),
        "{drafts}"
    );
    assert_eq!(
        drafts["box_url"],
        format!("{}/app/tax-invoices", t.base).as_str()
    );
    assert_eq!(drafts["partner_url"], -11000008, "{drafts}");
    assert_eq!(drafts["assign_key"], -11000001, "{drafts}");
    let (status, record) = send(t.get("/v1/tax-invoices/PB-D")).await;
    assert_eq!((status, record["total"].as_str()), (200, Some("220000")));

    let self_issued = &out["regist_issue"];
    let confirm = self_issued["confirm"].as_str().unwrap_or_default();
    assert_eq!(
        confirm.len(),
        24,
        "registIssue answers the approval number: {self_issued}"
    );
    assert_eq!(
        (&self_issued["state"], &self_issued["platform_sees"]),
        (&json!(300), &json!(300)),
        "{self_issued}"
    );
    assert_eq!(
        self_issued["again"], -11000001,
        "a key is issued once: {self_issued}"
    );
    let (_, issued) = send(t.get("/v1/tax-invoices/PB-F")).await;
    let mut conn = t.app.store.read().await.unwrap();
    let links: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM supplier_links WHERE tax_invoice_id = $1")
            .bind(issued["id"].as_str().unwrap())
            .fetch_one(&mut *conn)
            .await
            .map(|row| sqlx::Row::get(&row, "n"))
            .unwrap();
    assert_eq!(
        links, 0,
        "the seller issuing on its own is not asked to by email"
    );
    drop(conn);
    assert_eq!(
        self_issued["platform_cannot"], -11000008,
        "only a seller issues: {self_issued}"
    );

    let joined = &out["join"];
    assert_eq!(
        (&joined["before"], &joined["join"], &joined["after"]),
        (&json!(0), &json!(1), &json!(1)),
        "joinMember links the business as a partner: {joined}"
    );
    assert_eq!(joined["join_again"], 1, "joining again changes nothing");
    let (_, partners) = send(t.get("/v1/partners?q=새파트너")).await;
    let found = &partners["data"][0];
    assert_eq!(found["ceo_name"], "최대표", "{partners}");
    assert_eq!(found["nts_link"]["status"], "linked", "{partners}");
}

async fn errors_are_json_with_negative_codes_and_never_2xx(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let response = t
        .client
        .get(t.url("/Taxinvoice/SELL/NOPE"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(response.headers()["connection"], "close");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], -10000034);
    let (status, body) = send(
        t.client
            .post(t.url("/POPBILL_TEST/Token"))
            .header("authorization", "LINKHUB NOSUCH c2lnbmF0dXJl")
            .header("x-lh-date", "2000-01-01T00:00:00Z")
            .body("{}"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (401, Some(-10000032)),
        "{body}"
    );
    let time = t.client.get(t.url("/Time")).send().await.unwrap();
    let text = time.text().await.unwrap();
    assert!(
        text.len() == 20 && text.ends_with('Z') && text.as_bytes()[10] == b'T',
        "{text}"
    );
}

both_engines!(
    the_official_sdk_gets_tokens_and_reads_certificates,
    errors_are_json_with_negative_codes_and_never_2xx,
);
