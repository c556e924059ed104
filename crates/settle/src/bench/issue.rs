//! `settle bench issue`: requested documents issued through the supplier's use case (load,
//! approval number, NTS XML, signature, compare-and-set, history, emails) by several
//! concurrent callers, as suppliers approving at the same time would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use settle_core::tax_invoice::TaxInvoiceState;

use super::per_second;
use super::tax_invoices::{World, all_records, bench_app, submit_requested};

/// Runs the benchmark `runs` times on fresh SQLite files and prints the median.
pub async fn run(
    documents: usize,
    callers: usize,
    partners: usize,
    runs: usize,
) -> anyhow::Result<()> {
    let callers = callers.max(1);
    println!(
        "issue: {documents} requested documents of {partners} suppliers issued by {callers} concurrent callers, {runs} runs"
    );
    let mut times = Vec::new();
    for run in 1..=runs.max(1) {
        let elapsed = one_run(documents, callers, partners.max(1)).await?;
        println!(
            "  run {run}: {} ms, {} documents/s",
            elapsed.as_millis(),
            per_second(documents, elapsed)
        );
        times.push(elapsed);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "median: {} ms, {} documents/s",
        median.as_millis(),
        per_second(documents, median)
    );
    Ok(())
}

async fn one_run(documents: usize, callers: usize, partners: usize) -> anyhow::Result<Duration> {
    let scratch = tempfile::tempdir()?;
    let app = bench_app(scratch.path()).await?;
    let world = Arc::new(World::set_up(&app, partners).await?);
    submit_requested(&app, &world, documents, 10_000, 1).await?;
    let records = all_records(&app, &world).await?;
    anyhow::ensure!(records.len() == documents, "{} documents", records.len());
    // Caller k issues documents k, k + callers, k + 2·callers, …
    let mut shares: Vec<Vec<_>> = vec![Vec::new(); callers];
    for (index, record) in records.into_iter().enumerate() {
        shares[index % callers].push(record);
    }
    let started = Instant::now();
    let tasks: Vec<_> = shares
        .into_iter()
        .map(|share| {
            let app = app.clone();
            let world = world.clone();
            tokio::spawn(async move {
                for record in share {
                    let supplier = world.supplier_of(&record)?;
                    settle_app::supplier::issue(&app, supplier, record.id.as_str(), None).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    let mut conn = app.store.read().await?;
    let issued = settle_store::tax_invoices::count_in_state(
        &mut conn,
        &world.admin.tenant_id,
        TaxInvoiceState::Issued,
    )
    .await?;
    drop(conn);
    anyhow::ensure!(
        issued == documents as i64,
        "{issued} of {documents} documents issued"
    );
    app.store.close().await;
    Ok(elapsed)
}
