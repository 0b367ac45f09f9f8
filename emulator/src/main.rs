use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// A local HTTPS Salesforce org for sfjwt and the Salesforce CLI: OAuth JWT bearer token endpoint,
/// identity and the REST/SOQL objects diagnosis reads, from a YAML scenario.
#[derive(Parser)]
#[command(name = "sfjwt-emulator", version, subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    /// Scenario file (see fixtures/orgs/)
    #[arg(long, value_name = "FILE", required = true)]
    scenario: Option<PathBuf>,
    /// A Salesforce DX source folder whose apps and permission sets are loaded as a deploy would
    #[arg(long, value_name = "DIR")]
    source_dir: Option<PathBuf>,
    /// Address to listen on (loopback unless told otherwise)
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Where to write ca.pem (clients trust it) [default: a folder under the temp dir]
    #[arg(long, value_name = "DIR")]
    tls_dir: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS
    #[arg(long)]
    http: bool,
    /// Also valid for this DNS name (repeatable): reach the emulator as login.salesforce.com or a
    /// My Domain host inside a test namespace whose /etc/hosts maps it to loopback
    #[arg(long, value_name = "NAME")]
    tls_name: Vec<String>,
}

#[derive(Subcommand)]
enum Sub {
    /// Run the whole story on an embedded org: keygen, a login, a refusal and its diagnosis
    Demo,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(Sub::Demo) = cli.command {
        return match runtime.block_on(sfjwt_emulator::demo::run_demo()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let Some(scenario) = cli.scenario else {
        eprintln!("error: --scenario FILE is required");
        return ExitCode::from(2);
    };
    let org = match sfjwt_emulator::load_org(&scenario, cli.source_dir.as_deref()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        let opts = sfjwt_emulator::server::Options {
            listen: cli.listen,
            tls_dir: cli.tls_dir,
            http: cli.http,
            names: cli.tls_name,
        };
        let running = match sfjwt_emulator::server::start(org, opts).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        // Exactly one line, keys in this order: scripts read it with a line-oriented JSON parser.
        let ca = serde_json::Value::from(running.ca.as_ref().map(|p| p.display().to_string()));
        let ready = format!("{{\"url\": {}, \"ca\": {ca}}}", serde_json::Value::from(running.url.clone()));
        let mut out = std::io::stdout();
        let _ = writeln!(out, "{ready}");
        let _ = out.flush();
        sfjwt_emulator::server::wait_for_signal().await;
        let _ = running.shutdown.send(());
        eprintln!("sfjwt-emulator: stopped");
        ExitCode::SUCCESS
    })
}
