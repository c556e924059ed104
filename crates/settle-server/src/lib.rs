//! settle's HTTP server: the `/v1` JSON API of `API.md`, with API-key auth, body limits,
//! idempotency keys, request ids and the OpenAPI document. Handlers only translate between
//! HTTP and the use cases of `settle-app`; errors become responses in one place
//! ([`error::ApiError`]).

mod body_schemas;
mod constraints;
pub mod error;
mod error_responses;
mod extract;
mod middleware;
pub mod nts_simulator;
pub mod openapi;
mod pages;
mod routes;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use settle_app::App;
use tokio::net::TcpListener;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
}

/// The whole HTTP application.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    let (v1, _) = routes::v1().split_for_parts();
    let v1 = v1
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::idempotency::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::auth::layer,
        ));
    Router::new()
        .merge(routes::public().split_for_parts().0)
        .merge(routes::supplier().split_for_parts().0)
        .merge(pages::router())
        .merge(routes::popbill::router())
        .merge(v1)
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn(middleware::body_limit::layer))
        // Limits are enforced by `body_limit` (per path), not by axum's 2 MB default.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::request_id::layers())
        .with_state(state)
}

/// The Popbill-compatible API alone (the Linkhub token service, `/Join`, `/Taxinvoice…`),
/// for a listener of its own (`SETTLE_POPBILL_ADDR`), as Popbill's hosts are apart from
/// the rest.
pub fn popbill_router(app: App) -> Router {
    Router::new()
        .merge(routes::popbill::router())
        .fallback(routes::not_found)
        .layer(axum::middleware::from_fn(middleware::body_limit::layer))
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::request_id::layers())
        .with_state(AppState { app })
}

/// Serves the Popbill-compatible API alone on a bound listener until Ctrl-C or SIGTERM.
pub async fn serve_popbill(app: App, listener: TcpListener) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "the Popbill-compatible API is listening");
    axum::serve(
        listener,
        popbill_router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// Serves `app` on `addr` until Ctrl-C or SIGTERM, then drains in-flight requests.
pub async fn serve(app: App, addr: SocketAddr) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    serve_on(app, listener).await
}

/// Serves `app` on an already bound listener (tests bind port 0).
pub async fn serve_on(app: App, listener: TcpListener) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "settle is listening");
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
