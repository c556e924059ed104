//! Closing settlements through the use cases on both engines, on a clock fixed in early
//! December 2026: a closed month is final and its transfers settled, a later cancellation
//! or a late transfer lands in the next cycle naming the closed one, contracts cannot
//! reach into closed cycles, racing closes give one winner, and the payout file sums to the
//! settlements and is imported back as paid.

use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use settle_app::auth::Principal;
use settle_app::secrets::SecretKey;
use settle_app::settlement::{self, SettlementFilter};
use settle_app::{App, Clock};
use settle_core::money::DecimalInput;
use settle_core::partner::PartnerInput;
use settle_core::settlement::{BankAccountInput, ContractInput, SettlementState, TransferInput};
use settle_store::Store;
use settle_testkit::{TestEngine, both_engines, fresh_database};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

/// A clock the test moves.
struct FixedClock(std::sync::Mutex<OffsetDateTime>);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

struct Setup {
    app: App,
    by: Principal,
    clock: Arc<FixedClock>,
    _db: settle_testkit::TestDatabase,
}

impl Setup {
    fn set_today(&self, at: OffsetDateTime) {
        *self.clock.0.lock().unwrap() = at;
    }
}

async fn setup(engine: TestEngine) -> Setup {
    let db = fresh_database(engine).await;
    let clock = Arc::new(FixedClock(std::sync::Mutex::new(
        datetime!(2026-12-05 03:00 UTC),
    )));
    let app = App::new(Store::open(&db.url).await.unwrap())
        .with_clock(clock.clone())
        .with_secret_key(SecretKey::from_secret("a secret key for the settlement tests").unwrap());
    let created = settle_app::tenants::create(&app, "플랫폼", "124-81-01231")
        .await
        .unwrap();
    Setup {
        by: Principal::cli(created.tenant.id),
        app,
        clock,
        _db: db,
    }
}

/// A business partner (reverse tax invoices) or, without a BRN, an individual.
async fn partner(s: &Setup, name: &str, brn: Option<&str>) -> String {
    let input = PartnerInput {
        name: Some(name.into()),
        brn: brn.map(Into::into),
        partner_type: Some(
            if brn.is_some() {
                "business"
            } else {
                "individual"
            }
            .into(),
        ),
        ceo_name: brn.map(|_| "대표".into()),
        biz_type: brn.map(|_| "도소매".into()),
        biz_item: brn.map(|_| "잡화".into()),
        address: Some("서울".into()),
        contact_name: Some(name.into()),
        contact_email: Some(format!("{}@seller.example", name.len())),
        ..PartnerInput::default()
    };
    settle_app::partners::create(&s.app, &s.by, input)
        .await
        .unwrap()
        .id
        .to_string()
}

fn contract(partner: &str, taxation: &str) -> ContractInput {
    ContractInput {
        partner_id: Some(partner.into()),
        effective_from: Some("2026-01-01".into()),
        currency: Some("KRW".into()),
        fee_rate: Some(DecimalInput(dec!(0.10))),
        fixed_fee_per_order: Some(DecimalInput(dec!(500))),
        cycle: Some("monthly".into()),
        payout_day: Some(10),
        taxation: Some(taxation.into()),
        ..ContractInput::default()
    }
}

fn transfer(
    partner: &str,
    id: &str,
    kind: &str,
    on: &str,
    order: &str,
    amount: i64,
) -> TransferInput {
    TransferInput {
        external_id: Some(id.into()),
        partner_id: Some(partner.into()),
        kind: Some(kind.into()),
        occurred_on: Some(on.into()),
        order_id: Some(order.into()),
        amount: Some(DecimalInput(Decimal::from(amount))),
        ..TransferInput::default()
    }
}

