//! A closed settlement's tax invoice, in one action: for a partner taxed by reverse
//! issuance, a reverse tax invoice for its supply (the amount owed) drafted and requested
//! at once; for one taxed by a forward fee invoice, the platform's tax invoice for the fees,
//! signed and issued at once. Both are dated on the cycle's last day and state its amount
//! exactly (VAT-inclusive, split by [`SettlementRecord::invoiced`]).

use rust_decimal::Decimal;
use settle_core::access::Right;
use settle_core::money::DecimalInput;
use settle_core::settlement::{SettlementAction, SettlementRecord, Taxation};
use settle_core::tax_invoice::{
    Direction, DocumentKey, PartyInput, TaxInvoiceInput, TaxInvoiceLineInput, TaxInvoiceRecord,
};
use settle_store::settlement::closing;
use settle_store::{partners, tenants};

use super::explain::load;
use crate::auth::Principal;
use crate::billing::korean::{sign_forward, store_forward};
use crate::tax_invoices::{DraftInput, create_in, partner_party, tenant_party};
use crate::{App, AppError, audit};

fn refused(error: settle_core::settlement::SettlementConflict) -> AppError {
    AppError::conflict(error.code, error.message)
}

/// The tax invoice's key: `ST-` and the settlement id's last 21 characters (its time
/// within the month and all its randomness), which fits the 24-character limit.
fn document_key(record: &SettlementRecord) -> Result<DocumentKey, AppError> {
    let id = record.id.as_str();
    let tail = &id[id.len().saturating_sub(21)..];
    DocumentKey::parse(&format!("ST-{tail}")).map_err(AppError::internal)
}

fn content(record: &SettlementRecord) -> TaxInvoiceInput {
    let split = record.invoiced();
    let day = record.period_end.to_string();
    let name = match record.taxation {
        Taxation::ForwardFeeInvoice => "판매수수료",
        _ => "판매대금 정산",
    };
    let whole = |d: Decimal| Some(DecimalInput(d));
    TaxInvoiceInput {
        write_date: Some(day.clone()),
        tax_type: Some("taxable".into()),
        purpose: Some("claim".into()),
        items: Some(vec![TaxInvoiceLineInput {
            date: Some(day),
            name: Some(name.into()),
            spec: Some(format!("{} ~ {}", record.period_start, record.period_end)),
            quantity: None,
            unit_price: None,
            supply_amount: whole(split.supply),
            tax_amount: whole(split.tax),
            remark: None,
        }]),
        remarks: Some(vec![format!("정산 {}", record.id)]),
        supply_total: whole(split.supply),
        tax_total: whole(split.tax),
        total: whole(split.supply + split.tax),
        ..TaxInvoiceInput::default()
    }
}

/// Makes the settlement's tax invoice (see the module); 409 when it has one, is an
/// individual's, owes nothing or is not in won.
pub async fn document(
    app: &App,
    by: &Principal,
    id: &str,
) -> Result<(SettlementRecord, TaxInvoiceRecord), AppError> {
    by.require(Right::WriteTaxInvoices)?;
    let record = {
        let mut conn = app.store.read().await?;
        load(&mut conn, by, id).await?
    };
    record.check(SettlementAction::Document).map_err(refused)?;
    let forward = match record.taxation {
        Taxation::ForwardFeeInvoice => Some(forward_draft(app, &record).await?),
        _ => None,
    };
    let signed = match &forward {
        Some(draft) => Some(sign_forward(app, draft).await?),
        None => None,
    };
    let now = app.now();
    let mut tx = app.store.write().await?;
    let current = load(&mut tx, by, id).await?;
    current.check(SettlementAction::Document).map_err(refused)?;
    let invoice = match (forward, signed) {
        (Some(draft), Some(prepared)) => store_forward(&mut tx, &draft, prepared).await?,
        _ => {
            let input = DraftInput {
                document_key: Some(document_key(&current)?.as_str().to_owned()),
                partner_id: Some(current.partner_id.to_string()),
                invoice: content(&current),
                request: true,
                memo: Some(format!(
                    "{} ~ {} 정산",
                    current.period_start, current.period_end
                )),
            };
            create_in(app, &mut tx, by, input).await?
        }
    };
    if !closing::set_tax_invoice(&mut tx, &current.id, &invoice.id, now).await? {
        return Err(AppError::conflict(
            "settlement.documented",
            "the settlement got its tax invoice meanwhile",
        ));
    }
    let event = audit(
        &by.tenant_id,
        &by.actor,
        "settlement.documented",
        ("settlement", current.id.as_str()),
        serde_json::json!({"tax_invoice_id": invoice.id, "document_key": invoice.document_key}),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    let documented = SettlementRecord {
        tax_invoice_id: Some(invoice.id.clone()),
        updated_at: now,
        ..current
    };
    Ok((documented, invoice))
}

/// The drafted forward tax invoice for a settlement's fees: the platform supplies, the
/// partner buys.
async fn forward_draft(app: &App, record: &SettlementRecord) -> Result<TaxInvoiceRecord, AppError> {
    let mut conn = app.store.read().await?;
    let tenant = tenants::get(&mut conn, &record.tenant_id)
        .await?
        .ok_or_else(|| AppError::not_found("tenant"))?;
    let partner = partners::get(&mut conn, &record.tenant_id, &record.partner_id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    let supplier = tenant_party(&tenant)?;
    let buyer = partner_party(&partner).map_err(|e| AppError::validation(vec![e]))?;
    let input = TaxInvoiceInput {
        supplier: Some(PartyInput::from(&supplier)),
        buyer: Some(PartyInput::from(&buyer)),
        ..content(record)
    };
    let invoice = input
        .validate(&tenant.tax_policy())
        .map_err(AppError::validation)?;
    let mut draft = TaxInvoiceRecord::drafted(
        record.tenant_id.clone(),
        document_key(record)?,
        record.partner_id.clone(),
        invoice,
        app.now(),
    );
    draft.direction = Direction::Forward;
    Ok(draft)
}
