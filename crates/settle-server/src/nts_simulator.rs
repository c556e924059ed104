//! The NTS simulator as a service of its own (`settle nts-simulator serve`): the embedded
//! simulator behind [the filer protocol](settle_app::filing::protocol), with faults
//! injected so filing can be tried across a real socket against a service that is slow,
//! fails, times out or loses its answers.
//!
//! Each request (other than `GET /stats`) first waits the latency; then it fails at the
//! failure rate (503, nothing done); otherwise it is carried out, and then its answer is
//! held back longer than any client waits at the timeout rate, or cut off mid-body at the
//! drop rate, so the client cannot tell whether it was taken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use settle_app::filing::protocol::{
    FilingRequest, FilingResponse, MemberRequest, StatusRequest, StatusResponse,
};
use settle_app::filing::{ALREADY_RECEIVED, Filer, FilerError, Simulator, Submission};
use settle_core::brn::Brn;

/// How long a timed-out answer is held back: longer than any client waits.
const HOLD: Duration = Duration::from_secs(600);

/// A fraction of requests, in parts per million.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(u32);

impl Rate {
    const WHOLE: u32 = 1_000_000;

    /// Every request.
    pub const ALWAYS: Rate = Rate(Self::WHOLE);

    /// A fraction written as a decimal between 0 and 1 (`0.2`).
    pub fn parse(text: &str) -> Result<Rate, String> {
        let fraction: rust_decimal::Decimal = text
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not a decimal fraction"))?;
        if fraction.is_sign_negative() || fraction > rust_decimal::Decimal::ONE {
            return Err(format!("{text} is not between 0 and 1"));
        }
        let parts = (fraction * rust_decimal::Decimal::from(Self::WHOLE))
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        u32::try_from(parts.mantissa())
            .map(Rate)
            .map_err(|_| format!("{text} is not between 0 and 1"))
    }
}

/// The faults injected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Waited before each request is looked at.
    pub latency: Duration,
    /// Requests refused with 503 without being carried out.
    pub fail_rate: Rate,
    /// Requests carried out whose answer is held back until the client gives up.
    pub timeout_rate: Rate,
    /// Requests carried out whose answer is cut off.
    pub drop_after_accept: Rate,
    /// Seeds the draws, so a run of requests meets the same faults again.
    pub seed: Option<u64>,
}

impl Faults {
    /// Checks that the two after-the-work rates fit in one.
    pub fn validate(&self) -> Result<(), String> {
        if self.timeout_rate.0 + self.drop_after_accept.0 > Rate::WHOLE {
            return Err("--timeout-rate and --drop-after-accept add up to more than 1".into());
        }
        Ok(())
    }
}

/// What the service has done, for `GET /stats`.
#[derive(Default)]
struct Counts {
    requests: AtomicU64,
    failed: AtomicU64,
    timed_out: AtomicU64,
    dropped: AtomicU64,
    resubmitted: AtomicU64,
}

struct Service {
    simulator: Simulator,
    faults: Faults,
    counts: Counts,
    draws: Mutex<StdRng>,
}

/// What befalls a request's answer after the work is done.
enum Fate {
    Answered,
    HeldBack,
    CutOff,
}

/// The simulator's routes.
pub fn router(simulator: Simulator, faults: Faults) -> Router {
    let draws = match faults.seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_entropy(),
    };
    let service = Arc::new(Service {
        simulator,
        faults,
        counts: Counts::default(),
        draws: Mutex::new(draws),
    });
    Router::new()
        .route("/members", post(members))
        .route("/filings", post(filings))
        .route("/filings/status", post(status))
        .route("/stats", get(stats))
        .with_state(service)
}

/// Serves the simulator on `listener` until the process ends.
pub async fn serve_on(
    simulator: Simulator,
    faults: Faults,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(simulator, faults)).await
}

impl Service {
    /// A draw in parts per million: below a rate with that rate's chance.
    fn draw(&self) -> u32 {
        let mut draws = self
            .draws
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        draws.gen_range(0..Rate::WHOLE)
    }

    /// Waits the latency; `Err` (a 503) when this request is to fail.
    async fn admit(&self) -> Result<(), Response> {
        self.counts.requests.fetch_add(1, Ordering::Relaxed);
        if !self.faults.latency.is_zero() {
            tokio::time::sleep(self.faults.latency).await;
        }
        if self.draw() < self.faults.fail_rate.0 {
            self.counts.failed.fetch_add(1, Ordering::Relaxed);
            return Err(failure("injected failure"));
        }
        Ok(())
    }

    fn fate(&self) -> Fate {
        let draw = self.draw();
        if draw < self.faults.timeout_rate.0 {
            self.counts.timed_out.fetch_add(1, Ordering::Relaxed);
            Fate::HeldBack
        } else if draw < self.faults.timeout_rate.0 + self.faults.drop_after_accept.0 {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            Fate::CutOff
        } else {
            Fate::Answered
        }
    }

