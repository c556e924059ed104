//! Settlement: each partner's contracts, the transfers settled under them (many at a time,
//! idempotent on their external id), and a partner's settlement for a period, computed by
//! the core from the transfers and the contract in force on each one's date; closing,
//! explaining, documenting and paying out settlements live in the submodules.

mod closing;
mod documents;
mod explain;
mod import;
mod payouts;
mod statement;

pub use closing::{CloseFailure, CloseReport, Planned, close, open, today};
pub use documents::document;
pub use explain::{ExplainedLine, SettlementDetail, SettlementFilter, get, list};
pub use import::{TRANSFER_COLUMNS, import_transfers};
pub use payouts::{
    BankAccountView, PAID_COLUMNS, PAYOUT_COLUMNS, bank_account, import_paid, mark_paid,
    payout_file, set_bank_account,
};

use std::collections::HashMap;

use settle_core::access::Right;
use settle_core::ids::{PartnerId, SettlementContractId, TransferId};
use settle_core::settlement::{
    self, Contract, ContractInput, ContractRecord, SettleError, Settlement, TransferInput,
    TransferRecord, in_force,
};
use settle_core::validation::FieldError;
use settle_store::{partners, settlement as store};
use time::Date;

use crate::auth::Principal;
use crate::{App, AppError, audit};

/// Most transfers in one request.
pub const MAX_TRANSFERS: usize = 10_000;

fn partner_id(text: Option<&str>, field: &str) -> Result<PartnerId, FieldError> {
    text.and_then(PartnerId::parse)
        .ok_or_else(|| FieldError::new("partner.not_found", field, "partner_id names no partner"))
}

