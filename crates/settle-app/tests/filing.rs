//! Races and filing, on SQLite and PostgreSQL: issue against withdraw gives one winner;
//! two servers running the batch at once file each invoice once; a filer that died
//! half-way is taken over without filing anything twice.

mod common;

use common::{World, open_app};
use settle_core::tax_invoice::TaxInvoiceState;
use settle_store::{nts_simulator, tax_invoices};
use settle_testkit::{TestEngine, both_engines};
use time::Duration;

async fn history_steps(
    world: &World,
    key: &str,
) -> Vec<(Option<TaxInvoiceState>, TaxInvoiceState)> {
    let record = settle_app::tax_invoices::get(&world.app, &world.admin, key)
        .await
        .unwrap();
    let mut conn = world.app.store.read().await.unwrap();
    tax_invoices::history(&mut conn, &record.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.from, e.to))
        .collect()
}

async fn issue_and_withdraw_race_has_one_winner(engine: TestEngine) {
    let world = World::new(engine).await;
    let mut issued = 0;
    for n in 0..8 {
        let key = format!("RACE-{n}");
        let record = world.requested(&key).await;
        let id = record.id.to_string();
        let (issue, cancel) = tokio::join!(
            settle_app::supplier::issue(&world.app, &world.supplier, &id, None),
            settle_app::tax_invoices::cancel_request(&world.app, &world.admin, &key, None),
        );
        assert!(
            issue.is_ok() != cancel.is_ok(),
            "exactly one wins: {issue:?} / {cancel:?}"
        );
        let loser = issue.as_ref().err().or(cancel.as_ref().err()).unwrap();
        assert_eq!(loser.code, "tax_invoice.invalid_state");
        let state = settle_app::tax_invoices::get(&world.app, &world.admin, &key)
            .await
            .unwrap()
            .state;
        let expected = if issue.is_ok() {
            TaxInvoiceState::Issued
        } else {
            TaxInvoiceState::RequestCancelled
        };
        assert_eq!(state, expected);
        let out_of_requested = history_steps(&world, &key)
            .await
            .iter()
            .filter(|(from, _)| *from == Some(TaxInvoiceState::Requested))
            .count();
        assert_eq!(out_of_requested, 1);
        issued += usize::from(issue.is_ok());
    }
    eprintln!("issue won {issued} of 8 races");
}

async fn two_servers_file_each_invoice_once(engine: TestEngine) {
    let world = World::new(engine).await;
    const COUNT: usize = 24;
    for n in 0..COUNT {
        world.issued(&format!("TWO-{n}")).await;
    }
    let second = open_app(&world.db.url).await;
    let tomorrow = world.app.now() + Duration::days(1);
    let (a, b) = tokio::join!(
        settle_app::filing::run_batch(&world.app, tomorrow),
        settle_app::filing::run_batch(&second, tomorrow),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.filed + b.filed, COUNT as u64, "{a:?} {b:?}");
    assert_eq!(a.sent + b.sent, COUNT as u64);
    let mut conn = world.app.store.read().await.unwrap();
    assert_eq!(
        nts_simulator::receipt_count(&mut conn).await.unwrap(),
        COUNT as i64
    );
    drop(conn);
    for n in 0..COUNT {
        let steps = history_steps(&world, &format!("TWO-{n}")).await;
        assert_eq!(
            steps
                .iter()
                .filter(|(_, to)| *to == TaxInvoiceState::Sent)
                .count(),
            1,
            "{steps:?}"
        );
        assert_eq!(
            steps
                .iter()
                .filter(|(_, to)| *to == TaxInvoiceState::Sending)
                .count(),
            1
        );
    }
}

