//! What every page request carries: the language (from `?lang=`, else the remembered
//! cookie, else Korean), the browser's CSRF token (made on its first page), and whether
//! cookies must be `Secure` (the public URL is https). A page is answered through
//! [`Context::respond`], which sets the cookies that changed.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use super::i18n::{Lang, Texts};
use crate::AppState;

/// The cookie that remembers the language.
const LANG_COOKIE: &str = "settle_lang";
/// The cookie holding the browser's CSRF token.
const CSRF_COOKIE: &str = "settle_csrf";

/// The page request's context.
pub struct Context {
    /// The page language.
    pub lang: Lang,
    /// The CSRF token forms must carry.
    pub csrf: String,
    /// Cookies must be `Secure`.
    pub secure: bool,
    cookies: Vec<String>,
    /// Extra `Set-Cookie` values for the answer.
    set: Vec<String>,
}

impl FromRequestParts<AppState> for Context {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cookies = cookies_of(&parts.headers);
        let secure = state.app.settings.public_url.starts_with("https://");
        let mut context = Context {
            lang: Lang::Ko,
            csrf: String::new(),
            secure,
            cookies,
            set: Vec::new(),
        };
        let asked = parts
            .uri
            .query()
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("lang="))
            .and_then(Lang::parse);
        match asked {
            Some(lang) => {
                context.lang = lang;
                let cookie =
                    context.cookie_value(LANG_COOKIE, lang.code(), "/", 365 * 24 * 3600, "Lax");
                context.set.push(cookie);
            }
            None => {
                context.lang = context
                    .cookie(LANG_COOKIE)
                    .and_then(Lang::parse)
                    .unwrap_or(Lang::Ko);
            }
        }
        match context.cookie(CSRF_COOKIE).filter(|t| t.len() == 43) {
            Some(token) => context.csrf = token.to_owned(),
            None => {
                context.csrf = random_token();
                let cookie =
                    context.cookie_value(CSRF_COOKIE, &context.csrf.clone(), "/", 0, "Strict");
                context.set.push(cookie);
            }
        }
        Ok(context)
    }
}

/// The `name=value` pairs of a request's cookies.
fn cookies_of(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(|c| c.trim().to_owned())
        .collect()
}

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Context {
    /// The context of a request refused before it reached a page (over the body limit):
    /// the remembered language, and no cookie to set.
    pub fn before_routing(headers: &HeaderMap) -> Self {
        let mut context = Context {
            lang: Lang::Ko,
            csrf: String::new(),
            secure: false,
            cookies: cookies_of(headers),
            set: Vec::new(),
        };
        if let Some(lang) = context.cookie(LANG_COOKIE).and_then(Lang::parse) {
            context.lang = lang;
        }
        context
    }

    /// The words of the page language.
    pub fn texts(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// The value of the request's cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find_map(|c| c.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
    }

    /// Whether a submitted form's token is this browser's. A request without the cookie
    /// (the token was made just now) never passes.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        let Some(expected) = self.cookie(CSRF_COOKIE) else {
            return false;
        };
        // Compared in full whatever the first difference, so timing tells nothing.
        expected.len() == submitted.len()
            && expected
                .bytes()
                .zip(submitted.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// A `Set-Cookie` value: `HttpOnly`, with `SameSite=same_site`, `Secure` on https, a
    /// session cookie when `max_age` is 0.
    pub fn cookie_value(
        &self,
        name: &str,
        value: &str,
        path: &str,
        max_age: i64,
        same_site: &str,
    ) -> String {
        let mut cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite={same_site}");
        if max_age > 0 {
            cookie.push_str(&format!("; Max-Age={max_age}"));
        }
        if self.secure {
            cookie.push_str("; Secure");
        }
        cookie
    }

    /// Adds a cookie to the answer.
    pub fn set_cookie(&mut self, cookie: String) {
        self.set.push(cookie);
    }

    /// The answer: `body` with `status`, and the cookies that changed.
    pub fn respond(self, status: StatusCode, body: Result<String, askama::Error>) -> Response {
        let mut response = match body {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "a page failed to render");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        };
        self.add_cookies(&mut response);
        response
    }

    /// Adds the changed cookies to `response`.
    pub fn add_cookies(self, response: &mut Response) {
        for cookie in self.set {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(SET_COOKIE, value);
            }
        }
    }
}
