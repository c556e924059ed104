//! Closing settlements: every cycle that has ended, of one partner or of all, computed from
//! the open transfers and stored in one transaction with its reach (which decides the
//! transfers it holds), its `settlement.closed` event and its statement email. Once closed, the amounts
//! never change; a later transfer of a closed cycle lands in the next one.

use std::collections::HashMap;

use futures::TryStreamExt;
use serde::Serialize;
use settle_core::access::Right;
use settle_core::ids::{PartnerId, SettlementId, TenantId};
use settle_core::settlement::{
    self, Contract, SettleError, Settlement, SettlementRecord, SettlementState, Totals, Transfer,
    cycles_to_close,
};
use settle_store::settlement::{self as store, closing};
use time::{Date, OffsetDateTime};

use super::statement;
use crate::auth::Principal;
use crate::{App, AppError, audit};

/// A partner whose cycles could not be closed, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CloseFailure {
    /// The partner.
    pub partner_id: String,
    /// A stable code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// What a close did.
#[derive(Clone, Debug, Default)]
pub struct CloseReport {
    /// The settlements closed, by partner then cycle.
    pub closed: Vec<SettlementRecord>,
    /// The partners left open.
    pub failed: Vec<CloseFailure>,
}

/// A cycle as it would close now: its record (not stored) and its lines.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The settlement as it would be stored.
    pub record: SettlementRecord,
    /// Its computation, line by line.
    pub settlement: Settlement,
    /// Its transfers, a line each.
    pub transfers: Vec<Transfer>,
}

/// Today in Korea, the day cycles are judged ended by.
pub fn today(app: &App) -> Date {
    app.now().to_offset(settle_core::KST).date()
}

fn failure(partner: &PartnerId, error: &SettleError) -> CloseFailure {
    CloseFailure {
        partner_id: partner.to_string(),
        code: match error {
            SettleError::NoContract { .. } => "transfer.no_contract",
            SettleError::Money(_) => "settlement.overflow",
        },
        message: error.to_string(),
    }
}

/// The cycles of `partner` ending by `through`, computed from its unsettled `transfers`.
pub(crate) fn plan(
    tenant: &TenantId,
    partner: &PartnerId,
    transfers: &[Transfer],
    contracts: &[Contract],
    last_closed: Option<Date>,
    through: Date,
    now: OffsetDateTime,
) -> Result<Vec<Planned>, SettleError> {
    let cycles = cycles_to_close(partner, transfers, contracts, last_closed, through)?;
    cycles
        .into_iter()
        .map(|cycle| {
            let terms = cycle.contract;
            let settlement =
                settlement::settle(&cycle.transfers, contracts, terms.currency, terms.taxation)?;
            let record = SettlementRecord {
                id: SettlementId::generate(),
                tenant_id: tenant.clone(),
                partner_id: partner.clone(),
                period_start: cycle.start,
                period_end: cycle.end,
                payout_date: terms.cycle.payout_date(cycle.end),
                currency: terms.currency,
                taxation: terms.taxation,
                totals: Totals::from(&settlement),
                state: SettlementState::Closed,
                tax_invoice_id: None,
                payout: None,
                closed_at: now,
                updated_at: now,
            };
            let transfers = cycle.transfers.into_iter().cloned().collect();
            Ok(Planned {
                record,
                settlement,
                transfers,
            })
        })
        .collect()
}

fn contracts_by_partner(
    records: Vec<settle_core::settlement::ContractRecord>,
) -> HashMap<PartnerId, Vec<Contract>> {
    let mut out: HashMap<PartnerId, Vec<Contract>> = HashMap::new();
    for record in records {
        out.entry(record.contract.partner_id.clone())
            .or_default()
            .push(record.contract);
    }
    out
}

fn through_ended(app: &App, through: Date) -> Result<(), AppError> {
    if through >= today(app) {
        return Err(AppError::invalid(
            "settlement.not_ended",
            "through",
            format!(
                "cycles close once they have ended: through must be before today ({})",
                today(app)
            ),
        ));
    }
    Ok(())
}

