//! Request middleware, outermost first: request ids, body limits, authentication,
//! idempotency.

pub mod auth;
pub mod body_limit;
pub mod idempotency;
pub mod request_id;
