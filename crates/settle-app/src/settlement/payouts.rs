//! Paying settlements out: partners' bank accounts (the number sealed at rest like a
//! private key), the payout file a bank's bulk transfer takes, and payouts recorded as
//! made, one at a time or from a file. settle moves no money itself.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;
use settle_core::access::Right;
use settle_core::ids::PartnerId;
use settle_core::settlement::{
    BankAccountInput, Payout, SettlementAction, SettlementRecord, SettlementState,
};
use settle_core::validation::{Checker, FieldError};
use settle_store::settlement::bank::{self, BankAccountRow};
use settle_store::settlement::closing::{self, SettlementFilter};
use settle_tabular::read_table;
use settle_tabular::write::{Cell, CsvRows, RowSink};
use time::Date;

use super::explain::load;
use crate::auth::Principal;
use crate::certificates::secret_key;
use crate::import::map_columns;
use crate::{App, AppError, audit};

/// The columns of a payout file: what a bank's bulk transfer takes, then the settlement
/// paid (so the file, with `paid_on` added, can be imported back as paid).
pub const PAYOUT_COLUMNS: [&str; 6] = [
    "bank_code",
    "account",
    "holder",
    "amount",
    "memo",
    "settlement_id",
];
/// The columns of a file of payouts made.
pub const PAID_COLUMNS: [&str; 3] = ["settlement_id", "paid_on", "reference"];
/// Longest payout reference.
pub const MAX_REFERENCE: usize = 100;

fn sealing_context(partner: &PartnerId) -> String {
    format!("{partner}/bank_account")
}

/// A bank account as shown: the number never leaves sealed, only its last digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BankAccountView {
    /// The partner.
    pub partner_id: String,
    /// Three-digit bank code.
    pub bank_code: String,
    /// The holder.
    pub holder: String,
    /// The account's last four digits.
    pub account_last4: String,
}

impl From<&BankAccountRow> for BankAccountView {
    fn from(row: &BankAccountRow) -> Self {
        BankAccountView {
            partner_id: row.partner_id.clone(),
            bank_code: row.bank_code.clone(),
            holder: row.holder.clone(),
            account_last4: row.account_last4.clone(),
        }
    }
}

/// Sets (or replaces) where a partner's payouts go.
pub async fn set_bank_account(
    app: &App,
    by: &Principal,
    partner: &str,
    input: BankAccountInput,
) -> Result<BankAccountView, AppError> {
    by.require(Right::WritePartners)?;
    let partner = PartnerId::parse(partner).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let account = input.validate().map_err(AppError::validation)?;
    let key = secret_key(app)?;
    let sealed = key
        .seal(account.account.as_bytes(), &sealing_context(&partner))
        .map_err(AppError::internal)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    settle_store::partners::get(&mut tx, &by.tenant_id, &partner)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    let row = BankAccountRow {
        partner_id: partner.to_string(),
        tenant_id: by.tenant_id.to_string(),
        bank_code: account.bank_code.clone(),
        holder: account.holder.clone(),
        account_sealed: sealed,
        account_last4: account.last4().to_owned(),
        updated_at: now,
    };
    bank::put(&mut tx, &row).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "partner.bank_account_set",
        ("partner", partner.as_str()),
        serde_json::json!({"bank_code": row.bank_code, "account_last4": row.account_last4}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(BankAccountView::from(&row))
}

/// A partner's bank account, as shown.
pub async fn bank_account(
    app: &App,
    by: &Principal,
    partner: &str,
) -> Result<BankAccountView, AppError> {
    by.require(Right::ReadPartners)?;
    let partner = PartnerId::parse(partner).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let mut conn = app.store.read().await?;
    let rows = bank::of_partners(
        &mut conn,
        &by.tenant_id,
        Some(std::slice::from_ref(&partner)),
    )
    .await?;
    rows.first()
        .map(BankAccountView::from)
        .ok_or_else(|| AppError::not_found("bank_account"))
}

/// The payout file of the unpaid settlements to be paid by `payout_date`: a CSV row per
/// settlement with a positive payout, in payout-date then partner order; 409
/// `payout.bank_account_missing` naming the partners without an account.
pub async fn payout_file(
    app: &App,
    by: &Principal,
    payout_date: Date,
) -> Result<(Vec<u8>, usize, Decimal), AppError> {
    by.require(Right::ReadInvoices)?;
    let key = secret_key(app)?;
    let mut conn = app.store.read().await?;
    let filter = SettlementFilter {
        state: Some(SettlementState::Closed),
        among: by.scope.assigned(),
        ..SettlementFilter::default()
    };
    let mut due: Vec<SettlementRecord> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = closing::list(&mut conn, &by.tenant_id, &filter, after.as_deref(), 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.to_string());
        due.extend(
            page.into_iter()
                .filter(|s| s.payout_date <= payout_date && s.totals.payout > Decimal::ZERO),
        );
    }
    due.sort_by(|a, b| (a.payout_date, &a.partner_id).cmp(&(b.payout_date, &b.partner_id)));
    let accounts: HashMap<String, BankAccountRow> =
        bank::of_partners(&mut conn, &by.tenant_id, None)
            .await?
            .into_iter()
            .map(|row| (row.partner_id.clone(), row))
            .collect();
    let mut missing: Vec<String> = due
        .iter()
        .map(|s| s.partner_id.to_string())
        .filter(|p| !accounts.contains_key(p))
        .collect();
    missing.dedup();
    if !missing.is_empty() {
        return Err(AppError::conflict(
            "payout.bank_account_missing",
            format!(
                "these partners have no bank account: {}",
                missing.join(", ")
            ),
        ));
    }
    let mut rows = CsvRows::new(Vec::new(), &PAYOUT_COLUMNS).map_err(AppError::internal)?;
    let mut total = Decimal::ZERO;
    for s in &due {
        let row = &accounts[s.partner_id.as_str()];
        let account = key
            .open(&row.account_sealed, &sealing_context(&s.partner_id))
            .map_err(AppError::internal)?;
        let account = String::from_utf8(account).map_err(AppError::internal)?;
        let memo = format!("정산 {}~{}", s.period_start, s.period_end);
        total += s.totals.payout;
        rows.row(&[
            Cell::text(Some(&row.bank_code)),
            Cell::text(Some(&account)),
            Cell::text(Some(&row.holder)),
            Cell::decimal(Some(s.totals.payout)),
            Cell::text(Some(&memo)),
            Cell::text(Some(s.id.as_str())),
        ])
        .map_err(AppError::internal)?;
    }
    let bytes = rows.finish().map_err(AppError::internal)?;
    Ok((bytes, due.len(), total))
}

