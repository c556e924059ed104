//! The embedded NTS simulator: checks each filed invoice the way the NTS does — XML
//! structure and schema rules, the XML signature against the certificate it carries, the
//! supplier's registration, approval-number uniqueness — and keeps a register of what it
//! accepted in its own tables, so a resubmission gets the first answer again.

use std::collections::HashMap;

use async_trait::async_trait;
use settle_core::brn::Brn;
use settle_core::tax_invoice::InvoiceParty;
use settle_nts::SignatureError;
use settle_store::{Store, nts_simulator};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{Filer, FilerError, FilingResult, SUCCESS, Submission};

/// The simulator, over the store it keeps its register in.
#[derive(Clone)]
pub struct Simulator {
    store: Store,
}

/// The message of the answer to an invoice filed again (the first answer's code).
pub const ALREADY_RECEIVED: &str = "already received";

impl Simulator {
    /// A simulator keeping its register in `store`.
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// What was answered before for each of `numbers`: none for an invoice never taken
    /// (a refused one is not taken).
    pub async fn status(
        &self,
        numbers: &[String],
    ) -> Result<Vec<Option<FilingResult>>, FilerError> {
        let mut conn = self.store.read().await.map_err(store_error)?;
        let asked: Vec<&str> = numbers.iter().map(String::as_str).collect();
        let received = nts_simulator::receipts(&mut conn, &asked)
            .await
            .map_err(store_error)?;
        Ok(numbers
            .iter()
            .map(|n| {
                received
                    .get(n)
                    .map(|(_, code)| result(code, ALREADY_RECEIVED))
            })
            .collect())
    }

    /// Registers a business as a member (idempotent).
    pub async fn add_member(&self, brn: &Brn) -> Result<(), FilerError> {
        let mut tx = self.store.write().await.map_err(store_error)?;
        nts_simulator::add_member(&mut tx, brn.digits(), OffsetDateTime::now_utc())
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)
    }

    /// How many invoices the register holds.
    pub async fn received(&self) -> Result<i64, FilerError> {
        let mut conn = self.store.read().await.map_err(store_error)?;
        nts_simulator::receipt_count(&mut conn)
            .await
            .map_err(store_error)
    }
}

/// What the checks alone say of one submission (before the register is consulted).
struct Checked {
    result: FilingResult,
    supplier_brn: String,
    content_hash: String,
}

fn result(code: &str, message: impl Into<String>) -> FilingResult {
    FilingResult {
        code: code.to_owned(),
        message: message.into(),
    }
}

fn check(submission: &Submission) -> Checked {
    let content_hash = hex::encode(Sha256::digest(submission.signed_xml.as_bytes()));
    let mut checked = Checked {
        result: result(SUCCESS, "accepted"),
        supplier_brn: String::new(),
        content_hash,
    };
    let document = match settle_nts::xml::read(&submission.signed_xml) {
        Ok(document) => document,
        Err(error) => {
            checked.result = result("SYN004", format!("schema error: {error}"));
            return checked;
        }
    };
    checked.supplier_brn = document.invoice.supplier.brn.digits().to_owned();
    if document.approval_number.as_str() != submission.approval_number {
        checked.result = result(
            "SYN004",
            "IssueID differs from the submitted approval number",
        );
        return checked;
    }
    if let Err(error) = settle_nts::dsig::verify(&submission.signed_xml) {
        checked.result = match error {
            SignatureError::Xml(e) => result("SYN004", format!("schema error: {e}")),
            other => result("SYN002", format!("signature error: {other}")),
        };
    }
    checked
}

#[async_trait]
impl Filer for Simulator {
    async fn register_member(&self, business: &InvoiceParty) -> Result<(), FilerError> {
        self.add_member(&business.brn).await
    }

    async fn file(&self, submissions: &[Submission]) -> Result<Vec<FilingResult>, FilerError> {
        let checked = check_all(submissions).await?;
        let now = OffsetDateTime::now_utc();
        let mut tx = self.store.write().await.map_err(store_error)?;
        let numbers: Vec<&str> = submissions
            .iter()
            .map(|s| s.approval_number.as_str())
            .collect();
        let mut received = nts_simulator::receipts(&mut tx, &numbers)
            .await
            .map_err(store_error)?;
        let mut members: HashMap<String, bool> = HashMap::new();
        let mut results = Vec::with_capacity(checked.len());
        for (submission, mut checked) in submissions.iter().zip(checked) {
            let number = submission.approval_number.as_str();
            if let Some((hash, code)) = received.get(number) {
                results.push(if *hash == checked.content_hash {
                    result(code, ALREADY_RECEIVED)
                } else {
                    result("SYN003", "duplicate approval number")
                });
                continue;
            }
            if checked.result.accepted() {
                let brn = checked.supplier_brn.clone();
                let member = match members.get(&brn) {
                    Some(member) => *member,
                    None => {
                        let member = nts_simulator::is_member(&mut tx, &brn)
                            .await
                            .map_err(store_error)?;
                        members.insert(brn, member);
                        member
                    }
                };
                if !member {
                    checked.result =
                        result("ERR001", "the supplier's business number is not registered");
                }
            }
            // Only an accepted invoice takes its approval number; a refused one may be
            // corrected and filed again.
            if checked.result.accepted() {
                nts_simulator::record_receipt(
                    &mut tx,
                    number,
                    &checked.content_hash,
                    &checked.supplier_brn,
                    &checked.result.code,
                    now,
                )
                .await
                .map_err(store_error)?;
                received.insert(
                    number.to_owned(),
                    (checked.content_hash.clone(), checked.result.code.clone()),
                );
            }
            results.push(checked.result);
        }
        tx.commit().await.map_err(store_error)?;
        Ok(results)
    }
}

/// Checks every submission, spread over the cores (parsing, canonicalization and the RSA
/// verification are CPU work).
async fn check_all(submissions: &[Submission]) -> Result<Vec<Checked>, FilerError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_task = submissions.len().div_ceil(threads).max(1);
    let tasks: Vec<_> = submissions
        .chunks(per_task)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            tokio::task::spawn_blocking(move || chunk.iter().map(check).collect::<Vec<_>>())
        })
        .collect();
    let mut checked = Vec::with_capacity(submissions.len());
    for task in tasks {
        checked.extend(task.await.map_err(|e| FilerError(e.to_string()))?);
    }
    Ok(checked)
}

fn store_error(error: settle_store::StoreError) -> FilerError {
    FilerError(error.to_string())
}
