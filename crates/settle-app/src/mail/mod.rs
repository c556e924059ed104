//! Email: messages are rendered inside the use case's transaction and queued as `email`
//! jobs (the outbox), so a message exists exactly when the change it reports committed.
//! The worker then delivers each one: through SMTP when `SETTLE_SMTP_URL` is set, or as an
//! RFC 5322 `.eml` file in the outbox folder.

mod deliver;
pub mod settlements;
pub mod templates;

use serde::{Deserialize, Serialize};
use settle_core::ids::TenantId;
use settle_store::jobs::{self, NewJob};
use time::OffsetDateTime;

pub use deliver::Mailer;

use crate::AppError;

/// The job kind of queued emails.
pub const JOB_KIND: &str = "email";

/// One message to one recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject (Korean is fine: it is encoded on delivery).
    pub subject: String,
    /// Plain text; the HTML part is made from it on delivery ([`templates::html`]).
    pub body: String,
    /// Files attached; made when the message is rendered for delivery, never queued.
    #[serde(skip)]
    pub attachments: Vec<Attachment>,
}

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Its file name.
    pub name: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A request email, queued by reference and rendered from the stored document when it is
/// delivered (a requested document no longer changes, so the text is the same; the queue
/// stays small when a batch requests ten thousand documents at once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRequestMail {
    /// The document.
    pub tax_invoice_id: String,
    /// The supplier's link.
    pub link: String,
    /// When the link expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The recipient.
    pub to: String,
}

/// "Your invoice is ready", queued by reference: rendered on delivery with the invoice's
/// PDF, to the partner's address of that moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceReadyMail {
    /// The finalized invoice.
    pub invoice_id: String,
}

/// What an `email` job holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Outgoing {
    /// An issuance request, rendered on delivery.
    IssueRequest {
        /// The reference.
        issue_request: IssueRequestMail,
    },
    /// An invoice with its PDF, rendered on delivery.
    InvoiceReady {
        /// The reference.
        invoice_ready: InvoiceReadyMail,
    },
    /// A message rendered when it was queued.
    Ready(Email),
}

/// Queues issuance-request emails in the caller's transaction.
pub(crate) async fn enqueue_requests(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    requests: Vec<IssueRequestMail>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let outgoing = requests
        .into_iter()
        .filter(|r| !r.to.is_empty())
        .map(|issue_request| Outgoing::IssueRequest { issue_request })
        .collect();
    enqueue_outgoing(conn, tenant, outgoing, now).await
}

/// Queues "invoice ready" emails (with PDFs) for finalized invoices.
pub(crate) async fn enqueue_invoices_ready(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    invoices: &[settle_core::billing::Document],
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let outgoing = invoices
        .iter()
        .filter(|d| d.kind == settle_core::billing::DocumentKind::Invoice)
        .map(|d| Outgoing::InvoiceReady {
            invoice_ready: InvoiceReadyMail {
                invoice_id: d.id.to_string(),
            },
        })
        .collect();
    enqueue_outgoing(conn, tenant, outgoing, now).await
}

/// Queues `emails` in the caller's transaction.
pub(crate) async fn enqueue(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    emails: Vec<Email>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let outgoing = emails
        .into_iter()
        .filter(|email| !email.to.is_empty())
        .map(Outgoing::Ready)
        .collect();
    enqueue_outgoing(conn, tenant, outgoing, now).await
}

/// Queues `email` unless a message with the same `key` was ever queued; whether it was.
pub(crate) async fn enqueue_once(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    email: Email,
    key: String,
    now: OffsetDateTime,
) -> Result<bool, AppError> {
    if email.to.is_empty() {
        return Ok(false);
    }
    let job = NewJob {
        tenant_id: Some(tenant.clone()),
        kind: JOB_KIND.to_owned(),
        payload: serde_json::to_value(Outgoing::Ready(email)).unwrap_or_default(),
        dedupe_key: Some(key),
        run_at: now,
    };
    Ok(jobs::enqueue(conn, &job, now).await?)
}

async fn enqueue_outgoing(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    outgoing: Vec<Outgoing>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let jobs: Vec<NewJob> = outgoing
        .into_iter()
        .map(|message| NewJob {
            tenant_id: Some(tenant.clone()),
            kind: JOB_KIND.to_owned(),
            payload: serde_json::to_value(message).unwrap_or_default(),
            dedupe_key: None,
            run_at: now,
        })
        .collect();
    jobs::enqueue_many(conn, &jobs, now).await?;
    Ok(())
}

/// The message a job holds, rendered; `None` when it concerns a document deleted since.
pub(crate) async fn render(
    conn: &mut settle_store::Conn,
    outgoing: Outgoing,
) -> Result<Option<Email>, AppError> {
    match outgoing {
        Outgoing::Ready(email) => Ok(Some(email)),
        Outgoing::IssueRequest { issue_request: r } => {
            let Some(id) = settle_core::ids::TaxInvoiceId::parse(&r.tax_invoice_id) else {
                return Ok(None);
            };
            let record = settle_store::tax_invoices::get(conn, &id).await?;
            Ok(
                record
                    .map(|record| templates::issue_request(&record, &r.link, r.expires_at, &r.to)),
            )
        }
        Outgoing::InvoiceReady { invoice_ready } => invoice_ready_email(conn, &invoice_ready).await,
    }
}

/// The invoice-ready email of `mail`, with the PDF in the partner's language; `None` when
/// the invoice or its partner is gone or the partner has no address.
async fn invoice_ready_email(
    conn: &mut settle_store::Conn,
    mail: &InvoiceReadyMail,
) -> Result<Option<Email>, AppError> {
    use settle_store::billing::{documents, lines};
    let Some(id) = settle_core::ids::InvoiceId::parse(&mail.invoice_id) else {
        return Ok(None);
    };
    let Some(document) = documents::get(conn, &id).await? else {
        return Ok(None);
    };
    let partner =
        settle_store::partners::get(conn, &document.tenant_id, &document.partner_id).await?;
    let tenant = settle_store::tenants::get(conn, &document.tenant_id).await?;
    let (Some(partner), Some(tenant), Some(details)) = (partner, tenant, &document.details) else {
        return Ok(None);
    };
    let document_lines = lines::of_document(conn, &document.id).await?;
    let notes = documents::notes_of(conn, &document.id).await?;
    let pdf = settle_pdf::invoice(&settle_pdf::InvoiceSource {
        document: &document,
        lines: &document_lines,
        notes: &notes,
        issuer: &tenant,
        template: details.template,
        language: partner.data.language,
    })
    .map_err(AppError::internal)?;
    let attachment = Attachment {
        name: format!("{}.pdf", document.number.as_deref().unwrap_or("invoice")),
        content_type: "application/pdf".to_owned(),
        bytes: pdf,
    };
    Ok(Some(templates::invoice_ready(
        &tenant.name,
        &partner,
        &document,
        attachment,
    )))
}
