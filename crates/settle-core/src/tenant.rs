//! The tenant: one platform that uses settle, and the buyer on its reverse-issued invoices.

use time::OffsetDateTime;

use crate::brn::Brn;
use crate::ids::TenantId;

/// A platform using settle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its company name.
    pub name: String,
    /// Its business registration number.
    pub brn: Brn,
    /// When it was created.
    pub created_at: OffsetDateTime,
}
