//! Issuing: the next NTS approval number, the standard XML and the issuer's signature.

use std::sync::Arc;

use settle_core::tax_invoice::TaxInvoiceRecord;
use settle_nts::approval::korean_local;
use settle_nts::{NtsDocument, SigningIdentity};
use settle_store::tax_invoices::Issuance;
use time::OffsetDateTime;

use crate::{App, AppError};

/// Takes the next approval number and signs `record`'s document with `identity`; what
/// the issue stores.
pub(crate) async fn sign_issuance(
    app: &App,
    record: &TaxInvoiceRecord,
    identity: Arc<SigningIdentity>,
    now: OffsetDateTime,
) -> Result<Issuance, AppError> {
    let approval = crate::approvals::take(app, now, &app.settings.issuer_code).await?;
    let document = NtsDocument {
        approval_number: approval.clone(),
        issued_at: korean_local(now),
        invoice: record.document.clone(),
    };
    // Signing is CPU work: it runs on the blocking pool so that it neither stalls the
    // runtime's workers nor waits for them.
    let signed = tokio::task::spawn_blocking(move || {
        settle_nts::dsig::sign(&settle_nts::xml::write(&document), &identity)
    })
    .await
    .map_err(|e| AppError::internal(format!("signing stopped: {e}")))?
    .map_err(|e| AppError::internal(format!("signing failed: {e}")))?;
    Ok(Issuance {
        approval_number: approval.as_str().to_owned(),
        signed_xml: signed,
        issued_at: now,
    })
}
