//! Messages the worker sends on a schedule rather than on a change: the one reminder of an
//! unpaid invoice, some days (a tenant setting) after its due date, and the notice that a
//! registered certificate ends within 30 days. Each is queued with a key that makes it
//! once-only, however often the scheduler runs and however many servers run it.

use settle_core::KST;
use settle_core::ids::PartnerId;
use settle_core::language::Language;
use settle_store::billing::documents;
use settle_store::{certificates, partners, tenants};
use time::Duration;

use crate::mail::{self, templates};
use crate::{App, AppError};

/// How long before a certificate ends its holder is told.
pub const CERTIFICATE_NOTICE: Duration = Duration::days(30);

/// Queues every reminder that is due and not sent yet; returns how many were queued.
pub async fn send_due_reminders(app: &App) -> Result<usize, AppError> {
    let now = app.now();
    let today = now.to_offset(KST).date();
    let mut queued = 0;
    let mut tx = app.store.write().await?;
    for tenant in tenants::all(&mut tx).await? {
        let Some(days) = tenant.profile.overdue_reminder_days else {
            continue;
        };
        let due_before = today - Duration::days(i64::from(days)) + Duration::days(1);
        for invoice in documents::open_due_before(&mut tx, &tenant.id, due_before).await? {
            let Some(partner) = partners::get(&mut tx, &tenant.id, &invoice.partner_id).await?
            else {
                continue;
            };
            let email = templates::overdue_reminder(&tenant.name, &partner, &invoice);
            let key = format!("overdue-reminder:{}", invoice.id);
            if mail::enqueue_once(&mut tx, &tenant.id, email, key, now).await? {
                queued += 1;
            }
        }
    }
    for certificate in certificates::expiring(&mut tx, now, now + CERTIFICATE_NOTICE).await? {
        let tenant_id = settle_core::ids::TenantId::from_trusted(certificate.tenant_id.clone());
        let Some(tenant) = tenants::get(&mut tx, &tenant_id).await? else {
            continue;
        };
        let (to, holder, language) = if certificate.party_kind == "partner" {
            let id = PartnerId::from_trusted(certificate.party_id.clone());
            match partners::get(&mut tx, &tenant_id, &id).await? {
                Some(p) => (p.data.contact.email, p.data.name, p.data.language),
                None => continue,
            }
        } else {
            let email = tenant.profile.contact.email.clone().unwrap_or_default();
            (email, tenant.name.clone(), Language::Ko)
        };
        let email = templates::certificate_expiring(
            &to,
            &holder,
            &certificate.subject,
            certificate.not_after,
            language,
        );
        let key = format!("certificate-expiring:{}", certificate.id);
        if mail::enqueue_once(&mut tx, &tenant_id, email, key, now).await? {
            queued += 1;
        }
    }
    tx.commit().await?;
    Ok(queued)
}
