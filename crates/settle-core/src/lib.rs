//! settle's domain vocabulary: money and currencies, rounding, business registration
//! numbers, roles, parties and partners. Pure: no IO, no async, no framework types.

pub mod access;
pub mod brn;
pub mod currency;
pub mod ids;
pub mod money;
pub mod partner;
pub mod rounding;
pub mod tax_invoice;
pub mod tenant;
pub mod validation;
