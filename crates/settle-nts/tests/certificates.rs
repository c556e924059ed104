//! Joint certificates in every file format, and every way they can be unfit for signing.
//! PBES2-SEED keys and legacy PFX files are written by the OpenSSL command line, an
//! independent writer; the KISA forms are written to the published derivation.

mod common;

use std::path::Path;
use std::process::Command;

use common::leaf;
use openssl::symm::Cipher;
use settle_core::brn::Brn;
use settle_nts::certificate::{
    CheckOptions, LeafSpec, OID_SEED_CBC, OID_SEED_CBC_WITH_SHA1, ThrowawayCa, ThrowawayLeaf,
};
use settle_nts::{CertError, SigningIdentity, TrustBundle};
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "정산-test-1234";

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Key files of every supported kind, each paired with its format's name.
fn key_files(dir: &Path, leaf: &ThrowawayLeaf) -> Vec<(&'static str, Vec<u8>)> {
    std::fs::write(
        dir.join("key.pem"),
        leaf.key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    let pass = format!("pass:{PASSWORD}");
    let pbes2 = |cipher: &str, prf: &str| {
        openssl(
            dir,
            &[
                "pkcs8",
                "-topk8",
                "-v2",
                cipher,
                "-v2prf",
                prf,
                "-provider",
                "legacy",
                "-provider",
                "default",
                "-in",
                "key.pem",
                "-outform",
                "DER",
                "-passout",
                &pass,
            ],
        )
    };
    vec![
        (
            "kisa .15",
            leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
                .unwrap(),
        ),
        (
            "kisa .4",
            leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC).unwrap(),
        ),
        ("pbes2 seed sha1", pbes2("seed-cbc", "hmacWithSHA1")),
        ("pbes2 seed sha256", pbes2("seed-cbc", "hmacWithSHA256")),
        ("pbes2 aes sha256", pbes2("aes-256-cbc", "hmacWithSHA256")),
        (
            "pbes2 aes (library)",
            leaf.sign_pri_pbes2(PASSWORD, Cipher::aes_128_cbc())
                .unwrap(),
        ),
    ]
}

fn pfx_files(dir: &Path, leaf: &ThrowawayLeaf) -> Vec<(&'static str, Vec<u8>)> {
    std::fs::write(
        dir.join("key.pem"),
        leaf.key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("cert.pem"), leaf.certificate_pem().unwrap()).unwrap();
    let pass = format!("pass:{PASSWORD}");
    let export = |extra: &[&str], out: &str| {
        let mut args = vec![
            "pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-out", out, "-passout",
            &pass,
        ];
        args.extend_from_slice(extra);
        openssl(dir, &args);
        std::fs::read(dir.join(out)).unwrap()
    };
    vec![
        ("pfx aes (library)", leaf.pfx(PASSWORD).unwrap()),
        ("pfx aes (cli)", export(&[], "modern.pfx")),
        ("pfx legacy rc2/3des", export(&["-legacy"], "legacy.pfx")),
    ]
}

fn at_now() -> CheckOptions<'static> {
    CheckOptions {
        at: OffsetDateTime::now_utc(),
        trust: None,
        brn: None,
    }
}

#[test]
fn every_key_format_loads_checks_and_refuses_a_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let (_ca, leaf) = leaf();
    let certificate = leaf.certificate_der().unwrap();
    for (format, key) in key_files(dir.path(), &leaf) {
        let identity = SigningIdentity::from_npki(&certificate, &key, PASSWORD)
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        let report = identity.check(&at_now()).unwrap();
        assert!(!report.chain_verified, "{format}");
        assert_eq!(identity.info().key_bits, 2048);
        let kisa = format.starts_with("kisa");
        assert_eq!(identity.random_num().is_some(), kisa, "{format}");
        for wrong in ["wrong", "", "정산-test-1235"] {
            assert_eq!(
                SigningIdentity::from_npki(&certificate, &key, wrong).unwrap_err(),
                CertError::WrongPassword,
                "{format} with {wrong:?}"
            );
        }
    }
    for (format, pfx) in pfx_files(dir.path(), &leaf) {
        let identity =
            SigningIdentity::from_pfx(&pfx, PASSWORD).unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(
            identity.certificate_der(),
            certificate.as_slice(),
            "{format}"
        );
        identity.check(&at_now()).unwrap();
        assert_eq!(
            SigningIdentity::from_pfx(&pfx, "wrong").unwrap_err(),
            CertError::WrongPassword,
            "{format}"
        );
    }
}

#[test]
fn wrong_passwords_never_pass_even_when_padding_happens_to_fit() {
    // One in 256 wrong passwords decrypts to a valid final padding byte; none may load.
    let (_ca, leaf) = leaf();
    let certificate = leaf.certificate_der().unwrap();
    let key = leaf.sign_pri_kisa(PASSWORD, OID_SEED_CBC).unwrap();
    for attempt in 0..600 {
        let wrong = format!("guess-{attempt}");
        assert_eq!(
            SigningIdentity::from_npki(&certificate, &key, &wrong).unwrap_err(),
            CertError::WrongPassword
        );
    }
}

