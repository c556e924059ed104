//! `settle cert inspect`, `settle nts xml` and `settle nts verify` as an operator runs them,
//! with certificate files written to disk and xmlsec1 as the independent verifier.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use settle_nts::certificate::{LeafSpec, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf};
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "cli-pass-1234";

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.path(name);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }

    /// Writes signCert.der + signPri.key (KISA) and a PFX of `leaf` under `prefix`.
    fn certificate(&self, prefix: &str, leaf: &ThrowawayLeaf) -> (String, String, String) {
        (
            self.write(
                &format!("{prefix}-signCert.der"),
                &leaf.certificate_der().unwrap(),
            ),
            self.write(
                &format!("{prefix}-signPri.key"),
                &leaf
                    .sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
                    .unwrap(),
            ),
            self.write(&format!("{prefix}.pfx"), &leaf.pfx(PASSWORD).unwrap()),
        )
    }

    fn settle(&self, args: &[&str]) -> (bool, String, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_settle"))
            .env_remove("DATABASE_URL")
            .env_remove("SETTLE_CERT_TRUST")
            .env("SETTLE_DATA", self.path("data"))
            .args(args)
            .output()
            .expect("run settle");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

fn xmlsec1_accepts(cert_pem: &Path, xml: &Path) -> bool {
    Command::new("xmlsec1")
        .args(["--verify", "--pubkey-cert-pem"])
        .arg(cert_pem)
        .args(["--enabled-reference-uris", "empty"])
        .arg(xml)
        .output()
        .expect("xmlsec1 is installed")
        .status
        .success()
}

fn invoice() -> Value {
    json!({
        "write_date": "2026-11-20", "tax_type": "taxable", "purpose": "claim",
        "supplier": {"brn": "220-81-62517", "name": "공급자 & 아들 <주>", "ceo_name": "김공급",
                     "address": "서울특별시 강남구 테헤란로 1", "biz_type": "서비스", "biz_item": "광고",
                     "contact": {"name": "이담당", "email": "tax@supplier.example"}},
        "buyer": {"brn": "124-81-01231", "name": "플랫폼(주)", "ceo_name": "박대표",
                  "address": "서울특별시 중구 세종대로 110"},
        "items": [{"date": "2026-11-20", "name": "광고", "quantity": 3, "unit_price": "3333", "supply_amount": "9999"}],
        "remarks": ["11월분"]
    })
}

fn supplier_leaf(ca: &ThrowawayCa) -> ThrowawayLeaf {
    let mut spec = LeafSpec::new("공급자");
    spec.vid_brn = Some("2208162517".into());
    ca.issue(&spec).unwrap()
}

#[test]
fn cert_inspect_prints_the_certificate_and_refuses_bad_ones() {
    let files = Files::new();
    let ca = ThrowawayCa::new("cli CA").unwrap();
    let trust = files.write("trust.pem", &ca.pem().unwrap());
    let (cert, key, pfx) = files.certificate("good", &supplier_leaf(&ca));

    let (ok, out, err) = files.settle(&[
        "cert",
        "inspect",
        "--sign-cert",
        &cert,
        "--sign-key",
        &key,
        "--password",
        PASSWORD,
        "--trust",
        &trust,
        "--brn",
        "220-81-62517",
    ]);
    assert!(ok, "{err}");
    let info: Value = serde_json::from_str(&out).unwrap();
    for field in ["subject", "serial", "not_before", "not_after", "key_bits"] {
        assert!(!info[field].is_null(), "{field} missing in {info}");
    }
    assert_eq!(info["key_bits"], 2048);
    assert_eq!(info["chain_verified"], true);
    assert_eq!(info["brn_verified"], true);
    assert!(info["subject"].as_str().unwrap().contains("CN=공급자"));

    let (ok, out, err) = files.settle(&["cert", "inspect", "--pfx", &pfx, "--password", PASSWORD]);
    assert!(ok, "{err}");
    let info: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(info["chain_verified"], false);

    for args in [
        vec![
            "--sign-cert",
            &cert,
            "--sign-key",
            &key,
            "--password",
            "wrong",
        ],
        vec!["--pfx", &pfx, "--password", "wrong"],
    ] {
        let (ok, _, err) = files.settle(&[&["cert", "inspect"][..], &args].concat());
        assert!(!ok);
        assert!(err.contains("password"), "{err}");
    }

    let other = files.write(
        "other.pem",
        &ThrowawayCa::new("other").unwrap().pem().unwrap(),
    );
    let now = OffsetDateTime::now_utc();
    let mut expired = LeafSpec::new("expired");
    expired.not_before = now - Duration::days(30);
    expired.not_after = now - Duration::days(1);
    let (exp_cert, exp_key, _) = files.certificate("expired", &ca.issue(&expired).unwrap());
    let mut weak = LeafSpec::new("weak");
    weak.bits = 1024;
    let (weak_cert, weak_key, _) = files.certificate("weak", &ca.issue(&weak).unwrap());
    let garbage = files.write("garbage.key", b"definitely not a key");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--sign-cert", &exp_cert, "--sign-key", &exp_key],
            "expired",
        ),
        (
            vec!["--sign-cert", &weak_cert, "--sign-key", &weak_key],
            "2048",
        ),
        (
            vec!["--sign-cert", &cert, "--sign-key", &exp_key],
            "does not belong",
        ),
        (
            vec!["--sign-cert", &cert, "--sign-key", &key, "--trust", &other],
            "chain",
        ),
        (
            vec![
                "--sign-cert",
                &cert,
                "--sign-key",
                &key,
                "--brn",
                "124-81-01231",
            ],
            "VID",
        ),
        (
            vec!["--sign-cert", &cert, "--sign-key", &garbage],
            "damaged",
        ),
        (vec!["--sign-cert", &garbage, "--sign-key", &key], "damaged"),
    ];
    for (args, expected) in cases {
        let all = [&["cert", "inspect", "--password", PASSWORD][..], &args].concat();
        let (ok, _, err) = files.settle(&all);
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn nts_xml_signs_what_xmlsec1_and_nts_verify_accept() {
    let files = Files::new();
    let ca = ThrowawayCa::new("cli CA").unwrap();
    let leaf = supplier_leaf(&ca);
    let cert_pem = files.path("cert.pem");
    std::fs::write(&cert_pem, leaf.certificate_pem().unwrap()).unwrap();
    let (cert, key, _) = files.certificate("supplier", &leaf);
    let input = files.write("invoice.json", invoice().to_string().as_bytes());
    let out = files.path("signed.xml").display().to_string();

    let (ok, _, err) = files.settle(&[
        "nts",
        "xml",
        "--input",
        &input,
        "--sign-cert",
        &cert,
        "--sign-key",
        &key,
        "--password",
        PASSWORD,
        "--out",
        &out,
    ]);
    assert!(ok, "{err}");
    let signed = std::fs::read_to_string(&out).unwrap();
    assert!(signed.contains("<TaxInvoice xmlns=\"urn:kr:or:kec:standard:Tax:ReusableAggregateBusinessInformationEntitySchemaModule:1:0\""));
    assert!(signed.contains("<TaxTotalAmount>999</TaxTotalAmount>"));
    assert!(xmlsec1_accepts(&cert_pem, Path::new(&out)));
    let (ok, stdout, err) = files.settle(&["nts", "verify", &out]);
    assert!(ok, "{err}");
    let verified: Value = serde_json::from_str(&stdout).unwrap();
    let number = verified["approval_number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 24);
    assert_eq!(&number[8..16], "90000001");

    // Another document gets the next serial; a PFX (here of a certificate without VID, as
    // OpenSSL-made PFX files carry no R value) signs too.
    let (_, _, pfx) = files.certificate("plain", &ca.issue(&LeafSpec::new("plain")).unwrap());
    let (ok, second, err) = files.settle(&[
        "nts",
        "xml",
        "--input",
        &input,
        "--pfx",
        &pfx,
        "--password",
        PASSWORD,
    ]);
    assert!(ok, "{err}");
    let second_number = settle_nts::xml::read(&second)
        .unwrap()
        .approval_number
        .to_string();
    assert_eq!(second_number[..16], number[..16]);
    let serial = |n: &str| n[16..].parse::<u32>().unwrap();
    assert_eq!(serial(&second_number), serial(&number) + 1);

    let changed = signed.replacen("<InvoiceAmount>9999<", "<InvoiceAmount>9998<", 1);
    assert_ne!(changed, signed);
    let changed_path = files.write("changed.xml", changed.as_bytes());
    assert!(!xmlsec1_accepts(&cert_pem, Path::new(&changed_path)));
    let (ok, _, err) = files.settle(&["nts", "verify", &changed_path]);
    assert!(!ok);
    assert!(err.contains("digest"), "{err}");

    let unsigned = files.write(
        "unsigned.xml",
        settle_nts::xml::write(&settle_nts::xml::read(&signed).unwrap()).as_bytes(),
    );
    let (ok, _, err) = files.settle(&["nts", "verify", &unsigned]);
    assert!(!ok && err.contains("no NTS signature"), "{err}");
}

#[test]
fn nts_xml_names_every_problem_in_bad_input() {
    let files = Files::new();
    let ca = ThrowawayCa::new("cli CA").unwrap();
    let (cert, key, _) = files.certificate("supplier", &supplier_leaf(&ca));
    let sign = |value: Value| {
        let input = files.write("bad.json", value.to_string().as_bytes());
        files.settle(&[
            "nts",
            "xml",
            "--input",
            &input,
            "--sign-cert",
            &cert,
            "--sign-key",
            &key,
            "--password",
            PASSWORD,
        ])
    };
    let mut many = invoice();
    many["items"] = json!(vec![json!({"name": "x", "supply_amount": "1"}); 100]);
    let mut fractional = invoice();
    fractional["items"][0]["supply_amount"] = json!("9999.5");
    let mut totals = invoice();
    totals["total"] = json!("1");
    let mut unnamed = invoice();
    unnamed["items"][0]["name"] = json!("");
    let mut other_supplier = invoice();
    other_supplier["supplier"]["brn"] = json!("124-81-01231");
    for (value, expected) in [
        (many, "tax_invoice.too_many_items"),
        (fractional, "tax_invoice.fractional_won"),
        (totals, "tax_invoice.totals_mismatch"),
        (unnamed, "items[0].name"),
        (other_supplier, "cert.brn_mismatch"),
        (json!({"write_date": 5}), "write_date"),
    ] {
        let (ok, out, err) = sign(value);
        assert!(!ok, "{expected}: {out}");
        assert!(err.contains(expected), "{expected}: {err}");
    }
}
