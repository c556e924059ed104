//! The one path every tax-invoice action takes: the core's [`transition`] decides, then the
//! state is compare-and-set in the store, the history entry appended and the emails queued,
//! all in the caller's transaction. A lost race re-reads the invoice and answers 409 naming
//! the state it is in now.

use settle_core::tax_invoice::{
    InvalidTransition, TaxInvoiceAction, TaxInvoiceRecord, Transition, transition,
};
use std::collections::{BTreeMap, HashSet};

use settle_core::ids::{TaxInvoiceId, TenantId};
use settle_store::tax_invoices::{self, HistoryEntry, Issuance, IssueWrite};
use time::OffsetDateTime;

use crate::AppError;

impl From<InvalidTransition> for AppError {
    fn from(error: InvalidTransition) -> Self {
        AppError::conflict("tax_invoice.invalid_state", error.to_string()).with_field("state")
    }
}

/// The transition `action` makes on `record`, or the 409 naming its state (or saying
/// that a forward-issued invoice does not take it).
pub(crate) fn check(
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
) -> Result<Transition, AppError> {
    if !record.direction.allows(action) {
        return Err(AppError::conflict(
            "tax_invoice.forward_issued",
            format!(
                "{} is issued by the platform for a partner invoice; its credit and void \
                 notes amend it, so you cannot {} here",
                record.document_key.as_str(),
                action.phrase()
            ),
        )
        .with_field("direction"));
    }
    Ok(transition(record.state, action)?)
}

/// The 409 for a compare-and-set that found the invoice moved by a concurrent action:
/// names the state it is in now.
pub(crate) async fn lost_race(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
) -> AppError {
    match tax_invoices::get(tx, &record.id).await {
        Ok(Some(now)) => InvalidTransition {
            action,
            current: now.state,
        }
        .into(),
        Ok(None) => AppError::not_found("tax_invoice"),
        Err(error) => error.into(),
    }
}

/// What an action stores besides the state.
#[derive(Clone, Debug)]
pub(crate) enum Effect {
    /// Only the state moves.
    State,
    /// Issuing also stores the approval number and the signed XML.
    Issue(Issuance),
}

/// An action worked out before the write: the transition, the record as it will be, and
/// the emails it will send. Preparing takes no lock, so CPU work stays outside the write.
pub(crate) struct Prepared {
    step: Transition,
    effect: Effect,
    before: TaxInvoiceRecord,
    after: TaxInvoiceRecord,
    emails: Vec<crate::mail::Email>,
    actor: String,
    memo: Option<String>,
}

/// Whether an action tells the parties by email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Notify {
    /// Queue the emails the new state calls for.
    Parties,
    /// Send nothing (the caller sends its own).
    Nobody,
}

/// Checks `action` on `record` and works out what it leads to, with the emails the new
/// state calls for (with the memo).
pub(crate) fn prepare(
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
    effect: Effect,
    actor: &str,
    memo: Option<String>,
    notify: Notify,
    now: OffsetDateTime,
) -> Result<Prepared, AppError> {
    let step = check(record, action)?;
    let to = step
        .to()
        .ok_or_else(|| AppError::internal("a removal is not a state change"))?;
    let mut after = TaxInvoiceRecord {
        state: to,
        version: record.version + 1,
        updated_at: now,
        ..record.clone()
    };
    if let Effect::Issue(issuance) = &effect {
        after.approval_number = Some(issuance.approval_number.clone());
        after.issued_at = Some(issuance.issued_at);
    }
    let emails = match notify {
        Notify::Parties => crate::mail::templates::state_changed(&after, memo.as_deref()),
        Notify::Nobody => Vec::new(),
    };
    Ok(Prepared {
        step,
        effect,
        before: record.clone(),
        after,
        emails,
        actor: actor.to_owned(),
        memo,
    })
}