#[test]
fn damaged_files_are_clear_errors() {
    let (_ca, leaf) = leaf();
    let certificate = leaf.certificate_der().unwrap();
    let key = leaf
        .sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
        .unwrap();
    for bad_key in [
        &key[..key.len() / 2],
        &b"garbage garbage garbage"[..],
        &[][..],
    ] {
        assert!(matches!(
            SigningIdentity::from_npki(&certificate, bad_key, PASSWORD).unwrap_err(),
            CertError::MalformedKey(_)
        ));
    }
    for bad_certificate in [&certificate[..100], &b"not a certificate"[..], &[][..]] {
        assert!(matches!(
            SigningIdentity::from_npki(bad_certificate, &key, PASSWORD).unwrap_err(),
            CertError::MalformedCertificate(_)
        ));
    }
    let pfx = leaf.pfx(PASSWORD).unwrap();
    assert!(matches!(
        SigningIdentity::from_pfx(&pfx[..pfx.len() / 3], PASSWORD).unwrap_err(),
        CertError::MalformedPfx(_)
    ));
    assert!(matches!(
        SigningIdentity::from_pfx(b"PK\x03\x04 not a pfx", PASSWORD).unwrap_err(),
        CertError::MalformedPfx(_)
    ));
}

fn load(leaf: &ThrowawayLeaf) -> SigningIdentity {
    let key = leaf
        .sign_pri_kisa(PASSWORD, OID_SEED_CBC_WITH_SHA1)
        .unwrap();
    SigningIdentity::from_npki(&leaf.certificate_der().unwrap(), &key, PASSWORD).unwrap()
}

#[test]
fn validity_key_size_and_pairing_are_checked() {
    let ca = ThrowawayCa::new("settle test CA").unwrap();
    let now = OffsetDateTime::now_utc();

    let mut expired = LeafSpec::new("expired");
    expired.not_before = now - Duration::days(400);
    expired.not_after = now - Duration::days(1);
    let error = load(&ca.issue(&expired).unwrap())
        .check(&at_now())
        .unwrap_err();
    assert!(matches!(error, CertError::Expired(_)), "{error}");

    let mut future = LeafSpec::new("future");
    future.not_before = now + Duration::days(2);
    let error = load(&ca.issue(&future).unwrap())
        .check(&at_now())
        .unwrap_err();
    assert!(matches!(error, CertError::NotYetValid(_)), "{error}");

    let mut weak = LeafSpec::new("weak");
    weak.bits = 1024;
    let error = load(&ca.issue(&weak).unwrap())
        .check(&at_now())
        .unwrap_err();
    assert_eq!(error, CertError::WeakKey(1024));

    let first = ca.issue(&LeafSpec::new("first")).unwrap();
    let second = ca.issue(&LeafSpec::new("second")).unwrap();
    let key = second.sign_pri_kisa(PASSWORD, OID_SEED_CBC).unwrap();
    let mixed =
        SigningIdentity::from_npki(&first.certificate_der().unwrap(), &key, PASSWORD).unwrap();
    assert_eq!(mixed.check(&at_now()).unwrap_err(), CertError::KeyMismatch);
}

#[test]
fn chain_and_vid_are_checked_when_asked() {
    let (ca, leaf) = leaf();
    let identity = load(&leaf);
    let trusted = TrustBundle::from_pem(&ca.pem().unwrap()).unwrap();
    let other = TrustBundle::from_pem(&ThrowawayCa::new("other").unwrap().pem().unwrap()).unwrap();
    let supplier = Brn::parse("220-81-62517").unwrap();
    let stranger = Brn::parse("124-81-01231").unwrap();

    let report = identity
        .check(&CheckOptions {
            trust: Some(&trusted),
            brn: Some(&supplier),
            ..at_now()
        })
        .unwrap();
    assert!(report.chain_verified && report.brn_verified);

    let error = identity
        .check(&CheckOptions {
            trust: Some(&other),
            ..at_now()
        })
        .unwrap_err();
    assert!(matches!(error, CertError::Untrusted(_)), "{error}");

    let error = identity
        .check(&CheckOptions {
            brn: Some(&stranger),
            ..at_now()
        })
        .unwrap_err();
    assert_eq!(error, CertError::BrnMismatch("124-81-01231".into()));

    // A PFX made by OpenSSL drops the R value: the VID cannot be checked then.
    let pfx = SigningIdentity::from_pfx(&leaf.pfx(PASSWORD).unwrap(), PASSWORD).unwrap();
    assert_eq!(
        pfx.check(&CheckOptions {
            brn: Some(&supplier),
            ..at_now()
        })
        .unwrap_err(),
        CertError::VidUnverifiable
    );
    // Certificates without a VID (test certificates) pass the BRN check unverified.
    let plain = load(&ca.issue(&LeafSpec::new("no vid")).unwrap());
    let report = plain
        .check(&CheckOptions {
            brn: Some(&supplier),
            ..at_now()
        })
        .unwrap();
    assert!(!report.brn_verified);
    assert!(TrustBundle::from_pem(b"not pem").is_err());
}
