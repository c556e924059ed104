//! `tax_invoice_history`: every transition of every invoice, with who, when and why.

use settle_core::ids::TaxInvoiceId;
use settle_core::tax_invoice::TaxInvoiceState;
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::codec::instant;
use crate::columns::{Instant, Null, Text};
use crate::{StoreError, StoreResult, bulk};

crate::table_row! {
    /// A row of `tax_invoice_history` (without its sequence, which only orders).
    pub(crate) struct HistoryRow in "tax_invoice_history" {
        tax_invoice_id: Text,
        from_state: Null<Text>,
        to_state: Text,
        actor: Text,
        at: Instant,
        memo: Null<Text>,
    }
}

/// One transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The invoice.
    pub tax_invoice_id: TaxInvoiceId,
    /// The state before; `None` for its creation.
    pub from: Option<TaxInvoiceState>,
    /// The state after.
    pub to: TaxInvoiceState,
    /// Who (`key:<id>`, `supplier:<brn>`, `system`).
    pub actor: String,
    /// When.
    pub at: OffsetDateTime,
    /// Why, if said.
    pub memo: Option<String>,
}

/// Appends entries.
pub async fn append_history(conn: &mut AnyConnection, entries: &[HistoryEntry]) -> StoreResult<()> {
    let sqlite = bulk::sqlite(conn);
    let (into, kinds) = (HistoryRow::TABLE.target(), HistoryRow::TABLE.kinds());
    for chunk in entries.chunks(bulk::chunk_rows(kinds.len())) {
        let sql = bulk::insert_sql(&into, &kinds, chunk.len(), sqlite, "");
        let mut query = sqlx::query(&sql);
        for entry in chunk {
            query = query
                .bind(entry.tax_invoice_id.as_str())
                .bind(entry.from.map(TaxInvoiceState::as_str))
                .bind(entry.to.as_str())
                .bind(entry.actor.as_str())
                .bind(instant(entry.at))
                .bind(entry.memo.as_deref());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// An invoice's history, oldest first.
pub async fn history(
    conn: &mut AnyConnection,
    id: &TaxInvoiceId,
) -> StoreResult<Vec<HistoryEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {} FROM tax_invoice_history WHERE tax_invoice_id = $1 ORDER BY seq",
        HistoryRow::columns()
    ))
    .bind(id.as_str())
    .fetch_all(conn)
    .await?;
    let state = |name: String| {
        TaxInvoiceState::parse(&name)
            .ok_or_else(|| StoreError::Corrupt(format!("history state {name:?}")))
    };
    rows.iter()
        .map(|row| {
            let row = HistoryRow::read(row)?;
            Ok(HistoryEntry {
                tax_invoice_id: TaxInvoiceId::from_trusted(row.tax_invoice_id),
                from: row.from_state.map(state).transpose()?,
                to: state(row.to_state)?,
                actor: row.actor,
                at: row.at,
                memo: row.memo,
            })
        })
        .collect()
}
