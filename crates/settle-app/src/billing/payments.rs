//! Payments: recorded once, then applied to invoices: to the allocations given, else to the
//! invoice numbers the reference cites, else to the oldest open invoices. What is left is
//! the partner's credit.

use rust_decimal::Decimal;
use serde::Deserialize;
use settle_core::access::Right;
use settle_core::billing::ledger::{self, AllocationError, Target};
use settle_core::billing::{Document, DocumentAction, PAYMENT_SOURCE, document_transition};
use settle_core::currency::Currency;
use settle_core::ids::{InvoiceId, PartnerId, PaymentId};
use settle_core::money::{DecimalInput, Money};
use settle_core::validation::Checker;
use settle_store::billing::documents;
use settle_store::billing::payments::{self, Allocation, Payment};
use settle_store::billing::profiles;
use settle_store::partners;

use super::{allocate, label, load_document, save_settlement};
use crate::auth::Principal;
use crate::pagination::{Page, PageRequest};
use crate::{App, AppError, audit};

/// One explicit allocation.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    /// The invoice, by id or number.
    pub invoice: Option<String>,
    /// How much of the payment goes to it.
    pub amount: Option<DecimalInput>,
}

/// `POST /v1/payments`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Who paid.
    pub partner_id: Option<String>,
    /// How much.
    pub amount: Option<DecimalInput>,
    /// In which currency.
    pub currency: Option<String>,
    /// When (`YYYY-MM-DD`).
    pub paid_on: Option<String>,
    /// The payer's reference; invoice numbers cited in it receive the payment.
    pub reference: Option<String>,
    /// Explicit allocations (instead of the reference).
    pub allocations: Option<Vec<AllocationInput>>,
}

/// A payment with where it went.
#[derive(Clone, Debug)]
pub struct PaymentView {
    /// The payment.
    pub payment: Payment,
    /// What it settles, with the invoice numbers.
    pub allocations: Vec<(Allocation, Option<String>)>,
    /// What is left as the partner's credit.
    pub unallocated: Decimal,
}

fn overflow(error: settle_core::money::MoneyError) -> AppError {
    AppError::invalid(error.code(), "amount", error.to_string())
}

fn money(amount: Decimal, currency: Currency) -> Result<Money, AppError> {
    Money::new(amount, currency).map_err(overflow)
}

fn mismatch(field: &str, message: String) -> AppError {
    AppError::invalid("payment.currency_mismatch", field, message)
}

