use std::error::Error as _;
use std::process::ExitCode;

use clap::Parser;
use sfjwt::cli::Cli;
use sfjwt::output::envelope;
use sfjwt::secrets::scrub;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing to a closed pipe (`sfjwt … | head`) would panic in
    // println!; the default disposition ends the process quietly, as every Unix filter does.
    #[cfg(unix)]
    // SAFETY: called first, before any thread exists; only resets a signal's disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let _ = e.print();
            if e.use_stderr() && std::env::args().any(|a| a == "--json") {
                let first = e.to_string().lines().next().unwrap_or_default().trim_start_matches("error: ").to_string();
                envelope::print(&envelope::error(sfjwt::Exit::Usage as u8, "UsageError", &first, None));
            }
            return if e.use_stderr() { ExitCode::from(sfjwt::Exit::Usage as u8) } else { ExitCode::SUCCESS };
        }
    };
    let json = cli.json;
    let outcome = sfjwt::commands::run(cli);
    if json {
        let value = match &outcome {
            Ok(exit) => envelope::finished(*exit as u8),
            Err(e) => envelope::error(e.exit() as u8, e.name(), &e.to_string(), e.help().as_deref()),
        };
        envelope::print(&value);
    }
    match outcome {
        Ok(exit) => exit.into(),
        Err(err) => {
            // Printed by hand, not via a Result from main: RUST_BACKTRACE=1 must not add a backtrace.
            eprintln!("error: {}", scrub(&err.to_string()));
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {}", scrub(&cause.to_string()));
                source = cause.source();
            }
            if let Some(help) = err.help() {
                eprintln!("help: {}", scrub(&help));
            }
            err.exit().into()
        }
    }
}
