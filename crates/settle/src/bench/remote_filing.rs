//! `settle bench remote-filing`: a day's filing batch through the filer protocol to
//! `settle nts-simulator serve` (a separate process) that fails and times out. Setup (not
//! timed) links the tenant and suppliers there and issues the documents; the batch is
//! timed, then every document is checked to be `sent` or `send_failed` with its reason
//! and the simulator's register to hold each accepted one once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use settle_core::tax_invoice::TaxInvoiceState;
use settle_store::tax_invoices::count_in_state;

use super::per_second;
use super::tax_invoices::{World, bench_app, issue_all, submit_requested};

/// The fault rates and the client's patience.
pub struct Faults {
    /// `--fail-rate` of the simulator.
    pub fail_rate: String,
    /// `--timeout-rate` of the simulator.
    pub timeout_rate: String,
    /// How long settle waits for an answer before it asks and retries.
    pub timeout: Duration,
}

/// The simulator process, stopped when dropped.
struct Simulator(Child);

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_simulator(
    data: &std::path::Path,
    faults: &Faults,
) -> anyhow::Result<(Simulator, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(std::env::current_exe()?)
        .args(["nts-simulator", "serve", "--addr", &addr])
        .args(["--fail-rate", &faults.fail_rate])
        .args(["--timeout-rate", &faults.timeout_rate])
        .env_remove("DATABASE_URL")
        .env("SETTLE_DATA", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let simulator = Simulator(child);
    let url = format!("http://{addr}");
    for _ in 0..400 {
        if reqwest::get(format!("{url}/stats"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok((simulator, url));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the simulator did not come up on {addr}")
}

/// Files `documents` of `partners` suppliers once through a faulty simulator.
pub async fn run(documents: usize, partners: usize, faults: Faults) -> anyhow::Result<()> {
    println!(
        "remote-filing: {documents} documents of {partners} suppliers filed through `settle nts-simulator serve` \
         (fail rate {}, timeout rate {}, settle's timeout {} ms)",
        faults.fail_rate,
        faults.timeout_rate,
        faults.timeout.as_millis()
    );
    let scratch = tempfile::tempdir()?;
    let (_simulator, url) = start_simulator(&scratch.path().join("simulator"), &faults).await?;
    let filer = settle_app::filing::RemoteFiler::new(&url, faults.timeout)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let app = bench_app(scratch.path())
        .await?
        .with_filer(std::sync::Arc::new(filer));
    let world = World::set_up(&app, partners.max(1)).await?;
    submit_requested(&app, &world, documents, 10_000, 1).await?;
    issue_all(&app, &world).await?;

    let started = Instant::now();
    let report = settle_app::filing::run_batch(&app, app.now() + time::Duration::days(1)).await?;
    let elapsed = started.elapsed();

    let mut conn = app.store.read().await?;
    let tenant = &world.admin.tenant_id;
    let mut ended = 0;
    for state in [TaxInvoiceState::Sent, TaxInvoiceState::SendFailed] {
        ended += count_in_state(&mut conn, tenant, state).await?;
    }
    let sent = count_in_state(&mut conn, tenant, TaxInvoiceState::Sent).await?;
    drop(conn);
    let stats: serde_json::Value = reqwest::get(format!("{url}/stats")).await?.json().await?;
    anyhow::ensure!(
        ended == documents as i64,
        "{ended} of {documents} documents ended sent or send_failed"
    );
    anyhow::ensure!(
        stats["received"] == sent && stats["resubmitted"] == 0,
        "the register holds {} for {sent} sent, {} submitted again",
        stats["received"],
        stats["resubmitted"]
    );
    println!(
        "  batch: {} ms ({} documents/s): {} sent, {} send_failed",
        elapsed.as_millis(),
        per_second(documents, elapsed),
        report.sent,
        report.failed
    );
    println!(
        "  simulator: {} requests, {} failed, {} timed out; {} in its register, {} submitted again",
        stats["requests"],
        stats["failed"],
        stats["timed_out"],
        stats["received"],
        stats["resubmitted"]
    );
    Ok(())
}
