//! The `invoice_lines` table.

use settle_core::billing::DocumentLine;
use settle_core::ids::{ChargeId, InvoiceId, InvoiceLineId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::codec::{int, json, opt_text, text, to_json};
use crate::{StoreResult, bulk};

const COLUMNS: &str = "id, invoice_id, line_no, charge_id, credits_line_id, item, priced";
const COLUMN_COUNT: usize = 7;

/// Stores new lines. Each statement's JSON is encoded just before it runs, so a large
/// batch does not hold every line's text at once.
pub async fn insert_many(conn: &mut AnyConnection, lines: &[DocumentLine]) -> StoreResult<()> {
    let anonymous = bulk::anonymous(conn);
    let rows = bulk::chunk_rows(COLUMN_COUNT);
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
        let sql = bulk::insert_sql(
            &format!("invoice_lines ({COLUMNS})"),
            COLUMN_COUNT,
            chunk.len(),
            anonymous,
            "",
        );
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
        "SELECT {COLUMNS} FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no"
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
    let rows = sqlx::query(
        "SELECT l.id, l.invoice_id, l.line_no, l.charge_id, l.credits_line_id, l.item, l.priced \
         FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         WHERE i.original_id = $1 AND i.kind = 'credit_note' ORDER BY l.id",
    )
    .bind(original.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

fn decode(row: &AnyRow) -> StoreResult<DocumentLine> {
    Ok(DocumentLine {
        id: InvoiceLineId::from_trusted(text(row, "id")?),
        invoice_id: InvoiceId::from_trusted(text(row, "invoice_id")?),
        line_no: int(row, "line_no")?,
        charge_id: opt_text(row, "charge_id")?.map(ChargeId::from_trusted),
        credits_line_id: opt_text(row, "credits_line_id")?.map(InvoiceLineId::from_trusted),
        item: json(row, "item")?,
        priced: json(row, "priced")?,
    })
}