async fn business_with_november(s: &Setup) -> String {
    let p = partner(s, "가나상사", Some("220-81-62517")).await;
    settlement::create_contract(&s.app, &s.by, contract(&p, "reverse_tax_invoice"))
        .await
        .unwrap();
    settlement::record_transfers(
        &s.app,
        &s.by,
        vec![
            transfer(&p, "A1", "order", "2026-11-10", "O-1", 20_000),
            transfer(&p, "A2", "order", "2026-11-12", "O-2", 10_000),
        ],
    )
    .await
    .unwrap();
    p
}

const NOVEMBER: Date = date!(2026 - 11 - 30);

async fn closing_a_month_stores_it_once_with_its_transfers(engine: TestEngine) {
    let s = setup(engine).await;
    let p = business_with_november(&s).await;
    let report = settlement::close(&s.app, &s.by, NOVEMBER, Some(&p))
        .await
        .unwrap();
    assert_eq!(report.closed.len(), 1);
    let closed = &report.closed[0];
    // 30,000 of sales, fees 3,000 + 2 × 500.
    assert_eq!(
        (closed.totals.sales, closed.totals.fees, closed.totals.owed),
        (dec!(30000), dec!(4000), dec!(26000))
    );
    assert_eq!(
        (closed.period_start, closed.period_end, closed.payout_date),
        (date!(2026 - 11 - 01), NOVEMBER, date!(2026 - 12 - 10))
    );
    let detail = settlement::get(&s.app, &s.by, closed.id.as_str())
        .await
        .unwrap();
    assert_eq!(detail.lines.len(), 2);
    assert_eq!(detail.record.totals, closed.totals);
    let again = settlement::close(&s.app, &s.by, NOVEMBER, Some(&p)).await;
    assert_eq!(again.unwrap_err().code, "settlement.nothing_to_close");
}

async fn a_cycle_closes_only_once_it_has_ended(engine: TestEngine) {
    let s = setup(engine).await;
    let p = business_with_november(&s).await;
    let error = settlement::close(&s.app, &s.by, date!(2026 - 12 - 05), Some(&p))
        .await
        .unwrap_err();
    assert_eq!(error.code, "settlement.not_ended");
    // Through the 4th: November has ended, December has not.
    let report = settlement::close(&s.app, &s.by, date!(2026 - 12 - 04), Some(&p))
        .await
        .unwrap();
    assert_eq!(report.closed.len(), 1);
    assert_eq!(report.closed[0].period_end, NOVEMBER);
}

async fn a_cancellation_after_closing_lands_in_the_next_cycle(engine: TestEngine) {
    let s = setup(engine).await;
    let p = business_with_november(&s).await;
    let november = settlement::close(&s.app, &s.by, NOVEMBER, Some(&p))
        .await
        .unwrap()
        .closed
        .remove(0);
    settlement::record_transfers(
        &s.app,
        &s.by,
        vec![
            // O-1 cancelled in December; an order of November reported late.
            transfer(&p, "A3", "cancellation", "2026-12-03", "O-1", -20_000),
            transfer(&p, "A4", "order", "2026-11-20", "O-4", 5_000),
            transfer(&p, "A5", "order", "2026-12-10", "O-5", 1_000),
        ],
    )
    .await
    .unwrap();
    s.set_today(datetime!(2027-01-02 03:00 UTC));
    let december = settlement::close(&s.app, &s.by, date!(2026 - 12 - 31), Some(&p))
        .await
        .unwrap()
        .closed
        .remove(0);
    assert_eq!(
        (december.period_start, december.period_end),
        (date!(2026 - 12 - 01), date!(2026 - 12 - 31))
    );
    // −20,000 + 5,000 + 1,000 of sales; fees −2,000 − 500 returned, 500 + 500, 100 + 500.
    assert_eq!(december.totals.sales, dec!(-14000));
    assert_eq!(december.totals.fees, dec!(-900));
    assert_eq!(december.totals.owed, dec!(-13100));
    let detail = settlement::get(&s.app, &s.by, december.id.as_str())
        .await
        .unwrap();
    let corrects = |id: &str| {
        detail
            .lines
            .iter()
            .find(|l| l.transfer.external_id == id)
            .unwrap()
            .corrects
            .clone()
    };
    assert_eq!(
        corrects("A3"),
        Some(november.id.clone()),
        "the cancelled order"
    );
    assert_eq!(corrects("A4"), Some(november.id.clone()), "the late order");
    assert_eq!(corrects("A5"), None);
    let unchanged = settlement::get(&s.app, &s.by, november.id.as_str())
        .await
        .unwrap();
    assert_eq!(unchanged.record.totals, november.totals);
    assert_eq!(unchanged.lines.len(), 2);
}

