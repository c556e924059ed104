//! A webhook receiver on loopback: a real HTTP server that records every request and
//! answers 500 to the first `fail_first` of them, 200 afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::sync::Mutex;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub signature: String,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    fail_first: AtomicUsize,
    seen: AtomicUsize,
}

/// The receiver; `url` is where settle should POST.
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let n = inner.seen.fetch_add(1, Ordering::SeqCst);
    if n < inner.fail_first.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    inner.received.lock().await.push(Received {
        signature: header("settle-signature"),
        event_id: header("settle-event-id"),
        event_type: header("settle-event-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    StatusCode::OK
}

impl Receiver {
    /// Starts a receiver that fails its first `fail_first` requests.
    pub async fn start(fail_first: usize) -> Self {
        let inner = Arc::new(Inner::default());
        inner.fail_first.store(fail_first, Ordering::SeqCst);
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inner }
    }

    /// Requests answered 200 so far.
    pub async fn received(&self) -> Vec<Received> {
        self.inner.received.lock().await.clone()
    }

    /// Requests of any outcome so far.
    pub fn requests(&self) -> usize {
        self.inner.seen.load(Ordering::SeqCst)
    }

    /// Waits (up to 20 s) until `pred` holds of the accepted requests.
    pub async fn until(&self, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.received().await;
            if pred(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.received().await;
        let types: Vec<&str> = got.iter().map(|r| r.event_type.as_str()).collect();
        panic!("the receiver did not get what was expected; it has {types:?}");
    }
}
