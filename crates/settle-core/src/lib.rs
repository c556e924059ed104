//! settle's domain vocabulary: money and currencies, rounding, business registration
//! numbers, roles, parties and partners. Pure: no IO, no async, no framework types.

pub mod access;
pub mod billing;
pub mod brn;
pub mod currency;
pub mod display;
pub mod idempotency;
pub mod ids;
pub mod job;
pub mod language;
pub mod money;
mod named;
pub mod partner;
pub mod rounding;
pub mod settlement;
pub mod tax_invoice;
pub mod tenant;
pub mod upload;
pub mod user;
pub mod validation;
pub mod webhook;
pub mod whole_number;

/// Korea Standard Time, UTC+9 (no daylight saving): NTS dates and deadlines are local.
pub const KST: time::UtcOffset = match time::UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => time::UtcOffset::UTC,
};
