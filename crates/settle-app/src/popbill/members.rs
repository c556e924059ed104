//! Who a link id's members are: the tenant itself, and its partners linked with the filing
//! service (as an integrator's member companies are on Popbill).

use settle_core::brn::Brn;
use settle_core::ids::{PartnerId, TenantId};
use settle_core::partner::NtsLink;
use settle_store::{partners, tenants};

use super::PopbillError;

/// A member business of a tenant's link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    /// The tenant: the buyer of reverse-issued invoices.
    Platform,
    /// A linked partner: a supplier.
    Partner(PartnerId),
}

/// The member with business number `corp_num` (ten digits, hyphens allowed), if any.
pub async fn is_member(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    corp_num: &str,
) -> Result<Option<Member>, PopbillError> {
    let Ok(brn) = Brn::parse(corp_num.trim()) else {
        return Ok(None);
    };
    let Some(found) = tenants::get(conn, tenant).await? else {
        return Ok(None);
    };
    if found.brn == brn {
        return Ok(Some(Member::Platform));
    }
    let matches = partners::find_many(conn, tenant, true, &[brn.digits().to_owned()]).await?;
    Ok(matches
        .into_iter()
        .find(|p| matches!(p.nts_link, NtsLink::Linked { .. }))
        .map(|p| Member::Partner(p.id)))
}

/// Whether `corp_num` is a member of the link id `link_id` (`checkIsMember`).
pub async fn check_is_member(
    app: &crate::App,
    link_id: &str,
    corp_num: &str,
) -> Result<bool, PopbillError> {
    let mut conn = app.store.read().await?;
    let Some(key) = settle_store::popbill::key(&mut conn, link_id).await? else {
        return Ok(false);
    };
    let tenant = TenantId::from_trusted(key.tenant_id);
    Ok(is_member(&mut conn, &tenant, corp_num).await?.is_some())
}

/// Popbill: the business number is not valid.
pub const INVALID_CORP_NUM: i64 = super::SERVER_ERROR;

/// `joinMember` (no token; the form names its `LinkID`): makes the business `CorpNum` a
/// member of the link, that is, links the tenant's partner with that number with the
/// filing service, first adding it from the form (`CorpName`, `CEOName`, `Addr`,
/// `BizType`, `BizClass`, `ContactName`, `ContactEmail`, `ContactTEL`) if the tenant has
/// none. Joining a member again changes nothing.
pub async fn join_member(app: &crate::App, form: &serde_json::Value) -> Result<(), PopbillError> {
    use super::wire::text;
    let link_id = text(form, "LinkID").unwrap_or_default();
    let tenant = {
        let mut conn = app.store.read().await?;
        settle_store::popbill::key(&mut conn, &link_id)
            .await?
            .map(|key| TenantId::from_trusted(key.tenant_id))
            .ok_or_else(|| {
                PopbillError::new(super::TOKEN_GENERATION_FAILED, 401, "unknown LinkID")
            })?
    };
    let corp_num = text(form, "CorpNum").unwrap_or_default();
    let brn = Brn::parse(&corp_num)
        .map_err(|e| PopbillError::new(INVALID_CORP_NUM, 400, format!("CorpNum: {e}")))?;
    let by = crate::auth::Principal::cli(tenant.clone());
    let existing = {
        let mut conn = app.store.read().await?;
        if tenants::get(&mut conn, &tenant)
            .await?
            .is_some_and(|t| t.brn == brn)
        {
            return Ok(());
        }
        partners::find_many(&mut conn, &tenant, true, &[brn.digits().to_owned()])
            .await?
            .into_iter()
            .next()
    };
    let partner = match existing {
        Some(partner) => partner,
        None => {
            let input = settle_core::partner::PartnerInput {
                brn: Some(brn.digits().to_owned()),
                name: text(form, "CorpName"),
                ceo_name: text(form, "CEOName"),
                address: text(form, "Addr"),
                biz_type: text(form, "BizType"),
                biz_item: text(form, "BizClass"),
                contact_name: text(form, "ContactName"),
                contact_email: text(form, "ContactEmail"),
                contact_phone: text(form, "ContactTEL"),
                ..Default::default()
            };
            crate::partners::create(app, &by, input)
                .await
                .map_err(super::popbill_error)?
        }
    };
    crate::nts_link::link_partner(app, &by, partner.id.as_str())
        .await
        .map(|_| ())
        .map_err(super::popbill_error)
}
