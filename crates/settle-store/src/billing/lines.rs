//! The `invoice_lines` table.

use settle_core::billing::{DocumentKind, DocumentLine, LineItem, PricedLine};
use settle_core::ids::{ChargeId, InvoiceId, InvoiceLineId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::to_json;
use crate::columns::{Int, Json, Null, Text};
use crate::{StoreResult, bulk};

crate::table_row! {
    /// A row of `invoice_lines`.
    pub(crate) struct LineRow in "invoice_lines" {
        id: Text,
        invoice_id: Text,
        line_no: Int,
        charge_id: Null<Text>,
        credits_line_id: Null<Text>,
        item: Json<LineItem>,
        priced: Json<PricedLine>,
    }
}

/// Stores new lines. Each statement's JSON is encoded just before it runs, so a large
/// batch does not hold every line's text at once.
pub async fn insert_many(conn: &mut AnyConnection, lines: &[DocumentLine]) -> StoreResult<()> {
    let sqlite = bulk::sqlite(conn);
    let (into, kinds) = (LineRow::TABLE.target(), LineRow::TABLE.kinds());
    let rows = bulk::chunk_rows(kinds.len());
    for chunk in lines.chunks(rows) {
        let encoded: Vec<(String, String)> = chunk
            .iter()
            .map(|l| {
                Ok((
                    to_json(&l.item, "line item")?,
                    to_json(&l.priced, "line amounts")?,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let sql = bulk::insert_sql(&into, &kinds, chunk.len(), sqlite, "");
        let mut query = sqlx::query(&sql);
        for (l, (item, priced)) in chunk.iter().zip(&encoded) {
            query = query
                .bind(l.id.as_str())
                .bind(l.invoice_id.as_str())
                .bind(l.line_no)
                .bind(l.charge_id.as_ref().map(ChargeId::as_str))
                .bind(l.credits_line_id.as_ref().map(InvoiceLineId::as_str))
                .bind(item.as_str())
                .bind(priced.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The lines of a document, in order.
pub async fn of_document(
    conn: &mut AnyConnection,
    id: &InvoiceId,
) -> StoreResult<Vec<DocumentLine>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no",
        LineRow::columns()
    ))
    .bind(id.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// The lines of the credit notes of `original`.
pub async fn credits_of(
    conn: &mut AnyConnection,
    original: &InvoiceId,
) -> StoreResult<Vec<DocumentLine>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         WHERE i.original_id = $1 AND i.kind = $2 ORDER BY l.id",
        LineRow::TABLE.select_list("l.")
    ))
    .bind(original.as_str())
    .bind(DocumentKind::CreditNote.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

fn decode(row: &AnyRow) -> StoreResult<DocumentLine> {
    let row = LineRow::read(row)?;
    Ok(DocumentLine {
        id: InvoiceLineId::from_trusted(row.id),
        invoice_id: InvoiceId::from_trusted(row.invoice_id),
        line_no: row.line_no,
        charge_id: row.charge_id.map(ChargeId::from_trusted),
        credits_line_id: row.credits_line_id.map(InvoiceLineId::from_trusted),
        item: row.item,
        priced: row.priced,
    })
}
