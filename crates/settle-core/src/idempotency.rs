//! What an `Idempotency-Key` holds: the response kept for replay, and what reserving a key
//! finds.

/// A response kept for replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// Its content type.
    pub content_type: String,
    /// Its body.
    pub body: String,
}

/// What reserving a key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// The key is new (or its earlier holder died): the request may run.
    Reserved,
    /// The same request already completed: answer with this.
    Replay(StoredResponse),
    /// The key was used with a different request.
    Mismatch,
    /// The same request is running right now.
    InProgress,
}
