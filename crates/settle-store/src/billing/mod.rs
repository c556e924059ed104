//! Partner invoicing tables: billing profiles, charges, billing runs, documents and their
//! lines, number series, payments with what they settle, and rebill requests.

pub mod charges;
pub mod documents;
pub mod lines;
pub mod numbers;
pub mod payments;
pub mod profiles;
pub mod rebills;
pub mod reconciliation;
pub mod runs;