/// Records one settlement's payout as made.
pub async fn mark_paid(
    app: &App,
    by: &Principal,
    id: &str,
    paid_on: Option<String>,
    reference: Option<String>,
) -> Result<SettlementRecord, AppError> {
    by.require(Right::WriteInvoices)?;
    let payout = payout_input(paid_on, reference).map_err(AppError::validation)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let record = load(&mut tx, by, id).await?;
    let paid = pay(&mut tx, by, record, payout, now).await?;
    tx.commit().await?;
    Ok(paid)
}

fn payout_input(
    paid_on: Option<String>,
    reference: Option<String>,
) -> Result<Payout, Vec<FieldError>> {
    let mut check = Checker::new("payout");
    let missing = paid_on.is_none();
    let paid_on = check.date("paid_on", paid_on);
    if missing {
        check.fail("missing_field", "paid_on", "paid_on is required");
    }
    let reference = check.text("reference", reference, MAX_REFERENCE);
    let payout = Payout {
        paid_on: paid_on.unwrap_or(Date::MIN),
        reference,
    };
    check.finish(payout)
}

async fn pay(
    tx: &mut settle_store::Conn,
    by: &Principal,
    record: SettlementRecord,
    payout: Payout,
    now: time::OffsetDateTime,
) -> Result<SettlementRecord, AppError> {
    let state = record
        .after(SettlementAction::MarkPaid)
        .map_err(|e| AppError::conflict(e.code, e.message))?;
    if !closing::mark_paid(tx, &record.id, &payout, now).await? {
        return Err(AppError::conflict(
            "settlement.paid",
            "the settlement was recorded as paid meanwhile",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "settlement.paid",
        ("settlement", record.id.as_str()),
        serde_json::json!({
            "partner_id": record.partner_id,
            "payout": record.totals.payout.to_string(),
            "paid_on": payout.paid_on.to_string(),
            "reference": payout.reference,
        }),
        now,
    );
    crate::webhooks::record(tx, &event).await?;
    Ok(SettlementRecord {
        state,
        payout: Some(payout),
        updated_at: now,
        ..record
    })
}

/// Records the payouts of a file (`settlement_id`, `paid_on`, `reference`; a payout file
/// with `paid_on` added will do: other columns are ignored), all or nothing: every bad row
/// is reported as `rows[N].field` with N the 1-based data row.
pub async fn import_paid(
    app: &App,
    by: &Principal,
    file: &[u8],
) -> Result<Vec<SettlementRecord>, AppError> {
    by.require(Right::WriteInvoices)?;
    let table = read_table(file).map_err(|e| AppError::invalid(e.code(), "file", e.to_string()))?;
    let mut known: Vec<&'static str> = PAID_COLUMNS.to_vec();
    known.extend(PAYOUT_COLUMNS.iter().filter(|c| !PAID_COLUMNS.contains(c)));
    let columns = map_columns(&table.headers, &known, &["settlement_id", "paid_on"])?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let mut errors = Vec::new();
    let mut paid = Vec::new();
    for row in table.rows {
        let cell = |name: &str| {
            columns
                .get(name)
                .and_then(|&i| row.cells.get(i))
                .filter(|c| !c.trim().is_empty())
                .cloned()
        };
        let prefix = |mut e: FieldError| {
            e.field = format!("rows[{}].{}", row.number, e.field);
            e
        };
        let payout = match payout_input(cell("paid_on"), cell("reference")) {
            Ok(payout) => payout,
            Err(found) => {
                errors.extend(found.into_iter().map(prefix));
                continue;
            }
        };
        let id = cell("settlement_id").unwrap_or_default();
        let outcome = match load(&mut tx, by, id.trim()).await {
            Ok(record) => pay(&mut tx, by, record, payout, now).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(record) => paid.push(record),
            Err(error) => errors.push(prefix(FieldError::new(
                error.code.clone(),
                "settlement_id",
                error.message.clone(),
            ))),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    tx.commit().await?;
    Ok(paid)
}
