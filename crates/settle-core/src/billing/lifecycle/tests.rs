use super::*;
use crate::billing::fixtures::document;

use DocumentKind::*;
use DocumentStatus::*;

#[test]
fn a_draft_is_extended_then_finalized_once() {
    let draft = document(Invoice, Draft, 100, 0);
    assert_eq!(
        document_transition(&draft, DocumentAction::Extend),
        Ok(Draft)
    );
    assert_eq!(
        document_transition(&draft, DocumentAction::Finalize),
        Ok(Open)
    );
    let open = document(Invoice, Open, 100, 0);
    assert_eq!(
        document_transition(&open, DocumentAction::Finalize),
        Err(InvalidDocumentTransition::Status {
            status: Open,
            action: DocumentAction::Finalize
        })
    );
}

#[test]
fn settling_makes_paid_exactly_when_nothing_is_outstanding() {
    let partly = document(Invoice, Open, 100, 40);
    assert_eq!(
        document_transition(&partly, DocumentAction::Settle),
        Ok(Open)
    );
    let fully = document(Invoice, Open, 100, 100);
    assert_eq!(
        document_transition(&fully, DocumentAction::Settle),
        Ok(Paid)
    );
    // A settlement moved away (rebill) reopens a paid invoice.
    let reopened = document(Invoice, Paid, 100, 0);
    assert_eq!(
        document_transition(&reopened, DocumentAction::Settle),
        Ok(Open)
    );
}

#[test]
fn notes_settle_when_fully_applied_but_are_never_credited_or_voided() {
    let applied = document(CreditNote, NOTE_STATUS, -30, 30);
    assert_eq!(
        document_transition(&applied, DocumentAction::Settle),
        Ok(Paid)
    );
    for action in [
        DocumentAction::Credit,
        DocumentAction::Void,
        DocumentAction::Finalize,
    ] {
        assert_eq!(
            document_transition(&applied, action),
            Err(InvalidDocumentTransition::NotAnInvoice {
                kind: CreditNote,
                action
            })
        );
    }
}

#[test]
fn drafts_and_voids_are_neither_settled_credited_nor_voided() {
    for status in [Draft, Void] {
        let doc = document(Invoice, status, 100, 0);
        for action in [
            DocumentAction::Settle,
            DocumentAction::Credit,
            DocumentAction::RequestRebill,
            DocumentAction::Void,
        ] {
            assert!(
                document_transition(&doc, action).is_err(),
                "{status} {action}"
            );
        }
    }
    let paid = document(Invoice, Paid, 100, 100);
    assert_eq!(document_transition(&paid, DocumentAction::Void), Ok(Void));
    // Only what is still owed takes payments; the rest of a payment is credit.
    assert!(document_transition(&paid, DocumentAction::Pay).is_err());
    let open = document(Invoice, Open, 100, 0);
    assert_eq!(document_transition(&open, DocumentAction::Pay), Ok(Open));
}

#[test]
fn a_rebill_request_is_decided_once() {
    assert_eq!(
        decide_rebill(REBILL_START, RebillDecision::Approve),
        Some(RebillStatus::Approved)
    );
    assert_eq!(
        decide_rebill(RebillStatus::Pending, RebillDecision::Reject),
        Some(RebillStatus::Rejected)
    );
    for decided in [RebillStatus::Approved, RebillStatus::Rejected] {
        assert_eq!(decide_rebill(decided, RebillDecision::Approve), None);
        assert_eq!(decide_rebill(decided, RebillDecision::Reject), None);
    }
}
