//! Partner invoicing end to end through the use cases, on SQLite and PostgreSQL: billing
//! runs, finalization, credit notes, payments, statements, void and rebill, bad input.

mod ledger;

use ledger::{Ledger, amount, dec, profile_input};
use settle_app::billing::{
    self, AllocationInput, CreditLineInput, CreditNoteInput, PaymentInput, RebillInput,
};
use settle_app::pagination::PageRequest;
use settle_core::billing::{DocumentKind, DocumentStatus, Period};
use settle_core::money::DecimalInput;
use settle_store::billing::charges::ChargeFilter;
use settle_testkit::{TestEngine, both_engines};

fn code(error: settle_app::AppError) -> String {
    error.code.to_string()
}

async fn runs_group_charges_and_never_bill_twice(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let mut marketplace = l.charge("30", "1");
    marketplace.marketplace = Some(true);
    marketplace.publisher_name = Some("Fabrikam".into());
    marketplace.publisher_address = Some("2 Side St, Oslo".into());
    let mut legacy = l.charge("100", "2");
    legacy.series = Some("D".into());
    legacy.category = Some("license".into());
    l.record(vec![
        l.charge("9.75", "1"),
        l.charge("10.25", "1"),
        marketplace,
        legacy,
    ])
    .await;
    let drafts = l.bill().await;
    assert_eq!(drafts.len(), 3, "first-party G, marketplace G and D apart");
    let first_party = drafts
        .iter()
        .find(|d| d.series == settle_core::billing::Series::G && !d.marketplace)
        .unwrap();
    assert_eq!(first_party.number, None);
    assert_eq!(first_party.totals.tax.to_string(), "2.01");
    assert_eq!(first_party.totals.total.to_string(), "22.01");
    let legacy = drafts
        .iter()
        .find(|d| d.series == settle_core::billing::Series::D)
        .unwrap();
    assert_eq!(legacy.totals.license_based, dec("200.00"));

    // Nothing new: nothing billed. A new charge joins the open draft.
    assert!(l.bill().await.is_empty());
    l.record(vec![l.charge("1.00", "1")]).await;
    let extended = l.bill().await;
    assert_eq!(extended.len(), 1);
    assert_eq!(extended[0].id, first_party.id);
    assert_eq!(extended[0].line_count, 3);
    assert_eq!(extended[0].totals.total.to_string(), "23.11");
    let detail = l.detail(first_party.id.as_str()).await;
    let line_total: rust_decimal::Decimal = detail.lines.iter().map(|x| x.priced.total).sum();
    assert_eq!(line_total, detail.document.totals.total);

    // Once finalized, a later charge starts a new draft.
    billing::finalize(&l.app, &l.alice, first_party.id.as_str())
        .await
        .unwrap();
    l.record(vec![l.charge("5.00", "1")]).await;
    let later = l.bill().await;
    assert_eq!(later.len(), 1);
    assert_ne!(later[0].id, first_party.id);
    let unbilled = billing::list_charges(
        &l.app,
        &l.alice,
        &ChargeFilter {
            billed: Some(false),
            ..ChargeFilter::default()
        },
        &PageRequest::parse(None, None).unwrap(),
    )
    .await
    .unwrap();
    assert!(unbilled.data.is_empty());
}

