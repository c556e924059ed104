//! The filing batch (all invoices issued before the batch day, filed at the configured time)
//! and filing one invoice at once.

use std::collections::BTreeMap;

use settle_core::KST;
use settle_core::access::Right;
use settle_core::ids::TenantId;
use settle_core::tax_invoice::{TaxInvoiceRecord, TaxInvoiceState};
use settle_store::tax_invoices::{self, FilingClaim, HistoryEntry};
use time::{Duration, OffsetDateTime, Time};

use super::{FilingResult, Submission};
use crate::auth::Principal;
use crate::{App, AppError, mail};

/// The job kind of a scheduled filing batch.
pub const JOB_KIND: &str = "nts.batch";
/// Invoices claimed (and filed) per round.
const CHUNK: u32 = 1_000;
/// How long a claim lasts before another filer may take the invoice over.
const LEASE: Duration = Duration::minutes(10);

/// What a batch did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchReport {
    /// Invoices handed to the filer.
    pub filed: u64,
    /// Accepted (`sent`).
    pub sent: u64,
    /// Refused (`send_failed`).
    pub failed: u64,
}

/// The batch of the Korean day of `as_of` files what was issued before that day began.
pub fn batch_cutoff(as_of: OffsetDateTime) -> OffsetDateTime {
    as_of.to_offset(KST).replace_time(Time::MIDNIGHT)
}

/// Files every invoice issued before the Korean day of `as_of` began and not yet filed
/// (and any left `sending` by a filer that died), as the scheduler does at that instant.
/// Safe to run in several processes at once: each invoice is claimed by one.
pub async fn run_batch(app: &App, as_of: OffsetDateTime) -> Result<BatchReport, AppError> {
    let cutoff = batch_cutoff(as_of);
    let owner = format!("batch:{}", ulid::Ulid::new());
    let mut report = BatchReport::default();
    loop {
        let claims = claim(app, cutoff, None, &owner).await?;
        if claims.is_empty() {
            return Ok(report);
        }
        file_claims(app, &owner, claims, &mut report).await?;
    }
}

/// Files one issued invoice now instead of in the batch (`send-to-nts`).
pub async fn file_now(app: &App, by: &Principal, key: &str) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let record = crate::tax_invoices::load(app, by, key).await?;
    if record.state != TaxInvoiceState::Issued {
        return Err(crate::tax_invoices::wrong_state(
            record.state,
            "send it to the NTS",
            &[TaxInvoiceState::Issued],
        ));
    }
    let owner = format!("now:{}", ulid::Ulid::new());
    let far_future = app.now() + Duration::days(1);
    let claims = claim(app, far_future, Some(&record.id), &owner).await?;
    if claims.is_empty() {
        return Err(AppError::conflict(
            "tax_invoice.state_changed",
            "the tax invoice changed meanwhile (cancelled or already being filed)",
        ));
    }
    file_claims(app, &owner, claims, &mut BatchReport::default()).await?;
    crate::tax_invoices::load(app, by, key).await
}

async fn claim(
    app: &App,
    cutoff: OffsetDateTime,
    only: Option<&settle_core::ids::TaxInvoiceId>,
    owner: &str,
) -> Result<Vec<FilingClaim>, AppError> {
    let now = app.now();
    let mut tx = app.store.write().await?;
    let claims =
        tax_invoices::claim_due(&mut tx, cutoff, only, owner, now, now + LEASE, CHUNK).await?;
    let history: Vec<HistoryEntry> = claims
        .iter()
        .filter(|c| c.fresh)
        .map(|c| HistoryEntry {
            tax_invoice_id: c.id.clone(),
            from: Some(TaxInvoiceState::Issued),
            to: TaxInvoiceState::Sending,
            actor: "system".to_owned(),
            at: now,
            memo: None,
        })
        .collect();
    tax_invoices::append_history(&mut tx, &history).await?;
    tx.commit().await?;
    Ok(claims)
}

async fn file_claims(
    app: &App,
    owner: &str,
    mut claims: Vec<FilingClaim>,
    report: &mut BatchReport,
) -> Result<(), AppError> {
    // The XML moves to the filer; recording the results needs only the ids.
    let submissions: Vec<Submission> = claims
        .iter_mut()
        .map(|c| Submission {
            approval_number: c.approval_number.clone(),
            signed_xml: std::mem::take(&mut c.signed_xml),
        })
        .collect();
    let results = app.filer.file(&submissions).await.map_err(|e| {
        AppError::new(
            crate::ErrorKind::Internal,
            "nts.filer_unavailable",
            e.to_string(),
        )
    })?;
    if results.len() != claims.len() {
        return Err(AppError::internal(
            "the filer answered a different number of results",
        ));
    }
    record_results(app, owner, &claims, &results, report).await
}

async fn record_results(
    app: &App,
    owner: &str,
    claims: &[FilingClaim],
    results: &[FilingResult],
    report: &mut BatchReport,
) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.store.write().await?;
    let mut history = Vec::with_capacity(claims.len());
    let mut finished = Vec::with_capacity(claims.len());
    for (claim, result) in claims.iter().zip(results) {
        let to = if result.accepted() {
            TaxInvoiceState::Sent
        } else {
            TaxInvoiceState::SendFailed
        };
        if !tax_invoices::finish_filing(&mut tx, &claim.id, owner, to, &result.code, now).await? {
            // The lease lapsed and another filer took the invoice over: its result counts.
            continue;
        }
        report.filed += 1;
        if result.accepted() {
            report.sent += 1;
        } else {
            report.failed += 1;
        }
        history.push(HistoryEntry {
            tax_invoice_id: claim.id.clone(),
            from: Some(TaxInvoiceState::Sending),
            to,
            actor: "system".to_owned(),
            at: now,
            memo: Some(format!("{}: {}", result.code, result.message)),
        });
        finished.push(&claim.id);
    }
    tax_invoices::append_history(&mut tx, &history).await?;
    let records = tax_invoices::get_many(&mut tx, &finished).await?;
    for (tenant, emails) in filing_reports(&records) {
        mail::enqueue(&mut tx, &tenant, emails, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One report per buyer and one per supplier, grouped by tenant.
fn filing_reports(records: &[TaxInvoiceRecord]) -> BTreeMap<TenantId, Vec<mail::Email>> {
    let mut by_tenant: BTreeMap<&TenantId, Vec<&TaxInvoiceRecord>> = BTreeMap::new();
    for record in records {
        by_tenant.entry(&record.tenant_id).or_default().push(record);
    }
    let mut emails = BTreeMap::new();
    for (tenant, records) in by_tenant {
        let mut out = Vec::new();
        let buyer = &records[0].document.buyer;
        if let Some(to) = &buyer.contact.email {
            out.push(mail::templates::filing_report(&buyer.name, &records, to));
        }
        let mut by_supplier: BTreeMap<&str, Vec<&TaxInvoiceRecord>> = BTreeMap::new();
        for record in &records {
            by_supplier
                .entry(record.partner_id.as_str())
                .or_default()
                .push(record);
        }
        for records in by_supplier.values() {
            let supplier = &records[0].document.supplier;
            if let Some(to) = &supplier.contact.email {
                out.push(mail::templates::filing_report(&supplier.name, records, to));
            }
        }
        emails.insert(tenant.clone(), out);
    }
    emails
}
