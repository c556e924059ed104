//! Filing through Popbill, or a service speaking its API (such as another settle): each
//! issued invoice is issued there by its supplier (`registIssue`, under a key made of its
//! approval number) and sent to the NTS at once (`sendToNTS`); the NTS's answer is read
//! back from the document's state (304 sent, 305 refused).
//!
//! Exactly once in effect: before every step the document's state is read under its key,
//! and only the step that state calls for is taken. An answer lost to a timeout therefore
//! never makes an invoice go twice: the next try finds it registered, issued or sent and
//! carries on from there. The service refuses a key it holds already, besides.

mod client;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, stream};
use serde_json::{Value, json};
use settle_core::tax_invoice::InvoiceParty;

pub use client::{CallError, PopbillClient};

use super::{Filer, FilerError, FilingResult, SUCCESS, Submission};
use crate::popbill::{ServiceId, taxinvoice_object};

/// Invoices filed at once.
const CONCURRENCY: usize = 8;
/// Failed calls per invoice before the batch gives up (the invoice then stays claimed
/// until its lease lapses, and a later batch carries on from its state).
const ATTEMPTS: u32 = 12;
/// Calls per invoice in all, failed or not (waiting for a transmission included).
const MAX_STEPS: u32 = 40;
/// Waits on a document in transmission before the service is asked to take it over.
const WAITS_BEFORE_TAKEOVER: u32 = 5;
/// Popbill: no document under the key.
const NO_SUCH_DOCUMENT: i64 = -11000005;

/// Files through a Popbill-compatible service.
pub struct PopbillFiler {
    client: Arc<PopbillClient>,
    first_backoff: Duration,
}

/// What the document's state calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Not there: issue it there.
    Register,
    /// Left asked for (the service stopped between recording and issuing it): issue it.
    Issue,
    /// Issued: send it to the NTS.
    Send,
    /// Being sent: ask again shortly (and, after a while, ask the service to take over).
    Wait,
}

impl PopbillFiler {
    /// A filer for the service at `base_url` with a link id and its secret key.
    pub fn new(
        base_url: &str,
        link_id: &str,
        secret_key: &str,
        service: ServiceId,
        timeout: Duration,
    ) -> Result<Self, FilerError> {
        let client = PopbillClient::new(base_url, link_id, secret_key, service, timeout)
            .map_err(FilerError)?;
        Ok(PopbillFiler {
            client: Arc::new(client),
            first_backoff: Duration::from_millis(200),
        })
    }

    /// The same filer waiting `first` before its first retry (doubling after each).
    pub fn with_backoff(mut self, first: Duration) -> Self {
        self.first_backoff = first;
        self
    }

    async fn pause(&self, failures: u32) {
        let factor = 1u32 << failures.min(5);
        let jitter_permille = rand::Rng::gen_range(&mut rand::thread_rng(), 750..1250u32);
        tokio::time::sleep(self.first_backoff * factor * jitter_permille / 1000).await;
    }

    /// An action on the document at `at` with an empty body.
    async fn act(&self, seller: &str, at: &str, verb: &str) -> Result<Value, CallError> {
        let body = json!({});
        self.client.call(seller, at, Some(verb), Some(&body)).await
    }

    /// Counts a failed call and waits before the next; false once the tries are spent.
    async fn retry(&self, failures: &mut u32, last: &mut String, error: &CallError) -> bool {
        *last = error.to_string();
        *failures += 1;
        if *failures >= ATTEMPTS {
            return false;
        }
        self.pause(*failures - 1).await;
        true
    }

    /// Files one invoice, step by step from its state at the service.
    async fn file_one(&self, submission: &Submission) -> Result<FilingResult, FilerError> {
        let document = match settle_nts::xml::read(&submission.signed_xml) {
            Ok(document) => document,
            Err(error) => return Ok(result("SYN004", format!("not NTS XML: {error}"))),
        };
        let seller = document.invoice.supplier.brn.digits().to_owned();
        let key = management_key(&submission.approval_number);
        let at = format!("/Taxinvoice/SELL/{key}");
        let mut failures = 0;
        let mut waits = 0;
        let mut refused: Option<(Step, CallError)> = None;
        let mut last = String::new();
        for _ in 0..MAX_STEPS {
            let state = self.client.call(&seller, &at, None, None).await;
            if let Err(error) = &state
                && error.credentials()
            {
                return Err(FilerError(format!(
                    "Popbill refused settle's credentials: {error}"
                )));
            }
            let step = match state {
                Ok(info) => match next_step(&info) {
                    Ok(step) => step,
                    Err(done) => return Ok(done),
                },
                Err(CallError::Refused {
                    code: NO_SUCH_DOCUMENT,
                    ..
                }) => Step::Register,
                Err(error) if error.transient() => {
                    if !self.retry(&mut failures, &mut last, &error).await {
                        break;
                    }
                    continue;
                }
                Err(error) => return Ok(refusal(&error)),
            };
            // A step refused once is asked about again (the refusal may have raced a
            // lost answer); refused twice, it is the answer.
            if let Some((previous, error)) = &refused
                && *previous == step
            {
                return Ok(refusal(error));
            }
            let done = match step {
                Step::Register => {
                    let object = taxinvoice_object(&document.invoice, &key, "정발행");
                    let body = with_memo(object, "filed by settle");
                    self.client
                        .call(&seller, "/Taxinvoice", Some("ISSUE"), Some(&body))
                        .await
                }
                Step::Issue => self.act(&seller, &at, "ISSUE").await,
                Step::Send => self.act(&seller, &at, "NTS").await,
                Step::Wait => {
                    waits += 1;
                    self.pause(0).await;
                    if waits % WAITS_BEFORE_TAKEOVER == 0 {
                        // Long in transmission: the service's own filer may have died. Ask
                        // it to take over; it refuses while that filer's claim holds.
                        let _ = self.act(&seller, &at, "NTS").await;
                    }
                    continue;
                }
            };
            match done {
                Ok(_) => refused = None,
                Err(error) if error.transient() => {
                    if !self.retry(&mut failures, &mut last, &error).await {
                        break;
                    }
                }
                Err(error) => refused = Some((step, error)),
            }
        }
        Err(FilerError(format!(
            "invoice {} not filed through Popbill: {last}",
            submission.approval_number
        )))
    }
}

