//! A period's reconciliation checks: every document of the period against its own lines
//! (read as one stream, a document at a time), every credit note against the invoice
//! lines it takes back, every void note against the invoice it voids, and every Korean
//! won document whose profile asks for a tax invoice against the one issued for it (its
//! supply and tax; amended negative ones for notes). The rules are in
//! [`settle_core::billing::checks`].

use std::collections::{BTreeSet, HashMap};

use futures::TryStreamExt;
use serde::Serialize;
use settle_core::access::Right;
use settle_core::billing::checks::{self, Finding};
use settle_core::billing::korean::wants_tax_invoice;
use settle_core::billing::{Document, DocumentFilter, DocumentKind, DocumentLine, Period};
use settle_core::ids::InvoiceId;
use settle_core::tax_invoice::TaxInvoiceRecord;
use settle_store::billing::reconciliation::{LineQuery, LineScope, ReconciliationDocument};
use settle_store::billing::{documents, lines};
use settle_store::tax_invoices;

use super::parse_period;
use crate::auth::Principal;
use crate::{App, AppError};

/// Documents read per page.
const PAGE: u32 = 5_000;

/// What the checks of a period found.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// The billing period checked.
    pub period: String,
    /// Finalized documents checked.
    pub documents_checked: u64,
    /// Their lines.
    pub lines_checked: u64,
    /// Whether nothing disagrees.
    pub clean: bool,
    /// Every disagreement, in document-number order.
    pub findings: Vec<Finding>,
}

/// Runs every check on the period named `period`, over the partners `by` may see.
pub async fn check_period(
    app: &App,
    by: &Principal,
    period: &str,
) -> Result<CheckReport, AppError> {
    by.require(Right::ReadInvoices)?;
    let period = parse_period(period)?;
    let among = by.scope.assigned();
    let mut conn = app.store.read().await?;
    let stored = finalized_documents(&mut conn, by, period, among.clone()).await?;

    let mut findings = Vec::new();
    let mut notes: HashMap<InvoiceId, Vec<DocumentLine>> = HashMap::new();
    let mut lines_checked = 0;
    let query = LineQuery::new(
        &conn,
        &by.tenant_id,
        &LineScope::Period(period),
        among.as_deref(),
    );
    {
        let mut rows = query.fetch(&mut conn);
        while let Some(document) = rows.try_next().await? {
            lines_checked += document.lines.len() as u64;
            let id = document.invoice_id.clone();
            finish(&stored, &id, lines_of(document), &mut findings, &mut notes);
        }
    }

    let mut credited: BTreeSet<InvoiceId> = BTreeSet::new();
    for (id, note_lines) in &notes {
        let note = &stored[id];
        let Some(original_id) = &note.original_id else {
            continue;
        };
        match note.kind {
            DocumentKind::VoidNote => {
                let original = documents::get(&mut conn, original_id).await?;
                if let Some(original) = original {
                    let original_lines = lines::of_document(&mut conn, original_id).await?;
                    findings.extend(checks::check_void(
                        note,
                        note_lines,
                        &original,
                        &original_lines,
                    ));
                }
            }
            _ => {
                credited.insert(original_id.clone());
            }
        }
    }
    for original_id in credited {
        let Some(original) = documents::get(&mut conn, &original_id).await? else {
            continue;
        };
        let original_lines = lines::of_document(&mut conn, &original_id).await?;
        let all_notes = documents::notes_of(&mut conn, &original_id).await?;
        let credit_lines = lines::credits_of(&mut conn, &original_id).await?;
        let grouped: Vec<(&Document, Vec<DocumentLine>)> = all_notes
            .iter()
            .filter(|n| n.kind == DocumentKind::CreditNote)
            .map(|n| {
                let mine = credit_lines
                    .iter()
                    .filter(|l| l.invoice_id == n.id)
                    .cloned()
                    .collect();
                (n, mine)
            })
            .collect();
        let borrowed: Vec<(&Document, &[DocumentLine])> =
            grouped.iter().map(|(n, l)| (*n, l.as_slice())).collect();
        findings.extend(checks::check_credits(&original, &original_lines, &borrowed));
    }
    findings.extend(check_tax_invoices(&mut conn, &stored).await?);
    findings.sort_by(|a, b| a.documents.cmp(&b.documents));
    Ok(CheckReport {
        period: period.to_string(),
        documents_checked: stored.len() as u64,
        lines_checked,
        clean: findings.is_empty(),
        findings,
    })
}

/// Every document that wants a Korean tax invoice against the one issued for it.
async fn check_tax_invoices(
    conn: &mut settle_store::Conn,
    stored: &HashMap<InvoiceId, Document>,
) -> Result<Vec<Finding>, AppError> {
    let wanting: Vec<&Document> = stored.values().filter(|d| wants_tax_invoice(d)).collect();
    let ids: Vec<&InvoiceId> = wanting.iter().map(|d| &d.id).collect();
    let issued = tax_invoices::of_sources(conn, &ids).await?;
    let by_source: HashMap<&InvoiceId, &TaxInvoiceRecord> = issued
        .iter()
        .filter_map(|r| Some((r.source_invoice_id.as_ref()?, r)))
        .collect();
    Ok(wanting
        .into_iter()
        .filter_map(|document| {
            let record = by_source.get(&document.id).map(|r| {
                (
                    r.document_key.as_str(),
                    r.document.supply_total,
                    r.document.tax_total,
                )
            });
            checks::check_tax_invoice(document, record)
        })
        .collect())
}

/// Checks one document's lines; keeps a note's lines for the checks against its invoice.
fn finish(
    stored: &HashMap<InvoiceId, Document>,
    id: &InvoiceId,
    lines: Vec<DocumentLine>,
    findings: &mut Vec<Finding>,
    notes: &mut HashMap<InvoiceId, Vec<DocumentLine>>,
) {
    let Some(document) = stored.get(id) else {
        return;
    };
    findings.extend(checks::check_document(document, &lines));
    if document.kind.is_note() {
        notes.insert(document.id.clone(), lines);
    }
}

fn lines_of(document: ReconciliationDocument) -> Vec<DocumentLine> {
    let invoice_id = document.invoice_id;
    document
        .lines
        .into_iter()
        .map(|line| DocumentLine {
            id: line.line_id,
            invoice_id: invoice_id.clone(),
            line_no: line.line_no,
            charge_id: None,
            credits_line_id: line.credits_line_id,
            item: line.item,
            priced: line.priced,
        })
        .collect()
}

/// The period's finalized documents, by id.
async fn finalized_documents(
    conn: &mut settle_store::Conn,
    by: &Principal,
    period: Period,
    among: Option<Vec<settle_core::ids::PartnerId>>,
) -> Result<HashMap<InvoiceId, Document>, AppError> {
    let filter = DocumentFilter {
        period: Some(period),
        among,
        ..DocumentFilter::default()
    };
    let mut found = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = documents::list(conn, &by.tenant_id, &filter, after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        found.extend(
            page.into_iter()
                .filter(|d| d.number.is_some())
                .map(|d| (d.id.clone(), d)),
        );
    }
    Ok(found)
}
