//! Forward-issued Korean tax invoices (정발행) for partner invoices. Finalizing a Korean
//! won invoice whose profile asks for a tax invoice, or making a credit or void note of
//! one, queues a job in the same transaction; the worker then drafts the tax invoice (the
//! platform the supplier, the partner the buyer), signs it with the platform's registered
//! certificate and stores it issued, so the next filing batch files it. One tax invoice per
//! document (a unique index on its source); a note's waits for its invoice's approval
//! number, which it amends.

use settle_core::billing::Document;
use settle_core::billing::korean::{
    Amended, amendment_reason, tax_invoice_input, wants_tax_invoice,
};
use settle_core::ids::{InvoiceId, TenantId};
use settle_core::tax_invoice::{Direction, DocumentKey, TaxInvoiceAction, TaxInvoiceRecord};
use settle_store::billing::{documents, lines};
use settle_store::jobs::{self, Job, NewJob};
use settle_store::{partners, tax_invoices, tenants};
use time::{Duration, OffsetDateTime};

use crate::certificates::{self, Party};
use crate::tax_invoices::{
    Effect, Notify, Prepared, partner_party, prepare, sign_issuance, tenant_party, write_many,
};
use crate::{App, AppError};

/// The job kind.
pub const JOB_KIND: &str = "korean_tax_invoice";
/// Jobs claimed per round.
const BATCH: u32 = 50;
/// A job's lease.
const LEASE: Duration = Duration::minutes(5);
/// Attempts before a document's tax invoice is given up (several days of retries).
const MAX_ATTEMPTS: i64 = 14;

/// Queues the tax invoices of those `documents` that want one, in the caller's transaction.
pub(crate) async fn enqueue(
    tx: &mut settle_store::Conn,
    tenant: &TenantId,
    documents: &[Document],
    now: OffsetDateTime,
) -> Result<(), AppError> {
    for document in documents.iter().filter(|d| wants_tax_invoice(d)) {
        jobs::enqueue(
            tx,
            &NewJob {
                tenant_id: Some(tenant.clone()),
                kind: JOB_KIND.to_owned(),
                payload: serde_json::json!({ "invoice_id": document.id }),
                dedupe_key: Some(format!("{JOB_KIND}:{}", document.id)),
                run_at: now,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Issues every queued tax invoice that can be issued now; returns how many were.
pub async fn issue_queued(app: &App, owner: &str) -> Result<usize, AppError> {
    let mut issued = 0;
    loop {
        let claimed = crate::worker::claim(app, JOB_KIND, owner, LEASE, BATCH).await?;
        if claimed.is_empty() {
            return Ok(issued);
        }
        for job in &claimed {
            match issue_one(app, job, owner).await {
                Ok(()) => issued += 1,
                Err(error) => retry_later(app, job, owner, &error).await?,
            }
        }
    }
}

async fn retry_later(app: &App, job: &Job, owner: &str, error: &AppError) -> Result<(), AppError> {
    tracing::warn!(job = %job.id, %error, "a forward-issued tax invoice could not be issued yet");
    let now = app.now();
    // 1, 2, 4 … minutes, at most a day apart, then given up with the reason kept.
    let retry = (job.attempts < MAX_ATTEMPTS)
        .then(|| now + Duration::minutes(1 << job.attempts.clamp(0, 10)).min(Duration::DAY));
    let mut tx = app.store.write().await?;
    jobs::fail(&mut tx, &job.id, owner, &error.to_string(), retry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Drafts, signs and stores the tax invoice of the job's document, completing the job in
/// the same transaction.
async fn issue_one(app: &App, job: &Job, owner: &str) -> Result<(), AppError> {
    let id = job.payload["invoice_id"]
        .as_str()
        .and_then(InvoiceId::parse)
        .ok_or_else(|| AppError::internal("a tax-invoice job without its invoice"))?;
    let Some(record) = draft(app, &id).await? else {
        return complete(app, job, owner).await;
    };
    let prepared = sign_forward(app, &record).await?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    store_forward(&mut tx, &record, prepared).await?;
    jobs::complete(&mut tx, &job.id, owner, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Signs a drafted forward tax invoice with the platform's registered certificate: the
/// issue to write with [`store_forward`].
pub(crate) async fn sign_forward(
    app: &App,
    record: &TaxInvoiceRecord,
) -> Result<Prepared, AppError> {
    let identity = certificates::signing_identity(app, &record.tenant_id, &Party::Tenant).await?;
    let now = app.now();
    let issuance = sign_issuance(app, record, identity, now).await?;
    prepare(
        record,
        TaxInvoiceAction::IssueForward,
        Effect::Issue(issuance),
        "settle",
        None,
        Notify::Parties,
        now,
    )
}

/// Stores a forward tax invoice and its signed issue in the caller's transaction; the
/// record as issued.
pub(crate) async fn store_forward(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    prepared: Prepared,
) -> Result<TaxInvoiceRecord, AppError> {
    if !tax_invoices::insert(tx, record).await? {
        return Err(AppError::conflict(
            "tax_invoice.duplicate_document_key",
            format!("the key {} is taken", record.document_key),
        ));
    }
    let written = write_many(tx, vec![prepared]).await?.into_iter().next();
    written.ok_or_else(|| AppError::internal("the issue was not written"))?
}

async fn complete(app: &App, job: &Job, owner: &str) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    jobs::complete(&mut tx, &job.id, owner, app.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The drafted forward tax invoice of document `id`, or `None` when it has one already
/// (or no longer wants one).
async fn draft(app: &App, id: &InvoiceId) -> Result<Option<TaxInvoiceRecord>, AppError> {
    let mut conn = app.store.read().await?;
    let document = documents::get(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("invoice"))?;
    if !wants_tax_invoice(&document)
        || !tax_invoices::of_sources(&mut conn, &[id]).await?.is_empty()
    {
        return Ok(None);
    }
    let amended = match (amendment_reason(&document), &document.original_id) {
        (None, _) | (_, None) => None,
        (Some(_), Some(original)) => {
            let found = tax_invoices::of_sources(&mut conn, &[original]).await?;
            let issued = found.into_iter().find(|r| r.approval_number.is_some());
            Some(issued.ok_or_else(|| {
                AppError::conflict(
                    "tax_invoice.original_not_issued",
                    "the tax invoice of the credited invoice is not issued yet",
                )
            })?)
        }
    };
    let original = amended.as_ref().and_then(|r| {
        Some(Amended {
            approval_number: r.approval_number.as_deref()?,
            write_date: r.document.write_date,
        })
    });
    let tenant = tenants::get(&mut conn, &document.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let partner = partners::get(&mut conn, &document.tenant_id, &document.partner_id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    let document_lines = lines::of_document(&mut conn, id).await?;
    let supplier = tenant_party(&tenant)?;
    let buyer = partner_party(&partner).map_err(|e| AppError::validation(vec![e]))?;
    let input = tax_invoice_input(&document, &document_lines, &supplier, &buyer, original);
    let invoice = input
        .validate(&tenant.tax_policy())
        .map_err(AppError::validation)?;
    let number = document.number.as_deref().unwrap_or_default();
    let key = DocumentKey::parse(&format!("PI-{number}")).map_err(AppError::internal)?;
    let mut record = TaxInvoiceRecord::drafted(
        document.tenant_id.clone(),
        key,
        document.partner_id.clone(),
        invoice,
        app.now(),
    );
    record.direction = Direction::Forward;
    record.source_invoice_id = Some(document.id.clone());
    record.amends_id = amended.map(|r| r.id);
    Ok(Some(record))
}
