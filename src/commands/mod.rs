//! One function per subcommand: turn parsed flags into validated settings, call the core, print.

mod assertion;
mod cert;
mod completions;
mod doctor;
mod explain;
mod keygen;
mod login;
mod revoke;
mod setup;

use crate::cli::{Cli, Command, KeyArgs, OptionalKeyArgs};
use crate::credentials::keys::{self, KeySource, Passphrase, RsaPrivateKey};
use crate::error::{Error, Exit};

pub fn run(cli: Cli) -> Result<Exit, Error> {
    match cli.command {
        Command::Keygen(args) => keygen::run(args),
        Command::Cert(crate::cli::CertCommand::Inspect(args)) => cert::inspect(args),
        Command::Cert(crate::cli::CertCommand::Rotate(args)) => cert::rotate(args),
        Command::Setup(args) => setup::run(*args),
        Command::Assertion(args) => assertion::run(args),
        Command::Login(args) => login::run(*args),
        Command::Revoke(args) => revoke::run(args),
        Command::Doctor(args) => doctor::run(*args),
        Command::Explain(args) => explain::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
    }
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

/// Loads the signing key: --key, else SFJWT_KEY, else SFJWT_KEY_FILE.
pub(crate) fn load_key(args: &KeyArgs) -> Result<RsaPrivateKey, Error> {
    let source = KeySource::resolve(args.key.as_deref(), env_var)?;
    let pass = passphrase(args.key_passphrase_file.as_deref())?;
    Ok(keys::load(&source, pass.as_ref())?)
}

/// Loads a key only when --key is given (no environment fallback: an unrelated CI secret must not
/// silently turn a certificate check into a key check).
pub(crate) fn load_optional_key(args: &OptionalKeyArgs) -> Result<Option<RsaPrivateKey>, Error> {
    let Some(spec) = args.key.as_deref() else { return Ok(None) };
    let source = KeySource::parse(spec)?;
    let pass = passphrase(args.key_passphrase_file.as_deref())?;
    Ok(Some(keys::load(&source, pass.as_ref())?))
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Usage { message: format!("cannot encode JSON output: {e}"), help: None })?;
    println!("{text}");
    Ok(())
}

/// The verdict on stderr. `skip_evidence` leaves out lines the caller already printed.
pub(crate) fn print_diagnosis(d: &crate::diagnose::Diagnosis, skip_evidence: usize) {
    eprintln!("cause: {} ({}): {}", d.cause.id(), d.confidence.id(), d.summary);
    for e in d.evidence.iter().skip(skip_evidence) {
        eprintln!("  evidence: {e}");
    }
    for r in &d.remediation {
        eprintln!("help: {r}");
    }
    if let Some(fix) = &d.fix {
        eprintln!("fix: {fix}");
    }
    eprintln!("more: {}", d.docs);
}
