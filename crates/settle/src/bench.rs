//! `settle bench …`: throughput benchmarks of whole use cases, measured on a fresh database
//! per run. Figures are wall-clock medians; see `benchmarks/README.md`.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Subcommand;
use settle_app::App;
use settle_app::auth::Principal;
use settle_core::brn::Brn;
use settle_store::Store;

use crate::config::Config;

mod billing_period;
mod issue;
mod pdf;
mod reconciliation;
mod remote_filing;
mod settlement;
mod sign;
mod tax_invoices;
mod webhooks;

/// Benchmarks.
#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Imports a generated CSV of partners (all rows valid) through the import use case
    /// (parse, validate, store in one transaction) and reports rows per second.
    ImportPartners {
        /// Rows in the file.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Submits generated XLSX files of single-line tax invoices (request: true) through the
    /// batch endpoint and reports documents per second; with `--filing`, then issues every
    /// document and times the next day's filing batch.
    TaxInvoiceBatch {
        /// Documents in all.
        #[arg(long, default_value_t = 100_000)]
        documents: usize,
        /// Files they are split into.
        #[arg(long, default_value_t = 10)]
        files: usize,
        /// Uploaders sending files at the same time.
        #[arg(long, default_value_t = 1)]
        clients: usize,
        /// Suppliers the documents are spread over.
        #[arg(long, default_value_t = 10)]
        partners: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Also issue everything and time the filing batch.
        #[arg(long)]
        filing: bool,
    },
    /// Writes a billed month's reconciliation file with `settle export reconciliation` (a
    /// separate process, timed whole, with its peak memory) as CSV and XLSX on SQLite, and
    /// with `--postgres` also on PostgreSQL beside the server's own `COPY … TO STDOUT`.
    Reconciliation {
        /// Lines in the file (charges billed).
        #[arg(long, default_value_t = 1_000_000)]
        lines: usize,
        /// Partners (one invoice each, or more with marketplace products).
        #[arg(long, default_value_t = 10_000)]
        partners: usize,
        /// Runs per format; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// A PostgreSQL server URL (`postgres://…/postgres`) to compare with; a fresh
        /// database is made there.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Files a day's batch through `settle nts-simulator serve` (a separate process) that
    /// fails and times out; checks every document ends `sent` or `send_failed` and none
    /// is taken twice.
    RemoteFiling {
        /// Documents in the batch.
        #[arg(long, default_value_t = 10_000)]
        documents: usize,
        /// Suppliers they are spread over.
        #[arg(long, default_value_t = 10)]
        partners: usize,
        /// The simulator's failure rate.
        #[arg(long, default_value = "0.2")]
        fail_rate: String,
        /// The simulator's timeout rate.
        #[arg(long, default_value = "0.2")]
        timeout_rate: String,
        /// Milliseconds settle waits for an answer.
        #[arg(long, default_value_t = 2_000)]
        timeout_ms: u64,
    },
    /// Closes a month of settlement: partners with monthly contracts and last month's
    /// transfers are recorded once (setup); each run closes the month with `settle
    /// settle-run` on a copy of that SQLite database, timed whole with its peak memory.
    Settlement {
        /// Transfers in the month.
        #[arg(long, default_value_t = 1_000_000)]
        transfers: usize,
        /// Partners they are spread over.
        #[arg(long, default_value_t = 10_000)]
        partners: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Bills a month of partner invoicing: records charges for many partners, then times
    /// the billing run that drafts their invoices and the finalization that numbers them.
    BillingPeriod {
        /// Partners billed (one USD billing profile each).
        #[arg(long, default_value_t = 10_000)]
        partners: usize,
        /// Charges per partner.
        #[arg(long, default_value_t = 20)]
        charges: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Issues requested tax invoices through the supplier's use case (approval number, NTS
    /// XML, signature, state change, history, emails) from several concurrent callers and
    /// reports documents per second.
    Issue {
        /// Requested documents to issue.
        #[arg(long, default_value_t = 10_000)]
        documents: usize,
        /// Callers issuing at the same time.
        #[arg(long, default_value_t = 8)]
        callers: usize,
        /// Suppliers the documents are spread over.
        #[arg(long, default_value_t = 10)]
        partners: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Renders a one-page partner invoice to PDF again and again on one thread and reports
    /// invoices per second per core; then prints the same invoice through headless Chromium
    /// (`--print-to-pdf` of an equivalent HTML page) and reports how many times faster.
    Pdf {
        /// Invoices per run.
        #[arg(long, default_value_t = 500)]
        invoices: usize,
        /// Lines per invoice (5 fit on one page).
        #[arg(long, default_value_t = 5)]
        lines: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Chromium prints; the median is reported (0 skips the comparison).
        #[arg(long, default_value_t = 5)]
        chromium_runs: usize,
    },
    /// Records payments (each publishing a `payment.recorded` event in its transaction),
    /// then times the delivery worker until a receiver on loopback has every event.
    Webhooks {
        /// Events to deliver.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Writes and signs NTS XML documents (XML, C14N with the NTS filter, SHA-256, RSA-2048
    /// signature) on every core and reports signed documents per second.
    Sign {
        /// Documents per run.
        #[arg(long, default_value_t = 10_000)]
        docs: usize,
        /// Line items per document.
        #[arg(long, default_value_t = 5)]
        lines: usize,
        /// Runs; the median is reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Signing threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
}

/// Runs a benchmark. Without `DATABASE_URL` each run gets a fresh SQLite file in a
/// temporary directory; with one, each run imports for a fresh tenant there.
pub async fn run(command: BenchCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        BenchCommand::Sign {
            docs,
            lines,
            runs,
            threads,
        } => sign::run(docs, lines, runs, threads)?,
        BenchCommand::Pdf {
            invoices,
            lines,
            runs,
            chromium_runs,
        } => pdf::run(invoices, lines, runs, chromium_runs)?,
        BenchCommand::Webhooks { events, runs } => webhooks::run(events, runs, config).await?,
        BenchCommand::Issue {
            documents,
            callers,
            partners,
            runs,
        } => issue::run(documents, callers, partners, runs).await?,
        BenchCommand::Reconciliation {
            lines,
            partners,
            runs,
            postgres,
        } => reconciliation::run(lines, partners, runs, postgres.as_deref()).await?,
        BenchCommand::Settlement {
            transfers,
            partners,
            runs,
        } => settlement::run(transfers, partners, runs).await?,
        BenchCommand::BillingPeriod {
            partners,
            charges,
            runs,
        } => billing_period::run(partners, charges, runs, config).await?,
        BenchCommand::TaxInvoiceBatch {
            documents,
            files,
            clients,
            partners,
            runs,
            filing,
        } => tax_invoices::run(documents, files, clients, partners, runs, filing).await?,
        BenchCommand::RemoteFiling {
            documents,
            partners,
            fail_rate,
            timeout_rate,
            timeout_ms,
        } => {
            let faults = remote_filing::Faults {
                fail_rate,
                timeout_rate,
                timeout: std::time::Duration::from_millis(timeout_ms),
            };
            remote_filing::run(documents, partners, faults).await?
        }
        BenchCommand::ImportPartners { rows, runs } => {
            let file = partner_csv(rows);
            println!(
                "import-partners: {rows} rows, {} bytes of CSV, {runs} runs",
                file.len()
            );
            let mut times = Vec::with_capacity(runs);
            for run in 1..=runs.max(1) {
                let scratch = tempfile::tempdir()?;
                let app = open_app(config, scratch.path()).await?;
                let by = create_tenant(&app, &format!("bench {run}")).await?;
                let started = Instant::now();
                import_all(&app, &by, &file, rows).await?;
                let elapsed = started.elapsed();
                println!(
                    "  run {run}: {} ms, {} rows/s",
                    elapsed.as_millis(),
                    per_second(rows, elapsed)
                );
                times.push(elapsed);
                app.store.close().await;
            }
            times.sort();
            let median = times[times.len() / 2];
            println!(
                "median: {} ms, {} rows/s",
                median.as_millis(),
                per_second(rows, median)
            );
        }
    }
    Ok(())
}

/// The app of one run: on `DATABASE_URL` when set, else on a new SQLite file in `scratch`.
pub(crate) async fn open_app(config: &Config, scratch: &Path) -> anyhow::Result<App> {
    let url = match &config.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", scratch.join("bench.db").display()),
    };
    Ok(App::new(Store::open(&url).await?))
}

/// Creates a tenant named `name` and returns its command-line principal.
pub(crate) async fn create_tenant(app: &App, name: &str) -> anyhow::Result<Principal> {
    let created = settle_app::tenants::create(app, name, "220-81-62517").await?;
    Ok(Principal::cli(created.tenant.id))
}

/// Imports `file`, a [`partner_csv`] of `rows` rows, and checks that every row was stored.
pub(crate) async fn import_all(
    app: &App,
    by: &Principal,
    file: &[u8],
    rows: usize,
) -> anyhow::Result<()> {
    let report = settle_app::import::import_partners(app, by, file).await?;
    anyhow::ensure!(
        report.created == rows && report.failed.is_empty(),
        "expected {rows} partners, got {} (and {} failures)",
        report.created,
        report.failed.len()
    );
    Ok(())
}

pub(crate) fn per_second(rows: usize, elapsed: Duration) -> u128 {
    (rows as u128 * 1_000_000) / elapsed.as_micros().max(1)
}

/// A CSV of `rows` distinct, valid partners.
pub fn partner_csv(rows: usize) -> Vec<u8> {
    let mut out = String::with_capacity(rows * 200);
    out.push_str("brn,name,ceo_name,address,biz_type,biz_item,external_id,contact_name,contact_email,contact_phone,tags\n");
    let brns = (101_010_001u32..).filter_map(Brn::from_prefix).take(rows);
    for (i, brn) in brns.enumerate() {
        out.push_str(&format!(
            "{},주식회사 파트너{i},대표{i},서울특별시 강남구 테헤란로 {i},서비스,소프트웨어,P{i:07},담당{i},tax{i}@partner.example,02-555-{:04},bench;seller\n",
            brn.formatted(),
            i % 10_000
        ));
    }
    out.into_bytes()
}
