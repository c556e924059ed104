//! The seller's calls (`SELL`, a token for a linked partner's BRN): issue with its
//! registered certificate, refuse, cancel an issue, file at once; and the reads either
//! party may make: the signed XML and the log.

use settle_core::tax_invoice::TaxInvoiceState;

use super::documents::{KeyType, document, popbill_error, principal};
use super::wire::{issued_input, text};
use super::{Caller, Member, PopbillError};
use crate::App;
use crate::supplier::{self, SupplierPrincipal};
use crate::tax_invoices::{self, DraftInput, HistoryView};

/// What refusing says when the caller gave no reason.
const DEFAULT_REFUSAL: &str = "역발행 요청 거부";

fn supplier_principal(caller: &Caller) -> Result<SupplierPrincipal, PopbillError> {
    let Member::Partner(partner_id) = &caller.member else {
        return Err(PopbillError::new(
            super::documents::NOT_ALLOWED,
            403,
            "only the seller (a partner's token, with SELL) may do this",
        ));
    };
    let brn = settle_core::brn::Brn::parse(&caller.corp_num)
        .map_err(|e| PopbillError::new(super::SERVER_ERROR, 500, e.to_string()))?;
    Ok(SupplierPrincipal {
        tenant_id: caller.tenant_id.clone(),
        partner_id: partner_id.clone(),
        actor: format!("popbill:{}:{}", caller.link_id, caller.corp_num),
        brn,
    })
}

/// A seller's action on a document: `ISSUE` (answers the approval number), `REFUSE`,
/// `CANCELISSUE` or `NTS`.
pub async fn seller_action(
    app: &App,
    caller: &Caller,
    key_type: KeyType,
    key: &str,
    verb: &str,
    memo: Option<String>,
) -> Result<Option<String>, PopbillError> {
    if key_type != KeyType::Sell {
        return Err(PopbillError::new(
            super::documents::NOT_ALLOWED,
            403,
            "the seller addresses its documents with SELL",
        ));
    }
    let by = supplier_principal(caller)?;
    let record = document(app, caller, key_type, key).await?;
    let id = record.id.as_str();
    let done = match verb {
        "ISSUE" => supplier::issue(app, &by, id, memo).await,
        "REFUSE" => {
            let reason = memo.unwrap_or_else(|| DEFAULT_REFUSAL.to_owned());
            supplier::refuse(app, &by, id, Some(reason)).await
        }
        "CANCELISSUE" => supplier::cancel_issue(app, &by, id, memo).await,
        "NTS" => {
            // An issued invoice, or one whose filer died (taken over once its lease lapses).
            if !matches!(
                record.state,
                TaxInvoiceState::Issued | TaxInvoiceState::Sending
            ) {
                return Err(PopbillError::new(
                    super::documents::CANNOT_PROCESS,
                    400,
                    "only an issued invoice is sent to the NTS",
                ));
            }
            crate::filing::file_now(app, &principal(caller), key).await
        }
        _ => {
            return Err(PopbillError::new(
                super::SERVER_ERROR,
                501,
                format!("{verb} is not offered"),
            ));
        }
    };
    let record = done.map_err(popbill_error)?;
    Ok(record.approval_number)
}

/// `registIssue`: the seller issues an invoice to the platform on its own (정발행 on
/// Popbill). It is recorded under the seller's key (`invoicerMgtKey`) as asked of the
/// seller (no request email: the seller is issuing it), then issued with the seller's
/// certificate; answers the approval number. Each
/// step is its own transaction: a document left asked for (the process stopped between
/// them) is issued by `issue` under the same key.
pub async fn regist_issue(
    app: &App,
    caller: &Caller,
    body: &serde_json::Value,
) -> Result<String, PopbillError> {
    let by = supplier_principal(caller)?;
    let key = text(body, "invoicerMgtKey")
        .ok_or_else(|| PopbillError::new(-11000006, 400, "invoicerMgtKey is required"))?;
    let platform = {
        let mut conn = app.store.read().await?;
        settle_store::tenants::get(&mut conn, &caller.tenant_id)
            .await?
            .ok_or_else(|| PopbillError::new(super::SERVER_ERROR, 500, "no tenant"))?
    };
    let input = issued_input(body, &caller.corp_num, platform.brn.digits())?;
    let draft = DraftInput {
        document_key: Some(key),
        partner_id: Some(by.partner_id.to_string()),
        invoice: input,
        request: true,
        memo: text(body, "memo"),
    };
    let record = tax_invoices::create_requested_quietly(app, &principal(caller), draft)
        .await
        .map_err(popbill_error)?;
    let issued = supplier::issue(app, &by, record.id.as_str(), None)
        .await
        .map_err(popbill_error)?;
    Ok(issued.approval_number.unwrap_or_default())
}

/// The signed NTS XML of an issued document.
pub async fn xml(
    app: &App,
    caller: &Caller,
    key_type: KeyType,
    key: &str,
) -> Result<String, PopbillError> {
    document(app, caller, key_type, key).await?;
    tax_invoices::signed_xml(app, &principal(caller), key)
        .await
        .map_err(popbill_error)
}

/// A document's transitions, oldest first.
pub async fn logs(
    app: &App,
    caller: &Caller,
    key_type: KeyType,
    key: &str,
) -> Result<Vec<HistoryView>, PopbillError> {
    document(app, caller, key_type, key).await?;
    tax_invoices::history(app, &principal(caller), key)
        .await
        .map_err(popbill_error)
}
