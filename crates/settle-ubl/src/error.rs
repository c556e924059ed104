//! Why a document could not be written as UBL.

/// Why a document could not be written as UBL.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UblError {
    /// A draft: it has no number, date or billing details yet.
    #[error("the document is not finalized: a draft has no number, date or billing details")]
    NotFinalized,
    /// EN 16931 requires at least one line (BR-16).
    #[error("the document has no lines")]
    NoLines,
    /// A line belongs to another document.
    #[error("line {line_no} belongs to another document")]
    ForeignLine {
        /// The line's number.
        line_no: i64,
    },
    /// VAT rates are zero or positive.
    #[error("line {line_no} has a negative tax rate")]
    NegativeTaxRate {
        /// The line's number.
        line_no: i64,
    },
    /// The document's total is not the sum of its lines' totals.
    #[error("the document's total is not the sum of its lines")]
    InconsistentTotals,
    /// An electronic address scheme outside the Peppol code list, or an empty address.
    #[error("{0:?} is not an electronic address scheme of the Peppol code list")]
    InvalidEndpoint(String),
    /// An amount too large to compute with.
    #[error("an amount is too large")]
    Overflow,
}

impl UblError {
    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFinalized => "invoice.not_finalized",
            Self::NoLines => "ubl.no_lines",
            Self::ForeignLine { .. } => "ubl.foreign_line",
            Self::NegativeTaxRate { .. } => "ubl.negative_tax_rate",
            Self::InconsistentTotals => "ubl.inconsistent_totals",
            Self::InvalidEndpoint(_) => "ubl.invalid_endpoint",
            Self::Overflow => "ubl.overflow",
        }
    }
}
