//! The consolidated account statement of a partner in one currency: every finalized
//! document with what is outstanding on it and whether it is paid, due or overdue, the
//! payments with what is left of them, and the balance. Everything is as of a date:
//! documents and payments dated after it, and what they settled, are left out.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use settle_core::access::Right;
use settle_core::billing::ledger::Balance;
use settle_core::billing::{
    Document, DocumentAction, DocumentKind, DocumentStatus, PaymentStatus, document_transition,
};
use settle_core::currency::Currency;
use settle_core::ids::PartnerId;
use settle_store::billing::payments::{self, Payment};
use settle_store::billing::{documents, profiles};
use settle_store::partners;
use time::Date;

use super::today;
use crate::auth::Principal;
use crate::{App, AppError};

/// One document on a statement.
#[derive(Clone, Debug)]
pub struct StatementLine {
    /// The document.
    pub document: Document,
    /// Outstanding as of the statement date (negative: credit not yet used).
    pub outstanding: Decimal,
    /// Paid, due or overdue as of the statement date.
    pub payment_status: PaymentStatus,
}

/// A partner's statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The partner.
    pub partner_id: PartnerId,
    /// The currency.
    pub currency: Currency,
    /// The date it is drawn up on.
    pub as_of: Date,
    /// Every finalized, unvoided document dated on or before `as_of`, oldest first.
    pub documents: Vec<StatementLine>,
    /// Payments received on or before `as_of`, with what of each is not applied.
    pub payments: Vec<(Payment, Decimal)>,
    /// What the partner owes (negative: its credit).
    pub balance: Decimal,
    /// The part of the balance that is past due.
    pub overdue: Decimal,
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::invalid("statement.invalid_query", field, message)
}

/// The statement of `partner` in `currency` (default: its only billing currency) as of
/// `as_of` (default: today).
pub async fn statement(
    app: &App,
    by: &Principal,
    partner: &str,
    currency: Option<&str>,
    as_of: Option<&str>,
) -> Result<Statement, AppError> {
    by.require(Right::ReadInvoices)?;
    let partner = PartnerId::parse(partner).ok_or_else(|| AppError::not_found("partner"))?;
    by.sees(&partner, "partner")?;
    let as_of = match as_of {
        Some(text) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            Date::parse(text, &format).map_err(|_| invalid("as_of", "as_of is YYYY-MM-DD"))?
        }
        None => today(app),
    };
    let mut conn = app.store.read().await?;
    partners::get(&mut conn, &by.tenant_id, &partner)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    let billed_in: Vec<Currency> = profiles::of_partner(&mut conn, &by.tenant_id, &partner)
        .await?
        .into_iter()
        .map(|p| p.currency)
        .collect();
    let currency = match currency {
        Some(code) => Currency::parse(code)
            .map_err(|e| AppError::invalid(e.code(), "currency", e.to_string()))?,
        None => match billed_in.as_slice() {
            [only] => *only,
            _ => {
                return Err(invalid(
                    "currency",
                    "the partner is billed in several currencies (or none); name one",
                ));
            }
        },
    };
    let all = documents::finalized_of_partner(&mut conn, &by.tenant_id, &partner, currency).await?;
    let dated = |d: &Document| d.document_date.is_some_and(|date| date <= as_of);
    let voided: HashSet<_> = all
        .iter()
        .filter(|d| d.kind == DocumentKind::VoidNote && dated(d))
        .filter_map(|d| d.original_id.clone())
        .collect();
    let shown: Vec<Document> = all
        .into_iter()
        .filter(|d| dated(d) && d.kind != DocumentKind::VoidNote && !voided.contains(&d.id))
        .collect();
    let ids: Vec<&str> = shown.iter().map(|d| d.id.as_str()).collect();
    let mut allocations = payments::allocations_to(&mut conn, &ids).await?;
    allocations.retain(|a| a.on_date <= as_of);
    let mut settled_to: HashMap<&str, Decimal> = HashMap::new();
    let mut settled_from: HashMap<&str, Decimal> = HashMap::new();
    for a in &allocations {
        *settled_to.entry(a.invoice_id.as_str()).or_default() += a.amount;
        *settled_from.entry(a.source_id.as_str()).or_default() += a.amount;
    }
    let mut lines = Vec::with_capacity(shown.len());
    for document in shown {
        let id = document.id.as_str();
        let settled = match document.kind {
            DocumentKind::Invoice => settled_to.get(id),
            _ => settled_from.get(id),
        }
        .copied()
        .unwrap_or_default();
        let as_then = Document {
            settled,
            status: DocumentStatus::Open,
            ..document
        };
        let outstanding = as_then.outstanding();
        let payment_status = as_then.payment_status(as_of);
        lines.push(StatementLine {
            document: Document {
                status: document_transition(&as_then, DocumentAction::Settle)
                    .unwrap_or(as_then.status),
                ..as_then
            },
            outstanding,
            payment_status,
        });
    }
    let mut received = Vec::new();
    for payment in payments::of_partner(&mut conn, &by.tenant_id, &partner, currency).await? {
        if payment.paid_on > as_of {
            continue;
        }
        let used = settled_from
            .get(payment.id.as_str())
            .copied()
            .unwrap_or_default();
        let left = payment.amount - used;
        received.push((payment, left));
    }
    let Balance { balance, overdue } = Balance::of(
        lines.iter().map(|l| (l.outstanding, l.payment_status)),
        received.iter().map(|(_, left)| *left),
    );
    Ok(Statement {
        partner_id: partner,
        currency,
        as_of,
        documents: lines,
        payments: received,
        balance,
        overdue,
    })
}

impl Statement {
    /// The statement as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read
    /// Korean text): one row per document and payment, then the balance and the overdue
    /// part. Amounts are plain decimals with the currency's decimals, dates `YYYY-MM-DD`.
    pub fn to_csv(&self) -> Result<Vec<u8>, AppError> {
        let money = |amount: Decimal| {
            let mut shown = amount;
            shown.rescale(self.currency.decimals());
            shown.to_string()
        };
        let day = |date: Option<Date>| date.map(|d| d.to_string()).unwrap_or_default();
        let currency = self.currency.code();
        let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let mut write = |row: [&str; 10]| out.write_record(row).map_err(AppError::internal);
        write([
            "entry",
            "number",
            "date",
            "due_date",
            "reference",
            "currency",
            "amount",
            "outstanding",
            "unallocated",
            "payment_status",
        ])?;
        for line in &self.documents {
            let d = &line.document;
            write([
                d.kind.as_str(),
                d.number.as_deref().unwrap_or_default(),
                &day(d.document_date),
                &day(d.due_date),
                "",
                currency,
                &money(d.totals.total),
                &money(line.outstanding),
                "",
                line.payment_status.as_str(),
            ])?;
        }
        for (payment, unallocated) in &self.payments {
            write([
                "payment",
                "",
                &day(Some(payment.paid_on)),
                "",
                &payment.reference,
                currency,
                &money(payment.amount),
                "",
                &money(*unallocated),
                "",
            ])?;
        }
        let as_of = day(Some(self.as_of));
        write([
            "balance",
            "",
            &as_of,
            "",
            "",
            currency,
            &money(self.balance),
            "",
            "",
            "",
        ])?;
        write([
            "overdue",
            "",
            &as_of,
            "",
            "",
            currency,
            &money(self.overdue),
            "",
            "",
            "",
        ])?;
        out.into_inner().map_err(AppError::internal)
    }
}
