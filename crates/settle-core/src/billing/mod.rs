//! Partner invoicing in the Partner Center model: billing profiles, charges, numbered
//! invoices of the G (new commerce) and D (legacy) series, credit notes, void notes and the
//! money arithmetic behind them. Everything here is pure; storing and numbering happen in
//! the store and use-case layers.

pub mod charge;
pub mod checks;
mod credit;
mod document;
#[cfg(test)]
mod fixtures;
pub mod korean;
pub mod ledger;
mod lifecycle;
mod period;
mod pricing;
pub mod profile;
mod records;
mod revise;

pub use charge::{Charge, ChargeDetails, ChargeInput, ChargeRecord, LineItem};
pub use credit::{CreditAmounts, CreditError, CreditRequest, CreditableLine, credit};
pub use document::{Document, DocumentLine};
pub use lifecycle::{
    DocumentAction, InvalidDocumentTransition, NOTE_STATUS, REBILL_START, RebillDecision,
    RebillStatus, decide_rebill, document_transition,
};
pub use period::Period;
pub use pricing::{LineAmounts, PricedLine, Totals, effective_unit_price, price, totals};
pub use profile::{Address, AddressInput, BillingDetails, BillingProfile, BillingProfileInput};
pub use records::{
    Allocation, BillingRun, ChargeFilter, DocumentFilter, PAYMENT_SOURCE, Payment, RebillRequest,
};
pub use revise::LineChange;

#[allow(unused_imports)]
use time::Date;
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Longest document number any series produces (`GC` + 9 digits, or a country tax series).
pub const NUMBER_DIGITS: usize = 9;

use crate::named_enum;

named_enum!(
    /// An invoice series, by the prefix of its numbers.
    Series {
        /// New commerce.
        G = "G",
        /// Legacy.
        D = "D",
    }
);

named_enum!(
    /// What a billing document is.
    DocumentKind {
        /// A commercial invoice (draft until finalized).
        Invoice = "invoice",
        /// A credit for returned or cancelled lines of a finalized invoice.
        CreditNote = "credit_note",
        /// The exact negative of a voided invoice.
        VoidNote = "void_note",
    }
);

named_enum!(
    /// Where a document stands.
    DocumentStatus {
        /// Not numbered yet; still growing with each billing run.
        Draft = "draft",
        /// Numbered and not (fully) settled.
        Open = "open",
        /// Fully settled by payments and credits (notes: fully applied).
        Paid = "paid",
        /// Replaced through void and rebill.
        Void = "void",
    }
);

named_enum!(
    /// The kind of charge, as the commercial invoice groups them.
    ChargeType {
        /// A new purchase.
        New = "new",
        /// A change to an earlier charge (either sign).
        Adjustment = "adjustment",
        /// An upgrade of an existing product.
        Upgrade = "upgrade",
        /// A billing-plan or cycle charge.
        Cycle = "cycle",
        /// A renewal.
        Renewal = "renewal",
        /// A return or cancellation (negative).
        Cancellation = "cancellation",
    }
);

named_enum!(
    /// How legacy (D) invoices group their charges.
    ChargeCategory {
        /// License-based products (Office, Dynamics).
        License = "license",
        /// Usage-based products (Azure).
        Usage = "usage",
        /// Other products and services (activations, changes, cancellations).
        Other = "other",
    }
);

named_enum!(
    /// The PDF template a partner's invoices use.
    Template {
        /// Limited risk distributor: billing summary, commercial invoice, credit memos.
        Lrd = "lrd",
        /// Invoice summary and detailed charges.
        NonLrd = "non_lrd",
    }
);

named_enum!(
    /// Whether a document is settled, relative to a date.
    PaymentStatus {
        /// Nothing outstanding.
        Paid = "paid",
        /// Outstanding, not past its due date.
        Due = "due",
        /// Outstanding after its due date.
        Overdue = "overdue",
    }
);

impl DocumentKind {
    /// The number prefix of this kind of document in `series`: `G`, `GC` (credit notes),
    /// `GV` (void notes), and the same with `D`.
    pub fn number_prefix(self, series: Series) -> String {
        let suffix = match self {
            DocumentKind::Invoice => "",
            DocumentKind::CreditNote => "C",
            DocumentKind::VoidNote => "V",
        };
        format!("{}{suffix}", series.as_str())
    }

    /// Whether this is a credit or void note (whose amounts are negative).
    pub fn is_note(self) -> bool {
        self != DocumentKind::Invoice
    }
}

/// The number series of a country's tax invoices, e.g. `KRT`.
pub fn tax_invoice_prefix(country: &str) -> String {
    format!("{country}T")
}

/// `prefix` then `n` as 9 digits (`G000000001`); `None` once a series is exhausted.
pub fn format_number(prefix: &str, n: i64) -> Option<String> {
    (1..=999_999_999)
        .contains(&n)
        .then(|| format!("{prefix}{n:0width$}", width = NUMBER_DIGITS))
}

/// Whether `text` looks like an invoice number of either series (`G…`/`D…` and 9 digits),
/// as payment references cite them.
pub fn is_invoice_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 1 + NUMBER_DIGITS
        && matches!(bytes[0], b'G' | b'D')
        && bytes[1..].iter().all(u8::is_ascii_digit)
}

/// The invoice numbers a payment reference cites, in order, each once.
pub fn cited_numbers(reference: &str) -> Vec<String> {
    let mut cited: Vec<String> = Vec::new();
    for word in reference.split(|c: char| !c.is_ascii_alphanumeric()) {
        let word = word.to_ascii_uppercase();
        if is_invoice_number(&word) && !cited.contains(&word) {
            cited.push(word);
        }
    }
    cited
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_the_series_prefix_and_nine_digits() {
        assert_eq!(
            format_number(&DocumentKind::Invoice.number_prefix(Series::G), 1).unwrap(),
            "G000000001"
        );
        assert_eq!(
            format_number(&DocumentKind::CreditNote.number_prefix(Series::D), 42).unwrap(),
            "DC000000042"
        );
        assert_eq!(format_number("G", 1_000_000_000), None);
        assert_eq!(format_number("G", 0), None);
    }

    #[test]
    fn references_cite_invoice_numbers_only() {
        assert_eq!(
            cited_numbers("pay g000000012, G000000003; GC000000001 G0000000031 G000000012"),
            vec!["G000000012".to_owned(), "G000000003".to_owned()]
        );
        assert!(cited_numbers("no numbers here").is_empty());
    }

    #[test]
    fn enums_parse_their_api_names() {
        assert_eq!(
            ChargeType::parse("cancellation"),
            Some(ChargeType::Cancellation)
        );
        assert_eq!(ChargeType::parse("refund"), None);
        assert_eq!(Template::parse("non_lrd"), Some(Template::NonLrd));
        assert_eq!(Series::ALL.len(), 2);
    }
}
