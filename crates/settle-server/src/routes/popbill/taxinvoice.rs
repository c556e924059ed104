//! The Popbill host's `/Join` and `/Taxinvoice…` calls, dispatched by path, method and
//! `X-HTTP-Method-Override` as the SDKs send them.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::Value;
use settle_app::certificates::{self, Party};
use settle_app::popbill::{self, Caller, KeyType, Member, PopbillError};

use super::info;

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

/// `POST /Join` (no token): a `JoinForm` with its `LinkID` makes `CorpNum` a member.
pub async fn join_member(State(state): State<AppState>, body: Bytes) -> Response {
    let form: Value = match serde_json::from_slice(&body) {
        Ok(form) => form,
        Err(e) => {
            let message = format!("the body is not JSON: {e}");
            return error(&PopbillError::new(UNSUPPORTED, 400, message));
        }
    };
    match popbill::join_member(&state.app, &form).await {
        Ok(()) => ok(done()),
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
    body: Bytes,
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
    let verb = header(&headers, "x-http-method-override")
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    // `assignMgtKey` (`/Taxinvoice/{ItemKey}/{MgtKeyType}`, a form body): documents made in
    // settle always carry their key.
    if let ["Taxinvoice", item, kind] = segments.as_slice()
        && KeyType::parse(item).is_none()
        && KeyType::parse(kind).is_some()
    {
        return error(&PopbillError::new(
            popbill::CANNOT_PROCESS,
            400,
            "every document made in settle has its key; there is none to assign",
        ));
    }
    // An empty body (a call without a memo) is an empty object.
    let json: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        match serde_json::from_slice(&body) {
            Ok(json) => json,
            Err(e) => {
                return error(&PopbillError::new(
                    UNSUPPORTED,
                    400,
                    format!("the body is not JSON: {e}"),
                ));
            }
        }
    };
    let memo = json.get("memo").and_then(Value::as_str).map(str::to_owned);
    let outcome = match (method.as_str(), segments.as_slice()) {
        ("GET", ["Taxinvoice"]) if query == "cfg=CERT" => {
            certificate_expiration(&state, &caller).await
        }
        ("GET", ["Taxinvoice", "CertCheck"]) => certificate_check(&state, &caller).await,
        ("POST", ["Taxinvoice"]) if verb == "REQUEST" || verb.is_empty() => {
            popbill::register(&state.app, &caller, &json, verb == "REQUEST")
                .await
                .map(|()| done())
        }
        ("POST", ["Taxinvoice"]) if verb == "ISSUE" => {
            popbill::regist_issue(&state.app, &caller, &json)
                .await
                .map(|number| {
                    serde_json::json!({
                        "code": 1, "message": "발행되었습니다", "ntsConfirmNum": number
                    })
                })
        }
        ("GET", ["Taxinvoice"]) if query.starts_with("TG=") => Ok(box_url(&state)),
        ("GET", ["Taxinvoice", kind, key]) if query.starts_with("TG=") => {
            match KeyType::parse(kind) {
                Some(kind) => document_url(&state, &caller, kind, key, &query[3..]).await,
                None => Err(unsupported(&method, &uri)),
            }
        }
        ("GET", ["Taxinvoice", kind, key]) => match (KeyType::parse(kind), query) {
            (Some(kind), "") => popbill::document(&state.app, &caller, kind, key)
                .await
                .map(|record| info::info(&record)),
            (Some(kind), "Detail") => popbill::document(&state.app, &caller, kind, key)
                .await
                .map(|record| info::detail(&record)),
            (Some(kind), "XML") => popbill::xml(&state.app, &caller, kind, key)
                .await
                .map(|xml| serde_json::json!({"code": 1, "message": "", "retObject": xml})),
            _ => Err(unsupported(&method, &uri)),
        },
        ("GET", ["Taxinvoice", kind]) => match KeyType::parse(kind) {
            Some(kind) => search(&state, &caller, kind, &uri).await,
            None => Err(unsupported(&method, &uri)),
        },
        ("POST", ["Taxinvoice", kind]) if query.is_empty() => match KeyType::parse(kind) {
            Some(kind) => infos(&state, &caller, kind, &json).await,
            None => Err(unsupported(&method, &uri)),
        },
        ("GET", ["Taxinvoice", kind, key, "Logs"]) => match KeyType::parse(kind) {
            Some(kind) => popbill::logs(&state.app, &caller, kind, key)
                .await
                .map(|entries| Value::Array(entries.iter().map(info::log).collect())),
            None => Err(unsupported(&method, &uri)),
        },
        ("POST", ["Taxinvoice", kind, key]) => match (KeyType::parse(kind), verb.as_str()) {
            (Some(kind), "PATCH") => popbill::update(&state.app, &caller, kind, key, &json)
                .await
                .map(|()| done()),
            (Some(kind), "ISSUE" | "REFUSE" | "CANCELISSUE" | "NTS") => {
                popbill::seller_action(&state.app, &caller, kind, key, &verb, memo)
                    .await
                    .map(|approval| match approval.filter(|_| verb == "ISSUE") {
                        Some(number) => serde_json::json!({
                            "code": 1, "message": "발행되었습니다", "ntsConfirmNum": number
                        }),
                        None => done(),
                    })
            }
            (Some(kind), _) => popbill::buyer_action(&state.app, &caller, kind, key, &verb, memo)
                .await
                .map(|()| done()),
            (None, _) => Err(unsupported(&method, &uri)),
        },
        _ => Err(unsupported(&method, &uri)),
    };
    match outcome {
        Ok(body) => ok(body),
        Err(e) => error(&e),
    }
}

