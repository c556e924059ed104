//! `settle export …`: files written from the database for people and other systems.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use settle_app::auth::Principal;
use settle_app::billing::reconciliation::{self, ExportScope};

use crate::config::Config;

/// Exports.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Writes a billing period's reconciliation file (every line of its finalized documents,
    /// credit and void notes negative) with a progress bar; the file appears whole or not
    /// at all.
    Reconciliation {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Billing period, YYYY-MM.
        #[arg(long)]
        period: String,
        /// csv (UTF-8 with a byte-order mark), xlsx or jsonl.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes the payout file of the unpaid settlements due by a day (CSV for a bank's bulk
    /// transfer: bank code, account, holder, amount, memo, settlement id).
    Payouts {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Settlements due by this day, YYYY-MM-DD.
        #[arg(long)]
        payout_date: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs an export command.
pub async fn run(command: ExportCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        ExportCommand::Reconciliation {
            tenant,
            period,
            format,
            out,
        } => reconciliation_file(config, &tenant, &period, &format, &out).await,
        ExportCommand::Payouts {
            tenant,
            payout_date,
            out,
        } => payout_file(config, &tenant, &payout_date, &out).await,
    }
}

/// Writes `bytes` beside `out` under a temporary name and renames it, so the file appears
/// whole or not at all.
fn write_whole(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = tempfile::NamedTempFile::new_in(beside(out))?;
    file.write_all(bytes)?;
    file.as_file_mut().sync_all()?;
    file.persist(out)?;
    Ok(())
}

fn beside(out: &Path) -> &Path {
    out.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

async fn payout_file(
    config: &Config,
    tenant: &str,
    payout_date: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(payout_date, format)
        .map_err(|_| anyhow::anyhow!("--payout-date is YYYY-MM-DD"))?;
    let app = config.open().await?;
    let by = Principal::cli(settle_app::keys::parse_tenant_id(tenant)?);
    let (bytes, rows, total) = settle_app::settlement::payout_file(&app, &by, day).await?;
    app.store.close().await;
    write_whole(out, &bytes)?;
    println!(
        "{}",
        serde_json::json!({"file": out, "payouts": rows, "total": total.to_string()})
    );
    Ok(())
}

async fn reconciliation_file(
    config: &Config,
    tenant: &str,
    period: &str,
    format: &str,
    out: &Path,
) -> anyhow::Result<()> {
    let format = reconciliation::parse_format(Some(format))?;
    let app = config.open().await?;
    let by = Principal::cli(settle_app::keys::parse_tenant_id(tenant)?);
    let started = Instant::now();
    let mut export = reconciliation::open(&app, &by, ExportScope::Period(period)).await?;
    let total = export.count().await?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} lines, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Written beside the destination under a temporary name, renamed when complete.
    let mut file = tempfile::NamedTempFile::new_in(beside(out))?;
    let lines = {
        let target = file.as_file_mut();
        let report = |lines: u64| bar.set_position(lines);
        export
            .write(
                format,
                |chunk| {
                    let written = target
                        .write_all(&chunk)
                        .map_err(settle_app::AppError::internal);
                    async move { written }
                },
                &report,
            )
            .await?
    };
    file.as_file_mut().sync_all()?;
    file.persist(out)?;
    bar.finish_and_clear();
    app.store.close().await;
    println!(
        "{}",
        serde_json::json!({
            "file": out,
            "lines": lines,
            "millis": started.elapsed().as_millis(),
            "peak_rss_kib": peak_rss_kib(),
        })
    );
    Ok(())
}

/// The process's peak resident memory so far, in KiB (Linux), as `VmHWM` reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
