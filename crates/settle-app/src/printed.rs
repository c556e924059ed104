//! Documents as people print them: partner invoices, credit memos and void notes, partner
//! statements and Korean tax invoices as PDF, rendered off the async threads. What each
//! shows is read with the same rights and scope as its JSON.

use settle_core::access::Right;
use settle_core::billing::{DocumentKind, Template};
use settle_core::language::Language;
use settle_core::partner::Partner;
use settle_core::tax_invoice::TaxInvoiceRecord;
use settle_core::tenant::Tenant;
use settle_pdf::{
    InvoiceSource, PdfError, StatementDocument, StatementPayment, StatementSource, TaxInvoiceSource,
};
use settle_store::{partners, tenants};

use crate::auth::Principal;
use crate::billing::{self, Statement};
use crate::supplier::SupplierPrincipal;
use crate::{App, AppError};

/// A rendered document and the file name to save it as.
#[derive(Clone, Debug)]
pub struct Printed {
    /// `G000000001.pdf`, `tax-invoice-<key>.pdf`, …
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

/// How a client asks for a document to be printed; every part optional.
#[derive(Clone, Debug, Default)]
pub struct PrintOptions<'a> {
    /// `lrd` or `non_lrd`; default: the billing profile's template.
    pub template: Option<&'a str>,
    /// `ko` or `en`; default: the partner's language.
    pub lang: Option<&'a str>,
}

fn invalid(field: &str, message: String) -> AppError {
    AppError::invalid("print.invalid_option", field, message)
}

/// The language asked for, else the partner's.
fn language(asked: Option<&str>, partner: Language) -> Result<Language, AppError> {
    match asked {
        None => Ok(partner),
        Some(text) => Language::parse(text)
            .ok_or_else(|| invalid("lang", format!("lang is one of {}", Language::names()))),
    }
}

/// The issuing tenant and the partner, read on one connection.
pub(crate) async fn issuer_and_partner(
    app: &App,
    by: &Principal,
    partner: &settle_core::ids::PartnerId,
) -> Result<(Tenant, Partner), AppError> {
    let mut conn = app.store.read().await?;
    let tenant = tenants::get(&mut conn, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let partner = partners::get(&mut conn, &by.tenant_id, partner)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    Ok((tenant, partner))
}

/// Renders off the async threads: a page of layout takes milliseconds of CPU.
async fn render(
    file_name: String,
    job: impl FnOnce() -> Result<Vec<u8>, PdfError> + Send + 'static,
) -> Result<Printed, AppError> {
    let bytes = tokio::task::spawn_blocking(job)
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(Printed { file_name, bytes })
}

/// A finalized invoice, credit memo or void note (by id or number) as PDF.
pub async fn invoice_pdf(
    app: &App,
    by: &Principal,
    key: &str,
    options: &PrintOptions<'_>,
) -> Result<Printed, AppError> {
    let detail = billing::get_invoice(app, by, key).await?;
    let document = &detail.document;
    let (Some(number), Some(details)) = (&document.number, &document.details) else {
        return Err(AppError::conflict(
            "invoice.not_finalized",
            "a draft has no number yet; finalize it to print it",
        ));
    };
    let template = match options.template {
        None => details.template,
        Some(text) => Template::parse(text).ok_or_else(|| {
            invalid(
                "template",
                format!("template is one of {}", Template::names()),
            )
        })?,
    };
    let (issuer, partner) = issuer_and_partner(app, by, &document.partner_id).await?;
    let language = language(options.lang, partner.data.language)?;
    let notes: Vec<_> = detail
        .related
        .iter()
        .filter(|d| d.kind != DocumentKind::Invoice)
        .cloned()
        .collect();
    // Once the platform has issued the document's Korean tax invoice, its NTS approval
    // number is the tax invoice number the document prints.
    let mut document = detail.document.clone();
    if let Some(approval) = detail
        .tax_invoice
        .as_ref()
        .and_then(|r| r.approval_number.clone())
    {
        document.tax_invoice_number = Some(approval);
    }
    render(format!("{number}.pdf"), move || {
        settle_pdf::invoice(&InvoiceSource {
            document: &document,
            lines: &detail.lines,
            notes: &notes,
            issuer: &issuer,
            template,
            language,
        })
    })
    .await
}

/// A partner's statement (see [`billing::statement`]) as PDF.
pub async fn statement_pdf(
    app: &App,
    by: &Principal,
    statement: Statement,
    lang: Option<&str>,
) -> Result<Printed, AppError> {
    let (issuer, partner) = issuer_and_partner(app, by, &statement.partner_id).await?;
    let language = language(lang, partner.data.language)?;
    let partner_name = partner.data.name;
    let file_name = format!(
        "statement-{}-{}.pdf",
        statement.currency.code(),
        statement.as_of
    );
    render(file_name, move || {
        let documents: Vec<StatementDocument<'_>> = statement
            .documents
            .iter()
            .map(|line| StatementDocument {
                document: &line.document,
                outstanding: line.outstanding,
                status: line.payment_status,
            })
            .collect();
        let payments: Vec<StatementPayment<'_>> = statement
            .payments
            .iter()
            .map(|(payment, unallocated)| StatementPayment {
                paid_on: payment.paid_on,
                reference: &payment.reference,
                amount: payment.amount,
                unallocated: *unallocated,
            })
            .collect();
        settle_pdf::statement(&StatementSource {
            issuer: &issuer,
            partner_name: &partner_name,
            currency: statement.currency,
            as_of: statement.as_of,
            documents: &documents,
            payments: &payments,
            balance: statement.balance,
            overdue: statement.overdue,
            language,
        })
    })
    .await
}

/// A Korean tax invoice in the standard form layout, in any state, as PDF.
pub async fn tax_invoice_pdf(app: &App, by: &Principal, key: &str) -> Result<Printed, AppError> {
    by.require(Right::ReadTaxInvoices)?;
    tax_invoice(crate::tax_invoices::get(app, by, key).await?).await
}

/// One of a supplier's tax invoices (by id, as its pages and API name them) as PDF.
pub async fn supplier_tax_invoice_pdf(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
) -> Result<Printed, AppError> {
    tax_invoice(crate::supplier::get(app, by, id).await?).await
}

async fn tax_invoice(record: TaxInvoiceRecord) -> Result<Printed, AppError> {
    render(
        format!("tax-invoice-{}.pdf", record.document_key.as_str()),
        move || settle_pdf::tax_invoice(&TaxInvoiceSource { record: &record }),
    )
    .await
}
