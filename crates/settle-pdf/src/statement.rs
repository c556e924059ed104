//! A partner's account statement: its documents with what is outstanding, its payments,
//! and the balance, in one currency as of a date.

use rust_decimal::Decimal;
use serde::Serialize;
use settle_core::billing::{Document, DocumentKind, PaymentStatus};
use settle_core::currency::Currency;
use settle_core::display::amount;
use settle_core::language::Language;
use settle_core::tenant::Tenant;
use time::Date;

use crate::texts::{Texts, texts};
use crate::views::{Field, Issuer, day};

/// A document on a statement.
pub struct StatementDocument<'a> {
    /// The document (finalized).
    pub document: &'a Document,
    /// Outstanding as of the statement date.
    pub outstanding: Decimal,
    /// Paid, due or overdue as of the statement date.
    pub status: PaymentStatus,
}

/// A payment on a statement.
pub struct StatementPayment<'a> {
    /// When it was received.
    pub paid_on: Date,
    /// The payer's reference.
    pub reference: &'a str,
    /// How much.
    pub amount: Decimal,
    /// What of it is not applied.
    pub unallocated: Decimal,
}

/// Everything a statement PDF is made of.
pub struct StatementSource<'a> {
    /// The platform that draws it up.
    pub issuer: &'a Tenant,
    /// The partner's name.
    pub partner_name: &'a str,
    /// The currency.
    pub currency: Currency,
    /// The date it is drawn up on.
    pub as_of: Date,
    /// Its documents, oldest first.
    pub documents: &'a [StatementDocument<'a>],
    /// Its payments, oldest first.
    pub payments: &'a [StatementPayment<'a>],
    /// What the partner owes (negative: its credit).
    pub balance: Decimal,
    /// The part of the balance past due.
    pub overdue: Decimal,
    /// Which language.
    pub language: Language,
}

#[derive(Debug, Serialize)]
struct DocumentRow {
    number: String,
    kind: &'static str,
    date: String,
    due: String,
    total: String,
    outstanding: String,
    status: &'static str,
}

#[derive(Debug, Serialize)]
struct PaymentRow {
    paid_on: String,
    reference: String,
    amount: String,
    unallocated: String,
}

/// The statement as its template reads it.
#[derive(Debug, Serialize)]
pub(crate) struct StatementView {
    t: &'static Texts,
    issuer: Issuer,
    fields: Vec<Field>,
    currency: String,
    documents: Vec<DocumentRow>,
    payments: Vec<PaymentRow>,
    balance: String,
    overdue: String,
}

fn kind_name(t: &'static Texts, kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Invoice => t.kinds.invoice,
        DocumentKind::CreditNote => t.kinds.credit_note,
        DocumentKind::VoidNote => t.kinds.void_note,
    }
}

fn status_name(t: &'static Texts, status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Paid => t.statuses.paid,
        PaymentStatus::Due => t.statuses.due,
        PaymentStatus::Overdue => t.statuses.overdue,
    }
}

/// The view of `source` its template prints.
pub(crate) fn view(source: &StatementSource<'_>) -> StatementView {
    let t = texts(source.language);
    let money = |value| amount(source.currency, value);
    StatementView {
        t,
        issuer: Issuer::of(source.issuer),
        fields: vec![
            Field {
                label: t.partner,
                value: source.partner_name.to_owned(),
            },
            Field {
                label: t.as_of,
                value: day(source.as_of),
            },
            Field {
                label: t.currency,
                value: source.currency.code().to_owned(),
            },
        ],
        currency: source.currency.code().to_owned(),
        documents: source
            .documents
            .iter()
            .map(|line| {
                let d = line.document;
                DocumentRow {
                    number: d.number.clone().unwrap_or_default(),
                    kind: kind_name(t, d.kind),
                    date: d.document_date.map(day).unwrap_or_default(),
                    due: d.due_date.map(day).unwrap_or_default(),
                    total: money(d.totals.total),
                    outstanding: money(line.outstanding),
                    status: status_name(t, line.status),
                }
            })
            .collect(),
        payments: source
            .payments
            .iter()
            .map(|p| PaymentRow {
                paid_on: day(p.paid_on),
                reference: p.reference.to_owned(),
                amount: money(p.amount),
                unallocated: money(p.unallocated),
            })
            .collect(),
        balance: money(source.balance),
        overdue: money(source.overdue),
    }
}
