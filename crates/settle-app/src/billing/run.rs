//! Billing runs: every unbilled charge of a period goes onto a draft per partner, billing
//! profile (so billing currency), series, and first-party or marketplace. A run adds to the
//! period's drafts that are still open to it and makes new ones for the rest; the charges
//! it takes are claimed in the same transaction, so nothing is billed twice.

use std::collections::HashMap;

use settle_core::access::Right;
use settle_core::billing::{
    ChargeRecord, Document, DocumentKind, DocumentLine, DocumentStatus, Period, Series, Totals,
    price, totals,
};
use settle_core::ids::{BillingProfileId, BillingRunId, InvoiceId, InvoiceLineId, PartnerId};
use settle_store::billing::runs::{self, BillingRun};
use settle_store::billing::{charges, documents, lines, profiles};
use settle_store::tenants;

use super::{changed_meanwhile, today};
use crate::auth::Principal;
use crate::{App, AppError, audit};

/// What puts two charges on the same invoice.
#[derive(Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    partner: PartnerId,
    profile: BillingProfileId,
    series: Series,
    marketplace: bool,
}

/// Parses a period and refuses months that have not begun.
fn billable_period(app: &App, text: &str) -> Result<Period, AppError> {
    let period = Period::parse(text).ok_or_else(|| {
        AppError::invalid(
            "billing_run.invalid_period",
            "period",
            "period is YYYY-MM, e.g. 2026-10",
        )
    })?;
    if period.start() > today(app) {
        return Err(AppError::invalid(
            "billing_run.future_period",
            "period",
            format!("{period} has not begun; its charges cannot be billed yet"),
        ));
    }
    Ok(period)
}

/// A draft growing within this run.
struct Draft {
    document: Document,
    /// Where its new lines are in the run's list of lines, in order.
    new_lines: Vec<usize>,
    existing: bool,
}

