//! Finalization: a draft gets the next number of its series, its document and due dates,
//! and a copy of its billing profile's details, all in the transaction that takes the
//! number. Numbers are gapless: a rolled-back finalization gives its number back.

use std::collections::HashMap;

use settle_core::access::Right;
use settle_core::billing::{
    BillingProfile, Document, DocumentAction, DocumentKind, tax_invoice_prefix,
};
use settle_core::ids::BillingProfileId;
use settle_store::billing::{documents, profiles};
use time::{Date, Duration, OffsetDateTime};

use super::{changed_meanwhile, load_document, take, take_numbers, today};
use crate::auth::Principal;
use crate::{App, AppError, audit};

/// Above this many drafts, all the tenant's profiles are read at once.
const FEW_DRAFTS: usize = 20;

/// Finalizes one draft invoice.
pub async fn finalize(app: &App, by: &Principal, key: &str) -> Result<Document, AppError> {
    by.require(Right::WriteInvoices)?;
    let mut tx = app.store.write().await?;
    let draft = load_document(&mut tx, &by.tenant_id, key).await?;
    take(&draft, DocumentAction::Finalize)?;
    let mut done = finalize_drafts(&mut tx, by, vec![draft], today(app), app.now()).await?;
    tx.commit().await?;
    done.pop()
        .ok_or_else(|| AppError::internal("finalized nothing"))
}

/// Finalizes every draft a billing run made or extended, in one transaction.
pub async fn finalize_run(app: &App, by: &Principal, run: &str) -> Result<Vec<Document>, AppError> {
    by.require(Right::WriteInvoices)?;
    let run = super::get_run(app, by, run).await?;
    let mut tx = app.store.write().await?;
    let drafts = documents::drafts_of_run(&mut tx, &by.tenant_id, &run.id).await?;
    let done = finalize_drafts(&mut tx, by, drafts, today(app), app.now()).await?;
    tx.commit().await?;
    Ok(done)
}

async fn profiles_of(
    tx: &mut settle_store::Conn,
    by: &Principal,
    drafts: &[Document],
) -> Result<HashMap<BillingProfileId, BillingProfile>, AppError> {
    let mut found = HashMap::new();
    if drafts.len() > FEW_DRAFTS {
        for p in profiles::of_tenant(tx, &by.tenant_id).await? {
            found.insert(p.id.clone(), p);
        }
    } else {
        for draft in drafts {
            if let Some(p) = profiles::get(tx, &draft.profile_id).await? {
                found.insert(p.id.clone(), p);
            }
        }
    }
    Ok(found)
}

/// Numbers, dates and opens `drafts` inside `tx`, in their order.
async fn finalize_drafts(
    tx: &mut settle_store::Conn,
    by: &Principal,
    mut drafts: Vec<Document>,
    today: Date,
    now: OffsetDateTime,
) -> Result<Vec<Document>, AppError> {
    let profiles = profiles_of(tx, by, &drafts).await?;
    for draft in &mut drafts {
        let profile = profiles
            .get(&draft.profile_id)
            .ok_or_else(|| AppError::internal(format!("profile {} missing", draft.profile_id)))?;
        let details = profile.details.clone();
        draft.document_date = Some(today);
        draft.due_date = Some(due_date(today, details.payment_terms_days));
        draft.details = Some(details);
        draft.status = take(draft, DocumentAction::Finalize)?;
        draft.version += 1;
        draft.updated_at = now;
    }
    assign_numbers(
        tx,
        by,
        &mut drafts,
        |d| Some(DocumentKind::Invoice.number_prefix(d.series)),
        |d, n| d.number = Some(n),
    )
    .await?;
    assign_numbers(
        tx,
        by,
        &mut drafts,
        |d| {
            let details = d.details.as_ref()?;
            details
                .tax_invoice_required
                .then(|| tax_invoice_prefix(&details.country))
        },
        |d, n| d.tax_invoice_number = Some(n),
    )
    .await?;
    if let Some(stale) = documents::finalize_many(tx, &drafts).await? {
        return Err(changed_meanwhile(&drafts[stale]));
    }
    let numbers: Vec<&str> = drafts.iter().filter_map(|d| d.number.as_deref()).collect();
    if let Some(first) = drafts.first() {
        let event = audit(
            &by.tenant_id,
            &by.actor,
            "invoices.finalized",
            ("invoice", first.id.as_str()),
            serde_json::json!({"count": drafts.len(), "numbers": numbers}),
            now,
        );
        crate::webhooks::record(tx, &event).await?;
    }
    crate::mail::enqueue_invoices_ready(tx, &by.tenant_id, &drafts, now).await?;
    super::korean::enqueue(tx, &by.tenant_id, &drafts, now).await?;
    Ok(drafts)
}

/// The due date: the document date plus the payment terms.
pub(crate) fn due_date(document_date: Date, terms_days: u32) -> Date {
    document_date
        .checked_add(Duration::days(i64::from(terms_days)))
        .unwrap_or(document_date)
}

/// Gives each document for which `series` names a series the next number of that series,
/// taking each series' numbers in one step.
pub(crate) async fn assign_numbers(
    tx: &mut settle_store::Conn,
    by: &Principal,
    documents: &mut [Document],
    series: impl Fn(&Document) -> Option<String>,
    set: impl Fn(&mut Document, String),
) -> Result<(), AppError> {
    let mut wanted: Vec<(String, Vec<usize>)> = Vec::new();
    for (index, document) in documents.iter().enumerate() {
        if let Some(prefix) = series(document) {
            match wanted.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, indexes)) => indexes.push(index),
                None => wanted.push((prefix, vec![index])),
            }
        }
    }
    for (prefix, indexes) in wanted {
        let numbers = take_numbers(tx, &by.tenant_id, &prefix, indexes.len()).await?;
        for (index, number) in indexes.into_iter().zip(numbers) {
            set(&mut documents[index], number);
        }
    }
    Ok(())
}
