//! Billing profiles: one per partner and billing currency. A change applies to invoices
//! finalized afterwards; finalized invoices keep the details they were finalized with.

use std::collections::HashSet;

use settle_core::access::Right;
use settle_core::billing::{BillingProfile, BillingProfileInput};
use settle_core::ids::{BillingProfileId, PartnerId};
use settle_store::billing::profiles;
use settle_store::partners;

use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::patch::merge_patch;
use crate::{App, AppError, audit};

fn unknown_partner() -> AppError {
    AppError::missing_reference(
        "billing_profile.unknown_partner",
        "partner_id",
        "no such partner",
    )
}

fn duplicate(currency: &str) -> AppError {
    AppError::conflict(
        "billing_profile.duplicate",
        format!("the partner has a billing profile in {currency} already"),
    )
    .with_field("billing_currency")
}

/// Validates `input` into a new profile of the principal's tenant (partner not checked).
fn prepare(
    app: &App,
    by: &Principal,
    input: BillingProfileInput,
) -> Result<BillingProfile, AppError> {
    let partner_id = input
        .partner_id
        .as_deref()
        .map(|p| PartnerId::parse(p.trim()).ok_or_else(unknown_partner))
        .transpose()?
        .ok_or_else(|| {
            AppError::invalid(
                "billing_profile.missing_field",
                "partner_id",
                "partner_id is required",
            )
        })?;
    let (currency, details) = input.validate().map_err(AppError::validation)?;
    let now = app.now();
    Ok(BillingProfile {
        id: BillingProfileId::generate(),
        tenant_id: by.tenant_id.clone(),
        partner_id,
        currency,
        details,
        version: 1,
        created_at: now,
        updated_at: now,
    })
}

/// Creates a billing profile; 409 when the partner has one in that currency.
pub async fn create_profile(
    app: &App,
    by: &Principal,
    input: BillingProfileInput,
) -> Result<BillingProfile, AppError> {
    by.require(Right::WriteInvoices)?;
    let profile = prepare(app, by, input)?;
    let mut tx = app.store.write().await?;
    partners::get(&mut tx, &by.tenant_id, &profile.partner_id)
        .await?
        .ok_or_else(unknown_partner)?;
    if profiles::insert_many(&mut tx, std::slice::from_ref(&profile)).await? == 0 {
        return Err(duplicate(profile.currency.code()));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "billing_profile.created",
        ("billing_profile", profile.id.as_str()),
        serde_json::json!({"partner_id": profile.partner_id, "currency": profile.currency.code()}),
        profile.created_at,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(profile)
}

/// Creates many profiles in one transaction (all or nothing); returns how many.
pub async fn create_profiles(
    app: &App,
    by: &Principal,
    inputs: Vec<BillingProfileInput>,
) -> Result<usize, AppError> {
    by.require(Right::WriteInvoices)?;
    let profiles: Vec<BillingProfile> = inputs
        .into_iter()
        .map(|input| prepare(app, by, input))
        .collect::<Result<_, _>>()?;
    let partner_ids: Vec<String> = profiles
        .iter()
        .map(|p| p.partner_id.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut tx = app.store.write().await?;
    let found = partners::find_many(&mut tx, &by.tenant_id, false, &partner_ids).await?;
    if found.len() != partner_ids.len() {
        return Err(unknown_partner());
    }
    let stored = profiles::insert_many(&mut tx, &profiles).await?;
    if stored as usize != profiles.len() {
        return Err(duplicate("that currency"));
    }
    tx.commit().await?;
    Ok(profiles.len())
}

async fn load(
    conn: &mut settle_store::Conn,
    by: &Principal,
    id: &str,
) -> Result<BillingProfile, AppError> {
    let id = BillingProfileId::parse(id).ok_or_else(|| AppError::not_found("billing_profile"))?;
    profiles::get(conn, &id)
        .await?
        .filter(|p| p.tenant_id == by.tenant_id)
        .ok_or_else(|| AppError::not_found("billing_profile"))
}

/// One profile.
pub async fn get_profile(app: &App, by: &Principal, id: &str) -> Result<BillingProfile, AppError> {
    by.require(Right::ReadInvoices)?;
    let mut conn = app.store.read().await?;
    let profile = load(&mut conn, by, id).await?;
    by.sees(&profile.partner_id, "billing_profile")?;
    Ok(profile)
}

/// A page of profiles, optionally of one partner.
pub async fn list_profiles(
    app: &App,
    by: &Principal,
    partner: Option<&str>,
    page: &PageRequest,
) -> Result<Page<BillingProfile>, AppError> {
    by.require(Right::ReadInvoices)?;
    let partner = partner
        .map(|p| {
            PartnerId::parse(p).ok_or_else(|| {
                AppError::invalid("request.invalid_query", "partner_id", "not a partner id")
            })
        })
        .transpose()?;
    let among = by.scope.assigned();
    let mut conn = app.store.read().await?;
    let items = profiles::list(
        &mut conn,
        &by.tenant_id,
        partner.as_ref(),
        among.as_deref(),
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    Ok(page.page(items, |p| p.id.as_str()))
}

/// Applies a JSON merge patch to a profile's details. The partner and the billing currency
/// cannot change (make another profile instead).
pub async fn update_profile(
    app: &App,
    by: &Principal,
    id: &str,
    patch: serde_json::Value,
) -> Result<BillingProfile, AppError> {
    by.require(Right::WriteInvoices)?;
    for fixed in settle_core::billing::profile::IMMUTABLE_FIELDS {
        if patch.get(fixed).is_some() {
            return Err(AppError::invalid(
                "billing_profile.immutable_field",
                fixed,
                format!("{fixed} cannot change; create another billing profile"),
            ));
        }
    }
    let mut tx = app.store.write().await?;
    let current = load(&mut tx, by, id).await?;
    let mut input = serde_json::to_value(
        current
            .details
            .to_input(current.partner_id.as_str(), current.currency),
    )
    .map_err(AppError::internal)?;
    merge_patch(&mut input, patch);
    let input: BillingProfileInput = serde_json::from_value(input)
        .map_err(|e| AppError::invalid("request.invalid_field", "patch", e.to_string()))?;
    let (_, details) = input.validate().map_err(AppError::validation)?;
    let now = app.now();
    let updated = BillingProfile {
        details,
        version: current.version + 1,
        updated_at: now,
        ..current
    };
    if !profiles::update(&mut tx, &updated).await? {
        return Err(AppError::conflict(
            "billing_profile.changed",
            "the billing profile was changed meanwhile; read it again",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "billing_profile.updated",
        ("billing_profile", updated.id.as_str()),
        serde_json::json!({"version": updated.version}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(updated)
}
