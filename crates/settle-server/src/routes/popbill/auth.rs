//! The Linkhub host: `POST /{POPBILL|POPBILL_TEST}/Token`, `GET /Time` and the balance
//! calls.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CONNECTION, CONTENT_TYPE};
use axum::http::{Extensions, HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use settle_app::popbill::{self, ServiceId, TokenRequest};

use super::{error, header, ok, peer};
use crate::AppState;

/// Issues a session token for a member business number.
pub async fn token(
    State(state): State<AppState>,
    extensions: Extensions,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let service = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .and_then(ServiceId::parse)
        .unwrap_or(ServiceId::PopbillTest);
    let request = TokenRequest {
        path,
        service,
        authorization: header(&headers, "authorization"),
        date: header(&headers, "x-lh-date"),
        version: header(&headers, "x-lh-version"),
        forwarded: header(&headers, "x-lh-forwarded"),
        body: &body,
        peer: peer(&extensions),
    };
    match popbill::issue_token(&state.app, request).await {
        Ok(token) => ok(serde_json::json!({
            "session_token": token.session_token,
            "serviceID": token.service_id,
            "linkID": token.link_id,
            "usercode": token.corp_num,
            "ipaddress": token.ip_address,
            "expiration": token.expiration,
            "scope": token.scope,
        })),
        Err(e) => error(&e),
    }
}

/// The server's time, `yyyy-MM-ddTHH:mm:ssZ` in UTC, as plain text.
pub async fn time(State(state): State<AppState>) -> Response {
    let now = state.app.now().to_offset(time::UtcOffset::UTC);
    let text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    (
        [
            (CONTENT_TYPE, "text/plain; charset=utf-8"),
            (CONNECTION, "close"),
        ],
        text,
    )
        .into_response()
}

/// The remaining points: settle charges nothing per document, so there is nothing to count
/// down; the answer is 0 for a valid token.
pub async fn point(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
) -> Response {
    match popbill::authenticate(
        &state.app,
        header(&headers, "authorization"),
        peer(&extensions),
    )
    .await
    {
        Ok(_) => ok(serde_json::json!({"remainPoint": 0})),
        Err(e) => error(&e),
    }
}