async fn finalizing_numbers_dates_and_snapshots_the_profile(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let invoice = l.finalized(vec![l.charge("10", "1")]).await.document;
    assert_eq!(invoice.number.as_deref(), Some("G000000001"));
    assert_eq!(invoice.status, DocumentStatus::Open);
    let date = invoice.document_date.unwrap();
    assert_eq!(invoice.due_date, Some(date + time::Duration::days(30)));
    let again = billing::finalize(&l.app, &l.alice, "G000000001")
        .await
        .unwrap_err();
    assert_eq!(code(again), "invoice.already_finalized");

    // A profile change reaches the next invoice, not the finalized one.
    let profiles = billing::list_profiles(
        &l.app,
        &l.alice,
        Some(&l.partner),
        &PageRequest::parse(None, None).unwrap(),
    )
    .await
    .unwrap();
    billing::update_profile(
        &l.app,
        &l.alice,
        profiles.data[0].id.as_str(),
        serde_json::json!({"po_number": "PO-2", "payment_terms_days": 10}),
    )
    .await
    .unwrap();
    let next = l.finalized(vec![l.charge("20", "1")]).await.document;
    assert_eq!(next.number.as_deref(), Some("G000000002"));
    assert_eq!(next.details.unwrap().po_number.as_deref(), Some("PO-2"));
    let old = l.detail("G000000001").await.document;
    assert_eq!(old.details.unwrap().po_number.as_deref(), Some("PO-1"));
}

fn credit(line: &str, quantity: Option<&str>, amount_text: Option<&str>) -> CreditNoteInput {
    CreditNoteInput {
        lines: vec![CreditLineInput {
            line_id: line.to_owned(),
            quantity: quantity.and_then(amount),
            amount: amount_text.and_then(amount),
        }],
        reason: Some("returned".into()),
    }
}

async fn credit_notes_take_back_lines_exactly(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let invoice = l
        .finalized(vec![l.charge("10", "1"), l.charge("3.333333", "3")])
        .await;
    let line = &invoice.lines[1];
    assert_eq!(
        (line.priced.amount, line.priced.tax),
        (dec("10.00"), dec("1.00"))
    );
    let first = billing::create_credit_note(
        &l.app,
        &l.alice,
        "G000000001",
        credit(line.id.as_str(), Some("1"), None),
    )
    .await
    .unwrap();
    assert_eq!(first.kind, DocumentKind::CreditNote);
    assert_eq!(first.number.as_deref(), Some("GC000000001"));
    assert_eq!(first.original_number.as_deref(), Some("G000000001"));
    assert_eq!(first.totals.total, dec("-3.66"));
    let rest = billing::create_credit_note(
        &l.app,
        &l.alice,
        "G000000001",
        credit(line.id.as_str(), Some("2"), None),
    )
    .await
    .unwrap();
    assert_eq!(rest.totals.total, dec("-7.34"));
    assert_eq!(first.totals.total + rest.totals.total, -line.priced.total);
    let over = billing::create_credit_note(
        &l.app,
        &l.alice,
        "G000000001",
        credit(line.id.as_str(), None, Some("0.01")),
    )
    .await
    .unwrap_err();
    assert_eq!(code(over), "credit_note.exceeds_remaining");
    let detail = l.detail("G000000001").await;
    assert_eq!(detail.credited[&line.id], (dec("10.00"), dec("1.00")));
    assert_eq!(detail.document.outstanding(), invoice.lines[0].priced.total);
    assert_eq!(detail.related.len(), 2);

    // The other line in full by amount: the invoice is settled.
    let other = &invoice.lines[0];
    billing::create_credit_note(
        &l.app,
        &l.alice,
        "G000000001",
        credit(other.id.as_str(), None, Some("10.00")),
    )
    .await
    .unwrap();
    assert_eq!(
        l.detail("G000000001").await.document.status,
        DocumentStatus::Paid
    );

    l.record(vec![l.charge("1", "1")]).await;
    let draft = l.bill().await.remove(0);
    let refused = billing::create_credit_note(
        &l.app,
        &l.alice,
        draft.id.as_str(),
        credit("lin_x", Some("1"), None),
    )
    .await
    .unwrap_err();
    assert_eq!(code(refused), "invoice.not_finalized");
}

fn payment(l: &Ledger, amount_text: &str, currency: &str, reference: &str) -> PaymentInput {
    PaymentInput {
        partner_id: Some(l.partner.clone()),
        amount: amount(amount_text),
        currency: Some(currency.into()),
        paid_on: Some(l.period.end().to_string()),
        reference: Some(reference.into()),
        allocations: None,
    }
}