/// Bills every unbilled charge of `period`.
pub async fn run_billing(app: &App, by: &Principal, period: &str) -> Result<BillingRun, AppError> {
    by.require(Right::WriteInvoices)?;
    let period = billable_period(app, period)?;
    let now = app.now();
    let run_id = BillingRunId::generate();
    let mut tx = app.store.write().await?;
    let tenant = tenants::get(&mut tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let rounding = tenant.billing_rounding();
    let claimed = charges::claim(&mut tx, &by.tenant_id, period, &run_id).await?;
    let profiles: HashMap<(PartnerId, settle_core::currency::Currency), BillingProfileId> =
        profiles::of_tenant(&mut tx, &by.tenant_id)
            .await?
            .into_iter()
            .map(|p| ((p.partner_id, p.currency), p.id))
            .collect();
    let mut drafts: HashMap<GroupKey, Draft> = HashMap::new();
    let mut order: Vec<GroupKey> = Vec::new();
    for existing in documents::drafts_of_period(&mut tx, &by.tenant_id, period).await? {
        if existing.kind != DocumentKind::Invoice {
            continue;
        }
        let key = GroupKey {
            partner: existing.partner_id.clone(),
            profile: existing.profile_id.clone(),
            series: existing.series,
            marketplace: existing.marketplace,
        };
        drafts.insert(
            key,
            Draft {
                document: existing,
                new_lines: Vec::new(),
                existing: true,
            },
        );
    }
    // Every line goes into one list, in the order of the charges, and takes its charge's
    // item rather than a copy; each draft notes where its lines are.
    let charges_billed = claimed.len() as i64;
    let mut all_lines: Vec<DocumentLine> = Vec::with_capacity(claimed.len());
    for record in claimed {
        let ChargeRecord { id, charge, .. } = record;
        let profile = profiles
            .get(&(charge.partner_id.clone(), charge.billing_currency))
            .ok_or_else(|| AppError::internal(format!("charge {id} has no billing profile")))?;
        let key = GroupKey {
            partner: charge.partner_id.clone(),
            profile: profile.clone(),
            series: charge.series,
            marketplace: charge.marketplace,
        };
        let draft = drafts.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Draft {
                document: new_draft(by, &key, period, charge.billing_currency, &run_id, now),
                new_lines: Vec::new(),
                existing: false,
            }
        });
        let priced = price(&charge.item, charge.billing_currency, rounding).map_err(|e| {
            AppError::invalid("charge.overflow", "charges", format!("charge {id}: {e}"))
        })?;
        let line_no = draft.document.line_count + draft.new_lines.len() as i64 + 1;
        draft.new_lines.push(all_lines.len());
        all_lines.push(DocumentLine {
            id: InvoiceLineId::generate(),
            invoice_id: draft.document.id.clone(),
            line_no,
            charge_id: Some(id),
            credits_line_id: None,
            item: charge.item,
            priced,
        });
    }
    let mut created = Vec::new();
    let mut extended = Vec::new();
    for draft in drafts.into_values().filter(|d| !d.new_lines.is_empty()) {
        let Draft {
            mut document,
            new_lines,
            existing,
        } = draft;
        let added = totals(
            document.series,
            new_lines.iter().map(|&line| all_lines[line].amounts()),
            document.currency,
        )
        .map_err(|e| AppError::invalid("charge.overflow", "charges", e.to_string()))?;
        document.totals = document
            .totals
            .plus(&added)
            .map_err(|e| AppError::invalid("charge.overflow", "charges", e.to_string()))?;
        document.line_count += new_lines.len() as i64;
        if existing {
            document.version += 1;
            document.updated_at = now;
            document.run_id = Some(run_id.clone());
            extended.push(document);
        } else {
            created.push(document);
        }
    }
    created.sort_by(|a, b| a.id.cmp(&b.id));
    documents::insert_many(&mut tx, &created).await?;
    for document in &extended {
        if !documents::update_totals(&mut tx, document).await? {
            return Err(changed_meanwhile(document));
        }
    }
    lines::insert_many(&mut tx, &all_lines).await?;
    let run = BillingRun {
        id: run_id,
        tenant_id: by.tenant_id.clone(),
        period,
        actor: by.actor.clone(),
        charges_billed,
        invoices_created: created.len() as i64,
        invoices_extended: extended.len() as i64,
        created_at: now,
    };
    runs::insert(&mut tx, &run).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "billing_run.completed",
        ("billing_run", run.id.as_str()),
        serde_json::json!({
            "period": period.to_string(),
            "charges_billed": run.charges_billed,
            "invoices_created": run.invoices_created,
            "invoices_extended": run.invoices_extended,
        }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(run)
}

fn new_draft(
    by: &Principal,
    key: &GroupKey,
    period: Period,
    currency: settle_core::currency::Currency,
    run: &BillingRunId,
    now: time::OffsetDateTime,
) -> Document {
    Document {
        id: InvoiceId::generate(),
        tenant_id: by.tenant_id.clone(),
        partner_id: key.partner.clone(),
        profile_id: key.profile.clone(),
        kind: DocumentKind::Invoice,
        series: key.series,
        number: None,
        status: DocumentStatus::Draft,
        marketplace: key.marketplace,
        period,
        currency,
        run_id: Some(run.clone()),
        original_id: None,
        original_number: None,
        details: None,
        totals: Totals::zero(currency),
        settled: rust_decimal::Decimal::ZERO,
        line_count: 0,
        document_date: None,
        due_date: None,
        tax_invoice_number: None,
        reason: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// One billing run.
pub async fn get_run(app: &App, by: &Principal, id: &str) -> Result<BillingRun, AppError> {
    by.require(Right::ReadInvoices)?;
    let id = BillingRunId::parse(id).ok_or_else(|| AppError::not_found("billing_run"))?;
    let mut conn = app.store.read().await?;
    runs::get(&mut conn, &id)
        .await?
        .filter(|r| r.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("billing_run"))
}
