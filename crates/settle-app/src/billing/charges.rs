//! Recording charges, one or many at a time (all or nothing), and reading them back.

use std::collections::HashMap;

use settle_core::access::Right;
use settle_core::billing::{ChargeInput, ChargeRecord};
use settle_core::currency::Currency;
use settle_core::ids::{ChargeId, PartnerId};
use settle_core::validation::FieldError;
use settle_store::billing::charges::{self, ChargeFilter};
use settle_store::billing::profiles;
use settle_store::partners;

use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError, audit};

/// Most charges in one request.
pub const MAX_CHARGES: usize = 10_000;

/// Above this many partners in one request, all the tenant's profiles are read at once.
const FEW_PARTNERS: usize = 20;

/// The billing currency of a charge: the one named, else the profile in the pricing
/// currency, else the partner's only profile.
fn billing_currency(input: &ChargeInput, available: &[Currency]) -> Result<Currency, FieldError> {
    if let Some(named) = input.billing_currency.as_deref() {
        return input
            .billing_currency()
            .filter(|c| available.contains(c))
            .ok_or_else(|| {
                FieldError::new(
                    "charge.no_billing_profile",
                    "billing_currency",
                    format!("the partner has no billing profile in {named}"),
                )
            });
    }
    if let Some(pricing) = input.pricing_currency().filter(|c| available.contains(c)) {
        return Ok(pricing);
    }
    match available {
        [only] => Ok(*only),
        [] => Err(FieldError::new(
            "charge.no_billing_profile",
            "partner_id",
            "the partner has no billing profile; create one first (POST /v1/billing-profiles)",
        )),
        _ => Err(FieldError::new(
            "charge.billing_currency_required",
            "billing_currency",
            "the partner has several billing profiles; name the billing_currency",
        )),
    }
}

/// Records charges in one transaction. With `listed`, error fields are prefixed with the
/// charge's index (`charges[3].quantity`). Every problem of every charge is reported and
/// nothing is stored unless all are valid.
pub async fn record_charges(
    app: &App,
    by: &Principal,
    inputs: Vec<ChargeInput>,
    listed: bool,
) -> Result<Vec<ChargeRecord>, AppError> {
    by.require(Right::WriteInvoices)?;
    if inputs.is_empty() || inputs.len() > MAX_CHARGES {
        return Err(AppError::invalid(
            "charge.invalid_count",
            "charges",
            format!("send 1 to {MAX_CHARGES} charges"),
        ));
    }
    let mut conn = app.store.read().await?;
    let partner_ids: Vec<Option<PartnerId>> = inputs
        .iter()
        .map(|i| {
            i.partner_id
                .as_deref()
                .and_then(|p| PartnerId::parse(p.trim()))
        })
        .collect();
    let mut wanted: Vec<String> = partner_ids
        .iter()
        .flatten()
        .map(|p| p.to_string())
        .collect();
    wanted.sort();
    wanted.dedup();
    let known: std::collections::HashSet<PartnerId> =
        partners::find_many(&mut conn, &by.tenant_id, false, &wanted)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
    let all_profiles = if wanted.len() > FEW_PARTNERS {
        profiles::of_tenant(&mut conn, &by.tenant_id).await?
    } else {
        let mut found = Vec::new();
        for partner in known.iter() {
            found.extend(profiles::of_partner(&mut conn, &by.tenant_id, partner).await?);
        }
        found
    };
    drop(conn);
    let mut currencies: HashMap<PartnerId, Vec<Currency>> = HashMap::new();
    for profile in all_profiles {
        currencies
            .entry(profile.partner_id)
            .or_default()
            .push(profile.currency);
    }
    let now = app.now();
    let mut records = Vec::with_capacity(inputs.len());
    let mut errors = Vec::new();
    for (index, (input, partner)) in inputs.into_iter().zip(partner_ids).enumerate() {
        let result = match partner.filter(|p| known.contains(p)) {
            None => Err(vec![FieldError::new(
                "charge.unknown_partner",
                "partner_id",
                "no such partner",
            )]),
            Some(partner) => {
                let available = currencies.get(&partner).map(Vec::as_slice).unwrap_or(&[]);
                billing_currency(&input, available)
                    .map_err(|e| vec![e])
                    .and_then(|billing| input.validate(partner, billing))
            }
        };
        match result {
            Ok(charge) => records.push(ChargeRecord {
                id: ChargeId::generate(),
                tenant_id: by.tenant_id.clone(),
                charge,
                run_id: None,
                created_at: now,
            }),
            Err(found) => errors.extend(found.into_iter().map(|mut e| {
                if listed {
                    e.field = format!("charges[{index}].{}", e.field);
                }
                e
            })),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut tx = app.store.write().await?;
    charges::insert_many(&mut tx, &records).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "charges.recorded",
        ("charge", records[0].id.as_str()),
        serde_json::json!({"count": records.len()}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(records)
}

/// One charge.
pub async fn get_charge(app: &App, by: &Principal, id: &str) -> Result<ChargeRecord, AppError> {
    by.require(Right::ReadInvoices)?;
    let id = ChargeId::parse(id).ok_or_else(|| AppError::not_found("charge"))?;
    let mut conn = app.store.read().await?;
    charges::get(&mut conn, &id)
        .await?
        .filter(|c| c.tenant_id == by.tenant_id && by.scope.allows(&c.charge.partner_id))
        .ok_or_else(|| AppError::not_found("charge"))
}

/// A page of charges.
pub async fn list_charges(
    app: &App,
    by: &Principal,
    filter: &ChargeFilter,
    page: &PageRequest,
) -> Result<Page<ChargeRecord>, AppError> {
    by.require(Right::ReadInvoices)?;
    let filter = &ChargeFilter {
        among: by.scope.assigned(),
        ..filter.clone()
    };
    let mut conn = app.store.read().await?;
    let items = charges::list(
        &mut conn,
        &by.tenant_id,
        filter,
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    Ok(page.page(items, |c| c.id.as_str()))
}
