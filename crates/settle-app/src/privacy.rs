//! The platform's duties for the personal data its partners entrust to it: an export of
//! everything settle holds about a partner's contact person, with where each piece came
//! from, and its erasure.
//!
//! Erasure blanks the contact person's name, email and phone everywhere except in tax
//! invoices that were issued (signed by the supplier) and are filed or being filed with the
//! NTS — states `issued`, `sending`, `sent` and `send_failed`. Those documents are tax
//! records the platform must keep unchanged for five years (Framework Act on National
//! Taxes art. 85-3, VAT Act art. 71), and their signed XML cannot change without breaking
//! the signature. Drafts, requests, refused, withdrawn and issue-cancelled documents are
//! redacted. The audit log records the erasure without the erased values.

use serde::Serialize;
use settle_core::access::Right;
use settle_core::ids::PartnerId;
use settle_core::tax_invoice::TaxInvoiceState;
use settle_store::{partners, privacy};

use crate::auth::Principal;
use crate::{App, AppError, audit};

/// Tax-invoice states whose documents are kept as filed tax records.
pub const KEPT_STATES: [TaxInvoiceState; 4] = [
    TaxInvoiceState::Issued,
    TaxInvoiceState::Sending,
    TaxInvoiceState::Sent,
    TaxInvoiceState::SendFailed,
];

/// One piece of personal data and where settle holds it.
#[derive(Clone, Debug, Serialize)]
pub struct PersonalRecord {
    /// `partner`, `tax_invoice` or `email`.
    pub source: &'static str,
    /// The partner id, the document key, or the email job.
    pub reference: String,
    /// `contact.name`, `contact.email`, `contact.phone`, `to`.
    pub field: &'static str,
    /// The value.
    pub value: String,
    /// The document's state or the email's delivery state, where there is one.
    pub state: Option<String>,
}

/// What an erasure did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ErasureReport {
    /// The partner whose contact person was erased.
    pub partner_id: String,
    /// Tax invoices whose contact was redacted.
    pub tax_invoices_redacted: usize,
    /// Filed tax invoices kept unchanged by law (their document keys).
    pub tax_invoices_kept: Vec<String>,
    /// Queued or sent emails whose content was erased.
    pub emails_erased: u64,
    /// Email files removed from the outbox folder.
    pub outbox_files_removed: usize,
    /// Stored idempotent responses forgotten.
    pub responses_forgotten: u64,
}

fn contact_fields(value: &serde_json::Value) -> Vec<(&'static str, String)> {
    [
        ("contact.name", "name"),
        ("contact.email", "email"),
        ("contact.phone", "phone"),
    ]
    .into_iter()
    .filter_map(|(field, key)| {
        value[key]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(|v| (field, v.to_owned()))
    })
    .collect()
}

async fn load_partner(
    app: &App,
    by: &Principal,
    id: &str,
) -> Result<settle_core::partner::Partner, AppError> {
    let id = PartnerId::parse(id).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&id, "partner")?;
    let mut conn = app.store.read().await?;
    partners::get(&mut conn, &by.tenant_id, &id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))
}

/// Everything settle holds about the partner's contact person.
pub async fn personal_data(
    app: &App,
    by: &Principal,
    partner: &str,
) -> Result<Vec<PersonalRecord>, AppError> {
    by.require(Right::ReadPartners)?;
    let partner = load_partner(app, by, partner).await?;
    let contact = &partner.data.contact;
    let mut records = Vec::new();
    let mut push = |source, reference: &str, field, value: &str, state: Option<String>| {
        if !value.is_empty() {
            records.push(PersonalRecord {
                source,
                reference: reference.to_owned(),
                field,
                value: value.to_owned(),
                state,
            });
        }
    };
    let id = partner.id.to_string();
    push("partner", &id, "contact.name", &contact.name, None);
    push("partner", &id, "contact.email", &contact.email, None);
    if let Some(phone) = &contact.phone {
        push("partner", &id, "contact.phone", phone, None);
    }
    let mut conn = app.store.read().await?;
    for stored in privacy::tax_invoice_documents(&mut conn, &by.tenant_id, &partner.id).await? {
        let document: serde_json::Value =
            serde_json::from_str(&stored.document).map_err(AppError::internal)?;
        for (field, value) in contact_fields(&document["supplier"]["contact"]) {
            push(
                "tax_invoice",
                &stored.document_key,
                field,
                &value,
                Some(stored.state.clone()),
            );
        }
    }
    if !contact.email.is_empty() {
        for (job, state, _, _) in
            privacy::email_jobs_mentioning(&mut conn, &by.tenant_id, &contact.email).await?
        {
            push("email", &job, "to", &contact.email, Some(state));
        }
    }
    Ok(records)
}

/// Erases the partner's contact person (see the module's documentation for what is kept).
pub async fn erase(app: &App, by: &Principal, partner: &str) -> Result<ErasureReport, AppError> {
    by.require(Right::WritePartners)?;
    let partner = load_partner(app, by, partner).await?;
    let contact = partner.data.contact.clone();
    let now = app.now();
    let mut report = ErasureReport {
        partner_id: partner.id.to_string(),
        ..ErasureReport::default()
    };
    let mut tx = app.store.write().await?;
    for stored in privacy::tax_invoice_documents(&mut tx, &by.tenant_id, &partner.id).await? {
        let kept = KEPT_STATES.iter().any(|s| s.as_str() == stored.state);
        if kept {
            report.tax_invoices_kept.push(stored.document_key);
            continue;
        }
        let mut document: serde_json::Value =
            serde_json::from_str(&stored.document).map_err(AppError::internal)?;
        if contact_fields(&document["supplier"]["contact"]).is_empty() {
            continue;
        }
        document["supplier"]["contact"] = serde_json::json!({});
        privacy::set_tax_invoice_document(&mut tx, &stored.id, &document.to_string()).await?;
        report.tax_invoices_redacted += 1;
    }
    privacy::redact_partner_contact(&mut tx, &by.tenant_id, &partner.id, now).await?;
    let needles: Vec<&str> = [Some(contact.email.as_str()), contact.phone.as_deref()]
        .into_iter()
        .flatten()
        .filter(|n| n.len() >= 3)
        .collect();
    for needle in &needles {
        report.emails_erased +=
            privacy::erase_email_jobs(&mut tx, &by.tenant_id, needle, now).await?;
        report.responses_forgotten +=
            privacy::forget_responses(&mut tx, &by.tenant_id, needle).await?;
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "partner.erased",
        ("partner", partner.id.as_str()),
        serde_json::json!({
            "tax_invoices_redacted": report.tax_invoices_redacted,
            "tax_invoices_kept": report.tax_invoices_kept,
            "emails_erased": report.emails_erased,
        }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    report.outbox_files_removed = remove_outbox_files(app, &needles).await;
    Ok(report)
}

/// Removes the outbox's email files that mention any of `needles`; how many.
async fn remove_outbox_files(app: &App, needles: &[&str]) -> usize {
    let Ok(mut entries) = tokio::fs::read_dir(&app.settings.outbox_dir).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "eml") {
            continue;
        }
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if needles.iter().any(|n| text.contains(n)) && tokio::fs::remove_file(&path).await.is_ok() {
            removed += 1;
        }
    }
    removed
}
