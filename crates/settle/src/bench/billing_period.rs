//! `settle bench billing-period`: a month of partner invoicing. Partners get one USD billing
//! profile each and their charges of last month are recorded (setup); then the billing run
//! drafts their invoices and every draft is finalized (timed).

use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use settle_app::App;
use settle_app::auth::Principal;
use settle_core::billing::{
    AddressInput, BillingProfileInput, ChargeDetails, ChargeInput, DocumentStatus, Period,
    format_number,
};
use settle_core::ids::PartnerId;
use settle_core::money::DecimalInput;
use settle_store::billing::documents::{self, DocumentFilter};
use settle_store::partners::{self, PartnerFilter};

use super::{create_tenant, import_all, open_app, partner_csv, per_second};
use crate::config::Config;

/// Rows read per page when listing partners and invoices back.
const PAGE: u32 = 10_000;

/// What one run measured.
struct RunResult {
    setup: Duration,
    draft: Duration,
    finalize: Duration,
    invoices: usize,
}

impl RunResult {
    fn timed(&self) -> Duration {
        self.draft + self.finalize
    }
}

/// Runs the benchmark `runs` times, each on a fresh database (or tenant), and prints every
/// run and the median of draft plus finalize.
pub async fn run(
    partners: usize,
    charges: usize,
    runs: usize,
    config: &Config,
) -> anyhow::Result<()> {
    let partners = partners.max(1);
    let charges = charges.max(1);
    let period = last_month();
    let total = partners * charges;
    println!(
        "billing-period: {partners} partners × {charges} charges ({total} charges) of {period}, {runs} runs"
    );
    let file = partner_csv(partners);
    let mut results = Vec::new();
    for run in 1..=runs.max(1) {
        let scratch = tempfile::tempdir()?;
        let app = open_app(config, scratch.path()).await?;
        let result = one_run(&app, run, &file, partners, charges, period).await;
        app.store.close().await;
        let result = result?;
        println!(
            "  run {run}: setup {} ms; draft {} ms, finalize {} ms, draft + finalize {} ms \
             ({} invoices finalized, {} charges/s)",
            result.setup.as_millis(),
            result.draft.as_millis(),
            result.finalize.as_millis(),
            result.timed().as_millis(),
            result.invoices,
            per_second(total, result.timed())
        );
        results.push(result);
    }
    let median = |time: fn(&RunResult) -> Duration| {
        let mut times: Vec<Duration> = results.iter().map(time).collect();
        times.sort();
        times[times.len() / 2]
    };
    let timed = median(RunResult::timed);
    println!(
        "median draft + finalize: {} ms, {} charges/s (median draft {} ms, finalize {} ms, setup {} ms)",
        timed.as_millis(),
        per_second(total, timed),
        median(|r| r.draft).as_millis(),
        median(|r| r.finalize).as_millis(),
        median(|r| r.setup).as_millis()
    );
    Ok(())
}

/// The month before the current one in Korea: begun, so billable.
pub(crate) fn last_month() -> Period {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(settle_core::KST)
        .date();
    let first = today.replace_day(1).unwrap_or(today);
    Period::of(first.previous_day().unwrap_or(first))
}

