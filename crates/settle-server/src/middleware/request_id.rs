//! Every request gets an id (`x-request-id`, kept if the client sent one), which is in its
//! log span and echoed in the response.

use axum::http::{HeaderName, Request};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Makes ULID request ids.
#[derive(Clone, Copy, Default)]
pub struct UlidRequestId;

impl MakeRequestId for UlidRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        ulid::Ulid::new()
            .to_string()
            .parse()
            .ok()
            .map(RequestId::new)
    }
}

fn span<B>(request: &Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let path = logged_path(request.uri().path());
    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %path)
}

/// Paths whose next segment is a secret token: a supplier's link and a staff user's
/// one-time login link.
const SECRET_SEGMENT_AFTER: [&str; 2] = ["/s/", "/login/link/"];

/// The path as logged: a link token is a secret, so `/s/{token}…` is written `/s/…` (and
/// `/login/link/{token}` `/login/link/…`).
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in SECRET_SEGMENT_AFTER {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after_token = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}…{after_token}").into();
        }
    }
    path.into()
}

type Layers = Stack<
    PropagateRequestIdLayer,
    Stack<
        TraceLayer<
            SharedClassifier<ServerErrorsAsFailures>,
            fn(&Request<axum::body::Body>) -> tracing::Span,
            (),
            DefaultOnResponse,
        >,
        Stack<SetRequestIdLayer<UlidRequestId>, Identity>,
    >,
>;

/// The id and tracing layers, in order.
pub fn layers() -> ServiceBuilder<Layers> {
    ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(HEADER, UlidRequestId))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span as fn(&Request<axum::body::Body>) -> tracing::Span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(HEADER))
}

#[cfg(test)]
mod tests {
    use super::logged_path;

    #[test]
    fn link_tokens_never_reach_the_log() {
        assert_eq!(logged_path("/s/SECRET"), "/s/…");
        assert_eq!(
            logged_path("/s/SECRET/tax-invoices/tin_1"),
            "/s/…/tax-invoices/tin_1"
        );
        assert_eq!(logged_path("/login/link/SECRET"), "/login/link/…");
        assert_eq!(logged_path("/v1/partners"), "/v1/partners");
    }
}
