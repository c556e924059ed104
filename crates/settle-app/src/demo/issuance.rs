//! The demo's reverse issuance: the demo platform linked with the NTS under a throwaway
//! certificate, its first partner linked, a fresh requested tax invoice, and that
//! supplier's own certificate files written to disk, so that a person can open the printed
//! link, enter the BRN, register the files and approve.

use std::path::{Path, PathBuf};

use settle_core::ids::TenantId;
use settle_core::partner::{NtsLink, PartnerFilter};
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf};
use settle_store::partners;

use crate::auth::Principal;
use crate::certificates::CertificateFiles;
use crate::nts_link::{self, TenantPatch};
use crate::tax_invoices::{self, DraftInput};
use settle_core::KST;

use crate::{App, AppError};

/// The password of the demo certificate files.
pub const CERTIFICATE_PASSWORD: &str = "settle-demo-1234";

/// A requested demo invoice and what its supplier needs to approve it.
pub struct DemoRequest {
    /// The link of the request email.
    pub link: String,
    /// The supplier's BRN, for the gate.
    pub supplier_brn: String,
    /// The supplier's name.
    pub supplier_name: String,
    /// Where `signCert.der`, `signPri.key` and `cert.pfx` of the supplier were written.
    pub certificate_dir: PathBuf,
}

/// Links the demo tenant and its first partner (once) and requests a fresh invoice from
/// that partner; writes the partner's certificate files under `dir`.
pub async fn request_demo_invoice(
    app: &App,
    tenant: &TenantId,
    supplier_brn: &str,
    dir: &Path,
) -> Result<DemoRequest, AppError> {
    let by = Principal::cli(tenant.clone());
    let ca = ThrowawayCa::new("settle demo CA").map_err(AppError::internal)?;
    link_tenant(app, &by, &ca).await?;
    let partner = {
        let filter = PartnerFilter {
            brn: Some(supplier_brn.replace('-', "")),
            ..PartnerFilter::default()
        };
        let mut conn = app.store.read().await?;
        partners::list(&mut conn, tenant, &filter, None, 1)
            .await?
            .pop()
            .ok_or_else(|| AppError::not_found("partner"))?
    };
    if matches!(partner.nts_link, NtsLink::Unlinked) {
        nts_link::link_partner(app, &by, partner.id.as_str()).await?;
    }
    let certificate_dir = dir.join("demo-certificate");
    let supplier_leaf = leaf(&ca, supplier_brn)?;
    write_certificate_files(&supplier_leaf, &certificate_dir)?;
    let supplier = Supplier {
        id: partner.id.to_string(),
        brn: supplier_brn.to_owned(),
        leaf: supplier_leaf,
    };
    super::states::fill_once(app, &by, &supplier).await?;
    // Milliseconds: one demo run takes far longer, so each run has its own key.
    let document_key = format!("DEMO-{}", app.now().unix_timestamp_nanos() / 1_000_000);
    let link = draft(app, &by, &supplier.id, &document_key, true).await?;
    Ok(DemoRequest {
        link: link.unwrap_or_default(),
        supplier_brn: supplier_brn.to_owned(),
        supplier_name: partner.data.name.clone(),
        certificate_dir,
    })
}

/// The demo supplier: its partner id, BRN and certificate.
pub(super) struct Supplier {
    pub id: String,
    pub brn: String,
    pub leaf: ThrowawayLeaf,
}

/// Drafts invoice `key` from `supplier` (a month's sales and shipping) and, with
/// `request`, requests it: returns the supplier's link then.
pub(super) async fn draft(
    app: &App,
    by: &Principal,
    supplier: &str,
    key: &str,
    request: bool,
) -> Result<Option<String>, AppError> {
    let today = app.now().to_offset(KST).date();
    let invoice = serde_json::from_value(serde_json::json!({
        "write_date": today.to_string(),
        "tax_type": "taxable",
        "purpose": "claim",
        "remarks": [format!("{}월 판매 정산", u8::from(today.month()))],
        "items": [
            {"date": today.to_string(), "name": "상품 판매 정산", "spec": "건",
             "quantity": "12", "unit_price": "45000", "supply_amount": "540000"},
            {"date": today.to_string(), "name": "배송비 정산", "supply_amount": "36000"}
        ]
    }))
    .map_err(AppError::internal)?;
    let input = DraftInput {
        document_key: Some(key.to_owned()),
        partner_id: Some(supplier.to_owned()),
        invoice,
        request: false,
        memo: None,
    };
    tax_invoices::create(app, by, input).await?;
    if !request {
        return Ok(None);
    }
    let (_, link) = tax_invoices::request_with_link(app, by, key, None).await?;
    Ok(Some(link))
}

/// The supplier's NPKI pair, as the certificate use cases take it.
pub(super) fn supplier_files(leaf: &ThrowawayLeaf) -> Result<CertificateFiles, AppError> {
    npki_files(leaf)
}

/// Sets the platform's party data and links it with the NTS, unless it is linked.
async fn link_tenant(app: &App, by: &Principal, ca: &ThrowawayCa) -> Result<(), AppError> {
    let tenant = nts_link::tenant(app, by).await?;
    if tenant.nts_linked_at.is_some() {
        return Ok(());
    }
    let patch = TenantPatch {
        ceo_name: Some("김플랫".into()),
        address: Some("서울특별시 강남구 테헤란로 152".into()),
        biz_type: Some("서비스".into()),
        biz_item: Some("온라인 플랫폼".into()),
        contact_name: Some("정산팀".into()),
        contact_email: Some("settlement@platform.example".into()),
        ..TenantPatch::default()
    };
    nts_link::update_tenant(app, by, patch).await?;
    let leaf = leaf(ca, &tenant.brn.to_string())?;
    let files = npki_files(&leaf)?;
    nts_link::link_tenant(app, by, files, CERTIFICATE_PASSWORD).await?;
    Ok(())
}

fn leaf(ca: &ThrowawayCa, brn: &str) -> Result<ThrowawayLeaf, AppError> {
    let mut spec = LeafSpec::new(&format!("demo {brn}"));
    spec.vid_brn = Some(brn.replace('-', ""));
    ca.issue(&spec).map_err(AppError::internal)
}

fn npki_files(leaf: &ThrowawayLeaf) -> Result<CertificateFiles, AppError> {
    Ok(CertificateFiles::Npki {
        certificate: leaf.certificate_der().map_err(AppError::internal)?,
        key: leaf
            .sign_pri_kisa(CERTIFICATE_PASSWORD, OID_SEED_CBC_WITH_SHA1)
            .map_err(AppError::internal)?,
    })
}

/// Writes the NPKI pair and a PFX of `leaf` into `dir`, each file complete or absent
/// (written beside its name, then renamed).
fn write_certificate_files(leaf: &ThrowawayLeaf, dir: &Path) -> Result<(), AppError> {
    let CertificateFiles::Npki { certificate, key } = npki_files(leaf)? else {
        return Err(AppError::internal(
            "the demo certificate is not an NPKI pair",
        ));
    };
    let pfx = leaf.pfx(CERTIFICATE_PASSWORD).map_err(AppError::internal)?;
    std::fs::create_dir_all(dir).map_err(AppError::internal)?;
    for (name, bytes) in [
        ("signCert.der", certificate),
        ("signPri.key", key),
        ("cert.pfx", pfx),
    ] {
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, bytes).map_err(AppError::internal)?;
        std::fs::rename(&partial, dir.join(name)).map_err(AppError::internal)?;
    }
    Ok(())
}