/// Records a payment and applies it.
pub async fn record_payment(
    app: &App,
    by: &Principal,
    input: PaymentInput,
) -> Result<PaymentView, AppError> {
    by.require(Right::WriteInvoices)?;
    let mut check = Checker::new("payment");
    let partner_text = check.required("partner_id", input.partner_id, 40);
    let currency = match check.text("currency", input.currency, 3) {
        Some(code) => Currency::parse(&code)
            .map_err(|e| check.fail("unknown_currency", "currency", e.to_string()))
            .ok(),
        None => {
            check.fail("missing_field", "currency", "currency is required");
            None
        }
    };
    let paid_on = check.date("paid_on", input.paid_on);
    if paid_on.is_none() && !check.has_error_on("paid_on") {
        check.fail("missing_field", "paid_on", "paid_on is required");
    }
    let reference = check
        .text("reference", input.reference, 500)
        .unwrap_or_default();
    let amount = input.amount.map(|a| a.0);
    match (amount, currency) {
        (None, _) => check.fail("missing_field", "amount", "amount is required"),
        (Some(a), _) if a <= Decimal::ZERO => {
            check.fail("invalid_amount", "amount", "amount is above zero")
        }
        (Some(a), Some(c)) if a.normalize().scale() > c.decimals() => check.fail(
            "too_many_decimals",
            "amount",
            format!("{c} amounts have at most {} decimals", c.decimals()),
        ),
        _ => {}
    }
    check.finish(()).map_err(AppError::validation)?;
    let (Some(currency), Some(paid_on), Some(amount)) = (currency, paid_on, amount) else {
        return Err(AppError::internal("validated payment incomplete"));
    };
    let partner = PartnerId::parse(&partner_text).ok_or_else(|| {
        AppError::missing_reference("payment.unknown_partner", "partner_id", "no such partner")
    })?;
    let now = app.now();
    let mut tx = app.store.write().await?;
    partners::get(&mut tx, &by.tenant_id, &partner)
        .await?
        .ok_or_else(|| {
            AppError::missing_reference("payment.unknown_partner", "partner_id", "no such partner")
        })?;
    let billed_in: Vec<Currency> = profiles::of_partner(&mut tx, &by.tenant_id, &partner)
        .await?
        .into_iter()
        .map(|p| p.currency)
        .collect();
    if !billed_in.contains(&currency) {
        return Err(mismatch(
            "currency",
            format!("the partner is not billed in {currency}"),
        ));
    }
    let payment = Payment {
        id: PaymentId::generate(),
        tenant_id: by.tenant_id.clone(),
        partner_id: partner.clone(),
        currency,
        amount: Money::new(amount, currency)
            .map_err(|e| AppError::invalid(e.code(), "amount", e.to_string()))?
            .amount(),
        paid_on,
        reference: reference.clone(),
        actor: by.actor.clone(),
        created_at: now,
    };
    payments::insert(&mut tx, &payment).await?;
    let (mut invoices, targets) = match input.allocations {
        Some(explicit) => explicit_targets(&mut tx, by, &payment, explicit).await?,
        None => implicit_targets(&mut tx, by, &payment).await?,
    };
    let paid = money(payment.amount, currency)?;
    let applied = ledger::apply_payment(paid, targets).map_err(overflow)?;
    let left = applied.unallocated.amount();
    let mut allocations = Vec::new();
    for (index, amount) in applied.allocations {
        let invoice = &mut invoices[index];
        let allocation = allocate(
            invoice,
            amount.amount(),
            (PAYMENT_SOURCE, payment.id.as_str()),
            paid_on,
            now,
        )?;
        save_settlement(&mut tx, invoice, now).await?;
        allocations.push((allocation, invoice.number.clone()));
    }
    let stored: Vec<Allocation> = allocations.iter().map(|(a, _)| a.clone()).collect();
    payments::allocate(&mut tx, &stored).await?;
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "payment.recorded",
        (PAYMENT_SOURCE, payment.id.as_str()),
        serde_json::json!({"amount": payment.amount.to_string(), "currency": currency.code(), "unallocated": left.to_string()}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    let partner = partners::get(&mut tx, &by.tenant_id, &payment.partner_id).await?;
    let tenant = settle_store::tenants::get(&mut tx, &by.tenant_id).await?;
    if let (Some(partner), Some(tenant)) = (partner, tenant) {
        let amount = format!(
            "{} {}",
            currency.code(),
            settle_core::display::amount(currency, payment.amount)
        );
        let email = crate::mail::templates::payment_received(
            &tenant.name,
            &partner,
            &amount,
            payment.paid_on,
            &payment.reference,
        );
        crate::mail::enqueue(&mut tx, &by.tenant_id, vec![email], now).await?;
    }
    tx.commit().await?;
    Ok(PaymentView {
        payment,
        allocations,
        unallocated: left,
    })
}

/// 422 unless `invoice` can receive a payment of `payment`.
fn payable(invoice: &Document, payment: &Payment, field: &str) -> Result<(), AppError> {
    if invoice.partner_id != payment.partner_id {
        return Err(AppError::invalid(
            "payment.wrong_partner",
            field,
            format!("{} is another partner's", label(invoice)),
        ));
    }
    if invoice.currency != payment.currency {
        return Err(mismatch(
            field,
            format!(
                "{} is billed in {}, the payment is in {}",
                label(invoice),
                invoice.currency,
                payment.currency
            ),
        ));
    }
    if document_transition(invoice, DocumentAction::Pay).is_err() {
        return Err(AppError::invalid(
            "payment.not_payable",
            field,
            format!(
                "{} is a {} that is {}; only open invoices take payments",
                label(invoice),
                invoice.kind,
                invoice.status
            ),
        ));
    }
    Ok(())
}

/// The invoices explicit allocations name and the ledger's targets over them (by index).
async fn explicit_targets(
    tx: &mut settle_store::Conn,
    by: &Principal,
    payment: &Payment,
    explicit: Vec<AllocationInput>,
) -> Result<(Vec<Document>, Vec<Target<usize>>), AppError> {
    let mut invoices = Vec::with_capacity(explicit.len());
    let mut targets = Vec::with_capacity(explicit.len());
    for (index, allocation) in explicit.into_iter().enumerate() {
        let field = format!("allocations[{index}]");
        let key = allocation.invoice.unwrap_or_default();
        let invoice = load_document(tx, &by.tenant_id, key.trim())
            .await
            .map_err(|_| {
                AppError::invalid(
                    "payment.unknown_invoice",
                    &format!("{field}.invoice"),
                    "no such invoice",
                )
            })?;
        payable(&invoice, payment, &format!("{field}.invoice"))?;
        let amount = allocation.amount.map(|a| a.0).ok_or_else(|| {
            AppError::invalid(
                "payment.missing_field",
                &format!("{field}.amount"),
                "amount is required",
            )
        })?;
        let invalid_amount = || {
            AppError::invalid(
                "payment.invalid_amount",
                &format!("{field}.amount"),
                "amount is above zero, in the currency's decimals",
            )
        };
        let wanted = Money::new(amount, payment.currency).map_err(|_| invalid_amount())?;
        targets.push(Target {
            key: index,
            wanted,
            outstanding: money(invoice.outstanding(), payment.currency)?,
        });
        invoices.push(invoice);
    }
    // The same invoice named twice is one key, so the ledger sees duplicates.
    let keyed: Vec<Target<&InvoiceId>> = targets
        .iter()
        .map(|t| Target {
            key: &invoices[t.key].id,
            wanted: t.wanted,
            outstanding: t.outstanding,
        })
        .collect();
    let paid = money(payment.amount, payment.currency)?;
    ledger::check_explicit(paid, &keyed).map_err(|error| {
        let at = |index: usize, part: &str| format!("allocations[{index}].{part}");
        match error {
            AllocationError::NotPositive { index } => AppError::invalid(
                "payment.invalid_amount",
                &at(index, "amount"),
                "amount is above zero, in the currency's decimals",
            ),
            AllocationError::MoreThanOutstanding { index, outstanding } => AppError::invalid(
                "payment.over_allocation",
                &at(index, "amount"),
                format!(
                    "only {} is outstanding on {}",
                    outstanding.amount(),
                    label(&invoices[index])
                ),
            ),
            AllocationError::Duplicate { index } => AppError::invalid(
                "payment.duplicate_invoice",
                &at(index, "invoice"),
                "each invoice once",
            ),
            AllocationError::MoreThanPayment { sum, payment } => AppError::invalid(
                "payment.over_allocation",
                "allocations",
                format!(
                    "the allocations add up to {}, more than the payment of {}",
                    sum.amount(),
                    payment.amount()
                ),
            ),
            AllocationError::Money(error) => overflow(error),
        }
    })?;
    Ok((invoices, targets))
}

/// The partner's open invoices and the ledger's targets over them (by index): those the
/// reference cites, else all, oldest first.
async fn implicit_targets(
    tx: &mut settle_store::Conn,
    by: &Principal,
    payment: &Payment,
) -> Result<(Vec<Document>, Vec<Target<usize>>), AppError> {
    let open: Vec<Document> =
        documents::finalized_of_partner(tx, &by.tenant_id, &payment.partner_id, payment.currency)
            .await?
            .into_iter()
            .filter(|d| document_transition(d, DocumentAction::Pay).is_ok())
            .collect();
    let owed = open
        .iter()
        .enumerate()
        .map(|(index, d)| {
            Ok((
                index,
                d.number.as_deref(),
                money(d.outstanding(), payment.currency)?,
            ))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let targets = ledger::implicit_targets(&payment.reference, &owed);
    Ok((open, targets))
}

async fn view(conn: &mut settle_store::Conn, payment: Payment) -> Result<PaymentView, AppError> {
    let allocations = payments::allocations_from(conn, &[payment.id.as_str()]).await?;
    let ids: Vec<_> = allocations.iter().map(|a| a.invoice_id.clone()).collect();
    let invoices = documents::get_many(conn, &ids).await?;
    let allocated: Decimal = allocations.iter().map(|a| a.amount).sum();
    Ok(PaymentView {
        unallocated: payment.amount - allocated,
        allocations: allocations
            .into_iter()
            .map(|a| {
                let number = invoices
                    .iter()
                    .find(|d| d.id == a.invoice_id)
                    .and_then(|d| d.number.clone());
                (a, number)
            })
            .collect(),
        payment,
    })
}

/// One payment with its allocations.
pub async fn get_payment(app: &App, by: &Principal, id: &str) -> Result<PaymentView, AppError> {
    by.require(Right::ReadInvoices)?;
    let id = PaymentId::parse(id).ok_or_else(|| AppError::not_found("payment"))?;
    let mut conn = app.store.read().await?;
    let payment = payments::get(&mut conn, &id)
        .await?
        .filter(|p| p.tenant_id == by.tenant_id && by.scope.allows(&p.partner_id))
        .ok_or_else(|| AppError::not_found("payment"))?;
    view(&mut conn, payment).await
}

/// A page of payments, optionally of one partner.
pub async fn list_payments(
    app: &App,
    by: &Principal,
    partner: Option<&str>,
    page: &PageRequest,
) -> Result<Page<PaymentView>, AppError> {
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
    let items = payments::list(
        &mut conn,
        &by.tenant_id,
        partner.as_ref(),
        among.as_deref(),
        page.after.as_deref(),
        page.limit + 1,
    )
    .await?;
    let page = page.page(items, |p| p.id.as_str());
    let mut data = Vec::with_capacity(page.data.len());
    for payment in page.data {
        data.push(view(&mut conn, payment).await?);
    }
    Ok(Page {
        data,
        next_cursor: page.next_cursor,
    })
}
