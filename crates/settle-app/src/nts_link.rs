//! Linking with the filing service (seed STEP 1 and 2): the platform links once with its
//! own certificate; each partner is registered by one action (automatic membership) and
//! told by email. Only linked partners can be asked to issue.

use settle_core::access::Right;
use settle_core::partner::{NtsLink, Partner};
use settle_core::rounding::RoundingMode;
use settle_core::tax_invoice::PartyContact;
use settle_core::tenant::Tenant;
use settle_core::validation::{Checker, is_plausible_email, is_plausible_phone};
use settle_store::{partners, tenants};

use crate::auth::Principal;
use crate::certificates::{self, CertificateFiles, Party, Registration};
use crate::{App, AppError, ErrorKind, audit, mail};

/// Changes to the tenant's own data; absent fields stay as they are.
#[derive(Clone, Debug, Default)]
pub struct TenantPatch {
    /// Company name.
    pub name: Option<String>,
    /// Representative.
    pub ceo_name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// 업태.
    pub biz_type: Option<String>,
    /// 종목.
    pub biz_item: Option<String>,
    /// Contact person's name.
    pub contact_name: Option<String>,
    /// Contact email (receives issued invoices and notices).
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// `toward_zero` (truncate), `half_away_from_zero` (half_up) or `ceiling`.
    pub tax_rounding: Option<RoundingMode>,
    /// Rounding of partner-invoice line amounts: `half_away_from_zero` (default) or
    /// `toward_zero`.
    pub billing_rounding: Option<RoundingMode>,
    /// Days after the due date to remind a partner of an unpaid invoice (0 to switch off).
    pub overdue_reminder_days: Option<u32>,
}

/// The caller's tenant.
pub async fn tenant(app: &App, by: &Principal) -> Result<Tenant, AppError> {
    by.require(Right::ReadTenant)?;
    crate::tenants::get(app, &by.tenant_id).await
}

/// The certificate the tenant linked itself with, if it did.
pub async fn tenant_certificate(
    app: &App,
    by: &Principal,
) -> Result<Option<Registration>, AppError> {
    by.require(Right::ReadTenant)?;
    certificates::registered(app, &by.tenant_id, &Party::Tenant).await
}

