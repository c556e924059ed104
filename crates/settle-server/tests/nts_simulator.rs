//! Filing across a real socket: settle files through the filer protocol to the NTS
//! simulator served on loopback with faults injected (failures, answers held back past
//! the client's timeout, answers cut off after the work is done). Every document ends
//! `sent` or `send_failed` with its reason, and none is taken twice.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use settle_app::filing::{RemoteFiler, Simulator};
use settle_nts::certificate::ThrowawayCa;
use settle_server::nts_simulator::{Faults, Rate, serve_on};
use settle_store::Store;
use settle_testkit::{TestDatabase, TestEngine, both_engines, fresh_database};
use support::filing::{issue, state_of, supplier};
use support::issuance::linked_tenant;
use support::{TestApp, send};

/// The simulator serving on loopback over its own database; its URL.
async fn simulator(faults: Faults) -> (String, Store, TestDatabase) {
    let db = fresh_database(TestEngine::Sqlite).await;
    let store = Store::open(&db.url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve_on(Simulator::new(store.clone()), faults, listener));
    (url, store, db)
}

async fn stats(url: &str) -> Value {
    reqwest::get(format!("{url}/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn a_faulty_service_files_every_document_once(engine: TestEngine) {
    let faults = Faults {
        fail_rate: Rate::parse("0.2").unwrap(),
        timeout_rate: Rate::parse("0.1").unwrap(),
        drop_after_accept: Rate::parse("0.1").unwrap(),
        // A seed under which answers to filings are lost: held back and cut off.
        seed: Some(23),
        ..Faults::default()
    };
    let (url, simulator_store, _sim_db) = simulator(faults).await;
    let filer = RemoteFiler::new(&url, Duration::from_secs(5))
        .unwrap()
        .with_backoff(Duration::from_millis(20));
    let t = TestApp::start_filing_to(engine, Arc::new(filer)).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let accepted = supplier(&t, &ca, 124_810_123).await;
    let forgotten = supplier(&t, &ca, 124_810_456).await;
    issue(&t, &accepted, "OK", 40).await;
    issue(&t, &forgotten, "GONE", 8).await;
    // The NTS no longer knows the second supplier: its documents are refused (ERR001).
    let mut conn = simulator_store.write().await.unwrap();
    sqlx::query("DELETE FROM nts_simulator_members WHERE brn = $1")
        .bind(forgotten.brn.digits())
        .execute(&mut *conn)
        .await
        .unwrap();
    conn.commit().await.unwrap();

    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let report = settle_app::filing::run_batch(&t.app, tomorrow)
        .await
        .unwrap();
    assert_eq!((report.filed, report.sent, report.failed), (48, 40, 8));
    for n in 0..40 {
        assert_eq!(state_of(&t, &format!("OK-{n}")).await["state"], "sent");
    }
    for n in 0..8 {
        let record = state_of(&t, &format!("GONE-{n}")).await;
        assert_eq!(record["state"], "send_failed");
        let (_, history) = send(t.get(&format!("/v1/tax-invoices/GONE-{n}/history"))).await;
        assert!(history.to_string().contains("ERR001"), "{history}");
    }
    let seen = stats(&url).await;
    assert_eq!(seen["received"], 40, "{seen}");
    assert_eq!(
        seen["resubmitted"], 0,
        "nothing taken was submitted again: {seen}"
    );
    let faults = ["failed", "timed_out", "dropped"]
        .iter()
        .map(|k| seen[k].as_u64().unwrap())
        .sum::<u64>();
    assert!(faults > 0, "the service misbehaved along the way: {seen}");
}

async fn a_service_that_never_answers_leaves_documents_claimed(engine: TestEngine) {
    let faults = Faults {
        fail_rate: Rate::ALWAYS,
        ..Faults::default()
    };
    let (url, _store, _sim_db) = simulator(Faults::default()).await;
    let (down, _down_store, _down_db) = simulator(faults).await;
    // Members are registered with the working service; filing goes to the failing one.
    let linking = RemoteFiler::new(&url, Duration::from_secs(5)).unwrap();
    let t = TestApp::start_filing_to(engine, Arc::new(linking)).await;
    let ca = ThrowawayCa::new("test CA").unwrap();
    linked_tenant(&t, &ca).await;
    let by = supplier(&t, &ca, 124_810_789).await;
    issue(&t, &by, "DOWN", 2).await;
    let failing = RemoteFiler::new(&down, Duration::from_secs(5))
        .unwrap()
        .with_backoff(Duration::from_millis(1));
    let app = t.app.clone().with_filer(Arc::new(failing));
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let error = settle_app::filing::run_batch(&app, tomorrow)
        .await
        .unwrap_err();
    assert_eq!(error.code, "nts.filer_unavailable");
    assert_eq!(state_of(&t, "DOWN-0").await["state"], "sending");
    assert_eq!(stats(&down).await["received"], 0);
}

#[tokio::test]
async fn bad_bodies_get_json_errors() {
    let (url, _store, _db) = simulator(Faults::default()).await;
    let client = reqwest::Client::new();
    for (path, body) in [
        ("/filings", "{not json"),
        ("/filings", r#"{"submissions": 3}"#),
        ("/members", r#"{"brn": "123"}"#),
        ("/filings/status", "[]"),
    ] {
        let answer = client
            .post(format!("{url}{path}"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        assert!((400..500).contains(&status), "{path} {body}: {status}");
        let json: Value = answer.json().await.unwrap();
        assert!(json["error"].is_string(), "{path} {body}: {json}");
    }
    assert_eq!(stats(&url).await["received"], 0);
}

both_engines!(
    a_faulty_service_files_every_document_once,
    a_service_that_never_answers_leaves_documents_claimed,
);
