//! The supplier's side, without an account: the emailed link plus the supplier's BRN
//! opens a short session covering every document of that supplier at that tenant; in it
//! the supplier reads, registers its certificate, issues (signs), refuses or cancels.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use settle_core::brn::Brn;
use settle_core::ids::{PartnerId, TaxInvoiceId, TenantId};
use settle_core::tax_invoice::Direction;
use settle_core::tax_invoice::{TaxInvoiceAction, TaxInvoiceRecord, TaxInvoiceState};
use settle_store::partners;
use settle_store::supplier::{self as store, SupplierSession};
use settle_store::tax_invoices;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::certificates::{self, CertificateFiles, Party, Registration};
use crate::settings::SESSION_LIFETIME;
use crate::tax_invoices::{
    Effect, Notify, apply, check, memo, prepare, sign_issuance, write_grouped,
};
use crate::{App, AppError, ErrorKind, audit};

/// Wrong BRNs tolerated per link within [`FAILURE_WINDOW`] before 429.
pub const MAX_FAILURES: i64 = 5;
/// The window in which wrong BRNs are counted.
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// A fresh random token (256 bits, URL-safe) and the SHA-256 hex that is stored.
pub(crate) fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// An authenticated supplier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplierPrincipal {
    /// The tenant whose documents it sees.
    pub tenant_id: TenantId,
    /// The supplier.
    pub partner_id: PartnerId,
    /// For history and audit: `supplier:<brn>`.
    pub actor: String,
    /// Its BRN.
    pub brn: Brn,
}

/// A session just opened.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OpenedSession {
    /// The session token (`Authorization: Supplier <session>`).
    pub session: String,
    /// When it ends.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The document the link was about.
    pub tax_invoice_id: String,
}

fn forbidden(code: &'static str, message: &str) -> AppError {
    AppError::new(ErrorKind::Forbidden, code, message)
}

/// Opens a session with an emailed link token and the supplier's BRN. Wrong BRNs are
/// counted per link; after [`MAX_FAILURES`] in [`FAILURE_WINDOW`] the link answers 429.
pub async fn open_session(app: &App, token: &str, brn: &str) -> Result<OpenedSession, AppError> {
    let now = app.now();
    let link_hash = token_hash(token);
    let mut tx = app.store.write().await?;
    let link = store::find_link(&mut tx, &link_hash)
        .await?
        .ok_or_else(|| {
            AppError::new(
                ErrorKind::NotFound,
                "supplier.invalid_link",
                "this link is not valid",
            )
        })?;
    if now >= link.expires_at {
        return Err(forbidden(
            "supplier.link_expired",
            "this link has expired; ask the platform to send the request again",
        ));
    }
    if store::failures_since(&mut tx, &link_hash, now - FAILURE_WINDOW).await? >= MAX_FAILURES {
        return Err(AppError::new(
            ErrorKind::RateLimited,
            "supplier.too_many_attempts",
            "too many wrong business registration numbers; try again in 15 minutes",
        ));
    }
    let partner = partners::get(&mut tx, &link.tenant_id, &link.partner_id)
        .await?
        .ok_or_else(|| AppError::not_found("partner"))?;
    let given = Brn::parse(brn).ok();
    let Some(partner_brn) = partner.data.brn.filter(|b| Some(*b) == given) else {
        store::record_failure(&mut tx, &link_hash, now).await?;
        tx.commit().await?;
        return Err(forbidden(
            "supplier.wrong_brn",
            "the business registration number does not match this document's supplier",
        )
        .with_field("brn"));
    };
    let (session, session_hash) = new_token();
    let expires_at = now + SESSION_LIFETIME;
    let record = SupplierSession {
        tenant_id: link.tenant_id.clone(),
        partner_id: link.partner_id.clone(),
        expires_at,
    };
    store::insert_session(&mut tx, &session_hash, &record, now).await?;
    let event = audit(
        &link.tenant_id,
        &format!("supplier:{}", partner_brn.digits()),
        "supplier.session_opened",
        ("partner", link.partner_id.as_str()),
        serde_json::json!({ "tax_invoice_id": link.tax_invoice_id }),
        now,
    );
    crate::webhooks::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(OpenedSession {
        session,
        expires_at,
        tax_invoice_id: link.tax_invoice_id.to_string(),
    })
}