async fn contracts_cannot_reach_into_closed_cycles_and_fit_the_partner(engine: TestEngine) {
    let s = setup(engine).await;
    let p = business_with_november(&s).await;
    settlement::close(&s.app, &s.by, NOVEMBER, Some(&p))
        .await
        .unwrap();
    let mut late = contract(&p, "reverse_tax_invoice");
    late.effective_from = Some("2026-11-15".into());
    let error = settlement::create_contract(&s.app, &s.by, late)
        .await
        .unwrap_err();
    assert_eq!(error.code, "settlement_contract.closed_period");
    let mut next = contract(&p, "reverse_tax_invoice");
    next.effective_from = Some("2026-12-01".into());
    settlement::create_contract(&s.app, &s.by, next)
        .await
        .unwrap();

    let individual = partner(&s, "김개인", None).await;
    let error =
        settlement::create_contract(&s.app, &s.by, contract(&individual, "reverse_tax_invoice"))
            .await
            .unwrap_err();
    assert_eq!(
        error.errors[0].code,
        "settlement_contract.individual_tax_invoice"
    );
    let error = settlement::create_contract(&s.app, &s.by, contract(&p, "withholding"))
        .await
        .unwrap_err();
    assert_eq!(
        error.errors[0].code,
        "settlement_contract.business_withholding"
    );
}

