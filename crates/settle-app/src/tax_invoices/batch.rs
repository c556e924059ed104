//! Many documents at once (`POST /v1/tax-invoices/batch`): JSON, or a CSV/XLSX file with
//! one row per line item. Every document is validated; each is created whole or not at all
//! (with `atomic`, the whole call is), and the problems are reported by row. Documents
//! asked to be requested are stored as requested, with their links and emails queued, in
//! the same transaction.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use settle_core::access::Right;
use settle_core::brn::Brn;
use settle_core::ids::TaxInvoiceId;
use settle_core::partner::{NtsLink, Partner};
use settle_core::tax_invoice::{
    InvoiceParty, TaxInvoiceAction, TaxInvoiceInput, TaxInvoiceLineInput, TaxInvoiceRecord,
    TaxInvoiceState, transition,
};
use settle_core::tenant::Tenant;
use settle_core::validation::FieldError;
use settle_store::supplier::SupplierLink;
use settle_store::tax_invoices::{self, HistoryEntry};
use settle_store::{partners, supplier, tenants};
use settle_tabular::Table;
use time::OffsetDateTime;

use super::draft::{DraftInput, prepare, tenant_party};
use super::history_entry;
use crate::auth::Principal;
use crate::import::map_columns;
use crate::settings::LINK_LIFETIME;
use crate::supplier::new_token;
use crate::{App, AppError, ErrorKind, audit, mail};

/// Most documents per call.
pub const MAX_BATCH: usize = 10_000;

/// The columns of a batch file.
pub const COLUMNS: [&str; 16] = [
    "document_key",
    "partner_brn",
    "partner_id",
    "write_date",
    "tax_type",
    "purpose",
    "request",
    "remark",
    "item_date",
    "item_name",
    "item_spec",
    "quantity",
    "unit_price",
    "supply_amount",
    "tax_amount",
    "item_remark",
];
const REQUIRED: [&str; 6] = [
    "document_key",
    "write_date",
    "tax_type",
    "purpose",
    "item_name",
    "supply_amount",
];

/// One document of a batch.
#[derive(Clone, Debug, Default)]
pub struct BatchDocument {
    /// Its first row (file) or its 1-based position (JSON).
    pub row: usize,
    /// The rows of its lines (files), index-aligned with the items.
    pub line_rows: Vec<usize>,
    /// The partner by BRN, when not by id.
    pub partner_brn: Option<String>,
    /// The document.
    pub draft: DraftInput,
}

/// The outcome of a batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    /// Documents created.
    pub created: usize,
    /// Rows with problems; their documents were not created.
    pub failed: Vec<FailedRow>,
}

/// A row with problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FailedRow {
    /// The row (file) or position (JSON), 1-based.
    pub row: usize,
    /// The document it belongs to.
    pub document_key: Option<String>,
    /// What is wrong.
    pub errors: Vec<FieldError>,
}

/// The documents of a CSV (UTF-8 or CP949) or XLSX file.
pub fn documents_from_file(file: &[u8]) -> Result<Vec<BatchDocument>, AppError> {
    let table = settle_tabular::read_table(file)
        .map_err(|e| AppError::invalid(e.code(), "file", e.to_string()))?;
    documents_from_table(table)
}

/// The documents of a CSV/XLSX table: consecutive rows with the same `document_key` are the
/// lines of one document.
pub fn documents_from_table(table: Table) -> Result<Vec<BatchDocument>, AppError> {
    let columns = map_columns(&table.headers, &COLUMNS, &REQUIRED)?;
    let mut documents: Vec<BatchDocument> = Vec::new();
    for mut row in table.rows {
        let number = row.number;
        let mut cell = |name: &str| -> Option<String> {
            columns
                .get(name)
                .and_then(|&i| row.cells.get_mut(i))
                .map(std::mem::take)
                .filter(|text| !text.trim().is_empty())
        };
        let key = cell("document_key");
        let line = TaxInvoiceLineInput {
            date: cell("item_date"),
            name: cell("item_name"),
            spec: cell("item_spec"),
            quantity: decimal(cell("quantity")),
            unit_price: decimal(cell("unit_price")),
            supply_amount: decimal(cell("supply_amount")),
            tax_amount: decimal(cell("tax_amount")),
            remark: cell("item_remark"),
        };
        let continues = matches!(documents.last(), Some(last) if last.draft.document_key == key && key.is_some());
        if continues && let Some(last) = documents.last_mut() {
            last.line_rows.push(number);
            last.draft
                .invoice
                .items
                .get_or_insert_with(Vec::new)
                .push(line);
            if let Some(remark) = cell("remark") {
                let remarks = last.draft.invoice.remarks.get_or_insert_with(Vec::new);
                if !remarks.contains(&remark) {
                    remarks.push(remark);
                }
            }
            continue;
        }
        documents.push(document_from_row(number, key, line, &mut cell));
    }
    Ok(documents)
}