/// Records a contract of a partner from its first day on.
pub async fn create_contract(
    app: &App,
    by: &Principal,
    input: ContractInput,
) -> Result<ContractRecord, AppError> {
    by.require(Right::WriteInvoices)?;
    let partner = partner_id(input.partner_id.as_deref(), "partner_id")
        .map_err(|e| AppError::validation(vec![e]))?;
    let mut tx = app.store.write().await?;
    let found = partners::get(&mut tx, &by.tenant_id, &partner)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let contract = input.validate(partner).map_err(AppError::validation)?;
    settlement::taxation_fits(&contract.taxation, found.data.brn.is_some())
        .map_err(|e| AppError::validation(vec![e]))?;
    let closed = store::closing::last_closed(&mut tx, &by.tenant_id, Some(&found.id)).await?;
    if let Some(end) = closed
        .get(&found.id)
        .map(|reach| reach.end)
        .filter(|end| contract.effective_from <= *end)
    {
        return Err(AppError::conflict(
            "settlement_contract.closed_period",
            format!(
                "the partner's settlements are closed through {end}; a new contract starts after it"
            ),
        )
        .with_field("effective_from"));
    }
    let now = app.now();
    let record = ContractRecord {
        id: SettlementContractId::generate(),
        tenant_id: by.tenant_id.clone(),
        contract,
        created_at: now,
    };
    if !store::insert_contract(&mut tx, &record).await? {
        return Err(AppError::conflict(
            "settlement_contract.exists",
            format!(
                "the partner has a contract from {} already",
                record.contract.effective_from
            ),
        )
        .with_field("effective_from"));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "settlement_contract.created",
        ("settlement_contract", record.id.as_str()),
        serde_json::json!({"partner_id": record.contract.partner_id, "effective_from": record.contract.effective_from.to_string()}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(record)
}

/// A partner's contracts, oldest first.
pub async fn contracts(
    app: &App,
    by: &Principal,
    partner: &str,
) -> Result<Vec<ContractRecord>, AppError> {
    by.require(Right::ReadInvoices)?;
    let partner = PartnerId::parse(partner).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let mut conn = app.store.read().await?;
    Ok(store::contracts_of(&mut conn, &by.tenant_id, &partner).await?)
}

/// What recording transfers did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferReport {
    /// Transfers stored now.
    pub recorded: usize,
    /// External ids recorded before (sent again; nothing changed).
    pub already_recorded: Vec<String>,
}

/// Records transfers in one transaction, all or nothing: every problem of every transfer
/// is reported, its fields prefixed with its index (`transfers[3].amount`). A transfer
/// whose external id the tenant recorded before is skipped and reported.
pub async fn record_transfers(
    app: &App,
    by: &Principal,
    inputs: Vec<TransferInput>,
) -> Result<TransferReport, AppError> {
    let labelled = inputs
        .into_iter()
        .enumerate()
        .map(|(index, input)| (format!("transfers[{index}]"), input))
        .collect();
    record_labelled(app, by, labelled).await
}

/// [`record_transfers`] with each transfer's errors prefixed by its own label.
pub(crate) async fn record_labelled(
    app: &App,
    by: &Principal,
    inputs: Vec<(String, TransferInput)>,
) -> Result<TransferReport, AppError> {
    by.require(Right::WriteInvoices)?;
    if inputs.len() > MAX_TRANSFERS {
        return Err(AppError::invalid(
            "transfer.too_many",
            "transfers",
            format!("at most {MAX_TRANSFERS} transfers at a time"),
        ));
    }
    let now = app.now();
    let mut tx = app.store.write().await?;
    let mut contracts: HashMap<PartnerId, Vec<Contract>> = HashMap::new();
    let mut errors = Vec::new();
    let mut records = Vec::with_capacity(inputs.len());
    for (label, input) in inputs {
        let prefix = |mut e: FieldError| {
            e.field = format!("{label}.{}", e.field);
            e
        };
        let partner = match partner_id(input.partner_id.as_deref(), "partner_id") {
            Ok(partner) if by.sees(&partner, "partner").is_ok() => partner,
            Ok(_) | Err(_) => {
                errors.push(prefix(FieldError::new(
                    "partner.not_found",
                    "partner_id",
                    "partner_id names no partner",
                )));
                continue;
            }
        };
        if !contracts.contains_key(&partner) {
            let found = store::contracts_of(&mut tx, &by.tenant_id, &partner).await?;
            let terms = found.into_iter().map(|r| r.contract).collect();
            contracts.insert(partner.clone(), terms);
        }
        let terms = &contracts[&partner];
        let Some(currency) = terms.last().map(|c| c.currency) else {
            errors.push(prefix(FieldError::new(
                "transfer.no_contract",
                "partner_id",
                "the partner has no settlement contract; create one first",
            )));
            continue;
        };
        match input.validate(partner.clone(), currency) {
            Ok(transfer) if in_force(terms, &partner, transfer.occurred_on).is_none() => {
                errors.push(prefix(FieldError::new(
                    "transfer.no_contract",
                    "occurred_on",
                    format!(
                        "no contract of the partner is in force on {}",
                        transfer.occurred_on
                    ),
                )));
            }
            Ok(transfer) => records.push(TransferRecord {
                id: TransferId::generate(),
                tenant_id: by.tenant_id.clone(),
                transfer,
                created_at: now,
            }),
            Err(found) => errors.extend(found.into_iter().map(prefix)),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let stored = store::insert_transfers(&mut tx, &records).await?;
    let already_recorded: Vec<String> = records
        .iter()
        .filter(|r| !stored.contains(&r.id))
        .map(|r| r.transfer.external_id.clone())
        .collect();
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "transfers.recorded",
        ("tenant", by.tenant_id.as_str()),
        serde_json::json!({"recorded": stored.len(), "already_recorded": already_recorded.len()}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(TransferReport {
        recorded: stored.len(),
        already_recorded,
    })
}

/// A partner's settlement of the transfers from `from` to `to` (both included), each under
/// its contract of that day, taxed as the contract in force on `to` says.
pub async fn settlement_of(
    app: &App,
    by: &Principal,
    partner: &str,
    from: Date,
    to: Date,
) -> Result<Settlement, AppError> {
    by.require(Right::ReadInvoices)?;
    let partner = PartnerId::parse(partner).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let mut conn = app.store.read().await?;
    let contracts: Vec<_> = store::contracts_of(&mut conn, &by.tenant_id, &partner)
        .await?
        .into_iter()
        .map(|r| r.contract)
        .collect();
    let Some(terms) = in_force(&contracts, &partner, to) else {
        return Err(AppError::conflict(
            "transfer.no_contract",
            format!("the partner has no settlement contract in force on {to}"),
        ));
    };
    let (currency, taxation) = (terms.currency, terms.taxation);
    let transfers: Vec<_> = store::transfers_of(&mut conn, &by.tenant_id, &partner, from, to)
        .await?
        .into_iter()
        .map(|r| r.transfer)
        .collect();
    settlement::settle(&transfers, &contracts, currency, taxation).map_err(|e| match e {
        SettleError::NoContract { .. } => AppError::conflict("transfer.no_contract", e.to_string()),
        SettleError::Money(money) => {
            AppError::invalid("settlement.overflow", "transfers", money.to_string())
        }
    })
}
