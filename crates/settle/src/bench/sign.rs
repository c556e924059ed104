//! `settle bench sign`: the issuing hot path, from a validated invoice to signed NTS XML.

use std::time::{Duration, Instant};

use serde_json::json;
use settle_core::tax_invoice::{TaxInvoiceInput, TaxPolicy};
use settle_nts::approval::IssuerCode;
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa};
use settle_nts::{ApprovalNumber, NtsDocument, SigningIdentity};
use time::macros::{date, datetime};

use super::per_second;

fn documents(count: usize, lines: usize) -> anyhow::Result<Vec<NtsDocument>> {
    let items: Vec<_> = (0..lines)
        .map(|i| json!({"name": format!("광고 수수료 {i}"), "quantity": "3", "unit_price": "33333", "supply_amount": "99999"}))
        .collect();
    let input: TaxInvoiceInput = serde_json::from_value(json!({
        "write_date": "2026-11-20", "tax_type": "taxable", "purpose": "claim",
        "supplier": {"brn": "220-81-62517", "name": "벤치 공급자(주)", "ceo_name": "김공급",
                     "address": "서울특별시 강남구 테헤란로 1", "biz_type": "서비스", "biz_item": "광고",
                     "contact": {"name": "이담당", "email": "tax@supplier.example"}},
        "buyer": {"brn": "124-81-01231", "name": "플랫폼(주)", "ceo_name": "박대표",
                  "address": "서울특별시 중구 세종대로 110"},
        "items": items,
    }))?;
    let invoice = input
        .validate(&TaxPolicy::default())
        .map_err(|e| anyhow::anyhow!("bench invoice invalid: {e:?}"))?;
    let issuer: IssuerCode = "90000001".parse()?;
    (1..=count)
        .map(|serial| {
            Ok(NtsDocument {
                approval_number: ApprovalNumber::new(
                    date!(2026 - 11 - 21),
                    &issuer,
                    serial as u32,
                )?,
                issued_at: datetime!(2026-11-21 10:00:00),
                invoice: invoice.clone(),
            })
        })
        .collect()
}

fn sign_all(
    documents: &[NtsDocument],
    identity: &SigningIdentity,
    threads: usize,
) -> anyhow::Result<Vec<String>> {
    let chunk = documents.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = documents
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|doc| settle_nts::dsig::sign(&settle_nts::xml::write(doc), identity))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut signed = Vec::with_capacity(documents.len());
        for worker in workers {
            let part = worker
                .join()
                .map_err(|_| anyhow::anyhow!("a signing thread panicked"))??;
            signed.extend(part);
        }
        Ok(signed)
    })
}

/// Runs the benchmark and prints each run and the median.
pub fn run(docs: usize, lines: usize, runs: usize, threads: Option<usize>) -> anyhow::Result<()> {
    let threads = threads
        .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
        .unwrap_or(1);
    let ca = ThrowawayCa::new("settle bench CA")?;
    let leaf = ca.issue(&LeafSpec::new("벤치 공급자(주)"))?;
    let key = leaf.sign_pri_kisa("bench-password", OID_SEED_CBC_WITH_SHA1)?;
    let identity = SigningIdentity::from_npki(&leaf.certificate_der()?, &key, "bench-password")?;
    let documents = documents(docs.max(1), lines.clamp(1, 99))?;
    println!("sign: {docs} documents of {lines} lines, RSA-2048, {threads} threads, {runs} runs");
    let mut times: Vec<Duration> = Vec::new();
    for run in 1..=runs.max(1) {
        let started = Instant::now();
        let signed = sign_all(&documents, &identity, threads)?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            signed.len() == documents.len(),
            "not every document was signed"
        );
        // Spot-check the output so a broken signer cannot look fast.
        for xml in [&signed[0], &signed[signed.len() - 1]] {
            settle_nts::dsig::verify(xml)?;
        }
        println!(
            "  run {run}: {} ms, {} documents/s ({} bytes each)",
            elapsed.as_millis(),
            per_second(documents.len(), elapsed),
            signed[0].len()
        );
        times.push(elapsed);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "median: {} ms, {} signed documents/s",
        median.as_millis(),
        per_second(documents.len(), median)
    );
    Ok(())
}