async fn payments_follow_citations_then_age_and_keep_the_rest(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let first = l.finalized(vec![l.charge("100", "1")]).await.document;
    let second = l.finalized(vec![l.charge("50", "1")]).await.document;
    let cited = billing::record_payment(
        &l.app,
        &l.alice,
        payment(&l, "55.00", "USD", "wire for G000000002"),
    )
    .await
    .unwrap();
    assert_eq!(cited.allocations.len(), 1);
    assert_eq!(cited.allocations[0].1.as_deref(), Some("G000000002"));
    assert_eq!(cited.unallocated, dec("0.00"));
    assert_eq!(
        l.detail(second.id.as_str()).await.document.status,
        DocumentStatus::Paid
    );

    let wrong = billing::record_payment(&l.app, &l.alice, payment(&l, "1", "EUR", ""))
        .await
        .unwrap_err();
    assert_eq!(code(wrong), "payment.currency_mismatch");
    let mut over = payment(&l, "500", "USD", "");
    over.allocations = Some(vec![AllocationInput {
        invoice: first.number.clone(),
        amount: amount("111.00"),
    }]);
    let over = billing::record_payment(&l.app, &l.alice, over)
        .await
        .unwrap_err();
    assert_eq!(code(over), "payment.over_allocation");

    let rest = billing::record_payment(&l.app, &l.alice, payment(&l, "130.00", "USD", "thanks"))
        .await
        .unwrap();
    assert_eq!(rest.allocations[0].1.as_deref(), Some("G000000001"));
    assert_eq!(rest.unallocated, dec("20.00"));
    let statement = billing::statement(&l.app, &l.alice, &l.partner, None, None)
        .await
        .unwrap();
    assert_eq!(statement.documents.len(), 2);
    assert!(statement.documents.iter().all(|d| d.outstanding.is_zero()));
    assert_eq!(
        statement.balance,
        dec("-20.00"),
        "the overpayment is the partner's credit"
    );

    // As of the day before the payments, both invoices were still owed.
    let before = (l.period.end() - time::Duration::days(1)).to_string();
    let earlier = billing::statement(&l.app, &l.alice, &l.partner, Some("USD"), Some(&before))
        .await
        .unwrap();
    assert!(earlier.documents.is_empty(), "documents are dated after it");
}

