//! Staff accounts over HTTP, on SQLite and PostgreSQL: a user admin invites a user through
//! `/v1/users`, the invitation email's one-time link sets a password and signs in, the
//! session cookie opens the account page; wrong passwords lock, sign-out ends the session,
//! the password change checks the current one, and forged forms change nothing.

mod support;

use serde_json::json;
use settle_testkit::{TestEngine, both_engines};
use support::pages::Browser;
use support::{TestApp, send};

const EMAIL: &str = "kim@platform.example";
const PASSWORD: &str = "a long enough password";

/// Invites `EMAIL` with `roles`; returns the user id and the login link's path.
async fn invite(t: &TestApp, roles: &[&str]) -> (String, String) {
    let (status, body) = send(t.post("/v1/users", &json!({"email": EMAIL, "roles": roles}))).await;
    assert_eq!(status, 201, "{body}");
    let url = body["login_url"].as_str().unwrap();
    let path = url
        .strip_prefix(&t.base)
        .expect("a link to settle")
        .to_owned();
    (body["id"].as_str().unwrap().to_owned(), path)
}

/// An invited user who has set [`PASSWORD`] (and is signed in, in the browser returned).
async fn member(t: &TestApp) -> (String, Browser) {
    let (id, link) = invite(t, &["admin_agent"]).await;
    let mut browser = Browser::new(t);
    browser.get(&link).await;
    let csrf = browser.csrf();
    let (status, _, location) = browser
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
    (id, browser)
}

async fn the_invitation_link_sets_a_password_and_signs_in(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, link) = invite(&t, &["admin_agent", "sales_agent"]).await;
    let mail = t.email_to(EMAIL, "계정 초대").await;
    assert!(
        mail.body.contains(&format!("{}{link}", t.base)),
        "{}",
        mail.body
    );
    let mut browser = Browser::new(&t);
    let (status, page, _) = browser.get(&link).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(EMAIL) && page.contains("비밀번호 설정"),
        "{page}"
    );
    let csrf = browser.csrf();
    let response = browser
        .client
        .post(format!("{}{link}", t.base))
        .header("cookie", browser.cookie_header())
        .form(&[
            ("csrf", csrf.as_str()),
            ("new_password", PASSWORD),
            ("confirm_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("settle_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!session.contains("Secure"), "plain http: {session}");
    browser.keep(&response);
    let (status, page, _) = browser.get("/account").await;
    assert_eq!(status, 200);
    assert!(
        page.contains(EMAIL) && page.contains("관리 담당자, 영업 담당자"),
        "{page}"
    );
}

async fn a_login_link_works_once(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, mut browser) = member(&t).await;
    let (status, users) = send(t.get("/v1/users")).await;
    assert_eq!(status, 200);
    assert_eq!(users["data"][0]["has_password"], true, "{users}");
    // The invitation was used by `member`: its page and its form now say so.
    let mail = t.email_to(EMAIL, "계정 초대").await;
    let used = mail.body[mail.body.find("/login/link/").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let (status, page, _) = browser.get(&used).await;
    assert_eq!(status, 404);
    assert!(page.contains("쓸 수 없는 링크"), "{page}");
    let csrf = browser.csrf();
    let (status, _, _) = browser
        .post(
            &used,
            &[
                ("csrf", &csrf),
                ("new_password", "another password!"),
                ("confirm_password", "another password!"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = Browser::new(&t).sign_in(EMAIL, "another password!").await;
    assert_eq!(status, 401, "the used link set nothing");
}

async fn a_short_or_mismatched_password_is_shown_next_to_its_field(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, link) = invite(&t, &["sales_agent"]).await;
    let mut browser = Browser::new(&t);
    browser.get(&link).await;
    let csrf = browser.csrf();
    let (status, page, _) = browser
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("new_password-error") && page.contains("10자 이상"),
        "{page}"
    );
    let (status, page, _) = browser
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("new_password", PASSWORD),
                ("confirm_password", "something else"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("confirm_password-error"), "{page}");
    // Neither attempt used the link.
    let (status, _, _) = browser
        .post(
            &link,
            &[
                ("csrf", &csrf),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 303);
}

async fn five_wrong_passwords_lock_the_account(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    member(&t).await;
    let mut browser = Browser::new(&t);
    for attempt in 1..=4 {
        let (status, page, _) = browser.sign_in(EMAIL, "wrong password").await;
        assert_eq!(status, 401, "attempt {attempt}");
        assert!(
            page.contains("이메일 또는 비밀번호가 올바르지 않습니다"),
            "{page}"
        );
    }
    let (status, page, _) = browser.sign_in(EMAIL, "wrong password").await;
    assert_eq!(status, 429);
    assert!(page.contains("15분 동안 잠겼습니다"), "{page}");
    let (status, _, _) = browser.sign_in(EMAIL, PASSWORD).await;
    assert_eq!(status, 429, "the right password waits for the lock to end");
    let (_, users) = send(t.get("/v1/users")).await;
    assert!(users["data"][0]["locked_until"].is_string(), "{users}");
}

async fn an_unknown_email_gets_the_same_answer_as_a_wrong_password(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    member(&t).await;
    let (status, unknown, _) = Browser::new(&t)
        .sign_in("nobody@platform.example", PASSWORD)
        .await;
    let (wrong_status, wrong, _) = Browser::new(&t).sign_in(EMAIL, "wrong password").await;
    assert_eq!((status, wrong_status), (401, 401));
    let message = "이메일 또는 비밀번호가 올바르지 않습니다";
    assert!(unknown.contains(message) && wrong.contains(message));
}

async fn signing_out_ends_the_session(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, mut browser) = member(&t).await;
    let session = browser.jar.get("settle_session").cloned().unwrap();
    let csrf = browser.csrf();
    let (status, _, location) = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));
    assert!(
        !browser.jar.contains_key("settle_session"),
        "the cookie is cleared"
    );
    // The old cookie no longer opens the account.
    browser.jar.insert("settle_session".into(), session);
    let (status, _, location) = browser.get("/account").await;
    assert_eq!((status, location.as_deref()), (303, Some("/login")));
}

