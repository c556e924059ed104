//! The Popbill host's `/Join` and `/Taxinvoice…` calls, dispatched by path, method and
//! `X-HTTP-Method-Override` as the SDKs send them.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, Method, Uri};
use axum::response::Response;
use settle_app::certificates::{self, Party};
use settle_app::popbill::{self, Caller, Member, PopbillError};

use super::{error, header, ok, peer};
use crate::AppState;

/// Popbill: an operation settle does not offer.
const UNSUPPORTED: i64 = -99999999;
/// Popbill: no certificate is registered.
const NO_CERTIFICATE: i64 = -26000001;

/// `GET /Join?CorpNum=&LID=`: `{code: 1}` when the business is a member of the link id,
/// `{code: 0}` otherwise (no token).
pub async fn check_is_member(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (Some(corp_num), Some(link_id)) = (query.get("CorpNum"), query.get("LID")) else {
        return error(&PopbillError::new(
            UNSUPPORTED,
            400,
            "CorpNum and LID are required",
        ));
    };
    match popbill::check_is_member(&state.app, link_id, corp_num).await {
        Ok(true) => ok(serde_json::json!({"code": 1, "message": "가입"})),
        Ok(false) => ok(serde_json::json!({"code": 0, "message": "미가입"})),
        Err(e) => error(&e),
    }
}

/// Every `/Taxinvoice…` call.
pub async fn dispatch(
    State(state): State<AppState>,
    extensions: Extensions,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let caller = match popbill::authenticate(
        &state.app,
        header(&headers, "authorization"),
        peer(&extensions),
    )
    .await
    {
        Ok(caller) => caller,
        Err(e) => return error(&e),
    };
    let segments: Vec<&str> = uri
        .path()
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let query = uri.query().unwrap_or_default();
    let outcome = match (method.as_str(), segments.as_slice()) {
        ("GET", ["Taxinvoice"]) if query == "cfg=CERT" => {
            certificate_expiration(&state, &caller).await
        }
        ("GET", ["Taxinvoice", "CertCheck"]) => certificate_check(&state, &caller).await,
        _ => Err(PopbillError::new(
            UNSUPPORTED,
            501,
            format!("{method} {} is not offered", uri.path()),
        )),
    };
    match outcome {
        Ok(body) => ok(body),
        Err(e) => error(&e),
    }
}

fn party(caller: &Caller) -> Party {
    match &caller.member {
        Member::Platform => Party::Tenant,
        Member::Partner(id) => Party::Partner(id.clone()),
    }
}

async fn registration(
    state: &AppState,
    caller: &Caller,
) -> Result<certificates::Registration, PopbillError> {
    certificates::registered(&state.app, &caller.tenant_id, &party(caller))
        .await?
        .ok_or_else(|| {
            PopbillError::new(
                NO_CERTIFICATE,
                404,
                "no certificate is registered for this business",
            )
        })
}

/// `GET /Taxinvoice?cfg=CERT`: the registered certificate's expiry, `yyyyMMddHHmmss`
/// (Korean time).
async fn certificate_expiration(
    state: &AppState,
    caller: &Caller,
) -> Result<serde_json::Value, PopbillError> {
    let found = registration(state, caller).await?;
    let at = found.not_after.to_offset(settle_core::KST);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    Ok(serde_json::json!({"certificateExpiration": text}))
}

/// `GET /Taxinvoice/CertCheck`: code 1 when a registered certificate is valid now.
async fn certificate_check(
    state: &AppState,
    caller: &Caller,
) -> Result<serde_json::Value, PopbillError> {
    let found = registration(state, caller).await?;
    if found.expires_at <= state.app.now() {
        return Err(PopbillError::new(
            NO_CERTIFICATE,
            409,
            "the registered certificate has lapsed",
        ));
    }
    Ok(serde_json::json!({"code": 1, "message": "유효한 인증서입니다"}))
}
