//! The reverse-issuance lifecycle: every action on a tax invoice, the states it may start
//! from and what it leads to. The use cases take every action through [`transition`]; the
//! store only compare-and-sets the states this module names.
//!
//! ```text
//! drafted ─request─▶ requested ─issue─▶ issued ─start filing─▶ sending ─▶ sent | send_failed
//!   edit ⟲            │     └─refuse─▶ refused        └─cancel issue─▶ issue_cancelled
//!                      └─cancel request─▶ request_cancelled                 sent: amend ⟲
//! delete: drafted, refused, request_cancelled, issue_cancelled ─▶ (removed, key freed)
//! forward issuance (정발행): drafted ─issue forward─▶ issued ─▶ filed as above
//! (see [`super::Direction`] for which actions each direction allows)
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
            Self::Requested => 200,
            Self::Issued => 300,
            Self::Sending => 302,
            Self::Sent => 304,
            Self::SendFailed => 305,
            Self::Refused => 400,
            Self::RequestCancelled => 500,
            Self::IssueCancelled => 600,
        }
    }

    /// The state of a new document: drafted, or requested when it is requested at once.
    pub fn created(request: bool) -> Self {
        match (request, TaxInvoiceAction::Request.outcome(Self::Drafted)) {
            (true, Outcome::Becomes(state)) => state,
            _ => Self::Drafted,
        }
    }

    /// Whether the platform may still change the document's content.
    pub fn is_editable(self) -> bool {
        TaxInvoiceAction::Edit.allowed_from().contains(&self)
    }

    /// Whether the document may be deleted (which frees its document key).
    pub fn is_deletable(self) -> bool {
        TaxInvoiceAction::Delete.allowed_from().contains(&self)
    }
}

impl fmt::Display for TaxInvoiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something done to a tax invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaxInvoiceAction {
    /// The platform changes a draft's content.
    Edit,
    /// The buyer asks the supplier to issue.
    Request,
    /// The buyer withdraws its request.
    CancelRequest,
    /// The buyer sends the request email again.
    Resend,
    /// The supplier signs.
    Issue,
    /// The supplier declines.
    Refuse,
    /// The supplier cancels an issued invoice before filing.
    CancelIssue,
    /// Filing begins.
    StartFiling,
    /// A filer takes over an invoice whose earlier filer's lease lapsed.
    ResumeFiling,
    /// The NTS accepted it.
    FilingSucceeded,
    /// The NTS refused it.
    FilingFailed,
    /// The platform deletes it, which frees its document key.
    Delete,
    /// The platform drafts amendments of a filed invoice (the invoice itself stays `sent`).
    Amend,
    /// The platform, as the supplier, signs its own draft (정발행).
    IssueForward,
}

/// Every action.
pub const ALL_ACTIONS: [TaxInvoiceAction; 14] = [
    TaxInvoiceAction::Edit,
    TaxInvoiceAction::Request,
    TaxInvoiceAction::CancelRequest,
    TaxInvoiceAction::Resend,
    TaxInvoiceAction::Issue,
    TaxInvoiceAction::Refuse,
    TaxInvoiceAction::CancelIssue,
    TaxInvoiceAction::StartFiling,
    TaxInvoiceAction::ResumeFiling,
    TaxInvoiceAction::FilingSucceeded,
    TaxInvoiceAction::FilingFailed,
    TaxInvoiceAction::Delete,
    TaxInvoiceAction::Amend,
    TaxInvoiceAction::IssueForward,
];

impl TaxInvoiceAction {
    /// The name used in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Request => "request",
            Self::CancelRequest => "cancel_request",
            Self::Resend => "resend",
            Self::Issue => "issue",
            Self::Refuse => "refuse",
            Self::CancelIssue => "cancel_issue",
            Self::StartFiling => "start_filing",
            Self::ResumeFiling => "resume_filing",
            Self::FilingSucceeded => "filing_succeeded",
            Self::FilingFailed => "filing_failed",
            Self::Delete => "delete",
            Self::Amend => "amend",
            Self::IssueForward => "issue_forward",
        }
    }

    /// What the action does, as a phrase completing "to … it must be requested".
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Edit => "edit it",
            Self::Request => "request its issue",
            Self::CancelRequest => "cancel the request",
            Self::Resend => "resend the request",
            Self::Issue => "issue it",
            Self::Refuse => "refuse it",
            Self::CancelIssue => "cancel its issue",
            Self::StartFiling => "send it to the NTS",
            Self::ResumeFiling => "resume its filing",
            Self::FilingSucceeded | Self::FilingFailed => "record a filing result",
            Self::Delete => "delete it",
            Self::Amend => "amend it",
            Self::IssueForward => "issue it",
        }
    }

    /// The states this action may start from.
    pub fn allowed_from(self) -> &'static [TaxInvoiceState] {
        use TaxInvoiceState::*;
        match self {
            Self::Edit | Self::Request | Self::IssueForward => &[Drafted],
            Self::CancelRequest | Self::Resend | Self::Issue | Self::Refuse => &[Requested],
            Self::CancelIssue | Self::StartFiling => &[Issued],
            Self::ResumeFiling | Self::FilingSucceeded | Self::FilingFailed => &[Sending],
            Self::Delete => &[Drafted, Refused, RequestCancelled, IssueCancelled],
            Self::Amend => &[Sent],
        }
    }

    /// What the action leads to from `from` (one of [`Self::allowed_from`]).
    fn outcome(self, from: TaxInvoiceState) -> Outcome {
        use TaxInvoiceState::*;
        Outcome::Becomes(match self {
            Self::Edit | Self::Resend | Self::ResumeFiling | Self::Amend => from,
            Self::Request => Requested,
            Self::CancelRequest => RequestCancelled,
            Self::Issue | Self::IssueForward => Issued,
            Self::Refuse => Refused,
            Self::CancelIssue => IssueCancelled,
            Self::StartFiling => Sending,
            Self::FilingSucceeded => Sent,
            Self::FilingFailed => SendFailed,
            Self::Delete => return Outcome::Removed,
        })
    }
}