/// `getURL`: the workspace's list of tax invoices.
fn box_url(state: &AppState) -> Value {
    let base = state.app.settings.public_url.trim_end_matches('/');
    serde_json::json!({"url": format!("{base}/app/tax-invoices")})
}

/// `getPopUpURL`, `getViewURL`, `getPrintURL`, `getEPrintURL`, `getMailURL`, `getPDFURL`
/// (`TG` = `POPUP`, `VIEW`, `PRINT`, `PRINTOLD`, `EPRINT`, `MAIL`, `PDF`): the platform's
/// page of the document, or its PDF. A supplier opens its documents from the link emailed
/// to it.
async fn document_url(
    state: &AppState,
    caller: &Caller,
    kind: KeyType,
    key: &str,
    target: &str,
) -> Result<Value, PopbillError> {
    let record = popbill::document(&state.app, caller, kind, key).await?;
    if caller.member != Member::Platform {
        return Err(PopbillError::new(
            popbill::NOT_ALLOWED,
            403,
            "a supplier opens its documents from the link emailed to it",
        ));
    }
    let base = state.app.settings.public_url.trim_end_matches('/');
    let page = format!("{base}/app/tax-invoices/{}", record.document_key);
    let url = match target.to_ascii_uppercase().as_str() {
        "POPUP" | "VIEW" | "MAIL" => page,
        "PRINT" | "PRINTOLD" | "EPRINT" | "PDF" => format!("{page}/pdf"),
        other => {
            return Err(PopbillError::new(
                UNSUPPORTED,
                400,
                format!("TG={other} is not offered"),
            ));
        }
    };
    Ok(serde_json::json!({"url": url}))
}

/// `getInfos`: the summaries of the keys in a JSON array (at most 1,000); keys the caller
/// has no document under are left out.
async fn infos(
    state: &AppState,
    caller: &Caller,
    kind: KeyType,
    keys: &Value,
) -> Result<Value, PopbillError> {
    let Some(keys) = keys.as_array().filter(|k| k.len() <= 1000) else {
        return Err(PopbillError::new(
            UNSUPPORTED,
            400,
            "the body is an array of at most 1,000 keys",
        ));
    };
    let mut out = Vec::with_capacity(keys.len());
    for key in keys.iter().filter_map(Value::as_str) {
        match popbill::document(&state.app, caller, kind, key).await {
            Ok(record) => out.push(info::info(&record)),
            Err(e) if e.code == popbill::NO_SUCH_DOCUMENT => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Value::Array(out))
}

/// `search`: `TISearchResult` for `DType`, `SDate`, `EDate`, `State`, `Page`, `PerPage` and
/// `Order` (write dates only; other narrowing parameters are accepted and ignored).
async fn search(
    state: &AppState,
    caller: &Caller,
    kind: KeyType,
    uri: &Uri,
) -> Result<Value, PopbillError> {
    let params: HashMap<String, String> = Query::try_from_uri(uri)
        .map(|Query(params)| params)
        .unwrap_or_default();
    let number = |name: &str, default: usize| {
        params
            .get(name)
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(default)
    };
    let per_page = number("PerPage", 500).clamp(1, popbill::MAX_PER_PAGE);
    let request = popbill::SearchQuery {
        from: params.get("SDate").cloned(),
        to: params.get("EDate").cloned(),
        states: params
            .get("State")
            .map(|s| {
                s.split(',')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        page: number("Page", 1),
        per_page,
        ascending: params.get("Order").is_some_and(|o| o == "A"),
    };
    let page = request.page.max(1);
    let found = popbill::search(&state.app, caller, kind, request).await?;
    Ok(serde_json::json!({
        "code": 1,
        "message": "",
        "total": found.total,
        "perPage": per_page,
        "pageNum": page,
        "pageCount": found.total.div_ceil(per_page),
        "list": found.list.iter().map(info::info).collect::<Vec<_>>(),
    }))
}

fn unsupported(method: &Method, uri: &Uri) -> PopbillError {
    PopbillError::new(
        UNSUPPORTED,
        501,
        format!("{method} {} is not offered", uri.path()),
    )
}

/// Popbill's plain success.
fn done() -> Value {
    serde_json::json!({"code": 1, "message": "처리되었습니다"})
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
