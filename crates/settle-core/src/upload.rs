//! Uploads worked on in the background: a spreadsheet of partners or of tax invoices is
//! stored when it arrives and worked through by the worker in chunks, so the page that
//! sent it shows progress instead of waiting.

use time::OffsetDateTime;

use crate::ids::{TenantId, UploadId};
use crate::named_enum;

named_enum!(
    /// What an upload holds.
    UploadKind {
        /// Partners to import.
        Partners = "partners",
        /// Tax invoices to draft (or request).
        TaxInvoices = "tax_invoices",
    }
);

/// Documents (or rows) worked on per chunk: progress moves after each.
pub const CHUNK: usize = 500;

/// An upload as stored (its file is stored apart).
#[derive(Clone, Debug, PartialEq)]
pub struct Upload {
    /// Its id.
    pub id: UploadId,
    /// The tenant it is for.
    pub tenant_id: TenantId,
    /// What it holds.
    pub kind: UploadKind,
    /// Who sent it (`user:…`).
    pub actor: String,
    /// The sender's roles then, comma-separated.
    pub roles: String,
    /// The file's name as sent.
    pub file_name: String,
    /// Documents or rows in it.
    pub total: i64,
    /// Documents or rows worked on so far.
    pub done: i64,
    /// The report, once finished.
    pub report: Option<serde_json::Value>,
    /// Why it stopped, if it failed as a whole.
    pub error: Option<String>,
    /// When it arrived.
    pub created_at: OffsetDateTime,
    /// When it was finished.
    pub finished_at: Option<OffsetDateTime>,
}
