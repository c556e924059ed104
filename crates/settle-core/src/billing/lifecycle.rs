//! The lifecycles of billing documents and rebill requests: which action a document of
//! which kind may take in which status, and what it leads to. The use cases take every
//! status change through here; the store compare-and-sets the statuses named here.
//!
//! ```text
//! invoice:  draft ─finalize─▶ open ⇄ paid (settle: paid once nothing is outstanding)
//!             extend ⟲           └──┴─void (rebill approved)─▶ void
//! notes:    (issued) open ⇄ paid (settle: paid once fully applied)
//! rebill:   pending ─approve─▶ approved | ─reject─▶ rejected
//! ```

use super::{Document, DocumentKind, DocumentStatus};
use crate::named_enum;

named_enum!(
    /// Something done to a billing document.
    DocumentAction {
        /// A billing run adds lines to a draft.
        Extend = "extend",
        /// The draft gets its number and dates.
        Finalize = "finalize",
        /// A payment, credit note or void note settles part of it, or a settlement moves
        /// away from it.
        Settle = "settle",
        /// A credit note takes back some of its lines.
        Credit = "credit",
        /// A payment is allocated to it.
        Pay = "pay",
        /// A rebill is asked for.
        RequestRebill = "request_rebill",
        /// The approved rebill voids it.
        Void = "void",
    }
);

named_enum!(
    /// Where a rebill request stands.
    RebillStatus {
        /// Waiting for a second billing admin.
        Pending = "pending",
        /// Approved: the invoice was voided and rebilled.
        Approved = "approved",
        /// Rejected: nothing changed.
        Rejected = "rejected",
    }
);

named_enum!(
    /// A decision on a rebill request.
    RebillDecision {
        /// Void and rebill.
        Approve = "approve",
        /// Leave the invoice as it is.
        Reject = "reject",
    }
);

/// Why a document cannot take an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDocumentTransition {
    /// Only invoices (not credit or void notes) take this action.
    #[error("a {kind} cannot {action}; only invoices can")]
    NotAnInvoice {
        /// The document's kind.
        kind: DocumentKind,
        /// What was tried.
        action: DocumentAction,
    },
    /// The document's status does not allow it.
    #[error("a document that is {status} cannot {action}")]
    Status {
        /// Where the document is.
        status: DocumentStatus,
        /// What was tried.
        action: DocumentAction,
    },
}

impl DocumentAction {
    /// The statuses a document of `kind` may take this action in.
    pub fn allowed_from(self, kind: DocumentKind) -> &'static [DocumentStatus] {
        use DocumentStatus::*;
        match (self, kind) {
            (Self::Extend | Self::Finalize, DocumentKind::Invoice) => &[Draft],
            (Self::Settle, _) => &[Open, Paid],
            (Self::Credit | Self::RequestRebill | Self::Void, DocumentKind::Invoice) => {
                &[Open, Paid]
            }
            (Self::Pay, DocumentKind::Invoice) => &[Open],
            _ => &[],
        }
    }

    fn invoices_only(self) -> bool {
        self != Self::Settle
    }
}

/// The status `document` has after `action`, or why it cannot take it. Settling depends on
/// what is left outstanding, so it reads the document's settled amount as it is now.
pub fn document_transition(
    document: &Document,
    action: DocumentAction,
) -> Result<DocumentStatus, InvalidDocumentTransition> {
    if action.invoices_only() && document.kind != DocumentKind::Invoice {
        return Err(InvalidDocumentTransition::NotAnInvoice {
            kind: document.kind,
            action,
        });
    }
    if !action
        .allowed_from(document.kind)
        .contains(&document.status)
    {
        return Err(InvalidDocumentTransition::Status {
            status: document.status,
            action,
        });
    }
    Ok(match action {
        DocumentAction::Extend
        | DocumentAction::Credit
        | DocumentAction::Pay
        | DocumentAction::RequestRebill => document.status,
        DocumentAction::Finalize => DocumentStatus::Open,
        DocumentAction::Settle if document.outstanding().is_zero() => DocumentStatus::Paid,
        DocumentAction::Settle => DocumentStatus::Open,
        DocumentAction::Void => DocumentStatus::Void,
    })
}

/// The status a credit or void note starts in.
pub const NOTE_STATUS: DocumentStatus = DocumentStatus::Open;

/// The status a rebill request starts in.
pub const REBILL_START: RebillStatus = RebillStatus::Pending;

/// The status a decision leads to, or `None` when the request was decided already.
pub fn decide_rebill(current: RebillStatus, decision: RebillDecision) -> Option<RebillStatus> {
    (current == RebillStatus::Pending).then_some(match decision {
        RebillDecision::Approve => RebillStatus::Approved,
        RebillDecision::Reject => RebillStatus::Rejected,
    })
}

#[cfg(test)]
mod tests;