fn document_from_row(
    number: usize,
    key: Option<String>,
    line: TaxInvoiceLineInput,
    cell: &mut impl FnMut(&str) -> Option<String>,
) -> BatchDocument {
    let request = cell("request")
        .map(|text| {
            matches!(
                text.trim().to_ascii_lowercase().as_str(),
                "true" | "1" | "yes" | "y"
            )
        })
        .unwrap_or(false);
    BatchDocument {
        row: number,
        line_rows: vec![number],
        partner_brn: cell("partner_brn"),
        draft: DraftInput {
            document_key: key,
            partner_id: cell("partner_id"),
            invoice: TaxInvoiceInput {
                write_date: cell("write_date"),
                tax_type: cell("tax_type"),
                purpose: cell("purpose"),
                items: Some(vec![line]),
                remarks: cell("remark").map(|r| vec![r]),
                ..TaxInvoiceInput::default()
            },
            request,
            memo: None,
        },
    }
}

/// A cell as a decimal; text that is not one becomes a value no amount can have, so that
/// validation names the field.
fn decimal(text: Option<String>) -> Option<settle_core::money::DecimalInput> {
    text.map(|t| {
        let cleaned = t.trim().replace(',', "");
        settle_core::money::parse_decimal(&cleaned)
            .map(settle_core::money::DecimalInput)
            .unwrap_or(settle_core::money::DecimalInput(rust_decimal::Decimal::MAX))
    })
}

