//! `settle settle-run` and `settle import …`: closing a month's settlements and bringing
//! transfers and payouts made in from files, as an operator runs them.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use rust_decimal::Decimal;
use settle_app::auth::Principal;
use settle_core::billing::Period;

use crate::config::Config;
use crate::export::peak_rss_kib;

/// Files brought in.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Records the transfers of a CSV or XLSX file (the API's field names as columns), all
    /// or nothing.
    Transfers {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Records the payouts of a CSV or XLSX file as made (`settlement_id`, `paid_on`,
    /// `reference`; a payout file with `paid_on` added will do), all or nothing.
    Payouts {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The file.
        #[arg(long)]
        file: PathBuf,
    },
}

fn principal(tenant: &str) -> anyhow::Result<Principal> {
    Ok(Principal::cli(settle_app::keys::parse_tenant_id(tenant)?))
}

/// Runs an import and prints what it did as JSON.
pub async fn import(command: ImportCommand, config: &Config) -> anyhow::Result<()> {
    let app = config.open().await?;
    let summary = match command {
        ImportCommand::Transfers { tenant, file } => {
            let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
            let report =
                settle_app::settlement::import_transfers(&app, &principal(&tenant)?, &bytes)
                    .await?;
            serde_json::json!({"recorded": report.recorded, "already_recorded": report.already_recorded})
        }
        ImportCommand::Payouts { tenant, file } => {
            let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
            let paid =
                settle_app::settlement::import_paid(&app, &principal(&tenant)?, &bytes).await?;
            let ids: Vec<String> = paid.iter().map(|s| s.id.to_string()).collect();
            serde_json::json!({"paid": ids})
        }
    };
    app.store.close().await;
    println!("{summary}");
    Ok(())
}

/// Closes every settlement cycle that ended by the last day of `period` (of one partner or
/// all) and prints a JSON summary with the time taken and the peak memory.
pub async fn settle_run(
    config: &Config,
    tenant: &str,
    period: &str,
    partner: Option<&str>,
) -> anyhow::Result<()> {
    let period = Period::parse(period).context("--period is YYYY-MM")?;
    let app = config.open().await?;
    let by = principal(tenant)?;
    let started = Instant::now();
    let report = settle_app::settlement::close(&app, &by, period.end(), partner).await?;
    let millis = started.elapsed().as_millis();
    app.store.close().await;
    let sum = |f: fn(&settle_core::settlement::Totals) -> Decimal| -> Decimal {
        report.closed.iter().map(|s| f(&s.totals)).sum()
    };
    let transfers: u64 = report
        .closed
        .iter()
        .map(|s| u64::from(s.totals.transfers))
        .sum();
    println!(
        "{}",
        serde_json::json!({
            "period": period.to_string(),
            "closed": report.closed.len(),
            "transfers": transfers,
            "owed": sum(|t| t.owed).to_string(),
            "payout": sum(|t| t.payout).to_string(),
            "failed": report.failed,
            "millis": millis,
            "peak_rss_kib": peak_rss_kib(),
        })
    );
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} partner(s) could not be closed",
        report.failed.len()
    );
    Ok(())
}