async fn a_dead_filer_is_taken_over_without_filing_twice(engine: TestEngine) {
    let world = World::new(engine).await;
    let record = world.issued("CRASH-1").await;
    let now = world.app.now();
    // A filer claims it, hands it to the NTS, and dies before recording the answer.
    let claims = claim_for(&world, &record, "dead", now - Duration::seconds(1)).await;
    let submission = settle_app::filing::Submission {
        approval_number: claims[0].approval_number.clone(),
        signed_xml: claims[0].signed_xml.clone(),
    };
    let first = world
        .app
        .filer
        .file(std::slice::from_ref(&submission))
        .await
        .unwrap();
    assert!(first[0].accepted());
    // Its invoice is stuck in `sending` until the next batch takes it over.
    let stuck = settle_app::tax_invoices::get(&world.app, &world.admin, "CRASH-1")
        .await
        .unwrap();
    assert_eq!(stuck.state, TaxInvoiceState::Sending);
    let report = settle_app::filing::run_batch(&world.app, now + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((report.filed, report.sent), (1, 1));
    let done = settle_app::tax_invoices::get(&world.app, &world.admin, "CRASH-1")
        .await
        .unwrap();
    assert_eq!(
        (done.state, done.nts_result_code.as_deref()),
        (TaxInvoiceState::Sent, Some("SUC001"))
    );
    let mut conn = world.app.store.read().await.unwrap();
    assert_eq!(
        nts_simulator::receipt_count(&mut conn).await.unwrap(),
        1,
        "filed once in effect"
    );
}

/// A claim by `owner` on the issued invoice, lasting until `until`.
async fn claim_for(
    world: &World,
    record: &settle_core::tax_invoice::TaxInvoiceRecord,
    owner: &str,
    until: time::OffsetDateTime,
) -> Vec<tax_invoices::FilingClaim> {
    let now = world.app.now();
    let mut tx = world.app.store.write().await.unwrap();
    let claims = tax_invoices::claim(
        &mut tx,
        TaxInvoiceState::Issued,
        TaxInvoiceState::Sending,
        tax_invoices::Due::IssuedBefore(now + Duration::days(1)),
        Some(&record.id),
        owner,
        now,
        until,
        10,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(claims.len(), 1);
    claims
}

async fn filing_now_takes_over_only_a_lapsed_claim(engine: TestEngine) {
    let world = World::new(engine).await;
    let held = world.issued("HELD-1").await;
    let now = world.app.now();
    claim_for(&world, &held, "alive", now + Duration::minutes(5)).await;
    let refused = settle_app::filing::file_now(&world.app, &world.admin, "HELD-1")
        .await
        .unwrap_err();
    assert_eq!(
        refused.code, "tax_invoice.state_changed",
        "a live claim holds"
    );
    let lapsed = world.issued("LAPSED-1").await;
    claim_for(&world, &lapsed, "dead", now - Duration::seconds(1)).await;
    let filed = settle_app::filing::file_now(&world.app, &world.admin, "LAPSED-1")
        .await
        .unwrap();
    assert_eq!(filed.state, TaxInvoiceState::Sent);
}

async fn the_batch_files_only_what_was_issued_before_its_day(engine: TestEngine) {
    let world = World::new(engine).await;
    world.issued("TODAY-1").await;
    // The batch of today files what was issued before today began: not this one.
    let report = settle_app::filing::run_batch(&world.app, world.app.now())
        .await
        .unwrap();
    assert_eq!(report.filed, 0);
    // The supplier may still cancel it; then no batch files it.
    let record = settle_app::tax_invoices::get(&world.app, &world.admin, "TODAY-1")
        .await
        .unwrap();
    settle_app::supplier::cancel_issue(&world.app, &world.supplier, record.id.as_str(), None)
        .await
        .unwrap();
    let report = settle_app::filing::run_batch(&world.app, world.app.now() + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(report.filed, 0);
}

async fn the_simulator_refuses_what_the_nts_refuses(engine: TestEngine) {
    let world = World::new(engine).await;
    let record = world.issued("SIM-1").await;
    let mut conn = world.app.store.read().await.unwrap();
    let xml = tax_invoices::signed_xml(&mut conn, &record.id)
        .await
        .unwrap()
        .unwrap();
    drop(conn);
    let number = record.approval_number.clone().unwrap();
    let file = |approval: &str, xml: String| settle_app::filing::Submission {
        approval_number: approval.to_owned(),
        signed_xml: xml,
    };
    let tampered = xml.replace("<NameText>정산</NameText>", "<NameText>변조</NameText>");
    assert!(tampered != xml, "an item name was changed");
    // ExchangedDocument lies outside the signature: changing it keeps the signature valid
    // but makes another document.
    let start = xml.find("<ExchangedDocument>").unwrap();
    let end = xml.find("</ExchangedDocument>").unwrap();
    let mut resent = xml.clone();
    resent.replace_range(
        start..end,
        "<ExchangedDocument><IssueDateTime>20200101000000</IssueDateTime>",
    );
    assert!(resent != xml);
    let fake_number = format!("{}99999999", &number[..16]);
    let results = world
        .app
        .filer
        .file(&[
            file(&number, tampered),
            file(&number, "<TaxInvoice/>".to_owned()),
            file(&fake_number, xml.replace(&number, &fake_number)),
            file(&number, xml.clone()),
            file(&number, resent),
            file(&number, xml.clone()),
        ])
        .await
        .unwrap();
    let codes: Vec<&str> = results.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        ["SYN002", "SYN004", "SYN002", "SUC001", "SYN003", "SUC001"],
        "changed item, not the schema, changed IssueID, genuine, another document under a \
         used number, the genuine one again"
    );
}

both_engines!(
    issue_and_withdraw_race_has_one_winner,
    two_servers_file_each_invoice_once,
    a_dead_filer_is_taken_over_without_filing_twice,
    filing_now_takes_over_only_a_lapsed_claim,
    the_batch_files_only_what_was_issued_before_its_day,
    the_simulator_refuses_what_the_nts_refuses,
);