/// Closes every cycle that has ended by `through` (a day before today), of one partner or
/// of every partner the caller sees, oldest first. With a partner and nothing to close:
/// 409 `settlement.nothing_to_close` (a concurrent close got there first).
pub async fn close(
    app: &App,
    by: &Principal,
    through: Date,
    partner: Option<&str>,
) -> Result<CloseReport, AppError> {
    by.require(Right::WriteInvoices)?;
    through_ended(app, through)?;
    let partner = match partner {
        Some(text) => {
            let id = PartnerId::parse(text).ok_or_else(|| AppError::not_found("partner"))?;
            by.sees(&id, "partner")?;
            Some(id)
        }
        None => None,
    };
    let now = app.now();
    let tenant = &by.tenant_id;
    let mut tx = app.store.write().await?;
    if let Some(id) = &partner {
        settle_store::partners::get(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| AppError::not_found("partner"))?;
    }
    let through_seq = closing::lock_transfers(&mut tx).await?;
    let contracts =
        contracts_by_partner(store::contracts(&mut tx, tenant, partner.as_ref()).await?);
    let last_closed = closing::last_closed(&mut tx, tenant, partner.as_ref()).await?;
    let mut report = CloseReport::default();
    let mut planned = Vec::new();
    {
        let query = closing::UnsettledQuery::new(&tx, tenant, partner.as_ref(), through);
        let mut rows = query.fetch(&mut tx);
        while let Some((partner_id, transfers)) = rows.try_next().await? {
            if by.sees(&partner_id, "partner").is_err() {
                continue;
            }
            let terms = contracts
                .get(&partner_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let last = last_closed.get(&partner_id).map(|reach| reach.end);
            match plan(tenant, &partner_id, &transfers, terms, last, through, now) {
                Ok(cycles) => planned.extend(cycles.into_iter().map(|p| p.record)),
                Err(error) => report.failed.push(failure(&partner_id, &error)),
            }
        }
    }
    if planned.is_empty() && report.failed.is_empty() && partner.is_some() {
        return Err(AppError::conflict(
            "settlement.nothing_to_close",
            format!("no cycle with unsettled transfers has ended by {through}"),
        ));
    }
    let records: Vec<SettlementRecord> = planned;
    if !closing::insert(&mut tx, &records, through_seq).await? {
        return Err(AppError::conflict(
            "settlement.closed",
            "one of these cycles was closed meanwhile",
        ));
    }
    let mut events = Vec::with_capacity(records.len());
    for record in &records {
        events.push(audit(
            tenant,
            &by.actor,
            "settlement.closed",
            ("settlement", record.id.as_str()),
            serde_json::json!({
                "partner_id": record.partner_id,
                "period_start": record.period_start.to_string(),
                "period_end": record.period_end.to_string(),
                "currency": record.currency.code(),
                "owed": record.totals.owed.to_string(),
                "payout": record.totals.payout.to_string(),
            }),
            now,
        ));
    }
    crate::webhooks::record_many(&mut tx, &events).await?;
    statement::enqueue(&mut tx, tenant, &records, now).await?;
    tx.commit().await?;
    report.closed = records;
    Ok(report)
}

/// The cycles of a partner that would close through `through` now, with their lines (what
/// [`close`] would store; nothing is written).
pub async fn open(
    app: &App,
    by: &Principal,
    partner: &str,
    through: Date,
) -> Result<Vec<Planned>, AppError> {
    by.require(Right::ReadInvoices)?;
    let partner = PartnerId::parse(partner).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let tenant = &by.tenant_id;
    let mut conn = app.store.read().await?;
    let contracts: Vec<Contract> = store::contracts_of(&mut conn, tenant, &partner)
        .await?
        .into_iter()
        .map(|r| r.contract)
        .collect();
    let last = closing::last_closed(&mut conn, tenant, Some(&partner))
        .await?
        .get(&partner)
        .map(|reach| reach.end);
    let query = closing::UnsettledQuery::new(&conn, tenant, Some(&partner), through);
    let transfers = query
        .fetch(&mut conn)
        .try_next()
        .await?
        .map(|(_, t)| t)
        .unwrap_or_default();
    plan(
        tenant,
        &partner,
        &transfers,
        &contracts,
        last,
        through,
        app.now(),
    )
    .map_err(|e| AppError::conflict(failure(&partner, &e).code, e.to_string()))
}
