//! Races in partner invoicing, on SQLite and PostgreSQL: parallel finalizations take
//! consecutive numbers without gaps or repeats; billing runs at the same moment bill each
//! charge once; two credit notes racing on one line cannot both take it.

mod ledger;

use std::collections::HashSet;

use ledger::{Ledger, amount, profile_input};
use settle_app::App;
use settle_app::billing::{self, CreditLineInput, CreditNoteInput};
use settle_app::pagination::PageRequest;
use settle_core::partner::PartnerInput;
use settle_store::Store;
use settle_store::billing::documents::DocumentFilter;
use settle_testkit::{TestEngine, both_engines};

/// Another app over the same database, as a second server process would be.
async fn second_app(l: &Ledger) -> App {
    App::new(Store::open(&l.db.url).await.unwrap())
}

/// `count` more partners with a USD profile and one charge each.
async fn partners_with_charges(l: &Ledger, count: usize) {
    let mut charges = Vec::new();
    for i in 0..count {
        let partner = settle_app::partners::create(
            &l.app,
            &l.alice,
            PartnerInput {
                name: Some(format!("Reseller {i}")),
                partner_type: Some("foreign".into()),
                address: Some("Somewhere".into()),
                contact_name: Some("Accounts".into()),
                contact_email: Some(format!("ap{i}@reseller.example")),
                ..PartnerInput::default()
            },
        )
        .await
        .unwrap()
        .id
        .to_string();
        billing::create_profile(&l.app, &l.alice, profile_input(&partner, "USD"))
            .await
            .unwrap();
        let mut charge = l.charge("10", "1");
        charge.partner_id = Some(partner);
        charges.push(charge);
    }
    l.record(charges).await;
}

async fn fifty_parallel_finalizations_take_fifty_consecutive_numbers(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    partners_with_charges(&l, 50).await;
    let drafts = l.bill().await;
    assert_eq!(drafts.len(), 50);
    let other = second_app(&l).await;
    let mut tasks = Vec::new();
    for (i, draft) in drafts.into_iter().enumerate() {
        let app = if i % 2 == 0 {
            l.app.clone()
        } else {
            other.clone()
        };
        let by = l.alice.clone();
        tasks.push(tokio::spawn(async move {
            billing::finalize(&app, &by, draft.id.as_str()).await
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap().unwrap().number.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("G{n:09}")).collect();
    assert_eq!(numbers, expected);
}

async fn simultaneous_runs_bill_each_charge_once(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    partners_with_charges(&l, 30).await;
    let other = second_app(&l).await;
    let period = l.period.to_string();
    let runs = [l.app.clone(), other.clone(), l.app.clone(), other].map(|app| {
        let by = l.alice.clone();
        let period = period.clone();
        tokio::spawn(async move { billing::run_billing(&app, &by, &period).await })
    });
    let mut billed = 0;
    let mut created = 0;
    for run in runs {
        let run = run.await.unwrap().unwrap();
        billed += run.charges_billed;
        created += run.invoices_created;
    }
    assert_eq!(billed, 30);
    assert_eq!(created, 30);
    let filter = DocumentFilter {
        period: Some(l.period),
        ..DocumentFilter::default()
    };
    let page = PageRequest::parse(Some(1000), None).unwrap();
    let invoices = billing::list_invoices(&l.app, &l.alice, &filter, &page)
        .await
        .unwrap();
    let lines: i64 = invoices.data.iter().map(|d| d.line_count).sum();
    assert_eq!(lines, 30);
}

async fn racing_credit_notes_cannot_both_take_a_line(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let invoice = l.finalized(vec![l.charge("10", "1")]).await;
    let line = invoice.lines[0].id.to_string();
    let other = second_app(&l).await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let app = if i % 2 == 0 {
                l.app.clone()
            } else {
                other.clone()
            };
            let by = l.alice.clone();
            let input = CreditNoteInput {
                lines: vec![CreditLineInput {
                    line_id: line.clone(),
                    quantity: amount("1"),
                    amount: None,
                }],
                reason: Some("returned".into()),
            };
            tokio::spawn(async move {
                billing::create_credit_note(&app, &by, "G000000001", input).await
            })
        })
        .collect();
    let mut won = HashSet::new();
    let mut lost = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(note) => {
                won.insert(note.number.unwrap());
            }
            Err(e) => {
                assert!(
                    ["invoice.changed", "credit_note.exceeds_remaining"].contains(&e.code.as_ref()),
                    "{e}"
                );
                lost += 1;
            }
        }
    }
    assert_eq!(won, HashSet::from(["GC000000001".to_owned()]));
    assert_eq!(lost, 5);
}

both_engines!(
    fifty_parallel_finalizations_take_fifty_consecutive_numbers,
    simultaneous_runs_bill_each_charge_once,
    racing_credit_notes_cannot_both_take_a_line,
);
