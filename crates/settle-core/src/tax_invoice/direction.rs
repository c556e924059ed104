//! Who drafts and signs a tax invoice. In reverse issuance (역발행) the platform drafts and
//! the partner, the supplier, signs; in forward issuance (정발행) the platform is the
//! supplier of a partner invoice and drafts and signs at once, and later changes come only
//! from the partner invoice's credit and void notes (as amended tax invoices of their own).

use super::TaxInvoiceAction;
use crate::named_enum;

named_enum!(
    /// Which way a tax invoice is issued.
    Direction {
        /// 역발행: the platform is the buyer and asks the partner to issue.
        Reverse = "reverse",
        /// 정발행: the platform is the supplier and issues itself.
        Forward = "forward",
    }
);

impl Direction {
    /// Whether `action` applies to a tax invoice issued this way. A forward-issued
    /// invoice is issued and filed, nothing else: nobody requests, refuses, edits, cancels
    /// or deletes it, and its amendments follow the partner invoice's notes.
    pub fn allows(self, action: TaxInvoiceAction) -> bool {
        use TaxInvoiceAction::*;
        match self {
            Direction::Reverse => action != IssueForward,
            Direction::Forward => matches!(
                action,
                IssueForward | StartFiling | ResumeFiling | FilingSucceeded | FilingFailed
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax_invoice::ALL_ACTIONS;

    #[test]
    fn forward_invoices_are_only_issued_and_filed() {
        let allowed: Vec<_> = ALL_ACTIONS
            .into_iter()
            .filter(|a| Direction::Forward.allows(*a))
            .collect();
        assert_eq!(allowed.len(), 5);
        assert!(!Direction::Forward.allows(TaxInvoiceAction::Amend));
        assert!(!Direction::Forward.allows(TaxInvoiceAction::CancelIssue));
    }

    #[test]
    fn reverse_invoices_are_never_issued_by_the_platform() {
        assert!(!Direction::Reverse.allows(TaxInvoiceAction::IssueForward));
        assert!(Direction::Reverse.allows(TaxInvoiceAction::Issue));
    }
}
