//! `tax_invoice_history`: every transition of every invoice, with who, when and why.

use settle_core::ids::TaxInvoiceId;
use settle_core::tax_invoice::TaxInvoiceState;
use sqlx::AnyConnection;
use time::OffsetDateTime;

use crate::codec::{at, instant, opt_text, text};
use crate::{StoreError, StoreResult, bulk};

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

const COLUMNS: usize = 6;

/// Appends entries.
pub async fn append_history(conn: &mut AnyConnection, entries: &[HistoryEntry]) -> StoreResult<()> {
    let anonymous = bulk::anonymous(conn);
    for chunk in entries.chunks(bulk::chunk_rows(COLUMNS)) {
        let sql = bulk::insert_sql(
            "tax_invoice_history (tax_invoice_id, from_state, to_state, actor, at, memo)",
            COLUMNS,
            chunk.len(),
            anonymous,
            "",
        );
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
    let rows = sqlx::query(
        "SELECT from_state, to_state, actor, at, memo FROM tax_invoice_history \
         WHERE tax_invoice_id = $1 ORDER BY seq",
    )
    .bind(id.as_str())
    .fetch_all(conn)
    .await?;
    let state = |name: String| {
        TaxInvoiceState::parse(&name)
            .ok_or_else(|| StoreError::Corrupt(format!("history state {name:?}")))
    };
    rows.iter()
        .map(|row| {
            Ok(HistoryEntry {
                tax_invoice_id: id.clone(),
                from: opt_text(row, "from_state")?.map(state).transpose()?,
                to: state(text(row, "to_state")?)?,
                actor: text(row, "actor")?,
                at: at(row, "at")?,
                memo: opt_text(row, "memo")?,
            })
        })
        .collect()
}
