//! The demo's partner invoicing, made once: a reseller abroad billed in USD (G invoices,
//! first-party and marketplace, LRD template) and a Korean partner billed in KRW (a D
//! invoice, non-LRD), for a period finalized 40 days ago — so what is unpaid is overdue —
//! then a credit note, a void-and-rebill requested by one billing admin and approved by
//! another, and payments: the KRW invoice paid in full, the USD one in part.

use std::sync::Arc;

use settle_core::access::{Role, Roles};
use settle_core::billing::{AddressInput, BillingProfileInput, ChargeInput, Period};
use settle_core::ids::TenantId;
use settle_core::money::DecimalInput;
use settle_core::partner::{PartnerFilter, PartnerInput};
use time::{Duration, OffsetDateTime};

use crate::auth::Principal;
use crate::billing::{self, CreditLineInput, CreditNoteInput, PaymentInput, RebillInput};
use crate::pagination::PageRequest;
use crate::{App, AppError, Clock};

/// How long ago the demo period was finalized.
const FINALIZED_AGO: Duration = Duration::days(40);

/// The wall clock, `FINALIZED_AGO` earlier.
struct Earlier;

impl Clock for Earlier {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() - FINALIZED_AGO
    }
}

fn amount(text: &str) -> Option<DecimalInput> {
    text.parse().ok().map(DecimalInput)
}

fn admin(tenant: &TenantId, actor: &str) -> Principal {
    Principal {
        tenant_id: tenant.clone(),
        roles: Roles::new([Role::BillingAdmin]),
        actor: actor.to_owned(),
        scope: settle_core::access::PartnerScope::All,
    }
}

/// Fills the demo's partner invoicing unless the tenant has billing profiles already.
pub(super) async fn fill_once(
    app: &App,
    tenant: &TenantId,
    korean_brn: &str,
) -> Result<(), AppError> {
    let alice = admin(tenant, "user:demo-billing-alice");
    let bob = admin(tenant, "user:demo-billing-bob");
    let first = PageRequest {
        limit: 1,
        after: None,
    };
    if !billing::list_profiles(app, &alice, None, &first)
        .await?
        .data
        .is_empty()
    {
        return Ok(());
    }
    let reseller = crate::partners::create(
        app,
        &alice,
        PartnerInput {
            name: Some("Contoso Reseller Pte. Ltd.".into()),
            partner_type: Some("foreign".into()),
            address: Some("1 Harbour Front Ave, Singapore".into()),
            contact_name: Some("Accounts Payable".into()),
            contact_email: Some("ap@contoso-reseller.example".into()),
            tags: Some(vec!["demo".into(), "reseller".into()]),
            ..PartnerInput::default()
        },
    )
    .await?
    .id
    .to_string();
    let korean = {
        let filter = PartnerFilter {
            brn: Some(korean_brn.replace('-', "")),
            ..PartnerFilter::default()
        };
        crate::partners::list(app, &alice, &filter, &first)
            .await?
            .data
            .pop()
            .ok_or_else(|| AppError::not_found("partner"))?
            .id
            .to_string()
    };
    billing::create_profile(app, &alice, profile(&reseller, "USD", "lrd", "SG")).await?;
    billing::create_profile(app, &alice, profile(&korean, "KRW", "non_lrd", "KR")).await?;
    // The period before the one 40 days ago, billed and finalized then.
    let past = app.clone().with_clock(Arc::new(Earlier));
    let today = past.now().to_offset(settle_core::KST).date();
    let period = Period::of(Period::of(today).start().previous_day().unwrap_or(today));
    billing::record_charges(&past, &alice, charges(&reseller, &korean, &period), true).await?;
    let run = billing::run_billing(&past, &alice, &period.to_string()).await?;
    let invoices = billing::finalize_run(&past, &alice, run.id.as_str()).await?;
    let numbered = |currency: &str| {
        invoices
            .iter()
            .find(|d| d.currency.code() == currency && !d.marketplace)
            .map(|d| d.id.to_string())
            .ok_or_else(|| AppError::not_found("invoice"))
    };
    let usd = numbered("USD")?;
    let krw = numbered("KRW")?;
    // A credit note for one seat of the USD invoice's first line.
    let detail = billing::get_invoice(app, &alice, &usd).await?;
    let line = detail
        .lines
        .first()
        .ok_or_else(|| AppError::not_found("line"))?;
    let credit = CreditNoteInput {
        lines: vec![CreditLineInput {
            line_id: line.id.to_string(),
            quantity: amount("1"),
            amount: None,
        }],
        reason: Some("One seat cancelled within the grace period".into()),
    };
    billing::create_credit_note(app, &alice, &usd, credit).await?;
    // Void and rebill the KRW invoice with the right PO number; a second admin approves.
    let rebill = RebillInput {
        changes: serde_json::json!({ "po_number": "PO-2026-0042" }),
        reason: Some("발주번호 정정".into()),
    };
    let request = billing::request_rebill(app, &alice, &krw, rebill).await?;
    let approved = billing::approve_rebill(app, &bob, request.id.as_str()).await?;
    // Payments: the rebilled KRW invoice in full, the USD invoice in part (the rest is
    // overdue).
    let rebilled = approved
        .new_invoice_id
        .map(|id| id.to_string())
        .ok_or_else(|| AppError::not_found("invoice"))?;
    let rebilled = billing::get_invoice(app, &alice, &rebilled).await?.document;
    let paid_on = app.now().to_offset(settle_core::KST).date().to_string();
    let payments = [
        (
            korean.clone(),
            rebilled.totals.total.to_string(),
            "KRW",
            rebilled.number.clone(),
        ),
        (reseller.clone(), "100.00".to_owned(), "USD", None),
    ];
    for (partner, total, currency, cited) in payments {
        let input = PaymentInput {
            partner_id: Some(partner),
            amount: amount(&total),
            currency: Some(currency.into()),
            paid_on: Some(paid_on.clone()),
            reference: Some(match cited {
                Some(number) => format!("송금 {number}"),
                None => "Wire transfer".into(),
            }),
            allocations: None,
        };
        billing::record_payment(app, &alice, input).await?;
    }
    Ok(())
}

