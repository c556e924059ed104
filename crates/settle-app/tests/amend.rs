//! Amended tax invoices: each reason makes the documents it calls for, referring to the
//! original approval number, and they are requested and issued like any other.

mod common;

use common::World;
use rust_decimal::Decimal;
use settle_app::tax_invoices::{self, AmendInput};
use settle_core::money::DecimalInput;
use settle_core::tax_invoice::{AmendmentReason, TaxInvoiceLineInput, TaxInvoiceState, TaxType};
use settle_testkit::{TestEngine, both_engines};
use time::Duration;

fn line(name: &str, amount: i64) -> TaxInvoiceLineInput {
    TaxInvoiceLineInput {
        name: Some(name.into()),
        supply_amount: Some(DecimalInput(Decimal::from(amount))),
        ..TaxInvoiceLineInput::default()
    }
}

fn amend_input(code: u8, items: Option<Vec<TaxInvoiceLineInput>>) -> AmendInput {
    AmendInput {
        reason_code: Some(code),
        items,
        ..AmendInput::default()
    }
}

async fn each_reason_makes_its_documents(engine: TestEngine) {
    let world = World::new(engine).await;
    let original = world.issued("ORIG-1").await;
    let (app, admin) = (&world.app, &world.admin);
    let error = tax_invoices::amend(app, admin, "ORIG-1", amend_input(4, None))
        .await
        .unwrap_err();
    assert_eq!(
        error.code, "tax_invoice.invalid_state",
        "only sent invoices are amended"
    );
    settle_app::filing::run_batch(app, app.now() + Duration::days(1))
        .await
        .unwrap();
    let number = original.approval_number.clone().unwrap();

    let error = tax_invoices::amend(app, admin, "ORIG-1", amend_input(9, None))
        .await
        .unwrap_err();
    assert_eq!(error.code, "tax_invoice.invalid_reason_code");
    let error = tax_invoices::amend(app, admin, "ORIG-1", amend_input(1, None))
        .await
        .unwrap_err();
    assert_eq!(
        (error.code.as_ref(), error.field.as_deref()),
        ("tax_invoice.missing_field", Some("items"))
    );

    // 4: the whole, negated.
    let cancelled = tax_invoices::amend(app, admin, "ORIG-1", amend_input(4, None))
        .await
        .unwrap();
    assert_eq!(cancelled.len(), 1);
    let negative = &cancelled[0];
    assert_eq!(
        (negative.document.supply_total, negative.document.tax_total),
        (Decimal::from(-100_000), Decimal::from(-10_000))
    );
    let amendment = negative.document.amendment.as_ref().unwrap();
    assert_eq!(
        (
            amendment.reason,
            amendment.original_approval_number.as_str()
        ),
        (AmendmentReason::ContractCancelled, number.as_str())
    );
    assert_eq!(
        (negative.state, negative.amends_id.as_ref()),
        (TaxInvoiceState::Drafted, Some(&original.id))
    );
    assert!(negative.document_key.as_str().len() <= 24);

    // 1: the original negated and the corrected one.
    let corrected = tax_invoices::amend(
        app,
        admin,
        "ORIG-1",
        amend_input(1, Some(vec![line("정산(정정)", 90_000)])),
    )
    .await
    .unwrap();
    assert_eq!(corrected.len(), 2);
    assert_eq!(corrected[0].document.total, Decimal::from(-110_000));
    assert_eq!(
        (
            corrected[1].document.supply_total,
            corrected[1].document.tax_total
        ),
        (Decimal::from(90_000), Decimal::from(9_000))
    );
    assert_eq!(
        corrected[1].document.write_date,
        original.document.write_date
    );

    // 3: the returned part, negated even when sent as a positive amount.
    let returned = tax_invoices::amend(
        app,
        admin,
        "ORIG-1",
        amend_input(3, Some(vec![line("반품", 30_000)])),
    )
    .await
    .unwrap();
    assert_eq!(returned[0].document.total, Decimal::from(-33_000));

    // 5: negated, and reissued zero-rated.
    let lc = tax_invoices::amend(app, admin, "ORIG-1", amend_input(5, None))
        .await
        .unwrap();
    assert_eq!(lc[1].document.tax_type, TaxType::ZeroRated);
    assert_eq!(
        (lc[1].document.supply_total, lc[1].document.tax_total),
        (Decimal::from(100_000), Decimal::ZERO)
    );

    // An amending document is requested and issued like any other; its XML says so.
    let key = negative.document_key.to_string();
    tax_invoices::request(app, admin, &key, None).await.unwrap();
    let issued = settle_app::supplier::issue(app, &world.supplier, negative.id.as_str(), None)
        .await
        .unwrap();
    assert_eq!(issued.state, TaxInvoiceState::Issued);
    let xml = tax_invoices::signed_xml(app, admin, &key).await.unwrap();
    assert!(xml.contains("<TypeCode>0201</TypeCode>"), "amended taxable");
    assert!(
        xml.contains(&number),
        "the original approval number is in the XML"
    );
    settle_nts::dsig::verify(&xml).unwrap();
}

both_engines!(each_reason_makes_its_documents);