async fn one_run(
    app: &App,
    run: usize,
    file: &[u8],
    partners: usize,
    charges: usize,
    period: Period,
) -> anyhow::Result<RunResult> {
    let started = Instant::now();
    let by = create_tenant(app, &format!("bench billing {run}")).await?;
    import_all(app, &by, file, partners).await?;
    let partner_ids = partner_ids(app, &by).await?;
    anyhow::ensure!(
        partner_ids.len() == partners,
        "listed {} partners, expected {partners}",
        partner_ids.len()
    );
    let profiles = partner_ids.iter().enumerate().map(|(p, id)| profile(p, id));
    settle_app::billing::create_profiles(app, &by, profiles.collect()).await?;
    let total = partners * charges;
    for first in (0..total).step_by(settle_app::billing::MAX_CHARGES) {
        let last = (first + settle_app::billing::MAX_CHARGES).min(total);
        let inputs = (first..last)
            .map(|n| charge(n / charges, n % charges, &partner_ids[n / charges], period))
            .collect();
        settle_app::billing::record_charges(app, &by, inputs, true).await?;
    }
    let setup = started.elapsed();

    let started = Instant::now();
    let billing_run = settle_app::billing::run_billing(app, &by, &period.to_string()).await?;
    let draft = started.elapsed();
    let started = Instant::now();
    let finalized = settle_app::billing::finalize_run(app, &by, billing_run.id.as_str()).await?;
    let finalize = started.elapsed();

    let expected = expected_invoices(partners, charges);
    anyhow::ensure!(
        billing_run.charges_billed == total as i64,
        "the run billed {} charges, expected {total}",
        billing_run.charges_billed
    );
    anyhow::ensure!(
        billing_run.invoices_created == expected as i64 && finalized.len() == expected,
        "the run drafted {} invoices and {} were finalized, expected {expected}",
        billing_run.invoices_created,
        finalized.len()
    );
    check_numbers(app, &by, expected, total).await?;
    Ok(RunResult {
        setup,
        draft,
        finalize,
        invoices: finalized.len(),
    })
}

/// The tenant's partners in creation order.
pub(crate) async fn partner_ids(app: &App, by: &Principal) -> anyhow::Result<Vec<PartnerId>> {
    let mut conn = app.store.read().await?;
    let mut ids = Vec::new();
    loop {
        let after = ids.last().map(PartnerId::to_string);
        let page = partners::list(
            &mut conn,
            &by.tenant_id,
            &PartnerFilter::default(),
            after.as_deref(),
            PAGE,
        )
        .await?;
        if page.is_empty() {
            return Ok(ids);
        }
        ids.extend(page.into_iter().map(|p| p.id));
    }
}

/// Checks that the tenant's documents are `invoices` open invoices numbered `G000000001`
/// onwards without a gap, carrying `lines` lines in all.
async fn check_numbers(
    app: &App,
    by: &Principal,
    invoices: usize,
    lines: usize,
) -> anyhow::Result<()> {
    let mut conn = app.store.read().await?;
    let mut numbers = Vec::with_capacity(invoices);
    let mut line_count = 0;
    let mut after: Option<String> = None;
    loop {
        let page = documents::list(
            &mut conn,
            &by.tenant_id,
            &DocumentFilter::default(),
            after.as_deref(),
            PAGE,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        for document in page {
            anyhow::ensure!(
                document.status == DocumentStatus::Open,
                "invoice {} is {}",
                document.id,
                document.status
            );
            line_count += document.line_count;
            numbers.push(document.number.unwrap_or_default());
        }
    }
    numbers.sort();
    anyhow::ensure!(
        numbers.len() == invoices,
        "{} documents, expected {invoices}",
        numbers.len()
    );
    for (n, number) in (1..).zip(&numbers) {
        let wanted = format_number("G", n).unwrap_or_default();
        anyhow::ensure!(*number == wanted, "found {number} where {wanted} belongs");
    }
    anyhow::ensure!(
        line_count == lines as i64,
        "{line_count} invoice lines, expected {lines}"
    );
    Ok(())
}

/// One USD billing profile.
pub(crate) fn profile(p: usize, partner: &PartnerId) -> BillingProfileInput {
    let address = |name: String| AddressInput {
        name: Some(name),
        address: Some(format!(
            "{} Market Street, Suite {}, Seattle",
            100 + p % 900,
            p
        )),
        country: Some("US".into()),
        state: Some("WA".into()),
        postal_code: Some(format!("98{:03}", p % 1000)),
    };
    BillingProfileInput {
        partner_id: Some(partner.to_string()),
        sold_to: Some(address(format!("Partner {p} Inc."))),
        bill_to: Some(address(format!("Partner {p} Inc., Accounts Payable"))),
        payment_terms_days: Some(30),
        billing_currency: Some("USD".into()),
        template: Some("non_lrd".into()),
        country: Some("US".into()),
        ..BillingProfileInput::default()
    }
}

/// What a charge is, by its place: of every 20 charges of a partner the last is a
/// cancellation and three are priced in EUR; one partner in five also resells two
/// marketplace products; the rest are first-party `new` and `cycle` charges in USD.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Usd,
    Eur,
    Marketplace,
    Cancellation,
}

