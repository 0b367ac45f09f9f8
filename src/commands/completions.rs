//! `sfjwt completions SHELL` and `sfjwt man`: generated from the clap definitions themselves, so
//! they can never drift from the flags. The release workflow ships their output in every archive.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{Error, Exit};
use crate::output::printer::{Outcome, Printer};

pub fn completions(args: CompletionsArgs, printer: Printer) -> Result<Outcome, Error> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "sfjwt", &mut out);
    write_stdout(&out, printer)
}

pub fn man(args: ManArgs, printer: Printer) -> Result<Outcome, Error> {
    let cmd = Cli::command();
    match args.dir {
        Some(dir) => {
            write_pages(cmd, &dir)?;
            Ok(Exit::Success.into())
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out).map_err(|e| io_error("render", "the man page", e))?;
            write_stdout(&out, printer)
        }
    }
}

/// sfjwt.1 plus one page per subcommand (sfjwt-login.1, sfjwt-cert-inspect.1, ...).
fn write_pages(cmd: clap::Command, dir: &Path) -> Result<(), Error> {
    if !dir.is_dir() {
        return Err(Error::usage(
            format!("{} is not a directory", dir.display()),
            "create it first: mkdir -p DIR && sfjwt man --dir DIR",
        ));
    }
    clap_mangen::generate_to(cmd, dir).map_err(|e| io_error("write man pages into", &dir.display().to_string(), e))
}

fn write_stdout(bytes: &[u8], printer: Printer) -> Result<Outcome, Error> {
    if printer.json() {
        // Under --json the text travels inside the envelope, stdout holds nothing else.
        let text = serde_json::json!({ "text": String::from_utf8_lossy(bytes) });
        return Ok(Outcome::new(Exit::Success).with_result(Some(text)));
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(Exit::Success.into()),
        // `sfjwt man | head` closes the pipe early; that is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Success.into()),
        Err(e) => Err(io_error("write to", "standard output", e)),
    }
}

fn io_error(action: &'static str, path: &str, source: std::io::Error) -> Error {
    Error::Io { action, path: path.to_string(), source, help: None }
}
