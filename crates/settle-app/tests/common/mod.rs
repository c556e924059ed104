//! A tenant linked with the NTS, a linked partner with a registered certificate, and
//! helpers to bring invoices to `requested` and `issued` through the use cases.

#![allow(dead_code)]

use settle_app::App;
use settle_app::auth::Principal;
use settle_app::certificates::CertificateFiles;
use settle_app::nts_link::TenantPatch;
use settle_app::secrets::SecretKey;
use settle_app::supplier::SupplierPrincipal;
use settle_app::tax_invoices::DraftInput;
use settle_core::partner::PartnerInput;
use settle_core::tax_invoice::{TaxInvoiceInput, TaxInvoiceLineInput, TaxInvoiceRecord};
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf};
use settle_store::Store;
use settle_testkit::{TestDatabase, TestEngine, fresh_database};

pub const PASSWORD: &str = "cert-password";
pub const SECRET: &str = "a secret key for the tests";

pub struct World {
    pub app: App,
    pub db: TestDatabase,
    pub admin: Principal,
    pub supplier: SupplierPrincipal,
}

pub fn files(leaf: &ThrowawayLeaf) -> CertificateFiles {
    CertificateFiles::Npki {
        certificate: leaf.certificate_der().unwrap(),
        key: leaf
            .sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
            .unwrap(),
    }
}

fn leaf(ca: &ThrowawayCa, brn: &str) -> ThrowawayLeaf {
    let mut spec = LeafSpec::new("test");
    spec.vid_brn = Some(brn.to_owned());
    ca.issue(&spec).unwrap()
}

/// An app over `db` as another server process would have it.
pub async fn open_app(url: &str) -> App {
    App::new(Store::open(url).await.unwrap())
        .with_secret_key(SecretKey::from_secret(SECRET).unwrap())
}

impl World {
    pub async fn new(engine: TestEngine) -> Self {
        let db = fresh_database(engine).await;
        let app = open_app(&db.url).await;
        let created = settle_app::tenants::create(&app, "플랫폼", "124-81-01231")
            .await
            .unwrap();
        let admin = Principal::cli(created.tenant.id.clone());
        settle_app::nts_link::update_tenant(
            &app,
            &admin,
            TenantPatch {
                ceo_name: Some("박대표".into()),
                contact_email: Some("billing@platform.example".into()),
                ..TenantPatch::default()
            },
        )
        .await
        .unwrap();
        let ca = ThrowawayCa::new("test CA").unwrap();
        settle_app::nts_link::link_tenant(&app, &admin, files(&leaf(&ca, "1248101231")), PASSWORD)
            .await
            .unwrap();
        let partner = settle_app::partners::create(
            &app,
            &admin,
            PartnerInput {
                brn: Some("220-81-62517".into()),
                name: Some("공급자".into()),
                ceo_name: Some("김공급".into()),
                address: Some("서울".into()),
                biz_type: Some("서비스".into()),
                biz_item: Some("판매".into()),
                contact_name: Some("담당".into()),
                contact_email: Some("tax@supplier.example".into()),
                ..PartnerInput::default()
            },
        )
        .await
        .unwrap();
        let partner = settle_app::nts_link::link_partner(&app, &admin, partner.id.as_str())
            .await
            .unwrap();
        let brn = partner.data.brn.unwrap();
        let supplier = SupplierPrincipal {
            tenant_id: created.tenant.id,
            partner_id: partner.id,
            actor: format!("supplier:{}", brn.digits()),
            brn,
        };
        settle_app::supplier::register_certificate(
            &app,
            &supplier,
            files(&leaf(&ca, brn.digits())),
            PASSWORD,
        )
        .await
        .unwrap();
        Self {
            app,
            db,
            admin,
            supplier,
        }
    }

    /// A requested invoice with key `key`.
    pub async fn requested(&self, key: &str) -> TaxInvoiceRecord {
        let today = self.app.now().to_offset(settle_core::KST).date();
        let input = DraftInput {
            document_key: Some(key.to_owned()),
            partner_id: Some(self.supplier.partner_id.to_string()),
            invoice: TaxInvoiceInput {
                write_date: Some(today.to_string()),
                tax_type: Some("taxable".into()),
                purpose: Some("claim".into()),
                items: Some(vec![TaxInvoiceLineInput {
                    name: Some("정산".into()),
                    supply_amount: Some(settle_core::money::DecimalInput(100_000.into())),
                    ..TaxInvoiceLineInput::default()
                }]),
                ..TaxInvoiceInput::default()
            },
            request: true,
            memo: None,
        };
        settle_app::tax_invoices::create(&self.app, &self.admin, input)
            .await
            .unwrap()
    }

    /// An issued invoice with key `key`.
    pub async fn issued(&self, key: &str) -> TaxInvoiceRecord {
        let record = self.requested(key).await;
        settle_app::supplier::issue(&self.app, &self.supplier, record.id.as_str(), None)
            .await
            .unwrap()
    }
}
