//! A Popbill client, as the official SDKs are: a session token per business number from
//! Linkhub's handshake (signed with the link id's secret, cached until shortly before it
//! expires), then the API with `Bearer` auth, `X-HTTP-Method-Override` for the action,
//! and gzip accepted. An answer that is not 200 carries Popbill's `{code, message}`.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Mutex;

use crate::popbill::{ServiceId, body_digest, sign, string_to_sign};

/// Renew a token this long before it expires.
const RENEW_BEFORE: time::Duration = time::Duration::seconds(60);

/// Why a call gave no answer to act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// Popbill answered with an error: `{code, message}` and its HTTP status.
    Refused {
        /// Popbill's (negative) code.
        code: i64,
        /// What it said.
        message: String,
        /// The HTTP status.
        status: u16,
    },
    /// No answer: the connection failed, the request timed out or the answer was cut off.
    /// The call may or may not have been carried out.
    Unanswered(String),
}

impl CallError {
    /// Whether the credentials were refused (Linkhub's codes, `-10000000` to `-10999999`):
    /// a fault of the configuration, not of any document.
    pub fn credentials(&self) -> bool {
        matches!(self, CallError::Refused { code, .. } if (-10_999_999..=-10_000_000).contains(code))
    }

    /// Whether trying again may succeed: no answer, or the server failed (5xx).
    pub fn transient(&self) -> bool {
        match self {
            CallError::Unanswered(_) => true,
            CallError::Refused { status, .. } => *status >= 500,
        }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Refused { code, message, .. } => write!(f, "{code}: {message}"),
            CallError::Unanswered(why) => write!(f, "no answer: {why}"),
        }
    }
}

/// A Popbill(-compatible) service reached with a link id and its secret.
pub struct PopbillClient {
    base: String,
    link_id: String,
    secret: String,
    service: ServiceId,
    http: reqwest::Client,
    /// Business number → (session token, expiration).
    tokens: Mutex<HashMap<String, (String, OffsetDateTime)>>,
}

impl PopbillClient {
    /// A client of the service at `base_url` (the same host answers the token handshake
    /// and the API), each request given up after `timeout`.
    pub fn new(
        base_url: &str,
        link_id: &str,
        secret: &str,
        service: ServiceId,
        timeout: Duration,
    ) -> Result<Self, String> {
        if sign(secret, "").is_none() {
            return Err("the Popbill secret key is not base64".to_owned());
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .gzip(true)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(PopbillClient {
            base: base_url.trim_end_matches('/').to_owned(),
            link_id: link_id.to_owned(),
            secret: secret.to_owned(),
            service,
            http,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// A session token for `corp_num`, from the cache or a fresh handshake.
    async fn token(&self, corp_num: &str) -> Result<String, CallError> {
        let now = OffsetDateTime::now_utc();
        if let Some((token, expires)) = self.tokens.lock().await.get(corp_num)
            && *expires - RENEW_BEFORE > now
        {
            return Ok(token.clone());
        }
        let path = format!("/{}/Token", self.service.as_str());
        let body = json!({"access_id": corp_num, "scope": ["member", "110"]}).to_string();
        let date = now
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&Rfc3339)
            .map_err(|e| CallError::Unanswered(e.to_string()))?;
        let text = string_to_sign(
            &body_digest(body.as_bytes()),
            &date,
            Some("*"),
            "2.0",
            &path,
        );
        let signature = sign(&self.secret, &text)
            .ok_or_else(|| CallError::Unanswered("the secret key is not base64".into()))?;
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-lh-date", &date)
            .header("x-lh-version", "2.0")
            .header("x-lh-forwarded", "*")
            .header(
                "authorization",
                format!("LINKHUB {} {signature}", self.link_id),
            )
            .header("content-type", "application/json")
            .body(body);
        let answer = send(request).await?;
        let token = answer["session_token"]
            .as_str()
            .ok_or_else(|| CallError::Unanswered("the token answer has no session_token".into()))?
            .to_owned();
        let expires = answer["expiration"]
            .as_str()
            .and_then(|e| OffsetDateTime::parse(e, &Rfc3339).ok())
            .unwrap_or(now);
        self.tokens
            .lock()
            .await
            .insert(corp_num.to_owned(), (token.clone(), expires));
        Ok(token)
    }

    /// Calls `path` for `corp_num`: a GET without a body and override, a POST otherwise.
    pub async fn call(
        &self,
        corp_num: &str,
        path: &str,
        verb: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let token = self.token(corp_num).await?;
        let url = format!("{}{path}", self.base);
        let mut request = match (verb, body) {
            (None, None) => self.http.get(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json; charset=utf8")
                .body(body.map(Value::to_string).unwrap_or_default()),
        };
        if let Some(verb) = verb {
            request = request.header("x-http-method-override", verb);
        }
        let request = request
            .header("x-pb-version", "1.0")
            .header("authorization", format!("Bearer {token}"));
        send(request).await
    }

    /// `joinMember` (no token): makes the business of `form` (a `JoinForm`) a member of
    /// the link.
    pub async fn join(&self, form: &Value) -> Result<(), CallError> {
        let mut form = form.clone();
        form["LinkID"] = json!(self.link_id);
        let body = form.to_string();
        let request = self
            .http
            .post(format!("{}/Join", self.base))
            .header("x-pb-version", "1.0")
            .header("content-type", "application/json; charset=utf8")
            .body(body);
        send(request).await.map(|_| ())
    }

    /// `checkIsMember` (no token).
    pub async fn is_member(&self, corp_num: &str) -> Result<bool, CallError> {
        let url = format!("{}/Join?CorpNum={corp_num}&LID={}", self.base, self.link_id);
        let answer = send(self.http.get(url).header("x-pb-version", "1.0")).await?;
        Ok(answer["code"].as_i64() == Some(1))
    }
}

/// Sends `request`; the JSON of a 200, or why there is none.
async fn send(request: reqwest::RequestBuilder) -> Result<Value, CallError> {
    let response = request
        .send()
        .await
        .map_err(|e| CallError::Unanswered(e.to_string()))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| CallError::Unanswered(e.to_string()))?;
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status == reqwest::StatusCode::OK {
        return Ok(json);
    }
    Err(CallError::Refused {
        code: json["code"].as_i64().unwrap_or(-99999999),
        message: json["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned()),
        status: status.as_u16(),
    })
}
