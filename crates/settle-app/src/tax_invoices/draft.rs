//! Drafting: create (and optionally request at once), edit while drafted, delete.

use settle_core::access::Right;
use settle_core::ids::PartnerId;
use settle_core::partner::Partner;
use settle_core::tax_invoice::{
    DocumentKey, InvoiceParty, PartyContact, PartyInput, TaxInvoiceAction, TaxInvoiceInput,
    TaxInvoiceRecord, TaxInvoiceState,
};
use settle_core::tenant::Tenant;
use settle_core::validation::FieldError;
use settle_store::tax_invoices::{self, HistoryEntry};
use settle_store::{partners, tenants};
use time::OffsetDateTime;

use super::{check, load_in, lost_race, memo, remove, request};
use crate::auth::Principal;
use crate::{App, AppError, audit};

/// A document as the platform sends it: the content, the supplier, the key.
#[derive(Clone, Debug, Default)]
pub struct DraftInput {
    /// The platform's key.
    pub document_key: Option<String>,
    /// The supplier.
    pub partner_id: Option<String>,
    /// The content; its `supplier` and `buyer` are filled in from the partner and tenant.
    pub invoice: TaxInvoiceInput,
    /// Request issuance at once.
    pub request: bool,
    /// Memo for the request.
    pub memo: Option<String>,
}

/// The tenant as a party of its tax invoices (the buyer of reverse-issued ones, the
/// supplier of forward-issued ones), or 409 when its party data is incomplete.
pub(crate) fn tenant_party(tenant: &Tenant) -> Result<InvoiceParty, AppError> {
    tenant.as_buyer().ok_or_else(|| {
        AppError::conflict(
            "tenant.profile_incomplete",
            "set the platform's representative, address and contact first (PATCH /v1/tenant)",
        )
    })
}

/// The partner as a party of its tax invoices (the supplier of reverse-issued ones, the
/// buyer of forward-issued ones).
pub(crate) fn partner_party(partner: &Partner) -> Result<InvoiceParty, FieldError> {
    let d = &partner.data;
    let brn = d.brn.ok_or_else(|| {
        FieldError::new(
            "tax_invoice.partner_without_brn",
            "partner_id",
            "the partner has no business registration number, so it cannot issue tax invoices",
        )
    })?;
    let some = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    Ok(InvoiceParty {
        brn,
        sub_business_id: d.sub_business_id.clone(),
        name: d.name.clone(),
        ceo_name: d.ceo_name.clone(),
        address: some(&d.address),
        biz_type: some(&d.biz_type),
        biz_item: some(&d.biz_item),
        contact: PartyContact {
            name: some(&d.contact.name),
            email: some(&d.contact.email),
            phone: d.contact.phone.clone(),
        },
    })
}

/// Builds a drafted record from `input` for `partner`, or every problem with it.
pub(crate) fn prepare(
    tenant: &Tenant,
    buyer: &InvoiceParty,
    partner: &Partner,
    mut invoice: TaxInvoiceInput,
    document_key: Option<&str>,
    now: OffsetDateTime,
) -> Result<TaxInvoiceRecord, Vec<FieldError>> {
    let mut errors = Vec::new();
    let key = match DocumentKey::parse(document_key.unwrap_or("").trim()) {
        Ok(key) => Some(key),
        Err(message) => {
            errors.push(FieldError::new(
                "tax_invoice.invalid_document_key",
                "document_key",
                message,
            ));
            None
        }
    };
    let supplier = partner_party(partner).map_err(|e| errors.push(e)).ok();
    invoice.supplier = supplier.as_ref().map(PartyInput::from);
    invoice.buyer = Some(PartyInput::from(buyer));
    invoice.approval_number = None;
    let document = invoice
        .validate(&tenant.tax_policy())
        .map_err(|mut e| errors.append(&mut e))
        .ok();
    match (key, document, supplier) {
        (Some(document_key), Some(document), Some(_)) if errors.is_empty() => {
            Ok(TaxInvoiceRecord::drafted(
                tenant.id.clone(),
                document_key,
                partner.id.clone(),
                document,
                now,
            ))
        }
        _ => Err(errors),
    }
}

