//! Webhooks: which events a platform can subscribe to, how a delivery is signed, when a
//! failed delivery is tried again, and the endpoint a tenant registers. Pure: sending and
//! storing happen in the app and store layers.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::ids::{EventId, TenantId, WebhookDeliveryId, WebhookEndpointId};
use crate::named_enum;

named_enum!(
    /// An event a webhook endpoint can subscribe to; the name is the audit action of the
    /// change, written in the same transaction as the change itself.
    WebhookEvent {
        /// A tax invoice was drafted.
        TaxInvoiceDrafted = "tax_invoice.drafted",
        /// A tax invoice was requested from its supplier.
        TaxInvoiceRequested = "tax_invoice.requested",
        /// The platform withdrew a request.
        TaxInvoiceRequestCancelled = "tax_invoice.request_cancelled",
        /// The supplier refused a request.
        TaxInvoiceRefused = "tax_invoice.refused",
        /// The supplier issued (signed) a tax invoice.
        TaxInvoiceIssued = "tax_invoice.issued",
        /// Filing with the NTS started.
        TaxInvoiceSending = "tax_invoice.sending",
        /// The NTS accepted the filing.
        TaxInvoiceSent = "tax_invoice.sent",
        /// The NTS refused the filing.
        TaxInvoiceSendFailed = "tax_invoice.send_failed",
        /// The supplier cancelled an issued invoice before filing.
        TaxInvoiceIssueCancelled = "tax_invoice.issue_cancelled",
        /// A tax invoice was deleted.
        TaxInvoiceDeleted = "tax_invoice.deleted",
        /// A partner was linked with the filing service.
        PartnerNtsLinked = "partner.nts_linked",
        /// A partner's link with the filing service was removed.
        PartnerNtsUnlinked = "partner.nts_unlinked",
        /// Drafts were finalized into numbered invoices.
        InvoicesFinalized = "invoices.finalized",
        /// A credit note was made.
        CreditNoteCreated = "credit_note.created",
        /// A void and rebill was asked for.
        RebillRequested = "rebill.requested",
        /// A void and rebill was approved: the void note and the new invoice exist.
        RebillApproved = "rebill.approved",
        /// A void and rebill was rejected.
        RebillRejected = "rebill.rejected",
        /// A payment was recorded and applied.
        PaymentRecorded = "payment.recorded",
        /// A partner's settlement of a cycle was closed.
        SettlementClosed = "settlement.closed",
        /// A closed settlement got its tax invoice.
        SettlementDocumented = "settlement.documented",
        /// A settlement's payout was recorded as made.
        SettlementPaid = "settlement.paid",
    }
);

/// Subscribes an endpoint to every event, present and future.
pub const EVERY_EVENT: &str = "*";

/// Longest endpoint URL, in characters.
pub const MAX_URL: usize = 2000;
/// Most endpoints per tenant.
pub const MAX_ENDPOINTS: usize = 20;
/// How long a rotated-out secret still signs deliveries, beside the new one.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// How long deliveries are retried, and how long an endpoint may fail before it is
/// disabled.
pub const GIVE_UP_AFTER: Duration = Duration::days(3);
/// The first retry's delay; each later one doubles, up to [`MAX_DELAY`].
pub const FIRST_DELAY: Duration = Duration::seconds(10);
/// The longest delay between two attempts.
pub const MAX_DELAY: Duration = Duration::hours(6);

/// A tenant's webhook endpoint (its secrets are kept apart, sealed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: WebhookEndpointId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The events it receives (names of [`WebhookEvent`], or [`EVERY_EVENT`]).
    pub events: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it was disabled (`failing` when settle disabled it).
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed; cleared by a success.
    pub failing_since: Option<OffsetDateTime>,
    /// Bumped by every change.
    pub version: i64,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last changed.
    pub updated_at: OffsetDateTime,
}

impl WebhookEndpoint {
    /// Whether it receives `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.enabled && self.events.iter().any(|e| e == EVERY_EVENT || e == event)
    }
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet; attempts continue.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after three days of failures.
    Failed,
}

impl DeliveryState {
    /// The name as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// The state with this name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One event's delivery to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// Its id.
    pub id: WebhookDeliveryId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event (the receiver's deduplication key).
    pub event_id: EventId,
    /// The event's type.
    pub event_type: String,
    /// The JSON body POSTed, exactly as signed.
    pub body: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: i64,
    /// The last answer's HTTP status, if one came.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Created (in the transaction of the change).
    pub created_at: OffsetDateTime,
    /// The first attempt.
    pub first_attempt_at: Option<OffsetDateTime>,
    /// Delivered or given up.
    pub finished_at: Option<OffsetDateTime>,
}

/// One attempt of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// 1, 2, …
    pub attempt: i64,
    /// When it was made.
    pub at: OffsetDateTime,
    /// The HTTP status, if the endpoint answered.
    pub status: Option<i64>,
    /// What went wrong (no answer, a non-2xx status, a refused address).
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
}

