//! `settle cert …` and `settle nts …`: joint certificates and NTS XML from the command line,
//! without a server.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::json;
use settle_core::brn::Brn;
use settle_core::tax_invoice::{TaxInvoiceInput, TaxPolicy};
use settle_core::validation::FieldError;
use settle_nts::approval::{ApprovalNumber, IssuerCode, korean_local};
use settle_nts::{CertError, CheckOptions, NtsDocument, SigningIdentity, TrustBundle};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;

/// The certificate files and their password.
#[derive(Args, Debug)]
pub struct CertificateFiles {
    /// The certificate, `signCert.der` (DER or PEM).
    #[arg(long = "sign-cert", requires = "sign_key", conflicts_with = "pfx")]
    sign_cert: Option<PathBuf>,
    /// The encrypted private key, `signPri.key`.
    #[arg(long = "sign-key", requires = "sign_cert")]
    sign_key: Option<PathBuf>,
    /// A PKCS#12 / PFX file instead of the two files above.
    #[arg(long, required_unless_present = "sign_cert")]
    pfx: Option<PathBuf>,
    /// The certificate password.
    #[arg(long, env = "SETTLE_CERT_PASSWORD", hide_env_values = true)]
    password: String,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn cert_error(error: CertError) -> anyhow::Error {
    anyhow::anyhow!("{error} [{}]", error.code())
}

impl CertificateFiles {
    fn load(&self) -> anyhow::Result<SigningIdentity> {
        let identity = match (&self.sign_cert, &self.sign_key, &self.pfx) {
            (Some(cert), Some(key), None) => {
                SigningIdentity::from_npki(&read(cert)?, &read(key)?, &self.password)
            }
            (None, None, Some(pfx)) => SigningIdentity::from_pfx(&read(pfx)?, &self.password),
            _ => anyhow::bail!("give --sign-cert and --sign-key, or --pfx"),
        };
        identity.map_err(cert_error)
    }
}

/// Joint certificates.
#[derive(Subcommand, Debug)]
pub enum CertCommand {
    /// Loads a certificate with its key, checks it (password, validity, RSA ≥ 2048, key
    /// pair, chain to SETTLE_CERT_TRUST when set, VID against --brn) and prints it as JSON.
    Inspect {
        #[command(flatten)]
        files: CertificateFiles,
        /// The business the certificate must belong to (checked through its VID).
        #[arg(long)]
        brn: Option<String>,
    },
}

/// NTS documents.
#[derive(Subcommand, Debug)]
pub enum NtsCommand {
    /// Writes the signed NTS XML of a tax invoice given as JSON.
    Xml {
        /// The invoice (JSON: write_date, tax_type, purpose, supplier, buyer, items, …).
        #[arg(long)]
        input: PathBuf,
        #[command(flatten)]
        files: CertificateFiles,
        /// Where to write the XML (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verifies the signature and digest of a signed NTS XML file; exits 0 only if valid.
    Verify {
        /// The signed XML.
        file: PathBuf,
    },
    /// Runs the filing batch as the scheduler would at `--as-of`, and waits for it: every
    /// invoice issued before that Korean day began ends `sent` or `send_failed`. Prints
    /// `{"filed","sent","failed"}`.
    RunBatch {
        /// The instant, RFC 3339 (`2026-11-22T15:00:00+09:00`); default now.
        #[arg(long = "as-of")]
        as_of: Option<String>,
    },
}

fn trust(config: &Config) -> anyhow::Result<Option<TrustBundle>> {
    config
        .cert_trust
        .as_deref()
        .map(TrustBundle::from_pem_file)
        .transpose()
        .map_err(cert_error)
}

fn check(
    identity: &SigningIdentity,
    config: &Config,
    brn: Option<&Brn>,
) -> anyhow::Result<settle_nts::CheckReport> {
    let trust = trust(config)?;
    identity
        .check(&CheckOptions {
            at: OffsetDateTime::now_utc(),
            trust: trust.as_ref(),
            brn,
        })
        .map_err(cert_error)
}

/// Runs `settle cert …`.
pub fn cert(command: CertCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        CertCommand::Inspect { files, brn } => {
            let identity = files.load()?;
            let brn = brn
                .map(|b| Brn::parse(&b).map_err(|e| anyhow::anyhow!("--brn: {e}")))
                .transpose()?;
            let report = check(&identity, config, brn.as_ref())?;
            let mut value = serde_json::to_value(identity.info())?;
            value["chain_verified"] = json!(report.chain_verified);
            value["brn_verified"] = json!(report.brn_verified);
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
    }
    Ok(())
}

fn invalid(errors: &[FieldError]) -> anyhow::Error {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  {}: {} [{}]", e.field, e.message, e.code))
        .collect();
    anyhow::anyhow!("the tax invoice is invalid:\n{}", lines.join("\n"))
}

/// Runs `settle nts …`.
pub async fn nts(command: NtsCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        NtsCommand::RunBatch { as_of } => {
            let as_of = match as_of {
                Some(text) => OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| {
                    anyhow::anyhow!("--as-of must be an RFC 3339 instant, got {text:?}")
                })?,
                None => OffsetDateTime::now_utc(),
            };
            let app = config.open().await?;
            let report = settle_app::filing::run_batch(&app, as_of).await;
            app.store.close().await;
            println!("{}", serde_json::to_string(&report?)?);
        }
        NtsCommand::Xml { input, files, out } => {
            let bytes = read(&input)?;
            let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
            let input: TaxInvoiceInput = serde_path_to_error::deserialize(deserializer)
                .map_err(|e| anyhow::anyhow!("{}: {e}", input.display()))?;
            let given_number = input.approval_number.clone();
            let invoice = input
                .validate(&TaxPolicy::default())
                .map_err(|errors| invalid(&errors))?;
            let identity = files.load()?;
            check(&identity, config, Some(&invoice.supplier.brn))?;
            let approval_number = match given_number {
                Some(number) => number
                    .parse::<ApprovalNumber>()
                    .map_err(|e| anyhow::anyhow!("{e} [{}]", e.code()))?,
                None => {
                    let issuer: IssuerCode = config
                        .nts_issuer_code
                        .parse()
                        .map_err(|e: settle_nts::approval::ApprovalError| anyhow::anyhow!("{e}"))?;
                    let app = config.open().await?;
                    let number = settle_app::approvals::assign(&app, app.now(), &issuer).await?;
                    app.store.close().await;
                    number
                }
            };
            let document = NtsDocument {
                approval_number,
                issued_at: korean_local(OffsetDateTime::now_utc()),
                invoice,
            };
            let xml = settle_nts::xml::write(&document);
            let signed = settle_nts::dsig::sign(&xml, &identity)
                .map_err(|e| anyhow::anyhow!("{e} [{}]", e.code()))?;
            match out {
                Some(path) => std::fs::write(&path, signed)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{signed}"),
            }
        }
        NtsCommand::Verify { file } => {
            let bytes = read(&file)?;
            let xml = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", file.display()))?;
            let verified = settle_nts::dsig::verify(&xml)
                .map_err(|e| anyhow::anyhow!("signature invalid: {e} [{}]", e.code()))?;
            let approval_number = settle_nts::xml::read(&xml)
                .ok()
                .map(|doc| doc.approval_number.to_string());
            println!(
                "{}",
                json!({
                    "valid": true,
                    "subject": verified.info().subject,
                    "serial": verified.info().serial,
                    "approval_number": approval_number,
                })
            );
        }
    }
    Ok(())
}
