//! The filing batch (all invoices issued before the batch day, filed at the configured time)
//! and filing one invoice at once.

use std::collections::BTreeMap;

use settle_core::KST;
use settle_core::access::Right;
use settle_core::ids::TenantId;
use settle_core::tax_invoice::{TaxInvoiceAction, TaxInvoiceRecord, TaxInvoiceState, transition};
use settle_store::tax_invoices::{self, Due, FilingClaim};
use time::{Duration, OffsetDateTime, Time};

use super::{FilingResult, Submission};
use crate::auth::Principal;
use crate::tax_invoices::history_entry;
use crate::{App, AppError, mail};

/// The job kind of a scheduled filing batch.
pub const JOB_KIND: &str = "nts.batch";
/// Invoices claimed (and filed) per round.
const CHUNK: u32 = 1_000;
/// The actor of the filing transitions in the history.
const SYSTEM: &str = "system";

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

/// Files one issued invoice now instead of in the batch (`send-to-nts`), or takes over
/// one whose filer died (its lease lapsed).
pub async fn file_now(app: &App, by: &Principal, key: &str) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let record = crate::tax_invoices::load(app, by, key).await?;
    // An invoice left `sending` by a filer that died is taken over once its lease lapses.
    let action = if record.state == TaxInvoiceState::Sending {
        TaxInvoiceAction::ResumeFiling
    } else {
        TaxInvoiceAction::StartFiling
    };
    crate::tax_invoices::check(&record, action)?;
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
    let mut claims = Vec::new();
    // Invoices a dead filer left behind first, then the newly due ones.
    for (from, action, due) in [
        (
            TaxInvoiceState::Sending,
            TaxInvoiceAction::ResumeFiling,
            Due::LeaseLapsedBefore(now),
        ),
        (
            TaxInvoiceState::Issued,
            TaxInvoiceAction::StartFiling,
            Due::IssuedBefore(cutoff),
        ),
    ] {
        let step = transition(from, action)?;
        let to = step.to().unwrap_or(from);
        let claimed = tax_invoices::claim(
            &mut tx,
            from,
            to,
            due,
            only,
            owner,
            now,
            now + app.settings.filing_lease,
            CHUNK,
        )
        .await?;
        if step.changes_state() {
            let history: Vec<_> = claimed
                .iter()
                .map(|c| {
                    let entry = history_entry(&c.id, &step, SYSTEM, None, now);
                    (c.tenant_id.clone(), entry)
                })
                .collect();
            crate::webhooks::record_histories(&mut tx, &history).await?;
        }
        claims.extend(claimed);
    }
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
        let action = if result.accepted() {
            TaxInvoiceAction::FilingSucceeded
        } else {
            TaxInvoiceAction::FilingFailed
        };
        let step = transition(TaxInvoiceState::Sending, action)?;
        let to = step.to().unwrap_or(step.from);
        let finished_now = tax_invoices::finish_filing(
            &mut tx,
            &claim.id,
            owner,
            step.from,
            to,
            &result.code,
            now,
        )
        .await?;
        if !finished_now {
            // The lease lapsed and another filer took the invoice over: its result counts.
            continue;
        }
        report.filed += 1;
        if result.accepted() {
            report.sent += 1;
        } else {
            report.failed += 1;
        }
        let memo = format!("{}: {}", result.code, result.message);
        let entry = history_entry(&claim.id, &step, SYSTEM, Some(memo), now);
        history.push((claim.tenant_id.clone(), entry));
        finished.push(&claim.id);
    }
    crate::webhooks::record_histories(&mut tx, &history).await?;
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
