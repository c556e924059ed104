//! Typed identifiers. Every id is a string `<prefix>_<ulid>`: readable in logs, sortable by
//! creation time (so it doubles as a pagination key) and impossible to mix up across types.

use std::fmt;

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use ulid::{Generator, Ulid};

/// One generator per process, so ids made within the same millisecond still increase:
/// a bulk import's partners list in file order.
static GENERATOR: Mutex<Generator> = Mutex::new(Generator::new());

/// A new ULID, greater than every one this process made before.
fn next_ulid() -> Ulid {
    let mut generator = GENERATOR.lock().unwrap_or_else(PoisonError::into_inner);
    generator.generate().unwrap_or_else(|_| Ulid::new())
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix that every id of this type starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new, unique id.
            pub fn generate() -> Self {
                Self(format!("{}_{}", $prefix, next_ulid().to_string().to_ascii_lowercase()))
            }

            /// Accepts a well-formed id of this type; `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                let rest = text.strip_prefix($prefix)?.strip_prefix('_')?;
                Ulid::from_string(rest).ok()?;
                Some(Self(text.to_owned()))
            }

            /// Rebuilds an id read back from storage, where it was validated on the way in.
            pub fn from_trusted(text: String) -> Self {
                Self(text)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// A tenant: one platform using settle.
    TenantId,
    "ten"
);
typed_id!(
    /// A partner of a tenant (supplier, seller, reseller).
    PartnerId,
    "par"
);
typed_id!(
    /// An API key (the public half; the secret is never stored).
    ApiKeyId,
    "key"
);
typed_id!(
    /// A staff user of a tenant, who signs in to the pages.
    UserId,
    "usr"
);
typed_id!(
    /// A spreadsheet worked on in the background.
    UploadId,
    "upl"
);
typed_id!(
    /// A durable background job.
    JobId,
    "job"
);
typed_id!(
    /// A tax invoice (the platform's own key for it is its document key).
    TaxInvoiceId,
    "tin"
);

typed_id!(
    /// A partner's settlement contract (effective from a date).
    SettlementContractId,
    "sct"
);
typed_id!(
    /// A transfer to settle (an order, refund, shipping fee or adjustment).
    TransferId,
    "trf"
);
typed_id!(
    /// A partner's closed settlement of one cycle.
    SettlementId,
    "stl"
);

typed_id!(
    /// A partner's billing profile (one per billing currency).
    BillingProfileId,
    "bpr"
);
typed_id!(
    /// A charge waiting to be billed, or billed.
    ChargeId,
    "chg"
);
typed_id!(
    /// One billing run of a period.
    BillingRunId,
    "run"
);
typed_id!(
    /// A billing document: invoice, credit note or void note.
    InvoiceId,
    "inv"
);
typed_id!(
    /// A line of a billing document.
    InvoiceLineId,
    "lin"
);
typed_id!(
    /// A payment received from a partner.
    PaymentId,
    "pay"
);
typed_id!(
    /// A request to void and rebill an invoice.
    RebillRequestId,
    "rbl"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_are_distinct() {
        let a = PartnerId::generate();
        let b = PartnerId::generate();
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("par_"));
        assert_eq!(PartnerId::parse(a.as_str()), Some(a));
    }

    #[test]
    fn ids_increase_in_creation_order() {
        let ids: Vec<PartnerId> = (0..1000).map(|_| PartnerId::generate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn ids_of_another_type_or_garbage_are_rejected() {
        let tenant = TenantId::generate();
        assert_eq!(PartnerId::parse(tenant.as_str()), None);
        assert_eq!(PartnerId::parse("par_"), None);
        assert_eq!(PartnerId::parse("par_not-a-ulid"), None);
        assert_eq!(PartnerId::parse(""), None);
    }
}

typed_id!(
    /// A tenant's webhook endpoint.
    WebhookEndpointId,
    "whe"
);

typed_id!(
    /// One event's delivery to one webhook endpoint.
    WebhookDeliveryId,
    "whd"
);

typed_id!(
    /// An event as webhooks carry it (the receiver's deduplication key).
    EventId,
    "evt"
);
