//! Email: messages are rendered inside the use case's transaction and queued as `email`
//! jobs (the outbox), so a message exists exactly when the change it reports committed.
//! The worker then delivers each one: through SMTP when `SETTLE_SMTP_URL` is set, or as an
//! RFC 5322 `.eml` file in the outbox folder.

mod deliver;
pub mod templates;

use serde::{Deserialize, Serialize};
use settle_core::ids::TenantId;
use settle_store::jobs::{self, NewJob};
use time::OffsetDateTime;

pub use deliver::Mailer;

use crate::AppError;

/// The job kind of queued emails.
pub const JOB_KIND: &str = "email";

/// One message to one recipient.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject (Korean is fine: it is encoded on delivery).
    pub subject: String,
    /// Plain text.
    pub body: String,
}

/// Queues `emails` in the caller's transaction.
pub(crate) async fn enqueue(
    conn: &mut settle_store::Conn,
    tenant: &TenantId,
    emails: Vec<Email>,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    let jobs: Vec<NewJob> = emails
        .into_iter()
        .filter(|email| !email.to.is_empty())
        .map(|email| NewJob {
            tenant_id: Some(tenant.clone()),
            kind: JOB_KIND.to_owned(),
            payload: serde_json::to_value(email).unwrap_or_default(),
            dedupe_key: None,
            run_at: now,
        })
        .collect();
    jobs::enqueue_many(conn, &jobs, now).await?;
    Ok(())
}
