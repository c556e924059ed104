//! Settings of the running system that use cases read: where links point, how approval
//! numbers and filing batches are made, and how mail leaves.

use std::path::PathBuf;

use settle_nts::approval::IssuerCode;
use time::{Duration, Time};

/// How long an emailed link opens supplier sessions.
pub const LINK_LIFETIME: Duration = Duration::days(30);
/// How long a supplier session lasts.
pub const SESSION_LIFETIME: Duration = Duration::hours(2);

/// The settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Base of the links in emails, without a trailing slash (`https://settle.example`).
    pub public_url: String,
    /// The 8-digit issuer code in approval numbers.
    pub issuer_code: IssuerCode,
    /// Local (Korean) time of the daily filing batch.
    pub filing_time: Time,
    /// Where messages are written as `.eml` files when no SMTP server is configured.
    pub outbox_dir: PathBuf,
    /// `smtp://host:port`, `smtps://user:pass@host` …; `None` writes to the outbox folder.
    pub smtp_url: Option<String>,
    /// The From of every message.
    pub mail_from: String,
    /// Whether webhook endpoints may be on private, loopback or link-local addresses
    /// (refused by default: a tenant must not reach into settle's own network).
    pub webhook_allow_private: bool,
    /// How long a filer's claim on the invoices it is filing lasts; a filer that died is
    /// taken over once it lapses.
    pub filing_lease: time::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".to_owned(),
            issuer_code: IssuerCode::default(),
            filing_time: Time::from_hms(15, 0, 0).unwrap_or(Time::MIDNIGHT),
            outbox_dir: PathBuf::from("./settle-data/outbox"),
            smtp_url: None,
            mail_from: "settle <noreply@settle.localhost>".to_owned(),
            webhook_allow_private: false,
            filing_lease: time::Duration::minutes(10),
        }
    }
}
