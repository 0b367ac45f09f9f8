//! Handing the session to what runs next: GitHub Actions outputs and masks, a GitLab dotenv
//! file, the Salesforce CLI's own store, or stdout in a chosen format.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::fsutil;

fn append(path: &Path, lines: &[(&str, &str)]) -> Result<(), Error> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::Io {
        action: "append to",
        path: path.display().to_string(),
        source: e,
        help: Some("GITHUB_OUTPUT and GITHUB_ENV must name writable files".into()),
    })?;
    let mut text = String::new();
    for (k, v) in lines {
        // Values never hold newlines here; a delimiter block keeps that safe regardless.
        if v.contains('\n') {
            text.push_str(&format!("{k}<<SFJWT_EOF\n{v}\nSFJWT_EOF\n"));
        } else {
            text.push_str(&format!("{k}={v}\n"));
        }
    }
    file.write_all(text.as_bytes()).map_err(|e| Error::Io {
        action: "write",
        path: path.display().to_string(),
        source: e,
        help: None,
    })
}

/// `::add-mask::` first, so the runner hides the token in everything printed after it.
pub fn github_mask(secret: &str) {
    println!("::add-mask::{secret}");
    let _ = std::io::stdout().flush();
}

pub fn github_outputs(lines: &[(&str, &str)]) -> Result<(), Error> {
    match std::env::var_os("GITHUB_OUTPUT") {
        Some(p) => append(&PathBuf::from(p), lines),
        None => {
            eprintln!("warning: GITHUB_OUTPUT is not set; step outputs not written");
            Ok(())
        }
    }
}

pub fn github_env(lines: &[(&str, &str)]) -> Result<(), Error> {
    match std::env::var_os("GITHUB_ENV") {
        Some(p) => append(&PathBuf::from(p), lines),
        None => Err(Error::usage("--export-env needs GITHUB_ENV (GitHub Actions)", "use --dotenv FILE elsewhere")),
    }
}

/// A dotenv file for GitLab's `artifacts:reports:dotenv`; it holds the token, so mode 0600.
pub fn dotenv(path: &Path, lines: &[(&str, &str)]) -> Result<(), Error> {
    let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    fsutil::write_atomic(path, text.as_bytes(), fsutil::SECRET_MODE)
}

/// The Salesforce CLI: SFJWT_SF_BIN, else `sf` on PATH; quiet about its own updates.
pub struct Sf {
    bin: std::ffi::OsString,
}

impl Sf {
    pub fn new() -> Sf {
        Sf { bin: std::env::var_os("SFJWT_SF_BIN").unwrap_or_else(|| "sf".into()) }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).env("SF_SKIP_NEW_VERSION_CHECK", "true");
        cmd
    }

    /// The error when sf cannot even start; `help` says what else the user can do.
    pub fn spawn_error(&self, source: std::io::Error, help: &str) -> Error {
        Error::Io {
            action: "run the Salesforce CLI",
            path: self.bin.to_string_lossy().into_owned(),
            source,
            help: Some(format!("install it (npm install -g @salesforce/cli) or set SFJWT_SF_BIN{help}")),
        }
    }
}

impl Default for Sf {
    fn default() -> Self {
        Sf::new()
    }
}

/// `sf org login access-token`, the token passed in the environment (never on a command line).
pub fn sf_handoff(alias: &str, instance_url: &str, token: &str) -> Result<(), Error> {
    let sf = Sf::new();
    let out = sf
        .command(&["org", "login", "access-token", "--instance-url", instance_url, "--alias", alias, "--no-prompt"])
        .env("SF_ACCESS_TOKEN", token)
        .output()
        .map_err(|e| sf.spawn_error(e, ""))?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let text = text.replace(token, "***");
    let excerpt: String = text.trim().chars().take(600).collect();
    Err(Error::usage(
        format!("the Salesforce CLI did not accept the session: {excerpt}"),
        "run `sf org login access-token --help`; sf needs Node >= 22",
    ))
}

pub fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// One line for a workflow command: GitHub ends a command at a newline, and `%`, `\r`, `\n` must
/// be escaped in its message.
fn escape_command(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_command(s).replace(':', "%3A").replace(',', "%2C")
}

/// An `::error` annotation with the diagnosis, and the Markdown report in the step summary.
pub fn github_report(report: &crate::output::report::Report) {
    let d = &report.diagnosis;
    if report.status != "ok" {
        let title = format!("sfjwt {}: {}", report.command, d.cause.id());
        let mut message = d.summary.clone();
        if let Some(first) = d.remediation.first() {
            message.push_str(&format!(" Fix: {first}"));
        }
        println!("::error title={}::{}", escape_property(&title), escape_command(&message));
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let md = crate::output::text::markdown(report);
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(format!("{md}\n").as_bytes()));
    }
}
