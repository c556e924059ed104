//! The finalized documents of a period (or one invoice with its notes) with their lines, in
//! document-number order, streamed so a file of any length is written as it is read. A row
//! is a document with its lines aggregated (`string_agg … ORDER BY line_no`, the same SQL on
//! both engines): the embedded engine hands rows to the async side one at a time through a
//! channel, and a million line rows spent more time passing that channel than being read.

use futures::stream::{BoxStream, StreamExt};
use settle_core::billing::{DocumentKind, LineItem, Period, PricedLine};
use settle_core::currency::Currency;
use settle_core::ids::{InvoiceId, InvoiceLineId, PartnerId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::columns::{CurrencyCode, Day, Field, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

/// Between the fields of a line (ASCII record separator; JSON text never holds it raw).
const FIELD: char = '\u{1e}';
/// Between lines (ASCII unit separator).
const LINE: char = '\u{1f}';

/// Which documents to read.
#[derive(Clone, Debug)]
pub enum LineScope {
    /// Every finalized document of a billing period (notes belong to the period they were
    /// made in).
    Period(Period),
    /// One finalized document and the credit and void notes that refer to it.
    Document(InvoiceId),
}

/// A finalized document with its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconciliationDocument {
    /// The partner billed.
    pub partner_id: PartnerId,
    /// The document.
    pub invoice_id: InvoiceId,
    /// Its number.
    pub number: String,
    /// Invoice, credit note or void note.
    pub kind: DocumentKind,
    /// Its billing currency.
    pub currency: Currency,
    /// Its date.
    pub document_date: Option<time::Date>,
    /// Why a note was made.
    pub reason: Option<String>,
    /// Its lines, in order.
    pub lines: Vec<ReconciliationLine>,
}

/// One line of a finalized document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconciliationLine {
    /// The line.
    pub line_id: InvoiceLineId,
    /// Its place in the document, from 1.
    pub line_no: i64,
    /// The invoice line a credit or void line takes back.
    pub credits_line_id: Option<InvoiceLineId>,
    /// The product and its pricing.
    pub item: LineItem,
    /// Its amounts in the billing currency.
    pub priced: PricedLine,
}

/// A prepared read of reconciliation documents.
pub struct LineQuery {
    sql: String,
    count_sql: String,
    args: Vec<String>,
}

impl LineQuery {
    /// The documents of `tenant` in `scope` with their lines, only of the `among` partners
    /// when given (a sales agent's), ordered by document number.
    pub fn new(
        conn: &AnyConnection,
        tenant: &TenantId,
        scope: &LineScope,
        among: Option<&[PartnerId]>,
    ) -> Self {
        let mut args = vec![
            tenant.as_str().to_owned(),
            FIELD.to_string(),
            LINE.to_string(),
        ];
        let mut condition = String::from("i.tenant_id = $1 AND i.number IS NOT NULL");
        match scope {
            LineScope::Period(period) => {
                args.push(period.to_string());
                condition.push_str(" AND i.billing_period = $4");
            }
            LineScope::Document(id) => {
                args.push(id.as_str().to_owned());
                // Its notes, not the invoice that replaced it (which also cites it).
                condition
                    .push_str(" AND (i.id = $4 OR (i.original_id = $4 AND i.kind <> 'invoice'))");
            }
        }
        if let Some(among) = among {
            let mut marks = Vec::with_capacity(among.len());
            for partner in among {
                args.push(partner.as_str().to_owned());
                marks.push(format!("${}", args.len()));
            }
            if marks.is_empty() {
                condition.push_str(" AND 1 = 0");
            } else {
                condition.push_str(&format!(" AND i.partner_id IN ({})", marks.join(", ")));
            }
        }
        let lines = "(SELECT string_agg(l.id || $2::text || CAST(l.line_no AS TEXT) || $2::text \
             || COALESCE(l.credits_line_id, '') || $2::text || CAST(l.item AS TEXT) || $2::text \
             || CAST(l.priced AS TEXT), $3::text ORDER BY l.line_no) \
             FROM invoice_lines l WHERE l.invoice_id = i.id)";
        let sql = format!(
            "SELECT i.partner_id, i.id AS invoice_id, i.number, i.kind, i.currency, \
             CAST(i.document_date AS TEXT) AS document_date, i.reason, {lines} AS lines \
             FROM invoices i WHERE {condition} ORDER BY i.number"
        );
        // The separators are not used by the count; binding them keeps the numbering.
        let count_sql = format!(
            "SELECT COUNT(*) FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id \
             WHERE {condition} AND $2::text IS NOT NULL AND $3::text IS NOT NULL"
        );
        LineQuery {
            sql: for_engine(conn, &sql).into_owned(),
            count_sql: for_engine(conn, &count_sql).into_owned(),
            args,
        }
    }

    /// How many lines the read will give.
    pub async fn count(&self, conn: &mut AnyConnection) -> StoreResult<u64> {
        let mut query = sqlx::query_scalar::<_, i64>(&self.count_sql);
        for arg in &self.args {
            query = query.bind(arg.as_str());
        }
        let count = query.fetch_one(conn).await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Streams the documents with their lines.
    pub fn fetch<'c>(
        &'c self,
        conn: &'c mut AnyConnection,
    ) -> BoxStream<'c, StoreResult<ReconciliationDocument>> {
        let mut query = sqlx::query(&self.sql);
        for arg in &self.args {
            query = query.bind(arg.as_str());
        }
        query
            .fetch(conn)
            .map(|row| decode(&row.map_err(StoreError::from)?))
            .boxed()
    }
}

fn decode(row: &AnyRow) -> StoreResult<ReconciliationDocument> {
    let kind = Text::read(row, "kind")?;
    let lines = Null::<Text>::read(row, "lines")?.unwrap_or_default();
    Ok(ReconciliationDocument {
        partner_id: PartnerId::from_trusted(Text::read(row, "partner_id")?),
        invoice_id: InvoiceId::from_trusted(Text::read(row, "invoice_id")?),
        number: Text::read(row, "number")?,
        kind: DocumentKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?,
        currency: CurrencyCode::read(row, "currency")?,
        document_date: Null::<Day>::read(row, "document_date")?,
        reason: Null::<Text>::read(row, "reason")?,
        lines: lines
            .split(LINE)
            .filter(|l| !l.is_empty())
            .map(decode_line)
            .collect::<StoreResult<_>>()?,
    })
}

fn decode_line(text: &str) -> StoreResult<ReconciliationLine> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("reconciliation line: {what}"));
    let mut fields = text.splitn(5, FIELD);
    let mut next = |what: &str| fields.next().ok_or_else(|| corrupt(what));
    let line_id = InvoiceLineId::from_trusted(next("id")?.to_owned());
    let line_no = next("line_no")?.parse().map_err(|_| corrupt("line_no"))?;
    let credits = next("credits_line_id")?;
    let item = next("item")?;
    let priced = next("priced")?;
    Ok(ReconciliationLine {
        line_id,
        line_no,
        credits_line_id: (!credits.is_empty()).then(|| InvoiceLineId::from_trusted(credits.into())),
        item: serde_json::from_str(item).map_err(|e| corrupt(&format!("item: {e}")))?,
        priced: serde_json::from_str(priced).map_err(|e| corrupt(&format!("amounts: {e}")))?,
    })
}