async fn void_and_rebill_needs_a_second_admin(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let original = l
        .finalized(vec![l.charge("100", "1"), l.charge("9.99", "2")])
        .await;
    billing::record_payment(&l.app, &l.alice, payment(&l, "50.00", "USD", "G000000001"))
        .await
        .unwrap();
    let line = original.lines[1].id.to_string();
    let request = billing::request_rebill(
        &l.app,
        &l.alice,
        "G000000001",
        RebillInput {
            changes: serde_json::json!({"po_number": "PO-9", "lines": [{"line_id": line, "unit_price": "8.99"}]}),
            reason: Some("discount not applied".into()),
        },
    )
    .await
    .unwrap();
    let twice = billing::request_rebill(
        &l.app,
        &l.alice,
        "G000000001",
        RebillInput {
            changes: serde_json::json!({"po_number": "PO-8"}),
            reason: Some("again".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(code(twice), "rebill.already_pending");
    let own = billing::approve_rebill(&l.app, &l.alice, request.id.as_str())
        .await
        .unwrap_err();
    assert_eq!(code(own.clone()), "rebill.self_approval");
    assert_eq!(own.kind, settle_app::ErrorKind::Forbidden);

    let approved = billing::approve_rebill(&l.app, &l.bob, request.id.as_str())
        .await
        .unwrap();
    assert_eq!(
        approved.status,
        settle_core::billing::RebillStatus::Approved
    );
    let void = l
        .detail(approved.void_note_id.unwrap().as_str())
        .await
        .document;
    let rebilled = l
        .detail(approved.new_invoice_id.unwrap().as_str())
        .await
        .document;
    let voided = l.detail("G000000001").await.document;
    assert_eq!(void.kind, DocumentKind::VoidNote);
    assert_eq!(void.number.as_deref(), Some("GV000000001"));
    assert_eq!(void.totals.total, -original.document.totals.total);
    assert_eq!(rebilled.number.as_deref(), Some("G000000002"));
    assert_eq!(rebilled.period, original.document.period);
    assert_eq!(void.period, original.document.period);
    assert_eq!(rebilled.original_number.as_deref(), Some("G000000001"));
    assert_eq!(
        rebilled.details.as_ref().unwrap().po_number.as_deref(),
        Some("PO-9")
    );
    assert_eq!(rebilled.totals.subtotal, dec("117.98"));
    assert_eq!(voided.status, DocumentStatus::Void);
    assert_eq!(
        rebilled.settled,
        dec("50.00"),
        "the payment moved to the new invoice"
    );

    let statement = billing::statement(&l.app, &l.alice, &l.partner, Some("USD"), None)
        .await
        .unwrap();
    let numbers: Vec<_> = statement
        .documents
        .iter()
        .filter_map(|d| d.document.number.clone())
        .collect();
    assert_eq!(numbers, ["G000000002"]);
    assert_eq!(statement.balance, rebilled.totals.total - dec("50.00"));

    let again = billing::request_rebill(
        &l.app,
        &l.bob,
        "G000000001",
        RebillInput {
            changes: serde_json::json!({"po_number": "X"}),
            reason: Some("x".into()),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(code(again), "invoice.void");
}

async fn bad_input_is_refused_and_nothing_is_written(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let mut unknown = l.charge("1", "1");
    unknown.pricing_currency = Some("XXX".into());
    let mut no_rate = l.charge("1", "1");
    no_rate.pricing_currency = Some("EUR".into());
    let mut negative_new = l.charge("1", "1");
    negative_new.quantity = amount("-1");
    let mut no_publisher = l.charge("1", "1");
    no_publisher.marketplace = Some(true);
    let error = billing::record_charges(
        &l.app,
        &l.alice,
        vec![
            l.charge("1", "1"),
            unknown,
            no_rate,
            negative_new,
            no_publisher,
        ],
        true,
    )
    .await
    .unwrap_err();
    let codes: Vec<(&str, &str)> = error
        .errors
        .iter()
        .map(|e| (e.code.as_str(), e.field.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("charge.unknown_currency", "charges[1].pricing_currency"),
            ("charge.exchange_rate_required", "charges[2].exchange_rate"),
            ("charge.invalid_quantity", "charges[3].quantity"),
            ("charge.publisher_required", "charges[4].publisher_name"),
        ]
    );
    let charges = billing::list_charges(
        &l.app,
        &l.alice,
        &ChargeFilter::default(),
        &PageRequest::parse(None, None).unwrap(),
    )
    .await
    .unwrap();
    assert!(charges.data.is_empty(), "one bad charge stores none");

    let today = l.app.now().to_offset(settle_core::KST).date();
    let next_month = Period::of(Period::of(today).end().next_day().unwrap());
    let future = billing::run_billing(&l.app, &l.alice, &next_month.to_string())
        .await
        .unwrap_err();
    assert_eq!(code(future), "billing_run.future_period");

    let duplicate = billing::create_profile(&l.app, &l.alice, profile_input(&l.partner, "USD"))
        .await
        .unwrap_err();
    assert_eq!(code(duplicate), "billing_profile.duplicate");

    // Converted charges need their rate; with it, the line records rate and date.
    billing::create_profile(&l.app, &l.alice, profile_input(&l.partner, "KRW"))
        .await
        .unwrap();
    let mut won = l.charge("12.34", "1");
    won.billing_currency = Some("KRW".into());
    won.exchange_rate = amount("1385.5");
    won.exchange_rate_date = Some(l.period.start().to_string());
    l.record(vec![won]).await;
    let drafts = l.bill().await;
    let krw = drafts.iter().find(|d| d.currency.code() == "KRW").unwrap();
    let detail = l.detail(krw.id.as_str()).await;
    assert_eq!(
        detail.lines[0].priced.amount,
        dec("17097"),
        "12.34 × 1385.5 = 17097.07"
    );
    assert_eq!(detail.lines[0].item.exchange_rate, Some(dec("1385.5")));
    let _ = DecimalInput(dec("0"));
}

/// On PostgreSQL the stored amounts are `numeric`: SQL sums them exactly, to the cent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sums_invoice_totals_in_sql() {
    use sqlx::Row;
    let l = Ledger::new(TestEngine::Postgres).await;
    l.record(vec![
        l.charge("9.75", "1"),
        l.charge("0.10", "3"),
        l.charge("1000000.01", "1"),
    ])
    .await;
    let drafts = l.bill().await;
    let expected: rust_decimal::Decimal = drafts.iter().map(|d| d.totals.total).sum();
    let mut conn = l.app.store.read().await.unwrap();
    let row = sqlx::query(
        "SELECT CAST(sum(total) AS TEXT) AS total, CAST(pg_typeof(sum(total)) AS TEXT) AS type \
         FROM invoices",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>("type"), "numeric");
    assert_eq!(dec(&row.get::<String, _>("total")), expected);
    assert!(expected > dec("1000000"), "{expected}");
}

async fn a_sales_agent_sees_only_its_partners_billing(engine: TestEngine) {
    let l = Ledger::new(engine).await;
    let detail = l.finalized(vec![l.charge("10.00", "1")]).await;
    let id = detail.document.id.to_string();
    let partner: settle_core::ids::PartnerId = detail.document.partner_id.clone();
    let agent = |scope| settle_app::auth::Principal {
        tenant_id: l.alice.tenant_id.clone(),
        roles: settle_core::access::Roles::new([settle_core::access::Role::SalesAgent]),
        actor: "user:agent".into(),
        scope,
    };
    let page = PageRequest::parse(None, None).unwrap();
    let none = agent(settle_core::access::PartnerScope::Assigned(vec![]));
    let app = &l.app;
    assert!(
        billing::list_invoices(app, &none, &Default::default(), &page)
            .await
            .unwrap()
            .data
            .is_empty()
    );
    assert_eq!(
        code(billing::get_invoice(app, &none, &id).await.unwrap_err()),
        "invoice.not_found"
    );
    assert_eq!(
        code(
            billing::statement(app, &none, partner.as_str(), None, None)
                .await
                .unwrap_err()
        ),
        "partner.not_found"
    );
    assert!(
        billing::list_charges(app, &none, &Default::default(), &page)
            .await
            .unwrap()
            .data
            .is_empty()
    );
    assert!(
        billing::list_profiles(app, &none, None, &page)
            .await
            .unwrap()
            .data
            .is_empty()
    );
    let mine = agent(settle_core::access::PartnerScope::Assigned(vec![
        partner.clone(),
    ]));
    assert_eq!(
        billing::list_invoices(app, &mine, &Default::default(), &page)
            .await
            .unwrap()
            .data
            .len(),
        1
    );
    assert!(billing::get_invoice(app, &mine, &id).await.is_ok());
    assert!(
        billing::statement(app, &mine, partner.as_str(), None, None)
            .await
            .is_ok()
    );
    assert_eq!(
        billing::list_charges(app, &mine, &Default::default(), &page)
            .await
            .unwrap()
            .data
            .len(),
        1
    );
}

both_engines!(
    a_sales_agent_sees_only_its_partners_billing,
    runs_group_charges_and_never_bill_twice,
    finalizing_numbers_dates_and_snapshots_the_profile,
    credit_notes_take_back_lines_exactly,
    payments_follow_citations_then_age_and_keep_the_rest,
    void_and_rebill_needs_a_second_admin,
    bad_input_is_refused_and_nothing_is_written,
);
