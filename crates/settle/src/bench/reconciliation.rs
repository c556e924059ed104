//! `settle bench reconciliation`: a period's reconciliation file. A month of partner
//! invoicing is billed and finalized once per engine (setup); then `settle export
//! reconciliation` runs as a separate process, as an operator would run it, and is timed
//! from start to the file's rename, with its own peak resident memory. On PostgreSQL the
//! same rows are also written by the server's own `COPY (SELECT …) TO STDOUT WITH CSV`
//! through `psql`, the fastest the engine can hand them out.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use settle_app::App;
use settle_app::auth::Principal;
use settle_core::billing::Period;

use super::billing_period::{charge, last_month, partner_ids, profile};
use super::{create_tenant, import_all, partner_csv};

/// One timed export.
struct Export {
    elapsed: Duration,
    peak_rss_kib: u64,
    bytes: u64,
}

/// Bills `lines` charges over `partners` partners, then times the export `runs` times per
/// format on SQLite, and on PostgreSQL when `postgres` names a server.
pub async fn run(
    lines: usize,
    partners: usize,
    runs: usize,
    postgres: Option<&str>,
) -> anyhow::Result<()> {
    let partners = partners.clamp(1, lines.max(1));
    let per_partner = lines.div_ceil(partners);
    let lines = partners * per_partner;
    let period = last_month();
    println!(
        "reconciliation: {lines} lines ({partners} partners × {per_partner} charges) of {period}, {runs} runs"
    );
    let scratch = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", scratch.path().join("bench.db").display());
    let tenant = seed(&sqlite, scratch.path(), partners, per_partner, period).await?;
    let csv = time_exports(&sqlite, scratch.path(), &tenant, period, "csv", runs)?;
    report("SQLite csv", lines, &csv);
    let xlsx = time_exports(
        &sqlite,
        scratch.path(),
        &tenant,
        period,
        "xlsx",
        runs.min(3),
    )?;
    report("SQLite xlsx", lines, &xlsx);
    if let Some(server) = postgres {
        let url = fresh_database(server).await?;
        let tenant = seed(&url, scratch.path(), partners, per_partner, period).await?;
        let settle = time_exports(&url, scratch.path(), &tenant, period, "csv", runs)?;
        report("PostgreSQL csv", lines, &settle);
        let copy = time_copies(&url, scratch.path(), &tenant, period, runs)?;
        let settle_median = median(&settle, |e| e.elapsed);
        let copy_median = median(&copy, |e| e.elapsed);
        println!(
            "PostgreSQL COPY (SELECT …) TO STDOUT WITH CSV of the same rows: median {} ms ({} bytes)",
            copy_median.as_millis(),
            copy[0].bytes
        );
        println!(
            "settle on PostgreSQL takes {}‰ of COPY's time (1000‰ = as fast as the engine's own export)",
            settle_median.as_micros() * 1000 / copy_median.as_micros().max(1)
        );
    }
    Ok(())
}

async fn seed(
    url: &str,
    data: &Path,
    partners: usize,
    per_partner: usize,
    period: Period,
) -> anyhow::Result<String> {
    let started = Instant::now();
    let _ = data;
    let app = App::new(settle_store::Store::open(url).await?);
    let by = create_tenant(&app, "bench reconciliation").await?;
    import_all(&app, &by, &partner_csv(partners), partners).await?;
    bill(&app, &by, partners, per_partner, period).await?;
    app.store.close().await;
    println!("  setup: {} s", started.elapsed().as_secs());
    Ok(by.tenant_id.to_string())
}

async fn bill(
    app: &App,
    by: &Principal,
    partners: usize,
    per_partner: usize,
    period: Period,
) -> anyhow::Result<()> {
    let ids = partner_ids(app, by).await?;
    let profiles = ids.iter().enumerate().map(|(p, id)| profile(p, id));
    settle_app::billing::create_profiles(app, by, profiles.collect()).await?;
    let total = partners * per_partner;
    for first in (0..total).step_by(settle_app::billing::MAX_CHARGES) {
        let last = (first + settle_app::billing::MAX_CHARGES).min(total);
        let inputs = (first..last)
            .map(|n| {
                charge(
                    n / per_partner,
                    n % per_partner,
                    &ids[n / per_partner],
                    period,
                )
            })
            .collect();
        settle_app::billing::record_charges(app, by, inputs, true).await?;
    }
    let run = settle_app::billing::run_billing(app, by, &period.to_string()).await?;
    settle_app::billing::finalize_run(app, by, run.id.as_str()).await?;
    Ok(())
}

