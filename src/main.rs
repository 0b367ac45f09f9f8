use std::error::Error as _;
use std::process::ExitCode;

use clap::Parser;
use sfjwt::cli::Cli;
use sfjwt::error::UsageKind;
use sfjwt::output::envelope;
use sfjwt::output::printer::Printer;
use sfjwt::secrets::{for_terminal, scrub};

/// clap's own errors quote the arguments they reject: a key pasted as a stray argument would land
/// in the log, so long key-like runs are cut out first. Help and version go to stdout untouched.
fn usage_error(e: &clap::Error) -> ExitCode {
    use std::io::Write;
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let rendered = e.render().to_string();
    let rendered = rendered.strip_prefix("Error:").map(|r| format!("error:{r}")).unwrap_or(rendered);
    let text = sfjwt::secrets::scrub(&sfjwt::secrets::redact_long_runs(&rendered)).into_owned();
    let _ = write!(std::io::stderr(), "{text}");
    // args_os: an argument that is not UTF-8 must not panic here.
    if std::env::args_os().any(|a| a == "--json") {
        let first = text.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
        envelope::print(&envelope::error(sfjwt::Exit::Usage as u8, usage_kind(e.kind()).name(), &first, None));
    }
    ExitCode::from(sfjwt::Exit::Usage as u8)
}

/// clap's error kinds, as `--json` names them; any other is a plain `UsageError`.
fn usage_kind(kind: clap::error::ErrorKind) -> UsageKind {
    use clap::error::ErrorKind as K;
    match kind {
        K::UnknownArgument | K::InvalidSubcommand => UsageKind::UnknownArgument,
        K::MissingRequiredArgument | K::MissingSubcommand => UsageKind::MissingArgument,
        K::InvalidValue | K::ValueValidation | K::TooManyValues | K::TooFewValues | K::WrongNumberOfValues => {
            UsageKind::InvalidValue
        }
        K::ArgumentConflict => UsageKind::Conflict,
        _ => UsageKind::General,
    }
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing to a closed pipe (`sfjwt … | head`) would panic in
    // println!; the default disposition ends the process quietly, as every Unix filter does.
    #[cfg(unix)]
    #[allow(unsafe_code)]
    // SAFETY: called first, before any thread exists; only resets a signal's disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Before any flag's error can quote a token or key pasted into it.
    sfjwt::secrets::register_credential_args(std::env::args_os().skip(1));
    sfjwt::secrets::register_secret_env(&|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let printer = Printer::new(cli.json);
    let outcome = sfjwt::commands::run(cli, printer);
    if printer.json() {
        let value = match &outcome {
            Ok(o) => envelope::finished(o),
            Err(e) => envelope::error(e.exit() as u8, e.name(), &e.to_string(), e.help().as_deref()),
        };
        envelope::print(&value);
    }
    match outcome {
        Ok(o) => o.exit.into(),
        Err(err) => {
            // Printed by hand, not via a Result from main: RUST_BACKTRACE=1 must not add a backtrace.
            eprintln!("error: {}", for_terminal(&err.to_string()));
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {}", for_terminal(&cause.to_string()));
                source = cause.source();
            }
            if let Some(help) = err.help() {
                eprintln!("help: {}", scrub(&help));
            }
            err.exit().into()
        }
    }
}