/// Writes prepared actions inside `tx`: compare-and-sets each state (issues in one
/// multi-row statement), appends the history entries of the states that changed and queues
/// the emails. Each action answers its record as it now is, or the 409 of a lost race.
/// Actions on the same invoice are written one after the other, in their order.
pub(crate) async fn write_many(
    tx: &mut settle_store::Conn,
    prepared: Vec<Prepared>,
) -> Result<Vec<Result<TaxInvoiceRecord, AppError>>, AppError> {
    let mut results: Vec<Option<Result<TaxInvoiceRecord, AppError>>> =
        (0..prepared.len()).map(|_| None).collect();
    let mut pending: Vec<(usize, Prepared)> = prepared.into_iter().enumerate().collect();
    let mut history = Vec::new();
    let mut emails: BTreeMap<TenantId, (OffsetDateTime, Vec<crate::mail::Email>)> = BTreeMap::new();
    while !pending.is_empty() {
        // A round holds each invoice once; later actions on it wait for the next round.
        let mut seen = HashSet::new();
        let (round, later): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|(_, p)| seen.insert(p.before.id.clone()));
        pending = later;
        let issued = record_issues(tx, &round).await?;
        for (index, p) in round {
            let stored = match p.effect {
                Effect::Issue(_) => issued.contains(&p.before.id),
                Effect::State => {
                    let now = p.after.updated_at;
                    tax_invoices::set_state(tx, &p.before.id, p.step.from, p.after.state, now)
                        .await?
                }
            };
            if !stored {
                results[index] = Some(Err(lost_race(tx, &p.before, p.step.action).await));
                continue;
            }
            if p.step.changes_state() {
                let at = p.after.updated_at;
                let entry = history_entry(&p.before.id, &p.step, &p.actor, p.memo, at);
                history.push((p.after.tenant_id.clone(), entry));
            }
            emails
                .entry(p.after.tenant_id.clone())
                .or_insert_with(|| (p.after.updated_at, Vec::new()))
                .1
                .extend(p.emails);
            results[index] = Some(Ok(p.after));
        }
    }
    crate::webhooks::record_histories(tx, &history).await?;
    for (tenant, (now, emails)) in emails {
        crate::mail::enqueue(tx, &tenant, emails, now).await?;
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(AppError::internal("an action was not written"))))
        .collect())
}

/// Stores the issues among `round` in one statement; the ids of those that were stored.
async fn record_issues(
    tx: &mut settle_store::Conn,
    round: &[(usize, Prepared)],
) -> Result<HashSet<TaxInvoiceId>, AppError> {
    let issues: Vec<IssueWrite<'_>> = round
        .iter()
        .filter_map(|(_, p)| match &p.effect {
            Effect::Issue(issuance) => Some(IssueWrite {
                id: &p.before.id,
                version: p.before.version,
                from: p.step.from,
                to: p.after.state,
                issuance,
            }),
            Effect::State => None,
        })
        .collect();
    Ok(tax_invoices::record_issues(tx, &issues).await?)
}

/// Writes one prepared action inside `tx` (see [`write_many`]).
pub(crate) async fn write(
    tx: &mut settle_store::Conn,
    prepared: Prepared,
) -> Result<TaxInvoiceRecord, AppError> {
    write_many(tx, vec![prepared])
        .await?
        .pop()
        .unwrap_or_else(|| Err(AppError::internal("the write answered nothing")))
}

/// Takes `action` on `record` inside `tx`, queueing the emails `notify` asks for.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    action: TaxInvoiceAction,
    effect: Effect,
    actor: &str,
    memo: Option<String>,
    notify: Notify,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, AppError> {
    let prepared = prepare(record, action, effect, actor, memo, notify, now)?;
    write(tx, prepared).await
}

/// Deletes `record` inside `tx` if the lifecycle allows it and it is still in its state.
pub(crate) async fn remove(
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
) -> Result<(), AppError> {
    let step = check(record, TaxInvoiceAction::Delete)?;
    if !tax_invoices::delete(tx, &record.id, step.from).await? {
        return Err(lost_race(tx, record, TaxInvoiceAction::Delete).await);
    }
    Ok(())
}

/// The history entry of a state change.
pub(crate) fn history_entry(
    id: &settle_core::ids::TaxInvoiceId,
    step: &Transition,
    actor: &str,
    memo: Option<String>,
    at: OffsetDateTime,
) -> HistoryEntry {
    HistoryEntry {
        tax_invoice_id: id.clone(),
        from: Some(step.from),
        to: step.to().unwrap_or(step.from),
        actor: actor.to_owned(),
        at,
        memo,
    }
}