/// Creates the documents; with `atomic`, all of them or none. Everything that can be
/// worked out before writing (validation, links, emails) is, so the write lock is held only
/// for the inserts.
pub async fn submit(
    app: &App,
    by: &Principal,
    documents: Vec<BatchDocument>,
    atomic: bool,
) -> Result<BatchReport, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    if documents.len() > MAX_BATCH {
        return Err(AppError::new(
            ErrorKind::TooLarge,
            "tax_invoice.batch_too_large",
            format!(
                "a batch has at most {MAX_BATCH} documents, got {}",
                documents.len()
            ),
        ));
    }
    let now = app.now();
    let mut conn = app.store.read().await?;
    let tenant = tenants::get(&mut conn, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let partners = Partners::load(&mut conn, by, &documents).await?;
    drop(conn);
    let buyer = tenant_party(&tenant)?;
    let mut report = BatchReport::default();
    let mut accepted = Vec::with_capacity(documents.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for document in documents {
        match check(&tenant, &buyer, &partners, &mut seen, &document, now) {
            Ok(record) => accepted.push((document.row, record)),
            Err(errors) => report.failed.extend(by_row(
                &document,
                document.draft.document_key.clone(),
                errors,
            )),
        }
    }
    if atomic && !report.failed.is_empty() {
        return Ok(report);
    }
    let records: Vec<TaxInvoiceRecord> = accepted.iter().map(|(_, r)| r.clone()).collect();
    let plan = FollowUp::plan(app, by, &records, now)?;
    let mut tx = app.store.write().await?;
    let stored = tax_invoices::insert_many(&mut tx, &records).await?;
    for (row, record) in accepted.iter().filter(|(_, r)| !stored.contains(&r.id)) {
        report.failed.push(FailedRow {
            row: *row,
            document_key: Some(record.document_key.to_string()),
            errors: vec![FieldError::new(
                "tax_invoice.duplicate_document_key",
                "document_key",
                "another tax invoice of this tenant has this document_key",
            )],
        });
    }
    if atomic && !report.failed.is_empty() {
        // Dropping the transaction rolls the inserts back.
        return Ok(report);
    }
    plan.write(&mut tx, by, &stored, now).await?;
    report.created = stored.len();
    report.failed.sort_by_key(|f| f.row);
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "tax_invoices.batch_created",
        ("tenant", by.tenant_id.as_str()),
        serde_json::json!({ "created": report.created, "failed": report.failed.len() }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(report)
}

/// One document checked: its record (drafted, or requested when asked), or its problems.
fn check(
    tenant: &Tenant,
    buyer: &InvoiceParty,
    partners: &Partners,
    seen: &mut HashMap<String, usize>,
    document: &BatchDocument,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, Vec<FieldError>> {
    let key = document.draft.document_key.as_deref();
    let mut errors = Vec::new();
    if let Some(first) = key.and_then(|k| seen.get(k)) {
        errors.push(FieldError::new(
            "tax_invoice.duplicate_document_key",
            "document_key",
            format!("row {first} has the same document_key"),
        ));
    }
    if let Some(key) = key {
        seen.entry(key.to_owned()).or_insert(document.row);
    }
    let partner = partners.find(document).map_err(|e| errors.push(e)).ok();
    if let Some(partner) = partner
        && document.draft.request
    {
        if tenant.nts_linked_at.is_none() {
            errors.push(FieldError::new(
                "tenant.not_linked",
                "request",
                "link the platform with the NTS before requesting",
            ));
        } else if matches!(partner.nts_link, NtsLink::Unlinked) {
            errors.push(FieldError::new(
                "partner.not_linked",
                "request",
                "the partner is not linked with the NTS",
            ));
        }
    }
    let record = partner.and_then(|partner| {
        prepare(
            tenant,
            buyer,
            partner,
            document.draft.invoice.clone(),
            key,
            now,
        )
        .map_err(|mut e| errors.append(&mut e))
        .ok()
    });
    match record {
        Some(record) if errors.is_empty() => Ok(TaxInvoiceRecord {
            state: TaxInvoiceState::created(document.draft.request),
            ..record
        }),
        _ => Err(errors),
    }
}

/// The history, links and request emails of new documents, worked out before the write.
struct FollowUp {
    history: Vec<HistoryEntry>,
    links: Vec<SupplierLink>,
    emails: Vec<mail::IssueRequestMail>,
}

impl FollowUp {
    fn plan(
        app: &App,
        by: &Principal,
        records: &[TaxInvoiceRecord],
        now: OffsetDateTime,
    ) -> Result<Self, AppError> {
        let request = transition(TaxInvoiceState::Drafted, TaxInvoiceAction::Request)?;
        let mut plan = FollowUp {
            history: Vec::with_capacity(records.len() * 2),
            links: Vec::new(),
            emails: Vec::new(),
        };
        let base = app.settings.public_url.trim_end_matches('/');
        for record in records {
            plan.history.push(HistoryEntry {
                tax_invoice_id: record.id.clone(),
                from: None,
                to: TaxInvoiceState::Drafted,
                actor: by.actor.clone(),
                at: now,
                memo: None,
            });
            if record.state == TaxInvoiceState::Drafted {
                continue;
            }
            plan.history
                .push(history_entry(&record.id, &request, &by.actor, None, now));
            let (token, token_hash) = new_token();
            let expires_at = now + LINK_LIFETIME;
            plan.links.push(SupplierLink {
                token_hash,
                tenant_id: record.tenant_id.clone(),
                tax_invoice_id: record.id.clone(),
                partner_id: record.partner_id.clone(),
                created_at: now,
                expires_at,
            });
            let to = record
                .document
                .supplier
                .contact
                .email
                .clone()
                .unwrap_or_default();
            plan.emails.push(mail::IssueRequestMail {
                tax_invoice_id: record.id.to_string(),
                link: format!("{base}/s/{token}"),
                expires_at,
                to,
            });
        }
        Ok(plan)
    }

    /// Writes what concerns the documents that were stored.
    async fn write(
        mut self,
        tx: &mut settle_store::Conn,
        by: &Principal,
        stored: &HashSet<TaxInvoiceId>,
        now: OffsetDateTime,
    ) -> Result<(), AppError> {
        self.history.retain(|h| stored.contains(&h.tax_invoice_id));
        self.links.retain(|l| stored.contains(&l.tax_invoice_id));
        let stored_ids: HashSet<&str> = stored.iter().map(TaxInvoiceId::as_str).collect();
        self.emails
            .retain(|e| stored_ids.contains(e.tax_invoice_id.as_str()));
        crate::webhooks::record_history(tx, &by.tenant_id, &self.history).await?;
        supplier::insert_links(tx, &self.links).await?;
        mail::enqueue_requests(tx, &by.tenant_id, self.emails, now).await
    }
}

/// Splits a document's errors by the row they concern (a line's errors go to its row).
fn by_row(
    document: &BatchDocument,
    key: Option<String>,
    errors: Vec<FieldError>,
) -> Vec<FailedRow> {
    let mut rows: Vec<FailedRow> = Vec::new();
    for error in errors {
        let row = line_index(&error.field)
            .and_then(|i| document.line_rows.get(i).copied())
            .unwrap_or(document.row);
        match rows.iter_mut().find(|r| r.row == row) {
            Some(existing) => existing.errors.push(error),
            None => rows.push(FailedRow {
                row,
                document_key: key.clone(),
                errors: vec![error],
            }),
        }
    }
    rows
}

/// `items[3].name` → 3.
fn line_index(field: &str) -> Option<usize> {
    field
        .strip_prefix("items[")?
        .split(']')
        .next()?
        .parse()
        .ok()
}

/// The partners a batch refers to, by id and by BRN.
struct Partners {
    by_id: HashMap<String, Partner>,
    by_brn: HashMap<String, Vec<Partner>>,
}

impl Partners {
    async fn load(
        conn: &mut settle_store::Conn,
        by: &Principal,
        documents: &[BatchDocument],
    ) -> Result<Self, AppError> {
        let ids: HashSet<String> = documents
            .iter()
            .filter_map(|d| d.draft.partner_id.clone())
            .collect();
        let brns: HashSet<String> = documents
            .iter()
            .filter_map(|d| d.partner_brn.as_deref())
            .filter_map(|b| Brn::parse(b).ok())
            .map(|b| b.digits().to_owned())
            .collect();
        let ids: Vec<String> = ids.into_iter().collect();
        let brns: Vec<String> = brns.into_iter().collect();
        let mut by_brn: HashMap<String, Vec<Partner>> = HashMap::new();
        for partner in partners::find_many(conn, &by.tenant_id, true, &brns).await? {
            if let Some(brn) = partner.data.brn {
                by_brn
                    .entry(brn.digits().to_owned())
                    .or_default()
                    .push(partner);
            }
        }
        let by_id = partners::find_many(conn, &by.tenant_id, false, &ids)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p))
            .collect();
        Ok(Self { by_id, by_brn })
    }

    fn find(&self, document: &BatchDocument) -> Result<&Partner, FieldError> {
        if let Some(id) = &document.draft.partner_id {
            return self.by_id.get(id).ok_or_else(|| {
                FieldError::new(
                    "tax_invoice.unknown_partner",
                    "partner_id",
                    "no partner of this tenant has this id",
                )
            });
        }
        let Some(text) = &document.partner_brn else {
            return Err(FieldError::new(
                "tax_invoice.missing_field",
                "partner_id",
                "partner_id or partner_brn is required",
            ));
        };
        let brn = Brn::parse(text).map_err(|e| {
            FieldError::new(
                "tax_invoice.invalid_brn",
                "partner_brn",
                format!("partner_brn: {e}"),
            )
        })?;
        let candidates = self
            .by_brn
            .get(brn.digits())
            .map(Vec::as_slice)
            .unwrap_or_default();
        candidates
            .iter()
            .find(|p| p.data.sub_business_id.is_none())
            .or(candidates.first().filter(|_| candidates.len() == 1))
            .ok_or_else(|| {
                FieldError::new(
                    "tax_invoice.unknown_partner",
                    "partner_brn",
                    "no single partner of this tenant has this brn (use partner_id)",
                )
            })
    }
}
