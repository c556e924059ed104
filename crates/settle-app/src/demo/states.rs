//! Tax invoices in every state, made once for the demo tenant through the same use cases
//! as everyone: drafted, refused, request cancelled, issued, issue cancelled, sent, and an
//! amendment (reason 4, contract cancelled) of the sent one. The supplier's side goes
//! through its emailed link and BRN like a person's.

use crate::auth::Principal;
use crate::supplier::{self, SupplierPrincipal};
use crate::tax_invoices::{self, AmendInput};
use crate::{App, AppError, filing};

use super::CERTIFICATE_PASSWORD;
use super::issuance::{Supplier, draft, supplier_files};

/// The key whose presence says the states were made.
const SENT: &str = "DEMO-SENT";

/// Makes the invoices of every state unless the demo tenant has them already.
pub(super) async fn fill_once(
    app: &App,
    by: &Principal,
    supplier: &Supplier,
) -> Result<(), AppError> {
    if tax_invoices::get(app, by, SENT).await.is_ok() {
        return Ok(());
    }
    draft(app, by, &supplier.id, "DEMO-DRAFTED", false).await?;
    let refused = requested(app, by, supplier, "DEMO-REFUSED").await?;
    supplier::refuse(
        app,
        &refused.0,
        &refused.1,
        Some("공급가액이 주문 내역과 다릅니다".into()),
    )
    .await?;
    draft(app, by, &supplier.id, "DEMO-REQUEST-CANCELLED", true).await?;
    tax_invoices::cancel_request(app, by, "DEMO-REQUEST-CANCELLED", Some("중복 요청".into()))
        .await?;
    let (session, id) = requested(app, by, supplier, "DEMO-ISSUED").await?;
    supplier::register_certificate(
        app,
        &session,
        supplier_files(&supplier.leaf)?,
        CERTIFICATE_PASSWORD,
    )
    .await?;
    supplier::issue(app, &session, &id, None).await?;
    let (session, id) = requested(app, by, supplier, "DEMO-ISSUE-CANCELLED").await?;
    supplier::issue(app, &session, &id, None).await?;
    supplier::cancel_issue(app, &session, &id, Some("계약 취소".into())).await?;
    let (session, id) = requested(app, by, supplier, SENT).await?;
    supplier::issue(app, &session, &id, None).await?;
    filing::file_now(app, by, SENT).await?;
    let amendment = AmendInput {
        reason_code: Some(4),
        document_key: Some("DEMO-SENT-AMEND".into()),
        corrected_document_key: None,
        write_date: None,
        items: None,
    };
    tax_invoices::amend(app, by, SENT, amendment).await?;
    Ok(())
}

/// Drafts and requests `key`, then opens the supplier's session with the emailed link and
/// its BRN; returns the session and the invoice's id.
async fn requested(
    app: &App,
    by: &Principal,
    supplier: &Supplier,
    key: &str,
) -> Result<(SupplierPrincipal, String), AppError> {
    let link = draft(app, by, &supplier.id, key, true)
        .await?
        .unwrap_or_default();
    let token = link.rsplit('/').next().unwrap_or_default();
    let opened = supplier::open_session(app, token, &supplier.brn).await?;
    let session = supplier::authenticate(app, &opened.session).await?;
    Ok((session, opened.tax_invoice_id))
}
