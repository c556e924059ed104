//! `settle`: runs the server and the operator commands. Every subcommand reads the same
//! configuration (see [`config::Config`]) and can run beside a running server.

mod bench;
mod config;
mod export;
mod nts;
mod settlement;
mod simulator;

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use settle_app::App;
use settle_app::auth::Principal;
use settle_core::access::{Role, Roles};

use crate::config::Config;

/// settle: reverse-issued Korean e-tax invoices and partner invoices, self-hosted.
/// mimalloc: settle allocates and frees many small strings per row of a bulk write, where
/// it is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "settle", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum PopbillKeyCommand {
    /// Makes a LinkID and SecretKey for the official Popbill SDKs pointed at settle; prints
    /// `{"link_id","secret_key"}` (the secret is shown only now).
    Create {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs the HTTP server, the email outbox worker and the daily NTS filing scheduler.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SETTLE_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fill a demo tenant first and print how to log in.
        #[arg(long)]
        demo: bool,
        /// Also serve the Popbill-compatible API alone on this address (it is on the main
        /// address in any case).
        #[arg(long, env = "SETTLE_POPBILL_ADDR")]
        popbill_addr: Option<SocketAddr>,
    },
    /// Fills a demo tenant with partners and prints how to log in.
    Demo,
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Credentials for the Popbill-compatible API.
    #[command(subcommand)]
    PopbillKey(PopbillKeyCommand),
    /// Staff users who sign in to the pages.
    #[command(subcommand)]
    User(UserCommand),
    /// Joint certificates (공동인증서).
    #[command(subcommand)]
    Cert(nts::CertCommand),
    /// NTS standard tax-invoice XML: write signed, verify.
    #[command(subcommand)]
    Nts(nts::NtsCommand),
    /// Checks a billing period (documents against their lines, credit and void notes
    /// against their invoices); prints the report as JSON and fails when anything disagrees.
    Reconcile {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Billing period, YYYY-MM.
        #[arg(long)]
        period: String,
    },
    /// Files for people and other systems (reconciliation files, payout files).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Files brought in (transfers, payouts made).
    #[command(subcommand)]
    Import(settlement::ImportCommand),
    /// Closes the settlement cycles that ended by the end of a month (every partner's, or
    /// one's): amounts final, transfers settled, statements emailed; prints a JSON summary.
    SettleRun {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The month, YYYY-MM (over: cycles close once they have ended).
        #[arg(long)]
        period: String,
        /// Only this partner.
        #[arg(long)]
        partner: Option<String>,
    },
    /// The NTS simulator as a service of its own, with faults injected.
    #[command(subcommand)]
    NtsSimulator(simulator::SimulatorCommand),
    /// Benchmarks.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

