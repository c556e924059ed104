//! The filer protocol over HTTP, spoken by [`RemoteFiler`](super::RemoteFiler) and served
//! by `settle nts-simulator serve`: JSON bodies, one result per submission, in order.
//!
//! - `POST /members` `{"brn"}` → 204: registers a business.
//! - `POST /filings` `{"submissions": [{"approval_number", "signed_xml"}]}` → 200
//!   `{"results": [{"code", "message"}]}`; filing an invoice again answers what the first
//!   filing answered.
//! - `POST /filings/status` `{"approval_numbers": […]}` → 200 `{"results": [… | null]}`:
//!   what was answered for each invoice the service took, null for one it never took (a
//!   refused invoice is not taken: it may be corrected and filed again).
//!
//! Any other status is a failure of the service; the caller may retry.

use serde::{Deserialize, Serialize};

use super::{FilingResult, Submission};

/// `POST /members`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberRequest {
    /// The business registration number, ten digits.
    pub brn: String,
}

/// `POST /filings`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FilingRequest {
    /// The invoices.
    pub submissions: Vec<Submission>,
}

/// The answer of `POST /filings`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FilingResponse {
    /// One per submission, in order.
    pub results: Vec<FilingResult>,
}

/// `POST /filings/status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusRequest {
    /// The approval numbers asked about.
    pub approval_numbers: Vec<String>,
}

/// The answer of `POST /filings/status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusResponse {
    /// One per number, in order: the answer given, or null if never taken.
    pub results: Vec<Option<FilingResult>>,
}