/// Loads the tenant and one of its partners.
pub(crate) async fn tenant_and_partner(
    conn: &mut settle_store::Conn,
    by: &Principal,
    partner_id: Option<&str>,
) -> Result<(Tenant, Partner), AppError> {
    let tenant = tenants::get(conn, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let partner_id = partner_id.ok_or_else(|| {
        AppError::invalid(
            "tax_invoice.missing_field",
            "partner_id",
            "partner_id is required",
        )
    })?;
    let unknown = || {
        AppError::missing_reference(
            "tax_invoice.unknown_partner",
            "partner_id",
            "no partner of this tenant has this id",
        )
    };
    let id = PartnerId::parse(partner_id).ok_or_else(unknown)?;
    let partner = partners::get(conn, &by.tenant_id, &id)
        .await?
        .ok_or_else(unknown)?;
    Ok((tenant, partner))
}

fn key_taken() -> AppError {
    AppError::conflict(
        "tax_invoice.duplicate_document_key",
        "another tax invoice of this tenant has this document_key (delete it to reuse the key)",
    )
    .with_field("document_key")
}

/// What [`create`] would store, checked the same way but not stored: the totals as the
/// server computes them, or every problem.
pub async fn preview(
    app: &App,
    by: &Principal,
    input: DraftInput,
) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let mut conn = app.store.read().await?;
    let (tenant, partner) = tenant_and_partner(&mut conn, by, input.partner_id.as_deref()).await?;
    let buyer = tenant_party(&tenant)?;
    let key = input.document_key.as_deref();
    prepare(&tenant, &buyer, &partner, input.invoice, key, app.now()).map_err(AppError::validation)
}

/// Creates a drafted invoice, and requests it at once with `input.request`.
pub async fn create(
    app: &App,
    by: &Principal,
    input: DraftInput,
) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let mut tx = app.store.write().await?;
    let record = create_in(app, &mut tx, by, input).await?;
    tx.commit().await?;
    Ok(record)
}

/// [`create`] in the caller's transaction (rights already checked).
pub(crate) async fn create_in(
    app: &App,
    tx: &mut settle_store::Conn,
    by: &Principal,
    input: DraftInput,
) -> Result<TaxInvoiceRecord, AppError> {
    let memo = memo(input.memo)?;
    let now = app.now();
    let (tenant, partner) = tenant_and_partner(tx, by, input.partner_id.as_deref()).await?;
    let buyer = tenant_party(&tenant)?;
    let record = prepare(
        &tenant,
        &buyer,
        &partner,
        input.invoice,
        input.document_key.as_deref(),
        now,
    )
    .map_err(AppError::validation)?;
    if !tax_invoices::insert(tx, &record).await? {
        return Err(key_taken());
    }
    crate::webhooks::record_history(
        tx,
        &by.tenant_id,
        &[HistoryEntry {
            tax_invoice_id: record.id.clone(),
            from: None,
            to: TaxInvoiceState::Drafted,
            actor: by.actor.clone(),
            at: now,
            memo: None,
        }],
    )
    .await?;
    if !input.request {
        return Ok(record);
    }
    Ok(
        request::request_in(app, tx, &tenant, &partner, &record, &by.actor, memo, now)
            .await?
            .0,
    )
}

/// Drafts an invoice and marks it requested in one transaction without asking anyone: for
/// an invoice its supplier issues at once itself (Popbill's `registIssue`).
pub(crate) async fn create_requested_quietly(
    app: &App,
    by: &Principal,
    input: DraftInput,
) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let mut tx = app.store.write().await?;
    let drafted = create_in(
        app,
        &mut tx,
        by,
        DraftInput {
            request: false,
            ..input
        },
    )
    .await?;
    let partner = drafted.partner_id.to_string();
    let (tenant, partner) = tenant_and_partner(&mut tx, by, Some(&partner)).await?;
    let requested =
        request::mark_requested_in(&mut tx, &tenant, &partner, &drafted, &by.actor, app.now())
            .await?;
    tx.commit().await?;
    Ok(requested)
}

/// Replaces the content of a drafted invoice (same rules as creating it).
pub async fn update(
    app: &App,
    by: &Principal,
    key: &str,
    input: DraftInput,
) -> Result<TaxInvoiceRecord, AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let current = load_in(&mut tx, &by.tenant_id, key).await?;
    check(&current, TaxInvoiceAction::Edit)?;
    let partner_id = input
        .partner_id
        .clone()
        .unwrap_or_else(|| current.partner_id.to_string());
    let (tenant, partner) = tenant_and_partner(&mut tx, by, Some(&partner_id)).await?;
    let buyer = tenant_party(&tenant)?;
    let prepared = prepare(
        &tenant,
        &buyer,
        &partner,
        input.invoice,
        Some(current.document_key.as_str()),
        now,
    )
    .map_err(AppError::validation)?;
    let updated = TaxInvoiceRecord {
        partner_id: prepared.partner_id,
        document: prepared.document,
        version: current.version + 1,
        updated_at: now,
        ..current
    };
    if !tax_invoices::update_document(&mut tx, &updated).await? {
        return Err(lost_race(&mut tx, &updated, TaxInvoiceAction::Edit).await);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a drafted, refused or cancelled invoice, which frees its document key.
pub async fn delete(app: &App, by: &Principal, key: &str) -> Result<(), AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let current = load_in(&mut tx, &by.tenant_id, key).await?;
    remove(&mut tx, &current).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "tax_invoice.deleted",
        ("tax_invoice", current.id.as_str()),
        serde_json::json!({ "document_key": current.document_key, "state": current.state }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(())
}
