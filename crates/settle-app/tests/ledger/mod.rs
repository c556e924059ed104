//! A tenant with a foreign partner billed in USD, two billing admins, and helpers to
//! record charges and bill a past period through the use cases.

#![allow(dead_code)]

use rust_decimal::Decimal;
use settle_app::App;
use settle_app::auth::Principal;
use settle_app::billing::{self, InvoiceDetail};
use settle_core::access::{Role, Roles};
use settle_core::billing::{AddressInput, BillingProfileInput, ChargeInput, Document, Period};
use settle_core::money::DecimalInput;
use settle_core::partner::PartnerInput;
use settle_store::Store;
use settle_testkit::{TestDatabase, TestEngine, fresh_database};

pub struct Ledger {
    pub app: App,
    pub db: TestDatabase,
    /// Billing admin who records and requests.
    pub alice: Principal,
    /// Another billing admin, who approves.
    pub bob: Principal,
    pub partner: String,
    /// A past month, billable now.
    pub period: Period,
}

pub fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

pub fn amount(text: &str) -> Option<DecimalInput> {
    Some(DecimalInput(dec(text)))
}

fn address(name: &str) -> Option<AddressInput> {
    Some(AddressInput {
        name: Some(name.into()),
        address: Some("1 Harbour Rd, Singapore".into()),
        country: Some("SG".into()),
        state: None,
        postal_code: Some("018989".into()),
    })
}

pub fn profile_input(partner: &str, currency: &str) -> BillingProfileInput {
    BillingProfileInput {
        partner_id: Some(partner.into()),
        sold_to: address("Reseller Pte"),
        bill_to: address("Reseller Pte Accounts"),
        po_number: Some("PO-1".into()),
        payment_terms_days: Some(30),
        billing_currency: Some(currency.into()),
        template: Some("lrd".into()),
        country: Some("SG".into()),
        ..BillingProfileInput::default()
    }
}

/// The previous calendar month (Korean time).
pub fn last_month(app: &App) -> Period {
    let today = app.now().to_offset(settle_core::KST).date();
    Period::of(Period::of(today).start().previous_day().unwrap())
}

impl Ledger {
    pub async fn new(engine: TestEngine) -> Self {
        let db = fresh_database(engine).await;
        let app = App::new(Store::open(&db.url).await.unwrap());
        let created = settle_app::tenants::create(&app, "Platform", "124-81-01231")
            .await
            .unwrap();
        let admin = |actor: &str| Principal {
            tenant_id: created.tenant.id.clone(),
            roles: Roles::new([Role::BillingAdmin]),
            actor: actor.to_owned(),
            scope: settle_core::access::PartnerScope::All,
        };
        let alice = admin("key:alice");
        let bob = admin("key:bob");
        let partner = settle_app::partners::create(
            &app,
            &alice,
            PartnerInput {
                name: Some("Reseller Pte".into()),
                partner_type: Some("foreign".into()),
                address: Some("1 Harbour Rd, Singapore".into()),
                contact_name: Some("Accounts".into()),
                contact_email: Some("ap@reseller.example".into()),
                ..PartnerInput::default()
            },
        )
        .await
        .unwrap()
        .id
        .to_string();
        billing::create_profile(&app, &alice, profile_input(&partner, "USD"))
            .await
            .unwrap();
        let period = last_month(&app);
        Self {
            app,
            db,
            alice,
            bob,
            partner,
            period,
        }
    }

    /// A first-party G charge of the ledger's period.
    pub fn charge(&self, price: &str, quantity: &str) -> ChargeInput {
        let start = self.period.start().to_string();
        ChargeInput {
            partner_id: Some(self.partner.clone()),
            order_id: Some(format!("order-{price}-{quantity}")),
            order_date: Some(start.clone()),
            product_id: Some("prod-1".into()),
            sku_id: Some("sku-1".into()),
            product_name: Some("Cloud plan".into()),
            charge_type: Some(
                if quantity.starts_with('-') {
                    "cancellation"
                } else {
                    "new"
                }
                .into(),
            ),
            quantity: amount(quantity),
            unit_price: amount(price),
            pricing_currency: Some("USD".into()),
            tax_rate: amount("0.10"),
            charge_start: Some(start),
            charge_end: Some(self.period.end().to_string()),
            series: Some("G".into()),
            ..ChargeInput::default()
        }
    }

    pub async fn record(&self, charges: Vec<ChargeInput>) {
        billing::record_charges(&self.app, &self.alice, charges, true)
            .await
            .unwrap();
    }

    /// Runs billing for the period and returns the drafts it touched, oldest first.
    pub async fn bill(&self) -> Vec<Document> {
        let run = billing::run_billing(&self.app, &self.alice, &self.period.to_string())
            .await
            .unwrap();
        let mut conn = self.app.store.read().await.unwrap();
        settle_store::billing::documents::drafts_of_run(&mut conn, &self.alice.tenant_id, &run.id)
            .await
            .unwrap()
    }

    pub async fn detail(&self, key: &str) -> InvoiceDetail {
        billing::get_invoice(&self.app, &self.alice, key)
            .await
            .unwrap()
    }

    /// Bills `charges` and finalizes the one draft they make.
    pub async fn finalized(&self, charges: Vec<ChargeInput>) -> InvoiceDetail {
        self.record(charges).await;
        let drafts = self.bill().await;
        assert_eq!(drafts.len(), 1);
        let done = billing::finalize(&self.app, &self.alice, drafts[0].id.as_str())
            .await
            .unwrap();
        self.detail(done.id.as_str()).await
    }
}