/// Popbill's key for an invoice: its approval number without hyphens (24 digits, the
/// longest key Popbill takes).
pub fn management_key(approval_number: &str) -> String {
    approval_number.replace('-', "")
}

/// Popbill's `JoinForm` for a business (its link id is added by the client).
fn join_form(business: &InvoiceParty) -> Value {
    json!({
        "CorpNum": business.brn.digits(),
        "CorpName": business.name,
        "CEOName": business.ceo_name,
        "Addr": business.address,
        "BizType": business.biz_type,
        "BizClass": business.biz_item,
        "ContactName": business.contact.name,
        "ContactEmail": business.contact.email,
        "ContactTEL": business.contact.phone,
    })
}

fn with_memo(mut object: Value, memo: &str) -> Value {
    object["memo"] = json!(memo);
    object
}

fn result(code: &str, message: impl Into<String>) -> FilingResult {
    FilingResult {
        code: code.to_owned(),
        message: message.into(),
    }
}

fn refusal(error: &CallError) -> FilingResult {
    match error {
        CallError::Refused { code, message, .. } => {
            result(&code.to_string(), format!("Popbill refused it: {message}"))
        }
        CallError::Unanswered(why) => result("POPBILL", why.clone()),
    }
}

/// What a document's `TaxinvoiceInfo` calls for next, or the filing's result when its
/// state is final.
fn next_step(info: &Value) -> Result<Step, FilingResult> {
    let state = info["stateCode"].as_i64().unwrap_or_default();
    let confirm = info["ntsconfirmNum"].as_str().unwrap_or_default();
    match state {
        200 => Ok(Step::Issue),
        300 => Ok(Step::Send),
        301..=303 => Ok(Step::Wait),
        304 => Err(result(
            SUCCESS,
            format!("filed through Popbill ({confirm})"),
        )),
        305 => {
            let code = info["ntssendErrCode"]
                .as_str()
                .or(info["ntsresult"].as_str())
                .unwrap_or("305");
            Err(result(code, "the NTS refused it (Popbill state 305)"))
        }
        other => Err(result(
            &other.to_string(),
            format!("the document is in Popbill state {other} and cannot be filed"),
        )),
    }
}

#[async_trait]
impl Filer for PopbillFiler {
    async fn register_member(&self, business: &InvoiceParty) -> Result<(), FilerError> {
        let unreachable = |e: CallError| FilerError(format!("Popbill: {e}"));
        let corp_num = business.brn.digits();
        if self.client.is_member(corp_num).await.map_err(unreachable)? {
            return Ok(());
        }
        self.client
            .join(&join_form(business))
            .await
            .map_err(unreachable)
    }

    async fn file(&self, submissions: &[Submission]) -> Result<Vec<FilingResult>, FilerError> {
        let each: Vec<_> = submissions
            .iter()
            .enumerate()
            .map(|(index, submission)| self.file_numbered(index, submission))
            .collect();
        let mut answered: Vec<(usize, Result<FilingResult, FilerError>)> = stream::iter(each)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        answered.sort_by_key(|(index, _)| *index);
        answered.into_iter().map(|(_, r)| r).collect()
    }
}

impl PopbillFiler {
    async fn file_numbered(
        &self,
        index: usize,
        submission: &Submission,
    ) -> (usize, Result<FilingResult, FilerError>) {
        (index, self.file_one(submission).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_key_that_is_not_base64_is_refused_at_once() {
        let made = PopbillFiler::new(
            "http://127.0.0.1:9",
            "LINK",
            "not base64!",
            ServiceId::Popbill,
            Duration::from_secs(1),
        );
        assert!(made.is_err());
    }

    #[test]
    fn an_approval_number_makes_a_key_of_24_digits() {
        let key = management_key("20261206-90000001-00000042");
        assert_eq!(key, "202612069000000100000042");
        assert_eq!(key.len(), 24);
    }

    #[test]
    fn the_state_decides_the_next_step() {
        assert_eq!(next_step(&json!({"stateCode": 200})), Ok(Step::Issue));
        assert_eq!(next_step(&json!({"stateCode": 300})), Ok(Step::Send));
        assert_eq!(next_step(&json!({"stateCode": 303})), Ok(Step::Wait));
        let sent = next_step(&json!({"stateCode": 304, "ntsconfirmNum": "N"})).unwrap_err();
        assert!(sent.accepted());
        let refused = next_step(&json!({"stateCode": 305, "ntssendErrCode": "ERR001"}));
        assert_eq!(refused.unwrap_err().code, "ERR001");
        assert!(
            !next_step(&json!({"stateCode": 600}))
                .unwrap_err()
                .accepted()
        );
    }
}
