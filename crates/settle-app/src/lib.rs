//! settle's use cases. Each public function is one action a person or machine can take;
//! it checks the caller's rights, validates, and makes its changes in one transaction
//! together with the audit event and the outbox jobs (emails, filing) they cause.

pub mod approvals;
pub mod auth;
pub mod billing;
pub mod certificates;
pub mod demo;
pub mod einvoice;
mod error;
pub mod filing;
pub mod idempotency;
pub mod import;
pub mod keys;
pub mod mail;
pub mod nts_link;
pub mod pagination;
pub mod partners;
pub mod patch;
pub mod popbill;
pub mod printed;
pub mod privacy;
pub mod reminders;
pub mod secrets;
pub mod settings;
pub mod settlement;
pub mod supplier;
pub mod supplier_pages;
pub mod tax_invoices;
pub mod tenants;
pub mod uploads;
pub mod users;
pub mod webhooks;
pub mod worker;

use std::sync::Arc;

use settle_store::Store;
use time::OffsetDateTime;

pub use error::{AppError, ErrorKind};
pub use settings::Settings;

/// Where "now" comes from, so tests and batch commands can fix it.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Everything a use case needs: the store, the clock and the configured secrets.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub store: Store,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Seals stored private keys; without one, certificates cannot be registered.
    pub secret_key: Option<Arc<secrets::SecretKey>>,
    /// CAs that registered certificates must chain to; none means the chain is not checked.
    pub cert_trust: Option<Arc<settle_nts::TrustBundle>>,
    /// Public URL, issuer code, filing time, mail delivery.
    pub settings: Arc<Settings>,
    /// Where issued invoices are filed (the embedded NTS simulator by default).
    pub filer: Arc<dyn filing::Filer>,
    /// How emails leave.
    pub mailer: Arc<mail::Mailer>,
    /// Unsealed signing identities, by registration.
    pub identities: Arc<certificates::IdentityCache>,
    /// Approval serials reserved for issuing.
    pub serials: Arc<approvals::SerialBlocks>,
    /// Actions waiting to be written together (group commit).
    pub write_queue: Arc<tax_invoices::WriteQueue>,
    /// Exports streaming at once: each holds a database connection for as long as its
    /// client reads, so slow downloads must not take the whole pool.
    pub exports: Arc<tokio::sync::Semaphore>,
}

impl App {
    /// An app on `store` with the wall clock.
    pub fn new(store: Store) -> Self {
        let settings = Settings::default();
        Self {
            filer: Arc::new(filing::Simulator::new(store.clone())),
            mailer: Arc::new(mail::Mailer::from_settings(&settings)),
            settings: Arc::new(settings),
            store,
            clock: Arc::new(SystemClock),
            secret_key: None,
            cert_trust: None,
            identities: Arc::default(),
            serials: Arc::default(),
            write_queue: Arc::default(),
            exports: Arc::new(tokio::sync::Semaphore::new(
                billing::reconciliation::MAX_EXPORTS,
            )),
        }
    }

    /// The same app with these settings (and the mailer they describe).
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.mailer = Arc::new(mail::Mailer::from_settings(&settings));
        self.settings = Arc::new(settings);
        self
    }

    /// The same app filing through `filer`.
    pub fn with_filer(mut self, filer: Arc<dyn filing::Filer>) -> Self {
        self.filer = filer;
        self
    }

    /// The same app with another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same app with a key to seal private keys with.
    pub fn with_secret_key(mut self, key: secrets::SecretKey) -> Self {
        self.secret_key = Some(Arc::new(key));
        self
    }

    /// The same app with a trust bundle for certificate chains.
    pub fn with_cert_trust(mut self, trust: settle_nts::TrustBundle) -> Self {
        self.cert_trust = Some(Arc::new(trust));
        self
    }

    /// The current instant, to the microsecond: the precision stored, so that what an
    /// action returns equals what a later read returns.
    pub fn now(&self) -> OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }
}

/// An audit event of `tenant` by `actor` about `subject` (type, id).
pub(crate) fn audit(
    tenant: &settle_core::ids::TenantId,
    actor: &str,
    action: &str,
    subject: (&str, &str),
    data: serde_json::Value,
    at: OffsetDateTime,
) -> settle_store::events::Event {
    settle_store::events::Event {
        seq: 0,
        tenant_id: Some(tenant.clone()),
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject_type: subject.0.to_owned(),
        subject_id: subject.1.to_owned(),
        data,
    }
}