/// The supplier holding this session token.
pub async fn authenticate(app: &App, session: &str) -> Result<SupplierPrincipal, AppError> {
    let unauthorized = || {
        AppError::new(
            ErrorKind::Unauthorized,
            "supplier.invalid_session",
            "the supplier session is missing, unknown or expired; open the emailed link again",
        )
    };
    let mut conn = app.store.read().await?;
    let found = store::find_session(&mut conn, &token_hash(session), app.now())
        .await?
        .ok_or_else(unauthorized)?;
    let partner = partners::get(&mut conn, &found.tenant_id, &found.partner_id)
        .await?
        .ok_or_else(unauthorized)?;
    let brn = partner.data.brn.ok_or_else(unauthorized)?;
    Ok(SupplierPrincipal {
        tenant_id: found.tenant_id,
        partner_id: found.partner_id,
        actor: format!("supplier:{}", brn.digits()),
        brn,
    })
}

pub(crate) async fn load_own(
    conn: &mut settle_store::Conn,
    by: &SupplierPrincipal,
    id: &str,
) -> Result<TaxInvoiceRecord, AppError> {
    let not_found = || AppError::not_found("tax_invoice");
    let id = TaxInvoiceId::parse(id).ok_or_else(not_found)?;
    tax_invoices::get(conn, &id)
        .await?
        .filter(|r| r.tenant_id == by.tenant_id && r.partner_id == by.partner_id)
        // Drafts are the platform's until requested; forward-issued invoices are the
        // platform's own (the partner is their buyer).
        .filter(|r| r.state != TaxInvoiceState::Drafted && r.direction == Direction::Reverse)
        .ok_or_else(not_found)
}

/// One of the supplier's invoices.
pub async fn get(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
) -> Result<TaxInvoiceRecord, AppError> {
    let mut conn = app.store.read().await?;
    load_own(&mut conn, by, id).await
}

/// Registers the supplier's joint certificate.
pub async fn register_certificate(
    app: &App,
    by: &SupplierPrincipal,
    files: CertificateFiles,
    password: &str,
) -> Result<Registration, AppError> {
    certificates::register(
        app,
        &by.tenant_id,
        &Party::Partner(by.partner_id.clone()),
        &by.brn,
        files,
        password,
    )
    .await
}

/// Issues (approves and signs) a requested invoice: assigns its approval number, signs the
/// NTS XML with the supplier's registered certificate, and tells both parties.
///
/// The signature is made outside the write transaction, which only checks that the invoice
/// is still the requested one that was signed and stores the result: concurrent issues sign
/// side by side instead of queueing behind one signer. An approval number taken by an
/// issue that then loses a race stays unused.
pub async fn issue(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
    memo_text: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    let memo = memo(memo_text)?;
    let record = {
        let mut conn = app.store.read().await?;
        load_own(&mut conn, by, id).await?
    };
    check(&record, TaxInvoiceAction::Issue)?;
    let identity =
        certificates::signing_identity(app, &by.tenant_id, &Party::Partner(by.partner_id.clone()))
            .await
            .map_err(certificate_needed)?;
    let now = app.now();
    let issuance = sign_issuance(app, &record, identity, now).await?;
    let prepared = prepare(
        &record,
        TaxInvoiceAction::Issue,
        Effect::Issue(issuance),
        &by.actor,
        memo,
        Notify::Parties,
        now,
    )?;
    write_grouped(app, prepared).await
}

fn certificate_needed(error: AppError) -> AppError {
    match error.code.as_ref() {
        "cert.not_registered" => AppError::conflict(
            "tax_invoice.certificate_required",
            "register your joint certificate (POST /v1/supplier/certificates) before issuing",
        ),
        "cert.registration_expired" => AppError::conflict(
            "tax_invoice.certificate_expired",
            "your registered certificate has expired; register it again before issuing",
        ),
        _ => error,
    }
}

/// Refuses a requested invoice; the memo says why.
pub async fn refuse(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
    memo_text: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    let memo = memo(memo_text)?.ok_or_else(|| {
        AppError::invalid(
            "tax_invoice.memo_required",
            "memo",
            "say why you refuse (memo)",
        )
    })?;
    act(app, by, id, TaxInvoiceAction::Refuse, Some(memo)).await
}

/// Cancels an issued invoice before filing starts.
pub async fn cancel_issue(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
    memo_text: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    let memo = memo(memo_text)?;
    act(app, by, id, TaxInvoiceAction::CancelIssue, memo).await
}

async fn act(
    app: &App,
    by: &SupplierPrincipal,
    id: &str,
    action: TaxInvoiceAction,
    memo: Option<String>,
) -> Result<TaxInvoiceRecord, AppError> {
    let now = app.now();
    let mut tx = app.store.write().await?;
    let record = load_own(&mut tx, by, id).await?;
    let record = apply(
        &mut tx,
        &record,
        action,
        Effect::State,
        &by.actor,
        memo,
        Notify::Parties,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}