    /// Reads the body, admits the request (latency, injected failure), does `work` and
    /// delivers its answer as its fate has it; what `work` refuses is answered at once.
    async fn handle<T>(
        &self,
        body: Result<Json<T>, JsonRejection>,
        work: impl AsyncFnOnce(T) -> Result<Response, Response>,
    ) -> Response {
        let request = match body {
            Ok(Json(request)) => request,
            Err(rejection) => return unreadable(&rejection),
        };
        if let Err(refused) = self.admit().await {
            return refused;
        }
        match work(request).await {
            Ok(answer) => self.deliver(answer).await,
            Err(refused) => refused,
        }
    }

    /// The answer as its fate has it.
    async fn deliver(&self, answer: Response) -> Response {
        match self.fate() {
            Fate::Answered => answer,
            Fate::HeldBack => {
                tokio::time::sleep(HOLD).await;
                answer
            }
            Fate::CutOff => cut_off(),
        }
    }
}

fn failure(message: &str) -> Response {
    let body = Json(json!({"error": message}));
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

/// A body that is not the protocol's JSON: 400 with the reason, in JSON like every answer.
fn unreadable(rejection: &JsonRejection) -> Response {
    let body = Json(json!({"error": rejection.body_text()}));
    (StatusCode::BAD_REQUEST, body).into_response()
}

fn filer_failure(error: FilerError) -> Response {
    failure(&error.to_string())
}

/// A 200 whose body breaks off before it ends: the connection is dropped.
fn cut_off() -> Response {
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("answer dropped"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "64")
        .body(Body::from_stream(broken))
        .unwrap_or_else(|_| failure("answer dropped"))
}

async fn members(
    State(service): State<Arc<Service>>,
    body: Result<Json<MemberRequest>, JsonRejection>,
) -> Response {
    let work = async |request: MemberRequest| {
        let Ok(brn) = Brn::parse(&request.brn) else {
            let body = Json(json!({"error": "not a business registration number"}));
            return Err((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
        };
        service
            .simulator
            .add_member(&brn)
            .await
            .map_err(filer_failure)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    };
    service.handle(body, work).await
}

async fn filings(
    State(service): State<Arc<Service>>,
    body: Result<Json<FilingRequest>, JsonRejection>,
) -> Response {
    let work = async |request: FilingRequest| {
        let submissions: Vec<Submission> = request.submissions;
        let results = service
            .simulator
            .file(&submissions)
            .await
            .map_err(filer_failure)?;
        let again = results
            .iter()
            .filter(|r| r.message == ALREADY_RECEIVED)
            .count();
        service
            .counts
            .resubmitted
            .fetch_add(again as u64, Ordering::Relaxed);
        Ok(Json(FilingResponse { results }).into_response())
    };
    service.handle(body, work).await
}

async fn status(
    State(service): State<Arc<Service>>,
    body: Result<Json<StatusRequest>, JsonRejection>,
) -> Response {
    let work = async |request: StatusRequest| {
        let results = service
            .simulator
            .status(&request.approval_numbers)
            .await
            .map_err(filer_failure)?;
        Ok(Json(StatusResponse { results }).into_response())
    };
    service.handle(body, work).await
}

async fn stats(State(service): State<Arc<Service>>) -> Response {
    let received = match service.simulator.received().await {
        Ok(n) => n,
        Err(error) => return filer_failure(error),
    };
    let c = &service.counts;
    let read = |n: &AtomicU64| n.load(Ordering::Relaxed);
    Json(json!({
        "received": received,
        "requests": read(&c.requests),
        "failed": read(&c.failed),
        "timed_out": read(&c.timed_out),
        "dropped": read(&c.dropped),
        "resubmitted": read(&c.resubmitted),
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_decimal_fractions_in_parts_per_million() {
        assert_eq!(Rate::parse("0.2"), Ok(Rate(200_000)));
        assert_eq!(Rate::parse("1"), Ok(Rate::ALWAYS));
        assert_eq!(Rate::parse(" 0 "), Ok(Rate(0)));
        assert!(Rate::parse("1.5").is_err());
        assert!(Rate::parse("-0.1").is_err());
        assert!(Rate::parse("lots").is_err());
    }

    #[test]
    fn faults_after_the_work_fit_in_one() {
        let faults = Faults {
            timeout_rate: Rate::parse("0.6").unwrap(),
            drop_after_accept: Rate::parse("0.5").unwrap(),
            ..Faults::default()
        };
        assert!(faults.validate().is_err());
        let fits = Faults {
            drop_after_accept: Rate::parse("0.4").unwrap(),
            ..faults
        };
        assert!(fits.validate().is_ok());
    }
}
