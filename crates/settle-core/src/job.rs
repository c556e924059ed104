//! The lifecycle of background work (emails, filing batches): a job waits, is run under a
//! lease by one worker, and ends done or failed, or waits again for a retry.
//!
//! ```text
//! pending ─claim─▶ running ─complete─▶ done
//!    ▲               │ └─fail─▶ failed
//!    └────retry──────┘    running ─claim (lease lapsed)─▶ running
//! ```

use crate::named_enum;

named_enum!(
    /// Where a job is.
    JobState {
        /// Waiting for its time and a worker.
        Pending = "pending",
        /// Claimed by a worker whose lease has not lapsed.
        Running = "running",
        /// Finished.
        Done = "done",
        /// Given up after its last attempt.
        Failed = "failed",
    }
);

named_enum!(
    /// Something a worker does to a job.
    JobAction {
        /// A worker takes it (a pending job, or a running one whose lease lapsed).
        Claim = "claim",
        /// The work succeeded.
        Complete = "complete",
        /// The attempt failed; it runs again later.
        Retry = "retry",
        /// The attempt failed for good.
        Fail = "fail",
    }
);

impl JobAction {
    /// The states this action may start from.
    pub fn allowed_from(self) -> &'static [JobState] {
        match self {
            JobAction::Claim => &[JobState::Pending, JobState::Running],
            JobAction::Complete | JobAction::Retry | JobAction::Fail => &[JobState::Running],
        }
    }

    /// The state this action leads to.
    pub fn to_state(self) -> JobState {
        match self {
            JobAction::Claim => JobState::Running,
            JobAction::Complete => JobState::Done,
            JobAction::Retry => JobState::Pending,
            JobAction::Fail => JobState::Failed,
        }
    }
}

/// The state `action` leads to from `current`, if it may be taken there.
pub fn transition(current: JobState, action: JobAction) -> Option<JobState> {
    action
        .allowed_from()
        .contains(&current)
        .then(|| action.to_state())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_runs_once_then_ends() {
        let running = transition(JobState::Pending, JobAction::Claim).unwrap();
        assert_eq!(running, JobState::Running);
        assert_eq!(
            transition(running, JobAction::Complete),
            Some(JobState::Done)
        );
        assert_eq!(transition(JobState::Done, JobAction::Claim), None);
        assert_eq!(transition(JobState::Failed, JobAction::Retry), None);
    }

    #[test]
    fn a_failed_attempt_waits_again_or_ends() {
        assert_eq!(
            transition(JobState::Running, JobAction::Retry),
            Some(JobState::Pending)
        );
        assert_eq!(
            transition(JobState::Running, JobAction::Fail),
            Some(JobState::Failed)
        );
        assert_eq!(transition(JobState::Pending, JobAction::Complete), None);
    }

    #[test]
    fn states_parse_their_names() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(*state));
        }
        assert_eq!(JobState::parse("queued"), None);
    }
}
