//! The lines of finalized documents with what a reconciliation file needs of their
//! documents, streamed in document-number order so a file of any length is written as it
//! is read.

use futures::stream::{BoxStream, StreamExt};
use settle_core::billing::{DocumentKind, LineItem, Period, PricedLine};
use settle_core::currency::Currency;
use settle_core::ids::{InvoiceId, InvoiceLineId, PartnerId, TenantId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::columns::{CurrencyCode, Day, Field, Int, Json, Null, Text, for_engine};
use crate::{StoreError, StoreResult};

/// Which documents' lines to read.
#[derive(Clone, Debug)]
pub enum LineScope {
    /// Every finalized document of a billing period (notes belong to the period they were
    /// made in).
    Period(Period),
    /// One finalized document and the credit and void notes that refer to it.
    Document(InvoiceId),
}

/// One line of a finalized document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReconciliationRow {
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

/// A prepared read of reconciliation lines.
pub struct LineQuery {
    sql: String,
    args: Vec<String>,
}

impl LineQuery {
    /// The lines of `tenant`'s documents in `scope`, only of the `among` partners when
    /// given (a sales agent's), ordered by document number and line.
    pub fn new(
        conn: &AnyConnection,
        tenant: &TenantId,
        scope: &LineScope,
        among: Option<&[PartnerId]>,
    ) -> Self {
        let mut args = vec![tenant.as_str().to_owned()];
        let mut sql = String::from(
            "SELECT i.partner_id, i.id AS invoice_id, i.number, i.kind, i.currency, \
             CAST(i.document_date AS TEXT) AS document_date, i.reason, l.id AS line_id, \
             l.line_no, l.credits_line_id, CAST(l.item AS TEXT) AS item, \
             CAST(l.priced AS TEXT) AS priced \
             FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id \
             WHERE i.tenant_id = $1 AND i.number IS NOT NULL",
        );
        match scope {
            LineScope::Period(period) => {
                args.push(period.to_string());
                sql.push_str(" AND i.billing_period = $2");
            }
            LineScope::Document(id) => {
                args.push(id.as_str().to_owned());
                sql.push_str(" AND (i.id = $2 OR i.original_id = $2)");
            }
        }
        if let Some(among) = among {
            if among.is_empty() {
                sql.push_str(" AND 1 = 0");
            }
            let mut marks = Vec::with_capacity(among.len());
            for partner in among {
                args.push(partner.as_str().to_owned());
                marks.push(format!("${}", args.len()));
            }
            if !marks.is_empty() {
                sql.push_str(&format!(" AND i.partner_id IN ({})", marks.join(", ")));
            }
        }
        sql.push_str(" ORDER BY i.number, l.line_no");
        let sql = for_engine(conn, &sql).into_owned();
        LineQuery { sql, args }
    }

    /// How many lines the read will give.
    pub async fn count(&self, conn: &mut AnyConnection) -> StoreResult<u64> {
        let from = self.sql.find(" FROM ").unwrap_or(0);
        let end = self.sql.rfind(" ORDER BY ").unwrap_or(self.sql.len());
        let sql = format!("SELECT COUNT(*){}", &self.sql[from..end]);
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for arg in &self.args {
            query = query.bind(arg.as_str());
        }
        let count = query.fetch_one(conn).await?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    /// Streams the lines.
    pub fn fetch<'c>(
        &'c self,
        conn: &'c mut AnyConnection,
    ) -> BoxStream<'c, StoreResult<ReconciliationRow>> {
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

fn decode(row: &AnyRow) -> StoreResult<ReconciliationRow> {
    let kind = Text::read(row, "kind")?;
    Ok(ReconciliationRow {
        partner_id: PartnerId::from_trusted(Text::read(row, "partner_id")?),
        invoice_id: InvoiceId::from_trusted(Text::read(row, "invoice_id")?),
        number: Text::read(row, "number")?,
        kind: DocumentKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("kind {kind:?}")))?,
        currency: CurrencyCode::read(row, "currency")?,
        document_date: Null::<Day>::read(row, "document_date")?,
        reason: Null::<Text>::read(row, "reason")?,
        line_id: InvoiceLineId::from_trusted(Text::read(row, "line_id")?),
        line_no: Int::read(row, "line_no")?,
        credits_line_id: Null::<Text>::read(row, "credits_line_id")?
            .map(InvoiceLineId::from_trusted),
        item: Json::<LineItem>::read(row, "item")?,
        priced: Json::<PricedLine>::read(row, "priced")?,
    })
}
