//! Delivery of one queued message: SMTP, or an `.eml` file in the outbox folder.

use std::path::{Path, PathBuf};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Email;
use crate::settings::Settings;

/// Where messages go.
pub enum Mailer {
    /// Written as `<job id>.eml` into this folder.
    Outbox {
        /// The folder.
        dir: PathBuf,
        /// The From.
        from: String,
    },
    /// Sent through this SMTP server.
    Smtp {
        /// The transport (pooled connections).
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The From.
        from: String,
    },
    /// The SMTP URL could not be used; every delivery fails with this reason.
    Misconfigured(String),
}

impl Mailer {
    /// The mailer the settings describe.
    pub fn from_settings(settings: &Settings) -> Self {
        let from = settings.mail_from.clone();
        match &settings.smtp_url {
            None => Mailer::Outbox {
                dir: settings.outbox_dir.clone(),
                from,
            },
            Some(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
                Ok(builder) => Mailer::Smtp {
                    transport: builder.build(),
                    from,
                },
                Err(error) => Mailer::Misconfigured(format!("SETTLE_SMTP_URL: {error}")),
            },
        }
    }

    /// Delivers `email`; `id` makes the Message-ID (and file name) stable across retries.
    pub async fn deliver(&self, id: &str, email: &Email) -> Result<(), String> {
        match self {
            Mailer::Outbox { dir, from } => {
                let message = build(id, from, email)?;
                write_eml(dir, id, &message.formatted()).await
            }
            Mailer::Smtp { transport, from } => {
                let message = build(id, from, email)?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| format!("SMTP: {e}"))
            }
            Mailer::Misconfigured(reason) => Err(reason.clone()),
        }
    }
}

fn build(id: &str, from: &str, email: &Email) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("From {from:?}: {e}"))?;
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| format!("recipient {:?}: {e}", email.to))?;
    let host = from.email.domain().to_owned();
    let text =
        MultiPart::alternative_plain_html(email.body.clone(), super::templates::html(&email.body));
    let body = if email.attachments.is_empty() {
        text
    } else {
        let mut mixed = MultiPart::mixed().multipart(text);
        for file in &email.attachments {
            let kind = ContentType::parse(&file.content_type)
                .map_err(|e| format!("attachment type {:?}: {e}", file.content_type))?;
            mixed =
                mixed.singlepart(Attachment::new(file.name.clone()).body(file.bytes.clone(), kind));
        }
        mixed
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{id}@{host}>")))
        .multipart(body)
        .map_err(|e| format!("message: {e}"))
}

/// Writes the message into the outbox's `.partial/` folder and renames it into the outbox,
/// so a reader of the outbox never sees half a file (not even one under another name); a
/// retry overwrites the same name.
async fn write_eml(dir: &Path, id: &str, bytes: &[u8]) -> Result<(), String> {
    let partial = dir.join(".partial");
    tokio::fs::create_dir_all(&partial)
        .await
        .map_err(|e| format!("outbox {}: {e}", partial.display()))?;
    let tmp = partial.join(format!("{id}.eml"));
    let path = dir.join(format!("{id}.eml"));
    tokio::fs::write(&tmp, bytes)
        .await
        .map_err(|e| format!("outbox {}: {e}", tmp.display()))?;
    tokio::fs::rename(&tmp, &path)
        .await
        .map_err(|e| format!("outbox {}: {e}", path.display()))
}
