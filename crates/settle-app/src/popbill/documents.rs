//! Tax-invoice calls of the Popbill-compatible API, through the same use cases, states and
//! rights as `/v1`: the platform (a token for the tenant's BRN) registers and requests
//! reverse-issued invoices under its own key (`BUY`), withdraws and deletes them; every
//! caller reads the documents it is a party to.

use serde_json::Value;
use settle_core::access::{PartnerScope, Roles};
use settle_core::tax_invoice::TaxInvoiceRecord;

use super::wire::{reverse_input, text};
use super::{Caller, Member, PopbillError};
use crate::auth::Principal;
use crate::tax_invoices::{self, DraftInput};
use crate::{App, AppError, ErrorKind};

/// Popbill: the document key is not in use.
pub const NO_SUCH_DOCUMENT: i64 = -11000005;
/// Popbill: the request cannot be processed (an illegal transition, a refused document).
pub const CANNOT_PROCESS: i64 = -11000001;
/// Popbill: the caller may not do this.
pub const NOT_ALLOWED: i64 = -11000008;

/// Which party's key addresses a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// The seller's (`SELL`).
    Sell,
    /// The buyer's (`BUY`).
    Buy,
}

impl KeyType {
    /// `SELL` or `BUY` (`TRUSTEE` is not offered).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "SELL" => Some(KeyType::Sell),
            "BUY" => Some(KeyType::Buy),
            _ => None,
        }
    }
}

/// A use case's error in Popbill's terms.
pub fn popbill_error(error: AppError) -> PopbillError {
    let message = error
        .errors
        .first()
        .map(|e| format!("{}: {}", e.field, e.message))
        .unwrap_or_else(|| error.message.clone());
    match error.kind {
        ErrorKind::NotFound => PopbillError::new(NO_SUCH_DOCUMENT, 404, message),
        ErrorKind::Forbidden => PopbillError::new(NOT_ALLOWED, 403, message),
        ErrorKind::Internal => error.into(),
        _ => PopbillError::new(CANNOT_PROCESS, 400, format!("{} ({message})", error.code)),
    }
}

/// The caller as a principal of the use cases.
pub(crate) fn principal(caller: &Caller) -> Principal {
    Principal {
        tenant_id: caller.tenant_id.clone(),
        roles: Roles::all(),
        actor: format!("popbill:{}", caller.link_id),
        scope: PartnerScope::All,
    }
}

fn platform_only(caller: &Caller, key_type: KeyType) -> Result<(), PopbillError> {
    if caller.member == Member::Platform && key_type == KeyType::Buy {
        Ok(())
    } else {
        Err(PopbillError::new(
            NOT_ALLOWED,
            403,
            "only the buyer (the platform, with BUY) may do this",
        ))
    }
}

/// The partner a reverse-issued `Taxinvoice` names as its seller (`invoicerCorpNum`).
async fn seller_of(
    app: &App,
    caller: &Caller,
    body: &Value,
) -> Result<settle_core::partner::Partner, PopbillError> {
    let seller = text(body, "invoicerCorpNum").unwrap_or_default();
    let brn = settle_core::brn::Brn::parse(&seller)
        .map_err(|e| PopbillError::new(-11001014, 400, format!("invoicerCorpNum: {e}")))?;
    let mut conn = app.store.read().await?;
    settle_store::partners::find_many(
        &mut conn,
        &caller.tenant_id,
        true,
        &[brn.digits().to_owned()],
    )
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| PopbillError::new(-11001014, 400, "the seller is not a partner"))
}

/// `register` (`request: false`, state 100) and `registRequest` (`request: true`, state
/// 200): drafts the reverse-issued invoice under the buyer's key (`invoiceeMgtKey`) for
/// the seller (`invoicerCorpNum`, a partner), and requests it from the seller.
pub async fn register(
    app: &App,
    caller: &Caller,
    body: &Value,
    request: bool,
) -> Result<(), PopbillError> {
    platform_only(caller, KeyType::Buy)?;
    let input = reverse_input(body, &caller.corp_num)?;
    let key = text(body, "invoiceeMgtKey")
        .ok_or_else(|| PopbillError::new(-11000006, 400, "invoiceeMgtKey is required"))?;
    let partner = seller_of(app, caller, body).await?;
    let draft = DraftInput {
        document_key: Some(key),
        partner_id: Some(partner.id.to_string()),
        invoice: input,
        request,
        memo: text(body, "memo"),
    };
    tax_invoices::create(app, &principal(caller), draft)
        .await
        .map(|_| ())
        .map_err(popbill_error)
}

/// `regist_request`: [`register`] and request at once.
pub async fn regist_request(app: &App, caller: &Caller, body: &Value) -> Result<(), PopbillError> {
    register(app, caller, body, true).await
}

/// `update`: replaces the content of the buyer's registered (state 100) invoice.
pub async fn update(
    app: &App,
    caller: &Caller,
    key_type: KeyType,
    key: &str,
    body: &Value,
) -> Result<(), PopbillError> {
    platform_only(caller, key_type)?;
    document(app, caller, key_type, key).await?;
    let input = reverse_input(body, &caller.corp_num)?;
    let partner = seller_of(app, caller, body).await?;
    let draft = DraftInput {
        document_key: Some(key.to_owned()),
        partner_id: Some(partner.id.to_string()),
        invoice: input,
        request: false,
        memo: None,
    };
    tax_invoices::update(app, &principal(caller), key, draft)
        .await
        .map(|_| ())
        .map_err(popbill_error)
}

/// The document a caller addresses with `key`: the platform with its key (`BUY`), a
/// supplier with the same key (`SELL`) for its own documents only.
pub async fn document(
    app: &App,
    caller: &Caller,
    key_type: KeyType,
    key: &str,
) -> Result<TaxInvoiceRecord, PopbillError> {
    let missing = || PopbillError::new(NO_SUCH_DOCUMENT, 404, "Document ID does not exist");
    let record = tax_invoices::get(app, &principal(caller), key)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::NotFound => missing(),
            _ => popbill_error(e),
        })?;
    let party = match (&caller.member, key_type) {
        (Member::Platform, KeyType::Buy) => true,
        (Member::Partner(id), KeyType::Sell) => &record.partner_id == id,
        _ => false,
    };
    if party { Ok(record) } else { Err(missing()) }
}

/// A buyer's action on its document: `REQUEST`, `CANCELREQUEST` or `DELETE`.
pub async fn buyer_action(
    app: &App,
    caller: &Caller,
    key_type: KeyType,
    key: &str,
    verb: &str,
    memo: Option<String>,
) -> Result<(), PopbillError> {
    platform_only(caller, key_type)?;
    document(app, caller, key_type, key).await?;
    let by = principal(caller);
    let done = match verb {
        "REQUEST" => tax_invoices::request(app, &by, key, memo).await.map(|_| ()),
        "CANCELREQUEST" => tax_invoices::cancel_request(app, &by, key, memo)
            .await
            .map(|_| ()),
        "DELETE" => tax_invoices::delete(app, &by, key).await,
        _ => {
            return Err(PopbillError::new(
                super::SERVER_ERROR,
                501,
                format!("{verb} is not offered"),
            ));
        }
    };
    done.map_err(popbill_error)
}