/// Checks a subscription list: known event names or `*`, at least one, each once.
pub fn check_events(events: &[String]) -> Result<Vec<String>, String> {
    if events.is_empty() {
        return Err("events needs at least one event type (or \"*\")".to_owned());
    }
    let mut out: Vec<String> = Vec::with_capacity(events.len());
    for event in events {
        let event = event.trim();
        if event != EVERY_EVENT && WebhookEvent::parse(event).is_none() {
            return Err(format!(
                "unknown event type {event:?}; the types are {}",
                WebhookEvent::names()
            ));
        }
        if !out.iter().any(|e| e == event) {
            out.push(event.to_owned());
        }
    }
    Ok(out)
}

/// When attempt `attempts + 1` of a delivery first tried at `first_attempt` is made after
/// a failure at `now`, or `None` once three days have passed. The delay doubles from
/// [`FIRST_DELAY`] up to [`MAX_DELAY`] and is spread by `jitter_permille` (0–1000: ±20%
/// around the delay), so that many failing deliveries do not retry in step.
pub fn retry_at(
    first_attempt: OffsetDateTime,
    attempts: u32,
    now: OffsetDateTime,
    jitter_permille: u16,
) -> Option<OffsetDateTime> {
    let doublings = attempts.saturating_sub(1).min(20);
    let delay = FIRST_DELAY
        .checked_mul(1_i32 << doublings)
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY);
    // 80% of the delay plus up to 40% more: integer arithmetic on milliseconds.
    let millis = delay.whole_milliseconds() as i64;
    let spread = millis * 4 / 10 * i64::from(jitter_permille.min(1000)) / 1000;
    let at = now + Duration::milliseconds(millis * 8 / 10 + spread);
    (at <= first_attempt + GIVE_UP_AFTER).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn subscriptions_name_known_events_or_every_event() {
        let ok = check_events(&["tax_invoice.issued".into(), "*".into(), "*".into()]);
        assert_eq!(ok, Ok(vec!["tax_invoice.issued".into(), "*".into()]));
        assert!(check_events(&[]).is_err());
        assert!(check_events(&["tax_invoice.exploded".into()]).is_err());
    }

    #[test]
    fn retries_double_and_stop_after_three_days() {
        let first = datetime!(2026-12-01 00:00 UTC);
        let middle = 500;
        assert_eq!(
            retry_at(first, 1, first, middle),
            Some(first + Duration::seconds(10))
        );
        assert_eq!(
            retry_at(first, 3, first, middle),
            Some(first + Duration::seconds(40))
        );
        assert_eq!(retry_at(first, 30, first, middle), Some(first + MAX_DELAY));
        let late = first + Duration::days(3) - Duration::hours(1);
        assert_eq!(retry_at(first, 30, late, middle), None);
    }

    #[test]
    fn jitter_spreads_a_delay_by_a_fifth_either_way() {
        let first = datetime!(2026-12-01 00:00 UTC);
        assert_eq!(
            retry_at(first, 1, first, 0),
            Some(first + Duration::seconds(8))
        );
        assert_eq!(
            retry_at(first, 1, first, 1000),
            Some(first + Duration::seconds(12))
        );
    }

    #[test]
    fn an_endpoint_receives_what_it_subscribed_to_while_enabled() {
        let mut endpoint = WebhookEndpoint {
            id: WebhookEndpointId::generate(),
            tenant_id: TenantId::generate(),
            url: "https://platform.example/hooks".into(),
            events: vec!["payment.recorded".into()],
            enabled: true,
            disabled_reason: None,
            failing_since: None,
            version: 1,
            created_at: datetime!(2026-12-01 00:00 UTC),
            updated_at: datetime!(2026-12-01 00:00 UTC),
        };
        assert!(endpoint.wants("payment.recorded"));
        assert!(!endpoint.wants("tax_invoice.issued"));
        endpoint.events = vec![EVERY_EVENT.into()];
        assert!(endpoint.wants("tax_invoice.issued"));
        endpoint.enabled = false;
        assert!(!endpoint.wants("tax_invoice.issued"));
    }
}