async fn signing_in_opens_the_account(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    member(&t).await;
    let mut browser = Browser::new(&t);
    let (status, _, location) = browser.sign_in("  KIM@platform.example ", PASSWORD).await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
    let (status, page, _) = browser.get("/account").await;
    assert_eq!(status, 200);
    assert!(page.contains(EMAIL), "{page}");
    let (status, _, location) = browser.get("/login").await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
}

async fn a_forged_csrf_token_signs_nobody_in(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    member(&t).await;
    let mut browser = Browser::new(&t);
    browser.get("/login").await;
    let (status, page, _) = browser
        .post(
            "/login",
            &[("csrf", "forged"), ("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(status, 403);
    assert!(page.contains("양식이 만료되었습니다"), "{page}");
    assert!(!browser.jar.contains_key("settle_session"));
}

async fn changing_the_password_checks_the_current_one(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (_, mut browser) = member(&t).await;
    let mut other_device = Browser::new(&t);
    other_device.sign_in(EMAIL, PASSWORD).await;
    let csrf = browser.csrf();
    let new = "a brand new password";
    let (status, page, _) = browser
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", "not it"),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("current_password-error"), "{page}");
    let (status, page, _) = browser
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("비밀번호를 바꾸었습니다"), "{page}");
    let (status, _, _) = other_device.get("/account").await;
    assert_eq!(status, 303, "the other device's session ended");
    let (status, _, _) = browser.get("/account").await;
    assert_eq!(status, 200, "this session goes on");
    assert_eq!(Browser::new(&t).sign_in(EMAIL, PASSWORD).await.0, 401);
    assert_eq!(Browser::new(&t).sign_in(EMAIL, new).await.0, 303);
}

async fn only_user_admins_manage_users(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let billing = t.key_with(&["billing_admin"]).await;
    let (status, body) = send(
        t.client
            .post(t.url("/v1/users"))
            .bearer_auth(&billing)
            .json(&json!({"email": EMAIL, "roles": ["sales_agent"]})),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "auth.forbidden");
    let (status, body) = send(t.post(
        "/v1/users",
        &json!({"email": "not an email", "roles": ["sales_agent"]}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("user.invalid_email"))
    );
    let (status, body) = send(t.post("/v1/users", &json!({"email": EMAIL, "roles": []}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("user.missing_role"))
    );
    invite(&t, &["sales_agent"]).await;
    let (status, body) = send(t.post(
        "/v1/users",
        &json!({"email": "Kim@Platform.example", "roles": ["sales_agent"]}),
    ))
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("user.email_taken"))
    );
}

async fn a_user_admin_changes_roles_and_deactivates(engine: TestEngine) {
    let t = TestApp::start(engine).await;
    let (id, mut browser) = member(&t).await;
    let (status, body) = send(t.patch(
        &format!("/v1/users/{id}"),
        &json!({"roles": ["billing_admin", "user_admin"]}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["roles"], json!(["user_admin", "billing_admin"]));
    let (_, page, _) = browser.get("/account").await;
    assert!(page.contains("사용자 관리자, 청구 관리자"), "{page}");
    let (status, body) = send(t.post(&format!("/v1/users/{id}/deactivate"), &json!({}))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["disabled_at"].is_string());
    let (status, _, _) = browser.get("/account").await;
    assert_eq!(status, 303, "a deactivated user's session ends");
    assert_eq!(Browser::new(&t).sign_in(EMAIL, PASSWORD).await.0, 401);
    let (status, _) = send(t.get("/v1/users/usr_01jz0000000000000000000000")).await;
    assert_eq!(status, 404);
}

async fn behind_https_the_session_cookie_is_secure(engine: TestEngine) {
    let t = TestApp::start_with_public_url(engine, "https://settle.example").await;
    let (status, body) = send(t.post(
        "/v1/users",
        &json!({"email": EMAIL, "roles": ["sales_agent"]}),
    ))
    .await;
    assert_eq!(status, 201, "{body}");
    let url = body["login_url"].as_str().unwrap();
    let path = url
        .strip_prefix("https://settle.example")
        .expect("a link to the public URL");
    let mut browser = Browser::new(&t);
    browser.get(path).await;
    let csrf = browser.csrf();
    let response = browser
        .client
        .post(format!("{}{path}", t.base))
        .header("cookie", browser.cookie_header())
        .form(&[
            ("csrf", csrf.as_str()),
            ("new_password", PASSWORD),
            ("confirm_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("settle_session="))
        .unwrap();
    assert!(session.contains("; Secure"), "{session}");
}

both_engines!(
    behind_https_the_session_cookie_is_secure,
    the_invitation_link_sets_a_password_and_signs_in,
    a_login_link_works_once,
    a_short_or_mismatched_password_is_shown_next_to_its_field,
    five_wrong_passwords_lock_the_account,
    an_unknown_email_gets_the_same_answer_as_a_wrong_password,
    signing_out_ends_the_session,
    signing_in_opens_the_account,
    a_forged_csrf_token_signs_nobody_in,
    changing_the_password_checks_the_current_one,
    only_user_admins_manage_users,
    a_user_admin_changes_roles_and_deactivates
);
