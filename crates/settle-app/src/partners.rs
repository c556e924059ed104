//! Partners: create, read, list and edit them.

use settle_core::access::Right;
use settle_core::ids::PartnerId;
use settle_core::partner::{NtsLink, Partner, PartnerData, PartnerInput};
use settle_store::partners::{self, Clash, PartnerFilter};

use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError, audit};

/// The error for a partner that would duplicate another.
pub(crate) fn clash_error(clash: &Clash) -> AppError {
    match clash {
        Clash::Brn(other) => AppError::conflict(
            "partner.duplicate_brn",
            format!("partner {other} already has this brn (and sub_business_id)"),
        )
        .with_field("brn"),
        Clash::ExternalId(other) => AppError::conflict(
            "partner.duplicate_external_id",
            format!("partner {other} already has this external_id"),
        )
        .with_field("external_id"),
    }
}

/// Creates a partner (not yet linked with the filing service).
pub async fn create(app: &App, by: &Principal, input: PartnerInput) -> Result<Partner, AppError> {
    by.require(Right::WritePartners)?;
    let data = input.validate().map_err(AppError::validation)?;
    let now = app.now();
    let partner = Partner::new(by.tenant_id.clone(), data, now);
    let mut tx = app.store.write().await?;
    if let Some(clash) = partners::insert(&mut tx, &partner).await? {
        return Err(clash_error(&clash));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "partner.created",
        ("partner", partner.id.as_str()),
        serde_json::json!({}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(partner)
}

/// Parses a partner id from a path; anything malformed is simply not found.
pub fn parse_id(text: &str) -> Result<PartnerId, AppError> {
    PartnerId::parse(text).ok_or_else(|| AppError::not_found("partner"))
}

/// One partner of the principal's tenant.
pub async fn get(app: &App, by: &Principal, id: &str) -> Result<Partner, AppError> {
    by.require(Right::ReadPartners)?;
    let id = parse_id(id)?;
    by.sees(&id, "partner")?;
    let mut conn = app.store.read().await?;
    partners::get(&mut conn, &by.tenant_id, &id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))
}

/// A page of the principal's partners.
pub async fn list(
    app: &App,
    by: &Principal,
    filter: &PartnerFilter,
    page: &PageRequest,
) -> Result<Page<Partner>, AppError> {
    by.require(Right::ReadPartners)?;
    let filter = &PartnerFilter {
        among: by.scope.assigned(),
        ..filter.clone()
    };
    let mut conn = app.store.read().await?;
    let items = partners::list(
        &mut conn,
        &by.tenant_id,
        filter,
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    Ok(page.page(items, |p| p.id.as_str()))
}

/// Replaces a partner's data with `input`, provided it is still at `base_version` (what the
/// caller read). A linked partner's business data cannot change: unlink, edit, relink.
pub async fn update(
    app: &App,
    by: &Principal,
    id: &str,
    input: PartnerInput,
    base_version: i64,
) -> Result<Partner, AppError> {
    by.require(Right::WritePartners)?;
    let id = parse_id(id)?;
    let data = input.validate().map_err(AppError::validation)?;
    let mut tx = app.store.write().await?;
    let current = partners::get(&mut tx, &by.tenant_id, &id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    if current.version != base_version {
        return Err(modified());
    }
    if current.data == data {
        return Ok(current);
    }
    refuse_linked_business_change(&current, &data)?;
    if let Some(clash) = partners::find_clash(&mut tx, &by.tenant_id, &data, Some(&id)).await? {
        return Err(clash_error(&clash));
    }
    let now = app.now();
    let changed = changed_fields(&current.data, &data);
    let updated = Partner {
        data,
        version: current.version + 1,
        updated_at: now,
        ..current
    };
    if !partners::update(&mut tx, &updated).await? {
        return Err(modified());
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "partner.updated",
        ("partner", id.as_str()),
        serde_json::json!({ "fields": changed }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(updated)
}

fn modified() -> AppError {
    AppError::conflict(
        "partner.modified",
        "the partner changed meanwhile; read it again and retry",
    )
}

fn refuse_linked_business_change(current: &Partner, data: &PartnerData) -> Result<(), AppError> {
    if matches!(current.nts_link, NtsLink::Linked { .. })
        && current.data.business_data_differs(data)
    {
        return Err(AppError::conflict(
            "partner.linked",
            "the partner is linked with the NTS: unlink it before changing its business data, then link it again",
        ));
    }
    Ok(())
}

fn changed_fields(old: &PartnerData, new: &PartnerData) -> Vec<&'static str> {
    let old = serde_json::to_value(old).unwrap_or_default();
    let new = serde_json::to_value(new).unwrap_or_default();
    [
        "brn",
        "sub_business_id",
        "name",
        "ceo_name",
        "address",
        "biz_type",
        "biz_item",
        "partner_type",
        "external_id",
        "contact",
        "tags",
    ]
    .into_iter()
    .filter(|field| old.get(field) != new.get(field))
    .collect()
}