/// Where an action leaves the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It is in this state afterwards (possibly the same one).
    Becomes(TaxInvoiceState),
    /// It no longer exists.
    Removed,
}

/// An allowed action: where the document is and where it goes. The use cases
/// compare-and-set `from` → `to` and write a history entry when the state changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// What is done.
    pub action: TaxInvoiceAction,
    /// The state it is done in.
    pub from: TaxInvoiceState,
    /// What it leads to.
    pub outcome: Outcome,
}

impl Transition {
    /// The state afterwards, unless the document is removed.
    pub fn to(&self) -> Option<TaxInvoiceState> {
        match self.outcome {
            Outcome::Becomes(state) => Some(state),
            Outcome::Removed => None,
        }
    }

    /// Whether the state changes (and so a history entry is due).
    pub fn changes_state(&self) -> bool {
        self.to().is_some_and(|to| to != self.from)
    }
}

/// An action that the current state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the tax invoice is {current}; to {} it must be {}", action.phrase(), allowed_names(*action))]
pub struct InvalidTransition {
    /// What was tried.
    pub action: TaxInvoiceAction,
    /// Where the document is.
    pub current: TaxInvoiceState,
}

fn allowed_names(action: TaxInvoiceAction) -> String {
    let names: Vec<&str> = action.allowed_from().iter().map(|s| s.as_str()).collect();
    names.join(" or ")
}

/// The transition `action` makes from `current`, or why it cannot be taken.
pub fn transition(
    current: TaxInvoiceState,
    action: TaxInvoiceAction,
) -> Result<Transition, InvalidTransition> {
    if action.allowed_from().contains(&current) {
        Ok(Transition {
            action,
            from: current,
            outcome: action.outcome(current),
        })
    } else {
        Err(InvalidTransition { action, current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaxInvoiceAction::*;
    use TaxInvoiceState::*;

    fn to(state: TaxInvoiceState, action: TaxInvoiceAction) -> TaxInvoiceState {
        transition(state, action).unwrap().to().unwrap()
    }

    #[test]
    fn the_happy_path_runs_from_draft_to_sent() {
        let mut state = Drafted;
        for action in [Edit, Request, Issue, StartFiling, FilingSucceeded, Amend] {
            state = to(state, action);
        }
        assert_eq!(state, Sent);
    }

    #[test]
    fn an_issued_invoice_cannot_be_cancelled_once_filing_started() {
        let sending = to(Issued, StartFiling);
        let error = transition(sending, CancelIssue).unwrap_err();
        assert_eq!(error.current, Sending);
        assert_eq!(
            error.to_string(),
            "the tax invoice is sending; to cancel its issue it must be issued"
        );
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
    fn filing_ends_in_sent_or_send_failed_and_a_lapsed_claim_stays_sending() {
        assert_eq!(to(Sending, FilingSucceeded), Sent);
        assert_eq!(to(Sending, FilingFailed), SendFailed);
        let resumed = transition(Sending, ResumeFiling).unwrap();
        assert_eq!(resumed.to(), Some(Sending));
        assert!(!resumed.changes_state());
        assert!(transition(Issued, ResumeFiling).is_err());
    }

    #[test]
    fn delete_removes_only_what_never_reached_the_nts() {
        let deletable = [Drafted, Refused, RequestCancelled, IssueCancelled];
        for state in ALL_STATES {
            let deleted = transition(state, Delete);
            assert_eq!(deleted.is_ok(), deletable.contains(&state), "{state}");
            assert_eq!(state.is_deletable(), deletable.contains(&state), "{state}");
            if let Ok(t) = deleted {
                assert_eq!(t.outcome, Outcome::Removed);
                assert_eq!(t.to(), None);
            }
        }
        let error = transition(Sent, Delete).unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("drafted or refused or request_cancelled or issue_cancelled"),
            "{error}"
        );
    }

    #[test]
    fn only_drafts_are_edited_and_only_sent_invoices_amended() {
        for state in ALL_STATES {
            assert_eq!(transition(state, Edit).is_ok(), state == Drafted);
            assert_eq!(state.is_editable(), state == Drafted);
            assert_eq!(transition(state, Amend).is_ok(), state == Sent);
            assert_eq!(transition(state, Resend).is_ok(), state == Requested);
        }
        assert!(!transition(Drafted, Edit).unwrap().changes_state());
    }

    #[test]
    fn every_action_starts_somewhere_and_names_are_distinct() {
        let mut names: Vec<&str> = ALL_ACTIONS.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL_ACTIONS.len());
        for action in ALL_ACTIONS {
            assert!(!action.allowed_from().is_empty(), "{action:?}");
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