fn kind(p: usize, j: usize) -> Kind {
    match j % 20 {
        19 => Kind::Cancellation,
        16..=18 => Kind::Eur,
        14 | 15 if p.is_multiple_of(5) => Kind::Marketplace,
        _ => Kind::Usd,
    }
}

/// Drafts the run makes: one first-party invoice per partner, and one more for those with
/// marketplace charges.
fn expected_invoices(partners: usize, charges: usize) -> usize {
    (0..partners)
        .map(|p| {
            let marketplace = (0..charges).filter(|&j| kind(p, j) == Kind::Marketplace);
            let marketplace = marketplace.count();
            usize::from(marketplace > 0) + usize::from(marketplace < charges)
        })
        .sum()
}

/// Charge `j` of partner `p`, in `period`.
pub(crate) fn charge(p: usize, j: usize, partner: &PartnerId, period: Period) -> ChargeInput {
    let n = p * 10_000 + j;
    let kind = kind(p, j);
    let start = period.start();
    let end = period.end();
    let ordered = start + time::Duration::days((j % 28) as i64);
    let cycle = j.is_multiple_of(2);
    // Unit prices from 1 to about 500 with six decimals.
    let unit_price = Decimal::new(1_000_000 + (n as i64 * 7_919_113) % 499_000_000, 6);
    let quantity = match kind {
        Kind::Cancellation => -(1 + (n % 3) as i64),
        _ => 1 + (n % 25) as i64,
    };
    let (product, pricing_currency) = match kind {
        Kind::Marketplace => (format!("Third-party app {}", n % 37), "USD"),
        Kind::Eur => (format!("Cloud suite EU {}", n % 11), "EUR"),
        _ => (format!("Cloud suite {}", n % 13), "USD"),
    };
    ChargeInput {
        partner_id: Some(partner.to_string()),
        order_id: Some(format!("ORD-{p:06}-{j:04}")),
        order_date: Some(ordered.to_string()),
        product_id: Some(format!("PRD-{:04}", n % 97)),
        sku_id: Some(format!("SKU-{:04}", n % 389)),
        product_name: Some(product),
        sku_name: Some(if cycle { "Monthly" } else { "Annual" }.into()),
        charge_type: Some(
            match kind {
                Kind::Cancellation => "cancellation",
                _ if cycle => "cycle",
                _ => "new",
            }
            .into(),
        ),
        quantity: Some(DecimalInput(Decimal::from(quantity))),
        unit_price: Some(DecimalInput(unit_price)),
        pricing_currency: Some(pricing_currency.into()),
        exchange_rate: (kind == Kind::Eur).then(|| DecimalInput(Decimal::new(10_825_310, 7))),
        exchange_rate_date: (kind == Kind::Eur).then(|| end.to_string()),
        tax_rate: Some(DecimalInput(Decimal::new(10, 2))),
        marketplace: (kind == Kind::Marketplace).then_some(true),
        publisher_name: (kind == Kind::Marketplace).then(|| format!("Publisher {} LLC", n % 37)),
        publisher_address: (kind == Kind::Marketplace)
            .then(|| format!("{} Innovation Way, Austin, TX", 10 + n % 37)),
        charge_start: Some(if cycle { start } else { ordered }.to_string()),
        charge_end: Some(end.to_string()),
        series: Some("G".into()),
        details: Some(ChargeDetails {
            customer_id: Some(format!("CUST-{:07}", n % 1_000_003)),
            subscription_id: Some(format!("SUB-{p:06}-{j:04}")),
            term_and_billing_cycle: Some("1 year, monthly".into()),
            ..ChargeDetails::default()
        }),
        ..ChargeInput::default()
    }
}
