//! Sample documents with consistent amounts (priced by the core's own rules), for the PDF
//! benchmark and the layout tests: a G invoice of any length and a tax invoice of any
//! length. They are built in memory; nothing is stored.

use rust_decimal::Decimal;
use settle_core::billing::{
    Address, BillingDetails, ChargeDetails, ChargeType, Document, DocumentKind, DocumentLine,
    DocumentStatus, LineItem, Period, Series, Template, price, totals,
};
use settle_core::brn::Brn;
use settle_core::currency::Currency;
use settle_core::ids::{
    BillingProfileId, InvoiceId, InvoiceLineId, PartnerId, TaxInvoiceId, TenantId,
};
use settle_core::rounding::RoundingMode;
use settle_core::tax_invoice::{
    DocumentKey, PartyInput, TaxInvoiceInput, TaxInvoiceLineInput, TaxInvoiceRecord, TaxPolicy,
};
use settle_core::tenant::{Tenant, TenantProfile};
use time::macros::{date, datetime};

/// The platform issuing the samples.
pub fn issuer() -> Tenant {
    Tenant {
        id: TenantId::generate(),
        name: "Settle Market Co., Ltd.".to_owned(),
        brn: Brn::parse("2208162517").unwrap_or_else(|_| unreachable!("a valid BRN")),
        profile: TenantProfile {
            address: Some("123 Teheran-ro, Gangnam-gu, Seoul".to_owned()),
            ..TenantProfile::default()
        },
        nts_linked_at: None,
        created_at: datetime!(2026-01-01 00:00 UTC),
    }
}

fn address(name: &str) -> Address {
    Address {
        name: name.to_owned(),
        address: "1 Teheran-ro, Seoul".to_owned(),
        country: Some("KR".to_owned()),
        state: Some("Seoul".to_owned()),
        postal_code: Some("06236".to_owned()),
    }
}

fn line_item(n: usize) -> LineItem {
    LineItem {
        order_id: format!("O-{n:05}"),
        order_date: date!(2026 - 10 - 01),
        product_id: "CFQ7TTC0LF8R".to_owned(),
        sku_id: "0001".to_owned(),
        product_name: "Microsoft 365 E3".to_owned(),
        sku_name: Some("Annual".to_owned()),
        charge_type: if n % 5 == 4 {
            ChargeType::Renewal
        } else {
            ChargeType::New
        },
        category: None,
        quantity: Decimal::from(1 + n % 7),
        unit_price: Decimal::new(975 + (n as i64 % 50) * 25, 2),
        discount: None,
        pricing_currency: Currency::USD,
        exchange_rate: None,
        exchange_rate_date: None,
        tax_rate: Decimal::new(10, 2),
        publisher_name: None,
        publisher_address: None,
        charge_start: date!(2026 - 10 - 01),
        charge_end: date!(2026 - 10 - 31),
        details: ChargeDetails::default(),
    }
}

/// A finalized G invoice in USD with `lines` lines, and its lines.
pub fn invoice(lines: usize, template: Template) -> (Document, Vec<DocumentLine>) {
    let id = InvoiceId::generate();
    let document_lines: Vec<DocumentLine> = (0..lines)
        .map(|n| {
            let item = line_item(n);
            let priced = price(&item, Currency::USD, RoundingMode::HalfAwayFromZero)
                .unwrap_or_else(|_| unreachable!("small sample amounts"));
            DocumentLine {
                id: InvoiceLineId::generate(),
                invoice_id: id.clone(),
                line_no: n as i64 + 1,
                charge_id: None,
                credits_line_id: None,
                item,
                priced,
            }
        })
        .collect();
    let totals = totals(
        Series::G,
        document_lines.iter().map(DocumentLine::amounts),
        Currency::USD,
    )
    .unwrap_or_else(|_| unreachable!("small sample amounts"));
    let document = Document {
        id,
        tenant_id: TenantId::generate(),
        partner_id: PartnerId::generate(),
        profile_id: BillingProfileId::generate(),
        kind: DocumentKind::Invoice,
        series: Series::G,
        number: Some("G000000001".to_owned()),
        status: DocumentStatus::Open,
        marketplace: false,
        period: Period::of(date!(2026 - 10 - 01)),
        currency: Currency::USD,
        run_id: None,
        original_id: None,
        original_number: None,
        details: Some(BillingDetails {
            sold_to: address("Ganada Inc."),
            bill_to: address("Ganada Inc. Accounts Payable"),
            ship_to: Some(address("Ganada Inc. Seoul Office")),
            service_to: None,
            po_number: Some("PO-2026-10".to_owned()),
            payment_terms_days: 30,
            template,
            country: "KR".to_owned(),
            customer_number: None,
            us_fein: None,
            customer_service_url: None,
            payment_instructions: Some("Pay by wire to account 123-456".to_owned()),
            tax_invoice_required: false,
        }),
        line_count: lines as i64,
        totals,
        settled: Decimal::ZERO,
        document_date: Some(date!(2026 - 11 - 01)),
        due_date: Some(date!(2026 - 12 - 01)),
        tax_invoice_number: None,
        reason: None,
        version: 1,
        created_at: datetime!(2026-11-01 00:00 UTC),
        updated_at: datetime!(2026-11-01 00:00 UTC),
    };
    (document, document_lines)
}

fn party(brn: &str, name: &str) -> PartyInput {
    PartyInput {
        brn: Some(brn.to_owned()),
        name: Some(name.to_owned()),
        ceo_name: Some("홍길동".to_owned()),
        address: Some("서울특별시 강남구 테헤란로 123".to_owned()),
        biz_type: Some("서비스".to_owned()),
        biz_item: Some("소프트웨어".to_owned()),
        ..PartyInput::default()
    }
}

/// An issued tax invoice with `lines` item lines (1 to 99).
pub fn tax_invoice(lines: usize) -> TaxInvoiceRecord {
    let input = TaxInvoiceInput {
        write_date: Some("2026-10-31".to_owned()),
        tax_type: Some("taxable".to_owned()),
        purpose: Some("claim".to_owned()),
        supplier: Some(party("1248100998", "가나다상회")),
        buyer: Some(party("2208162517", "정산마켓 주식회사")),
        items: Some(
            (0..lines)
                .map(|n| TaxInvoiceLineInput {
                    date: Some("2026-10-31".to_owned()),
                    name: Some(format!("판매 정산 {}", n + 1)),
                    supply_amount: Some(settle_core::money::DecimalInput(Decimal::from(
                        10_000 * (n as i64 + 1),
                    ))),
                    ..TaxInvoiceLineInput::default()
                })
                .collect(),
        ),
        ..TaxInvoiceInput::default()
    };
    let document = input
        .validate(&TaxPolicy::default())
        .unwrap_or_else(|errors| unreachable!("a valid sample: {errors:?}"));
    let mut record = TaxInvoiceRecord::drafted(
        TenantId::generate(),
        DocumentKey::parse("SAMPLE-1").unwrap_or_else(|_| unreachable!("a valid key")),
        PartnerId::generate(),
        document,
        datetime!(2026-10-31 00:00 UTC),
    );
    record.id = TaxInvoiceId::generate();
    record.approval_number = Some("202610314100000000000001".to_owned());
    record
}
