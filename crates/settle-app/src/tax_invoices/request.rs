//! Asking the supplier to issue: the request (with its emailed link), a resend, and the
//! buyer's withdrawal.

use settle_core::access::Right;
use settle_core::partner::{NtsLink, Partner};
use settle_core::tax_invoice::{TaxInvoiceAction, TaxInvoiceRecord};
use settle_core::tenant::Tenant;
use settle_core::validation::is_plausible_email;
use settle_store::supplier::{self, SupplierLink};
use settle_store::{partners, tenants};
use time::OffsetDateTime;

use super::{Effect, Notify, apply, check, load_in, memo};
use crate::auth::Principal;
use crate::settings::LINK_LIFETIME;
use crate::supplier::new_token;
use crate::{App, AppError, mail};

/// Requests issuance inside `tx`: checks both parties are linked with the filing service,
/// moves the invoice, and queues the email with a fresh link; returns the invoice and the
/// link.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn request_in(
    app: &App,
    tx: &mut settle_store::Conn,
    tenant: &Tenant,
    partner: &Partner,
    record: &TaxInvoiceRecord,
    actor: &str,
    memo: Option<String>,
    now: OffsetDateTime,
) -> Result<(TaxInvoiceRecord, String), AppError> {
    require_linked(tenant, partner)?;
    let record = apply(
        tx,
        record,
        TaxInvoiceAction::Request,
        Effect::State,
        actor,
        memo,
        Notify::Nobody,
        now,
    )
    .await?;
    let link = send_link(app, tx, &record, None, now).await?;
    Ok((record, link))
}

/// Marks a drafted invoice requested inside `tx` without asking anyone: for an invoice its
/// supplier issues at once itself.
pub(crate) async fn mark_requested_in(
    tx: &mut settle_store::Conn,
    tenant: &Tenant,
    partner: &Partner,
    record: &TaxInvoiceRecord,
    actor: &str,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, AppError> {
    require_linked(tenant, partner)?;
    apply(
        tx,
        record,
        TaxInvoiceAction::Request,
        Effect::State,
        actor,
        None,
        Notify::Nobody,
        now,
    )
    .await
}

fn require_linked(tenant: &Tenant, partner: &Partner) -> Result<(), AppError> {
    if tenant.nts_linked_at.is_none() {
        return Err(AppError::conflict(
            "tenant.not_linked",
            "link the platform with the NTS first (POST /v1/tenant/nts-link with its certificate)",
        ));
    }
    if matches!(partner.nts_link, NtsLink::Unlinked) {
        return Err(AppError::conflict(
            "partner.not_linked",
            "the partner is not linked with the NTS: link it first (POST /v1/partners/{id}/nts-link)",
        )
        .with_field("partner_id"));
    }
    Ok(())
}

/// Makes a link token for `record` and queues the request email to `to` (the supplier's
/// contact when `None`); returns the link.
async fn send_link(
    app: &App,
    tx: &mut settle_store::Conn,
    record: &TaxInvoiceRecord,
    to: Option<&str>,
    now: OffsetDateTime,
) -> Result<String, AppError> {
    let (token, token_hash) = new_token();
    let expires_at = now + LINK_LIFETIME;
    supplier::insert_links(
        tx,
        &[SupplierLink {
            token_hash,
            tenant_id: record.tenant_id.clone(),
            tax_invoice_id: record.id.clone(),
            partner_id: record.partner_id.clone(),
            created_at: now,
            expires_at,
        }],
    )
    .await?;
    let link = format!(
        "{}/s/{token}",
        app.settings.public_url.trim_end_matches('/')
    );
    let to = to
        .map(str::to_owned)
        .or_else(|| record.document.supplier.contact.email.clone())
        .unwrap_or_default();
    let request = mail::IssueRequestMail {
        tax_invoice_id: record.id.to_string(),
        link: link.clone(),
        expires_at,
        to,
    };
    mail::enqueue_requests(tx, &record.tenant_id, vec![request], now).await?;
    Ok(link)
}

/// Requests issuance of a drafted invoice.
pub async fn request(
    app: &App,
    by: &Principal,
    key: &str,
    memo_text: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    Ok(request_with_link(app, by, key, memo_text).await?.0)
}

/// Requests issuance of a drafted invoice; returns it and the supplier's link (which the
/// email carries), for `settle demo` to print.
pub async fn request_with_link(
    app: &App,
    by: &Principal,
    key: &str,
    memo_text: Option<String>,
) -> Result<(TaxInvoiceRecord, String), AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let memo = memo(memo_text)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let record = load_in(&mut tx, &by.tenant_id, key).await?;
    check(&record, TaxInvoiceAction::Request)?;
    let tenant = tenants::get(&mut tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let partner = partners::get(&mut tx, &by.tenant_id, &record.partner_id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    let requested = request_in(
        app, &mut tx, &tenant, &partner, &record, &by.actor, memo, now,
    )
    .await?;
    tx.commit().await?;
    Ok(requested)
}

/// Sends the request email again, to the supplier's contact or to `email`.
pub async fn resend(
    app: &App,
    by: &Principal,
    key: &str,
    email: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if let Some(address) = &email
        && !is_plausible_email(address)
    {
        return Err(AppError::invalid(
            "tax_invoice.invalid_email",
            "email",
            "email is not a valid address",
        ));
    }
    let now = app.now();
    let mut tx = app.store.write().await?;
    let record = load_in(&mut tx, &by.tenant_id, key).await?;
    check(&record, TaxInvoiceAction::Resend)?;
    send_link(app, &mut tx, &record, email.as_deref(), now).await?;
    tx.commit().await?;
    Ok(record)
}

/// Withdraws the request (the buyer's side); the supplier is told.
pub async fn cancel_request(
    app: &App,
    by: &Principal,
    key: &str,
    memo_text: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let memo = memo(memo_text)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let record = load_in(&mut tx, &by.tenant_id, key).await?;
    let record = apply(
        &mut tx,
        &record,
        TaxInvoiceAction::CancelRequest,
        Effect::State,
        &by.actor,
        memo,
        Notify::Parties,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}
