//! A page client: no redirects followed, cookies kept in a jar, forms posted with the
//! page's CSRF token.

use std::collections::BTreeMap;

use reqwest::redirect::Policy;
use reqwest::{Client, Response};

use super::TestApp;

/// A browser: no redirects followed, cookies kept in a jar.
pub struct Browser {
    pub client: Client,
    pub base: String,
    pub jar: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(t: &TestApp) -> Self {
        Self {
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            base: t.base.clone(),
            jar: BTreeMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        let pairs: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.join("; ")
    }

    /// Keeps the cookies `response` sets (and drops those it expires).
    pub fn keep(&mut self, response: &Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (name, rest) = text.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap();
            if text.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (u16, String, Option<String>) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, Option<String>) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Status, body and the redirect target.
    pub async fn finish(&mut self, response: Response) -> (u16, String, Option<String>) {
        self.keep(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, response.text().await.unwrap(), location)
    }

    pub fn csrf(&self) -> String {
        self.jar.get("settle_csrf").cloned().expect("a CSRF cookie")
    }

    /// Signs in with `password`; returns the status and the page or redirect.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> (u16, String, Option<String>) {
        self.get("/login").await;
        let csrf = self.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }
}

/// A browser signed in as a new user `email` holding `roles`.
pub async fn signed_in_staff(t: &TestApp, email: &str, roles: &[&str]) -> Browser {
    let body = serde_json::json!({ "email": email, "roles": roles });
    let (status, user) = super::send(t.post("/v1/users", &body)).await;
    assert_eq!(status, 201, "{user}");
    let url = user["login_url"].as_str().unwrap();
    let link = url
        .strip_prefix(&t.base)
        .expect("a link to settle")
        .to_owned();
    let mut browser = Browser::new(t);
    browser.get(&link).await;
    let csrf = browser.csrf();
    let password = "a long enough password";
    let (status, _, _) = browser
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("new_password", password),
                ("confirm_password", password),
            ],
        )
        .await;
    assert_eq!(status, 303);
    browser
}
