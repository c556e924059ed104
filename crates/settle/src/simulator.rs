//! `settle nts-simulator serve`: the NTS simulator as a service of its own, speaking the
//! filer protocol over HTTP with faults injected, so that a settle filing through it
//! (`SETTLE_FILER=remote`) can be tried across a real socket.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Subcommand;
use settle_server::nts_simulator::{Faults, Rate};

use crate::config::Config;

/// The NTS simulator.
#[derive(Subcommand, Debug)]
pub enum SimulatorCommand {
    /// Serves the simulator (its register in this settle's database) until stopped.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        addr: SocketAddr,
        /// Waited before each request is looked at: `250ms`, `2s` or milliseconds.
        #[arg(long, default_value = "0ms", value_parser = parse_latency)]
        latency: Duration,
        /// Fraction of requests refused with 503 without being carried out.
        #[arg(long, default_value = "0", value_parser = Rate::parse)]
        fail_rate: Rate,
        /// Fraction of requests carried out whose answer is held back past any client's
        /// timeout.
        #[arg(long, default_value = "0", value_parser = Rate::parse)]
        timeout_rate: Rate,
        /// Fraction of requests carried out whose answer is cut off.
        #[arg(long, default_value = "0", value_parser = Rate::parse)]
        drop_after_accept: Rate,
        /// Seeds the fault draws, so the same run of requests meets the same faults.
        #[arg(long)]
        seed: Option<u64>,
    },
}

/// `250ms`, `2s`, or a number of milliseconds.
fn parse_latency(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 1)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1000)
    } else {
        (text, 1)
    };
    let value: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a latency like 250ms or 2s"))?;
    Ok(Duration::from_millis(value.saturating_mul(unit)))
}

/// Runs a simulator command.
pub async fn run(command: SimulatorCommand, config: &Config) -> anyhow::Result<()> {
    let SimulatorCommand::Serve {
        addr,
        latency,
        fail_rate,
        timeout_rate,
        drop_after_accept,
        seed,
    } = command;
    let faults = Faults {
        latency,
        fail_rate,
        timeout_rate,
        drop_after_accept,
        seed,
    };
    faults.validate().map_err(anyhow::Error::msg)?;
    let app = config.open().await?;
    let simulator = settle_app::filing::Simulator::new(app.store.clone());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, ?faults, "NTS simulator listening");
    settle_server::nts_simulator::serve_on(simulator, faults, listener).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_in_milliseconds_or_seconds() {
        assert_eq!(parse_latency("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_latency("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_latency("40"), Ok(Duration::from_millis(40)));
        assert!(parse_latency("soon").is_err());
    }
}
