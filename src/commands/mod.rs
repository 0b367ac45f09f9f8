//! One function per subcommand: turn parsed flags into validated settings, call the core, print.

mod assertion;
mod cert;
mod completions;
mod doctor;
mod entra;
mod entra_record;
mod explain;
mod keygen;
mod login;
mod revoke;
mod setup;

use crate::cli::{Cli, Command, OptionalKeyArgs};
use crate::credentials::keys::{self, KeySource, Passphrase, RsaPrivateKey};
use crate::error::Error;
use crate::output::printer::{Outcome, Printer};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use crate::login::grant::Progress;

/// Runs the command; `printer` says where its output goes, and `main` prints the outcome.
pub fn run(cli: Cli, printer: Printer) -> Result<Outcome, Error> {
    crate::cli::settings::check_env_encoding()?;
    match cli.command {
        Command::Keygen(args) => keygen::run(args, printer),
        Command::Cert(crate::cli::CertCommand::Inspect(args)) => cert::inspect(args, printer),
        Command::Cert(crate::cli::CertCommand::Rotate(args)) => cert::rotate(args, printer),
        Command::Setup(args) => setup::run(*args, printer),
        Command::Assertion(args) => assertion::run(args, printer),
        Command::Login(args) => login_command(*args, printer),
        Command::Revoke(args) => revoke::run(args),
        Command::Doctor(args) => doctor::run(*args, printer),
        Command::Explain(args) => explain::run(args, printer),
        Command::Completions(args) => completions::completions(args, printer),
        Command::Man(args) => completions::man(args, printer),
    }
}

/// `login`: Salesforce, or Microsoft Entra with `--provider entra` (its flags refused otherwise).
fn login_command(args: crate::cli::LoginCommand, printer: Printer) -> Result<Outcome, Error> {
    if args.entra.provider == crate::cli::Provider::Entra {
        return entra::run(args, printer);
    }
    if let Some(flag) = args.entra.given().first() {
        return Err(Error::usage(format!("{flag} is for Microsoft Entra logins"), "add --provider entra"));
    }
    login::run(args.login, printer)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn passphrase(file: Option<&std::path::Path>) -> Result<Option<Passphrase>, Error> {
    if let Some(path) = file {
        return Ok(Some(Passphrase::from_file(path)?));
    }
    Ok(env_var("SFJWT_KEY_PASSPHRASE").map(Passphrase::new))
}

/// Loads a key only when --key is given (no environment fallback: an unrelated CI secret must not
/// silently turn a certificate check into a key check).
pub(crate) fn load_optional_key(args: &OptionalKeyArgs) -> Result<Option<RsaPrivateKey>, Error> {
    let Some(spec) = args.key.as_deref() else { return Ok(None) };
    let source = KeySource::parse(spec)?;
    let pass = passphrase(args.key_passphrase_file.as_deref())?;
    Ok(Some(keys::load(&source, pass.as_ref())?))
}

/// A line on stderr that may quote server or user text: scrubbed and terminal-safe.
pub(crate) fn say(text: &str) {
    eprintln!("{}", crate::secrets::for_terminal(text));
}

/// The verdict on stderr. `skip_evidence` leaves out lines the caller already printed. Server
/// text can hold an echoed secret, so every line is scrubbed.
pub(crate) fn print_diagnosis(d: &crate::diagnose::Diagnosis, skip_evidence: usize) {
    let line = |s: String| say(&s);
    let summary = crate::diagnose::unhedged(&d.summary);
    line(format!("cause: {} ({}): {summary}", d.cause.id(), d.confidence.id()));
    for e in d.evidence.iter().skip(skip_evidence) {
        line(format!("  evidence: {e}"));
    }
    for r in &d.remediation {
        line(format!("help: {r}"));
    }
    if let Some(fix) = &d.fix {
        line(format!("fix: {fix}"));
    }
    line(format!("more: {}", d.docs));
}

/// Progress on stderr. CI logs have no terminal, so waiting prints a line at least this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(15);

pub(crate) struct StderrProgress {
    tty: bool,
    started: Instant,
    last: Option<Instant>,
}

impl StderrProgress {
    pub(crate) fn new() -> StderrProgress {
        StderrProgress { tty: std::io::stderr().is_terminal(), started: Instant::now(), last: None }
    }
}

impl Progress for StderrProgress {
    fn retrying(&mut self, audience: &str, why: &str, wait: Duration) {
        say(&format!("note: {why} (aud {audience}); retrying in {:.1}s", wait.as_secs_f64()));
    }

    fn waiting(&mut self, why: &str, remaining: Duration) {
        let due = self.tty || self.last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY);
        if due {
            eprintln!(
                "waiting for the app to propagate ({why}): {}s elapsed, giving up in {}s",
                self.started.elapsed().as_secs(),
                remaining.as_secs()
            );
            self.last = Some(Instant::now());
        }
    }
}
