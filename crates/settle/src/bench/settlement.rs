//! `settle bench settlement`: a month of marketplace settlement. Partners, their monthly
//! contracts and last month's transfers (orders, cancellations, partial refunds, shipping
//! fees, adjustments, with discounts and product rates) are recorded once on SQLite
//! (setup); each run then closes the month with `settle settle-run` on a copy of that
//! database, as a separate process timed whole, with its own peak resident memory.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use rust_decimal::Decimal;
use settle_app::App;
use settle_app::auth::Principal;
use settle_core::billing::Period;
use settle_core::ids::PartnerId;
use settle_core::money::DecimalInput;
use settle_core::settlement::{ContractInput, TransferInput};

use super::billing_period::{last_month, partner_ids};
use super::{create_tenant, import_all, partner_csv, per_second};

/// One timed close.
struct Close {
    elapsed: Duration,
    peak_rss_kib: u64,
    closed: u64,
}

/// Seeds `transfers` over `partners`, then closes the month `runs` times.
pub async fn run(transfers: usize, partners: usize, runs: usize) -> anyhow::Result<()> {
    let partners = partners.clamp(1, transfers.max(1));
    let per_partner = transfers.div_ceil(partners);
    let transfers = partners * per_partner;
    let period = last_month();
    println!(
        "settlement: {transfers} transfers ({partners} partners × {per_partner}) of {period}, {runs} runs"
    );
    let scratch = tempfile::tempdir()?;
    let seeded = scratch.path().join("seeded.db");
    let tenant = seed(&seeded, partners, per_partner, period).await?;
    let mut closes = Vec::new();
    for run in 1..=runs.max(1) {
        let copy = scratch.path().join("run.db");
        std::fs::copy(&seeded, &copy)?;
        let close = close_month(&copy, scratch.path(), &tenant, period)?;
        anyhow::ensure!(
            close.closed == partners as u64,
            "run {run} closed {} settlements, not {partners}",
            close.closed
        );
        println!(
            "  run {run}: {} ms, {} transfers/s, peak RSS {} MiB",
            close.elapsed.as_millis(),
            per_second(transfers, close.elapsed),
            close.peak_rss_kib / 1024
        );
        closes.push(close);
    }
    closes.sort_by_key(|c| c.elapsed);
    let median = &closes[closes.len() / 2];
    println!(
        "median: {} ms ({} transfers/s), peak RSS {} MiB",
        median.elapsed.as_millis(),
        per_second(transfers, median.elapsed),
        median.peak_rss_kib / 1024
    );
    Ok(())
}

async fn seed(
    file: &Path,
    partners: usize,
    per_partner: usize,
    period: Period,
) -> anyhow::Result<String> {
    let started = Instant::now();
    let url = format!("sqlite://{}", file.display());
    let app = App::new(settle_store::Store::open(&url).await?);
    let by = create_tenant(&app, "bench settlement").await?;
    import_all(&app, &by, &partner_csv(partners), partners).await?;
    let ids = partner_ids(&app, &by).await?;
    for id in &ids {
        settle_app::settlement::create_contract(&app, &by, contract(id)).await?;
    }
    record(&app, &by, &ids, per_partner, period).await?;
    app.store.close().await;
    println!("  setup: {} s", started.elapsed().as_secs());
    Ok(by.tenant_id.to_string())
}

fn contract(partner: &PartnerId) -> ContractInput {
    let rates = [("P-1".to_owned(), DecimalInput(Decimal::new(5, 2)))];
    ContractInput {
        partner_id: Some(partner.to_string()),
        effective_from: Some("2000-01-01".into()),
        currency: Some("KRW".into()),
        fee_rate: Some(DecimalInput(Decimal::new(108, 3))),
        product_fee_rates: Some(rates.into_iter().collect()),
        fixed_fee_per_order: Some(DecimalInput(Decimal::from(300))),
        partner_discount_share: Some(DecimalInput(Decimal::new(5, 1))),
        cycle: Some("monthly".into()),
        payout_day: Some(10),
        taxation: Some("reverse_tax_invoice".into()),
        ..ContractInput::default()
    }
}

/// The `n`th transfer of partner `p`: mostly orders, with cancellations, refunds,
/// shipping and adjustments mixed in, spread over the month.
fn transfer(p: usize, n: usize, partner: &PartnerId, period: Period) -> TransferInput {
    let days = u32::from(period.end().day());
    let day = period
        .start()
        .replace_day(u8::try_from(1 + (n as u32 % days)).unwrap_or(1))
        .unwrap_or(period.start());
    let (kind, amount, discount) = match n % 20 {
        0 => ("cancellation", -10_000 - (n % 7) as i64 * 100, -500),
        1 => ("partial_refund", -2_500, 0),
        2 => ("shipping_fee", 3_000, 0),
        3 => ("adjustment", -(n as i64 % 1_000), 0),
        _ => (
            "order",
            10_000 + (n % 97) as i64 * 110,
            (n % 5) as i64 * 100,
        ),
    };
    TransferInput {
        external_id: Some(format!("T{p:05}-{n:04}")),
        partner_id: Some(partner.to_string()),
        kind: Some(kind.into()),
        occurred_on: Some(day.to_string()),
        order_id: Some(format!("O{p:05}-{:04}", n / 2)),
        product_id: Some(format!("P-{}", n % 3)),
        amount: Some(DecimalInput(Decimal::from(amount))),
        discount: Some(DecimalInput(Decimal::from(discount))),
        ..TransferInput::default()
    }
}

async fn record(
    app: &App,
    by: &Principal,
    ids: &[PartnerId],
    per_partner: usize,
    period: Period,
) -> anyhow::Result<()> {
    let total = ids.len() * per_partner;
    let step = settle_app::settlement::MAX_TRANSFERS;
    for first in (0..total).step_by(step) {
        let inputs = (first..(first + step).min(total))
            .map(|n| {
                transfer(
                    n / per_partner,
                    n % per_partner,
                    &ids[n / per_partner],
                    period,
                )
            })
            .collect();
        settle_app::settlement::record_transfers(app, by, inputs).await?;
    }
    Ok(())
}

/// Runs `settle settle-run` for the month on the database `file`.
fn close_month(file: &Path, data: &Path, tenant: &str, period: Period) -> anyhow::Result<Close> {
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let output = Command::new(exe)
        .args([
            "settle-run",
            "--tenant",
            tenant,
            "--period",
            &period.to_string(),
        ])
        .env("DATABASE_URL", format!("sqlite://{}", file.display()))
        .env("SETTLE_DATA", data)
        .output()?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        output.status.success(),
        "settle-run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("settle-run prints a JSON summary")?;
    Ok(Close {
        elapsed,
        peak_rss_kib: summary["peak_rss_kib"].as_u64().unwrap_or_default(),
        closed: summary["closed"].as_u64().unwrap_or_default(),
    })
}
