//! A real headless Chromium driven over WebDriver (chromedriver + fantoccini). Every page a
//! test looks at through [`Browser::check_page`] is screenshotted into the test output,
//! checked by axe-core (serious or critical violations fail the test) and checked for
//! browser console errors.
//!
//! Paths come from `SETTLE_CHROMIUM` (default `/usr/bin/chromium`), `SETTLE_CHROMEDRIVER`
//! (default `/usr/bin/chromedriver`) and `SETTLE_AXE_JS` (default: axe-core as
//! `./scripts/test` installs it from the npm registry).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Method;
use serde_json::{Value, json};

/// A Chromium session and the chromedriver it runs under.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
    shot: usize,
    axe: String,
}

fn tool(variable: &str, default: &str) -> PathBuf {
    let path = std::env::var(variable).unwrap_or_else(|_| default.to_owned());
    let path = PathBuf::from(path);
    assert!(
        path.exists(),
        "{} is missing: ./scripts/test installs it (or set {variable})",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium for the server at `base`; screenshots
    /// go under `<target tmp>/browser-screenshots/<test>/`.
    pub async fn start(base: &str, test: &str) -> Self {
        let chromium = tool("SETTLE_CHROMIUM", "/usr/bin/chromium");
        let chromedriver = tool("SETTLE_CHROMEDRIVER", "/usr/bin/chromedriver");
        let home = std::env::var("HOME").unwrap_or_default();
        let axe_path = tool(
            "SETTLE_AXE_JS",
            &format!("{home}/.cache/settle-npm/node_modules/axe-core/axe.min.js"),
        );
        let axe = std::fs::read_to_string(axe_path).unwrap();
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let capabilities = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-quic", "--no-first-run",
                    "--window-size=1280,1000", "--lang=ko-KR",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut client = None;
        for _ in 0..100 {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(connected) => {
                    client = Some(connected);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let client = client.expect("a Chromium session through chromedriver");
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("browser-screenshots")
            .join(test);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        Self {
            client,
            base: base.to_owned(),
            driver,
            _profile: profile,
            shots,
            shot: 0,
            axe,
        }
    }

    /// Opens `path` (or a full URL) and waits for it.
    pub async fn visit(&self, path: &str) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        self.client.goto(&url).await.unwrap();
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Waits (up to 30 s) until the page — which may refresh itself — shows `text`.
    pub async fn wait_for_text(&self, text: &str) {
        for _ in 0..600 {
            let body = self.client.find(Locator::Css("body")).await;
            if let Ok(body) = body
                && body.text().await.is_ok_and(|shown| shown.contains(text))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page never showed {text:?}: {}", self.text().await);
    }

    /// The current path.
    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    /// Types `text` into the field `#id` (replacing what it held).
    pub async fn fill(&self, id: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no field #{id}: {e}"));
        field.clear().await.ok();
        field.send_keys(text).await.unwrap();
    }

    /// Chooses `file` in the file input `#id`.
    pub async fn choose_file(&self, id: &str, file: &Path) {
        let field = self.client.find(Locator::Id(id)).await.unwrap();
        field.send_keys(&file.display().to_string()).await.unwrap();
    }

    /// Clicks the button or link `css` and waits for the page it leads to.
    pub async fn click(&self, css: &str) {
        let target = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"));
        self.navigating(target).await;
    }

    /// Clicks the link whose text is `text` and waits for the page it leads to.
    pub async fn click_link(&self, text: &str) {
        let target = self
            .client
            .find(Locator::LinkText(text))
            .await
            .unwrap_or_else(|e| panic!("no link {text:?}: {e}"));
        self.navigating(target).await;
    }

    /// Clicks `target` and waits until another document has loaded: the old one is marked
    /// first, and a loaded document without the mark is the new one.
    async fn navigating(&self, target: fantoccini::elements::Element) {
        self.client
            .execute("window.settleOldPage = true;", vec![])
            .await
            .unwrap();
        target.click().await.unwrap();
        for _ in 0..200 {
            let loaded = self
                .client
                .execute(
                    "return window.settleOldPage !== true && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no page loaded within 10 s of the click");
    }

    /// Saves a screenshot named `name`, runs axe-core on the page and reads the console:
    /// serious or critical accessibility violations and console errors fail the test.
    pub async fn check_page(&mut self, name: &str) {
        self.shot += 1;
        let png = self.client.screenshot().await.unwrap();
        let file = self.shots.join(format!("{:02}-{name}.png", self.shot));
        let partial = file.with_extension("png.partial");
        std::fs::write(&partial, png).unwrap();
        std::fs::rename(&partial, &file).unwrap();
        let violations = self.accessibility_violations().await;
        assert!(
            violations.is_empty(),
            "{name}: accessibility violations {violations:#?}"
        );
        let errors = self.console_errors().await;
        assert!(
            errors.is_empty(),
            "{name}: browser console errors {errors:#?}"
        );
    }

    /// axe-core's serious and critical violations on the current page.
    async fn accessibility_violations(&self) -> Vec<Value> {
        self.client.execute(&self.axe, vec![]).await.unwrap();
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(r => done(r.violations), e => done(String(e)));",
                vec![],
            )
            .await
            .unwrap();
        let violations = result
            .as_array()
            .unwrap_or_else(|| panic!("axe failed: {result}"))
            .clone();
        violations
            .into_iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .map(|v| json!({"id": v["id"], "help": v["help"], "nodes": v["nodes"].as_array().map(|n| n.iter().map(|n| n["html"].clone()).collect::<Vec<_>>())}))
            .collect()
    }

    /// The console entries at level SEVERE since the last read. The status of the page
    /// itself is not one: a refused form is answered 4xx on purpose (the tests check
    /// which), and Chromium logs that status as a failed load of the document.
    async fn console_errors(&self) -> Vec<String> {
        let document = format!(
            "{} - Failed to load resource: the server responded with a status of",
            self.client.current_url().await.unwrap()
        );
        let entries = self.client.issue_cmd(BrowserLog).await.unwrap();
        entries
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .filter(|message| !message.starts_with(&document))
            .collect()
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// chromedriver's log endpoint (`POST /session/{id}/se/log {"type":"browser"}`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}
