//! The trust bundle: the CAs (a PEM file) a signing certificate must chain to.

use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509, X509StoreContext};

use crate::error::CertError;

/// Trusted CA certificates.
pub struct TrustBundle {
    store: X509Store,
    count: usize,
}

impl std::fmt::Debug for TrustBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustBundle({} certificates)", self.count)
    }
}

impl TrustBundle {
    /// Reads every certificate of a PEM file.
    pub fn from_pem(pem: &[u8]) -> Result<Self, CertError> {
        let certificates = X509::stack_from_pem(pem)
            .map_err(|e| CertError::TrustBundle(format!("not PEM certificates: {e}")))?;
        if certificates.is_empty() {
            return Err(CertError::TrustBundle("no certificates in it".into()));
        }
        let mut builder = X509StoreBuilder::new()?;
        for certificate in &certificates {
            builder.add_cert(certificate.clone())?;
        }
        // Validity is checked against the caller's clock, not the machine's.
        builder.set_flags(X509VerifyFlags::NO_CHECK_TIME)?;
        Ok(TrustBundle {
            store: builder.build(),
            count: certificates.len(),
        })
    }

    /// Reads a PEM file from disk.
    pub fn from_pem_file(path: &std::path::Path) -> Result<Self, CertError> {
        let pem = std::fs::read(path)
            .map_err(|e| CertError::TrustBundle(format!("{}: {e}", path.display())))?;
        Self::from_pem(&pem)
    }

    /// Checks that `certificate` chains to this bundle, using `intermediates` as needed.
    pub fn verify(&self, certificate: &X509, intermediates: &[X509]) -> Result<(), CertError> {
        let mut chain = Stack::new()?;
        for intermediate in intermediates {
            chain.push(intermediate.clone())?;
        }
        let mut context = X509StoreContext::new()?;
        let mut reason = None;
        let ok = context.init(&self.store, certificate, &chain, |ctx| {
            let ok = ctx.verify_cert()?;
            if !ok {
                reason = Some(ctx.error().error_string().to_owned());
            }
            Ok(ok)
        })?;
        if ok {
            Ok(())
        } else {
            Err(CertError::Untrusted(
                reason.unwrap_or_else(|| "no chain".into()),
            ))
        }
    }
}
