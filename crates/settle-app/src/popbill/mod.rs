//! The Popbill-compatible API's credentials and session tokens. A platform that integrated
//! Popbill points the official SDK at settle: it signs a token request with its link id and
//! secret (Linkhub's HMAC-SHA256 handshake), receives a session token for one business
//! number, and calls the tax-invoice API with it. A token for the tenant's own BRN acts as
//! the platform (the buyer of reverse-issued invoices); a token for a linked partner's BRN
//! acts for that supplier, as an integrator acts for its member companies on Popbill.
//!
//! Errors carry Popbill's negative codes, which the SDK raises as `PopbillException`.

mod documents;
mod keys;
mod members;
mod search;
mod seller;
mod signature;
mod token;
mod wire;

pub use documents::{
    CANNOT_PROCESS, KeyType, NO_SUCH_DOCUMENT, NOT_ALLOWED, buyer_action, document, popbill_error,
    regist_request, register, update,
};
pub use keys::{NewPopbillKey, create_key};
pub use members::{Member, check_is_member, is_member, join_member};
pub use search::{MAX_PER_PAGE, SearchQuery, SearchResult, search};
pub use seller::{logs, regist_issue, seller_action, xml};
pub use signature::{ServiceId, body_digest, sign, string_to_sign};
pub use token::{Caller, IssuedToken, TOKEN_LIFETIME, TokenRequest, authenticate, issue_token};
pub use wire::{compact_date, iso_date, purpose_name, tax_type_name, taxinvoice_object};

/// An error in Popbill's shape: a negative code, a message and the HTTP status to send it
/// with (never 2xx: the SDK takes any 2xx for success).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct PopbillError {
    /// Popbill's code (negative).
    pub code: i64,
    /// What happened.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
}

impl PopbillError {
    /// An error with `code`, `status` and `message`.
    pub fn new(code: i64, status: u16, message: impl Into<String>) -> Self {
        PopbillError {
            code,
            message: message.into(),
            status,
        }
    }
}

/// Linkhub: the token could not be made (bad signature, unknown link id, stale date…).
pub const TOKEN_GENERATION_FAILED: i64 = -10000032;
/// Linkhub: the token could not be read (unknown, expired, or used from another address).
pub const TOKEN_INTERPRETATION_FAILED: i64 = -10000033;
/// Linkhub: no token was sent.
pub const TOKEN_MISSING: i64 = -10000034;
/// Linkhub: the business number is not a member of the link id.
pub const NOT_A_MEMBER: i64 = -10000012;
/// Popbill: something went wrong on the server.
pub const SERVER_ERROR: i64 = -99999999;

impl From<crate::AppError> for PopbillError {
    fn from(error: crate::AppError) -> Self {
        tracing::error!(%error, "a Popbill-compatible call failed");
        PopbillError::new(SERVER_ERROR, 500, "internal error; see the server log")
    }
}

impl From<settle_store::StoreError> for PopbillError {
    fn from(error: settle_store::StoreError) -> Self {
        crate::AppError::from(error).into()
    }
}
