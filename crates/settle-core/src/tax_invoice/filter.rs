//! Which tax invoices a list shows.

use time::OffsetDateTime;

use super::{Direction, TaxInvoiceState};
use crate::ids::PartnerId;

/// Filters for listing; every one given must hold.
#[derive(Clone, Debug, Default)]
pub struct TaxInvoiceFilter {
    /// In this state.
    pub state: Option<TaxInvoiceState>,
    /// Of this supplier.
    pub partner_id: Option<PartnerId>,
    /// Written on or after (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Written on or before (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Late (issued, or still not issued at `now`, after the 10th of the next month) or
    /// not, as of the instant given.
    pub late: Option<(bool, OffsetDateTime)>,
    /// Only of these partners (a sales agent's assigned ones); `None`: any.
    pub among: Option<Vec<crate::ids::PartnerId>>,
    /// Only issued this way.
    pub direction: Option<Direction>,
}
