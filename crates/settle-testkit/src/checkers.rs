//! Independent checkers the tests call: `xmlsec1` for XML signatures, Python's `email`
//! package for `.eml` files.

use base64::Engine;
use std::path::Path;
use std::process::Command;

/// Runs `xmlsec1 --verify` on `xml` with the signer's PEM certificate; true when it accepts.
pub fn xmlsec1_accepts(dir: &Path, xml: &str, cert_pem: &[u8]) -> bool {
    let cert = dir.join("xmlsec1-cert.pem");
    std::fs::write(&cert, cert_pem).expect("write certificate");
    let file = dir.join("xmlsec1-signed.xml");
    std::fs::write(&file, xml).expect("write xml");
    let output = Command::new("xmlsec1")
        .args(["--verify", "--pubkey-cert-pem"])
        .arg(&cert)
        .args(["--enabled-reference-uris", "empty"])
        .arg(&file)
        .output()
        .expect("xmlsec1 is installed (scripts/test installs it)");
    if !output.status.success() {
        eprintln!("xmlsec1: {}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

/// The system's Python (where apt installs `python3-aiosmtpd`), else the first on `PATH`.
pub fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// A real SMTP server on loopback (`aiosmtpd`), storing what it receives in a Maildir;
/// stopped when dropped.
pub struct SmtpServer {
    child: std::process::Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// The Maildir; delivered messages land in `new/`.
    pub maildir: std::path::PathBuf,
}

impl SmtpServer {
    /// Starts one in `dir` and waits until it accepts connections.
    pub fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = dir.join("maildir");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd is installed (scripts/test installs it)");
        // Killed on drop, also when it never comes up.
        let server = Self {
            child,
            port,
            maildir,
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start");
    }

    /// The messages received so far, parsed.
    pub fn received(&self) -> Vec<ParsedEmail> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|dir| {
                dir.filter_map(|e| e.ok().map(|e| e.path()))
                    .map(|p| parse_eml(&p))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message as Python's standard `email` parser reads an `.eml` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedEmail {
    /// The decoded `To`.
    pub to: String,
    /// The decoded `Subject`.
    pub subject: String,
    /// The decoded text body.
    pub body: String,
    /// The `Message-ID`.
    pub message_id: String,
    /// The decoded HTML body (empty when there is none).
    pub html: String,
    /// The attachments: file name, content type, and the decoded bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

const PARSE_EML: &str = r#"
import email, email.policy, json, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.strict)
import base64
body = m.get_body(("plain",))
html = m.get_body(("html",))
files = [{"name": a.get_filename(), "type": a.get_content_type(),
          "data": base64.b64encode(a.get_content()).decode()} for a in m.iter_attachments()]
print(json.dumps({"to": str(m["To"]), "subject": str(m["Subject"]),
                  "body": body.get_content(), "message_id": str(m["Message-ID"]),
                  "html": html.get_content() if html is not None else "",
                  "attachments": files}))
"#;

/// Parses an `.eml` file with Python's `email` package (strict policy: a malformed header
/// fails the test).
pub fn parse_eml(path: &Path) -> ParsedEmail {
    let output = Command::new(python())
        .args(["-c", PARSE_EML])
        .arg(path)
        .output()
        .expect("python3 is installed");
    assert!(
        output.status.success(),
        "python's email parser refused {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("json from the parser");
    let field = |name: &str| value[name].as_str().unwrap_or_default().to_owned();
    ParsedEmail {
        to: field("to"),
        subject: field("subject"),
        body: field("body"),
        message_id: field("message_id"),
        html: field("html"),
        attachments: value["attachments"]
            .as_array()
            .map(|files| {
                files
                    .iter()
                    .map(|f| {
                        let text = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
                        let data = base64::engine::general_purpose::STANDARD
                            .decode(text("data"))
                            .unwrap_or_default();
                        (text("name"), text("type"), data)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Every complete message in an outbox folder (`*.eml` files directly in it), parsed by
/// Python's `email` package, in name order (job ids grow with time, so that is queueing
/// order). Messages still being written live in a subfolder and are not seen.
pub fn outbox_messages(dir: &Path) -> Vec<ParsedEmail> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.iter().map(|p| parse_eml(p)).collect()
}