fn address(name: &str, line: &str, country: &str) -> Option<AddressInput> {
    Some(AddressInput {
        name: Some(name.into()),
        address: Some(line.into()),
        country: Some(country.into()),
        state: None,
        postal_code: None,
    })
}

fn profile(partner: &str, currency: &str, template: &str, country: &str) -> BillingProfileInput {
    let (name, line) = if country == "KR" {
        ("산들공방", "대전광역시 유성구 대학로 99")
    } else {
        (
            "Contoso Reseller Pte. Ltd.",
            "1 Harbour Front Ave, Singapore",
        )
    };
    BillingProfileInput {
        partner_id: Some(partner.into()),
        sold_to: address(name, line, country),
        bill_to: address(name, line, country),
        po_number: Some("PO-2026-0041".into()),
        payment_terms_days: Some(30),
        billing_currency: Some(currency.into()),
        template: Some(template.into()),
        country: Some(country.into()),
        ..BillingProfileInput::default()
    }
}

/// The period's charges: seats and a marketplace app for the reseller (USD), a licence
/// and usage for the Korean partner (KRW, D series).
fn charges(reseller: &str, korean: &str, period: &Period) -> Vec<ChargeInput> {
    let start = period.start().to_string();
    let end = period.end().to_string();
    let charge =
        |partner: &str, order: &str, product: &str, quantity: &str, price: &str| ChargeInput {
            partner_id: Some(partner.into()),
            order_id: Some(order.into()),
            order_date: Some(start.clone()),
            product_id: Some(format!("prod-{order}")),
            sku_id: Some(format!("sku-{order}")),
            product_name: Some(product.into()),
            charge_type: Some("new".into()),
            quantity: amount(quantity),
            unit_price: amount(price),
            tax_rate: amount("0.10"),
            charge_start: Some(start.clone()),
            charge_end: Some(end.clone()),
            series: Some("G".into()),
            ..ChargeInput::default()
        };
    let mut seats = charge(
        reseller,
        "ord-1001",
        "Cloud Workspace Business",
        "25",
        "12.50",
    );
    seats.pricing_currency = Some("USD".into());
    let mut storage = charge(reseller, "ord-1002", "Cloud Storage 1 TB", "3", "9.75");
    storage.pricing_currency = Some("USD".into());
    let mut app = charge(reseller, "ord-1003", "Fabrikam Sign", "10", "4.99");
    app.pricing_currency = Some("USD".into());
    app.marketplace = Some(true);
    app.publisher_name = Some("Fabrikam, Inc.".into());
    app.publisher_address = Some("2 Side St, Oslo, Norway".into());
    let mut licence = charge(korean, "ord-2001", "판매관리 라이선스", "5", "33000");
    licence.pricing_currency = Some("KRW".into());
    licence.series = Some("D".into());
    licence.category = Some("license".into());
    let mut usage = charge(korean, "ord-2002", "API 호출 (1,000건)", "120", "150");
    usage.pricing_currency = Some("KRW".into());
    usage.series = Some("D".into());
    usage.category = Some("usage".into());
    vec![seats, storage, app, licence, usage]
}