#[derive(Subcommand, Debug)]
enum TenantCommand {
    /// Creates a tenant; prints `{"tenant_id","api_key"}` (a key with all four roles).
    Create {
        /// Company name.
        #[arg(long)]
        name: String,
        /// Business registration number.
        #[arg(long)]
        brn: String,
    },
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Makes an API key; prints `{"api_key"}`. Valid at once, also on a running server.
    Create {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// Role (repeat, or separate with commas): user_admin, billing_admin, admin_agent, sales_agent.
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<Role>,
        /// A label for the key.
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Makes a user; prints `{"user_id","login_url"}`, a one-time link to set a password.
    Create {
        /// Tenant id.
        #[arg(long)]
        tenant: String,
        /// The user's sign-in email.
        #[arg(long)]
        email: String,
        /// Role (repeat, or separate with commas): user_admin, billing_admin, admin_agent, sales_agent.
        #[arg(long = "role", required = true, value_delimiter = ',')]
        roles: Vec<Role>,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("SETTLE_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only for people: a log file or collector gets plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    if std::env::var("SETTLE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            addr,
            demo,
            popbill_addr,
        } => {
            let app = cli.config.open_at(Some(&addr.to_string())).await?;
            if demo {
                print_demo(&app, &cli.config).await?;
            }
            let owner = format!("serve:{}:{}", std::process::id(), ulid::Ulid::new());
            let worker = tokio::spawn(settle_app::worker::run(
                app.clone(),
                owner,
                std::time::Duration::from_millis(250),
            ));
            let popbill = match popbill_addr {
                Some(addr) => {
                    let listener = tokio::net::TcpListener::bind(addr).await?;
                    Some(tokio::spawn(settle_server::serve_popbill(
                        app.clone(),
                        listener,
                    )))
                }
                None => None,
            };
            let served = settle_server::serve(app, addr).await;
            worker.abort();
            if let Some(popbill) = popbill {
                popbill.abort();
            }
            served?;
        }
        Command::Demo => {
            let app = cli.config.open().await?;
            print_demo(&app, &cli.config).await?;
        }
        Command::Tenant(TenantCommand::Create { name, brn }) => {
            let app = cli.config.open().await?;
            let created = settle_app::tenants::create(&app, &name, &brn).await?;
            println!(
                "{}",
                serde_json::json!({ "tenant_id": created.tenant.id, "api_key": created.api_key })
            );
        }
        Command::Key(KeyCommand::Create {
            tenant,
            roles,
            name,
        }) => {
            let app = cli.config.open().await?;
            let tenant = settle_app::keys::parse_tenant_id(&tenant)?;
            let created =
                settle_app::keys::create(&app, &Principal::cli(tenant), Roles::new(roles), name)
                    .await?;
            println!(
                "{}",
                serde_json::json!({ "api_key": created.token, "key_id": created.record.id })
            );
        }
        Command::User(UserCommand::Create {
            tenant,
            email,
            roles,
        }) => {
            let app = cli.config.open().await?;
            let tenant = settle_app::keys::parse_tenant_id(&tenant)?;
            let created =
                settle_app::users::create(&app, &Principal::cli(tenant), &email, Roles::new(roles))
                    .await?;
            println!(
                "{}",
                serde_json::json!({ "user_id": created.user.id, "login_url": created.login_url })
            );
        }
        Command::PopbillKey(PopbillKeyCommand::Create { tenant }) => {
            let app = cli.config.open().await?;
            let tenant = settle_app::keys::parse_tenant_id(&tenant)?;
            let created = settle_app::popbill::create_key(&app, &Principal::cli(tenant)).await?;
            println!("{}", serde_json::to_string(&created)?);
        }
        Command::Cert(command) => nts::cert(command, &cli.config)?,
        Command::Nts(command) => nts::nts(command, &cli.config).await?,
        Command::Reconcile { tenant, period } => {
            let app = cli.config.open().await?;
            let by = Principal::cli(settle_app::keys::parse_tenant_id(&tenant)?);
            let report =
                settle_app::billing::reconciliation::check_period(&app, &by, &period).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            anyhow::ensure!(
                report.clean,
                "{} finding(s) in {period}",
                report.findings.len()
            );
        }
        Command::Export(command) => export::run(command, &cli.config).await?,
        Command::Import(command) => settlement::import(command, &cli.config).await?,
        Command::SettleRun {
            tenant,
            period,
            partner,
        } => settlement::settle_run(&cli.config, &tenant, &period, partner.as_deref()).await?,
        Command::NtsSimulator(command) => simulator::run(command, &cli.config).await?,
        Command::Bench(command) => bench::run(command, &cli.config).await?,
    }
    Ok(())
}

async fn print_demo(app: &App, config: &Config) -> anyhow::Result<()> {
    let demo = settle_app::demo::seed(app, &config.data).await?;
    let base = app.settings.public_url.trim_end_matches('/');
    let request = &demo.request;
    let certificate = request.certificate_dir.display();
    println!(
        "settle demo tenant {} is ready with {} partners.",
        demo.tenant_id, demo.partners
    );
    println!();
    println!("Sign in:  {base}/login");
    println!("  email     {}", demo.user_email);
    println!("  password  {}", demo.user_password);
    println!();
    println!(
        "A tax invoice waits for its supplier, {}:",
        request.supplier_name
    );
    println!("  link                  {}", request.link);
    println!("  BRN                   {}", request.supplier_brn);
    println!("  certificate files     {certificate}  (signCert.der + signPri.key, or cert.pfx)");
    println!(
        "  certificate password  {}",
        settle_app::demo::CERTIFICATE_PASSWORD
    );
    println!();
    println!("API key (all four roles): {}", demo.api_key);
    println!(
        "Try:  curl -H 'Authorization: Bearer {}' {base}/v1/partners",
        demo.api_key
    );
    println!("API description: {base}/v1/openapi.json");
    Ok(())
}