/// Updates the tenant's own data.
pub async fn update_tenant(
    app: &App,
    by: &Principal,
    patch: TenantPatch,
) -> Result<Tenant, AppError> {
    by.require(Right::ManageTenant)?;
    use settle_core::partner::{
        MAX_ADDRESS, MAX_BIZ, MAX_CEO_NAME, MAX_CONTACT, MAX_NAME, MAX_PHONE,
    };
    let mut check = Checker::new("tenant");
    let name = check.text("name", patch.name, MAX_NAME);
    let ceo_name = check.text("ceo_name", patch.ceo_name, MAX_CEO_NAME);
    let address = check.text("address", patch.address, MAX_ADDRESS);
    let biz_type = check.text("biz_type", patch.biz_type, MAX_BIZ);
    let biz_item = check.text("biz_item", patch.biz_item, MAX_BIZ);
    let contact_name = check.text("contact.name", patch.contact_name, MAX_CONTACT);
    let contact_email = check.text("contact.email", patch.contact_email, MAX_CONTACT);
    let contact_phone = check.text("contact.phone", patch.contact_phone, MAX_PHONE);
    if contact_email
        .as_deref()
        .is_some_and(|e| !is_plausible_email(e))
    {
        check.fail(
            "invalid_email",
            "contact.email",
            "contact.email is not a valid address",
        );
    }
    if contact_phone
        .as_deref()
        .is_some_and(|p| !is_plausible_phone(p))
    {
        check.fail(
            "invalid_phone",
            "contact.phone",
            "contact.phone is not a valid phone number",
        );
    }
    check.finish(()).map_err(AppError::validation)?;
    let mut tx = app.store.write().await?;
    let mut tenant = tenants::get(&mut tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let p = &mut tenant.profile;
    let set = |slot: &mut Option<String>, value: Option<String>| {
        if value.is_some() {
            *slot = value;
        }
    };
    if let Some(name) = name {
        tenant.name = name;
    }
    set(&mut p.ceo_name, ceo_name);
    set(&mut p.address, address);
    set(&mut p.biz_type, biz_type);
    set(&mut p.biz_item, biz_item);
    let PartyContact { name, email, phone } = &mut p.contact;
    set(name, contact_name);
    set(email, contact_email);
    set(phone, contact_phone);
    if patch.tax_rounding.is_some() {
        p.tax_rounding = patch.tax_rounding;
    }
    if patch.billing_rounding.is_some() {
        p.billing_rounding = patch.billing_rounding;
    }
    match patch.overdue_reminder_days {
        Some(0) => p.overdue_reminder_days = None,
        Some(days) if days > 365 => {
            return Err(AppError::invalid(
                "tenant.invalid_reminder",
                "overdue_reminder_days",
                "overdue_reminder_days is 0 (off) to 365",
            ));
        }
        Some(days) => p.overdue_reminder_days = Some(days),
        None => {}
    }
    tenants::update(&mut tx, &tenant).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "tenant.updated",
        ("tenant", by.tenant_id.as_str()),
        serde_json::json!({}),
        app.now(),
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(tenant)
}

/// Links the platform itself with the filing service, registering its certificate.
pub async fn link_tenant(
    app: &App,
    by: &Principal,
    files: CertificateFiles,
    password: &str,
) -> Result<(Tenant, Registration), AppError> {
    by.require(Right::ManageTenant)?;
    let tenant = crate::tenants::get(app, &by.tenant_id).await?;
    let Some(party) = tenant.as_buyer() else {
        return Err(AppError::conflict(
            "tenant.profile_incomplete",
            "set the platform's representative, address and contact first (PATCH /v1/tenant)",
        ));
    };
    let registration = certificates::register(
        app,
        &by.tenant_id,
        &Party::Tenant,
        &tenant.brn,
        files,
        password,
    )
    .await?;
    app.filer
        .register_member(&party)
        .await
        .map_err(filer_error)?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    let mut tenant = tenants::get(&mut tx, &by.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    tenant.nts_linked_at = Some(now);
    tenants::update(&mut tx, &tenant).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "tenant.nts_linked",
        ("tenant", by.tenant_id.as_str()),
        serde_json::json!({ "certificate": registration.id }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok((tenant, registration))
}

fn filer_error(error: crate::filing::FilerError) -> AppError {
    AppError::new(
        ErrorKind::Internal,
        "nts.filer_unavailable",
        error.to_string(),
    )
}

/// Registers a partner with the filing service and emails it "registration complete".
/// Linking a linked partner changes nothing.
pub async fn link_partner(app: &App, by: &Principal, id: &str) -> Result<Partner, AppError> {
    by.require(Right::WritePartners)?;
    let partner = crate::partners::get(app, by, id).await?;
    if matches!(partner.nts_link, NtsLink::Linked { .. }) {
        return Ok(partner);
    }
    if partner.data.brn.is_none() {
        return Err(AppError::invalid(
            "partner.brn_required",
            "brn",
            "a partner without a business registration number cannot be linked",
        ));
    }
    let party =
        crate::tax_invoices::partner_party(&partner).map_err(|e| AppError::validation(vec![e]))?;
    app.filer
        .register_member(&party)
        .await
        .map_err(filer_error)?;
    let tenant = crate::tenants::get(app, &by.tenant_id).await?;
    let email = mail::templates::partner_linked(
        &tenant.name,
        &partner.data.name,
        &partner.data.contact.email,
    );
    let now = app.now();
    set_link(
        app,
        by,
        partner,
        NtsLink::Linked { linked_at: now },
        Some(email),
    )
    .await
}

/// Unlinks a partner (to edit its business data); documents already requested stay.
pub async fn unlink_partner(app: &App, by: &Principal, id: &str) -> Result<Partner, AppError> {
    by.require(Right::WritePartners)?;
    let partner = crate::partners::get(app, by, id).await?;
    if matches!(partner.nts_link, NtsLink::Unlinked) {
        return Ok(partner);
    }
    set_link(app, by, partner, NtsLink::Unlinked, None).await
}

/// Stores the partner's new link (compare-and-set on its version) with the audit event and
/// the email it causes.
async fn set_link(
    app: &App,
    by: &Principal,
    partner: Partner,
    link: NtsLink,
    email: Option<mail::Email>,
) -> Result<Partner, AppError> {
    let now = app.now();
    let action = match link {
        NtsLink::Linked { .. } => "partner.nts_linked",
        NtsLink::Unlinked => "partner.nts_unlinked",
    };
    let changed = Partner {
        nts_link: link,
        version: partner.version + 1,
        updated_at: now,
        ..partner
    };
    let mut tx = app.store.write().await?;
    if !partners::update(&mut tx, &changed).await? {
        return Err(AppError::conflict(
            "partner.modified",
            "the partner changed meanwhile; read it again and retry",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        action,
        ("partner", changed.id.as_str()),
        serde_json::json!({}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    mail::enqueue(&mut tx, &by.tenant_id, email.into_iter().collect(), now).await?;
    tx.commit().await?;
    Ok(changed)
}
