//! Reading closed settlements: the list, and one settlement explained line by line (each
//! transfer recomputed under its contract, with the closed settlement it corrects when it
//! arrived late or takes back an order settled before).

use settle_core::access::Right;
use settle_core::ids::{SettlementId, TransferId};
use settle_core::settlement::{self, SettlementLine, SettlementRecord, Transfer, TransferKind};
use settle_store::settlement::{self as store, closing};

use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError};

pub use closing::SettlementFilter;

/// One transfer of a settlement and what it added.
#[derive(Clone, Debug)]
pub struct ExplainedLine {
    /// The stored transfer's id.
    pub transfer_id: TransferId,
    /// The transfer.
    pub transfer: Transfer,
    /// What it added.
    pub line: SettlementLine,
    /// The closed settlement it corrects: the one whose cycle holds its date (it arrived
    /// late), or the one that settled its order (a later cancellation or refund).
    pub corrects: Option<SettlementId>,
}

/// A settlement with its lines.
#[derive(Clone, Debug)]
pub struct SettlementDetail {
    /// The settlement as closed.
    pub record: SettlementRecord,
    /// Its transfers, in date order.
    pub lines: Vec<ExplainedLine>,
}

/// Loads a settlement the caller may see.
pub(crate) async fn load(
    conn: &mut settle_store::Conn,
    by: &Principal,
    id: &str,
) -> Result<SettlementRecord, AppError> {
    let id = SettlementId::parse(id).ok_or_else(|| AppError::not_found("settlement"))?;
    let record = closing::get(conn, &by.tenant_id, &id)
        .await?
        .ok_or_else(|| AppError::not_found("settlement"))?;
    by.sees(&record.partner_id, "settlement")?;
    Ok(record)
}

/// A page of settlements, oldest closed first.
pub async fn list(
    app: &App,
    by: &Principal,
    filter: &SettlementFilter,
    page: &PageRequest,
) -> Result<Page<SettlementRecord>, AppError> {
    by.require(Right::ReadInvoices)?;
    let filter = SettlementFilter {
        among: by.scope.assigned(),
        ..filter.clone()
    };
    let mut conn = app.store.read().await?;
    let items = closing::list(
        &mut conn,
        &by.tenant_id,
        &filter,
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    Ok(page.page(items, |s| s.id.as_str()))
}

/// One settlement explained line by line.
pub async fn get(app: &App, by: &Principal, id: &str) -> Result<SettlementDetail, AppError> {
    by.require(Right::ReadInvoices)?;
    let mut conn = app.store.read().await?;
    let record = load(&mut conn, by, id).await?;
    let transfers = closing::transfers_in(&mut conn, &record).await?;
    let contracts: Vec<_> = store::contracts_of(&mut conn, &by.tenant_id, &record.partner_id)
        .await?
        .into_iter()
        .map(|r| r.contract)
        .collect();
    let plain: Vec<&Transfer> = transfers.iter().map(|r| &r.transfer).collect();
    let computed = settlement::settle(&plain, &contracts, record.currency, record.taxation)
        .map_err(AppError::internal)?;
    if settle_core::settlement::Totals::from(&computed) != record.totals {
        tracing::error!(settlement = %record.id, "a closed settlement no longer recomputes to its totals");
    }
    let takes_back = |t: &Transfer| {
        matches!(
            t.kind,
            TransferKind::Cancellation | TransferKind::PartialRefund
        )
    };
    let taken_back: Vec<String> = transfers
        .iter()
        .filter(|r| takes_back(&r.transfer))
        .filter_map(|r| r.transfer.order_id.clone())
        .collect();
    let orders = closing::earlier_settlements_of_orders(&mut conn, &record, &taken_back).await?;
    let mut lines = Vec::with_capacity(transfers.len());
    for (stored, line) in transfers.into_iter().zip(computed.lines) {
        let transfer = stored.transfer;
        let corrects = if transfer.occurred_on < record.period_start {
            closing::covering(
                &mut conn,
                &by.tenant_id,
                &record.partner_id,
                transfer.occurred_on,
            )
            .await?
        } else if takes_back(&transfer) {
            transfer
                .order_id
                .as_ref()
                .and_then(|o| orders.get(o).cloned())
        } else {
            None
        };
        lines.push(ExplainedLine {
            transfer_id: stored.id,
            transfer,
            line,
            corrects,
        });
    }
    Ok(SettlementDetail { record, lines })
}
