//! Filing through a filing service over HTTP ([the filer protocol](super::protocol)), such
//! as `settle nts-simulator serve`. Invoices go in chunks, a few chunks at a time; a chunk
//! that fails (refused, timed out, cut off) is retried with backoff, and before it is
//! submitted again the service is asked what it took, so an invoice it accepted before
//! the answer was lost keeps that answer and is never submitted twice.

use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, stream};
use serde::Serialize;
use serde::de::DeserializeOwned;
use settle_core::tax_invoice::InvoiceParty;

use super::protocol::{
    FilingRequest, FilingResponse, MemberRequest, StatusRequest, StatusResponse,
};
use super::{Filer, FilerError, FilingResult, Submission};

/// Invoices per request.
const CHUNK: usize = 100;
/// Requests in flight at once.
const CONCURRENCY: usize = 8;
/// Tries per chunk (and per membership) before the batch gives up; the invoices then stay
/// claimed until their lease lapses and a later batch files them.
const ATTEMPTS: u32 = 12;

/// A filing service reached over HTTP.
#[derive(Clone, Debug)]
pub struct RemoteFiler {
    base: String,
    client: reqwest::Client,
    first_backoff: Duration,
}

impl RemoteFiler {
    /// The service at `base_url`, each request given up after `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, FilerError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| FilerError(format!("cannot build the HTTP client: {e}")))?;
        Ok(RemoteFiler {
            base: base_url.trim_end_matches('/').to_owned(),
            client,
            first_backoff: Duration::from_millis(200),
        })
    }

    /// The same filer waiting `first` before its first retry (doubling after each).
    pub fn with_backoff(mut self, first: Duration) -> Self {
        self.first_backoff = first;
        self
    }

    async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Option<R>, String> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .map_err(|e| format!("{path}: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(format!("{path}: {status} {}", text.trim()));
        }
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        let bytes = response.bytes().await.map_err(|e| format!("{path}: {e}"))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{path}: unreadable answer: {e}"))
    }

    async fn pause(&self, attempt: u32) {
        // Doubling, capped, with ±25 % jitter so retries of parallel chunks spread out.
        let factor = 1u32 << attempt.min(5);
        let jitter_permille = rand::Rng::gen_range(&mut rand::thread_rng(), 750..1250u32);
        tokio::time::sleep(self.first_backoff * factor * jitter_permille / 1000).await;
    }

    /// Files one chunk, retrying; one result per submission.
    async fn file_chunk(&self, chunk: &[Submission]) -> Result<Vec<FilingResult>, FilerError> {
        let mut results: Vec<Option<FilingResult>> = vec![None; chunk.len()];
        let mut last_error = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.pause(attempt - 1).await;
                // The failed try may have been taken: ask before submitting again.
                if let Err(error) = self.take_known(chunk, &mut results).await {
                    last_error = error;
                    continue;
                }
            }
            let pending: Vec<usize> = (0..chunk.len()).filter(|&i| results[i].is_none()).collect();
            if pending.is_empty() {
                break;
            }
            let request = FilingRequest {
                submissions: pending.iter().map(|&i| chunk[i].clone()).collect(),
            };
            match self.post::<_, FilingResponse>("/filings", &request).await {
                Ok(Some(answer)) if answer.results.len() == pending.len() => {
                    for (i, result) in pending.into_iter().zip(answer.results) {
                        results[i] = Some(result);
                    }
                    break;
                }
                Ok(_) => {
                    return Err(FilerError(
                        "the filing service answered a different number of results".into(),
                    ));
                }
                Err(error) => last_error = error,
            }
        }
        results
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| FilerError(format!("gave up after {ATTEMPTS} tries: {last_error}")))
    }

    async fn file_numbered(
        &self,
        index: usize,
        chunk: &[Submission],
    ) -> (usize, Result<Vec<FilingResult>, FilerError>) {
        (index, self.file_chunk(chunk).await)
    }

    /// Fills in the answers the service gave before for the chunk's open submissions.
    async fn take_known(
        &self,
        chunk: &[Submission],
        results: &mut [Option<FilingResult>],
    ) -> Result<(), String> {
        let open: Vec<usize> = (0..chunk.len()).filter(|&i| results[i].is_none()).collect();
        if open.is_empty() {
            return Ok(());
        }
        let request = StatusRequest {
            approval_numbers: open
                .iter()
                .map(|&i| chunk[i].approval_number.clone())
                .collect(),
        };
        let answer = self
            .post::<_, StatusResponse>("/filings/status", &request)
            .await?
            .filter(|a| a.results.len() == open.len())
            .ok_or("/filings/status: a different number of results")?;
        for (i, known) in open.into_iter().zip(answer.results) {
            results[i] = known;
        }
        Ok(())
    }
}

#[async_trait]
impl Filer for RemoteFiler {
    async fn register_member(&self, business: &InvoiceParty) -> Result<(), FilerError> {
        let request = MemberRequest {
            brn: business.brn.digits().to_owned(),
        };
        let mut last_error = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                self.pause(attempt - 1).await;
            }
            match self
                .post::<_, serde_json::Value>("/members", &request)
                .await
            {
                Ok(_) => return Ok(()),
                Err(error) => last_error = error,
            }
        }
        Err(FilerError(format!(
            "gave up registering after {ATTEMPTS} tries: {last_error}"
        )))
    }

    async fn file(&self, submissions: &[Submission]) -> Result<Vec<FilingResult>, FilerError> {
        let chunks: Vec<_> = submissions
            .chunks(CHUNK)
            .enumerate()
            .map(|(index, chunk)| self.file_numbered(index, chunk))
            .collect();
        let mut answered: Vec<(usize, Result<Vec<FilingResult>, FilerError>)> =
            stream::iter(chunks)
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        answered.sort_by_key(|(index, _)| *index);
        let mut results = Vec::with_capacity(submissions.len());
        for (_, chunk) in answered {
            results.extend(chunk?);
        }
        Ok(results)
    }
}
