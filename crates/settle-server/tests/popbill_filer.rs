//! Filing through Popbill's API: one settle (the platform's) files its issued invoices
//! through another settle serving the Popbill-compatible API, as a Popbill client
//! (Linkhub tokens, registIssue, sendToNTS, the state read back). Every invoice is filed
//! once there, and filing the same invoices again takes nothing twice.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use settle_app::filing::{PopbillFiler, Submission};
use settle_app::popbill::ServiceId;
use settle_nts::certificate::ThrowawayCa;
use settle_testkit::{TestEngine, both_engines};
use support::filing::{issue, state_of, supplier};
use support::issuance::linked_tenant;
use support::{TestApp, send};

const SUPPLIER: u32 = 124_810_321;

/// The service: a settle with the platform's account (a link id), the supplier linked
/// and its certificate registered there.
async fn service(engine: TestEngine, ca: &ThrowawayCa) -> (TestApp, String, String) {
    let service = TestApp::start(engine).await;
    linked_tenant(&service, ca).await;
    supplier(&service, ca, SUPPLIER).await;
    let (status, key) = send(service.post("/v1/popbill-keys", &json!({}))).await;
    assert_eq!(status, 201, "{key}");
    let text = |field: &str| key[field].as_str().unwrap().to_owned();
    (service, text("link_id"), text("secret_key"))
}

fn filer(service: &TestApp, link_id: &str, secret: &str) -> PopbillFiler {
    PopbillFiler::new(
        &service.base,
        link_id,
        secret,
        ServiceId::PopbillTest,
        Duration::from_secs(10),
    )
    .unwrap()
    .with_backoff(Duration::from_millis(20))
}

async fn issued_invoices_are_filed_once_through_popbill(engine: TestEngine) {
    let ca = ThrowawayCa::new("test CA").unwrap();
    let (popbill, link_id, secret) = service(engine, &ca).await;
    let filer = Arc::new(filer(&popbill, &link_id, &secret));
    let platform = TestApp::start_filing_to(engine, filer.clone()).await;
    linked_tenant(&platform, &ca).await;
    let by = supplier(&platform, &ca, SUPPLIER).await;
    issue(&platform, &by, "PB-FILE", 12).await;

    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let report = settle_app::filing::run_batch(&platform.app, tomorrow)
        .await
        .unwrap();
    assert_eq!((report.filed, report.sent, report.failed), (12, 12, 0));
    let mut submissions = Vec::new();
    for n in 0..12 {
        let record = state_of(&platform, &format!("PB-FILE-{n}")).await;
        assert_eq!(record["state"], "sent", "{record}");
        let number = record["nts_approval_number"].as_str().unwrap().to_owned();
        // The service holds it once, under the key made of its approval number, sent.
        let key = settle_app::filing::popbill::management_key(&number);
        let held = state_of(&popbill, &key).await;
        assert_eq!(held["state"], "sent", "{held}");
        assert_eq!(held["total"], record["total"], "the same amounts");
        let xml = popbill
            .get(&format!("/v1/tax-invoices/{key}/xml"))
            .send()
            .await
            .unwrap();
        assert_eq!(xml.status(), 200);
        let own = platform
            .get(&format!("/v1/tax-invoices/PB-FILE-{n}/xml"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        submissions.push(Submission {
            approval_number: number,
            signed_xml: own,
        });
    }
    let (_, listed) = send(popbill.get("/v1/tax-invoices?limit=100")).await;
    let held = listed["data"].as_array().unwrap().len();
    assert_eq!(held, 12, "one document per invoice: {listed}");

    // Filing the same invoices again (as after a crash before the answers were recorded)
    // finds them sent and takes nothing twice.
    let again = settle_app::filing::Filer::file(filer.as_ref(), &submissions)
        .await
        .unwrap();
    assert!(again.iter().all(|r| r.accepted()), "{again:?}");
    let (_, listed) = send(popbill.get("/v1/tax-invoices?limit=100")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 12);
}

async fn a_wrong_secret_fails_the_batch_and_files_nothing(engine: TestEngine) {
    let ca = ThrowawayCa::new("test CA").unwrap();
    let (popbill, link_id, _) = service(engine, &ca).await;
    let wrong = "SwWxqU+0TErBXy/9TVjIPEnI0VTUMMSQZtJf3Ed8q3I=";
    let linking = Arc::new(filer(&popbill, &link_id, wrong));
    let platform = TestApp::start_filing_to(engine, linking).await;
    // Linking asks the service whether the business is a member (no token needed).
    linked_tenant(&platform, &ca).await;
    let by = supplier(&platform, &ca, SUPPLIER).await;
    issue(&platform, &by, "PB-WRONG", 1).await;
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let error = settle_app::filing::run_batch(&platform.app, tomorrow)
        .await
        .unwrap_err();
    assert_eq!(error.code, "nts.filer_unavailable", "{error:?}");
    let record = state_of(&platform, "PB-WRONG-0").await;
    assert_eq!(record["state"], "sending");
    let (_, listed) = send(popbill.get("/v1/tax-invoices?limit=100")).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 0, "{listed}");
}

async fn linking_a_partner_joins_it_to_the_popbill_side(engine: TestEngine) {
    let ca = ThrowawayCa::new("test CA").unwrap();
    let (popbill, link_id, secret) = service(engine, &ca).await;
    let platform =
        TestApp::start_filing_to(engine, Arc::new(filer(&popbill, &link_id, &secret))).await;
    linked_tenant(&platform, &ca).await;
    let newcomer = support::brn(124_810_654);
    let id = support::issuance::create_partner(&platform, &newcomer, "new@partner.example").await;
    let (status, linked) =
        send(platform.post(&format!("/v1/partners/{id}/nts-link"), &json!({}))).await;
    assert_eq!(status, 200, "{linked}");
    let (_, partners) = send(popbill.get("/v1/partners?limit=100")).await;
    let joined = partners["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["brn"].as_str().map(|b| b.replace('-', "")) == Some(newcomer.replace('-', "")))
        .unwrap_or_else(|| panic!("the partner joined the Popbill side: {partners}"));
    assert_eq!(joined["name"], linked["name"]);
    assert_eq!(joined["contact"]["email"], "new@partner.example");
    assert_eq!(joined["nts_link"]["status"], "linked");
}

both_engines!(
    issued_invoices_are_filed_once_through_popbill,
    linking_a_partner_joins_it_to_the_popbill_side,
    a_wrong_secret_fails_the_batch_and_files_nothing,
);
