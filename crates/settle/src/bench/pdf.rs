//! `settle bench pdf`: one-page invoices rendered per second on one core by the in-process
//! typst engine, and the same invoice printed by headless Chromium (`--print-to-pdf` of an
//! equivalent HTML page) for comparison.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use settle_core::billing::{Document, DocumentLine, Template};
use settle_core::display::amount;
use settle_core::language::Language;
use settle_pdf::{InvoiceSource, samples};

use super::per_second;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `count` distinct invoices (own ids, numbers and prices), so that no render can reuse
/// another's layout wholesale.
fn distinct_invoices(count: usize, lines: usize) -> Vec<(Document, Vec<DocumentLine>)> {
    (0..count)
        .map(|n| {
            let (mut document, mut document_lines) = samples::invoice(lines, Template::Lrd);
            document.number = Some(format!("G{:09}", n + 1));
            for line in &mut document_lines {
                line.item.order_id = format!("O-{n:05}-{}", line.line_no);
            }
            (document, document_lines)
        })
        .collect()
}

/// Renders every invoice once on this thread; returns the time.
fn render_run(
    invoices: &[(Document, Vec<DocumentLine>)],
    issuer: &settle_core::tenant::Tenant,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    for (document, lines) in invoices {
        settle_pdf::invoice(&InvoiceSource {
            document,
            lines,
            notes: &[],
            issuer,
            template: Template::Lrd,
            language: Language::En,
        })?;
    }
    Ok(started.elapsed())
}

/// The invoice as a plain HTML page with the same fields, lines and totals.
fn html(document: &Document, lines: &[DocumentLine]) -> String {
    let money = |value| amount(document.currency, value);
    let mut rows = String::new();
    for line in lines {
        let item = &line.item;
        let _ = write!(
            rows,
            "<tr><td>{}</td><td><b>{}</b><br>Order {} · {}<br>Date range {} – {}<br>Pricing currency {}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            line.line_no,
            item.product_name,
            item.order_id,
            item.charge_type,
            item.charge_start,
            item.charge_end,
            item.pricing_currency.code(),
            item.quantity,
            item.unit_price,
            money(line.priced.amount),
            money(line.priced.tax),
            money(line.priced.total),
        );
    }
    let t = &document.totals;
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Invoice</title><style>\
         body{{font-family:'NanumGothic',sans-serif;font-size:8.5pt}}table{{border-collapse:collapse;width:100%}}\
         td,th{{border:0.5pt solid #c9ced4;padding:3pt}}@page{{size:A4;margin:16mm 15mm}}</style></head><body>\
         <h1>Invoice</h1><p>Settle Market Co., Ltd. — Business registration no. 220-81-62517</p>\
         <h2>Billing summary</h2><dl><dt>Billing number</dt><dd>{}</dd><dt>Document date</dt><dd>{:?}</dd>\
         <dt>Due date</dt><dd>{:?}</dd><dt>PO number</dt><dd>PO-2026-10</dd></dl>\
         <p>Sold to Ganada Inc. · Bill to Ganada Inc. Accounts Payable · Ship to Ganada Inc. Seoul Office</p>\
         <p>Charges {} · Credits {} · Subtotal {} · Tax {} · Total {}</p>\
         <h2>Commercial invoice</h2><table><tr><th>#</th><th>Product</th><th>Qty</th><th>Unit price</th>\
         <th>Amount</th><th>Tax</th><th>Total</th></tr>{rows}</table></body></html>",
        document.number.as_deref().unwrap_or_default(),
        document.document_date,
        document.due_date,
        money(t.charges),
        money(t.credits),
        money(t.subtotal),
        money(t.tax),
        money(t.total),
    )
}

/// Prints `page` to PDF with headless Chromium `count` times; the median time of one, or
/// `None` when no Chromium is installed.
fn chromium_median(dir: &Path, page: &str, count: usize) -> anyhow::Result<Option<Duration>> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok());
    let Some(browser) = browser else {
        return Ok(None);
    };
    let html = dir.join("invoice.html");
    std::fs::write(&html, page)?;
    let out = dir.join("invoice-chromium.pdf");
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let status = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-pdf-header-footer",
                &format!("--print-to-pdf={}", out.display()),
                &format!("file://{}", html.display()),
            ])
            .output()?;
        times.push(started.elapsed());
        anyhow::ensure!(
            status.status.success() && out.exists(),
            "{browser} could not print: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    Ok(Some(median(times)))
}

/// Runs the benchmark and prints each run, the median and the comparison.
pub fn run(invoices: usize, lines: usize, runs: usize, chromium_runs: usize) -> anyhow::Result<()> {
    let (document, document_lines) = samples::invoice(lines, Template::Lrd);
    let issuer = samples::issuer();
    let source = InvoiceSource {
        document: &document,
        lines: &document_lines,
        notes: &[],
        issuer: &issuer,
        template: Template::Lrd,
        language: Language::En,
    };
    // The first render parses the templates and loads the font; it is not counted.
    let warm = Instant::now();
    let first = settle_pdf::invoice(&source)?;
    println!(
        "pdf: {lines}-line G invoice (LRD, English), {} bytes, first render {} ms; \
         {invoices} distinct invoices per run on one thread, {runs} runs",
        first.len(),
        warm.elapsed().as_millis()
    );
    let batch = distinct_invoices(invoices, lines);
    let mut times = Vec::with_capacity(runs);
    for run in 1..=runs.max(1) {
        let elapsed = render_run(&batch, &issuer)?;
        println!(
            "  run {run}: {} ms, {} invoices/s",
            elapsed.as_millis(),
            per_second(invoices, elapsed)
        );
        times.push(elapsed);
    }
    let typst = median(times);
    let per_invoice = typst / invoices as u32;
    println!(
        "median: {} ms, {} invoices/s on one core ({} µs per invoice)",
        typst.as_millis(),
        per_second(invoices, typst),
        per_invoice.as_micros()
    );
    let scratch = tempfile::tempdir()?;
    let page = html(&document, &document_lines);
    let compared = match chromium_runs {
        0 => None,
        runs => chromium_median(scratch.path(), &page, runs)?,
    };
    match compared {
        Some(chromium) => println!(
            "headless Chromium --print-to-pdf of the same invoice as HTML: median {} ms \
             ({chromium_runs} runs); typst is {}× faster",
            chromium.as_millis(),
            chromium.as_micros() / per_invoice.as_micros().max(1)
        ),
        None if chromium_runs == 0 => println!("the Chromium comparison is skipped"),
        None => println!("no Chromium installed: the comparison is skipped"),
    }
    Ok(())
}
