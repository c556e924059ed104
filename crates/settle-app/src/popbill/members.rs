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
