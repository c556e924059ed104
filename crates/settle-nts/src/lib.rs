//! The NTS side of reverse issuance: Korean joint certificates (공동인증서) in their file
//! formats, the NTS standard tax-invoice XML, its XML signature and approval numbers.
//! No IO beyond what the caller hands in; usable from the CLI without a server.

pub mod approval;
mod c14n;
pub mod certificate;
mod der;
pub mod dsig;
pub mod error;
pub mod xml;

pub use approval::{ApprovalNumber, IssuerCode};
pub use certificate::{CertificateInfo, CheckOptions, CheckReport, SigningIdentity, TrustBundle};
pub use error::{CertError, SignatureError, XmlError};
pub use xml::NtsDocument;
