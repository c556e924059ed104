//! Filing issued invoices with the NTS. The [`Filer`] is the boundary; the embedded
//! [`Simulator`] is the default. Invoices are claimed (`issued` → `sending`) under a lease
//! in one transaction, handed to the filer, and their results recorded in another, so a
//! crash between the two leaves them `sending` until the lease lapses and the next batch
//! files them again — and the filer recognises a resubmission, so it is filed once in
//! effect.

mod batch;
pub mod popbill;
pub mod protocol;
mod remote;
mod simulator;

use async_trait::async_trait;
use settle_core::tax_invoice::InvoiceParty;

pub use batch::{BatchReport, JOB_KIND, batch_cutoff, file_now, run_batch};
pub use popbill::PopbillFiler;
pub use remote::RemoteFiler;
pub use simulator::{ALREADY_RECEIVED, Simulator};

/// The NTS answer that means accepted.
pub const SUCCESS: &str = "SUC001";

/// One invoice handed to the filer.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Submission {
    /// Its approval number.
    pub approval_number: String,
    /// The signed XML.
    pub signed_xml: String,
}

/// The filer's answer for one invoice.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FilingResult {
    /// `SUC001`, or an error code (`SYN002`, `SYN003`, `SYN004`, `ERR001`…).
    pub code: String,
    /// What it means.
    pub message: String,
}

impl FilingResult {
    /// Whether the NTS accepted the invoice.
    pub fn accepted(&self) -> bool {
        self.code == SUCCESS
    }
}

/// The filer could not be reached or failed; the invoices stay claimed and are retried.
#[derive(Clone, Debug, thiserror::Error)]
#[error("the filing service failed: {0}")]
pub struct FilerError(pub String);

/// Where issued invoices go: the NTS (through an ASP) or a simulator of it.
#[async_trait]
pub trait Filer: Send + Sync {
    /// Registers a business with the filing service (its automatic membership), with what
    /// an invoice says of it (a service such as Popbill keeps its name and contact).
    async fn register_member(&self, business: &InvoiceParty) -> Result<(), FilerError>;

    /// Files invoices; one result per submission, in order. Filing the same invoice again
    /// must answer what the first filing answered.
    async fn file(&self, submissions: &[Submission]) -> Result<Vec<FilingResult>, FilerError>;
}