async fn racing_closes_give_one_winner(engine: TestEngine) {
    let s = setup(engine).await;
    let p = business_with_november(&s).await;
    let (a, b) = tokio::join!(
        settlement::close(&s.app, &s.by, NOVEMBER, Some(&p)),
        settlement::close(&s.app, &s.by, NOVEMBER, Some(&p)),
    );
    let wins = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{a:?} {b:?}");
    let loser = if a.is_ok() { b } else { a };
    assert_eq!(loser.unwrap_err().kind, settle_app::ErrorKind::Conflict);
    let all = settlement::list(
        &s.app,
        &s.by,
        &SettlementFilter::default(),
        &settle_app::pagination::PageRequest::parse(None, None).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(all.data.len(), 1);
}

async fn an_individual_has_tax_withheld_and_no_tax_invoice(engine: TestEngine) {
    let s = setup(engine).await;
    let p = partner(&s, "김개인", None).await;
    settlement::create_contract(&s.app, &s.by, contract(&p, "withholding"))
        .await
        .unwrap();
    settlement::record_transfers(
        &s.app,
        &s.by,
        vec![transfer(&p, "B1", "order", "2026-11-03", "O-1", 123_457)],
    )
    .await
    .unwrap();
    let closed = settlement::close(&s.app, &s.by, NOVEMBER, None)
        .await
        .unwrap()
        .closed
        .remove(0);
    // Owed 123,457 − 12,346 − 500 = 110,611; 3 % = 3,318.33 → 3,318; a tenth → 331.
    assert_eq!(closed.totals.owed, dec!(110611));
    assert_eq!(
        (
            closed.totals.withholding.income_tax,
            closed.totals.withholding.local_income_tax
        ),
        (dec!(3318), dec!(331))
    );
    assert_eq!(closed.totals.payout, dec!(106962));
    let error = settlement::document(&s.app, &s.by, closed.id.as_str())
        .await
        .unwrap_err();
    assert_eq!(error.code, "settlement.withholding");
}

fn account(number: &str) -> BankAccountInput {
    BankAccountInput {
        bank_code: Some("004".into()),
        account: Some(number.into()),
        holder: Some("예금주".into()),
    }
}

async fn the_payout_file_sums_to_the_settlements_and_comes_back_paid(engine: TestEngine) {
    let s = setup(engine).await;
    let business = business_with_november(&s).await;
    let individual = partner(&s, "김개인", None).await;
    settlement::create_contract(&s.app, &s.by, contract(&individual, "withholding"))
        .await
        .unwrap();
    settlement::record_transfers(
        &s.app,
        &s.by,
        vec![transfer(
            &individual,
            "B1",
            "order",
            "2026-11-03",
            "O-9",
            77_777,
        )],
    )
    .await
    .unwrap();
    let closed = settlement::close(&s.app, &s.by, NOVEMBER, None)
        .await
        .unwrap()
        .closed;
    assert_eq!(closed.len(), 2);
    let missing = settlement::payout_file(&s.app, &s.by, date!(2026 - 12 - 10)).await;
    assert_eq!(missing.unwrap_err().code, "payout.bank_account_missing");
    settlement::set_bank_account(&s.app, &s.by, &business, account("110-123-456789"))
        .await
        .unwrap();
    let shown =
        settlement::set_bank_account(&s.app, &s.by, &individual, account("3333-01-2345678"))
            .await
            .unwrap();
    assert_eq!(shown.account_last4, "5678");
    let bad = settlement::set_bank_account(&s.app, &s.by, &individual, account("12ab"))
        .await
        .unwrap_err();
    assert_eq!(bad.errors[0].code, "bank_account.invalid_account");

    let not_yet = settlement::payout_file(&s.app, &s.by, date!(2026 - 12 - 09))
        .await
        .unwrap();
    assert_eq!(not_yet.1, 0, "nothing is due before the payout day");
    let (file, count, total) = settlement::payout_file(&s.app, &s.by, date!(2026 - 12 - 10))
        .await
        .unwrap();
    assert_eq!(count, 2);
    let text = String::from_utf8(file.clone()).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        settlement::PAYOUT_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let sum: Decimal = rows.iter().map(|r| r[3].parse::<Decimal>().unwrap()).sum();
    let payouts: Decimal = closed.iter().map(|c| c.totals.payout).sum();
    assert_eq!((sum, total), (payouts, payouts));
    let accounts: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert!(accounts.contains(&"110123456789") && accounts.contains(&"3333012345678"));

    // The file with paid_on added, imported back.
    let mut paid = String::from("settlement_id,paid_on,reference\n");
    for row in &rows {
        paid.push_str(&format!("{},2026-12-10,BATCH-1\n", &row[5]));
    }
    let marked = settlement::import_paid(&s.app, &s.by, paid.as_bytes())
        .await
        .unwrap();
    assert_eq!(marked.len(), 2);
    assert!(marked.iter().all(|m| m.state == SettlementState::Paid));
    let again = settlement::import_paid(&s.app, &s.by, paid.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(again.errors[0].code, "settlement.paid");
    assert_eq!(again.errors[0].field, "rows[1].settlement_id");
    let after = settlement::payout_file(&s.app, &s.by, date!(2026 - 12 - 10))
        .await
        .unwrap();
    assert_eq!(after.1, 0, "paid settlements leave the file");
}

both_engines!(
    closing_a_month_stores_it_once_with_its_transfers,
    a_cycle_closes_only_once_it_has_ended,
    a_cancellation_after_closing_lands_in_the_next_cycle,
    contracts_cannot_reach_into_closed_cycles_and_fit_the_partner,
    racing_closes_give_one_winner,
    an_individual_has_tax_withheld_and_no_tax_invoice,
    the_payout_file_sums_to_the_settlements_and_comes_back_paid,
);