/// Runs `settle export reconciliation` `runs` times against `url`.
fn time_exports(
    url: &str,
    data: &Path,
    tenant: &str,
    period: Period,
    format: &str,
    runs: usize,
) -> anyhow::Result<Vec<Export>> {
    let exe = std::env::current_exe()?;
    let out = data.join(format!("reconciliation.{format}"));
    let mut exports = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let output = Command::new(&exe)
            .args(["export", "reconciliation", "--tenant", tenant])
            .args(["--period", &period.to_string(), "--format", format])
            .arg("--out")
            .arg(&out)
            .env("DATABASE_URL", url)
            .env("SETTLE_DATA", data)
            .output()?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            output.status.success(),
            "export failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("the export prints a JSON summary")?;
        exports.push(Export {
            elapsed,
            peak_rss_kib: summary["peak_rss_kib"].as_u64().unwrap_or_default(),
            bytes: std::fs::metadata(&out)?.len(),
        });
    }
    Ok(exports)
}

/// Runs psql's `COPY (SELECT …) TO STDOUT WITH CSV` of the same rows `runs` times.
fn time_copies(
    url: &str,
    data: &Path,
    tenant: &str,
    period: Period,
    runs: usize,
) -> anyhow::Result<Vec<Export>> {
    let out = data.join("copy.csv");
    let copy = format!(
        "COPY ({}) TO STDOUT WITH CSV HEADER",
        copy_select(tenant, period)
    );
    let mut copies = Vec::new();
    for _ in 0..runs.max(1) {
        let file = std::fs::File::create(&out)?;
        let started = Instant::now();
        let status = Command::new("psql")
            .args([url, "-qAt", "-c", &copy])
            .stdout(file)
            .status()
            .context("psql runs (postgresql-client)")?;
        let elapsed = started.elapsed();
        anyhow::ensure!(status.success(), "psql COPY failed");
        copies.push(Export {
            elapsed,
            peak_rss_kib: 0,
            bytes: std::fs::metadata(&out)?.len(),
        });
    }
    Ok(copies)
}

/// The 47 columns of the file, straight from the tables and their JSON.
fn copy_select(tenant: &str, period: Period) -> String {
    let item = |key: &str| format!("l.item->>'{key}'");
    let detail = |key: &str| format!("l.item->'details'->>'{key}'");
    let priced = |key: &str| format!("l.priced->>'{key}'");
    let columns = [
        "i.partner_id".to_owned(),
        detail("customer_id"),
        detail("customer_name"),
        detail("customer_domain"),
        detail("customer_country"),
        "i.number".to_owned(),
        detail("mpn_id"),
        detail("reseller_mpn_id"),
        item("order_id"),
        item("order_date"),
        item("product_id"),
        item("sku_id"),
        detail("availability_id"),
        item("sku_name"),
        item("product_name"),
        item("charge_type"),
        item("unit_price"),
        item("quantity"),
        priced("amount"),
        priced("tax"),
        priced("total"),
        "i.currency".to_owned(),
        detail("price_adjustment_description"),
        item("publisher_name"),
        detail("publisher_id"),
        detail("subscription_description"),
        detail("subscription_id"),
        item("charge_start"),
        item("charge_end"),
        detail("term_and_billing_cycle"),
        format!(
            "round(({u})::numeric - coalesce(({d})::numeric, 0) / abs(({q})::numeric), 6)",
            u = item("unit_price"),
            d = item("discount"),
            q = item("quantity")
        ),
        detail("unit_type"),
        "l.id".to_owned(),
        item("quantity"),
        detail("billing_frequency"),
        item("pricing_currency"),
        format!("coalesce({}, '1')", item("exchange_rate")),
        item("exchange_rate_date"),
        detail("meter_description"),
        detail("reservation_order_id"),
        format!("coalesce({}, i.reason)", detail("credit_reason_code")),
        detail("subscription_start_date"),
        detail("subscription_end_date"),
        detail("reference_id"),
        detail("product_qualifiers"),
        detail("promotion_id"),
        format!(
            "coalesce({}, {})",
            detail("product_category"),
            item("category")
        ),
    ];
    format!(
        "SELECT {} FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id \
         WHERE i.tenant_id = '{tenant}' AND i.number IS NOT NULL AND i.billing_period = '{period}' \
         ORDER BY i.number, l.line_no",
        columns.join(", ")
    )
}

/// A new, empty database on the PostgreSQL server at `server`; its URL.
async fn fresh_database(server: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!(
        "settle_bench_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let mut admin = sqlx::PgConnection::connect(server).await?;
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str()).await?;
    let mut url = url::Url::parse(server)?;
    url.set_path(&name);
    Ok(url.to_string())
}

fn median<T: Ord + Copy>(exports: &[Export], key: impl Fn(&Export) -> T) -> T {
    let mut values: Vec<T> = exports.iter().map(key).collect();
    values.sort();
    values[values.len() / 2]
}

fn report(label: &str, lines: usize, exports: &[Export]) {
    let runs: Vec<String> = exports
        .iter()
        .map(|e| e.elapsed.as_millis().to_string())
        .collect();
    let elapsed = median(exports, |e| e.elapsed);
    println!(
        "  {label}: runs {} ms; median {} ms = {} lines/s; peak RSS median {} MiB; {} bytes",
        runs.join(", "),
        elapsed.as_millis(),
        super::per_second(lines, elapsed),
        median(exports, |e| e.peak_rss_kib) / 1024,
        exports[0].bytes
    );
}
