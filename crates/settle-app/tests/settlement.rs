//! Settlement through the use cases on both engines: contracts, transfers recorded once per
//! external id with every problem reported by index, and a partner's settlement computed
//! from them under the contract of each transfer's date.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use settle_app::App;
use settle_app::auth::Principal;
use settle_app::settlement::{self, MAX_TRANSFERS};
use settle_core::money::DecimalInput;
use settle_core::partner::PartnerInput;
use settle_core::settlement::{ContractInput, TransferInput};
use settle_store::Store;
use settle_testkit::{TestEngine, both_engines, fresh_database};
use time::macros::date;

struct Setup {
    app: App,
    by: Principal,
    partner: String,
    _db: settle_testkit::TestDatabase,
}

async fn setup(engine: TestEngine) -> Setup {
    let db = fresh_database(engine).await;
    let app = App::new(Store::open(&db.url).await.unwrap());
    let created = settle_app::tenants::create(&app, "플랫폼", "124-81-01231")
        .await
        .unwrap();
    let by = Principal::cli(created.tenant.id);
    let partner = settle_app::partners::create(
        &app,
        &by,
        PartnerInput {
            name: Some("김개인".into()),
            partner_type: Some("individual".into()),
            address: Some("서울".into()),
            contact_name: Some("김개인".into()),
            contact_email: Some("kim@seller.example".into()),
            ..PartnerInput::default()
        },
    )
    .await
    .unwrap()
    .id
    .to_string();
    Setup {
        app,
        by,
        partner,
        _db: db,
    }
}

fn contract(partner: &str, from: &str, rate: &str) -> ContractInput {
    ContractInput {
        partner_id: Some(partner.into()),
        effective_from: Some(from.into()),
        currency: Some("KRW".into()),
        fee_rate: Some(DecimalInput(rate.parse().unwrap())),
        fixed_fee_per_order: Some(DecimalInput(dec!(300))),
        partner_discount_share: Some(DecimalInput(dec!(0.5))),
        cycle: Some("monthly".into()),
        payout_day: Some(10),
        taxation: Some("withholding".into()),
        ..ContractInput::default()
    }
}

fn transfer(
    partner: &str,
    id: &str,
    kind: &str,
    on: &str,
    amount: i64,
    discount: i64,
) -> TransferInput {
    TransferInput {
        external_id: Some(id.into()),
        partner_id: Some(partner.into()),
        kind: Some(kind.into()),
        occurred_on: Some(on.into()),
        order_id: Some(format!("O-{id}")),
        amount: Some(DecimalInput(Decimal::from(amount))),
        discount: Some(DecimalInput(Decimal::from(discount))),
        ..TransferInput::default()
    }
}

async fn a_month_settles_under_the_contract_of_each_day_with_withholding(engine: TestEngine) {
    let s = setup(engine).await;
    let (app, by, p) = (&s.app, &s.by, s.partner.as_str());
    settlement::create_contract(app, by, contract(p, "2026-01-01", "0.10"))
        .await
        .unwrap();
    settlement::create_contract(app, by, contract(p, "2026-11-16", "0.05"))
        .await
        .unwrap();
    let again = settlement::create_contract(app, by, contract(p, "2026-11-16", "0.07")).await;
    assert_eq!(again.unwrap_err().code, "settlement_contract.exists");
    let transfers = vec![
        transfer(p, "T1", "order", "2026-11-03", 100_000, 10_000),
        transfer(p, "T2", "order", "2026-11-20", 50_000, 0),
        transfer(p, "T3", "partial_refund", "2026-11-25", -20_000, 0),
        transfer(p, "T4", "shipping_fee", "2026-11-03", 3_000, 0),
    ];
    let report = settlement::record_transfers(app, by, transfers.clone())
        .await
        .unwrap();
    assert_eq!((report.recorded, report.already_recorded.len()), (4, 0));
    // Sent again: recorded once.
    let report = settlement::record_transfers(app, by, transfers)
        .await
        .unwrap();
    assert_eq!((report.recorded, report.already_recorded.len()), (0, 4));

    let s = settlement::settlement_of(app, by, p, date!(2026 - 11 - 01), date!(2026 - 11 - 30))
        .await
        .unwrap();
    // T1: fee 10,000 + 300 at 10 %, discount 5,000 borne by the partner → 84,700.
    // T2: fee 2,500 + 300 at 5 % → 47,200. T3: fee returned 1,000 → -19,000. T4: 3,000.
    assert_eq!(s.owed, dec!(84700) + dec!(47200) - dec!(19000) + dec!(3000));
    assert_eq!(s.fees, dec!(10300) + dec!(2800) - dec!(1000));
    assert_eq!(s.partner_discounts + s.platform_discounts, dec!(10000));
    // 115,900 × 3 % = 3,477; a tenth = 347.7 → 347.
    assert_eq!(
        (s.withholding.income_tax, s.withholding.local_income_tax),
        (dec!(3477), dec!(347))
    );
    assert_eq!(s.payout, s.owed - dec!(3477) - dec!(347));
    assert_eq!(
        s.owed + s.fees + s.partner_discounts,
        dec!(100000) + dec!(50000) - dec!(20000) + dec!(3000)
    );
}

async fn bad_transfers_are_reported_by_index_and_nothing_is_stored(engine: TestEngine) {
    let s = setup(engine).await;
    let (app, by, p) = (&s.app, &s.by, s.partner.as_str());
    let none =
        settlement::record_transfers(app, by, vec![transfer(p, "X", "order", "2026-11-03", 1, 0)])
            .await;
    assert_eq!(none.unwrap_err().errors[0].code, "transfer.no_contract");
    settlement::create_contract(app, by, contract(p, "2026-01-01", "0.10"))
        .await
        .unwrap();
    let mut fine = transfer(p, "T2", "order", "2026-11-03", 100, 0);
    fine.amount = Some(DecimalInput(dec!(100.5)));
    let error = settlement::record_transfers(
        app,
        by,
        vec![
            transfer(p, "T1", "order", "2026-11-03", 1000, 0),
            fine,
            transfer(p, "T3", "cancellation", "2026-11-03", 500, 0),
            transfer(p, "T4", "refund", "2026-13-03", 500, 0),
        ],
    )
    .await
    .unwrap_err();
    let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"transfers[1].amount"), "{fields:?}");
    assert!(fields.contains(&"transfers[2].amount"), "{fields:?}");
    assert!(fields.contains(&"transfers[3].kind"), "{fields:?}");
    assert!(fields.contains(&"transfers[3].occurred_on"), "{fields:?}");
    let s = settlement::settlement_of(app, by, p, date!(2026 - 11 - 01), date!(2026 - 11 - 30))
        .await
        .unwrap();
    assert!(
        s.lines.is_empty(),
        "nothing of the refused request was stored"
    );
    let too_many = vec![TransferInput::default(); MAX_TRANSFERS + 1];
    let error = settlement::record_transfers(app, by, too_many)
        .await
        .unwrap_err();
    assert_eq!(error.code, "transfer.too_many");
}

both_engines!(
    a_month_settles_under_the_contract_of_each_day_with_withholding,
    bad_transfers_are_reported_by_index_and_nothing_is_stored
);
