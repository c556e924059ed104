//! The reverse-issuance lifecycle: which action moves a tax invoice from which state to
//! which, and who may take it.
//!
//! ```text
//! drafted ─request─▶ requested ─issue─▶ issued ─start filing─▶ sending ─▶ sent | send_failed
//!                      │     └─refuse─▶ refused        └─cancel issue─▶ issue_cancelled
//!                      └─cancel request─▶ request_cancelled
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a tax invoice is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxInvoiceState {
    /// Saved by the platform; editable, not yet shown to the supplier.
    Drafted,
    /// The supplier was asked to issue it.
    Requested,
    /// The buyer withdrew the request.
    RequestCancelled,
    /// The supplier declined.
    Refused,
    /// Signed by the supplier; waiting for the filing batch.
    Issued,
    /// Handed to the filer; the answer is pending.
    Sending,
    /// The NTS accepted it.
    Sent,
    /// The NTS refused it.
    SendFailed,
    /// The supplier cancelled it before filing.
    IssueCancelled,
}

/// Every state, in lifecycle order.
pub const ALL_STATES: [TaxInvoiceState; 9] = [
    TaxInvoiceState::Drafted,
    TaxInvoiceState::Requested,
    TaxInvoiceState::RequestCancelled,
    TaxInvoiceState::Refused,
    TaxInvoiceState::Issued,
    TaxInvoiceState::Sending,
    TaxInvoiceState::Sent,
    TaxInvoiceState::SendFailed,
    TaxInvoiceState::IssueCancelled,
];

impl TaxInvoiceState {
    /// The name as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drafted => "drafted",
            Self::Requested => "requested",
            Self::RequestCancelled => "request_cancelled",
            Self::Refused => "refused",
            Self::Issued => "issued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::SendFailed => "send_failed",
            Self::IssueCancelled => "issue_cancelled",
        }
    }

    /// The state named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        ALL_STATES.into_iter().find(|s| s.as_str() == text)
    }

    /// Popbill's numeric state code for the same state (1xx draft, 2xx waiting for the
    /// supplier, 3xx issued with the filing status in the last digit, 4xx refused, 5xx
    /// cancelled before issue, 6xx cancelled after issue).
    pub fn popbill_code(self) -> u16 {
        match self {
            Self::Drafted => 100,
            Self::Requested => 210,
            Self::Issued => 300,
            Self::Sending => 302,
            Self::Sent => 304,
            Self::SendFailed => 305,
            Self::Refused => 400,
            Self::RequestCancelled => 500,
            Self::IssueCancelled => 600,
        }
    }

    /// Whether the platform may still change the document's content.
    pub fn is_editable(self) -> bool {
        self == Self::Drafted
    }

    /// Whether the document may be deleted (which frees its document key).
    pub fn is_deletable(self) -> bool {
        matches!(
            self,
            Self::Drafted | Self::Refused | Self::RequestCancelled | Self::IssueCancelled
        )
    }
}

impl fmt::Display for TaxInvoiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something that moves a tax invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaxInvoiceAction {
    /// The buyer asks the supplier to issue.
    Request,
    /// The buyer withdraws its request.
    CancelRequest,
    /// The supplier signs.
    Issue,
    /// The supplier declines.
    Refuse,
    /// The supplier cancels an issued invoice before filing.
    CancelIssue,
    /// Filing begins.
    StartFiling,
    /// The NTS accepted it.
    FilingSucceeded,
    /// The NTS refused it.
    FilingFailed,
}

impl TaxInvoiceAction {
    /// The name used in history entries and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::CancelRequest => "cancel_request",
            Self::Issue => "issue",
            Self::Refuse => "refuse",
            Self::CancelIssue => "cancel_issue",
            Self::StartFiling => "start_filing",
            Self::FilingSucceeded => "filing_succeeded",
            Self::FilingFailed => "filing_failed",
        }
    }

    /// The one state this action starts from.
    pub fn from_state(self) -> TaxInvoiceState {
        use TaxInvoiceState::*;
        match self {
            Self::Request => Drafted,
            Self::CancelRequest | Self::Issue | Self::Refuse => Requested,
            Self::CancelIssue | Self::StartFiling => Issued,
            Self::FilingSucceeded | Self::FilingFailed => Sending,
        }
    }

    /// The state this action leads to.
    pub fn to_state(self) -> TaxInvoiceState {
        use TaxInvoiceState::*;
        match self {
            Self::Request => Requested,
            Self::CancelRequest => RequestCancelled,
            Self::Issue => Issued,
            Self::Refuse => Refused,
            Self::CancelIssue => IssueCancelled,
            Self::StartFiling => Sending,
            Self::FilingSucceeded => Sent,
            Self::FilingFailed => SendFailed,
        }
    }
}

/// An action that the current state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a tax invoice that is {current} (it must be {})", action.as_str(), action.from_state())]
pub struct InvalidTransition {
    /// What was tried.
    pub action: TaxInvoiceAction,
    /// Where the document is.
    pub current: TaxInvoiceState,
}

/// The state `action` leads to from `current`, or why it cannot be taken.
pub fn transition(
    current: TaxInvoiceState,
    action: TaxInvoiceAction,
) -> Result<TaxInvoiceState, InvalidTransition> {
    if current == action.from_state() {
        Ok(action.to_state())
    } else {
        Err(InvalidTransition { action, current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaxInvoiceAction::*;
    use TaxInvoiceState::*;

    #[test]
    fn the_happy_path_runs_from_draft_to_sent() {
        let mut state = Drafted;
        for action in [Request, Issue, StartFiling, FilingSucceeded] {
            state = transition(state, action).unwrap();
        }
        assert_eq!(state, Sent);
    }

    #[test]
    fn an_issued_invoice_cannot_be_cancelled_once_filing_started() {
        let sending = transition(Issued, StartFiling).unwrap();
        let error = transition(sending, CancelIssue).unwrap_err();
        assert_eq!(error.current, Sending);
        assert!(error.to_string().contains("sending"), "{error}");
    }

    #[test]
    fn only_requested_invoices_can_be_issued_refused_or_withdrawn() {
        for state in ALL_STATES {
            for action in [Issue, Refuse, CancelRequest] {
                assert_eq!(transition(state, action).is_ok(), state == Requested);
            }
        }
    }

    #[test]
    fn names_and_popbill_codes_are_distinct_and_parse_back() {
        let mut codes: Vec<u16> = ALL_STATES.iter().map(|s| s.popbill_code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL_STATES.len());
        for state in ALL_STATES {
            assert_eq!(TaxInvoiceState::parse(state.as_str()), Some(state));
        }
        assert_eq!(TaxInvoiceState::parse("deleted"), None);
    }

    #[test]
    fn deletable_states_free_the_key_and_sent_ones_do_not() {
        assert!(Refused.is_deletable() && RequestCancelled.is_deletable());
        assert!(!Sent.is_deletable() && !Issued.is_deletable() && !Requested.is_deletable());
    }
}
