//! Issuing written together (group commit), on SQLite and PostgreSQL: many suppliers'
//! issues at once are each stored once with their own approval number, history entry and
//! emails; the same invoice issued twice at once has one winner and one 409; a lost race in
//! a group does not keep the others from being issued.

mod common;

use std::collections::HashSet;

use common::World;
use settle_core::tax_invoice::TaxInvoiceState;
use settle_store::tax_invoices;
use settle_testkit::{TestEngine, both_engines};

async fn issued_entries(world: &World, id: &settle_core::ids::TaxInvoiceId) -> usize {
    let mut conn = world.app.store.read().await.unwrap();
    tax_invoices::history(&mut conn, id)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.to == TaxInvoiceState::Issued)
        .count()
}

async fn concurrent_issues_are_each_stored_once(engine: TestEngine) {
    let world = World::new(engine).await;
    let mut records = Vec::new();
    for n in 0..24 {
        records.push(world.requested(&format!("MANY-{n}")).await);
    }
    let tasks: Vec<_> = records
        .iter()
        .map(|r| {
            let (app, supplier, id) = (world.app.clone(), world.supplier.clone(), r.id.clone());
            tokio::spawn(async move {
                settle_app::supplier::issue(&app, &supplier, id.as_str(), None).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let mut numbers = HashSet::new();
    for (record, answer) in records.iter().zip(answers) {
        let issued = answer.unwrap();
        assert_eq!(issued.id, record.id);
        assert_eq!(issued.state, TaxInvoiceState::Issued);
        numbers.insert(issued.approval_number.clone().unwrap());
        let stored =
            settle_app::tax_invoices::get(&world.app, &world.admin, record.document_key.as_str())
                .await
                .unwrap();
        assert_eq!(stored.approval_number, issued.approval_number);
        assert_eq!(issued_entries(&world, &record.id).await, 1);
    }
    assert_eq!(numbers.len(), records.len(), "approval numbers repeat");
}

async fn the_same_invoice_issued_twice_at_once_has_one_winner(engine: TestEngine) {
    let world = World::new(engine).await;
    for n in 0..6 {
        let record = world.requested(&format!("TWICE-{n}")).await;
        let other = world.requested(&format!("OTHER-{n}")).await;
        let (first, second, beside) = tokio::join!(
            settle_app::supplier::issue(&world.app, &world.supplier, record.id.as_str(), None),
            settle_app::supplier::issue(&world.app, &world.supplier, record.id.as_str(), None),
            settle_app::supplier::issue(&world.app, &world.supplier, other.id.as_str(), None),
        );
        assert!(first.is_ok() != second.is_ok(), "{first:?} / {second:?}");
        let loser = first.as_ref().err().or(second.as_ref().err()).unwrap();
        assert_eq!(loser.code, "tax_invoice.invalid_state");
        assert!(loser.message.contains("issued"), "{}", loser.message);
        assert_eq!(issued_entries(&world, &record.id).await, 1);
        assert_eq!(beside.unwrap().state, TaxInvoiceState::Issued);
    }
}

both_engines!(
    concurrent_issues_are_each_stored_once,
    the_same_invoice_issued_twice_at_once_has_one_winner
);
